/* Injuries: 工伤认定 and its legal time limit of 60 days (工伤保险条例
 * 第二十条), in CST dates.
 *
 * Reads arrears.injury_applied and arrears.injury_decided into reporting's
 * copy of each application (arr_injuries: region, applied_on, decided).
 * Writes arr.injury_decisions and the stock arr.injuries_overdue: open at
 * the end of a month whose last day is past applied_on + 60 days, written
 * at both ends like arr.clues_overdue (agg_clues.c). */
#include "aggregate.h"
#include "timeutil.h"

/* applied_on + INJURY_DAYS + 1: the first day it is overdue on */
#define OVERDUE_MONTH_SQL "to_char(applied_on + 61, 'YYYYMM')::int"

static int
s_applied_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
               const ProtobufCMessage *msg)
{
    const Hrss__InjuryApplied *d = (const Hrss__InjuryApplied *) msg;
    if (!page_region_ok(ev))
        return 0;
    char on[11];
    const char *values[] = {d->application_id, ev->region,
                            format_date(cst_days_of_instant(ev->occurred_at_us), on)};
    return page_alone(page, kind, ev, 3, values) ? 0 : -1;
}

/* No row: known already. Else (month first overdue at its end). */
static void
s_applied_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) > 0)
        page_add_at(batch, p, "arr.injuries_overdue", p->region, (int) page_int(res, row, 0), 1);
}

static int
s_decided_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
               const ProtobufCMessage *msg)
{
    const Hrss__InjuryDecided *d = (const Hrss__InjuryDecided *) msg;
    const char *values[] = {d->application_id};
    return page_alone(page, kind, ev, 1, values) ? 0 : -1;
}

/* No row: unknown or decided already. Else (region, month first overdue). */
static void
s_decided_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) == 0)
        return;
    const char *region = PQgetvalue(res, row, 0);
    int overdue = (int) page_int(res, row, 1);
    page_add(batch, p, "arr.injury_decisions", region, 1);
    page_add_at(batch, p, "arr.injuries_overdue", region,
                p->month > overdue ? p->month : overdue, -1);
}

static const reporting_kind_t s_kinds[] = {
    {"arrears.injury_applied", "arr_injury_apply",
        "INSERT INTO arr_injuries (application_id, region, applied_on)"
        " VALUES ($1, $2, $3::date) ON CONFLICT DO NOTHING RETURNING " OVERDUE_MONTH_SQL,
     3, {0}, s_applied_join, s_applied_deltas},
    {"arrears.injury_decided", "arr_injury_decide",
        "UPDATE arr_injuries SET decided = true WHERE application_id = $1 AND NOT decided"
        " RETURNING region, " OVERDUE_MONTH_SQL,
     1, {0}, s_decided_join, s_decided_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"arr.injury_decisions", "arr.injuries_overdue", NULL};

const reporting_aggregate_t reporting_injuries = {"injuries", s_kinds, s_writes};
