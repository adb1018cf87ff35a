/* page — the page engine the aggregates share (see aggregate.h). Its state
 * is one page_t per daemon, reached through service_user: one loop, one
 * page in flight at a time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "event_types.h"
#include "log.h"
#include "reporting.h"
#include "runs.h"
#include "timeutil.h"

#define RUN_MAX 256     /* events of one run (a page has at most FEED_PAGE) */
#define MAX_SOURCES 8

struct page_t {
    service_t *svc;        /* of the page being applied */
    pending_t *items;      /* every event of the page with a statement, in order */
    size_t cap;
    runs_t runs;           /* the items' runs: the open one and those sent */
    pgarray_t cols[RUN_COLS];   /* the open run's parameters, one array per column */
    pgarray_t scratch;
    bool piping;           /* the connection is in pipeline mode */
    facts_page_t *facts;
    struct {
        const char *source;
        feed_handler_t *handlers;
    } sources[MAX_SOURCES];
};

/* ---- what the kinds use -------------------------------------------------------- */

bool
page_region_ok(const Hrss__Event *ev)
{
    /* a region that is no 12-digit code would roll up nowhere: logged and
     * skipped rather than stalling the feed */
    if (region_level(ev->region) > REGION_NATION)
        return true;
    log_warn("feed event %" PRIu64 " (%s): region is not a 12-digit division code, skipped",
             ev->seq, ev->type);
    return false;
}

void
page_add(facts_batch_t *batch, const pending_t *p, const char *code, const char *region,
         int64_t delta)
{
    /* Regions come from our own copy or a checked event and codes from the
     * aggregates, so a failure is a programming error; it is logged and the
     * delta dropped rather than the feed stalled. */
    if (facts_batch_add(batch, code, region, delta))
        log_error("feed event %" PRIu64 " (%s): delta of %s at %.12s not counted", p->seq,
                  p->kind->type, code, region);
}

void
page_add_at(facts_batch_t *batch, const pending_t *p, const char *code, const char *region,
            int month, int64_t delta)
{
    if (facts_batch_add_at(batch, code, region, month, delta))
        log_error("feed event %" PRIu64 " (%s): delta of %s at %.12s in %d not counted", p->seq,
                  p->kind->type, code, region, month);
}

int64_t
page_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

bool
page_hit(const PGresult *res, int row)
{
    return PQgetvalue(res, row, 0)[0] == 't';
}

pgarray_t *
page_col(page_t *page, int col)
{
    return &page->cols[col];
}

pgarray_t *
page_scratch(page_t *page)
{
    pgarray_reset(&page->scratch);
    return &page->scratch;
}

static int
s_pipeline(page_t *page)
{
    if (page->piping)
        return 0;
    if (db_pipeline_begin(service_db(page->svc)))
        return -1;
    page->piping = true;
    return 0;
}

/* Sends the open run's statement into the page's pipeline, if a run is
 * open; -1 on failure (the page is retried). */
static int
s_run_send(page_t *page)
{
    if (!runs_open(&page->runs))
        return 0;
    const reporting_kind_t *kind = page->runs.kind;
    db_t *db = service_db(page->svc);
    const char *values[RUN_COLS];
    int lengths[RUN_COLS], formats[RUN_COLS];
    int rc = -1;
    if (pgarray_params(page->cols, (size_t) kind->ncols, values, lengths, formats))
        log_error("out of memory applying a page of a feed");
    else if (s_pipeline(page) == 0 &&
             db_pipeline_send(db, kind->name, kind->sql, kind->ncols, values, lengths,
                              formats) == 0 &&
             runs_sent(&page->runs) == 0)
        rc = 0;
    for (size_t i = 0; i < RUN_COLS; i++)
        pgarray_reset(&page->cols[i]);
    return rc;
}

/* A new item at the end of the page for `ev`, in the runs with `key`. */
static pending_t *
s_item_new(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev, const char *key)
{
    if (page->runs.n == page->cap) {
        size_t cap = page->cap ? 2 * page->cap : 256;
        pending_t *items = realloc(page->items, cap * sizeof *items);
        if (!items)
            goto oom;
        page->items = items;
        page->cap = cap;
    }
    if (runs_add(&page->runs, kind, key))
        goto oom;
    pending_t *p = &page->items[page->runs.n - 1];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->seq = ev->seq;
    p->month = period_of_instant(ev->occurred_at_us);
    snprintf(p->region, sizeof p->region, "%s", ev->region);
    return p;
oom:
    log_error("out of memory applying feed event %" PRIu64, ev->seq);
    return NULL;
}

pending_t *
page_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev, const char *key)
{
    if (!runs_fits(&page->runs, kind, key) && s_run_send(page))
        return NULL;
    if (!runs_open(&page->runs))
        for (size_t i = 0; i < RUN_COLS; i++)
            pgarray_retype(&page->cols[i], kind->types[i]);
    return s_item_new(page, kind, ev, key);
}

pending_t *
page_alone(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev, int nparams,
           const char *const *values)
{
    db_t *db = service_db(page->svc);
    if (s_run_send(page) || s_pipeline(page))
        return NULL;
    pending_t *p = s_item_new(page, kind, ev, NULL);
    if (!p || db_pipeline_send(db, kind->name, kind->sql, nparams, values, NULL, NULL) ||
        runs_sent(&page->runs))
        return NULL;
    return p;
}

