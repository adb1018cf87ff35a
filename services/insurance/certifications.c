/* The certifications aggregate: 待遇资格认证 (liveness). The last
 * certification of a pension recipient decides whether a payment run pays
 * them (payment_runs.c); a certification after a lapse makes them payable
 * again, and the months missed are paid by running those periods again. */
#include <string.h>

#include "insurance.h"
#include "timeutil.h"

static int
s_certified(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    const Hrss__Certified *d = (const Hrss__Certified *) msg;
    int64_t on;
    if (date_parse(d->certified_on, strlen(d->certified_on), &on))
        return reject(v, "invalid_date", "data.certified_on", "certified_on must be a date");
    if (on > cst_days_of_instant(ev->occurred_at_us))
        return reject(v, "invalid_date", "data.certified_on",
                      "certified_on lies after the event");
    const char *values[] = {d->id_number, d->certified_on, d->channel, ev->region};
    /* only a person who draws a benefit is certified: anyone else is unknown
     * to the fund, and the sender may resend after the benefit_started */
    PGresult *res = db_prepared(
        service_db(svc), "certified",
        "WITH known AS (SELECT EXISTS (SELECT 1 FROM benefits WHERE id_number = $1::char(18))"
        " AS benefit, EXISTS (SELECT 1 FROM deaths WHERE id_number = $1::char(18)) AS dead),"
        " ins AS (INSERT INTO certifications (id_number, certified_on, channel, region)"
        " SELECT $1, $2::date, $3, $4 FROM known WHERE benefit AND NOT dead RETURNING 1)"
        " SELECT benefit, dead FROM known",
        4, values, NULL, NULL);
    if (!res)
        return -1;
    bool benefit = PQgetvalue(res, 0, 0)[0] == 't';
    bool dead = PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);
    if (dead)
        return reject(v, "person_deceased", "data.id_number", "the person is recorded deceased");
    if (!benefit)
        return reject(v, "unknown_person", "data.id_number",
                      "the person draws no benefit to certify");
    return 0;
}

const event_handler_t insurance_certification_handlers[] = {
    {.type = "insurance.certified", .apply = s_certified},
    {.type = NULL}};
