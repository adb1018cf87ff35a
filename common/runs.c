#include "runs.h"

#include <stdlib.h>
#include <string.h>

void
runs_init(runs_t *self, size_t max)
{
    memset(self, 0, sizeof *self);
    self->max = max;
    hashtab_init(&self->set);
}

void
runs_free(runs_t *self)
{
    free(self->keys);
    free(self->sizes);
    hashtab_free(&self->set);
    runs_init(self, self->max);
}

void
runs_reset(runs_t *self)
{
    self->first = self->n = self->nsent = 0;
    self->kind = NULL;
    self->sealed = false;
    hashtab_clear(&self->set);
}

/* A key as char(n) compares it: its length without trailing spaces. */
static size_t
s_key_len(const char *key)
{
    size_t len = strlen(key);
    while (len > 0 && key[len - 1] == ' ')
        len--;
    return len;
}

typedef struct {
    const runs_t *runs;
    const char *key;
    size_t len;
} probe_t;

static bool
s_eq(const void *ctx, uint32_t index)
{
    const probe_t *p = ctx;
    const char *other = p->runs->keys[index];
    return s_key_len(other) == p->len && memcmp(other, p->key, p->len) == 0;
}

static uint64_t
s_hash(const void *ctx, uint32_t index)
{
    const runs_t *self = ctx;
    const char *key = self->keys[index];
    return hash_bytes(HASH_INIT, key, s_key_len(key));
}

static hashtab_slot_t *
s_slot(runs_t *self, const char *key)
{
    probe_t p = {self, key, s_key_len(key)};
    return hashtab_find(&self->set, hash_bytes(HASH_INIT, key, p.len), s_eq, &p);
}

bool
runs_fits(runs_t *self, const void *kind, const char *key)
{
    if (!runs_open(self))
        return true;
    return !self->sealed && key && kind == self->kind &&
           (self->max == 0 || self->n - self->first < self->max) &&
           hashtab_at(&self->set, s_slot(self, key)) == 0;
}

int
runs_add(runs_t *self, const void *kind, const char *key)
{
    if (self->n == self->keys_cap) {
        size_t cap = self->keys_cap ? 2 * self->keys_cap : 256;
        const char **keys = realloc(self->keys, cap * sizeof *keys);
        if (!keys)
            return -1;
        self->keys = keys;
        self->keys_cap = cap;
    }
    if (!runs_open(self)) {
        self->kind = kind;
        self->sealed = key == NULL;
        hashtab_clear(&self->set);
    }
    self->keys[self->n] = key;
    if (key) {
        size_t in_run = self->n - self->first + 1;
        if (hashtab_reserve(&self->set, in_run, s_hash, self))
            return -1;
        hashtab_slot_t *slot = s_slot(self, key);
        if (hashtab_at(&self->set, slot) == 0)
            hashtab_put(&self->set, slot, (uint32_t) self->n);
    }
    self->n++;
    return 0;
}

int
runs_sent(runs_t *self)
{
    if (!runs_open(self))
        return 0;
    if (self->nsent == self->sizes_cap) {
        size_t cap = self->sizes_cap ? 2 * self->sizes_cap : 64;
        size_t *sizes = realloc(self->sizes, cap * sizeof *sizes);
        if (!sizes)
            return -1;
        self->sizes = sizes;
        self->sizes_cap = cap;
    }
    self->sizes[self->nsent++] = self->n - self->first;
    self->first = self->n;
    self->sealed = false;
    return 0;
}
