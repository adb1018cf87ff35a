/* libFuzzer target: a frame off the wire, as a daemon unpacks it.
 *
 * Bytes -> protobuf_c_message_unpack as hrss.Request, hrss.Reply,
 * hrss.Nudge and every event data message of event_types (what the services
 * and consumers unpack from requests, replies and feed pages). What unpacks
 * is packed again, which must unpack again to the same bytes, and encoded as
 * JSON the way the gateway and the feed encode (proto_to_json, and
 * event_to_json for the events a request or a feed page carries). Must never
 * crash, leak or trip UBSan. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_codec.h"
#include "event_types.h"
#include "hrss.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_events_to_json(Hrss__Event **events, size_t n)
{
    for (size_t i = 0; i < n && i < 64; i++) {
        json_t *e = event_to_json(events[i], CODEC_MASK_IDS);
        json_decref(e);   /* NULL when the data does not decode: fine */
    }
}

/* Whether the message or one inside it kept fields it does not define. */
static bool
s_has_unknown_fields(const ProtobufCMessage *msg)
{
    if (msg->n_unknown_fields)
        return true;
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *slot = (const char *) msg + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) ((const char *) msg + f->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) slot;
            for (size_t k = 0; k < n; k++)
                if (s_has_unknown_fields(items[k]))
                    return true;
        } else {
            if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                *(const uint32_t *) ((const char *) msg + f->quantifier_offset) != f->id)
                continue;
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *) slot;
            if (sub && s_has_unknown_fields(sub))
                return true;
        }
    }
    return false;
}

/* The JSON of a message names only the member of a oneof that is set. */
static void
s_check_oneofs(const ProtobufCMessage *msg, json_t *j)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        uint32_t set = *(const uint32_t *) ((const char *) msg + f->quantifier_offset);
        if (json_object_get(j, f->name) && set != f->id) {
            fprintf(stderr, "%s: JSON shows %s, the oneof holds field %u\n", d->name, f->name,
                    set);
            abort();
        }
    }
}

static void
s_exercise(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
    ProtobufCMessage *msg = protobuf_c_message_unpack(desc, NULL, size, data);
    if (!msg)
        return;
    if (!protobuf_c_message_check(msg)) {
        fprintf(stderr, "%s: unpacked a message that does not check\n", desc->name);
        abort();
    }
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    if (protobuf_c_message_pack(msg, buf) != len)
        abort();
    /* What we pack must unpack, and pack again to the same bytes. Not for
     * messages carrying unknown fields: protobuf-c keeps a field numbered 0
     * read from a padded tag (0x80 0x00) and refuses it once packed. */
    ProtobufCMessage *again = protobuf_c_message_unpack(desc, NULL, len, buf);
    if (!again) {
        if (!s_has_unknown_fields(msg)) {
            fprintf(stderr, "%s: a re-packed message does not unpack\n", desc->name);
            abort();
        }
        free(buf);
        protobuf_c_message_free_unpacked(msg, NULL);
        return;
    }
    size_t len2 = protobuf_c_message_get_packed_size(again);
    uint8_t *buf2 = malloc(len2 ? len2 : 1);
    if (!buf2)
        abort();
    protobuf_c_message_pack(again, buf2);
    if (len2 != len || memcmp(buf, buf2, len) != 0) {
        fprintf(stderr, "%s: packing is not stable\n", desc->name);
        abort();
    }
    free(buf2);
    protobuf_c_message_free_unpacked(again, NULL);
    free(buf);

    json_t *j = proto_to_json(msg, CODEC_MASK_IDS);
    if (!j)
        abort();
    s_check_oneofs(msg, j);
    char *text = json_dumps(j, JSON_COMPACT);
    free(text);
    json_decref(j);

    if (desc == &hrss__request__descriptor) {
        const Hrss__Request *req = (const Hrss__Request *) msg;
        if (req->body_case == HRSS__REQUEST__BODY_EVENTS)
            s_events_to_json(req->events->events, req->events->n_events);
    } else if (desc == &hrss__reply__descriptor) {
        const Hrss__Reply *reply = (const Hrss__Reply *) msg;
        if (reply->body_case == HRSS__REPLY__BODY_FEED)
            s_events_to_json(reply->feed->events, reply->feed->n_events);
    }
    protobuf_c_message_free_unpacked(msg, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_exercise(&hrss__request__descriptor, data, size);
    s_exercise(&hrss__reply__descriptor, data, size);
    s_exercise(&hrss__nudge__descriptor, data, size);
    s_exercise(&hrss__event__descriptor, data, size);
    size_t ntypes;
    const event_type_t *types = event_type_all(&ntypes);
    for (size_t i = 0; i < ntypes; i++)
        s_exercise(types[i].data, data, size);
    return 0;
}
