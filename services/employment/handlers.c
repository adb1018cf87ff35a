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

/* Each statement below checks the person's state and writes only when the
 * event may apply, in one round trip sent in a pipeline with its neighbours;
 * its one row names the rejection, or is NULL when the event was applied. */
static int
s_verdict(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
          const PGresult *res, verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
        return 0;
    const char *code = PQgetvalue(res, 0, 0);
    if (strcmp(code, "person_deceased") == 0)
        return reject(v, "person_deceased", "data.id_number", "the person is recorded deceased");
    return reject(v, "unknown_person", "data.id_number",
                  "the person is not in the labor registry; send employment.person_registered "
                  "first");
}

/* The state of the person of $1, for the statements below. */
#define PERSON_STATE                                                                          \
    "st AS (SELECT p.id_number IS NOT NULL AS known, p.died_on IS NOT NULL OR EXISTS"          \
    " (SELECT 1 FROM deaths d WHERE d.id_number = $1::char(18)) AS dead"                       \
    " FROM (SELECT 1) one LEFT JOIN persons p ON p.id_number = $1::char(18))"
#define PERSON_VERDICT                                                                        \
    " SELECT CASE WHEN dead THEN 'person_deceased' WHEN NOT known THEN 'unknown_person' END"   \
    " FROM st"

static int
s_person_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                    verdict_t *v)
{
    (void) v;
    const Hrss__PersonRegistered *d = (const Hrss__PersonRegistered *) msg;
    pgarray_t categories;
    pgarray_init(&categories);
    for (size_t i = 0; i < d->n_categories; i++)
        pgarray_add_text(&categories, d->categories[i]);
    char at[24];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    const char *values[] = {d->id_number, d->name, ev->region, d->household,
                            pgarray_literal(&categories), d->education, d->phone, at};
    int rc = -1;
    if (!values[4])
        goto out;
    /* a new person, or an update of a living one (re-sending updates); libpq
     * copies the parameters as it sends, so the literal is freed before the
     * result is read */
    rc = db_pipeline_send(
        service_db(svc), "person_register",
        "WITH " PERSON_STATE ","
        " up AS (INSERT INTO persons (id_number, name, region, household, categories,"
        " education, phone, registered_at_us, updated_at_us)"
        " SELECT $1::char(18), $2, $3::char(12), $4, $5::text[], $6, $7, $8::bigint,"
        " $8::bigint FROM st WHERE NOT dead"
        " ON CONFLICT (id_number) DO UPDATE SET name = EXCLUDED.name,"
        " region = EXCLUDED.region, household = EXCLUDED.household,"
        " categories = EXCLUDED.categories, education = EXCLUDED.education,"
        " phone = EXCLUDED.phone, updated_at_us = EXCLUDED.updated_at_us RETURNING 1)"
        " SELECT CASE WHEN dead THEN 'person_deceased' END FROM st",
        8, values, NULL, NULL);
out:
    pgarray_free(&categories);
    return rc;
}

static int
s_unemployment_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
                          verdict_t *v)
{
    (void) v;
    const Hrss__UnemploymentRegistered *d = (const Hrss__UnemploymentRegistered *) msg;
    /* Registering unemployment ends any current employment. */
    const char *values[] = {d->id_number, d->registered_on, ev->region};
    return db_pipeline_send(service_db(svc), "person_unemployed",
                            "WITH " PERSON_STATE ","
                            " up AS (UPDATE persons SET unemployed_since = $2::date,"
                            " unemployed_region = $3::char(12), employment_kind = NULL,"
                            " employment_location = NULL, employer_credit_code = NULL,"
                            " employer_name = NULL, employed_since = NULL"
                            " WHERE id_number = $1::char(18)"
                            " AND (SELECT known AND NOT dead FROM st) RETURNING 1)" PERSON_VERDICT,
                            3, values, NULL, NULL);
}

static int
s_employed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    (void) ev;
    (void) v;
    const Hrss__Employed *d = (const Hrss__Employed *) msg;
    /* Employment ends registered unemployment. */
    const char *values[] = {d->id_number,          d->kind,          d->location,
                            d->employer_credit_code, d->employer_name, d->started_on};
    return db_pipeline_send(service_db(svc), "person_employed",
                            "WITH " PERSON_STATE ","
                            " up AS (UPDATE persons SET employment_kind = $2,"
                            " employment_location = $3, employer_credit_code = $4::char(18),"
                            " employer_name = $5, employed_since = $6::date,"
                            " unemployed_since = NULL, unemployed_region = NULL"
                            " WHERE id_number = $1::char(18)"
                            " AND (SELECT known AND NOT dead FROM st) RETURNING 1)" PERSON_VERDICT,
                            6, values, NULL, NULL);
}

const event_handler_t employment_event_handlers[] = {
    {"employment.person_registered", NULL, s_person_registered, s_verdict},
    {"employment.unemployment_registered", NULL, s_unemployment_registered, s_verdict},
    {"employment.employed", NULL, s_employed, s_verdict},
    {NULL, NULL, NULL, NULL}};

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
    reply->body_case = HRSS__REPLY__BODY_PERSON;
    reply->person = part;
    return 0;
}
