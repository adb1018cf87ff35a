/* Raw garbage on the ZeroMQ endpoints of the running stack's daemons.
 *
 * Every service binds a ROUTER for requests and a PUB for nudges
 * (config_service_endpoint, config_service_pub); anyone who can reach them
 * can send anything. Each test throws one kind of garbage at every service
 * and then requires that the daemon still serves: its process lives, a real
 * Ping on a fresh socket is answered "ready" within a few seconds, and the
 * gateway's GET /readyz still says 200. Where the daemon must count what it
 * dropped (Pong.malformed), the test waits until the count has grown by what
 * a local unpack predicts, which also proves the garbage was read.
 *
 * The garbage is random from a seed printed at the start; HRSS_WIRE_SEED=N
 * replays it. The gateway binds no ZeroMQ endpoint: it only connects. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "config.h"
#include "hrss.pb-c.h"
#include "timeutil.h"
#include "wire.h"

static const char *const s_services[] = {"employment", "insurance", "arrears", "reporting"};
#define NSERVICES (sizeof s_services / sizeof *s_services)
/* A serving daemon answers a ping within this, and a batch of bad rows
 * within s_poison_ms; both longer when the daemons run under a wrapper
 * (HRSS_DAEMON_WRAPPER: valgrind is some 20 times slower). */
static int s_answer_ms = 5000;
static int s_poison_ms = 15000;
static size_t s_poison_events = 1000;
#define ANSWER_MS s_answer_ms

static void *s_ctx;
static uint64_t s_rng;
static uint64_t s_corr = 1000;

/* ---- helpers ------------------------------------------------------------------- */

static uint64_t
s_rand(void)
{
    /* xorshift64*: reproducible from the printed seed */
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ULL;
}

static void
s_fill(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t) s_rand();
}

static void *
s_socket(int type)
{
    void *sock = zmq_socket(s_ctx, type);
    assert_non_null(sock);
    /* closing must not discard what was sent but not yet transmitted */
    int linger = 3000, timeout = 5000, hwm = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    return sock;
}

static void *
s_connect(int type, const char *service)
{
    char ep[512];
    assert_int_equal(config_service_endpoint(service, ep, sizeof ep), 0);
    void *sock = s_socket(type);
    assert_int_equal(zmq_connect(sock, ep), 0);
    return sock;
}

static void
s_send(void *sock, const void *data, size_t len, int flags)
{
    if (zmq_send(sock, data, len, flags) < 0)
        fail_msg("zmq_send: %s", zmq_strerror(errno));
}

static uint8_t *
s_pack_request(const Hrss__Request *req, size_t *len)
{
    *len = hrss__request__get_packed_size(req);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_non_null(buf);
    hrss__request__pack(req, buf);
    return buf;
}

/* Sends a request on a fresh DEALER and waits for its reply; NULL if none
 * came within `ms`. The caller frees the reply. */
static Hrss__Reply *
s_call(const char *service, Hrss__Request *req, int ms)
{
    void *sock = s_connect(ZMQ_DEALER, service);
    req->corr_id = ++s_corr;
    size_t len;
    uint8_t *buf = s_pack_request(req, &len);
    s_send(sock, buf, len, 0);
    free(buf);
    Hrss__Reply *reply = NULL;
    int64_t deadline = monotonic_ms() + ms;
    while (!reply) {
        int64_t left = deadline - monotonic_ms();
        if (left <= 0)
            break;
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, (long) left) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, 0) >= 0) {
            reply = hrss__reply__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
            if (reply && reply->corr_id != req->corr_id) {
                hrss__reply__free_unpacked(reply, NULL);
                reply = NULL;
            }
        }
        zmq_msg_close(&msg);
    }
    zmq_close(sock);
    return reply;
}

/* Pings the service; fails the test unless it answers ready. Returns the
 * number of requests it has dropped as malformed. */
static uint64_t
s_ping(const char *service)
{
    Hrss__Ping ping = HRSS__PING__INIT;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.body_case = HRSS__REQUEST__BODY_PING;
    req.ping = &ping;
    Hrss__Reply *reply = s_call(service, &req, ANSWER_MS);
    if (!reply)
        fail_msg("%s does not answer a ping within %d ms", service, ANSWER_MS);
    if (reply->body_case != HRSS__REPLY__BODY_PONG || !reply->pong->ready)
        fail_msg("%s answers a ping, but not ready", service);
    uint64_t malformed = reply->pong->has_malformed ? reply->pong->malformed : 0;
    hrss__reply__free_unpacked(reply, NULL);
    return malformed;
}

