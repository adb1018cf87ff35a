#include "service.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "curve.h"
#include "event_types.h"
#include "log.h"
#include "outbox.h"
#include "timeutil.h"
#include "wire.h"

#define TICK_MS 1000             /* periodic work: reconnect, poll feeds */
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
#define FEED_LIMIT_MAX 10000     /* CONTRACT.md: GET /v1/feed limit */
#define FEED_TIMEOUT_MS 5000     /* a feed request unanswered this long is re-sent */
#define MAX_CONSUMERS 8
#define ROUTER_BURST 64          /* requests handled per poll round before looking elsewhere */
#define BATCH_MAX 1000           /* CONTRACT.md: events of one request. Bounds the time one
                                  * batch holds the loop */

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

/* Event batches that arrive together are applied in one transaction (group
 * commit): under load the fsync of one COMMIT serves several clients. */
#define GROUP_REQUESTS 64
#define SEEN_BEFORE 2            /* s_txn_commit, s_apply_batch: an id was accepted before */
#define NOT_IN_ONE_PIPELINE 3    /* s_apply_batch: the batch needs its verdicts read first */
#define GROUP_EVENTS 4000

typedef struct {
    Hrss__Request *reqs[GROUP_REQUESTS];
    unsigned char ids[GROUP_REQUESTS][256];
    size_t id_lens[GROUP_REQUESTS];
    size_t n, events;
} group_t;

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
    arena_t *arena;
    /* requests received since the last group was answered and their events'
     * data, unpacked without a malloc per field and let go together when the
     * next group is answered (s_group_flush): at most one group's worth */
    arena_t *request_arena;
    ProtobufCAllocator request_alloc;
    /* a consumer's feed page and its events' data, the same way: let go once
     * the page is applied (s_consumer_reply) */
    arena_t *page_arena;
    ProtobufCAllocator page_alloc;
    uint64_t next_corr;
    arena_t *txn_arena;         /* rows derived in the open transaction */
    Hrss__Event **txn_rows;     /* outbox rows of the open transaction, in order */
    size_t txn_n, txn_cap;
    uint64_t last_seq;
    uint64_t version;           /* bumped at every commit that changed something */
    uint64_t changes;           /* events applied since the start */
    uint64_t analyze_at;        /* changes at which to analyze the tables next */
    group_t group;              /* event batches received in this round */
    uint64_t malformed;         /* requests dropped as unreadable */
    uint64_t unknown;           /* requests of a type nobody handles */
    uint64_t careful_batches;   /* batches applied again event by event (s_apply_events) */
    unsigned checked_batches;   /* batches still to ask the inbox first (s_apply_events) */
    uint64_t resent_batches;    /* optimistic attempts voided by a resent id (s_apply_events) */
    unsigned stepwise_batches;  /* batches still to apply in two steps (s_apply_events) */
    uint64_t redone_batches;    /* one-pipeline attempts voided by a rejection (s_apply_events) */
};

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
    if (last_seq > svc->last_seq)
        svc->last_seq = last_seq;
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

/* Outbox rows of the open transaction, in order; written in one statement
 * just before COMMIT. */
static int
s_txn_push(service_t *svc, Hrss__Event *row)
{
    if (svc->txn_n == svc->txn_cap) {
        size_t cap = svc->txn_cap ? 2 * svc->txn_cap : 256;
        Hrss__Event **rows = realloc(svc->txn_rows, cap * sizeof *rows);
        if (!rows)
            return -1;
        svc->txn_rows = rows;
        svc->txn_cap = cap;
    }
    svc->txn_rows[svc->txn_n++] = row;
    return 0;
}

/* Sends into the open pipeline the inbox rows of the accepted events and
 * the outbox rows the transaction gathered; s_rows_result reads them back. */
static int
s_rows_send(service_t *svc, Hrss__Event *const *accepted, size_t naccepted)
{
    db_t *db = svc->db;
    return (naccepted && inbox_insert_send(db, accepted, naccepted)) ||
                   (svc->txn_n && outbox_append_send(db, svc->txn_rows, svc->txn_n))
               ? -1
               : 0;
}

/* The results of s_rows_send (`nrows`: the outbox rows it sent): 0 with
 * *last the outbox's new head, SEEN_BEFORE when the inbox already had one of
 * the accepted ids, -1 on a database error. */
static int
s_rows_result(service_t *svc, size_t naccepted, size_t nrows, uint64_t *last)
{
    db_t *db = svc->db;
    if (naccepted) {
        PGresult *res = db_pipeline_result(db);
        if (!res)   /* unique_violation: an id of the batch was accepted before */
            return strcmp(db_sqlstate(db), "23505") == 0 ? SEEN_BEFORE : -1;
        PQclear(res);
    }
    return nrows ? outbox_append_result(db, last) : 0;
}

/* The end of a transaction in one round trip: what it has left to write
 * (the accepted events' ids, the outbox rows it gathered, a feed's cursor)
 * and COMMIT, in one pipeline. On failure the caller rolls back: -1, or
 * SEEN_BEFORE when the inbox already had one of the accepted ids. */
static int
s_txn_commit(service_t *svc, Hrss__Event *const *accepted, size_t naccepted,
             const char *source, uint64_t cursor)
{
    db_t *db = svc->db;
    uint64_t last = svc->last_seq;
    if (db_pipeline_begin(db))
        return -1;
    int rc = s_rows_send(svc, accepted, naccepted) ||
                     (source && cursor_store_send(db, source, cursor)) ||
                     db_pipeline_send_sql(db, "COMMIT") || db_pipeline_sync(db)
                 ? -1
                 : 0;
    PGresult *res;
    if (rc == 0)
        rc = s_rows_result(svc, naccepted, svc->txn_n, &last);
    if (rc == 0 && source)
        rc = (res = db_pipeline_result(db)) ? (PQclear(res), 0) : -1;
    if (rc == 0)
        rc = db_pipeline_expect(db, "COMMIT");
    if (db_pipeline_end(db))
        rc = -1;
    if (rc)
        return rc;
    svc->txn_n = 0;
    svc->last_seq = last;
    return 0;
}

