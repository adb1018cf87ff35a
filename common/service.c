/* service — the daemon: its sockets, its one loop (requests, feeds, timers
 * and the periodic tick under one zmq_poll), the dispatch of requests, and
 * the accessors of service.h. The parts with lifetimes of their own are
 * txn.c, ingest.c and consumer.c (see service_impl.h). */
#include "service.h"
#include "service_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "curve.h"
#include "hrss_limits.h"
#include "log.h"
#include "outbox.h"
#include "procstat.h"
#include "timers.h"
#include "timeutil.h"
#include "wire.h"

#define TICK_MS 1000             /* periodic work: reconnect, poll feeds */
#define FEED_LIMIT_MAX LIMIT_FEED_MAX

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

db_t *
service_db(service_t *svc)
{
    return svc->db;
}

const char *
service_name_of(const service_t *svc)
{
    return svc->def->name;
}

uint64_t
service_version(const service_t *svc)
{
    return svc->version;
}

static void s_nudge(service_t *svc);

void
service_outbox_advanced(service_t *svc, uint64_t last_seq)
{
    if (last_seq > svc->txn.last_seq)
        svc->txn.last_seq = last_seq;
    service_touch(svc);
}

void
service_touch(service_t *svc)
{
    svc->version++;
    s_nudge(svc);
}

int
reject(verdict_t *v, const char *code, const char *field, const char *fmt, ...)
{
    v->code = code;
    v->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof v->message, fmt, ap);
    va_end(ap);
    return 1;
}

int
service_fail(Hrss__Reply *reply, arena_t *arena, const char *code, const char *message,
             bool retryable)
{
    Hrss__Failure *f = arena_alloc(arena, sizeof *f);
    if (!f)
        return -1;
    hrss__failure__init(f);
    f->code = arena_strdup(arena, code);
    f->message = message ? arena_strdup(arena, message) : NULL;
    f->has_retryable = 1;
    f->retryable = retryable;
    reply->body_case = HRSS__REPLY__BODY_FAILURE;
    reply->failure = f;
    return 0;
}

int
service_emit(service_t *svc, const Hrss__Event *cause, const char *type, const char *region,
             int64_t occurred_at_us, const ProtobufCMessage *data)
{
    return txn_emit(&svc->txn, cause, type, region, occurred_at_us, data);
}

int
service_commit(service_t *svc)
{
    size_t rows = svc->txn.n;
    if (txn_commit(&svc->txn, svc->db, NULL, 0, NULL, 0)) {
        txn_check_bug(svc->db, "a timer's transaction");
        txn_rollback(&svc->txn, svc->db);
        return -1;
    }
    service_committed(svc, rows);
    return 0;
}

void
service_rollback(service_t *svc)
{
    txn_rollback(&svc->txn, svc->db);
}

void
service_set_user(service_t *svc, void *user)
{
    svc->user = user;
}

void *
service_user(const service_t *svc)
{
    return svc->user ? svc->user : svc->def->user;
}

void
service_timer_arm(service_t *svc, const char *name, int64_t due_us)
{
    if (!svc->timers || timers_arm(svc->timers, name, due_us))
        log_fatal("service_timer_arm: %s has no timer named %s", svc->def->name, name);
}

/* After every commit: its outbox may have grown, and its answers changed. */
static void
s_nudge(service_t *svc)
{
    Hrss__Nudge nudge = HRSS__NUDGE__INIT;
    nudge.service = (char *) svc->def->name;
    nudge.head = svc->txn.last_seq;
    nudge.has_version = 1;
    nudge.version = svc->version;
    /* PUB drops when a subscriber is slow; that is fine, the pull is the truth. */
    wire_send(svc->pub, &nudge.base, ZMQ_DONTWAIT);
}

