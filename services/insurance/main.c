/* hrss-insurance daemon entry point. */
#include <stdio.h>

#include "insurance.h"
#include "log.h"

/* The event handlers of every aggregate, in one table (service_def_t). */
#define HANDLERS_MAX 32
static event_handler_t s_handlers[HANDLERS_MAX + 1];

static int
s_merge(void)
{
    const event_handler_t *tables[] = {insurance_event_handlers,
                                       insurance_contribution_handlers,
                                       insurance_certification_handlers,
                                       insurance_employer_handlers,
                                       insurance_supervision_handlers};
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const event_handler_t *h = tables[t]; h->type; h++) {
            if (n == HANDLERS_MAX)
                return -1;
            s_handlers[n++] = *h;
        }
    return 0;
}

/* Employment's feed: one line per event type insurance keeps a copy of or
 * applies a rule to. */
static const feed_handler_t s_employment_feed[] = {
    {"employment.person_registered", insurance_on_person_registered},
    {"employment.employed", insurance_on_employed},
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
    {"arrears", insurance_arrears_feed, NULL},
    {NULL, NULL, NULL}};

static const service_def_t s_insurance = {
    .name = "insurance",
    .events = s_handlers,
    .feeds = s_feeds,
    .on_person = insurance_on_person,
    .on_command = insurance_on_command,
};

int
main(void)
{
    if (s_merge()) {
        fprintf(stderr, "hrss-insurance: too many event handlers\n");
        return 1;
    }
    return service_main(&s_insurance);
}
