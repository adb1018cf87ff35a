/* txn — a service's open transaction and the outbox rows it will append.
 *
 * Lifetime: from BEGIN to COMMIT or ROLLBACK. Handlers' effects go to the
 * database as they are made; the outbox rows (each accepted event, then
 * what it derived with service_emit) are gathered here, carved from the
 * transaction's arena, and written in one statement just before COMMIT
 * (txn_commit), in the same round trip. The outbox's head as of the last
 * commit is kept here too: this connection is the outbox's only writer. */
#ifndef HRSS_TXN_H
#define HRSS_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "hrss.pb-c.h"

#define TXN_SEEN_BEFORE 2   /* txn_commit: the inbox had one of the accepted ids */

typedef struct {
    arena_t *arena;       /* rows derived in the open transaction */
    Hrss__Event **rows;   /* outbox rows of the open transaction, in order */
    size_t n, cap;
    uint64_t last_seq;    /* the outbox's head as of the last commit */
    const char *owner;    /* the service: its claims on the shared id space */
} txn_t;

/* `owner`: the service's name, kept (not copied) for its id claims. */
int txn_init(txn_t *self, const char *owner);
void txn_free(txn_t *self);

/* Appends an outbox row (it must live until the commit or rollback). */
int txn_push(txn_t *self, Hrss__Event *row);
/* An event derived from `cause`, carved from the transaction's arena and
 * pushed (see service_emit). */
int txn_emit(txn_t *self, const Hrss__Event *cause, const char *type, const char *region,
             int64_t occurred_at_us, const ProtobufCMessage *data);

/* Sends into the open pipeline the inbox rows of the accepted events, their
 * claims on the shared id space and the outbox rows gathered;
 * txn_rows_result reads them back (`nrows`: the outbox rows sent): 0 with
 * *last the outbox's new head, TXN_SEEN_BEFORE when the inbox already had
 * one of the accepted ids or another service holds one, -1 on a database
 * error.
 *
 * Why a shared id space: an id names one event per token region across all
 * services (docs/contract.md), but each service's inbox knows only its own
 * ids. The claims are one table every event-owning service writes
 * (idspace.claims, provisioned beside the schemas) with a primary key on
 * (scope, id). Written here, in the owner's own transaction and pipeline,
 * they cost no round trip and no second commit, are exactly as durable as
 * the event, and vanish with it on a rollback (no claim outlives a
 * rejection or a crash). Two services taking one id at once meet on the
 * key: the later waits for the earlier's COMMIT, then fails like a resent
 * id, and its batch, applied again asking first (ingest's BEGIN), finds
 * the id held elsewhere: id_conflict. The gateway claiming ids first in its
 * own database would be a second commit per request before the owner's;
 * asking the other owners, a round trip to each. The price: the services
 * share this one table, hence one database; when they move to clusters of
 * their own the claims need a home of their own (docs/design.md). */
int txn_rows_send(txn_t *self, db_t *db, Hrss__Event *const *accepted, size_t naccepted);
int txn_rows_result(txn_t *self, db_t *db, size_t naccepted, size_t nrows, uint64_t *last);

/* The end of a transaction in one round trip: what it has left to write
 * (the accepted events' ids, the outbox rows, a feed's cursor when `source`
 * is set) and COMMIT, in one pipeline. 0 when committed (the rows are let
 * go); on failure the caller rolls back: -1, or TXN_SEEN_BEFORE. */
int txn_commit(txn_t *self, db_t *db, Hrss__Event *const *accepted, size_t naccepted,
               const char *source, uint64_t cursor);
/* After a COMMIT sent otherwise: the outbox's head is `last`, the rows let go. */
void txn_committed(txn_t *self, uint64_t last);
/* Stops the daemon (log_fatal) when the last database error is the code's,
 * not the data's nor the server's: a statement the server cannot run
 * (syntax, undefined name: class 42), one not supported (0A), or one whose
 * run touched a row twice (21). Retrying would fail the same way for ever;
 * a restarted daemon catches up from what it committed. `what`: the work. */
void txn_check_bug(db_t *db, const char *what);
/* Rolls the open transaction back and forgets its rows. */
void txn_rollback(txn_t *self, db_t *db);

#endif