/* Waits until the service has counted `expect` malformed requests. */
static void
s_wait_malformed(const char *service, uint64_t expect)
{
    int64_t deadline = monotonic_ms() + ANSWER_MS;
    uint64_t got;
    while ((got = s_ping(service)) < expect) {
        if (monotonic_ms() > deadline)
            fail_msg("%s counted %" PRIu64 " malformed requests, expected %" PRIu64, service,
                     got, expect);
        usleep(20000);
    }
}

static void
s_assert_alive(const char *service)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.pid", config_str("HRSS_RUN_DIR", "var/run"), service);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s: no pid file %s", service, path);
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 0 || kill((pid_t) pid, 0) != 0)
        fail_msg("%s (pid %ld) is gone", service, pid);
}

/* GET /readyz on the gateway: the HTTP status. */
static int
s_readyz(void)
{
    const char *addr = config_str("HRSS_HTTP_ADDR", "127.0.0.1");
    int port = atoi(config_str("HRSS_HTTP_PORT", "8080"));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    int status = -1;
    if (connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0) {
        const char *q = "GET /readyz HTTP/1.0\r\nHost: hrss\r\n\r\n";
        char buf[64] = {0};
        if (write(fd, q, strlen(q)) == (ssize_t) strlen(q) && read(fd, buf, sizeof buf - 1) > 12)
            sscanf(buf, "HTTP/1.%*d %d", &status);
    }
    close(fd);
    return status;
}

static void
s_assert_serving(const char *service)
{
    s_assert_alive(service);
    s_ping(service);
}

static void
s_assert_all_serving(void)
{
    for (size_t i = 0; i < NSERVICES; i++)
        s_assert_serving(s_services[i]);
    int status = -1;
    int64_t deadline = monotonic_ms() + ANSWER_MS;
    while ((status = s_readyz()) != 200 && monotonic_ms() < deadline)
        usleep(100000);
    assert_int_equal(status, 200);
}

/* A packed Request with an event batch of `n` events of `type` whose data
 * is `data`, for the counties no other test writes to. */
static uint8_t *
s_events_request(const char *type, const uint8_t *data, size_t data_len, size_t n, size_t *len)
{
    Hrss__Event *events = calloc(n, sizeof *events);
    Hrss__Event **ptrs = calloc(n, sizeof *ptrs);
    char (*ids)[48] = calloc(n, sizeof *ids);
    uint8_t hash[32] = {0};
    assert_true(events && ptrs && ids);
    for (size_t i = 0; i < n; i++) {
        hrss__event__init(&events[i]);
        snprintf(ids[i], sizeof ids[i], "garbage-%016" PRIx64 "-%zu", s_rand(), i);
        events[i].id = ids[i];
        events[i].type = (char *) type;
        events[i].region = "433122102001";
        events[i].scope = "433122000000";
        events[i].occurred_at_us = INT64_C(1740790800000000);
        events[i].content_hash.data = hash;
        events[i].content_hash.len = sizeof hash;
        events[i].data.data = (uint8_t *) data;
        events[i].data.len = data_len;
        ptrs[i] = &events[i];
    }
    Hrss__EventBatch batch = HRSS__EVENT_BATCH__INIT;
    batch.n_events = n;
    batch.events = ptrs;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.corr_id = ++s_corr;
    req.body_case = HRSS__REQUEST__BODY_EVENTS;
    req.events = &batch;
    uint8_t *buf = s_pack_request(&req, len);
    free(events);
    free(ptrs);
    free(ids);
    return buf;
}

/* ---- fixture --------------------------------------------------------------------- */