/* After each commit that changed something: a new version, a nudge to the
 * consumers, and now and then fresh statistics. A connection makes each
 * prepared statement's plan once, for the table sizes of that moment; a
 * table that started empty would keep plans made for an empty table
 * (sequential scans where an index probe is wanted) until autovacuum
 * analyzes it, a minute or more later. So whenever the changes since the
 * start have doubled (1000, 2000, 4000, ...) the service analyzes those of
 * its tables that outgrew their statistics while small (db_analyze_grown):
 * on a database past that stage, a catalog query now and then. */
void
service_committed(service_t *svc, size_t changes)
{
    svc->version++;
    s_nudge(svc);
    svc->changes += changes;
    if (svc->changes < svc->analyze_at)
        return;
    int64_t t0 = monotonic_us();
    if (db_analyze_grown(svc->db) == 0)
        log_debug("growth of the tables checked after %" PRIu64 " changes, in %" PRId64 " ms",
                  svc->changes, (monotonic_us() - t0) / 1000);
    svc->analyze_at = 2 * svc->changes;
}

/* ---- requests ------------------------------------------------------------- */

static int
s_on_feed(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply)
{
    uint32_t limit = req->feed->limit;
    if (limit == 0 || limit > FEED_LIMIT_MAX)
        limit = FEED_LIMIT_MAX;
    if (!svc->migrated || db_ensure(svc->db))
        return service_fail(reply, svc->arena, "unavailable", db_error(svc->db), true);
    Hrss__FeedPage *page = arena_alloc(svc->arena, sizeof *page);
    if (!page)
        return -1;
    /* the head as of our last commit: no query for it (we alone write the outbox) */
    if (outbox_read(svc->db, svc->def->name, req->feed->after, limit, svc->txn.last_seq, svc->arena,
                    page))
        return service_fail(reply, svc->arena, "unavailable", db_error(svc->db), true);
    reply->body_case = HRSS__REPLY__BODY_FEED;
    reply->feed = page;
    return 0;
}

static int
s_on_ping(service_t *svc, Hrss__Reply *reply)
{
    Hrss__Pong *pong = arena_alloc(svc->arena, sizeof *pong);
    if (!pong)
        return -1;
    hrss__pong__init(pong);
    pong->service = (char *) svc->def->name;
    pong->ready = svc->migrated && db_connected(svc->db);
    if (!pong->ready)
        pong->detail = arena_strdup(svc->arena, svc->migrated ? "database unavailable"
                                                              : "migrations not applied");
    if (svc->migrated) {
        /* kept up to date by every commit: a ping never waits for the database */
        pong->has_outbox_head = 1;
        pong->outbox_head = svc->txn.last_seq;
    }
    pong->has_malformed = pong->has_unknown = 1;
    pong->malformed = svc->malformed;
    pong->unknown = svc->unknown;
    pong->has_careful_batches = 1;
    pong->careful_batches = svc->ingest.careful_batches;
    pong->has_resent_batches = 1;
    pong->resent_batches = svc->ingest.resent_batches;
    pong->has_redone_batches = 1;
    pong->redone_batches = svc->ingest.redone_batches;
    procstat_t ps;
    (void) procstat_read(&ps);   /* what it could not read stays absent */
    pong->has_resident_bytes = ps.resident_bytes > 0;
    pong->resident_bytes = ps.resident_bytes;
    pong->has_cpu_seconds = 1;
    pong->cpu_seconds = ps.cpu_seconds;
    pong->has_start_time_seconds = ps.start_time_seconds > 0;
    pong->start_time_seconds = ps.start_time_seconds;
    pong->feeds = arena_alloc(svc->arena, (svc->nconsumers + 1) * sizeof *pong->feeds);
    for (size_t i = 0; pong->feeds && i < svc->nconsumers; i++) {
        const consumer_t *c = &svc->consumers[i];
        Hrss__FeedPosition *f = arena_alloc(svc->arena, sizeof *f);
        if (!f)
            break;
        hrss__feed_position__init(f);
        f->source = (char *) c->sub->source;
        f->cursor = c->cursor;
        f->head = c->head > c->cursor ? c->head : c->cursor;
        f->has_pages = 1;
        f->pages = c->pages;
        pong->feeds[pong->n_feeds++] = f;
    }
    reply->body_case = HRSS__REPLY__BODY_PONG;
    reply->pong = pong;
    return 0;
}

