/* Supervision: 疑点数据 and what is recovered (基金监督), as insurance's
 * feed tells it.
 *
 * Reads insurance.suspicious_record_received (pushed by the province, or
 * derived: employed_while_receiving) into reporting's copy of each record's
 * region (ins_records), insurance.suspicious_record_verified,
 * insurance.recovery_opened (a payment after a death, 追缴) and
 * insurance.recovery_collected (what overpayment_recovered collected, of a
 * rectification or a death recovery). Writes ins.suspicious_received,
 * ins.suspicious_verified, ins.suspicious_to_rectify,
 * ins.suspicious_to_rectify_fen, ins.suspicious_rectified (a rectification
 * collected whole: the numerator of ins.suspicious_rectified_rate),
 * ins.recovered_fen, the stock ins.recoveries_open_fen (rectifications and
 * death recoveries not yet collected) and the fund's income from collections
 * on ins.fund_balance_fen.<scheme> (in the month of the collection, as
 * insurance's ledger has it).
 *
 * A verification counts where its record was received (the copy), so that
 * what is opened and what is collected of one record meet in one region. */
#include <stdio.h>
#include <string.h>

#include "agg_ins.h"

/* ---- insurance.suspicious_record_received ------------------------------------------ */

static int
s_received_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__SuspiciousRecordReceived *d = (const Hrss__SuspiciousRecordReceived *) msg;
    if (!page_region_ok(ev))
        return 0;
    if (!page_join(page, kind, ev, d->record_id))
        return -1;
    pgarray_add_text(page_col(page, 0), d->record_id);
    pgarray_add_text(page_col(page, 1), ev->region);
    return 0;
}

static void
s_received_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (page_hit(res, row))
        page_add(batch, p, "ins.suspicious_received", p->region, 1);
}

/* ---- insurance.suspicious_record_verified ------------------------------------------ */

/* The amount to rectify, or -1 for no_issue (insurance refuses a negative
 * amount and a rectify without one). */
static int
s_verified_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__SuspiciousRecordVerified *d = (const Hrss__SuspiciousRecordVerified *) msg;
    if (!page_region_ok(ev))
        return 0;
    bool rectify = strcmp(d->outcome, "rectify") == 0;
    if (!page_join(page, kind, ev, d->record_id))
        return -1;
    pgarray_add_text(page_col(page, 0), d->record_id);
    pgarray_add_int64(page_col(page, 1), rectify && d->has_amount_fen ? d->amount_fen : -1);
    pgarray_add_text(page_col(page, 2), ev->region);
    return 0;
}

/* (true, the amount or -1, the record's region) */
static void
s_verified_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    const char *region = PQgetvalue(res, row, 2);
    int64_t amount = ins_amount(res, row);
    page_add(batch, p, "ins.suspicious_verified", region, 1);
    if (amount < 0)
        return;
    page_add(batch, p, "ins.suspicious_to_rectify", region, 1);
    page_add(batch, p, "ins.suspicious_to_rectify_fen", region, amount);
    page_add(batch, p, "ins.recoveries_open_fen", region, amount);
}

/* ---- insurance.recovery_opened: a month paid after a death ------------------------- */

static int
s_opened_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__RecoveryOpened *d = (const Hrss__RecoveryOpened *) msg;
    int rc = ins_join_amount(page, kind, ev, d->record_id,
                             d->scheme, NULL, d->amount_fen);
    return rc < 0 ? -1 : 0;
}

static void
s_opened_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    page_add(batch, p, "ins.recoveries_open_fen", p->region, ins_amount(res, row));
}

/* ---- insurance.recovery_collected: income of the fund ----------------------------- */

static int
s_collected_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                 const ProtobufCMessage *msg)
{
    const Hrss__RecoveryCollected *d = (const Hrss__RecoveryCollected *) msg;
    int rc = ins_join_amount(page, kind, ev, d->record_id, d->scheme, NULL, d->amount_fen);
    if (rc < 0)
        return -1;
    /* rectified: a rectification with nothing left open (its second column) */
    if (rc > 0)
        pgarray_add_int64(page_col(page, 1), d->closed && strcmp(d->kind, "rectification") == 0);
    return 0;
}

static void
s_collected_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    int64_t amount = ins_amount(res, row);
    page_add(batch, p, "ins.recovered_fen", p->region, amount);
    page_add(batch, p, "ins.recoveries_open_fen", p->region, -amount);
    ins_add_scheme(batch, p, "ins.fund_balance_fen", amount);
    if (PQgetvalue(res, row, 2)[0] == 't')
        page_add(batch, p, "ins.suspicious_rectified", p->region, 1);
}

static const reporting_kind_t s_kinds[] = {
    /* (hit): the record is new to the copy */
    {"insurance.suspicious_record_received", "supervision_received",
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::char(12)[])"
        "           WITH ORDINALITY AS u(id, region, ord)),"
        " ins AS (INSERT INTO ins_records (record_id, region) SELECT id, region FROM u"
        "         ON CONFLICT DO NOTHING RETURNING record_id)"
        " SELECT ins.record_id IS NOT NULL FROM u LEFT JOIN ins ON ins.record_id = u.id"
        " ORDER BY u.ord",
     2, {PGARRAY_TEXT, PGARRAY_BPCHAR}, s_received_join, s_received_deltas},
    {"insurance.suspicious_record_verified", "supervision_verified",
        "SELECT true, u.a, coalesce(r.region, u.region)"
        " FROM unnest($1::text[], $2::bigint[], $3::char(12)[])"
        "      WITH ORDINALITY AS u(id, a, region, ord)"
        " LEFT JOIN ins_records r ON r.record_id = u.id ORDER BY u.ord",
     3, {PGARRAY_TEXT, PGARRAY_INT8, PGARRAY_BPCHAR}, s_verified_join, s_verified_deltas},
    {"insurance.recovery_opened", "supervision_opened", INS_AMOUNTS_SQL, 1, {PGARRAY_INT8},
     s_opened_join, s_opened_deltas},
    {"insurance.recovery_collected", "supervision_collected",
        "SELECT true, a, rectified = 1 FROM unnest($1::bigint[], $2::bigint[])"
        " WITH ORDINALITY AS u(a, rectified, ord) ORDER BY ord",
     2, {PGARRAY_INT8, PGARRAY_INT8}, s_collected_join, s_collected_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {
    "ins.suspicious_received",     "ins.suspicious_verified", "ins.suspicious_to_rectify",
    "ins.suspicious_to_rectify_fen", "ins.suspicious_rectified", "ins.recovered_fen",
    "ins.recoveries_open_fen",     "ins.fund_balance_fen.*",  NULL};

const reporting_aggregate_t reporting_supervision = {"supervision", s_kinds, s_writes};
