/* Read routes and commands answered by asking services: the person view,
 * indicators, targets, the province feed, and readiness. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "event_codec.h"
#include "gateway.h"
#include "jsonw.h"
#include "hrss_limits.h"
#include "indicators.h"
#include "timeutil.h"
#include "validate.h"

#define PERSON_TIMEOUT_MS 2000
#define READY_TIMEOUT_MS 1000

/* Services with an outbox the province feed merges, in cursor order. */
static const service_id_t s_feed_sources[] = {SERVICE_EMPLOYMENT, SERVICE_INSURANCE,
                                              SERVICE_ARREARS};
#define FEED_SOURCES 3

static json_t *
s_field_error(const char *field, const char *code, const char *message)
{
    return json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code, "message", message);
}

static void
s_bad_param(http_req_t *req, const char *field, const char *code, const char *message)
{
    http_problem(req, 400, "validation", "Invalid parameter", message,
                 s_field_error(field, code, message));
}

static void
s_work_free_json(void *p)
{
    json_decref(p);
}

/* ---- person view ------------------------------------------------------------ */

typedef struct {
    char id_number[ID_NUMBER_LEN + 1];
    json_t *parts[SERVICE_COUNT];
    json_t *missing;
    bool known;                 /* some service knows the person */
    bool shown;                 /* some part of it lies in the token's region */
    bool sending;
} person_work_t;

static void
s_person_free(void *p)
{
    person_work_t *w = p;
    for (int s = 0; s < SERVICE_COUNT; s++)
        json_decref(w->parts[s]);
    json_decref(w->missing);
    free(w);
}

static void
s_person_finish(http_req_t *req)
{
    person_work_t *w = req->work;
    if (w->sending || req->outstanding > 0)
        return;
    if (!w->known) {
        if (json_array_size(w->missing) == 3)
            http_problem(req, 503, "unavailable", "Services unavailable",
                         "no service answered in time", NULL);
        else
            http_problem(req, 404, "unknown_person", "Unknown person",
                         "no service knows this id number", NULL);
        return;
    }
    if (!w->shown) {
        http_problem(req, 403, "out_of_scope", "Out of scope",
                     "the person is recorded outside the token's region", NULL);
        return;
    }
    char shown[ID_NUMBER_LEN + 1];
    if (role_sees_full_ids(req->who.role))
        memcpy(shown, w->id_number, sizeof shown);
    else
        id_number_mask(w->id_number, shown);
    json_t *out = json_pack("{s:s, s:O}", "id_number", shown, "missing", w->missing);
    for (int s = 0; s < SERVICE_COUNT; s++)
        if (w->parts[s])
            json_object_set(out, service_name((service_id_t) s), w->parts[s]);
    http_respond_json(req, 200, out);
}

/* Whether the token may see a part recorded in `region`; a part refused
 * leaves the region it lies in for the audit row of a 403. */
static bool
s_part_visible(http_req_t *req, const char *region)
{
    if (!region)
        return false;   /* a part without a region is shown to nobody */
    if (auth_in_scope(&req->who, region))
        return true;
    if (!req->audit_region[0])
        snprintf(req->audit_region, sizeof req->audit_region, "%s", region);
    return false;
}

/* A shallow copy of `msg`, carved from `a`, cut down to what the token may
 * see: every message field (repeated or not) whose messages carry a
 * `region` keeps only those the token's region contains, and what is kept
 * is cut the same way in turn (a labor record's trainings, say). A message
 * without a region of its own goes with its parent. Generic over the
 * descriptors, so that a part a service adds to its answer is scoped
 * without a change here: a part with a region is shown by its region, and
 * where a person was mentioned never widens it. Sets *shown when any
 * message field keeps something. NULL when out of memory. */
