/* Feed handlers of hrss-reporting: how each event of the employment and
 * insurance feeds moves the indicators. Everything runs inside the
 * transaction that also stores the feed's cursor, so a page is counted
 * exactly once.
 *
 * A page is applied in two statements' worth of round trips: each handler
 * sends the one statement that updates the small copy reporting keeps
 * (persons, enrollments, deaths) into a pipeline without waiting, and notes
 * what the answer will mean. The statements run in order, so an event sees
 * the effect of the earlier events of its page (registered, then employed).
 * At the end of the page (reporting_page_end) the answers are read in order;
 * each says which stocks change and where, and the deltas of the whole page,
 * merged by (code, region, month), are written in one upsert. Every delta
 * counts in the CST month of its event. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- the page in flight --------------------------------------------------------- */

/* What the answer of one sent statement means. */
typedef enum {
    PENDING_PERSON_REGISTERED,
    PENDING_UNEMPLOYMENT_REGISTERED,
    PENDING_EMPLOYED,
    PENDING_EMPLOYMENT_DECEASED,
    PENDING_ENROLLED,
    PENDING_INSURANCE_DECEASED,
} pending_kind_t;

static const char *const s_kind_type[] = {
    [PENDING_PERSON_REGISTERED] = "employment.person_registered",
    [PENDING_UNEMPLOYMENT_REGISTERED] = "employment.unemployment_registered",
    [PENDING_EMPLOYED] = "employment.employed",
    [PENDING_EMPLOYMENT_DECEASED] = "employment.person_deceased",
    [PENDING_ENROLLED] = "insurance.enrolled",
    [PENDING_INSURANCE_DECEASED] = "insurance.person_deceased",
};

/* An event whose statement is in the pipeline: what its deltas need of it
 * once the answer comes (the event itself is freed by then). */
typedef struct {
    pending_kind_t kind;
    uint64_t seq;
    int month;                      /* CST YYYYMM of the event */
    bool urban_new;                 /* employed: kind urban_new */
    char region[REGION_LEN + 1];    /* the event's region */
    char code[FACTS_CODE_MAX];      /* enrolled: ins.enrolled.<scheme> */
} pending_t;

/* One daemon, one loop, one page in flight at a time: the state of that page
 * lives here, between the handlers and reporting_page_end. */
static struct {
    pending_t *items;
    size_t n, cap;
    bool piping;           /* the connection is in pipeline mode */
    facts_page_t *facts;
} s_page;

void
reporting_feeds_free(void)
{
    free(s_page.items);
    facts_page_destroy(&s_page.facts);
    memset(&s_page, 0, sizeof s_page);
}

/* Sends the event's statement into the page's pipeline and notes how to read
 * its answer; NULL on failure (the page is retried). */
