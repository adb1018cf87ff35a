#include "indicators.h"

#include <string.h>

#include "event_types.h"

#define NONE NULL
#define ROW_(code, name, unit, kind, aggregate, num, den)                                       \
    {code, name, unit, kind, aggregate, num, den, (aggregate) != NULL},
#define FLOW(code, name, unit, aggregate)                                                       \
    ROW_(code, name, unit, INDICATOR_FLOW, aggregate, NULL, NULL)
#define STOCK(code, name, unit, aggregate)                                                      \
    ROW_(code, name, unit, INDICATOR_STOCK, aggregate, NULL, NULL)
#define RATE(code, name, num, den, aggregate)                                                   \
    ROW_(code, name, "%", INDICATOR_RATE, aggregate, num, den)
/* one row per scheme of INSURANCE_SCHEMES, "<prefix>.<scheme>": the row's
 * other columns travel through as one parenthesized argument */
#define UNPACK_(...) __VA_ARGS__
#define APPLY_(macro, args) macro args
#define SCHEME_ROW_(s, args) APPLY_(SCHEME_ROW_OF_, (s, UNPACK_ args))
#define SCHEME_ROW_OF_(s, prefix, name, unit, kind, aggregate)                                  \
    ROW_(prefix "." #s, name, unit, kind, aggregate, NULL, NULL)
#define PER_SCHEME_(prefix, name, unit, kind, aggregate)                                        \
    INSURANCE_SCHEMES(SCHEME_ROW_, (prefix, name, unit, kind, aggregate))
#define FLOW_PER_SCHEME(prefix, name, unit, aggregate)                                          \
    PER_SCHEME_(prefix, name, unit, INDICATOR_FLOW, aggregate)
#define STOCK_PER_SCHEME(prefix, name, unit, aggregate)                                         \
    PER_SCHEME_(prefix, name, unit, INDICATOR_STOCK, aggregate)

static const indicator_t s_catalog[] = {
#include "indicators.def"
};

const indicator_t *
indicator_find(const char *code)
{
    for (size_t i = 0; i < sizeof s_catalog / sizeof *s_catalog; i++)
        if (strcmp(s_catalog[i].code, code) == 0)
            return &s_catalog[i];
    return NULL;
}

const indicator_t *
indicator_all(size_t *count)
{
    *count = sizeof s_catalog / sizeof *s_catalog;
    return s_catalog;
}
