/* Labor-dispute arbitration (劳动人事争议仲裁): filed, then closed within
 * the legal limit of 45 days from filing, 60 when extended (劳动争议调解仲裁法
 * 第四十三条), counted in CST dates. Whether a close kept the limit is
 * stored with it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arrears.h"
#include "timeutil.h"

int
arrears_arbitration_filed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                          verdict_t *v)
{
    const Hrss__ArbitrationFiled *d = (const Hrss__ArbitrationFiled *) msg;
    char claimants[24], amount[24], at[24], on[11];
    snprintf(claimants, sizeof claimants, "%" PRId64, d->claimants);
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->arbitration_id, ev->region, claimants, amount,
                            arrears_day(ev->occurred_at_us, on), at};
    PGresult *res = arrears_query(
        svc, "arbitration_insert",
        "INSERT INTO arbitrations (arbitration_id, region, claimants, amount_fen, filed_on,"
        " filed_at_us) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (arbitration_id) DO NOTHING RETURNING 1",
        6, values);
    if (!res)
        return -1;
    int inserted = PQntuples(res);
    PQclear(res);
    return inserted ? 0
                    : reject(v, "arbitration_exists", "data.arbitration_id",
                             "arbitration %s was filed before", d->arbitration_id);
}

int
arrears_arbitration_closed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                           verdict_t *v)
{
    const Hrss__ArbitrationClosed *d = (const Hrss__ArbitrationClosed *) msg;
    const char *key[] = {d->arbitration_id};
    PGresult *res = arrears_query(svc, "arbitration_state",
                                  "SELECT region, filed_on, closed_on IS NOT NULL"
                                  " FROM arbitrations WHERE arbitration_id = $1",
                                  1, key);
    if (!res)
        return -1;
    int rc = 0;
    int64_t filed = 0, closed = cst_days_of_instant(ev->occurred_at_us);
    if (PQntuples(res) == 0)
        rc = reject(v, "unknown_arbitration", "data.arbitration_id",
                    "no arbitration %s was filed; send arrears.arbitration_filed first",
                    d->arbitration_id);
    else if (!arrears_in_scope(ev, PQgetvalue(res, 0, 0)))
        rc = arrears_out_of_scope(v, "data.arbitration_id", "arbitration", PQgetvalue(res, 0, 0));
    else if (PQgetvalue(res, 0, 2)[0] == 't')
        rc = reject(v, "arbitration_closed", "data.arbitration_id",
                    "arbitration %s is closed already", d->arbitration_id);
    else if (date_parse(PQgetvalue(res, 0, 1), 10, &filed) || closed < filed)
        rc = reject(v, "invalid_date", "occurred_at", "the arbitration closes before its filing");
    PQclear(res);
    if (rc)
        return rc;
    bool extended = d->has_extended && d->extended;
    bool within = closed - filed <= (extended ? ARBITRATION_EXTENDED_DAYS : ARBITRATION_DAYS);
    char amount[24], at[24], on[11];
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->arbitration_id,
                            format_date(closed, on),
                            at,
                            d->outcome,
                            d->has_amount_fen ? amount : NULL,
                            extended ? "t" : "f",
                            within ? "t" : "f"};
    return db_prepared_run(service_db(svc), "arbitration_close",
                           "UPDATE arbitrations SET closed_on = $2, closed_at_us = $3,"
                           " outcome = $4, closed_amount_fen = $5, extended = $6,"
                           " within_limit = $7 WHERE arbitration_id = $1",
                           7, values)
               ? -1
               : 0;
}
