#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 16384

typedef struct block_t {
    struct block_t *next;
    size_t used, size;
    max_align_t data[];
} block_t;

struct arena_t {
    block_t *head;
};

arena_t *
arena_new(void)
{
    return calloc(1, sizeof(arena_t));
}

void
arena_reset(arena_t *self)
{
    block_t *b = self->head;
    while (b) {
        block_t *next = b->next;
        free(b);
        b = next;
    }
    self->head = NULL;
}

void
arena_destroy(arena_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    arena_reset(*self_p);
    free(*self_p);
    *self_p = NULL;
}

void *
arena_alloc(arena_t *self, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    block_t *b = self->head;
    if (!b || b->size - b->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->size = cap;
        b->used = 0;
        b->next = self->head;
        self->head = b;
    }
    void *p = (char *) b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *
arena_strdup(arena_t *self, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(self, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

char *
arena_printf(arena_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(self, (size_t) n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t) n + 1, fmt, ap);
    va_end(ap);
    return p;
}

static void *
s_protobuf_alloc(void *arena, size_t size)
{
    return arena_alloc(arena, size);
}

static void
s_protobuf_free(void *arena, void *pointer)
{
    (void) arena;
    (void) pointer;   /* the arena's reset lets it go */
}

ProtobufCAllocator
arena_protobuf_allocator(arena_t *self)
{
    return (ProtobufCAllocator){s_protobuf_alloc, s_protobuf_free, self};
}
