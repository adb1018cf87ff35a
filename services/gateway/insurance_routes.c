/* The insurance commands and fund reads (docs/contract.md#commands):
 *
 *   POST /v1/insurance/payment-runs                {scheme, period, region?}
 *   GET  /v1/insurance/payment-runs/{run_id}       a run's answer, once finished
 *   GET  /v1/insurance/funds?region=R&scheme=S[&period=P]
 *   POST /v1/insurance/corrections                 {id_number, scheme, field, new_value, reason}
 *   POST /v1/insurance/corrections/{id}/approve
 *   GET  /v1/insurance/corrections?status=proposed
 *
 * JSON is checked and converted here; the token's identity (id, role,
 * region) travels with each command, because the service alone knows who
 * proposed a correction (maker-checker). A payment run gets a run id here:
 * when the service has not answered within the upstream timeout (a run over
 * a prefecture's million pensioners), the caller hears 202 with the run id
 * and reads the answer from the status resource later; a retry of the POST
 * pays nobody twice (the payments' unique key), it answers 0. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "timeutil.h"
#include "validate.h"

#define TEXT_MAX 500   /* characters of a correction's reason or value */

static json_t *
s_error(const char *field, const char *code, const char *message)
{
    return json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code, "message", message);
}

static void
s_invalid(http_req_t *req, const char *field, const char *code, const char *message)
{
    http_problem(req, 400, "validation", "Invalid request", message,
                 s_error(field, code, message));
}

static void
s_principal(const http_req_t *req, Hrss__Principal *p)
{
    hrss__principal__init(p);
    p->token_id = req->who.token_id;
    p->role = (char *) role_name(req->who.role);
    p->region = (char *) req->who.region;
    p->name = (char *) req->who.name;
}

/* A refusal of the service as a problem: its code decides the status. */
static void
s_refused(http_req_t *req, const Hrss__Reply *reply)
{
    if (!reply) {
        req->retry_after = 1;
        http_problem(req, 503, "unavailable", "Insurance unavailable",
                     "the insurance service did not answer in time", NULL);
        return;
    }
    const Hrss__Failure *f = reply->body_case == HRSS__REPLY__BODY_FAILURE ? reply->failure : NULL;
    const char *code = f ? f->code : "unexpected_reply";
    const char *message = f && f->message ? f->message : code;
    static const struct {
        const char *code;
        int status;
        const char *field;
    } map[] = {
        {"unknown_benefit", 404, NULL},     {"unknown_correction", 404, NULL},
        {"unknown_run", 404, NULL},         {"out_of_scope", 403, NULL},
        {"same_token", 403, NULL},          {"already_approved", 409, NULL},
        {"person_deceased", 409, NULL},     {"invalid_period", 400, "period"},
        {"invalid_region", 400, "region"},  {"invalid_value", 400, "new_value"},
        {"invalid_field", 400, "field"},    {"invalid_status", 400, "status"},
    };
    if (f && !f->retryable) {
        for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
            if (strcmp(map[i].code, code) != 0)
                continue;
            if (map[i].status == 400)
                s_invalid(req, map[i].field, code, message);
            else
                http_problem(req, map[i].status, code,
                             map[i].status == 404   ? "Not found"
                             : map[i].status == 403 ? "Forbidden"
                                                    : "Conflict",
                             message, NULL);
            return;
        }
        http_problem(req, 400, code, "Refused", message, NULL);
        return;
    }
    req->retry_after = 1;
    http_problem(req, 503, "unavailable", "Insurance unavailable", message, NULL);
}

/* A string member of the body, or NULL after answering 400. */
static const char *
s_string(http_req_t *req, const jsonr_value_t *body, const char *key, bool required)
{
    const jsonr_value_t *v = jsonr_get(body, key);
    if (!v) {
        if (required)
            s_invalid(req, key, "missing_field", "this field is required");
        return NULL;
    }
    if (v->type != JSONR_STRING) {
        s_invalid(req, key, "invalid_type", "this field is a string");
        return NULL;
    }
    return v->as.string;
}

static bool
s_scheme_ok(http_req_t *req, const char *scheme)
{
    const char *allowed = event_field_enum("insurance.enrolled", "scheme");
    if (scheme && allowed && event_enum_allows(allowed, scheme, strlen(scheme)))
        return true;
    s_invalid(req, "scheme", "invalid_enum", "scheme is one of the five schemes of docs/contract.md");
    return false;
}

static bool
s_period_ok(http_req_t *req, const char *period)
{
    int p;
    if (period && period_parse(period, strlen(period), &p) == 0)
        return true;
    s_invalid(req, "period", "invalid_period", "period must be YYYY-MM");
    return false;
}


