/* The fund ledger (基金账): one append-only table of entries (sql/003), income
 * positive (contributions, recoveries collected), expenditure negative
 * (benefits paid, stabilization refunds from the unemployment fund). A
 * fund's balance is the sum of its entries, nothing else. */
#include <stdio.h>
#include <string.h>

#include "insurance.h"
#include "region.h"
#include "timeutil.h"

int
insurance_funds(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply, arena_t *arena)
{
    const Hrss__FundQuery *q = req->funds;
    int period = 999912;
    if (q->period && period_parse(q->period, strlen(q->period), &period))
        return insurance_refuse(reply, arena, "invalid_period", "period must be YYYY-MM");
    if (strlen(q->region) != REGION_LEN)
        return insurance_refuse(reply, arena, "invalid_region", "region must have 12 digits");
    char lo[REGION_LEN + 1], hi[REGION_LEN + 1], p[12];
    insurance_region_range(q->region, region_prefix_len(q->region), lo, hi);
    snprintf(p, sizeof p, "%d", period);
    const char *values[] = {q->scheme, lo, p, hi};
    PGresult *res = db_prepared(
        service_db(svc), "funds",
        "SELECT coalesce(sum(amount_fen) FILTER (WHERE kind = 'contribution'), 0),"
        " coalesce(sum(amount_fen) FILTER (WHERE kind = 'recovery'), 0),"
        " coalesce(-sum(amount_fen) FILTER (WHERE kind = 'benefit'), 0),"
        " coalesce(-sum(amount_fen) FILTER (WHERE kind = 'stabilization_refund'), 0),"
        " coalesce(sum(amount_fen), 0), count(*)"
        " FROM ledger WHERE scheme = $1 AND region BETWEEN $2 AND $4 AND period <= $3::int",
        4, values, NULL, NULL);
    if (!res)
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    Hrss__FundReply *f = arena_alloc(arena, sizeof *f);
    if (!f) {
        PQclear(res);
        return -1;
    }
    hrss__fund_reply__init(f);
    f->region = arena_strdup(arena, q->region);
    f->scheme = arena_strdup(arena, q->scheme);
    f->period = q->period ? arena_strdup(arena, q->period) : NULL;
    f->contributions_fen = db_get_int64(res, 0, 0);
    f->recoveries_fen = db_get_int64(res, 0, 1);
    f->benefits_fen = db_get_int64(res, 0, 2);
    f->stabilization_refunds_fen = db_get_int64(res, 0, 3);
    f->income_fen = f->contributions_fen + f->recoveries_fen;
    f->expenditure_fen = f->benefits_fen + f->stabilization_refunds_fen;
    f->balance_fen = db_get_int64(res, 0, 4);
    f->entries = db_get_int64(res, 0, 5);
    PQclear(res);
    reply->body_case = HRSS__REPLY__BODY_FUNDS;
    reply->funds = f;
    return 0;
}
