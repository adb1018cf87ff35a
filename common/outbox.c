#include "outbox.h"

#include "pgarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const db_migration_t outbox_migrations[] = {
    {1, "backbone",
     "CREATE TABLE inbox ("
     "  scope text NOT NULL,"
     "  event_id text NOT NULL,"
     "  content_hash bytea NOT NULL,"
     "  type text NOT NULL,"
     "  accepted_at timestamptz NOT NULL DEFAULT now(),"
     "  PRIMARY KEY (scope, event_id));"
     "CREATE TABLE outbox ("
     "  seq bigint PRIMARY KEY,"
     "  event_id text NOT NULL,"
     "  scope text NOT NULL,"
     "  type text NOT NULL,"
     "  region char(12) NOT NULL,"
     "  occurred_at_us bigint NOT NULL,"
     "  data bytea NOT NULL,"
     "  content_hash bytea,"
     "  cause text,"
     "  recorded_at_us bigint NOT NULL"
     "    DEFAULT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);"
     "CREATE TABLE cursors ("
     "  source text PRIMARY KEY,"
     "  seq bigint NOT NULL);"},
    /* Ids are ASCII compared for equality: byte order ("C") makes each index
     * probe a memcmp instead of a locale comparison. */
    {2, "c_collation",
     "ALTER TABLE inbox ALTER COLUMN scope TYPE text COLLATE \"C\","
     " ALTER COLUMN event_id TYPE text COLLATE \"C\";"},
    {0, NULL, NULL}};

/* ---- statements of the backbone ------------------------------------------------
 * Each write is built once and either sent into the caller's pipeline (the
 * _send forms, results read in order after db_pipeline_sync) or run on its
 * own (the blocking forms, built on the same statements). */

#define INBOX_CHECK_SQL                                                                       \
    "SELECT u.ord, i.content_hash = u.hash FROM unnest($1::text[], $2::text[], $3::bytea[])"  \
    " WITH ORDINALITY AS u(scope, id, hash, ord)"                                             \
    " JOIN inbox i ON i.scope = u.scope AND i.event_id = u.id"
#define INBOX_INSERT_SQL                                                                      \
    "INSERT INTO inbox (scope, event_id, content_hash, type)"                                 \
    " SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[])"
/* Commit order is feed order: the lock, held to commit, is taken by a
 * statement of its own, so that the append's max(seq), read by a statement
 * that starts later, sees every row committed before. Taking it again in
 * the same transaction is a no-op. */
#define OUTBOX_LOCK_SQL "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.outbox'))"
#define OUTBOX_APPEND_SQL                                                                     \
    "WITH ins AS (INSERT INTO outbox (seq, event_id, scope, type, region, occurred_at_us,"    \
    " data, content_hash, cause)"                                                             \
    " SELECT m.base + u.ord, u.id, u.scope, u.type, u.region, u.at, u.data, u.hash, u.cause"  \
    " FROM (SELECT coalesce(max(seq), 0) AS base FROM outbox) m,"                            \
    " unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[],"     \
    " $7::bytea[], $8::text[])"                                                               \
    " WITH ORDINALITY AS u(id, scope, type, region, at, data, hash, cause, ord)"              \
    " RETURNING seq) SELECT max(seq) FROM ins"
#define CURSOR_STORE_SQL                                                                      \
    "INSERT INTO cursors (source, seq) VALUES ($1, $2)"                                       \
    " ON CONFLICT (source) DO UPDATE SET seq = EXCLUDED.seq"

/* One statement over array columns, sent into the pipeline or run alone;
 * frees the columns. Alone, its result is cleared unless `out` takes it. */
static int
s_run(db_t *db, bool piped, const char *name, const char *sql, pgarray_t *cols, size_t ncols,
      PGresult **out)
{
    const char *values[8];
    int lengths[8], formats[8];
    int rc = -1;
    if (ncols <= 8 && pgarray_params(cols, ncols, values, lengths, formats) == 0) {
        if (piped) {
            rc = db_pipeline_send(db, name, sql, (int) ncols, values, lengths, formats);
        } else {
            PGresult *res = db_prepared(db, name, sql, (int) ncols, values, lengths, formats);
            rc = res ? 0 : -1;
            if (out)
                *out = res;
            else
                PQclear(res);
        }
    }
    pgarray_free_all(cols, ncols);
    return rc;
}

