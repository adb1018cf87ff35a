/* Event handlers of hrss-insurance and its part of the person view. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insurance.h"
#include "timeutil.h"

static int
s_exec(db_t *db, const char *name, const char *sql, int n, const char *const *values)
{
    PGresult *res = db_prepared(db, name, sql, n, values, NULL, NULL);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

/* 1 (rejected) when the person is recorded deceased, -1 on error, else 0. */
static int
s_refuse_deceased(db_t *db, const char *id_number, verdict_t *v)
{
    const char *values[] = {id_number};
    PGresult *res = db_prepared(db, "death_known", "SELECT 1 FROM deaths WHERE id_number = $1",
                                1, values, NULL, NULL);
    if (!res)
        return -1;
    int dead = PQntuples(res) > 0;
    PQclear(res);
    return dead ? reject(v, "person_deceased", "data.id_number", "the person is recorded deceased")
                : 0;
}

static int
s_enrolled(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    const Hrss__Enrolled *d = (const Hrss__Enrolled *) msg;
    int rc = s_refuse_deceased(service_db(svc), d->id_number, v);
    if (rc)
        return rc;
    /* Enrolling again in a scheme one is enrolled in changes nothing. */
    const char *values[] = {d->id_number, d->scheme, ev->region, d->employer_credit_code,
                            d->enrolled_on};
    return s_exec(service_db(svc), "enroll",
                  "INSERT INTO enrollments (id_number, scheme, region, employer_credit_code,"
                  " enrolled_on) VALUES ($1, $2, $3, $4, $5)"
                  " ON CONFLICT (id_number, scheme) DO NOTHING",
                  5, values);
}

static int
s_benefit_started(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    const Hrss__BenefitStarted *d = (const Hrss__BenefitStarted *) msg;
    int rc = s_refuse_deceased(service_db(svc), d->id_number, v);
    if (rc)
        return rc;
    int period;
    if (period_parse(d->first_period, strlen(d->first_period), &period))
        return reject(v, "invalid_period", "data.first_period", "first_period must be YYYY-MM");
    char amount[24], first[16];
    snprintf(amount, sizeof amount, "%" PRId64, d->monthly_amount_fen);
    snprintf(first, sizeof first, "%d", period);
    const char *values[] = {d->id_number, d->scheme, ev->region, amount, first};
    /* 待遇核定 again (a recalculation) replaces the amount and keeps the status. */
    return s_exec(service_db(svc), "benefit_upsert",
                  "INSERT INTO benefits (id_number, scheme, region, monthly_amount_fen,"
                  " first_period) VALUES ($1, $2, $3, $4, $5)"
                  " ON CONFLICT (id_number, scheme) DO UPDATE SET"
                  " monthly_amount_fen = EXCLUDED.monthly_amount_fen,"
                  " first_period = EXCLUDED.first_period, region = EXCLUDED.region",
                  5, values);
}

static int
s_death_reported(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    const Hrss__DeathReported *d = (const Hrss__DeathReported *) msg;
    db_t *db = service_db(svc);
    int64_t died;
    if (date_parse(d->died_on, strlen(d->died_on), &died))
        return reject(v, "invalid_date", "data.died_on", "died_on must be a date");
    if (died > cst_days_of_instant(ev->occurred_at_us))
        return reject(v, "invalid_date", "data.died_on", "died_on lies after the report");
    char at[24];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->id_number, d->died_on, ev->region, at};
    PGresult *res = db_prepared(db, "death_insert",
                                "INSERT INTO deaths (id_number, died_on, region, reported_at_us)"
                                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                                4, values, NULL, NULL);
    if (!res)
        return -1;
    int first_report = PQntuples(res);
    PQclear(res);
    if (!first_report)
        return 0;   /* a second village report of the same death: nothing more to stop */

    /* Benefits stop from the month after the death; months already paid
     * beyond it become recoveries. */
    char from[16];
    snprintf(from, sizeof from, "%d", period_add(period_of_days(died), 1));
    const char *susp[] = {d->id_number, from};
    res = db_prepared(db, "benefits_suspend",
                      "UPDATE benefits SET status = 'suspended', suspended_from = $2"
                      " WHERE id_number = $1 AND status = 'active' RETURNING scheme",
                      2, susp, NULL, NULL);
    if (!res)
        return -1;
    int suspended = PQntuples(res);
    PQclear(res);
    if (s_exec(db, "recoveries_from_death",
               "INSERT INTO recoveries (id_number, scheme, period, region, amount_fen)"
               " SELECT id_number, scheme, period, region, amount_fen FROM payments"
               " WHERE id_number = $1 AND period >= $2 ON CONFLICT DO NOTHING",
               2, susp) ||
        s_exec(db, "enrollments_end",
               "UPDATE enrollments SET status = 'ended', ended_on = $2"
               " WHERE id_number = $1 AND status = 'active'",
               2, values))
        return -1;

    Hrss__InsurancePersonDeceased out = HRSS__INSURANCE_PERSON_DECEASED__INIT;
    char from_text[8];
    out.id_number = d->id_number;
    out.died_on = d->died_on;
    out.suspended_from = format_period(period_add(period_of_days(died), 1), from_text);
    out.benefits_suspended = suspended;
    return service_emit(svc, ev, "insurance.person_deceased", ev->region, ev->occurred_at_us,
                        &out.base);
}

