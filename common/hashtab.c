#include "hashtab.h"

#include <stdlib.h>
#include <string.h>

void
hashtab_init(hashtab_t *self)
{
    memset(self, 0, sizeof *self);
    self->gen = 1;   /* calloc'ed slots are of generation 0: free */
}

void
hashtab_free(hashtab_t *self)
{
    free(self->slots);
    hashtab_init(self);
}

void
hashtab_clear(hashtab_t *self)
{
    self->used = 0;
    if (++self->gen == 0) {   /* wrapped: stamp every slot free */
        if (self->slots)
            memset(self->slots, 0, (self->mask + 1) * sizeof *self->slots);
        self->gen = 1;
    }
}

hashtab_slot_t *
hashtab_find(hashtab_t *self, uint64_t hash, hashtab_eq_fn *eq, const void *ctx)
{
    for (size_t i = hash & self->mask;; i = (i + 1) & self->mask) {
        hashtab_slot_t *s = &self->slots[i];
        if (s->gen != self->gen || eq(ctx, s->entry))
            return s;
    }
}

int
hashtab_reserve(hashtab_t *self, size_t n, hashtab_hash_fn *hash, const void *ctx)
{
    size_t size = self->slots ? self->mask + 1 : 0;
    if (2 * (n + 1) <= size)
        return 0;
    if (n > UINT32_MAX / 4)
        return -1;
    if (size == 0)
        size = 16;
    while (size < 2 * (n + 1))
        size *= 2;
    hashtab_slot_t *slots = calloc(size, sizeof *slots);
    if (!slots)
        return -1;
    hashtab_slot_t *old = self->slots;
    size_t old_size = old ? self->mask + 1 : 0;
    uint32_t gen = self->gen;
    self->slots = slots;
    self->mask = size - 1;
    self->gen = 1;
    self->used = 0;
    for (size_t i = 0; i < old_size; i++) {
        if (old[i].gen != gen)
            continue;
        size_t j = hash(ctx, old[i].entry) & self->mask;
        while (slots[j].gen == self->gen)
            j = (j + 1) & self->mask;
        hashtab_put(self, &slots[j], old[i].entry);
    }
    free(old);
    return 0;
}

void
hashtab_remove(hashtab_t *self, hashtab_slot_t *slot, hashtab_hash_fn *hash, const void *ctx)
{
    size_t hole = (size_t) (slot - self->slots);
    self->slots[hole].gen = 0;   /* never a table's generation: free */
    self->used--;
    for (size_t i = (hole + 1) & self->mask; self->slots[i].gen == self->gen;
         i = (i + 1) & self->mask) {
        size_t home = hash(ctx, self->slots[i].entry) & self->mask;
        /* the entry at i stays when its home lies cyclically in (hole, i]:
         * its probe from home meets no hole before i; otherwise it would
         * meet the hole and stop short of it, so it moves in */
        bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (stays)
            continue;
        self->slots[hole] = self->slots[i];
        self->slots[i].gen = 0;
        hole = i;
    }
}

void
hashtab_move(hashtab_t *self, uint64_t hash, uint32_t from, uint32_t to)
{
    /* indexes are unique: the slot holding `from` is its entry's, no key
     * needs comparing */
    for (size_t i = hash & self->mask; self->slots[i].gen == self->gen; i = (i + 1) & self->mask)
        if (self->slots[i].entry == from) {
            self->slots[i].entry = to;
            return;
        }
}
