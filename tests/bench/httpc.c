#include "httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct httpc_t {
    struct sockaddr_in addr;
    char host[64];
    char *auth;              /* "Authorization: Bearer ...\r\n" or "" */
    int fd;
    unsigned long connects;
    char *buf;               /* bytes read from the socket */
    size_t len, cap;
    char *body;              /* the decoded body of the last response */
    size_t body_len, body_cap;
    /* the request sent and not yet answered, kept to send it again once */
    const char *method, *path, *req_body;
    size_t req_body_len;
    bool reused;             /* it went out on a kept-alive connection */
    char error[256];
};

httpc_t *
httpc_new(const char *host, int port, const char *token)
{
    httpc_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->fd = -1;
    self->addr.sin_family = AF_INET;
    self->addr.sin_port = htons((uint16_t) port);
    snprintf(self->host, sizeof self->host, "%s:%d", host, port);
    if (inet_pton(AF_INET, host, &self->addr.sin_addr) != 1) {
        free(self);
        return NULL;
    }
    size_t n = token ? strlen(token) + 40 : 1;
    self->auth = malloc(n);
    if (!self->auth) {
        free(self);
        return NULL;
    }
    if (token)
        snprintf(self->auth, n, "Authorization: Bearer %s\r\n", token);
    else
        self->auth[0] = '\0';
    return self;
}

void
httpc_destroy(httpc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    httpc_t *self = *self_p;
    if (self->fd >= 0)
        close(self->fd);
    free(self->auth);
    free(self->buf);
    free(self->body);
    free(self);
    *self_p = NULL;
}

const char *
httpc_error(const httpc_t *self)
{
    return self->error;
}

unsigned long
httpc_reconnects(const httpc_t *self)
{
    return self->connects > 1 ? self->connects - 1 : 0;
}

static void
s_close(httpc_t *self)
{
    if (self->fd >= 0)
        close(self->fd);
    self->fd = -1;
    self->len = 0;
}

static int
s_connect(httpc_t *self)
{
    self->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (self->fd < 0 || connect(self->fd, (struct sockaddr *) &self->addr, sizeof self->addr)) {
        snprintf(self->error, sizeof self->error, "connect: %s", strerror(errno));
        s_close(self);
        return -1;
    }
    int one = 1;
    setsockopt(self->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    self->connects++;
    self->len = 0;
    return 0;
}

static int
s_reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 65536;
    while (c < need)
        c *= 2;
    char *b = realloc(*buf, c);
    if (!b)
        return -1;
    *buf = b;
    *cap = c;
    return 0;
}

/* Reads more bytes into buf; 0 at EOF, -1 on error. */
static ssize_t
s_fill(httpc_t *self)
{
    if (s_reserve(&self->buf, &self->cap, self->len + 65536))
        return -1;
    ssize_t n;
    do
        n = read(self->fd, self->buf + self->len, self->cap - self->len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        self->len += (size_t) n;
    return n;
}

static int
s_send_all(int fd, struct iovec *iov, int cnt)
{
    while (cnt > 0) {
        ssize_t n = writev(fd, iov, cnt);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        while (cnt > 0 && (size_t) n >= iov->iov_len) {
            n -= (ssize_t) iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (char *) iov->iov_base + n;
            iov->iov_len -= (size_t) n;
        }
    }
    return 0;
}

/* Position just after "\r\n\r\n", or 0 when the head is not complete. */
static size_t
s_head_end(const char *buf, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
            return i + 1;
    return 0;
}

static const char *
s_header(const char *head, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = head; p && p < head + len;) {
        const char *eol = memchr(p, '\n', (size_t) (head + len - p));
        if (!eol)
            break;
        if ((size_t) (eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            return v;
        }
        p = eol + 1;
    }
    return NULL;
}

/* Writes the request (self->method ...) to the connection, opening one if
 * there is none. */
static int
s_send_request(httpc_t *self)
{
    self->reused = self->fd >= 0;
    if (!self->reused && s_connect(self))
        return -1;
    const char *method = self->method, *path = self->path, *body = self->req_body;
    size_t body_len = self->req_body_len;
    char head[1024];
    int hn = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      method, path, self->host, self->auth, body_len);
    if (hn < 0 || (size_t) hn >= sizeof head) {
        snprintf(self->error, sizeof self->error, "request head too long");
        return -1;
    }
    struct iovec iov[2] = {{head, (size_t) hn}, {(void *) body, body_len}};
    if (s_send_all(self->fd, iov, body_len ? 2 : 1)) {
        snprintf(self->error, sizeof self->error, "send: %s", strerror(errno));
        s_close(self);
        return -1;
    }
    return 0;
}

