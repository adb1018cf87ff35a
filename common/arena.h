/* arena — allocations that live exactly as long as one request.
 *
 * Replies built from many small strings and sub-messages are allocated here
 * and released in one call once the reply is sent, so no handler has to pair
 * every allocation with a free on every path. */
#ifndef HRSS_ARENA_H
#define HRSS_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct arena_t arena_t;

arena_t *arena_new(void);
void arena_destroy(arena_t **self_p);
/* Zeroed memory, aligned for any type; NULL when out of memory. */
void *arena_alloc(arena_t *self, size_t size);
char *arena_strdup(arena_t *self, const char *s);
char *arena_printf(arena_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees everything allocated so far; the arena stays usable. */
void arena_reset(arena_t *self);
/* protobuf-c's allocator over the arena: a message unpacked with it is let
 * go by the arena's reset (its free does nothing). */
ProtobufCAllocator arena_protobuf_allocator(arena_t *self);

#endif
