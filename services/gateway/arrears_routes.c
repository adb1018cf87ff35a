/* Arrears' reads: GET /v1/arrears/deadlines (the open clues, arbitrations
 * and injury applications under a region with their legal due dates) and
 * GET /v1/arrears/blacklist (employers listed now). Scoped like every read:
 * a region outside the token's is 403. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "jsonw.h"
#include "timeutil.h"

#define ARREARS_TIMEOUT_MS 5000
#define WITHIN_MAX 3650          /* days: ten years covers every legal limit */

static void
s_bad_param(http_req_t *req, const char *field, const char *code, const char *message)
{
    http_problem(req, 400, "validation", "Invalid parameter", message,
                 json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code, "message",
                           message));
}

static void
s_failure(http_req_t *req, const Hrss__Reply *reply)
{
    const Hrss__Failure *f =
        reply && reply->body_case == HRSS__REPLY__BODY_FAILURE ? reply->failure : NULL;
    if (f && !f->retryable)
        http_problem(req, 400, f->code, "Invalid query", f->message, NULL);
    else
        http_problem(req, 503, "unavailable", "Arrears unavailable",
                     !reply ? "the arrears service did not answer in time"
                     : f && f->message ? f->message
                                       : "unexpected reply",
                     NULL);
}

static void
s_key_string(jsonw_t *out, const char *key, const char *value)
{
    if (!value)
        return;
    jsonw_key(out, key);
    jsonw_string(out, value);
}

/* ---- deadlines --------------------------------------------------------------- */

static void
s_deadlines_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    (void) part;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_DEADLINES) {
        s_failure(req, reply);
        return;
    }
    const Hrss__DeadlinesReply *r = reply->deadlines;
    int *within = req->work;
    jsonw_t out;
    jsonw_init(&out, 128 + r->n_items * 160);
    jsonw_object_open(&out);
    s_key_string(&out, "region", r->region);
    s_key_string(&out, "as_of", r->as_of);
    if (*within >= 0) {
        jsonw_key(&out, "within");
        jsonw_int(&out, *within);
    }
    jsonw_key(&out, "items");
    jsonw_array_open(&out);
    for (size_t i = 0; i < r->n_items; i++) {
        const Hrss__Deadline *d = r->items[i];
        jsonw_object_open(&out);
        s_key_string(&out, "kind", d->kind);
        s_key_string(&out, "id", d->id);
        s_key_string(&out, "region", d->region);
        s_key_string(&out, "since", d->since);
        s_key_string(&out, "due_on", d->due_on);
        jsonw_key(&out, "days_left");
        jsonw_int(&out, d->days_left);
        s_key_string(&out, "employer_name", d->employer_name);
        jsonw_object_close(&out);
    }
    jsonw_array_close(&out);
    jsonw_object_close(&out);
    http_respond_jsonw(req, 200, &out);
}

void
arrears_deadlines(gateway_t *gw, http_req_t *req)
{
    int *within = gateway_work_new(req, sizeof *within, free);
    if (!within)
        return;
    *within = -1;
    char region[REGION_LEN + 1], as_of[11];
    if (reads_region_param(gw, req, http_arg(req, "region"), region))
        return;
    const char *a = http_arg(req, "as_of");
    int64_t days;
    if (!a) {
        format_date(cst_days_of_instant(now_us()), as_of);   /* today in CST */
    } else if (date_parse(a, strlen(a), &days)) {
        s_bad_param(req, "as_of", "invalid_date", "as_of must be a date YYYY-MM-DD");
        return;
    } else {
        format_date(days, as_of);
    }
    const char *w = http_arg(req, "within");
    if (w) {
        char *end = NULL;
        long v = strtol(w, &end, 10);
        if (!*w || *end || v < 0 || v > WITHIN_MAX) {
            s_bad_param(req, "within", "invalid_within", "within must be days from 0 to 3650");
            return;
        }
        *within = (int) v;
    }
    Hrss__DeadlinesQuery q = HRSS__DEADLINES_QUERY__INIT;
    q.region = region;
    q.as_of = as_of;
    q.has_within = *within >= 0;
    q.within = *within;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_DEADLINES;
    msg.deadlines = &q;
    upstream_call(gw, SERVICE_ARREARS, &msg, ARREARS_TIMEOUT_MS, req, 0, s_deadlines_reply);
}

/* ---- blacklist ------------------------------------------------------------------ */

static void
s_blacklist_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    (void) part;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_BLACKLIST) {
        s_failure(req, reply);
        return;
    }
    const Hrss__BlacklistReply *r = reply->blacklist;
    jsonw_t out;
    jsonw_init(&out, 128 + r->n_entries * 256);
    jsonw_object_open(&out);
    s_key_string(&out, "region", r->region);
    jsonw_key(&out, "employers");
    jsonw_array_open(&out);
    for (size_t i = 0; i < r->n_entries; i++) {
        const Hrss__BlacklistEntry *e = r->entries[i];
        jsonw_object_open(&out);
        s_key_string(&out, "credit_code", e->credit_code);
        s_key_string(&out, "name", e->name);
        s_key_string(&out, "reason", e->reason);
        s_key_string(&out, "region", e->region);
        s_key_string(&out, "listed_on", e->listed_on);
        s_key_string(&out, "expires_on", e->expires_on);
        jsonw_object_close(&out);
    }
    jsonw_array_close(&out);
    jsonw_object_close(&out);
    http_respond_jsonw(req, 200, &out);
}

void
arrears_blacklist(gateway_t *gw, http_req_t *req)
{
    char region[REGION_LEN + 1];
    if (reads_region_param(gw, req, http_arg(req, "region"), region))
        return;
    Hrss__BlacklistQuery q = HRSS__BLACKLIST_QUERY__INIT;
    q.region = region;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_BLACKLIST;
    msg.blacklist = &q;
    upstream_call(gw, SERVICE_ARREARS, &msg, ARREARS_TIMEOUT_MS, req, 0, s_blacklist_reply);
}
