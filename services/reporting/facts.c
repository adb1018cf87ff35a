#include "facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"

void
facts_batch_init(facts_batch_t *self)
{
    self->n = 0;
}

static fact_t *
s_find(facts_batch_t *self, const char *code, const char *region, int month)
{
    for (size_t i = 0; i < self->n; i++)
        if (self->items[i].month == month && strcmp(self->items[i].region, region) == 0 &&
            strcmp(self->items[i].code, code) == 0)
            return &self->items[i];
    return NULL;
}

int
facts_batch_add(facts_batch_t *self, const char *code, const char *region12, int64_t delta)
{
    return facts_batch_add_at(self, code, region12, 0, delta);
}

int
facts_batch_add_at(facts_batch_t *self, const char *code, const char *region12, int month,
                   int64_t delta)
{
    char chain[5][REGION_LEN + 1];
    int n = region_ancestors(region12, chain);
    if (n == 0 || strlen(code) >= FACTS_CODE_MAX)
        return -1;
    /* All or nothing: count the new pairs before touching the batch. */
    size_t fresh = 0;
    for (int i = 0; i < n; i++)
        if (!s_find(self, code, chain[i], month))
            fresh++;
    if (self->n + fresh > FACTS_MAX)
        return -1;
    for (int i = 0; i < n; i++) {
        fact_t *f = s_find(self, code, chain[i], month);
        if (!f) {
            f = &self->items[self->n++];
            snprintf(f->code, sizeof f->code, "%s", code);
            memcpy(f->region, chain[i], sizeof f->region);
            f->month = month;
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
    hashtab_t index;      /* (code, region, month) -> items */
};

facts_page_t *
facts_page_new(void)
{
    facts_page_t *self = calloc(1, sizeof(facts_page_t));
    if (self)
        hashtab_init(&self->index);
    return self;
}

void
facts_page_destroy(facts_page_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    facts_page_t *self = *self_p;
    free(self->items);
    hashtab_free(&self->index);
    free(self);
    *self_p = NULL;
}

static uint64_t
s_hash(const char *code, const char *region, int month)
{
    uint64_t h = hash_sep(hash_str(HASH_INIT, code));
    h = hash_str(h, region);
    return hash_bytes(h, &month, sizeof month);
}

static uint64_t
s_hash_item(const void *ctx, uint32_t index)
{
    const page_fact_t *e = &((const facts_page_t *) ctx)->items[index];
    return s_hash(e->fact.code, e->fact.region, e->month);
}

typedef struct {
    const facts_page_t *page;
    const char *code, *region;
    int month;
} probe_t;

static bool
s_eq(const void *ctx, uint32_t index)
{
    const probe_t *p = ctx;
    const page_fact_t *e = &p->page->items[index];
    return e->month == p->month && strcmp(e->fact.region, p->region) == 0 &&
           strcmp(e->fact.code, p->code) == 0;
}

/* Room for `more` entries. */
static int
s_reserve(facts_page_t *self, size_t more)
{
    size_t need = self->n + more;
    if (need > UINT32_MAX / 4)
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
    return hashtab_reserve(&self->index, need, s_hash_item, self);
}

int
facts_page_merge(facts_page_t *self, const facts_batch_t *batch, int event_month)
{
    if (s_reserve(self, batch->n))
        return -1;
    for (size_t i = 0; i < batch->n; i++) {
        const fact_t *f = &batch->items[i];
        if (f->delta == 0)
            continue;
        int month = f->month ? f->month : event_month;
        probe_t p = {self, f->code, f->region, month};
        hashtab_slot_t *slot =
            hashtab_find(&self->index, s_hash(f->code, f->region, month), s_eq, &p);
        uint32_t at = hashtab_at(&self->index, slot);
        if (at == 0) {
            page_fact_t *e = &self->items[self->n];
            e->fact = *f;
            e->fact.month = month;
            e->month = month;
            hashtab_put(&self->index, slot, (uint32_t) self->n++);
        } else {
            self->items[at - 1].fact.delta += f->delta;
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
    hashtab_clear(&self->index);
    self->n = 0;
}
