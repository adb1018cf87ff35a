/* answer_cache: see answer_cache.h. */
#include "answer_cache.h"

#include <stdlib.h>
#include <string.h>

#include "hashtab.h"

#define CACHE_SLOTS 512              /* direct-mapped, power of two */
#define CACHE_VALUE_MAX (256 * 1024) /* a breakdown over many villages is not kept */
#define CACHE_BYTES_MAX (16 * 1024 * 1024) /* all answers together: the daemon stays small */

typedef struct {
    uint8_t *key;
    size_t key_len;
    uint8_t *value;
    size_t value_len;
    uint64_t version;
} entry_t;

struct answer_cache_t {
    entry_t slots[CACHE_SLOTS];
    size_t bytes;                    /* keys and values kept */
    uint64_t hits, misses;
};

answer_cache_t *
answer_cache_new(void)
{
    return calloc(1, sizeof(answer_cache_t));
}

static void
s_entry_clear(answer_cache_t *self, entry_t *e)
{
    self->bytes -= e->key_len + e->value_len;
    free(e->key);
    free(e->value);
    memset(e, 0, sizeof *e);
}

void
answer_cache_destroy(answer_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        s_entry_clear(*self_p, &(*self_p)->slots[i]);
    free(*self_p);
    *self_p = NULL;
}

static entry_t *
s_slot(answer_cache_t *self, const uint8_t *key, size_t len)
{
    return &self->slots[hash_bytes(HASH_INIT, key, len) & (CACHE_SLOTS - 1)];
}

const uint8_t *
answer_cache_get(answer_cache_t *self, const uint8_t *key, size_t key_len, uint64_t version,
                size_t *value_len)
{
    entry_t *e = s_slot(self, key, key_len);
    if (e->key && e->version == version && e->key_len == key_len &&
        memcmp(e->key, key, key_len) == 0) {
        self->hits++;
        *value_len = e->value_len;
        return e->value;
    }
    self->misses++;
    return NULL;
}

void
answer_cache_put(answer_cache_t *self, const uint8_t *key, size_t key_len, uint64_t version,
                const uint8_t *value, size_t value_len)
{
    if (value_len > CACHE_VALUE_MAX)
        return;
    entry_t *e = s_slot(self, key, key_len);
    s_entry_clear(self, e);
    if (self->bytes + key_len + value_len > CACHE_BYTES_MAX)
        return;   /* full: answered, not kept, until a slot is replaced */
    e->key = malloc(key_len ? key_len : 1);
    e->value = malloc(value_len ? value_len : 1);
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        memset(e, 0, sizeof *e);   /* a cache that cannot grow just does not keep it */
        return;
    }
    self->bytes += key_len + value_len;
    memcpy(e->key, key, key_len);
    memcpy(e->value, value, value_len);
    e->key_len = key_len;
    e->value_len = value_len;
    e->version = version;
}

uint64_t
answer_cache_hits(const answer_cache_t *self)
{
    return self->hits;
}

uint64_t
answer_cache_misses(const answer_cache_t *self)
{
    return self->misses;
}