static const uint32_t k_check_types[] = {PGARRAY_TEXT, PGARRAY_TEXT, PGARRAY_BYTEA};
static const uint32_t k_insert_types[] = {PGARRAY_TEXT, PGARRAY_TEXT, PGARRAY_BYTEA,
                                          PGARRAY_TEXT};
static const uint32_t k_append_types[] = {PGARRAY_TEXT, PGARRAY_TEXT, PGARRAY_TEXT,
                                          PGARRAY_TEXT, PGARRAY_INT8, PGARRAY_BYTEA,
                                          PGARRAY_BYTEA, PGARRAY_TEXT};

static void
s_check_columns(pgarray_t cols[3], Hrss__Event *const *events, size_t n)
{
    pgarray_init_types(cols, k_check_types, 3);
    for (size_t i = 0; i < n; i++) {
        pgarray_add_text(&cols[0], events[i]->scope);
        pgarray_add_text(&cols[1], events[i]->id);
        pgarray_add_bytea(&cols[2], events[i]->content_hash.data, events[i]->content_hash.len);
    }
}

static void
s_check_read(const PGresult *res, size_t n, inbox_status_t *status)
{
    for (size_t i = 0; i < n; i++)
        status[i] = INBOX_NEW;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t ord = db_get_int64(res, r, 0);
        if (ord >= 1 && (size_t) ord <= n)
            status[ord - 1] = PQgetvalue(res, r, 1)[0] == 't' ? INBOX_DUPLICATE : INBOX_CONFLICT;
    }
}

int
inbox_check(db_t *db, Hrss__Event *const *events, size_t n, inbox_status_t *status)
{
    pgarray_t cols[3];
    PGresult *res = NULL;
    s_check_columns(cols, events, n);
    if (s_run(db, false, "inbox_check", INBOX_CHECK_SQL, cols, 3, &res))
        return -1;
    s_check_read(res, n, status);
    PQclear(res);
    return 0;
}

int
inbox_check_send(db_t *db, Hrss__Event *const *events, size_t n)
{
    pgarray_t cols[3];
    s_check_columns(cols, events, n);
    return s_run(db, true, "inbox_check", INBOX_CHECK_SQL, cols, 3, NULL);
}

int
inbox_check_result(db_t *db, size_t n, inbox_status_t *status)
{
    PGresult *res = db_pipeline_result(db);
    if (!res)
        return -1;
    s_check_read(res, n, status);
    PQclear(res);
    return 0;
}

static int
s_inbox_insert(db_t *db, bool piped, Hrss__Event *const *events, size_t n)
{
    pgarray_t cols[4];
    pgarray_init_types(cols, k_insert_types, 4);
    for (size_t i = 0; i < n; i++) {
        pgarray_add_text(&cols[0], events[i]->scope);
        pgarray_add_text(&cols[1], events[i]->id);
        pgarray_add_bytea(&cols[2], events[i]->content_hash.data, events[i]->content_hash.len);
        pgarray_add_text(&cols[3], events[i]->type);
    }
    return s_run(db, piped, "inbox_insert", INBOX_INSERT_SQL, cols, 4, NULL);
}

int
inbox_insert(db_t *db, Hrss__Event *const *events, size_t n)
{
    return n ? s_inbox_insert(db, false, events, n) : 0;
}

int
inbox_insert_send(db_t *db, Hrss__Event *const *events, size_t n)
{
    return s_inbox_insert(db, true, events, n);
}

/* ---- the id space shared by the services ------------------------------------ */

/* Sorted, so that two transactions claiming overlapping ids take the index
 * entries in one order: one waits for the other instead of deadlocking. */
#define CLAIMS_INSERT_SQL                                                                     \
    "INSERT INTO idspace.claims (scope, event_id, service)"                                   \
    " SELECT scope, id, $3::text FROM unnest($1::text[], $2::text[]) AS u(scope, id)"         \
    " ORDER BY scope, id"
#define CLAIMS_CHECK_SQL                                                                      \
    "SELECT u.ord FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(scope, id, ord)"   \
    " JOIN idspace.claims c ON c.scope = u.scope AND c.event_id = u.id"                       \
    " WHERE c.service <> $3::text"

