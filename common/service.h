/* service — the skeleton every domain daemon shares.
 *
 * A service owns one schema and binds a ROUTER for requests and a PUB for
 * nudges. It runs one loop: one zmq_poll over its sockets, its timeout set by
 * the next deadline, periodic work (reconnecting the database, polling feeds
 * whose nudges were lost) in one place. What a service adds is data: tables of
 * handlers for the event types it owns, for the feeds it consumes and for the
 * queries it answers.
 *
 * Incoming batches are applied in one transaction: the ids of the batch are
 * looked up in the inbox at once (duplicate / id_conflict), each new event's
 * handler applies its effect (one statement for a run of events of its type,
 * see event_handler_t) and may derive further events, and the accepted ids
 * and every outbox row are written in one statement each just before
 * COMMIT. Only after COMMIT does the gateway hear "accepted".
 *
 * Normally there are no savepoints, so a handler checks everything it needs
 * before it writes anything: once it has written, it may not reject. An
 * event whose data still trips a database constraint aborts the
 * transaction; the batch is then applied again with each event alone in a
 * savepoint, and that event rejected ("invalid_data").
 *
 * Bad input never stops a daemon: it is rejected, or (a peer's feed event)
 * logged and skipped. A programmer error does: a statement that answers
 * another number of rows than its run has events, or that the server cannot
 * run at all (SQLSTATE class 42, 0A, 21), is logged and the daemon aborts
 * (log_fatal); restarted, it catches up from what it committed, where a
 * retry would fail the same way for ever.
 *
 * How the parts fit (the transaction, the ingest engine and its modes, the
 * feed consumer, the loop): service_impl.h. */
#ifndef HRSS_SERVICE_H
#define HRSS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "db.h"
#include "hrss.pb-c.h"
#include "indicators.h"
#include "pgarray.h"

typedef struct service_t service_t;

/* Why an event was rejected: a stable code, the field, and a message. */
typedef struct {
    const char *code;
    const char *field;
    char message[256];
} verdict_t;

/* Returns 0 when applied, 1 when rejected (verdict filled; the framework
 * undoes whatever the handler wrote), -1 on a database error. */
typedef int(event_apply_fn)(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                            verdict_t *verdict);
/* A pipelined handler sends one statement for a run of events of its type
 * with db_pipeline_send, without waiting, and reads its result once the
 * statements of its neighbours have been sent too. The statement checks
 * before it writes, in SQL, and answers one row per event of the run, in the
 * run's order, that tells `result` what happened to that event.
 *
 * Consecutive events of the type form one run as long as their `key`s (the
 * row they write: a person's id number) differ, so the statement may treat
 * them as independent of each other (unnest the arrays of its parameters);
 * without `key` every run is one event. `check`, when set, may reject an
 * event before it joins a run (return 1). A handler has either `apply` or
 * `send` and `result`. `derives` says that its `result` may emit events
 * (service_emit): a batch with such an event is applied in steps, its
 * verdicts read before its outbox rows are sent, not in one pipeline. */
typedef int(event_send_fn)(service_t *svc, Hrss__Event *const *events,
                           ProtobufCMessage *const *data, size_t n);
typedef const char *(event_key_fn)(const ProtobufCMessage *data);
typedef int(event_result_fn)(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                             const PGresult *res, int row, verdict_t *verdict);
/* Sends the statement of a run (event_send_fn) with one array parameter per
 * column, and frees the columns. */
int service_send_run(service_t *svc, const char *name, const char *sql, pgarray_t *columns,
                     size_t ncolumns);

/* The key of the events about one person: their data's id_number. */
const char *service_person_key(const ProtobufCMessage *data);

typedef struct {
    const char *type;
    event_apply_fn *apply;
    event_apply_fn *check;
    event_send_fn *send;
    event_key_fn *key;
    event_result_fn *result;
    bool derives;
} event_handler_t;

/* Applies one event of another service's feed inside the consumer's
 * transaction: 0, or -1 on a database error (the page is retried). */
typedef int(feed_apply_fn)(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data);
typedef struct {
    const char *type;
    feed_apply_fn *apply;
} feed_handler_t;

/* Called once per page of a feed, after its events' handlers and before the
 * cursor is stored and the transaction committed: lets a consumer write
 * what it gathered over the page in one statement. 0, or -1 on a database
 * error (the page is retried, so it must also forget what it gathered). */
