/* Clues: 欠薪线索 and their deadlines (根治欠薪).
 *
 * Reads arrears.clue_received and arrears.clue_closed into reporting's copy
 * of each clue (arr_clues: region, due_on, closed); the copy is what tells a
 * closing on time (on or before due_on) and where the clue counts. Writes
 * arr.clues, arr.clues_closed_on_time and the stock arr.clues_overdue.
 *
 * arr.clues_overdue: the clues open at the end of a month whose due date is
 * before that month's last day (days left < 0 on it, as GET
 * /v1/arrears/deadlines?as_of=<last day> tells). A stock that changes with
 * time alone is written at both its ends when they are known: +1 in the
 * month of the day after due_on (the first month-end it is overdue at) as
 * the clue is received, and -1 as it closes, in the later of its closing
 * month and that month (closed on time, the two cancel out). */

#include "aggregate.h"
#include "timeutil.h"

#define CLUE_DUE_DAYS 10   /* due_on default (arrears: 10 days after receipt, CST) */

/* The later of two months. */
static int
s_later(int a, int b)
{
    return a > b ? a : b;
}

static int
s_received_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__ClueReceived *d = (const Hrss__ClueReceived *) msg;
    if (!page_region_ok(ev))
        return 0;
    char due[11];
    if (!d->due_on || !d->due_on[0])
        format_date(cst_days_of_instant(ev->occurred_at_us) + CLUE_DUE_DAYS, due);
    const char *values[] = {d->clue_id, ev->region, d->due_on && d->due_on[0] ? d->due_on : due};
    return page_alone(page, kind, ev, 3, values) ? 0 : -1;
}

/* No row: known already. Else (month it is first overdue at its end). */
static void
s_received_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) == 0)
        return;
    page_add(batch, p, "arr.clues", p->region, 1);
    page_add_at(batch, p, "arr.clues_overdue", p->region, (int) page_int(res, row, 0), 1);
}

static int
s_closed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__ClueClosed *d = (const Hrss__ClueClosed *) msg;
    char on[11];
    const char *values[] = {d->clue_id, format_date(cst_days_of_instant(ev->occurred_at_us), on)};
    return page_alone(page, kind, ev, 2, values) ? 0 : -1;
}

/* No row: unknown or closed already. Else (region, on time, month first
 * overdue). */
static void
s_closed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) == 0)
        return;
    const char *region = PQgetvalue(res, row, 0);
    if (PQgetvalue(res, row, 1)[0] == 't')
        page_add(batch, p, "arr.clues_closed_on_time", region, 1);
    page_add_at(batch, p, "arr.clues_overdue", region,
                s_later(p->month, (int) page_int(res, row, 2)), -1);
}

static const reporting_kind_t s_kinds[] = {
    {"arrears.clue_received", "arr_clue_receive",
        "INSERT INTO arr_clues (clue_id, region, due_on) VALUES ($1, $2, $3::date)"
        " ON CONFLICT DO NOTHING RETURNING to_char(due_on + 1, 'YYYYMM')::int",
     3, {0}, s_received_join, s_received_deltas},
    {"arrears.clue_closed", "arr_clue_close",
        "UPDATE arr_clues SET closed = true WHERE clue_id = $1 AND NOT closed"
        " RETURNING region, $2::date <= due_on, to_char(due_on + 1, 'YYYYMM')::int",
     2, {0}, s_closed_join, s_closed_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"arr.clues", "arr.clues_closed_on_time",
                                       "arr.clues_overdue", NULL};

const reporting_aggregate_t reporting_clues = {"clues", s_kinds, s_writes};
