/* Requests from the gateway to the services: one DEALER per service, many
 * requests in flight, matched to their replies by corr_id, each with a
 * deadline. Pending calls are kept in send order, which is deadline order
 * for a fixed timeout, so expiry looks at the head only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "timeutil.h"
#include "wire.h"

struct pending_t {
    uint64_t corr_id;
    int64_t deadline_ms;
    int64_t sent_us;
    service_id_t service;
    http_req_t *req;
    int part;
    upstream_cb *cb;
    pending_t *prev, *next;
};

int
upstream_timeout_ms(void)
{
    int ok;
    long ms = config_long("HRSS_UPSTREAM_TIMEOUT_MS", 5000, 100, 600000, &ok);
    return ok ? (int) ms : 5000;
}

int
upstream_open(gateway_t *gw, void *ctx)
{
    gw->upstream_timeout_ms = upstream_timeout_ms();
    for (int s = 0; s < SERVICE_COUNT; s++) {
        char ep[512];
        if (config_service_endpoint(service_name((service_id_t) s), ep, sizeof ep))
            return -1;
        gw->sockets[s] = wire_socket(ctx, ZMQ_DEALER);
        if (gw->sockets[s] && curve_client(gw->curve, gw->sockets[s],
                                           service_name((service_id_t) s))) {
            log_error("CURVE to %s: %s", service_name((service_id_t) s), curve_error());
            return -1;
        }
        if (!gw->sockets[s] || zmq_connect(gw->sockets[s], ep)) {
            log_error("cannot connect to %s at %s: %s", service_name((service_id_t) s), ep,
                      zmq_strerror(errno));
            return -1;
        }
    }
    /* reporting's nudges retire the cached answers; a nudge lost (PUB drops
     * for a slow or reconnecting subscriber) costs at most a second of
     * staleness: the generation also moves on every second */
    char pub[512];
    if (config_service_pub("reporting", pub, sizeof pub))
        return -1;
    gw->reporting_nudges = wire_socket(ctx, ZMQ_SUB);
    if (gw->reporting_nudges && curve_client(gw->curve, gw->reporting_nudges, "reporting")) {
        log_error("CURVE to reporting's nudges: %s", curve_error());
        return -1;
    }
    if (!gw->reporting_nudges ||
        zmq_setsockopt(gw->reporting_nudges, ZMQ_SUBSCRIBE, "", 0) ||
        zmq_connect(gw->reporting_nudges, pub)) {
        log_error("cannot subscribe to reporting at %s: %s", pub, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

void
upstream_answers_changed(gateway_t *gw)
{
    gw->answers_generation++;
}

static void
s_unlink(gateway_t *gw, pending_t *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        gw->pending_head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        gw->pending_tail = p->prev;
}

static void
s_finish(gateway_t *gw, pending_t *p, const Hrss__Reply *reply)
{
    s_unlink(gw, p);
    p->req->outstanding--;
    p->cb(gw, p->req, p->part, reply);
    free(p);
}

void
upstream_close(gateway_t *gw)
{
    while (gw->pending_head)
        s_finish(gw, gw->pending_head, NULL);
    for (int s = 0; s < SERVICE_COUNT; s++)
        wire_close(&gw->sockets[s]);
    wire_close(&gw->reporting_nudges);
}

void
upstream_call(gateway_t *gw, service_id_t service, Hrss__Request *msg, int timeout_ms,
              http_req_t *req, int part, upstream_cb *cb)
{
    msg->corr_id = ++gw->next_corr;
    req->outstanding++;
    /* With ZMQ_IMMEDIATE a service that is down refuses at once (EAGAIN):
     * the caller learns "unreachable" now instead of at the deadline. */
    if (wire_send(gw->sockets[service], &msg->base, ZMQ_DONTWAIT)) {
        req->outstanding--;
        cb(gw, req, part, NULL);
        return;
    }
    pending_t *p = calloc(1, sizeof *p);
    if (!p) {
        req->outstanding--;
        cb(gw, req, part, NULL);
        return;
    }
    p->corr_id = msg->corr_id;
    p->sent_us = monotonic_us();
    p->service = service;
    p->deadline_ms = monotonic_ms() + (timeout_ms > 0 ? timeout_ms : gw->upstream_timeout_ms);
    p->req = req;
    p->part = part;
    p->cb = cb;
    /* keep the list ordered by deadline: walk back from the tail */
    pending_t *after = gw->pending_tail;
    while (after && after->deadline_ms > p->deadline_ms)
        after = after->prev;
    p->prev = after;
    p->next = after ? after->next : gw->pending_head;
    if (p->next)
        p->next->prev = p;
    else
        gw->pending_tail = p;
    if (after)
        after->next = p;
    else
        gw->pending_head = p;
}

int
upstream_pollitems(gateway_t *gw, zmq_pollitem_t *items, int max)
{
    int n = 0;
    for (int s = 0; s < SERVICE_COUNT && n < max; s++)
        items[n++] = (zmq_pollitem_t){gw->sockets[s], 0, ZMQ_POLLIN, 0};
    if (n < max)
        items[n++] = (zmq_pollitem_t){gw->reporting_nudges, 0, ZMQ_POLLIN, 0};
    return n;
}

void
upstream_on_readable(gateway_t *gw, const zmq_pollitem_t *items, int n)
{
    if (n > SERVICE_COUNT && (items[SERVICE_COUNT].revents & ZMQ_POLLIN)) {
        char buf[256];
        while (zmq_recv(gw->reporting_nudges, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            ;
        upstream_answers_changed(gw);
    }
    for (int s = 0; s < n && s < SERVICE_COUNT; s++) {
        if (!(items[s].revents & ZMQ_POLLIN))
            continue;
        for (;;) {
            Hrss__Reply *reply = (Hrss__Reply *) wire_recv(items[s].socket, &hrss__reply__descriptor, NULL);
            if (!reply)
                break;
            pending_t *p = gw->pending_head;
            while (p && p->corr_id != reply->corr_id)
                p = p->next;
            gw->delivering = reply;
            if (p) {
                metrics_rtt(gw->metrics, p->service, monotonic_us() - p->sent_us);
                s_finish(gw, p, reply);
            }
            /* else: the answer came after its deadline; the client was told */
            if (gw->delivering)
                protobuf_c_message_free_unpacked(&gw->delivering->base, NULL);
            gw->delivering = NULL;
        }
    }
}

Hrss__Reply *
upstream_keep(gateway_t *gw)
{
    Hrss__Reply *reply = gw->delivering;
    gw->delivering = NULL;
    return reply;
}

int64_t
upstream_expire(gateway_t *gw, int64_t now_ms, int64_t cap)
{
    while (gw->pending_head && gw->pending_head->deadline_ms <= now_ms) {
        metrics_timeout(gw->metrics, gw->pending_head->service);
        s_finish(gw, gw->pending_head, NULL);
    }
    if (!gw->pending_head)
        return cap;
    int64_t wait = gw->pending_head->deadline_ms - now_ms;
    return wait < cap ? wait : cap;
}
