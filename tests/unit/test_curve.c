/* Unit tests for common/curve.c: CURVE with a ZAP handler on real ZeroMQ
 * sockets (tcp://127.0.0.1 and ipc:// in a temporary directory), in one
 * process, one context per "host". Only a client whose key is listed in
 * authorized/ gets a message through; an unlisted key, a plain (NULL
 * mechanism) peer and a client holding the wrong server key get nothing. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "curve.h"
#include "timeutil.h"
#include "wire.h"

#define WAIT_OK_MS 5000        /* a listed peer gets through well within this */
#define WAIT_REFUSED_MS 1500   /* a refused one is given this long to sneak through */

static char s_dir[64];

/* ---- helpers ------------------------------------------------------------------- */

static void
s_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", s_dir, name);
}

static void
s_keygen(const char *name)
{
    char pub[CURVE_KEY_Z85_LEN + 1];
    if (curve_keygen(s_dir, name, pub))
        fail_msg("keygen %s: %s", name, curve_error());
}

/* authorized/<as>.pub := <name>.pub */
static void
s_authorize(const char *name, const char *as)
{
    char from[256], to[256], buf[128];
    snprintf(from, sizeof from, "%s/%s.pub", s_dir, name);
    snprintf(to, sizeof to, "%s/authorized/%s.pub", s_dir, as);
    FILE *in = fopen(from, "r");
    assert_non_null(in);
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    FILE *out = fopen(to, "w");
    assert_non_null(out);
    assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(out);
}

static void
s_unauthorize(const char *as)
{
    char path[256];
    snprintf(path, sizeof path, "%s/authorized/%s.pub", s_dir, as);
    assert_int_equal(unlink(path), 0);
}

typedef struct {
    void *ctx;
    curve_t *curve;
    void *router;
    char tcp[256];
    char ipc[256];
} server_t;

