/* Per-token rate limits: a token bucket per token, refilled continuously at
 * the token's rate and holding at most two seconds' worth (the burst). Kept
 * in the main thread only, in milli-requests so that no float is needed.
 *
 * And failed authentications per client address, the same way: an address
 * whose bucket is empty is refused before its token is looked at, so that a
 * flood of bad tokens costs neither a database lookup nor an audit row per
 * request. A token the gateway knows as valid is never held back by its
 * address (clients behind one NAT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "timeutil.h"

#define BUCKETS 4096                    /* power of two, far above the number of tokens */
#define BURST_SECONDS 2
#define ADDRESSES 4096                  /* power of two */
#define ADDRESS_PROBE 16

typedef struct {
    char client[48];                    /* "": free */
    int64_t milli;
    int64_t last_ms;
} address_t;

typedef struct {
    int64_t token_id;                   /* 0: free */
    int64_t milli;                      /* available requests x 1000 */
    int64_t last_ms;
} bucket_t;

struct ratelimit_t {
    bucket_t buckets[BUCKETS];
    int default_rate;
    bool full_logged;
    address_t addresses[ADDRESSES];
    int failure_rate;                   /* failed authentications/s per address; 0: no limit */
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
    rate = config_long("HRSS_AUTH_FAILURE_RATE", 50, 0, 1000000, &ok);
    self->failure_rate = ok ? (int) rate : 50;
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

/* The bucket of `client`, refilled to now; NULL when the limit is off. */
static address_t *
s_address(ratelimit_t *self, const char *client)
{
    if (self->failure_rate == 0 || !client[0])
        return NULL;
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = client; *p; p++)
        h = (h ^ (unsigned char) *p) * 1099511628211ULL;
    int64_t now = monotonic_ms();
    int64_t cap = (int64_t) self->failure_rate * 1000 * BURST_SECONDS;
    address_t *b = NULL, *stalest = NULL;
    for (size_t i = h & (ADDRESSES - 1), n = 0; n < ADDRESS_PROBE;
         i = (i + 1) & (ADDRESSES - 1), n++) {
        address_t *a = &self->addresses[i];
        if (!a->client[0] || strcmp(a->client, client) == 0) {
            b = a;
            break;
        }
        if (!stalest || a->last_ms < stalest->last_ms)
            stalest = a;
    }
    if (!b) {
        /* every slot near it is taken: the least recently failing address
         * gives up its slot (it starts again with a full bucket) */
        b = stalest;
        b->client[0] = '\0';
    }
    if (!b->client[0]) {
        snprintf(b->client, sizeof b->client, "%s", client);
        b->milli = cap;
        b->last_ms = now;
    }
    b->milli += (now - b->last_ms) * self->failure_rate;
    b->last_ms = now;
    if (b->milli > cap)
        b->milli = cap;
    return b;
}

int
ratelimit_address_check(ratelimit_t *self, const char *client)
{
    address_t *b = s_address(self, client);
    if (!b || b->milli >= 1000)
        return 0;
    int64_t wait_ms = (1000 - b->milli + self->failure_rate - 1) / self->failure_rate;
    return (int) ((wait_ms + 999) / 1000);
}

void
ratelimit_address_failed(ratelimit_t *self, const char *client)
{
    address_t *b = s_address(self, client);
    if (b && b->milli >= 1000)
        b->milli -= 1000;
}
