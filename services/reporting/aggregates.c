/* The aggregates reporting keeps, each in its own file (see aggregate.h).
 * Adding one: its agg_<name>.c and one line here. */
#include "aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_types.h"

extern const reporting_aggregate_t reporting_persons;
extern const reporting_aggregate_t reporting_enrollments;
extern const reporting_aggregate_t reporting_deaths;
extern const reporting_aggregate_t reporting_jobs;
extern const reporting_aggregate_t reporting_recommendations;
extern const reporting_aggregate_t reporting_services;
extern const reporting_aggregate_t reporting_graduates;
extern const reporting_aggregate_t reporting_funds;
extern const reporting_aggregate_t reporting_recipients;
extern const reporting_aggregate_t reporting_supervision;
extern const reporting_aggregate_t reporting_projects;
extern const reporting_aggregate_t reporting_clues;
extern const reporting_aggregate_t reporting_cases;
extern const reporting_aggregate_t reporting_arbitrations;
extern const reporting_aggregate_t reporting_injuries;
extern const reporting_aggregate_t reporting_blacklist;

const reporting_aggregate_t *const reporting_aggregates[] = {
    &reporting_persons,
    &reporting_enrollments,
    &reporting_deaths,
    &reporting_jobs,
    &reporting_recommendations,
    &reporting_services,
    &reporting_graduates,
    &reporting_funds,
    &reporting_recipients,
    &reporting_supervision,
    &reporting_projects,
    &reporting_clues,
    &reporting_cases,
    &reporting_arbitrations,
    &reporting_injuries,
    &reporting_blacklist,
    NULL,
};

static bool
s_writes(const indicator_producer_t *list, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].code, code) == 0)
            return true;
    return false;
}

indicator_producer_t *
reporting_producers_new(void)
{
    /* a code ending in ".*" stands for one code per scheme */
    size_t n = 0;
    for (const reporting_aggregate_t *const *a = reporting_aggregates; *a; a++)
        for (const char *const *w = (*a)->writes; w && *w; w++)
            n += strstr(*w, ".*") ? INSURANCE_SCHEME_COUNT : 1;
    size_t nrates = 0, total;
    const indicator_t *all = indicator_all(&total);
    for (size_t i = 0; i < total; i++)
        nrates += all[i].kind == INDICATOR_RATE;
    indicator_producer_t *out = calloc(n + nrates + 1, sizeof *out);
    char **codes = calloc(n + nrates + 1, sizeof *codes);   /* the expanded codes, owned by `out` */
    if (!out || !codes)
        goto fail;
    size_t k = 0;
    for (const reporting_aggregate_t *const *a = reporting_aggregates; *a; a++)
        for (const char *const *w = (*a)->writes; w && *w; w++) {
            const char *star = strstr(*w, ".*");
            for (size_t s = 0; s < (star ? INSURANCE_SCHEME_COUNT : 1); s++, k++) {
                size_t len = strlen(*w) + 32;   /* room for the longest scheme */
                codes[k] = malloc(len);
                if (!codes[k])
                    goto fail;
                if (star)
                    snprintf(codes[k], len, "%.*s.%s", (int) (star - *w), *w, insurance_schemes[s]);
                else
                    snprintf(codes[k], len, "%s", *w);
                out[k] = (indicator_producer_t){(*a)->name, codes[k]};
            }
        }
    /* A rate is computed at query time (queries.c) from its numerator and
     * denominator: reporting produces it, as "rates", when it writes both. */
    size_t produced = k;
    for (size_t i = 0; i < total; i++) {
        const indicator_t *r = &all[i];
        if (r->kind != INDICATOR_RATE || !r->numerator || !r->denominator ||
            !s_writes(out, produced, r->numerator) || !s_writes(out, produced, r->denominator))
            continue;
        if (!(codes[k] = strdup(r->code)))
            goto fail;
        out[k] = (indicator_producer_t){REPORTING_RATES, codes[k]};
        k++;
    }
    n = k;
    free(codes);   /* the strings stay, held by `out` */
    return out;
fail:
    for (size_t i = 0; codes && i < n + nrates; i++)
        free(codes[i]);
    free(codes);
    free(out);
    return NULL;
}

void
reporting_producers_free(indicator_producer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (indicator_producer_t *p = *self_p; p->code; p++)
        free((char *) p->code);
    free(*self_p);
    *self_p = NULL;
}
