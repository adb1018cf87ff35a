/* The reports written from reporting's figures:
 *
 *   GET /v1/reports/summary?region=R&period=P   the work summary (工作总结), Markdown
 *
 * The region is scoped like every read (a region outside the token's is
 * 403); reporting writes the text, the gateway hands it over as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "hrss_limits.h"
#include "timeutil.h"

static void
s_bad_param(http_req_t *req, const char *field, const char *code, const char *message)
{
    http_problem(req, 400, "validation", "Invalid parameter", message,
                 json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code, "message",
                           message));
}

/* The region parameter (short forms accepted, default the token's region),
 * or false after answering 400 or 403. */
static bool
s_region(gateway_t *gw, http_req_t *req, char out[REGION_LEN + 1])
{
    const char *value = http_arg(req, "region"), *code;
    if (!value) {
        memcpy(out, req->who.region, REGION_LEN + 1);
        return true;
    }
    if (strcmp(value, "000000000000") == 0 && req->who.role == ROLE_ADMIN) {
        memcpy(out, value, REGION_LEN + 1);
        return true;
    }
    if (region_normalize(gateway_regions(gw), value, out, &code)) {
        s_bad_param(req, "region", code, "region must be a known division code");
        return false;
    }
    if (!auth_in_scope(&req->who, out)) {
        memcpy(req->audit_region, out, sizeof req->audit_region);
        http_problem(req, 403, "out_of_scope", "Out of scope",
                     "the region lies outside the token's region", NULL);
        return false;
    }
    return true;
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
    if (!s_region(gw, req, region))
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

void
report_routes(gateway_t *gw, http_req_t *req, const char *pattern, const char *captured[2])
{
    (void) captured;
    if (strcmp(pattern, "/v1/reports/summary") == 0)
        s_summary(gw, req);
    else
        http_problem(req, 404, "not_found", "Not found", "no such route", NULL);
}
