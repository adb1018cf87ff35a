/* libFuzzer target: a POST /v1/events body as the gateway decodes it.
 *
 * Bytes -> jsonr_parse (as gateway_parse_body) -> event_decode of every event
 * under a nation-wide and a county scope, and event_data_decode of the body's
 * data object (or the whole document) by every event type. Whatever decodes
 * must survive the way back: the decoded data as JSON (proto_write_json) decodes
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
static jsonr_t *s_reader, *s_again;   /* the input, and a decoded message's own JSON */
static arena_t *s_arena;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    s_regions = region_table_load(NULL);
    s_reader = jsonr_new();
    s_again = jsonr_new();
    s_arena = arena_new();
    if (!s_regions || !s_reader || !s_again || !s_arena) {
        fprintf(stderr, "fuzz_event_decode: cannot load the region table (HRSS_DATA_DIR) or out of memory\n");
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
    jsonw_t w;
    jsonw_init(&w, 512);
    if (proto_write_json(&w, msg, 0))
        abort();
    size_t len;
    char *text = jsonw_finish(&w, &len);
    jsonr_error_t jerr;
    const jsonr_value_t *again = text ? jsonr_parse(s_again, text, len, &jerr) : NULL;
    if (!again) {
        fprintf(stderr, "%s: own JSON unreadable: %s\n", t->type, text ? jerr.text : "no text");
        abort();
    }
    codec_error_t err = {0};
    ProtobufCMessage *msg2 = event_data_decode(t, again, s_arena, &err);
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
    free(text);
}

static void
s_decode_event(const jsonr_value_t *event, const char *scope)
{
    Hrss__Event ev;
    const event_type_t *t;
    codec_error_t err = {0};
    if (event_decode(event, scope, s_regions, s_arena, &ev, &t, &err) != 0) {
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
    jsonr_error_t jerr;
    const jsonr_value_t *root = jsonr_parse(s_reader, (const char *) data, size, &jerr);
    if (!root)
        return 0;

    const jsonr_value_t *events = jsonr_get(root, "events");
    if (events && events->type == JSONR_ARRAY) {
        size_t i = 0;
        JSONR_ARRAY_EACH(events, ev) {
            if (i++ >= 16)
                break;
            s_decode_event(ev, "000000000000");
            s_decode_event(ev, "433123000000");
        }
    } else {
        s_decode_event(root, "000000000000");
    }

    const jsonr_value_t *payload = jsonr_get(root, "data");
    if (!payload && events && events->type == JSONR_ARRAY)
        payload = jsonr_get(jsonr_at(events, 0), "data");
    if (!payload)
        payload = root;
    size_t ntypes;
    const event_type_t *types = event_type_all(&ntypes);
    for (size_t i = 0; i < ntypes; i++) {
        codec_error_t err = {0};
        ProtobufCMessage *msg = event_data_decode(&types[i], payload, s_arena, &err);
        if (msg)
            s_data_round_trip(&types[i], msg);
    }
    arena_reset(s_arena);
    return 0;
}