/* Reads one response; *got_bytes tells whether any byte of it came back (a
 * retry is only safe on a reused connection that answered nothing). */
static int
s_read_response(httpc_t *self, bool *got_bytes)
{
    *got_bytes = false;
    self->len = 0;
    size_t end;
    while (!(end = s_head_end(self->buf, self->len))) {
        ssize_t n = s_fill(self);
        if (n <= 0) {
            snprintf(self->error, sizeof self->error, "read: %s",
                     n == 0 ? "connection closed" : strerror(errno));
            return -1;
        }
        *got_bytes = true;
    }
    int status = 0;
    if (sscanf(self->buf, "HTTP/1.%*d %d", &status) != 1) {
        snprintf(self->error, sizeof self->error, "malformed status line");
        return -1;
    }
    const char *cl = s_header(self->buf, end, "Content-Length");
    const char *te = s_header(self->buf, end, "Transfer-Encoding");
    const char *conn = s_header(self->buf, end, "Connection");
    bool close_after = conn && strncasecmp(conn, "close", 5) == 0;
    self->body_len = 0;
    if (te && strncasecmp(te, "chunked", 7) == 0) {
        size_t pos = end;
        for (;;) {
            const char *eol;
            while (!(eol = memchr(self->buf + pos, '\n', self->len - pos)))
                if (s_fill(self) <= 0)
                    goto truncated;
            size_t chunk = strtoul(self->buf + pos, NULL, 16);
            pos = (size_t) (eol - self->buf) + 1;
            while (self->len < pos + chunk + 2)
                if (s_fill(self) <= 0)
                    goto truncated;
            if (chunk == 0)
                break;
            if (s_reserve(&self->body, &self->body_cap, self->body_len + chunk + 1))
                return -1;
            memcpy(self->body + self->body_len, self->buf + pos, chunk);
            self->body_len += chunk;
            pos += chunk + 2;
        }
    } else {
        size_t want = cl ? strtoul(cl, NULL, 10) : 0;
        while (self->len < end + want)
            if (s_fill(self) <= 0)
                goto truncated;
        if (s_reserve(&self->body, &self->body_cap, want + 1))
            return -1;
        memcpy(self->body, self->buf + end, want);
        self->body_len = want;
    }
    if (s_reserve(&self->body, &self->body_cap, self->body_len + 1))
        return -1;
    self->body[self->body_len] = '\0';
    if (close_after)
        s_close(self);
    return status;
truncated:
    snprintf(self->error, sizeof self->error, "response truncated");
    return -1;
}

int
httpc_send(httpc_t *self, const char *method, const char *path, const char *body,
           size_t body_len)
{
    self->method = method;
    self->path = path;
    self->req_body = body;
    self->req_body_len = body_len;
    /* a kept-alive connection the server had closed meanwhile refuses the
     * write: once more on a new one */
    if (s_send_request(self) && (!self->reused || s_send_request(self)))
        return -1;
    return 0;
}

int
httpc_receive(httpc_t *self, const char **resp, size_t *resp_len)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool got_bytes;
        int status = s_read_response(self, &got_bytes);
        if (status >= 0) {
            if (resp)
                *resp = self->body;
            if (resp_len)
                *resp_len = self->body_len;
            return status;
        }
        s_close(self);
        /* a kept-alive connection the server had closed meanwhile: the
         * request never reached it, so it goes once more on a new one */
        if (attempt > 0 || !self->reused || got_bytes || s_send_request(self))
            return -1;
    }
    return -1;
}

int
httpc_request(httpc_t *self, const char *method, const char *path, const char *body,
              size_t body_len, const char **resp, size_t *resp_len)
{
    return httpc_send(self, method, path, body, body_len) ? -1
                                                            : httpc_receive(self, resp, resp_len);
}
