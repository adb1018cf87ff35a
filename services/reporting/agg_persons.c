/* Persons: the labor force and registered unemployment (就业).
 *
 * Reads employment.person_registered, employment.unemployment_registered,
 * employment.employed and employment.person_deceased into reporting's copy of
 * each person (persons: region, categories, unemployed_region, deceased).
 * Writes the facts emp.labor_force, emp.registered_unemployed,
 * emp.urban_new_jobs, emp.transfer_jobs, emp.reemployed_unemployed,
 * emp.reemployed_hard_to_employ and emp.poverty_alleviated_working (and
 * .<location>: a person of category poverty_alleviated whose current
 * employment is at that location, counted where the person is registered;
 * an unemployment registration or a death ends it).
 *
 * Each statement takes one array per column ($1 the id numbers, as
 * char(18)[] so that persons' index is probed) and answers one row per event,
 * ordered by ordinality: for a kind whose effect may not happen, first
 * whether it happened (`hit`), then what the deltas need, NULL where it did
 * not. Every part of a statement reads the snapshot taken before it: in
 * UPDATE ... FROM persons old, and in a subquery of RETURNING, `old` is the
 * person's row as it was before the statement. A deceased person's row is not
 * changed. */
#include <stdio.h>
#include <string.h>

#include "aggregate.h"

#define HARD_TO_EMPLOY "hard_to_employ"
#define POVERTY_ALLEVIATED "poverty_alleviated"
#define POVERTY_WORKING "emp.poverty_alleviated_working"

/* A poverty-alleviated person working at `location` (a Employed.location)
 * starts (+1) or stops (-1) counting at `region`. */
static void
s_poverty_working(facts_batch_t *batch, const pending_t *p, const char *region,
                  const char *location, int64_t delta)
{
    char code[FACTS_CODE_MAX];
    snprintf(code, sizeof code, POVERTY_WORKING ".%s", location);
    page_add(batch, p, POVERTY_WORKING, region, delta);
    page_add(batch, p, code, region, delta);
}

/* Columns `col`.. of a row: (employed_location, poor, region) as they were;
 * the person stops counting as a poverty-alleviated worker there. */
static void
s_poverty_stops(facts_batch_t *batch, const pending_t *p, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col) || PQgetvalue(res, row, col + 1)[0] != 't' ||
        PQgetisnull(res, row, col + 2))
        return;
    s_poverty_working(batch, p, PQgetvalue(res, row, col + 2), PQgetvalue(res, row, col), -1);
}

/* ---- employment.person_registered ------------------------------------------------ */

/* A new person, or an update of a living one (registered again elsewhere:
 * moves in the labor force). */
static int
s_registered_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                  const ProtobufCMessage *msg)
{
    const Hrss__PersonRegistered *d = (const Hrss__PersonRegistered *) msg;
    if (!page_region_ok(ev))
        return 0;
    /* the person's categories: an array literal, one text element of the run */
    pgarray_t *categories = page_scratch(page);
    bool poor = false;
    for (size_t i = 0; i < d->n_categories; i++) {
        pgarray_add_text(categories, d->categories[i]);
        poor |= strcmp(d->categories[i], POVERTY_ALLEVIATED) == 0;
    }
    const char *literal = pgarray_literal(categories);
    pending_t *p = literal ? page_join(page, kind, ev, d->id_number) : NULL;
    if (!p)
        return -1;
    p->flag = poor;
    pgarray_add_text(page_col(page, 0), d->id_number);
    pgarray_add_text(page_col(page, 1), ev->region);
    pgarray_add_text(page_col(page, 2), literal);
    return 0;
}

/* New person: joins the labor force where registered. Known and alive in
 * another region: moves there (a registered unemployment stays counted where
 * it was registered). Known and deceased: nothing. */
static void
s_registered_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    bool known = !PQgetisnull(res, row, 0);
    if (!known) {
        page_add(batch, p, "emp.labor_force", p->region, 1);
    } else if (PQgetvalue(res, row, 1)[0] != 't') {
        if (strcmp(PQgetvalue(res, row, 0), p->region) != 0) {
            page_add(batch, p, "emp.labor_force", PQgetvalue(res, row, 0), -1);
            page_add(batch, p, "emp.labor_force", p->region, 1);
        }
        /* a worker's registration moves it, or its categories make it a
         * poverty-alleviated worker or no longer one */
        s_poverty_stops(batch, p, res, row, 2);
        if (p->flag && !PQgetisnull(res, row, 2))
            s_poverty_working(batch, p, p->region, PQgetvalue(res, row, 2), 1);
    }
}

