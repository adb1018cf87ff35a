/* POST /v1/events: validate every event, split the batch by owning service,
 * send each part as one request, and answer per event in the order given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_codec.h"
#include "gateway.h"
#include "hashtab.h"
#include "jsonw.h"
#include "hrss_limits.h"


/* The answer for one event. Strings are owned (copied from the codec's
 * error or the service's reply, which do not outlive the request); `status`
 * is one of the outcome names. */
typedef struct {
    char *id;                           /* NULL: the event had no string id */
    const char *status;
    char *code, *field, *message;       /* rejections and retries only */
} event_answer_t;

typedef struct {
    size_t n;
    event_answer_t *answers;            /* one per event, in order */
    Hrss__Event *events;                /* decoded events (valid ones) */
    size_t *positions[SERVICE_COUNT];   /* part -> original indices */
    size_t counts[SERVICE_COUNT];
    bool sending;                       /* parts still being sent */
} events_work_t;

static void
s_answer_clear(event_answer_t *a)
{
    free(a->code);
    free(a->field);
    free(a->message);
    a->code = a->field = a->message = NULL;
}

static void
s_work_free(void *p)
{
    events_work_t *w = p;
    for (size_t i = 0; w->events && i < w->n; i++)
        event_clear(&w->events[i]);
    free(w->events);
    for (int s = 0; s < SERVICE_COUNT; s++)
        free(w->positions[s]);
    for (size_t i = 0; w->answers && i < w->n; i++) {
        s_answer_clear(&w->answers[i]);
        free(w->answers[i].id);
    }
    free(w->answers);
    free(w);
}

/* Sets the answer of one event; an error's message defaults to its code. */
static void
s_answer(event_answer_t *a, const char *status, const char *code, const char *field,
         const char *message)
{
    s_answer_clear(a);
    a->status = status;
    if (code) {
        a->code = strdup(code);
        a->field = strdup(field ? field : "");
        a->message = strdup(message ? message : code);
    }
}

/* The type event i is counted under: "invalid" when it had none. */
static const char *
s_metric_type(const events_work_t *w, size_t i)
{
    return w->events[i].type ? w->events[i].type : "invalid";
}

/* {"results":[{"id":..,"status":..,"error":{"code":..,"field":..,"message":..}},..]},
 * written straight out: a tree of objects per event only to dump it would
 * cost more than the rest of the gateway's work on the event. */
static void
s_finish(http_req_t *req)
{
    events_work_t *w = req->work;
    if (w->sending || req->outstanding > 0)
        return;
    jsonw_t out;
    jsonw_init(&out, 64 + w->n * 64);
    jsonw_object_open(&out);
    jsonw_key(&out, "results");
    jsonw_array_open(&out);
    size_t run = 0;   /* events counted in the metrics: a run of one type and outcome at once */
    for (size_t i = 0; i < w->n; i++) {
        const event_answer_t *a = &w->answers[i];
        const char *type = s_metric_type(w, i);
        if (i + 1 == w->n || a->status != w->answers[i + 1].status ||
            strcmp(type, s_metric_type(w, i + 1)) != 0) {
            metrics_events(req->gw->metrics, type, a->status, i + 1 - run);
            run = i + 1;
        }
        jsonw_object_open(&out);
        jsonw_key(&out, "id");
        if (a->id)
            jsonw_string(&out, a->id);
        else
            jsonw_null(&out);
        jsonw_key(&out, "status");
        jsonw_string(&out, a->status);
        if (a->code) {
            jsonw_key(&out, "error");
            jsonw_object_open(&out);
            jsonw_key(&out, "code");
            jsonw_string(&out, a->code);
            jsonw_key(&out, "field");
            jsonw_string(&out, a->field ? a->field : "");
            jsonw_key(&out, "message");
            jsonw_string(&out, a->message ? a->message : a->code);
            jsonw_object_close(&out);
        }
        jsonw_object_close(&out);
    }
    jsonw_array_close(&out);
    jsonw_object_close(&out);
    http_respond_jsonw(req, 200, &out);
}