/* Rolls the open transaction back and forgets what it would have appended. */
static void
s_txn_rollback(service_t *svc)
{
    db_rollback(svc->db);
    svc->txn_n = 0;
    arena_reset(svc->txn_arena);
}

int
service_emit(service_t *svc, const Hrss__Event *cause, const char *type, const char *region,
             int64_t occurred_at_us, const ProtobufCMessage *data)
{
    arena_t *a = svc->txn_arena;
    Hrss__Event *ev = arena_alloc(a, sizeof *ev);
    if (!ev)
        return -1;
    hrss__event__init(ev);
    ev->id = arena_printf(a, "%s/%s", cause->id, type);
    ev->type = arena_strdup(a, type);
    ev->region = arena_strdup(a, region);
    ev->scope = arena_strdup(a, cause->scope);
    ev->occurred_at_us = occurred_at_us;
    ev->data.len = protobuf_c_message_get_packed_size(data);
    ev->data.data = arena_alloc(a, ev->data.len ? ev->data.len : 1);
    if (cause->source && cause->has_seq)
        ev->cause = arena_printf(a, "%s:%" PRIu64, cause->source, cause->seq);
    else
        ev->cause = arena_strdup(a, cause->id);
    if (!ev->id || !ev->type || !ev->region || !ev->scope || !ev->data.data || !ev->cause)
        return -1;
    protobuf_c_message_pack(data, ev->data.data);
    return s_txn_push(svc, ev);
}

/* ---- incoming events ------------------------------------------------------ */

int
service_send_run(service_t *svc, const char *name, const char *sql, pgarray_t *columns,
                 size_t ncolumns)
{
    const char *values[32];
    int lengths[32], formats[32];
    int rc = ncolumns <= 32 && pgarray_params(columns, ncolumns, values, lengths, formats) == 0
                 ? db_pipeline_send(svc->db, name, sql, (int) ncolumns, values, lengths, formats)
                 : -1;
    pgarray_free_all(columns, ncolumns);
    return rc;
}

const char *
service_person_key(const ProtobufCMessage *data)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(data->descriptor, "id_number");
    if (!f || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;   /* no key: the event goes alone */
    return *(const char *const *) ((const char *) data + f->offset);
}

static const event_handler_t *
s_event_handler(const service_t *svc, const char *type)
{
    for (const event_handler_t *h = svc->def->events; h && h->type; h++)
        if (strcmp(h->type, type) == 0)
            return h;
    return NULL;
}

static void
s_result(arena_t *arena, Hrss__EventResult *r, const char *id, Hrss__Outcome status,
         const char *code, const char *field, const char *message)
{
    hrss__event_result__init(r);
    r->id = arena_strdup(arena, id);
    r->status = status;
    r->code = code ? arena_strdup(arena, code) : NULL;
    r->field = field ? arena_strdup(arena, field) : NULL;
    r->message = message ? arena_strdup(arena, message) : NULL;
}

/* An error the event caused (bad data reaching a constraint) rather than the
 * database being unavailable: reject the one event instead of retrying all. */
static bool
s_error_is_the_events(service_t *svc)
{
    const char *state = db_sqlstate(svc->db);
    return db_connected(svc->db) && state[0] &&
           (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0);
}

static uint64_t
s_fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char) *s) * 1099511628211ULL;
    return h;
}
#define FNV_BASIS 1469598103934665603ULL

/* Slots of an open-addressing table for n keys: a power of two, at most half
 * full. */
static size_t
s_table_size(size_t n)
{
    size_t size = 16;
    while (size < 2 * n)
        size *= 2;
    return size;
}

/* The batch's ids: an open-addressing map from (scope, id) to the index of
 * the latest event of the batch with that id, so that a batch of 1000 costs
 * 1000 probes rather than 500 000 comparisons. */
typedef struct {
    int *slots;          /* index + 1; 0: free */
    size_t mask;
} id_map_t;

static int *
s_id_slot(id_map_t *map, Hrss__Event *const *events, const Hrss__Event *ev)
{
    uint64_t h = s_fnv((s_fnv(FNV_BASIS, ev->scope) ^ 0xff) * 1099511628211ULL, ev->id);
    for (size_t i = h & map->mask;; i = (i + 1) & map->mask) {
        int k = map->slots[i];
        if (!k || (strcmp(events[k - 1]->id, ev->id) == 0 &&
                   strcmp(events[k - 1]->scope, ev->scope) == 0))
            return &map->slots[i];
    }
}

/* The keys of the open run (see event_key_fn): a slot belongs to the run
 * whose number it carries, so starting a run forgets the last one at once. */
typedef struct {
    const char **keys;
    unsigned *runs;      /* 0: never used */
    size_t mask;
} key_set_t;

/* Adds `key` to run `run`: false when the run has it already. */
static bool
s_key_add(key_set_t *set, const char *key, unsigned run)
{
    for (size_t i = s_fnv(FNV_BASIS, key) & set->mask;; i = (i + 1) & set->mask) {
        if (set->runs[i] != run) {
            set->keys[i] = key;
            set->runs[i] = run;
            return true;
        }
        if (strcmp(set->keys[i], key) == 0)
            return false;
    }
}

/* Where each event of a batch stands while the batch is applied. */
typedef enum { EV_OPEN, EV_PENDING, EV_ACCEPTED, EV_DONE } ev_state_t;

typedef struct {
    service_t *svc;
    Hrss__Event **events;
    Hrss__EventResult *slots;
    ev_state_t *state;
    bool careful;                    /* each event alone, inside a savepoint */
    ProtobufCMessage **data;         /* unpacked data of pending events */
    const event_handler_t **handler;
    size_t *pending;                 /* indices of pending events, in order */
    size_t npending;
    size_t run_start;                /* pending[run_start..npending): the run not yet sent */
    size_t *stmt_sizes;              /* events of each statement sent in the open pipeline */
    size_t nstmts;
    unsigned run;                    /* number of the open run */
    key_set_t keys;
    bool piping;
    bool one_pipeline;               /* APPLY_ONE_PIPELINE: rows sent before the verdicts */
} batch_t;

