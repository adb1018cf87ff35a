/* Employment's copy of arrears' wage-arrears blacklist (拖欠农民工工资"黑名单"),
 * kept from arrears' feed: while an employer is listed, its job postings are
 * refused (联合惩戒, see jobs.c). A listing lasts three years from the
 * event's occurred_at unless delisted earlier; arrears may also announce
 * the end of a listing as a delisting of its own. */
#include <stdio.h>

#include "employment.h"

static int
s_on_blacklisted(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__EmployerBlacklisted *d = (const Hrss__EmployerBlacklisted *) msg;
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long) ev->occurred_at_us);
    const char *values[] = {d->credit_code, d->name, d->reason, at};
    /* listed again: the new listing runs from its own date */
    return db_prepared_run(
        service_db(svc), "blacklist_list",
        "INSERT INTO blacklist (credit_code, name, reason, listed_at_us, expires_at_us)"
        " VALUES ($1, $2, $3, $4::bigint, (extract(epoch FROM to_timestamp($4::bigint / 1000000.0)"
        " + interval '3 years') * 1000000)::bigint)"
        " ON CONFLICT (credit_code) DO UPDATE SET name = EXCLUDED.name,"
        " reason = EXCLUDED.reason, listed_at_us = EXCLUDED.listed_at_us,"
        " expires_at_us = EXCLUDED.expires_at_us",
        4, values);
}

static int
s_on_delisted(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    (void) ev;
    const Hrss__EmployerDelisted *d = (const Hrss__EmployerDelisted *) msg;
    const char *values[] = {d->credit_code};
    return db_prepared_run(service_db(svc), "blacklist_delist",
                           "DELETE FROM blacklist WHERE credit_code = $1", 1, values);
}

const feed_handler_t employment_arrears_feed[] = {
    {"arrears.employer_blacklisted", s_on_blacklisted},
    {"arrears.employer_delisted", s_on_delisted},
    {NULL, NULL}};
