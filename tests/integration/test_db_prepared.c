/* Integration tests for the prepared statements of common/db.c against the
 * stack's PostgreSQL ($HRSS_PG_ADMIN, a superuser conninfo written by
 * deploy/local.sh).
 *
 * db.c once kept the names it had prepared in an array of 64: the 65th name
 * sent in a pipeline was a hard failure, and a daemon whose batches needed it
 * would have answered `retry` for every batch for ever. The domain needs far
 * fewer than 1000 names; these tests use 1000 in one pipeline, and as many
 * outside pipelines, and forget some of them on the way (a failed prepare). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"

#define NAMES 1000

/* The names and statements: db.c keeps the pointers, so they live as long
 * as the test. Statement i answers i. */
static char s_names[NAMES][32];
static char s_sql[NAMES][48];

static void
s_make_names(const char *prefix)
{
    for (int i = 0; i < NAMES; i++) {
        snprintf(s_names[i], sizeof s_names[i], "%s_%d", prefix, i);
        snprintf(s_sql[i], sizeof s_sql[i], "SELECT %d::int + $1::int", i);
    }
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
    db_t *db = db_new(conninfo, "public");
    if (!db || db_ensure(db)) {
        fprintf(stderr, "cannot connect: %s\n", db ? db_error(db) : "out of memory");
        db_destroy(&db);
        return -1;
    }
    *state = db;
    return 0;
}

static int
s_teardown(void **state)
{
    db_t *db = *state;
    db_destroy(&db);
    *state = NULL;
    return 0;
}

/* Reads the answer of statement i of a pipeline: one row, i + 1. */
static void
s_expect_answer(db_t *db, int i)
{
    PGresult *res = db_pipeline_result(db);
    if (!res)
        fail_msg("statement %d: %s", i, db_error(db));
    assert_int_equal(PQntuples(res), 1);
    assert_int_equal(atoi(PQgetvalue(res, 0, 0)), i + 1);
    PQclear(res);
}

/* 1000 names prepared inside one pipeline, then every one used again in a
 * second pipeline (prepared already: no prepare sent) and once outside. */
static void
test_a_thousand_names_in_one_pipeline(void **state)
{
    db_t *db = *state;
    s_make_names("pipe");
    const char *one[] = {"1"};
    for (int round = 0; round < 2; round++) {
        assert_int_equal(db_pipeline_begin(db), 0);
        for (int i = 0; i < NAMES; i++)
            if (db_pipeline_send(db, s_names[i], s_sql[i], 1, one, NULL, NULL))
                fail_msg("round %d, statement %d: %s", round, i, db_error(db));
        assert_int_equal(db_pipeline_sync(db), 0);
        for (int i = 0; i < NAMES; i++)
            s_expect_answer(db, i);
        assert_int_equal(db_pipeline_end(db), 0);
        assert_int_equal(db_prepared_count(db), NAMES);
    }
    for (int i = NAMES - 1; i >= 0; i -= 37) {
        PGresult *res = db_prepared(db, s_names[i], s_sql[i], 1, one, NULL, NULL);
        if (!res)
            fail_msg("statement %d outside a pipeline: %s", i, db_error(db));
        assert_int_equal(atoi(PQgetvalue(res, 0, 0)), i + 1);
        PQclear(res);
    }
    assert_int_equal(db_prepared_count(db), NAMES);
}

/* A pipeline whose 500th statement fails: the prepares sent after it did
 * not happen and are forgotten (they are taken out of the middle of the
 * set); the next pipeline prepares them again and every name answers. */
static void
test_names_forgotten_after_a_failure_are_prepared_again(void **state)
{
    db_t *db = *state;
    s_make_names("forget");
    const char *one[] = {"1"};
    const char *bad[] = {"not a number"};
    assert_int_equal(db_pipeline_begin(db), 0);
    for (int i = 0; i < NAMES; i++)
        assert_int_equal(db_pipeline_send(db, s_names[i], s_sql[i], 1, i == 500 ? bad : one,
                                          NULL, NULL),
                         0);
    assert_int_equal(db_pipeline_sync(db), 0);
    for (int i = 0; i < 500; i++)
        s_expect_answer(db, i);
    assert_null(db_pipeline_result(db));   /* statement 500: invalid input */
    db_pipeline_end(db);
    /* statement 500 was prepared (its execution failed, not its prepare) */
    assert_int_equal(db_prepared_count(db), 501);

    assert_int_equal(db_pipeline_begin(db), 0);
    for (int i = 0; i < NAMES; i++)
        assert_int_equal(db_pipeline_send(db, s_names[i], s_sql[i], 1, one, NULL, NULL), 0);
    assert_int_equal(db_pipeline_sync(db), 0);
    for (int i = 0; i < NAMES; i++)
        s_expect_answer(db, i);
    assert_int_equal(db_pipeline_end(db), 0);
    assert_int_equal(db_prepared_count(db), NAMES);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_thousand_names_in_one_pipeline, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_names_forgotten_after_a_failure_are_prepared_again,
                                        s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
