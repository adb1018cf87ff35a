/* indicators — the indicator catalog of the contract, as a table: codes,
 * names, units, how each aggregates over time, the reporting aggregate that
 * produces it and, for a rate, its numerator and denominator. Stated once,
 * in indicators.def. Codes are part of the contract. */
#ifndef HRSS_INDICATORS_H
#define HRSS_INDICATORS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    INDICATOR_FLOW,   /* counted in the month of the event; cumulative from January */
    INDICATOR_STOCK,  /* state at the end of the period: the sum of all deltas so far */
    INDICATOR_RATE    /* percent with two decimals, from two other indicators */
} indicator_kind_t;

typedef struct {
    const char *code;          /* "emp.urban_new_jobs" */
    const char *name;          /* "城镇新增就业" */
    const char *unit;          /* "人" */
    indicator_kind_t kind;
    const char *aggregate;     /* the reporting aggregate that produces it, or NULL */
    const char *numerator;     /* a rate's: codes of this catalog, or NULL while the */
    const char *denominator;   /* contract names none */
    bool computed;             /* produced today: aggregate != NULL (the rest read 0) */
} indicator_t;

/* What a producer of indicators declares: "the aggregate `aggregate` writes
 * facts of `code`". Reporting lists its own ({NULL} terminated); the
 * coherence test compares the list with the catalog. */
typedef struct {
    const char *aggregate;
    const char *code;
} indicator_producer_t;

/* NULL for an unknown code. */
const indicator_t *indicator_find(const char *code);
const indicator_t *indicator_all(size_t *count);

#endif
