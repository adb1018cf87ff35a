/* jsonr: a POST /v1/events body read into its flat array (spans, sizes, the
 * walking macros and accessors), every escape, the same values as jansson,
 * each kind of refusal with its error text and position, int64 and double
 * limits, duplicate keys, the nesting limit (top = depth 0), reuse of one
 * reader across documents, and objects of 10 000 keys. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonr.h"

/* A string literal and its length, as text and len arguments. */
#define LIT(s) (s), sizeof(s) - 1

/* --- helpers ---------------------------------------------------------------------- */

/* Same value as jansson's: type, strings byte for byte, numbers exactly,
 * arrays in order, objects by key. */
static bool
s_same(const jsonr_value_t *v, const json_t *j)
{
    switch (v->type) {
    case JSONR_NULL:
        return json_is_null(j);
    case JSONR_TRUE:
        return json_is_true(j);
    case JSONR_FALSE:
        return json_is_false(j);
    case JSONR_INTEGER:
        return json_is_integer(j) && json_integer_value(j) == v->as.integer;
    case JSONR_REAL:
        return json_is_real(j) && json_real_value(j) == v->as.real;
    case JSONR_STRING:
        return json_is_string(j) && json_string_length(j) == v->size &&
               memcmp(json_string_value(j), v->as.string, v->size) == 0 &&
               v->as.string[v->size] == '\0';
    case JSONR_ARRAY: {
        if (!json_is_array(j) || json_array_size(j) != v->size)
            return false;
        size_t i = 0;
        JSONR_ARRAY_EACH(v, item) {
            if (!s_same(item, json_array_get(j, i++)))
                return false;
        }
        return i == v->size;
    }
    case JSONR_OBJECT: {
        if (!json_is_object(j) || json_object_size(j) != v->size)
            return false;
        size_t n = 0;
        JSONR_OBJECT_EACH(v, key) {
            const json_t *other = json_object_getn(j, key->as.string, key->size);
            if (key->type != JSONR_STRING || !other || !s_same(key + 1, other))
                return false;
            n++;
        }
        return n == v->size;
    }
    }
    return false;
}

/* Parses `text` with `r`, which must accept it with the values jansson reads. */
static const jsonr_value_t *
s_parse_ok(jsonr_t *r, const char *text, size_t len)
{
    jsonr_error_t err;
    const jsonr_value_t *root = jsonr_parse(r, text, len, &err);
    if (!root)
        fail_msg("refused (line %d, column %d): %s", err.line, err.column, err.text);
    json_error_t jerr;
    json_t *ref = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!ref)
        fail_msg("jansson refuses what jsonr accepted: %s", jerr.text);
    assert_true(s_same(root, ref));
    json_decref(ref);
    return root;
}

/* The text must be refused, with an error text and a position inside it, and
 * jansson must refuse it too. */
static void
s_refused_len(jsonr_t *r, const char *text, size_t len)
{
    jsonr_error_t err;
    memset(&err, 0x55, sizeof err);   /* whatever is there must be overwritten */
    if (jsonr_parse(r, text, len, &err))
        fail_msg("accepted \"%.*s\"", (int) len, text);
    if (err.text[0] == '\0' || strlen(err.text) >= sizeof err.text)
        fail_msg("no error text for \"%.*s\"", (int) len, text);
    int lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (err.line < 1 || err.line > lines || err.column < 1 || (size_t) err.column > len + 1)
        fail_msg("\"%.*s\": implausible position line %d column %d", (int) len, text, err.line,
                 err.column);
    assert_false(err.too_deep);
    json_error_t jerr;
    json_t *ref = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (ref)
        fail_msg("jansson accepts \"%.*s\"", (int) len, text);
    /* the reader is still good for the next document */
    const jsonr_value_t *after = jsonr_parse(r, LIT("[7]"), &err);
    assert_non_null(after);
    assert_int_equal(after->type, JSONR_ARRAY);
    assert_int_equal(jsonr_at(after, 0)->as.integer, 7);
}

static void
s_refused(jsonr_t *r, const char *text)
{
    s_refused_len(r, text, strlen(text));
}

/* `open` n times, `middle`, `close` n times, in a buffer the caller frees. */
static char *
s_nested(int n, const char *open, const char *middle, const char *close, size_t *len)
{
    size_t lo = strlen(open), lm = strlen(middle), lc = strlen(close);
    char *text = malloc((size_t) n * (lo + lc) + lm + 1);
    assert_non_null(text);
    char *o = text;
    for (int i = 0; i < n; i++, o += lo)
        memcpy(o, open, lo);
    memcpy(o, middle, lm);
    o += lm;
    for (int i = 0; i < n; i++, o += lc)
        memcpy(o, close, lc);
    *o = '\0';
    *len = (size_t) (o - text);
    return text;
}

