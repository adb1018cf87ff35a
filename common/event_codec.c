#include "event_codec.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "validate.h"

#define INT_FIELD_MAX 1000000000LL
#define REPEATED_MAX 32

static int
s_fail(codec_error_t *err, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
s_fail(codec_error_t *err, const char *code, const char *field, const char *fmt, ...)
{
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

static bool
s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Longest text a free-text field may hold, in characters. */
static size_t
s_text_limit(const char *name)
{
    static const struct {
        const char *name;
        size_t max;
    } limits[] = {{"name", 100},         {"employer_name", 100}, {"contractor_name", 100},
                  {"title", 100},        {"post", 100},          {"occupation", 100},
                  {"education", 50},     {"phone", 32},          {"reason", 500}};
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++)
        if (strcmp(limits[i].name, name) == 0)
            return limits[i].max;
    return 200;
}

/* Validates one string value of field `name` and returns its normalized,
 * malloc'd copy, or NULL with err filled. */
static char *
s_string_value(const char *type, const char *name, const char *path, json_t *value,
               codec_error_t *err)
{
    if (!json_is_string(value)) {
        s_fail(err, "invalid_type", path, "%s must be a string", path);
        return NULL;
    }
    const char *s = json_string_value(value);
    size_t len = json_string_length(value);
    const char *code = NULL;
    char buf[32];
    const char *normalized = s;
    int64_t days;
    int period;

    const char *allowed = event_field_enum(type, name);
    if (allowed) {
        if (!event_enum_allows(allowed, s, len) || strlen(s) != len) {
            s_fail(err, "invalid_value", path, "%s must be one of %s", path, allowed);
            return NULL;
        }
    } else if (strcmp(name, "id_number") == 0) {
        if (id_number_normalize(s, len, buf, &code)) {
            s_fail(err, code, path, "%s is not a valid resident id number (GB 11643)", path);
            return NULL;
        }
        normalized = buf;
    } else if (strcmp(name, "credit_code") == 0 || s_ends_with(name, "_credit_code")) {
        if (credit_code_normalize(s, len, buf, &code)) {
            s_fail(err, code, path, "%s is not a valid unified social credit code (GB 32100)",
                   path);
            return NULL;
        }
        normalized = buf;
    } else if (s_ends_with(name, "_on") || strcmp(name, "valid_until") == 0) {
        if (date_parse(s, len, &days)) {
            s_fail(err, "invalid_date", path, "%s must be a real date YYYY-MM-DD", path);
            return NULL;
        }
    } else if (strcmp(name, "period") == 0 || s_ends_with(name, "_period")) {
        if (period_parse(s, len, &period)) {
            s_fail(err, "invalid_period", path, "%s must be a month YYYY-MM", path);
            return NULL;
        }
    } else if (s_ends_with(name, "_id")) {
        if (ref_id_check(s, len, &code)) {
            s_fail(err, code, path, "%s must be 1 to 64 characters of [A-Za-z0-9._:-]", path);
            return NULL;
        }
    } else {
        size_t max = s_text_limit(name);
        if (len == 0) {
            s_fail(err, "invalid_text", path, "%s must be text of 1 to %zu characters", path, max);
            return NULL;
        }
        if (text_check(s, len, max, &code)) {
            s_fail(err, code, path, "%s must be text of 1 to %zu characters", path, max);
            return NULL;
        }
    }
    char *copy = strdup(normalized);
    if (!copy)
        s_fail(err, "internal", path, "out of memory");
    return copy;
}

static int
s_int_value(const char *name, const char *path, json_t *value, int64_t *out, codec_error_t *err)
{
    if (!json_is_integer(value))
        return s_fail(err, s_ends_with(name, "_fen") ? "invalid_amount" : "invalid_type", path,
                      "%s must be a whole number", path);
    int64_t v = json_integer_value(value);
    const char *code;
    if (s_ends_with(name, "_fen")) {
        if (money_fen_check(v, &code))
            return s_fail(err, code, path, "%s must be fen from 0 to 10^15", path);
    } else if (strcmp(name, "graduation_year") == 0) {
        if (v < 1950 || v > 2100)
            return s_fail(err, "invalid_value", path, "%s must be a year", path);
    } else if (v < 0 || v > INT_FIELD_MAX) {
        return s_fail(err, "invalid_value", path, "%s must be from 0 to %lld", path,
                      INT_FIELD_MAX);
    }
    *out = v;
    return 0;
}

static int
s_set_field(const char *type, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
            json_t *value, codec_error_t *err)
{
    char path[96];
    snprintf(path, sizeof path, "data.%s", f->name);
    char *base = (char *) msg;

    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        /* the data messages repeat strings only (categories) */
        if (f->type != PROTOBUF_C_TYPE_STRING || !json_is_array(value))
            return s_fail(err, "invalid_type", path, "%s must be an array of strings", path);
        size_t n = json_array_size(value);
        if (n > REPEATED_MAX)
            return s_fail(err, "too_long", path, "%s has more than %d items", path, REPEATED_MAX);
        char **items = calloc(n ? n : 1, sizeof *items);
        if (!items)
            return s_fail(err, "internal", path, "out of memory");
        *(char ***) (base + f->offset) = items;
        size_t *count = (size_t *) (base + f->quantifier_offset);
        for (size_t i = 0; i < n; i++) {
            char *item = s_string_value(type, f->name, path, json_array_get(value, i), err);
            if (!item)
                return -1;
            for (size_t j = 0; j < *count; j++)
                if (strcmp(items[j], item) == 0) {
                    free(item);
                    return s_fail(err, "invalid_value", path, "%s repeats a value", path);
                }
            items[(*count)++] = item;
        }
        return 0;
    }

    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char *s = s_string_value(type, f->name, path, value, err);
        if (!s)
            return -1;
        *(char **) (base + f->offset) = s;
        return 0;
    }
    case PROTOBUF_C_TYPE_INT64: {
        int64_t v = 0;
        if (s_int_value(f->name, path, value, &v, err))
            return -1;
        *(int64_t *) (base + f->offset) = v;
        break;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(value))
            return s_fail(err, "invalid_type", path, "%s must be true or false", path);
        *(protobuf_c_boolean *) (base + f->offset) = json_is_true(value);
        break;
    default:
        return s_fail(err, "internal", path, "%s has a type the codec does not handle", path);
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
        *(protobuf_c_boolean *) (base + f->quantifier_offset) = 1;
    return 0;
}

