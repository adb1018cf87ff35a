/* The reports written from reporting's figures:
 *
 *   GET  /v1/reports/summary?region=R&period=P   the work summary (工作总结), Markdown
 *   POST /v1/reports/{region}/{period}/submit    freeze the month's figures
 *   POST /v1/reports/{region}/{period}/approve   by another token: locked
 *   POST /v1/reports/{region}/{period}/return    {"reason"}: back to draft
 *   GET  /v1/reports/{region}/{period}           state, steps, snapshot, revisions
 *
 * The region is scoped like every read (a region outside the token's is
 * 403); which roles take which step is the route table's. The token's
 * identity travels to reporting, which alone knows who submitted (the same
 * token does not approve). Every step, taken or refused, is an audit row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "hrss_limits.h"
#include "timeutil.h"
#include "validate.h"

#define REASON_MAX 500   /* characters of a return's reason */

static void
s_bad_param(http_req_t *req, const char *field, const char *code, const char *message)
{
    http_problem(req, 400, "validation", "Invalid parameter", message,
                 json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code, "message",
                           message));
}


static void
s_summary_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) gw;
    (void) part;
    if (!reply) {
        req->retry_after = 1;
        http_problem(req, 503, "unavailable", "Reporting unavailable",
                     "the reporting service did not answer in time", NULL);
        return;
    }
    if (reply->body_case != HRSS__REPLY__BODY_SUMMARY) {
        const Hrss__Failure *f =
            reply->body_case == HRSS__REPLY__BODY_FAILURE ? reply->failure : NULL;
        if (f && !f->retryable) {
            http_problem(req, 400, f->code, "Invalid query", f->message, NULL);
        } else {
            req->retry_after = 1;
            http_problem(req, 503, "unavailable", "Reporting unavailable",
                         f && f->message ? f->message : "unexpected reply", NULL);
        }
        return;
    }
    size_t len = strlen(reply->summary->markdown);
    char *text = malloc(len + 1);
    if (!text) {
        http_problem(req, 500, "internal", "Out of memory", NULL, NULL);
        return;
    }
    memcpy(text, reply->summary->markdown, len + 1);
    http_respond(req, 200, "text/markdown; charset=utf-8", text, len);
}

static void
s_summary(gateway_t *gw, http_req_t *req)
{
    char region[REGION_LEN + 1], period_text[8];
    if (reads_region_param(gw, req, http_arg(req, "region"), region))
        return;
    const char *p = http_arg(req, "period");
    int period;
    if (!p) {
        period = period_of_instant(now_us());
    } else if (period_parse(p, strlen(p), &period) || period / 100 < LIMIT_YEAR_MIN ||
               period / 100 > LIMIT_YEAR_MAX) {
        s_bad_param(req, "period", "invalid_period", "period must be a month YYYY-MM");
        return;
    }
    Hrss__SummaryQuery q = HRSS__SUMMARY_QUERY__INIT;
    q.region = region;
    q.period = format_period(period, period_text);
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_SUMMARY;
    msg.summary = &q;
    upstream_call(gw, SERVICE_REPORTING, &msg, 0, req, 0, s_summary_reply);
}

/* ---- approval -------------------------------------------------------------------- */

typedef struct {
    char region[REGION_LEN + 1];
    char action[24];      /* the audit's: report_submit, ... ; "" for a read */
} report_work_t;

