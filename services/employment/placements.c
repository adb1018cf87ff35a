/* The public-welfare posts aggregate (公益性岗位安置): one row per placement
 * of a living registered person. */
#include <stdlib.h>

#include "employment.h"

int
employment_public_welfare_placed(service_t *svc, Hrss__Event *const *events,
                                 ProtobufCMessage *const *data, size_t n)
{
    enum { ID, REGION, KIND, POST, SUBSIDY, AT, NCOLS };
    static const uint32_t types[NCOLS] = {PGARRAY_BPCHAR, PGARRAY_BPCHAR, PGARRAY_TEXT,
                                          PGARRAY_TEXT,   PGARRAY_INT8,   PGARRAY_INT8};
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__PublicWelfarePlaced *d = (const Hrss__PublicWelfarePlaced *) data[k];
        pgarray_add_text(&cols[ID], d->id_number);
        pgarray_add_text(&cols[REGION], events[k]->region);
        pgarray_add_text(&cols[KIND], d->kind);
        pgarray_add_text(&cols[POST], d->post);
        pgarray_add_int64(&cols[SUBSIDY], d->monthly_subsidy_fen);
        pgarray_add_int64(&cols[AT], events[k]->occurred_at_us);
    }
    return service_send_run(
        svc, "placements_add",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::char(12)[], $3::text[], $4::text[],"
        " $5::bigint[], $6::bigint[]) WITH ORDINALITY"
        " AS u(id, region, kind, post, subsidy, at, ord)),"
        " v AS (SELECT u.*, " EMP_PERSON_VERDICT("u.id") " AS verdict FROM u),"
        " ins AS (INSERT INTO placements (id_number, region, kind, post, monthly_subsidy_fen,"
        " at_us) SELECT id, region, kind, post, subsidy, at FROM v WHERE verdict IS NULL)"
        " SELECT verdict FROM v ORDER BY ord",
        cols, NCOLS);
}

int
employment_placements_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                             arena_t *arena)
{
    const char *values[] = {id_number};
    PGresult *res = db_prepared(service_db(svc), "person_placements",
                                "SELECT kind, region, " EMP_CST_DATE("at_us") ", post,"
                                " monthly_subsidy_fen FROM placements WHERE id_number = $1"
                                " ORDER BY at_us, placement_no",
                                1, values, NULL, NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    r->placements = arena_alloc(arena, (size_t) (n ? n : 1) * sizeof *r->placements);
    for (int i = 0; r->placements && i < n; i++) {
        Hrss__LaborPlacement *x = arena_alloc(arena, sizeof *x);
        if (!x)
            break;
        hrss__labor_placement__init(x);
        x->kind = employment_col(arena, res, i, 0);
        x->region = employment_col(arena, res, i, 1);
        x->placed_on = employment_col(arena, res, i, 2);
        x->post = employment_col(arena, res, i, 3);
        x->monthly_subsidy_fen = strtoll(PQgetvalue(res, i, 4), NULL, 10);
        r->placements[r->n_placements++] = x;
    }
    PQclear(res);
    return 0;
}