static ProtobufCMessage *
s_scope_copy(http_req_t *req, const ProtobufCMessage *msg, arena_t *a, bool *shown)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    ProtobufCMessage *copy = arena_alloc(a, d->sizeof_message);
    if (!copy)
        return NULL;
    memcpy(copy, msg, d->sizeof_message);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const ProtobufCFieldDescriptor *rf =
            protobuf_c_message_descriptor_get_field_by_name(f->descriptor, "region");
        bool by_region = rf && rf->type == PROTOBUF_C_TYPE_STRING;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t *n = (size_t *) ((char *) copy + f->quantifier_offset);
            ProtobufCMessage ***items = (ProtobufCMessage ***) ((char *) copy + f->offset);
            ProtobufCMessage **kept = arena_alloc(a, (*n + 1) * sizeof *kept);
            if (!kept)
                return NULL;
            size_t k = 0;
            for (size_t j = 0; j < *n; j++) {
                ProtobufCMessage *item = (*items)[j];
                if (by_region && !s_part_visible(req, *(char **) ((char *) item + rf->offset)))
                    continue;
                bool inner = false;
                if (!(kept[k++] = s_scope_copy(req, item, a, &inner)))
                    return NULL;
            }
            *n = k;
            *items = kept;
            *shown = *shown || k > 0;
        } else {
            ProtobufCMessage **item = (ProtobufCMessage **) ((char *) copy + f->offset);
            if (!*item)
                continue;
            if (by_region && !s_part_visible(req, *(char **) ((char *) *item + rf->offset))) {
                *item = NULL;
                continue;
            }
            bool inner = false;
            if (!(*item = s_scope_copy(req, *item, a, &inner)))
                return NULL;
            *shown = true;
        }
    }
    return copy;
}

/* The part a service answered, cut down to what the token may see
 * (s_scope_copy): the labor record, each enrollment, benefit, payment,
 * recovery and certification by its own region; open recoveries summed
 * over the regions in scope; the death by the region it was reported in.
 * Returns the JSON of what is left (its `known`: whether anything is), or
 * NULL. */
static json_t *
s_person_part_json(http_req_t *req, const Hrss__PersonPart *p, bool *any)
{
    arena_t *a = arena_new();
    json_t *out = NULL;
    bool shown = false;
    Hrss__PersonPart *cut = a ? (Hrss__PersonPart *) s_scope_copy(req, &p->base, a, &shown) : NULL;
    if (!cut)
        goto out;
    cut->has_recoveries_open_fen = 0;
    cut->recoveries_open_fen = 0;
    for (size_t i = 0; i < cut->n_recoveries_open; i++)
        cut->recoveries_open_fen += cut->recoveries_open[i]->amount_fen;
    if (p->death_region) {
        if (!s_part_visible(req, p->death_region))
            cut->died_on = cut->death_region = NULL;
    } else if (!cut->labor) {
        /* a date of death a service learned from another's feed, without
         * its region: shown with the labor record it belongs to only */
        cut->died_on = NULL;
    }
    cut->known = shown || cut->died_on;
    if (cut->known) {
        cut->has_recoveries_open_fen = p->has_recoveries_open_fen;
        *any = true;
    }
    unsigned flags = role_sees_full_ids(req->who.role) ? 0 : CODEC_MASK_IDS;
    out = proto_to_json(&cut->base, flags);
    if (out)
        json_object_del(out, "recoveries_open");   /* summed into recoveries_open_fen */
out:
    arena_destroy(&a);
    return out;
}

static void
s_person_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    person_work_t *w = req->work;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_PERSON) {
        json_array_append_new(w->missing, json_string(service_name((service_id_t) part)));
    } else {
        const Hrss__PersonPart *p = reply->person;
        w->known = w->known || p->known || p->died_on;
        w->parts[part] = s_person_part_json(req, p, &w->shown);
    }
    s_person_finish(req);
}