ProtobufCMessage *
event_data_decode(const event_type_t *t, json_t *data, codec_error_t *err)
{
    if (!json_is_object(data)) {
        s_fail(err, "invalid_type", "data", "data must be an object");
        return NULL;
    }
    const ProtobufCMessageDescriptor *d = t->data;
    ProtobufCMessage *msg = calloc(1, d->sizeof_message);
    if (!msg) {
        s_fail(err, "internal", "data", "out of memory");
        return NULL;
    }
    d->message_init(msg);

    const char *key;
    json_t *value;
    json_object_foreach(data, key, value) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
        if (!f) {
            s_fail(err, "unknown_field", "data", "data has a field %s that %s does not define",
                   key, t->type);
            snprintf(err->field, sizeof err->field, "data.%.80s", key);
            goto fail;
        }
        if (json_is_null(value) && f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;   /* an explicit null is an absent optional field */
        if (s_set_field(t->type, msg, f, value, err))
            goto fail;
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        json_t *v = json_object_get(data, f->name);
        if (!v || json_is_null(v)) {
            char path[96];
            snprintf(path, sizeof path, "data.%s", f->name);
            s_fail(err, "missing_field", path, "%s is required for %s", path, t->type);
            goto fail;
        }
    }
    return msg;
fail:
    protobuf_c_message_free_unpacked(msg, NULL);
    return NULL;
}

