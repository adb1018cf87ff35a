/* libFuzzer target: jsonr against jansson, byte for byte the same verdict.
 *
 * Bytes -> jsonr_parse (one reader reused across inputs, as the gateway's) and
 * json_loadb(JSON_REJECT_DUPLICATES). jsonr must accept exactly what jansson
 * accepts, except a tree nested deeper than JSONR_DEPTH_MAX (top = 0), which
 * it refuses as too_deep; when both accept, the values must be the same
 * (types, strings byte-equal with the same length, numbers exactly, arrays in
 * order, objects by key). The document's layout (span, size, NUL after each
 * string) and the accessors (jsonr_get, jsonr_at, jsonr_skip, JSONR_*_EACH)
 * are checked along the way. Any disagreement aborts, saying why on stderr.
 *
 * One known difference is jansson's: it drops a NUL byte that directly
 * follows a number or true/false/null (2.14 accepts "[1\0]" as [1]; its
 * stream reads a new byte where the ungot one was 0). A NUL byte is valid
 * nowhere in JSON text, so an input holding one must be refused by jsonr,
 * whatever jansson says. */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"

static jsonr_t *s_reader;
static size_t s_size;   /* of the input, for the messages */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    s_reader = jsonr_new();
    if (!s_reader) {
        fprintf(stderr, "fuzz_jsonr: out of memory\n");
        abort();
    }
    return 0;
}

static void s_disagree(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
s_disagree(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_jsonr: %zu bytes: ", s_size);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Deepest nesting of a jansson tree, the top at 0. */
static int
s_depth(const json_t *j)
{
    int deepest = 0;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            int d = 1 + s_depth(json_array_get(j, i));
            if (d > deepest)
                deepest = d;
        }
    } else if (json_is_object(j)) {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *) j, key, value) {
            int d = 1 + s_depth(value);
            if (d > deepest)
                deepest = d;
        }
    }
    return deepest;
}

static const char *
s_type_name(jsonr_type_t t)
{
    static const char *const names[] = {"null",   "false",  "true",  "integer",
                                        "real",   "string", "array", "object"};
    return (unsigned) t < sizeof names / sizeof *names ? names[t] : "?";
}

/* Accessors are linear: checked on containers this small only. */
#define ACCESSOR_CHECK_MAX 64

