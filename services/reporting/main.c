/* hrss-reporting daemon entry point: the service skeleton, the feeds it reads
 * (their handlers come from the aggregates, aggregate.h) and the queries it
 * answers. */
#include "aggregate.h"
#include "log.h"
#include "reporting.h"

static const char *const s_sources[] = {"employment", "insurance", "arrears"};
#define NSOURCES (sizeof s_sources / sizeof *s_sources)

int
main(void)
{
    log_init("reporting");
    if (reporting_regions_load()) {
        log_error("cannot load the region table: check HRSS_DATA_DIR");
        return 1;
    }
    int rc = 1;
    feed_subscription_t feeds[NSOURCES + 1] = {{0}};
    page_t *page = page_new(NULL);
    indicator_producer_t *produces = reporting_producers_new();
    if (!page || !produces)
        goto out;
    for (size_t i = 0; i < NSOURCES; i++) {
        /* subscribed even when no aggregate reads it yet: its cursor follows */
        const feed_handler_t *handlers = page_handlers(page, s_sources[i]);
        if (!handlers)
            goto out;
        feeds[i] = (feed_subscription_t){s_sources[i], handlers, reporting_page_end};
    }
    service_def_t def = {
        .name = "reporting",
        .feeds = feeds,
        .on_indicators = reporting_on_indicators,
        .on_targets = reporting_on_targets,
        .user = page,
        .produces = produces,
        .on_command = reporting_on_command,
    };
    rc = service_main(&def);
out:
    reporting_producers_free(&produces);
    page_destroy(&page);
    reporting_regions_free();
    return rc;
}
