#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef HRSS_DEFAULT_SQL_DIR
#define HRSS_DEFAULT_SQL_DIR "services"
#endif

const char *
config_str(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

long
config_long(const char *name, long fallback, long min, long max, int *ok)
{
    *ok = 1;
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        *ok = 0;
        return -1;
    }
    return n;
}

/* "employment" -> "HRSS_EMPLOYMENT_<suffix>" */
static void
s_var_name(const char *service, const char *suffix, char *out, size_t size)
{
    size_t n = (size_t) snprintf(out, size, "HRSS_");
    for (const char *p = service; *p && n + 1 < size; p++)
        out[n++] = (char) toupper((unsigned char) *p);
    out[n] = '\0';
    snprintf(out + n, size - n, "_%s", suffix);
}

static int
s_endpoint(const char *service, const char *suffix, const char *ext, char *out, size_t size)
{
    char var[64];
    s_var_name(service, suffix, var, sizeof var);
    const char *v = config_str(var, NULL);
    int n = v ? snprintf(out, size, "%s", v)
              : snprintf(out, size, "ipc://%s/%s.%s", config_str("HRSS_RUN_DIR", "var/run"),
                         service, ext);
    return n < 0 || (size_t) n >= size ? -1 : 0;
}

int
config_service_endpoint(const char *service, char *out, size_t size)
{
    return s_endpoint(service, "ENDPOINT", "req", out, size);
}

int
config_service_pub(const char *service, char *out, size_t size)
{
    return s_endpoint(service, "PUB", "pub", out, size);
}

const char *
config_service_db(const char *service)
{
    char var[64];
    s_var_name(service, "DB", var, sizeof var);
    return config_str(var, NULL);
}

const char *
config_sql_dir(void)
{
    return config_str("HRSS_SQL_DIR", HRSS_DEFAULT_SQL_DIR);
}
