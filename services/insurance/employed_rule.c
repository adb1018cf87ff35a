/* Cross-service rule (docs/design.md#cross-service-rules): an employment.employed, read from
 * employment's feed, of a person currently drawing the unemployment
 * benefit raises a suspicious record with rule employed_while_receiving,
 * derived into insurance's own feed (counted in ins.suspicious_received). */
#include <inttypes.h>
#include <stdio.h>

#include "insurance.h"
#include "timeutil.h"

int
insurance_on_employed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__Employed *d = (const Hrss__Employed *) msg;
    char p[12];
    snprintf(p, sizeof p, "%d", period_of_instant(ev->occurred_at_us));
    const char *values[] = {d->id_number, p};
    /* receiving: an unemployment benefit started by this month and not
     * suspended before it */
    PGresult *res = db_prepared(
        service_db(svc), "employed_receiving",
        "SELECT region, monthly_amount_fen FROM benefits WHERE id_number = $1::char(18)"
        " AND scheme = 'unemployment' AND first_period <= $2::int"
        " AND (suspended_from IS NULL OR suspended_from > $2::int)",
        2, values, NULL, NULL);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    char region[16], record_id[96];
    snprintf(region, sizeof region, "%s", PQgetvalue(res, 0, 0));
    int64_t amount = db_get_int64(res, 0, 1);
    PQclear(res);
    /* one record per employment event: its feed position names it */
    snprintf(record_id, sizeof record_id, "ewr:%s:%" PRIu64, ev->source ? ev->source : "feed",
             ev->has_seq ? ev->seq : 0);
    Hrss__SuspiciousRecordReceived out = HRSS__SUSPICIOUS_RECORD_RECEIVED__INIT;
    out.record_id = record_id;
    out.id_number = d->id_number;
    out.rule = "employed_while_receiving";
    out.scheme = "unemployment";
    out.amount_fen = amount;
    bool inserted = false;
    if (insurance_suspicious_insert(svc, &out, region, ev->occurred_at_us, &inserted))
        return -1;
    if (!inserted)
        return 0;   /* a page applied again */
    return service_emit(svc, ev, "insurance.suspicious_record_received", region,
                        ev->occurred_at_us, &out.base);
}
