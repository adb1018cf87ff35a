/* Helpers the aggregates of hrss-arrears share. */
#include <string.h>

#include "arrears.h"
#include "region.h"
#include "timeutil.h"

char *
arrears_day(int64_t us, char out[11])
{
    return format_date(cst_days_of_instant(us), out);
}

PGresult *
arrears_query(service_t *svc, const char *name, const char *sql, int n, const char *const *values)
{
    return db_prepared(service_db(svc), name, sql, n, values, NULL, NULL);
}

bool
arrears_in_scope(const Hrss__Event *ev, const char *region)
{
    return region_contains(ev->scope, region);
}

int
arrears_out_of_scope(verdict_t *v, const char *field, const char *what, const char *region)
{
    return reject(v, "out_of_scope", field, "the %s is recorded in %s, outside the token's region",
                  what, region);
}