/* --- a POST /v1/events body ----------------------------------------------------- */

static const char s_body[] =
    "{\n"
    "  \"source\": \"county-app\",\n"
    "  \"events\": [\n"
    "    {\n"
    "      \"type\": \"employment.person_registered\",\n"
    "      \"occurred_at\": \"2024-03-01T08:00:00+08:00\",\n"
    "      \"region\": \"433123101000\",\n"
    "      \"data\": {\n"
    "        \"name\": \"赵六\",\n"
    "        \"address\": \"茶田镇 幸福村\",\n"
    "        \"skills\": [\"焊工\", \"电工\"],\n"
    "        \"age\": 42,\n"
    "        \"wage\": 3500.5,\n"
    "        \"verified\": true,\n"
    "        \"note\": null,\n"
    "        \"retired\": false\n"
    "      }\n"
    "    },\n"
    "    {\"type\": \"insurance.contribution_paid\",\n"
    "     \"data\": {\"amount\": -1200, \"months\": [1, 2, 3], \"payer\": {}}}\n"
    "  ],\n"
    "  \"batch\": []\n"
    "}\n";

static void
s_assert_string(const jsonr_value_t *v, const char *expect)
{
    assert_non_null(v);
    assert_int_equal(v->type, JSONR_STRING);
    assert_int_equal(v->span, 1);
    assert_int_equal(v->size, strlen(expect));
    assert_string_equal(v->as.string, expect);
}

