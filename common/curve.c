#include "curve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "config.h"
#include "log.h"
#include "timeutil.h"
#include "wire.h"

/* A draft option in the 4.3 headers, implemented by the library since 4.2.
 * Setting it fails (and with it curve_server) if the library lacks it. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define KEY_LEN 32
#define KEY_FILE_MAX 4096          /* a key file is one line */
#define NAME_MAX_LEN 64
#define ZAP_FRAMES_MAX 8           /* RFC 27: 6 frames + CURVE's one credential */
#define RELOAD_MS 5000             /* authorized/ is reread at least this often */
#define REFUSAL_LOG_MS 60000       /* one log line per key per minute at most */
#define REFUSAL_SLOTS 32
#define WATCH_MAX 32               /* client sockets watched for refusals */
#define RETRY_FIRST_MS 1000        /* a refused client tries again after this, */
#define RETRY_MAX_MS 30000         /* doubling up to this */

typedef struct {
    uint8_t key[KEY_LEN];
    char name[NAME_MAX_LEN + 1];   /* the file's name without .pub: ZAP's user id */
} authorized_t;

typedef struct {
    uint8_t key[KEY_LEN];
    char mechanism[8];
    int64_t logged_ms;
} refusal_t;

/* A client socket and the monitor that tells when a server refused our key:
 * libzmq then gives the connection up for good, so curve_tick reconnects. */
typedef struct {
    void *sock;                    /* NULL once the socket is closed */
    void *monitor;                 /* PAIR receiving the socket's events */
    char server[NAME_MAX_LEN + 1];
    char endpoint[256];
    bool refused;                  /* a reconnect is due at retry_ms */
    bool was_refused;              /* since the last successful handshake */
    int64_t retry_ms;
    int backoff_ms;
} watch_t;

struct curve_t {
    void *ctx;
    bool enabled;
    char name[NAME_MAX_LEN + 1];
    char dir[1024];
    uint8_t public_key[KEY_LEN];
    uint8_t secret_key[KEY_LEN];
    /* Loaded by curve_new; once the ZAP thread runs it alone reads and reloads these. */
    authorized_t *keys;
    size_t nkeys;
    bool have_authorized;
    struct timespec authorized_mtime;
    int64_t authorized_loaded_ms;
    refusal_t refused[REFUSAL_SLOTS];
    /* ZAP handler thread */
    bool running;
    pthread_t thread;
    void *pipe;                    /* the main thread's end of the control pipe */
    void *thread_pipe, *zap;       /* the thread's: handed over when it starts */
    _Atomic uint64_t refusals;
    /* client sockets (main thread) */
    watch_t watched[WATCH_MAX];
    int nwatched;
};

static _Thread_local char s_error[512];

static void s_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
s_fail(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s_error, sizeof s_error, fmt, ap);
    va_end(ap);
    errno = saved;
}

const char *
curve_error(void)
{
    return s_error;
}

const char *
curve_keys_dir(void)
{
    return config_str("HRSS_KEYS_DIR", "var/keys");
}

/* Names become file names: keep them plain. */
static bool
s_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NAME_MAX_LEN || name[0] == '.' || name[0] == '-')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

/* Reads a small regular file. A secret key file must be closed to group
 * and others, as ssh insists for its keys. */
static int
s_read_file(const char *path, char *buf, size_t size, bool secret)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st))
        goto out;
    if (!S_ISREG(st.st_mode) || (size_t) st.st_size >= size) {
        errno = EINVAL;
        goto out;
    }
    if (secret && (st.st_mode & 077)) {
        errno = EPERM;
        goto out;
    }
    size_t len = 0;
    while (len + 1 < size) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        len += (size_t) n;
    }
    buf[len] = '\0';
    rc = 0;
out:
    close(fd);
    return rc;
}

/* The one z85 key line of a key file (blank lines around it allowed; no
 * comments, since '#' is a z85 digit), copied into z85. */
static int
s_key_line(const char *text, char z85[CURVE_KEY_Z85_LEN + 1])
{
    bool found = false;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t) (end - p) : strlen(p);
        const char *q = p;
        while (q < p + len && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        size_t n = (size_t) (p + len - q);
        while (n && (q[n - 1] == ' ' || q[n - 1] == '\t' || q[n - 1] == '\r'))
            n--;
        if (n) {
            if (found || n != CURVE_KEY_Z85_LEN)
                return -1;
            memcpy(z85, q, n);
            z85[n] = '\0';
            found = true;
        }
        p += len + (end ? 1 : 0);
    }
    return found ? 0 : -1;
}