static server_t *
s_server_new(void)
{
    server_t *srv = calloc(1, sizeof *srv);
    assert_non_null(srv);
    srv->ctx = zmq_ctx_new();
    srv->curve = curve_new(srv->ctx, "server");
    if (!srv->curve)
        fail_msg("curve_new: %s", curve_error());
    assert_true(curve_enabled(srv->curve));
    srv->router = wire_socket(srv->ctx, ZMQ_ROUTER);
    assert_non_null(srv->router);
    if (curve_server(srv->curve, srv->router))
        fail_msg("curve_server: %s", curve_error());
    assert_int_equal(zmq_bind(srv->router, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof srv->tcp;
    assert_int_equal(zmq_getsockopt(srv->router, ZMQ_LAST_ENDPOINT, srv->tcp, &len), 0);
    snprintf(srv->ipc, sizeof srv->ipc, "ipc://%s/server.req", s_dir);
    assert_int_equal(zmq_bind(srv->router, srv->ipc), 0);
    return srv;
}

/* The shutdown order of a daemon: sockets, then the ZAP handler, then the context. */
static void
s_server_destroy(server_t **srv_p)
{
    server_t *srv = *srv_p;
    wire_close(&srv->router);
    curve_destroy(&srv->curve);
    assert_null(srv->curve);
    assert_int_equal(zmq_ctx_term(srv->ctx), 0);
    free(srv);
    *srv_p = NULL;
}

/* Another "host": its own context and, for a CURVE client, its own keys. */
typedef struct {
    void *ctx;
    curve_t *curve;
    void *sock;
} client_t;

/* key NULL: a plain (NULL mechanism) client. No ZMQ_IMMEDIATE, so that the
 * message waits for the handshake and is sent the moment one succeeds. */
static client_t
s_client(int type, const char *key, const char *server_key, const char *endpoint)
{
    client_t c = {zmq_ctx_new(), NULL, NULL};
    c.sock = zmq_socket(c.ctx, type);
    assert_non_null(c.sock);
    int zero = 0;
    zmq_setsockopt(c.sock, ZMQ_LINGER, &zero, sizeof zero);
    if (key) {
        c.curve = curve_new(c.ctx, key);
        if (!c.curve)
            fail_msg("curve_new %s: %s", key, curve_error());
        if (curve_client(c.curve, c.sock, server_key))
            fail_msg("curve_client: %s", curve_error());
    }
    if (type == ZMQ_SUB)
        assert_int_equal(zmq_setsockopt(c.sock, ZMQ_SUBSCRIBE, "", 0), 0);
    assert_int_equal(zmq_connect(c.sock, endpoint), 0);
    return c;
}

static void
s_client_close(client_t *c)
{
    zmq_close(c->sock);
    curve_destroy(&c->curve);
    zmq_ctx_term(c->ctx);
}

/* Waits for one request on the router; true and its payload if one came. */
static bool
s_server_recv(server_t *srv, int timeout_ms, char *payload, size_t size, char *user, size_t usize,
              unsigned char id[256], size_t *id_len)
{
    zmq_pollitem_t item = {srv->router, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return false;
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    assert_true(zmq_msg_recv(&frame, srv->router, 0) >= 0);
    *id_len = zmq_msg_size(&frame);
    assert_true(*id_len < 256);
    memcpy(id, zmq_msg_data(&frame), *id_len);
    zmq_msg_close(&frame);
    zmq_msg_init(&frame);
    assert_true(zmq_msg_recv(&frame, srv->router, 0) >= 0);
    size_t n = zmq_msg_size(&frame);
    assert_true(n < size);
    memcpy(payload, zmq_msg_data(&frame), n);
    payload[n] = '\0';
    /* the ZAP handler's user id: which authorized key this peer holds */
    const char *uid = zmq_msg_gets(&frame, "User-Id");
    snprintf(user, usize, "%s", uid ? uid : "");
    zmq_msg_close(&frame);
    return true;
}

static void
s_assert_round_trip(server_t *srv, const char *endpoint)
{
    client_t c = s_client(ZMQ_DEALER, "client", "server", endpoint);
    assert_int_equal(zmq_send(c.sock, "ping", 4, 0), 4);
    char payload[64], user[64];
    unsigned char id[256];
    size_t id_len;
    if (!s_server_recv(srv, WAIT_OK_MS, payload, sizeof payload, user, sizeof user, id, &id_len))
        fail_msg("a listed client got nothing through %s", endpoint);
    assert_string_equal(payload, "ping");
    assert_string_equal(user, "client");
    assert_int_equal(zmq_send(srv->router, id, id_len, ZMQ_SNDMORE), (int) id_len);
    assert_int_equal(zmq_send(srv->router, "pong", 4, 0), 4);
    zmq_pollitem_t item = {c.sock, 0, ZMQ_POLLIN, 0};
    assert_int_equal(zmq_poll(&item, 1, WAIT_OK_MS), 1);
    char reply[8];
    assert_int_equal(zmq_recv(c.sock, reply, sizeof reply, 0), 4);
    assert_memory_equal(reply, "pong", 4);
    s_client_close(&c);
}

static void
s_assert_nothing_through(server_t *srv, client_t *c, const char *what)
{
    zmq_send(c->sock, "ping", 4, ZMQ_DONTWAIT);   /* queued until a handshake that never succeeds */
    char payload[64], user[64];
    unsigned char id[256];
    size_t id_len;
    if (s_server_recv(srv, WAIT_REFUSED_MS, payload, sizeof payload, user, sizeof user, id,
                      &id_len))
        fail_msg("%s got a message through (user id \"%s\")", what, user);
}

/* Waits until the server's ZAP handler has refused more than `before`. */
static bool
s_refused_since(server_t *srv, uint64_t before)
{
    int64_t until = monotonic_ms() + WAIT_OK_MS;
    while (curve_refusals(srv->curve) <= before && monotonic_ms() < until)
        usleep(20000);
    return curve_refusals(srv->curve) > before;
}

/* ---- fixtures ------------------------------------------------------------------ */

static int
s_group_setup(void **state)
{
    (void) state;
    snprintf(s_dir, sizeof s_dir, "/tmp/hrss-curve.XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    char path[256];
    s_path(path, sizeof path, "authorized");
    if (mkdir(path, 0700))
        return -1;
    setenv("HRSS_CURVE", "1", 1);
    setenv("HRSS_KEYS_DIR", s_dir, 1);
    s_keygen("server");
    s_keygen("client");
    s_keygen("stranger");
    s_authorize("client", "client");
    return 0;
}

static int
s_group_teardown(void **state)
{
    (void) state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int
s_setup(void **state)
{
    setenv("HRSS_CURVE", "1", 1);
    *state = s_server_new();
    return 0;
}

static int
s_teardown(void **state)
{
    server_t *srv = *state;
    s_server_destroy(&srv);
    /* a failed test must not leave its extra key authorized for the next */
    char path[256];
    s_path(path, sizeof path, "authorized/late.pub");
    unlink(path);
    return 0;
}

/* ---- tests --------------------------------------------------------------------- */

static void
test_listed_key_round_trip_over_tcp(void **state)
{
    s_assert_round_trip(*state, ((server_t *) *state)->tcp);
}

static void
test_listed_key_round_trip_over_ipc(void **state)
{
    s_assert_round_trip(*state, ((server_t *) *state)->ipc);
}

static void
test_unlisted_key_gets_nothing_through(void **state)
{
    server_t *srv = *state;
    const char *eps[] = {srv->tcp, srv->ipc};
    for (int i = 0; i < 2; i++) {
        uint64_t before = curve_refusals(srv->curve);
        client_t c = s_client(ZMQ_DEALER, "stranger", "server", eps[i]);
        s_assert_nothing_through(srv, &c, "an unlisted key");
        assert_true(s_refused_since(srv, before));
        s_client_close(&c);
    }
    /* the refusals did not spoil anything for a listed client */
    s_assert_round_trip(srv, srv->tcp);
}

static void
test_plain_client_gets_nothing_through(void **state)
{
    server_t *srv = *state;
    const char *eps[] = {srv->tcp, srv->ipc};
    for (int i = 0; i < 2; i++) {
        client_t c = s_client(ZMQ_DEALER, NULL, NULL, eps[i]);
        s_assert_nothing_through(srv, &c, "a plain (NULL mechanism) client");
        s_client_close(&c);
    }
}

static void
test_wrong_server_key_gets_nothing_through(void **state)
{
    server_t *srv = *state;
    /* a listed client key, but it believes the server is "stranger" */
    client_t c = s_client(ZMQ_DEALER, "client", "stranger", srv->tcp);
    s_assert_nothing_through(srv, &c, "a client with the wrong server key");
    s_client_close(&c);
}

/* authorized/ is reread: an added key gets in on its next connection, a
 * removed one is refused on its next connection. */
static void
test_authorized_changes_apply_to_new_connections(void **state)
{
    server_t *srv = *state;
    client_t c = s_client(ZMQ_DEALER, "stranger", "server", srv->tcp);
    s_assert_nothing_through(srv, &c, "an unlisted key");
    s_client_close(&c);

    s_authorize("stranger", "late");
    c = s_client(ZMQ_DEALER, "stranger", "server", srv->tcp);
    zmq_send(c.sock, "ping", 4, 0);
    char payload[64], user[64];
    unsigned char id[256];
    size_t id_len;
    if (!s_server_recv(srv, WAIT_OK_MS, payload, sizeof payload, user, sizeof user, id, &id_len))
        fail_msg("a key added to authorized/ was not let in");
    assert_string_equal(user, "late");
    s_client_close(&c);

    s_unauthorize("late");
    uint64_t before = curve_refusals(srv->curve);
    c = s_client(ZMQ_DEALER, "stranger", "server", srv->tcp);
    s_assert_nothing_through(srv, &c, "a key removed from authorized/");
    assert_true(s_refused_since(srv, before));
    s_client_close(&c);
}

/* libzmq gives up a connection whose key was refused; curve_tick connects
 * it again, so listing the key later is enough, without a restart. */
static void
test_refused_client_retries_until_listed(void **state)
{
    server_t *srv = *state;
    uint64_t before = curve_refusals(srv->curve);
    client_t c = s_client(ZMQ_DEALER, "stranger", "server", srv->tcp);
    s_assert_nothing_through(srv, &c, "an unlisted key");
    assert_true(s_refused_since(srv, before));

    s_authorize("stranger", "late");
    bool through = false;
    char payload[64], user[64] = "";
    unsigned char id[256];
    size_t id_len;
    int64_t until = monotonic_ms() + WAIT_OK_MS;
    while (!through && monotonic_ms() < until) {
        curve_tick(c.curve);
        zmq_send(c.sock, "ping", 4, ZMQ_DONTWAIT);
        through = s_server_recv(srv, 100, payload, sizeof payload, user, sizeof user, id, &id_len);
    }
    s_client_close(&c);
    assert_true(through);
    assert_string_equal(user, "late");
}

/* The notification side: a PUB server, SUB clients. */
static void
test_pub_reaches_listed_subscribers_only(void **state)
{
    server_t *srv = *state;
    void *pub = wire_socket(srv->ctx, ZMQ_PUB);
    assert_non_null(pub);
    assert_int_equal(curve_server(srv->curve, pub), 0);
    assert_int_equal(zmq_bind(pub, "tcp://127.0.0.1:*"), 0);
    char ep[256];
    size_t len = sizeof ep;
    assert_int_equal(zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, ep, &len), 0);

    client_t listed = s_client(ZMQ_SUB, "client", "server", ep);
    client_t stranger = s_client(ZMQ_SUB, "stranger", "server", ep);
    client_t plain = s_client(ZMQ_SUB, NULL, NULL, ep);
    /* subscriptions take a moment to arrive: publish until the listed one hears */
    bool heard = false;
    int64_t until = monotonic_ms() + WAIT_OK_MS;
    while (!heard && monotonic_ms() < until) {
        zmq_send(pub, "nudge", 5, ZMQ_DONTWAIT);
        zmq_pollitem_t item = {listed.sock, 0, ZMQ_POLLIN, 0};
        heard = zmq_poll(&item, 1, 50) == 1;
    }
    int leaked = 0;
    until = monotonic_ms() + WAIT_REFUSED_MS;
    while (heard && !leaked && monotonic_ms() < until) {
        zmq_send(pub, "nudge", 5, ZMQ_DONTWAIT);
        zmq_pollitem_t items[] = {{stranger.sock, 0, ZMQ_POLLIN, 0}, {plain.sock, 0, ZMQ_POLLIN, 0}};
        leaked = zmq_poll(items, 2, 50);
    }
    /* close before asserting: a socket left open would hang zmq_ctx_term */
    s_client_close(&listed);
    s_client_close(&stranger);
    s_client_close(&plain);
    wire_close(&pub);
    assert_true(heard);
    assert_int_equal(leaked, 0);
}

/* The handler itself, asked directly: 200 only for CURVE, domain "hrss" and
 * a listed key. */
static int
s_zap_ask(void *ctx, const char *domain, const char *mechanism, const uint8_t *key,
          size_t key_len, int nframes, char *user, size_t usize)
{
    void *req = zmq_socket(ctx, ZMQ_REQ);
    int zero = 0;
    zmq_setsockopt(req, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_connect(req, "inproc://zeromq.zap.01"), 0);
    const char *frames[] = {"1.0", "7", domain, "127.0.0.1", "", mechanism};
    for (int i = 0; i < nframes && i < 6; i++)
        zmq_send(req, frames[i], strlen(frames[i]), i + 1 < nframes ? ZMQ_SNDMORE : 0);
    if (nframes == 7)
        zmq_send(req, key, key_len, 0);
    char reply[6][64];
    int more = 1, n = 0;
    while (more && n < 6) {
        zmq_pollitem_t item = {req, 0, ZMQ_POLLIN, 0};
        int len = -1;
        if (zmq_poll(&item, 1, WAIT_OK_MS) == 1)
            len = zmq_recv(req, reply[n], sizeof reply[n] - 1, 0);
        if (len < 0)
            break;
        reply[n][len < 63 ? len : 63] = '\0';
        size_t ml = sizeof more;
        zmq_getsockopt(req, ZMQ_RCVMORE, &more, &ml);
        n++;
    }
    zmq_close(req);   /* before asserting: an open socket would hang zmq_ctx_term */
    assert_int_equal(n, 6);
    assert_string_equal(reply[0], "1.0");
    if (nframes >= 2)
        assert_string_equal(reply[1], "7");
    snprintf(user, usize, "%s", reply[4]);
    return atoi(reply[2]);
}

static void
s_read_pub(const char *name, uint8_t key[32])
{
    char path[256], z85[64];
    snprintf(path, sizeof path, "%s/%s.pub", s_dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(z85, sizeof z85, f));
    fclose(f);
    z85[CURVE_KEY_Z85_LEN] = '\0';
    assert_non_null(zmq_z85_decode(key, z85));
}

static void
test_zap_handler_rules(void **state)
{
    server_t *srv = *state;
    uint8_t client[32], stranger[32];
    char user[64];
    s_read_pub("client", client);
    s_read_pub("stranger", stranger);
    uint64_t before = curve_refusals(srv->curve);

    assert_int_equal(s_zap_ask(srv->ctx, "hrss", "CURVE", client, 32, 7, user, sizeof user), 200);
    assert_string_equal(user, "client");
    assert_int_equal(s_zap_ask(srv->ctx, "other", "CURVE", client, 32, 7, user, sizeof user), 400);
    assert_int_equal(s_zap_ask(srv->ctx, "", "CURVE", client, 32, 7, user, sizeof user), 400);
    assert_int_equal(s_zap_ask(srv->ctx, "hrss", "NULL", NULL, 0, 6, user, sizeof user), 400);
    assert_int_equal(s_zap_ask(srv->ctx, "hrss", "PLAIN", client, 32, 7, user, sizeof user), 400);
    assert_int_equal(s_zap_ask(srv->ctx, "hrss", "CURVE", stranger, 32, 7, user, sizeof user), 400);
    assert_string_equal(user, "");
    assert_int_equal(s_zap_ask(srv->ctx, "hrss", "CURVE", client, 31, 7, user, sizeof user), 400);
    assert_int_equal(s_zap_ask(srv->ctx, "hrss", "CURVE", NULL, 0, 3, user, sizeof user), 400);
    assert_int_equal(curve_refusals(srv->curve), before + 7);
}

/* ---- configuration and keys ------------------------------------------------------ */

static void
test_off_means_plain(void **state)
{
    (void) state;
    unsetenv("HRSS_CURVE");
    void *ctx = zmq_ctx_new();
    curve_t *curve = curve_new(ctx, "no-keys-needed");
    assert_non_null(curve);
    assert_false(curve_enabled(curve));
    void *router = wire_socket(ctx, ZMQ_ROUTER);
    assert_int_equal(curve_server(curve, router), 0);
    int mechanism = -1;
    size_t len = sizeof mechanism;
    assert_int_equal(zmq_getsockopt(router, ZMQ_MECHANISM, &mechanism, &len), 0);
    assert_int_equal(mechanism, ZMQ_NULL);
    wire_close(&router);
    curve_destroy(&curve);
    curve_destroy(&curve);   /* NULL is fine */

    setenv("HRSS_CURVE", "yes", 1);
    assert_null(curve_new(ctx, "server"));
    assert_non_null(strstr(curve_error(), "HRSS_CURVE"));
    zmq_ctx_term(ctx);
    setenv("HRSS_CURVE", "1", 1);
}

static void
test_keygen_writes_a_private_pair(void **state)
{
    (void) state;
    char pub[CURVE_KEY_Z85_LEN + 1], path[256], secret[64], derived[CURVE_KEY_Z85_LEN + 1];
    assert_int_equal(curve_keygen(s_dir, "fresh", pub), 0);
    assert_int_equal(strlen(pub), CURVE_KEY_Z85_LEN);
    struct stat st;
    s_path(path, sizeof path, "fresh.key");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(secret, sizeof secret, f));
    fclose(f);
    secret[CURVE_KEY_Z85_LEN] = '\0';
    assert_int_equal(zmq_curve_public(derived, secret), 0);
    assert_string_equal(derived, pub);
    s_path(path, sizeof path, "fresh.pub");
    f = fopen(path, "r");
    assert_non_null(f);
    char line[64];
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_int_equal(strncmp(line, pub, CURVE_KEY_Z85_LEN), 0);

    /* never overwrites, never leaves the directory */
    assert_int_equal(curve_keygen(s_dir, "fresh", pub), -1);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(curve_keygen(s_dir, "../escape", pub), -1);
    assert_int_equal(curve_keygen(s_dir, "", pub), -1);
}

static void
test_bad_keys_are_refused(void **state)
{
    (void) state;
    void *ctx = zmq_ctx_new();
    char pub[CURVE_KEY_Z85_LEN + 1], path[256], other[256];
    assert_int_equal(curve_keygen(s_dir, "loose", pub), 0);

    /* a secret key others can read */
    s_path(path, sizeof path, "loose.key");
    assert_int_equal(chmod(path, 0644), 0);
    assert_null(curve_new(ctx, "loose"));
    assert_non_null(strstr(curve_error(), "chmod 600"));
    assert_int_equal(chmod(path, 0600), 0);
    curve_t *ok = curve_new(ctx, "loose");
    assert_non_null(ok);
    curve_destroy(&ok);

    /* a public key that belongs to another secret key */
    s_path(path, sizeof path, "loose.pub");
    s_path(other, sizeof other, "stranger.pub");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(link(other, path), 0);
    assert_null(curve_new(ctx, "loose"));
    assert_non_null(strstr(curve_error(), "does not belong"));

    /* no keypair at all */
    assert_null(curve_new(ctx, "nobody"));

    /* a client of a server whose key is missing */
    curve_t *client = curve_new(ctx, "client");
    assert_non_null(client);
    void *dealer = wire_socket(ctx, ZMQ_DEALER);
    assert_int_equal(curve_client(client, dealer, "nowhere"), -1);
    assert_non_null(strstr(curve_error(), "nowhere.pub"));
    wire_close(&dealer);
    curve_destroy(&client);
    zmq_ctx_term(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_listed_key_round_trip_over_tcp, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_listed_key_round_trip_over_ipc, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unlisted_key_gets_nothing_through, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_plain_client_gets_nothing_through, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_server_key_gets_nothing_through, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_authorized_changes_apply_to_new_connections, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_refused_client_retries_until_listed, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_pub_reaches_listed_subscribers_only, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_zap_handler_rules, s_setup, s_teardown),
        cmocka_unit_test(test_off_means_plain),
        cmocka_unit_test(test_keygen_writes_a_private_pair),
        cmocka_unit_test(test_bad_keys_are_refused),
    };
    return cmocka_run_group_tests(tests, s_group_setup, s_group_teardown);
}
