/* Unit tests for services/arrears/blacklist.c: when a listing runs out. The
 * module is compiled in here directly (with the helpers it shares with the
 * other aggregates); a listing lasts 3 calendar years of China Standard
 * Time from its occurred_at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../services/arrears/blacklist.c"
#include "../../services/arrears/util.c"

static int64_t
s_at(const char *rfc3339)
{
    int64_t us = 0;
    assert_int_equal(rfc3339_parse(rfc3339, strlen(rfc3339), &us), 0);
    return us;
}

static void
test_three_years_to_the_instant(void **state)
{
    (void) state;
    assert_int_equal(arrears_listing_expiry(s_at("2024-05-10T09:00:00+08:00")),
                     s_at("2027-05-10T09:00:00+08:00"));
    assert_int_equal(arrears_listing_expiry(s_at("2024-05-10T09:00:00.123456+08:00")),
                     s_at("2027-05-10T09:00:00.123456+08:00"));
}

static void
test_across_years_and_leap_days(void **state)
{
    (void) state;
    /* 2024-01-01 00:30 in CST, still 2023 in UTC */
    assert_int_equal(arrears_listing_expiry(s_at("2023-12-31T16:30:00Z")),
                     s_at("2027-01-01T00:30:00+08:00"));
    /* a year across a leap day is the same date three years on */
    assert_int_equal(arrears_listing_expiry(s_at("2023-03-01T08:00:00+08:00")),
                     s_at("2026-03-01T08:00:00+08:00"));
}

static void
test_leap_day_ends_on_28_february(void **state)
{
    (void) state;
    assert_int_equal(arrears_listing_expiry(s_at("2024-02-29T12:00:00+08:00")),
                     s_at("2027-02-28T12:00:00+08:00"));
    /* 29 February of CST that is 28 February in UTC: counted in UTC it
     * would end on 1 March of CST */
    assert_int_equal(arrears_listing_expiry(s_at("2024-02-28T16:00:00Z")),
                     s_at("2027-02-28T00:00:00+08:00"));
}

static void
test_before_the_epoch(void **state)
{
    (void) state;
    assert_int_equal(arrears_listing_expiry(s_at("1969-12-31T10:00:00+08:00")),
                     s_at("1972-12-31T10:00:00+08:00"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_years_to_the_instant),
        cmocka_unit_test(test_across_years_and_leap_days),
        cmocka_unit_test(test_leap_day_ends_on_28_february),
        cmocka_unit_test(test_before_the_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