static void
s_report_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    (void) part;
    report_work_t *w = req->work;
    if (!reply || reply->body_case != HRSS__REPLY__BODY_REPORT) {
        const Hrss__Failure *f =
            reply && reply->body_case == HRSS__REPLY__BODY_FAILURE ? reply->failure : NULL;
        int status = 503;
        if (f && !f->retryable) {
            status = strcmp(f->code, "same_token") == 0                   ? 403
                     : strcmp(f->code, "not_draft") == 0 ||
                             strcmp(f->code, "not_submitted") == 0        ? 409
                                                                          : 400;
        }
        if (w->action[0] && status != 503)
            audit_record(gw, req, w->action, w->region, status, f->code);
        if (status == 503) {
            req->retry_after = 1;
            http_problem(req, 503, "unavailable", "Reporting unavailable",
                         f && f->message ? f->message : "the reporting service did not answer",
                         NULL);
        } else {
            http_problem(req, status, f->code,
                         status == 403 ? "Forbidden" : status == 409 ? "Conflict" : "Refused",
                         f->message, NULL);
        }
        return;
    }
    const Hrss__ReportState *r = reply->report;
    jsonw_t out;
    jsonw_init(&out, 512 + r->n_snapshot * 96);
    jsonw_object_open(&out);
    jsonw_key(&out, "region");
    jsonw_string(&out, r->region);
    jsonw_key(&out, "period");
    jsonw_string(&out, r->period);
    jsonw_key(&out, "state");
    jsonw_string(&out, r->state);
    jsonw_key(&out, "steps");
    jsonw_array_open(&out);
    for (size_t i = 0; i < r->n_steps; i++) {
        const Hrss__ReportStep *s = r->steps[i];
        jsonw_object_open(&out);
        jsonw_key(&out, "action");
        jsonw_string(&out, s->action);
        jsonw_key(&out, "token_id");
        jsonw_int(&out, s->token_id);
        jsonw_key(&out, "role");
        jsonw_string(&out, s->role);
        if (s->name) {
            jsonw_key(&out, "name");
            jsonw_string(&out, s->name);
        }
        jsonw_key(&out, "at");
        jsonw_string(&out, s->at);
        if (s->reason) {
            jsonw_key(&out, "reason");
            jsonw_string(&out, s->reason);
        }
        jsonw_object_close(&out);
    }
    jsonw_array_close(&out);
    jsonw_key(&out, "snapshot");
    jsonw_array_open(&out);
    for (size_t i = 0; i < r->n_snapshot; i++) {
        const Hrss__IndicatorValue *v = r->snapshot[i];
        jsonw_object_open(&out);
        jsonw_key(&out, "region");
        jsonw_string(&out, v->region ? v->region : r->region);
        jsonw_key(&out, "code");
        jsonw_string(&out, v->code);
        jsonw_key(&out, "value");
        jsonw_int(&out, v->value);
        jsonw_object_close(&out);
    }
    jsonw_array_close(&out);
    jsonw_key(&out, "revisions");
    jsonw_array_open(&out);
    for (size_t i = 0; i < r->n_revisions; i++) {
        const Hrss__ReportRevision *v = r->revisions[i];
        jsonw_object_open(&out);
        jsonw_key(&out, "region");
        jsonw_string(&out, v->region);
        jsonw_key(&out, "code");
        jsonw_string(&out, v->code);
        jsonw_key(&out, "approved");
        jsonw_int(&out, v->approved);
        jsonw_key(&out, "live");
        jsonw_int(&out, v->live);
        jsonw_key(&out, "difference");
        jsonw_int(&out, v->live - v->approved);
        jsonw_object_close(&out);
    }
    jsonw_array_close(&out);
    jsonw_object_close(&out);
    if (w->action[0])
        audit_record(gw, req, w->action, w->region, 200, r->period);
    http_respond_jsonw(req, 200, &out);
}

/* GET, or POST of a step (`action` submit, approve, return). */
static void
s_report(gateway_t *gw, http_req_t *req, const char *region_text, const char *period_text,
         const char *action)
{
    report_work_t *w = gateway_work_new(req, sizeof *w, free);
    if (!w)
        return;
    /* all that the request points into lives until upstream_call has sent it */
    char region[REGION_LEN + 1], canonical[8], reason[REASON_MAX * 4 + 1] = "";
    if (reads_region_param(gw, req, region_text, region))
        return;
    int period;
    if (!period_text || period_parse(period_text, strlen(period_text), &period) ||
        period / 100 < LIMIT_YEAR_MIN || period / 100 > LIMIT_YEAR_MAX) {
        s_bad_param(req, "period", "invalid_period", "period must be a month YYYY-MM");
        return;
    }
    if (region_level(region) == REGION_NATION) {
        s_bad_param(req, "region", "invalid_region", "a report is of a division, not the nation");
        return;
    }
    memcpy(w->region, region, sizeof w->region);
    Hrss__Principal by = HRSS__PRINCIPAL__INIT;
    by.token_id = req->who.token_id;
    by.role = (char *) role_name(req->who.role);
    by.region = (char *) req->who.region;
    by.name = (char *) req->who.name;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    Hrss__ReportQuery q = HRSS__REPORT_QUERY__INIT;
    Hrss__ReportStepRequest step = HRSS__REPORT_STEP_REQUEST__INIT;
    if (!action) {
        q.region = region;
        q.period = format_period(period, canonical);
        msg.body_case = HRSS__REQUEST__BODY_REPORT;
        msg.report = &q;
    } else {
        snprintf(w->action, sizeof w->action, "report_%s", action);
        if (strcmp(action, "return") == 0) {
            const jsonr_value_t *body = gateway_parse_body(req);
            if (!body)
                return;
            const jsonr_value_t *v = body->type == JSONR_OBJECT ? jsonr_get(body, "reason") : NULL;
            const char *code = "missing_field";
            if (!v || v->type != JSONR_STRING || !v->as.string[0] ||
                text_check(v->as.string, strlen(v->as.string), REASON_MAX, &code)) {
                s_bad_param(req, "reason", v && v->type != JSONR_STRING ? "invalid_type" : code,
                            "reason is 1 to 500 characters of text");
                return;
            }
            snprintf(reason, sizeof reason, "%s", v->as.string);
            step.reason = reason;
        }
        step.by = &by;
        step.region = region;
        step.period = format_period(period, canonical);
        step.action = (char *) action;
        msg.body_case = HRSS__REQUEST__BODY_REPORT_STEP;
        msg.report_step = &step;
    }
    upstream_call(gw, SERVICE_REPORTING, &msg, 0, req, 0, s_report_reply);
}

void
report_routes(gateway_t *gw, http_req_t *req, const char *pattern, const char *captured[2])
{
    if (strcmp(pattern, "/v1/reports/summary") == 0) {
        s_summary(gw, req);
        return;
    }
    const char *last = strrchr(pattern, '/') + 1;
    s_report(gw, req, captured[0], captured[1], last[0] == '{' ? NULL : last);
}
