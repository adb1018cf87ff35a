/* Arbitrations: 劳动人事争议仲裁 and their legal time limit.
 *
 * Reads arrears.arbitration_filed and arrears.arbitration_closed into
 * reporting's copy of each arbitration (arr_arbitrations: region, filed_on,
 * closed): closed within the limit when closed within 45 days of filing, 60
 * when extended, in CST dates (劳动争议调解仲裁法 第四十三条), as arrears
 * counts it. Writes arr.arbitrations_filed, arr.arbitration_fen (the amounts
 * claimed at filing), arr.arbitrations_closed, arr.arbitrations_mediated,
 * arr.arbitrations_within_limit and the stock arr.arbitrations_overdue.
 *
 * arr.arbitrations_overdue: open at the end of a month whose last day is
 * past filed_on + 45 days (an extension is told only at the closing, so an
 * open arbitration counts 45 days, as the deadlines read does); written at
 * both ends like arr.clues_overdue (agg_clues.c). */
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "timeutil.h"

#define ARBITRATION_DAYS 45
#define ARBITRATION_EXTENDED_DAYS 60

static int
s_filed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
             const ProtobufCMessage *msg)
{
    const Hrss__ArbitrationFiled *d = (const Hrss__ArbitrationFiled *) msg;
    if (!page_region_ok(ev))
        return 0;
    char on[11];
    const char *values[] = {d->arbitration_id, ev->region,
                            format_date(cst_days_of_instant(ev->occurred_at_us), on)};
    pending_t *p = page_alone(page, kind, ev, 3, values);
    if (!p)
        return -1;
    p->amount = d->amount_fen;
    return 0;
}

/* No row: known already. Else (month first overdue at its end). */
static void
s_filed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) == 0)
        return;
    page_add(batch, p, "arr.arbitrations_filed", p->region, 1);
    page_add(batch, p, "arr.arbitration_fen", p->region, p->amount);
    page_add_at(batch, p, "arr.arbitrations_overdue", p->region, (int) page_int(res, row, 0), 1);
}

static int
s_closed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__ArbitrationClosed *d = (const Hrss__ArbitrationClosed *) msg;
    char on[11];
    const char *values[] = {d->arbitration_id,
                            format_date(cst_days_of_instant(ev->occurred_at_us), on)};
    pending_t *p = page_alone(page, kind, ev, 2, values);
    if (!p)
        return -1;
    p->flag = strcmp(d->outcome, "mediated") == 0;
    p->amount = d->has_extended && d->extended ? ARBITRATION_EXTENDED_DAYS : ARBITRATION_DAYS;
    return 0;
}

/* No row: unknown or closed already. Else (region, days from filing to
 * closing, month first overdue). */
static void
s_closed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) == 0)
        return;
    const char *region = PQgetvalue(res, row, 0);
    page_add(batch, p, "arr.arbitrations_closed", region, 1);
    if (p->flag)
        page_add(batch, p, "arr.arbitrations_mediated", region, 1);
    if (page_int(res, row, 1) <= p->amount)
        page_add(batch, p, "arr.arbitrations_within_limit", region, 1);
    int overdue = (int) page_int(res, row, 2);
    page_add_at(batch, p, "arr.arbitrations_overdue", region,
                p->month > overdue ? p->month : overdue, -1);
}

#define S_(x) #x
#define S(x) S_(x)

static const reporting_kind_t s_kinds[] = {
    {"arrears.arbitration_filed", "arr_arbitration_file",
        "INSERT INTO arr_arbitrations (arbitration_id, region, filed_on)"
        " VALUES ($1, $2, $3::date) ON CONFLICT DO NOTHING"
        " RETURNING to_char(filed_on + " S(ARBITRATION_DAYS) " + 1, 'YYYYMM')::int",
     3, {0}, s_filed_join, s_filed_deltas},
    {"arrears.arbitration_closed", "arr_arbitration_close",
        "UPDATE arr_arbitrations SET closed = true WHERE arbitration_id = $1 AND NOT closed"
        " RETURNING region, $2::date - filed_on,"
        " to_char(filed_on + " S(ARBITRATION_DAYS) " + 1, 'YYYYMM')::int",
     2, {0}, s_closed_join, s_closed_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {
    "arr.arbitrations_filed", "arr.arbitration_fen", "arr.arbitrations_closed",
    "arr.arbitrations_mediated", "arr.arbitrations_within_limit", "arr.arbitrations_overdue",
    NULL};

const reporting_aggregate_t reporting_arbitrations = {"arbitrations", s_kinds, s_writes};