static int
s_claims_send(db_t *db, const char *name, const char *sql, const char *service,
              Hrss__Event *const *events, size_t n)
{
    static const uint32_t types[] = {PGARRAY_TEXT, PGARRAY_TEXT};
    pgarray_t cols[2];
    pgarray_init_types(cols, types, 2);
    for (size_t i = 0; i < n; i++) {
        pgarray_add_text(&cols[0], events[i]->scope);
        pgarray_add_text(&cols[1], events[i]->id);
    }
    const char *values[3];
    int lengths[3], formats[3];
    int rc = -1;
    if (pgarray_params(cols, 2, values, lengths, formats) == 0) {
        values[2] = service;
        lengths[2] = 0;
        formats[2] = 0;
        rc = db_pipeline_send(db, name, sql, 3, values, lengths, formats);
    }
    pgarray_free_all(cols, 2);
    return rc;
}

int
claims_insert_send(db_t *db, const char *service, Hrss__Event *const *events, size_t n)
{
    return s_claims_send(db, "claims_insert", CLAIMS_INSERT_SQL, service, events, n);
}

int
claims_check_send(db_t *db, const char *service, Hrss__Event *const *events, size_t n)
{
    return s_claims_send(db, "claims_check", CLAIMS_CHECK_SQL, service, events, n);
}

int
claims_check_result(db_t *db, size_t n, inbox_status_t *status)
{
    PGresult *res = db_pipeline_result(db);
    if (!res)
        return -1;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t ord = db_get_int64(res, r, 0);
        /* an id this service accepted stays its duplicate */
        if (ord >= 1 && (size_t) ord <= n && status[ord - 1] == INBOX_NEW)
            status[ord - 1] = INBOX_CONFLICT;
    }
    PQclear(res);
    return 0;
}

int
inbox_record(db_t *db, const Hrss__Event *ev, inbox_status_t *status)
{
    Hrss__Event *one[] = {(Hrss__Event *) ev};
    if (inbox_check(db, one, 1, status))
        return -1;
    return *status == INBOX_NEW ? inbox_insert(db, one, 1) : 0;
}

static int
s_outbox_append(db_t *db, bool piped, Hrss__Event *const *events, size_t n, PGresult **out)
{
    enum { ID, SCOPE, TYPE, REGION, AT, DATA, HASH, CAUSE, NCOLS };
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, k_append_types, NCOLS);
    for (size_t i = 0; i < n; i++) {
        const Hrss__Event *ev = events[i];
        pgarray_add_text(&cols[ID], ev->id);
        pgarray_add_text(&cols[SCOPE], ev->scope);
        pgarray_add_text(&cols[TYPE], ev->type);
        pgarray_add_text(&cols[REGION], ev->region);
        pgarray_add_int64(&cols[AT], ev->occurred_at_us);
        pgarray_add_bytea(&cols[DATA], ev->data.data ? ev->data.data : (const uint8_t *) "",
                          ev->data.len);
        pgarray_add_bytea(&cols[HASH], ev->content_hash.len ? ev->content_hash.data : NULL,
                          ev->content_hash.len);
        pgarray_add_text(&cols[CAUSE], ev->cause);
    }
    int lock = piped ? db_pipeline_send(db, "outbox_lock", OUTBOX_LOCK_SQL, 0, NULL, NULL, NULL)
                     : db_prepared_run(db, "outbox_lock", OUTBOX_LOCK_SQL, 0, NULL);
    if (lock) {
        pgarray_free_all(cols, NCOLS);
        return -1;
    }
    return s_run(db, piped, "outbox_append", OUTBOX_APPEND_SQL, cols, NCOLS, out);
}

int
outbox_append_all(db_t *db, Hrss__Event *const *events, size_t n, uint64_t *last_seq)
{
    PGresult *res = NULL;
    if (n == 0)
        return 0;
    if (s_outbox_append(db, false, events, n, &res))
        return -1;
    *last_seq = (uint64_t) db_get_int64(res, 0, 0);
    PQclear(res);
    return 0;
}

int
outbox_append(db_t *db, const Hrss__Event *ev, uint64_t *seq)
{
    Hrss__Event *one[] = {(Hrss__Event *) ev};
    return outbox_append_all(db, one, 1, seq);
}

int
outbox_append_send(db_t *db, Hrss__Event *const *events, size_t n)
{
    return s_outbox_append(db, true, events, n, NULL);
}

int
outbox_append_result(db_t *db, uint64_t *last_seq)
{
    PGresult *lock = db_pipeline_result(db);
    if (!lock)
        return -1;
    PQclear(lock);
    PGresult *res = db_pipeline_result(db);
    if (!res)
        return -1;
    *last_seq = (uint64_t) db_get_int64(res, 0, 0);
    PQclear(res);
    return 0;
}

