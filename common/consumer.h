/* consumer — another service's feed, applied page by page.
 *
 * Lifetime: a page, from its request to the commit of its cursor. A
 * consumer asks its source for the events after its cursor, applies them
 * (feed_subscription_t's handlers) and stores the new cursor in the same
 * transaction, so that each event counts exactly once. It asks again when
 * the source nudges it (PUB), when a page was full, and once per tick in
 * case a nudge was lost; after a page that was not full it lets the next
 * page gather (FEED_GATHER_MS), unless the source's head (from its nudges)
 * shows a full page waiting already: under steady ingest the consumer then
 * takes one full page as soon as there is one, instead of two pages back to
 * back after each wait, and its load on the shared cores is steadier. */
#ifndef HRSS_CONSUMER_H
#define HRSS_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>

#include "service.h"

#define FEED_PAGE 500            /* events a consumer applies per transaction: small enough
                                  * that queries interleave while it catches up (a page
                                  * holds reporting's loop for about 8 ms) */
/* A consumer that keeps up would apply every commit of its source as a page
 * of its own: under steady ingest, one page per batch of 100. Its cost is
 * per page as much as per event (reporting's facts are summed per page; each
 * page is a feed request, a transaction and its flush), and it is taken from
 * the cores the ingest itself runs on. After a page that was not full, a
 * consumer therefore waits this long before it asks again, and the next page
 * gathers what came meanwhile: reporting's CPU per event fell by about a third
 * (1 client, batches of 100). What a consumer shows lags its source by at
 * most this much more; an event after a quiet spell is asked for at once. */
#define FEED_GATHER_MS 50
#define FEED_TIMEOUT_MS 5000     /* a feed request unanswered this long is re-sent */

typedef struct {
    const feed_subscription_t *sub;
    void *dealer;
    void *nudges;
    uint64_t cursor;
    bool cursor_loaded;
    uint64_t inflight;          /* corr id of the outstanding request, 0 when none */
    int64_t deadline_ms;
    bool want;                  /* the source may have more */
    uint64_t head;              /* the source's head when it last answered */
    int64_t gather_until_ms;    /* no request before: the next page gathers */
    uint64_t pages;             /* pages applied since start */
} consumer_t;

/* Opens a consumer for each of the service's subscriptions. */
int consumers_open(service_t *svc);
void consumers_close(service_t *svc);
/* Before a poll: re-sends what timed out, asks what is wanted and may be
 * asked now; returns the earliest instant (monotonic ms) it must look again,
 * or `wake` when that is sooner. */
int64_t consumer_prepare(service_t *svc, consumer_t *c, int64_t now_ms, int64_t wake);
/* The source answered (the dealer is readable). */
void consumer_reply(service_t *svc, consumer_t *c);
/* The source nudged (the SUB is readable). */
void consumer_nudged(consumer_t *c);

#endif