/* ---- payment runs --------------------------------------------------------------- */

static void
s_run_answer(http_req_t *req, const Hrss__PaymentRunReply *r, int status)
{
    jsonw_t out;
    jsonw_init(&out, 256);
    jsonw_object_open(&out);
    jsonw_key(&out, "run_id");
    jsonw_string(&out, r->run_id);
    jsonw_key(&out, "status");
    jsonw_string(&out, "finished");
    jsonw_key(&out, "scheme");
    jsonw_string(&out, r->scheme);
    jsonw_key(&out, "period");
    jsonw_string(&out, r->period);
    jsonw_key(&out, "region");
    jsonw_string(&out, r->region);
    jsonw_key(&out, "payments");
    jsonw_int(&out, r->payments);
    jsonw_key(&out, "total_fen");
    jsonw_int(&out, r->total_fen);
    jsonw_object_close(&out);
    http_respond_jsonw(req, status, &out);
}

static void
s_run_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    (void) part;
    if (reply && reply->body_case == HRSS__REPLY__BODY_PAYMENT_RUN) {
        s_run_answer(req, reply->payment_run, 200);
        return;
    }
    if (!reply && req->work) {
        /* the run may still be going: its answer will be at the status resource */
        const char *run_id = req->work;
        char location[128];
        snprintf(location, sizeof location, "/v1/insurance/payment-runs/%s", run_id);
        req->retry_after = 5;
        http_respond_json(req, 202,
                          json_pack("{s:s, s:s, s:s}", "run_id", run_id, "status", "running",
                                    "location", location));
        return;
    }
    s_refused(req, reply);
}

static void
s_payment_run(gateway_t *gw, http_req_t *req)
{
    const jsonr_value_t *body = gateway_parse_body(req);
    if (!body)
        return;
    if (body->type != JSONR_OBJECT) {
        http_problem(req, 400, "invalid_body", "Invalid body", "the body must be an object", NULL);
        return;
    }
    const char *scheme = s_string(req, body, "scheme", true);
    if (!scheme || !s_scheme_ok(req, scheme))
        return;
    const char *period = s_string(req, body, "period", true);
    if (!period || !s_period_ok(req, period))
        return;
    const jsonr_value_t *r = jsonr_get(body, "region");
    const char *region_text = r ? s_string(req, body, "region", false) : NULL;
    if (r && !region_text)
        return;
    char region[REGION_LEN + 1];
    if (reads_region_param(gw, req, region_text, region))
        return;
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    char *run_id = malloc(40);
    if (!run_id) {
        http_problem(req, 500, "internal", "Out of memory", NULL, NULL);
        return;
    }
    memcpy(run_id, "run-", 4);
    sodium_bin2hex(run_id + 4, 33, rnd, sizeof rnd);
    req->work = run_id;
    req->work_free = free;
    Hrss__Principal by;
    s_principal(req, &by);
    Hrss__PaymentRunRequest q = HRSS__PAYMENT_RUN_REQUEST__INIT;
    q.by = &by;
    q.run_id = run_id;
    q.scheme = (char *) scheme;
    q.period = (char *) period;
    q.region = region;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_PAYMENT_RUN;
    msg.payment_run = &q;
    upstream_call(gw, SERVICE_INSURANCE, &msg, 0, req, 0, s_run_reply);
}

static void
s_run_status_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    (void) part;
    if (reply && reply->body_case == HRSS__REPLY__BODY_PAYMENT_RUN)
        s_run_answer(req, reply->payment_run, 200);
    else
        s_refused(req, reply);
}

static void
s_payment_run_status(gateway_t *gw, http_req_t *req, const char *run_id)
{
    const char *code;
    if (ref_id_check(run_id, strlen(run_id), &code)) {
        s_invalid(req, "run_id", code, "not a run id");
        return;
    }
    Hrss__Principal by;
    s_principal(req, &by);
    Hrss__PaymentRunQuery q = HRSS__PAYMENT_RUN_QUERY__INIT;
    q.by = &by;
    q.run_id = (char *) run_id;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_PAYMENT_RUN_QUERY;
    msg.payment_run_query = &q;
    upstream_call(gw, SERVICE_INSURANCE, &msg, 0, req, 0, s_run_status_reply);
}

/* ---- funds --------------------------------------------------------------------- */

