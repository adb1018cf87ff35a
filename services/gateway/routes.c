/* The gateway's routes: method, path pattern, who may call it, handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "timeutil.h"

#define PATH_PARTS_MAX 6

typedef enum {
    R_HEALTH, R_READY, R_METRICS, R_OPENAPI, R_DASHBOARD, R_DASHBOARD_ASSET, R_EVENTS,
    R_PERSON, R_INDICATORS, R_BREAKDOWN, R_SERIES, R_TARGETS, R_FEED, R_PING, R_INSURANCE,
    R_ARREARS_DEADLINES, R_ARREARS_BLACKLIST, R_REPORT_XLSX, R_REPORTS
} route_id_t;

/* bit per role */
#define ANYONE 0u
#define ROLES_ALL ((1u << ROLE_COUNT) - 1)
#define ROLE_BIT(r) (1u << (r))

typedef struct {
    route_id_t id;
    const char *method;
    const char *pattern;      /* "{x}" matches one path segment */
    bool needs_auth;
    unsigned roles;           /* which roles may call it */
} route_t;

static const route_t s_routes[] = {
    {R_HEALTH, "GET", "/healthz", false, ANYONE},
    {R_READY, "GET", "/readyz", false, ANYONE},
    {R_METRICS, "GET", "/metrics", false, ANYONE},
    {R_OPENAPI, "GET", "/v1/openapi.yaml", false, ANYONE},
    /* the page signs in by itself: its calls carry the token */
    {R_DASHBOARD, "GET", "/dashboard", false, ANYONE},   /* and "/dashboard/" */
    {R_DASHBOARD_ASSET, "GET", "/dashboard/{asset}", false, ANYONE},
    {R_EVENTS, "POST", "/v1/events", true,
     ROLE_BIT(ROLE_TOWNSHIP) | ROLE_BIT(ROLE_COUNTY) | ROLE_BIT(ROLE_PROVINCE) |
         ROLE_BIT(ROLE_ADMIN)},
    {R_PERSON, "GET", "/v1/persons/{id_number}", true, ROLES_ALL},
    {R_INDICATORS, "GET", "/v1/indicators", true, ROLES_ALL},
    {R_BREAKDOWN, "GET", "/v1/indicators/{code}/breakdown", true, ROLES_ALL},
    {R_SERIES, "GET", "/v1/indicators/{code}/series", true, ROLES_ALL},
    {R_TARGETS, "PUT", "/v1/targets/{year}/{region}", true, ROLE_BIT(ROLE_ADMIN)},
    {R_FEED, "GET", "/v1/feed", true, ROLE_BIT(ROLE_PROVINCE) | ROLE_BIT(ROLE_ADMIN)},
    {R_PING, "GET", "/v1/ping", true, ROLES_ALL},
    {R_REPORT_XLSX, "GET", "/v1/reports/monthly.xlsx", true, ROLES_ALL},   /* report_xlsx.c */
    /* insurance_routes.c */
    {R_INSURANCE, "POST", "/v1/insurance/payment-runs", true,
     ROLE_BIT(ROLE_COUNTY) | ROLE_BIT(ROLE_ADMIN)},
    {R_INSURANCE, "GET", "/v1/insurance/payment-runs/{run_id}", true,
     ROLE_BIT(ROLE_COUNTY) | ROLE_BIT(ROLE_CHECKER) | ROLE_BIT(ROLE_ADMIN)},
    {R_INSURANCE, "GET", "/v1/insurance/funds", true, ROLES_ALL},
    {R_INSURANCE, "POST", "/v1/insurance/corrections", true,
     ROLE_BIT(ROLE_COUNTY) | ROLE_BIT(ROLE_ADMIN)},
    {R_INSURANCE, "GET", "/v1/insurance/corrections", true,
     ROLE_BIT(ROLE_COUNTY) | ROLE_BIT(ROLE_CHECKER) | ROLE_BIT(ROLE_ADMIN)},
    {R_INSURANCE, "POST", "/v1/insurance/corrections/{id}/approve", true,
     ROLE_BIT(ROLE_CHECKER) | ROLE_BIT(ROLE_ADMIN)},
    {R_ARREARS_DEADLINES, "GET", "/v1/arrears/deadlines", true, ROLES_ALL},
    {R_ARREARS_BLACKLIST, "GET", "/v1/arrears/blacklist", true, ROLES_ALL},
    /* report_routes.c */
    {R_REPORTS, "GET", "/v1/reports/summary", true, ROLES_ALL},
    {R_REPORTS, "GET", "/v1/reports/{region}/{period}", true, ROLES_ALL},
    {R_REPORTS, "POST", "/v1/reports/{region}/{period}/submit", true,
     ROLE_BIT(ROLE_COUNTY) | ROLE_BIT(ROLE_PROVINCE) | ROLE_BIT(ROLE_ADMIN)},
    {R_REPORTS, "POST", "/v1/reports/{region}/{period}/approve", true,
     ROLE_BIT(ROLE_CHECKER) | ROLE_BIT(ROLE_ADMIN)},
    {R_REPORTS, "POST", "/v1/reports/{region}/{period}/return", true,
     ROLE_BIT(ROLE_COUNTY) | ROLE_BIT(ROLE_PROVINCE) | ROLE_BIT(ROLE_CHECKER) |
         ROLE_BIT(ROLE_ADMIN)},
};