typedef int(feed_page_fn)(service_t *svc, const char *source, bool committing);

typedef struct {
    const char *source;              /* "insurance" */
    const feed_handler_t *handlers;  /* {NULL} terminated; other types are skipped */
    feed_page_fn *page_end;          /* optional */
} feed_subscription_t;

/* Answers a query. Allocate the reply's contents from `arena`; return 0, or
 * -1 after service_fail() to send a Failure. */
typedef int(request_fn)(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                        arena_t *arena);

/* Scheduled work in the daemon's one loop. `fire` does the work and returns
 * when it wants to run next (µs since the Unix epoch, realtime clock),
 * INT64_MAX for "not until armed again", or -1 after a database error
 * (run again in a second). Every timer fires once when the daemon starts,
 * so work that fell due while it was down is done then. */
typedef int64_t(service_timer_fn)(service_t *svc, int64_t now_us);
typedef struct {
    const char *name;
    service_timer_fn *fire;
} service_timer_t;

typedef struct {
    const char *name;                      /* "employment": schema, role, endpoints */
    const event_handler_t *events;         /* {NULL} terminated, or NULL */
    const feed_subscription_t *feeds;      /* {NULL} terminated, or NULL */
    request_fn *on_person;
    request_fn *on_indicators;
    request_fn *on_targets;
    const service_timer_t *timers;         /* {NULL} terminated, or NULL */
    void *user;                            /* service_user's, until service_set_user */
    const indicator_producer_t *produces;  /* {NULL} terminated, or NULL */
    /* A domain's own requests (Request cases 30 and above, each service its
     * range): whatever the cases above do not cover. */
    request_fn *on_command;
} service_def_t;

/* Brings a timer's next run forward to due_us (never later than it is).
 * A name that is not one of the service's timers is a programmer error: the
 * daemon stops. A timer fires only while the database is reachable and the
 * schema migrated, between requests, outside any transaction. */
void service_timer_arm(service_t *svc, const char *name, int64_t due_us);

/* For a timer's work: commits the transaction it opened (db_begin) with the
 * outbox rows its service_emit calls gathered, and announces the change;
 * -1 on a database error (the transaction is rolled back). */
int service_commit(service_t *svc);
/* Rolls back the transaction a timer opened and forgets its emitted rows. */
void service_rollback(service_t *svc);

/* Runs the daemon until SIGTERM/SIGINT: configuration, database, migrations,
 * sockets, loop. Returns the process exit code. With HRSS_LIST_HANDLERS set
 * in the environment it only lists what `def` registers
 * (service_list_handlers) and returns. */
int service_main(const service_def_t *def);

/* Writes what `def` registers to `out`, one line each: "event <type>",
 * "feed <source> <type>", "indicator <aggregate> <code>". 0, or -1 when
 * the output fails. */
int service_list_handlers(const service_def_t *def, FILE *out);

db_t *service_db(service_t *svc);
/* A pointer the service's own code keeps with the daemon (its page state,
 * say), instead of file-scope state. */
void service_set_user(service_t *svc, void *user);
void *service_user(const service_t *svc);
const char *service_name_of(const service_t *svc);

/* Appends an event derived from `cause` (id "<cause id>/<type>") to the
 * outbox of the current transaction, after the event being applied. */
int service_emit(service_t *svc, const Hrss__Event *cause, const char *type, const char *region,
                 int64_t occurred_at_us, const ProtobufCMessage *data);

/* A number that changes whenever the service commits a change (a batch of
 * events, a page of a feed, or whatever a handler reports with
 * service_touch, after its commit): what was computed at one version is
 * still true at it. Each change is also announced on the service's PUB. */
uint64_t service_version(const service_t *svc);
void service_touch(service_t *svc);
/* A request that committed outbox rows of its own, in SQL (a payment run:
 * INSERT ... SELECT, under the outbox lock), says where the outbox ends now:
 * the service's head moves on, a nudge goes out, its version changes. */
void service_outbox_advanced(service_t *svc, uint64_t last_seq);

/* Fills a Failure reply. */
int service_fail(Hrss__Reply *reply, arena_t *arena, const char *code, const char *message,
                 bool retryable);

/* Verdict helper: returns 1 so handlers can `return reject(...)`. */
int reject(verdict_t *v, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
