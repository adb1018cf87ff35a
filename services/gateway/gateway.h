/* hrss-gateway: HTTP/JSON in front of the services.
 *
 * One thread, one loop: it polls libmicrohttpd's epoll descriptor, the
 * ZeroMQ sockets to the services and owns the database connection. A
 * complete request is authenticated, routed and converted from JSON to
 * protobuf at once; when it needs a service its connection is suspended
 * until every answer is in (or its deadline has passed), then the response
 * is stored and the connection resumed. */
#ifndef HRSS_GATEWAY_H
#define HRSS_GATEWAY_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "answer_cache.h"
#include "arena.h"
#include "curve.h"
#include "db.h"
#include "event_types.h"
#include "hrss.pb-c.h"
#include "hrss_limits.h"
#include "jsonr.h"
#include "jsonw.h"
#include "region.h"
#include "token.h"

#define BODY_MAX LIMIT_BODY_BYTES
#define QUERY_ARGS_MAX 16
#define HTTP_HEADERS_MAX 8

typedef struct audit_t audit_t;
typedef struct pending_t pending_t;
typedef struct metrics_t metrics_t;
typedef struct ratelimit_t ratelimit_t;
typedef struct token_cache_t token_cache_t;
typedef struct dashboard_t dashboard_t;

typedef struct gateway_t {
    region_table_t *regions;
    db_t *db;
    bool migrated;
    struct MHD_Daemon *mhd;
    bool stopping;                         /* new requests get 503 */
    void *sockets[SERVICE_COUNT];          /* DEALER to each service */
    void *reporting_nudges;                /* SUB to reporting's PUB: its answers changed */
    answer_cache_t *answers;               /* reporting's answers, as response bodies */
    uint64_t answers_generation;           /* moves on at each nudge and each second */
    curve_t *curve;                        /* CURVE keys for those (HRSS_CURVE) */
    pending_t *pending_head, *pending_tail;
    uint64_t next_corr;
    int upstream_timeout_ms;
    Hrss__Reply *delivering;               /* the reply a callback is looking at */
    metrics_t *metrics;
    ratelimit_t *limits;
    token_cache_t *tokens;
    audit_t *audit;                        /* rows on their way to the audit table */
    jsonr_t *bodies;                       /* reads each request body (gateway_parse_body) */
    arena_t *scratch;                      /* a route's short-lived decoding, reset by it */
    dashboard_t *dashboard;                /* the dashboard's assets (dashboard.c) */
} gateway_t;

typedef struct {
    int64_t token_id;
    char name[64];
    role_t role;
    char region[REGION_LEN + 1];
    int rate_limit;             /* requests/s; -1: the default; 0: unlimited */
} principal_t;

typedef struct http_req_t http_req_t;
struct http_req_t {
    struct MHD_Connection *conn;
    gateway_t *gw;
    /* read from the connection, immutable once routed */
    char method[8];
    char *url;
    char *authorization;
    char client[48];            /* the peer's address, for limits and the audit */
    bool bad_uri;               /* the raw request target holds %00 */
    char *body;
    size_t body_len, body_cap;
    bool body_too_large;
    struct {
        char *key, *value;
    } args[QUERY_ARGS_MAX];
    int nargs;
    bool too_many_args;
    int64_t started_ms;
    int64_t started_us;
    const char *route;          /* the route's pattern, for the access log */
    char audit_region[REGION_LEN + 1];  /* the region a refused request asked for */
    principal_t who;
    void *work;                 /* the route's state while services answer */
    void (*work_free)(void *work);
    int outstanding;            /* service requests not yet answered */
    /* response */
    int status;
    char *response;
    size_t response_len;
    /* a route's own response headers: name and value, both outliving the
     * request; a Cache-Control among them replaces the default no-store */
    const char *headers[HTTP_HEADERS_MAX][2];
    int nheaders;
    const char *content_type;
    int retry_after;            /* seconds, for 429/503; 0: none */
    char allow[24];             /* 405: the methods the path accepts */
    char disposition[96];       /* Content-Disposition of a download; "": none */
    bool close;                 /* close the connection after the response */
    bool queued;                /* routed */
    bool answered;
    bool suspended;             /* waiting for a service or for its audit row */
    int audit_pending;          /* audit rows it waits for (audit.c) */
};

/* ---- http.c: libmicrohttpd glue ------------------------------------------------ */
int http_start(gateway_t *gw, const char *addr, int port);
void http_stop(gateway_t *gw);
/* The descriptor the loop polls for HTTP work, and the longest it may wait
 * (at most `cap` ms) before http_run is due anyway (connection timeouts). */
