/* timeutil — dates, periods and instants as hrss understands them.
 *
 * An instant is int64 microseconds since the Unix epoch (UTC). A date is a
 * civil day number (days since 1970-01-01). A period is a month, encoded as
 * year*100+month (202211). Every period is a month of China Standard Time
 * (UTC+8): docs/contract.md#time-zone. */
#ifndef HRSS_TIMEUTIL_H
#define HRSS_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define CST_OFFSET_SECONDS (8 * 3600)

int64_t now_us(void);           /* wall clock, microseconds since the epoch */
int64_t monotonic_ms(void);     /* for deadlines and timeouts */
int64_t monotonic_us(void);     /* for durations */

/* Days since 1970-01-01 for a proleptic Gregorian date; -1 style checks are the
 * caller's job through date_parse. */
int64_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);
int is_valid_date(int y, unsigned m, unsigned d);

/* "YYYY-MM-DD" exactly (years 1900..2199), a real date. */
int date_parse(const char *s, size_t len, int64_t *days);
/* "YYYY-MM" exactly; *period = YYYYMM. */
int period_parse(const char *s, size_t len, int *period);
/* RFC 3339 with a mandatory offset ("Z", "+08:00", "-05:30"), optional
 * fractional seconds (up to 9 digits, truncated to microseconds). */
int rfc3339_parse(const char *s, size_t len, int64_t *us);

/* The CST month an instant belongs to (YYYYMM), and the CST day. */
int period_of_instant(int64_t us);
int64_t cst_days_of_instant(int64_t us);
/* The CST month a civil date belongs to (dates carry no time: identity). */
int period_of_days(int64_t days);

/* Formatting into caller buffers; each returns the buffer. */
char *format_date(int64_t days, char out[11]);               /* YYYY-MM-DD */
char *format_period(int period, char out[8]);                /* YYYY-MM */
char *format_rfc3339_cst(int64_t us, char out[40]);          /* ...+08:00 */

/* Period arithmetic: months are counted, 202212 + 1 = 202301. */
int period_add(int period, int months);

#endif
