/* libmicrohttpd glue. libmicrohttpd runs inside the gateway's one loop
 * (external polling on its epoll descriptor): a complete request is routed at
 * once; when its answer has to wait for a service the connection is
 * suspended, and resumed when the answer is stored. No thread hands a
 * request to another, so a request costs no wake-up of a second thread. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "timeutil.h"

#define HTTP_DRAIN_MS 3000      /* at shutdown, for answers still on their way out */
#define URL_MAX 2048

static void
s_req_free(http_req_t *req)
{
    if (!req)
        return;
    if (req->audit_pending && req->gw)
        audit_forget(req->gw, req);
    free(req->url);
    free(req->authorization);
    free(req->body);
    for (int i = 0; i < req->nargs; i++) {
        free(req->args[i].key);
        free(req->args[i].value);
    }
    if (req->work && req->work_free)
        req->work_free(req->work);
    free(req->response);
    free(req);
}

static enum MHD_Result
s_collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
              const char *value, size_t value_size)
{
    (void) kind;
    http_req_t *req = cls;
    if (strlen(key) != key_size || (value && strlen(value) != value_size))
        req->bad_uri = true;   /* %00: a value the handlers would see cut short */
    if (req->nargs == QUERY_ARGS_MAX) {
        req->too_many_args = true;
        return MHD_NO;
    }
    req->args[req->nargs].key = strdup(key);
    req->args[req->nargs].value = strdup(value ? value : "");
    req->nargs++;
    return MHD_YES;
}

int
http_digits(const char *s, size_t max_digits, uint64_t max, uint64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max_digits || n > 19)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t) (s[i] - '0');   /* 19 digits cannot overflow */
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

const char *
http_arg(const http_req_t *req, const char *key)
{
    for (int i = 0; i < req->nargs; i++)
        if (req->args[i].key && strcmp(req->args[i].key, key) == 0)
            return req->args[i].value;
    return NULL;
}

static enum MHD_Result
s_queue_response(struct MHD_Connection *conn, http_req_t *req)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        req->response_len, req->response, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        return MHD_NO;
    req->response = NULL;   /* owned by libmicrohttpd now */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (req->close || (req->gw && req->gw->stopping))
        /* no keep-alive: the gateway is going away, or what follows on the
         * connection cannot be told apart from this request's body */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (req->allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, req->allow);
    if (req->retry_after > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", req->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    /* a route's own headers (dashboard.c): its Cache-Control replaces no-store */
    for (int i = 0; i < req->nheaders; i++) {
        if (strcmp(req->headers[i][0], MHD_HTTP_HEADER_CACHE_CONTROL) == 0)
            MHD_del_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(resp, req->headers[i][0], req->headers[i][1]);
    }
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned) req->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* A response decided before the request is routed (413, 503 while stopping). */
static enum MHD_Result
s_answer_now(struct MHD_Connection *conn, http_req_t *req, int status, const char *type,
             const char *title, const char *detail)
{
    http_problem(req, status, type, title, detail, NULL);
    req->answered = true;
    metrics_early_refusal(req->gw->metrics);
    return s_queue_response(conn, req);
}

/* What the request's headers say about its framing (RFC 9112). */
typedef struct {
    int content_length;     /* how many Content-Length headers */
    int transfer_encoding;
    int host;
    bool chunked;           /* the one Transfer-Encoding is exactly "chunked" */
    bool malformed;         /* a NUL in a header, or a space in a header's name */
} framing_t;

static enum MHD_Result
s_collect_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                 const char *value, size_t value_size)
{
    (void) kind;
    framing_t *f = cls;
    if (strlen(key) != key_size || (value && strlen(value) != value_size))
        f->malformed = true;
    for (const char *p = key; *p; p++)
        if (isspace((unsigned char) *p) || !isprint((unsigned char) *p))
            f->malformed = true;   /* "Content-Length : 3": a name with a space */
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->content_length++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
        f->host++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->transfer_encoding++;
        f->chunked = value && strcasecmp(value, "chunked") == 0;
    }
    return MHD_YES;
}

/* Refuses a request whose length or target is ambiguous, before a byte of
 * its body is read: a proxy in front may have framed it otherwise, and the
 * bytes after it would be read as a request of their own (smuggling). Each
 * such refusal closes the connection. */