int http_pollfd(gateway_t *gw);
int64_t http_timeout_ms(gateway_t *gw, int64_t cap);
/* Accepts, reads, routes and writes whatever is ready; never blocks. */
void http_run(gateway_t *gw);
/* Stores the response and resumes the connection; takes `body`. */
void http_respond(http_req_t *req, int status, const char *content_type, char *body, size_t len);
void http_respond_json(http_req_t *req, int status, json_t *body);   /* steals body */
/* Finishes the writer and responds with its text (500 when it failed). */
void http_respond_jsonw(http_req_t *req, int status, jsonw_t *out);
/* RFC 9457 problem: `type` is a short slug ("unauthorized") that becomes
 * urn:hrss:problem:<slug>. `errors` (stolen, may be NULL) lists field errors. */
void http_problem(http_req_t *req, int status, const char *type, const char *title,
                  const char *detail, json_t *errors);
const char *http_arg(const http_req_t *req, const char *key);
/* An unsigned decimal of 1 to `max_digits` digits, nothing else (no sign,
 * space or prefix), at most `max`: 0 with *out set, else -1. */
int http_digits(const char *s, size_t max_digits, uint64_t max, uint64_t *out);

/* ---- upstream.c: requests to the services -------------------------------------- */
/* Called once per request: with the reply, or with NULL when the service did
 * not answer before the deadline or could not be reached. The reply is
 * borrowed. */
typedef void(upstream_cb)(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply);
int upstream_open(gateway_t *gw, void *zmq_ctx);
void upstream_close(gateway_t *gw);
/* Sends `msg` (its corr_id is set here) to `service`. The callback always
 * runs, possibly before this returns (service unreachable). */
void upstream_call(gateway_t *gw, service_id_t service, Hrss__Request *msg, int timeout_ms,
                   http_req_t *req, int part, upstream_cb *cb);
/* Inside a callback: takes ownership of the reply it was given (free it with
 * protobuf_c_message_free_unpacked). */
Hrss__Reply *upstream_keep(gateway_t *gw);
/* zmq_poll items of the service sockets (and of reporting's nudges) and
 * their handling. */
int upstream_pollitems(gateway_t *gw, zmq_pollitem_t *items, int max);
void upstream_on_readable(gateway_t *gw, const zmq_pollitem_t *items, int n);
/* Fails calls past their deadline; returns ms until the next deadline (or
 * `cap`). */
int64_t upstream_expire(gateway_t *gw, int64_t now_ms, int64_t cap);
/* Retires every cached answer (gw->answers). */
void upstream_answers_changed(gateway_t *gw);
int upstream_timeout_ms(void);

/* ---- auth.c: who is asking -------------------------------------------------------- */
token_cache_t *auth_cache_new(void);
void auth_cache_destroy(token_cache_t **self_p);
/* 0 with `who` filled; -1 after responding 401 (or 503 when the database is
 * down). */
int auth_authenticate(gateway_t *gw, http_req_t *req, principal_t *who);
/* Whether `who` may act on `region` (12 digits). */
bool auth_in_scope(const principal_t *who, const char *region);

/* ---- audit.c: the hash-chained audit trail ---------------------------------- */
audit_t *audit_new(const char *conninfo);
void audit_destroy(audit_t **self_p);
/* Queues one row (refusals, operator changes); the request's response waits
 * until it is committed (at most a few seconds). Never blocks; a failure to
 * audit is logged, never turned into a failure of the request. */
void audit_record(gateway_t *gw, http_req_t *req, const char *action, const char *region,
                  int status, const char *detail);
/* The request is going away: no row may resume it. */
void audit_forget(gateway_t *gw, http_req_t *req);
/* The loop's part: the poll item of the row in flight (false: none), the
 * work to do after polling, the ms until a deadline of the audit (at most
 * `cap`), the reconnection once a second, and the last rows at shutdown. */
bool audit_pollitem(gateway_t *gw, zmq_pollitem_t *item);
void audit_run(gateway_t *gw);
int64_t audit_timeout_ms(gateway_t *gw, int64_t cap);
void audit_tick(gateway_t *gw);
void audit_close(gateway_t *gw);

/* ---- metrics.c: Prometheus exposition -------------------------------------------- */
metrics_t *metrics_new(void);
void metrics_destroy(metrics_t **self_p);
void metrics_request(metrics_t *m, const char *route, int status, int64_t us);
void metrics_events(metrics_t *m, const char *type, const char *outcome, uint64_t n);
void metrics_rtt(metrics_t *m, service_id_t service, int64_t us);
void metrics_timeout(metrics_t *m, service_id_t service);
void metrics_early_refusal(metrics_t *m);
void metrics_answer(metrics_t *m, bool cached);
/* The text of GET /metrics (malloc'd); `pongs` may hold NULLs. */
char *metrics_render(metrics_t *m, const Hrss__Pong *const pongs[SERVICE_COUNT], size_t *len);