void
reads_person(gateway_t *gw, http_req_t *req, const char *id_number)
{
    person_work_t *w = gateway_work_new(req, sizeof *w, s_person_free);
    const char *code;
    if (!w)
        return;
    if (id_number_normalize(id_number, strlen(id_number), w->id_number, &code)) {
        s_bad_param(req, "id_number", code, "not a valid resident id number (GB 11643)");
        return;
    }
    w->missing = json_array();
    static const service_id_t asked[] = {SERVICE_EMPLOYMENT, SERVICE_INSURANCE, SERVICE_ARREARS};
    w->sending = true;
    for (size_t i = 0; i < sizeof asked / sizeof *asked; i++) {
        Hrss__PersonQuery q = HRSS__PERSON_QUERY__INIT;
        q.id_number = w->id_number;
        Hrss__Request msg = HRSS__REQUEST__INIT;
        msg.body_case = HRSS__REQUEST__BODY_PERSON;
        msg.person = &q;
        upstream_call(gw, asked[i], &msg, PERSON_TIMEOUT_MS, req, (int) asked[i], s_person_reply);
    }
    w->sending = false;
    s_person_finish(req);
}

/* ---- indicators ----------------------------------------------------------------- */

#define ANSWER_KEY_MAX 256

typedef struct {
    const char *view;            /* NULL, "breakdown" or "series" */
    const indicator_t *indicator;
    int year;
    /* the packed query: the key of the answer in gw->answers, whose
     * generation at the time of asking the answer is kept at */
    uint8_t key[ANSWER_KEY_MAX];
    size_t key_len;              /* 0: not kept */
    uint64_t generation;
} indicators_work_t;

static void
s_add_target(jsonw_t *out, const Hrss__IndicatorValue *v)
{
    if (!v->has_target)
        return;
    jsonw_key(out, "target");
    jsonw_int(out, v->target);
    if (v->target > 0) {
        /* a fraction; four decimals are enough for 117.75% */
        jsonw_key(out, "completion");
        jsonw_decimal(out, (v->value * 10000 + v->target / 2) / v->target, 4);
    }
}

static void
s_failure_problem(http_req_t *req, const Hrss__Reply *reply)
{
    if (!reply) {
        http_problem(req, 503, "unavailable", "Reporting unavailable",
                     "the reporting service did not answer in time", NULL);
        return;
    }
    const Hrss__Failure *f = reply->body_case == HRSS__REPLY__BODY_FAILURE ? reply->failure : NULL;
    if (f && !f->retryable)
        http_problem(req, 400, f->code, "Invalid query", f->message, NULL);
    else
        http_problem(req, 503, "unavailable", "Reporting unavailable",
                     f && f->message ? f->message : "unexpected reply", NULL);
}

static void
s_indicators_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) part;
    indicators_work_t *w = req->work;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_INDICATORS) {
        s_failure_problem(req, reply);
        return;
    }
    const Hrss__IndicatorReply *r = reply->indicators;
    bool series = w->view && strcmp(w->view, "series") == 0;
    jsonw_t out;
    jsonw_init(&out, 256 + r->n_values * 128);
    jsonw_object_open(&out);
    jsonw_key(&out, "region");
    jsonw_string(&out, r->region);
    if (w->view) {
        jsonw_key(&out, "code");
        jsonw_string(&out, w->indicator->code);
        jsonw_key(&out, "name");
        jsonw_string(&out, w->indicator->name);
        jsonw_key(&out, "unit");
        jsonw_string(&out, w->indicator->unit);
    }
    if (series) {
        jsonw_key(&out, "year");
        jsonw_int(&out, w->year);
    } else {
        jsonw_key(&out, "period");
        jsonw_string(&out, r->period);
    }
    jsonw_key(&out, w->view ? w->view : "indicators");
    jsonw_array_open(&out);
    for (size_t i = 0; i < r->n_values; i++) {
        const Hrss__IndicatorValue *v = r->values[i];
        jsonw_object_open(&out);
        if (series) {
            jsonw_key(&out, "period");
            jsonw_string(&out, v->period ? v->period : "");
        } else if (w->view) {
            const char *name = v->region ? region_name(gateway_regions(gw), v->region) : NULL;
            jsonw_key(&out, "region");
            jsonw_string(&out, v->region ? v->region : "");
            if (name) {
                jsonw_key(&out, "name");
                jsonw_string(&out, name);
            }
        } else {
            const indicator_t *ind = indicator_find(v->code);
            jsonw_key(&out, "code");
            jsonw_string(&out, v->code);
            jsonw_key(&out, "name");
            jsonw_string(&out, ind ? ind->name : v->code);
            jsonw_key(&out, "unit");
            jsonw_string(&out, ind ? ind->unit : "");
        }
        jsonw_key(&out, "value");
        jsonw_int(&out, v->value);
        if (!series)
            s_add_target(&out, v);
        jsonw_object_close(&out);
    }
    jsonw_array_close(&out);
    jsonw_object_close(&out);
    size_t len;
    char *text = jsonw_finish(&out, &len);
    if (!text) {
        http_problem(req, 500, "internal", "Out of memory", NULL, NULL);
        return;
    }
    if (w->key_len)
        answer_cache_put(gw->answers, w->key, w->key_len, w->generation, (const uint8_t *) text,
                         len);
    http_respond(req, 200, "application/json", text, len);
}