static int
s_check_framing(struct MHD_Connection *conn, http_req_t *req, const char *version)
{
    framing_t f = {0};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, s_collect_header, &f);
    const char *title = NULL, *detail = NULL, *type = "invalid_framing";
    int status = 400;
    if (f.malformed) {
        title = "Malformed header";
        detail = "a header name holds a space or a header holds a NUL byte";
    } else if (f.transfer_encoding && f.content_length) {
        title = "Ambiguous length";
        detail = "send Content-Length or Transfer-Encoding, not both";
    } else if (f.transfer_encoding > 1 || (f.transfer_encoding && !f.chunked)) {
        status = 501;
        type = "unsupported_transfer_encoding";
        title = "Transfer-Encoding not implemented";
        detail = "the only transfer coding accepted is chunked";
    } else if (f.content_length > 1) {
        title = "Ambiguous length";
        detail = "send one Content-Length header";
    } else if (f.host != 1 && strcmp(version, MHD_HTTP_VERSION_1_0) != 0) {
        type = "invalid_request";
        title = "Host header required";
        detail = "an HTTP/1.1 request carries exactly one Host header";
    } else if (req->bad_uri) {
        type = "invalid_request";
        title = "NUL in the request target";
        detail = "the path or a query value holds %00";
    }
    if (!title)
        return 0;
    req->close = true;
    http_problem(req, status, type, title, detail, NULL);
    return -1;
}

/* Called by libmicrohttpd with the raw request target, before the headers
 * are read: the request's state starts here, so that the target is seen
 * before its percent-escapes are decoded (a %00 would cut it short). */
static void *
s_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void) cls;
    http_req_t *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->conn = conn;
    for (const char *p = uri; p && (p = strchr(p, '%')); p++)
        if (p[1] == '0' && p[2] == '0')
            req->bad_uri = true;
    return req;
}

static enum MHD_Result
s_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
         const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    gateway_t *gw = cls;
    http_req_t *req = *con_cls;

    if (!req || !req->gw) {
        if (!req) {
            req = calloc(1, sizeof *req);
            if (!req)
                return MHD_NO;
            *con_cls = req;
        }
        req->conn = conn;
        req->gw = gw;
        snprintf(req->method, sizeof req->method, "%s", method);
        req->url = strndup(url, URL_MAX);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;
        if (sa && sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, req->client,
                      sizeof req->client);
        else if (sa && sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, req->client,
                      sizeof req->client);
        const char *auth =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (auth)
            req->authorization = strndup(auth, 512);
        MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, s_collect_arg, req);
        if (s_check_framing(conn, req, version)) {
            req->answered = true;
            metrics_early_refusal(gw->metrics);
            return s_queue_response(conn, req);
        }
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > BODY_MAX)
            /* refuse before reading a byte of it */
            return s_answer_now(conn, req, 413, "body_too_large", "Request body too large",
                                "the body exceeds 4 MiB");
        if (gw->stopping)
            return s_answer_now(conn, req, 503, "shutting_down", "Service shutting down",
                                "the gateway is stopping; retry shortly");
        return MHD_YES;
    }
    if (req->answered) {
        if (*upload_data_size)
            *upload_data_size = 0;   /* discard what follows a refusal */
        return req->response ? s_queue_response(conn, req) : MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->body_too_large)
            return MHD_YES;
        if (req->body_len + n > BODY_MAX) {
            /* libmicrohttpd cannot answer in the middle of an upload: stop
             * keeping it, discard the rest, answer 413 once it has ended.
             * (With a Content-Length the refusal comes before any byte.) */
            req->body_too_large = true;
            free(req->body);
            req->body = NULL;
            req->body_len = req->body_cap = 0;
            return MHD_YES;
        }
        if (req->body_len + n + 1 > req->body_cap) {
            size_t cap = req->body_cap ? req->body_cap : 16384;
            while (cap < req->body_len + n + 1)
                cap *= 2;
            char *body = realloc(req->body, cap);
            if (!body)
                return MHD_NO;
            req->body = body;
            req->body_cap = cap;
        }
        memcpy(req->body + req->body_len, upload_data, n);
        req->body_len += n;
        req->body[req->body_len] = '\0';
        return MHD_YES;
    }
    /* The request is complete. */
    if (req->body_too_large)
        return s_answer_now(conn, req, 413, "body_too_large", "Request body too large",
                            "the body exceeds 4 MiB");
    if (req->response)
        return s_queue_response(conn, req);
    if (req->queued)
        return MHD_YES;   /* resumed before the answer was stored: cannot happen */
    req->queued = true;
    req->started_ms = monotonic_ms();
    req->started_us = monotonic_us();
    routes_dispatch(gw, req);
    if (req->answered && !req->audit_pending)
        return s_queue_response(conn, req);
    /* the answer waits for a service or its audit row: off the loop's list
     * until it is stored */
    req->suspended = true;
    MHD_suspend_connection(conn);
    return MHD_YES;
}

static void
s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
            enum MHD_RequestTerminationCode toe)
{
    (void) cls;
    (void) conn;
    (void) toe;
    s_req_free(*con_cls);
    *con_cls = NULL;
}

/* A setting from the environment, or its default when unset or malformed. */
static unsigned
s_setting(const char *name, long fallback, long max)
{
    int ok;
    long v = config_long(name, fallback, 1, max, &ok);
    return (unsigned) (ok ? v : fallback);
}

