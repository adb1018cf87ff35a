/* answer_cache: an answer is found at the version it was kept at only, a
 * colliding question replaces it, big answers and a full cache keep nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answer_cache.h"

static const uint8_t *
s_get(answer_cache_t *c, const char *key, uint64_t version, size_t *len)
{
    return answer_cache_get(c, (const uint8_t *) key, strlen(key), version, len);
}

static void
s_put(answer_cache_t *c, const char *key, uint64_t version, const char *value)
{
    answer_cache_put(c, (const uint8_t *) key, strlen(key), version, (const uint8_t *) value,
                     strlen(value));
}

static void
test_found_at_its_version_only(void **state)
{
    (void) state;
    answer_cache_t *c = answer_cache_new();
    assert_non_null(c);
    size_t len = 0;
    assert_null(s_get(c, "433123/2025-01", 7, &len));
    s_put(c, "433123/2025-01", 7, "{\"value\":1}");
    const uint8_t *v = s_get(c, "433123/2025-01", 7, &len);
    assert_non_null(v);
    assert_int_equal(len, strlen("{\"value\":1}"));
    assert_memory_equal(v, "{\"value\":1}", len);
    assert_null(s_get(c, "433123/2025-01", 8, &len));    /* the read model moved on */
    assert_null(s_get(c, "433123/2025-02", 7, &len));    /* another question */
    assert_null(s_get(c, "433123/2025-0", 7, &len));     /* a prefix is another question */
    assert_int_equal(answer_cache_hits(c), 1);
    assert_int_equal(answer_cache_misses(c), 4);
    s_put(c, "433123/2025-01", 8, "{\"value\":2}");      /* replaced */
    v = s_get(c, "433123/2025-01", 8, &len);
    assert_non_null(v);
    assert_memory_equal(v, "{\"value\":2}", len);
    answer_cache_destroy(&c);
    assert_null(c);
}

static void
test_big_answers_and_a_full_cache_keep_nothing(void **state)
{
    (void) state;
    answer_cache_t *c = answer_cache_new();
    size_t big = 256 * 1024 + 1, len;
    uint8_t *value = calloc(1, big);
    assert_non_null(value);
    answer_cache_put(c, (const uint8_t *) "big", 3, 1, value, big);
    assert_null(answer_cache_get(c, (const uint8_t *) "big", 3, 1, &len));
    /* 16 MiB in all: 200 answers of 100 KiB cannot all stay */
    size_t kept = 0;
    for (int i = 0; i < 200; i++) {
        char key[16];
        snprintf(key, sizeof key, "q%d", i);
        answer_cache_put(c, (const uint8_t *) key, strlen(key), 1, value, 100 * 1024);
    }
    for (int i = 0; i < 200; i++) {
        char key[16];
        snprintf(key, sizeof key, "q%d", i);
        kept += answer_cache_get(c, (const uint8_t *) key, strlen(key), 1, &len) != NULL;
    }
    assert_true(kept > 0);
    assert_true(kept * 100 * 1024 <= 16 * 1024 * 1024);
    free(value);
    answer_cache_destroy(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found_at_its_version_only),
        cmocka_unit_test(test_big_answers_and_a_full_cache_keep_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
