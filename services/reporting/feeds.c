/* Feed handlers of hrss-reporting: how each event of the employment and
 * insurance feeds moves the indicators. Everything runs inside the
 * transaction that also stores the feed's cursor, so a page is counted
 * exactly once.
 *
 * A page is applied in two statements' worth of round trips. The events
 * update the small copy reporting keeps (persons, enrollments, deaths) in
 * runs: consecutive events of one kind about distinct persons are gathered
 * (their parameters appended to one array per column) and sent as ONE
 * statement, which unnests the arrays WITH ORDINALITY and answers one row
 * per event, in the run's order. An event of another kind, or about a person
 * already in the open run, sends the open run first and starts a new one, so
 * the rows of one statement never touch the same person and each sees the
 * person as the page's earlier statements left them: every part of a
 * statement sees one snapshot, which is the state before the statement for
 * each of its rows. Each run is sent into a pipeline without waiting, and
 * the statements run in order, so an event sees the effect of the earlier
 * events of its page (registered, then employed). A death reported by
 * insurance answers one row per enrollment it ends; it goes alone, one
 * statement per event.
 *
 * At the end of the page (reporting_page_end) the open run is sent and the
 * answers read in order; each row says which stocks change and where, and
 * the deltas of the whole page, merged by (code, region, month), are written
 * in one upsert. Every delta counts in the CST month of its event. A page
 * that fails is forgotten whole, the open run with it, and applied again. */
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

/* ---- the statements ------------------------------------------------------------- */

/* What the answer of one sent statement means. */
typedef enum {
    PENDING_PERSON_REGISTERED,
    PENDING_UNEMPLOYMENT_REGISTERED,
    PENDING_EMPLOYED,
    PENDING_EMPLOYMENT_DECEASED,
    PENDING_ENROLLED,
    PENDING_INSURANCE_DECEASED,
} pending_kind_t;

#define RUN_COLS 3   /* array parameters of the widest run statement */

/* The statement of each kind. A run statement takes one array per column
 * ($1 the id numbers, as char(18)[] so that persons' index is probed) and
 * answers one row per event, ordered by ordinality: for a kind whose effect
 * may not happen, first whether it happened (`hit`), then what the deltas
 * need, NULL where it did not. Every part of a statement reads the snapshot
 * taken before it: in UPDATE ... FROM persons old, and in a subquery of
 * RETURNING, `old` is the person's row as it was before the statement. A
 * deceased person's row is not changed. */
