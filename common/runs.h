/* runs — consecutive items gathered into one statement per run.
 *
 * The ingest engine (a batch's events) and the feed consumer (a page's
 * events) apply a sequence of items through pipelined statements: items of
 * one kind (their handler) whose keys (the row each writes: a person's id
 * number) differ form one run, sent as ONE statement that unnests the arrays
 * of its parameters and answers one row per item, in order. An item of
 * another kind, one whose key is already in the open run, one without a key
 * or one past the run's bound starts a new run, so the rows of one statement
 * never touch the same row and each statement sees what the earlier ones did.
 *
 * runs_t keeps only the bookkeeping: which items form the open run, the
 * statements sent and how many items each answers for. The caller keeps the
 * items themselves, in an array of its own in the same order, and sends the
 * statements. Keys compare as char(n) does, without trailing spaces; a key
 * must stay valid until the next runs_reset. */
#ifndef HRSS_RUNS_H
#define HRSS_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "hashtab.h"

typedef struct {
    size_t max;             /* items of one run at most; 0: no bound */
    const void *kind;       /* of the open run */
    bool sealed;            /* the open run takes no more items (its first had no key) */
    size_t first;           /* the open run: items [first, n) */
    size_t n;               /* items added since runs_reset */
    const char **keys;      /* of the items, by index (NULL: none) */
    size_t keys_cap;
    size_t *sizes;          /* items of each statement sent */
    size_t nsent, sizes_cap;
    hashtab_t set;          /* the open run's keys */
} runs_t;

void runs_init(runs_t *self, size_t max);
void runs_free(runs_t *self);
/* No items, no statements: a new pipeline. Keeps the memory. */
void runs_reset(runs_t *self);

/* Whether items were added since the open run was last sent. */
static inline bool
runs_open(const runs_t *self)
{
    return self->first < self->n;
}

/* Whether an item of `kind` with `key` (NULL: none) joins the open run.
 * When it does not, and a run is open, the caller sends the open run
 * (runs_sent) before it adds the item. */
bool runs_fits(runs_t *self, const void *kind, const char *key);
/* Adds the item, the next of the open run or the first of a new one; -1
 * when out of memory. Its index is self->n - 1 after the call. */
int runs_add(runs_t *self, const void *kind, const char *key);
/* Notes that the open run went out as one statement; -1 when out of memory. */
int runs_sent(runs_t *self);

/* The statements sent since runs_reset, in order: statement s answers for
 * the sizes[s] items that follow those of the statements before it. */
static inline size_t
runs_count(const runs_t *self)
{
    return self->nsent;
}

#endif
