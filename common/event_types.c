#include "event_types.h"

#include <string.h>

#include "hrss_limits.h"

static const char *const s_service_names[SERVICE_COUNT] = {"employment", "insurance", "arrears",
                                                           "reporting"};

const char *
service_name(service_id_t id)
{
    return id < SERVICE_COUNT ? s_service_names[id] : "unknown";
}

#define SCHEME_STRING_(s, arg) #s,
const char *const insurance_schemes[INSURANCE_SCHEME_COUNT] = {
    INSURANCE_SCHEMES(SCHEME_STRING_, ~)};
#define SCHEME_ONE_(s, arg) +1
_Static_assert(0 INSURANCE_SCHEMES(SCHEME_ONE_, ~) == INSURANCE_SCHEME_COUNT,
               "INSURANCE_SCHEME_COUNT counts INSURANCE_SCHEMES");

/* ---- the catalog's words (event_types.def) ------------------------------ */

#define KIND_TEXT(n) FIELD_TEXT, (n), NULL
#define KIND_ENUM(values) FIELD_ENUM, 0, (values)
#define KIND_ID_NUMBER FIELD_ID_NUMBER, 0, NULL
#define KIND_CREDIT_CODE FIELD_CREDIT_CODE, 0, NULL
#define KIND_DATE FIELD_DATE, 0, NULL
#define KIND_PERIOD FIELD_PERIOD, 0, NULL
#define KIND_REF_ID FIELD_REF_ID, 0, NULL
#define KIND_MONEY FIELD_MONEY, 0, NULL
#define KIND_COUNT FIELD_COUNT, 0, NULL
#define KIND_YEAR FIELD_YEAR, 0, NULL
#define KIND_FLAG FIELD_FLAG, 0, NULL
/* KIND_##kind pastes onto the kind's first token: TEXT(100) -> KIND_TEXT(100) */
#define F(name, kind) {#name, KIND_##kind},

#define ORIGIN_PUSHED false
#define ORIGIN_DERIVED true

#define ROLE_BIT_(r) (1u << (r))
#define PUSH_NOBODY 0u
#define PUSH_LOCAL (ROLE_BIT_(ROLE_TOWNSHIP) | ROLE_BIT_(ROLE_COUNTY) | ROLE_BIT_(ROLE_ADMIN))
#define PUSH_LOCAL_OR_PROVINCE (PUSH_LOCAL | ROLE_BIT_(ROLE_PROVINCE))

#define STATUS_HANDLED EVENT_HANDLED
#define STATUS_AWAITING EVENT_AWAITING
#define STATUS_EMITTED EVENT_EMITTED

/* the fields of each type: s_fields_<message>[] */
#define EVENT(msg, type, owner, origin, push, status, ...)                                      \
    static const event_field_t s_fields_##msg[] = {__VA_ARGS__};
#include "event_types.def"
#undef EVENT

#define EVENT(msg, type, owner, origin, push, status, ...)                                      \
    {type,                                                                                      \
     SERVICE_##owner,                                                                           \
     &hrss__##msg##__descriptor,                                                                \
     ORIGIN_##origin,                                                                           \
     PUSH_##push,                                                                               \
     STATUS_##status,                                                                           \
     s_fields_##msg,                                                                            \
     sizeof s_fields_##msg / sizeof *s_fields_##msg},
static const event_type_t s_types[] = {
#include "event_types.def"
};
#undef EVENT

const event_type_t *
event_type_find(const char *type)
{
    for (size_t i = 0; i < sizeof s_types / sizeof *s_types; i++)
        if (strcmp(s_types[i].type, type) == 0)
            return &s_types[i];
    return NULL;
}

const event_type_t *
event_type_all(size_t *count)
{
    *count = sizeof s_types / sizeof *s_types;
    return s_types;
}

bool
event_type_pushable_by(const event_type_t *t, role_t role)
{
    return (unsigned) role < ROLE_COUNT && (t->push_roles & ROLE_BIT_(role));
}

const event_field_t *
event_field_find(const event_type_t *t, const char *name, int index)
{
    /* the catalog lists a message's fields in its order, so the field's index
     * in its descriptor finds it at once (this runs for every field of every
     * event pushed); the search by name serves callers without one */
    if (index >= 0 && (size_t) index < t->nfields && strcmp(t->fields[index].name, name) == 0)
        return &t->fields[index];
    for (size_t i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

const char *
event_field_enum(const char *type, const char *field)
{
    const event_type_t *t = event_type_find(type);
    const event_field_t *f = t ? event_field_find(t, field, -1) : NULL;
    return f && f->kind == FIELD_ENUM ? f->allowed : NULL;
}

bool
event_enum_allows(const char *allowed, const char *value, size_t len)
{
    const char *p = allowed;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t) (bar - p) : strlen(p);
        if (n == len && memcmp(p, value, len) == 0)
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}
