/* Blacklist: employers listed for wage arrears (拖欠农民工工资失信联合惩戒).
 *
 * Reads arrears.employer_blacklisted and arrears.employer_delisted (sent by
 * a county, or derived by arrears' timer at the listing's expiry after 3
 * years, reason `expired`, at the instant it expired) into reporting's copy
 * (arr_blacklist: region, when and how the listing ended). Writes the stock
 * arr.blacklisted: +1 where listed, -1 there in the month it was delisted.
 * Arrears takes a delisting that predates an expiry it derived already (a
 * county replaying its year sends the delisting after the timer ran): the
 * -1 then moves from the expiry's month to the delisting's. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "timeutil.h"

static int
s_listed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__EmployerBlacklisted *d = (const Hrss__EmployerBlacklisted *) msg;
    if (!page_region_ok(ev))
        return 0;
    const char *values[] = {d->credit_code, ev->region};
    return page_alone(page, kind, ev, 2, values) ? 0 : -1;
}

/* No row: listed already. */
static void
s_listed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) row;
    if (PQntuples(res) > 0)
        page_add(batch, p, "arr.blacklisted", p->region, 1);
}

static int
s_delisted_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__EmployerDelisted *d = (const Hrss__EmployerDelisted *) msg;
    char at[24], month[12];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    snprintf(month, sizeof month, "%d", period_of_instant(ev->occurred_at_us));
    const char *values[] = {d->credit_code, at, month,
                            d->reason && strcmp(d->reason, "expired") == 0 ? "t" : "f"};
    return page_alone(page, kind, ev, 4, values) ? 0 : -1;
}

/* No row: not listed (or ended earlier). Else (region where it was listed,
 * the month of the end it replaces, NULL when it was listed). */
static void
s_delisted_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) == 0)
        return;
    const char *region = PQgetvalue(res, row, 0);
    page_add(batch, p, "arr.blacklisted", region, -1);
    if (!PQgetisnull(res, row, 1))
        page_add_at(batch, p, "arr.blacklisted", region, (int) page_int(res, row, 1), 1);
}

static const reporting_kind_t s_kinds[] = {
    {"arrears.employer_blacklisted", "arr_blacklist_list",
        "INSERT INTO arr_blacklist (credit_code, region) VALUES ($1, $2)"
        " ON CONFLICT (credit_code) DO UPDATE SET region = EXCLUDED.region,"
        " delisted_at_us = NULL, delisted_month = NULL, expired = false"
        " WHERE arr_blacklist.delisted_at_us IS NOT NULL RETURNING 1",
     2, {0}, s_listed_join, s_listed_deltas},
    {"arrears.employer_delisted", "arr_blacklist_delist",
        "WITH old AS (SELECT region, delisted_month FROM arr_blacklist WHERE credit_code = $1"
        "             AND (delisted_at_us IS NULL OR (expired AND $2::int8 < delisted_at_us))),"
        " up AS (UPDATE arr_blacklist b SET delisted_at_us = $2::int8, delisted_month = $3::int,"
        "        expired = $4::bool FROM old WHERE b.credit_code = $1)"
        " SELECT region, delisted_month FROM old",
     4, {0}, s_delisted_join, s_delisted_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"arr.blacklisted", NULL};

const reporting_aggregate_t reporting_blacklist = {"blacklist", s_kinds, s_writes};
