#include "jsonr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "validate.h"

/* A key seen in the document: the object it belongs to and where it lies. */
typedef struct {
    uint32_t object;   /* index of the object's value */
    uint32_t key;      /* index of the key's value */
} key_seen_t;

struct jsonr_t {
    jsonr_value_t *values;
    size_t n, cap;
    char *strings;                 /* every string of the document, unescaped, NUL after each */
    size_t strings_used, strings_cap;
    key_seen_t *keys;              /* the document's keys, to refuse a duplicate */
    size_t keys_used, keys_cap;
    hashtab_t key_index;           /* (object, key text) -> keys */
    /* the parse in progress */
    const char *start, *p, *end;
    jsonr_error_t *err;
};

jsonr_t *
jsonr_new(void)
{
    jsonr_t *self = calloc(1, sizeof(jsonr_t));
    if (self)
        hashtab_init(&self->key_index);
    return self;
}

void
jsonr_destroy(jsonr_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    jsonr_t *self = *self_p;
    free(self->values);
    free(self->strings);
    free(self->keys);
    hashtab_free(&self->key_index);
    free(self);
    *self_p = NULL;
}

static int
s_fail(jsonr_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fills the error at the current position; -1. */
static int
s_fail(jsonr_t *self, const char *fmt, ...)
{
    jsonr_error_t *err = self->err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
    err->line = 1;
    err->column = 1;
    for (const char *c = self->start; c < self->p && c < self->end; c++) {
        if (*c == '\n') {
            err->line++;
            err->column = 1;
        } else if (((unsigned char) *c & 0xC0) != 0x80) {   /* a character, not a byte */
            err->column++;
        }
    }
    return -1;
}

/* A new value at the end; its index, or -1 when out of memory. */
static int64_t
s_push(jsonr_t *self, jsonr_type_t type)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 256;
        if (cap > UINT32_MAX)
            return s_fail(self, "too many values");
        jsonr_value_t *values = realloc(self->values, cap * sizeof *values);
        if (!values)
            return s_fail(self, "out of memory");
        self->values = values;
        self->cap = cap;
    }
    jsonr_value_t *v = &self->values[self->n];
    v->type = type;
    v->span = 1;
    v->size = 0;
    v->as.integer = 0;
    return (int64_t) self->n++;
}

static void
s_skip_space(jsonr_t *self)
{
    while (self->p < self->end &&
           (*self->p == ' ' || *self->p == '\n' || *self->p == '\r' || *self->p == '\t'))
        self->p++;
}

static int
s_hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t) (c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t) (c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t) (c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static char *
s_put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char) cp;
    } else if (cp < 0x800) {
        *o++ = (char) (0xC0 | (cp >> 6));
        *o++ = (char) (0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char) (0xE0 | (cp >> 12));
        *o++ = (char) (0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char) (0x80 | (cp & 0x3F));
    } else {
        *o++ = (char) (0xF0 | (cp >> 18));
        *o++ = (char) (0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char) (0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char) (0x80 | (cp & 0x3F));
    }
    return o;
}

/* The \uXXXX escape at p (past its backslash), a surrogate pair as one code
 * point; advances p past it. */
static int
s_unicode_escape(jsonr_t *self, uint32_t *cp)
{
    uint32_t hi, lo;
    if (self->end - self->p < 5 || s_hex4(self->p + 1, &hi))
        return s_fail(self, "invalid \\u escape");
    if (hi == 0)
        return s_fail(self, "\\u0000 is not allowed in a string");
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return s_fail(self, "invalid Unicode '\\u%04X'", hi);
    self->p += 5;
    if (hi < 0xD800 || hi > 0xDBFF) {
        *cp = hi;
        return 0;
    }
    if (self->end - self->p < 6 || self->p[0] != '\\' || self->p[1] != 'u')
        return s_fail(self, "invalid Unicode '\\u%04X'", hi);
    if (s_hex4(self->p + 2, &lo))
        return s_fail(self, "invalid \\u escape");
    if (lo < 0xDC00 || lo > 0xDFFF)
        return s_fail(self, "invalid Unicode '\\u%04X\\u%04X'", hi, lo);
    self->p += 6;
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return 0;
}

/* The string at p (on its opening quote) into the strings buffer, which has
 * room: unescaped, no string is longer than its JSON text. */