/* The event at `i` is decided: accepted (its outbox row and what it derived
 * are in the transaction's rows) or rejected with `verdict`. */
static void
s_decide(batch_t *b, size_t i, int rc, const verdict_t *verdict, size_t mark)
{
    Hrss__Event *ev = b->events[i];
    if (rc > 0) {
        b->svc->txn_n = mark;   /* handlers check before they write: only our list to undo */
        s_result(b->svc->arena, &b->slots[i], ev->id, HRSS__OUTCOME__REJECTED, verdict->code,
                 verdict->field, verdict->message);
        b->state[i] = EV_DONE;
    } else {
        s_result(b->svc->arena, &b->slots[i], ev->id, HRSS__OUTCOME__ACCEPTED, NULL, NULL, NULL);
        b->state[i] = EV_ACCEPTED;
    }
    b->data[i] = NULL;   /* in the request arena */
}

/* STEP_AGAIN: the data of an event tripped the database (a constraint); the
 * transaction is aborted. */
typedef enum { STEP_OK, STEP_AGAIN, STEP_FAILED } step_rc_t;

/* A database error in the statement of an event of `type`: the event's
 * fault, or the database's? */
static step_rc_t
s_step_error(batch_t *b, const char *type)
{
    if (!s_error_is_the_events(b->svc))
        return STEP_FAILED;
    log_error("event of type %s failed in the database: %s", type, db_error(b->svc->db));
    return STEP_AGAIN;
}

/* In careful mode each event's statement runs inside a savepoint: an event
 * whose data trips the database is rejected on its own and the batch goes
 * on. `mark`: the transaction's rows before the event. */
static step_rc_t
s_careful_begin(batch_t *b)
{
    return !b->careful || db_command(b->svc->db, "SAVEPOINT event") == 0 ? STEP_OK : STEP_FAILED;
}

static step_rc_t
s_careful_end(batch_t *b, size_t i, size_t mark, step_rc_t rc)
{
    if (!b->careful)
        return rc;
    if (rc == STEP_AGAIN) {
        if (db_command(b->svc->db, "ROLLBACK TO SAVEPOINT event"))
            return STEP_FAILED;
        verdict_t verdict = {0};
        reject(&verdict, "invalid_data", "data", "the event could not be stored");
        s_decide(b, i, 1, &verdict, mark);
        rc = STEP_OK;
    }
    if (rc == STEP_OK && db_command(b->svc->db, "RELEASE SAVEPOINT event"))
        return STEP_FAILED;
    return rc;
}

static bool
s_run_open(const batch_t *b)
{
    return b->run_start < b->npending;
}

/* Sends the open run as one statement. */
static step_rc_t
s_run_send(batch_t *b)
{
    if (!s_run_open(b))
        return STEP_OK;
    size_t n = b->npending - b->run_start;
    Hrss__Event **events = arena_alloc(b->svc->arena, n * sizeof *events);
    ProtobufCMessage **data = arena_alloc(b->svc->arena, n * sizeof *data);
    if (!events || !data)
        return STEP_FAILED;
    for (size_t k = 0; k < n; k++) {
        events[k] = b->events[b->pending[b->run_start + k]];
        data[k] = b->data[b->pending[b->run_start + k]];
    }
    const event_handler_t *h = b->handler[b->pending[b->run_start]];
    if (h->send(b->svc, events, data, n))
        return STEP_FAILED;
    b->stmt_sizes[b->nstmts++] = n;
    b->run_start = b->npending;
    b->run++;
    /* in one pipeline the server starts on it while the next run is made */
    if (b->one_pipeline && db_pipeline_flush(b->svc->db))
        return STEP_FAILED;
    return STEP_OK;
}

/* Reads the results of the runs sent in the open pipeline and decides their
 * events in order. */
static step_rc_t
s_read_runs(batch_t *b)
{
    db_t *db = b->svc->db;
    step_rc_t rc = STEP_OK;
    size_t first = 0;
    for (size_t s = 0; rc == STEP_OK && s < b->nstmts; first += b->stmt_sizes[s++]) {
        size_t n = b->stmt_sizes[s];
        PGresult *res = db_pipeline_result(db);
        if (!res) {
            rc = s_step_error(b, b->events[b->pending[first]]->type);
            break;
        }
        if ((size_t) PQntuples(res) != n) {
            log_error("a statement of %s answered %d rows for %zu events",
                      b->events[b->pending[first]]->type, PQntuples(res), n);
            PQclear(res);
            rc = STEP_FAILED;
            break;
        }
        for (size_t k = 0; rc == STEP_OK && k < n; k++) {
            size_t i = b->pending[first + k];
            verdict_t verdict = {0};
            size_t mark = b->svc->txn_n;
            /* the event precedes what it derives; in one pipeline its row went out already */
            int r = b->one_pipeline ? 0 : s_txn_push(b->svc, b->events[i]);
            if (r == 0)
                r = b->handler[i]->result(b->svc, b->events[i], b->data[i], res, (int) k,
                                          &verdict);
            if (r < 0)
                rc = STEP_FAILED;
            else
                s_decide(b, i, r, &verdict, mark);
        }
        PQclear(res);
    }
    return rc;
}

/* Sends what is left of the open run, reads the results of the open
 * pipeline and decides its events in order. */
static step_rc_t
s_pipeline_drain(batch_t *b)
{
    if (!b->piping)
        return STEP_OK;
    db_t *db = b->svc->db;
    step_rc_t rc = s_run_send(b);
    if (rc == STEP_OK && db_pipeline_sync(db))
        rc = STEP_FAILED;
    b->piping = false;
    if (rc == STEP_OK)
        rc = s_read_runs(b);
    b->npending = b->run_start = b->nstmts = 0;
    if (db_pipeline_end(db) && rc == STEP_OK)
        rc = STEP_FAILED;
    return rc;
}

