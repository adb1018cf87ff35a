/* The aggregates reporting keeps, each in its own file (see aggregate.h).
 * Adding one: its agg_<name>.c and one line here. */
#include "aggregate.h"

extern const reporting_aggregate_t reporting_persons;
extern const reporting_aggregate_t reporting_enrollments;
extern const reporting_aggregate_t reporting_deaths;

const reporting_aggregate_t *const reporting_aggregates[] = {
    &reporting_persons,
    &reporting_enrollments,
    &reporting_deaths,
    NULL,
};
