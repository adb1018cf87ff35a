#include "event_codec.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrss_limits.h"
#include "timeutil.h"
#include "validate.h"

#define REPEATED_MAX LIMIT_REPEATED_ITEMS

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

/* Fails on data field `name`: the field is "data.<name>", and the message
 * that path followed by the rest. The path is formatted here only, as a
 * failure is rare and a batch has thousands of fields. */
static int
s_fail_field(codec_error_t *err, const char *code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
s_fail_field(codec_error_t *err, const char *code, const char *name, const char *fmt, ...)
{
    err->code = code;
    snprintf(err->field, sizeof err->field, "data.%s", name);
    int n = snprintf(err->message, sizeof err->message, "%s ", err->field);
    if (n < 0 || (size_t) n >= sizeof err->message)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + n, sizeof err->message - (size_t) n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Validates one string value of catalog field `cf` and returns it
 * normalized: the document's own string, or a normalized copy in `arena`;
 * NULL with err filled. */
static const char *
s_string_value(const event_field_t *cf, const jsonr_value_t *value, arena_t *arena,
               codec_error_t *err)
{
    const char *name = cf->name;
    if (value->type != JSONR_STRING) {
        s_fail_field(err, "invalid_type", name, "must be a string");
        return NULL;
    }
    const char *s = value->as.string;   /* a document's string holds no NUL */
    size_t len = value->size;
    const char *code = NULL;
    char buf[32];
    int64_t days;
    int period;

    switch (cf->kind) {
    case FIELD_ENUM:
        if (!event_enum_allows(cf->allowed, s, len)) {
            s_fail_field(err, "invalid_value", name, "must be one of %s", cf->allowed);
            return NULL;
        }
        break;
    case FIELD_ID_NUMBER:
        if (id_number_normalize(s, len, buf, &code)) {
            s_fail_field(err, code, name, "is not a valid resident id number (GB 11643)");
            return NULL;
        }
        s = buf;
        break;
    case FIELD_CREDIT_CODE:
        if (credit_code_normalize(s, len, buf, &code)) {
            s_fail_field(err, code, name, "is not a valid unified social credit code (GB 32100)");
            return NULL;
        }
        s = buf;
        break;
    case FIELD_DATE:
        if (date_parse(s, len, &days)) {
            s_fail_field(err, "invalid_date", name, "must be a real date YYYY-MM-DD");
            return NULL;
        }
        break;
    case FIELD_PERIOD:
        if (period_parse(s, len, &period)) {
            s_fail_field(err, "invalid_period", name, "must be a month YYYY-MM");
            return NULL;
        }
        break;
    case FIELD_REF_ID:
        if (ref_id_check(s, len, &code)) {
            s_fail_field(err, code, name, "must be 1 to 64 characters of [A-Za-z0-9._:-]");
            return NULL;
        }
        break;
    case FIELD_TEXT:
        if (len == 0 || text_check(s, len, cf->max, &code)) {
            s_fail_field(err, len == 0 ? "invalid_text" : code, name,
                         "must be text of 1 to %zu characters", cf->max);
            return NULL;
        }
        break;
    default:
        s_fail_field(err, "internal", name, "is a string, which its catalog kind is not");
        return NULL;
    }
    if (s != buf)
        return s;
    char *copy = arena_strdup(arena, buf);
    if (!copy)
        s_fail_field(err, "internal", name, "out of memory");
    return copy;
}

static int
s_int_value(const event_field_t *cf, const jsonr_value_t *value, int64_t *out, codec_error_t *err)
{
    const char *name = cf->name;
    if (value->type != JSONR_INTEGER)
        return s_fail_field(err, cf->kind == FIELD_MONEY ? "invalid_amount" : "invalid_type",
                            name, "must be a whole number");
    int64_t v = value->as.integer;
    const char *code;
    switch (cf->kind) {
    case FIELD_MONEY:
        if (money_fen_check(v, &code))
            return s_fail_field(err, code, name, "must be fen from 0 to 10^15");
        break;
    case FIELD_YEAR:
        if (v < LIMIT_GRADUATION_YEAR_MIN || v > LIMIT_GRADUATION_YEAR_MAX)
            return s_fail_field(err, "invalid_value", name, "must be a year");
        break;
    case FIELD_COUNT:
        if (v < 0 || v > LIMIT_COUNT_MAX)
            return s_fail_field(err, "invalid_value", name, "must be from 0 to %lld",
                                LIMIT_COUNT_MAX);
        break;
    default:
        return s_fail_field(err, "internal", name, "is a number, which its catalog kind is not");
    }
    *out = v;
    return 0;
}

static int
s_set_field(const event_type_t *t, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
            const jsonr_value_t *value, arena_t *arena, codec_error_t *err)
{
    char *base = (char *) msg;
    const event_field_t *cf = event_field_find(t, f->name, (int) (f - t->data->fields));
    if (!cf)   /* tests/unit/test_catalog.c sees to it that this never happens */
        return s_fail_field(err, "internal", f->name, "has no entry in the catalog of %s",
                            t->type);

    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        /* the data messages repeat strings only (categories) */
        if (f->type != PROTOBUF_C_TYPE_STRING || value->type != JSONR_ARRAY)
            return s_fail_field(err, "invalid_type", f->name, "must be an array of strings");
        size_t n = value->size;
        if (n > REPEATED_MAX)
            return s_fail_field(err, "too_long", f->name, "has more than %d items", REPEATED_MAX);
        const char **items = arena_alloc(arena, (n ? n : 1) * sizeof *items);
        if (!items)
            return s_fail_field(err, "internal", f->name, "out of memory");
        *(const char ***) (base + f->offset) = items;
        size_t *count = (size_t *) (base + f->quantifier_offset);
        JSONR_ARRAY_EACH(value, v) {
            const char *item = s_string_value(cf, v, arena, err);
            if (!item)
                return -1;
            for (size_t j = 0; j < *count; j++)
                if (strcmp(items[j], item) == 0)
                    return s_fail_field(err, "invalid_value", f->name, "repeats a value");
            items[(*count)++] = item;
        }
        return 0;
    }

    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = s_string_value(cf, value, arena, err);
        if (!s)
            return -1;
        /* the message is only packed, never freed field by field */
        *(const char **) (base + f->offset) = s;
        return 0;
    }
    case PROTOBUF_C_TYPE_INT64: {
        int64_t v = 0;
        if (s_int_value(cf, value, &v, err))
            return -1;
        *(int64_t *) (base + f->offset) = v;
        break;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (cf->kind != FIELD_FLAG)
            return s_fail_field(err, "internal", f->name, "is a bool, which its kind is not");
        if (value->type != JSONR_TRUE && value->type != JSONR_FALSE)
            return s_fail_field(err, "invalid_type", f->name, "must be true or false");
        *(protobuf_c_boolean *) (base + f->offset) = value->type == JSONR_TRUE;
        break;
    default:
        return s_fail_field(err, "internal", f->name, "has a type the codec does not handle");
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
        *(protobuf_c_boolean *) (base + f->quantifier_offset) = 1;
    return 0;
}

ProtobufCMessage *
event_data_decode(const event_type_t *t, const jsonr_value_t *data, arena_t *arena,
                  codec_error_t *err)
{
    if (data->type != JSONR_OBJECT) {
        s_fail(err, "invalid_type", "data", "data must be an object");
        return NULL;
    }
    const ProtobufCMessageDescriptor *d = t->data;
    ProtobufCMessage *msg = arena_alloc(arena, d->sizeof_message);
    if (!msg) {
        s_fail(err, "internal", "data", "out of memory");
        return NULL;
    }
    d->message_init(msg);

    JSONR_OBJECT_EACH(data, key) {
        const jsonr_value_t *value = key + 1;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(d, key->as.string);
        if (!f) {
            s_fail(err, "unknown_field", "data", "data has a field %s that %s does not define",
                   key->as.string, t->type);
            snprintf(err->field, sizeof err->field, "data.%.80s", key->as.string);
            return NULL;
        }
        if (value->type == JSONR_NULL && f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;   /* an explicit null is an absent optional field */
        if (s_set_field(t, msg, f, value, arena, err))
            return NULL;
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        const jsonr_value_t *v = jsonr_get(data, f->name);
        if (!v || v->type == JSONR_NULL) {
            s_fail_field(err, "missing_field", f->name, "is required for %s", t->type);
            return NULL;
        }
    }
    return msg;
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

/* A member of an event and the name it must have. */
enum { EV_ID, EV_TYPE, EV_REGION, EV_OCCURRED_AT, EV_DATA, EV_MEMBERS };
static const char *const s_event_members[EV_MEMBERS] = {"id", "type", "region", "occurred_at",
                                                       "data"};

int
event_decode(const jsonr_value_t *event, const char *scope, const region_table_t *regions,
             arena_t *scratch, Hrss__Event *out, const event_type_t **type_out,
             codec_error_t *err)
{
    hrss__event__init(out);
    *type_out = NULL;
    if (event->type != JSONR_OBJECT)
        return s_fail(err, "invalid_type", "", "each event must be an object");
    const jsonr_value_t *member[EV_MEMBERS] = {0};
    JSONR_OBJECT_EACH(event, key) {
        int m = 0;
        while (m < EV_MEMBERS && strcmp(key->as.string, s_event_members[m]) != 0)
            m++;
        if (m == EV_MEMBERS) {
            s_fail(err, "unknown_field", "", "an event has no field %.80s", key->as.string);
            snprintf(err->field, sizeof err->field, "%.90s", key->as.string);
            return -1;
        }
        member[m] = key + 1;
    }
    const char *code;
    const jsonr_value_t *id = member[EV_ID];
    if (!id || id->type != JSONR_STRING)
        return s_fail(err, id ? "invalid_type" : "missing_field", "id", "id must be a string");
    if (event_id_check(id->as.string, id->size, &code))
        return s_fail(err, code, "id", "id must be 8 to 64 characters of [A-Za-z0-9._:-]");

    const jsonr_value_t *type = member[EV_TYPE];
    if (!type || type->type != JSONR_STRING)
        return s_fail(err, type ? "invalid_type" : "missing_field", "type",
                      "type must be a string");
    const event_type_t *t = event_type_find(type->as.string);
    if (!t || t->derived)
        return s_fail(err, "unknown_type", "type", "%.64s is not an event type of the contract",
                      type->as.string);
    *type_out = t;

    const jsonr_value_t *region = member[EV_REGION];
    if (!region || region->type != JSONR_STRING)
        return s_fail(err, region ? "invalid_type" : "missing_field", "region",
                      "region must be a 12-digit division code");
    if (region_check(regions, region->as.string, region->size, &code))
        return s_fail(err, code, "region", "%.12s is not a known 12-digit division code",
                      region->as.string);
    if (!region_contains(scope, region->as.string))
        return s_fail(err, "out_of_scope", "region",
                      "region %s is outside the token's region %s", region->as.string, scope);

    const jsonr_value_t *at = member[EV_OCCURRED_AT];
    int64_t us;
    if (!at || at->type != JSONR_STRING)
        return s_fail(err, at ? "invalid_type" : "missing_field", "occurred_at",
                      "occurred_at must be an RFC 3339 timestamp with offset");
    if (rfc3339_parse(at->as.string, at->size, &us))
        return s_fail(err, "invalid_timestamp", "occurred_at",
                      "occurred_at must be an RFC 3339 timestamp with offset");
    /* an event from the future is a sender's clock error; allow a day of skew */
    if (us > now_us() + 86400LL * 1000000)
        return s_fail(err, "invalid_timestamp", "occurred_at", "occurred_at lies in the future");

    const jsonr_value_t *data = member[EV_DATA];
    if (!data)
        return s_fail(err, "missing_field", "data", "data is required");
    ProtobufCMessage *msg = event_data_decode(t, data, scratch, err);
    if (!msg)
        return -1;

    out->id = strdup(id->as.string);
    out->type = strdup(t->type);
    out->region = strdup(region->as.string);
    out->scope = strdup(scope);
    out->occurred_at_us = us;
    out->data.len = protobuf_c_message_get_packed_size(msg);
    out->data.data = malloc(out->data.len ? out->data.len : 1);
    out->content_hash.data = malloc(EVENT_HASH_LEN);
    if (!out->id || !out->type || !out->region || !out->scope || !out->data.data ||
        !out->content_hash.data) {
        event_clear(out);
        return s_fail(err, "internal", "", "out of memory");
    }
    protobuf_c_message_pack(msg, out->data.data);
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