static void s_answer(service_t *svc, const unsigned char *id, size_t id_len,
                     const Hrss__Request *req);

/* Receives one request and answers it, or adds an event batch to the group of the round
 * (answered by ingest_flush). */
static void
s_handle_request(service_t *svc)
{
    unsigned char id[256];
    size_t id_len;
    Hrss__Request *req = wire_recv_request(svc->router, id, &id_len, &svc->request_alloc);
    if (!req) {
        if (errno != EAGAIN)
            svc->malformed++;
        return;
    }
    if (req->body_case == HRSS__REQUEST__BODY_EVENTS && req->events->n_events <= BATCH_MAX) {
        ingest_add(svc, req, id, id_len);
        return;
    }
    if (req->body_case == HRSS__REQUEST__BODY_FEED && svc->nfeeds < ROUTER_BURST) {
        /* answered after the round's batches (s_feeds_answer) */
        feed_asked_t *f = &svc->feeds_asked[svc->nfeeds++];
        memcpy(f->id, id, id_len);
        f->id_len = id_len;
        f->corr_id = req->corr_id;
        f->after = req->feed->after;
        f->limit = req->feed->limit;
        return;
    }
    s_answer(svc, id, id_len, req);
}

/* A consumer's page costs the source a read of up to FEED_PAGE outbox rows
 * and a reply of ~100 KB: a batch that arrived in the same round is applied
 * and answered first, and the page then reaches up to its commit. */
static void
s_feeds_answer(service_t *svc)
{
    for (size_t i = 0; i < svc->nfeeds; i++) {
        const feed_asked_t *f = &svc->feeds_asked[i];
        Hrss__FeedRequest feed = HRSS__FEED_REQUEST__INIT;
        feed.after = f->after;
        feed.limit = f->limit;
        Hrss__Request req = HRSS__REQUEST__INIT;
        req.corr_id = f->corr_id;
        req.body_case = HRSS__REQUEST__BODY_FEED;
        req.feed = &feed;
        s_answer(svc, f->id, f->id_len, &req);
    }
    svc->nfeeds = 0;
}

/* Answers a request other than an event batch. */
static void
s_answer(service_t *svc, const unsigned char *id, size_t id_len, const Hrss__Request *req)
{
    Hrss__Reply reply = HRSS__REPLY__INIT;
    reply.corr_id = req->corr_id;
    int rc;
    request_fn *fn = NULL;
    switch (req->body_case) {
    case HRSS__REQUEST__BODY_PING:
        rc = s_on_ping(svc, &reply);
        break;
    case HRSS__REQUEST__BODY_EVENTS:
        /* only a batch above the limit comes here: a well-behaved gateway never sends one */
        rc = service_fail(&reply, svc->arena, "too_many_events",
                          "a batch carries at most " LIMIT_STR(LIMIT_BATCH_EVENTS) " events", false);
        break;
    case HRSS__REQUEST__BODY_FEED:
        rc = s_on_feed(svc, req, &reply);
        break;
    case HRSS__REQUEST__BODY_PERSON:
        fn = svc->def->on_person;
        goto custom;
    case HRSS__REQUEST__BODY_INDICATORS:
        fn = svc->def->on_indicators;
        goto custom;
    case HRSS__REQUEST__BODY_TARGETS:
        fn = svc->def->on_targets;
    custom:
        if (fn) {
            if (!svc->migrated || db_ensure(svc->db))
                rc = service_fail(&reply, svc->arena, "unavailable", db_error(svc->db), true);
            else
                rc = fn(svc, req, &reply, svc->arena);
            if (rc == 0 && reply.body_case == HRSS__REPLY__BODY__NOT_SET)
                rc = -1;
            break;
        }
        /* fall through */
    default:
        if (svc->def->on_command && req->body_case >= 30) {
            fn = svc->def->on_command;
            goto custom;
        }
        svc->unknown++;
        rc = service_fail(&reply, svc->arena, "unknown_request",
                          "this service does not answer that request", false);
        break;
    }
    if (rc) {
        reply.body_case = HRSS__REPLY__BODY__NOT_SET;
        service_fail(&reply, svc->arena, "internal", "the request failed", true);
    }
    if (wire_send_reply(svc->router, id, id_len, &reply))
        log_warn("reply not delivered: %s", zmq_strerror(errno));
    arena_reset(svc->arena);   /* a feed page's events too */
}

