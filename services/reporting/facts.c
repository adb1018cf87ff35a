#include "facts.h"

#include <stdio.h>
#include <string.h>

void
facts_batch_init(facts_batch_t *self)
{
    self->n = 0;
}

static fact_t *
s_find(facts_batch_t *self, const char *code, const char *region)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->items[i].region, region) == 0 && strcmp(self->items[i].code, code) == 0)
            return &self->items[i];
    return NULL;
}

int
facts_batch_add(facts_batch_t *self, const char *code, const char *region12, int64_t delta)
{
    char chain[5][REGION_LEN + 1];
    int n = region_ancestors(region12, chain);
    if (n == 0 || strlen(code) >= FACTS_CODE_MAX)
        return -1;
    /* All or nothing: count the new pairs before touching the batch. */
    size_t fresh = 0;
    for (int i = 0; i < n; i++)
        if (!s_find(self, code, chain[i]))
            fresh++;
    if (self->n + fresh > FACTS_MAX)
        return -1;
    for (int i = 0; i < n; i++) {
        fact_t *f = s_find(self, code, chain[i]);
        if (!f) {
            f = &self->items[self->n++];
            snprintf(f->code, sizeof f->code, "%s", code);
            memcpy(f->region, chain[i], sizeof f->region);
            f->delta = 0;
        }
        f->delta += delta;
    }
    return 0;
}

size_t
facts_batch_count(const facts_batch_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->n; i++)
        if (self->items[i].delta != 0)
            n++;
    return n;
}

void
facts_batch_arrays(const facts_batch_t *self, pgarray_t *codes, pgarray_t *regions,
                   pgarray_t *deltas)
{
    for (size_t i = 0; i < self->n; i++) {
        const fact_t *f = &self->items[i];
        if (f->delta == 0)
            continue;
        pgarray_add_text(codes, f->code);
        pgarray_add_text(regions, f->region);
        pgarray_add_int64(deltas, f->delta);
    }
}