/* region parameter: short forms accepted, default the token's region. */
static int
s_region_param(gateway_t *gw, http_req_t *req, const char *value, char out[REGION_LEN + 1])
{
    const char *code;
    if (!value) {
        memcpy(out, req->who.region, REGION_LEN + 1);
        return 0;
    }
    if (strcmp(value, "000000000000") == 0 && req->who.role == ROLE_ADMIN) {
        memcpy(out, value, REGION_LEN + 1);
        return 0;
    }
    if (region_normalize(gateway_regions(gw), value, out, &code)) {
        s_bad_param(req, "region", code, "region must be a known division code");
        return -1;
    }
    if (!auth_in_scope(&req->who, out)) {
        memcpy(req->audit_region, out, sizeof req->audit_region);
        http_problem(req, 403, "out_of_scope", "Out of scope",
                     "the region lies outside the token's region", NULL);
        return -1;
    }
    return 0;
}

void
reads_indicators(gateway_t *gw, http_req_t *req, const char *code, const char *view)
{
    indicators_work_t *w = gateway_work_new(req, sizeof *w, free);
    if (!w)
        return;
    w->view = view;
    char region[REGION_LEN + 1], period_text[8];
    if (s_region_param(gw, req, http_arg(req, "region"), region))
        return;
    if (code && !(w->indicator = indicator_find(code))) {
        http_problem(req, 404, "unknown_indicator", "Unknown indicator",
                     "no indicator of the catalog has this code", NULL);
        return;
    }
    int period;
    if (view && strcmp(view, "series") == 0) {
        uint64_t year;
        if (http_digits(http_arg(req, "year"), 4, LIMIT_YEAR_MAX, &year) || year < LIMIT_YEAR_MIN) {
            s_bad_param(req, "year", "invalid_year", "year must be a year YYYY");
            return;
        }
        w->year = (int) year;
        period = (int) year * 100 + 12;
    } else {
        const char *p = http_arg(req, "period");
        if (!p) {
            period = period_of_instant(now_us());
        } else if (period_parse(p, strlen(p), &period)) {
            s_bad_param(req, "period", "invalid_period", "period must be a month YYYY-MM");
            return;
        }
    }
    Hrss__IndicatorQuery q = HRSS__INDICATOR_QUERY__INIT;
    char *codes[1] = {(char *) code};
    q.region = region;
    q.period = format_period(period, period_text);
    if (code) {
        q.n_codes = 1;
        q.codes = codes;
    }
    if (view) {
        bool series = strcmp(view, "series") == 0;
        q.has_series = series;
        q.series = series;
        q.has_breakdown = !series;
        q.breakdown = !series;
    }
    /* The same question since reporting last changed (its nudge) and within
     * the second: the answer it gave then. Who may ask was checked above. */
    size_t key_len = hrss__indicator_query__get_packed_size(&q);
    if (key_len <= sizeof w->key) {
        hrss__indicator_query__pack(&q, w->key);
        w->key_len = key_len;
        w->generation = gw->answers_generation;
        size_t len;
        const uint8_t *answer =
            answer_cache_get(gw->answers, w->key, w->key_len, w->generation, &len);
        char *copy = answer ? malloc(len + 1) : NULL;
        metrics_answer(gw->metrics, copy != NULL);
        if (copy) {
            memcpy(copy, answer, len);
            copy[len] = '\0';
            http_respond(req, 200, "application/json", copy, len);
            return;
        }
    }
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_INDICATORS;
    msg.indicators = &q;
    upstream_call(gw, SERVICE_REPORTING, &msg, 0, req, 0, s_indicators_reply);
}