static pending_t *
s_send(service_t *svc, const Hrss__Event *ev, pending_kind_t kind, const char *name,
       const char *sql, int nparams, const char *const *values)
{
    db_t *db = service_db(svc);
    if (s_page.n == s_page.cap) {
        size_t cap = s_page.cap ? 2 * s_page.cap : 256;
        pending_t *items = realloc(s_page.items, cap * sizeof *items);
        if (!items) {
            log_error("out of memory applying feed event %" PRIu64, ev->seq);
            return NULL;
        }
        s_page.items = items;
        s_page.cap = cap;
    }
    if (!s_page.piping) {
        if (db_pipeline_begin(db))
            return NULL;
        s_page.piping = true;
    }
    if (db_pipeline_send(db, name, sql, nparams, values, NULL, NULL))
        return NULL;
    pending_t *p = &s_page.items[s_page.n++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->seq = ev->seq;
    p->month = period_of_instant(ev->occurred_at_us);
    snprintf(p->region, sizeof p->region, "%s", ev->region);
    return p;
}

/* Adds a delta and its roll-up. Regions come from our own copy or a checked
 * event and codes from this file, so a failure is a programming error; it is
 * logged and the delta dropped rather than the feed stalled. */
static void
s_add(facts_batch_t *batch, const pending_t *p, const char *code, const char *region,
      int64_t delta)
{
    if (facts_batch_add(batch, code, region, delta))
        log_error("feed event %" PRIu64 " (%s): delta of %s at %.12s not counted", p->seq,
                  s_kind_type[p->kind], code, region);
}

/* The deltas one answer stands for. */
static void
s_deltas(const pending_t *p, const PGresult *res, facts_batch_t *batch)
{
    switch (p->kind) {
    case PENDING_PERSON_REGISTERED: {
        /* New person: joins the labor force where registered. Known and
         * alive in another region: moves there (a registered unemployment
         * stays counted where it was registered). Known and deceased:
         * nothing. */
        bool known = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);
        if (!known) {
            s_add(batch, p, "emp.labor_force", p->region, 1);
        } else if (PQgetvalue(res, 0, 1)[0] != 't' &&
                   strcmp(PQgetvalue(res, 0, 0), p->region) != 0) {
            s_add(batch, p, "emp.labor_force", PQgetvalue(res, 0, 0), -1);
            s_add(batch, p, "emp.labor_force", p->region, 1);
        }
        break;
    }
    case PENDING_UNEMPLOYMENT_REGISTERED:
        if (PQntuples(res) == 1) {
            if (!PQgetisnull(res, 0, 0))   /* moved from where it was registered */
                s_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, 0, 0), -1);
            s_add(batch, p, "emp.registered_unemployed", p->region, 1);
        }
        break;
    case PENDING_EMPLOYED:
        if (p->urban_new)
            s_add(batch, p, "emp.urban_new_jobs", p->region, 1);
        if (PQntuples(res) == 1) {
            s_add(batch, p, "emp.reemployed_unemployed", p->region, 1);
            if (PQgetvalue(res, 0, 1)[0] == 't')
                s_add(batch, p, "emp.reemployed_hard_to_employ", p->region, 1);
            s_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, 0, 0), -1);
        }
        break;
    case PENDING_EMPLOYMENT_DECEASED:
        if (PQntuples(res) == 1) {
            s_add(batch, p, "emp.labor_force", PQgetvalue(res, 0, 0), -1);
            if (!PQgetisnull(res, 0, 1))
                s_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, 0, 1), -1);
        }
        break;
    case PENDING_ENROLLED:
        if (PQntuples(res) == 1)
            s_add(batch, p, p->code, p->region, 1);
        break;
    case PENDING_INSURANCE_DECEASED:
        /* No row: the death was known already. Else one row per enrollment
         * ended, or one row of NULLs when none was active. */
        if (PQntuples(res) > 0)
            s_add(batch, p, "ins.deaths_reported", p->region, 1);
        for (int i = 0; i < PQntuples(res); i++) {
            if (PQgetisnull(res, i, 0))
                continue;
            char code[FACTS_CODE_MAX];
            snprintf(code, sizeof code, "ins.enrolled.%s", PQgetvalue(res, i, 0));
            s_add(batch, p, code, PQgetvalue(res, i, 1), -1);
        }
        break;
    }
}

/* Reads the answers of the page in order and merges their deltas. */
static int
s_page_collect(db_t *db)
{
    if (!s_page.piping)
        return 0;
    int rc = -1;
    if (!s_page.facts && !(s_page.facts = facts_page_new())) {
        log_error("out of memory gathering the facts of a page");
        goto out;
    }
    if (db_pipeline_sync(db))
        goto out;
    for (size_t i = 0; i < s_page.n; i++) {
        PGresult *res = db_pipeline_result(db);
        if (!res)
            goto out;
        facts_batch_t batch;
        facts_batch_init(&batch);
        s_deltas(&s_page.items[i], res, &batch);
        PQclear(res);
        if (facts_page_merge(s_page.facts, &batch, s_page.items[i].month)) {
            log_error("out of memory gathering the facts of a page");
            goto out;
        }
    }
    rc = 0;
out:
    if (db_pipeline_end(db))
        rc = -1;
    s_page.piping = false;
    return rc;
}

