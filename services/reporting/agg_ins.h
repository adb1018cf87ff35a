/* What the insurance aggregates (agg_funds.c, agg_supervision.c) share: the
 * kinds whose event only hands its amount to the deltas. Insurance refuses
 * duplicates before they reach its feed, so such a kind keeps no copy. */
#ifndef HRSS_REPORTING_AGG_INS_H
#define HRSS_REPORTING_AGG_INS_H

#include "aggregate.h"

/* The statement of such a kind: one row per event of the run, (true, the
 * amount), in order; its one column is PGARRAY_INT8. */
#define INS_AMOUNTS_SQL                                                                   \
    "SELECT true, a FROM unnest($1::bigint[]) WITH ORDINALITY AS u(a, ord) ORDER BY ord"

/* Joins the event (about `key`) with `amount`; `scheme` (NULL: none) goes
 * into p->code, and when `period` (YYYY-MM) is given the deltas count in
 * that month instead of the event's. Skips (0) an event whose region,
 * scheme or period is unusable, logged; 1 when joined, -1 on failure. */
int ins_join_amount(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                    const char *key, const char *scheme, const char *period, int64_t amount);
/* The amount of row `row` of the answer. */
int64_t ins_amount(const PGresult *res, int row);
/* Adds `delta` to "<prefix>.<the pending event's scheme>" at its region. */
void ins_add_scheme(facts_batch_t *batch, const pending_t *p, const char *prefix, int64_t delta);

#endif