/* ---- ratelimit.c: requests per second per token ---------------------------------- */
ratelimit_t *ratelimit_new(void);
void ratelimit_destroy(ratelimit_t **self_p);
/* 0 when `who` may go on; else the seconds to wait (Retry-After). */
int ratelimit_take(ratelimit_t *self, const principal_t *who);
/* Failed authentications from a client address (HRSS_AUTH_FAILURE_RATE per
 * second, two seconds' burst): 0 while it may try again, else the seconds
 * to wait; and the charge of one failure. */
int ratelimit_address_check(ratelimit_t *self, const char *client);
void ratelimit_address_failed(ratelimit_t *self, const char *client);

/* ---- openapi_yaml.c (generated from openapi.yaml) ---------------------------------- */
extern const unsigned char openapi_yaml[];
extern const unsigned long openapi_yaml_len;

/* ---- routes.c ------------------------------------------------------------------------ */
void routes_dispatch(gateway_t *gw, http_req_t *req);
/* The route table: method and pattern of route `i`; false past the end. */
bool routes_get(size_t i, const char **method, const char **pattern);

/* ---- events.c: POST /v1/events -------------------------------------------------- */
void events_post(gateway_t *gw, http_req_t *req);

/* ---- reads.c ------------------------------------------------------------------------ */
void reads_person(gateway_t *gw, http_req_t *req, const char *id_number);
void reads_indicators(gateway_t *gw, http_req_t *req, const char *code, const char *view);
void reads_targets_put(gateway_t *gw, http_req_t *req, const char *year, const char *region);
void reads_feed(gateway_t *gw, http_req_t *req);
void reads_ready(gateway_t *gw, http_req_t *req);
/* GET /v1/ping?service=NAME: one Ping to the service, timed (the cost of a hop). */
void reads_ping(gateway_t *gw, http_req_t *req);
void reads_metrics(gateway_t *gw, http_req_t *req);
/* The `region` parameter of a read: short forms accepted, the token's region
 * by default; -1 after responding 400 (unknown) or 403 (out of scope). */
int reads_region_param(gateway_t *gw, http_req_t *req, const char *value,
                       char out[REGION_LEN + 1]);

/* ---- arrears_routes.c: GET /v1/arrears/deadlines, /v1/arrears/blacklist ------------- */
void arrears_deadlines(gateway_t *gw, http_req_t *req);
void arrears_blacklist(gateway_t *gw, http_req_t *req);

/* ---- insurance_routes.c: /v1/insurance/... (route pattern, its {x} segments) ------- */
void insurance_routes(gateway_t *gw, http_req_t *req, const char *pattern,
                      const char *captured[2]);

/* ---- dashboard.c: GET /dashboard/ and its assets ---------------------------------- */
/* The page, its script and styles (embedded) and ECharts (read from
 * HRSS_ECHARTS_JS); NULL when memory is short. A missing ECharts is logged
 * and the page goes without charts (its tables stay). */
dashboard_t *dashboard_new(void);
void dashboard_destroy(dashboard_t **self_p);
/* `asset` NULL: the page. */
void dashboard_serve(gateway_t *gw, http_req_t *req, const char *asset);

/* ---- report_xlsx.c: GET /v1/reports/monthly.xlsx ------------------------------------- */
void report_xlsx_get(gateway_t *gw, http_req_t *req);

/* ---- report_routes.c: /v1/reports/... (route pattern, its {x} segments) ------------- */
void report_routes(gateway_t *gw, http_req_t *req, const char *pattern, const char *captured[2]);

/* ---- main.c: shared state ------------------------------------------------------------- */
db_t *gateway_db(gateway_t *gw);
const region_table_t *gateway_regions(gateway_t *gw);
/* A route's zeroed state, freed with the request by `work_free`; NULL after
 * answering 500 when memory is short. */
void *gateway_work_new(http_req_t *req, size_t size, void (*work_free)(void *work));
/* Reads a JSON body with the gateway's limits (depth, see jsonr.h); responds
 * 400 and returns NULL when it is not acceptable JSON. The document lives
 * until the next request's body is read: nothing may keep a pointer into it
 * past the route's handler. */
const jsonr_value_t *gateway_parse_body(http_req_t *req);

#endif