static void
test_events_body(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    assert_non_null(r);
    const jsonr_value_t *root = s_parse_ok(r, s_body, sizeof s_body - 1);

    /* the layout, value by value: 48 values in document order */
    assert_int_equal(root->type, JSONR_OBJECT);
    assert_int_equal(root->size, 3);
    assert_int_equal(root->span, 48);
    s_assert_string(&root[1], "source");
    s_assert_string(&root[2], "county-app");
    s_assert_string(&root[3], "events");
    const jsonr_value_t *events = &root[4];
    assert_int_equal(events->type, JSONR_ARRAY);
    assert_int_equal(events->size, 2);
    assert_int_equal(events->span, 42);
    assert_int_equal(root[5].type, JSONR_OBJECT);
    assert_int_equal(root[5].size, 4);
    assert_int_equal(root[5].span, 27);
    assert_int_equal(root[13].type, JSONR_OBJECT);   /* the first event's data */
    assert_int_equal(root[13].size, 8);
    assert_int_equal(root[13].span, 19);
    assert_int_equal(root[19].type, JSONR_ARRAY);    /* skills */
    assert_int_equal(root[19].size, 2);
    assert_int_equal(root[19].span, 3);
    assert_int_equal(root[32].type, JSONR_OBJECT);   /* the second event */
    assert_int_equal(root[32].size, 2);
    assert_int_equal(root[32].span, 14);
    assert_int_equal(root[36].size, 3);
    assert_int_equal(root[36].span, 10);
    assert_int_equal(root[40].type, JSONR_ARRAY);    /* months */
    assert_int_equal(root[40].size, 3);
    assert_int_equal(root[40].span, 4);
    assert_int_equal(root[45].type, JSONR_OBJECT);   /* payer: {} */
    assert_int_equal(root[45].size, 0);
    assert_int_equal(root[45].span, 1);
    s_assert_string(&root[46], "batch");
    assert_int_equal(root[47].type, JSONR_ARRAY);    /* batch: [] */
    assert_int_equal(root[47].size, 0);
    assert_int_equal(root[47].span, 1);

    /* jsonr_get, jsonr_at, jsonr_skip */
    s_assert_string(jsonr_get(root, "source"), "county-app");
    assert_ptr_equal(jsonr_get(root, "events"), events);
    assert_ptr_equal(jsonr_get(root, "batch"), &root[47]);
    assert_null(jsonr_get(root, "event"));            /* a prefix is no key */
    assert_null(jsonr_get(root, "eventss"));
    assert_null(jsonr_get(root, "county-app"));       /* a value is no key */
    assert_null(jsonr_get(events, "source"));         /* not an object */
    assert_null(jsonr_get(NULL, "source"));
    const jsonr_value_t *first = jsonr_at(events, 0), *second = jsonr_at(events, 1);
    assert_ptr_equal(first, &root[5]);
    assert_ptr_equal(second, &root[32]);
    assert_ptr_equal(jsonr_skip(first), second);
    assert_ptr_equal(jsonr_skip(events), &root[46]);
    assert_ptr_equal(jsonr_skip(root), root + 48);
    assert_null(jsonr_at(events, 2));
    assert_null(jsonr_at(root, 0));                   /* not an array */
    assert_null(jsonr_at(NULL, 0));

    const jsonr_value_t *data = jsonr_get(first, "data");
    assert_ptr_equal(data, &root[13]);
    s_assert_string(jsonr_get(first, "type"), "employment.person_registered");
    s_assert_string(jsonr_get(first, "occurred_at"), "2024-03-01T08:00:00+08:00");
    s_assert_string(jsonr_get(first, "region"), "433123101000");
    s_assert_string(jsonr_get(data, "name"), "赵六");
    assert_int_equal(jsonr_get(data, "name")->size, 6);               /* 2 × 3 bytes */
    s_assert_string(jsonr_get(data, "address"), "茶田镇 幸福村");
    assert_int_equal(jsonr_get(data, "address")->size, 19);           /* 6 × 3 + 1 */
    const jsonr_value_t *skills = jsonr_get(data, "skills");
    s_assert_string(jsonr_at(skills, 0), "焊工");
    s_assert_string(jsonr_at(skills, 1), "电工");
    assert_null(jsonr_at(skills, 2));
    assert_int_equal(jsonr_get(data, "age")->type, JSONR_INTEGER);
    assert_int_equal(jsonr_get(data, "age")->as.integer, 42);
    assert_int_equal(jsonr_get(data, "wage")->type, JSONR_REAL);
    assert_true(jsonr_get(data, "wage")->as.real == 3500.5);
    assert_int_equal(jsonr_get(data, "verified")->type, JSONR_TRUE);
    assert_int_equal(jsonr_get(data, "note")->type, JSONR_NULL);
    assert_int_equal(jsonr_get(data, "retired")->type, JSONR_FALSE);
    static const char *const scalars[] = {"name", "address", "age", "wage", "verified", "note",
                                          "retired"};
    for (size_t i = 0; i < sizeof scalars / sizeof *scalars; i++)
        assert_int_equal(jsonr_get(data, scalars[i])->span, 1);   /* themselves only */

    /* JSONR_OBJECT_EACH: the keys in document order, each value at key + 1 */
    static const char *const keys[] = {"name", "address", "skills", "age",
                                       "wage", "verified", "note",    "retired"};
    size_t n = 0;
    JSONR_OBJECT_EACH(data, key) {
        assert_true(n < 8);
        s_assert_string(key, keys[n]);
        assert_ptr_equal(key + 1, jsonr_get(data, keys[n]));
        n++;
    }
    assert_int_equal(n, 8);

    /* JSONR_ARRAY_EACH over events and over months */
    static const char *const types[] = {"employment.person_registered",
                                        "insurance.contribution_paid"};
    n = 0;
    JSONR_ARRAY_EACH(events, ev) {
        assert_true(n < 2);
        assert_int_equal(ev->type, JSONR_OBJECT);
        s_assert_string(jsonr_get(ev, "type"), types[n]);
        n++;
    }
    assert_int_equal(n, 2);
    const jsonr_value_t *paid = jsonr_get(second, "data");
    assert_int_equal(jsonr_get(paid, "amount")->as.integer, -1200);
    int64_t month = 0;
    JSONR_ARRAY_EACH(jsonr_get(paid, "months"), m) {
        assert_int_equal(m->type, JSONR_INTEGER);
        assert_int_equal(m->as.integer, ++month);
    }
    assert_int_equal(month, 3);
    const jsonr_value_t *payer = jsonr_get(paid, "payer");
    n = 0;
    JSONR_OBJECT_EACH(payer, key)
        n++;
    JSONR_ARRAY_EACH(&root[47], item)
        n++;
    assert_int_equal(n, 0);   /* empty containers: no iteration */

    jsonr_destroy(&r);
    assert_null(r);
    jsonr_destroy(&r);        /* destroying twice is harmless */
    jsonr_destroy(NULL);
}

/* --- strings ---------------------------------------------------------------------- */

