/* event_types — the catalog of event types of the contract, as tables: who
 * owns each type, which protobuf message carries its data, whether it is
 * pushed or derived, which roles may push it, whether its owner handles it
 * yet, and each field's kind (an enumeration and its values, a date, money,
 * text and its length...). Stated once, in event_types.def; used by the
 * gateway to validate and route, by the codec to check each field, by
 * services to decode and by the feed to encode. */
#ifndef HRSS_EVENT_TYPES_H
#define HRSS_EVENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "hrss.pb-c.h"
#include "token.h"

typedef enum {
    SERVICE_EMPLOYMENT,
    SERVICE_INSURANCE,
    SERVICE_ARREARS,
    SERVICE_REPORTING,
    SERVICE_COUNT
} service_id_t;

/* "employment", "insurance", "arrears", "reporting" */
const char *service_name(service_id_t id);

/* What a pushed value of a field must be (see event_types.def). */
typedef enum {
    FIELD_TEXT,          /* 1 to max characters */
    FIELD_ENUM,          /* one of allowed */
    FIELD_ID_NUMBER,     /* GB 11643 */
    FIELD_CREDIT_CODE,   /* GB 32100 */
    FIELD_DATE,          /* YYYY-MM-DD */
    FIELD_PERIOD,        /* YYYY-MM */
    FIELD_REF_ID,        /* an identifier */
    FIELD_MONEY,         /* fen */
    FIELD_COUNT,         /* 0 to LIMIT_COUNT_MAX */
    FIELD_YEAR,          /* LIMIT_GRADUATION_YEAR_MIN to _MAX */
    FIELD_FLAG,          /* true or false */
} field_kind_t;

typedef struct {
    const char *name;       /* as in the data message */
    field_kind_t kind;
    size_t max;             /* FIELD_TEXT: most characters */
    const char *allowed;    /* FIELD_ENUM: the values, "|"-separated */
} event_field_t;

typedef enum {
    EVENT_HANDLED,    /* its owner has a handler */
    EVENT_AWAITING,   /* pushable, its owner has no handler yet (unsupported_type) */
    EVENT_EMITTED,    /* derived: its owner emits it */
} event_status_t;

typedef struct {
    const char *type;                          /* "employment.person_registered" */
    service_id_t owner;
    const ProtobufCMessageDescriptor *data;    /* message of the data object */
    bool derived;                              /* produced by a service, never pushed */
    unsigned push_roles;                       /* bit (1u << role_t) per role that may push it */
    event_status_t status;
    const event_field_t *fields;               /* one per field of `data`, in its order */
    size_t nfields;
} event_type_t;

/* NULL for an unknown type. */
const event_type_t *event_type_find(const char *type);
/* All types, for iteration; *count receives the number. */
const event_type_t *event_type_all(size_t *count);
/* Whether a token of `role` may push events of type `t`. */
bool event_type_pushable_by(const event_type_t *t, role_t role);

/* The catalog entry of field `name` of `t` (field `index` of its message
 * when known, or -1), or NULL when the catalog has none. */
const event_field_t *event_field_find(const event_type_t *t, const char *name, int index);

/* The allowed values of an enumerated field, "|"-separated, or NULL when the
 * field is not enumerated. Repeated fields (categories) check each element. */
const char *event_field_enum(const char *type, const char *field);
/* Whether `value` is one of the allowed values of an enumeration. */
bool event_enum_allows(const char *allowed, const char *value, size_t len);

/* The five insurance schemes, in contract order: the one list every other
 * form comes from. X-macro: X(scheme, arg) per scheme, `arg` passed through
 * (a parenthesized tuple where X needs several). */
#define INSURANCE_SCHEMES(X, arg)                                                               \
    X(enterprise_pension, arg) X(institution_pension, arg) X(resident_pension, arg)             \
    X(unemployment, arg) X(work_injury, arg)
#define INSURANCE_SCHEME_COUNT 5
/* "enterprise_pension|institution_pension|...": the enumeration's values */
#define INSURANCE_SCHEME_BAR_(s, arg) "|" #s
#define INSURANCE_SCHEMES_ALLOWED (INSURANCE_SCHEMES(INSURANCE_SCHEME_BAR_, ~) + 1)
extern const char *const insurance_schemes[INSURANCE_SCHEME_COUNT];

#endif
