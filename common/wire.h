/* wire — ZeroMQ sockets carrying hrss protobuf messages.
 *
 * Every socket made here has a linger (shutdown never hangs), a frame size cap
 * (ZMQ_MAXMSGSIZE: a peer cannot make us allocate without bound) and bounded
 * queues. A request or reply is one frame holding one packed hrss.Request or
 * hrss.Reply; on a ROUTER it is preceded by the peer's routing id frame. */
#ifndef HRSS_WIRE_H
#define HRSS_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "hrss.pb-c.h"

#define WIRE_MAX_FRAME (16 * 1024 * 1024)

/* A socket of `type` with hrss's options; NULL on failure (errno set). */
void *wire_socket(void *ctx, int type);
/* Close and null the pointer; accepts NULL. */
void wire_close(void **sock_p);

/* Packs `msg` and sends it as one frame (flags: ZMQ_SNDMORE / ZMQ_DONTWAIT). */
int wire_send(void *sock, const ProtobufCMessage *msg, int flags);

/* Receives one frame and unpacks it as `desc` with `allocator` (NULL: malloc;
 * free it with the same one). NULL when the frame is not a valid message
 * (errno EPROTO: the caller counts and drops it) or on a socket error (errno
 * from zmq_msg_recv, EAGAIN when nothing was waiting); in both cases any
 * further frames of the multi-part message are drained. */
ProtobufCMessage *wire_recv(void *sock, const ProtobufCMessageDescriptor *desc,
                            ProtobufCAllocator *allocator);

/* ROUTER side: receives [routing id][payload]; `id` gets the routing id
 * (at most 255 bytes). NULL on a malformed message, which is drained (errno
 * EPROTO), or as wire_recv. The request is unpacked with `allocator` (NULL:
 * malloc; free it with the same one). */
Hrss__Request *wire_recv_request(void *router, unsigned char id[256], size_t *id_len,
                                 ProtobufCAllocator *allocator);
int wire_send_reply(void *router, const unsigned char *id, size_t id_len, const Hrss__Reply *reply);

/* Drains the remaining frames of a multi-part message. */
void wire_drain(void *sock);

#endif