/* One upsert for every delta of the page. */
static int
s_page_write(db_t *db)
{
    if (!s_page.facts || facts_page_count(s_page.facts) == 0)
        return 0;
    int rc = -1;
    pgarray_t codes, regions, months, deltas;
    pgarray_init(&codes);
    pgarray_init(&regions);
    pgarray_init(&months);
    pgarray_init(&deltas);
    facts_page_arrays(s_page.facts, &codes, &regions, &months, &deltas);
    const char *values[] = {pgarray_literal(&codes), pgarray_literal(&regions),
                            pgarray_literal(&months), pgarray_literal(&deltas)};
    if (!values[0] || !values[1] || !values[2] || !values[3]) {
        log_error("out of memory writing the facts of a page");
        goto out;
    }
    rc = db_prepared_run(db, "facts_add_page",
                "INSERT INTO facts (code, region, month, value)"
                " SELECT d.code, d.region, d.month, d.delta"
                " FROM unnest($1::text[], $2::char(12)[], $3::int[], $4::bigint[])"
                "      AS d(code, region, month, delta)"
                " ON CONFLICT (code, region, month)"
                " DO UPDATE SET value = facts.value + EXCLUDED.value",
                4, values);
out:
    pgarray_free(&codes);
    pgarray_free(&regions);
    pgarray_free(&months);
    pgarray_free(&deltas);
    return rc;
}

int
reporting_page_end(service_t *svc, const char *source, bool committing)
{
    (void) source;
    db_t *db = service_db(svc);
    int rc = 0;
    if (committing) {
        rc = s_page_collect(db);
        if (rc == 0)
            rc = s_page_write(db);
    } else if (s_page.piping) {
        /* a handler failed mid-page: drain what was sent, the page is undone */
        (void) db_pipeline_sync(db);
        (void) db_pipeline_end(db);
        s_page.piping = false;
    }
    s_page.n = 0;
    if (s_page.facts)
        facts_page_clear(s_page.facts);
    return rc;
}

/* ---- employment's feed ------------------------------------------------------ */

/* Every part of a statement sees the same snapshot: `old` is the row as it
 * was before the upsert. A deceased person's row is not changed. */
static int
s_person_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__PersonRegistered *d = (const Hrss__PersonRegistered *) msg;
    if (!s_region_ok(ev))
        return 0;
    pgarray_t categories;
    pgarray_init(&categories);
    for (size_t i = 0; i < d->n_categories; i++)
        pgarray_add_text(&categories, d->categories[i]);
    const char *values[] = {d->id_number, ev->region, pgarray_literal(&categories)};
    int rc = -1;
    if (values[2])
        rc = s_send(svc, ev, PENDING_PERSON_REGISTERED, "person_register",
                    "WITH old AS (SELECT region, deceased FROM persons WHERE id_number = $1),"
                    " up AS (INSERT INTO persons (id_number, region, categories)"
                    "        VALUES ($1, $2, $3::text[])"
                    "        ON CONFLICT (id_number) DO UPDATE"
                    "        SET region = EXCLUDED.region, categories = EXCLUDED.categories"
                    "        WHERE NOT persons.deceased RETURNING 1)"
                    " SELECT (SELECT region FROM old), (SELECT deceased FROM old)",
                    3, values)
                 ? 0
                 : -1;
    else
        log_error("out of memory applying a person_registered");
    pgarray_free(&categories);
    return rc;
}

/* A known, living person becomes registered unemployed where the
 * registration was made; registering again elsewhere moves the registration
 * there, as employment records it. */
static int
s_unemployment_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__UnemploymentRegistered *d = (const Hrss__UnemploymentRegistered *) msg;
    if (!s_region_ok(ev))
        return 0;
    const char *values[] = {d->id_number, ev->region};
    return s_send(svc, ev, PENDING_UNEMPLOYMENT_REGISTERED, "person_unemployed",
                  "UPDATE persons p SET unemployed_region = $2 FROM persons old"
                  " WHERE p.id_number = $1 AND old.id_number = p.id_number AND NOT p.deceased"
                  " AND p.unemployed_region IS DISTINCT FROM $2::char(12)"
                  " RETURNING old.unemployed_region",
                  2, values)
               ? 0
               : -1;
}

