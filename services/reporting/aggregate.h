/* aggregate — how reporting keeps one aggregate (persons, enrollments,
 * deaths, ...) from the feeds, and the page engine the aggregates share.
 *
 * An aggregate is one file (agg_<name>.c) that defines a
 * reporting_aggregate_t: the event types it reads (its kinds), for each the
 * statement that updates the aggregate's small copy, and the facts that the
 * statement's answer moves (the indicators it feeds). Adding one: its file,
 * and one line in reporting_aggregates (aggregates.c).
 *
 * The page engine (page.c) applies a page of a feed in two round trips'
 * worth of statements. A kind's `join` puts its event into the open run
 * (page_join, then its parameters into page_col) or sends it alone
 * (page_alone); consecutive events of one kind about distinct keys form one
 * run, sent as ONE statement that unnests one array per column WITH
 * ORDINALITY and answers one row per event, in order (runs.h). At the end of
 * the page the answers are read in order, each kind's `deltas` says which
 * facts move, and the deltas of the whole page, merged by (code, region,
 * month), are written in one upsert; every delta counts in the CST month of
 * its event. A page that fails is forgotten whole and applied again. */
#ifndef HRSS_REPORTING_AGGREGATE_H
#define HRSS_REPORTING_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "facts.h"
#include "pgarray.h"
#include "region.h"
#include "service.h"

#define RUN_COLS 6   /* array parameters of the widest run statement */

typedef struct reporting_kind_t reporting_kind_t;
typedef struct page_t page_t;

/* An event whose statement is sent or in the open run: what its deltas need
 * of it once the answer comes (the event itself is let go by then). */
typedef struct {
    const reporting_kind_t *kind;
    uint64_t seq;
    int month;                      /* CST YYYYMM of the event */
    char region[REGION_LEN + 1];    /* the event's region */
    bool flag;                      /* the kind's own: employed, of kind urban_new */
    int64_t amount;                 /* the kind's own: fen of a loan, positions of a fair */
    char code[FACTS_CODE_MAX];      /* the kind's own: enrolled, ins.enrolled.<scheme> */
} pending_t;

/* Puts the event into the page (page_join or page_alone), or skips it
 * (returns 0 without either); -1 on failure (the page is retried). */
typedef int(kind_join_fn)(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                          const ProtobufCMessage *data);
/* The deltas of one event: row `row` of its run's answer (of an event that
 * went alone, the whole answer). */
typedef void(kind_deltas_fn)(const pending_t *p, const PGresult *res, int row,
                             facts_batch_t *batch);

struct reporting_kind_t {
    const char *type;               /* the event type it reads */
    const char *name;               /* of the prepared statement */
    const char *sql;
    int ncols;
    uint32_t types[RUN_COLS];       /* of a run's array columns (pgarray.h); 0s: alone */
    kind_join_fn *join;
    kind_deltas_fn *deltas;
};

typedef struct {
    const char *name;                /* "persons" */
    const reporting_kind_t *kinds;   /* {NULL} terminated */
    /* the fact codes it writes (the indicators it feeds), NULL terminated;
     * "ins.enrolled.*": one per scheme. What a catalog's coherence check
     * reads to tell an indicator marked computed from one nothing produces. */
    const char *const *writes;
} reporting_aggregate_t;

/* The producer's name of the rates: computed when asked (queries.c) from
 * their numerator and denominator, of every RATE of the catalog whose two
 * parts an aggregate writes; in common/indicators.def, RATE(..., "rates"). */
#define REPORTING_RATES "rates"

/* Every aggregate reporting keeps (aggregates.c), NULL terminated. */
extern const reporting_aggregate_t *const reporting_aggregates[];
/* What the aggregates write, as the catalog's coherence test reads it
 * (service_def_t.produces): one entry per code, ".*" expanded per scheme.
 * NULL when out of memory. */
indicator_producer_t *reporting_producers_new(void);
void reporting_producers_free(indicator_producer_t **self_p);

/* ---- for the kinds ---------------------------------------------------------- */

/* Makes the event (about `key`) the next of the open run of `kind`, sending
 * the open run first when it cannot join; the caller then appends the
 * event's parameters with page_col, in column order. NULL on failure. */
pending_t *page_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                     const char *key);
pgarray_t *page_col(page_t *page, int col);
/* A scratch array (one person's categories, say), reset. */
pgarray_t *page_scratch(page_t *page);
/* Sends the statement of an event that goes alone, with plain text
 * parameters. NULL on failure. */
pending_t *page_alone(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                      int nparams, const char *const *values);

/* Whether a peer's event has a region that rolls up (else logged: skip it). */
bool page_region_ok(const Hrss__Event *ev);
/* Adds a delta and its roll-up to `batch`. */
void page_add(facts_batch_t *batch, const pending_t *p, const char *code, const char *region,
              int64_t delta);
/* The same in month `month` (YYYYMM) instead of the event's. */
void page_add_at(facts_batch_t *batch, const pending_t *p, const char *code, const char *region,
                 int month, int64_t delta);
/* Column `col` of row `row` as an int64, 0 when NULL. */
int64_t page_int(const PGresult *res, int row, int col);
/* Whether the effect of the event of row `row` happened (column 0). */
bool page_hit(const PGresult *res, int row);

/* ---- for the daemon ---------------------------------------------------------- */

page_t *page_new(service_t *svc);
void page_destroy(page_t **self_p);
/* The feed handlers of `source`'s event types, from the aggregates. */
const feed_handler_t *page_handlers(page_t *self, const char *source);
/* feed_page_fn: the end of a page (see feed_subscription_t). */
int reporting_page_end(service_t *svc, const char *source, bool committing);

#endif
