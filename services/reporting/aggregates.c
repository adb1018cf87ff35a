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

const reporting_aggregate_t *const reporting_aggregates[] = {
    &reporting_persons,
    &reporting_enrollments,
    &reporting_deaths,
    NULL,
};

indicator_producer_t *
reporting_producers_new(void)
{
    /* a code ending in ".*" stands for one code per scheme */
    size_t n = 0;
    for (const reporting_aggregate_t *const *a = reporting_aggregates; *a; a++)
        for (const char *const *w = (*a)->writes; w && *w; w++)
            n += strstr(*w, ".*") ? INSURANCE_SCHEME_COUNT : 1;
    indicator_producer_t *out = calloc(n + 1, sizeof *out);
    char **codes = calloc(n + 1, sizeof *codes);   /* the expanded codes, owned by `out` */
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
    free(codes);   /* the strings stay, held by `out` */
    return out;
fail:
    for (size_t i = 0; codes && i < n; i++)
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
