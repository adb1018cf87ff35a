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

/* hashtab_remove. The keys are entry indexes and their hashes are chosen
 * (s_home), so that many collide and clusters wrap past the table's end. */
#define RN 300

static uint64_t s_home[RN];
static bool s_in[RN];

static bool
s_index_eq(const void *ctx, uint32_t index)
{
    return index == *(const uint32_t *) ctx;
}

static uint64_t
s_index_hash(const void *ctx, uint32_t index)
{
    (void) ctx;
    return s_home[index];
}

static hashtab_slot_t *
s_find_index(hashtab_t *t, uint32_t key)
{
    return hashtab_find(t, s_home[key], s_index_eq, &key);
}

static void
s_add_index(hashtab_t *t, uint32_t key)
{
    assert_int_equal(hashtab_reserve(t, t->used + 1, s_index_hash, NULL), 0);
    hashtab_slot_t *slot = s_find_index(t, key);
    assert_int_equal(hashtab_at(t, slot), 0);
    hashtab_put(t, slot, key);
    s_in[key] = true;
}

static void
s_remove_index(hashtab_t *t, uint32_t key)
{
    hashtab_slot_t *slot = s_find_index(t, key);
    assert_int_equal(hashtab_at(t, slot), key + 1);
    hashtab_remove(t, slot, s_index_hash, NULL);
    s_in[key] = false;
}

/* Every key in the table is found, every other one is not, and the count
 * agrees. */
static void
s_check_all(hashtab_t *t, uint32_t n)
{
    size_t in = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t at = hashtab_at(t, s_find_index(t, k));
        if (s_in[k] && at != k + 1)
            fail_msg("key %u (home %llu) lost", k, (unsigned long long) (s_home[k] & t->mask));
        if (!s_in[k] && at != 0)
            fail_msg("removed key %u still found", k);
        in += s_in[k];
    }
    assert_int_equal(t->used, in);
}

/* Seven keys in 16 slots, homes crowded at the end so that the cluster
 * wraps to the start (14 14 15 15 0 14 1: slots 14..15, 0..4), removed in
 * each of the 5040 orders; after each removal the others are all found. */
static void
test_remove_in_every_order(void **state)
{
    (void) state;
    enum { K = 7 };
    static const uint64_t homes[K] = {14, 14, 15, 15, 0, 14, 1};
    for (uint32_t k = 0; k < K; k++)
        s_home[k] = homes[k] + 16 * k;   /* differ above the mask */
    uint32_t order[K];
    for (uint32_t k = 0; k < K; k++)
        order[k] = k;
    hashtab_t t;
    hashtab_init(&t);
    size_t orders = 0;
    for (;;) {
        hashtab_clear(&t);
        memset(s_in, 0, sizeof s_in);
        for (uint32_t k = 0; k < K; k++)
            s_add_index(&t, k);
        assert_int_equal(t.mask + 1, 16);
        s_check_all(&t, K);
        for (uint32_t k = 0; k < K; k++) {
            s_remove_index(&t, order[k]);
            s_check_all(&t, K);
        }
        orders++;
        /* the next permutation, in lexicographic order */
        int i = K - 2;
        while (i >= 0 && order[i] > order[i + 1])
            i--;
        if (i < 0)
            break;
        int j = K - 1;
        while (order[j] < order[i])
            j--;
        uint32_t x = order[i];
        order[i] = order[j];
        order[j] = x;
        for (int a = i + 1, b = K - 1; a < b; a++, b--) {
            x = order[a];
            order[a] = order[b];
            order[b] = x;
        }
    }
    assert_int_equal(orders, 5040);
    hashtab_free(&t);
}

/* 300 keys on 5 homes, one of them the table's last slot, removed in a
 * shuffled order with some re-added on the way; the table then grows and
 * everything is still found. */