/* ---- targets ------------------------------------------------------------------ */

static void
s_targets_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) part;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_TARGETS) {
        s_failure_problem(req, reply);
        return;
    }
    upstream_answers_changed(gw);   /* targets are part of the answers */
    json_t *w = req->work;
    json_object_set_new(w, "stored", json_integer(reply->targets->stored));
    char detail[64];
    snprintf(detail, sizeof detail, "%u targets for %d", reply->targets->stored,
             (int) json_integer_value(json_object_get(w, "year")));
    audit_record(gw, req, "targets_put", json_string_value(json_object_get(w, "region")), 200,
                 detail);
    http_respond_json(req, 200, json_incref(w));
}

void
reads_targets_put(gateway_t *gw, http_req_t *req, const char *year_text, const char *region_text)
{
    uint64_t year;
    if (http_digits(year_text, 4, LIMIT_YEAR_MAX, &year) || year < LIMIT_TARGET_YEAR_MIN) {
        s_bad_param(req, "year", "invalid_year", "year must be a year YYYY");
        return;
    }
    char region[REGION_LEN + 1];
    if (s_region_param(gw, req, region_text, region))
        return;
    const jsonr_value_t *body = gateway_parse_body(req);
    if (!body)
        return;
    if (body->type != JSONR_OBJECT || body->size == 0 || body->size > 500) {
        http_problem(req, 400, "invalid_body", "Invalid targets",
                     "the body must be an object of 1 to 500 {\"<indicator code>\": <number>}",
                     NULL);
        return;
    }
    size_t n = body->size;
    Hrss__IndicatorValue *values = calloc(n, sizeof *values);
    Hrss__IndicatorValue **ptrs = calloc(n, sizeof *ptrs);
    json_t *errors = json_array();
    size_t k = 0;
    JSONR_OBJECT_EACH(body, member) {
        const char *key = member->as.string;
        const jsonr_value_t *value = member + 1;
        const indicator_t *ind = indicator_find(key);
        if (!ind) {
            json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", key, "code",
                                                    "unknown_indicator", "message",
                                                    "no indicator of the catalog has this code"));
            continue;
        }
        if (value->type != JSONR_INTEGER || value->as.integer < 0 ||
            value->as.integer > 1000000000000000LL) {
            json_array_append_new(errors,
                                  json_pack("{s:s, s:s, s:s}", "field", key, "code",
                                            "invalid_value", "message",
                                            "a target is a whole number from 0 to 10^15"));
            continue;
        }
        if (values && ptrs) {
            hrss__indicator_value__init(&values[k]);
            values[k].code = (char *) ind->code;
            values[k].value = value->as.integer;
            ptrs[k] = &values[k];
            k++;
        }
    }
    if (json_array_size(errors) || !values || !ptrs) {
        http_problem(req, 400, "validation", "Invalid targets", "some targets are not valid",
                     errors);
    } else {
        json_decref(errors);
        req->work = json_pack("{s:i, s:s}", "year", (int) year, "region", region);
        req->work_free = s_work_free_json;
        Hrss__TargetsPut t = HRSS__TARGETS_PUT__INIT;
        t.year = (int) year;
        t.region = region;
        t.n_targets = k;
        t.targets = ptrs;
        Hrss__Request msg = HRSS__REQUEST__INIT;
        msg.body_case = HRSS__REQUEST__BODY_TARGETS;
        msg.targets = &t;
        upstream_call(gw, SERVICE_REPORTING, &msg, 0, req, 0, s_targets_reply);
    }
    free(values);
    free(ptrs);
}

