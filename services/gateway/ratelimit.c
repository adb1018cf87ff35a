/* Per-token rate limits: a token bucket per token, refilled continuously at
 * the token's rate and holding at most two seconds' worth (the burst). Kept
 * in the main thread only, in milli-requests so that no float is needed. */
#include <stdlib.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "timeutil.h"

#define BUCKETS 4096                    /* power of two, far above the number of tokens */
#define BURST_SECONDS 2

typedef struct {
    int64_t token_id;                   /* 0: free */
    int64_t milli;                      /* available requests x 1000 */
    int64_t last_ms;
} bucket_t;

struct ratelimit_t {
    bucket_t buckets[BUCKETS];
    int default_rate;
    bool full_logged;
};

ratelimit_t *
ratelimit_new(void)
{
    ratelimit_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    int ok;
    long rate = config_long("HRSS_RATE_LIMIT", 200, 0, 1000000, &ok);
    self->default_rate = ok ? (int) rate : 200;
    return self;
}

void
ratelimit_destroy(ratelimit_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

int
ratelimit_take(ratelimit_t *self, const principal_t *who)
{
    int rate = who->rate_limit >= 0 ? who->rate_limit : self->default_rate;
    if (rate == 0)
        return 0;   /* unlimited */
    int64_t now = monotonic_ms();
    int64_t cap = (int64_t) rate * 1000 * BURST_SECONDS;
    bucket_t *b = NULL;
    for (size_t i = (size_t) who->token_id * 2654435761u & (BUCKETS - 1), n = 0; n < BUCKETS;
         i = (i + 1) & (BUCKETS - 1), n++) {
        if (self->buckets[i].token_id == who->token_id || self->buckets[i].token_id == 0) {
            b = &self->buckets[i];
            break;
        }
    }
    if (!b) {
        if (!self->full_logged)
            log_warn("rate limiter full: tokens beyond %d are not limited", BUCKETS);
        self->full_logged = true;
        return 0;
    }
    if (b->token_id == 0) {
        b->token_id = who->token_id;
        b->milli = cap;
        b->last_ms = now;
    }
    b->milli += (now - b->last_ms) * rate;   /* rate per second = rate milli per ms */
    b->last_ms = now;
    if (b->milli > cap)
        b->milli = cap;
    if (b->milli >= 1000) {
        b->milli -= 1000;
        return 0;
    }
    /* seconds until one request's worth has refilled, at least 1 */
    int64_t wait_ms = (1000 - b->milli + rate - 1) / rate;
    return (int) ((wait_ms + 999) / 1000);
}
