/* The trainings aggregate (职业技能培训 / 创业培训): one row per training
 * completed, each counting once (人次). */
#include "employment.h"

int
employment_training_completed(service_t *svc, Hrss__Event *const *events,
                              ProtobufCMessage *const *data, size_t n)
{
    enum { ID, REGION, PROGRAM, OCCUPATION, PASSED, AT, NCOLS };
    static const uint32_t types[NCOLS] = {PGARRAY_BPCHAR, PGARRAY_BPCHAR, PGARRAY_TEXT,
                                          PGARRAY_TEXT,   PGARRAY_INT8,   PGARRAY_INT8};
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__TrainingCompleted *d = (const Hrss__TrainingCompleted *) data[k];
        pgarray_add_text(&cols[ID], d->id_number);
        pgarray_add_text(&cols[REGION], events[k]->region);
        pgarray_add_text(&cols[PROGRAM], d->program);
        pgarray_add_text(&cols[OCCUPATION], d->occupation);
        pgarray_add_int64(&cols[PASSED], d->passed ? 1 : 0);
        pgarray_add_int64(&cols[AT], events[k]->occurred_at_us);
    }
    return service_send_run(
        svc, "trainings_add",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::char(12)[], $3::text[], $4::text[],"
        " $5::bigint[], $6::bigint[]) WITH ORDINALITY"
        " AS u(id, region, program, occupation, passed, at, ord)),"
        " v AS (SELECT u.*, " EMP_PERSON_VERDICT("u.id") " AS verdict FROM u),"
        " ins AS (INSERT INTO trainings (id_number, region, program, occupation, passed, at_us)"
        " SELECT id, region, program, occupation, passed <> 0, at FROM v WHERE verdict IS NULL)"
        " SELECT verdict FROM v ORDER BY ord",
        cols, NCOLS);
}

int
employment_trainings_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                            arena_t *arena)
{
    const char *values[] = {id_number};
    PGresult *res = db_prepared(service_db(svc), "person_trainings",
                                "SELECT program, region, " EMP_CST_DATE("at_us") ", occupation,"
                                " passed FROM trainings WHERE id_number = $1"
                                " ORDER BY at_us, training_no",
                                1, values, NULL, NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    r->trainings = arena_alloc(arena, (size_t) (n ? n : 1) * sizeof *r->trainings);
    for (int i = 0; r->trainings && i < n; i++) {
        Hrss__LaborTraining *x = arena_alloc(arena, sizeof *x);
        if (!x)
            break;
        hrss__labor_training__init(x);
        x->program = employment_col(arena, res, i, 0);
        x->region = employment_col(arena, res, i, 1);
        x->completed_on = employment_col(arena, res, i, 2);
        x->occupation = employment_col(arena, res, i, 3);
        x->passed = PQgetvalue(res, i, 4)[0] == 't';
        r->trainings[r->n_trainings++] = x;
    }
    PQclear(res);
    return 0;
}
