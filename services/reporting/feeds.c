/* Feed handlers of hrss-reporting: how each event of the employment and
 * insurance feeds moves the indicators. Each runs inside the transaction that
 * also stores the feed's cursor, so a page is counted exactly once. A handler
 * first updates the small copy it keeps (persons, enrollments, deaths), whose
 * answer says which stocks change and where, then writes all deltas of the
 * event in one upsert. Every delta counts in the CST month of the event. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event_types.h"
#include "facts.h"
#include "log.h"
#include "reporting.h"
#include "timeutil.h"

#define HARD_TO_EMPLOY "hard_to_employ"

/* A peer's event with a region that is no 12-digit code would roll up
 * nowhere: it is logged and skipped rather than stalling the feed. */
static bool
s_region_ok(const Hrss__Event *ev)
{
    if (region_level(ev->region) > REGION_NATION)
        return true;
    log_warn("feed event %" PRIu64 " (%s): region is not a 12-digit division code, skipped",
             ev->seq, ev->type);
    return false;
}

static bool
s_scheme_ok(const Hrss__Event *ev, const char *scheme)
{
    for (size_t i = 0; i < sizeof insurance_schemes / sizeof *insurance_schemes; i++)
        if (strcmp(insurance_schemes[i], scheme) == 0)
            return true;
    log_warn("feed event %" PRIu64 " (%s): unknown scheme, skipped", ev->seq, ev->type);
    return false;
}

/* Adds a delta and its roll-up. Regions come from our own copy or a checked
 * event and codes from this file, so a failure is a programming error; it is
 * logged and the delta dropped rather than the feed stalled. */
static void
s_add(facts_batch_t *batch, const Hrss__Event *ev, const char *code, const char *region,
      int64_t delta)
{
    if (facts_batch_add(batch, code, region, delta))
        log_error("feed event %" PRIu64 " (%s): delta of %s at %.12s not counted", ev->seq,
                  ev->type, code, region);
}

/* One upsert for every delta of the event, in the event's CST month. */
static int
s_facts_write(db_t *db, const Hrss__Event *ev, const facts_batch_t *batch)
{
    if (facts_batch_count(batch) == 0)
        return 0;
    int rc = -1;
    pgarray_t codes, regions, deltas;
    pgarray_init(&codes);
    pgarray_init(&regions);
    pgarray_init(&deltas);
    facts_batch_arrays(batch, &codes, &regions, &deltas);
    char month[16];
    snprintf(month, sizeof month, "%d", period_of_instant(ev->occurred_at_us));
    const char *values[] = {pgarray_literal(&codes), pgarray_literal(&regions), month,
                            pgarray_literal(&deltas)};
    if (!values[0] || !values[1] || !values[3]) {
        log_error("out of memory writing the facts of feed event %" PRIu64, ev->seq);
        goto out;
    }
    rc = db_prepared_run(db, "facts_add",
                "INSERT INTO facts (code, region, month, value)"
                " SELECT d.code, d.region, $3::int, d.delta"
                " FROM unnest($1::text[], $2::char(12)[], $4::bigint[]) AS d(code, region, delta)"
                " ON CONFLICT (code, region, month)"
                " DO UPDATE SET value = facts.value + EXCLUDED.value",
                4, values);
out:
    pgarray_free(&codes);
    pgarray_free(&regions);
    pgarray_free(&deltas);
    return rc;
}

/* ---- employment's feed ------------------------------------------------------ */

/* New person: joins the labor force where registered. Known and alive in
 * another region: moves there (a registered unemployment stays counted where
 * it was registered). Known and deceased: nothing. */