static void
s_funds_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    (void) part;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_FUNDS) {
        s_refused(req, reply);
        return;
    }
    const Hrss__FundReply *f = reply->funds;
    jsonw_t out;
    jsonw_init(&out, 512);
    jsonw_object_open(&out);
    jsonw_key(&out, "region");
    jsonw_string(&out, f->region);
    jsonw_key(&out, "scheme");
    jsonw_string(&out, f->scheme);
    if (f->period) {
        jsonw_key(&out, "period");
        jsonw_string(&out, f->period);
    }
    jsonw_key(&out, "income");
    jsonw_object_open(&out);
    jsonw_key(&out, "contributions_fen");
    jsonw_int(&out, f->contributions_fen);
    jsonw_key(&out, "recoveries_fen");
    jsonw_int(&out, f->recoveries_fen);
    jsonw_object_close(&out);
    jsonw_key(&out, "expenditure");
    jsonw_object_open(&out);
    jsonw_key(&out, "benefits_fen");
    jsonw_int(&out, f->benefits_fen);
    jsonw_key(&out, "stabilization_refunds_fen");
    jsonw_int(&out, f->stabilization_refunds_fen);
    jsonw_object_close(&out);
    jsonw_key(&out, "income_fen");
    jsonw_int(&out, f->income_fen);
    jsonw_key(&out, "expenditure_fen");
    jsonw_int(&out, f->expenditure_fen);
    jsonw_key(&out, "balance_fen");
    jsonw_int(&out, f->balance_fen);
    jsonw_key(&out, "entries");
    jsonw_int(&out, f->entries);
    jsonw_object_close(&out);
    http_respond_jsonw(req, 200, &out);
}

static void
s_funds(gateway_t *gw, http_req_t *req)
{
    const char *scheme = http_arg(req, "scheme");
    if (!s_scheme_ok(req, scheme))
        return;
    const char *period = http_arg(req, "period");
    if (period && !s_period_ok(req, period))
        return;
    char region[REGION_LEN + 1];
    if (reads_region_param(gw, req, http_arg(req, "region"), region))
        return;
    Hrss__FundQuery q = HRSS__FUND_QUERY__INIT;
    q.region = region;
    q.scheme = (char *) scheme;
    q.period = (char *) period;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_FUNDS;
    msg.funds = &q;
    upstream_call(gw, SERVICE_INSURANCE, &msg, 0, req, 0, s_funds_reply);
}

/* ---- corrections --------------------------------------------------------------- */

static void
s_corrections_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_CORRECTIONS) {
        s_refused(req, reply);
        return;
    }
    const Hrss__CorrectionList *l = reply->corrections;
    bool one = part != 0;   /* a proposal or an approval: the correction itself */
    if (one && l->n_corrections != 1) {
        s_refused(req, NULL);
        return;
    }
    jsonw_t out;
    jsonw_init(&out, 512);
    if (!one) {
        jsonw_object_open(&out);
        jsonw_key(&out, "corrections");
        jsonw_array_open(&out);
    }
    for (size_t i = 0; i < l->n_corrections; i++) {
        const Hrss__Correction *c = l->corrections[i];
        jsonw_object_open(&out);
        jsonw_key(&out, "id");
        jsonw_int(&out, c->correction_id);
        jsonw_key(&out, "id_number");
        jsonw_string(&out, c->id_number);
        jsonw_key(&out, "scheme");
        jsonw_string(&out, c->scheme);
        jsonw_key(&out, "field");
        jsonw_string(&out, c->field);
        jsonw_key(&out, "new_value");
        jsonw_string(&out, c->new_value);
        if (c->old_value) {
            jsonw_key(&out, "old_value");
            jsonw_string(&out, c->old_value);
        }
        jsonw_key(&out, "reason");
        jsonw_string(&out, c->reason);
        jsonw_key(&out, "status");
        jsonw_string(&out, c->status);
        jsonw_key(&out, "region");
        jsonw_string(&out, c->region);
        jsonw_key(&out, "proposed_by");
        jsonw_int(&out, c->proposed_by);
        if (c->has_approved_by) {
            jsonw_key(&out, "approved_by");
            jsonw_int(&out, c->approved_by);
        }
        jsonw_object_close(&out);
    }
    if (!one) {
        jsonw_array_close(&out);
        jsonw_object_close(&out);
    }
    http_respond_jsonw(req, part == 1 ? 201 : 200, &out);
}

