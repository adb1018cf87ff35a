/* hrss-insurance daemon entry point. */
#include "insurance.h"

/* Employment's feed: one line per event type insurance keeps a copy of. */
static const feed_handler_t s_employment_feed[] = {
    {"employment.person_registered", insurance_on_person_registered},
    {NULL, NULL}};

/* The end of a page of employment's feed: each copy that gathers over a page
 * writes it here. */
static int
s_employment_page_end(service_t *svc, const char *source, bool committing)
{
    (void) source;
    return insurance_persons_copy_page_end(svc, committing);
}

static const feed_subscription_t s_feeds[] = {
    {"employment", s_employment_feed, s_employment_page_end},
    {NULL, NULL, NULL}};

static const service_def_t s_insurance = {
    .name = "insurance",
    .events = insurance_event_handlers,
    .feeds = s_feeds,
    .on_person = insurance_on_person,
};

int
main(void)
{
    return service_main(&s_insurance);
}