/* Adds a new event to the open run, or sends the run and starts a new one
 * with it: one run, one statement. */
static step_rc_t
s_run_add(batch_t *b, size_t i, const event_handler_t *h)
{
    const char *key = h->key && !b->careful ? h->key(b->data[i]) : NULL;
    if (s_run_open(b) &&
        !(b->handler[b->pending[b->run_start]] == h && key && s_key_add(&b->keys, key, b->run))) {
        step_rc_t rc = s_run_send(b);
        if (rc != STEP_OK)
            return rc;
    }
    if (!s_run_open(b) && key)
        s_key_add(&b->keys, key, b->run);
    if (!b->piping) {
        if (db_pipeline_begin(b->svc->db))
            return STEP_FAILED;
        b->piping = true;
    }
    b->state[i] = EV_PENDING;
    b->pending[b->npending++] = i;
    return key ? STEP_OK : s_run_send(b);   /* without a key, nothing may join it */
}

/* Sends (or applies, for handlers without a statement) one new event. */
static step_rc_t
s_step(batch_t *b, size_t i)
{
    service_t *svc = b->svc;
    Hrss__Event *ev = b->events[i];
    verdict_t verdict = {0};
    const event_handler_t *h = s_event_handler(svc, ev->type);
    const event_type_t *t = event_type_find(ev->type);
    if (!h || !t) {
        reject(&verdict, "unsupported_type", "type", "%s is not handled by %s", ev->type,
               svc->def->name);
        s_decide(b, i, 1, &verdict, svc->txn_n);
        return STEP_OK;
    }
    b->data[i] = protobuf_c_message_unpack(t->data, &svc->request_alloc, ev->data.len,
                                           ev->data.data);
    if (!b->data[i]) {
        reject(&verdict, "invalid_data", "data", "data of %s could not be decoded", ev->type);
        s_decide(b, i, 1, &verdict, svc->txn_n);
        return STEP_OK;
    }
    b->handler[i] = h;
    if (h->send) {
        int r = h->check ? h->check(svc, ev, b->data[i], &verdict) : 0;
        if (r < 0)
            return STEP_FAILED;
        if (r > 0) {
            s_decide(b, i, 1, &verdict, svc->txn_n);
            return STEP_OK;
        }
        if (!b->careful)
            return s_run_add(b, i, h);
        size_t mark = svc->txn_n;
        step_rc_t rc = s_careful_begin(b);
        if (rc == STEP_OK)
            rc = s_run_add(b, i, h);
        if (rc == STEP_OK)
            rc = s_pipeline_drain(b);
        return s_careful_end(b, i, mark, rc);
    }
    /* a handler that reads as it goes needs everything before it applied */
    step_rc_t rc = s_pipeline_drain(b);
    if (rc == STEP_OK)
        rc = s_careful_begin(b);
    if (rc != STEP_OK)
        return rc;
    size_t mark = svc->txn_n;
    int r = s_txn_push(svc, ev);
    if (r == 0)
        r = h->apply(svc, ev, b->data[i], &verdict);
    if (r < 0)
        return s_careful_end(b, i, mark, s_step_error(b, ev->type));
    s_decide(b, i, r, &verdict, mark);
    return s_careful_end(b, i, mark, STEP_OK);
}

/* How a batch is applied. Resends are rare and the inbox's primary key
 * refuses an id twice, so a batch first goes without asking the inbox
 * (optimistic): a resent id among its accepted events then fails the
 * COMMIT's pipeline with a unique violation, and its rejected events, which
 * leave no row, are looked up before. Either way the attempt is void and the
 * batch is applied again, asking the inbox first (checked): an event accepted
 * once is a duplicate for good, even when it would be refused now. Careful:
 * checked, and each event alone in a savepoint.
 *
 * Rejections are rare too, so an optimistic batch first goes in one pipeline
 * (one_pipeline): BEGIN, the runs, and the inbox and outbox rows of every
 * event as if all were accepted, sent before any verdict is read; COMMIT
 * follows once every event is found applied. An event refused, or a handler
 * deriving a row that was not sent, voids the attempt (NOT_IN_ONE_PIPELINE):
 * the batch is applied again in steps, its verdicts read before its rows are
 * written. At one client the steps are round trips that nothing overlaps:
 * in one pipeline a batch of 100 waits for the server twice instead of
 * three times, and the server starts on the first run while the daemon
 * still makes the others. */
typedef enum { APPLY_ONE_PIPELINE, APPLY_OPTIMISTIC, APPLY_CHECKED, APPLY_CAREFUL } apply_mode_t;
#define CHECKED_AFTER_RESEND 64  /* batches checked after a resend: resends come in bursts */
#define STEPWISE_AFTER_REJECTION 16  /* and in steps after a rejection, for the same reason */

/* Whether a batch can go in one pipeline: every event's handler sends a
 * statement (none applies as it reads) and derives nothing from its verdict
 * (its outbox rows are all known before the verdicts are read), and no id
 * comes twice (a repeated id waits for the fate of the first). */
static bool
s_fits_one_pipeline(service_t *svc, Hrss__Event *const *events, size_t n)
{
    size_t size = s_table_size(n);
    id_map_t ids = {arena_alloc(svc->arena, size * sizeof *ids.slots), size - 1};
    if (!ids.slots)
        return false;
    for (size_t i = 0; i < n; i++) {
        const event_handler_t *h = s_event_handler(svc, events[i]->type);
        int *slot = s_id_slot(&ids, events, events[i]);
        if (!h || !h->send || h->derives || *slot)
            return false;
        *slot = (int) i + 1;
    }
    return true;
}