/* ---- the loop --------------------------------------------------------------------- */

static void
s_tick(service_t *svc)
{
    curve_tick(svc->curve);   /* reconnect feeds a server refused, once due */
    if (db_ensure(svc->db)) {
        if (!svc->db_down_logged)
            log_error("database unavailable: %s", db_error(svc->db));
        svc->db_down_logged = true;
        return;
    }
    if (svc->db_down_logged)
        log_info("database connection restored");
    svc->db_down_logged = false;
    if (!svc->migrated) {
        if (db_migrate(svc->db, "backbone", outbox_migrations, config_sql_dir(), svc->def->name)) {
            log_error("migrations failed: %s", db_error(svc->db));
            return;
        }
        if (outbox_head(svc->db, &svc->txn.last_seq)) {
            log_error("outbox head unreadable: %s", db_error(svc->db));
            return;
        }
        svc->migrated = true;
        log_info("schema %s migrated; ready", svc->def->name);
    }
    /* Nudges can be lost (slow joiner, high-water mark, source restarted):
     * poll every feed once per tick as well. */
    for (size_t i = 0; i < svc->nconsumers; i++)
        svc->consumers[i].want = true;
}

static int
s_loop(service_t *svc)
{
    int64_t next_tick = 0;
    zmq_pollitem_t items[1 + 2 * MAX_CONSUMERS];
    while (!s_stop) {
        int64_t now = monotonic_ms();
        if (now >= next_tick) {
            s_tick(svc);
            next_tick = now + TICK_MS;
        }
        /* timers run between requests, outside any transaction, while the
         * database is there (a timer's work needs it) */
        bool ready = svc->migrated && db_connected(svc->db);
        int64_t now_real = now_us();
        if (ready)
            timers_run(svc->timers, svc, now_real);
        int64_t wake = next_tick;
        size_t n = 0;
        items[n++] = (zmq_pollitem_t){svc->router, 0, ZMQ_POLLIN, 0};
        for (size_t i = 0; i < svc->nconsumers; i++) {
            consumer_t *c = &svc->consumers[i];
            wake = consumer_prepare(svc, c, now, wake);
            items[n++] = (zmq_pollitem_t){c->dealer, 0, ZMQ_POLLIN, 0};
            items[n++] = (zmq_pollitem_t){c->nudges, 0, ZMQ_POLLIN, 0};
        }
        long timeout = timers_poll_timeout(monotonic_ms(), wake, now_us(),
                                 ready ? timers_next(svc->timers) : INT64_MAX);
        if (zmq_poll(items, (int) n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            log_error("zmq_poll: %s", zmq_strerror(errno));
            return -1;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            for (int burst = 0; burst < ROUTER_BURST && !s_stop; burst++) {
                int events = 0;
                size_t len = sizeof events;
                if (zmq_getsockopt(svc->router, ZMQ_EVENTS, &events, &len) ||
                    !(events & ZMQ_POLLIN))
                    break;
                s_handle_request(svc);
            }
            ingest_flush(svc);
            s_feeds_answer(svc);
        }
        for (size_t i = 0; i < svc->nconsumers; i++) {
            consumer_t *c = &svc->consumers[i];
            if (items[1 + 2 * i].revents & ZMQ_POLLIN)
                consumer_reply(svc, c);
            if (items[2 + 2 * i].revents & ZMQ_POLLIN)
                consumer_nudged(c);
        }
    }
    return 0;
}

static void
s_destroy(service_t *svc)
{
    consumers_close(svc);
    wire_close(&svc->router);
    wire_close(&svc->pub);
    curve_destroy(&svc->curve);   /* its thread's sockets, before the context ends */
    if (svc->ctx)
        zmq_ctx_term(svc->ctx);
    db_destroy(&svc->db);
    arena_destroy(&svc->arena);
    txn_free(&svc->txn);
    ingest_free(&svc->ingest);
    timers_destroy(&svc->timers);
    arena_destroy(&svc->request_arena);
    arena_destroy(&svc->page_arena);
}

int
service_main(const service_def_t *def)
{
    if (getenv("HRSS_LIST_HANDLERS"))   /* the coherence test asks (service_list.c) */
        return service_list_handlers(def, stdout) ? 1 : 0;
    log_init(def->name);
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    service_t svc = {0};
    svc.analyze_at = 1000;
    svc.def = def;
    int rc = 1;
    char router_ep[512], pub_ep[512];
    const char *conninfo = config_service_db(def->name);
    if (!conninfo) {
        log_error("no database configured: set HRSS_%s_DB", def->name);
        goto out;
    }
    if (config_service_endpoint(def->name, router_ep, sizeof router_ep) ||
        config_service_pub(def->name, pub_ep, sizeof pub_ep)) {
        log_error("endpoint configuration too long");
        goto out;
    }
    svc.db = db_new(conninfo, def->name);
    svc.arena = arena_new();
    ingest_init(&svc.ingest);
    svc.timers = timers_new(def->timers);
    svc.request_arena = arena_new();
    svc.request_alloc = arena_protobuf_allocator(svc.request_arena);
    svc.page_arena = arena_new();
    svc.page_alloc = arena_protobuf_allocator(svc.page_arena);
    svc.ctx = zmq_ctx_new();
    if (!svc.db || !svc.arena || txn_init(&svc.txn, def->name) || !svc.timers || !svc.request_arena ||
        !svc.page_arena || !svc.ctx)
        goto out;
    if (!(svc.curve = curve_new(svc.ctx, def->name))) {
        log_error("CURVE configuration: %s", curve_error());
        goto out;
    }
    if (curve_enabled(svc.curve))
        log_info("CURVE on: keys in %s, clients admitted from its authorized/", curve_keys_dir());
    svc.router = wire_socket(svc.ctx, ZMQ_ROUTER);
    svc.pub = wire_socket(svc.ctx, ZMQ_PUB);
    if (svc.router && svc.pub &&
        (curve_server(svc.curve, svc.router) || curve_server(svc.curve, svc.pub))) {
        log_error("CURVE on %s / %s: %s", router_ep, pub_ep, curve_error());
        goto out;
    }
    if (!svc.router || !svc.pub || zmq_bind(svc.router, router_ep) || zmq_bind(svc.pub, pub_ep)) {
        log_error("cannot bind %s / %s: %s", router_ep, pub_ep, zmq_strerror(errno));
        goto out;
    }
    if (consumers_open(&svc)) {
        log_error("cannot open feed consumers: %s", zmq_strerror(errno));
        goto out;
    }
    log_info("serving on %s, notifying on %s", router_ep, pub_ep);
    rc = s_loop(&svc) ? 1 : 0;
    log_info("stopping (%" PRIu64 " malformed and %" PRIu64 " unknown requests dropped)",
             svc.malformed, svc.unknown);
out:
    s_destroy(&svc);
    return rc;
}