void
event_content_hash(const char *type, const char *region, int64_t occurred_at_us,
                   const uint8_t *data, size_t len, uint8_t out[EVENT_HASH_LEN])
{
    crypto_generichash_state st;
    char instant[24];
    int n = snprintf(instant, sizeof instant, "%lld", (long long) occurred_at_us);
    crypto_generichash_init(&st, NULL, 0, EVENT_HASH_LEN);
    crypto_generichash_update(&st, (const unsigned char *) type, strlen(type) + 1);
    crypto_generichash_update(&st, (const unsigned char *) region, strlen(region) + 1);
    crypto_generichash_update(&st, (const unsigned char *) instant, (size_t) n + 1);
    crypto_generichash_update(&st, data, len);
    crypto_generichash_final(&st, out, EVENT_HASH_LEN);
}

void
event_clear(Hrss__Event *ev)
{
    free(ev->id);
    free(ev->type);
    free(ev->region);
    free(ev->scope);
    free(ev->content_hash.data);
    free(ev->data.data);
    hrss__event__init(ev);
}

static char *
s_dup_string(json_t *v)
{
    return strndup(json_string_value(v), json_string_length(v));
}

int
event_decode(json_t *event, const char *scope, const region_table_t *regions, Hrss__Event *out,
             const event_type_t **type_out, codec_error_t *err)
{
    hrss__event__init(out);
    *type_out = NULL;
    if (!json_is_object(event))
        return s_fail(err, "invalid_type", "", "each event must be an object");
    const char *key;
    json_t *value;
    json_object_foreach(event, key, value) {
        if (strcmp(key, "id") && strcmp(key, "type") && strcmp(key, "region") &&
            strcmp(key, "occurred_at") && strcmp(key, "data")) {
            s_fail(err, "unknown_field", "", "an event has no field %.80s", key);
            snprintf(err->field, sizeof err->field, "%.90s", key);
            return -1;
        }
    }
    const char *code;
    json_t *id = json_object_get(event, "id");
    if (!json_is_string(id))
        return s_fail(err, id ? "invalid_type" : "missing_field", "id", "id must be a string");
    if (event_id_check(json_string_value(id), json_string_length(id), &code))
        return s_fail(err, code, "id", "id must be 8 to 64 characters of [A-Za-z0-9._:-]");

    json_t *type = json_object_get(event, "type");
    if (!json_is_string(type))
        return s_fail(err, type ? "invalid_type" : "missing_field", "type",
                      "type must be a string");
    const event_type_t *t = event_type_find(json_string_value(type));
    if (!t || t->derived || strlen(json_string_value(type)) != json_string_length(type))
        return s_fail(err, "unknown_type", "type", "%.64s is not an event type of the contract",
                      json_string_value(type));
    *type_out = t;

    json_t *region = json_object_get(event, "region");
    if (!json_is_string(region))
        return s_fail(err, region ? "invalid_type" : "missing_field", "region",
                      "region must be a 12-digit division code");
    if (region_check(regions, json_string_value(region), json_string_length(region), &code))
        return s_fail(err, code, "region", "%.12s is not a known 12-digit division code",
                      json_string_value(region));
    if (!region_contains(scope, json_string_value(region)))
        return s_fail(err, "out_of_scope", "region",
                      "region %s is outside the token's region %s", json_string_value(region),
                      scope);

    json_t *at = json_object_get(event, "occurred_at");
    int64_t us;
    if (!json_is_string(at))
        return s_fail(err, at ? "invalid_type" : "missing_field", "occurred_at",
                      "occurred_at must be an RFC 3339 timestamp with offset");
    if (rfc3339_parse(json_string_value(at), json_string_length(at), &us))
        return s_fail(err, "invalid_timestamp", "occurred_at",
                      "occurred_at must be an RFC 3339 timestamp with offset");
    /* an event from the future is a sender's clock error; allow a day of skew */
    if (us > now_us() + 86400LL * 1000000)
        return s_fail(err, "invalid_timestamp", "occurred_at", "occurred_at lies in the future");

    json_t *data = json_object_get(event, "data");
    if (!data)
        return s_fail(err, "missing_field", "data", "data is required");
    ProtobufCMessage *msg = event_data_decode(t, data, err);
    if (!msg)
        return -1;

    out->id = s_dup_string(id);
    out->type = strdup(t->type);
    out->region = s_dup_string(region);
    out->scope = strdup(scope);
    out->occurred_at_us = us;
    out->data.len = protobuf_c_message_get_packed_size(msg);
    out->data.data = malloc(out->data.len ? out->data.len : 1);
    out->content_hash.data = malloc(EVENT_HASH_LEN);
    if (!out->id || !out->type || !out->region || !out->scope || !out->data.data ||
        !out->content_hash.data) {
        protobuf_c_message_free_unpacked(msg, NULL);
        event_clear(out);
        return s_fail(err, "internal", "", "out of memory");
    }
    protobuf_c_message_pack(msg, out->data.data);
    protobuf_c_message_free_unpacked(msg, NULL);
    out->content_hash.len = EVENT_HASH_LEN;
    event_content_hash(out->type, out->region, us, out->data.data, out->data.len,
                       out->content_hash.data);
    return 0;
}