int
outbox_head(db_t *db, uint64_t *head)
{
    PGresult *res =
        db_prepared(db, "outbox_head", "SELECT coalesce(max(seq), 0) FROM outbox", 0, NULL, NULL,
                    NULL);
    if (!res)
        return -1;
    *head = (uint64_t) db_get_int64(res, 0, 0);
    PQclear(res);
    return 0;
}

/* ---- reading the feed -------------------------------------------------------
 * The page is read in binary format and carved from the caller's arena: a
 * page of 500 events had cost ~11 allocations per event (a copy of each
 * field, bytea decoded from hex text twice over) and the server the hex
 * encoding, all to be packed into one reply and freed. */

/* A copy in the arena, NUL-terminated; NULL for SQL NULL. */
static char *
s_bin_copy(arena_t *arena, const PGresult *res, int row, int col, size_t *len)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    size_t n = (size_t) PQgetlength(res, row, col);
    char *out = arena_alloc(arena, n + 1);
    if (out) {
        memcpy(out, PQgetvalue(res, row, col), n);
        out[n] = '\0';
    }
    if (len)
        *len = n;
    return out;
}

int
outbox_read(db_t *db, const char *source, uint64_t after, uint32_t limit, uint64_t head,
            arena_t *arena, Hrss__FeedPage *page)
{
    hrss__feed_page__init(page);
    page->head = head;
    char a[24], l[16];
    snprintf(a, sizeof a, "%" PRIu64, after);
    snprintf(l, sizeof l, "%" PRIu32, limit);
    const char *values[] = {a, l};
    PGresult *res = db_prepared_binary(
        db, "outbox_read",
        "SELECT seq, event_id, scope, type, region, occurred_at_us, data, content_hash, cause,"
        " recorded_at_us FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
        2, values, NULL, NULL);
    if (!res)
        return -1;
    size_t n = (size_t) PQntuples(res);
    Hrss__Event *events = arena_alloc(arena, (n ? n : 1) * sizeof *events);
    page->events = arena_alloc(arena, (n ? n : 1) * sizeof *page->events);
    char *src = arena_strdup(arena, source);
    int rc = events && page->events && src ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        Hrss__Event *ev = &events[i];
        int r = (int) i;
        size_t len = 0;
        hrss__event__init(ev);
        ev->has_seq = 1;
        ev->seq = (uint64_t) db_get_binary_int64(res, r, 0);
        ev->id = s_bin_copy(arena, res, r, 1, NULL);
        ev->scope = s_bin_copy(arena, res, r, 2, NULL);
        ev->type = s_bin_copy(arena, res, r, 3, NULL);
        ev->region = s_bin_copy(arena, res, r, 4, NULL);
        ev->occurred_at_us = db_get_binary_int64(res, r, 5);
        ev->data.data = (uint8_t *) s_bin_copy(arena, res, r, 6, &len);
        ev->data.len = len;
        len = 0;
        ev->content_hash.data = (uint8_t *) s_bin_copy(arena, res, r, 7, &len);
        ev->content_hash.len = len;
        ev->cause = s_bin_copy(arena, res, r, 8, NULL);
        ev->has_recorded_at_us = 1;
        ev->recorded_at_us = db_get_binary_int64(res, r, 9);
        ev->source = src;
        if (!ev->id || !ev->scope || !ev->type || !ev->region || !ev->data.data)
            rc = -1;
        page->events[page->n_events++] = ev;
        if (ev->seq > page->head)
            page->head = ev->seq;
    }
    PQclear(res);
    if (rc)
        hrss__feed_page__init(page);
    return rc;
}

int
cursor_load(db_t *db, const char *source, uint64_t *seq)
{
    const char *values[] = {source};
    PGresult *res = db_prepared(db, "cursor_load", "SELECT seq FROM cursors WHERE source = $1", 1,
                                values, NULL, NULL);
    if (!res)
        return -1;
    *seq = PQntuples(res) ? (uint64_t) db_get_int64(res, 0, 0) : 0;
    PQclear(res);
    return 0;
}

int
cursor_store_send(db_t *db, const char *source, uint64_t seq)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, seq);
    const char *values[] = {source, s};
    return db_pipeline_send(db, "cursor_store", CURSOR_STORE_SQL, 2, values, NULL, NULL);
}