/* ---- the page's end ------------------------------------------------------------ */

/* Reads the answers of the page's statements in order and merges their
 * deltas, event by event. */
static int
s_page_collect(page_t *page, db_t *db)
{
    if (!page->piping)
        return 0;
    int rc = -1;
    if (!page->facts && !(page->facts = facts_page_new())) {
        log_error("out of memory gathering the facts of a page");
        goto out;
    }
    if (db_pipeline_sync(db))
        goto out;
    size_t first = 0;
    for (size_t r = 0; r < runs_count(&page->runs); first += page->runs.sizes[r++]) {
        size_t n = page->runs.sizes[r];
        PGresult *res = db_pipeline_result(db);
        if (!res)
            goto out;
        const pending_t *items = &page->items[first];
        bool alone = items[0].kind->types[0] == 0;
        if (!alone && PQntuples(res) != (int) n)   /* the kind's statement is wrong */
            log_fatal("feed event %" PRIu64 " (%s): %d rows answer a run of %zu events",
                      items[0].seq, items[0].kind->type, PQntuples(res), n);
        for (size_t k = 0; k < n; k++) {
            facts_batch_t batch;
            facts_batch_init(&batch);
            items[k].kind->deltas(&items[k], res, (int) k, &batch);
            if (facts_page_merge(page->facts, &batch, items[k].month)) {
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
    page->piping = false;
    return rc;
}

/* One upsert for every delta of the page. */
static int
s_page_write(page_t *page, db_t *db)
{
    if (!page->facts || facts_page_count(page->facts) == 0)
        return 0;
    int rc = -1;
    static const uint32_t types[] = {PGARRAY_TEXT, PGARRAY_BPCHAR, PGARRAY_LITERAL,
                                     PGARRAY_INT8};
    pgarray_t cols[4];
    pgarray_init_types(cols, types, 4);
    facts_page_arrays(page->facts, &cols[0], &cols[1], &cols[2], &cols[3]);
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
    page_t *page = service_user(svc);
    page->svc = svc;
    db_t *db = service_db(svc);
    int rc = 0;
    if (committing) {
        rc = s_run_send(page);   /* the open run */
        if (rc == 0)
            rc = s_page_collect(page, db);
        if (rc == 0)
            rc = s_page_write(page, db);
    }
    if (page->piping) {
        /* the page failed before its answers were read: drain what was sent,
         * the page is undone */
        (void) db_pipeline_sync(db);
        (void) db_pipeline_end(db);
        page->piping = false;
    }
    for (size_t i = 0; i < RUN_COLS; i++)
        pgarray_reset(&page->cols[i]);
    runs_reset(&page->runs);
    if (page->facts)
        facts_page_clear(page->facts);
    return rc;
}

/* ---- the feed handlers ----------------------------------------------------------- */

static const reporting_kind_t *
s_kind(const char *type)
{
    for (size_t a = 0; reporting_aggregates[a]; a++)
        for (const reporting_kind_t *k = reporting_aggregates[a]->kinds; k->type; k++)
            if (strcmp(k->type, type) == 0)
                return k;
    return NULL;
}

/* feed_apply_fn of every type an aggregate reads. */
static int
s_apply(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data)
{
    page_t *page = service_user(svc);
    page->svc = svc;
    const reporting_kind_t *kind = s_kind(ev->type);
    return kind ? kind->join(page, kind, ev, data) : 0;
}

const feed_handler_t *
page_handlers(page_t *self, const char *source)
{
    size_t slot = 0;
    while (slot < MAX_SOURCES && self->sources[slot].source &&
           strcmp(self->sources[slot].source, source) != 0)
        slot++;
    if (slot == MAX_SOURCES)
        return NULL;
    if (self->sources[slot].handlers)
        return self->sources[slot].handlers;
    size_t len = strlen(source), n = 0;
    for (int pass = 0; pass < 2; pass++) {
        feed_handler_t *h = pass ? calloc(n + 1, sizeof *h) : NULL;
        if (pass && !h)
            return NULL;
        n = 0;
        for (size_t a = 0; reporting_aggregates[a]; a++)
            for (const reporting_kind_t *k = reporting_aggregates[a]->kinds; k->type; k++)
                if (strncmp(k->type, source, len) == 0 && k->type[len] == '.') {
                    if (pass)
                        h[n] = (feed_handler_t){k->type, s_apply};
                    n++;
                }
        if (pass) {
            self->sources[slot].source = source;
            self->sources[slot].handlers = h;
        }
    }
    return self->sources[slot].handlers;
}

page_t *
page_new(service_t *svc)
{
    page_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->svc = svc;
    runs_init(&self->runs, RUN_MAX);
    return self;
}

void
page_destroy(page_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    page_t *self = *self_p;
    free(self->items);
    runs_free(&self->runs);
    pgarray_free_all(self->cols, RUN_COLS);
    pgarray_free(&self->scratch);
    facts_page_destroy(&self->facts);
    for (size_t i = 0; i < MAX_SOURCES; i++)
        free(self->sources[i].handlers);
    free(self);
    *self_p = NULL;
}
