/* jsonw — compact JSON written straight into one growing buffer.
 *
 * For large replies (the province feed) where building a jansson tree only to
 * dump it costs more than the work itself. The output is what jansson's
 * json_dumps(..., JSON_COMPACT) writes for the same values: no spaces, strings
 * escaped the same way (", \\, \b \f \n \r \t, other controls as \u00XX, the
 * rest of UTF-8 as is). Commas are placed by the writer. A string that is not
 * valid UTF-8 fails the call, as json_string() refuses it; with a mark taken
 * before, the caller can drop the member as jansson would. Out of memory
 * sticks: every later call fails and jsonw_finish returns NULL. */
#ifndef HRSS_JSONW_H
#define HRSS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 64

typedef struct {
    char *buf;
    size_t len, cap;
    int depth;
    bool failed;                          /* out of memory or misuse */
    bool after_key;                       /* the next value follows a key */
    bool first[JSONW_MAX_DEPTH + 1];      /* no member written yet at depth */
} jsonw_t;

/* A point to return to: the buffer's length and the writer's state. */
typedef struct {
    size_t len;
    int depth;
    bool after_key;
    bool first;
} jsonw_mark_t;

/* `hint` bytes reserved up front (0: a small default). */
void jsonw_init(jsonw_t *self, size_t hint);
/* Frees the buffer unless jsonw_finish took it. Accepts a zeroed writer. */
void jsonw_clear(jsonw_t *self);
/* The text, NUL-terminated, owned by the caller (free); its length in *len.
 * NULL when anything failed. The writer is cleared. */
char *jsonw_finish(jsonw_t *self, size_t *len);

int jsonw_object_open(jsonw_t *self);
int jsonw_object_close(jsonw_t *self);
int jsonw_array_open(jsonw_t *self);
int jsonw_array_close(jsonw_t *self);
/* A member's key inside an object; the value follows. */
int jsonw_key(jsonw_t *self, const char *key);
int jsonw_string(jsonw_t *self, const char *s);
int jsonw_stringn(jsonw_t *self, const char *s, size_t len);
int jsonw_int(jsonw_t *self, int64_t v);
/* The number units / 10^scale (scale 1..9) in decimal, trailing zeros of
 * the fraction dropped but one: 11775, 4 -> 1.1775; 5000, 4 -> 0.5. */
int jsonw_decimal(jsonw_t *self, int64_t units, int scale);
int jsonw_bool(jsonw_t *self, bool v);
int jsonw_null(jsonw_t *self);

jsonw_mark_t jsonw_mark(const jsonw_t *self);
/* Drops everything written since `mark` (a value that turned out invalid). */
void jsonw_rewind(jsonw_t *self, jsonw_mark_t mark);

#endif