static int
s_setup(void **state)
{
    (void) state;
    if (!getenv("HRSS_RUN_DIR")) {
        fprintf(stderr, "HRSS_RUN_DIR is not set: this test needs a running stack "
                        "(run it through `deploy/local.sh test`)\n");
        return -1;
    }
    const char *seed = getenv("HRSS_WIRE_SEED");
    s_rng = seed && *seed ? strtoull(seed, NULL, 10) : (uint64_t) time(NULL) ^ (uint64_t) getpid();
    if (!s_rng)
        s_rng = 1;
    printf("wire garbage seed %" PRIu64 " (replay: HRSS_WIRE_SEED=%" PRIu64 ")\n", s_rng, s_rng);
    fflush(stdout);
    const char *wrapper = getenv("HRSS_DAEMON_WRAPPER");
    if (wrapper && *wrapper) {
        s_answer_ms *= 20;
        s_poison_ms *= 20;
        s_poison_events = 200;   /* the cost grows with the square of the batch */
    }
    s_ctx = zmq_ctx_new();
    return s_ctx ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    zmq_ctx_term(s_ctx);
    return 0;
}

/* ---- tests ------------------------------------------------------------------------ */

/* Frames of random bytes, 0 to 2000 long: dropped and counted, or (rarely)
 * a readable request that gets an answer. */
static void
test_random_frames(void **state)
{
    (void) state;
    for (size_t s = 0; s < NSERVICES; s++) {
        uint64_t before = s_ping(s_services[s]), expect = 0;
        void *sock = s_connect(ZMQ_DEALER, s_services[s]);
        uint8_t buf[2000];
        for (int i = 0; i < 300; i++) {
            size_t len = (size_t) (s_rand() % sizeof buf);
            s_fill(buf, len);
            Hrss__Request *r = hrss__request__unpack(NULL, len, buf);
            if (r)
                hrss__request__free_unpacked(r, NULL);
            else
                expect++;
            s_send(sock, buf, len, 0);
        }
        zmq_close(sock);
        s_wait_malformed(s_services[s], before + expect);
        s_assert_serving(s_services[s]);
    }
    s_assert_all_serving();
}

/* Every prefix of a real request (a batch of events, a feed request). */
static void
test_truncated_protobuf(void **state)
{
    (void) state;
    Hrss__PersonRegistered pr = HRSS__PERSON_REGISTERED__INIT;
    pr.id_number = "433122198001010018";
    pr.name = "截断";
    pr.household = "rural";
    uint8_t data[128];
    size_t data_len = hrss__person_registered__pack(&pr, data);
    size_t len;
    uint8_t *whole = s_events_request("employment.person_registered", data, data_len, 3, &len);
    for (size_t s = 0; s < NSERVICES; s++) {
        uint64_t before = s_ping(s_services[s]), expect = 0;
        void *sock = s_connect(ZMQ_DEALER, s_services[s]);
        for (size_t cut = 0; cut < len; cut++) {
            Hrss__Request *r = hrss__request__unpack(NULL, cut, whole);
            if (r)
                hrss__request__free_unpacked(r, NULL);
            else
                expect++;
            s_send(sock, whole, cut, 0);
        }
        zmq_close(sock);
        s_wait_malformed(s_services[s], before + expect);
    }
    free(whole);
    s_assert_all_serving();
}

/* A request followed by many more parts, a message of only empty parts,
 * and a single empty frame. */
static void
test_multipart_and_empty(void **state)
{
    (void) state;
    Hrss__Ping ping = HRSS__PING__INIT;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.corr_id = 7;
    req.body_case = HRSS__REQUEST__BODY_PING;
    req.ping = &ping;
    size_t len;
    uint8_t *buf = s_pack_request(&req, &len);
    for (size_t s = 0; s < NSERVICES; s++) {
        uint64_t before = s_ping(s_services[s]);
        void *sock = s_connect(ZMQ_DEALER, s_services[s]);
        for (int i = 0; i < 5000; i++)
            s_send(sock, buf, len, ZMQ_SNDMORE);
        s_send(sock, buf, len, 0);
        for (int i = 0; i < 100; i++)
            s_send(sock, "", 0, ZMQ_SNDMORE);
        s_send(sock, "", 0, 0);
        s_send(sock, "", 0, 0);
        zmq_close(sock);
        s_wait_malformed(s_services[s], before + 3);
        s_assert_serving(s_services[s]);
    }
    free(buf);
    s_assert_all_serving();
}

/* A frame above ZMQ_MAXMSGSIZE: libzmq drops the connection, the daemon
 * never sees it, and a new connection is served. */
