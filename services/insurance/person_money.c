/* The money parts of a person's view: the last 12 payments, the recoveries
 * still open, the last certification; each with its region, so that the
 * gateway can show a part only to a token whose region contains it. */
#include "insurance.h"
#include "timeutil.h"

int
insurance_person_money(service_t *svc, const char *id_number, Hrss__PersonPart *part,
                       arena_t *arena)
{
    db_t *db = service_db(svc);
    const char *values[] = {id_number};
    PGresult *res = db_prepared(db, "person_payments",
                                "SELECT scheme, period, amount_fen, region FROM payments"
                                " WHERE id_number = $1 ORDER BY period DESC, scheme LIMIT 12",
                                1, values, NULL, NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    part->payments = arena_alloc(arena, ((size_t) n + 1) * sizeof(void *));
    for (int i = 0; part->payments && i < n; i++) {
        Hrss__PaidMonth *p = arena_alloc(arena, sizeof *p);
        if (!p)
            break;
        hrss__paid_month__init(p);
        char period[8];
        p->scheme = arena_strdup(arena, PQgetvalue(res, i, 0));
        p->period = arena_strdup(arena, format_period((int) db_get_int64(res, i, 1), period));
        p->amount_fen = db_get_int64(res, i, 2);
        p->region = arena_strdup(arena, PQgetvalue(res, i, 3));
        part->payments[part->n_payments++] = p;
    }
    PQclear(res);

    res = db_prepared(db, "person_recoveries",
                      "SELECT record_id, 'death', scheme, period, amount_fen - recovered_fen,"
                      " region FROM recoveries WHERE id_number = $1 AND status = 'open'"
                      " UNION ALL SELECT record_id, 'rectification', scheme, NULL,"
                      " rectify_fen - recovered_fen, region FROM suspicious_records"
                      " WHERE id_number = $1 AND status = 'rectify' AND rectify_fen > recovered_fen"
                      " ORDER BY 1",
                      1, values, NULL, NULL);
    if (!res)
        return -1;
    n = PQntuples(res);
    part->recoveries = arena_alloc(arena, ((size_t) n + 1) * sizeof(void *));
    int64_t open_total = 0;
    for (int i = 0; part->recoveries && i < n; i++) {
        Hrss__OpenRecovery *r = arena_alloc(arena, sizeof *r);
        if (!r)
            break;
        hrss__open_recovery__init(r);
        char period[8];
        r->record_id = arena_strdup(arena, PQgetvalue(res, i, 0));
        r->kind = arena_strdup(arena, PQgetvalue(res, i, 1));
        r->scheme = arena_strdup(arena, PQgetvalue(res, i, 2));
        if (!PQgetisnull(res, i, 3))
            r->period =
                arena_strdup(arena, format_period((int) db_get_int64(res, i, 3), period));
        r->open_fen = db_get_int64(res, i, 4);
        r->region = arena_strdup(arena, PQgetvalue(res, i, 5));
        open_total += r->open_fen;
        part->recoveries[part->n_recoveries++] = r;
    }
    PQclear(res);
    part->has_recoveries_open_fen = 1;
    part->recoveries_open_fen = open_total;

    res = db_prepared(db, "person_certification",
                      "SELECT certified_on, channel, region FROM certifications"
                      " WHERE id_number = $1 ORDER BY certified_on DESC LIMIT 1",
                      1, values, NULL, NULL);
    if (!res)
        return -1;
    if (PQntuples(res) == 1) {
        Hrss__CertificationView *c = arena_alloc(arena, sizeof *c);
        if (c) {
            hrss__certification_view__init(c);
            c->certified_on = arena_strdup(arena, PQgetvalue(res, 0, 0));
            c->channel = arena_strdup(arena, PQgetvalue(res, 0, 1));
            c->region = arena_strdup(arena, PQgetvalue(res, 0, 2));
            part->last_certification = c;
        }
    }
    PQclear(res);
    return 0;
}