static const struct {
    const char *type;
    const char *name;   /* of the prepared statement */
    const char *sql;
    int ncols;
    uint32_t types[RUN_COLS];   /* of the run's array columns, binary (see pgarray.h) */
} s_kinds[] = {
    /* (region, deceased) as they were, NULLs for a new person; the person
     * is inserted or updated unless deceased. The probe that reads the row
     * as it was also tells a new person from a known one, so a new one is a
     * plain insert: reporting is its table's only writer, one connection,
     * and a run's persons are distinct (the upsert, with ON CONFLICT's
     * speculative insertion, had cost a third more per run). */
    [PENDING_PERSON_REGISTERED] =
        {"employment.person_registered", "persons_register",
         "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::char(12)[], $3::text[])"
         "           WITH ORDINALITY AS u(id, region, categories, ord)),"
         " old AS MATERIALIZED (SELECT u.*, p.region AS was, p.deceased"
         "         FROM u LEFT JOIN persons p ON p.id_number = u.id),"
         " ins AS (INSERT INTO persons (id_number, region, categories)"
         "         SELECT id, region, categories::text[] FROM old WHERE was IS NULL),"
         " up AS (UPDATE persons p SET region = old.region, categories = old.categories::text[]"
         "        FROM old WHERE p.id_number = old.id AND old.was IS NOT NULL"
         "        AND NOT old.deceased)"
         " SELECT was, deceased FROM old ORDER BY ord",
         3, {PGARRAY_BPCHAR, PGARRAY_BPCHAR, PGARRAY_TEXT}},
    /* (hit, unemployed_region as it was) */
    [PENDING_UNEMPLOYMENT_REGISTERED] =
        {"employment.unemployment_registered", "persons_unemployed",
         "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::char(12)[])"
         "           WITH ORDINALITY AS u(id, region, ord)),"
         " up AS (UPDATE persons p SET unemployed_region = u.region FROM u, persons old"
         "        WHERE p.id_number = u.id AND old.id_number = p.id_number AND NOT p.deceased"
         "        AND p.unemployed_region IS DISTINCT FROM u.region"
         "        RETURNING u.ord, old.unemployed_region)"
         " SELECT up.ord IS NOT NULL, up.unemployed_region"
         " FROM u LEFT JOIN up ON up.ord = u.ord ORDER BY u.ord",
         2, {PGARRAY_BPCHAR, PGARRAY_BPCHAR}},
    /* (hit, unemployed_region as it was, hard to employ). Most employments
     * are no re-employment: the row as it was is read only for the persons
     * updated, by subqueries that see the same snapshot as a self-join
     * (which the planner may probe first, for every person). */
    [PENDING_EMPLOYED] =
        {"employment.employed", "persons_reemployed",
         "WITH u AS (SELECT * FROM unnest($1::char(18)[]) WITH ORDINALITY AS u(id, ord)),"
         " up AS (UPDATE persons p SET unemployed_region = NULL FROM u"
         "        WHERE p.id_number = u.id"
         "        AND p.unemployed_region IS NOT NULL AND NOT p.deceased"
         "        RETURNING u.ord,"
         "        (SELECT old.unemployed_region FROM persons old"
         "         WHERE old.id_number = p.id_number) AS unemployed_region,"
         "        (SELECT '" HARD_TO_EMPLOY "' = ANY (old.categories) FROM persons old"
         "         WHERE old.id_number = p.id_number) AS hard)"
         " SELECT up.ord IS NOT NULL, up.unemployed_region, up.hard"
         " FROM u LEFT JOIN up ON up.ord = u.ord ORDER BY u.ord",
         1, {PGARRAY_BPCHAR}},
    /* (hit, region and unemployed_region as they were) */
    [PENDING_EMPLOYMENT_DECEASED] =
        {"employment.person_deceased", "persons_deceased",
         "WITH u AS (SELECT * FROM unnest($1::char(18)[]) WITH ORDINALITY AS u(id, ord)),"
         " up AS (UPDATE persons p SET deceased = true, unemployed_region = NULL"
         "        FROM u, persons old"
         "        WHERE p.id_number = u.id AND old.id_number = p.id_number AND NOT p.deceased"
         "        RETURNING u.ord, old.region, old.unemployed_region)"
         " SELECT up.ord IS NOT NULL, up.region, up.unemployed_region"
         " FROM u LEFT JOIN up ON up.ord = u.ord ORDER BY u.ord",
         1, {PGARRAY_BPCHAR}},
    /* (hit): the enrollment was not active and the person is not dead */
    [PENDING_ENROLLED] =
        {"insurance.enrolled", "enrollments_activate",
         "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[], $3::char(12)[])"
         "           WITH ORDINALITY AS u(id, scheme, region, ord)),"
         " up AS (INSERT INTO enrollments (id_number, scheme, region, active)"
         "        SELECT id, scheme, region, true FROM u"
         "        WHERE NOT EXISTS (SELECT 1 FROM deaths d WHERE d.id_number = u.id)"
         "        ON CONFLICT (id_number, scheme) DO UPDATE"
         "        SET region = EXCLUDED.region, active = true"
         "        WHERE NOT enrollments.active RETURNING id_number)"
         " SELECT up.id_number IS NOT NULL"
         " FROM u LEFT JOIN up ON up.id_number = u.id ORDER BY u.ord",
         3, {PGARRAY_BPCHAR, PGARRAY_TEXT, PGARRAY_BPCHAR}},
    /* One event, not a run: the enrollments end only when the death is new;
     * no row when it was known already, else one row (scheme, region) per
     * enrollment ended, or one row of NULLs when none was active. */
    [PENDING_INSURANCE_DECEASED] =
        {"insurance.person_deceased", "death_insert_end",
         "WITH d AS (INSERT INTO deaths (id_number) VALUES ($1)"
         "           ON CONFLICT DO NOTHING RETURNING 1),"
         " e AS (UPDATE enrollments SET active = false"
         "       WHERE id_number = $1 AND active AND EXISTS (SELECT 1 FROM d)"
         "       RETURNING scheme, region)"
         " SELECT e.scheme, e.region FROM d LEFT JOIN e ON true",
         1, {0}},   /* plain text parameters: not a run */
};