static void
test_escapes(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    static const char text[] = "[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\", \"\\u00e9\\u00E9\","
                               " \"\\ud83d\\ude00\", \"a\\u4e2Db\", \"\\u0041\\u007f\\u0080\","
                               " \"\\uFFFF\\uDBFF\\uDFFF\", \"\", \"\\u002F\"]";
    const jsonr_value_t *root = s_parse_ok(r, text, sizeof text - 1);
    assert_int_equal(root->size, 8);
    assert_int_equal(root->span, 9);

    const jsonr_value_t *v = jsonr_at(root, 0);
    assert_int_equal(v->size, 15);
    assert_memory_equal(v->as.string, "\" \\ / \b \f \n \r \t", 16);   /* with the NUL */
    v = jsonr_at(root, 1);
    assert_int_equal(v->size, 4);
    assert_memory_equal(v->as.string, "\xC3\xA9\xC3\xA9", 5);
    v = jsonr_at(root, 2);   /* U+1F600 from its surrogate pair: 4 bytes */
    assert_int_equal(v->size, 4);
    assert_memory_equal(v->as.string, "\xF0\x9F\x98\x80", 5);
    v = jsonr_at(root, 3);
    assert_int_equal(v->size, 5);
    assert_memory_equal(v->as.string, "a\xE4\xB8\xAD" "b", 6);
    v = jsonr_at(root, 4);
    assert_int_equal(v->size, 4);
    assert_memory_equal(v->as.string, "A\x7F\xC2\x80", 5);
    v = jsonr_at(root, 5);   /* U+FFFF and U+10FFFF */
    assert_int_equal(v->size, 7);
    assert_memory_equal(v->as.string, "\xEF\xBF\xBF\xF4\x8F\xBF\xBF", 8);
    v = jsonr_at(root, 6);
    assert_int_equal(v->type, JSONR_STRING);
    assert_int_equal(v->size, 0);
    assert_string_equal(v->as.string, "");
    s_assert_string(jsonr_at(root, 7), "/");

    /* raw UTF-8 passes through as it is, 2-, 3- and 4-byte sequences, and
     * DEL is no control character */
    static const char raw[] = "{\"\xC3\xA9\": \"\xE4\xB8\xAD\xF0\x9F\x98\x80\x7F\", \"\": 1}";
    root = s_parse_ok(r, raw, sizeof raw - 1);
    v = jsonr_get(root, "\xC3\xA9");
    assert_non_null(v);
    assert_int_equal(v->size, 8);
    assert_memory_equal(v->as.string, "\xE4\xB8\xAD\xF0\x9F\x98\x80\x7F", 9);
    v = jsonr_get(root, "");   /* the empty key */
    assert_non_null(v);
    assert_int_equal(v->as.integer, 1);
    jsonr_destroy(&r);
}

/* --- refusals ----------------------------------------------------------------------- */

static void
test_refusals(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    static const char *const texts[] = {
        /* top-level scalar */
        "1", "\"text\"", "true", "null", "  -5 ",
        /* trailing garbage */
        "{} x", "[]]", "[1] [2]", "{\"a\":1}}", "[]\x01",
        /* missing comma, colon */
        "[1 2]", "{\"a\":1 \"b\":2}", "[\"a\" \"b\"]", "{\"a\" 1}", "{\"a\"}",
        /* trailing comma, empty member */
        "[1,]", "{\"a\":1,}", "[,1]", "[1,,2]", "{,}",
        /* not a key */
        "{1:2}", "{a:1}", "{'a':1}",
        /* unterminated */
        "[\"abc", "[\"abc\\\"]", "[\"abc\\", "[1", "{\"a\":", "[", "{",
        /* control characters in a string */
        "[\"a\001b\"]", "[\"a\x1f\"]", "[\"tab\there\"]", "[\"new\nline\"]",
        /* invalid UTF-8 */
        "[\"\xC0\x80\"]",            /* overlong NUL */
        "[\"\xC1\xBF\"]",            /* overlong DEL */
        "[\"\xE0\x80\xAF\"]",        /* overlong '/' */
        "[\"\xED\xA0\x80\"]",        /* encoded surrogate U+D800 */
        "[\"\xED\xBF\xBF\"]",        /* encoded surrogate U+DFFF */
        "[\"\xF5\x80\x80\x80\"]",    /* F5: beyond U+10FFFF */
        "[\"\xF4\x90\x80\x80\"]",    /* U+110000 */
        "[\"\x80\"]",                /* lone continuation byte */
        "[\"\xE4\xB8\"]",            /* truncated */
        "[\"\xE4\xB8",               /* truncated at the end of input */
        "[\"\xFF\"]",
        "[\xC3\xA9]",                /* valid UTF-8, but outside a string */
        /* escapes */
        "[\"\\u0000\"]", "{\"\\u0000\":1}", "[\"a\\u0000b\"]",
        "[\"\\udc00\"]",             /* lone low surrogate */
        "[\"\\udfff\\udc00\"]",
        "[\"\\ud83d\"]",             /* high surrogate without its pair */
        "[\"\\ud83dx\"]", "[\"\\ud83d\\n\"]", "[\"\\ud83d\\u0041\"]", "[\"\\ud83d\\ud83d\"]",
        "[\"\\ud83d\\u\"]", "[\"\\ud83d\\ude0\"]",
        "[\"\\x\"]", "[\"\\a\"]", "[\"\\U00e9\"]", "[\"\\'\"]", "[\"\\0\"]",
        "[\"\\u12\"]", "[\"\\u12g4\"]", "[\"\\u\"]",
        /* numbers */
        "[01]", "[-01]", "[00]", "[-]", "[1.]", "[1.e5]", "[.5]", "[1e]", "[1e+]", "[1E-]",
        "[+1]", "[- 1]", "[0x10]", "[1e5.0]", "[Infinity]", "[NaN]", "[-Infinity]",
        "[9223372036854775808]", "[-9223372036854775809]", "[18446744073709551616]",
        "[99999999999999999999999]", "[-18446744073709551617]",
        "[1e400]", "[-1e400]", "[1.7976931348623159e308]",
        /* literals */
        "[tru]", "[True]", "[nul]", "[falsey]", "[truefalse]", "[true1]",
        /* duplicate key in one object */
        "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":1}",
        "{\"k\":1,\"x\":{\"k\":2},\"k\":3}",           /* an object between the two */
        "{\"\xC3\xA9\":1,\"\\u00e9\":2}",               /* the same key once unescaped */
        "[{\"a\":1},{\"b\":{\"c\":[],\"c\":{}}}]",
        /* nothing there */
        "", " ", "\n\t\r ",
        /* a byte order mark is no whitespace */
        "\xEF\xBB\xBF[]",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        s_refused(r, texts[i]);
    /* a NUL byte, inside and after a document */
    s_refused_len(r, LIT("[\"a\0\"]"));
    s_refused_len(r, LIT("[1]\0"));
    s_refused_len(r, LIT("[\0]"));
    /* a NUL byte right after a number or a literal: jansson 2.14 drops it and
     * accepts (its stream loses an ungot 0), jsonr refuses as RFC 8259 says */
    static const struct {
        const char *text;
        size_t len;
    } after_token[] = {{LIT("[1\0]")}, {LIT("[true\0]")}, {LIT("[1\0,2]")},
                       {LIT("{\"a\":null\0}")}, {LIT("[-0\0]")}, {LIT("[1e5\0]")}};
    for (size_t i = 0; i < sizeof after_token / sizeof *after_token; i++) {
        jsonr_error_t err;
        assert_null(jsonr_parse(r, after_token[i].text, after_token[i].len, &err));
        assert_true(err.text[0] != '\0');
        assert_int_equal(err.line, 1);
        assert_true(err.column > 1 && (size_t) err.column <= after_token[i].len);
        assert_false(err.too_deep);
    }
    jsonr_destroy(&r);
}

