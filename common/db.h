/* db — the libpq layer every daemon uses.
 *
 * One connection per db_t, owned by one thread. The connection comes back by
 * itself: db_ensure() reconnects when it was lost (PostgreSQL restarted), and
 * prepared statements are re-prepared on the new connection when next used.
 * Queries are parameterized; SQL text is always a literal of the program. */
#ifndef HRSS_DB_H
#define HRSS_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db_t db_t;

/* `schema` is the service's own schema: it becomes the search_path of every
 * connection. Does not connect yet. */
db_t *db_new(const char *conninfo, const char *schema);
void db_destroy(db_t **self_p);

/* Connected and usable? Reconnects at most once per call when the connection
 * is bad. 0 when usable. */
int db_ensure(db_t *self);
bool db_connected(const db_t *self);
/* Counts successful connections: a change means a new session (its LISTENs,
 * prepared statements and session state are gone). */
unsigned db_generation(const db_t *self);
PGconn *db_conn(db_t *self);
/* Last error message (connection or statement), for the caller's log line. */
const char *db_error(const db_t *self);
/* SQLSTATE of the last failed statement, or "" */
const char *db_sqlstate(const db_t *self);

/* A statement with parameters, all text except where `formats[i]` is 1
 * (binary, length in `lengths[i]`). Returns the result when it is
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK, else NULL with the error kept. The
 * caller PQclear()s a non-NULL result. */
PGresult *db_query(db_t *self, const char *sql, int nparams, const char *const *values,
                   const int *lengths, const int *formats);
/* The same through a named prepared statement, prepared on first use on
 * each connection. `name` must be a string literal (it is kept). */
PGresult *db_prepared(db_t *self, const char *name, const char *sql, int nparams,
                      const char *const *values, const int *lengths, const int *formats);
/* The same with every column of the result in binary format (PQgetvalue
 * then points to the raw value: int8 big-endian, text and bytea as bytes). */
PGresult *db_prepared_binary(db_t *self, const char *name, const char *sql, int nparams,
                             const char *const *values, const int *lengths, const int *formats);
/* A prepared statement whose rows do not matter, only its success. */
int db_prepared_run(db_t *self, const char *name, const char *sql, int nparams,
                    const char *const *values);
/* How many statement names are prepared on the current connection: there is
 * no ceiling on their number. */
size_t db_prepared_count(const db_t *self);
/* A statement whose result does not matter beyond success (BEGIN, COMMIT, SAVEPOINT). */
int db_command(db_t *self, const char *sql);
/* ANALYZE of each table of the connection's schema that has grown to twice
 * the size its statistics say, while they say it is small (< 50 000 rows):
 * the cached plans on it are then made again, for its present size. Beyond
 * that size an index probe stays the plan, and autovacuum keeps up. */
int db_analyze_grown(db_t *self);

/* Pipeline mode: statements are sent without waiting for each answer, then
 * their results are read in order. Within one transaction each statement
 * still sees the effects of the ones before it; after an error the rest
 * of the pipeline is aborted.
 *
 *   db_pipeline_begin; db_pipeline_send x N; db_pipeline_sync;
 *   db_pipeline_result x N (each result PQclear'ed by the caller);
 *   db_pipeline_end */
int db_pipeline_begin(db_t *self);
/* Sends one statement through a named prepared statement (prepared in the
 * same pipeline on first use). Parameters are copied at once. */
int db_pipeline_send(db_t *self, const char *name, const char *sql, int nparams,
                     const char *const *values, const int *lengths, const int *formats);
/* Sends a statement without parameters, unprepared: BEGIN, COMMIT. */
int db_pipeline_send_sql(db_t *self, const char *sql);
int db_pipeline_sync(db_t *self);
/* Hands what was sent so far to the server without ending the pipeline, so
 * that it starts on those statements while the next ones are prepared. */
int db_pipeline_flush(db_t *self);
/* The next statement's result, or NULL when it failed (error kept) or was
 * aborted by an earlier failure (error "aborted"). */
PGresult *db_pipeline_result(db_t *self);
/* Reads the next result and checks its command tag ("BEGIN", "COMMIT": a
 * COMMIT that an earlier error turned into a rollback answers "ROLLBACK"). */
int db_pipeline_expect(db_t *self, const char *tag);
/* Reads what is left up to the sync point and leaves pipeline mode. */
int db_pipeline_end(db_t *self);

int db_begin(db_t *self);
/* -1 also when the transaction was aborted and COMMIT rolled it back. */
int db_commit(db_t *self);
void db_rollback(db_t *self);

/* One migration step. Steps of a component are applied in version order,
 * each in its own transaction, under a session advisory lock so that two
 * instances starting together apply each step once. */
typedef struct {
    int version;
    const char *name;
    const char *sql;
} db_migration_t;

/* Applies the not-yet-applied `steps` of `component` (NULL-terminated by a
 * step with version 0), then every services/<service>/sql/NNN_*.sql under
 * `sql_dir` as component "service". */
int db_migrate(db_t *self, const char *component, const db_migration_t *steps,
               const char *sql_dir, const char *service);

/* Helpers for reading text-format results. */
int64_t db_get_int64(const PGresult *res, int row, int col);
/* A bytea column, unescaped into malloc'd memory; NULL on failure. */
unsigned char *db_get_bytea(const PGresult *res, int row, int col, size_t *len);
/* An int8 column of a binary-format result (db_prepared_binary); 0 for NULL. */
int64_t db_get_binary_int64(const PGresult *res, int row, int col);

#endif
