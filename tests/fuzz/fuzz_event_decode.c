/* libFuzzer target: a POST /v1/events body as the gateway decodes it.
 *
 * Bytes -> json_loadb (as gateway_parse_body) -> event_decode of every event
 * under a nation-wide and a county scope, and event_data_decode of the body's
 * data object (or the whole document) by every event type. Whatever decodes
 * must survive the way back: the decoded data as JSON (proto_to_json) decodes
 * again to the same packed bytes, and the decoded event encodes as a feed
 * event (event_to_json). Must never crash, leak or trip UBSan. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_codec.h"
#include "event_types.h"
#include "region.h"

static region_table_t *s_regions;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    s_regions = region_table_load(NULL);
    if (!s_regions) {
        fprintf(stderr, "fuzz_event_decode: cannot load the region table (HRSS_DATA_DIR)\n");
        abort();
    }
    return 0;
}

static uint8_t *
s_pack(const ProtobufCMessage *msg, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf)
        protobuf_c_message_pack(msg, buf);
    return buf;
}

/* decode -> JSON -> decode gives the same message */
static void
s_data_round_trip(const event_type_t *t, const ProtobufCMessage *msg)
{
    json_t *again = proto_to_json(msg, 0);
    if (!again)
        abort();
    codec_error_t err = {0};
    ProtobufCMessage *msg2 = event_data_decode(t, again, &err);
    if (!msg2) {
        fprintf(stderr, "%s: own JSON rejected: %s %s (%s)\n", t->type, err.code, err.field,
                err.message);
        abort();
    }
    size_t n1, n2;
    uint8_t *b1 = s_pack(msg, &n1), *b2 = s_pack(msg2, &n2);
    if (b1 && b2 && (n1 != n2 || memcmp(b1, b2, n1) != 0)) {
        fprintf(stderr, "%s: data changes on a round trip through JSON\n", t->type);
        abort();
    }
    free(b1);
    free(b2);
    protobuf_c_message_free_unpacked(msg2, NULL);
    json_decref(again);
}

static void
s_decode_event(json_t *event, const char *scope)
{
    Hrss__Event ev;
    const event_type_t *t;
    codec_error_t err = {0};
    if (event_decode(event, scope, s_regions, &ev, &t, &err) != 0) {
        if (!err.code)
            abort();   /* every rejection names its code */
        return;
    }
    if (!t || ev.content_hash.len != EVENT_HASH_LEN)
        abort();
    json_t *feed = event_to_json(&ev, CODEC_MASK_IDS);
    if (!feed)
        abort();   /* what was just decoded must encode */
    char *text = json_dumps(feed, JSON_COMPACT);
    free(text);
    json_decref(feed);
    event_clear(&ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return 0;

    json_t *events = json_object_get(root, "events");
    if (json_is_array(events)) {
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev) {
            if (i >= 16)
                break;
            s_decode_event(ev, "000000000000");
            s_decode_event(ev, "433123000000");
        }
    } else {
        s_decode_event(root, "000000000000");
    }

    json_t *payload = json_object_get(root, "data");
    if (!payload && json_is_array(events))
        payload = json_object_get(json_array_get(events, 0), "data");
    if (!payload)
        payload = root;
    size_t ntypes;
    const event_type_t *types = event_type_all(&ntypes);
    for (size_t i = 0; i < ntypes; i++) {
        codec_error_t err = {0};
        ProtobufCMessage *msg = event_data_decode(&types[i], payload, &err);
        if (!msg)
            continue;
        s_data_round_trip(&types[i], msg);
        protobuf_c_message_free_unpacked(msg, NULL);
    }
    json_decref(root);
    return 0;
}