/* ---- employment.unemployment_registered ------------------------------------------ */

/* A known, living person becomes registered unemployed where the
 * registration was made; registering again elsewhere moves the registration
 * there, as employment records it. */
static int
s_unemployed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                  const ProtobufCMessage *msg)
{
    const Hrss__UnemploymentRegistered *d = (const Hrss__UnemploymentRegistered *) msg;
    if (!page_region_ok(ev))
        return 0;
    if (!page_join(page, kind, ev, d->id_number))
        return -1;
    pgarray_add_text(page_col(page, 0), d->id_number);
    pgarray_add_text(page_col(page, 1), ev->region);
    return 0;
}

static void
s_unemployed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    s_poverty_stops(batch, p, res, row, 2);   /* unemployment ends the employment */
    if (!page_hit(res, row))
        return;
    if (!PQgetisnull(res, row, 1))   /* moved from where it was registered */
        page_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, row, 1), -1);
    page_add(batch, p, "emp.registered_unemployed", p->region, 1);
}

/* ---- employment.employed --------------------------------------------------------- */

/* 城镇新增就业 by kind; an employment of someone registered unemployed at
 * that moment is a re-employment (and of a hard-to-employ person, counted
 * as such too), and ends the unemployment where it was registered. */
static int
s_employed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__Employed *d = (const Hrss__Employed *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = page_join(page, kind, ev, d->id_number);
    if (!p)
        return -1;
    pgarray_add_text(page_col(page, 0), d->id_number);
    pgarray_add_text(page_col(page, 1), d->location);
    p->flag = strcmp(d->kind, "urban_new") == 0;
    p->amount = strcmp(d->kind, "transfer") == 0;
    snprintf(p->code, sizeof p->code, "%s", d->location);
    return 0;
}

static void
s_employed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (p->flag)
        page_add(batch, p, "emp.urban_new_jobs", p->region, 1);
    if (p->amount)
        page_add(batch, p, "emp.transfer_jobs", p->region, 1);
    /* a known, living poverty-alleviated person: works at the new location */
    if (!PQgetisnull(res, row, 5) && PQgetvalue(res, row, 4)[0] == 't') {
        s_poverty_stops(batch, p, res, row, 3);
        s_poverty_working(batch, p, PQgetvalue(res, row, 5), p->code, 1);
    }
    if (page_hit(res, row)) {
        page_add(batch, p, "emp.reemployed_unemployed", p->region, 1);
        if (PQgetvalue(res, row, 2)[0] == 't')
            page_add(batch, p, "emp.reemployed_hard_to_employ", p->region, 1);
        page_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, row, 1), -1);
    }
}

/* ---- employment.person_deceased ------------------------------------------------ */

/* Derived by employment when a registered person dies: leaves the labor
 * force where the copy has them, and registered unemployment if any. */
static int
s_deceased_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__EmploymentPersonDeceased *d = (const Hrss__EmploymentPersonDeceased *) msg;
    if (!page_join(page, kind, ev, d->id_number))
        return -1;
    pgarray_add_text(page_col(page, 0), d->id_number);
    return 0;
}

static void
s_deceased_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (!page_hit(res, row))
        return;
    page_add(batch, p, "emp.labor_force", PQgetvalue(res, row, 1), -1);
    if (!PQgetisnull(res, row, 2))
        page_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, row, 2), -1);
    s_poverty_stops(batch, p, res, row, 3);
}