int
http_start(gateway_t *gw, const char *addr, int port)
{
    /* limits on what clients control: idle/slow connections are cut off after
     * the timeout (slowloris), and no address may hold more than its share */
    unsigned timeout_s = s_setting("HRSS_HTTP_TIMEOUT_S", 30, 3600);
    unsigned connections = s_setting("HRSS_HTTP_CONNECTIONS", 1024, 65536);
    unsigned per_ip = s_setting("HRSS_HTTP_PER_IP", 64, 65536);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) port);
    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
        return -1;
    /* no MHD thread: the gateway's loop polls MHD's epoll descriptor */
    gw->mhd = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, (uint16_t) port, NULL,
        NULL, s_access, gw, MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, gw, MHD_OPTION_URI_LOG_CALLBACK, s_uri_log,
        gw, MHD_OPTION_END);
    return gw->mhd ? 0 : -1;
}

int
http_pollfd(gateway_t *gw)
{
    const union MHD_DaemonInfo *info =
        gw->mhd ? MHD_get_daemon_info(gw->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    return info ? info->epoll_fd : -1;
}

int64_t
http_timeout_ms(gateway_t *gw, int64_t cap)
{
    int64_t ms = cap;
    MHD_UNSIGNED_LONG_LONG mhd_ms;
    if (gw->mhd && MHD_get_timeout(gw->mhd, &mhd_ms) == MHD_YES && (int64_t) mhd_ms < cap)
        ms = (int64_t) mhd_ms;
    return ms;
}

void
http_run(gateway_t *gw)
{
    if (gw->mhd)
        MHD_run(gw->mhd);
}

void
http_stop(gateway_t *gw)
{
    if (gw->mhd) {
        /* Stop accepting, and let the answers already handed over reach
         * their clients before the connections are closed; anything still
         * arriving gets 503. */
        MHD_socket listener = MHD_quiesce_daemon(gw->mhd);
        int64_t deadline = monotonic_ms() + HTTP_DRAIN_MS;
        while (monotonic_ms() < deadline) {
            MHD_run(gw->mhd);
            const union MHD_DaemonInfo *info =
                MHD_get_daemon_info(gw->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
            if (!info || info->num_connections == 0)
                break;
            struct pollfd pfd = {http_pollfd(gw), POLLIN, 0};
            (void) poll(&pfd, 1, 10);
        }
        MHD_stop_daemon(gw->mhd);
        if (listener != MHD_INVALID_SOCKET)
            close(listener);
    }
    gw->mhd = NULL;
}

void
http_respond(http_req_t *req, int status, const char *content_type, char *body, size_t len)
{
    if (req->answered) {   /* a route answers once; a second answer is a bug upstream */
        free(body);
        return;
    }
    req->status = status;
    req->content_type = content_type;
    free(req->response);
    req->response = body;
    req->response_len = len;
    req->answered = true;
    /* one access-log line per request: the route pattern, never the URL
     * (it may hold an id number) nor the token */
    int64_t us = monotonic_us() - req->started_us;
    log_info("%s %s %d %lldms token=%s", req->method, req->route ? req->route : "-", status,
             (long long) (us / 1000), req->who.name[0] ? req->who.name : "-");
    if (req->gw && req->queued)
        metrics_request(req->gw->metrics, req->route, status, us);
    if (req->suspended && !req->audit_pending) {
        req->suspended = false;
        MHD_resume_connection(req->conn);
    }
}

void
http_respond_json(http_req_t *req, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        static const char oom[] = "{\"type\":\"urn:hrss:problem:internal\",\"status\":500}";
        http_respond(req, 500, "application/problem+json", strdup(oom), sizeof oom - 1);
        return;
    }
    http_respond(req, status, status >= 400 ? "application/problem+json" : "application/json",
                 text, strlen(text));
}

void
http_respond_jsonw(http_req_t *req, int status, jsonw_t *out)
{
    size_t len;
    char *text = jsonw_finish(out, &len);
    if (!text)
        http_problem(req, 500, "internal", "Out of memory", NULL, NULL);
    else
        http_respond(req, status, "application/json", text, len);
}

void
http_problem(http_req_t *req, int status, const char *type, const char *title,
             const char *detail, json_t *errors)
{
    char uri[96];
    snprintf(uri, sizeof uri, "urn:hrss:problem:%s", type);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", uri, "title", title, "status", status,
                          "detail", detail ? detail : title);
    if (p && errors)
        json_object_set_new(p, "errors", errors);
    else
        json_decref(errors);
    if (status == 429 || status == 503)
        req->retry_after = req->retry_after ? req->retry_after : 1;
    /* every refusal of who or where is audited */
    if ((status == 401 || status == 403) && req->queued && req->gw)
        audit_record(req->gw, req, type, req->audit_region, status, detail ? detail : title);
    if (req->queued || !req->conn) {
        http_respond_json(req, status, p);
        return;
    }
    /* refused before routing: stored, without an access-log line */
    char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    req->status = status;
    req->content_type = "application/problem+json";
    req->response = text ? text : strdup("{}");
    req->response_len = strlen(req->response);
}