/* ---- the page in flight --------------------------------------------------------- */

/* An event whose statement is sent or in the open run: what its deltas need
 * of it once the answer comes (the event itself is freed by then). */
typedef struct {
    pending_kind_t kind;
    uint64_t seq;
    int month;                      /* CST YYYYMM of the event */
    bool urban_new;                 /* employed: kind urban_new */
    char region[REGION_LEN + 1];    /* the event's region */
    char code[FACTS_CODE_MAX];      /* enrolled: ins.enrolled.<scheme> */
} pending_t;

/* A sent statement: the events items[first .. first + n) it answers for. */
typedef struct {
    size_t first, n;
} run_t;

#define RUN_MAX 256     /* events of one run (a page has at most 250) */
#define RUN_SLOTS 512   /* of the open run's set of id numbers: 2 x RUN_MAX, a power of 2 */
#define KEY_MAX 32      /* an id number as the set keeps it, with its NUL */

/* One daemon, one loop, one page in flight at a time: the state of that page
 * lives here, between the handlers and reporting_page_end. */
static struct {
    pending_t *items;      /* every event of the page with a statement, in order */
    size_t n, cap;
    run_t *runs;           /* the statements sent, in order */
    size_t nruns, runs_cap;
    struct {
        bool open;
        pending_kind_t kind;
        size_t first;                   /* its events are items[first .. n) */
        pgarray_t cols[RUN_COLS];       /* its parameters, one array per column */
        pgarray_t categories;           /* scratch: one person's categories */
        /* the id numbers of the run: a slot is taken when its gen is the run's */
        uint32_t gen;
        struct {
            uint32_t gen;
            char key[KEY_MAX];
        } slots[RUN_SLOTS];
    } run;
    bool piping;           /* the connection is in pipeline mode */
    facts_page_t *facts;
} s_page;

void
reporting_feeds_free(void)
{
    free(s_page.items);
    free(s_page.runs);
    pgarray_free_all(s_page.run.cols, RUN_COLS);
    pgarray_free(&s_page.run.categories);
    facts_page_destroy(&s_page.facts);
    memset(&s_page, 0, sizeof s_page);
}

/* The id number as the run statements compare it: char(18) ignores trailing
 * spaces, so two ids that name one person there have one key here. A key cut
 * at KEY_MAX may only make two persons look like one, which splits a run
 * where it need not: never two rows about one person in one statement. */
static void
s_key(const char *id, char key[KEY_MAX])
{
    size_t len = strlen(id);
    while (len > 0 && id[len - 1] == ' ')
        len--;
    if (len > KEY_MAX - 1)
        len = KEY_MAX - 1;
    memcpy(key, id, len);
    key[len] = '\0';
}

/* Adds `key` to the open run's set: false when it is there already. */
static bool
s_key_add(const char key[KEY_MAX])
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (const char *c = key; *c; c++)
        h = (h ^ (uint8_t) *c) * 16777619u;
    for (size_t i = h & (RUN_SLOTS - 1);; i = (i + 1) & (RUN_SLOTS - 1)) {
        if (s_page.run.slots[i].gen != s_page.run.gen) {
            s_page.run.slots[i].gen = s_page.run.gen;
            memcpy(s_page.run.slots[i].key, key, KEY_MAX);
            return true;
        }
        if (strcmp(s_page.run.slots[i].key, key) == 0)
            return false;
    }
}

/* Forgets the open run, if any, keeping its memory. */
static void
s_run_close(void)
{
    for (size_t i = 0; i < RUN_COLS; i++)
        pgarray_reset(&s_page.run.cols[i]);
    s_page.run.open = false;
}

static int
s_pipeline(db_t *db)
{
    if (s_page.piping)
        return 0;
    if (db_pipeline_begin(db))
        return -1;
    s_page.piping = true;
    return 0;
}

/* Notes a statement sent for items[first .. first + n). */
static int
s_run_note(size_t first, size_t n)
{
    if (s_page.nruns == s_page.runs_cap) {
        size_t cap = s_page.runs_cap ? 2 * s_page.runs_cap : 64;
        run_t *runs = realloc(s_page.runs, cap * sizeof *runs);
        if (!runs) {
            log_error("out of memory applying a page of a feed");
            return -1;
        }
        s_page.runs = runs;
        s_page.runs_cap = cap;
    }
    s_page.runs[s_page.nruns++] = (run_t){first, n};
    return 0;
}

