/* outbox — the event backbone inside each service's own schema.
 *
 *  inbox:   every accepted incoming event id, with its content hash, written in
 *           the same transaction as the event's effect (idempotency);
 *  outbox:  every domain event the service accepted or derived, numbered by
 *           `seq` in commit order (the feed);
 *  cursors: how far this service has applied each feed it consumes, stored in
 *           the same transaction as the effects.
 *
 * Commit order is feed order: an append takes a transaction-level advisory
 * lock (again, re-entrantly, if the transaction holds it), held until
 * commit, and numbers rows max(seq)+1 under it. A reader of `seq > cursor` therefore never passes a
 * row that commits later with a smaller number, and seq has no gaps. */
#ifndef HRSS_OUTBOX_H
#define HRSS_OUTBOX_H

#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "hrss.pb-c.h"

/* Tables of the backbone; db_migrate() them as component "backbone". */
extern const db_migration_t outbox_migrations[];

typedef enum { INBOX_NEW, INBOX_DUPLICATE, INBOX_CONFLICT } inbox_status_t;

/* Which of the events' (scope, id) were accepted before, with the same
 * content (duplicate) or other content (conflict): status[i] for events[i].
 * One statement for the whole batch. */
int inbox_check(db_t *db, Hrss__Event *const *events, size_t n, inbox_status_t *status);
/* Records the events' (scope, id, content_hash) in one statement. */
int inbox_insert(db_t *db, Hrss__Event *const *events, size_t n);
/* inbox_check and inbox_insert sent into the caller's open pipeline (n > 0);
 * the check's answer is read with inbox_check_result, the insert's with
 * db_pipeline_result. */
int inbox_check_send(db_t *db, Hrss__Event *const *events, size_t n);
int inbox_check_result(db_t *db, size_t n, inbox_status_t *status);
int inbox_insert_send(db_t *db, Hrss__Event *const *events, size_t n);
/* inbox_check then inbox_insert of one event. */
int inbox_record(db_t *db, const Hrss__Event *ev, inbox_status_t *status);

/* The id space every event-owning service shares (docs/contract.md#results: an id names
 * one event per token region across all services): idspace.claims holds
 * (scope, id, service) of every accepted event, under a primary key on
 * (scope, id), written in the same transaction as the owner's inbox row.
 * See service.c (s_rows_send) for why a shared table. Both are sent into
 * the caller's open pipeline (n > 0). A claim of an id another service
 * holds fails with a unique violation (23505), like a resent inbox id; the
 * check marks INBOX_CONFLICT the events (status[i] still INBOX_NEW) whose id
 * another service holds. */
int claims_insert_send(db_t *db, const char *service, Hrss__Event *const *events, size_t n);
int claims_check_send(db_t *db, const char *service, Hrss__Event *const *events, size_t n);
int claims_check_result(db_t *db, size_t n, inbox_status_t *status);

/* Appends events (id, scope, type, region, occurred_at_us, data,
 * content_hash, cause) in order inside the caller's transaction, in one
 * statement; *last_seq gets the number of the last. */
int outbox_append_all(db_t *db, Hrss__Event *const *events, size_t n, uint64_t *last_seq);
/* The same for one event. */
int outbox_append(db_t *db, const Hrss__Event *ev, uint64_t *seq);
/* outbox_append_all sent into the caller's open pipeline (n > 0): two
 * statements, the lock and the append, read with outbox_append_result. */
int outbox_append_send(db_t *db, Hrss__Event *const *events, size_t n);
int outbox_append_result(db_t *db, uint64_t *last_seq);

/* Committed rows with seq > after, at most `limit`, in seq order, into `page`
 * (its events carved from `arena`, valid until it is reset; source set to
 * `source`); page->head is `head`, the highest committed seq as the one
 * writer of the outbox knows it (or as outbox_head read it), or the last
 * row's when that is higher. */
int outbox_read(db_t *db, const char *source, uint64_t after, uint32_t limit, uint64_t head,
                arena_t *arena, Hrss__FeedPage *page);
int outbox_head(db_t *db, uint64_t *head);

int cursor_load(db_t *db, const char *source, uint64_t *seq);
/* Sent into the caller's open pipeline, inside its transaction; its answer
 * is read with db_pipeline_result. */
int cursor_store_send(db_t *db, const char *source, uint64_t seq);

#endif
