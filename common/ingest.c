/* ingest — see ingest.h. The run engine is runs.c; the transaction and its
 * outbox rows are txn.c. */
#include "ingest.h"

#include <errno.h>
#include <string.h>

#include "event_types.h"
#include "log.h"
#include "outbox.h"
#include "service_impl.h"
#include "wire.h"

#define NOT_IN_ONE_PIPELINE 3    /* s_apply_batch: the batch needs its verdicts read first */

void
ingest_init(ingest_t *self)
{
    memset(self, 0, sizeof *self);
    runs_init(&self->runs, 0);
    hashtab_init(&self->ids);
}

void
ingest_free(ingest_t *self)
{
    runs_free(&self->runs);
    hashtab_free(&self->ids);
}


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

/* The batch's ids: a map from (scope, id) to the index of the latest event
 * of the batch with that id, so that a batch of 1000 costs 1000 probes
 * rather than 500 000 comparisons. */
typedef struct {
    Hrss__Event *const *events;
    const Hrss__Event *ev;
} id_probe_t;

static uint64_t
s_id_hash(const Hrss__Event *ev)
{
    return hash_str(hash_sep(hash_str(HASH_INIT, ev->scope)), ev->id);
}

static bool
s_id_eq(const void *ctx, uint32_t index)
{
    const id_probe_t *p = ctx;
    const Hrss__Event *other = p->events[index];
    return strcmp(other->id, p->ev->id) == 0 && strcmp(other->scope, p->ev->scope) == 0;
}

/* Forgets the ids and makes room for a batch of n. */
static int
s_ids_reset(hashtab_t *ids, size_t n)
{
    hashtab_clear(ids);
    return hashtab_reserve(ids, n, NULL, NULL);
}