/* Sends the open run's statement into the page's pipeline, if a run is
 * open, and closes the run; -1 on failure (the page is retried). */
static int
s_run_send(service_t *svc)
{
    if (!s_page.run.open)
        return 0;
    db_t *db = service_db(svc);
    int ncols = s_kinds[s_page.run.kind].ncols;
    const char *values[RUN_COLS];
    int lengths[RUN_COLS], formats[RUN_COLS];
    int rc = -1;
    if (pgarray_params(s_page.run.cols, (size_t) ncols, values, lengths, formats))
        log_error("out of memory applying a page of a feed");
    else if (s_run_note(s_page.run.first, s_page.n - s_page.run.first) == 0 &&
             s_pipeline(db) == 0 &&
             db_pipeline_send(db, s_kinds[s_page.run.kind].name, s_kinds[s_page.run.kind].sql,
                              ncols, values, lengths, formats) == 0)
        rc = 0;
    s_run_close();
    return rc;
}

/* A new item at the end of the page for `ev`; NULL when out of memory. */
static pending_t *
s_item_new(const Hrss__Event *ev, pending_kind_t kind)
{
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
    pending_t *p = &s_page.items[s_page.n++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->seq = ev->seq;
    p->month = period_of_instant(ev->occurred_at_us);
    snprintf(p->region, sizeof p->region, "%s", ev->region);
    return p;
}

/* Makes the event about `id_number` the next of the open run of `kind`,
 * sending the open run first when it is of another kind, full, or has an
 * event about the same person. The caller then appends the event's
 * parameters to s_page.run.cols, in column order. NULL on failure (the page
 * is retried). */
static pending_t *
s_run_join(service_t *svc, const Hrss__Event *ev, pending_kind_t kind, const char *id_number)
{
    char key[KEY_MAX];
    s_key(id_number, key);
    if (s_page.run.open &&
        (s_page.run.kind != kind || s_page.n - s_page.run.first == RUN_MAX || !s_key_add(key))) {
        if (s_run_send(svc))
            return NULL;
    }
    if (!s_page.run.open) {
        s_page.run.open = true;
        s_page.run.kind = kind;
        for (size_t i = 0; i < RUN_COLS; i++)
            pgarray_retype(&s_page.run.cols[i], s_kinds[kind].types[i]);
        s_page.run.first = s_page.n;
        if (++s_page.run.gen == 0) {   /* wrapped: every slot looks free again */
            for (size_t i = 0; i < RUN_SLOTS; i++)
                s_page.run.slots[i].gen = 0;
            s_page.run.gen = 1;
        }
        s_key_add(key);
    }
    return s_item_new(ev, kind);
}

/* Sends the statement of one event that goes alone (after the open run) and
 * notes how to read its answer; NULL on failure (the page is retried). */
static pending_t *
s_send_alone(service_t *svc, const Hrss__Event *ev, pending_kind_t kind, int nparams,
             const char *const *values)
{
    db_t *db = service_db(svc);
    if (s_run_send(svc) || s_run_note(s_page.n, 1) || s_pipeline(db) ||
        db_pipeline_send(db, s_kinds[kind].name, s_kinds[kind].sql, nparams, values, NULL, NULL))
        return NULL;
    return s_item_new(ev, kind);
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
                  s_kinds[p->kind].type, code, region);
}

/* Whether the effect of the event of row `row` happened (column 0). */
static bool
s_hit(const PGresult *res, int row)
{
    return PQgetvalue(res, row, 0)[0] == 't';
}

/* The deltas of one event: row `row` of its run's answer (of an event that
 * goes alone, the whole answer). */
