#include "facts.h"

#include <stdio.h>
#include <stdlib.h>
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

/* ---- facts_page --------------------------------------------------------------- */

typedef struct {
    fact_t fact;
    int month;
} page_fact_t;

struct facts_page_t {
    page_fact_t *items;   /* in order of first appearance */
    size_t n, cap;
    uint32_t *slots;      /* open addressing: index + 1 into items, 0 = empty */
    size_t nslots;        /* power of two, at least twice n */
};

facts_page_t *
facts_page_new(void)
{
    return calloc(1, sizeof(facts_page_t));
}

void
facts_page_destroy(facts_page_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    facts_page_t *self = *self_p;
    free(self->items);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

/* FNV-1a over the key. */
static uint64_t
s_hash(const char *code, const char *region, int month)
{
    uint64_t h = 14695981039346656037ull;
    for (const char *p = code; *p; p++)
        h = (h ^ (uint8_t) *p) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *p = region; *p; p++)
        h = (h ^ (uint8_t) *p) * 1099511628211ull;
    for (int i = 0; i < 4; i++)
        h = (h ^ (uint8_t) ((unsigned) month >> (8 * i))) * 1099511628211ull;
    return h;
}

/* The slot holding the key, or the empty slot where it belongs. */
static uint32_t *
s_slot(facts_page_t *self, const char *code, const char *region, int month)
{
    size_t mask = self->nslots - 1;
    for (size_t i = s_hash(code, region, month) & mask;; i = (i + 1) & mask) {
        uint32_t *slot = &self->slots[i];
        if (*slot == 0)
            return slot;
        const page_fact_t *e = &self->items[*slot - 1];
        if (e->month == month && strcmp(e->fact.region, region) == 0 &&
            strcmp(e->fact.code, code) == 0)
            return slot;
    }
}

/* Room for `more` entries: items grown, slots kept at most half full. */
static int
s_reserve(facts_page_t *self, size_t more)
{
    size_t need = self->n + more;
    if (need > UINT32_MAX / 2)
        return -1;
    if (need > self->cap) {
        size_t cap = self->cap ? self->cap : 256;
        while (cap < need)
            cap *= 2;
        page_fact_t *items = realloc(self->items, cap * sizeof *items);
        if (!items)
            return -1;
        self->items = items;
        self->cap = cap;
    }
    if (2 * need > self->nslots) {
        size_t nslots = self->nslots ? self->nslots : 512;
        while (2 * need > nslots)
            nslots *= 2;
        uint32_t *slots = calloc(nslots, sizeof *slots);
        if (!slots)
            return -1;
        free(self->slots);
        self->slots = slots;
        self->nslots = nslots;
        for (size_t i = 0; i < self->n; i++) {
            const page_fact_t *e = &self->items[i];
            *s_slot(self, e->fact.code, e->fact.region, e->month) = (uint32_t) i + 1;
        }
    }
    return 0;
}

int
facts_page_merge(facts_page_t *self, const facts_batch_t *batch, int month)
{
    if (s_reserve(self, batch->n))
        return -1;
    for (size_t i = 0; i < batch->n; i++) {
        const fact_t *f = &batch->items[i];
        if (f->delta == 0)
            continue;
        uint32_t *slot = s_slot(self, f->code, f->region, month);
        if (*slot == 0) {
            page_fact_t *e = &self->items[self->n++];
            e->fact = *f;
            e->month = month;
            *slot = (uint32_t) self->n;
        } else {
            self->items[*slot - 1].fact.delta += f->delta;
        }
    }
    return 0;
}

size_t
facts_page_count(const facts_page_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->n; i++)
        if (self->items[i].fact.delta != 0)
            n++;
    return n;
}

void
facts_page_arrays(const facts_page_t *self, pgarray_t *codes, pgarray_t *regions,
                  pgarray_t *months, pgarray_t *deltas)
{
    for (size_t i = 0; i < self->n; i++) {
        const page_fact_t *e = &self->items[i];
        if (e->fact.delta == 0)
            continue;
        pgarray_add_text(codes, e->fact.code);
        pgarray_add_text(regions, e->fact.region);
        pgarray_add_int64(months, e->month);
        pgarray_add_int64(deltas, e->fact.delta);
    }
}

void
facts_page_clear(facts_page_t *self)
{
    if (self->n && self->slots)
        memset(self->slots, 0, self->nslots * sizeof *self->slots);
    self->n = 0;
}