/* Where reading stopped: lines from 1, columns in characters from 1. */
static void
test_error_position(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    jsonr_error_t err;
    static const char missing_colon[] = "{\n  \"a\": 1,\n  \"b\" 2\n}";
    assert_null(jsonr_parse(r, missing_colon, sizeof missing_colon - 1, &err));
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 7);   /* on the 2 */
    assert_true(err.text[0] != '\0');

    static const char chinese[] = "{\"名字\" x}";   /* 2 characters of 3 bytes each */
    assert_null(jsonr_parse(r, chinese, sizeof chinese - 1, &err));
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 7);   /* on the x */

    static const char garbage[] = "[1,\n2]\n\n  x";
    assert_null(jsonr_parse(r, garbage, sizeof garbage - 1, &err));
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 3);

    static const char dup[] = "{\"a\":1,\n\"a\":2}";
    assert_null(jsonr_parse(r, dup, sizeof dup - 1, &err));
    assert_int_equal(err.line, 2);
    assert_true(err.column >= 1 && err.column <= 4);
    assert_false(err.too_deep);

    assert_null(jsonr_parse(r, "", 0, &err));
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 1);
    assert_true(err.text[0] != '\0');
    jsonr_destroy(&r);
}

/* --- numbers ---------------------------------------------------------------------- */

