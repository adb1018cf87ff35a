/* Recipients: 待遇领取 by scheme and 待遇资格认证 (社保基金).
 *
 * Reads insurance.benefit_started into reporting's copy of each benefit
 * (ins_benefits: region, active, suspended), insurance.correction_applied on
 * `suspended` (a stop or resumption by decision) and insurance.certified;
 * insurance.person_deceased ends the benefits (agg_deaths.c). Writes the
 * stock ins.recipients.<scheme> (active benefits not suspended by decision,
 * where the benefit was last started) and ins.certifications.
 *
 * A liveness lapse (certification_overdue) is no event of the feed: such a
 * recipient is still counted, as insurance still lists the benefit active. */
#include <stdio.h>
#include <string.h>

#include "agg_ins.h"

/* ---- insurance.benefit_started ------------------------------------------------------ */

static int
s_started_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
               const ProtobufCMessage *msg)
{
    const Hrss__BenefitStarted *d = (const Hrss__BenefitStarted *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = page_join(page, kind, ev, d->id_number);
    if (!p)
        return -1;
    pgarray_add_text(page_col(page, 0), d->id_number);
    pgarray_add_text(page_col(page, 1), d->scheme);
    pgarray_add_text(page_col(page, 2), ev->region);
    snprintf(p->code, sizeof p->code, "ins.recipients.%s", d->scheme);
    return 0;
}

/* (new, moved, the region it moved from): a new benefit counts where it was
 * started; started again elsewhere (a recalculation) while counted, it moves. */
static void
s_started_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (page_hit(res, row)) {
        page_add(batch, p, p->code, p->region, 1);
    } else if (PQgetvalue(res, row, 1)[0] == 't') {
        page_add(batch, p, p->code, PQgetvalue(res, row, 2), -1);
        page_add(batch, p, p->code, p->region, 1);
    }
}

/* ---- insurance.correction_applied: suspended by decision, or resumed ---------------- */

static int
s_correction_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                  const ProtobufCMessage *msg)
{
    const Hrss__CorrectionApplied *d = (const Hrss__CorrectionApplied *) msg;
    if (strcmp(d->field, "suspended") != 0 || !page_region_ok(ev))
        return 0;   /* an amount changes no count */
    pending_t *p = page_join(page, kind, ev, d->id_number);
    if (!p)
        return -1;
    pgarray_add_text(page_col(page, 0), d->id_number);
    pgarray_add_text(page_col(page, 1), d->scheme);
    pgarray_add_text(page_col(page, 2), d->new_value);
    snprintf(p->code, sizeof p->code, "ins.recipients.%s", d->scheme);
    return 0;
}

/* (hit: an active benefit changed, its region, suspended now) */
static void
s_correction_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (page_hit(res, row))
        page_add(batch, p, p->code, PQgetvalue(res, row, 1),
                 PQgetvalue(res, row, 2)[0] == 't' ? -1 : 1);
}

/* ---- insurance.certified ------------------------------------------------------------ */

static int
s_certified_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                 const ProtobufCMessage *msg)
{
    const Hrss__Certified *d = (const Hrss__Certified *) msg;
    return ins_join_amount(page, kind, ev, d->id_number, NULL, NULL, 1) < 0 ? -1 : 0;
}

static void
s_certified_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    page_add(batch, p, "ins.certifications", p->region, ins_amount(res, row));
}

static const reporting_kind_t s_kinds[] = {
    {"insurance.benefit_started", "recipients_started",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[], $3::char(12)[])"
        "           WITH ORDINALITY AS u(id, scheme, region, ord)),"
        " old AS (SELECT b.id_number, b.scheme, b.region, b.active AND NOT b.suspended AS counted"
        "         FROM ins_benefits b JOIN u ON b.id_number = u.id AND b.scheme = u.scheme),"
        " up AS (INSERT INTO ins_benefits (id_number, scheme, region, active, suspended)"
        "        SELECT id, scheme, region, true, false FROM u"
        "        WHERE NOT EXISTS (SELECT 1 FROM deaths d WHERE d.id_number = u.id)"
        "        ON CONFLICT (id_number, scheme) DO UPDATE SET region = EXCLUDED.region"
        "        WHERE ins_benefits.active RETURNING id_number, scheme)"
        " SELECT up.id_number IS NOT NULL AND old.id_number IS NULL,"
        "        up.id_number IS NOT NULL AND coalesce(old.counted, false)"
        "        AND old.region <> u.region, old.region"
        " FROM u LEFT JOIN up ON up.id_number = u.id AND up.scheme = u.scheme"
        " LEFT JOIN old ON old.id_number = u.id AND old.scheme = u.scheme ORDER BY u.ord",
     3, {PGARRAY_BPCHAR, PGARRAY_TEXT, PGARRAY_BPCHAR}, s_started_join, s_started_deltas},
    {"insurance.correction_applied", "recipients_suspended",
        "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[], $3::text[])"
        "           WITH ORDINALITY AS u(id, scheme, v, ord)),"
        " up AS (UPDATE ins_benefits b SET suspended = (u.v = 'true') FROM u"
        "        WHERE b.id_number = u.id AND b.scheme = u.scheme AND b.active"
        "        AND b.suspended <> (u.v = 'true')"
        "        RETURNING b.id_number, b.scheme, b.region, b.suspended)"
        " SELECT up.id_number IS NOT NULL, up.region, up.suspended"
        " FROM u LEFT JOIN up ON up.id_number = u.id AND up.scheme = u.scheme ORDER BY u.ord",
     3, {PGARRAY_BPCHAR, PGARRAY_TEXT, PGARRAY_TEXT}, s_correction_join, s_correction_deltas},
    {"insurance.certified", "recipients_certified", INS_AMOUNTS_SQL, 1, {PGARRAY_INT8},
     s_certified_join, s_certified_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"ins.recipients.*", "ins.certifications", NULL};

const reporting_aggregate_t reporting_recipients = {"recipients", s_kinds, s_writes};
