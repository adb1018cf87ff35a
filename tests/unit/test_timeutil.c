/* Unit tests for common/timeutil.c: calendar arithmetic, parsers, and the
 * China Standard Time month an event belongs to (docs/contract.md#time-zone). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timeutil.h"

#define US 1000000LL

static int64_t
s_rfc(const char *s)
{
    int64_t us = INT64_MIN;
    assert_int_equal(rfc3339_parse(s, strlen(s), &us), 0);
    return us;
}

static void
s_rfc_bad(const char *s)
{
    int64_t us = 42;
    if (rfc3339_parse(s, strlen(s), &us) == 0)
        fail_msg("accepted \"%s\"", s);
    assert_int_equal(us, 42); /* untouched on failure */
}

static void
test_days_from_civil_known_days(void **state)
{
    (void) state;
    assert_int_equal(days_from_civil(1970, 1, 1), 0);
    assert_int_equal(days_from_civil(1970, 1, 2), 1);
    assert_int_equal(days_from_civil(1969, 12, 31), -1);
    assert_int_equal(days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(days_from_civil(1900, 1, 1), -25567);
    assert_int_equal(days_from_civil(2022, 11, 30), 19326);
    assert_int_equal(days_from_civil(2199, 12, 31), 84005);
}

static void
test_civil_round_trip_every_day(void **state)
{
    (void) state;
    int64_t first = days_from_civil(1900, 1, 1), last = days_from_civil(2199, 12, 31);
    int py = 1899;
    unsigned pm = 12, pd = 31;
    for (int64_t z = first; z <= last; z++) {
        int y;
        unsigned m, d;
        civil_from_days(z, &y, &m, &d);
        assert_true(is_valid_date(y, m, d));
        assert_int_equal(days_from_civil(y, m, d), z);
        /* consecutive days are consecutive dates */
        if (d == 1)
            assert_true(m == pm % 12 + 1 && (m != 1 || y == py + 1));
        else
            assert_true(d == pd + 1 && m == pm && y == py);
        py = y, pm = m, pd = d;
    }
}

static void
test_is_valid_date(void **state)
{
    (void) state;
    assert_true(is_valid_date(2024, 2, 29));
    assert_true(is_valid_date(2000, 2, 29));
    assert_false(is_valid_date(2023, 2, 29));
    assert_false(is_valid_date(1900, 2, 29));
    assert_false(is_valid_date(2022, 2, 30));
    assert_false(is_valid_date(2022, 4, 31));
    assert_true(is_valid_date(2022, 12, 31));
    assert_false(is_valid_date(2022, 0, 1));
    assert_false(is_valid_date(2022, 13, 1));
    assert_false(is_valid_date(2022, 1, 0));
    assert_false(is_valid_date(2022, 1, 32));
}

static void
test_date_parse(void **state)
{
    (void) state;
    int64_t days = -7;
    assert_int_equal(date_parse("2022-11-30", 10, &days), 0);
    assert_int_equal(days, days_from_civil(2022, 11, 30));
    assert_int_equal(date_parse("1900-01-01", 10, &days), 0);
    assert_int_equal(date_parse("2199-12-31", 10, &days), 0);
    assert_int_equal(date_parse("2024-02-29", 10, &days), 0);
    /* only the first `len` bytes count */
    assert_int_equal(date_parse("2022-11-30T00:00:00Z", 10, &days), 0);

    const char *bad[] = {"2022-02-30", "2023-02-29", "2022-13-01", "2022-00-10", "2022-01-00",
                         "1899-12-31", "2200-01-01", "2022-1-30",  "2022/11/30", "20221130",
                         "2022-11-3a", "+022-11-30", " 022-11-30", "",           "2022-11-30 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (date_parse(bad[i], strlen(bad[i]), &days) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(date_parse(NULL, 10, &days), -1);
}

static void
test_period_parse(void **state)
{
    (void) state;
    int period = 0;
    assert_int_equal(period_parse("2022-11", 7, &period), 0);
    assert_int_equal(period, 202211);
    assert_int_equal(period_parse("1900-01", 7, &period), 0);
    assert_int_equal(period, 190001);
    assert_int_equal(period_parse("2199-12", 7, &period), 0);
    assert_int_equal(period, 219912);

    const char *bad[] = {"2022-00", "2022-13", "1899-12", "2200-01", "2022-1", "202211",
                         "2022-11-01", " 2022-11", "2022-1a", "22-11", "", "2022_11"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (period_parse(bad[i], strlen(bad[i]), &period) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
}

static void
test_rfc3339_offsets(void **state)
{
    (void) state;
    int64_t base = days_from_civil(2022, 11, 30) * 86400 * US;
    assert_int_equal(s_rfc("2022-11-30T17:00:00Z"), base + 17 * 3600 * US);
    assert_int_equal(s_rfc("2022-11-30t17:00:00z"), base + 17 * 3600 * US);
    assert_int_equal(s_rfc("2022-12-01T01:00:00+08:00"), base + 17 * 3600 * US);
    assert_int_equal(s_rfc("2022-11-30T11:30:00-05:30"), base + 17 * 3600 * US);
    assert_int_equal(s_rfc("2022-11-30T17:00:00-00:00"), base + 17 * 3600 * US);
    assert_int_equal(s_rfc("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(s_rfc("1970-01-01T08:00:00+08:00"), 0);
    assert_int_equal(s_rfc("1969-12-31T23:59:59Z"), -1 * US);
    /* an offset may move the instant across a day and a year */
    assert_int_equal(s_rfc("2022-12-31T23:00:00-05:00"), s_rfc("2023-01-01T04:00:00Z"));
}

static void
test_rfc3339_fractions(void **state)
{
    (void) state;
    int64_t whole = s_rfc("2022-11-30T17:00:00Z");
    assert_int_equal(s_rfc("2022-11-30T17:00:00.5Z"), whole + 500000);
    assert_int_equal(s_rfc("2022-11-30T17:00:00.000001Z"), whole + 1);
    assert_int_equal(s_rfc("2022-11-30T17:00:00.123456+08:00"), whole - 8 * 3600 * US + 123456);
    /* digits past microseconds are truncated, never rounded up */
    assert_int_equal(s_rfc("2022-11-30T17:00:00.999999999Z"), whole + 999999);
    assert_int_equal(s_rfc("2022-11-30T17:00:00.0000009Z"), whole);
    s_rfc_bad("2022-11-30T17:00:00.1234567890Z"); /* 10 digits */
    s_rfc_bad("2022-11-30T17:00:00.Z");
    s_rfc_bad("2022-11-30T17:00:00,5Z");
}

static void
test_rfc3339_rejects(void **state)
{
    (void) state;
    const char *bad[] = {
        "2022-11-30T17:00:00",        /* missing offset */
        "2022-11-30T17:00:00.5",      /* missing offset after a fraction */
        "2022-11-30",                 /* a date is not an instant */
        "2022-02-30T00:00:00Z",       /* no such day */
        "2022-11-30T24:00:00Z",       /* hour 24 */
        "2022-11-30T23:60:00Z",       /* minute 60 */
        "2022-11-30T23:59:60Z",       /* leap second */
        "2022-11-30 17:00:00Z",       /* space separator */
        "2022-11-30T17:00Z",          /* no seconds */
        "2022-11-30T7:00:00Z",        /* one-digit hour */
        "2022-11-30T17:00:00+08",     /* offset without minutes */
        "2022-11-30T17:00:00+0800",   /* offset without colon */
        "2022-11-30T17:00:00+24:00",  /* offset hour out of range */
        "2022-11-30T17:00:00+08:60",  /* offset minute out of range */
        "2022-11-30T17:00:00ZZ",      /* trailing garbage */
        "2022-11-30T17:00:00Z ",      /* trailing space */
        "2022-11-30T17:00:00+08:00x", /* trailing garbage after an offset */
        "1899-12-31T23:59:59Z",       /* outside 1900..2199 */
        "2022-11-30T17:00:00UTC",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_rfc_bad(bad[i]);

    /* The length bounds the parse: a cut-off offset is a missing offset. */
    int64_t us;
    const char *s = "2022-11-30T17:00:00+08:00";
    assert_int_equal(rfc3339_parse(s, strlen(s) - 1, &us), -1);
    assert_int_equal(rfc3339_parse(s, 19, &us), -1);
    assert_int_equal(rfc3339_parse(NULL, 20, &us), -1);
}

/* The contract's own example and both sides of the CST month boundary. */
static void
test_period_of_instant_cst_boundary(void **state)
{
    (void) state;
    assert_int_equal(period_of_instant(s_rfc("2022-11-30T17:00:00Z")), 202212);
    assert_int_equal(period_of_instant(s_rfc("2022-11-30T16:00:00Z")), 202212);
    assert_int_equal(period_of_instant(s_rfc("2022-11-30T15:59:59Z")), 202211);
    assert_int_equal(period_of_instant(s_rfc("2022-11-30T15:59:59.999999Z")), 202211);
    assert_int_equal(period_of_instant(s_rfc("2022-12-01T00:00:00+08:00")), 202212);
    assert_int_equal(period_of_instant(s_rfc("2022-11-30T23:59:59+08:00")), 202211);
    assert_int_equal(period_of_instant(s_rfc("2022-12-31T16:00:00Z")), 202301);
    assert_int_equal(period_of_instant(s_rfc("2022-12-31T15:59:59Z")), 202212);
    /* a US evening is already next month in China */
    assert_int_equal(period_of_instant(s_rfc("2022-11-30T11:00:00-05:00")), 202212);
    /* before the epoch the day must round down, not toward zero */
    assert_int_equal(period_of_instant(s_rfc("1969-12-31T15:59:59Z")), 196912);
    assert_int_equal(period_of_instant(s_rfc("1969-12-31T16:00:00Z")), 197001);
    assert_int_equal(period_of_instant(-1), 197001);
    assert_int_equal(period_of_instant(-8 * 3600 * US - 1), 196912);
}

static void
test_cst_days_of_instant(void **state)
{
    (void) state;
    assert_int_equal(cst_days_of_instant(s_rfc("2022-11-30T15:59:59Z")),
                     days_from_civil(2022, 11, 30));
    assert_int_equal(cst_days_of_instant(s_rfc("2022-11-30T16:00:00Z")),
                     days_from_civil(2022, 12, 1));
    assert_int_equal(cst_days_of_instant(0), 0);
    assert_int_equal(cst_days_of_instant(-8 * 3600 * US), 0);
    assert_int_equal(cst_days_of_instant(-8 * 3600 * US - 1), -1);
}

static void
test_period_of_days(void **state)
{
    (void) state;
    assert_int_equal(period_of_days(days_from_civil(2022, 12, 1)), 202212);
    assert_int_equal(period_of_days(days_from_civil(2022, 11, 30)), 202211);
    assert_int_equal(period_of_days(-1), 196912);
}

static void
test_formatting(void **state)
{
    (void) state;
    char date[11], period[8], ts[40];
    assert_string_equal(format_date(days_from_civil(2022, 3, 9), date), "2022-03-09");
    assert_string_equal(format_date(days_from_civil(1900, 1, 1), date), "1900-01-01");
    assert_string_equal(format_period(202211, period), "2022-11");
    assert_string_equal(format_period(190001, period), "1900-01");

    assert_string_equal(format_rfc3339_cst(s_rfc("2022-11-30T16:00:00Z"), ts),
                        "2022-12-01T00:00:00+08:00");
    assert_string_equal(format_rfc3339_cst(s_rfc("2022-11-30T15:59:59.5Z"), ts),
                        "2022-11-30T23:59:59.500000+08:00");
    assert_string_equal(format_rfc3339_cst(-1, ts), "1970-01-01T07:59:59.999999+08:00");

    /* what is formatted parses back to the same value */
    int64_t us = s_rfc("2023-06-15T04:05:06.000789-03:00");
    int64_t back;
    format_rfc3339_cst(us, ts);
    assert_int_equal(rfc3339_parse(ts, strlen(ts), &back), 0);
    assert_int_equal(back, us);
    int64_t days;
    format_date(days_from_civil(2024, 2, 29), date);
    assert_int_equal(date_parse(date, strlen(date), &days), 0);
    assert_int_equal(days, days_from_civil(2024, 2, 29));
}

static void
test_period_add(void **state)
{
    (void) state;
    assert_int_equal(period_add(202212, 1), 202301);
    assert_int_equal(period_add(202301, -1), 202212);
    assert_int_equal(period_add(202211, 0), 202211);
    assert_int_equal(period_add(202201, -13), 202012);
    assert_int_equal(period_add(202206, 24), 202406);
    assert_int_equal(period_add(202206, -6), 202112);
    assert_int_equal(period_add(202206, 6), 202212);
    assert_int_equal(period_add(202206, 7), 202301);
}

static void
test_clocks(void **state)
{
    (void) state;
    assert_true(now_us() > s_rfc("2020-01-01T00:00:00Z"));
    int64_t a = monotonic_ms(), b = monotonic_ms();
    assert_true(b >= a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_from_civil_known_days),
        cmocka_unit_test(test_civil_round_trip_every_day),
        cmocka_unit_test(test_is_valid_date),
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_period_parse),
        cmocka_unit_test(test_rfc3339_offsets),
        cmocka_unit_test(test_rfc3339_fractions),
        cmocka_unit_test(test_rfc3339_rejects),
        cmocka_unit_test(test_period_of_instant_cst_boundary),
        cmocka_unit_test(test_cst_days_of_instant),
        cmocka_unit_test(test_period_of_days),
        cmocka_unit_test(test_formatting),
        cmocka_unit_test(test_period_add),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
