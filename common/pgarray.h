/* pgarray — PostgreSQL arrays built in a growing buffer, to send many rows
 * as one parameter per column (unnest($1::text[])) instead of one statement
 * per row. Two forms:
 *  - literals ('{"a","b",NULL}'), text parameters: elements are always
 *    double-quoted with '"' and '\' escaped, so any text is safe;
 *  - binary arrays (parameter format 1) of one element type, which the
 *    server takes without parsing quotes, escapes and hex digits: on the
 *    ingest path, parsing literals was a tenth of the database's work. */
#ifndef HRSS_PGARRAY_H
#define HRSS_PGARRAY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf;
    size_t len, cap;
    size_t count;
    int failed;        /* out of memory or a misuse: every later add is a no-op */
    uint32_t oid;      /* element type of a binary array; 0 for a literal */
    int hasnull;
} pgarray_t;

/* Element types of binary arrays (pg_type OIDs, fixed since PostgreSQL 7).
 * The statement's cast must name the same type: $1::text[], $1::char(18)[]
 * (bpchar), $1::bytea[], $1::bigint[]. */
#define PGARRAY_LITERAL 0u
#define PGARRAY_TEXT 25u
#define PGARRAY_BPCHAR 1042u
#define PGARRAY_BYTEA 17u
#define PGARRAY_INT8 20u

void pgarray_init(pgarray_t *self);   /* a literal */
/* A binary array of `oid` (add_text to text and bpchar, add_bytea to bytea,
 * add_int64 to bigint; any other pairing fails the array). */
void pgarray_init_binary(pgarray_t *self, uint32_t oid);
void pgarray_free(pgarray_t *self);
/* Empties the array, keeping its memory. */
void pgarray_reset(pgarray_t *self);
/* Empties it and gives it another form (PGARRAY_LITERAL or an element type). */
void pgarray_retype(pgarray_t *self, uint32_t oid);
void pgarray_add_text(pgarray_t *self, const char *s);        /* NULL adds NULL */
void pgarray_add_int64(pgarray_t *self, int64_t v);
void pgarray_add_bytea(pgarray_t *self, const uint8_t *data, size_t len);   /* hex */
/* The literal ('{...}'), valid until the next add or reset; NULL when out of
 * memory or for a binary array. */
const char *pgarray_literal(pgarray_t *self);

/* The columns of one statement over many rows, one array per parameter:
 * init, add row by row, take every literal at once, free. */
void pgarray_init_all(pgarray_t *arrays, size_t n);
void pgarray_free_all(pgarray_t *arrays, size_t n);
/* values[i] = the literal of arrays[i]; 0, or -1 when one is out of memory. */
int pgarray_literals(pgarray_t *arrays, size_t n, const char **values);
/* Columns of mixed forms: oids[i] is arrays[i]'s form (PGARRAY_LITERAL or
 * an element type). */
void pgarray_init_types(pgarray_t *arrays, const uint32_t *oids, size_t n);
/* The parameters for PQsendQueryPrepared / db_prepared: values, lengths and
 * formats of arrays[i], valid until the next add or reset; 0, or -1 when
 * one is out of memory or misused. */
int pgarray_params(pgarray_t *arrays, size_t n, const char **values, int *lengths, int *formats);

#endif
