/* jsonw: the same text as jansson's json_dumps(JSON_COMPACT) for the same
 * values, strings jansson refuses refused, rewinding to a mark, misuse. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonw.h"

static char *
s_finish(jsonw_t *w)
{
    size_t len = 0;
    char *text = jsonw_finish(w, &len);
    if (text)
        assert_int_equal(len, strlen(text));
    return text;
}

static void
test_same_text_as_jansson(void **state)
{
    (void) state;
    static const char *strings[] = {
        "", "plain", "赵六 茶田镇", "quote \" backslash \\ slash /", "\b\f\n\r\t",
        "\x01\x1f\x7f end", "emoji \xF0\x9F\x98\x80", "\xEF\xBF\xBF",
    };
    jsonw_t w;
    jsonw_init(&w, 1);   /* tiny: every call grows the buffer */
    json_t *ref = json_object();
    json_t *arr = json_array();
    jsonw_object_open(&w);
    jsonw_key(&w, "strings");
    jsonw_array_open(&w);
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        assert_int_equal(jsonw_string(&w, strings[i]), 0);
        json_array_append_new(arr, json_string(strings[i]));
    }
    jsonw_array_close(&w);
    json_object_set_new(ref, "strings", arr);
    static const int64_t ints[] = {0, -1, 42, INT64_MAX, INT64_MIN};
    jsonw_key(&w, "ints");
    jsonw_array_open(&w);
    arr = json_array();
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        jsonw_int(&w, ints[i]);
        json_array_append_new(arr, json_integer(ints[i]));
    }
    jsonw_array_close(&w);
    json_object_set_new(ref, "ints", arr);
    jsonw_key(&w, "empty");
    jsonw_object_open(&w);
    jsonw_object_close(&w);
    json_object_set_new(ref, "empty", json_object());
    jsonw_key(&w, "none");
    jsonw_array_open(&w);
    jsonw_array_close(&w);
    json_object_set_new(ref, "none", json_array());
    jsonw_key(&w, "t");
    jsonw_bool(&w, true);
    json_object_set_new(ref, "t", json_true());
    jsonw_key(&w, "f");
    jsonw_bool(&w, false);
    json_object_set_new(ref, "f", json_false());
    jsonw_key(&w, "n\"k");
    jsonw_null(&w);
    json_object_set_new(ref, "n\"k", json_null());
    jsonw_object_close(&w);

    char *text = s_finish(&w);
    char *want = json_dumps(ref, JSON_COMPACT);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
    free(want);
    json_decref(ref);
}

static void
test_invalid_utf8_refused_and_rewound(void **state)
{
    (void) state;
    static const char *bad[] = {
        "\xC0\xAF",           /* overlong */
        "\xED\xA0\x80",       /* surrogate */
        "\xF4\x90\x80\x80",   /* above U+10FFFF */
        "cut \xE4\xB8",       /* truncated */
        "\x80",               /* lone continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_null(json_string(bad[i]));   /* jansson refuses them too */
    jsonw_t w;
    jsonw_init(&w, 0);
    jsonw_object_open(&w);
    jsonw_key(&w, "a");
    jsonw_int(&w, 1);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        jsonw_mark_t m = jsonw_mark(&w);
        jsonw_key(&w, "bad");
        assert_int_equal(jsonw_string(&w, bad[i]), -1);
        jsonw_rewind(&w, m);
    }
    jsonw_key(&w, "b");
    jsonw_array_open(&w);
    jsonw_mark_t m = jsonw_mark(&w);
    assert_int_equal(jsonw_string(&w, bad[0]), -1);
    jsonw_rewind(&w, m);
    jsonw_string(&w, "ok");
    jsonw_array_close(&w);
    jsonw_object_close(&w);
    char *text = s_finish(&w);
    assert_string_equal(text, "{\"a\":1,\"b\":[\"ok\"]}");
    free(text);
}

static void
test_misuse_fails(void **state)
{
    (void) state;
    jsonw_t w;
    jsonw_init(&w, 0);
    assert_int_equal(jsonw_key(&w, "top"), -1);   /* a key outside an object */
    assert_null(s_finish(&w));

    jsonw_init(&w, 0);
    jsonw_object_open(&w);   /* never closed */
    assert_null(s_finish(&w));

    jsonw_init(&w, 0);
    for (int i = 0; i < JSONW_MAX_DEPTH; i++)
        assert_int_equal(jsonw_array_open(&w), 0);
    assert_int_equal(jsonw_array_open(&w), -1);
    assert_null(s_finish(&w));

    jsonw_clear(&w);   /* a cleared writer clears again */
}

/* Decimals: exact text, and the same number as jansson reads back. */
static void
test_decimal(void **state)
{
    (void) state;
    static const struct {
        int64_t units;
        int scale;
        const char *text;
    } cases[] = {{11775, 4, "1.1775"}, {5000, 4, "0.5"},  {6667, 4, "0.6667"},
                 {10000, 4, "1.0"},    {0, 4, "0.0"},     {-12, 3, "-0.012"},
                 {123456789, 2, "1234567.89"}, {7, 1, "0.7"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        jsonw_t w;
        jsonw_init(&w, 0);
        jsonw_array_open(&w);
        assert_int_equal(jsonw_decimal(&w, cases[i].units, cases[i].scale), 0);
        jsonw_array_close(&w);
        char *text = s_finish(&w);
        assert_non_null(text);
        char want[64];
        snprintf(want, sizeof want, "[%s]", cases[i].text);
        assert_string_equal(text, want);
        json_t *back = json_loads(text, 0, NULL);
        assert_non_null(back);
        double v = json_number_value(json_array_get(back, 0)), expect = (double) cases[i].units;
        for (int k = 0; k < cases[i].scale; k++)
            expect /= 10;
        double tolerance = 1e-12 * (expect < 0 ? -expect : expect) + 1e-15;
        assert_true(v - expect <= tolerance && expect - v <= tolerance);
        json_decref(back);
        free(text);
    }
    jsonw_t w;
    jsonw_init(&w, 0);
    jsonw_array_open(&w);
    assert_int_equal(jsonw_decimal(&w, 1, 0), -1);    /* scale out of range */
    assert_int_equal(jsonw_decimal(&w, 1, 10), -1);
    jsonw_clear(&w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_text_as_jansson),
        cmocka_unit_test(test_invalid_utf8_refused_and_rewound),
        cmocka_unit_test(test_misuse_fails),
        cmocka_unit_test(test_decimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
