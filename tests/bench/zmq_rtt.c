/* hrss-bench-zmq-rtt: ZeroMQ round trips over ipc, the floor under every
 * gateway -> service hop.
 *
 *   hrss-bench-zmq-rtt raw [--count N]
 *       DEALER -> ROUTER -> DEALER between this process and a forked echo
 *       process, hrss's socket options, the bytes of a packed Ping request:
 *       what one hop costs with no service logic at all
 *   hrss-bench-zmq-rtt service NAME [--count N]
 *       a real Ping to the running service NAME through its request
 *       endpoint (HRSS_<NAME>_ENDPOINT or ipc://$HRSS_RUN_DIR/NAME.req):
 *       the hop plus protobuf and the service's loop, without HTTP
 *
 * One request in flight at a time, as wrk -c1 does. One JSON object on
 * stdout with p50/p90/p99 in microseconds. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "stats.h"
#include "wire.h"

#define WARMUP 200

static int
s_echo(const char *endpoint, int ready_fd)
{
    void *ctx = zmq_ctx_new();
    void *router = wire_socket(ctx, ZMQ_ROUTER);
    if (!router || zmq_bind(router, endpoint)) {
        fprintf(stderr, "zmq_rtt: bind %s: %s\n", endpoint, zmq_strerror(errno));
        return 1;
    }
    char ok = 1;
    if (write(ready_fd, &ok, 1) != 1)
        return 1;
    close(ready_fd);
    for (;;) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&id, router, 0) < 0 || zmq_msg_recv(&body, router, 0) < 0)
            break;
        if (zmq_msg_send(&id, router, ZMQ_SNDMORE) < 0 || zmq_msg_send(&body, router, 0) < 0)
            break;
    }
    wire_close(&router);
    zmq_ctx_term(ctx);
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {{"count", 1, 0, 'n'}, {0, 0, 0, 0}};
    long count = 20000;
    if (argc < 2 || (strcmp(argv[1], "raw") != 0 && strcmp(argv[1], "service") != 0)) {
        fprintf(stderr, "usage: hrss-bench-zmq-rtt raw|service NAME [--count N]\n");
        return 2;
    }
    bool raw = strcmp(argv[1], "raw") == 0;
    const char *service = raw ? NULL : argc > 2 ? argv[2] : NULL;
    if (!raw && !service) {
        fprintf(stderr, "zmq_rtt: which service?\n");
        return 2;
    }
    optind = raw ? 2 : 3;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
        if (ch == 'n')
            count = atol(optarg);
    if (count < 1)
        return 2;

    char endpoint[512], dir[] = "/tmp/hrss-zmq-rtt.XXXXXX";
    pid_t child = -1;
    if (raw) {
        if (!mkdtemp(dir))
            return 1;
        snprintf(endpoint, sizeof endpoint, "ipc://%s/echo", dir);
        int fds[2];
        if (pipe(fds))
            return 1;
        child = fork();
        if (child == 0) {
            close(fds[0]);
            _exit(s_echo(endpoint, fds[1]));
        }
        close(fds[1]);
        char ok = 0;
        if (child < 0 || read(fds[0], &ok, 1) != 1 || !ok) {
            fprintf(stderr, "zmq_rtt: the echo process did not start\n");
            return 1;
        }
        close(fds[0]);
    } else if (config_service_endpoint(service, endpoint, sizeof endpoint)) {
        return 1;
    }

    void *ctx = zmq_ctx_new();
    void *dealer = wire_socket(ctx, ZMQ_DEALER);
    if (!dealer || zmq_connect(dealer, endpoint)) {
        fprintf(stderr, "zmq_rtt: connect %s: %s\n", endpoint, zmq_strerror(errno));
        return 1;
    }
    Hrss__Ping ping = HRSS__PING__INIT;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.body_case = HRSS__REQUEST__BODY_PING;
    req.ping = &ping;
    samples_t lat = {0};
    long failed = 0;
    double t_start = 0;
    for (long i = 0; i < count + WARMUP; i++) {
        if (i == WARMUP)
            t_start = bench_now();
        req.corr_id = (uint64_t) i + 1;
        double t0 = bench_now();
        if (wire_send(dealer, &req.base, 0)) {
            failed++;
            break;
        }
        zmq_pollitem_t item = {dealer, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 2000) != 1) {
            fprintf(stderr, "zmq_rtt: no answer within 2 s\n");
            failed++;
            break;
        }
        if (raw) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, dealer, 0) < 0)
                failed++;
            zmq_msg_close(&m);
        } else {
            Hrss__Reply *reply = (Hrss__Reply *) wire_recv(dealer, &hrss__reply__descriptor, NULL);
            if (!reply || reply->body_case != HRSS__REPLY__BODY_PONG)
                failed++;
            if (reply)
                protobuf_c_message_free_unpacked(&reply->base, NULL);
        }
        if (i >= WARMUP)
            samples_add(&lat, (bench_now() - t0) * 1e6);   /* microseconds */
    }
    double elapsed = bench_now() - t_start;
    wire_close(&dealer);
    zmq_ctx_term(ctx);
    if (child > 0) {
        kill(child, SIGTERM);
        waitpid(child, NULL, 0);
        char sock[600];
        snprintf(sock, sizeof sock, "%s/echo", dir);
        unlink(sock);
        rmdir(dir);
    }
    printf("{\"mode\":\"%s\",\"service\":\"%s\",\"count\":%zu,\"round_trips_per_s\":%.1f,"
           "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"failed\":%ld}\n",
           raw ? "raw" : "service", service ? service : "", lat.n,
           elapsed > 0 ? (double) lat.n / elapsed : 0, samples_percentile(&lat, 50),
           samples_percentile(&lat, 90), samples_percentile(&lat, 99),
           samples_percentile(&lat, 100), failed);
    samples_free(&lat);
    return failed ? 3 : 0;
}
