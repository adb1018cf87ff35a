#include "outbox.h"

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
    {0, NULL, NULL}};

int
inbox_record(db_t *db, const Hrss__Event *ev, inbox_status_t *status)
{
    const char *values[] = {ev->scope, ev->id, (const char *) ev->content_hash.data, ev->type};
    int lengths[] = {0, 0, (int) ev->content_hash.len, 0};
    int formats[] = {0, 0, 1, 0};
    PGresult *res = db_prepared(db, "inbox_insert",
                                "INSERT INTO inbox (scope, event_id, content_hash, type)"
                                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                                4, values, lengths, formats);
    if (!res)
        return -1;
    int inserted = PQntuples(res);
    PQclear(res);
    if (inserted) {
        *status = INBOX_NEW;
        return 0;
    }
    res = db_prepared(db, "inbox_hash_same",
                      "SELECT content_hash = $3 FROM inbox WHERE scope = $1 AND event_id = $2", 3,
                      values, lengths, formats);
    if (!res)
        return -1;
    *status = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't' ? INBOX_DUPLICATE
                                                                     : INBOX_CONFLICT;
    PQclear(res);
    return 0;
}

int
outbox_append(db_t *db, const Hrss__Event *ev, uint64_t *seq)
{
    if (!db_xact_flag_test_and_set(db, DB_XACT_OUTBOX_LOCKED)) {
        /* A statement of its own: the max(seq) below must be read by a
         * statement that starts after the lock is held. */
        PGresult *res = db_prepared(db, "outbox_lock",
                                    "SELECT pg_advisory_xact_lock(hashtext(current_schema()"
                                    " || '.outbox'))",
                                    0, NULL, NULL, NULL);
        if (!res)
            return -1;
        PQclear(res);
    }
    char at[24];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {ev->id,
                            ev->scope,
                            ev->type,
                            ev->region,
                            at,
                            (const char *) ev->data.data,
                            ev->content_hash.len ? (const char *) ev->content_hash.data : NULL,
                            ev->cause};
    int lengths[] = {0, 0, 0, 0, 0, (int) ev->data.len, (int) ev->content_hash.len, 0};
    int formats[] = {0, 0, 0, 0, 0, 1, 1, 0};
    PGresult *res = db_prepared(
        db, "outbox_append",
        "INSERT INTO outbox (seq, event_id, scope, type, region, occurred_at_us, data,"
        " content_hash, cause)"
        " SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8 FROM outbox"
        " RETURNING seq",
        8, values, lengths, formats);
    if (!res)
        return -1;
    *seq = (uint64_t) db_get_int64(res, 0, 0);
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

static char *
s_dup(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

int
outbox_read(db_t *db, const char *source, uint64_t after, uint32_t limit, Hrss__FeedPage *page)
{
    hrss__feed_page__init(page);
    if (outbox_head(db, &page->head))
        return -1;
    char a[24], l[16];
    snprintf(a, sizeof a, "%" PRIu64, after);
    snprintf(l, sizeof l, "%" PRIu32, limit);
    const char *values[] = {a, l};
    PGresult *res = db_prepared(db, "outbox_read",
                                "SELECT seq, event_id, scope, type, region, occurred_at_us, data,"
                                " content_hash, cause, recorded_at_us FROM outbox"
                                " WHERE seq > $1 ORDER BY seq LIMIT $2",
                                2, values, NULL, NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    page->events = calloc((size_t) (n ? n : 1), sizeof *page->events);
    if (!page->events)
        goto fail;
    for (int i = 0; i < n; i++) {
        Hrss__Event *ev = malloc(sizeof *ev);
        if (!ev)
            goto fail;
        hrss__event__init(ev);
        page->events[page->n_events++] = ev;
        ev->has_seq = 1;
        ev->seq = (uint64_t) db_get_int64(res, i, 0);
        ev->id = s_dup(res, i, 1);
        ev->scope = s_dup(res, i, 2);
        ev->type = s_dup(res, i, 3);
        ev->region = s_dup(res, i, 4);
        ev->occurred_at_us = db_get_int64(res, i, 5);
        ev->data.data = db_get_bytea(res, i, 6, &ev->data.len);
        if (!PQgetisnull(res, i, 7))
            ev->content_hash.data = db_get_bytea(res, i, 7, &ev->content_hash.len);
        ev->cause = s_dup(res, i, 8);
        ev->has_recorded_at_us = 1;
        ev->recorded_at_us = db_get_int64(res, i, 9);
        ev->source = strdup(source);
        if (!ev->id || !ev->scope || !ev->type || !ev->region || !ev->data.data || !ev->source)
            goto fail;
    }
    PQclear(res);
    return 0;
fail:
    PQclear(res);
    outbox_page_clear(page);
    return -1;
}

void
outbox_page_clear(Hrss__FeedPage *page)
{
    for (size_t i = 0; i < page->n_events; i++) {
        Hrss__Event *ev = page->events[i];
        free(ev->id);
        free(ev->scope);
        free(ev->type);
        free(ev->region);
        free(ev->data.data);
        free(ev->content_hash.data);
        free(ev->cause);
        free(ev->source);
        free(ev);
    }
    free(page->events);
    hrss__feed_page__init(page);
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
cursor_store(db_t *db, const char *source, uint64_t seq)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, seq);
    const char *values[] = {source, s};
    PGresult *res = db_prepared(db, "cursor_store",
                                "INSERT INTO cursors (source, seq) VALUES ($1, $2)"
                                " ON CONFLICT (source) DO UPDATE SET seq = EXCLUDED.seq",
                                2, values, NULL, NULL);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}