/* ---- province feed --------------------------------------------------------------- */

typedef struct {
    uint64_t after[FEED_SOURCES];
    uint32_t limit;
    Hrss__Event **events[FEED_SOURCES];   /* each source's page */
    size_t n[FEED_SOURCES];
    uint64_t head[FEED_SOURCES];          /* each source's last seq */
    bool failed;
    bool sending;
    Hrss__Reply *pages[FEED_SOURCES];     /* owned replies, freed once merged */
} feed_work_t;

static void
s_feed_drop_page(feed_work_t *w, int i)
{
    if (w->pages[i])
        protobuf_c_message_free_unpacked(&w->pages[i]->base, NULL);
    w->pages[i] = NULL;
    w->events[i] = NULL;
    w->n[i] = 0;
}

static void
s_feed_free(void *p)
{
    feed_work_t *w = p;
    for (int i = 0; i < FEED_SOURCES; i++)
        s_feed_drop_page(w, i);
    free(w);
}

static int
s_parse_cursor(const char *s, uint64_t after[FEED_SOURCES])
{
    /* "<employment>.<insurance>.<arrears>" — opaque to clients */
    const char *p = s;
    for (int i = 0; i < FEED_SOURCES; i++) {
        /* digits only, and within PostgreSQL's bigint: a cursor no service
         * can read is the client's mistake, not a reason to retry */
        char digits[21];
        size_t n = strspn(p, "0123456789");
        if (n == 0 || n >= sizeof digits)
            return -1;
        memcpy(digits, p, n);
        digits[n] = '\0';
        if (http_digits(digits, 19, INT64_MAX, &after[i]))
            return -1;
        p += n;
        if (i < FEED_SOURCES - 1) {
            if (*p != '.')
                return -1;
            p++;
        }
    }
    return *p ? -1 : 0;
}

static void
s_feed_finish(gateway_t *gw, http_req_t *req)
{
    (void) gw;
    feed_work_t *w = req->work;
    if (w->sending || req->outstanding > 0)
        return;
    if (w->failed) {
        http_problem(req, 503, "unavailable", "Feed unavailable",
                     "a service did not answer in time; retry with the same cursor", NULL);
        return;
    }
    /* Merge by commit time, keeping each source's own order, up to limit;
     * the JSON goes straight into one buffer (a jansson tree of a 10 000
     * event page costs more than all the rest). */
    size_t at[FEED_SOURCES] = {0};
    uint64_t next[FEED_SOURCES];
    memcpy(next, w->after, sizeof next);
    jsonw_t out;
    jsonw_init(&out, 64 * 1024);
    jsonw_object_open(&out);
    jsonw_key(&out, "events");
    jsonw_array_open(&out);
    uint32_t taken = 0;
    bool more = false;
    while (taken < w->limit) {
        int best = -1;
        for (int i = 0; i < FEED_SOURCES; i++)
            if (at[i] < w->n[i] &&
                (best < 0 || w->events[i][at[i]]->recorded_at_us <
                                 w->events[best][at[best]]->recorded_at_us))
                best = i;
        if (best < 0)
            break;
        const Hrss__Event *ev = w->events[best][at[best]++];
        next[best] = ev->seq;
        taken++;
        /* a province token reads the events of its own region only */
        if (auth_in_scope(&req->who, ev->region))
            event_write_json(&out, ev, 0);   /* an undecodable event is left out */
        if (at[best] == w->n[best])   /* this page is merged: give its memory back now */
            s_feed_drop_page(w, best);
    }
    for (int i = 0; i < FEED_SOURCES; i++)
        more = more || at[i] < w->n[i] || w->head[i] > next[i];
    char cursor[80];
    snprintf(cursor, sizeof cursor, "%" PRIu64 ".%" PRIu64 ".%" PRIu64, next[0], next[1],
             next[2]);
    jsonw_array_close(&out);
    jsonw_key(&out, "next");
    jsonw_string(&out, cursor);
    jsonw_key(&out, "more");
    jsonw_bool(&out, more);
    jsonw_object_close(&out);
    http_respond_jsonw(req, 200, &out);
}

