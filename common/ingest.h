/* ingest — event batches, from their arrival to their answers.
 *
 * Batches that arrive together (one poll round of the ROUTER) form a group,
 * applied in one transaction (group commit: under load the fsync of one
 * COMMIT serves several clients) and answered together. Lifetime of what
 * this module holds: one group; the requests and their events' data live in
 * the service's request arena until the group is answered.
 *
 * How a batch is applied (its mode) and the run engine are described in
 * ingest.c; the contract seen by handlers is in service.h. */
#ifndef HRSS_INGEST_H
#define HRSS_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"
#include "hrss.pb-c.h"
#include "hrss_limits.h"
#include "runs.h"

typedef struct service_t service_t;

#define BATCH_MAX LIMIT_BATCH_EVENTS   /* also bounds the time one batch holds the loop */
#define GROUP_REQUESTS 64
#define GROUP_EVENTS 4000

typedef struct {
    Hrss__Request *reqs[GROUP_REQUESTS];
    unsigned char ids[GROUP_REQUESTS][256];
    size_t id_lens[GROUP_REQUESTS];
    size_t n, events;
} group_t;

typedef struct {
    group_t group;              /* event batches received in this round */
    runs_t runs;                /* of the batch being applied */
    hashtab_t ids;              /* of the batch being applied: (scope, id) -> latest index */
    uint64_t careful_batches;   /* batches applied again event by event */
    uint64_t resent_batches;    /* optimistic attempts voided by a resent id */
    uint64_t redone_batches;    /* one-pipeline attempts voided by a rejection */
    unsigned checked_left;      /* batches still to ask the inbox first (latch) */
    unsigned stepwise_left;     /* batches still to apply in steps (latch) */
} ingest_t;

void ingest_init(ingest_t *self);
void ingest_free(ingest_t *self);

/* Takes an event batch (its request in the service's request arena) into
 * the group of this round; the group is applied and answered when full. */
void ingest_add(service_t *svc, Hrss__Request *req, const unsigned char *id, size_t id_len);
/* Applies the group of this round and answers its requests; lets go of the
 * request arena. */
void ingest_flush(service_t *svc);

#endif
