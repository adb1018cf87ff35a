#include "timeutil.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

/* All calendar arithmetic is done here on integers: mktime/localtime depend on
 * TZ and the locale, and a period must mean the same month on every host. */

#define US_PER_SEC 1000000LL
#define SEC_PER_DAY 86400LL
#define MIN_YEAR 1900
#define MAX_YEAR 2199

int64_t
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t
monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Division rounding toward negative infinity: instants before 1970 (and
 * period arithmetic going backwards) must land in the earlier day or month. */
static int64_t
s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t
s_floor_mod(int64_t a, int64_t b)
{
    return a - s_floor_div(a, b) * b;
}

/* Days since 1970-01-01. The year is shifted to start in March so that the
 * leap day is the last day of the shifted year; the 400-year Gregorian cycle
 * (an "era", 146097 days) then makes everything a closed formula. */
int64_t
days_from_civil(int y, unsigned m, unsigned d)
{
    int64_t year = (int64_t) y - (m <= 2);
    int64_t era = s_floor_div(year, 400);
    int64_t year_of_era = year - era * 400;                          /* [0, 399] */
    int64_t month_from_march = m > 2 ? (int64_t) m - 3 : (int64_t) m + 9;  /* [0, 11] */
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + (int64_t) d - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100
                         + day_of_year;                              /* [0, 146096] */
    /* 719468 days separate 0000-03-01 from 1970-01-01. */
    return era * 146097 + day_of_era - 719468;
}

void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = s_floor_div(z, 146097);
    int64_t day_of_era = z - era * 146097;                           /* [0, 146096] */
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524
                           - day_of_era / 146096) / 365;             /* [0, 399] */
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4
                                        - year_of_era / 100);        /* [0, 365] */
    int64_t mp = (5 * day_of_year + 2) / 153;                        /* [0, 11] */
    int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;              /* [1, 31] */
    int64_t month = mp < 10 ? mp + 3 : mp - 9;                       /* [1, 12] */
    int64_t year = year_of_era + era * 400 + (month <= 2);
    if (y)
        *y = (int) year;
    if (m)
        *m = (unsigned) month;
    if (d)
        *d = (unsigned) day;
}

static bool
s_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
s_days_in_month(int y, unsigned m)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && s_is_leap(y))
        return 29;
    return days[m - 1];
}

/* A predicate: 1 for a real date, 0 otherwise. */
int
is_valid_date(int y, unsigned m, unsigned d)
{
    if (m < 1 || m > 12 || d < 1)
        return 0;
    return d <= s_days_in_month(y, m);
}

/* Exactly `n` ASCII digits; no sign, no spaces (strtol would allow both). */
static bool
s_digits(const char *s, size_t n, int *value)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

/* "YYYY-MM-DD" at s (10 characters, caller checked the length). */
static bool
s_parse_ymd(const char *s, int *y, unsigned *m, unsigned *d)
{
    int yy, mm, dd;
    if (!s_digits(s, 4, &yy) || s[4] != '-' || !s_digits(s + 5, 2, &mm) || s[7] != '-'
        || !s_digits(s + 8, 2, &dd))
        return false;
    if (yy < MIN_YEAR || yy > MAX_YEAR || !is_valid_date(yy, (unsigned) mm, (unsigned) dd))
        return false;
    *y = yy;
    *m = (unsigned) mm;
    *d = (unsigned) dd;
    return true;
}

int
date_parse(const char *s, size_t len, int64_t *days)
{
    int y;
    unsigned m, d;
    if (!s || len != 10 || !s_parse_ymd(s, &y, &m, &d))
        return -1;
    if (days)
        *days = days_from_civil(y, m, d);
    return 0;
}

int
period_parse(const char *s, size_t len, int *period)
{
    int y, m;
    if (!s || len != 7 || !s_digits(s, 4, &y) || s[4] != '-' || !s_digits(s + 5, 2, &m))
        return -1;
    if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12)
        return -1;
    if (period)
        *period = y * 100 + m;
    return 0;
}

/* RFC 3339 date-time: full-date "T" partial-time time-offset. The letters T and
 * Z may be lower case (RFC 3339 section 5.6). Leap seconds (":60") are refused:
 * no sender we know produces them and an instant count cannot represent them.
 * The local date must fall in the years 1900..2199 like every other date. */