static int
s_person_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__PersonRegistered *d = (const Hrss__PersonRegistered *) msg;
    if (!s_region_ok(ev))
        return 0;
    db_t *db = service_db(svc);
    pgarray_t categories;
    pgarray_init(&categories);
    for (size_t i = 0; i < d->n_categories; i++)
        pgarray_add_text(&categories, d->categories[i]);
    /* Every part of a statement sees the same snapshot: `old` is the row as
     * it was before the upsert. */
    const char *values[] = {d->id_number, ev->region, pgarray_literal(&categories)};
    PGresult *res = NULL;
    if (values[2])
        res = db_prepared(
            db, "person_register",
            "WITH old AS (SELECT region, deceased FROM persons WHERE id_number = $1),"
            " up AS (INSERT INTO persons (id_number, region, categories)"
            "        VALUES ($1, $2, $3::text[])"
            "        ON CONFLICT (id_number) DO UPDATE"
            "        SET region = EXCLUDED.region, categories = EXCLUDED.categories"
            "        WHERE NOT persons.deceased RETURNING 1)"
            " SELECT (SELECT region FROM old), (SELECT deceased FROM old)",
            3, values, NULL, NULL);
    else
        log_error("out of memory applying a person_registered");
    pgarray_free(&categories);
    if (!res)
        return -1;
    bool known = !PQgetisnull(res, 0, 0);
    bool deceased = known && PQgetvalue(res, 0, 1)[0] == 't';
    char old_region[REGION_LEN + 1];
    snprintf(old_region, sizeof old_region, "%s", known ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);

    facts_batch_t batch;
    facts_batch_init(&batch);
    if (!known) {
        s_add(&batch, ev, "emp.labor_force", ev->region, 1);
    } else if (!deceased && strcmp(old_region, ev->region) != 0) {
        s_add(&batch, ev, "emp.labor_force", old_region, -1);
        s_add(&batch, ev, "emp.labor_force", ev->region, 1);
    }
    return s_facts_write(db, ev, &batch);
}

/* A known, living person not yet unemployed becomes registered unemployed
 * where the registration was made. */
static int
s_unemployment_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__UnemploymentRegistered *d = (const Hrss__UnemploymentRegistered *) msg;
    if (!s_region_ok(ev))
        return 0;
    db_t *db = service_db(svc);
    const char *values[] = {d->id_number, ev->region};
    PGresult *res = db_prepared(db, "person_unemployed",
                                "UPDATE persons SET unemployed_region = $2"
                                " WHERE id_number = $1 AND NOT deceased"
                                " AND unemployed_region IS NULL RETURNING 1",
                                2, values, NULL, NULL);
    if (!res)
        return -1;
    bool became = PQntuples(res) == 1;
    PQclear(res);
    facts_batch_t batch;
    facts_batch_init(&batch);
    if (became)
        s_add(&batch, ev, "emp.registered_unemployed", ev->region, 1);
    return s_facts_write(db, ev, &batch);
}

/* 城镇新增就业 by kind; an employment of someone registered unemployed at
 * that moment is a re-employment (and of a hard-to-employ person, counted
 * as such too), and ends the unemployment where it was registered. */
static int
s_employed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__Employed *d = (const Hrss__Employed *) msg;
    if (!s_region_ok(ev))
        return 0;
    db_t *db = service_db(svc);
    const char *values[] = {d->id_number};
    /* The self-join reads the row as it was before the update. */
    PGresult *res = db_prepared(db, "person_reemployed",
                                "UPDATE persons p SET unemployed_region = NULL FROM persons old"
                                " WHERE p.id_number = $1 AND old.id_number = p.id_number"
                                " AND p.unemployed_region IS NOT NULL AND NOT p.deceased"
                                " RETURNING old.unemployed_region,"
                                " '" HARD_TO_EMPLOY "' = ANY (old.categories)",
                                1, values, NULL, NULL);
    if (!res)
        return -1;
    facts_batch_t batch;
    facts_batch_init(&batch);
    if (strcmp(d->kind, "urban_new") == 0)
        s_add(&batch, ev, "emp.urban_new_jobs", ev->region, 1);
    if (PQntuples(res) == 1) {
        s_add(&batch, ev, "emp.reemployed_unemployed", ev->region, 1);
        if (PQgetvalue(res, 0, 1)[0] == 't')
            s_add(&batch, ev, "emp.reemployed_hard_to_employ", ev->region, 1);
        s_add(&batch, ev, "emp.registered_unemployed", PQgetvalue(res, 0, 0), -1);
    }
    int rc = s_facts_write(db, ev, &batch);
    PQclear(res);
    return rc;
}

/* Derived by employment when a registered person dies: leaves the labor
 * force where the copy has them, and registered unemployment if any. */
