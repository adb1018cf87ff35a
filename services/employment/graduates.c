/* The graduates aggregate (离校未就业高校毕业生跟踪服务): the latest status
 * of each person and year of graduation, by occurred_at, so that a late
 * report of an older visit does not overwrite a newer one. */
#include <stdlib.h>

#include "employment.h"

int
employment_graduate_followed_up(service_t *svc, Hrss__Event *const *events,
                                ProtobufCMessage *const *data, size_t n)
{
    enum { ID, YEAR, STATUS, REGION, AT, NCOLS };
    static const uint32_t types[NCOLS] = {PGARRAY_BPCHAR, PGARRAY_INT8, PGARRAY_TEXT,
                                          PGARRAY_BPCHAR, PGARRAY_INT8};
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__GraduateFollowedUp *d = (const Hrss__GraduateFollowedUp *) data[k];
        pgarray_add_text(&cols[ID], d->id_number);
        pgarray_add_int64(&cols[YEAR], d->graduation_year);
        pgarray_add_text(&cols[STATUS], d->status);
        pgarray_add_text(&cols[REGION], events[k]->region);
        pgarray_add_int64(&cols[AT], events[k]->occurred_at_us);
    }
    return service_send_run(
        svc, "graduates_follow_up",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::bigint[], $3::text[],"
        " $4::char(12)[], $5::bigint[]) WITH ORDINALITY AS u(id, year, status, region, at, ord)),"
        " v AS (SELECT u.*, " EMP_PERSON_VERDICT("u.id") " AS verdict FROM u),"
        " up AS (INSERT INTO graduates (id_number, graduation_year, status, region, at_us)"
        " SELECT id, year, status, region, at FROM v WHERE verdict IS NULL"
        " ON CONFLICT (id_number, graduation_year) DO UPDATE SET status = EXCLUDED.status,"
        " region = EXCLUDED.region, at_us = EXCLUDED.at_us"
        " WHERE graduates.at_us <= EXCLUDED.at_us)"
        " SELECT verdict FROM v ORDER BY ord",
        cols, NCOLS);
}

int
employment_graduates_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                            arena_t *arena)
{
    const char *values[] = {id_number};
    PGresult *res = db_prepared(service_db(svc), "person_graduates",
                                "SELECT graduation_year, region, " EMP_CST_DATE("at_us") ", status"
                                " FROM graduates WHERE id_number = $1 ORDER BY graduation_year",
                                1, values, NULL, NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    r->graduate_statuses =
        arena_alloc(arena, (size_t) (n ? n : 1) * sizeof *r->graduate_statuses);
    for (int i = 0; r->graduate_statuses && i < n; i++) {
        Hrss__LaborGraduateStatus *x = arena_alloc(arena, sizeof *x);
        if (!x)
            break;
        hrss__labor_graduate_status__init(x);
        x->graduation_year = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        x->region = employment_col(arena, res, i, 1);
        x->followed_up_on = employment_col(arena, res, i, 2);
        x->status = employment_col(arena, res, i, 3);
        r->graduate_statuses[r->n_graduate_statuses++] = x;
    }
    PQclear(res);
    return 0;
}