static int
s_string(jsonr_t *self, const char **out, uint32_t *len)
{
    char *o = self->strings + self->strings_used;
    char *first = o;
    self->p++;
    for (;;) {
        /* the run of plain ASCII, the common case, in one copy */
        const char *run = self->p;
        while (self->p < self->end) {
            unsigned char c = (unsigned char) *self->p;
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
                break;
            self->p++;
        }
        memcpy(o, run, (size_t) (self->p - run));
        o += self->p - run;
        if (self->p == self->end)
            return s_fail(self, "premature end of input in a string");
        unsigned char c = (unsigned char) *self->p;
        if (c == '"') {
            self->p++;
            break;
        }
        if (c < 0x20)
            return s_fail(self, "control character 0x%02x in a string", c);
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = utf8_decode((const unsigned char *) self->p, (size_t) (self->end - self->p),
                                   &cp);
            if (n == 0)
                return s_fail(self, "invalid UTF-8 in a string");
            memcpy(o, self->p, n);
            o += n;
            self->p += n;
            continue;
        }
        /* a backslash */
        if (self->end - self->p < 2)
            return s_fail(self, "premature end of input in a string");
        char e = self->p[1];
        const char *plain = strchr("\"\\/bfnrt", e);
        if (e != '\0' && plain) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            *o++ = decoded[plain - "\"\\/bfnrt"];
            self->p += 2;
        } else if (e == 'u') {
            self->p++;
            uint32_t cp = 0;
            if (s_unicode_escape(self, &cp))
                return -1;
            o = s_put_utf8(o, cp);
        } else {
            return s_fail(self, "invalid escape in a string");
        }
    }
    *o++ = '\0';
    *out = first;
    *len = (uint32_t) (o - first - 1);
    self->strings_used += (size_t) (o - first);
    return 0;
}

static uint64_t
s_key_hash(const jsonr_value_t *key, uint32_t object)
{
    return hash_bytes(hash_bytes(HASH_INIT, &object, sizeof object), key->as.string, key->size);
}

static uint64_t
s_seen_hash(const void *ctx, uint32_t index)
{
    const jsonr_t *self = ctx;
    const key_seen_t *k = &self->keys[index];
    return s_key_hash(&self->values[k->key], k->object);
}

typedef struct {
    const jsonr_t *self;
    uint32_t object;
    const jsonr_value_t *key;
} key_probe_t;

static bool
s_seen_eq(const void *ctx, uint32_t index)
{
    const key_probe_t *p = ctx;
    const key_seen_t *k = &p->self->keys[index];
    const jsonr_value_t *other = &p->self->values[k->key];
    return k->object == p->object && other->size == p->key->size &&
           memcmp(other->as.string, p->key->as.string, p->key->size) == 0;
}

/* Records key (a string value) of object; fails when the object has it. */
static int
s_key_add(jsonr_t *self, uint32_t object, uint32_t key)
{
    if (self->keys_used == self->keys_cap) {
        size_t cap = self->keys_cap ? 2 * self->keys_cap : 64;
        key_seen_t *keys = realloc(self->keys, cap * sizeof *keys);
        if (!keys)
            return s_fail(self, "out of memory");
        self->keys = keys;
        self->keys_cap = cap;
    }
    if (hashtab_reserve(&self->key_index, self->keys_used + 1, s_seen_hash, self))
        return s_fail(self, "out of memory");
    const jsonr_value_t *k = &self->values[key];
    key_probe_t probe = {self, object, k};
    hashtab_slot_t *slot =
        hashtab_find(&self->key_index, s_key_hash(k, object), s_seen_eq, &probe);
    if (hashtab_at(&self->key_index, slot))
        return s_fail(self, "duplicate object key \"%.60s\"", k->as.string);
    self->keys[self->keys_used] = (key_seen_t){object, key};
    hashtab_put(&self->key_index, slot, (uint32_t) self->keys_used++);
    return 0;
}

static bool
s_digit(const jsonr_t *self)
{
    return self->p < self->end && *self->p >= '0' && *self->p <= '9';
}

/* The run of digits at p, of one at least (a fraction's, an exponent's). */
static int
s_digits(jsonr_t *self)
{
    if (!s_digit(self))
        return s_fail(self, "invalid number");
    while (s_digit(self))
        self->p++;
    return 0;
}

static int
s_number(jsonr_t *self, int64_t at)
{
    const char *first = self->p;
    bool negative = *self->p == '-';
    if (negative)
        self->p++;
    if (!s_digit(self))
        return s_fail(self, "invalid number");
    uint64_t magnitude = 0;
    bool too_big = false;
    if (*self->p == '0') {
        self->p++;
    } else {
        while (s_digit(self)) {
            unsigned d = (unsigned) (*self->p++ - '0');
            if (magnitude > (UINT64_MAX - d) / 10)
                too_big = true;
            else
                magnitude = magnitude * 10 + d;
        }
    }
    bool integer = true;
    if (self->p < self->end && *self->p == '.') {
        self->p++;
        if (s_digits(self))
            return -1;
        integer = false;
    }
    if (self->p < self->end && (*self->p == 'e' || *self->p == 'E')) {
        self->p++;
        if (self->p < self->end && (*self->p == '+' || *self->p == '-'))
            self->p++;
        if (s_digits(self))
            return -1;
        integer = false;
    }
    jsonr_value_t *v = &self->values[at];
    if (integer) {
        uint64_t limit = negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
        if (too_big || magnitude > limit)
            return s_fail(self, "integer out of range");
        v->type = JSONR_INTEGER;
        v->as.integer = negative ? (int64_t) (0 - magnitude) : (int64_t) magnitude;
        return 0;
    }
    /* strtod wants a terminated text: the number is copied where the next
     * string would go, which has room for all of the text still unread */
    size_t len = (size_t) (self->p - first);
    char *copy = self->strings + self->strings_used;
    memcpy(copy, first, len);
    copy[len] = '\0';
    errno = 0;
    double d = strtod(copy, NULL);
    if (errno == ERANGE && isinf(d))
        return s_fail(self, "real number out of range");
    v->type = JSONR_REAL;
    v->as.real = d;
    return 0;
}