static void
s_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    switch (p->kind) {
    case PENDING_PERSON_REGISTERED: {
        /* New person: joins the labor force where registered. Known and
         * alive in another region: moves there (a registered unemployment
         * stays counted where it was registered). Known and deceased:
         * nothing. */
        bool known = !PQgetisnull(res, row, 0);
        if (!known) {
            s_add(batch, p, "emp.labor_force", p->region, 1);
        } else if (PQgetvalue(res, row, 1)[0] != 't' &&
                   strcmp(PQgetvalue(res, row, 0), p->region) != 0) {
            s_add(batch, p, "emp.labor_force", PQgetvalue(res, row, 0), -1);
            s_add(batch, p, "emp.labor_force", p->region, 1);
        }
        break;
    }
    case PENDING_UNEMPLOYMENT_REGISTERED:
        if (s_hit(res, row)) {
            if (!PQgetisnull(res, row, 1))   /* moved from where it was registered */
                s_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, row, 1), -1);
            s_add(batch, p, "emp.registered_unemployed", p->region, 1);
        }
        break;
    case PENDING_EMPLOYED:
        if (p->urban_new)
            s_add(batch, p, "emp.urban_new_jobs", p->region, 1);
        if (s_hit(res, row)) {
            s_add(batch, p, "emp.reemployed_unemployed", p->region, 1);
            if (PQgetvalue(res, row, 2)[0] == 't')
                s_add(batch, p, "emp.reemployed_hard_to_employ", p->region, 1);
            s_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, row, 1), -1);
        }
        break;
    case PENDING_EMPLOYMENT_DECEASED:
        if (s_hit(res, row)) {
            s_add(batch, p, "emp.labor_force", PQgetvalue(res, row, 1), -1);
            if (!PQgetisnull(res, row, 2))
                s_add(batch, p, "emp.registered_unemployed", PQgetvalue(res, row, 2), -1);
        }
        break;
    case PENDING_ENROLLED:
        if (s_hit(res, row))
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

/* Reads the answers of the page's statements in order and merges their
 * deltas, event by event. */
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
    for (size_t r = 0; r < s_page.nruns; r++) {
        const run_t *run = &s_page.runs[r];
        PGresult *res = db_pipeline_result(db);
        if (!res)
            goto out;
        const pending_t *items = &s_page.items[run->first];
        if (items[0].kind != PENDING_INSURANCE_DECEASED && PQntuples(res) != (int) run->n) {
            log_error("feed event %" PRIu64 " (%s): %d rows answer a run of %zu events",
                      items[0].seq, s_kinds[items[0].kind].type, PQntuples(res), run->n);
            PQclear(res);
            goto out;
        }
        for (size_t k = 0; k < run->n; k++) {
            facts_batch_t batch;
            facts_batch_init(&batch);
            s_deltas(&items[k], res, (int) k, &batch);
            if (facts_page_merge(s_page.facts, &batch, items[k].month)) {
                log_error("out of memory gathering the facts of a page");
                PQclear(res);
                goto out;
            }
        }
        PQclear(res);
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
    static const uint32_t types[] = {PGARRAY_TEXT, PGARRAY_BPCHAR, PGARRAY_LITERAL,
                                     PGARRAY_INT8};
    pgarray_t cols[4];
    pgarray_init_types(cols, types, 4);
    facts_page_arrays(s_page.facts, &cols[0], &cols[1], &cols[2], &cols[3]);
    const char *values[4];
    int lengths[4], formats[4];
    if (pgarray_params(cols, 4, values, lengths, formats)) {
        log_error("out of memory writing the facts of a page");
        goto out;
    }
    PGresult *res = db_prepared(db, "facts_add_page",
                                "INSERT INTO facts (code, region, month, value)"
                                " SELECT d.code, d.region, d.month, d.delta"
                                " FROM unnest($1::text[], $2::char(12)[], $3::int[], $4::bigint[])"
                                "      AS d(code, region, month, delta)"
                                " ON CONFLICT (code, region, month)"
                                " DO UPDATE SET value = facts.value + EXCLUDED.value",
                                4, values, lengths, formats);
    rc = res ? 0 : -1;
    PQclear(res);
out:
    pgarray_free_all(cols, 4);
    return rc;
}

int
reporting_page_end(service_t *svc, const char *source, bool committing)
{
    (void) source;
    db_t *db = service_db(svc);
    int rc = 0;
    if (committing) {
        rc = s_run_send(svc);   /* the open run */
        if (rc == 0)
            rc = s_page_collect(db);
        if (rc == 0)
            rc = s_page_write(db);
    }
    if (s_page.piping) {
        /* the page failed before its answers were read: drain what was sent,
         * the page is undone */
        (void) db_pipeline_sync(db);
        (void) db_pipeline_end(db);
        s_page.piping = false;
    }
    s_run_close();
    s_page.n = 0;
    s_page.nruns = 0;
    if (s_page.facts)
        facts_page_clear(s_page.facts);
    return rc;
}

