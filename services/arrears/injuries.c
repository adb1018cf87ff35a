/* Work-injury determination (工伤认定): applied, then decided within the
 * legal limit of 60 days (工伤保险条例 第二十条), counted in CST dates. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arrears.h"
#include "timeutil.h"

int
arrears_injury_applied(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                       verdict_t *v)
{
    const Hrss__InjuryApplied *d = (const Hrss__InjuryApplied *) msg;
    char at[24], on[11];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->application_id, ev->region, d->id_number, d->employer_name,
                            arrears_day(ev->occurred_at_us, on), at};
    PGresult *res = arrears_query(
        svc, "injury_insert",
        "INSERT INTO injuries (application_id, region, id_number, employer_name, applied_on,"
        " applied_at_us) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (application_id) DO NOTHING RETURNING 1",
        6, values);
    if (!res)
        return -1;
    int inserted = PQntuples(res);
    PQclear(res);
    return inserted ? 0
                    : reject(v, "application_exists", "data.application_id",
                             "application %s was made before", d->application_id);
}

int
arrears_injury_decided(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                       verdict_t *v)
{
    const Hrss__InjuryDecided *d = (const Hrss__InjuryDecided *) msg;
    const char *key[] = {d->application_id};
    PGresult *res = arrears_query(svc, "injury_state",
                                  "SELECT region, applied_on, decided_on IS NOT NULL"
                                  " FROM injuries WHERE application_id = $1",
                                  1, key);
    if (!res)
        return -1;
    int rc = 0;
    int64_t applied = 0, decided = cst_days_of_instant(ev->occurred_at_us);
    if (PQntuples(res) == 0)
        rc = reject(v, "unknown_application", "data.application_id",
                    "no injury application %s was made; send arrears.injury_applied first",
                    d->application_id);
    else if (!arrears_in_scope(ev, PQgetvalue(res, 0, 0)))
        rc = arrears_out_of_scope(v, "data.application_id", "application",
                                  PQgetvalue(res, 0, 0));
    else if (PQgetvalue(res, 0, 2)[0] == 't')
        rc = reject(v, "application_decided", "data.application_id",
                    "application %s is decided already", d->application_id);
    else if (date_parse(PQgetvalue(res, 0, 1), 10, &applied) || decided < applied)
        rc = reject(v, "invalid_date", "occurred_at", "the decision comes before the application");
    PQclear(res);
    if (rc)
        return rc;
    char at[24], on[11];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->application_id, d->decision, format_date(decided, on), at,
                            decided - applied <= INJURY_DAYS ? "t" : "f"};
    return db_prepared_run(service_db(svc), "injury_decide",
                           "UPDATE injuries SET decision = $2, decided_on = $3,"
                           " decided_at_us = $4, within_limit = $5 WHERE application_id = $1",
                           5, values)
               ? -1
               : 0;
}