/* The end of a batch sent in one pipeline (see apply_mode_t): after the last
 * run go the inbox and outbox rows of every event sent, then the verdicts
 * are read, and COMMIT when every event of the batch was applied. Returns as
 * s_apply_batch. */
static int
s_one_pipeline_end(batch_t *b, size_t n)
{
    service_t *svc = b->svc;
    db_t *db = svc->db;
    size_t nsent = b->npending;
    Hrss__Event **sent = arena_alloc(svc->arena, (nsent ? nsent : 1) * sizeof *sent);
    step_rc_t rc = sent ? s_run_send(b) : STEP_FAILED;
    for (size_t k = 0; rc == STEP_OK && k < nsent; k++) {
        sent[k] = b->events[b->pending[k]];
        if (s_txn_push(svc, sent[k]))
            rc = STEP_FAILED;
    }
    size_t nrows = svc->txn_n;
    if (rc == STEP_OK && (s_rows_send(svc, sent, nsent) || db_pipeline_sync(db)))
        rc = STEP_FAILED;
    b->piping = false;
    if (rc == STEP_OK && db_pipeline_expect(db, "BEGIN"))
        rc = STEP_FAILED;
    if (rc == STEP_OK)
        rc = s_read_runs(b);
    b->npending = b->run_start = b->nstmts = 0;
    int result = rc == STEP_OK ? 0 : rc == STEP_AGAIN ? 1 : -1;
    uint64_t last = svc->last_seq;
    if (result == 0)
        result = s_rows_result(svc, nsent, nrows, &last);
    if (db_pipeline_end(db) && result == 0)
        result = -1;
    if (result)
        return result;
    /* every event applied, and nothing derived that was not sent */
    for (size_t i = 0; i < n; i++)
        if (b->state[i] != EV_ACCEPTED)
            return NOT_IN_ONE_PIPELINE;
    if (svc->txn_n != nrows)
        return NOT_IN_ONE_PIPELINE;
    if (db_commit(db))
        return -1;
    svc->txn_n = 0;
    svc->last_seq = last;
    return 0;
}

/* The start of a batch's transaction in one round trip: BEGIN and which of
 * its events were accepted before. */
static int
s_txn_begin(service_t *svc, Hrss__Event *const *events, size_t n, inbox_status_t *status)
{
    db_t *db = svc->db;
    if (db_pipeline_begin(db))
        return -1;
    int rc = db_pipeline_send_sql(db, "BEGIN") || inbox_check_send(db, events, n) ||
                     db_pipeline_sync(db) || db_pipeline_expect(db, "BEGIN") ||
                     inbox_check_result(db, n, status)
                 ? -1
                 : 0;
    if (db_pipeline_end(db))
        rc = -1;
    return rc;
}

/* One attempt at the whole batch in one transaction (see apply_mode_t):
 * handlers' statements go out in pipelines, the accepted ids and the outbox
 * rows are written once. Returns 0 when committed, 1 when the data of an
 * event tripped the database (the transaction is aborted: try again,
 * carefully), SEEN_BEFORE when optimistic and an id of the batch was
 * accepted before (try again, checked), NOT_IN_ONE_PIPELINE when in one
 * pipeline an event was not applied (try again, in steps), -1 when the
 * database failed.
 * Careful: each event alone in a savepoint, so that one whose data trips the
 * database is rejected and the others applied — slower, for a batch known to
 * hold such an event. */
static int
s_apply_batch(service_t *svc, const Hrss__EventBatch *batch, Hrss__EventResult *slots,
              apply_mode_t mode)
{
    size_t n = batch->n_events;
    arena_t *arena = svc->arena;
    batch_t b = {.svc = svc, .events = batch->events, .slots = slots,
                 .careful = mode == APPLY_CAREFUL, .run = 1,
                 .one_pipeline = mode == APPLY_ONE_PIPELINE};
    inbox_status_t *status = arena_alloc(arena, n * sizeof *status);
    Hrss__Event **accepted = arena_alloc(arena, n * sizeof *accepted);
    b.state = arena_alloc(arena, n * sizeof *b.state);
    b.data = arena_alloc(arena, n * sizeof *b.data);
    b.handler = arena_alloc(arena, n * sizeof *b.handler);
    b.pending = arena_alloc(arena, n * sizeof *b.pending);
    b.stmt_sizes = arena_alloc(arena, n * sizeof *b.stmt_sizes);
    size_t size = s_table_size(n);
    id_map_t ids = {arena_alloc(arena, size * sizeof *ids.slots), size - 1};
    b.keys = (key_set_t){arena_alloc(arena, size * sizeof *b.keys.keys),
                         arena_alloc(arena, size * sizeof *b.keys.runs), size - 1};
    if (!status || !accepted || !b.state || !b.data || !b.handler || !b.pending ||
        !b.stmt_sizes || !ids.slots || !b.keys.keys || !b.keys.runs)
        return -1;
    /* status: all INBOX_NEW (zeroed) unless checked */
    if (b.one_pipeline) {
        if (db_pipeline_begin(svc->db))
            return -1;
        b.piping = true;
        if (db_pipeline_send_sql(svc->db, "BEGIN") || db_pipeline_flush(svc->db)) {
            db_pipeline_end(svc->db);
            return -1;
        }
    } else if (mode == APPLY_OPTIMISTIC ? db_begin(svc->db)
                                        : s_txn_begin(svc, b.events, n, status)) {
        return -1;
    }

    step_rc_t rc = STEP_OK;
    for (size_t i = 0; i < n && rc == STEP_OK; i++) {
        Hrss__Event *ev = b.events[i];
        int *slot = s_id_slot(&ids, b.events, ev);
        if (*slot && b.state[*slot - 1] == EV_PENDING) {
            /* the same id is on its way: its fate decides this one */
            rc = s_pipeline_drain(&b);
            if (rc != STEP_OK)
                break;
        }
        if (*slot && b.state[*slot - 1] == EV_ACCEPTED) {
            /* accepted earlier in this batch: decided as if in an earlier batch */
            const Hrss__Event *before = b.events[*slot - 1];
            bool same = before->content_hash.len == ev->content_hash.len &&
                        memcmp(before->content_hash.data, ev->content_hash.data,
                               ev->content_hash.len) == 0;
            status[i] = same ? INBOX_DUPLICATE : INBOX_CONFLICT;
        }
        b.state[i] = EV_DONE;
        if (status[i] == INBOX_DUPLICATE) {
            s_result(arena, &slots[i], ev->id, HRSS__OUTCOME__DUPLICATE, NULL, NULL, NULL);
        } else if (status[i] == INBOX_CONFLICT) {
            s_result(arena, &slots[i], ev->id, HRSS__OUTCOME__REJECTED, "id_conflict", "id",
                     "this id was already accepted with other content");
        } else {
            b.state[i] = EV_OPEN;
            *slot = (int) i + 1;   /* the latest event with this id */
            rc = s_step(&b, i);
        }
    }
    int ended = 0;   /* one pipeline: how it ended */
    if (rc == STEP_OK && b.one_pipeline)
        ended = s_one_pipeline_end(&b, n);
    else if (rc == STEP_OK)
        rc = s_pipeline_drain(&b);
    else if (b.piping) {
        b.piping = false;
        db_pipeline_end(svc->db);
    }
    if (rc != STEP_OK)
        return rc == STEP_AGAIN ? 1 : -1;
    if (b.one_pipeline)
        return ended;

    size_t naccepted = 0;
    Hrss__Event **rejected = accepted + n;   /* filled from the end */
    for (size_t i = 0; i < n; i++) {
        if (b.state[i] == EV_ACCEPTED)
            accepted[naccepted++] = b.events[i];
        else if (slots[i].status == HRSS__OUTCOME__REJECTED)
            *--rejected = b.events[i];
    }
    size_t nrejected = (size_t) (accepted + n - rejected);
    if (mode == APPLY_OPTIMISTIC && nrejected) {
        if (inbox_check(svc->db, rejected, nrejected, status))
            return -1;
        for (size_t i = 0; i < nrejected; i++)
            if (status[i] != INBOX_NEW)
                return SEEN_BEFORE;
    }
    return s_txn_commit(svc, accepted, naccepted, NULL, 0);
}