static hashtab_slot_t *
s_id_slot(hashtab_t *ids, Hrss__Event *const *events, const Hrss__Event *ev)
{
    id_probe_t p = {events, ev};
    return hashtab_find(ids, s_id_hash(ev), s_id_eq, &p);
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
    size_t *pending;                 /* indices of pending events, in order: the items of runs */
    runs_t *runs;                    /* the runs of the open pipeline */
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
        b->svc->txn.n = mark;   /* handlers check before they write: only our list to undo */
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

/* Sends the open run as one statement. */
static step_rc_t
s_run_send(batch_t *b)
{
    runs_t *runs = b->runs;
    if (!runs_open(runs))
        return STEP_OK;
    size_t first = runs->first, n = runs->n - runs->first;
    Hrss__Event **events = arena_alloc(b->svc->arena, n * sizeof *events);
    ProtobufCMessage **data = arena_alloc(b->svc->arena, n * sizeof *data);
    if (!events || !data)
        return STEP_FAILED;
    for (size_t k = 0; k < n; k++) {
        events[k] = b->events[b->pending[first + k]];
        data[k] = b->data[b->pending[first + k]];
    }
    const event_handler_t *h = b->handler[b->pending[first]];
    if (h->send(b->svc, events, data, n) || runs_sent(runs))
        return STEP_FAILED;
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
    for (size_t s = 0; rc == STEP_OK && s < runs_count(b->runs); first += b->runs->sizes[s++]) {
        size_t n = b->runs->sizes[s];
        PGresult *res = db_pipeline_result(db);
        if (!res) {
            rc = s_step_error(b, b->events[b->pending[first]]->type);
            break;
        }
        if ((size_t) PQntuples(res) != n)   /* the handler's statement is wrong */
            log_fatal("a statement of %s answered %d rows for %zu events",
                      b->events[b->pending[first]]->type, PQntuples(res), n);
        for (size_t k = 0; rc == STEP_OK && k < n; k++) {
            size_t i = b->pending[first + k];
            verdict_t verdict = {0};
            size_t mark = b->svc->txn.n;
            /* the event precedes what it derives; in one pipeline its row went out already */
            int r = b->one_pipeline ? 0 : txn_push(&b->svc->txn, b->events[i]);
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
    runs_reset(b->runs);
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
    if (!runs_fits(b->runs, h, key)) {
        step_rc_t rc = s_run_send(b);
        if (rc != STEP_OK)
            return rc;
    }
    if (!b->piping) {
        if (db_pipeline_begin(b->svc->db))
            return STEP_FAILED;
        b->piping = true;
    }
    if (runs_add(b->runs, h, key))
        return STEP_FAILED;
    b->state[i] = EV_PENDING;
    b->pending[b->runs->n - 1] = i;
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
        s_decide(b, i, 1, &verdict, svc->txn.n);
        return STEP_OK;
    }
    b->data[i] = protobuf_c_message_unpack(t->data, &svc->request_alloc, ev->data.len,
                                           ev->data.data);
    if (!b->data[i]) {
        reject(&verdict, "invalid_data", "data", "data of %s could not be decoded", ev->type);
        s_decide(b, i, 1, &verdict, svc->txn.n);
        return STEP_OK;
    }
    b->handler[i] = h;
    if (h->send) {
        int r = h->check ? h->check(svc, ev, b->data[i], &verdict) : 0;
        if (r < 0)
            return STEP_FAILED;
        if (r > 0) {
            s_decide(b, i, 1, &verdict, svc->txn.n);
            return STEP_OK;
        }
        if (!b->careful)
            return s_run_add(b, i, h);
        size_t mark = svc->txn.n;
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
    size_t mark = svc->txn.n;
    int r = txn_push(&svc->txn, ev);
    if (r == 0)
        r = h->apply(svc, ev, b->data[i], &verdict);
    if (r < 0)
        return s_careful_end(b, i, mark, s_step_error(b, ev->type));
    s_decide(b, i, r, &verdict, mark);
    return s_careful_end(b, i, mark, STEP_OK);
}

/* ---- modes: how a batch is applied ----------------------------------------------
 *
 * Every mode gives the same answers and the same effects; they differ in
 * round trips and in what a surprise costs.
 *
 * ONE_PIPELINE (the usual one): BEGIN, the runs, and the inbox and outbox
 *   rows of every event as if all were accepted, sent before any verdict is
 *   read; COMMIT follows once every event is found applied. A batch of 100
 *   waits for the server twice instead of three times, and the server starts
 *   on the first run while the daemon still makes the others. Only for a
 *   batch whose handlers all send a statement, derive nothing, and whose ids
 *   are distinct (s_fits_one_pipeline).
 * OPTIMISTIC: in steps (the verdicts of each pipeline read before the rows
 *   are written), without asking the inbox first.
 * CHECKED: in steps, the inbox asked first (in BEGIN's round trip).
 * CAREFUL: checked, and each event alone in a savepoint.
 *
 * Surprises void an attempt, which is rolled back and made again:
 * - a rejection, or a derived row not sent, in one pipeline
 *   (NOT_IN_ONE_PIPELINE): again OPTIMISTIC;
 * - a resent id, found by the inbox's primary key at COMMIT or, for a
 *   rejected event (which leaves no inbox row), looked up before COMMIT
 *   (TXN_SEEN_BEFORE): again CHECKED, since an event accepted once is a
 *   duplicate for good, even when it would be refused now;
 * - an event's data tripping a constraint (1): again CAREFUL.
 *
 * The latches. A voided attempt costs a whole batch of server work; the safer
 * mode costs one round trip more. Rejections and resends come in bursts (a
 * township's file of bad rows; a client re-pushing what it sent before an
 * outage), so after a void the next few batches go the safe way at once:
 * CHECKED_AFTER_RESEND batches are checked after a resend, and
 * STEPWISE_AFTER_REJECTION go in steps after a rejection. Outside a burst
 * this costs at most that many extra round trips (~0.1 ms each on one host:
 * a few ms in all); inside one it halves the work. They change speed only,
 * never an answer; the voids are counted (hrss_service_resent_batches_total,
 * hrss_service_redone_batches_total) and a run without surprises never sets
 * them. */
typedef enum { APPLY_ONE_PIPELINE, APPLY_OPTIMISTIC, APPLY_CHECKED, APPLY_CAREFUL } apply_mode_t;
#define CHECKED_AFTER_RESEND 64
#define STEPWISE_AFTER_REJECTION 16

/* Whether a batch can go in one pipeline: every event's handler sends a
 * statement (none applies as it reads) and derives nothing from its verdict
 * (its outbox rows are all known before the verdicts are read), and no id
 * comes twice (a repeated id waits for the fate of the first). */
static bool
s_fits_one_pipeline(service_t *svc, Hrss__Event *const *events, size_t n)
{
    hashtab_t *ids = &svc->ingest.ids;
    if (s_ids_reset(ids, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        const event_handler_t *h = s_event_handler(svc, events[i]->type);
        hashtab_slot_t *slot = s_id_slot(ids, events, events[i]);
        if (!h || !h->send || h->derives || hashtab_at(ids, slot))
            return false;
        hashtab_put(ids, slot, (uint32_t) i);
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
    size_t nsent = b->runs->n;
    Hrss__Event **sent = arena_alloc(svc->arena, (nsent ? nsent : 1) * sizeof *sent);
    step_rc_t rc = sent ? s_run_send(b) : STEP_FAILED;
    for (size_t k = 0; rc == STEP_OK && k < nsent; k++) {
        sent[k] = b->events[b->pending[k]];
        if (txn_push(&svc->txn, sent[k]))
            rc = STEP_FAILED;
    }
    size_t nrows = svc->txn.n;
    if (rc == STEP_OK && (txn_rows_send(&svc->txn, db, sent, nsent) || db_pipeline_sync(db)))
        rc = STEP_FAILED;
    b->piping = false;
    if (rc == STEP_OK && db_pipeline_expect(db, "BEGIN"))
        rc = STEP_FAILED;
    if (rc == STEP_OK)
        rc = s_read_runs(b);
    runs_reset(b->runs);
    int result = rc == STEP_OK ? 0 : rc == STEP_AGAIN ? 1 : -1;
    uint64_t last = svc->txn.last_seq;
    if (result == 0)
        result = txn_rows_result(&svc->txn, db, nsent, nrows, &last);
    if (db_pipeline_end(db) && result == 0)
        result = -1;
    if (result)
        return result;
    /* every event applied, and nothing derived that was not sent */
    for (size_t i = 0; i < n; i++)
        if (b->state[i] != EV_ACCEPTED)
            return NOT_IN_ONE_PIPELINE;
    if (svc->txn.n != nrows)
        return NOT_IN_ONE_PIPELINE;
    if (db_commit(db))
        return -1;
    txn_committed(&svc->txn, last);
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
                     claims_check_send(db, svc->def->name, events, n) ||
                     db_pipeline_sync(db) || db_pipeline_expect(db, "BEGIN") ||
                     inbox_check_result(db, n, status) || claims_check_result(db, n, status)
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
 * carefully), TXN_SEEN_BEFORE when optimistic and an id of the batch was
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
                 .careful = mode == APPLY_CAREFUL, .runs = &svc->ingest.runs,
                 .one_pipeline = mode == APPLY_ONE_PIPELINE};
    inbox_status_t *status = arena_alloc(arena, n * sizeof *status);
    Hrss__Event **accepted = arena_alloc(arena, n * sizeof *accepted);
    b.state = arena_alloc(arena, n * sizeof *b.state);
    b.data = arena_alloc(arena, n * sizeof *b.data);
    b.handler = arena_alloc(arena, n * sizeof *b.handler);
    b.pending = arena_alloc(arena, n * sizeof *b.pending);
    hashtab_t *ids = &svc->ingest.ids;
    runs_reset(b.runs);
    if (!status || !accepted || !b.state || !b.data || !b.handler || !b.pending ||
        s_ids_reset(ids, n))
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
        hashtab_slot_t *slot = s_id_slot(ids, b.events, ev);
        uint32_t latest = hashtab_at(ids, slot);   /* index + 1 of the latest with this id */
        if (latest && b.state[latest - 1] == EV_PENDING) {
            /* the same id is on its way: its fate decides this one */
            rc = s_pipeline_drain(&b);
            if (rc != STEP_OK)
                break;
        }
        if (latest && b.state[latest - 1] == EV_ACCEPTED) {
            /* accepted earlier in this batch: decided as if in an earlier batch */
            const Hrss__Event *before = b.events[latest - 1];
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
            hashtab_put(ids, slot, (uint32_t) i);   /* the latest event with this id */
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
                return TXN_SEEN_BEFORE;
    }
    return txn_commit(&svc->txn, svc->db, accepted, naccepted, NULL, 0);
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
    ingest_t *in = &svc->ingest;
    if (svc->migrated && db_ensure(svc->db) == 0) {
        /* see "modes" above: the latches first, then what the batch allows */
        apply_mode_t mode = APPLY_ONE_PIPELINE;
        if (in->checked_left) {
            in->checked_left--;
            mode = APPLY_CHECKED;
        } else if (in->stepwise_left) {
            in->stepwise_left--;
            mode = APPLY_OPTIMISTIC;
        } else if (!s_fits_one_pipeline(svc, events, n)) {
            mode = APPLY_OPTIMISTIC;
        }
        rc = s_apply_batch(svc, &batch, slots, mode);
        if (rc == NOT_IN_ONE_PIPELINE) {
            /* an event was refused: the attempt is void; again, verdicts first */
            txn_rollback(&svc->txn, svc->db);
            in->stepwise_left = STEPWISE_AFTER_REJECTION;
            in->redone_batches++;
            rc = s_apply_batch(svc, &batch, slots, APPLY_OPTIMISTIC);
        }
        if (rc == TXN_SEEN_BEFORE) {
            /* a resend: the attempt is void; again, asking the inbox first */
            txn_rollback(&svc->txn, svc->db);
            in->checked_left = CHECKED_AFTER_RESEND;
            in->resent_batches++;
            rc = s_apply_batch(svc, &batch, slots, APPLY_CHECKED);
        }
        if (rc == 1) {
            /* An event whose data trips a constraint aborted the transaction:
             * the batch again, each event in a savepoint, that one rejected. */
            txn_rollback(&svc->txn, svc->db);
            if (!alone)
                return 1;
            in->careful_batches++;
            rc = s_apply_batch(svc, &batch, slots, APPLY_CAREFUL) == 0 ? 0 : -1;
        }
    }
    if (rc != 0) {
        /* Nothing of this batch is committed: every event is to be resent,
         * unless the statement itself is wrong, which resending repeats */
        txn_check_bug(svc->db, "a batch");
        log_error("batch of %zu events not applied: %s", n, db_error(svc->db));
        txn_rollback(&svc->txn, svc->db);
        for (size_t i = 0; i < n; i++)
            s_result(arena, &slots[i], events[i]->id, HRSS__OUTCOME__RETRY, "unavailable", NULL,
                     "the service could not commit; resend the event");
        return -1;
    }
    service_committed(svc, n);
    return 0;
}

void
ingest_flush(service_t *svc)
{
    group_t *g = &svc->ingest.group;
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


void
ingest_add(service_t *svc, Hrss__Request *req, const unsigned char *id, size_t id_len)
{
    group_t *group = &svc->ingest.group;
    group->reqs[group->n] = req;
    memcpy(group->ids[group->n], id, id_len);
    group->id_lens[group->n] = id_len;
    group->n++;
    group->events += req->events->n_events;
    /* the next batch might not fit: the group is answered now, while its
     * requests are the only ones alive in the request arena */
    if (group->n == GROUP_REQUESTS || group->events > GROUP_EVENTS - BATCH_MAX)
        ingest_flush(svc);
}
