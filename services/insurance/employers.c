/* The employers aggregate: 稳岗返还 (stabilization refunds, paid from the
 * unemployment fund) and insurance's copy of the arrears blacklist, kept
 * from arrears' feed (联合惩戒: no refund to a listed employer). */
#include <inttypes.h>
#include <stdio.h>

#include "insurance.h"
#include "timeutil.h"

#define US_PER_DAY (86400LL * 1000000)
#define CST_OFFSET_US ((int64_t) CST_OFFSET_SECONDS * 1000000)

/* The end of a listing: 3 calendar years from its instant in CST
 * (docs/contract.md#arrears), as arrears' expiry timer counts it (Feb 29 ends
 * on Feb 28). 3 x 365 days ended a day early across a Feb 29, refunds were
 * paid on the listing's last day. */
static int64_t
s_listing_expiry(int64_t listed_at_us)
{
    int64_t local = listed_at_us + CST_OFFSET_US;
    int64_t days = local >= 0 ? local / US_PER_DAY : -((-local + US_PER_DAY - 1) / US_PER_DAY);
    int64_t time_of_day = local - days * US_PER_DAY;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    y += 3;
    if (m == 2 && d == 29 && !is_valid_date(y, m, d))
        d = 28;
    return days_from_civil(y, m, d) * US_PER_DAY + time_of_day - CST_OFFSET_US;
}

static int
s_refund_paid(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    const Hrss__StabilizationRefundPaid *d = (const Hrss__StabilizationRefundPaid *) msg;
    if (d->amount_fen < 0)
        return reject(v, "invalid_amount", "data.amount_fen", "amount_fen must not be negative");
    if (d->employees < 0)
        return reject(v, "invalid_value", "data.employees", "employees must not be negative");
    char p[12], amount[24], employees[24], at[24];
    snprintf(p, sizeof p, "%d", period_of_instant(ev->occurred_at_us));
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    snprintf(employees, sizeof employees, "%" PRId64, d->employees);
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->refund_id, d->employer_credit_code, employees, amount,
                            ev->region, p, at};
    /* listed at the moment of the refund: listed before it, not yet expired
     * nor delisted */
    PGresult *res = db_prepared(
        service_db(svc), "refund_paid",
        "WITH listed AS (SELECT EXISTS (SELECT 1 FROM blacklist WHERE credit_code = $2::char(18)"
        " AND listed_at_us <= $7::bigint AND expires_at_us > $7::bigint"
        " AND (delisted_at_us IS NULL OR delisted_at_us > $7::bigint)) AS yes),"
        " r AS (INSERT INTO stabilization_refunds (refund_id, employer_credit_code, employees,"
        " amount_fen, region, period) SELECT $1, $2, $3::bigint, $4::bigint, $5, $6::int"
        " FROM listed WHERE NOT yes ON CONFLICT (refund_id) DO NOTHING RETURNING *),"
        " l AS (INSERT INTO ledger (region, scheme, period, kind, amount_fen, source)"
        " SELECT region, 'unemployment', period, 'stabilization_refund', -amount_fen, refund_id"
        " FROM r RETURNING 1)"
        " SELECT (SELECT yes FROM listed), (SELECT count(*) FROM r), (SELECT count(*) FROM l)",
        7, values, NULL, NULL);
    if (!res)
        return -1;
    bool listed = PQgetvalue(res, 0, 0)[0] == 't';
    int64_t inserted = db_get_int64(res, 0, 1);
    PQclear(res);
    if (listed)
        return reject(v, "employer_blacklisted", "data.employer_credit_code",
                      "the employer is on the wage-arrears blacklist: no stabilization refund");
    if (inserted == 0)
        return reject(v, "duplicate_refund", "data.refund_id",
                      "a refund with this refund_id is recorded already");
    return 0;
}

const event_handler_t insurance_employer_handlers[] = {
    {.type = "insurance.stabilization_refund_paid", .apply = s_refund_paid},
    {.type = NULL}};

/* ---- arrears' feed ------------------------------------------------------------ */

static int
s_blacklisted(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__EmployerBlacklisted *d = (const Hrss__EmployerBlacklisted *) msg;
    char at[24], until[24];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    snprintf(until, sizeof until, "%" PRId64, s_listing_expiry(ev->occurred_at_us));
    const char *values[] = {d->credit_code, d->name, d->reason, at, until};
    /* a listing again starts a new term */
    return db_prepared_run(service_db(svc), "blacklist_copy",
                           "INSERT INTO blacklist (credit_code, name, reason, listed_at_us,"
                           " expires_at_us) VALUES ($1, $2, $3, $4::bigint, $5::bigint)"
                           " ON CONFLICT (credit_code) DO UPDATE SET name = EXCLUDED.name,"
                           " reason = EXCLUDED.reason, listed_at_us = EXCLUDED.listed_at_us,"
                           " expires_at_us = EXCLUDED.expires_at_us, delisted_at_us = NULL",
                           5, values);
}

static int
s_delisted(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__EmployerDelisted *d = (const Hrss__EmployerDelisted *) msg;
    char at[24];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->credit_code, at};
    return db_prepared_run(service_db(svc), "blacklist_delist",
                           "UPDATE blacklist SET delisted_at_us = $2::bigint"
                           " WHERE credit_code = $1::char(18)",
                           2, values);
}

const feed_handler_t insurance_arrears_feed[] = {
    {.type = "arrears.employer_blacklisted", .apply = s_blacklisted},
    {.type = "arrears.employer_delisted", .apply = s_delisted},
    {.type = NULL}};
