/* indicators — the indicator catalog of CONTRACT.md: codes, names, units and
 * how each aggregates over time. Codes are part of the contract. */
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
    bool computed;             /* hrss computes it today (the rest follow their events) */
} indicator_t;

/* NULL for an unknown code. */
const indicator_t *indicator_find(const char *code);
const indicator_t *indicator_all(size_t *count);

#endif