/* Reads a key file: 32 bytes into key, the z85 text into z85 (optional). */
static int
s_read_key(const char *path, bool secret, uint8_t key[KEY_LEN], char z85[CURVE_KEY_Z85_LEN + 1])
{
    char text[KEY_FILE_MAX];
    char line[CURVE_KEY_Z85_LEN + 1];
    int rc = -1;
    if (s_read_file(path, text, sizeof text, secret))
        goto out;
    if (s_key_line(text, line) || !zmq_z85_decode(key, line)) {
        errno = EINVAL;
        goto out;
    }
    if (z85)
        memcpy(z85, line, sizeof line);
    rc = 0;
out:
    sodium_memzero(text, sizeof text);
    sodium_memzero(line, sizeof line);
    return rc;
}

static const char *
s_key_errstr(int err)
{
    switch (err) {
    case EINVAL: return "not a file holding one z85 key of 40 characters";
    case EPERM: return "readable by group or others (chmod 600)";
    default: return strerror(err);
    }
}

static bool
s_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Reads every <name>.pub of dir/authorized. Unreadable files are skipped and
 * the first one named in `bad`; -1 when the directory cannot be read. */
static int
s_load_authorized(const char *dir, authorized_t **keys_p, size_t *n_p, struct timespec *mtime,
                  char *bad, size_t bad_size)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/authorized", dir);
    bad[0] = '\0';
    struct stat st;
    if (stat(path, &st))
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    DIR *d = opendir(path);
    if (!d)
        return -1;
    authorized_t *keys = calloc(CURVE_MAX_AUTHORIZED, sizeof *keys);
    if (!keys) {
        closedir(d);
        return -1;
    }
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < CURVE_MAX_AUTHORIZED) {
        if (e->d_name[0] == '.' || !s_has_suffix(e->d_name, ".pub"))
            continue;
        size_t base = strlen(e->d_name) - 4;
        char file[1500];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        if (base > NAME_MAX_LEN || s_read_key(file, false, keys[n].key, NULL)) {
            if (!bad[0])
                snprintf(bad, bad_size, "%s: %s", file, s_key_errstr(errno));
            continue;
        }
        memcpy(keys[n].name, e->d_name, base);
        keys[n].name[base] = '\0';
        n++;
    }
    closedir(d);
    free(*keys_p);
    *keys_p = keys;
    *n_p = n;
    *mtime = st.st_mtim;
    return 0;
}

curve_t *
curve_new(void *ctx, const char *name)
{
    s_error[0] = '\0';
    curve_t *self = calloc(1, sizeof *self);
    if (!self) {
        s_fail("out of memory");
        return NULL;
    }
    self->ctx = ctx;
    atomic_init(&self->refusals, 0);
    int ok;
    long on = config_long("HRSS_CURVE", 0, 0, 1, &ok);
    if (!ok) {
        errno = EINVAL;
        s_fail("HRSS_CURVE must be 0 or 1");
        goto fail;
    }
    self->enabled = on == 1;
    if (!self->enabled)
        return self;
    if (!s_name_ok(name)) {
        errno = EINVAL;
        s_fail("%s is not a key name", name);
        goto fail;
    }
    snprintf(self->name, sizeof self->name, "%s", name);
    int n = snprintf(self->dir, sizeof self->dir, "%s", curve_keys_dir());
    if (n < 0 || (size_t) n >= sizeof self->dir) {
        errno = ENAMETOOLONG;
        s_fail("HRSS_KEYS_DIR is too long");
        goto fail;
    }

    char path[1200], secret_z85[CURVE_KEY_Z85_LEN + 1], public_z85[CURVE_KEY_Z85_LEN + 1];
    char derived[CURVE_KEY_Z85_LEN + 1];
    snprintf(path, sizeof path, "%s/%s.key", self->dir, name);
    if (s_read_key(path, true, self->secret_key, secret_z85)) {
        s_fail("secret key %s: %s", path, s_key_errstr(errno));
        goto fail;
    }
    int derive = zmq_curve_public(derived, secret_z85);
    sodium_memzero(secret_z85, sizeof secret_z85);
    if (derive) {
        s_fail("secret key %s: %s", path, zmq_strerror(errno));
        goto fail;
    }
    snprintf(path, sizeof path, "%s/%s.pub", self->dir, name);
    if (s_read_key(path, false, self->public_key, public_z85)) {
        s_fail("public key %s: %s", path, s_key_errstr(errno));
        goto fail;
    }
    if (strcmp(derived, public_z85) != 0) {
        errno = EINVAL;
        s_fail("%s does not belong to %s/%s.key", path, self->dir, name);
        goto fail;
    }
    /* A daemon without servers (the gateway) needs no authorized/. */
    char bad[1600];
    if (s_load_authorized(self->dir, &self->keys, &self->nkeys, &self->authorized_mtime, bad,
                          sizeof bad) == 0) {
        self->have_authorized = true;
        self->authorized_loaded_ms = monotonic_ms();
        if (bad[0]) {
            errno = EINVAL;
            s_fail("authorized key %s", bad);
            goto fail;
        }
    } else if (errno != ENOENT) {
        s_fail("%s/authorized: %s", self->dir, strerror(errno));
        goto fail;
    }
    return self;
fail:
    curve_destroy(&self);
    return NULL;
}