static void
s_feed_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    feed_work_t *w = req->work;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_FEED) {
        w->failed = true;
    } else {
        /* keep the page until every source has answered */
        w->pages[part] = upstream_keep(gw);
        w->events[part] = w->pages[part]->feed->events;
        w->n[part] = w->pages[part]->feed->n_events;
        w->head[part] = w->pages[part]->feed->head;
    }
    s_feed_finish(gw, req);
}

void
reads_feed(gateway_t *gw, http_req_t *req)
{
    feed_work_t *w = gateway_work_new(req, sizeof *w, s_feed_free);
    if (!w)
        return;
    const char *after = http_arg(req, "after");
    if (after && *after && s_parse_cursor(after, w->after)) {
        s_bad_param(req, "after", "invalid_cursor", "after must be a cursor returned as next");
        return;
    }
    const char *limit = http_arg(req, "limit");
    w->limit = LIMIT_FEED_DEFAULT;
    if (limit) {
        uint64_t v;
        if (http_digits(limit, 5, LIMIT_FEED_MAX, &v) || v < 1) {
            s_bad_param(req, "limit", "invalid_limit",
                        "limit must be from 1 to " LIMIT_STR(LIMIT_FEED_MAX));
            return;
        }
        w->limit = (uint32_t) v;
    }
    w->sending = true;
    for (int i = 0; i < FEED_SOURCES; i++) {
        Hrss__FeedRequest f = HRSS__FEED_REQUEST__INIT;
        f.after = w->after[i];
        f.limit = w->limit;
        Hrss__Request msg = HRSS__REQUEST__INIT;
        msg.body_case = HRSS__REQUEST__BODY_FEED;
        msg.feed = &f;
        upstream_call(gw, s_feed_sources[i], &msg, 0, req, i, s_feed_reply);
    }
    w->sending = false;
    s_feed_finish(gw, req);
}

/* Pings every service; `cb` gets each answer with the service as `part`. */
static void
s_ping_all(gateway_t *gw, http_req_t *req, upstream_cb *cb)
{
    for (int s = 0; s < SERVICE_COUNT; s++) {
        Hrss__Ping ping = HRSS__PING__INIT;
        Hrss__Request msg = HRSS__REQUEST__INIT;
        msg.body_case = HRSS__REQUEST__BODY_PING;
        msg.ping = &ping;
        upstream_call(gw, (service_id_t) s, &msg, READY_TIMEOUT_MS, req, s, cb);
    }
}

/* ---- readiness -------------------------------------------------------------------- */

typedef struct {
    json_t *services;
    bool all_ready;
    bool sending;
} ready_work_t;

static void
s_ready_free(void *p)
{
    ready_work_t *w = p;
    json_decref(w->services);
    free(w);
}

static void
s_ready_finish(http_req_t *req)
{
    ready_work_t *w = req->work;
    if (w->sending || req->outstanding > 0)
        return;
    json_t *out = json_pack("{s:s, s:O}", "status", w->all_ready ? "ready" : "not_ready",
                            "services", w->services);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    http_respond(req, w->all_ready ? 200 : 503, "application/json", text, text ? strlen(text) : 0);
}

static void
s_ready_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    ready_work_t *w = req->work;
    bool ready = reply && reply->body_case == HRSS__REPLY__BODY_PONG && reply->pong->ready;
    const char *detail = !reply                                       ? "no answer"
                         : reply->body_case != HRSS__REPLY__BODY_PONG ? "unexpected reply"
                         : reply->pong->detail                        ? reply->pong->detail
                                                                      : "ready";
    json_object_set_new(w->services, service_name((service_id_t) part),
                        json_pack("{s:b, s:s}", "ready", ready, "detail", detail));
    w->all_ready = w->all_ready && ready;
    s_ready_finish(req);
}

