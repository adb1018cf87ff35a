/* Clues (欠薪线索 / 投诉): received with a deadline, closed once. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arrears.h"
#include "timeutil.h"

int
arrears_clue_received(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                      verdict_t *v)
{
    const Hrss__ClueReceived *d = (const Hrss__ClueReceived *) msg;
    int64_t received = cst_days_of_instant(ev->occurred_at_us), due = received + CLUE_DUE_DAYS;
    if (d->due_on) {
        if (date_parse(d->due_on, strlen(d->due_on), &due))   /* the gateway checked it */
            return reject(v, "invalid_date", "data.due_on", "due_on must be a date");
        if (due < received)
            return reject(v, "invalid_date", "data.due_on",
                          "due_on lies before the clue was received");
    }
    if (d->project_id) {
        const char *key[] = {d->project_id};
        PGresult *res = arrears_query(svc, "project_exists",
                                      "SELECT 1 FROM projects WHERE project_id = $1", 1, key);
        if (!res)
            return -1;
        int found = PQntuples(res);
        PQclear(res);
        if (!found)
            return reject(v, "unknown_project", "data.project_id",
                          "no project %s is registered; send arrears.project_registered first",
                          d->project_id);
    }
    char workers[24], amount[24], at[24], received_on[11], due_on[11];
    snprintf(workers, sizeof workers, "%" PRId64, d->workers);
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->clue_id,
                            ev->region,
                            d->source,
                            d->employer_name,
                            d->employer_credit_code,
                            d->project_id,
                            workers,
                            amount,
                            format_date(received, received_on),
                            format_date(due, due_on),
                            at};
    /* a clue is received once: the insert that finds it writes nothing */
    PGresult *res = arrears_query(
        svc, "clue_insert",
        "INSERT INTO clues (clue_id, region, source, employer_name, employer_credit_code,"
        " project_id, workers, amount_fen, received_on, due_on, received_at_us)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (clue_id) DO NOTHING RETURNING 1",
        11, values);
    if (!res)
        return -1;
    int inserted = PQntuples(res);
    PQclear(res);
    if (!inserted)
        return reject(v, "clue_exists", "data.clue_id", "clue %s was received before",
                      d->clue_id);
    return 0;
}

int
arrears_clue_closed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                    verdict_t *v)
{
    const Hrss__ClueClosed *d = (const Hrss__ClueClosed *) msg;
    bool opened = strcmp(d->outcome, "case_opened") == 0;
    if (opened && !d->case_id)
        return reject(v, "missing_field", "data.case_id",
                      "outcome case_opened names the case it opened (case_id)");
    if (!opened && d->case_id)
        return reject(v, "invalid_value", "data.case_id",
                      "case_id goes only with outcome case_opened");
    const char *key[] = {d->clue_id};
    PGresult *res = arrears_query(svc, "clue_state",
                                  "SELECT region, received_at_us, closed_on IS NOT NULL,"
                                  " outcome, case_id FROM clues WHERE clue_id = $1",
                                  1, key);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 0) {
        rc = reject(v, "unknown_clue", "data.clue_id",
                    "no clue %s was received; send arrears.clue_received first", d->clue_id);
    } else if (!arrears_in_scope(ev, PQgetvalue(res, 0, 0))) {
        rc = arrears_out_of_scope(v, "data.clue_id", "clue", PQgetvalue(res, 0, 0));
    } else if (PQgetvalue(res, 0, 2)[0] == 't') {
        /* closed once: the same close again changes nothing, another is refused */
        bool same = strcmp(PQgetvalue(res, 0, 3), d->outcome) == 0 &&
                    (PQgetisnull(res, 0, 4) ? !d->case_id
                                            : d->case_id && strcmp(PQgetvalue(res, 0, 4),
                                                                   d->case_id) == 0);
        rc = same ? 2 : reject(v, "clue_closed", "data.clue_id", "clue %s is closed already",
                               d->clue_id);
    } else if (ev->occurred_at_us < db_get_int64(res, 0, 1)) {
        rc = reject(v, "invalid_date", "occurred_at", "the clue closes before it was received");
    }
    PQclear(res);
    if (rc == 2)
        return 0;
    if (rc)
        return rc;
    if (opened) {
        const char *ckey[] = {d->case_id};
        res = arrears_query(svc, "case_exists", "SELECT 1 FROM cases WHERE case_id = $1", 1,
                            ckey);
        if (!res)
            return -1;
        int found = PQntuples(res);
        PQclear(res);
        if (!found)
            return reject(v, "unknown_case", "data.case_id",
                          "no case %s was opened; send arrears.case_opened first", d->case_id);
    }
    char at[24], on[11];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->clue_id, arrears_day(ev->occurred_at_us, on), at, d->outcome,
                            d->case_id};
    return db_prepared_run(service_db(svc), "clue_close",
                           "UPDATE clues SET closed_on = $2, closed_at_us = $3, outcome = $4,"
                           " case_id = $5 WHERE clue_id = $1",
                           5, values)
               ? -1
               : 0;
}