static void
test_remove_many_colliding(void **state)
{
    (void) state;
    hashtab_t t;
    hashtab_init(&t);
    assert_int_equal(hashtab_reserve(&t, RN, NULL, NULL), 0);
    size_t size = t.mask + 1;
    const uint64_t homes[] = {size - 1, 0, 3, size / 2, size / 2 + 1};
    memset(s_in, 0, sizeof s_in);
    for (uint32_t k = 0; k < RN; k++) {
        s_home[k] = homes[k % 5] + size * k;
        s_add_index(&t, k);
    }
    assert_int_equal(t.mask + 1, size);   /* no growth: the clusters are long */
    s_check_all(&t, RN);
    uint32_t order[RN];
    for (uint32_t k = 0; k < RN; k++)
        order[k] = k;
    uint64_t r = 12345;
    for (uint32_t k = RN - 1; k > 0; k--) {   /* Fisher-Yates, a fixed seed */
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t j = (uint32_t) ((r >> 33) % (k + 1));
        uint32_t x = order[k];
        order[k] = order[j];
        order[j] = x;
    }
    for (uint32_t k = 0; k < RN; k++) {
        s_remove_index(&t, order[k]);
        if (k % 7 == 3)   /* one back in, where the holes now are */
            s_add_index(&t, order[k]);
        s_check_all(&t, RN);
    }
    assert_int_equal(hashtab_reserve(&t, 4 * RN, s_index_hash, NULL), 0);
    assert_true(t.mask + 1 > size);
    s_check_all(&t, RN);
    hashtab_free(&t);
}

/* A caller that keeps its array packed, as db.c keeps its statement names:
 * a removal moves the last entry into the freed index (hashtab_move). The
 * keys sit on 3 homes, removed in a shuffled order; after each removal
 * every key left is found at the index that holds it. */
static uint32_t s_packed[RN];   /* index -> key */

static uint64_t
s_packed_hash(const void *ctx, uint32_t index)
{
    (void) ctx;
    return s_home[s_packed[index]];
}

static bool
s_packed_eq(const void *ctx, uint32_t index)
{
    return s_packed[index] == *(const uint32_t *) ctx;
}

static void
test_remove_keeping_the_array_packed(void **state)
{
    (void) state;
    hashtab_t t;
    hashtab_init(&t);
    assert_int_equal(hashtab_reserve(&t, RN, NULL, NULL), 0);
    size_t size = t.mask + 1;
    const uint64_t homes[] = {size - 2, 1, size / 3};
    uint32_t n = 0;
    for (uint32_t k = 0; k < RN; k++) {
        s_home[k] = homes[k % 3] + size * k;
        hashtab_slot_t *slot = hashtab_find(&t, s_home[k], s_packed_eq, &k);
        assert_int_equal(hashtab_at(&t, slot), 0);
        s_packed[n] = k;
        hashtab_put(&t, slot, n++);
    }
    uint32_t order[RN];
    for (uint32_t k = 0; k < RN; k++)
        order[k] = (k * 7919) % RN;   /* 7919 is prime to 300: a permutation */
    memset(s_in, 1, sizeof s_in);
    for (uint32_t r = 0; r < RN; r++) {
        uint32_t key = order[r];
        hashtab_slot_t *slot = hashtab_find(&t, s_home[key], s_packed_eq, &key);
        uint32_t at = hashtab_at(&t, slot);
        assert_true(at != 0 && s_packed[at - 1] == key);
        hashtab_remove(&t, slot, s_packed_hash, NULL);
        s_in[key] = false;
        if (at - 1 != --n) {
            s_packed[at - 1] = s_packed[n];
            hashtab_move(&t, s_home[s_packed[n]], n, at - 1);
        }
        assert_int_equal(t.used, n);
        for (uint32_t k = 0; k < RN; k++) {
            at = hashtab_at(&t, hashtab_find(&t, s_home[k], s_packed_eq, &k));
            if (s_in[k] && (at == 0 || at > n || s_packed[at - 1] != k))
                fail_msg("after removing key %u, key %u is not found at its index", key, k);
            if (!s_in[k] && at != 0)
                fail_msg("removed key %u still found", k);
        }
    }
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
        cmocka_unit_test(test_remove_in_every_order),
        cmocka_unit_test(test_remove_many_colliding),
        cmocka_unit_test(test_remove_keeping_the_array_packed),
        cmocka_unit_test(test_fnv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
