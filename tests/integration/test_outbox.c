/* Integration tests for common/outbox.c against the stack's PostgreSQL
 * ($HRSS_PG_ADMIN, a superuser conninfo written by deploy/local.sh).
 *
 * Each test gets a scratch schema outbox_test_<pid>, migrated with the
 * backbone tables, and drops it afterwards, also when an assertion failed.
 * Three connections play the parts: A and B are two writers whose
 * transactions overlap, `reader` reads the feed the way a consumer does.
 *
 * The test that matters is the first: docs/design.md#commit-order, "Commit order is feed
 * order". A consumer reads `seq > cursor`; if a transaction could take its
 * number before an earlier-numbered one commits and commit after it, the
 * consumer would move its cursor past a row it has not seen. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "event_codec.h"
#include "outbox.h"
#include "timeutil.h"

/* The statement outbox_append() sends first in a transaction. */
#define OUTBOX_LOCK_SQL "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.outbox'))"
#define SOURCE "employment"
#define EVENT_TYPE "employment.person_registered"
#define EVENT_REGION "433123101001"   /* a village of 凤凰县 */
#define EVENT_SCOPE "433123000000"    /* 凤凰县: the pushing token's region */
#define OCCURRED_AT_US INT64_C(1709256600000000)   /* 2024-03-01 09:30 CST */

typedef struct {
    char schema[64];
    db_t *admin;    /* creates, migrates and drops the schema */
    db_t *a;
    db_t *b;
    db_t *reader;
} fixture_t;

/* An event with its own storage, as a service would append it. */
typedef struct {
    Hrss__Event ev;
    char id[64];
    uint8_t data[256];
    uint8_t hash[EVENT_HASH_LEN];
} test_event_t;

static void
s_event_make(test_event_t *te, const char *id, const char *id_number, const char *name)
{
    Hrss__PersonRegistered pr = HRSS__PERSON_REGISTERED__INIT;
    pr.id_number = (char *) id_number;
    pr.name = (char *) name;
    pr.household = "rural";
    assert_true(hrss__person_registered__get_packed_size(&pr) <= sizeof te->data);
    size_t len = hrss__person_registered__pack(&pr, te->data);

    Hrss__Event init = HRSS__EVENT__INIT;
    te->ev = init;
    snprintf(te->id, sizeof te->id, "%s", id);
    te->ev.id = te->id;
    te->ev.type = EVENT_TYPE;
    te->ev.region = EVENT_REGION;
    te->ev.scope = EVENT_SCOPE;
    te->ev.occurred_at_us = OCCURRED_AT_US;
    te->ev.data.data = te->data;
    te->ev.data.len = len;
    event_content_hash(te->ev.type, te->ev.region, te->ev.occurred_at_us, te->data, len,
                       te->hash);
    te->ev.content_hash.data = te->hash;
    te->ev.content_hash.len = sizeof te->hash;
}

/* ---- fixture -------------------------------------------------------------- */

/* `verb` schema `tail`, the schema quoted as an identifier. */
static int
s_schema_command(db_t *db, const char *verb, const char *schema, const char *tail)
{
    char *ident = PQescapeIdentifier(db_conn(db), schema, strlen(schema));
    if (!ident)
        return -1;
    char sql[256];
    snprintf(sql, sizeof sql, "%s %s%s", verb, ident, tail);
    PQfreemem(ident);
    return db_command(db, sql);
}

/* A connection that may still be waiting (a failed assertion can leave B
 * blocked on A's lock): cancel what runs, then close, which ends the
 * server's transaction. */
static void
s_close(db_t **db_p)
{
    PGconn *conn = *db_p ? db_conn(*db_p) : NULL;
    if (conn && PQtransactionStatus(conn) == PQTRANS_ACTIVE) {
        PGcancel *cancel = PQgetCancel(conn);
        char err[256];
        if (cancel) {
            PQcancel(cancel, err, sizeof err);
            PQfreeCancel(cancel);
        }
    }
    db_destroy(db_p);
}