bool
curve_enabled(const curve_t *self)
{
    return self && self->enabled;
}

uint64_t
curve_refusals(const curve_t *self)
{
    return self ? atomic_load(&self->refusals) : 0;
}

/* ---- the ZAP handler (RFC 27), in its own thread ------------------------------- */

static bool
s_frame_is(zmq_msg_t *frame, const char *text)
{
    size_t n = strlen(text);
    return zmq_msg_size(frame) == n && memcmp(zmq_msg_data(frame), text, n) == 0;
}

/* A frame as printable text for a log line (peer-controlled: bounded, no
 * control characters). */
static void
s_frame_text(zmq_msg_t *frame, char *out, size_t size)
{
    size_t n = zmq_msg_size(frame);
    const unsigned char *p = zmq_msg_data(frame);
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < size; i++)
        out[j++] = p[i] >= 0x20 && p[i] < 0x7f ? (char) p[i] : '?';
    out[j] = '\0';
}

static void
s_authorized_refresh(curve_t *self)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/authorized", self->dir);
    struct stat st;
    int64_t now = monotonic_ms();
    bool changed = stat(path, &st) != 0 || st.st_mtim.tv_sec != self->authorized_mtime.tv_sec ||
                   st.st_mtim.tv_nsec != self->authorized_mtime.tv_nsec;
    if (!changed && now - self->authorized_loaded_ms < RELOAD_MS)
        return;
    char bad[1600];
    size_t before = self->nkeys;
    if (s_load_authorized(self->dir, &self->keys, &self->nkeys, &self->authorized_mtime, bad,
                          sizeof bad)) {
        /* gone or unreadable: nobody gets in */
        if (self->nkeys || changed)
            log_warn("CURVE: cannot read %s (%s): refusing every client", path, strerror(errno));
        self->nkeys = 0;
        self->authorized_mtime = (struct timespec){0, 0};
    } else if (changed) {
        log_info("CURVE: %s reread, %zu authorized keys (%zu before)", path, self->nkeys, before);
        if (bad[0])
            log_warn("CURVE: authorized key %s: skipped", bad);
    }
    self->authorized_loaded_ms = now;
}

static const authorized_t *
s_authorized_find(const curve_t *self, const uint8_t key[KEY_LEN])
{
    for (size_t i = 0; i < self->nkeys; i++)
        if (sodium_memcmp(self->keys[i].key, key, KEY_LEN) == 0)
            return &self->keys[i];
    return NULL;
}

/* Counts a refusal; logs it unless this key was logged within the minute. */
static void
s_refused(curve_t *self, const char *mechanism, const uint8_t key[KEY_LEN], const char *address,
          const char *reason)
{
    uint64_t total = atomic_fetch_add(&self->refusals, 1) + 1;
    int64_t now = monotonic_ms();
    refusal_t *slot = NULL, *oldest = &self->refused[0];
    for (int i = 0; i < REFUSAL_SLOTS; i++) {
        refusal_t *r = &self->refused[i];
        if (r->logged_ms && memcmp(r->key, key, KEY_LEN) == 0 &&
            strcmp(r->mechanism, mechanism) == 0) {
            slot = r;
            break;
        }
        if (r->logged_ms < oldest->logged_ms)
            oldest = r;
    }
    if (slot && now - slot->logged_ms < REFUSAL_LOG_MS)
        return;
    if (!slot) {
        slot = oldest;
        memcpy(slot->key, key, KEY_LEN);
        snprintf(slot->mechanism, sizeof slot->mechanism, "%s", mechanism);
    }
    slot->logged_ms = now ? now : 1;
    /* a public key is no secret: it names the peer to add or to chase */
    char z85[CURVE_KEY_Z85_LEN + 1] = "-";
    if (strcmp(mechanism, "CURVE") == 0)
        zmq_z85_encode(z85, key, KEY_LEN);
    log_warn("CURVE: refused a %s handshake from %s: %s (client key %s; %" PRIu64
             " refused since start, this key logged at most once a minute)",
             mechanism, address[0] ? address : "a local peer", reason, z85, total);
}

