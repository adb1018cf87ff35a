/* answer_cache — answers to read queries, kept while what they were computed
 * from stays the same.
 *
 * Dashboards ask the same few questions again and again (the county, this
 * month). An entry holds the packed question, the answer and the version it
 * was computed at; a lookup at another version misses, so moving the version
 * on retires every entry at once. Direct-mapped: a colliding question
 * replaces the older one. One thread. */
#ifndef HRSS_ANSWER_CACHE_H
#define HRSS_ANSWER_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct answer_cache_t answer_cache_t;

answer_cache_t *answer_cache_new(void);
void answer_cache_destroy(answer_cache_t **self_p);
/* The answer to `key` computed at `version`, or NULL; valid until the next put. */
const uint8_t *answer_cache_get(answer_cache_t *self, const uint8_t *key, size_t key_len,
                                uint64_t version, size_t *value_len);
/* Keeps a copy (answers over 256 KiB are not kept, nor any beyond 16 MiB in
 * all: the entry it would replace is dropped either way). */
void answer_cache_put(answer_cache_t *self, const uint8_t *key, size_t key_len, uint64_t version,
                      const uint8_t *value, size_t value_len);
/* Lookups that found an answer, and that did not. */
uint64_t answer_cache_hits(const answer_cache_t *self);
uint64_t answer_cache_misses(const answer_cache_t *self);

#endif