/* ---- encoding ------------------------------------------------------------ */

/* One field value into `w`; -1 when it has no JSON form (bytes, a NULL
 * string or sub-message, a string jansson would refuse): the caller drops it. */
static int
s_scalar_write(jsonw_t *w, const ProtobufCFieldDescriptor *f, const void *p, unsigned flags)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *) p;
        if (!s)
            return -1;
        if ((flags & CODEC_MASK_IDS) && strcmp(f->name, "id_number") == 0) {
            char masked[ID_NUMBER_LEN + 1];
            id_number_mask(s, masked);
            return jsonw_string(w, masked);
        }
        return jsonw_string(w, s);
    }
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return jsonw_int(w, *(const int64_t *) p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return jsonw_int(w, (int64_t) *(const uint64_t *) p);
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return jsonw_int(w, *(const int32_t *) p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return jsonw_int(w, *(const uint32_t *) p);
    case PROTOBUF_C_TYPE_BOOL:
        return jsonw_bool(w, *(const protobuf_c_boolean *) p);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
            (const ProtobufCEnumDescriptor *) f->descriptor, *(const int *) p);
        return v ? jsonw_string(w, v->name) : jsonw_int(w, *(const int *) p);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *) p;
        return m ? proto_write_json(w, m, flags) : -1;
    }
    default:
        return -1;   /* bytes are internal (hashes, packed data) */
    }
}

int
proto_write_json(jsonw_t *w, const ProtobufCMessage *msg, unsigned flags)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *base = (const char *) msg;
    if (jsonw_object_open(w))
        return -1;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        jsonw_mark_t m = jsonw_mark(w);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) (base + f->quantifier_offset);
            const char *items = *(char *const *) (base + f->offset);
            size_t size = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE
                              ? sizeof(void *)
                          : f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_UINT64
                              ? 8
                              : 4;
            jsonw_key(w, f->name);
            jsonw_array_open(w);
            for (size_t j = 0; j < n; j++) {
                jsonw_mark_t item = jsonw_mark(w);
                if (s_scalar_write(w, f, items + j * size, flags))
                    jsonw_rewind(w, item);
            }
            jsonw_array_close(w);
            continue;
        }
        /* the members of a oneof share one slot and one case number */
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *) (base + f->quantifier_offset) != f->id)
            continue;
        if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
            !*(const protobuf_c_boolean *) (base + f->quantifier_offset))
            continue;
        if (jsonw_key(w, f->name) || s_scalar_write(w, f, base + f->offset, flags))
            jsonw_rewind(w, m);
    }
    return jsonw_object_close(w);
}

