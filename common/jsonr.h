/* jsonr — a JSON request body read in one pass into a flat array of values.
 *
 * The gateway reads every request body with it. jansson builds a tree of
 * separately allocated values with a hashtable per object, and its lexer
 * copies each character through a buffer: for a batch of events that parse
 * was a third of the gateway's CPU. Here the values of a document lie in
 * document order in one array kept from parse to parse, and strings are
 * unescaped into one buffer as NUL-terminated UTF-8, so a document costs no
 * allocation once the reader has grown to its size.
 *
 * What it accepts is what jansson's json_loadb(..., JSON_REJECT_DUPLICATES)
 * accepts, nested at most JSONR_DEPTH_MAX deep (tests/fuzz/fuzz_jsonr.c holds
 * the two side by side): RFC 8259 with an object or array at the top,
 * strictly valid UTF-8, no \u0000, no duplicate keys, integers within int64
 * and reals within double. A value that lies deeper is refused as such. One
 * difference: a NUL byte right after a number or literal, which jansson 2.14
 * drops, is refused here as RFC 8259 wants. So a string never holds a NUL.
 *
 * A document lives until the reader's next parse or destruction; nothing may
 * keep a pointer into it beyond that. */
#ifndef HRSS_JSONR_H
#define HRSS_JSONR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of a value: the top is at 0, its members at 1. */
#define JSONR_DEPTH_MAX 32

typedef enum {
    JSONR_NULL,
    JSONR_FALSE,
    JSONR_TRUE,
    JSONR_INTEGER,   /* a number without fraction or exponent */
    JSONR_REAL,
    JSONR_STRING,
    JSONR_ARRAY,
    JSONR_OBJECT,
} jsonr_type_t;

/* One value. A container's members follow it: an array's items, an object's
 * key (a string) and value in turn, each with its own members after it. */
typedef struct jsonr_value_t {
    jsonr_type_t type;
    uint32_t span;    /* values this one covers, itself and all it contains */
    uint32_t size;    /* string: bytes (without the NUL); array: items; object: members */
    union {
        const char *string;
        int64_t integer;
        double real;
    } as;
} jsonr_value_t;

typedef struct {
    char text[128];
    int line, column;      /* where reading stopped, from 1 */
    bool too_deep;         /* refused for nesting only */
} jsonr_error_t;

typedef struct jsonr_t jsonr_t;

jsonr_t *jsonr_new(void);
void jsonr_destroy(jsonr_t **self_p);
/* Parses text[0 .. len): the top value, or NULL with `err` filled (also when
 * memory runs out). Ends the previous document. */
const jsonr_value_t *jsonr_parse(jsonr_t *self, const char *text, size_t len, jsonr_error_t *err);

/* The value after `v` and all it contains: the next item of its array, or
 * the next key of its object. */
static inline const jsonr_value_t *
jsonr_skip(const jsonr_value_t *v)
{
    return v + v->span;
}

/* The value of `key` in `object`; NULL when absent or `object` is no object. */
const jsonr_value_t *jsonr_get(const jsonr_value_t *object, const char *key);
/* Item i of `array`; NULL when out of range or `array` is no array. */
const jsonr_value_t *jsonr_at(const jsonr_value_t *array, size_t i);

/* For each item of an array, in order. */
#define JSONR_ARRAY_EACH(array, item)                                                              \
    for (const jsonr_value_t *item = (array) + 1, *item##_end_ = (array) + (array)->span;        \
         item < item##_end_; item = jsonr_skip(item))
/* For each key (a string value) of an object, in order; its value is key + 1. */
#define JSONR_OBJECT_EACH(object, key)                                                             \
    for (const jsonr_value_t *key = (object) + 1, *key##_end_ = (object) + (object)->span;       \
         key < key##_end_; key = jsonr_skip(key + 1))

#endif
