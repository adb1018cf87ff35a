/* jsonw — compact JSON into a growing buffer (see jsonw.h). */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

void
jsonw_init(jsonw_t *self, size_t hint)
{
    memset(self, 0, sizeof *self);
    self->cap = hint ? hint : 256;
    self->buf = malloc(self->cap);
    self->failed = !self->buf;
    self->first[0] = true;
}

void
jsonw_clear(jsonw_t *self)
{
    free(self->buf);
    memset(self, 0, sizeof *self);
}

char *
jsonw_finish(jsonw_t *self, size_t *len)
{
    char *out = NULL;
    if (!self->failed && self->depth == 0 && self->len < self->cap) {
        self->buf[self->len] = '\0';
        out = self->buf;
        *len = self->len;
        self->buf = NULL;
    }
    jsonw_clear(self);
    return out;
}

/* Room for `n` more bytes and the final NUL. */
static int
s_reserve(jsonw_t *self, size_t n)
{
    if (self->failed)
        return -1;
    if (self->len + n < self->cap)
        return 0;
    size_t cap = self->cap ? self->cap : 256;
    while (self->len + n >= cap)
        cap *= 2;
    char *buf = realloc(self->buf, cap);
    if (!buf) {
        self->failed = true;
        return -1;
    }
    self->buf = buf;
    self->cap = cap;
    return 0;
}

static void
s_put(jsonw_t *self, const char *s, size_t n)
{
    memcpy(self->buf + self->len, s, n);
    self->len += n;
}

/* Before a value: the comma between array items, nothing after a key. */
static int
s_value(jsonw_t *self, size_t n)
{
    if (s_reserve(self, n + 1))
        return -1;
    if (self->after_key) {
        self->after_key = false;
    } else {
        if (!self->first[self->depth])
            self->buf[self->len++] = ',';
        self->first[self->depth] = false;
    }
    return 0;
}

static int
s_open(jsonw_t *self, char c)
{
    if (self->depth >= JSONW_MAX_DEPTH) {
        self->failed = true;
        return -1;
    }
    if (s_value(self, 1))
        return -1;
    self->buf[self->len++] = c;
    self->first[++self->depth] = true;
    return 0;
}

static int
s_close(jsonw_t *self, char c)
{
    if (self->depth == 0 || self->after_key) {
        self->failed = true;
        return -1;
    }
    if (s_reserve(self, 1))
        return -1;
    self->buf[self->len++] = c;
    self->depth--;
    return 0;
}

int
jsonw_object_open(jsonw_t *self)
{
    return s_open(self, '{');
}

int
jsonw_object_close(jsonw_t *self)
{
    return s_close(self, '}');
}

int
jsonw_array_open(jsonw_t *self)
{
    return s_open(self, '[');
}

int
jsonw_array_close(jsonw_t *self)
{
    return s_close(self, ']');
}

/* The quoted, escaped string; -1 (nothing written) if not valid UTF-8. */
static int
s_quoted(jsonw_t *self, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *) text;
    size_t extra = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);   /* as strictly as jansson */
        if (n == 0 || s[i] == 0)
            return -1;
        if (s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
            extra += 5;
        i += n;
    }
    if (s_reserve(self, len + extra + 2))
        return -1;
    char *o = self->buf + self->len;
    *o++ = '"';
    size_t run = 0;   /* bytes copied as they are, in one go */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        memcpy(o, s + run, i - run);
        o += i - run;
        run = i + 1;
        *o++ = '\\';
        switch (c) {
        case '"':  *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            o += snprintf(o, 6, "u%04X", c);
            break;
        }
    }
    memcpy(o, s + run, len - run);
    o += len - run;
    *o++ = '"';
    self->len = (size_t) (o - self->buf);
    return 0;
}

int
jsonw_key(jsonw_t *self, const char *key)
{
    if (self->depth == 0 || self->after_key) {
        self->failed = true;
        return -1;
    }
    jsonw_mark_t m = jsonw_mark(self);
    if (s_value(self, 0) || s_quoted(self, key, strlen(key)) || s_reserve(self, 1)) {
        jsonw_rewind(self, m);
        return -1;
    }
    self->buf[self->len++] = ':';
    self->after_key = true;
    return 0;
}

int
jsonw_stringn(jsonw_t *self, const char *s, size_t len)
{
    jsonw_mark_t m = jsonw_mark(self);
    if (s_value(self, 0) || s_quoted(self, s, len)) {
        jsonw_rewind(self, m);
        return -1;
    }
    return 0;
}

int
jsonw_string(jsonw_t *self, const char *s)
{
    return jsonw_stringn(self, s, strlen(s));
}

int
jsonw_int(jsonw_t *self, int64_t v)
{
    if (s_value(self, 20))
        return -1;
    self->len += (size_t) snprintf(self->buf + self->len, 21, "%" PRId64, v);
    return 0;
}

int
jsonw_decimal(jsonw_t *self, int64_t units, int scale)
{
    if (scale < 1 || scale > 9 || units == INT64_MIN || s_value(self, 32))
        return -1;
    int64_t pow10 = 1;
    for (int i = 0; i < scale; i++)
        pow10 *= 10;
    uint64_t magnitude = (uint64_t) (units < 0 ? -units : units);
    uint64_t frac = magnitude % (uint64_t) pow10;
    int digits = scale;
    while (digits > 1 && frac % 10 == 0) {   /* 0.5000 -> 0.5, 1.0000 -> 1.0 */
        frac /= 10;
        digits--;
    }
    self->len += (size_t) snprintf(self->buf + self->len, 32, "%s%" PRIu64 ".%0*" PRIu64,
                                   units < 0 ? "-" : "", magnitude / (uint64_t) pow10, digits,
                                   frac);
    return 0;
}

int
jsonw_bool(jsonw_t *self, bool v)
{
    if (s_value(self, 5))
        return -1;
    s_put(self, v ? "true" : "false", v ? 4 : 5);
    return 0;
}

int
jsonw_null(jsonw_t *self)
{
    if (s_value(self, 4))
        return -1;
    s_put(self, "null", 4);
    return 0;
}

jsonw_mark_t
jsonw_mark(const jsonw_t *self)
{
    return (jsonw_mark_t){.len = self->len,
                          .depth = self->depth,
                          .after_key = self->after_key,
                          .first = self->first[self->depth]};
}

void
jsonw_rewind(jsonw_t *self, jsonw_mark_t mark)
{
    if (mark.len > self->len)
        return;
    self->len = mark.len;
    self->depth = mark.depth;
    self->after_key = mark.after_key;
    self->first[mark.depth] = mark.first;
}
