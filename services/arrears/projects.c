/* Projects (在建项目) and their wage-guarantee measures: 实名制, 工资专户,
 * 专户代发, 工资保证金. project_id is the key; re-registering a project
 * updates it. */
#include <inttypes.h>
#include <stdio.h>

#include "arrears.h"

int
arrears_project_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                           verdict_t *v)
{
    const Hrss__ProjectRegistered *d = (const Hrss__ProjectRegistered *) msg;
    const char *key[] = {d->project_id};
    PGresult *res = arrears_query(svc, "project_region",
                                  "SELECT region FROM projects WHERE project_id = $1", 1, key);
    if (!res)
        return -1;
    int rc = 0;
    /* an update changes a record: the record's region decides who may */
    if (PQntuples(res) == 1 && !arrears_in_scope(ev, PQgetvalue(res, 0, 0)))
        rc = arrears_out_of_scope(v, "data.project_id", "project", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (rc)
        return rc;
    char workers[24], deposit[24], at[24];
    snprintf(workers, sizeof workers, "%" PRId64, d->workers);
    snprintf(deposit, sizeof deposit, "%" PRId64, d->wage_deposit_fen);
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->project_id,
                            ev->region,
                            d->name,
                            d->contractor_credit_code,
                            d->contractor_name,
                            workers,
                            d->real_name ? "t" : "f",
                            d->wage_account ? "t" : "f",
                            d->paid_via_account ? "t" : "f",
                            deposit,
                            at};
    return db_prepared_run(
               service_db(svc), "project_upsert",
               "INSERT INTO projects (project_id, region, name, contractor_credit_code,"
               " contractor_name, workers, real_name, wage_account, paid_via_account,"
               " wage_deposit_fen, registered_at_us, updated_at_us)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"
               " ON CONFLICT (project_id) DO UPDATE SET region = EXCLUDED.region,"
               " name = EXCLUDED.name, contractor_credit_code = EXCLUDED.contractor_credit_code,"
               " contractor_name = EXCLUDED.contractor_name, workers = EXCLUDED.workers,"
               " real_name = EXCLUDED.real_name, wage_account = EXCLUDED.wage_account,"
               " paid_via_account = EXCLUDED.paid_via_account,"
               " wage_deposit_fen = EXCLUDED.wage_deposit_fen,"
               " updated_at_us = EXCLUDED.updated_at_us",
               11, values)
               ? -1
               : 0;
}
