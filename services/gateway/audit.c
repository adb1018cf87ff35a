/* The audit trail in the gateway's schema: rows are appended by the
 * database function audit_append, which chains each row's hash to the
 * previous one (sql/002_audit.sql, sql/005_audit_count.sql).
 *
 * The loop never waits for the database here. A row to write joins a queue
 * and is sent on the audit's own connection (libpq's asynchronous calls,
 * polled by the loop); one row is in flight at a time. While it is, a
 * refusal of the same kind from the same address in the same second joins
 * the next queued row, which counts it: a flood of bad tokens costs a row
 * per second and address, not a row per request.
 *
 * The response of an audited request waits (its connection suspended, as
 * for a service) until its row is committed, so that a client never hears
 * a refusal that left no trace, and a flooding client is slowed to the pace
 * of the audit, not everyone else. When the database is away, the response
 * goes after AUDIT_HOLD_MS and the row stays queued until it is back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "log.h"
#include "timeutil.h"

#define AUDIT_QUEUE_MAX 1024      /* distinct rows waiting; each merges any number of refusals */
#define AUDIT_MERGE_SCAN 64       /* the newest rows a refusal may join */
#define AUDIT_HOLD_MS 2000        /* longest a response waits for its row */
#define AUDIT_RETRY_MS 1000

typedef struct {
    int64_t token_id;
    char actor[64], role[16], action[40], route[64], region[16], detail[200], client[48];
    int status;
    int64_t at_us;                /* the first refusal the row stands for */
    uint32_t count;
    int64_t hold_until_ms;
    http_req_t **waiters;         /* responses waiting for the commit */
    size_t nwaiters, cap;
} row_t;

struct audit_t {
    db_t *db;
    row_t rows[AUDIT_QUEUE_MAX];  /* a ring: rows[head] is the oldest */
    size_t head, n;
    bool in_flight;               /* rows[head] has been sent */
    bool failed;                  /* the statement in flight failed */
    bool flushing;                /* libpq has unsent bytes */
    int64_t retry_ms;
    /* Refusals that found the queue full (the database away for long under
     * a flood from many addresses): counted in one row of their own, queued
     * as soon as there is room, so that none leaves no trace. Only their
     * number, first time and status survive, not each address. */
    row_t overflow;
    int64_t slow_logged_ms;
    bool closed;                  /* shutting down: no response waits any more */
};

audit_t *
audit_new(const char *conninfo)
{
    audit_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db_new(conninfo, "gateway");
    if (!self->db) {
        free(self);
        return NULL;
    }
    return self;
}

static row_t *
s_row(audit_t *a, size_t i)
{
    return &a->rows[(a->head + i) % AUDIT_QUEUE_MAX];
}

/* Lets the responses waiting for `row` go. */
static void
s_release(row_t *row)
{
    for (size_t i = 0; i < row->nwaiters; i++) {
        http_req_t *req = row->waiters[i];
        if (!req)
            continue;   /* gone meanwhile (audit_forget) */
        req->audit_pending--;
        if (req->audit_pending == 0 && req->answered && req->suspended) {
            req->suspended = false;
            MHD_resume_connection(req->conn);
        }
    }
    free(row->waiters);
    row->waiters = NULL;
    row->nwaiters = row->cap = 0;
}

static void
s_pop(audit_t *a)
{
    s_release(s_row(a, 0));
    a->head = (a->head + 1) % AUDIT_QUEUE_MAX;
    a->n--;
    if (a->overflow.count && a->n < AUDIT_QUEUE_MAX) {
        *s_row(a, a->n++) = a->overflow;   /* its waiters went at once */
        memset(&a->overflow, 0, sizeof a->overflow);
    }
}

void
audit_destroy(audit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_t *self = *self_p;
    while (self->n)
        s_pop(self);
    db_destroy(&self->db);
    free(self);
    *self_p = NULL;
}

static bool
s_same(const row_t *r, const row_t *k)
{
    return r->token_id == k->token_id && r->status == k->status &&
           r->at_us / 1000000 == k->at_us / 1000000 && strcmp(r->client, k->client) == 0 &&
           strcmp(r->action, k->action) == 0 && strcmp(r->route, k->route) == 0 &&
           strcmp(r->region, k->region) == 0 && strcmp(r->detail, k->detail) == 0 &&
           strcmp(r->actor, k->actor) == 0;
}

