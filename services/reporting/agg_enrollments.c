/* Enrollments: 参保人数 by scheme (社保基金).
 *
 * Reads insurance.enrolled into reporting's copy of each enrollment
 * (enrollments: id_number, scheme, region, active); insurance.person_deceased
 * ends them (agg_deaths.c). Writes the facts ins.enrolled.<scheme>, the
 * indicators of enrollment by scheme. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "event_types.h"
#include "log.h"

static bool
s_scheme_ok(const Hrss__Event *ev, const char *scheme)
{
    for (size_t i = 0; i < sizeof insurance_schemes / sizeof *insurance_schemes; i++)
        if (strcmp(insurance_schemes[i], scheme) == 0)
            return true;
    log_warn("feed event %" PRIu64 " (%s): unknown scheme, skipped", ev->seq, ev->type);
    return false;
}

/* An enrollment not active in the copy counts where it was made; enrolling
 * again in a scheme one is enrolled in changes nothing. */
static int
s_enrolled_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__Enrolled *d = (const Hrss__Enrolled *) msg;
    if (!page_region_ok(ev) || !s_scheme_ok(ev, d->scheme))
        return 0;
    pending_t *p = page_join(page, kind, ev, d->id_number);
    if (!p)
        return -1;
    pgarray_add_text(page_col(page, 0), d->id_number);
    pgarray_add_text(page_col(page, 1), d->scheme);
    pgarray_add_text(page_col(page, 2), ev->region);
    snprintf(p->code, sizeof p->code, "ins.enrolled.%s", d->scheme);
    return 0;
}

static void
s_enrolled_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (page_hit(res, row))
        page_add(batch, p, p->code, p->region, 1);
}

static const reporting_kind_t s_kinds[] = {
    /* (hit): the enrollment was not active and the person is not dead */
    {"insurance.enrolled", "enrollments_activate",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[], $3::char(12)[])"
        "           WITH ORDINALITY AS u(id, scheme, region, ord)),"
        " up AS (INSERT INTO enrollments (id_number, scheme, region, active)"
        "        SELECT id, scheme, region, true FROM u"
        "        WHERE NOT EXISTS (SELECT 1 FROM deaths d WHERE d.id_number = u.id)"
        "        ON CONFLICT (id_number, scheme) DO UPDATE"
        "        SET region = EXCLUDED.region, active = true"
        "        WHERE NOT enrollments.active RETURNING id_number)"
        " SELECT up.id_number IS NOT NULL"
        " FROM u LEFT JOIN up ON up.id_number = u.id ORDER BY u.ord",
     3, {PGARRAY_BPCHAR, PGARRAY_TEXT, PGARRAY_BPCHAR}, s_enrolled_join, s_enrolled_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"ins.enrolled.*", NULL};

const reporting_aggregate_t reporting_enrollments = {"enrollments", s_kinds, s_writes};