int
rfc3339_parse(const char *s, size_t len, int64_t *us)
{
    int y, hh, mi, ss;
    unsigned m, d;
    if (!s || len < 20)
        return -1;
    if (!s_parse_ymd(s, &y, &m, &d))
        return -1;
    if ((s[10] != 'T' && s[10] != 't') || !s_digits(s + 11, 2, &hh) || s[13] != ':'
        || !s_digits(s + 14, 2, &mi) || s[16] != ':' || !s_digits(s + 17, 2, &ss))
        return -1;
    if (hh > 23 || mi > 59 || ss > 59)
        return -1;

    size_t i = 19;
    int64_t frac_us = 0;
    if (s[i] == '.') {
        i++;
        size_t start = i;
        int64_t scale = 100000;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            /* Digits past the sixth are truncated, not rounded: rounding could
             * carry into the next second, and ordering must not change. */
            frac_us += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start || i - start > 9)
            return -1;
    }

    if (i >= len)
        return -1; /* the offset is mandatory */
    int64_t offset_sec = 0;
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
        offset_sec = 0;
    } else if ((s[i] == '+' || s[i] == '-') && i + 6 == len) {
        int oh, om;
        if (!s_digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || !s_digits(s + i + 4, 2, &om))
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        offset_sec = (int64_t) (oh * 3600 + om * 60);
        if (s[i] == '-')
            offset_sec = -offset_sec;
    } else {
        return -1;
    }

    int64_t local_sec = days_from_civil(y, m, d) * SEC_PER_DAY + hh * 3600 + mi * 60 + ss;
    if (us)
        *us = (local_sec - offset_sec) * US_PER_SEC + frac_us;
    return 0;
}

int64_t
cst_days_of_instant(int64_t us)
{
    int64_t sec = s_floor_div(us, US_PER_SEC) + CST_OFFSET_SECONDS;
    return s_floor_div(sec, SEC_PER_DAY);
}

int
period_of_days(int64_t days)
{
    int y;
    unsigned m;
    civil_from_days(days, &y, &m, NULL);
    return y * 100 + (int) m;
}

int
period_of_instant(int64_t us)
{
    return period_of_days(cst_days_of_instant(us));
}

/* Digits are written by hand so the output is exactly as wide as the buffer
 * promises whatever the value; a year outside 0..9999 is written modulo 10^4
 * (it cannot come from any parser here). */
static char *
s_put_digits(char *out, int64_t value, int width)
{
    if (value < 0)
        value = -value;
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char) ('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

char *
format_date(int64_t days, char out[11])
{
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = s_put_digits(out, y, 4);
    *p++ = '-';
    p = s_put_digits(p, m, 2);
    *p++ = '-';
    p = s_put_digits(p, d, 2);
    *p = '\0';
    return out;
}

char *
format_period(int period, char out[8])
{
    char *p = s_put_digits(out, period / 100, 4);
    *p++ = '-';
    p = s_put_digits(p, period % 100, 2);
    *p = '\0';
    return out;
}

/* "2022-12-01T00:00:00+08:00"; microseconds are added (".000123") only when
 * non-zero, so that formatting what rfc3339_parse read loses nothing. */
char *
format_rfc3339_cst(int64_t us, char out[40])
{
    int64_t sec = s_floor_div(us, US_PER_SEC);
    int64_t frac = us - sec * US_PER_SEC;
    int64_t local = sec + CST_OFFSET_SECONDS;
    int64_t days = s_floor_div(local, SEC_PER_DAY);
    int64_t sod = local - days * SEC_PER_DAY;

    char *p = out;
    format_date(days, p);
    p += 10;
    *p++ = 'T';
    p = s_put_digits(p, sod / 3600, 2);
    *p++ = ':';
    p = s_put_digits(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = s_put_digits(p, sod % 60, 2);
    if (frac) {
        *p++ = '.';
        p = s_put_digits(p, frac, 6);
    }
    memcpy(p, "+08:00", 7);
    return out;
}

int
period_add(int period, int months)
{
    int64_t index = (int64_t) (period / 100) * 12 + (period % 100 - 1) + months;
    int64_t y = s_floor_div(index, 12);
    int64_t m = s_floor_mod(index, 12) + 1;
    return (int) (y * 100 + m);
}