static void
test_oversized_frame(void **state)
{
    (void) state;
    size_t len = WIRE_MAX_FRAME + 4096;
    uint8_t *big = malloc(len);
    assert_non_null(big);
    s_fill(big, 4096);
    memset(big + 4096, 0x5a, len - 4096);
    for (size_t s = 0; s < NSERVICES; s++) {
        void *sock = s_connect(ZMQ_DEALER, s_services[s]);
        s_send(sock, big, len, 0);
        s_send(sock, big, len, 0);
        usleep(100000);
        zmq_close(sock);
        s_assert_serving(s_services[s]);
    }
    free(big);
    s_assert_all_serving();
}

/* A REQ socket puts an empty delimiter before its payload: the ROUTER sees
 * [id][""][request], which is no request of ours. */
static void
test_req_envelope(void **state)
{
    (void) state;
    Hrss__Ping ping = HRSS__PING__INIT;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.corr_id = 9;
    req.body_case = HRSS__REQUEST__BODY_PING;
    req.ping = &ping;
    size_t len;
    uint8_t *buf = s_pack_request(&req, &len);
    for (size_t s = 0; s < NSERVICES; s++) {
        uint64_t before = s_ping(s_services[s]);
        void *sock = s_connect(ZMQ_REQ, s_services[s]);
        s_send(sock, buf, len, 0);
        zmq_close(sock);   /* no answer is coming: none is waited for */
        s_wait_malformed(s_services[s], before + 1);
    }
    free(buf);
    s_assert_all_serving();
}

/* Requests that unpack but make no sense: no body, a Reply sent as a
 * request, an empty batch, events of unknown types or with undecodable
 * data, queries with nonsense in every field. Each gets an answer. */
