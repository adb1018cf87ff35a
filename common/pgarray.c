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
    free(self->buf);
    pgarray_init(self);
}

void
pgarray_reset(pgarray_t *self)
{
    self->len = 0;
    self->count = 0;
    self->failed = 0;
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

void
pgarray_add_text(pgarray_t *self, const char *s)
{
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
        pgarray_add_text(self, NULL);
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
    if (self->failed || s_reserve(self, 0))
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