/* Why a token of `role` may not push `type`: the one type it may push
 * when there is one ("a province token may push X only"), else the type. */
static void
s_forbidden_message(role_t role, const event_type_t *type, char *out, size_t size)
{
    size_t n, pushable = 0;
    const event_type_t *all = event_type_all(&n), *only = NULL;
    for (size_t i = 0; i < n; i++)
        if (event_type_pushable_by(&all[i], role)) {
            pushable++;
            only = &all[i];
        }
    if (pushable == 1)
        snprintf(out, size, "a %s token may push %s only", role_name(role), only->type);
    else
        snprintf(out, size, "a %s token may not push %s", role_name(role), type->type);
}

static const char *const s_outcomes[] = {"accepted", "duplicate", "rejected", "retry"};

static void
s_on_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    events_work_t *w = req->work;
    const Hrss__EventResults *rs =
        reply && reply->body_case == HRSS__REPLY__BODY_RESULTS ? reply->results : NULL;
    bool complete = rs && rs->n_results == w->counts[part];
    for (size_t k = 0; k < w->counts[part]; k++) {
        event_answer_t *a = &w->answers[w->positions[part][k]];
        if (!complete) {
            s_answer(a, "retry", "unavailable", NULL,
                     "the owning service did not answer in time; resend the event");
        } else {
            const Hrss__EventResult *er = rs->results[k];
            s_answer(a, (unsigned) er->status < 4 ? s_outcomes[er->status] : "retry", er->code,
                     er->field, er->message);
        }
    }
    s_finish(req);
}

/* The ids of one request and the service each went to, indexed by the
 * tree's one hash table. */
typedef struct {
    const char *id;
    service_id_t owner;
} id_entry_t;

typedef struct {
    id_entry_t *entries;
    size_t n;
    hashtab_t index;
    const char *sought;
} id_set_t;

static bool
s_id_eq(const void *ctx, uint32_t index)
{
    const id_set_t *set = ctx;
    return strcmp(set->entries[index].id, set->sought) == 0;
}

/* Whether event `ev` (valid, going to `owner`) reuses the id of an earlier
 * event of the request that goes to another service. An id names one event
 * per token region across all services (docs/contract.md#results); across
 * requests the services' shared claims enforce it (common/txn.h), but the
 * parts of one request go to their services at once, so there the first
 * would win only by chance. Decided here, in order: the later one is the
 * conflict, whatever becomes of the earlier. The set has room for every
 * event of the request (hashtab_reserve). */
static bool
s_id_taken_elsewhere(id_set_t *set, const Hrss__Event *ev, service_id_t owner)
{
    set->sought = ev->id;
    hashtab_slot_t *slot = hashtab_find(&set->index, hash_str(HASH_INIT, ev->id), s_id_eq, set);
    uint32_t at = hashtab_at(&set->index, slot);
    if (at)
        return set->entries[at - 1].owner != owner;
    set->entries[set->n] = (id_entry_t){ev->id, owner};
    hashtab_put(&set->index, slot, (uint32_t) set->n++);
    return false;
}

