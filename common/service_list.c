/* service_list — what a daemon registers, said on request: the coherence
 * test (tests/unit/test_catalog.c) runs each daemon with HRSS_LIST_HANDLERS
 * set and compares the answer with the catalog. It reads the very tables
 * the daemon runs on (service_def_t), so the answer cannot drift from them,
 * and it needs no configuration, database or socket. */
#include <stdio.h>

#include "service.h"

int
service_list_handlers(const service_def_t *def, FILE *out)
{
    /* one line per registration, words separated by spaces:
     *   event <type>                 a handler of pushed events
     *   feed <source> <type>         a handler of a feed it consumes
     *   indicator <aggregate> <code> an indicator it produces */
    for (const event_handler_t *h = def->events; h && h->type; h++)
        fprintf(out, "event %s\n", h->type);
    for (const feed_subscription_t *s = def->feeds; s && s->source; s++)
        for (const feed_handler_t *h = s->handlers; h && h->type; h++)
            fprintf(out, "feed %s %s\n", s->source, h->type);
    for (const indicator_producer_t *p = def->produces; p && p->code; p++)
        fprintf(out, "indicator %s %s\n", p->aggregate, p->code);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