/* Splits "/v1/persons/123" into segments in place. */
static int
s_split(char *path, char *parts[PATH_PARTS_MAX])
{
    int n = 0;
    for (char *save = NULL, *seg = strtok_r(path, "/", &save); seg;
         seg = strtok_r(NULL, "/", &save)) {
        if (n == PATH_PARTS_MAX)
            return -1;
        parts[n++] = seg;
    }
    return n;
}

/* Whether `pattern` matches the segments; captures the {x} segments. */
static bool
s_match(const char *pattern, char *const *parts, int n, const char *captured[2])
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", pattern);
    char *pp[PATH_PARTS_MAX];
    int m = s_split(buf, pp);
    if (m != n)
        return false;
    int c = 0;
    for (int i = 0; i < n; i++) {
        if (pp[i][0] == '{') {
            if (c < 2)
                captured[c++] = parts[i];
        } else if (strcmp(pp[i], parts[i]) != 0) {
            return false;
        }
    }
    return true;
}

static void
s_health(http_req_t *req)
{
    http_respond_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

bool
routes_get(size_t i, const char **method, const char **pattern)
{
    if (i >= sizeof s_routes / sizeof *s_routes)
        return false;
    *method = s_routes[i].method;
    *pattern = s_routes[i].pattern;
    return true;
}

void
routes_dispatch(gateway_t *gw, http_req_t *req)
{
    req->started_ms = req->started_ms ? req->started_ms : monotonic_ms();
    char path[2048];
    snprintf(path, sizeof path, "%s", req->url ? req->url : "");
    char *parts[PATH_PARTS_MAX];
    int n = s_split(path, parts);
    const route_t *route = NULL;
    bool path_known = false;
    const char *captured[2] = {NULL, NULL};
    /* HEAD is GET without the body (RFC 9110 9.3.2): libmicrohttpd leaves
     * the body out of the response */
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    char allow[sizeof req->allow] = "";
    for (size_t i = 0; n >= 0 && i < sizeof s_routes / sizeof *s_routes; i++) {
        if (!s_match(s_routes[i].pattern, parts, n, captured))
            continue;
        path_known = true;
        if (strcmp(s_routes[i].method, method) == 0) {
            route = &s_routes[i];
            break;
        }
        size_t len = strlen(allow);
        snprintf(allow + len, sizeof allow - len, "%s%s%s", len ? ", " : "", s_routes[i].method,
                 strcmp(s_routes[i].method, "GET") == 0 ? ", HEAD" : "");
    }
    if (!route) {
        if (path_known) {
            snprintf(req->allow, sizeof req->allow, "%s", allow);   /* RFC 9110 15.5.6 */
            http_problem(req, 405, "method_not_allowed", "Method not allowed",
                         "this path does not accept that method", NULL);
        } else
            http_problem(req, 404, "not_found", "Not found", "no such route", NULL);
        return;
    }
    req->route = route->pattern;
    if (req->too_many_args) {
        http_problem(req, 400, "invalid_request", "Too many query parameters", NULL, NULL);
        return;
    }
    if (route->needs_auth) {
        if (auth_authenticate(gw, req, &req->who))
            return;
        int wait = ratelimit_take(gw->limits, &req->who);
        if (wait > 0) {
            req->retry_after = wait;
            http_problem(req, 429, "rate_limited", "Too many requests",
                         "the token's request rate is exceeded; retry after the given seconds",
                         NULL);
            return;
        }
        if (!(route->roles & ROLE_BIT(req->who.role))) {
            http_problem(req, 403, "forbidden", "Forbidden",
                         "the token's role may not use this route", NULL);
            return;
        }
    }
    switch (route->id) {
    case R_HEALTH:
        s_health(req);
        break;
    case R_READY:
        reads_ready(gw, req);
        break;
    case R_METRICS:
        reads_metrics(gw, req);
        break;
    case R_OPENAPI: {
        char *text = malloc(openapi_yaml_len + 1);
        if (text)
            memcpy(text, openapi_yaml, openapi_yaml_len + 1);
        http_respond(req, text ? 200 : 500, "application/yaml; charset=utf-8", text,
                     text ? openapi_yaml_len : 0);
        break;
    }
    case R_DASHBOARD:
        dashboard_serve(gw, req, NULL);
        break;
    case R_DASHBOARD_ASSET:
        dashboard_serve(gw, req, captured[0]);
        break;
    case R_EVENTS:
        events_post(gw, req);
        break;
    case R_PERSON:
        reads_person(gw, req, captured[0]);
        break;
    case R_INDICATORS:
        reads_indicators(gw, req, NULL, NULL);
        break;
    case R_BREAKDOWN:
        reads_indicators(gw, req, captured[0], "breakdown");
        break;
    case R_SERIES:
        reads_indicators(gw, req, captured[0], "series");
        break;
    case R_TARGETS:
        reads_targets_put(gw, req, captured[0], captured[1]);
        break;
    case R_FEED:
        reads_feed(gw, req);
        break;
    case R_PING:
        reads_ping(gw, req);
        break;
    case R_INSURANCE:
        insurance_routes(gw, req, route->pattern, captured);
        break;
    case R_ARREARS_DEADLINES:
        arrears_deadlines(gw, req);
        break;
    case R_ARREARS_BLACKLIST:
        arrears_blacklist(gw, req);
        break;
    case R_REPORT_XLSX:
        report_xlsx_get(gw, req);
        break;
    case R_REPORTS:
        report_routes(gw, req, route->pattern, captured);
        break;
    }
}