void
events_post(gateway_t *gw, http_req_t *req)
{
    const jsonr_value_t *body = gateway_parse_body(req);
    if (!body)
        return;
    const jsonr_value_t *events = jsonr_get(body, "events");
    if (body->type != JSONR_OBJECT || body->size != 1 || !events || events->type != JSONR_ARRAY) {
        http_problem(req, 400, "invalid_envelope", "Malformed request",
                     "the body must be {\"events\": [ ... ]}", NULL);
        return;
    }
    size_t n = events->size;
    if (n < 1 || n > LIMIT_BATCH_EVENTS) {
        http_problem(req, 400, "invalid_envelope", "Wrong number of events",
                     "a request carries 1 to " LIMIT_STR(LIMIT_BATCH_EVENTS) " events", NULL);
        return;
    }
    events_work_t *w = gateway_work_new(req, sizeof *w, s_work_free);
    if (!w)
        return;
    w->n = n;
    w->answers = calloc(n, sizeof *w->answers);
    w->events = calloc(n, sizeof *w->events);
    for (int s = 0; s < SERVICE_COUNT; s++)
        w->positions[s] = calloc(n, sizeof(size_t));
    if (!w->answers || !w->events || !w->positions[SERVICE_COUNT - 1]) {
        http_problem(req, 500, "internal", "Out of memory", NULL, NULL);
        return;
    }

    id_set_t ids = {.entries = calloc(n, sizeof(id_entry_t))};
    hashtab_init(&ids.index);
    if (!ids.entries || hashtab_reserve(&ids.index, n, NULL, NULL)) {
        free(ids.entries);
        hashtab_free(&ids.index);
        http_problem(req, 500, "internal", "Out of memory", NULL, NULL);
        return;
    }
    size_t outside = 0;                     /* events refused as out of scope */
    char first_outside[REGION_LEN + 1] = "";
    size_t i = 0;
    JSONR_ARRAY_EACH(events, event) {
        const jsonr_value_t *id = jsonr_get(event, "id");
        event_answer_t *a = &w->answers[i];
        a->id = id && id->type == JSONR_STRING ? strdup(id->as.string) : NULL;
        codec_error_t err;
        const event_type_t *type;
        hrss__event__init(&w->events[i]);
        if (event_decode(event, req->who.region, gateway_regions(gw), gw->scratch,
                         &w->events[i], &type, &err)) {
            s_answer(a, "rejected", err.code, err.field, err.message);
            if (strcmp(err.code, "out_of_scope") == 0 && outside++ == 0)
                snprintf(first_outside, sizeof first_outside, "%.12s",
                         jsonr_get(event, "region")->as.string);
        } else if (!event_type_pushable_by(type, req->who.role)) {
            /* the roles that may push a type are in its catalog entry: a
             * province pushes suspicious records only */
            char message[160];
            s_forbidden_message(req->who.role, type, message, sizeof message);
            s_answer(a, "rejected", "forbidden_type", "type", message);
            event_clear(&w->events[i]);
        } else if (s_id_taken_elsewhere(&ids, &w->events[i], type->owner)) {
            s_answer(a, "rejected", "id_conflict", "id",
                     "an earlier event of this request has this id for another service");
            event_clear(&w->events[i]);
        } else {
            a->status = "retry";   /* until its part's answer (every part gets one) */
            w->positions[type->owner][w->counts[type->owner]++] = i;
        }
        i++;
    }
    free(ids.entries);
    hashtab_free(&ids.index);
    arena_reset(gw->scratch);   /* the events are packed: their data messages are done */
    if (outside)
        audit_record(gw, req, "out_of_scope", first_outside, 200,
                     outside == 1 ? "1 event outside the token's region"
                                  : "several events outside the token's region");

    w->sending = true;
    for (int s = 0; s < SERVICE_COUNT; s++) {
        if (!w->counts[s])
            continue;
        Hrss__Event **batch = calloc(w->counts[s], sizeof *batch);
        if (!batch) {
            s_on_reply(gw, req, s, NULL);
            continue;
        }
        for (size_t k = 0; k < w->counts[s]; k++)
            batch[k] = &w->events[w->positions[s][k]];
        Hrss__EventBatch eb = HRSS__EVENT_BATCH__INIT;
        eb.n_events = w->counts[s];
        eb.events = batch;
        Hrss__Request msg = HRSS__REQUEST__INIT;
        msg.body_case = HRSS__REQUEST__BODY_EVENTS;
        msg.events = &eb;
        upstream_call(gw, (service_id_t) s, &msg, 0, req, s, s_on_reply);
        free(batch);
    }
    w->sending = false;
    s_finish(req);
}