/* 城镇新增就业 by kind; an employment of someone registered unemployed at
 * that moment is a re-employment (and of a hard-to-employ person, counted
 * as such too), and ends the unemployment where it was registered. The
 * self-join reads the row as it was before the update. */
static int
s_employed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__Employed *d = (const Hrss__Employed *) msg;
    if (!s_region_ok(ev))
        return 0;
    const char *values[] = {d->id_number};
    pending_t *p = s_send(svc, ev, PENDING_EMPLOYED, "person_reemployed",
                          "UPDATE persons p SET unemployed_region = NULL FROM persons old"
                          " WHERE p.id_number = $1 AND old.id_number = p.id_number"
                          " AND p.unemployed_region IS NOT NULL AND NOT p.deceased"
                          " RETURNING old.unemployed_region,"
                          " '" HARD_TO_EMPLOY "' = ANY (old.categories)",
                          1, values);
    if (!p)
        return -1;
    p->urban_new = strcmp(d->kind, "urban_new") == 0;
    return 0;
}

/* Derived by employment when a registered person dies: leaves the labor
 * force where the copy has them, and registered unemployment if any. */
static int
s_employment_person_deceased(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__EmploymentPersonDeceased *d = (const Hrss__EmploymentPersonDeceased *) msg;
    const char *values[] = {d->id_number};
    return s_send(svc, ev, PENDING_EMPLOYMENT_DECEASED, "person_deceased",
                  "UPDATE persons p SET deceased = true, unemployed_region = NULL"
                  " FROM persons old"
                  " WHERE p.id_number = $1 AND old.id_number = p.id_number"
                  " AND NOT p.deceased"
                  " RETURNING old.region, old.unemployed_region",
                  1, values)
               ? 0
               : -1;
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
    const char *values[] = {d->id_number, d->scheme, ev->region};
    pending_t *p = s_send(svc, ev, PENDING_ENROLLED, "enrollment_activate",
                          "INSERT INTO enrollments (id_number, scheme, region, active)"
                          " SELECT $1, $2, $3, true"
                          " WHERE NOT EXISTS (SELECT 1 FROM deaths WHERE id_number = $1)"
                          " ON CONFLICT (id_number, scheme) DO UPDATE"
                          " SET region = EXCLUDED.region, active = true"
                          " WHERE NOT enrollments.active RETURNING 1",
                          3, values);
    if (!p)
        return -1;
    snprintf(p->code, sizeof p->code, "ins.enrolled.%s", d->scheme);
    return 0;
}

/* 死亡直报, once per person; every active enrollment of the person ends
 * where it counted. One statement: the enrollments end only when the death
 * is new, and the answer has no row when it was known already. */
static int
s_insurance_person_deceased(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__InsurancePersonDeceased *d = (const Hrss__InsurancePersonDeceased *) msg;
    if (!s_region_ok(ev))
        return 0;
    const char *values[] = {d->id_number};
    return s_send(svc, ev, PENDING_INSURANCE_DECEASED, "death_insert_end",
                  "WITH d AS (INSERT INTO deaths (id_number) VALUES ($1)"
                  "           ON CONFLICT DO NOTHING RETURNING 1),"
                  " e AS (UPDATE enrollments SET active = false"
                  "       WHERE id_number = $1 AND active AND EXISTS (SELECT 1 FROM d)"
                  "       RETURNING scheme, region)"
                  " SELECT e.scheme, e.region FROM d LEFT JOIN e ON true",
                  1, values)
               ? 0
               : -1;
}

const feed_handler_t reporting_insurance_feed[] = {
    {"insurance.enrolled", s_enrolled},
    {"insurance.person_deceased", s_insurance_person_deceased},
    {NULL, NULL}};

/* ---- arrears' feed: subscribed, its indicators follow ------------------------ */

const feed_handler_t reporting_arrears_feed[] = {{NULL, NULL}};
