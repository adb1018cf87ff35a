/* Cases: 欠薪案件 by mode, their actions and closing (根治欠薪).
 *
 * Reads arrears.case_opened, arrears.case_action and arrears.case_closed
 * into reporting's copy of each case (arr_cases: region, closed): a case
 * counts where it was opened, its actions and closing there too, and a
 * closed case takes no more actions (as arrears refuses them). Writes
 * arr.cases, arr.cases_coordinated, arr.cases_filed, arr.cases_to_police,
 * arr.recovered_fen, arr.workers_helped and arr.cases_closed. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"

static int
s_opened_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__CaseOpened *d = (const Hrss__CaseOpened *) msg;
    if (!page_region_ok(ev))
        return 0;
    const char *values[] = {d->case_id, ev->region};
    pending_t *p = page_alone(page, kind, ev, 2, values);
    if (!p)
        return -1;
    snprintf(p->code, sizeof p->code, "%s",
             strcmp(d->mode, "coordination") == 0 ? "arr.cases_coordinated"
             : strcmp(d->mode, "filed") == 0     ? "arr.cases_filed"
                                                 : "");
    return 0;
}

/* No row: known already. */
static void
s_opened_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) row;
    if (PQntuples(res) == 0)
        return;
    page_add(batch, p, "arr.cases", p->region, 1);
    if (p->code[0])
        page_add(batch, p, p->code, p->region, 1);
}

/* The recovered amount and workers go through the statement and come back
 * with the case's region. */
static int
s_action_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__CaseAction *d = (const Hrss__CaseAction *) msg;
    char amount[24], workers[24];
    snprintf(amount, sizeof amount, "%" PRId64, d->has_amount_fen ? d->amount_fen : 0);
    snprintf(workers, sizeof workers, "%" PRId64, d->has_workers ? d->workers : 0);
    const char *values[] = {d->case_id, amount, workers};
    pending_t *p = page_alone(page, kind, ev, 3, values);
    if (!p)
        return -1;
    snprintf(p->code, sizeof p->code, "%s", d->action);
    return 0;
}

/* No row: unknown or closed case. Else (region, amount, workers). */
static void
s_action_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) == 0)
        return;
    const char *region = PQgetvalue(res, row, 0);
    if (strcmp(p->code, "transferred_to_police") == 0) {
        page_add(batch, p, "arr.cases_to_police", region, 1);
    } else if (strcmp(p->code, "wages_recovered") == 0) {
        page_add(batch, p, "arr.recovered_fen", region, page_int(res, row, 1));
        page_add(batch, p, "arr.workers_helped", region, page_int(res, row, 2));
    }
}

static int
s_closed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__CaseClosed *d = (const Hrss__CaseClosed *) msg;
    const char *values[] = {d->case_id};
    return page_alone(page, kind, ev, 1, values) ? 0 : -1;
}

/* No row: unknown or closed already. Else (region). */
static void
s_closed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (PQntuples(res) > 0)
        page_add(batch, p, "arr.cases_closed", PQgetvalue(res, row, 0), 1);
}

static const reporting_kind_t s_kinds[] = {
    {"arrears.case_opened", "arr_case_open",
        "INSERT INTO arr_cases (case_id, region) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING 1",
     2, {0}, s_opened_join, s_opened_deltas},
    {"arrears.case_action", "arr_case_action",
        "SELECT region, $2::int8, $3::int8 FROM arr_cases WHERE case_id = $1 AND NOT closed",
     3, {0}, s_action_join, s_action_deltas},
    {"arrears.case_closed", "arr_case_close",
        "UPDATE arr_cases SET closed = true WHERE case_id = $1 AND NOT closed RETURNING region",
     1, {0}, s_closed_join, s_closed_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"arr.cases", "arr.cases_coordinated", "arr.cases_filed",
                                       "arr.cases_to_police", "arr.recovered_fen",
                                       "arr.workers_helped", "arr.cases_closed", NULL};

const reporting_aggregate_t reporting_cases = {"cases", s_kinds, s_writes};
