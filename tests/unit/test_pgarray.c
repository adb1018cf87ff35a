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

/* ---- binary arrays: the bytes array_recv reads ---------------------------- */

static const unsigned char *
s_params_one(pgarray_t *a, int *length, int *format)
{
    const char *value;
    if (pgarray_params(a, 1, &value, length, format))
        return NULL;
    return (const unsigned char *) value;
}

static void
test_binary_text_with_null(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init_binary(&a, PGARRAY_TEXT);
    pgarray_add_text(&a, "a\"b");   /* no quoting or escaping in binary */
    pgarray_add_text(&a, NULL);
    pgarray_add_text(&a, "");
    int length, format;
    const unsigned char *v = s_params_one(&a, &length, &format);
    static const unsigned char want[] = {
        0, 0, 0, 1,            /* one dimension */
        0, 0, 0, 1,            /* has NULLs */
        0, 0, 0, 25,           /* text */
        0, 0, 0, 3, 0, 0, 0, 1, /* three elements from index 1 */
        0, 0, 0, 3, 'a', '"', 'b',
        0xff, 0xff, 0xff, 0xff, /* NULL */
        0, 0, 0, 0};           /* the empty string */
    assert_non_null(v);
    assert_int_equal(format, 1);
    assert_int_equal(length, sizeof want);
    assert_memory_equal(v, want, sizeof want);
    pgarray_free(&a);
}

static void
test_binary_int8_and_bytea(void **state)
{
    (void) state;
    pgarray_t n, b;
    pgarray_init_binary(&n, PGARRAY_INT8);
    pgarray_init_binary(&b, PGARRAY_BYTEA);
    pgarray_add_int64(&n, -2);
    pgarray_add_int64(&n, INT64_C(0x0102030405060708));
    static const uint8_t raw[] = {0x00, 0xff};
    pgarray_add_bytea(&b, raw, sizeof raw);
    int length, format;
    const unsigned char *v = s_params_one(&n, &length, &format);
    static const unsigned char want_n[] = {
        0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0, 0, 1,
        0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
        0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_non_null(v);
    assert_int_equal(length, sizeof want_n);
    assert_memory_equal(v, want_n, sizeof want_n);
    v = s_params_one(&b, &length, &format);
    static const unsigned char want_b[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 1,
                                           0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0xff};
    assert_non_null(v);
    assert_int_equal(length, sizeof want_b);
    assert_memory_equal(v, want_b, sizeof want_b);
    pgarray_free(&n);
    pgarray_free(&b);
}

static void
test_binary_empty_and_reset(void **state)
{
    (void) state;
    pgarray_t a;
    pgarray_init_binary(&a, PGARRAY_BPCHAR);
    int length, format;
    const unsigned char *v = s_params_one(&a, &length, &format);
    static const unsigned char empty[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x12};
    assert_non_null(v);
    assert_int_equal(length, sizeof empty);   /* no dimensions: '{}' */
    assert_memory_equal(v, empty, sizeof empty);
    pgarray_add_text(&a, "x");
    pgarray_reset(&a);
    pgarray_add_text(&a, "yz");
    v = s_params_one(&a, &length, &format);
    assert_non_null(v);
    assert_int_equal(length, 20 + 4 + 2);
    assert_int_equal(v[15], 1);   /* one element: the reset forgot "x" */
    assert_int_equal(v[7], 0);    /* and that nothing was NULL */
    assert_memory_equal(v + 24, "yz", 2);
    pgarray_free(&a);
}

static void
test_binary_wrong_element_fails(void **state)
{
    (void) state;
    /* an element of another type would be misread by the server: the
     * array fails instead of sending it */
    pgarray_t a;
    pgarray_init_binary(&a, PGARRAY_TEXT);
    pgarray_add_text(&a, "ok");
    pgarray_add_int64(&a, 7);
    int length, format;
    assert_null(s_params_one(&a, &length, &format));
    assert_null(pgarray_literal(&a));   /* a binary array has no literal */
    pgarray_free(&a);
}

static void
test_params_mixed_forms(void **state)
{
    (void) state;
    static const uint32_t types[] = {PGARRAY_LITERAL, PGARRAY_BPCHAR};
    pgarray_t cols[2];
    pgarray_init_types(cols, types, 2);
    pgarray_add_text(&cols[0], "2025-01-31");
    pgarray_add_text(&cols[1], "433123");
    const char *values[2];
    int lengths[2], formats[2];
    assert_int_equal(pgarray_params(cols, 2, values, lengths, formats), 0);
    assert_string_equal(values[0], "{\"2025-01-31\"}");
    assert_int_equal(formats[0], 0);
    assert_int_equal(formats[1], 1);
    assert_int_equal(lengths[1], 20 + 4 + 6);
    pgarray_free_all(cols, 2);
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
        cmocka_unit_test(test_binary_text_with_null),
        cmocka_unit_test(test_binary_int8_and_bytea),
        cmocka_unit_test(test_binary_empty_and_reset),
        cmocka_unit_test(test_binary_wrong_element_fails),
        cmocka_unit_test(test_params_mixed_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
