/* Event handlers of hrss-employment, one per event type it owns, and the
 * handler of insurance's feed. Each checks before it writes; the framework
 * rolls a rejected event back to its savepoint anyway. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "employment.h"
#include "event_types.h"
#include "pgarray.h"

/* Each statement below takes a run of events about distinct persons (see
 * event_handler_t), checks each person's state and writes only where the
 * event may apply, in one round trip sent in a pipeline with its neighbours.
 * Its rows, one per event in order, name the rejection, or are NULL where
 * the event was applied. */
static int
s_verdict(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
          const PGresult *res, int row, verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    if (PQgetisnull(res, row, 0))
        return 0;
    const char *code = PQgetvalue(res, row, 0);
    if (strcmp(code, "person_deceased") == 0)
        return reject(v, "person_deceased", "data.id_number", "the person is recorded deceased");
    return reject(v, "unknown_person", "data.id_number",
                  "the person is not in the labor registry; send employment.person_registered "
                  "first");
}

/* The statements below find each person once, by the write itself: an
 * update applies to a known, living person (`LIVING`: no death recorded on
 * the row nor learnt from insurance); only for an event it did not apply to
 * does the answer look further, to tell a deceased person from an unknown
 * one. All parts of a statement see the persons as they were before it. */
#define LIVING(p, id)                                                                         \
    " " p ".died_on IS NULL AND NOT EXISTS (SELECT 1 FROM deaths d WHERE d.id_number = " id ")"
#define UPDATE_VERDICT                                                                        \
    " SELECT CASE WHEN up.id_number IS NOT NULL THEN NULL"                                    \
    " WHEN EXISTS (SELECT 1 FROM persons p WHERE p.id_number = u.id)"                        \
    " OR EXISTS (SELECT 1 FROM deaths d WHERE d.id_number = u.id) THEN 'person_deceased'"     \
    " ELSE 'unknown_person' END FROM u LEFT JOIN up ON up.id_number = u.id ORDER BY u.ord"

static int
s_person_registered(service_t *svc, Hrss__Event *const *events, ProtobufCMessage *const *data,
                    size_t n)
{
    enum { ID, NAME, REGION, HOUSEHOLD, CATEGORIES, EDUCATION, PHONE, AT, NCOLS };
    static const uint32_t types[NCOLS] = {PGARRAY_BPCHAR, PGARRAY_TEXT, PGARRAY_BPCHAR,
                                          PGARRAY_TEXT,   PGARRAY_TEXT, PGARRAY_TEXT,
                                          PGARRAY_TEXT,   PGARRAY_INT8};
    pgarray_t cols[NCOLS], categories;
    pgarray_init_types(cols, types, NCOLS);
    pgarray_init(&categories);
    for (size_t k = 0; k < n; k++) {
        const Hrss__PersonRegistered *d = (const Hrss__PersonRegistered *) data[k];
        pgarray_reset(&categories);
        for (size_t i = 0; i < d->n_categories; i++)
            pgarray_add_text(&categories, d->categories[i]);
        pgarray_add_text(&cols[ID], d->id_number);
        pgarray_add_text(&cols[NAME], d->name);
        pgarray_add_text(&cols[REGION], events[k]->region);
        pgarray_add_text(&cols[HOUSEHOLD], d->household);
        /* an array per person: its literal, cast back in SQL */
        const char *literal = pgarray_literal(&categories);
        if (!literal)
            cols[CATEGORIES].failed = 1;
        pgarray_add_text(&cols[CATEGORIES], literal ? literal : "{}");
        pgarray_add_text(&cols[EDUCATION], d->education);
        pgarray_add_text(&cols[PHONE], d->phone);
        pgarray_add_int64(&cols[AT], events[k]->occurred_at_us);
    }
    pgarray_free(&categories);
    /* a new person, or an update of a living one (re-sending updates) */
    return service_send_run(
        svc, "persons_register",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[], $3::char(12)[], $4::text[],"
        " $5::text[], $6::text[], $7::text[], $8::bigint[]) WITH ORDINALITY"
        " AS u(id, name, region, household, categories, education, phone, at, ord)),"
        " up AS (INSERT INTO persons (id_number, name, region, household, categories,"
        " education, phone, registered_at_us, updated_at_us)"
        " SELECT id, name, region, household, categories::text[], education, phone, at, at"
        " FROM u WHERE NOT EXISTS (SELECT 1 FROM deaths d WHERE d.id_number = u.id)"
        " ON CONFLICT (id_number) DO UPDATE SET name = EXCLUDED.name,"
        " region = EXCLUDED.region, household = EXCLUDED.household,"
        " categories = EXCLUDED.categories, education = EXCLUDED.education,"
        " phone = EXCLUDED.phone, updated_at_us = EXCLUDED.updated_at_us"
        " WHERE persons.died_on IS NULL RETURNING id_number)"
        " SELECT CASE WHEN up.id_number IS NULL THEN 'person_deceased' END"
        " FROM u LEFT JOIN up ON up.id_number = u.id ORDER BY u.ord",
        cols, NCOLS);
}

