/* Services: what the employment section does for persons and employers and
 * counts per event — trainings (职业技能培训, 创业培训), startup guarantee
 * loans (创业担保贷款), public-welfare posts (公益性岗位安置), employment
 * subsidies (就业补贴) and job fairs (招聘会).
 *
 * Each event counts once in its month and region (employment refuses a
 * loan_id, subsidy_id or fair_id sent again with other content, and the
 * feed brings each event once), so nothing is kept: each kind's statement
 * only answers one row per event. */
#include <stdio.h>
#include <string.h>

#include "aggregate.h"

/* A run's statement of a kind that keeps nothing: one row per event. */
#define COUNT_SQL "SELECT true FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord) ORDER BY ord"

static pending_t *
s_count_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev)
{
    pending_t *p = page_join(page, kind, ev, ev->id);
    if (p)
        pgarray_add_text(page_col(page, 0), ev->id);
    return p;
}

/* ---- employment.training_completed ------------------------------------------------ */

static int
s_training_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__TrainingCompleted *d = (const Hrss__TrainingCompleted *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = s_count_join(page, kind, ev);
    if (!p)
        return -1;
    p->flag = d->passed;
    snprintf(p->code, sizeof p->code, "%s", d->program);
    return 0;
}

static void
s_training_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) res;
    (void) row;
    page_add(batch, p, "emp.trainings", p->region, 1);
    if (strcmp(p->code, "startup") == 0) {
        page_add(batch, p, "emp.training_startup", p->region, 1);
        if (p->flag)
            page_add(batch, p, "emp.training_startup_passed", p->region, 1);
    } else if (strcmp(p->code, "skill_upgrade") == 0) {
        page_add(batch, p, "emp.training_skill", p->region, 1);
    } else if (strcmp(p->code, "employment_skill") == 0) {
        page_add(batch, p, "emp.training_employment_skill", p->region, 1);
    }
}

/* ---- employment.startup_loan_disbursed ---------------------------------------------- */

static int
s_loan_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
            const ProtobufCMessage *msg)
{
    const Hrss__StartupLoanDisbursed *d = (const Hrss__StartupLoanDisbursed *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = s_count_join(page, kind, ev);
    if (!p)
        return -1;
    p->amount = d->amount_fen;
    snprintf(p->code, sizeof p->code, "emp.startup_loans_fen.%s", d->borrower);
    return 0;
}

static void
s_loan_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) res;
    (void) row;
    page_add(batch, p, "emp.startup_loans", p->region, 1);
    page_add(batch, p, "emp.startup_loans_fen", p->region, p->amount);
    page_add(batch, p, p->code, p->region, p->amount);
}

/* ---- employment.public_welfare_placed ------------------------------------------------ */

static int
s_placed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__PublicWelfarePlaced *d = (const Hrss__PublicWelfarePlaced *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = s_count_join(page, kind, ev);
    if (!p)
        return -1;
    snprintf(p->code, sizeof p->code, "emp.public_welfare_placed.%s", d->kind);
    return 0;
}

static void
s_placed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) res;
    (void) row;
    page_add(batch, p, "emp.public_welfare_placed", p->region, 1);
    page_add(batch, p, p->code, p->region, 1);
}

/* ---- employment.subsidy_paid -------------------------------------------------------- */

static int
s_subsidy_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
               const ProtobufCMessage *msg)
{
    const Hrss__SubsidyPaid *d = (const Hrss__SubsidyPaid *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = s_count_join(page, kind, ev);
    if (!p)
        return -1;
    p->amount = d->amount_fen;
    return 0;
}

static void
s_subsidy_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) res;
    (void) row;
    page_add(batch, p, "emp.subsidies", p->region, 1);
    page_add(batch, p, "emp.subsidies_fen", p->region, p->amount);
}

/* ---- employment.job_fair_held ------------------------------------------------------- */

static int
s_fair_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
            const ProtobufCMessage *msg)
{
    const Hrss__JobFairHeld *d = (const Hrss__JobFairHeld *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = s_count_join(page, kind, ev);
    if (!p)
        return -1;
    /* positions, then the other counts in the kind's text slot */
    p->amount = d->positions;
    snprintf(p->code, sizeof p->code, "%lld %lld %lld", (long long) d->enterprises,
             (long long) d->attendees, (long long) d->intentions);
    return 0;
}

static void
s_fair_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) res;
    (void) row;
    long long enterprises = 0, attendees = 0, intentions = 0;
    if (sscanf(p->code, "%lld %lld %lld", &enterprises, &attendees, &intentions) != 3)
        return;   /* written by s_fair_join: never */
    page_add(batch, p, "emp.job_fairs", p->region, 1);
    page_add(batch, p, "emp.job_fair_positions", p->region, p->amount);
    page_add(batch, p, "emp.job_fair_enterprises", p->region, enterprises);
    page_add(batch, p, "emp.job_fair_attendees", p->region, attendees);
    page_add(batch, p, "emp.job_fair_intentions", p->region, intentions);
}

static const reporting_kind_t s_kinds[] = {
    {"employment.training_completed", "services_training", COUNT_SQL, 1, {PGARRAY_TEXT},
     s_training_join, s_training_deltas},
    {"employment.startup_loan_disbursed", "services_loan", COUNT_SQL, 1, {PGARRAY_TEXT},
     s_loan_join, s_loan_deltas},
    {"employment.public_welfare_placed", "services_placed", COUNT_SQL, 1, {PGARRAY_TEXT},
     s_placed_join, s_placed_deltas},
    {"employment.subsidy_paid", "services_subsidy", COUNT_SQL, 1, {PGARRAY_TEXT},
     s_subsidy_join, s_subsidy_deltas},
    {"employment.job_fair_held", "services_fair", COUNT_SQL, 1, {PGARRAY_TEXT}, s_fair_join,
     s_fair_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {
    "emp.trainings",
    "emp.training_startup",
    "emp.training_startup_passed",
    "emp.training_skill",
    "emp.training_employment_skill",
    "emp.startup_loans",
    "emp.startup_loans_fen",
    "emp.startup_loans_fen.individual",
    "emp.startup_loans_fen.small_enterprise",
    "emp.public_welfare_placed",
    "emp.public_welfare_placed.urban",
    "emp.public_welfare_placed.rural",
    "emp.subsidies",
    "emp.subsidies_fen",
    "emp.job_fairs",
    "emp.job_fair_positions",
    "emp.job_fair_enterprises",
    "emp.job_fair_attendees",
    "emp.job_fair_intentions",
    NULL,
};

const reporting_aggregate_t reporting_services = {"services", s_kinds, s_writes};
