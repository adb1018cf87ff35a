/* Unit tests for common/hashtab.c: the one hash table of the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hashtab.h"

#define N 5000

static char s_keys[N][16];

static bool
s_eq(const void *ctx, uint32_t index)
{
    return strcmp(s_keys[index], ctx) == 0;
}

static uint64_t
s_hash(const void *ctx, uint32_t index)
{
    (void) ctx;
    return hash_str(HASH_INIT, s_keys[index]);
}

/* Adds keys [0, n) one by one, growing as it goes; each is found after. */
static void
test_grow_and_find(void **state)
{
    (void) state;
    hashtab_t t;
    hashtab_init(&t);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(s_keys[i], sizeof s_keys[i], "key-%u", i);
        assert_int_equal(hashtab_reserve(&t, i + 1, s_hash, NULL), 0);
        hashtab_slot_t *slot = hashtab_find(&t, hash_str(HASH_INIT, s_keys[i]), s_eq, s_keys[i]);
        assert_int_equal(hashtab_at(&t, slot), 0);
        hashtab_put(&t, slot, i);
    }
    assert_int_equal(t.used, N);
    assert_true(t.mask + 1 >= 2 * N);   /* at most half full */
    for (uint32_t i = 0; i < N; i++) {
        hashtab_slot_t *slot = hashtab_find(&t, hash_str(HASH_INIT, s_keys[i]), s_eq, s_keys[i]);
        assert_int_equal(hashtab_at(&t, slot), i + 1);
    }
    const char *absent = "key-x";
    assert_int_equal(hashtab_at(&t, hashtab_find(&t, hash_str(HASH_INIT, absent), s_eq, absent)),
                     0);
    hashtab_free(&t);
}

/* Clearing forgets every entry at once, many times over (the generation
 * wraps), and keeps the memory. */
static void
test_clear(void **state)
{
    (void) state;
    hashtab_t t;
    hashtab_init(&t);
    snprintf(s_keys[0], sizeof s_keys[0], "only");
    assert_int_equal(hashtab_reserve(&t, 1, NULL, NULL), 0);
    hashtab_slot_t *slots = t.slots;
    t.gen = UINT32_MAX - 2;   /* near the wrap */
    for (int round = 0; round < 6; round++) {
        hashtab_slot_t *slot = hashtab_find(&t, hash_str(HASH_INIT, "only"), s_eq, "only");
        assert_int_equal(hashtab_at(&t, slot), 0);
        hashtab_put(&t, slot, 0);
        slot = hashtab_find(&t, hash_str(HASH_INIT, "only"), s_eq, "only");
        assert_int_equal(hashtab_at(&t, slot), 1);
        hashtab_clear(&t);
        assert_int_equal(t.used, 0);
        assert_true(t.gen != 0);
    }
    assert_ptr_equal(t.slots, slots);
    hashtab_free(&t);
}

/* One FNV-1a: the published test vectors. */
static void
test_fnv(void **state)
{
    (void) state;
    assert_true(hash_str(HASH_INIT, "") == 0xcbf29ce484222325ULL);
    assert_true(hash_str(HASH_INIT, "a") == 0xaf63dc4c8601ec8cULL);
    assert_true(hash_bytes(HASH_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
    assert_true(hash_sep(hash_str(HASH_INIT, "ab")) != hash_sep(hash_str(HASH_INIT, "a")));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_and_find),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_fnv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