static void
test_numbers(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    static const char text[] =
        "[-9223372036854775808, 9223372036854775807, 0, -0, 1e-400, 1.5e3, -0.25, 1E2,"
        " 10, 1.0, 0e0, -0.0, 123456789012, 2.5E-3, 1e+2, 1.7976931348623157e308,"
        " 4.9e-324, 18446744073709551615.0]";
    const jsonr_value_t *root = s_parse_ok(r, text, sizeof text - 1);
    assert_int_equal(root->size, 18);
    static const struct {
        jsonr_type_t type;
        int64_t integer;
        double real;
    } expect[] = {
        {JSONR_INTEGER, INT64_MIN, 0},
        {JSONR_INTEGER, INT64_MAX, 0},
        {JSONR_INTEGER, 0, 0},
        {JSONR_INTEGER, 0, 0},
        {JSONR_REAL, 0, 0.0},   /* 1e-400 underflows to 0: accepted */
        {JSONR_REAL, 0, 1500.0},
        {JSONR_REAL, 0, -0.25},
        {JSONR_REAL, 0, 100.0},
        {JSONR_INTEGER, 10, 0},
        {JSONR_REAL, 0, 1.0},
        {JSONR_REAL, 0, 0.0},
        {JSONR_REAL, 0, -0.0},
        {JSONR_INTEGER, 123456789012, 0},
        {JSONR_REAL, 0, 0.0025},
        {JSONR_REAL, 0, 100.0},
        {JSONR_REAL, 0, 1.7976931348623157e308},
        {JSONR_REAL, 0, 4.9e-324},
        {JSONR_REAL, 0, 18446744073709551615.0},
    };
    size_t i = 0;
    JSONR_ARRAY_EACH(root, v) {
        assert_int_equal(v->type, expect[i].type);
        assert_int_equal(v->span, 1);
        if (v->type == JSONR_INTEGER)
            assert_int_equal(v->as.integer, expect[i].integer);
        else if (v->as.real != expect[i].real)
            fail_msg("item %zu: %.17g, not %.17g", i, v->as.real, expect[i].real);
        i++;
    }
    assert_int_equal(i, 18);
    assert_true(jsonr_at(root, 0)->as.integer == INT64_MIN);

    /* each limit alone, and one past it */
    assert_int_equal(jsonr_at(s_parse_ok(r, LIT("[-9223372036854775808]")), 0)->as.integer,
                     INT64_MIN);
    s_refused(r, "[-9223372036854775809]");
    s_refused(r, "[9223372036854775808]");
    s_refused(r, "{\"n\":1e400}");
    root = s_parse_ok(r, LIT("{\"n\":1e-400}"));
    assert_int_equal(jsonr_get(root, "n")->type, JSONR_REAL);
    assert_true(jsonr_get(root, "n")->as.real == 0.0);
    jsonr_destroy(&r);
}

/* --- duplicate keys ---------------------------------------------------------------- */

static void
test_duplicate_keys(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    /* the same key in different objects, nested or side by side */
    static const char *const fine[] = {
        "{\"a\":{\"k\":1},\"b\":{\"k\":2}}",
        "[{\"k\":1},{\"k\":2},{\"k\":3}]",
        "{\"k\":{\"k\":{\"k\":1}}}",
        "{\"a\":1,\"ab\":2,\"abc\":3,\"b\":4,\"A\":5}",
        "{\"a\":\"a\",\"b\":[\"a\",\"a\"]}",   /* a value equal to a key is no key */
    };
    for (size_t i = 0; i < sizeof fine / sizeof *fine; i++)
        s_parse_ok(r, fine[i], strlen(fine[i]));
    const jsonr_value_t *root = s_parse_ok(r, fine[2], strlen(fine[2]));
    const jsonr_value_t *k = jsonr_get(jsonr_get(jsonr_get(root, "k"), "k"), "k");
    assert_non_null(k);
    assert_int_equal(k->as.integer, 1);
    root = s_parse_ok(r, fine[1], strlen(fine[1]));
    assert_int_equal(jsonr_get(jsonr_at(root, 2), "k")->as.integer, 3);

    s_refused(r, "{\"a\":{\"k\":1},\"b\":{\"k\":2,\"k\":3}}");
    s_refused(r, "{\"k\":1,\"k\":1}");
    /* and then it is fine again: nothing of the refused document remains */
    s_parse_ok(r, LIT("{\"k\":1}"));
    jsonr_destroy(&r);
}

/* --- nesting ------------------------------------------------------------------------ */

static void
s_too_deep(jsonr_t *r, const char *text, size_t len)
{
    jsonr_error_t err;
    if (jsonr_parse(r, text, len, &err))
        fail_msg("accepted %zu bytes nested too deep", len);
    assert_true(err.too_deep);
    assert_true(err.text[0] != '\0');
    assert_int_equal(err.line, 1);
    assert_true(err.column > 1 && (size_t) err.column <= len + 1);
    /* jansson, 2048 deep, accepts it: this is the only difference */
    json_error_t jerr;
    json_t *ref = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(ref);
    json_decref(ref);
}