/* ---- employment's feed ------------------------------------------------------ */

/* A new person, or an update of a living one (registered again elsewhere:
 * moves in the labor force). */
static int
s_person_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__PersonRegistered *d = (const Hrss__PersonRegistered *) msg;
    if (!s_region_ok(ev))
        return 0;
    /* the person's categories: an array literal, one text element of the run */
    pgarray_t *categories = &s_page.run.categories;
    pgarray_reset(categories);
    for (size_t i = 0; i < d->n_categories; i++)
        pgarray_add_text(categories, d->categories[i]);
    const char *literal = pgarray_literal(categories);
    if (!literal) {
        log_error("out of memory applying a person_registered");
        return -1;
    }
    if (!s_run_join(svc, ev, PENDING_PERSON_REGISTERED, d->id_number))
        return -1;
    pgarray_add_text(&s_page.run.cols[0], d->id_number);
    pgarray_add_text(&s_page.run.cols[1], ev->region);
    pgarray_add_text(&s_page.run.cols[2], literal);
    return 0;
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
    if (!s_run_join(svc, ev, PENDING_UNEMPLOYMENT_REGISTERED, d->id_number))
        return -1;
    pgarray_add_text(&s_page.run.cols[0], d->id_number);
    pgarray_add_text(&s_page.run.cols[1], ev->region);
    return 0;
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
    pending_t *p = s_run_join(svc, ev, PENDING_EMPLOYED, d->id_number);
    if (!p)
        return -1;
    pgarray_add_text(&s_page.run.cols[0], d->id_number);
    p->urban_new = strcmp(d->kind, "urban_new") == 0;
    return 0;
}

/* Derived by employment when a registered person dies: leaves the labor
 * force where the copy has them, and registered unemployment if any. */
static int
s_employment_person_deceased(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__EmploymentPersonDeceased *d = (const Hrss__EmploymentPersonDeceased *) msg;
    if (!s_run_join(svc, ev, PENDING_EMPLOYMENT_DECEASED, d->id_number))
        return -1;
    pgarray_add_text(&s_page.run.cols[0], d->id_number);
    return 0;
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
    pending_t *p = s_run_join(svc, ev, PENDING_ENROLLED, d->id_number);
    if (!p)
        return -1;
    pgarray_add_text(&s_page.run.cols[0], d->id_number);
    pgarray_add_text(&s_page.run.cols[1], d->scheme);
    pgarray_add_text(&s_page.run.cols[2], ev->region);
    snprintf(p->code, sizeof p->code, "ins.enrolled.%s", d->scheme);
    return 0;
}

/* 死亡直报, once per person; every active enrollment of the person ends
 * where it counted. One statement per event: the enrollments end only when
 * the death is new, and the answer has no row when it was known already. */
static int
s_insurance_person_deceased(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    const Hrss__InsurancePersonDeceased *d = (const Hrss__InsurancePersonDeceased *) msg;
    if (!s_region_ok(ev))
        return 0;
    const char *values[] = {d->id_number};
    return s_send_alone(svc, ev, PENDING_INSURANCE_DECEASED, 1, values) ? 0 : -1;
}

const feed_handler_t reporting_insurance_feed[] = {
    {"insurance.enrolled", s_enrolled},
    {"insurance.person_deceased", s_insurance_person_deceased},
    {NULL, NULL}};

/* ---- arrears' feed: subscribed, its indicators follow ------------------------ */

const feed_handler_t reporting_arrears_feed[] = {{NULL, NULL}};

/* ---- what the feeds above produce ------------------------------------------ */

/* Every code s_deltas writes, by the aggregate (the copy reporting keeps)
 * whose changes it counts: the catalog (indicators.def) names the same
 * aggregate for each, and the coherence test holds the two together. */
#define ENROLLED_(s, arg) {"enrollments", "ins.enrolled." #s},
const indicator_producer_t reporting_indicators[] = {
    {"persons", "emp.urban_new_jobs"},
    {"persons", "emp.reemployed_unemployed"},
    {"persons", "emp.reemployed_hard_to_employ"},
    {"persons", "emp.labor_force"},
    {"persons", "emp.registered_unemployed"},
    {"enrollments", "ins.deaths_reported"},
    INSURANCE_SCHEMES(ENROLLED_, ~)
    {NULL, NULL}};
