/* Cases (欠薪案件): opened by coordination (协调处理) or filing (立案), then
 * rectification orders (限期改正指令书), transfer to the police (移交公安)
 * and wages recovered (追回工资), until closed (结案). A closed case takes no
 * more actions. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arrears.h"

/* 0 when the statement `sql` finds the record `id`, 1 with the verdict
 * (`code`, `field`) otherwise, -1 on a database error. */
static int
s_known(service_t *svc, const char *name, const char *sql, const char *id, verdict_t *v,
        const char *code, const char *field, const char *what)
{
    const char *key[] = {id};
    PGresult *res = arrears_query(svc, name, sql, 1, key);
    if (!res)
        return -1;
    int found = PQntuples(res);
    PQclear(res);
    return found ? 0 : reject(v, code, field, "no %s %s is known", what, id);
}

int
arrears_case_opened(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                    verdict_t *v)
{
    const Hrss__CaseOpened *d = (const Hrss__CaseOpened *) msg;
    int rc = 0;
    if (d->project_id)
        rc = s_known(svc, "project_exists", "SELECT 1 FROM projects WHERE project_id = $1",
                     d->project_id, v, "unknown_project", "data.project_id", "project");
    if (rc == 0 && d->clue_id)
        rc = s_known(svc, "clue_exists", "SELECT 1 FROM clues WHERE clue_id = $1", d->clue_id, v,
                     "unknown_clue", "data.clue_id", "clue");
    if (rc)
        return rc;
    char workers[24], owed[24], at[24], on[11];
    snprintf(workers, sizeof workers, "%" PRId64, d->workers);
    snprintf(owed, sizeof owed, "%" PRId64, d->amount_owed_fen);
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->case_id,   ev->region, d->mode,  d->employer_name,
                            d->employer_credit_code,  d->project_id,
                            d->clue_id,   workers,    owed,     arrears_day(ev->occurred_at_us, on),
                            at};
    PGresult *res = arrears_query(
        svc, "case_insert",
        "INSERT INTO cases (case_id, region, mode, employer_name, employer_credit_code,"
        " project_id, clue_id, workers, amount_owed_fen, opened_on, opened_at_us)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (case_id) DO NOTHING RETURNING 1",
        11, values);
    if (!res)
        return -1;
    int inserted = PQntuples(res);
    PQclear(res);
    return inserted ? 0
                    : reject(v, "case_exists", "data.case_id", "case %s was opened before",
                             d->case_id);
}

/* An open case of the pusher's region that `ev` may act on: 0, or 1 with
 * the verdict. */
static int
s_open_case(service_t *svc, const Hrss__Event *ev, const char *case_id, verdict_t *v)
{
    const char *key[] = {case_id};
    PGresult *res = arrears_query(
        svc, "case_state", "SELECT region, opened_at_us, closed_on IS NOT NULL FROM cases"
                           " WHERE case_id = $1",
        1, key);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 0)
        rc = reject(v, "unknown_case", "data.case_id",
                    "no case %s was opened; send arrears.case_opened first", case_id);
    else if (!arrears_in_scope(ev, PQgetvalue(res, 0, 0)))
        rc = arrears_out_of_scope(v, "data.case_id", "case", PQgetvalue(res, 0, 0));
    else if (PQgetvalue(res, 0, 2)[0] == 't')
        rc = reject(v, "case_closed", "data.case_id",
                    "case %s is closed and takes no more actions", case_id);
    else if (ev->occurred_at_us < db_get_int64(res, 0, 1))
        rc = reject(v, "invalid_date", "occurred_at", "the case was opened after this");
    PQclear(res);
    return rc;
}

int
arrears_case_action(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                    verdict_t *v)
{
    const Hrss__CaseAction *d = (const Hrss__CaseAction *) msg;
    bool recovered = strcmp(d->action, "wages_recovered") == 0;
    if (recovered && !d->has_amount_fen)
        return reject(v, "missing_field", "data.amount_fen",
                      "wages_recovered says how much was recovered (amount_fen)");
    if (recovered && !d->has_workers)
        return reject(v, "missing_field", "data.workers",
                      "wages_recovered says for how many workers (workers)");
    int rc = s_open_case(svc, ev, d->case_id, v);
    if (rc)
        return rc;
    char amount[24], workers[24], at[24];
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    snprintf(workers, sizeof workers, "%" PRId64, d->workers);
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->case_id, ev->id, d->action,
                            d->has_amount_fen ? amount : NULL, d->has_workers ? workers : NULL,
                            at};
    return db_prepared_run(
               service_db(svc), "case_act",
               "WITH act AS (INSERT INTO case_actions (case_id, event_id, action, amount_fen,"
               " workers, at_us) VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6))"
               " UPDATE cases SET"
               " rectification_orders = rectification_orders"
               "   + CASE WHEN $3 = 'rectification_order' THEN 1 ELSE 0 END,"
               " to_police = to_police OR $3 = 'transferred_to_police',"
               " recovered_fen = recovered_fen"
               "   + CASE WHEN $3 = 'wages_recovered' THEN $4::bigint ELSE 0 END,"
               " workers_helped = workers_helped"
               "   + CASE WHEN $3 = 'wages_recovered' THEN $5::bigint ELSE 0 END"
               " WHERE case_id = $1",
               6, values)
               ? -1
               : 0;
}

int
arrears_case_closed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                    verdict_t *v)
{
    const Hrss__CaseClosed *d = (const Hrss__CaseClosed *) msg;
    int rc = s_open_case(svc, ev, d->case_id, v);
    if (rc)
        return rc;
    char at[24], on[11];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->case_id, arrears_day(ev->occurred_at_us, on), at};
    return db_prepared_run(service_db(svc), "case_close",
                           "UPDATE cases SET closed_on = $2, closed_at_us = $3 WHERE case_id = $1",
                           3, values)
               ? -1
               : 0;
}