static int
s_teardown(void **state)
{
    fixture_t *f = *state;
    if (!f)
        return 0;
    /* A first: B may be waiting for A's lock. */
    s_close(&f->a);
    s_close(&f->b);
    s_close(&f->reader);
    int rc = 0;
    if (f->admin) {
        if (db_ensure(f->admin) ||
            s_schema_command(f->admin, "DROP SCHEMA IF EXISTS", f->schema, " CASCADE")) {
            fprintf(stderr, "cannot drop schema %s: %s\n", f->schema, db_error(f->admin));
            rc = -1;
        }
        db_destroy(&f->admin);
    }
    free(f);
    *state = NULL;
    return rc;
}

static db_t *
s_connect(const char *conninfo, const char *schema)
{
    db_t *db = db_new(conninfo, schema);
    if (db && db_ensure(db)) {
        fprintf(stderr, "cannot connect: %s\n", db_error(db));
        db_destroy(&db);
    }
    return db;
}

static int
s_setup(void **state)
{
    const char *conninfo = getenv("HRSS_PG_ADMIN");
    if (!conninfo || !*conninfo) {
        fprintf(stderr, "HRSS_PG_ADMIN is not set: this test needs the PostgreSQL of a running "
                        "stack (run it through `deploy/local.sh test`, or source the stack's "
                        "hrss.env with `set -a`)\n");
        return -1;
    }
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    snprintf(f->schema, sizeof f->schema, "outbox_test_%ld", (long) getpid());

    /* search_path names the schema before it exists; PostgreSQL resolves it
     * per statement, so the migration lands in it once created. */
    f->admin = s_connect(conninfo, f->schema);
    if (!f->admin)
        goto fail;
    if (s_schema_command(f->admin, "CREATE SCHEMA", f->schema, "") ||
        db_migrate(f->admin, "backbone", outbox_migrations, NULL, NULL)) {
        fprintf(stderr, "cannot create schema %s: %s\n", f->schema, db_error(f->admin));
        goto fail;
    }
    f->a = s_connect(conninfo, f->schema);
    f->b = s_connect(conninfo, f->schema);
    f->reader = s_connect(conninfo, f->schema);
    if (!f->a || !f->b || !f->reader)
        goto fail;
    return 0;
fail:
    s_teardown(state);
    return -1;
}

/* ---- helpers -------------------------------------------------------------- */

/* Waits up to timeout_ms for the query sent on `conn` to finish: 1 when its
 * result is there, 0 when it is still running, -1 on a connection error. */
static int
s_wait_done(PGconn *conn, int timeout_ms)
{
    int64_t deadline = monotonic_ms() + timeout_ms;
    for (;;) {
        if (!PQconsumeInput(conn))
            return -1;
        if (!PQisBusy(conn))
            return 1;
        int64_t left = deadline - monotonic_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
        if (poll(&p, 1, (int) left) < 0 && errno != EINTR)
            return -1;
    }
}

/* Takes the finished query's results; asserts it returned rows. */
static void
s_expect_tuples(PGconn *conn)
{
    PGresult *res = PQgetResult(conn);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK)
        fail_msg("B's lock failed: %s", PQresultErrorMessage(res));
    PQclear(res);
    while ((res = PQgetResult(conn)))
        PQclear(res);
}

