#include "txn.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"

int
txn_init(txn_t *self, const char *owner)
{
    memset(self, 0, sizeof *self);
    self->owner = owner;
    self->arena = arena_new();
    return self->arena ? 0 : -1;
}

void
txn_free(txn_t *self)
{
    arena_destroy(&self->arena);
    free(self->rows);
    memset(self, 0, sizeof *self);
}

int
txn_push(txn_t *self, Hrss__Event *row)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 256;
        Hrss__Event **rows = realloc(self->rows, cap * sizeof *rows);
        if (!rows)
            return -1;
        self->rows = rows;
        self->cap = cap;
    }
    self->rows[self->n++] = row;
    return 0;
}

int
txn_emit(txn_t *self, const Hrss__Event *cause, const char *type, const char *region,
         int64_t occurred_at_us, const ProtobufCMessage *data)
{
    arena_t *a = self->arena;
    Hrss__Event *ev = arena_alloc(a, sizeof *ev);
    if (!ev)
        return -1;
    hrss__event__init(ev);
    ev->id = arena_printf(a, "%s/%s", cause->id, type);
    ev->type = arena_strdup(a, type);
    ev->region = arena_strdup(a, region);
    ev->scope = arena_strdup(a, cause->scope);
    ev->occurred_at_us = occurred_at_us;
    ev->data.len = protobuf_c_message_get_packed_size(data);
    ev->data.data = arena_alloc(a, ev->data.len ? ev->data.len : 1);
    if (cause->source && cause->has_seq)
        ev->cause = arena_printf(a, "%s:%" PRIu64, cause->source, cause->seq);
    else
        ev->cause = arena_strdup(a, cause->id);
    if (!ev->id || !ev->type || !ev->region || !ev->scope || !ev->data.data || !ev->cause)
        return -1;
    protobuf_c_message_pack(data, ev->data.data);
    return txn_push(self, ev);
}

int
txn_rows_send(txn_t *self, db_t *db, Hrss__Event *const *accepted, size_t naccepted)
{
    return (naccepted && (inbox_insert_send(db, accepted, naccepted) ||
                          claims_insert_send(db, self->owner, accepted, naccepted))) ||
                   (self->n && outbox_append_send(db, self->rows, self->n))
               ? -1
               : 0;
}

int
txn_rows_result(txn_t *self, db_t *db, size_t naccepted, size_t nrows, uint64_t *last)
{
    (void) self;
    /* the inbox's rows, then the claims' */
    for (int stmt = 0; naccepted && stmt < 2; stmt++) {
        PGresult *res = db_pipeline_result(db);
        if (!res)   /* unique_violation: an id of the batch was accepted before, here or
                     * by another service */
            return strcmp(db_sqlstate(db), "23505") == 0 ? TXN_SEEN_BEFORE : -1;
        PQclear(res);
    }
    return nrows ? outbox_append_result(db, last) : 0;
}

int
txn_commit(txn_t *self, db_t *db, Hrss__Event *const *accepted, size_t naccepted,
           const char *source, uint64_t cursor)
{
    uint64_t last = self->last_seq;
    if (db_pipeline_begin(db))
        return -1;
    int rc = txn_rows_send(self, db, accepted, naccepted) ||
                     (source && cursor_store_send(db, source, cursor)) ||
                     db_pipeline_send_sql(db, "COMMIT") || db_pipeline_sync(db)
                 ? -1
                 : 0;
    PGresult *res;
    if (rc == 0)
        rc = txn_rows_result(self, db, naccepted, self->n, &last);
    if (rc == 0 && source)
        rc = (res = db_pipeline_result(db)) ? (PQclear(res), 0) : -1;
    if (rc == 0)
        rc = db_pipeline_expect(db, "COMMIT");
    if (db_pipeline_end(db))
        rc = -1;
    if (rc)
        return rc;
    txn_committed(self, last);
    return 0;
}

void
txn_committed(txn_t *self, uint64_t last)
{
    self->n = 0;
    self->last_seq = last;
    arena_reset(self->arena);
}

void
txn_rollback(txn_t *self, db_t *db)
{
    db_rollback(db);
    self->n = 0;
    arena_reset(self->arena);
}

void
txn_check_bug(db_t *db, const char *what)
{
    const char *state = db_sqlstate(db);
    if (db_connected(db) && state[0] &&
        (strncmp(state, "42", 2) == 0 || strncmp(state, "0A", 2) == 0 ||
         strncmp(state, "21", 2) == 0))
        log_fatal("%s failed on a statement of the code (SQLSTATE %s): %s", what, state,
                  db_error(db));
}