static const reporting_kind_t s_kinds[] = {
    /* (region, deceased) as they were, NULLs for a new person; the person
 * is inserted or updated unless deceased. The probe that reads the row
 * as it was also tells a new person from a known one, so a new one is a
 * plain insert: reporting is its table's only writer, one connection,
 * and a run's persons are distinct (the upsert, with ON CONFLICT's
 * speculative insertion, had cost a third more per run). */
    {"employment.person_registered", "persons_register",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::char(12)[], $3::text[])"
        "           WITH ORDINALITY AS u(id, region, categories, ord)),"
        " old AS MATERIALIZED (SELECT u.*, p.region AS was, p.deceased, p.employed_location,"
        "         '" POVERTY_ALLEVIATED "' = ANY (p.categories) AS poor"
        "         FROM u LEFT JOIN persons p ON p.id_number = u.id),"
        " ins AS (INSERT INTO persons (id_number, region, categories)"
        "         SELECT id, region, categories::text[] FROM old WHERE was IS NULL),"
        " up AS (UPDATE persons p SET region = old.region, categories = old.categories::text[]"
        "        FROM old WHERE p.id_number = old.id AND old.was IS NOT NULL"
        "        AND NOT old.deceased)"
        " SELECT was, deceased, employed_location, poor, was FROM old ORDER BY ord",
     3, {PGARRAY_BPCHAR, PGARRAY_BPCHAR, PGARRAY_TEXT}, s_registered_join, s_registered_deltas},
    /* (hit: moved or new, unemployed_region, employed_location, poor,
 * region as they were); it ends the current employment */
    {"employment.unemployment_registered", "persons_unemployed",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::char(12)[])"
        "           WITH ORDINALITY AS u(id, region, ord)),"
        " up AS (UPDATE persons p SET unemployed_region = u.region, employed_location = NULL"
        "        FROM u, persons old"
        "        WHERE p.id_number = u.id AND old.id_number = p.id_number AND NOT p.deceased"
        "        AND (p.unemployed_region IS DISTINCT FROM u.region"
        "             OR p.employed_location IS NOT NULL)"
        "        RETURNING u.ord, old.unemployed_region,"
        "        old.unemployed_region IS DISTINCT FROM u.region AS moved,"
        "        old.employed_location, '" POVERTY_ALLEVIATED "' = ANY (old.categories) AS poor,"
        "        old.region)"
        " SELECT coalesce(up.moved, false), up.unemployed_region, up.employed_location, up.poor,"
        "        up.region"
        " FROM u LEFT JOIN up ON up.ord = u.ord ORDER BY u.ord",
     2, {PGARRAY_BPCHAR, PGARRAY_BPCHAR}, s_unemployed_join, s_unemployed_deltas},
    /* (re-employment, unemployed_region, hard to employ, employed_location,
 * poor, region as they were; NULLs for an unknown or deceased person).
 * Every living person's current employment is recorded (its location);
 * the row as it was is read by subqueries that see the same snapshot as a
 * self-join, only for a person who is poor or was unemployed. Categories
 * do not change here. */
    {"employment.employed", "persons_employed",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[])"
        "           WITH ORDINALITY AS u(id, location, ord)),"
        " up AS (UPDATE persons p SET unemployed_region = NULL, employed_location = u.location"
        "        FROM u WHERE p.id_number = u.id AND NOT p.deceased"
        "        RETURNING u.ord, p.region,"
        "        '" HARD_TO_EMPLOY "' = ANY (p.categories) AS hard,"
        "        '" POVERTY_ALLEVIATED "' = ANY (p.categories) AS poor,"
        "        (SELECT old.unemployed_region FROM persons old"
        "         WHERE old.id_number = p.id_number) AS unemployed_region,"
        "        CASE WHEN '" POVERTY_ALLEVIATED "' = ANY (p.categories) THEN"
        "        (SELECT old.employed_location FROM persons old"
        "         WHERE old.id_number = p.id_number) END AS employed_location)"
        " SELECT up.unemployed_region IS NOT NULL, up.unemployed_region, up.hard,"
        "        up.employed_location, up.poor, up.region"
        " FROM u LEFT JOIN up ON up.ord = u.ord ORDER BY u.ord",
     2, {PGARRAY_BPCHAR, PGARRAY_TEXT}, s_employed_join, s_employed_deltas},
    /* (hit, region, unemployed_region, employed_location, poor, region as
 * they were) */
    {"employment.person_deceased", "persons_deceased",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[]) WITH ORDINALITY AS u(id, ord)),"
        " up AS (UPDATE persons p SET deceased = true, unemployed_region = NULL,"
        "        employed_location = NULL"
        "        FROM u, persons old"
        "        WHERE p.id_number = u.id AND old.id_number = p.id_number AND NOT p.deceased"
        "        RETURNING u.ord, old.region, old.unemployed_region, old.employed_location,"
        "        '" POVERTY_ALLEVIATED "' = ANY (old.categories) AS poor)"
        " SELECT up.ord IS NOT NULL, up.region, up.unemployed_region, up.employed_location,"
        "        up.poor, up.region"
        " FROM u LEFT JOIN up ON up.ord = u.ord ORDER BY u.ord",
     1, {PGARRAY_BPCHAR}, s_deceased_join, s_deceased_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"emp.labor_force",
                                       "emp.registered_unemployed",
                                       "emp.urban_new_jobs",
                                       "emp.transfer_jobs",
                                       "emp.reemployed_unemployed",
                                       "emp.reemployed_hard_to_employ",
                                       POVERTY_WORKING,
                                       POVERTY_WORKING ".in_county",
                                       POVERTY_WORKING ".in_province",
                                       POVERTY_WORKING ".out_of_province",
                                       NULL};

const reporting_aggregate_t reporting_persons = {"persons", s_kinds, s_writes};
