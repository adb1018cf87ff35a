#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *s_ident = "hrss";
static log_level_t s_min_level = LOG_LEVEL_INFO;
static const char *const s_level_names[] = {"debug", "info", "warn", "error"};

void
log_init(const char *ident)
{
    s_ident = ident;
    const char *level = getenv("HRSS_LOG_LEVEL");
    if (!level)
        return;
    for (int i = 0; i < 4; i++)
        if (strcmp(level, s_level_names[i]) == 0)
            s_min_level = (log_level_t) i;
}

static void s_log(log_level_t level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

void
log_msg(log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_log(level, fmt, ap);
    va_end(ap);
}

void
log_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_log(LOG_LEVEL_ERROR, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: programmer error, aborting\n", s_ident);
    abort();
}

static void
s_log(log_level_t level, const char *fmt, va_list ap)
{
    if (level < s_min_level)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char line[2048];
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, s_ident, s_level_names[level]);
    if (n > 0 && (size_t) n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t) n, fmt, ap);
    /* One write per line so lines of concurrent threads never interleave. */
    fprintf(stderr, "%s\n", line);
}
