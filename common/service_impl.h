/* service_impl — what the parts of the service skeleton share; not for
 * handlers (they see service.h only).
 *
 * The skeleton is four modules, by the lifetime of what they hold:
 *   txn.c       the open transaction and its outbox rows (BEGIN .. COMMIT);
 *   ingest.c    a group of event batches, from their arrival to their
 *               answers: runs, verdicts, apply modes, group commit;
 *   consumer.c  a feed page of another service, from its request to the
 *               commit of its cursor;
 *   service.c   the daemon: its sockets, its one loop, timers, dispatch of
 *               requests, and the accessors of service.h.
 * runs.c (the run/key-set engine) and hashtab.c serve ingest and the
 * consumers alike (and reporting's page). */
#ifndef HRSS_SERVICE_IMPL_H
#define HRSS_SERVICE_IMPL_H

#include "consumer.h"
#include "curve.h"
#include "ingest.h"
#include "service.h"
#include "timers.h"
#include "txn.h"

#define MAX_CONSUMERS 8
#define ROUTER_BURST 64          /* requests handled per poll round before looking elsewhere */

/* A feed request put off to the end of its round (service.c). */
typedef struct {
    unsigned char id[256];
    size_t id_len;
    uint64_t corr_id;
    uint64_t after;
    uint32_t limit;
} feed_asked_t;

struct service_t {
    const service_def_t *def;
    db_t *db;
    bool migrated;
    bool db_down_logged;
    void *ctx;
    curve_t *curve;             /* CURVE keys and ZAP handler (HRSS_CURVE); plain when off */
    void *router;
    void *pub;
    consumer_t consumers[MAX_CONSUMERS];
    size_t nconsumers;
    timers_t *timers;
    arena_t *arena;             /* one request's or one group's answers */
    /* requests received since the last group was answered and their events'
     * data, unpacked without a malloc per field and let go together when the
     * group is answered (ingest_flush): at most one group's worth */
    arena_t *request_arena;
    ProtobufCAllocator request_alloc;
    /* a consumer's feed page and its events' data, the same way: let go once
     * the page is applied (consumer_reply) */
    arena_t *page_arena;
    ProtobufCAllocator page_alloc;
    uint64_t next_corr;
    txn_t txn;
    uint64_t version;           /* bumped at every commit that changed something */
    uint64_t changes;           /* events applied since the start */
    uint64_t analyze_at;        /* changes at which to analyze the tables next */
    ingest_t ingest;
    uint64_t malformed;         /* requests dropped as unreadable */
    uint64_t unknown;           /* requests of a type nobody handles */
    void *user;                 /* service_set_user */
    feed_asked_t feeds_asked[ROUTER_BURST];
    size_t nfeeds;
};

/* After each commit that changed something (`changes` events applied): a
 * new version, a nudge to the consumers, now and then fresh statistics. */
void service_committed(service_t *svc, size_t changes);

#endif
