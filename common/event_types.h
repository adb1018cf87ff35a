/* event_types — the catalog of event types of CONTRACT.md: who owns each,
 * which protobuf message carries its data, and the allowed values of its
 * enumerated fields. One table, used by the gateway to validate and route,
 * by services to decode, and by the feed to encode. */
#ifndef HRSS_EVENT_TYPES_H
#define HRSS_EVENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "hrss.pb-c.h"

typedef enum {
    SERVICE_EMPLOYMENT,
    SERVICE_INSURANCE,
    SERVICE_ARREARS,
    SERVICE_REPORTING,
    SERVICE_COUNT
} service_id_t;

/* "employment", "insurance", "arrears", "reporting" */
const char *service_name(service_id_t id);

typedef struct {
    const char *type;                          /* "employment.person_registered" */
    service_id_t owner;
    const ProtobufCMessageDescriptor *data;    /* message of the data object */
    bool derived;                              /* produced by a service, never pushed */
} event_type_t;

/* NULL for an unknown type. */
const event_type_t *event_type_find(const char *type);
/* All types, for iteration; *count receives the number. */
const event_type_t *event_type_all(size_t *count);

/* The allowed values of an enumerated field, "|"-separated, or NULL when the
 * field is not enumerated. Repeated fields (categories) check each element. */
const char *event_field_enum(const char *type, const char *field);
/* Whether `value` is one of the allowed values of an enumeration. */
bool event_enum_allows(const char *allowed, const char *value, size_t len);

/* The five insurance schemes, in contract order. */
extern const char *const insurance_schemes[5];

#endif