/* Answers one ZAP request on `zap`. */
static void
s_zap_answer(curve_t *self, void *zap)
{
    zmq_msg_t frames[ZAP_FRAMES_MAX];
    int n = 0;
    bool more = true, too_many = false;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, zap, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&frame);
            break;
        }
        more = zmq_msg_more(&frame);
        if (n < ZAP_FRAMES_MAX) {
            frames[n++] = frame;
        } else {
            too_many = true;
            zmq_msg_close(&frame);
        }
    }
    if (n == 0)
        return;   /* nothing read: a REP socket owes no answer */

    uint8_t key[KEY_LEN] = {0};
    char mechanism[8] = "?", address[64] = "";
    const char *reason = NULL;
    const authorized_t *who = NULL;
    if (too_many || n < 6 || !s_frame_is(&frames[0], "1.0")) {
        reason = "malformed ZAP request";
    } else {
        s_frame_text(&frames[5], mechanism, sizeof mechanism);
        s_frame_text(&frames[3], address, sizeof address);
        bool curve = s_frame_is(&frames[5], "CURVE");
        bool credentials = n == 7 && zmq_msg_size(&frames[6]) == KEY_LEN;
        if (curve && credentials)
            memcpy(key, zmq_msg_data(&frames[6]), KEY_LEN);
        if (!s_frame_is(&frames[2], CURVE_ZAP_DOMAIN))
            reason = "wrong ZAP domain";
        else if (!curve)
            reason = "not CURVE";
        else if (!credentials)
            reason = "malformed CURVE credentials";
        else {
            s_authorized_refresh(self);
            who = s_authorized_find(self, key);
            if (!who)
                reason = "key not in authorized/";
        }
    }
    if (reason)
        s_refused(self, mechanism, key, address, reason);

    /* version, request id, status code, status text, user id, metadata */
    const char *status = who ? "200" : "400";
    const char *text = who ? "OK" : "not authorized";
    const char *user = who ? who->name : "";
    zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
    if (n >= 2)
        zmq_send(zap, zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), ZMQ_SNDMORE);
    else
        zmq_send(zap, "", 0, ZMQ_SNDMORE);
    zmq_send(zap, status, 3, ZMQ_SNDMORE);
    zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(zap, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(zap, "", 0, 0);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&frames[i]);
}

/* The thread's sockets are made and bound by s_zap_start and handed over
 * with the thread's creation (a full memory barrier, as ZeroMQ requires for
 * moving a socket); from then on only this thread touches them. */
