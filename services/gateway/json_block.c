#include "json_block.h"

#include <stdbool.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* Under AddressSanitizer the block is poisoned but for the allocations
 * carved from it, each followed by a poisoned gap: an overrun, or a value
 * used after its tree was released, is reported as it would be with malloc. */
#define GAP 16
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define GAP 0
#define POISON(p, n) ((void) (p), (void) (n))
#define UNPOISON(p, n) ((void) (p), (void) (n))
#endif

#define ALIGN 16                        /* what malloc guarantees on x86-64 */
#define BLOCK_MIN (256u * 1024)
#define BLOCK_MAX (4u * 1024 * 1024)    /* of a larger body, the rest comes from malloc */

/* This thread's block. Only the thread that parses into it carves from it
 * or recognizes its pointers: on any other thread it is empty. */
static __thread struct {
    char *base;
    size_t size, used;
    size_t missed;     /* bytes of the last parse that did not fit */
    bool carving;      /* inside json_block_loadb */
    bool in_use;       /* a tree from the block is alive */
} s_block;

static void *
s_malloc(size_t n)
{
    if (s_block.carving) {
        size_t need = (n + GAP + ALIGN - 1) / ALIGN * ALIGN;
        if (need >= n && s_block.size - s_block.used >= need) {
            char *p = s_block.base + s_block.used;
            s_block.used += need;
            UNPOISON(p, n);
            return p;
        }
        s_block.missed += need;
    }
    return malloc(n);
}

static bool
s_in_block(const void *p)
{
    const char *c = p;
    return c && s_block.base && c >= s_block.base && c < s_block.base + s_block.size;
}

static void
s_free(void *p)
{
    if (!s_in_block(p))   /* carved memory goes back with the whole tree */
        free(p);
}

void
json_block_install(void)
{
    json_set_alloc_funcs(s_malloc, s_free);
}

/* After a parse that did not fit: a block that holds the next one like it,
 * within BLOCK_MAX. Called when no tree lives in the old one. */
static void
s_grow(void)
{
    size_t want = s_block.used + s_block.missed;
    size_t size = s_block.size ? s_block.size : BLOCK_MIN;
    while (size < want && size < BLOCK_MAX)
        size *= 2;
    if (size <= s_block.size)
        return;
    char *base = malloc(size);
    if (!base)
        return;
    UNPOISON(s_block.base, s_block.size);
    free(s_block.base);
    s_block.base = base;
    s_block.size = size;
    POISON(s_block.base, s_block.size);
}

/* No tree lives in the block any more: it is free for the next parse. */
static void
s_reset(void)
{
    POISON(s_block.base, s_block.used);
    if (s_block.missed)
        s_grow();
    s_block.used = s_block.missed = 0;
    s_block.in_use = false;
}

json_t *
json_block_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error)
{
    if (s_block.in_use)
        return json_loadb(buffer, buflen, flags, error);   /* the block is taken: malloc */
    if (!s_block.base) {
        s_block.base = malloc(BLOCK_MIN);
        s_block.size = s_block.base ? BLOCK_MIN : 0;
        POISON(s_block.base, s_block.size);
    }
    s_block.used = s_block.missed = 0;
    s_block.carving = true;
    json_t *tree = json_loadb(buffer, buflen, flags, error);
    s_block.carving = false;
    if (tree && s_in_block(tree))
        s_block.in_use = true;
    else
        s_reset();   /* a failed parse, or a tree all from malloc */
    return tree;
}

void
json_block_release(json_t *tree)
{
    if (!tree)
        return;
    if (!s_in_block(tree) || !s_block.in_use) {
        json_decref(tree);   /* a tree from malloc */
        return;
    }
    /* Carved values need no free. Only when some did not fit is there
     * anything to walk: json_delete frees those and skips the carved ones. */
    if (s_block.missed)
        json_decref(tree);
    s_reset();
}

size_t
json_block_size(void)
{
    return s_block.size;
}
