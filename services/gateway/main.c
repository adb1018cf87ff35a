/* hrss-gateway entry point and its one loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "outbox.h"
#include "timeutil.h"
#include "wire.h"

#define TICK_MS 1000
#define DRAIN_MS 5000           /* in-flight work allowed to finish at shutdown */

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_tick(gateway_t *gw)
{
    static bool down_logged = false;
    curve_tick(gw->curve);   /* reconnect to services that refused our key, once due */
    audit_tick(gw);
    if (db_ensure(gw->db)) {
        if (!down_logged)
            log_error("database unavailable: %s", db_error(gw->db));
        down_logged = true;
        return;
    }
    down_logged = false;
    if (!gw->migrated) {
        if (db_migrate(gw->db, "backbone", NULL, config_sql_dir(), "gateway")) {
            log_error("migrations failed: %s", db_error(gw->db));
            return;
        }
        gw->migrated = true;
        log_info("schema gateway migrated");
    }
}

static int
s_loop(gateway_t *gw)
{
    int64_t next_tick = 0, drain_until = 0;
    zmq_pollitem_t items[SERVICE_COUNT + 3];
    for (;;) {
        int64_t now = monotonic_ms();
        if (s_stop && !drain_until) {
            gw->stopping = true;
            drain_until = now + DRAIN_MS;
            log_info("stopping: finishing requests in flight");
        }
        if (drain_until && (!gw->pending_head || now >= drain_until))
            return 0;
        if (now >= next_tick) {
            s_tick(gw);
            upstream_answers_changed(gw);   /* no cached answer is older than a tick */
            next_tick = now + TICK_MS;
        }
        int64_t timeout = http_timeout_ms(
            gw, audit_timeout_ms(gw, upstream_expire(gw, now, next_tick - now)));
        int n = upstream_pollitems(gw, items, SERVICE_COUNT + 1);
        int nzmq = n;
        if (audit_pollitem(gw, &items[n]))
            n++;
        items[n++] = (zmq_pollitem_t){NULL, http_pollfd(gw), ZMQ_POLLIN, 0};
        if (zmq_poll(items, n, (long) (timeout > 0 ? timeout : 0)) < 0) {
            if (errno == EINTR)
                continue;
            log_error("zmq_poll: %s", zmq_strerror(errno));
            return -1;
        }
        /* answers first: the connections they resume are written below */
        upstream_on_readable(gw, items, nzmq);
        audit_run(gw);   /* rows committed: their responses go out below */
        http_run(gw);
        audit_run(gw);   /* rows the requests just refused asked for */
    }
}

int
main(void)
{
    log_init("gateway");
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    gateway_t gw = {0};
    void *ctx = NULL;
    int rc = 1, ok;
    const char *addr = config_str("HRSS_HTTP_ADDR", "127.0.0.1");
    long port = config_long("HRSS_HTTP_PORT", 8080, 1, 65535, &ok);
    const char *conninfo = config_service_db("gateway");
    if (!ok || !conninfo) {
        log_error("configuration: HRSS_HTTP_PORT must be a port and HRSS_GATEWAY_DB set");
        goto out;
    }
    gw.regions = region_table_load(NULL);
    if (!gw.regions) {
        log_error("cannot load the region table (HRSS_DATA_DIR)");
        goto out;
    }
    gw.db = db_new(conninfo, "gateway");
    gw.metrics = metrics_new();
    gw.limits = ratelimit_new();
    gw.tokens = auth_cache_new();
    gw.audit = audit_new(conninfo);
    gw.answers = answer_cache_new();
    gw.bodies = jsonr_new();
    gw.scratch = arena_new();
    if (!(gw.dashboard = dashboard_new()))
        goto out;
    ctx = zmq_ctx_new();
    if (ctx && !(gw.curve = curve_new(ctx, "gateway"))) {
        log_error("CURVE configuration: %s", curve_error());
        goto out;
    }
    if (!gw.db || !gw.metrics || !gw.limits || !gw.tokens || !gw.audit || !gw.answers || !gw.bodies || !gw.scratch || !ctx ||
        upstream_open(&gw, ctx))
        goto out;
    s_tick(&gw);
    if (http_start(&gw, addr, (int) port)) {
        log_error("cannot listen on %s:%ld: %s", addr, port, strerror(errno));
        goto out;
    }
    log_info("listening on http://%s:%ld", addr, port);
    rc = s_loop(&gw) ? 1 : 0;
out:
    gw.stopping = true;
    /* answer whatever still waits for a service, so that every suspended
     * connection is resumed before libmicrohttpd stops */
    upstream_close(&gw);
    audit_close(&gw);
    http_stop(&gw);
    curve_destroy(&gw.curve);   /* after the sockets, before the context */
    if (ctx)
        zmq_ctx_term(ctx);
    db_destroy(&gw.db);
    metrics_destroy(&gw.metrics);
    ratelimit_destroy(&gw.limits);
    auth_cache_destroy(&gw.tokens);
    audit_destroy(&gw.audit);
    answer_cache_destroy(&gw.answers);
    jsonr_destroy(&gw.bodies);
    arena_destroy(&gw.scratch);
    dashboard_destroy(&gw.dashboard);
    region_table_destroy(&gw.regions);
    log_info("stopped");
    return rc;
}
