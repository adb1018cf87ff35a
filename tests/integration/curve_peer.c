/* curve_peer — one end of a ZeroMQ conversation set up the way the daemons
 * set theirs up (wire_socket, then common/curve.h from HRSS_CURVE and
 * HRSS_KEYS_DIR), for test_network_namespaces.sh:
 *
 *   curve_peer serve NAME ENDPOINT
 *       ROUTER bound at ENDPOINT answering "echo:<payload>" until SIGTERM;
 *       prints "ready" once bound and "refusals N" when it stops.
 *   curve_peer ask NAME SERVER ENDPOINT TIMEOUT_MS PAYLOAD
 *       DEALER to ENDPOINT, a CURVE client of SERVER; exit 0 when the echo
 *       comes back within TIMEOUT_MS, 1 when nothing does. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "timeutil.h"
#include "wire.h"

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

static int
s_serve(const char *name, const char *endpoint)
{
    void *ctx = zmq_ctx_new();
    curve_t *curve = curve_new(ctx, name);
    void *router = NULL;
    int rc = 1;
    if (!curve) {
        fprintf(stderr, "curve_peer: %s\n", curve_error());
        goto out;
    }
    router = wire_socket(ctx, ZMQ_ROUTER);
    if (!router || curve_server(curve, router) || zmq_bind(router, endpoint)) {
        fprintf(stderr, "curve_peer: cannot serve at %s: %s %s\n", endpoint, zmq_strerror(errno),
                curve_error());
        goto out;
    }
    printf("ready\n");
    fflush(stdout);
    while (!s_stop) {
        zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 200) <= 0)
            continue;
        char id[256], payload[256], reply[300];
        int id_len = zmq_recv(router, id, sizeof id, 0);
        int more = 0;
        size_t len = sizeof more;
        zmq_getsockopt(router, ZMQ_RCVMORE, &more, &len);
        if (id_len < 0 || id_len > (int) sizeof id || !more) {
            wire_drain(router);
            continue;
        }
        int n = zmq_recv(router, payload, sizeof payload - 1, 0);
        wire_drain(router);
        if (n < 0 || n >= (int) sizeof payload)
            continue;
        payload[n] = '\0';
        int r = snprintf(reply, sizeof reply, "echo:%s", payload);
        zmq_send(router, id, (size_t) id_len, ZMQ_SNDMORE);
        zmq_send(router, reply, (size_t) r, 0);
    }
    rc = 0;
out:
    printf("refusals %llu\n", (unsigned long long) curve_refusals(curve));
    wire_close(&router);
    curve_destroy(&curve);
    zmq_ctx_term(ctx);
    return rc;
}

static int
s_ask(const char *name, const char *server, const char *endpoint, int timeout_ms,
      const char *payload)
{
    void *ctx = zmq_ctx_new();
    curve_t *curve = curve_new(ctx, name);
    void *dealer = NULL;
    int rc = 1;
    if (!curve) {
        fprintf(stderr, "curve_peer: %s\n", curve_error());
        goto out;
    }
    dealer = wire_socket(ctx, ZMQ_DEALER);
    /* ZMQ_IMMEDIATE (wire_socket): the send waits for a finished handshake */
    if (!dealer || zmq_setsockopt(dealer, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms) ||
        curve_client(curve, dealer, server) || zmq_connect(dealer, endpoint)) {
        fprintf(stderr, "curve_peer: cannot connect to %s: %s %s\n", endpoint,
                zmq_strerror(errno), curve_error());
        goto out;
    }
    int64_t until = monotonic_ms() + timeout_ms;
    if (zmq_send(dealer, payload, strlen(payload), 0) < 0) {
        fprintf(stderr, "curve_peer: nothing got through to %s in %d ms\n", endpoint, timeout_ms);
        goto out;
    }
    int64_t left = until - monotonic_ms();
    zmq_pollitem_t item = {dealer, 0, ZMQ_POLLIN, 0};
    char reply[300], want[300];
    snprintf(want, sizeof want, "echo:%s", payload);
    if (zmq_poll(&item, 1, left > 0 ? (long) left : 0) == 1) {
        int n = zmq_recv(dealer, reply, sizeof reply - 1, 0);
        if (n >= 0) {
            reply[n] = '\0';
            rc = strcmp(reply, want) == 0 ? 0 : 1;
        }
    }
    fprintf(stderr, "curve_peer: %s\n", rc == 0 ? "answered" : "no answer");
out:
    wire_close(&dealer);
    curve_destroy(&curve);
    zmq_ctx_term(ctx);
    return rc;
}

int
main(int argc, char **argv)
{
    struct sigaction sa = {0};
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (argc == 4 && strcmp(argv[1], "serve") == 0)
        return s_serve(argv[2], argv[3]);
    if (argc == 7 && strcmp(argv[1], "ask") == 0)
        return s_ask(argv[2], argv[3], argv[4], atoi(argv[5]), argv[6]);
    fprintf(stderr, "usage: curve_peer serve NAME ENDPOINT\n"
                    "       curve_peer ask NAME SERVER ENDPOINT TIMEOUT_MS PAYLOAD\n");
    return 2;
}
