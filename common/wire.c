#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void *
wire_socket(void *ctx, int type)
{
    void *sock = zmq_socket(ctx, type);
    if (!sock)
        return NULL;
    int linger = 200;   /* ms: enough to flush a reply, never a hang at exit */
    int64_t maxmsg = WIRE_MAX_FRAME;
    int hwm = 10000;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (type == ZMQ_ROUTER) {
        /* A reply to a peer that went away must fail, not block or vanish silently. */
        int mandatory = 1;
        zmq_setsockopt(sock, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    }
    if (type == ZMQ_DEALER || type == ZMQ_REQ) {
        /* Requests queued for a peer that is down wait only until reconnect;
         * the caller's own deadline decides when to give up. */
        int immediate = 1;
        zmq_setsockopt(sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
        int ivl = 100, ivl_max = 1000;
        zmq_setsockopt(sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
        zmq_setsockopt(sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    }
    return sock;
}

void
wire_close(void **sock_p)
{
    if (sock_p && *sock_p) {
        zmq_close(*sock_p);
        *sock_p = NULL;
    }
}

int
wire_send(void *sock, const ProtobufCMessage *msg, int flags)
{
    size_t size = protobuf_c_message_get_packed_size(msg);
    zmq_msg_t frame;
    if (zmq_msg_init_size(&frame, size))
        return -1;
    protobuf_c_message_pack(msg, zmq_msg_data(&frame));
    if (zmq_msg_send(&frame, sock, flags) < 0) {
        zmq_msg_close(&frame);
        return -1;
    }
    return 0;
}

void
wire_drain(void *sock)
{
    int more = 0;
    size_t len = sizeof more;
    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, sock, 0) < 0) {
            zmq_msg_close(&frame);
            return;
        }
        zmq_msg_close(&frame);
        len = sizeof more;
    }
}

ProtobufCMessage *
wire_recv(void *sock, const ProtobufCMessageDescriptor *desc, ProtobufCAllocator *allocator)
{
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return NULL;
    }
    ProtobufCMessage *msg = NULL;
    if (!zmq_msg_more(&frame))
        msg = protobuf_c_message_unpack(desc, allocator, zmq_msg_size(&frame),
                                        zmq_msg_data(&frame));
    zmq_msg_close(&frame);
    wire_drain(sock);
    if (!msg)
        errno = EPROTO;   /* not EAGAIN: a frame came, it held no message */
    return msg;
}

Hrss__Request *
wire_recv_request(void *router, unsigned char id[256], size_t *id_len,
                  ProtobufCAllocator *allocator)
{
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return NULL;
    }
    int more = zmq_msg_more(&frame);
    *id_len = zmq_msg_size(&frame);
    if (*id_len > 255 || !more) {
        zmq_msg_close(&frame);
        wire_drain(router);
        errno = EPROTO;
        return NULL;
    }
    memcpy(id, zmq_msg_data(&frame), *id_len);
    zmq_msg_close(&frame);
    return (Hrss__Request *) wire_recv(router, &hrss__request__descriptor, allocator);
}

int
wire_send_reply(void *router, const unsigned char *id, size_t id_len, const Hrss__Reply *reply)
{
    if (zmq_send(router, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    return wire_send(router, &reply->base, ZMQ_DONTWAIT);
}