/* The writer's text back as a jansson value, for callers that want a tree. */
static json_t *
s_writer_to_json(jsonw_t *w)
{
    size_t len;
    char *text = jsonw_finish(w, &len);
    json_t *out = text ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    return out;
}

json_t *
proto_to_json(const ProtobufCMessage *msg, unsigned flags)
{
    jsonw_t w;
    jsonw_init(&w, 512);
    if (proto_write_json(&w, msg, flags)) {
        jsonw_clear(&w);
        return NULL;
    }
    return s_writer_to_json(&w);
}

/* Unpacked data messages are short-lived: one arena, reset per event, spares
 * malloc and free for each of their strings. Larger requests go to malloc. */
typedef struct {
    _Alignas(16) char buf[16384];
    size_t used;
} s_unpack_arena_t;

static void *
s_arena_alloc(void *data, size_t size)
{
    s_unpack_arena_t *a = data;
    size_t need = (size + 15) & ~(size_t) 15;
    if (need <= sizeof a->buf - a->used) {
        void *p = a->buf + a->used;
        a->used += need;
        return p;
    }
    return malloc(size);
}

static void
s_arena_free(void *data, void *p)
{
    s_unpack_arena_t *a = data;
    if ((char *) p < a->buf || (char *) p >= a->buf + sizeof a->buf)
        free(p);
}

int
event_write_json(jsonw_t *w, const Hrss__Event *ev, unsigned flags)
{
    const event_type_t *t = event_type_find(ev->type);
    if (!t || !ev->id || !ev->region || !ev->scope)
        return -1;
    s_unpack_arena_t arena;
    arena.used = 0;
    ProtobufCAllocator alloc = {s_arena_alloc, s_arena_free, &arena};
    ProtobufCMessage *data =
        protobuf_c_message_unpack(t->data, &alloc, ev->data.len, ev->data.data);
    if (!data)
        return -1;
    char at[40];
    jsonw_mark_t m = jsonw_mark(w);
    jsonw_object_open(w);
    jsonw_key(w, "id");
    int rc = jsonw_string(w, ev->id);
    jsonw_key(w, "type");
    rc |= jsonw_string(w, ev->type);
    jsonw_key(w, "region");
    rc |= jsonw_string(w, ev->region);
    jsonw_key(w, "occurred_at");
    rc |= jsonw_string(w, format_rfc3339_cst(ev->occurred_at_us, at));
    jsonw_key(w, "scope");
    rc |= jsonw_string(w, ev->scope);
    jsonw_key(w, "data");
    rc |= proto_write_json(w, data, flags);
    protobuf_c_message_free_unpacked(data, &alloc);
    jsonw_mark_t opt = jsonw_mark(w);
    if (ev->source && (jsonw_key(w, "source") || jsonw_string(w, ev->source)))
        jsonw_rewind(w, opt);
    if (ev->has_seq) {
        jsonw_key(w, "seq");
        jsonw_int(w, (int64_t) ev->seq);
    }
    if (ev->has_recorded_at_us) {
        jsonw_key(w, "recorded_at");
        jsonw_string(w, format_rfc3339_cst(ev->recorded_at_us, at));
    }
    opt = jsonw_mark(w);
    if (ev->cause && (jsonw_key(w, "cause") || jsonw_string(w, ev->cause)))
        jsonw_rewind(w, opt);
    rc |= jsonw_object_close(w);
    if (rc || w->failed) {
        jsonw_rewind(w, m);
        return -1;
    }
    return 0;
}

json_t *
event_to_json(const Hrss__Event *ev, unsigned flags)
{
    jsonw_t w;
    jsonw_init(&w, 1024);
    if (event_write_json(&w, ev, flags)) {
        jsonw_clear(&w);
        return NULL;
    }
    return s_writer_to_json(&w);
}
