/* Unit tests for common/timers.c: which timer fires when, in which order,
 * and what the loop's next deadline is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timers.h"

#define S 1000000LL

/* What each fake timer answers, and the order of fires. */
static int64_t s_answer[3];
static char s_order[16];
static size_t s_norder;

static int64_t
s_fire(char which, int64_t now_us)
{
    (void) now_us;
    s_order[s_norder++] = which;
    return s_answer[which - 'a'];
}
static int64_t s_a(service_t *svc, int64_t now) { (void) svc; return s_fire('a', now); }
static int64_t s_b(service_t *svc, int64_t now) { (void) svc; return s_fire('b', now); }
static int64_t s_c(service_t *svc, int64_t now) { (void) svc; return s_fire('c', now); }

static const service_timer_t s_defs[] = {{"a", s_a}, {"b", s_b}, {"c", s_c}, {NULL, NULL}};

static void
s_reset(void)
{
    memset(s_order, 0, sizeof s_order);
    s_norder = 0;
}

/* At the start every timer is due; each fires once, and the next deadline is
 * the earliest of their answers. */
static void
test_all_fire_at_start(void **state)
{
    (void) state;
    timers_t *t = timers_new(s_defs);
    assert_non_null(t);
    assert_true(timers_next(t) <= 100 * S);
    s_reset();
    s_answer[0] = 130 * S;
    s_answer[1] = 110 * S;
    s_answer[2] = INT64_MAX;
    assert_int_equal(timers_run(t, NULL, 100 * S), 3);
    assert_string_equal(s_order, "abc");
    assert_int_equal(timers_next(t), 110 * S);
    /* nothing due before its time */
    s_reset();
    assert_int_equal(timers_run(t, NULL, 109 * S), 0);
    timers_destroy(&t);
    assert_null(t);
}

/* Due timers fire earliest first, whatever their order of definition. */
static void
test_earliest_first(void **state)
{
    (void) state;
    timers_t *t = timers_new(s_defs);
    s_answer[0] = 30 * S;
    s_answer[1] = 20 * S;
    s_answer[2] = 10 * S;
    timers_run(t, NULL, 0);
    s_reset();
    s_answer[0] = s_answer[1] = s_answer[2] = INT64_MAX;
    assert_int_equal(timers_next(t), 10 * S);
    assert_int_equal(timers_run(t, NULL, 25 * S), 2);
    assert_string_equal(s_order, "cb");
    assert_int_equal(timers_next(t), 30 * S);
    assert_int_equal(timers_run(t, NULL, 30 * S), 1);
    assert_string_equal(s_order, "cba");
    assert_int_equal(timers_next(t), INT64_MAX);   /* none armed: the loop waits on sockets */
    timers_destroy(&t);
}

/* Arming brings a timer forward, never back; an unknown name is refused. */
static void
test_arm(void **state)
{
    (void) state;
    timers_t *t = timers_new(s_defs);
    s_answer[0] = 50 * S;
    s_answer[1] = INT64_MAX;
    s_answer[2] = INT64_MAX;
    timers_run(t, NULL, 0);
    assert_int_equal(timers_arm(t, "b", 70 * S), 0);
    assert_int_equal(timers_next(t), 50 * S);
    assert_int_equal(timers_arm(t, "a", 60 * S), 0);   /* later: a stays at 50 */
    assert_int_equal(timers_next(t), 50 * S);
    assert_int_equal(timers_arm(t, "b", 40 * S), 0);
    assert_int_equal(timers_next(t), 40 * S);
    assert_int_equal(timers_arm(t, "nope", 1), -1);
    s_reset();
    assert_int_equal(timers_run(t, NULL, 45 * S), 1);
    assert_string_equal(s_order, "b");
    timers_destroy(&t);
}

/* A failed run (-1) is retried a second later; an answer in the past fires
 * once per round, not in a loop. */
static void
test_retry_and_past(void **state)
{
    (void) state;
    timers_t *t = timers_new(s_defs);
    s_answer[0] = -1;
    s_answer[1] = 5 * S;   /* in the past at 100 s */
    s_answer[2] = INT64_MAX;
    s_reset();
    assert_int_equal(timers_run(t, NULL, 100 * S), 3);
    assert_int_equal(timers_next(t), 5 * S);
    s_reset();
    s_answer[1] = INT64_MAX;
    assert_int_equal(timers_run(t, NULL, 100 * S), 1);
    assert_string_equal(s_order, "b");
    assert_int_equal(timers_next(t), 100 * S + TIMERS_RETRY_US);
    timers_destroy(&t);
}

static void
test_none(void **state)
{
    (void) state;
    timers_t *t = timers_new(NULL);
    assert_non_null(t);
    assert_int_equal(timers_next(t), INT64_MAX);
    assert_int_equal(timers_run(t, NULL, 1), 0);
    timers_destroy(&t);
    timers_destroy(NULL);
}

/* The poll waits for the nearer of the loop's deadline and the next timer. */
static void
test_poll_timeout(void **state)
{
    (void) state;
    /* the tick in 1000 ms, no timer */
    assert_int_equal(timers_poll_timeout(5000, 6000, 100 * S, INT64_MAX), 1000);
    /* a timer in 250.0004 ms comes first, rounded up */
    assert_int_equal(timers_poll_timeout(5000, 6000, 100 * S, 100 * S + 250000 + 400), 251);
    /* a timer past, or a deadline past: at once */
    assert_int_equal(timers_poll_timeout(5000, 6000, 100 * S, 99 * S), 0);
    assert_int_equal(timers_poll_timeout(5000, 4000, 100 * S, INT64_MAX), 0);
    /* a timer later than the tick does not lengthen the wait */
    assert_int_equal(timers_poll_timeout(5000, 5050, 100 * S, 200 * S), 50);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_fire_at_start), cmocka_unit_test(test_earliest_first),
        cmocka_unit_test(test_arm), cmocka_unit_test(test_retry_and_past),
        cmocka_unit_test(test_none), cmocka_unit_test(test_poll_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
