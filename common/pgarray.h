/* pgarray — PostgreSQL array literals ('{"a","b",NULL}') built in a growing
 * buffer, to send many rows as one parameter per column (unnest($1::text[]))
 * instead of one statement per row. Elements are always double-quoted with
 * '"' and '\' escaped, so any text is safe. */
#ifndef HRSS_PGARRAY_H
#define HRSS_PGARRAY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf;
    size_t len, cap;
    size_t count;
    int failed;        /* out of memory: every later add is a no-op */
} pgarray_t;

void pgarray_init(pgarray_t *self);
void pgarray_free(pgarray_t *self);
/* Empties the array, keeping its memory. */
void pgarray_reset(pgarray_t *self);
void pgarray_add_text(pgarray_t *self, const char *s);        /* NULL adds NULL */
void pgarray_add_int64(pgarray_t *self, int64_t v);
void pgarray_add_bytea(pgarray_t *self, const uint8_t *data, size_t len);   /* hex */
/* The literal ('{...}'), valid until the next add or reset; NULL when out of memory. */
const char *pgarray_literal(pgarray_t *self);

/* The columns of one statement over many rows, one array per parameter:
 * init, add row by row, take every literal at once, free. */
void pgarray_init_all(pgarray_t *arrays, size_t n);
void pgarray_free_all(pgarray_t *arrays, size_t n);
/* values[i] = the literal of arrays[i]; 0, or -1 when one is out of memory. */
int pgarray_literals(pgarray_t *arrays, size_t n, const char **values);

#endif