static void *
s_zap_thread(void *arg)
{
    curve_t *self = arg;
    void *pipe = self->thread_pipe, *zap = self->zap;
    for (;;) {
        zmq_pollitem_t items[] = {{pipe, 0, ZMQ_POLLIN, 0}, {zap, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;   /* ETERM: the context is going away */
        }
        if (items[0].revents & ZMQ_POLLIN)
            break;   /* curve_destroy */
        if (items[1].revents & ZMQ_POLLIN)
            s_zap_answer(self, zap);
    }
    wire_close(&zap);
    wire_close(&pipe);
    return NULL;
}

static void *
s_quick_socket(void *ctx, int type)
{
    void *sock = wire_socket(ctx, type);
    int zero = 0;   /* nothing on these sockets is worth waiting for at close */
    if (sock)
        zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    return sock;
}

static int
s_zap_start(curve_t *self)
{
    if (!self->have_authorized) {
        errno = ENOENT;
        s_fail("%s/authorized does not exist: a server needs the list of client keys it admits",
               self->dir);
        return -1;
    }
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://hrss-curve-%p", (void *) self);
    self->pipe = s_quick_socket(self->ctx, ZMQ_PAIR);
    self->thread_pipe = s_quick_socket(self->ctx, ZMQ_PAIR);
    self->zap = s_quick_socket(self->ctx, ZMQ_REP);
    if (!self->pipe || !self->thread_pipe || !self->zap || zmq_bind(self->pipe, endpoint) ||
        zmq_connect(self->thread_pipe, endpoint)) {
        s_fail("ZAP handler pipe: %s", zmq_strerror(errno));
        goto fail;
    }
    if (zmq_bind(self->zap, ZAP_ENDPOINT)) {
        s_fail("ZAP handler: cannot bind %s: %s", ZAP_ENDPOINT, zmq_strerror(errno));
        goto fail;
    }
    int err = pthread_create(&self->thread, NULL, s_zap_thread, self);
    if (err) {
        errno = err;
        s_fail("ZAP handler thread: %s", strerror(err));
        goto fail;
    }
    self->running = true;
    return 0;
fail:;
    int saved = errno;
    wire_close(&self->zap);
    wire_close(&self->thread_pipe);
    wire_close(&self->pipe);
    errno = saved;
    return -1;
}

int
curve_server(curve_t *self, void *sock)
{
    if (!self->enabled)
        return 0;
    if (!self->running && s_zap_start(self))
        return -1;
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, self->secret_key, KEY_LEN) ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, CURVE_ZAP_DOMAIN, strlen(CURVE_ZAP_DOMAIN)) ||
        zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one)) {
        s_fail("CURVE server options: %s", zmq_strerror(errno));
        return -1;
    }
    return 0;
}

int
curve_client(curve_t *self, void *sock, const char *server_name)
{
    if (!self->enabled)
        return 0;
    if (!s_name_ok(server_name)) {
        errno = EINVAL;
        s_fail("%s is not a key name", server_name);
        return -1;
    }
    char path[1200];
    uint8_t server_key[KEY_LEN];
    snprintf(path, sizeof path, "%s/%s.pub", self->dir, server_name);
    if (s_read_key(path, false, server_key, NULL)) {
        s_fail("public key of %s, %s: %s", server_name, path, s_key_errstr(errno));
        return -1;
    }
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_key, KEY_LEN) ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, self->public_key, KEY_LEN) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, self->secret_key, KEY_LEN)) {
        s_fail("CURVE client options: %s", zmq_strerror(errno));
        return -1;
    }
    if (self->nwatched == WATCH_MAX) {
        errno = ENOSPC;
        s_fail("more than %d CURVE client sockets", WATCH_MAX);
        return -1;
    }
    watch_t *w = &self->watched[self->nwatched];
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://hrss-curve-watch-%p-%d", (void *) self,
             self->nwatched);
    if (zmq_socket_monitor(sock, endpoint,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                               ZMQ_EVENT_MONITOR_STOPPED)) {
        s_fail("monitor of a CURVE client socket: %s", zmq_strerror(errno));
        return -1;
    }
    w->monitor = s_quick_socket(self->ctx, ZMQ_PAIR);
    if (!w->monitor || zmq_connect(w->monitor, endpoint)) {
        s_fail("monitor of a CURVE client socket: %s", zmq_strerror(errno));
        zmq_socket_monitor(sock, NULL, 0);
        wire_close(&w->monitor);
        return -1;
    }
    w->sock = sock;
    snprintf(w->server, sizeof w->server, "%s", server_name);
    w->backoff_ms = RETRY_FIRST_MS;
    self->nwatched++;
    return 0;
}

/* Reads what the monitor of one client socket has to say. */
static void
s_watch_events(watch_t *w, int64_t now)
{
    for (;;) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, w->monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&head);
            return;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&head) >= 2)
            memcpy(&event, zmq_msg_data(&head), 2);
        zmq_msg_close(&head);
        zmq_msg_init(&addr);
        if (zmq_msg_recv(&addr, w->monitor, ZMQ_DONTWAIT) >= 0 && zmq_msg_size(&addr) > 0 &&
            zmq_msg_size(&addr) < sizeof w->endpoint) {
            memcpy(w->endpoint, zmq_msg_data(&addr), zmq_msg_size(&addr));
            w->endpoint[zmq_msg_size(&addr)] = '\0';
        }
        zmq_msg_close(&addr);
        if (event == ZMQ_EVENT_MONITOR_STOPPED) {
            w->sock = NULL;   /* closed by its owner: nothing left to reconnect */
        } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && w->sock) {
            if (!w->was_refused)
                log_warn("CURVE: %s (%s) refused this daemon's key; retrying every %d s at most"
                         " until the key is in that server's authorized/",
                         w->server, w->endpoint, RETRY_MAX_MS / 1000);
            w->refused = w->was_refused = true;
            w->retry_ms = now + w->backoff_ms;
            w->backoff_ms = w->backoff_ms * 2 < RETRY_MAX_MS ? w->backoff_ms * 2 : RETRY_MAX_MS;
        } else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            if (w->was_refused)
                log_info("CURVE: %s (%s) accepts this daemon's key again", w->server, w->endpoint);
            w->was_refused = false;
            w->backoff_ms = RETRY_FIRST_MS;
        }
    }
}