void
reads_ready(gateway_t *gw, http_req_t *req)
{
    ready_work_t *w = gateway_work_new(req, sizeof *w, s_ready_free);
    if (!w)
        return;
    w->services = json_object();
    w->all_ready = true;
    bool db_ok = gw->migrated && db_ensure(gateway_db(gw)) == 0;
    json_object_set_new(w->services, "gateway",
                        json_pack("{s:b, s:s}", "ready", db_ok, "detail",
                                  db_ok ? "ready" : "database unavailable"));
    w->all_ready = db_ok;
    w->sending = true;
    s_ping_all(gw, req, s_ready_reply);
    w->sending = false;
    s_ready_finish(req);
}

/* ---- ping: the cost of one hop --------------------------------------------------- */

typedef struct {
    service_id_t service;
    int64_t sent_us;
} ping_work_t;

static void
s_ping_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    (void) part;
    ping_work_t *w = req->work;
    int64_t rtt_us = monotonic_us() - w->sent_us;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_PONG) {
        http_problem(req, 503, "unavailable", "Service unavailable",
                     reply ? "unexpected reply" : "the service did not answer in time", NULL);
        return;
    }
    http_respond_json(req, 200,
                      json_pack("{s:s, s:b, s:I}", "service", service_name(w->service), "ready",
                                reply->pong->ready, "rtt_us", (json_int_t) rtt_us));
}

void
reads_ping(gateway_t *gw, http_req_t *req)
{
    const char *name = http_arg(req, "service");
    int service = -1;
    for (int s = 0; name && s < SERVICE_COUNT; s++)
        if (strcmp(name, service_name((service_id_t) s)) == 0)
            service = s;
    if (service < 0) {
        s_bad_param(req, "service", "unknown_service",
                    "service must be employment, insurance, arrears or reporting");
        return;
    }
    ping_work_t *w = gateway_work_new(req, sizeof *w, free);
    if (!w)
        return;
    w->service = (service_id_t) service;
    Hrss__Ping ping = HRSS__PING__INIT;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_PING;
    msg.ping = &ping;
    w->sent_us = monotonic_us();
    upstream_call(gw, w->service, &msg, READY_TIMEOUT_MS, req, 0, s_ping_reply);
}

/* ---- metrics ------------------------------------------------------------------------ */

typedef struct {
    Hrss__Reply *pongs[SERVICE_COUNT];   /* owned */
    bool sending;
} metrics_work_t;

static void
s_metrics_free(void *p)
{
    metrics_work_t *w = p;
    for (int s = 0; s < SERVICE_COUNT; s++)
        if (w->pongs[s])
            protobuf_c_message_free_unpacked(&w->pongs[s]->base, NULL);
    free(w);
}

static void
s_metrics_finish(gateway_t *gw, http_req_t *req)
{
    metrics_work_t *w = req->work;
    if (w->sending || req->outstanding > 0)
        return;
    const Hrss__Pong *pongs[SERVICE_COUNT];
    for (int s = 0; s < SERVICE_COUNT; s++)
        pongs[s] = w->pongs[s] ? w->pongs[s]->pong : NULL;
    size_t len;
    char *text = metrics_render(gw->metrics, pongs, &len);
    http_respond(req, text ? 200 : 500, "text/plain; version=0.0.4; charset=utf-8", text,
                 text ? len : 0);
}

static void
s_metrics_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    metrics_work_t *w = req->work;
    if (reply && reply->body_case == HRSS__REPLY__BODY_PONG)
        w->pongs[part] = upstream_keep(gw);
    s_metrics_finish(gw, req);
}

void
reads_metrics(gateway_t *gw, http_req_t *req)
{
    metrics_work_t *w = gateway_work_new(req, sizeof *w, s_metrics_free);
    if (!w)
        return;
    w->sending = true;
    s_ping_all(gw, req, s_metrics_reply);
    w->sending = false;
    s_metrics_finish(gw, req);
}

int
reads_region_param(gateway_t *gw, http_req_t *req, const char *value, char out[REGION_LEN + 1])
{
    return s_region_param(gw, req, value, out);
}