void
audit_record(gateway_t *gw, http_req_t *req, const char *action, const char *region,
             int status, const char *detail)
{
    audit_t *a = gw->audit;
    row_t key = {0};
    key.token_id = req->who.token_id;
    snprintf(key.actor, sizeof key.actor, "%s", req->who.name[0] ? req->who.name : "-");
    snprintf(key.role, sizeof key.role, "%s",
             req->who.name[0] ? role_name(req->who.role) : "-");
    snprintf(key.action, sizeof key.action, "%s", action);
    snprintf(key.route, sizeof key.route, "%s", req->route ? req->route : "-");
    snprintf(key.region, sizeof key.region, "%s", region ? region : "");
    snprintf(key.detail, sizeof key.detail, "%s", detail ? detail : "");
    snprintf(key.client, sizeof key.client, "%s", req->client);
    key.status = status;
    key.at_us = now_us();
    key.count = 1;

    row_t *row = NULL;
    /* the row in flight is sealed; a queued one of the same kind takes it */
    size_t first = a->in_flight ? 1 : 0;
    size_t from = a->n > AUDIT_MERGE_SCAN + first ? a->n - AUDIT_MERGE_SCAN : first;
    for (size_t i = a->n; i > from; i--)
        if (s_same(s_row(a, i - 1), &key)) {
            row = s_row(a, i - 1);
            row->count++;
            break;
        }
    if (!row) {
        if (a->n == AUDIT_QUEUE_MAX) {
            /* only when the database has been away for long under a flood
             * from many addresses: counted in the overflow row */
            if (!a->overflow.count) {
                a->overflow = key;
                a->overflow.token_id = 0;
                snprintf(a->overflow.actor, sizeof a->overflow.actor, "-");
                snprintf(a->overflow.role, sizeof a->overflow.role, "-");
                snprintf(a->overflow.client, sizeof a->overflow.client, "*");
                snprintf(a->overflow.region, sizeof a->overflow.region, "%s", "");
                snprintf(a->overflow.detail, sizeof a->overflow.detail,
                         "audit queue full: refusals from several addresses counted together");
                a->overflow.count = 0;
                log_error("audit: queue full; refusals are counted in one row until it drains");
            }
            a->overflow.count++;
            return;
        }
        row = s_row(a, a->n++);
        *row = key;
        row->hold_until_ms = monotonic_ms() + AUDIT_HOLD_MS;
    }
    if (!req->conn || a->closed)
        return;
    if (row->nwaiters == row->cap) {
        size_t cap = row->cap ? row->cap * 2 : 4;
        http_req_t **w = realloc(row->waiters, cap * sizeof *w);
        if (!w)
            return;   /* answered without waiting; the row is still written */
        row->waiters = w;
        row->cap = cap;
    }
    row->waiters[row->nwaiters++] = req;
    req->audit_pending++;
}

void
audit_forget(gateway_t *gw, http_req_t *req)
{
    audit_t *a = gw->audit;
    for (size_t i = 0; a && i < a->n && req->audit_pending; i++) {
        row_t *row = s_row(a, i);
        for (size_t k = 0; k < row->nwaiters; k++)
            if (row->waiters[k] == req) {
                row->waiters[k] = NULL;
                req->audit_pending--;
            }
    }
}

static void
s_send(gateway_t *gw)
{
    audit_t *a = gw->audit;
    PGconn *conn = db_conn(a->db);
    if (!conn || PQstatus(conn) != CONNECTION_OK || PQsetnonblocking(conn, 1))
        return;   /* the tick reconnects */
    row_t *r = s_row(a, 0);
    char token_id[24], status[12], count[12], at_us[24];
    snprintf(token_id, sizeof token_id, "%lld", (long long) r->token_id);
    snprintf(status, sizeof status, "%d", r->status);
    snprintf(count, sizeof count, "%u", r->count);
    snprintf(at_us, sizeof at_us, "%lld", (long long) r->at_us);
    const char *values[] = {r->token_id ? token_id : NULL,
                            r->actor, r->role, r->action, r->route, r->region, status,
                            r->detail, r->client, count, at_us};
    if (!PQsendQueryParams(conn,
                           "SELECT audit_append($1::bigint, $2, $3, $4, $5, $6, $7::int, $8, $9,"
                           " $10::int, $11::bigint)",
                           11, NULL, values, NULL, NULL, 0)) {
        log_error("audit: cannot send a row: %s", PQerrorMessage(conn));
        a->retry_ms = monotonic_ms() + AUDIT_RETRY_MS;
        return;
    }
    a->in_flight = true;
    a->failed = false;
    a->flushing = PQflush(conn) == 1;
}

