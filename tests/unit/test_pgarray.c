/* Unit tests for common/pgarray.c: the array literals every batched statement
 * sends as one parameter per column (unnest($1::text[], ...)). A wrong quote
 * here would store another value than the one sent, or fail the batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pgarray.h"

static void
test_text_quoted_and_escaped(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init(&a);
    /* '"' and '\' are the two characters the array parser treats specially
     * inside quotes; commas, braces and spaces are plain text there. */
    pgarray_add_text(&a, "hard_to_employ");
    pgarray_add_text(&a, "a\"b");
    pgarray_add_text(&a, "c\\d");
    pgarray_add_text(&a, "");
    pgarray_add_text(&a, "{x, y}");
    pgarray_add_text(&a, "NULL");   /* the text, not a NULL */
    pgarray_add_text(&a, "凤凰县");
    assert_string_equal(pgarray_literal(&a), "{\"hard_to_employ\",\"a\\\"b\",\"c\\\\d\",\"\","
                                             "\"{x, y}\",\"NULL\",\"凤凰县\"}");
    assert_int_equal(a.count, 7);
    pgarray_free(&a);
}

static void
test_null_elements(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init(&a);
    pgarray_add_text(&a, NULL);
    pgarray_add_text(&a, "x");
    pgarray_add_bytea(&a, NULL, 0);
    assert_string_equal(pgarray_literal(&a), "{NULL,\"x\",NULL}");
    pgarray_free(&a);
}

static void
test_empty(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init(&a);
    assert_string_equal(pgarray_literal(&a), "{}");
    /* an element after an empty literal starts a fresh one */
    pgarray_add_int64(&a, 7);
    assert_string_equal(pgarray_literal(&a), "{7}");
    pgarray_reset(&a);
    assert_int_equal(a.count, 0);
    assert_string_equal(pgarray_literal(&a), "{}");
    pgarray_free(&a);
    assert_null(a.buf);
    assert_int_equal(a.cap, 0);
    /* freed is as new */
    pgarray_add_text(&a, "again");
    assert_string_equal(pgarray_literal(&a), "{\"again\"}");
    pgarray_free(&a);
}

static void
test_int64_extremes(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init(&a);
    pgarray_add_int64(&a, INT64_MIN);
    pgarray_add_int64(&a, -1);
    pgarray_add_int64(&a, 0);
    pgarray_add_int64(&a, INT64_MAX);
    assert_string_equal(pgarray_literal(&a),
                        "{-9223372036854775808,-1,0,9223372036854775807}");
    pgarray_free(&a);
}

static void
test_bytea_hex(void **state)
{
    (void) state;
    static const uint8_t bytes[] = {0x00, 0x0f, 0x10, 0xab, 0xff};
    pgarray_t a;
    pgarray_init(&a);
    pgarray_add_bytea(&a, bytes, sizeof bytes);
    pgarray_add_bytea(&a, (const uint8_t *) "", 0);   /* empty, not NULL */
    /* the array parser turns "\\x" into \x, bytea's hex prefix */
    assert_string_equal(pgarray_literal(&a), "{\"\\\\x000f10abff\",\"\\\\x\"}");
    pgarray_free(&a);
}

static void
test_grows_past_first_buffer(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init(&a);
    /* 1000 elements of one escaped character each, then one long text of
     * backslashes: both far beyond the first 256 bytes */
    char expect[8192];
    size_t len = 0;
    expect[len++] = '{';
    for (int i = 0; i < 1000; i++) {
        pgarray_add_text(&a, "\"");
        memcpy(expect + len, i ? ",\"\\\"\"" : "\"\\\"\"", i ? 5 : 4);
        len += i ? 5 : 4;
    }
    char slashes[1001];
    memset(slashes, '\\', 1000);
    slashes[1000] = '\0';
    pgarray_add_text(&a, slashes);
    memcpy(expect + len, ",\"", 2);
    len += 2;
    memset(expect + len, '\\', 2000);
    len += 2000;
    memcpy(expect + len, "\"}", 3);
    len += 2;

    const char *lit = pgarray_literal(&a);
    assert_non_null(lit);
    assert_int_equal(strlen(lit), len);
    assert_memory_equal(lit, expect, len + 1);
    assert_int_equal(a.count, 1001);
    assert_true(a.cap > 256);

    /* a reset keeps the memory and the next literal is whole again */
    size_t cap = a.cap;
    pgarray_reset(&a);
    pgarray_add_int64(&a, 1);
    assert_string_equal(pgarray_literal(&a), "{1}");
    assert_int_equal(a.cap, cap);
    pgarray_free(&a);
}

static void
test_literal_then_more(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init(&a);
    pgarray_add_text(&a, "a");
    assert_string_equal(pgarray_literal(&a), "{\"a\"}");
    pgarray_add_text(&a, "b");
    assert_string_equal(pgarray_literal(&a), "{\"a\",\"b\"}");
    pgarray_free(&a);
}

static void
test_failed_gives_no_literal(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init(&a);
    pgarray_add_text(&a, "a");
    /* what an allocation failure leaves: callers see a NULL literal and
     * send nothing rather than a partial array */
    a.failed = 1;
    pgarray_add_text(&a, "b");
    assert_int_equal(a.count, 1);
    assert_null(pgarray_literal(&a));
    pgarray_reset(&a);
    pgarray_add_text(&a, "c");
    assert_string_equal(pgarray_literal(&a), "{\"c\"}");
    pgarray_free(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_quoted_and_escaped),
        cmocka_unit_test(test_null_elements),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_int64_extremes),
        cmocka_unit_test(test_bytea_hex),
        cmocka_unit_test(test_grows_past_first_buffer),
        cmocka_unit_test(test_literal_then_more),
        cmocka_unit_test(test_failed_gives_no_literal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