const event_handler_t insurance_event_handlers[] = {
    {"insurance.enrolled", s_enrolled},
    {"insurance.benefit_started", s_benefit_started},
    {"insurance.death_reported", s_death_reported},
    {NULL, NULL}};

/* ---- person view ------------------------------------------------------------ */

int
insurance_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply, arena_t *arena)
{
    db_t *db = service_db(svc);
    const char *values[] = {req->person->id_number};
    Hrss__PersonPart *part = arena_alloc(arena, sizeof *part);
    hrss__person_part__init(part);
    part->service = "insurance";

    PGresult *res = db_prepared(db, "person_enrollments",
                                "SELECT scheme, region, enrolled_on, employer_credit_code, status"
                                " FROM enrollments WHERE id_number = $1 ORDER BY scheme",
                                1, values, NULL, NULL);
    if (!res)
        goto fail;
    part->n_enrollments = (size_t) PQntuples(res);
    part->enrollments = arena_alloc(arena, (part->n_enrollments + 1) * sizeof(void *));
    for (size_t i = 0; i < part->n_enrollments; i++) {
        Hrss__Enrollment *e = arena_alloc(arena, sizeof *e);
        hrss__enrollment__init(e);
        e->scheme = arena_strdup(arena, PQgetvalue(res, (int) i, 0));
        e->region = arena_strdup(arena, PQgetvalue(res, (int) i, 1));
        e->enrolled_on = arena_strdup(arena, PQgetvalue(res, (int) i, 2));
        if (!PQgetisnull(res, (int) i, 3))
            e->employer_credit_code = arena_strdup(arena, PQgetvalue(res, (int) i, 3));
        e->status = arena_strdup(arena, PQgetvalue(res, (int) i, 4));
        part->enrollments[i] = e;
    }
    PQclear(res);

    res = db_prepared(db, "person_benefits",
                      "SELECT scheme, monthly_amount_fen, first_period, status, suspended_from"
                      " FROM benefits WHERE id_number = $1 ORDER BY scheme",
                      1, values, NULL, NULL);
    if (!res)
        goto fail;
    part->n_benefits = (size_t) PQntuples(res);
    part->benefits = arena_alloc(arena, (part->n_benefits + 1) * sizeof(void *));
    for (size_t i = 0; i < part->n_benefits; i++) {
        Hrss__Benefit *b = arena_alloc(arena, sizeof *b);
        hrss__benefit__init(b);
        char period[8];
        b->scheme = arena_strdup(arena, PQgetvalue(res, (int) i, 0));
        b->monthly_amount_fen = db_get_int64(res, (int) i, 1);
        b->first_period =
            arena_strdup(arena, format_period((int) db_get_int64(res, (int) i, 2), period));
        b->status = arena_strdup(arena, PQgetvalue(res, (int) i, 3));
        if (!PQgetisnull(res, (int) i, 4))
            b->suspended_from =
                arena_strdup(arena, format_period((int) db_get_int64(res, (int) i, 4), period));
        part->benefits[i] = b;
    }
    PQclear(res);

    res = db_prepared(db, "person_recoveries_death",
                      "SELECT (SELECT coalesce(sum(amount_fen), 0) FROM recoveries"
                      "         WHERE id_number = $1 AND status = 'open'),"
                      "       (SELECT died_on FROM deaths WHERE id_number = $1)",
                      1, values, NULL, NULL);
    if (!res)
        goto fail;
    part->has_recoveries_open_fen = 1;
    part->recoveries_open_fen = db_get_int64(res, 0, 0);
    if (!PQgetisnull(res, 0, 1))
        part->died_on = arena_strdup(arena, PQgetvalue(res, 0, 1));
    PQclear(res);
    part->known = part->n_enrollments > 0 || part->n_benefits > 0 || part->died_on;
    reply->body_case = HRSS__REPLY__BODY_PERSON;
    reply->person = part;
    return 0;
fail:
    return service_fail(reply, arena, "unavailable", db_error(db), true);
}