static int
s_literal(jsonr_t *self, const char *word, jsonr_type_t type)
{
    size_t len = strlen(word);
    if ((size_t) (self->end - self->p) < len || memcmp(self->p, word, len) != 0)
        return s_fail(self, "invalid token");
    self->p += len;
    return s_push(self, type) < 0 ? -1 : 0;
}

static int s_value(jsonr_t *self, int depth);

static int
s_container(jsonr_t *self, int depth, bool object)
{
    int64_t at = s_push(self, object ? JSONR_OBJECT : JSONR_ARRAY);
    if (at < 0)
        return -1;
    char close = object ? '}' : ']';
    uint32_t count = 0;
    self->p++;
    s_skip_space(self);
    if (self->p < self->end && *self->p == close) {
        self->p++;
        return 0;
    }
    for (;;) {
        if (object) {
            if (self->p == self->end || *self->p != '"')
                return s_fail(self, "string or '}' expected");
            int64_t key = s_push(self, JSONR_STRING);
            if (key < 0 || s_string(self, &self->values[key].as.string, &self->values[key].size) ||
                s_key_add(self, (uint32_t) at, (uint32_t) key))
                return -1;
            s_skip_space(self);
            if (self->p == self->end || *self->p != ':')
                return s_fail(self, "':' expected");
            self->p++;
            s_skip_space(self);
        }
        if (s_value(self, depth + 1))
            return -1;
        count++;
        s_skip_space(self);
        if (self->p < self->end && *self->p == ',') {
            self->p++;
            s_skip_space(self);
            continue;
        }
        if (self->p < self->end && *self->p == close) {
            self->p++;
            break;
        }
        return s_fail(self, object ? "',' or '}' expected" : "',' or ']' expected");
    }
    self->values[at].size = count;
    self->values[at].span = (uint32_t) (self->n - (size_t) at);
    return 0;
}

/* One value at p (past any space), nested `depth` deep. */
static int
s_value(jsonr_t *self, int depth)
{
    if (self->p == self->end)
        return s_fail(self, "premature end of input");
    if (depth > JSONR_DEPTH_MAX) {
        s_fail(self, "nested deeper than %d levels", JSONR_DEPTH_MAX);
        self->err->too_deep = true;
        return -1;
    }
    switch (*self->p) {
    case '{':
        return s_container(self, depth, true);
    case '[':
        return s_container(self, depth, false);
    case '"': {
        int64_t at = s_push(self, JSONR_STRING);
        return at < 0 ? -1
                      : s_string(self, &self->values[at].as.string, &self->values[at].size);
    }
    case 't':
        return s_literal(self, "true", JSONR_TRUE);
    case 'f':
        return s_literal(self, "false", JSONR_FALSE);
    case 'n':
        return s_literal(self, "null", JSONR_NULL);
    default:
        if (*self->p == '-' || (*self->p >= '0' && *self->p <= '9')) {
            int64_t at = s_push(self, JSONR_INTEGER);
            return at < 0 ? -1 : s_number(self, at);
        }
        return s_fail(self, "invalid token");
    }
}

const jsonr_value_t *
jsonr_parse(jsonr_t *self, const char *text, size_t len, jsonr_error_t *err)
{
    memset(err, 0, sizeof *err);
    self->err = err;
    self->start = self->p = text;
    self->end = text + len;
    self->n = 0;
    self->strings_used = 0;
    self->keys_used = 0;
    hashtab_clear(&self->key_index);
    if (len >= UINT32_MAX)
        return s_fail(self, "document too large"), NULL;
    if (self->strings_cap < len + 1) {
        char *strings = malloc(len + 1);
        if (!strings)
            return s_fail(self, "out of memory"), NULL;
        free(self->strings);
        self->strings = strings;
        self->strings_cap = len + 1;
    }
    s_skip_space(self);
    if (self->p == self->end || (*self->p != '{' && *self->p != '['))
        return s_fail(self, "'[' or '{' expected"), NULL;
    if (s_value(self, 0))
        return NULL;
    s_skip_space(self);
    if (self->p != self->end)
        return s_fail(self, "end of input expected"), NULL;
    return &self->values[0];
}

const jsonr_value_t *
jsonr_get(const jsonr_value_t *object, const char *key)
{
    if (!object || object->type != JSONR_OBJECT)
        return NULL;
    size_t len = strlen(key);
    JSONR_OBJECT_EACH(object, k) {
        if (k->size == len && memcmp(k->as.string, key, len) == 0)
            return k + 1;
    }
    return NULL;
}

const jsonr_value_t *
jsonr_at(const jsonr_value_t *array, size_t i)
{
    if (!array || array->type != JSONR_ARRAY || i >= array->size)
        return NULL;
    const jsonr_value_t *item = array + 1;
    while (i-- > 0)
        item = jsonr_skip(item);
    return item;
}
