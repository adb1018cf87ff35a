/* hrss-employment daemon entry point: the service skeleton plus this
 * service's tables of handlers. */
#include "employment.h"

static const feed_subscription_t s_feeds[] = {
    {"insurance", employment_insurance_feed, NULL}, /* deaths mark persons deceased */
    {"arrears", employment_arrears_feed, NULL},     /* the blacklist refuses job posts */
    {NULL, NULL, NULL}};

static const service_def_t s_employment = {
    .name = "employment",
    .events = employment_event_handlers,
    .feeds = s_feeds,
    .on_person = employment_on_person,
};

int
main(void)
{
    return service_main(&s_employment);
}
