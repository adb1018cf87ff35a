/* facts — the indicator deltas one feed event causes, rolled up the region
 * tree, ready for one upsert.
 *
 * Reporting stores facts at every level of the region tree, so that a query
 * reads one region directly. An event adding `delta` at a village adds it at
 * the village, its township, county, city and province. Deltas of one event
 * that land on the same (code, region) are merged here: a single
 * INSERT ... ON CONFLICT DO UPDATE may not touch a row twice, and a person
 * moving between two villages of one township leaves the township unchanged. */
#ifndef HRSS_REPORTING_FACTS_H
#define HRSS_REPORTING_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "pgarray.h"
#include "region.h"

#define FACTS_MAX 64          /* (code, region) pairs of one event */
#define FACTS_CODE_MAX 64     /* longest indicator code, with its NUL */

typedef struct {
    char code[FACTS_CODE_MAX];
    char region[REGION_LEN + 1];
    int month;        /* YYYYMM it counts in; 0: the month of the event */
    int64_t delta;
} fact_t;

typedef struct {
    fact_t items[FACTS_MAX];
    size_t n;
} facts_batch_t;

void facts_batch_init(facts_batch_t *self);

/* Adds `delta` of `code` at `region12` and at each of its ancestors. -1 when
 * the region is not 12 digits, the code too long, or the batch full; the
 * batch is then unchanged. */
int facts_batch_add(facts_batch_t *self, const char *code, const char *region12, int64_t delta);
/* The same in month `month` (YYYYMM) instead of the event's: a job's
 * positions updated later count in the month of its first posting, a stock
 * that ends by time (a job's validity) ends in the month it runs out. */
int facts_batch_add_at(facts_batch_t *self, const char *code, const char *region12, int month,
                       int64_t delta);

/* Pairs whose deltas do not cancel out. */
size_t facts_batch_count(const facts_batch_t *self);

/* Appends the batch to three arrays, one element per pair whose deltas do
 * not cancel out: codes (text[]), regions (char(12)[]) and deltas
 * (bigint[]), for one unnest(). Out of memory shows as a NULL
 * pgarray_literal. */
void facts_batch_arrays(const facts_batch_t *self, pgarray_t *codes, pgarray_t *regions,
                        pgarray_t *deltas);

/* facts_page — the deltas of a whole page of a feed, merged by (code,
 * region, month) in a hash map, so that the page is written in one upsert
 * (which may not touch a row twice either). Entries keep the order in which
 * they first appeared. */
typedef struct facts_page_t facts_page_t;

facts_page_t *facts_page_new(void);
void facts_page_destroy(facts_page_t **self_p);

/* Adds every pair of `batch` (one event's deltas) in `month` (YYYYMM), or
 * in its own month for a pair added with facts_batch_add_at. -1
 * when out of memory; the page then holds part of the batch, so the caller
 * must give up the page (facts_page_clear). */
int facts_page_merge(facts_page_t *self, const facts_batch_t *batch, int month);

/* Entries whose deltas do not cancel out. */
size_t facts_page_count(const facts_page_t *self);

/* Appends the page to four arrays, one element per entry whose deltas do not
 * cancel out: codes (text[]), regions (char(12)[]), months (int[]) and
 * deltas (bigint[]). Out of memory shows as a NULL pgarray_literal. */
void facts_page_arrays(const facts_page_t *self, pgarray_t *codes, pgarray_t *regions,
                       pgarray_t *months, pgarray_t *deltas);

/* Forgets every entry, keeping the memory for the next page. */
void facts_page_clear(facts_page_t *self);

#endif