/* `v` (at `path`) the same as `j`, and laid out as jsonr.h says. */
static void
s_compare(const jsonr_value_t *v, const json_t *j, int depth, const char *path)
{
    if (depth > JSONR_DEPTH_MAX)
        s_disagree("%s: jsonr accepted a value at depth %d", path, depth);
    if (v->size != 0 && v->type != JSONR_STRING && v->type != JSONR_ARRAY &&
        v->type != JSONR_OBJECT)
        s_disagree("%s: a %s of size %u", path, s_type_name(v->type), v->size);
    if (v->type != JSONR_ARRAY && v->type != JSONR_OBJECT && v->span != 1)
        s_disagree("%s: a %s of span %u", path, s_type_name(v->type), v->span);

    switch (v->type) {
    case JSONR_NULL:
        if (!json_is_null(j))
            s_disagree("%s: jsonr null, jansson type %d", path, json_typeof(j));
        return;
    case JSONR_TRUE:
        if (!json_is_true(j))
            s_disagree("%s: jsonr true, jansson type %d", path, json_typeof(j));
        return;
    case JSONR_FALSE:
        if (!json_is_false(j))
            s_disagree("%s: jsonr false, jansson type %d", path, json_typeof(j));
        return;
    case JSONR_INTEGER:
        if (!json_is_integer(j))
            s_disagree("%s: jsonr integer %lld, jansson type %d", path,
                       (long long) v->as.integer, json_typeof(j));
        if (json_integer_value(j) != v->as.integer)
            s_disagree("%s: jsonr integer %lld, jansson %lld", path, (long long) v->as.integer,
                       (long long) json_integer_value(j));
        return;
    case JSONR_REAL:
        if (!json_is_real(j))
            s_disagree("%s: jsonr real %.17g, jansson type %d", path, v->as.real,
                       json_typeof(j));
        if (!(json_real_value(j) == v->as.real))   /* NaN is no JSON number */
            s_disagree("%s: jsonr real %.17g, jansson %.17g", path, v->as.real,
                       json_real_value(j));
        return;
    case JSONR_STRING:
        if (!json_is_string(j))
            s_disagree("%s: jsonr string, jansson type %d", path, json_typeof(j));
        if (json_string_length(j) != v->size ||
            memcmp(json_string_value(j), v->as.string, v->size) != 0)
            s_disagree("%s: jsonr string of %u bytes \"%.40s\", jansson of %zu \"%.40s\"", path,
                       v->size, v->as.string, json_string_length(j), json_string_value(j));
        if (v->as.string[v->size] != '\0' || strlen(v->as.string) != v->size)
            s_disagree("%s: a string of size %u is not NUL-terminated there", path, v->size);
        return;
    case JSONR_ARRAY: {
        if (!json_is_array(j))
            s_disagree("%s: jsonr array, jansson type %d", path, json_typeof(j));
        if (json_array_size(j) != v->size)
            s_disagree("%s: jsonr array of %u, jansson of %zu", path, v->size,
                       json_array_size(j));
        size_t i = 0;
        uint32_t span = 1;
        char sub[64];
        JSONR_ARRAY_EACH(v, item) {
            if (i >= v->size)
                s_disagree("%s: more items than its size %u", path, v->size);
            snprintf(sub, sizeof sub, "%.40s[%zu]", path, i);
            s_compare(item, json_array_get(j, i), depth + 1, sub);
            if (v->size <= ACCESSOR_CHECK_MAX && jsonr_at(v, i) != item)
                s_disagree("%s: jsonr_at(%zu) is not item %zu", path, i, i);
            span += item->span;
            i++;
        }
        if (i != v->size || span != v->span)
            s_disagree("%s: array of size %u span %u holds %zu items spanning %u", path,
                       v->size, v->span, i, span);
        if (jsonr_at(v, v->size) != NULL)
            s_disagree("%s: jsonr_at(size) is not NULL", path);
        if (jsonr_get(v, "") != NULL)
            s_disagree("%s: jsonr_get of an array is not NULL", path);
        return;
    }
    case JSONR_OBJECT: {
        if (!json_is_object(j))
            s_disagree("%s: jsonr object, jansson type %d", path, json_typeof(j));
        if (json_object_size(j) != v->size)
            s_disagree("%s: jsonr object of %u, jansson of %zu", path, v->size,
                       json_object_size(j));
        size_t n = 0;
        uint32_t span = 1;
        char sub[64];
        JSONR_OBJECT_EACH(v, key) {
            if (n >= v->size)
                s_disagree("%s: more members than its size %u", path, v->size);
            if (key->type != JSONR_STRING || key->span != 1)
                s_disagree("%s: key %zu is a %s of span %u", path, n, s_type_name(key->type),
                           key->span);
            if (strlen(key->as.string) != key->size)
                s_disagree("%s: key %zu holds a NUL", path, n);
            const json_t *other = json_object_get(j, key->as.string);
            if (!other)
                s_disagree("%s: key \"%.40s\" not in jansson's object", path, key->as.string);
            snprintf(sub, sizeof sub, "%.30s.%.30s", path, key->as.string);
            s_compare(key + 1, other, depth + 1, sub);
            if (v->size <= ACCESSOR_CHECK_MAX && jsonr_get(v, key->as.string) != key + 1)
                s_disagree("%s: jsonr_get(\"%.40s\") is not its value", path, key->as.string);
            span += 1 + key[1].span;
            n++;
        }
        if (n != v->size || span != v->span)
            s_disagree("%s: object of size %u span %u holds %zu members spanning %u", path,
                       v->size, v->span, n, span);
        if (jsonr_at(v, 0) != NULL)
            s_disagree("%s: jsonr_at of an object is not NULL", path);
        return;
    }
    }
    s_disagree("%s: unknown jsonr type %d", path, (int) v->type);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_size = size;
    jsonr_error_t err;
    const jsonr_value_t *root = jsonr_parse(s_reader, (const char *) data, size, &err);
    json_error_t jerr;
    json_t *ref = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, &jerr);
    int depth = ref ? s_depth(ref) : -1;

    if (!root && (err.text[0] == '\0' || err.line < 1 || err.column < 1 ||
                  (size_t) err.column > size + 1 || (size_t) err.line > size + 1))
        s_disagree("jsonr refuses with text \"%s\" at line %d, column %d", err.text, err.line,
                   err.column);
    if (memchr(data, '\0', size)) {
        if (root)
            s_disagree("jsonr accepts a text holding a NUL byte");
        json_decref(ref);   /* whatever jansson made of it, see above */
        return 0;
    }
    if (root && !ref)
        s_disagree("jsonr accepts, jansson refuses: %s (line %d, column %d)", jerr.text,
                   jerr.line, jerr.column);
    if (!root && ref && depth <= JSONR_DEPTH_MAX)
        s_disagree("jansson accepts (depth %d), jsonr refuses%s: %s (line %d, column %d)", depth,
                   err.too_deep ? " as too deep" : "", err.text, err.line, err.column);
    if (!root && ref && !err.too_deep)
        s_disagree("jansson accepts a tree %d deep, jsonr refuses it but not as too deep: %s",
                   depth, err.text);
    if (root && ref) {
        if (depth > JSONR_DEPTH_MAX)
            s_disagree("jsonr accepts a tree %d deep", depth);
        s_compare(root, ref, 0, "$");
        if (jsonr_skip(root) != root + root->span)
            s_disagree("jsonr_skip of the top is not past its span");
    }
    json_decref(ref);
    return 0;
}