void
curve_tick(curve_t *self)
{
    if (!self || !self->enabled)
        return;
    int64_t now = monotonic_ms();
    for (int i = 0; i < self->nwatched; i++) {
        watch_t *w = &self->watched[i];
        s_watch_events(w, now);
        if (!w->sock || !w->refused || now < w->retry_ms || !w->endpoint[0])
            continue;
        /* libzmq dropped the endpoint after the refusal: connect it anew */
        w->refused = false;
        zmq_disconnect(w->sock, w->endpoint);
        if (zmq_connect(w->sock, w->endpoint)) {
            w->refused = true;
            w->retry_ms = now + w->backoff_ms;
        }
    }
}

void
curve_destroy(curve_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    curve_t *self = *self_p;
    if (self->running) {
        /* The thread closes its sockets before it ends, so that the
         * caller's zmq_ctx_term afterwards does not wait for them. */
        if (zmq_send(self->pipe, "T", 1, 0) < 0)
            log_warn("CURVE: cannot stop the ZAP handler: %s", zmq_strerror(errno));
        pthread_join(self->thread, NULL);
        self->running = false;
        self->zap = self->thread_pipe = NULL;   /* closed by the thread */
    }
    wire_close(&self->pipe);
    for (int i = 0; i < self->nwatched; i++)
        wire_close(&self->watched[i].monitor);
    free(self->keys);
    sodium_memzero(self->secret_key, sizeof self->secret_key);
    free(self);
    *self_p = NULL;
}

/* ---- keys ----------------------------------------------------------------------- */

static int
s_write_new(const char *path, mode_t mode, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -1;
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            unlink(path);
            errno = saved;
            return -1;
        }
        done += (size_t) n;
    }
    /* the key must be on disk before anyone is told it exists */
    if (fsync(fd) || close(fd)) {
        int saved = errno;
        unlink(path);
        errno = saved;
        return -1;
    }
    return 0;
}

int
curve_keygen(const char *dir, const char *name, char public_z85[CURVE_KEY_Z85_LEN + 1])
{
    s_error[0] = '\0';
    if (!s_name_ok(name)) {
        errno = EINVAL;
        s_fail("%s is not a key name (letters, digits, . _ -)", name);
        return -1;
    }
    char secret_z85[CURVE_KEY_Z85_LEN + 1];
    char key_path[1200], pub_path[1200], text[CURVE_KEY_Z85_LEN + 2];
    int rc = -1;
    snprintf(key_path, sizeof key_path, "%s/%s.key", dir, name);
    snprintf(pub_path, sizeof pub_path, "%s/%s.pub", dir, name);
    if (access(key_path, F_OK) == 0 || access(pub_path, F_OK) == 0) {
        errno = EEXIST;
        s_fail("%s or %s exists: remove both to make a new keypair", key_path, pub_path);
        return -1;
    }
    if (zmq_curve_keypair(public_z85, secret_z85)) {
        s_fail("zmq_curve_keypair: %s", zmq_strerror(errno));
        goto out;
    }
    snprintf(text, sizeof text, "%s\n", secret_z85);
    if (s_write_new(key_path, 0600, text)) {
        s_fail("%s: %s", key_path, strerror(errno));
        goto out;
    }
    snprintf(text, sizeof text, "%s\n", public_z85);
    if (s_write_new(pub_path, 0644, text)) {
        s_fail("%s: %s", pub_path, strerror(errno));
        int saved = errno;
        unlink(key_path);
        errno = saved;
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(secret_z85, sizeof secret_z85);
    sodium_memzero(text, sizeof text);
    return rc;
}
