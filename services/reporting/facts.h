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

#include "region.h"

#define FACTS_MAX 64          /* (code, region) pairs of one event */
#define FACTS_CODE_MAX 64     /* longest indicator code, with its NUL */

typedef struct {
    char code[FACTS_CODE_MAX];
    char region[REGION_LEN + 1];
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

/* Pairs whose deltas do not cancel out. */
size_t facts_batch_count(const facts_batch_t *self);

/* The batch as three PostgreSQL array literals (text[], char(12)[],
 * bigint[]), skipping pairs whose deltas cancelled out. -1 when a buffer is
 * too small (FACTS_LITERAL_MAX each always suffices). */
#define FACTS_LITERAL_MAX (FACTS_MAX * (2 * FACTS_CODE_MAX + 3) + 3)
int facts_batch_literals(const facts_batch_t *self, char *codes, char *regions, char *deltas,
                         size_t size);

/* A PostgreSQL text[] literal of `items`: each element double-quoted, with
 * '"' and '\' escaped. Writes at most `size` bytes (NUL included) like
 * snprintf and returns the length the whole literal needs. */
size_t text_array_literal(char *out, size_t size, const char *const *items, size_t n);

#endif