static void
test_depth(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    size_t len;
    /* 32 arrays, at depths 0 .. 31, and the scalar at 32: accepted */
    char *text = s_nested(32, "[", "1", "]", &len);
    const jsonr_value_t *v = s_parse_ok(r, text, len);
    assert_int_equal(v->span, 33);
    for (int depth = 0; depth < 32; depth++) {
        assert_int_equal(v->type, JSONR_ARRAY);
        assert_int_equal(v->size, 1);
        assert_int_equal(v->span, 33 - depth);
        v = jsonr_at(v, 0);
    }
    assert_int_equal(v->type, JSONR_INTEGER);
    assert_int_equal(v->as.integer, 1);
    free(text);

    /* 33 arrays: the scalar is at depth 33 */
    text = s_nested(33, "[", "1", "]", &len);
    s_too_deep(r, text, len);
    free(text);
    text = s_nested(33, "[", "\"s\"", "]", &len);
    s_too_deep(r, text, len);
    free(text);

    /* empty containers: 33 arrays put the innermost at 32, 34 at 33 */
    text = s_nested(33, "[", "", "]", &len);
    v = s_parse_ok(r, text, len);
    assert_int_equal(v->span, 33);
    free(text);
    text = s_nested(34, "[", "", "]", &len);
    s_too_deep(r, text, len);
    free(text);

    /* objects count the same way: keys add no depth */
    text = s_nested(32, "{\"a\":", "null", "}", &len);
    v = s_parse_ok(r, text, len);
    assert_int_equal(v->span, 65);   /* 32 objects, 32 keys, the null */
    free(text);
    text = s_nested(33, "{\"a\":", "null", "}", &len);
    s_too_deep(r, text, len);
    free(text);
    text = s_nested(33, "{\"a\":", "{}", "}", &len);
    s_too_deep(r, text, len);
    free(text);

    /* a deep member after shallow ones */
    text = s_nested(33, "[", "0", "]", &len);
    char *mixed = malloc(len + 16);
    assert_non_null(mixed);
    snprintf(mixed, len + 16, "[1,[2],%s]", text);
    s_too_deep(r, mixed, strlen(mixed));
    free(mixed);
    free(text);

    /* far deeper than jansson's own limit: refused, without running out of stack */
    text = s_nested(100000, "[", "", "]", &len);
    jsonr_error_t err;
    assert_null(jsonr_parse(r, text, len, &err));
    assert_true(err.too_deep);
    free(text);

    /* a syntax error in a shallow document is not too_deep */
    assert_null(jsonr_parse(r, LIT("[[1,]]"), &err));
    assert_false(err.too_deep);
    jsonr_destroy(&r);
}

/* --- reuse of one reader ------------------------------------------------------------- */

/* An object of `n` events, keys "k0" .. "k<n-1>", each an object whose
 * "tag" is `tag` and whose "i" is its number. */
static char *
s_large(int n, const char *tag, size_t *len)
{
    size_t cap = (size_t) n * 96 + 16;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t o = 0;
    text[o++] = '{';
    for (int i = 0; i < n; i++)
        o += (size_t) snprintf(text + o, cap - o, "%s\"k%d\":{\"tag\":\"%s-%d\",\"i\":%d,\"x\":[%d.5]}",
                               i ? "," : "", i, tag, i, i, i);
    text[o++] = '}';
    text[o] = '\0';
    *len = o;
    return text;
}

static void
s_check_large(const jsonr_value_t *root, int n, const char *tag)
{
    assert_int_equal(root->type, JSONR_OBJECT);
    assert_int_equal(root->size, (uint32_t) n);
    assert_int_equal(root->span, 1 + (uint32_t) n * 9);   /* key + 8 per member */
    int i = 0;
    char want[64];
    JSONR_OBJECT_EACH(root, key) {
        snprintf(want, sizeof want, "k%d", i);
        s_assert_string(key, want);
        const jsonr_value_t *ev = key + 1;
        assert_int_equal(ev->span, 8);
        snprintf(want, sizeof want, "%s-%d", tag, i);
        s_assert_string(jsonr_get(ev, "tag"), want);
        assert_int_equal(jsonr_get(ev, "i")->as.integer, i);
        assert_true(jsonr_at(jsonr_get(ev, "x"), 0)->as.real == i + 0.5);
        i++;
    }
    assert_int_equal(i, n);
}

static void
test_reuse(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    size_t len;
    char *large = s_large(2000, "first", &len);
    const jsonr_value_t *root = s_parse_ok(r, large, len);
    s_check_large(root, 2000, "first");
    free(large);

    /* a small document after it: its own values only, and the keys of the
     * large one are no duplicates of its keys */
    static const char small[] = "{\"k1\":\"v\",\"k0\":[]}";
    root = s_parse_ok(r, small, sizeof small - 1);
    assert_int_equal(root->size, 2);
    assert_int_equal(root->span, 5);
    s_assert_string(jsonr_get(root, "k1"), "v");
    assert_int_equal(jsonr_get(root, "k0")->type, JSONR_ARRAY);
    assert_int_equal(jsonr_get(root, "k0")->size, 0);
    assert_int_equal(jsonr_get(root, "k0")->span, 1);
    assert_null(jsonr_get(root, "k2"));
    assert_null(jsonr_get(root, "tag"));
    assert_ptr_equal(jsonr_skip(root), root + 5);

    /* a smaller one still, an array */
    root = s_parse_ok(r, LIT("[\"k2\"]"));
    assert_int_equal(root->span, 2);
    s_assert_string(jsonr_at(root, 0), "k2");
    assert_null(jsonr_at(root, 1));

    /* large again, other text, fewer keys than the first */
    large = s_large(1500, "again", &len);
    root = s_parse_ok(r, large, len);
    s_check_large(root, 1500, "again");
    free(large);

    /* and larger than ever */
    large = s_large(5000, "third", &len);
    root = s_parse_ok(r, large, len);
    s_check_large(root, 5000, "third");
    free(large);
    jsonr_destroy(&r);
}