/* Reads what the database said of the row in flight. */
static void
s_receive(gateway_t *gw)
{
    audit_t *a = gw->audit;
    PGconn *conn = db_conn(a->db);
    if (!conn || !PQconsumeInput(conn)) {
        log_error("audit: connection lost with a row in flight: %s",
                  conn ? PQerrorMessage(conn) : "none");
        a->in_flight = false;   /* sent again once reconnected: it was not committed */
        a->retry_ms = monotonic_ms() + AUDIT_RETRY_MS;
        return;
    }
    if (a->flushing)
        a->flushing = PQflush(conn) == 1;
    while (!PQisBusy(conn)) {
        PGresult *res = PQgetResult(conn);
        if (!res) {
            a->in_flight = false;
            if (a->failed)
                a->retry_ms = monotonic_ms() + AUDIT_RETRY_MS;
            else
                s_pop(a);   /* committed: its responses may go */
            return;
        }
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            a->failed = true;
            log_error("audit: row not written, will retry: %s",
                      PQresultErrorMessage(res));
        }
        PQclear(res);
    }
}

void
audit_run(gateway_t *gw)
{
    audit_t *a = gw->audit;
    if (a->in_flight)
        s_receive(gw);
    int64_t now = monotonic_ms();
    /* the database is slow or away: answer now, write later */
    for (size_t i = 0; i < a->n; i++) {
        row_t *row = s_row(a, i);
        if (row->nwaiters && now >= row->hold_until_ms) {
            if (now - a->slow_logged_ms > 10000) {
                log_warn("audit: rows not yet written after %d ms; answering without waiting",
                         AUDIT_HOLD_MS);
                a->slow_logged_ms = now;
            }
            s_release(row);
        }
    }
    if (!a->in_flight && a->n && gw->migrated && now >= a->retry_ms)
        s_send(gw);
}

void
audit_tick(gateway_t *gw)
{
    audit_t *a = gw->audit;
    if (a->n && !a->in_flight && !db_connected(a->db) && db_ensure(a->db))
        log_error("audit: %zu rows waiting, database unavailable: %s", a->n, db_error(a->db));
    audit_run(gw);
}

bool
audit_pollitem(gateway_t *gw, zmq_pollitem_t *item)
{
    audit_t *a = gw->audit;
    PGconn *conn = a->in_flight ? db_conn(a->db) : NULL;
    if (!conn || PQsocket(conn) < 0)
        return false;
    *item = (zmq_pollitem_t){NULL, PQsocket(conn),
                             (short) (ZMQ_POLLIN | (a->flushing ? ZMQ_POLLOUT : 0)), 0};
    return true;
}

int64_t
audit_timeout_ms(gateway_t *gw, int64_t cap)
{
    audit_t *a = gw->audit;
    int64_t now = monotonic_ms(), ms = cap;
    for (size_t i = 0; i < a->n; i++) {
        const row_t *row = s_row(a, i);
        if (row->nwaiters && row->hold_until_ms - now < ms)
            ms = row->hold_until_ms - now;
    }
    if (a->n && !a->in_flight && a->retry_ms - now < ms)
        ms = a->retry_ms - now;
    return ms < 0 ? 0 : ms;
}

void
audit_close(gateway_t *gw)
{
    audit_t *a = gw->audit;
    if (!a)
        return;
    /* write what is queued, for a few seconds at most, then let every
     * waiting response go: libmicrohttpd stops only with none suspended */
    int64_t deadline = monotonic_ms() + 3000;
    while (a->n && gw->migrated && monotonic_ms() < deadline) {
        if (!a->in_flight) {
            if (!db_connected(a->db) && db_ensure(a->db))
                break;
            s_send(gw);
            if (!a->in_flight)
                break;
        }
        zmq_pollitem_t item;
        if (audit_pollitem(gw, &item))
            (void) zmq_poll(&item, 1, 100);
        s_receive(gw);
    }
    if (a->n)
        log_error("audit: %zu rows not written at shutdown", a->n);
    for (size_t i = 0; i < a->n; i++)
        s_release(s_row(a, i));
    a->closed = true;
}