/* What the server says `pid` is waiting for, "type/event" or "". */
static void
s_wait_event(db_t *db, int pid, char *out, size_t size)
{
    char p[16];
    snprintf(p, sizeof p, "%d", pid);
    const char *values[] = {p};
    PGresult *res = db_query(db,
                             "SELECT coalesce(wait_event_type, '') || '/' ||"
                             " coalesce(wait_event, '') FROM pg_stat_activity WHERE pid = $1",
                             1, values, NULL, NULL);
    assert_non_null(res);
    snprintf(out, size, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
}

/* Reads the feed after `after` and asserts it is exactly `want` (numbered
 * from after+1 on, without gaps) with `head` as the highest committed seq. */
static void
s_expect_feed(db_t *reader, uint64_t after, uint64_t head, const test_event_t *const *want,
              size_t n)
{
    Hrss__FeedPage page;
    uint64_t committed;
    arena_t *arena = arena_new();
    assert_non_null(arena);
    assert_int_equal(outbox_head(reader, &committed), 0);
    assert_int_equal(outbox_read(reader, SOURCE, after, 100, committed, arena, &page), 0);
    assert_int_equal(page.head, head);
    assert_int_equal(page.n_events, n);
    for (size_t i = 0; i < n; i++) {
        const Hrss__Event *got = page.events[i];
        const Hrss__Event *ev = &want[i]->ev;
        assert_true(got->has_seq);
        assert_int_equal(got->seq, after + 1 + i);
        assert_string_equal(got->id, ev->id);
        assert_string_equal(got->type, ev->type);
        assert_string_equal(got->region, ev->region);
        assert_string_equal(got->scope, ev->scope);
        assert_string_equal(got->source, SOURCE);
        assert_int_equal(got->occurred_at_us, ev->occurred_at_us);
        assert_int_equal(got->data.len, ev->data.len);
        assert_memory_equal(got->data.data, ev->data.data, ev->data.len);
        assert_int_equal(got->content_hash.len, EVENT_HASH_LEN);
        assert_memory_equal(got->content_hash.data, ev->content_hash.data, EVENT_HASH_LEN);
        assert_null(got->cause);
        assert_true(got->has_recorded_at_us);
    }
    arena_destroy(&arena);
}

/* ---- commit order is feed order --------------------------------------------- */

static void
test_overlapping_appends_commit_in_feed_order(void **state)
{
    fixture_t *f = *state;
    test_event_t a, b;
    s_event_make(&a, "ev-a", "433123199001011234", "张三");
    s_event_make(&b, "ev-b", "433123198805052345", "李四");
    const test_event_t *only_a[] = {&a}, *only_b[] = {&b}, *both[] = {&a, &b};
    uint64_t seq = 0, cursor = 0;

    /* A appends a and stays open: its lock is held until commit. */
    assert_int_equal(db_begin(f->a), 0);
    assert_int_equal(outbox_append(f->a, &a.ev, &seq), 0);
    assert_int_equal(seq, 1);

    /* B starts its own append. outbox_append() would block this thread, so
     * B's first step, the module's lock statement, goes out asynchronously. */
    assert_int_equal(db_begin(f->b), 0);
    PGconn *conn_b = db_conn(f->b);
    assert_int_equal(PQsendQueryParams(conn_b, OUTBOX_LOCK_SQL, 0, NULL, NULL, NULL, NULL, 0), 1);

    /* B must wait for A. Were the lock gone from outbox_append(), A would
     * hold nothing, B's lock would be granted at once and this fails; B's
     * append would then number its row while A's is uncommitted, the very
     * interleaving that lets a reader pass a late-committing row. */
    int done = s_wait_done(conn_b, 200);
    assert_int_not_equal(done, -1);
    if (done)
        fail_msg("B got the outbox lock while A's append was uncommitted: "
                 "appends of overlapping transactions are not serialized");
    char waiting[64];
    s_wait_event(f->reader, PQbackendPID(conn_b), waiting, sizeof waiting);
    assert_string_equal(waiting, "Lock/advisory");

    /* Nothing is committed: the reader sees nothing and keeps cursor 0. */
    s_expect_feed(f->reader, cursor, 0, NULL, 0);

    /* A commits; that releases its lock and B gets it. */
    assert_int_equal(db_commit(f->a), 0);
    assert_int_equal(s_wait_done(conn_b, 5000), 1);
    s_expect_tuples(conn_b);

    /* The reader takes a and moves its cursor to 1. */
    s_expect_feed(f->reader, cursor, 1, only_a, 1);
    cursor = 1;

    /* B appends under the lock it holds (taken again, re-entrantly): its
     * row is numbered after every committed one. Uncommitted, it is not
     * visible yet. */
    assert_int_equal(outbox_append(f->b, &b.ev, &seq), 0);
    assert_int_equal(seq, 2);
    s_expect_feed(f->reader, cursor, 1, NULL, 0);

    /* B commits: the reader, at cursor 1, gets b; nothing was skipped. */
    assert_int_equal(db_commit(f->b), 0);
    s_expect_feed(f->reader, cursor, 2, only_b, 1);
    cursor = 2;

    /* The whole feed: a then b, in commit order, seq 1 and 2, no gaps. */
    s_expect_feed(f->reader, 0, 2, both, 2);
    s_expect_feed(f->reader, cursor, 2, NULL, 0);
}

static void
test_rolled_back_append_leaves_no_gap(void **state)
{
    fixture_t *f = *state;
    test_event_t a, lost, c;
    s_event_make(&a, "ev-a", "433123199001011234", "张三");
    s_event_make(&lost, "ev-lost", "433123197712123456", "王五");
    s_event_make(&c, "ev-c", "433123198805052345", "李四");
    const test_event_t *feed[] = {&a, &c};
    uint64_t seq = 0;

    assert_int_equal(db_begin(f->a), 0);
    assert_int_equal(outbox_append(f->a, &a.ev, &seq), 0);
    assert_int_equal(db_commit(f->a), 0);
    assert_int_equal(seq, 1);

    assert_int_equal(db_begin(f->b), 0);
    assert_int_equal(outbox_append(f->b, &lost.ev, &seq), 0);
    assert_int_equal(seq, 2);
    db_rollback(f->b);

    /* The number of the rolled-back row is given again: a consumer that
     * saw a gap could not tell a lost row from a late one. */
    assert_int_equal(db_begin(f->a), 0);
    assert_int_equal(outbox_append(f->a, &c.ev, &seq), 0);
    assert_int_equal(db_commit(f->a), 0);
    assert_int_equal(seq, 2);

    s_expect_feed(f->reader, 0, 2, feed, 2);
}

/* ---- inbox ---------------------------------------------------------------- */

static inbox_status_t
s_record(db_t *db, const Hrss__Event *ev, bool commit)
{
    inbox_status_t status = (inbox_status_t) -1;
    assert_int_equal(db_begin(db), 0);
    if (inbox_record(db, ev, &status))
        fail_msg("inbox_record: %s", db_error(db));
    if (commit)
        assert_int_equal(db_commit(db), 0);
    else
        db_rollback(db);
    return status;
}

static int64_t
s_inbox_rows(db_t *db, const char *scope, const char *id)
{
    const char *values[] = {scope, id};
    PGresult *res = db_query(db, "SELECT count(*) FROM inbox WHERE scope = $1 AND event_id = $2",
                             2, values, NULL, NULL);
    assert_non_null(res);
    int64_t n = db_get_int64(res, 0, 0);
    PQclear(res);
    return n;
}

static void
test_inbox_records_each_id_once(void **state)
{
    fixture_t *f = *state;
    test_event_t ev, same, changed, other_scope;
    s_event_make(&ev, "ev-1", "433123199001011234", "张三");
    s_event_make(&same, "ev-1", "433123199001011234", "张三");
    s_event_make(&changed, "ev-1", "433123199001011234", "张山");
    s_event_make(&other_scope, "ev-1", "433123199001011234", "张三");
    other_scope.ev.scope = "433124000000";
    assert_memory_not_equal(changed.hash, ev.hash, EVENT_HASH_LEN);

    assert_int_equal(s_record(f->a, &ev.ev, true), INBOX_NEW);
    /* Seen again, from another connection, in a later transaction. */
    assert_int_equal(s_record(f->b, &same.ev, true), INBOX_DUPLICATE);
    assert_int_equal(s_record(f->a, &changed.ev, true), INBOX_CONFLICT);
    /* Ids are unique within a scope only. */
    assert_int_equal(s_record(f->a, &other_scope.ev, true), INBOX_NEW);
    /* Neither the duplicate nor the conflict replaced the first hash. */
    assert_int_equal(s_record(f->b, &same.ev, true), INBOX_DUPLICATE);
    assert_int_equal(s_inbox_rows(f->reader, EVENT_SCOPE, "ev-1"), 1);
}

static void
test_inbox_row_of_rolled_back_transaction_is_gone(void **state)
{
    fixture_t *f = *state;
    test_event_t ev;
    s_event_make(&ev, "ev-2", "433123198805052345", "李四");

    /* The effect failed and was rolled back: the id must not count as seen,
     * or the sender's retry would be taken for a duplicate and lost. */
    assert_int_equal(s_record(f->a, &ev.ev, false), INBOX_NEW);
    assert_int_equal(s_inbox_rows(f->reader, EVENT_SCOPE, "ev-2"), 0);
    assert_int_equal(s_record(f->b, &ev.ev, true), INBOX_NEW);
    assert_int_equal(s_inbox_rows(f->reader, EVENT_SCOPE, "ev-2"), 1);
    assert_int_equal(s_record(f->a, &ev.ev, true), INBOX_DUPLICATE);
}

/* ---- cursors -------------------------------------------------------------- */

static uint64_t
s_cursor(db_t *db, const char *source)
{
    uint64_t seq = UINT64_MAX;
    if (cursor_load(db, source, &seq))
        fail_msg("cursor_load: %s", db_error(db));
    return seq;
}

/* cursor_store_send in a pipeline of its own, as the service's commit sends it. */
static int
s_cursor_store(db_t *db, const char *source, uint64_t seq)
{
    if (db_pipeline_begin(db))
        return -1;
    int rc = cursor_store_send(db, source, seq) || db_pipeline_sync(db) ? -1 : 0;
    PGresult *res = rc ? NULL : db_pipeline_result(db);
    if (!res)
        rc = -1;
    PQclear(res);
    if (db_pipeline_end(db))
        rc = -1;
    return rc;
}

static void
test_cursor_moves_only_on_commit(void **state)
{
    fixture_t *f = *state;
    const char *source = "insurance";

    assert_int_equal(s_cursor(f->reader, source), 0);   /* never stored */

    assert_int_equal(db_begin(f->a), 0);
    assert_int_equal(s_cursor_store(f->a, source, 5), 0);
    assert_int_equal(db_commit(f->a), 0);
    assert_int_equal(s_cursor(f->reader, source), 5);

    /* Rolled back with the effects it stood for: the feed is applied again
     * from 5 after a restart. */
    assert_int_equal(db_begin(f->a), 0);
    assert_int_equal(s_cursor_store(f->a, source, 9), 0);
    assert_int_equal(s_cursor(f->a, source), 9);        /* its own transaction sees it */
    assert_int_equal(s_cursor(f->reader, source), 5);   /* no one else does */
    db_rollback(f->a);
    assert_int_equal(s_cursor(f->reader, source), 5);
    assert_int_equal(s_cursor(f->a, source), 5);

    assert_int_equal(db_begin(f->a), 0);
    assert_int_equal(s_cursor_store(f->a, source, 9), 0);
    assert_int_equal(db_commit(f->a), 0);
    assert_int_equal(s_cursor(f->reader, source), 9);
    assert_int_equal(s_cursor(f->reader, "arrears"), 0);   /* other feeds untouched */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overlapping_appends_commit_in_feed_order, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_rolled_back_append_leaves_no_gap, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_inbox_records_each_id_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_inbox_row_of_rolled_back_transaction_is_gone,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_cursor_moves_only_on_commit, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