/* Many parses of one reader: duplicate detection stays right document after
 * document. */
static void
test_many_parses(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    jsonr_error_t err;
    static const char doc[] = "{\"a\":1,\"b\":[{\"a\":2}]}";
    for (int i = 0; i < 20000; i++) {
        const jsonr_value_t *root = jsonr_parse(r, doc, sizeof doc - 1, &err);
        assert_non_null(root);
        assert_int_equal(jsonr_get(root, "a")->as.integer, 1);
        if (i % 97 == 0)
            assert_null(jsonr_parse(r, LIT("{\"a\":1,\"a\":2}"), &err));
    }
    jsonr_destroy(&r);
}

/* --- 10 000 keys: the duplicate table grows ------------------------------------------ */

/* {"key00000":0, ..., "key09999":9999} and, when `dup` >= 0, "key<dup>" once more. */
static char *
s_keys(int dup, size_t *len)
{
    size_t cap = 10001 * 24 + 16;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t o = 0;
    text[o++] = '{';
    for (int i = 0; i < 10000; i++)
        o += (size_t) snprintf(text + o, cap - o, "%s\"key%05d\":%d", i ? "," : "", i, i);
    if (dup >= 0)
        o += (size_t) snprintf(text + o, cap - o, ",\"key%05d\":-1", dup);
    text[o++] = '}';
    text[o] = '\0';
    *len = o;
    return text;
}

static void
test_ten_thousand_keys(void **state)
{
    (void) state;
    jsonr_t *r = jsonr_new();
    size_t len;
    char *text = s_keys(-1, &len);
    const jsonr_value_t *root = s_parse_ok(r, text, len);
    assert_int_equal(root->size, 10000);
    assert_int_equal(root->span, 20001);
    assert_int_equal(jsonr_get(root, "key00000")->as.integer, 0);
    assert_int_equal(jsonr_get(root, "key05000")->as.integer, 5000);
    assert_int_equal(jsonr_get(root, "key09999")->as.integer, 9999);
    assert_null(jsonr_get(root, "key10000"));
    int i = 0;
    JSONR_OBJECT_EACH(root, key) {
        assert_int_equal(key->size, 8);
        assert_int_equal(key[1].as.integer, i);
        i++;
    }
    assert_int_equal(i, 10000);
    free(text);

    /* a duplicate of the first key (recorded before the table grew), of one
     * in the middle and of the last; by a fresh reader, whose table grows
     * during the parse, and by this one, whose table has grown already */
    static const int dups[] = {0, 1, 2, 63, 64, 4999, 5000, 9999};
    for (size_t d = 0; d < 2 * sizeof dups / sizeof *dups; d++) {
        int dup = dups[d % (sizeof dups / sizeof *dups)];
        bool fresh = d < sizeof dups / sizeof *dups;
        jsonr_t *reader = fresh ? jsonr_new() : r;
        text = s_keys(dup, &len);
        jsonr_error_t err;
        if (jsonr_parse(reader, text, len, &err))
            fail_msg("duplicate key%05d among 10 000 keys accepted (%s reader)", dup,
                     fresh ? "a fresh" : "a grown");
        if (fresh)
            jsonr_destroy(&reader);
        assert_true(err.text[0] != '\0');
        assert_false(err.too_deep);
        assert_int_equal(err.line, 1);
        assert_true((size_t) err.column > len - 20 && (size_t) err.column <= len + 1);
        json_error_t jerr;
        assert_null(json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr));
        free(text);
    }

    /* 10 000 small objects with the same keys: none a duplicate */
    size_t cap = 10000 * 32 + 16, o = 0;
    text = malloc(cap);
    assert_non_null(text);
    text[o++] = '[';
    for (i = 0; i < 10000; i++)
        o += (size_t) snprintf(text + o, cap - o, "%s{\"a\":%d,\"b\":0}", i ? "," : "", i);
    text[o++] = ']';
    text[o] = '\0';
    root = s_parse_ok(r, text, o);
    assert_int_equal(root->size, 10000);
    assert_int_equal(root->span, 50001);
    assert_int_equal(jsonr_get(jsonr_at(root, 9999), "a")->as.integer, 9999);
    free(text);
    jsonr_destroy(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_body),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_many_parses),
        cmocka_unit_test(test_ten_thousand_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
