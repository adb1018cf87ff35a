/* Deaths: 死亡直报 (社保基金), once per person.
 *
 * Reads insurance.person_deceased into reporting's set of deaths (deaths:
 * id_number) and ends every active enrollment of the person
 * (agg_enrollments.c) and every active benefit (agg_recipients.c) where it
 * counted. Writes the facts ins.deaths_reported and -1 on
 * ins.enrolled.<scheme> and ins.recipients.<scheme>. */
#include "aggregate.h"

/* One statement per event: the enrollments end only when the death is new,
 * and the answer has no row when it was known already. */
static int
s_deceased_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__InsurancePersonDeceased *d = (const Hrss__InsurancePersonDeceased *) msg;
    if (!page_region_ok(ev))
        return 0;
    const char *values[] = {d->id_number};
    return page_alone(page, kind, ev, 1, values) ? 0 : -1;
}

/* No row: the death was known already. Else one row (code, region) per
 * enrollment or counted benefit ended, or one row of NULLs when none was. */
static void
s_deceased_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) row;   /* alone: the whole answer is the event's */
    if (PQntuples(res) > 0)
        page_add(batch, p, "ins.deaths_reported", p->region, 1);
    for (int i = 0; i < PQntuples(res); i++) {
        if (PQgetisnull(res, i, 0))
            continue;
        page_add(batch, p, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), -1);
    }
}

static const reporting_kind_t s_kinds[] = {
    /* One event, not a run: the enrollments and benefits end only when the
     * death is new; no row when it was known already, else one row (code,
     * region) per enrollment or counted benefit ended, or one row of NULLs
     * when none was active. */
    {"insurance.person_deceased", "death_insert_end",
        "WITH d AS (INSERT INTO deaths (id_number) VALUES ($1)"
        "           ON CONFLICT DO NOTHING RETURNING 1),"
        " e AS (UPDATE enrollments SET active = false"
        "       WHERE id_number = $1 AND active AND EXISTS (SELECT 1 FROM d)"
        "       RETURNING 'ins.enrolled.' || scheme AS code, region),"
        " b AS (UPDATE ins_benefits SET active = false"
        "       WHERE id_number = $1 AND active AND EXISTS (SELECT 1 FROM d)"
        "       RETURNING 'ins.recipients.' || scheme AS code, region, suspended),"
        " x AS (SELECT code, region FROM e"
        "       UNION ALL SELECT code, region FROM b WHERE NOT suspended)"
        " SELECT x.code, x.region FROM d LEFT JOIN x ON true",
     1, {0}, s_deceased_join, s_deceased_deltas},   /* {0}: alone, plain text parameters */
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"ins.deaths_reported", "ins.enrolled.*", "ins.recipients.*",
                                       NULL};

const reporting_aggregate_t reporting_deaths = {"deaths", s_kinds, s_writes};
