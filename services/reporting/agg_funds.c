/* Funds: the money of the insurance funds (社保基金) as insurance's feed
 * tells it.
 *
 * Reads insurance.contribution_paid (征缴, income), insurance.benefit_paid
 * (待遇发放, expenditure), insurance.stabilization_refund_paid (稳岗返还,
 * expenditure of the unemployment fund) and insurance.deferral_granted (缓缴).
 * Writes ins.contributions_fen.<scheme>, ins.benefits_paid_fen.<scheme>,
 * ins.stabilization_refund_fen, ins.deferred_fen and the stock
 * ins.fund_balance_fen.<scheme>; collected recoveries, the fund's other
 * income, come from agg_supervision.c.
 *
 * The balance is insurance's ledger (GET /v1/insurance/funds) kept again from
 * the feed: each delta lands in the month and region of the ledger entry its
 * event stands for (a contribution and a benefit in the period they are for,
 * a refund in the month of its event), so that the stock at the end of P
 * equals the ledger's sum up to P. Insurance refuses duplicates before they
 * reach its feed, so these kinds keep no copy: their statement only hands the
 * amount back, one row per event, in order. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_ins.h"
#include "event_types.h"
#include "log.h"
#include "timeutil.h"

#define AMOUNTS_SQL INS_AMOUNTS_SQL

static bool
s_scheme_ok(const Hrss__Event *ev, const char *scheme)
{
    for (size_t i = 0; i < INSURANCE_SCHEME_COUNT; i++)
        if (strcmp(insurance_schemes[i], scheme) == 0)
            return true;
    log_warn("feed event %" PRIu64 " (%s): unknown scheme, skipped", ev->seq, ev->type);
    return false;
}

int
ins_join_amount(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const char *key, const char *scheme, const char *period, int64_t amount)
{
    if (!page_region_ok(ev) || (scheme && !s_scheme_ok(ev, scheme)))
        return 0;
    int month = 0;
    if (period && period_parse(period, strlen(period), &month)) {
        log_warn("feed event %" PRIu64 " (%s): invalid period, skipped", ev->seq, ev->type);
        return 0;
    }
    pending_t *p = page_join(page, kind, ev, key);
    if (!p)
        return -1;
    pgarray_add_int64(page_col(page, 0), amount);
    snprintf(p->code, sizeof p->code, "%s", scheme ? scheme : "");
    if (period)
        p->month = month;
    return 1;
}

int64_t
ins_amount(const PGresult *res, int row)
{
    return strtoll(PQgetvalue(res, row, 1), NULL, 10);
}

void
ins_add_scheme(facts_batch_t *batch, const pending_t *p, const char *prefix, int64_t delta)
{
    char code[FACTS_CODE_MAX];
    snprintf(code, sizeof code, "%s.%s", prefix, p->code);
    page_add(batch, p, code, p->region, delta);
}

/* ---- insurance.contribution_paid: income, in the period it pays for ---------------- */

static int
s_contribution_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                    const ProtobufCMessage *msg)
{
    const Hrss__ContributionPaid *d = (const Hrss__ContributionPaid *) msg;
    int rc = ins_join_amount(page, kind, ev, d->payment_id,
                             d->scheme, d->period, d->amount_fen);
    return rc < 0 ? -1 : 0;
}

static void
s_contribution_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    int64_t amount = ins_amount(res, row);
    ins_add_scheme(batch, p, "ins.contributions_fen", amount);
    ins_add_scheme(batch, p, "ins.fund_balance_fen", amount);
}

/* ---- insurance.benefit_paid: expenditure, in the period paid for -------------------- */

static int
s_benefit_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
               const ProtobufCMessage *msg)
{
    const Hrss__BenefitPaid *d = (const Hrss__BenefitPaid *) msg;
    int rc = ins_join_amount(page, kind, ev, d->id_number,
                             d->scheme, d->period, d->amount_fen);
    return rc < 0 ? -1 : 0;
}

static void
s_benefit_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    int64_t amount = ins_amount(res, row);
    ins_add_scheme(batch, p, "ins.benefits_paid_fen", amount);
    ins_add_scheme(batch, p, "ins.fund_balance_fen", -amount);
}

/* ---- insurance.stabilization_refund_paid: from the unemployment fund --------------- */

static int
s_refund_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__StabilizationRefundPaid *d = (const Hrss__StabilizationRefundPaid *) msg;
    int rc = ins_join_amount(page, kind, ev, d->refund_id,
                             "unemployment", NULL, d->amount_fen);
    return rc < 0 ? -1 : 0;
}

static void
s_refund_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    int64_t amount = ins_amount(res, row);
    page_add(batch, p, "ins.stabilization_refund_fen", p->region, amount);
    ins_add_scheme(batch, p, "ins.fund_balance_fen", -amount);
}

/* ---- insurance.deferral_granted: no money moves, the amount deferred counts ------- */

static int
s_deferral_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__DeferralGranted *d = (const Hrss__DeferralGranted *) msg;
    int rc = ins_join_amount(page, kind, ev, d->employer_credit_code,
                             d->scheme, NULL, d->amount_fen);
    return rc < 0 ? -1 : 0;
}

static void
s_deferral_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    page_add(batch, p, "ins.deferred_fen", p->region, ins_amount(res, row));
}

static const reporting_kind_t s_kinds[] = {
    {"insurance.contribution_paid", "funds_contribution", AMOUNTS_SQL, 1, {PGARRAY_INT8},
     s_contribution_join, s_contribution_deltas},
    {"insurance.benefit_paid", "funds_benefit", AMOUNTS_SQL, 1, {PGARRAY_INT8}, s_benefit_join,
     s_benefit_deltas},
    {"insurance.stabilization_refund_paid", "funds_refund", AMOUNTS_SQL, 1, {PGARRAY_INT8},
     s_refund_join, s_refund_deltas},
    {"insurance.deferral_granted", "funds_deferral", AMOUNTS_SQL, 1, {PGARRAY_INT8},
     s_deferral_join, s_deferral_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"ins.contributions_fen.*", "ins.benefits_paid_fen.*",
                                       "ins.stabilization_refund_fen", "ins.deferred_fen",
                                       "ins.fund_balance_fen.*", NULL};

const reporting_aggregate_t reporting_funds = {"funds", s_kinds, s_writes};
