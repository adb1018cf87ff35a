#include "pgarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
pgarray_init(pgarray_t *self)
{
    memset(self, 0, sizeof *self);
}

void
pgarray_free(pgarray_t *self)
{
    uint32_t oid = self->oid;
    free(self->buf);
    pgarray_init(self);
    self->oid = oid;   /* freed, it can be filled again in its own form */
}

void
pgarray_init_binary(pgarray_t *self, uint32_t oid)
{
    pgarray_init(self);
    self->oid = oid;
}

void
pgarray_reset(pgarray_t *self)
{
    self->len = 0;
    self->count = 0;
    self->failed = 0;
    self->hasnull = 0;
}

void
pgarray_retype(pgarray_t *self, uint32_t oid)
{
    pgarray_reset(self);
    self->oid = oid;
}

/* Room for `n` more bytes plus the closing "}\0". */
static int
s_reserve(pgarray_t *self, size_t n)
{
    if (self->failed)
        return -1;
    size_t need = self->len + n + 3;
    if (need <= self->cap)
        return 0;
    size_t cap = self->cap ? self->cap : 256;
    while (cap < need)
        cap *= 2;
    char *buf = realloc(self->buf, cap);
    if (!buf) {
        self->failed = 1;
        return -1;
    }
    self->buf = buf;
    self->cap = cap;
    return 0;
}

static void
s_separator(pgarray_t *self)
{
    self->buf[self->len++] = self->count++ ? ',' : '{';
}

/* ---- binary arrays ---------------------------------------------------------
 * array_recv's format: int32 ndim, int32 has-nulls, OID element type, per
 * dimension int32 length and int32 lower bound; then per element an int32
 * length (-1: NULL) and the element's own binary form. All big-endian. The
 * header's 20 bytes are kept free at the start and written at the end. */
#define BINARY_HEADER 20

static void
s_put32(char *p, uint32_t v)
{
    p[0] = (char) (v >> 24);
    p[1] = (char) (v >> 16);
    p[2] = (char) (v >> 8);
    p[3] = (char) v;
}

/* Room for an element of `n` bytes after its length word; -1 when failed. */
static int
s_binary_element(pgarray_t *self, uint32_t oid, size_t n)
{
    if (self->oid != oid && !(oid == PGARRAY_TEXT && self->oid == PGARRAY_BPCHAR))
        self->failed = 1;   /* the element would not be of the array's type */
    if (n > INT32_MAX || s_reserve(self, (self->len ? 0 : BINARY_HEADER) + 4 + n))
        return -1;
    if (self->len == 0)
        self->len = BINARY_HEADER;
    s_put32(self->buf + self->len, (uint32_t) n);
    self->len += 4;
    self->count++;
    return 0;
}

static void
s_binary_null(pgarray_t *self)
{
    if (s_reserve(self, (self->len ? 0 : BINARY_HEADER) + 4))
        return;
    if (self->len == 0)
        self->len = BINARY_HEADER;
    s_put32(self->buf + self->len, UINT32_MAX);   /* -1 */
    self->len += 4;
    self->count++;
    self->hasnull = 1;
}

static void
s_binary_bytes(pgarray_t *self, uint32_t oid, const void *data, size_t n)
{
    if (s_binary_element(self, oid, n) == 0) {
        memcpy(self->buf + self->len, data, n);
        self->len += n;
    }
}

/* The finished array and its length; NULL when failed. */
static const char *
s_binary_finish(pgarray_t *self, int *length)
{
    if (self->failed || s_reserve(self, BINARY_HEADER))
        return NULL;
    if (self->count == 0) {   /* no dimensions: '{}' */
        s_put32(self->buf, 0);
        s_put32(self->buf + 4, 0);
        s_put32(self->buf + 8, self->oid);
        *length = 12;
        return self->buf;
    }
    if (self->len > INT32_MAX) {
        self->failed = 1;
        return NULL;
    }
    s_put32(self->buf, 1);
    s_put32(self->buf + 4, (uint32_t) self->hasnull);
    s_put32(self->buf + 8, self->oid);
    s_put32(self->buf + 12, (uint32_t) self->count);
    s_put32(self->buf + 16, 1);
    *length = (int) self->len;
    return self->buf;
}

/* ---- elements ---------------------------------------------------------------- */

void
pgarray_add_text(pgarray_t *self, const char *s)
{
    if (self->oid) {
        if (s)
            s_binary_bytes(self, PGARRAY_TEXT, s, strlen(s));
        else
            s_binary_null(self);
        return;
    }
    size_t n = s ? strlen(s) : 0;
    if (s_reserve(self, 2 * n + 8))
        return;
    s_separator(self);
    if (!s) {
        memcpy(self->buf + self->len, "NULL", 4);
        self->len += 4;
        return;
    }
    self->buf[self->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            self->buf[self->len++] = '\\';
        self->buf[self->len++] = s[i];
    }
    self->buf[self->len++] = '"';
}

void
pgarray_add_int64(pgarray_t *self, int64_t v)
{
    if (self->oid) {
        char be[8];
        s_put32(be, (uint32_t) ((uint64_t) v >> 32));
        s_put32(be + 4, (uint32_t) v);
        s_binary_bytes(self, PGARRAY_INT8, be, sizeof be);
        return;
    }
    if (s_reserve(self, 24))
        return;
    s_separator(self);
    self->len += (size_t) snprintf(self->buf + self->len, 22, "%" PRId64, v);
}

void
pgarray_add_bytea(pgarray_t *self, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (!data) {
        if (self->oid)
            s_binary_null(self);
        else
            pgarray_add_text(self, NULL);
        return;
    }
    if (self->oid) {
        s_binary_bytes(self, PGARRAY_BYTEA, data, len);
        return;
    }
    if (s_reserve(self, 2 * len + 8))
        return;
    s_separator(self);
    /* "\\x..." : the array parser turns \\ into the \ of bytea's hex form */
    memcpy(self->buf + self->len, "\"\\\\x", 4);
    self->len += 4;
    for (size_t i = 0; i < len; i++) {
        self->buf[self->len++] = hex[data[i] >> 4];
        self->buf[self->len++] = hex[data[i] & 15];
    }
    self->buf[self->len++] = '"';
}

const char *
pgarray_literal(pgarray_t *self)
{
    if (self->oid || self->failed || s_reserve(self, 0))
        return NULL;
    if (self->count == 0) {
        memcpy(self->buf, "{}", 3);
        return self->buf;
    }
    self->buf[self->len] = '}';
    self->buf[self->len + 1] = '\0';
    return self->buf;
}

void
pgarray_init_all(pgarray_t *arrays, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pgarray_init(&arrays[i]);
}

void
pgarray_free_all(pgarray_t *arrays, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pgarray_free(&arrays[i]);
}

int
pgarray_literals(pgarray_t *arrays, size_t n, const char **values)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (!(values[i] = pgarray_literal(&arrays[i])))
            rc = -1;
    return rc;
}

void
pgarray_init_types(pgarray_t *arrays, const uint32_t *oids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pgarray_init_binary(&arrays[i], oids[i]);
}

int
pgarray_params(pgarray_t *arrays, size_t n, const char **values, int *lengths, int *formats)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        pgarray_t *a = &arrays[i];
        lengths[i] = 0;
        formats[i] = a->oid ? 1 : 0;
        values[i] = a->oid ? s_binary_finish(a, &lengths[i]) : pgarray_literal(a);
        if (!values[i])
            rc = -1;
    }
    return rc;
}