/* After every commit: its outbox may have grown, and its answers changed. */
static void
s_nudge(service_t *svc)
{
    Hrss__Nudge nudge = HRSS__NUDGE__INIT;
    nudge.service = (char *) svc->def->name;
    nudge.head = svc->last_seq;
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
static void
s_committed(service_t *svc, size_t changes)
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

/* Applies events in one transaction and fills one result per event; when
 * nothing could be committed every result is `retry`. With `alone` false
 * (a group of several clients' batches) an event whose data trips the
 * database stops the attempt and 1 is returned, so that the caller applies
 * each batch on its own: one client's bad data then slows its own batch
 * only. */
static int
s_apply_events(service_t *svc, Hrss__Event **events, size_t n, Hrss__EventResult *slots,
               bool alone)
{
    arena_t *arena = svc->arena;
    Hrss__EventBatch batch = HRSS__EVENT_BATCH__INIT;
    batch.events = events;
    batch.n_events = n;
    int rc = -1;
    if (svc->migrated && db_ensure(svc->db) == 0) {
        apply_mode_t mode = APPLY_ONE_PIPELINE;
        if (svc->checked_batches) {
            svc->checked_batches--;
            mode = APPLY_CHECKED;
        } else if (svc->stepwise_batches) {
            svc->stepwise_batches--;
            mode = APPLY_OPTIMISTIC;
        } else if (!s_fits_one_pipeline(svc, events, n)) {
            mode = APPLY_OPTIMISTIC;
        }
        rc = s_apply_batch(svc, &batch, slots, mode);
        if (rc == NOT_IN_ONE_PIPELINE) {
            /* an event was refused: the attempt is void; again, verdicts first */
            s_txn_rollback(svc);
            svc->stepwise_batches = STEPWISE_AFTER_REJECTION;
            svc->redone_batches++;
            rc = s_apply_batch(svc, &batch, slots, APPLY_OPTIMISTIC);
        }
        if (rc == SEEN_BEFORE) {
            /* a resend: the attempt is void; again, asking the inbox first */
            s_txn_rollback(svc);
            svc->checked_batches = CHECKED_AFTER_RESEND;
            svc->resent_batches++;
            rc = s_apply_batch(svc, &batch, slots, APPLY_CHECKED);
        }
        if (rc == 1) {
            /* An event whose data trips a constraint aborted the transaction:
             * the batch again, each event in a savepoint, that one rejected. */
            s_txn_rollback(svc);
            if (!alone)
                return 1;
            svc->careful_batches++;
            rc = s_apply_batch(svc, &batch, slots, APPLY_CAREFUL) == 0 ? 0 : -1;
        }
    }
    if (rc != 0) {
        /* Nothing of this batch is committed: every event is to be resent. */
        log_error("batch of %zu events not applied: %s", n, db_error(svc->db));
        s_txn_rollback(svc);
        for (size_t i = 0; i < n; i++)
            s_result(arena, &slots[i], events[i]->id, HRSS__OUTCOME__RETRY, "unavailable", NULL,
                     "the service could not commit; resend the event");
        return -1;
    }
    arena_reset(svc->txn_arena);
    s_committed(svc, n);
    return 0;
}

static void
s_group_flush(service_t *svc, group_t *g)
{
    if (g->n == 0) {
        arena_reset(svc->request_arena);   /* requests that were answered at once */
        return;
    }
    arena_t *arena = svc->arena;
    size_t total = g->events;
    Hrss__Event **events = arena_alloc(arena, (total ? total : 1) * sizeof *events);
    Hrss__EventResult *slots = arena_alloc(arena, (total ? total : 1) * sizeof *slots);
    Hrss__EventResult **ptrs = arena_alloc(arena, (total ? total : 1) * sizeof *ptrs);
    bool ok = events && slots && ptrs;
    if (ok) {
        size_t k = 0;
        for (size_t r = 0; r < g->n; r++)
            for (size_t i = 0; i < g->reqs[r]->events->n_events; i++)
                events[k++] = g->reqs[r]->events->events[i];
        if (s_apply_events(svc, events, total, slots, g->n == 1) == 1) {
            /* an event of the group is poisoned: each batch on its own */
            size_t at = 0;
            for (size_t r = 0; r < g->n; r++) {
                size_t n = g->reqs[r]->events->n_events;
                s_apply_events(svc, events + at, n, slots + at, true);
                at += n;
            }
        }
    }
    size_t k = 0;
    for (size_t r = 0; r < g->n; r++) {
        Hrss__Request *req = g->reqs[r];
        size_t n = req->events->n_events;
        Hrss__Reply reply = HRSS__REPLY__INIT;
        Hrss__EventResults results = HRSS__EVENT_RESULTS__INIT;
        reply.corr_id = req->corr_id;
        if (ok) {
            for (size_t i = 0; i < n; i++)
                ptrs[k + i] = &slots[k + i];
            results.results = &ptrs[k];
            results.n_results = n;
            reply.body_case = HRSS__REPLY__BODY_RESULTS;
            reply.results = &results;
        } else {
            service_fail(&reply, arena, "internal", "out of memory", true);
        }
        k += n;
        if (wire_send_reply(svc->router, g->ids[r], g->id_lens[r], &reply))
            log_warn("reply not delivered: %s", zmq_strerror(errno));
    }
    g->n = g->events = 0;
    arena_reset(arena);
    arena_reset(svc->request_arena);   /* every request received so far is answered */
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
    if (outbox_read(svc->db, svc->def->name, req->feed->after, limit, svc->last_seq, svc->arena,
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
        pong->outbox_head = svc->last_seq;
    }
    pong->has_malformed = pong->has_unknown = 1;
    pong->malformed = svc->malformed;
    pong->unknown = svc->unknown;
    pong->has_careful_batches = 1;
    pong->careful_batches = svc->careful_batches;
    pong->has_resent_batches = 1;
    pong->resent_batches = svc->resent_batches;
    pong->has_redone_batches = 1;
    pong->redone_batches = svc->redone_batches;
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

/* Receives one request and answers it, or adds an event batch to `group`
 * (answered by s_group_flush). */
static void
s_handle_request(service_t *svc, group_t *group)
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
        group->reqs[group->n] = req;
        memcpy(group->ids[group->n], id, id_len);
        group->id_lens[group->n] = id_len;
        group->n++;
        group->events += req->events->n_events;
        /* the next batch might not fit: the group is answered now, while its
         * requests are the only ones alive in the request arena */
        if (group->n == GROUP_REQUESTS || group->events > GROUP_EVENTS - BATCH_MAX)
            s_group_flush(svc, group);
        return;
    }
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
                          "a batch carries at most 1000 events", false);
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

/* ---- consuming other services' feeds ------------------------------------------ */

static void
s_consumer_request(service_t *svc, consumer_t *c)
{
    if (!c->cursor_loaded) {
        if (cursor_load(svc->db, c->sub->source, &c->cursor))
            return;
        c->cursor_loaded = true;
    }
    Hrss__FeedRequest feed = HRSS__FEED_REQUEST__INIT;
    feed.after = c->cursor;
    feed.limit = FEED_PAGE;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.corr_id = ++svc->next_corr;
    req.body_case = HRSS__REQUEST__BODY_FEED;
    req.feed = &feed;
    if (wire_send(c->dealer, &req.base, ZMQ_DONTWAIT))
        return;   /* source not connected yet: the next tick tries again */
    c->inflight = req.corr_id;
    c->deadline_ms = monotonic_ms() + FEED_TIMEOUT_MS;
    c->want = false;
}

static const feed_handler_t *
s_feed_handler(const consumer_t *c, const char *type)
{
    for (const feed_handler_t *h = c->sub->handlers; h && h->type; h++)
        if (strcmp(h->type, type) == 0)
            return h;
    return NULL;
}

/* Applies a page and advances the cursor in one transaction. */
static int
s_consumer_apply(service_t *svc, consumer_t *c, const Hrss__FeedPage *page)
{
    if (page->n_events == 0)
        return 0;
    if (db_begin(svc->db))
        return -1;
    uint64_t last = c->cursor;
    for (size_t i = 0; i < page->n_events; i++) {
        const Hrss__Event *ev = page->events[i];
        if (!ev->has_seq || ev->seq <= last)
            continue;   /* already applied: pages may overlap after a re-send */
        last = ev->seq;
        const feed_handler_t *h = s_feed_handler(c, ev->type);
        const event_type_t *t = event_type_find(ev->type);
        if (!h || !t)
            continue;
        ProtobufCMessage *data = protobuf_c_message_unpack(t->data, &svc->page_alloc,
                                                           ev->data.len, ev->data.data);
        if (!data) {
            log_error("feed %s: event %" PRIu64 " of type %s undecodable, skipped",
                      c->sub->source, ev->seq, ev->type);
            continue;
        }
        if (h->apply(svc, ev, data))
            goto fail;
    }
    if ((c->sub->page_end && c->sub->page_end(svc, c->sub->source, true)) ||
        s_txn_commit(svc, NULL, 0, c->sub->source, last))
        goto fail;
    c->cursor = last;
    c->pages++;
    arena_reset(svc->txn_arena);
    s_committed(svc, page->n_events);
    return 0;
fail:
    log_error("feed %s: page after %" PRIu64 " not applied: %s", c->sub->source, c->cursor,
              db_error(svc->db));
    if (c->sub->page_end)
        c->sub->page_end(svc, c->sub->source, false);   /* forget what the page gathered */
    s_txn_rollback(svc);
    /* A COMMIT whose answer was lost (the server went away) may still have
     * committed the page and its cursor: the next page starts from the
     * cursor in the database, not from ours, or the page is counted twice. */
    c->cursor_loaded = false;
    return -1;
}

static void
s_consumer_reply(service_t *svc, consumer_t *c)
{
    Hrss__Reply *reply =
        (Hrss__Reply *) wire_recv(c->dealer, &hrss__reply__descriptor, &svc->page_alloc);
    if (!reply) {
        if (errno != EAGAIN)
            svc->malformed++;
        arena_reset(svc->page_arena);
        return;
    }
    if (reply->corr_id != c->inflight) {
        arena_reset(svc->page_arena);   /* late answer to a re-sent request */
        return;
    }
    c->inflight = 0;
    if (reply->body_case == HRSS__REPLY__BODY_FEED) {
        const Hrss__FeedPage *page = reply->feed;
        c->head = page->head;
        if (s_consumer_apply(svc, c, page) == 0)
            c->want = page->n_events == FEED_PAGE || page->head > c->cursor;
        if (page->n_events < FEED_PAGE)   /* caught up: let the next page gather */
            c->gather_until_ms = monotonic_ms() + FEED_GATHER_MS;
    }
    arena_reset(svc->page_arena);
}

static int
s_consumers_open(service_t *svc)
{
    for (const feed_subscription_t *sub = svc->def->feeds; sub && sub->source; sub++) {
        if (svc->nconsumers == MAX_CONSUMERS)
            return -1;
        consumer_t *c = &svc->consumers[svc->nconsumers++];
        c->sub = sub;
        c->want = true;
        char req_ep[512], pub_ep[512];
        if (config_service_endpoint(sub->source, req_ep, sizeof req_ep) ||
            config_service_pub(sub->source, pub_ep, sizeof pub_ep))
            return -1;
        c->dealer = wire_socket(svc->ctx, ZMQ_DEALER);
        c->nudges = wire_socket(svc->ctx, ZMQ_SUB);
        if (c->dealer && c->nudges &&
            (curve_client(svc->curve, c->dealer, sub->source) ||
             curve_client(svc->curve, c->nudges, sub->source))) {
            log_error("CURVE for the %s feed: %s", sub->source, curve_error());
            return -1;
        }
        if (!c->dealer || !c->nudges || zmq_connect(c->dealer, req_ep) ||
            zmq_setsockopt(c->nudges, ZMQ_SUBSCRIBE, "", 0) || zmq_connect(c->nudges, pub_ep))
            return -1;
    }
    return 0;
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
        if (outbox_head(svc->db, &svc->last_seq)) {
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
        int64_t wake = next_tick;
        size_t n = 0;
        items[n++] = (zmq_pollitem_t){svc->router, 0, ZMQ_POLLIN, 0};
        for (size_t i = 0; i < svc->nconsumers; i++) {
            consumer_t *c = &svc->consumers[i];
            if (c->inflight && now >= c->deadline_ms) {
                c->inflight = 0;
                c->want = true;
            }
            if (c->want && !c->inflight && now < c->gather_until_ms) {
                if (c->gather_until_ms < wake)
                    wake = c->gather_until_ms;
            } else if (c->want && !c->inflight && svc->migrated && db_connected(svc->db)) {
                s_consumer_request(svc, c);
            }
            if (c->inflight && c->deadline_ms < wake)
                wake = c->deadline_ms;
            items[n++] = (zmq_pollitem_t){c->dealer, 0, ZMQ_POLLIN, 0};
            items[n++] = (zmq_pollitem_t){c->nudges, 0, ZMQ_POLLIN, 0};
        }
        long timeout = wake > now ? (long) (wake - now) : 0;
        if (zmq_poll(items, (int) n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            log_error("zmq_poll: %s", zmq_strerror(errno));
            return -1;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            group_t *group = &svc->group;
            for (int burst = 0; burst < ROUTER_BURST && !s_stop; burst++) {
                int events = 0;
                size_t len = sizeof events;
                if (zmq_getsockopt(svc->router, ZMQ_EVENTS, &events, &len) ||
                    !(events & ZMQ_POLLIN))
                    break;
                s_handle_request(svc, group);
            }
            s_group_flush(svc, group);
        }
        for (size_t i = 0; i < svc->nconsumers; i++) {
            consumer_t *c = &svc->consumers[i];
            if (items[1 + 2 * i].revents & ZMQ_POLLIN)
                s_consumer_reply(svc, c);
            if (items[2 + 2 * i].revents & ZMQ_POLLIN) {
                char buf[256];
                while (zmq_recv(c->nudges, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
                    ;
                c->want = true;
            }
        }
    }
    return 0;
}

static void
s_destroy(service_t *svc)
{
    for (size_t i = 0; i < svc->nconsumers; i++) {
        wire_close(&svc->consumers[i].dealer);
        wire_close(&svc->consumers[i].nudges);
    }
    wire_close(&svc->router);
    wire_close(&svc->pub);
    curve_destroy(&svc->curve);   /* its thread's sockets, before the context ends */
    if (svc->ctx)
        zmq_ctx_term(svc->ctx);
    db_destroy(&svc->db);
    arena_destroy(&svc->arena);
    arena_destroy(&svc->txn_arena);
    arena_destroy(&svc->request_arena);
    arena_destroy(&svc->page_arena);
    free(svc->txn_rows);
}

int
service_main(const service_def_t *def)
{
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
    svc.txn_arena = arena_new();
    svc.request_arena = arena_new();
    svc.request_alloc = arena_protobuf_allocator(svc.request_arena);
    svc.page_arena = arena_new();
    svc.page_alloc = arena_protobuf_allocator(svc.page_arena);
    svc.ctx = zmq_ctx_new();
    if (!svc.db || !svc.arena || !svc.txn_arena || !svc.request_arena || !svc.page_arena ||
        !svc.ctx)
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
    if (s_consumers_open(&svc)) {
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
