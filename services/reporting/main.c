/* hrss-reporting daemon entry point: the service skeleton, the feeds it reads
 * and the queries it answers. */
#include "log.h"
#include "reporting.h"

static const feed_subscription_t s_feeds[] = {
    {"employment", reporting_employment_feed, reporting_page_end},
    {"insurance", reporting_insurance_feed, reporting_page_end},
    {"arrears", reporting_arrears_feed, reporting_page_end},
    {NULL, NULL, NULL}};

static const service_def_t s_reporting = {
    .name = "reporting",
    .feeds = s_feeds,
    .on_indicators = reporting_on_indicators,
    .on_targets = reporting_on_targets,
    .produces = reporting_indicators,
};

int
main(void)
{
    log_init(s_reporting.name);
    if (reporting_regions_load()) {
        log_error("cannot load the region table: check HRSS_DATA_DIR");
        return 1;
    }
    int rc = service_main(&s_reporting);
    reporting_feeds_free();
    reporting_regions_free();
    return rc;
}