static void
test_readable_nonsense(void **state)
{
    (void) state;
    for (size_t s = 0; s < NSERVICES; s++) {
        const char *svc = s_services[s];
        Hrss__Request req = HRSS__REQUEST__INIT;
        Hrss__Reply *reply = s_call(svc, &req, ANSWER_MS);   /* no body */
        assert_non_null(reply);
        assert_int_equal(reply->body_case, HRSS__REPLY__BODY_FAILURE);
        hrss__reply__free_unpacked(reply, NULL);

        Hrss__EventBatch empty = HRSS__EVENT_BATCH__INIT;
        req.body_case = HRSS__REQUEST__BODY_EVENTS;
        req.events = &empty;
        reply = s_call(svc, &req, ANSWER_MS);
        assert_non_null(reply);
        if (reply->body_case == HRSS__REPLY__BODY_RESULTS)
            assert_int_equal(reply->results->n_results, 0);
        hrss__reply__free_unpacked(reply, NULL);

        Hrss__FeedRequest feed = HRSS__FEED_REQUEST__INIT;
        feed.after = UINT64_MAX;
        feed.limit = UINT32_MAX;
        req.body_case = HRSS__REQUEST__BODY_FEED;
        req.feed = &feed;
        reply = s_call(svc, &req, ANSWER_MS);
        assert_non_null(reply);
        hrss__reply__free_unpacked(reply, NULL);

        char junk[300];
        s_fill((uint8_t *) junk, sizeof junk - 1);
        for (size_t i = 0; i < sizeof junk - 1; i++)
            if (!junk[i])
                junk[i] = 'x';
        junk[sizeof junk - 1] = '\0';
        char *codes[3] = {junk, "emp.labor_force", ""};
        Hrss__PersonQuery person = HRSS__PERSON_QUERY__INIT;
        person.id_number = junk;
        req.body_case = HRSS__REQUEST__BODY_PERSON;
        req.person = &person;
        reply = s_call(svc, &req, ANSWER_MS);
        assert_non_null(reply);
        hrss__reply__free_unpacked(reply, NULL);

        Hrss__IndicatorQuery q = HRSS__INDICATOR_QUERY__INIT;
        const char *regions[] = {junk, "000000000000", "999999999999", "433122102001"};
        const char *periods[] = {junk, "2025-13", "0000-01", "2025-03"};
        for (int r = 0; r < 4; r++)
            for (int p = 0; p < 4; p++) {
                q.region = (char *) regions[r];
                q.period = (char *) periods[p];
                q.codes = codes;
                q.n_codes = (size_t) (s_rand() % 4);
                q.has_breakdown = q.has_series = 1;
                q.breakdown = (s_rand() & 1) != 0;
                q.series = (s_rand() & 1) != 0;
                req.body_case = HRSS__REQUEST__BODY_INDICATORS;
                req.indicators = &q;
                reply = s_call(svc, &req, ANSWER_MS);
                assert_non_null(reply);
                hrss__reply__free_unpacked(reply, NULL);
            }

        Hrss__IndicatorValue tv = HRSS__INDICATOR_VALUE__INIT;
        tv.code = junk;
        tv.value = -1;
        Hrss__IndicatorValue *tvs[] = {&tv};
        Hrss__TargetsPut put = HRSS__TARGETS_PUT__INIT;
        put.year = INT32_MIN;
        put.region = junk;
        put.targets = tvs;
        put.n_targets = 1;
        req.body_case = HRSS__REQUEST__BODY_TARGETS;
        req.targets = &put;
        reply = s_call(svc, &req, ANSWER_MS);
        assert_non_null(reply);
        hrss__reply__free_unpacked(reply, NULL);

        /* a Reply where a Request belongs: it may unpack as one, or not */
        Hrss__Failure failure = HRSS__FAILURE__INIT;
        failure.code = "unavailable";
        Hrss__Reply wrong = HRSS__REPLY__INIT;
        wrong.corr_id = 11;
        wrong.body_case = HRSS__REPLY__BODY_FAILURE;
        wrong.failure = &failure;
        uint8_t buf[256];
        size_t len = hrss__reply__pack(&wrong, buf);
        void *sock = s_connect(ZMQ_DEALER, svc);
        s_send(sock, buf, len, 0);
        zmq_close(sock);

        /* unknown types and undecodable data: rejected one by one */
        uint8_t data[64];
        s_fill(data, sizeof data);
        const char *types[] = {"employment.nonexistent", "employment.person_registered",
                               "insurance.enrolled", "arrears.clue_received", ""};
        for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
            size_t plen;
            uint8_t *packed = s_events_request(types[t], data, sizeof data, 5, &plen);
            Hrss__Request *again = hrss__request__unpack(NULL, plen, packed);
            assert_non_null(again);
            reply = s_call(svc, again, ANSWER_MS);
            assert_non_null(reply);
            if (reply->body_case == HRSS__REPLY__BODY_RESULTS) {
                assert_int_equal(reply->results->n_results, 5);
                for (size_t k = 0; k < 5; k++)
                    assert_int_not_equal(reply->results->results[k]->status,
                                         HRSS__OUTCOME__ACCEPTED);
            }
            hrss__reply__free_unpacked(reply, NULL);
            hrss__request__free_unpacked(again, NULL);
            free(packed);
        }
        s_assert_serving(svc);
    }
    s_assert_all_serving();
}

/* A client that sends and never reads: its replies pile up at the
 * high-water mark and are dropped; others are still answered. */
