/* The contributions aggregate: 征缴 (contribution_paid, fund income) and
 * 缓缴 (deferral_granted). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "insurance.h"
#include "timeutil.h"

static int
s_contribution_paid(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                    verdict_t *v)
{
    const Hrss__ContributionPaid *d = (const Hrss__ContributionPaid *) msg;
    bool person = d->id_number && d->id_number[0];
    bool employer = d->employer_credit_code && d->employer_credit_code[0];
    if (!person && !employer)
        return reject(v, "missing_field", "data.id_number",
                      "id_number or employer_credit_code is required");
    int period;
    if (period_parse(d->period, strlen(d->period), &period))
        return reject(v, "invalid_period", "data.period", "period must be YYYY-MM");
    if (d->amount_fen < 0)
        return reject(v, "invalid_amount", "data.amount_fen", "amount_fen must not be negative");
    char p[12], amount[24];
    snprintf(p, sizeof p, "%d", period);
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    const char *values[] = {d->payment_id, d->scheme, p, ev->region, amount,
                            person ? d->id_number : NULL,
                            employer ? d->employer_credit_code : NULL};
    /* payment_id is the key: the same payment under a new event id is
     * refused, not counted twice */
    PGresult *res = db_prepared(
        service_db(svc), "contribution_paid",
        "WITH c AS (INSERT INTO contributions (payment_id, scheme, period, region, amount_fen,"
        " id_number, employer_credit_code) VALUES ($1, $2, $3::int, $4, $5::bigint, $6, $7)"
        " ON CONFLICT (payment_id) DO NOTHING RETURNING payment_id, scheme, period, region,"
        " amount_fen),"
        " l AS (INSERT INTO ledger (region, scheme, period, kind, amount_fen, source)"
        " SELECT region, scheme, period, 'contribution', amount_fen, payment_id FROM c"
        " RETURNING 1)"
        " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM l)",
        7, values, NULL, NULL);
    if (!res)
        return -1;
    int64_t inserted = db_get_int64(res, 0, 0);
    PQclear(res);
    if (inserted == 0)
        return reject(v, "duplicate_payment", "data.payment_id",
                      "a contribution with this payment_id is recorded already");
    return 0;
}

static int
s_deferral_granted(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                   verdict_t *v)
{
    const Hrss__DeferralGranted *d = (const Hrss__DeferralGranted *) msg;
    if (d->amount_fen < 0)
        return reject(v, "invalid_amount", "data.amount_fen", "amount_fen must not be negative");
    char p[12], amount[24];
    snprintf(p, sizeof p, "%d", period_of_instant(ev->occurred_at_us));
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    const char *values[] = {d->employer_credit_code, d->scheme, amount, ev->region, p};
    return db_prepared_run(service_db(svc), "deferral_granted",
                           "INSERT INTO deferrals (employer_credit_code, scheme, amount_fen,"
                           " region, period) VALUES ($1, $2, $3::bigint, $4, $5::int)",
                           5, values);
}

const event_handler_t insurance_contribution_handlers[] = {
    {.type = "insurance.contribution_paid", .apply = s_contribution_paid},
    {.type = "insurance.deferral_granted", .apply = s_deferral_granted},
    {.type = NULL}};