static int
s_employment_person_deceased(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__EmploymentPersonDeceased *d = (const Hrss__EmploymentPersonDeceased *) msg;
    db_t *db = service_db(svc);
    const char *values[] = {d->id_number};
    PGresult *res = db_prepared(db, "person_deceased",
                                "UPDATE persons p SET deceased = true, unemployed_region = NULL"
                                " FROM persons old"
                                " WHERE p.id_number = $1 AND old.id_number = p.id_number"
                                " AND NOT p.deceased"
                                " RETURNING old.region, old.unemployed_region",
                                1, values, NULL, NULL);
    if (!res)
        return -1;
    facts_batch_t batch;
    facts_batch_init(&batch);
    if (PQntuples(res) == 1) {
        s_add(&batch, ev, "emp.labor_force", PQgetvalue(res, 0, 0), -1);
        if (!PQgetisnull(res, 0, 1))
            s_add(&batch, ev, "emp.registered_unemployed", PQgetvalue(res, 0, 1), -1);
    }
    int rc = s_facts_write(db, ev, &batch);
    PQclear(res);
    return rc;
}

const feed_handler_t reporting_employment_feed[] = {
    {"employment.person_registered", s_person_registered},
    {"employment.unemployment_registered", s_unemployment_registered},
    {"employment.employed", s_employed},
    {"employment.person_deceased", s_employment_person_deceased},
    {NULL, NULL}};

/* ---- insurance's feed ------------------------------------------------------- */

/* 参保人数: an enrollment not active in the copy counts where it was made;
 * enrolling again in a scheme one is enrolled in changes nothing. */
static int
s_enrolled(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__Enrolled *d = (const Hrss__Enrolled *) msg;
    if (!s_region_ok(ev) || !s_scheme_ok(ev, d->scheme))
        return 0;
    db_t *db = service_db(svc);
    const char *values[] = {d->id_number, d->scheme, ev->region};
    PGresult *res = db_prepared(db, "enrollment_activate",
                                "INSERT INTO enrollments (id_number, scheme, region, active)"
                                " SELECT $1, $2, $3, true"
                                " WHERE NOT EXISTS (SELECT 1 FROM deaths WHERE id_number = $1)"
                                " ON CONFLICT (id_number, scheme) DO UPDATE"
                                " SET region = EXCLUDED.region, active = true"
                                " WHERE NOT enrollments.active RETURNING 1",
                                3, values, NULL, NULL);
    if (!res)
        return -1;
    bool counted = PQntuples(res) == 1;
    PQclear(res);
    facts_batch_t batch;
    facts_batch_init(&batch);
    if (counted) {
        char code[FACTS_CODE_MAX];
        snprintf(code, sizeof code, "ins.enrolled.%s", d->scheme);
        s_add(&batch, ev, code, ev->region, 1);
    }
    return s_facts_write(db, ev, &batch);
}

/* 死亡直报, once per person; every active enrollment of the person ends
 * where it counted. */
static int
s_insurance_person_deceased(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__InsurancePersonDeceased *d = (const Hrss__InsurancePersonDeceased *) msg;
    if (!s_region_ok(ev))
        return 0;
    db_t *db = service_db(svc);
    const char *values[] = {d->id_number};
    PGresult *res = db_prepared(db, "death_insert",
                                "INSERT INTO deaths (id_number) VALUES ($1)"
                                " ON CONFLICT DO NOTHING RETURNING 1",
                                1, values, NULL, NULL);
    if (!res)
        return -1;
    bool first = PQntuples(res) == 1;
    PQclear(res);
    if (!first)
        return 0;
    res = db_prepared(db, "enrollments_end",
                      "UPDATE enrollments SET active = false"
                      " WHERE id_number = $1 AND active RETURNING scheme, region",
                      1, values, NULL, NULL);
    if (!res)
        return -1;
    facts_batch_t batch;
    facts_batch_init(&batch);
    s_add(&batch, ev, "ins.deaths_reported", ev->region, 1);
    for (int i = 0; i < PQntuples(res); i++) {
        char code[FACTS_CODE_MAX];
        snprintf(code, sizeof code, "ins.enrolled.%s", PQgetvalue(res, i, 0));
        s_add(&batch, ev, code, PQgetvalue(res, i, 1), -1);
    }
    int rc = s_facts_write(db, ev, &batch);
    PQclear(res);
    return rc;
}

const feed_handler_t reporting_insurance_feed[] = {
    {"insurance.enrolled", s_enrolled},
    {"insurance.person_deceased", s_insurance_person_deceased},
    {NULL, NULL}};

/* ---- arrears' feed: subscribed, its indicators follow ------------------------ */

const feed_handler_t reporting_arrears_feed[] = {{NULL, NULL}};