static void
test_unread_replies(void **state)
{
    (void) state;
    Hrss__Ping ping = HRSS__PING__INIT;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.body_case = HRSS__REQUEST__BODY_PING;
    req.ping = &ping;
    for (size_t s = 0; s < NSERVICES; s++) {
        void *sock = s_connect(ZMQ_DEALER, s_services[s]);
        int rcvhwm = 1;
        zmq_setsockopt(sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
        for (int i = 0; i < 30000; i++) {
            req.corr_id = (uint64_t) i + 1;
            uint8_t buf[32];
            size_t len = hrss__request__pack(&req, buf);
            s_send(sock, buf, len, 0);
        }
        s_assert_serving(s_services[s]);
        zmq_close(sock);
    }
    s_assert_all_serving();
}

/* Subscriptions a PUB must keep: many, long, odd. */
static void
test_pub_subscriptions(void **state)
{
    (void) state;
    uint8_t *sub = malloc(65536);
    assert_non_null(sub);
    for (size_t s = 0; s < NSERVICES; s++) {
        char ep[512];
        assert_int_equal(config_service_pub(s_services[s], ep, sizeof ep), 0);
        void *sock = s_socket(ZMQ_XSUB);
        assert_int_equal(zmq_connect(sock, ep), 0);
        for (int i = 0; i < 2000; i++) {
            size_t len = 1 + (size_t) (s_rand() % (i % 100 == 0 ? 65535 : 64));
            s_fill(sub, len);
            sub[0] = (uint8_t) (i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : sub[0]);
            s_send(sock, sub, len, 0);
        }
        usleep(100000);
        zmq_close(sock);
        s_assert_serving(s_services[s]);
    }
    free(sub);
    s_assert_all_serving();
}

/* The transport itself: bytes that are not ZMTP, a greeting followed by
 * garbage, a greeting announcing a frame of 2^62 bytes, connections that
 * never finish the handshake. */
static int
s_raw_connect(const char *ep)
{
    int fd = -1;
    if (strncmp(ep, "ipc://", 6) == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", ep + 6);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof sa) != 0) {
            close(fd);
            fd = -1;
        }
    } else if (strncmp(ep, "tcp://", 6) == 0) {
        char host[256];
        snprintf(host, sizeof host, "%s", ep + 6);
        char *colon = strrchr(host, ':');
        if (!colon)
            return -1;
        *colon = '\0';
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t) atoi(colon + 1))};
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
            return -1;
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof sa) != 0) {
            close(fd);
            fd = -1;
        }
    }
    return fd;
}

static void
test_raw_transport(void **state)
{
    (void) state;
    /* ZMTP 3.0 greeting, mechanism NULL, then a READY command */
    uint8_t greeting[64] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0, 'N', 'U', 'L', 'L'};
    const uint8_t ready[] = {0x04, 0x19, 0x05, 'R', 'E', 'A', 'D', 'Y', 0x0b, 'S', 'o', 'c',
                             'k', 'e', 't', '-', 'T', 'y', 'p', 'e', 0, 0, 0, 0x06,
                             'D', 'E', 'A', 'L', 'E', 'R'};
    const uint8_t huge[] = {0x02, 0x40, 0, 0, 0, 0, 0, 0, 0};   /* long frame, 2^62 bytes */
    int held[32];
    size_t nheld = 0;
    signal(SIGPIPE, SIG_IGN);
    for (size_t s = 0; s < NSERVICES; s++) {
        char eps[2][512];
        assert_int_equal(config_service_endpoint(s_services[s], eps[0], sizeof eps[0]), 0);
        assert_int_equal(config_service_pub(s_services[s], eps[1], sizeof eps[1]), 0);
        for (int e = 0; e < 2; e++) {
            for (int kind = 0; kind < 5; kind++) {
                int fd = s_raw_connect(eps[e]);
                if (fd < 0)
                    fail_msg("cannot connect to %s: %s", eps[e], strerror(errno));
                uint8_t junk[4096];
                s_fill(junk, sizeof junk);
                switch (kind) {
                case 0: /* not ZMTP at all */
                    (void) !write(fd, junk, sizeof junk);
                    break;
                case 1: /* a greeting, then garbage */
                    (void) !write(fd, greeting, sizeof greeting);
                    (void) !write(fd, junk, sizeof junk);
                    break;
                case 2: /* a handshake, then a frame of 2^62 bytes */
                    (void) !write(fd, greeting, sizeof greeting);
                    (void) !write(fd, ready, sizeof ready);
                    (void) !write(fd, huge, sizeof huge);
                    (void) !write(fd, junk, sizeof junk);
                    break;
                case 3: /* a greeting cut short, then silence: held open */
                    (void) !write(fd, greeting, 11);
                    break;
                default: /* a signature with random bytes after it */
                    junk[0] = 0xff;
                    junk[9] = 0x7f;
                    (void) !write(fd, junk, 64);
                    break;
                }
                if (kind == 3 && nheld < sizeof held / sizeof *held)
                    held[nheld++] = fd;
                else
                    close(fd);
            }
        }
        s_assert_serving(s_services[s]);
    }
    s_assert_all_serving();
    while (nheld)
        close(held[--nheld]);
}

/* A batch in which every other event trips a database constraint (a
 * household the gateway would never let through): each poisoned event is
 * rejected and the batch applied again without it, so the work grows with
 * the square of the batch. 1000 events (the contract's limit) take seconds;
 * 4000 took 80 s of a daemon that answered nobody else meanwhile, so a
 * larger batch is refused at once. */