static int
s_unemployment_registered(service_t *svc, Hrss__Event *const *events,
                          ProtobufCMessage *const *data, size_t n)
{
    enum { ID, ON, REGION, NCOLS };
    static const uint32_t types[NCOLS] = {PGARRAY_BPCHAR, PGARRAY_LITERAL, PGARRAY_BPCHAR};
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__UnemploymentRegistered *d = (const Hrss__UnemploymentRegistered *) data[k];
        pgarray_add_text(&cols[ID], d->id_number);
        pgarray_add_text(&cols[ON], d->registered_on);
        pgarray_add_text(&cols[REGION], events[k]->region);
    }
    /* Registering unemployment ends any current employment. */
    return service_send_run(svc, "persons_unemployed",
                          "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::date[],"
                          " $3::char(12)[]) WITH ORDINALITY AS u(id, since, region, ord)),"
                          " up AS (UPDATE persons p SET unemployed_since = u.since,"
                          " unemployed_region = u.region, employment_kind = NULL,"
                          " employment_location = NULL, employer_credit_code = NULL,"
                          " employer_name = NULL, employed_since = NULL"
                          " FROM u WHERE p.id_number = u.id AND" LIVING("p", "u.id")
                          " RETURNING p.id_number)" UPDATE_VERDICT,
                          cols, NCOLS);
}

static int
s_employed(service_t *svc, Hrss__Event *const *events, ProtobufCMessage *const *data, size_t n)
{
    (void) events;
    enum { ID, KIND, LOCATION, CREDIT_CODE, EMPLOYER, SINCE, NCOLS };
    static const uint32_t types[NCOLS] = {PGARRAY_BPCHAR, PGARRAY_TEXT,   PGARRAY_TEXT,
                                          PGARRAY_BPCHAR, PGARRAY_TEXT,   PGARRAY_LITERAL};
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__Employed *d = (const Hrss__Employed *) data[k];
        pgarray_add_text(&cols[ID], d->id_number);
        pgarray_add_text(&cols[KIND], d->kind);
        pgarray_add_text(&cols[LOCATION], d->location);
        pgarray_add_text(&cols[CREDIT_CODE], d->employer_credit_code);
        pgarray_add_text(&cols[EMPLOYER], d->employer_name);
        pgarray_add_text(&cols[SINCE], d->started_on);
    }
    /* Employment ends registered unemployment. */
    return service_send_run(svc, "persons_employed",
                          "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[], $3::text[],"
                          " $4::char(18)[], $5::text[], $6::date[]) WITH ORDINALITY"
                          " AS u(id, kind, location, credit_code, employer, since, ord)),"
                          " up AS (UPDATE persons p SET employment_kind = u.kind,"
                          " employment_location = u.location,"
                          " employer_credit_code = u.credit_code, employer_name = u.employer,"
                          " employed_since = u.since,"
                          " unemployed_since = NULL, unemployed_region = NULL"
                          " FROM u WHERE p.id_number = u.id AND" LIVING("p", "u.id")
                          " RETURNING p.id_number)" UPDATE_VERDICT,
                          cols, NCOLS);
}

const event_handler_t employment_event_handlers[] = {
    {.type = "employment.person_registered", .send = s_person_registered, .key = service_person_key,
     .result = s_verdict},
    {.type = "employment.unemployment_registered", .send = s_unemployment_registered,
     .key = service_person_key, .result = s_verdict},
    {.type = "employment.employed", .send = s_employed, .key = service_person_key,
     .result = s_verdict},
    /* the other aggregates: jobs.c, fairs.c, graduates.c, trainings.c,
     * placements.c, funds.c */
    {.type = "employment.job_posted", .check = employment_job_check,
     .send = employment_job_posted, .key = employment_job_key, .result = employment_job_result},
    {.type = "employment.job_recommended", .send = employment_job_recommended,
     .key = service_person_key, .result = employment_recommendation_verdict},
    {.type = "employment.recommendation_result", .send = employment_recommendation_result,
     .key = service_person_key, .result = employment_recommendation_verdict},
    {.type = "employment.job_fair_held", .send = employment_job_fair_held,
     .key = employment_fair_key, .result = employment_fair_result},
    {.type = "employment.graduate_followed_up", .send = employment_graduate_followed_up,
     .key = service_person_key, .result = employment_person_result},
    {.type = "employment.training_completed", .send = employment_training_completed,
     .key = service_person_key, .result = employment_person_result},
    {.type = "employment.public_welfare_placed", .send = employment_public_welfare_placed,
     .key = service_person_key, .result = employment_person_result},
    {.type = "employment.startup_loan_disbursed", .check = employment_loan_check,
     .send = employment_startup_loan_disbursed, .key = employment_loan_key,
     .result = employment_loan_result},
    {.type = "employment.subsidy_paid", .check = employment_subsidy_check,
     .send = employment_subsidy_paid, .key = employment_subsidy_key,
     .result = employment_subsidy_result},
    {.type = NULL}};

