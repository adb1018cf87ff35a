/* event_codec — events between JSON (the contract) and protobuf (the wire).
 *
 * Decoding validates as it goes, by the protobuf descriptor of the event's
 * data message and the kind the catalog (event_types.def) gives each field:
 * a GB 11643 id number, a GB 32100 credit code, money in fen, a date, a
 * month, an identifier, text of a bounded length, an enumeration's exact
 * strings. An unknown field, a missing required field or a value of the
 * wrong JSON type is an error naming the field. Nothing here logs or touches
 * the network. */
#ifndef HRSS_EVENT_CODEC_H
#define HRSS_EVENT_CODEC_H

#include <jansson.h>
#include <stdbool.h>

#include "arena.h"
#include "event_types.h"
#include "hrss.pb-c.h"
#include "jsonr.h"
#include "jsonw.h"
#include "region.h"

#define EVENT_HASH_LEN 32

typedef struct {
    const char *code;       /* stable machine code: "invalid_id_number" */
    char field[96];         /* "data.id_number", "region" */
    char message[256];      /* for people */
} codec_error_t;

/* Decodes the data object of an event of type `t`, or NULL with `err`
 * filled. The message is made in `arena` and its strings are the document's
 * or the arena's: it lives while both do, and is let go with them (never
 * with protobuf_c_message_free_unpacked). */
ProtobufCMessage *event_data_decode(const event_type_t *t, const jsonr_value_t *data,
                                    arena_t *arena, codec_error_t *err);

/* Decodes one event of a POST /v1/events body into `out` (fields allocated;
 * free with event_clear). `scope` is the pushing token's region; the event
 * must lie inside it (code "out_of_scope"). Computes the content hash.
 * `*type_out` receives the event's type once it is known. The event's data
 * message is made in `scratch` on the way, which the caller resets when it
 * likes. */
int event_decode(const jsonr_value_t *event, const char *scope, const region_table_t *regions,
                 arena_t *scratch, Hrss__Event *out, const event_type_t **type_out,
                 codec_error_t *err);
void event_clear(Hrss__Event *ev);

/* Flags of the JSON encoders. */
#define CODEC_MASK_IDS 1u   /* id_number fields as 433123********1234 */

/* A protobuf message as a JSON object, by its descriptor, into `w`: fields in
 * descriptor order, unset optionals and bytes left out. 0, or -1 when out of
 * memory. */
int proto_write_json(jsonw_t *w, const ProtobufCMessage *msg, unsigned flags);
/* The same as a jansson value. New reference. */
json_t *proto_to_json(const ProtobufCMessage *msg, unsigned flags);
/* A feed event as the JSON object of GET /v1/feed, into `w`. -1, with
 * nothing written, when its data cannot be decoded (a programming error
 * upstream) or memory runs out. */
int event_write_json(jsonw_t *w, const Hrss__Event *ev, unsigned flags);
/* The same as a jansson value. New reference, or NULL. */
json_t *event_to_json(const Hrss__Event *ev, unsigned flags);

/* Content hash of a decoded event: BLAKE2b-256 over type, region, instant and
 * the packed data. Same content, same hash, whatever the JSON spelling. */
void event_content_hash(const char *type, const char *region, int64_t occurred_at_us,
                        const uint8_t *data, size_t len, uint8_t out[EVENT_HASH_LEN]);

#endif