static void
test_poisoned_batch(void **state)
{
    (void) state;
    const size_t n = s_poison_events, oversized = 4000;
    Hrss__Event *events = calloc(oversized, sizeof *events);
    Hrss__Event **ptrs = calloc(oversized, sizeof *ptrs);
    uint8_t(*data)[128] = calloc(oversized, sizeof *data);
    char(*ids)[48] = calloc(oversized, sizeof *ids);
    char(*idns)[19] = calloc(oversized, sizeof *idns);
    assert_true(events && ptrs && data && ids && idns);
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    uint8_t hash[32];
    s_fill(hash, sizeof hash);
    uint64_t run = s_rand() % 1000000;
    for (size_t i = 0; i < oversized; i++) {
        /* a valid id number of 泸溪县 (433122), distinct per run and event */
        snprintf(idns[i], sizeof idns[i], "433122%04d%02d%02d%03d", 1950 + (int) (run % 50),
                 1 + (int) (i % 12), 1 + (int) (i / 12 % 28), (int) ((run / 50 + i) % 1000));
        int sum = 0;
        for (int k = 0; k < 17; k++)
            sum += (idns[i][k] - '0') * w[k];
        idns[i][17] = "10X98765432"[sum % 11];
        idns[i][18] = '\0';
        Hrss__PersonRegistered pr = HRSS__PERSON_REGISTERED__INIT;
        pr.id_number = idns[i];
        pr.name = "毒";
        pr.household = i % 2 ? "nomad" : "rural";   /* CHECK (household IN (...)) */
        hrss__event__init(&events[i]);
        snprintf(ids[i], sizeof ids[i], "poison-%06" PRIu64 "-%04zu", run, i);
        events[i].id = ids[i];
        events[i].type = "employment.person_registered";
        events[i].region = "433122104001";
        events[i].scope = "433122000000";
        events[i].occurred_at_us = INT64_C(1740790800000000);
        events[i].content_hash.data = hash;
        events[i].content_hash.len = sizeof hash;
        events[i].data.data = data[i];
        events[i].data.len = hrss__person_registered__pack(&pr, data[i]);
        ptrs[i] = &events[i];
    }
    Hrss__EventBatch batch = HRSS__EVENT_BATCH__INIT;
    batch.n_events = oversized;
    batch.events = ptrs;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.body_case = HRSS__REQUEST__BODY_EVENTS;
    req.events = &batch;
    Hrss__Reply *refused = s_call("employment", &req, ANSWER_MS);
    if (!refused)
        fail_msg("no answer to a batch of %zu events within %d ms", oversized, ANSWER_MS);
    assert_int_equal(refused->body_case, HRSS__REPLY__BODY_FAILURE);
    assert_string_equal(refused->failure->code, "too_many_events");
    hrss__reply__free_unpacked(refused, NULL);

    batch.n_events = n;
    int64_t started = monotonic_ms();
    Hrss__Reply *reply = s_call("employment", &req, s_poison_ms);
    int64_t took = monotonic_ms() - started;
    printf("a batch of %zu events, every other one poisoned, answered in %" PRId64 " ms\n", n,
           took);
    if (!reply)
        fail_msg("no answer to a poisoned batch within %d ms", s_poison_ms);
    assert_int_equal(reply->body_case, HRSS__REPLY__BODY_RESULTS);
    assert_int_equal(reply->results->n_results, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(reply->results->results[i]->status,
                         i % 2 ? HRSS__OUTCOME__REJECTED : HRSS__OUTCOME__ACCEPTED);
    hrss__reply__free_unpacked(reply, NULL);
    free(events);
    free(ptrs);
    free(data);
    free(ids);
    free(idns);
    s_assert_all_serving();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_frames),     cmocka_unit_test(test_truncated_protobuf),
        cmocka_unit_test(test_multipart_and_empty), cmocka_unit_test(test_oversized_frame),
        cmocka_unit_test(test_req_envelope),      cmocka_unit_test(test_readable_nonsense),
        cmocka_unit_test(test_unread_replies),    cmocka_unit_test(test_pub_subscriptions),
        cmocka_unit_test(test_raw_transport),     cmocka_unit_test(test_poisoned_batch),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