/* ---- insurance's feed ------------------------------------------------------ */

static int
s_on_person_deceased(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__InsurancePersonDeceased *d = (const Hrss__InsurancePersonDeceased *) msg;
    db_t *db = service_db(svc);
    const char *values[] = {d->id_number, d->died_on};
    if (db_prepared_run(db, "death_insert",
               "INSERT INTO deaths (id_number, died_on) VALUES ($1, $2)"
               " ON CONFLICT DO NOTHING",
               2, values))
        return -1;
    /* Mark a living registered person deceased: leaves the labor force and
     * any registered unemployment. */
    PGresult *res = db_prepared(db, "person_mark_deceased",
                                "UPDATE persons SET died_on = $2, unemployed_since = NULL,"
                                " unemployed_region = NULL"
                                " WHERE id_number = $1 AND died_on IS NULL RETURNING region",
                                2, values, NULL, NULL);
    if (!res)
        return -1;
    int rc = 0;
    if (PQntuples(res) == 1) {
        Hrss__EmploymentPersonDeceased out = HRSS__EMPLOYMENT_PERSON_DECEASED__INIT;
        out.id_number = d->id_number;
        out.died_on = d->died_on;
        rc = service_emit(svc, ev, "employment.person_deceased", PQgetvalue(res, 0, 0),
                          ev->occurred_at_us, &out.base);
    }
    PQclear(res);
    return rc;
}

const feed_handler_t employment_insurance_feed[] = {
    {"insurance.person_deceased", s_on_person_deceased},
    {NULL, NULL}};

/* ---- person view ------------------------------------------------------------ */

static char *
s_col(arena_t *arena, const PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? NULL : arena_strdup(arena, PQgetvalue(res, 0, col));
}

int
employment_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply, arena_t *arena)
{
    const char *values[] = {req->person->id_number};
    PGresult *res = db_prepared(
        service_db(svc), "person_view",
        "SELECT id_number, name, region, household, array_to_string(categories, ','),"
        " education, phone, employment_kind, employment_location, employer_name,"
        " employed_since, unemployed_since, died_on,"
        " (SELECT died_on FROM deaths WHERE id_number = $1)"
        " FROM (SELECT $1::char(18) AS id) q LEFT JOIN persons p ON p.id_number = q.id",
        1, values, NULL, NULL);
    if (!res)
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    Hrss__PersonPart *part = arena_alloc(arena, sizeof *part);
    hrss__person_part__init(part);
    part->service = "employment";
    part->died_on = s_col(arena, res, 13);
    part->known = !PQgetisnull(res, 0, 0);
    if (part->known) {
        Hrss__LaborRecord *r = arena_alloc(arena, sizeof *r);
        hrss__labor_record__init(r);
        r->id_number = s_col(arena, res, 0);
        r->name = s_col(arena, res, 1);
        r->region = s_col(arena, res, 2);
        r->household = s_col(arena, res, 3);
        char *cats = s_col(arena, res, 4);
        for (char *p = cats; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p))
            r->n_categories++;
        r->categories = arena_alloc(arena, (r->n_categories + 1) * sizeof(char *));
        char *save = NULL;
        size_t i = 0;
        for (char *tok = cats ? strtok_r(cats, ",", &save) : NULL; tok && i < r->n_categories;
             tok = strtok_r(NULL, ",", &save))
            r->categories[i++] = tok;
        r->n_categories = i;
        r->education = s_col(arena, res, 5);
        r->phone = s_col(arena, res, 6);
        r->employment_kind = s_col(arena, res, 7);
        r->employment_location = s_col(arena, res, 8);
        r->employer_name = s_col(arena, res, 9);
        r->employed_since = s_col(arena, res, 10);
        r->unemployed_since = s_col(arena, res, 11);
        bool deceased = !PQgetisnull(res, 0, 12);
        r->has_deceased = 1;
        r->deceased = deceased;
        r->status = deceased              ? "deceased"
                    : r->unemployed_since ? "unemployed"
                    : r->employed_since   ? "employed"
                                          : "registered";
        part->labor = r;
    }
    PQclear(res);
    /* what each aggregate did for the person */
    if (part->labor && (employment_jobs_person(svc, req->person->id_number, part->labor, arena) ||
                        employment_graduates_person(svc, req->person->id_number, part->labor,
                                                    arena) ||
                        employment_trainings_person(svc, req->person->id_number, part->labor,
                                                    arena) ||
                        employment_placements_person(svc, req->person->id_number, part->labor,
                                                     arena) ||
                        employment_funds_person(svc, req->person->id_number, part->labor, arena)))
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    reply->body_case = HRSS__REPLY__BODY_PERSON;
    reply->person = part;
    return 0;
}
