/* consumer — see consumer.h. */
#include "consumer.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "event_types.h"
#include "log.h"
#include "outbox.h"
#include "service_impl.h"
#include "timeutil.h"
#include "wire.h"


static void
s_consumer_request(service_t *svc, consumer_t *c)
{
    if (!c->cursor_loaded) {
        if (cursor_load(svc->db, c->sub->source, &c->cursor))
            return;
        c->cursor_loaded = true;
    }
    Hrss__FeedRequest feed = HRSS__FEED_REQUEST__INIT;
    feed.after = c->cursor;
    feed.limit = FEED_PAGE;
    Hrss__Request req = HRSS__REQUEST__INIT;
    req.corr_id = ++svc->next_corr;
    req.body_case = HRSS__REQUEST__BODY_FEED;
    req.feed = &feed;
    if (wire_send(c->dealer, &req.base, ZMQ_DONTWAIT))
        return;   /* source not connected yet: the next tick tries again */
    c->inflight = req.corr_id;
    c->deadline_ms = monotonic_ms() + FEED_TIMEOUT_MS;
    c->want = false;
}

static const feed_handler_t *
s_feed_handler(const consumer_t *c, const char *type)
{
    for (const feed_handler_t *h = c->sub->handlers; h && h->type; h++)
        if (strcmp(h->type, type) == 0)
            return h;
    return NULL;
}

/* Applies a page and advances the cursor in one transaction. */
static int
s_consumer_apply(service_t *svc, consumer_t *c, const Hrss__FeedPage *page)
{
    if (page->n_events == 0)
        return 0;
    if (db_begin(svc->db))
        return -1;
    uint64_t last = c->cursor;
    for (size_t i = 0; i < page->n_events; i++) {
        const Hrss__Event *ev = page->events[i];
        if (!ev->has_seq || ev->seq <= last)
            continue;   /* already applied: pages may overlap after a re-send */
        last = ev->seq;
        const feed_handler_t *h = s_feed_handler(c, ev->type);
        const event_type_t *t = event_type_find(ev->type);
        if (!h || !t)
            continue;
        ProtobufCMessage *data = protobuf_c_message_unpack(t->data, &svc->page_alloc,
                                                           ev->data.len, ev->data.data);
        if (!data) {
            log_error("feed %s: event %" PRIu64 " of type %s undecodable, skipped",
                      c->sub->source, ev->seq, ev->type);
            continue;
        }
        if (h->apply(svc, ev, data))
            goto fail;
    }
    if ((c->sub->page_end && c->sub->page_end(svc, c->sub->source, true)) ||
        txn_commit(&svc->txn, svc->db, NULL, 0, c->sub->source, last))
        goto fail;
    c->cursor = last;
    c->pages++;
    service_committed(svc, page->n_events);
    return 0;
fail:
    txn_check_bug(svc->db, "a feed page");
    log_error("feed %s: page after %" PRIu64 " not applied: %s", c->sub->source, c->cursor,
              db_error(svc->db));
    if (c->sub->page_end)
        c->sub->page_end(svc, c->sub->source, false);   /* forget what the page gathered */
    txn_rollback(&svc->txn, svc->db);
    /* A COMMIT whose answer was lost (the server went away) may still have
     * committed the page and its cursor: the next page starts from the
     * cursor in the database, not from ours, or the page is counted twice. */
    c->cursor_loaded = false;
    return -1;
}

void
consumer_reply(service_t *svc, consumer_t *c)
{
    Hrss__Reply *reply =
        (Hrss__Reply *) wire_recv(c->dealer, &hrss__reply__descriptor, &svc->page_alloc);
    if (!reply) {
        if (errno != EAGAIN)
            svc->malformed++;
        arena_reset(svc->page_arena);
        return;
    }
    if (reply->corr_id != c->inflight) {
        arena_reset(svc->page_arena);   /* late answer to a re-sent request */
        return;
    }
    c->inflight = 0;
    if (reply->body_case == HRSS__REPLY__BODY_FEED) {
        const Hrss__FeedPage *page = reply->feed;
        c->head = page->head;
        if (s_consumer_apply(svc, c, page) == 0)
            c->want = page->n_events == FEED_PAGE || page->head > c->cursor;
        if (page->n_events < FEED_PAGE)   /* caught up: let the next page gather */
            c->gather_until_ms = monotonic_ms() + FEED_GATHER_MS;
    }
    arena_reset(svc->page_arena);
}

int
consumers_open(service_t *svc)
{
    for (const feed_subscription_t *sub = svc->def->feeds; sub && sub->source; sub++) {
        if (svc->nconsumers == MAX_CONSUMERS)
            return -1;
        consumer_t *c = &svc->consumers[svc->nconsumers++];
        c->sub = sub;
        c->want = true;
        char req_ep[512], pub_ep[512];
        if (config_service_endpoint(sub->source, req_ep, sizeof req_ep) ||
            config_service_pub(sub->source, pub_ep, sizeof pub_ep))
            return -1;
        c->dealer = wire_socket(svc->ctx, ZMQ_DEALER);
        c->nudges = wire_socket(svc->ctx, ZMQ_SUB);
        if (c->dealer && c->nudges &&
            (curve_client(svc->curve, c->dealer, sub->source) ||
             curve_client(svc->curve, c->nudges, sub->source))) {
            log_error("CURVE for the %s feed: %s", sub->source, curve_error());
            return -1;
        }
        if (!c->dealer || !c->nudges || zmq_connect(c->dealer, req_ep) ||
            zmq_setsockopt(c->nudges, ZMQ_SUBSCRIBE, "", 0) || zmq_connect(c->nudges, pub_ep))
            return -1;
    }
    return 0;
}


void
consumers_close(service_t *svc)
{
    for (size_t i = 0; i < svc->nconsumers; i++) {
        wire_close(&svc->consumers[i].dealer);
        wire_close(&svc->consumers[i].nudges);
    }
}

int64_t
consumer_prepare(service_t *svc, consumer_t *c, int64_t now, int64_t wake)
{
    if (c->inflight && now >= c->deadline_ms) {
        c->inflight = 0;
        c->want = true;
    }
    if (c->want && !c->inflight && now < c->gather_until_ms &&
        c->head < c->cursor + FEED_PAGE) {
        if (c->gather_until_ms < wake)
            wake = c->gather_until_ms;
    } else if (c->want && !c->inflight && svc->migrated && db_connected(svc->db)) {
        s_consumer_request(svc, c);
    }
    if (c->inflight && c->deadline_ms < wake)
        wake = c->deadline_ms;
    return wake;
}

void
consumer_nudged(consumer_t *c)
{
    uint8_t buf[256];
    int len;
    while ((len = zmq_recv(c->nudges, buf, sizeof buf, ZMQ_DONTWAIT)) >= 0) {
        /* the source's head: a full page waiting need not gather */
        Hrss__Nudge *nudge = (size_t) len <= sizeof buf
                                 ? hrss__nudge__unpack(NULL, (size_t) len, buf)
                                 : NULL;
        if (nudge && nudge->head > c->head)
            c->head = nudge->head;
        hrss__nudge__free_unpacked(nudge, NULL);
    }
    c->want = true;
}
