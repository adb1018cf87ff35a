/* config — every setting comes from an environment variable (README.md,
 * "Configuration"), read once at start-up. */
#ifndef HRSS_CONFIG_H
#define HRSS_CONFIG_H

#include <stddef.h>

/* The value of $name, or `fallback` when unset or empty. */
const char *config_str(const char *name, const char *fallback);
/* An integer setting in [min, max]; the fallback when unset; -1 and *ok = 0
 * when set but malformed or out of range. */
long config_long(const char *name, long fallback, long min, long max, int *ok);

/* Endpoints of a service ("employment", ...): HRSS_EMPLOYMENT_ENDPOINT and
 * HRSS_EMPLOYMENT_PUB, defaulting to ipc://$HRSS_RUN_DIR/employment.req and
 * .pub. Written into `out`; -1 when it does not fit. */
int config_service_endpoint(const char *service, char *out, size_t size);
int config_service_pub(const char *service, char *out, size_t size);
/* libpq conninfo of a service's own role: $HRSS_EMPLOYMENT_DB. */
const char *config_service_db(const char *service);
/* Directory holding services/<name>/sql: $HRSS_SQL_DIR, else the source tree. */
const char *config_sql_dir(void);

#endif
