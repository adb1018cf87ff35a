/* The employer blacklist (拖欠农民工工资"黑名单"): a listing lasts 3 years
 * from its occurred_at unless the employer is delisted earlier. While it
 * lasts, employment and insurance refuse the employer (联合惩戒) from their
 * own copies, kept from this service's feed; the feed therefore carries the
 * end of every listing, the expiry too (arrears_blacklist_expire). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrears.h"
#include "timeutil.h"

#define US_PER_DAY (86400LL * 1000000)
#define CST_OFFSET_US ((int64_t) CST_OFFSET_SECONDS * 1000000)

int64_t
arrears_listing_expiry(int64_t listed_at_us)
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

int
arrears_employer_blacklisted(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                             verdict_t *v)
{
    const Hrss__EmployerBlacklisted *d = (const Hrss__EmployerBlacklisted *) msg;
    int64_t expires = arrears_listing_expiry(ev->occurred_at_us);
    char at[24], until[24];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    snprintf(until, sizeof until, "%" PRId64, expires);
    const char *key[] = {d->credit_code, at};
    PGresult *res = arrears_query(svc, "blacklist_listed",
                                  "SELECT region FROM blacklist WHERE credit_code = $1"
                                  " AND delisted_at_us IS NULL AND expires_at_us > $2",
                                  2, key);
    if (!res)
        return -1;
    int rc = 0;
    /* listing again renews a listing: only where the pusher could delist it */
    if (PQntuples(res) == 1 && !arrears_in_scope(ev, PQgetvalue(res, 0, 0)))
        rc = arrears_out_of_scope(v, "data.credit_code", "listing", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (rc)
        return rc;
    const char *values[] = {d->credit_code, ev->region, ev->scope, ev->id, d->name,
                            d->reason,      at,         until};
    if (db_prepared_run(
               service_db(svc), "blacklist_list",
               "INSERT INTO blacklist (credit_code, region, scope, event_id, name, reason,"
               " listed_at_us, expires_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
               " ON CONFLICT (credit_code) DO UPDATE SET region = EXCLUDED.region,"
               " scope = EXCLUDED.scope, event_id = EXCLUDED.event_id, name = EXCLUDED.name,"
               " reason = EXCLUDED.reason, listed_at_us = EXCLUDED.listed_at_us,"
               " expires_at_us = EXCLUDED.expires_at_us, delisted_at_us = NULL,"
               " delist_reason = NULL",
               8, values))
        return -1;
    /* the expiry timer wakes when this listing ends, if no other ends sooner
     * (armed early, should this event be rolled back, it finds nothing) */
    service_timer_arm(svc, ARREARS_EXPIRY_TIMER, expires);
    return 0;
}

int
arrears_employer_delisted(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                          verdict_t *v)
{
    const Hrss__EmployerDelisted *d = (const Hrss__EmployerDelisted *) msg;
    char at[24];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *key[] = {d->credit_code, at};
    /* a listing that expired while the delisting that ended it earlier was
     * still on its way (a county replaying its year) takes the earlier end */
    PGresult *res = arrears_query(svc, "blacklist_state",
                                  "SELECT region, listed_at_us FROM blacklist"
                                  " WHERE credit_code = $1 AND (delisted_at_us IS NULL"
                                  " OR (delist_reason = 'expired'"
                                  " AND $2::bigint < delisted_at_us))",
                                  2, key);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 0)
        rc = reject(v, "not_blacklisted", "data.credit_code", "employer %s is not blacklisted",
                    d->credit_code);
    else if (!arrears_in_scope(ev, PQgetvalue(res, 0, 0)))
        rc = arrears_out_of_scope(v, "data.credit_code", "listing", PQgetvalue(res, 0, 0));
    else if (ev->occurred_at_us < db_get_int64(res, 0, 1))
        rc = reject(v, "invalid_date", "occurred_at", "the delisting comes before the listing");
    PQclear(res);
    if (rc)
        return rc;
    const char *values[] = {d->credit_code, at, d->reason};
    return db_prepared_run(service_db(svc), "blacklist_delist",
                           "UPDATE blacklist SET delisted_at_us = $2, delist_reason = $3"
                           " WHERE credit_code = $1",
                           3, values)
               ? -1
               : 0;
}

/* ---- expiry ------------------------------------------------------------------- */

int64_t
arrears_blacklist_expire(service_t *svc, int64_t now_us)
{
    char now[24];
    snprintf(now, sizeof now, "%" PRId64, now_us);
    const char *values[] = {now};
    if (db_begin(service_db(svc)))
        return -1;
    /* in expiry order: the feed tells the listings' ends as they happened */
    PGresult *res = arrears_query(svc, "blacklist_expire",
                                  "WITH ended AS (UPDATE blacklist SET"
                                  " delisted_at_us = expires_at_us, delist_reason = 'expired'"
                                  " WHERE delisted_at_us IS NULL AND expires_at_us <= $1"
                                  " RETURNING credit_code, region, scope, event_id, expires_at_us)"
                                  " SELECT * FROM ended ORDER BY expires_at_us, credit_code",
                                  1, values);
    if (!res)
        goto fail;
    for (int i = 0; i < PQntuples(res); i++) {
        /* the delisting is named after the listing, in the listing's id
         * space, at the instant the listing ended */
        Hrss__Event cause = HRSS__EVENT__INIT;
        cause.id = PQgetvalue(res, i, 3);
        cause.scope = PQgetvalue(res, i, 2);
        Hrss__EmployerDelisted data = HRSS__EMPLOYER_DELISTED__INIT;
        data.credit_code = PQgetvalue(res, i, 0);
        data.reason = "expired";
        if (service_emit(svc, &cause, "arrears.employer_delisted", PQgetvalue(res, i, 1),
                         db_get_int64(res, i, 4), &data.base))
            goto fail;
    }
    PQclear(res);
    res = NULL;
    if (service_commit(svc))
        return -1;
    res = arrears_query(svc, "blacklist_next_expiry",
                        "SELECT min(expires_at_us) FROM blacklist WHERE delisted_at_us IS NULL",
                        0, NULL);
    if (!res)
        return -1;
    int64_t next = PQgetisnull(res, 0, 0) ? INT64_MAX : db_get_int64(res, 0, 0);
    PQclear(res);
    return next;
fail:
    PQclear(res);
    service_rollback(svc);
    return -1;
}
