/* Unit tests for common/runs.c: which items form one statement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runs.h"

static const int A, B;   /* two kinds */

/* Adds an item, sending the open run first when it does not fit (as the
 * engines do). */
static void
s_add(runs_t *r, const void *kind, const char *key)
{
    if (!runs_fits(r, kind, key))
        assert_int_equal(runs_sent(r), 0);
    assert_int_equal(runs_add(r, kind, key), 0);
}

static void
s_expect(runs_t *r, const size_t *sizes, size_t n)
{
    assert_int_equal(runs_sent(r), 0);   /* the last run */
    assert_int_equal(runs_count(r), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r->sizes[i], sizes[i]);
}

/* Distinct keys of one kind share a run; a repeated key, another kind or an
 * item without a key start a new one. */
static void
test_runs_split(void **state)
{
    (void) state;
    runs_t r;
    runs_init(&r, 0);
    s_add(&r, &A, "p1");
    s_add(&r, &A, "p2");
    s_add(&r, &A, "p3");
    s_add(&r, &A, "p2");   /* same person: a new run */
    s_add(&r, &A, "p1");
    s_add(&r, &B, "p4");   /* another kind */
    s_add(&r, &B, NULL);   /* no key: alone */
    s_add(&r, &B, "p5");
    static const size_t want[] = {3, 2, 1, 1, 1};
    s_expect(&r, want, 5);
    assert_int_equal(r.n, 8);
    runs_free(&r);
}

/* Keys compare as char(n): trailing spaces do not make another key. */
static void
test_runs_trailing_spaces(void **state)
{
    (void) state;
    runs_t r;
    runs_init(&r, 0);
    s_add(&r, &A, "110101199001011234");
    s_add(&r, &A, "110101199001011234  ");
    static const size_t want[] = {1, 1};
    s_expect(&r, want, 2);
    runs_free(&r);
}

/* A bound on the run; reset forgets runs and keys. */
static void
test_runs_max_and_reset(void **state)
{
    (void) state;
    runs_t r;
    runs_init(&r, 2);
    s_add(&r, &A, "a");
    s_add(&r, &A, "b");
    s_add(&r, &A, "c");
    static const size_t want[] = {2, 1};
    s_expect(&r, want, 2);
    runs_reset(&r);
    assert_int_equal(runs_count(&r), 0);
    assert_false(runs_open(&r));
    s_add(&r, &A, "a");
    assert_true(runs_fits(&r, &A, "b"));
    assert_false(runs_fits(&r, &A, "a"));
    runs_free(&r);
}

/* Many items, many runs: the key set is forgotten at each new run. */
static void
test_runs_many(void **state)
{
    (void) state;
    runs_t r;
    runs_init(&r, 0);
    static char keys[3000][8];
    for (int i = 0; i < 3000; i++) {
        /* 1000 runs of three: a, b, c then a again */
        keys[i][0] = (char) ('a' + i % 3);
        keys[i][1] = '\0';
        s_add(&r, &A, keys[i]);
    }
    assert_int_equal(runs_sent(&r), 0);
    assert_int_equal(runs_count(&r), 1000);
    runs_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_split),
        cmocka_unit_test(test_runs_trailing_spaces),
        cmocka_unit_test(test_runs_max_and_reset),
        cmocka_unit_test(test_runs_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
