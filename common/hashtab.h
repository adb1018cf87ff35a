/* hashtab — the one hash function and the one hash table of the tree.
 *
 * hash_*: FNV-1a, 64 bits; chain calls to hash several fields (hash_sep
 * between two strings, so that ("ab","c") and ("a","bc") differ).
 *
 * hashtab_t: an index of open addressing with linear probing over entries
 * the caller keeps in an array of its own: a slot holds an entry's index.
 * The table knows no keys; the caller hashes its key and says, through `eq`,
 * whether the entry at an index is the one sought. Slots carry a generation,
 * so hashtab_clear forgets every entry at once, whatever the size. The
 * caller reserves room before it adds (the table stays at most half full, so
 * a probe always ends). An entry is taken out with hashtab_remove, which
 * moves back the entries probed past it rather than leaving a tombstone: a
 * table that forgets entries now and then never fills with the dead. */
#ifndef HRSS_HASHTAB_H
#define HRSS_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HASH_INIT 14695981039346656037ULL

static inline uint64_t
hash_bytes(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static inline uint64_t
hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char) *s) * 1099511628211ULL;
    return h;
}

/* Between two variable-length fields. */
static inline uint64_t
hash_sep(uint64_t h)
{
    return (h ^ 0xff) * 1099511628211ULL;
}

typedef struct {
    uint32_t gen;     /* the slot is taken when this is the table's */
    uint32_t entry;   /* the entry's index */
} hashtab_slot_t;

typedef struct {
    hashtab_slot_t *slots;
    size_t mask;      /* slots - 1; 0 before the first reserve */
    size_t used;      /* entries in the current generation */
    uint32_t gen;
} hashtab_t;

/* Whether the entry at `index` has the key sought (ctx: the key). */
typedef bool(hashtab_eq_fn)(const void *ctx, uint32_t index);
/* The hash of the entry at `index` (to move entries when the table grows). */
typedef uint64_t(hashtab_hash_fn)(const void *ctx, uint32_t index);

void hashtab_init(hashtab_t *self);
void hashtab_free(hashtab_t *self);
/* Forgets every entry, keeping the memory. */
void hashtab_clear(hashtab_t *self);
/* Room for `n` entries in all. The entries in the table are moved with
 * `hash` (which may be NULL when the table is empty). -1 when out of memory. */
int hashtab_reserve(hashtab_t *self, size_t n, hashtab_hash_fn *hash, const void *ctx);
/* The slot of the entry with the key (`eq` true), or else the free slot
 * where it belongs. Needs room for one more entry (hashtab_reserve). */
hashtab_slot_t *hashtab_find(hashtab_t *self, uint64_t hash, hashtab_eq_fn *eq,
                             const void *ctx);

/* Takes out the entry in `slot` (hashtab_find gave it, and it is taken),
 * moving back into the hole each entry probed past it whose home slot is
 * not between the hole and it, so that every other entry is still found.
 * The other entries keep their indexes; a caller that packs its array moves
 * its last entry into the freed index, and says so with hashtab_move.
 * `hash` as for hashtab_reserve. */
void hashtab_remove(hashtab_t *self, hashtab_slot_t *slot, hashtab_hash_fn *hash,
                    const void *ctx);
/* Says that the entry at index `from` (in the table, its hash `hash`) is now
 * at index `to`, which no entry in the table has. */
void hashtab_move(hashtab_t *self, uint64_t hash, uint32_t from, uint32_t to);

/* A slot's entry: its index + 1, 0 when the slot is free. */
static inline uint32_t
hashtab_at(const hashtab_t *self, const hashtab_slot_t *slot)
{
    return slot->gen == self->gen ? slot->entry + 1 : 0;
}

/* Puts the entry at `index` in a slot hashtab_find gave. */
static inline void
hashtab_put(hashtab_t *self, hashtab_slot_t *slot, uint32_t index)
{
    if (slot->gen != self->gen)
        self->used++;
    slot->gen = self->gen;
    slot->entry = index;
}

#endif
