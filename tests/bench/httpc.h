/* httpc — a minimal blocking HTTP/1.1 client for the bench programs: one
 * keep-alive connection to 127.0.0.1, Content-Length or chunked responses.
 * One httpc_t per thread. It reconnects when the server closes and counts
 * it, because a connection closed after each request is itself a finding. */
#ifndef HRSS_BENCH_HTTPC_H
#define HRSS_BENCH_HTTPC_H

#include <stddef.h>

typedef struct httpc_t httpc_t;

/* `token` may be NULL (no Authorization header). Does not connect yet. */
httpc_t *httpc_new(const char *host, int port, const char *token);
void httpc_destroy(httpc_t **self_p);

/* Sends one request and reads the whole response. Returns the status code,
 * or -1 on a transport failure (message in httpc_error). *body (may be
 * NULL) points into the client's buffer until the next request. */
int httpc_request(httpc_t *self, const char *method, const char *path, const char *body,
                  size_t body_len, const char **resp, size_t *resp_len);
/* The same in two halves, so that a client can make its next request while
 * this one is served: httpc_send writes the request (body and path must stay
 * valid until httpc_receive returns, which may send them again once, on a new
 * connection, when a kept-alive one turns out closed); httpc_receive reads
 * its response. */
int httpc_send(httpc_t *self, const char *method, const char *path, const char *body,
               size_t body_len);
int httpc_receive(httpc_t *self, const char **resp, size_t *resp_len);
const char *httpc_error(const httpc_t *self);
/* Connections opened beyond the first. */
unsigned long httpc_reconnects(const httpc_t *self);

#endif