static void
s_propose(gateway_t *gw, http_req_t *req)
{
    const jsonr_value_t *body = gateway_parse_body(req);
    if (!body)
        return;
    if (body->type != JSONR_OBJECT) {
        http_problem(req, 400, "invalid_body", "Invalid body", "the body must be an object", NULL);
        return;
    }
    const char *idn = s_string(req, body, "id_number", true);
    if (!idn)
        return;
    char id_number[ID_NUMBER_LEN + 1];
    const char *code;
    if (id_number_normalize(idn, strlen(idn), id_number, &code)) {
        s_invalid(req, "id_number", code, "not a valid resident id number (GB 11643)");
        return;
    }
    const char *scheme = s_string(req, body, "scheme", true);
    if (!scheme || !s_scheme_ok(req, scheme))
        return;
    const char *field = s_string(req, body, "field", true);
    if (!field)
        return;
    if (strcmp(field, "monthly_amount_fen") != 0 && strcmp(field, "suspended") != 0) {
        s_invalid(req, "field", "invalid_enum", "field is monthly_amount_fen or suspended");
        return;
    }
    /* new_value: a number of fen or a boolean, carried as text */
    const jsonr_value_t *v = jsonr_get(body, "new_value");
    char value[32];
    if (!v) {
        s_invalid(req, "new_value", "missing_field", "this field is required");
        return;
    }
    if (strcmp(field, "monthly_amount_fen") == 0) {
        if (v->type != JSONR_INTEGER || v->as.integer < 0 ||
            v->as.integer > 1000000000000000LL) {
            s_invalid(req, "new_value", "invalid_amount",
                      "monthly_amount_fen takes a whole number of fen, 0 to 10^15");
            return;
        }
        snprintf(value, sizeof value, "%lld", (long long) v->as.integer);
    } else {
        if (v->type != JSONR_TRUE && v->type != JSONR_FALSE) {
            s_invalid(req, "new_value", "invalid_type", "suspended takes true or false");
            return;
        }
        snprintf(value, sizeof value, "%s", v->type == JSONR_TRUE ? "true" : "false");
    }
    const char *reason = s_string(req, body, "reason", true);
    if (!reason)
        return;
    if (text_check(reason, strlen(reason), TEXT_MAX, &code) || !reason[0]) {
        s_invalid(req, "reason", reason[0] ? code : "missing_field",
                  "reason is 1 to 500 characters of text");
        return;
    }
    Hrss__Principal by;
    s_principal(req, &by);
    Hrss__CorrectionPropose q = HRSS__CORRECTION_PROPOSE__INIT;
    q.by = &by;
    q.id_number = id_number;
    q.scheme = (char *) scheme;
    q.field = (char *) field;
    q.new_value = value;
    q.reason = (char *) reason;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_CORRECTION_PROPOSE;
    msg.correction_propose = &q;
    upstream_call(gw, SERVICE_INSURANCE, &msg, 0, req, 1, s_corrections_reply);
}

static void
s_approve(gateway_t *gw, http_req_t *req, const char *id_text)
{
    char *end = NULL;
    errno = 0;
    long long id = strtoll(id_text, &end, 10);
    if (errno || *end || id <= 0) {
        s_invalid(req, "id", "invalid_id", "a correction id is a positive whole number");
        return;
    }
    Hrss__Principal by;
    s_principal(req, &by);
    Hrss__CorrectionApprove q = HRSS__CORRECTION_APPROVE__INIT;
    q.by = &by;
    q.correction_id = id;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_CORRECTION_APPROVE;
    msg.correction_approve = &q;
    upstream_call(gw, SERVICE_INSURANCE, &msg, 0, req, 2, s_corrections_reply);
}

static void
s_list(gateway_t *gw, http_req_t *req)
{
    const char *status = http_arg(req, "status");
    if (status && strcmp(status, "proposed") != 0 && strcmp(status, "approved") != 0) {
        s_invalid(req, "status", "invalid_enum", "status is proposed or approved");
        return;
    }
    Hrss__Principal by;
    s_principal(req, &by);
    Hrss__CorrectionListQuery q = HRSS__CORRECTION_LIST_QUERY__INIT;
    q.by = &by;
    q.status = (char *) status;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_CORRECTIONS;
    msg.corrections = &q;
    upstream_call(gw, SERVICE_INSURANCE, &msg, 0, req, 0, s_corrections_reply);
}

void
insurance_routes(gateway_t *gw, http_req_t *req, const char *pattern, const char *captured[2])
{
    bool post = strcmp(req->method, "POST") == 0;
    if (strcmp(pattern, "/v1/insurance/payment-runs") == 0)
        s_payment_run(gw, req);
    else if (strcmp(pattern, "/v1/insurance/payment-runs/{run_id}") == 0)
        s_payment_run_status(gw, req, captured[0]);
    else if (strcmp(pattern, "/v1/insurance/funds") == 0)
        s_funds(gw, req);
    else if (strcmp(pattern, "/v1/insurance/corrections") == 0 && post)
        s_propose(gw, req);
    else if (strcmp(pattern, "/v1/insurance/corrections") == 0)
        s_list(gw, req);
    else
        s_approve(gw, req, captured[0]);
}
