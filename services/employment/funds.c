/* The money the employment section pays out: startup guarantee loans
 * (创业担保贷款) and employment subsidies (就业补贴). Each is recorded once
 * under its key (loan_id, subsidy_id); the key again is a duplicate_key,
 * whatever its content, so that nothing is counted twice. A person named
 * must be a living registered one. */
#include <stdlib.h>
#include <string.h>

#include "employment.h"

const char *
employment_loan_key(const ProtobufCMessage *data)
{
    return ((const Hrss__StartupLoanDisbursed *) data)->loan_id;
}

const char *
employment_subsidy_key(const ProtobufCMessage *data)
{
    return ((const Hrss__SubsidyPaid *) data)->subsidy_id;
}

int
employment_loan_check(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                      verdict_t *v)
{
    (void) svc;
    (void) ev;
    const Hrss__StartupLoanDisbursed *d = (const Hrss__StartupLoanDisbursed *) data;
    if (strcmp(d->borrower, "individual") == 0 && !d->id_number)
        return reject(v, "missing_field", "data.id_number",
                      "data.id_number is required for an individual borrower");
    if (strcmp(d->borrower, "small_enterprise") == 0 && !d->credit_code)
        return reject(v, "missing_field", "data.credit_code",
                      "data.credit_code is required for a small_enterprise borrower");
    if (d->amount_fen <= 0)
        return reject(v, "invalid_amount", "data.amount_fen", "data.amount_fen must be above 0");
    return 0;
}

int
employment_subsidy_check(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                         verdict_t *v)
{
    (void) svc;
    (void) ev;
    const Hrss__SubsidyPaid *d = (const Hrss__SubsidyPaid *) data;
    if (!d->id_number && !d->credit_code)
        return reject(v, "missing_field", "data.id_number",
                      "a subsidy is paid to a person (data.id_number) or an employer "
                      "(data.credit_code): name one");
    if (d->amount_fen <= 0)
        return reject(v, "invalid_amount", "data.amount_fen", "data.amount_fen must be above 0");
    return 0;
}

int
employment_loan_result(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                       const PGresult *res, int row, verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    return employment_verdict(res, row, v, "data.loan_id");
}

int
employment_subsidy_result(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                          const PGresult *res, int row, verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    return employment_verdict(res, row, v, "data.subsidy_id");
}

/* Loans and subsidies have the same columns: key, region, kind (the
 * borrower of a loan), id_number?, credit_code?, amount, instant. */
enum { KEY, REGION, KIND, ID, CREDIT_CODE, AMOUNT, AT, NCOLS };
static const uint32_t s_types[NCOLS] = {PGARRAY_TEXT,   PGARRAY_BPCHAR, PGARRAY_TEXT,
                                        PGARRAY_BPCHAR, PGARRAY_BPCHAR, PGARRAY_INT8,
                                        PGARRAY_INT8};

static void
s_row(pgarray_t *cols, const Hrss__Event *ev, const char *key, const char *kind,
      const char *id_number, const char *credit_code, int64_t amount_fen)
{
    pgarray_add_text(&cols[KEY], key);
    pgarray_add_text(&cols[REGION], ev->region);
    pgarray_add_text(&cols[KIND], kind);
    pgarray_add_text(&cols[ID], id_number);
    pgarray_add_text(&cols[CREDIT_CODE], credit_code);
    pgarray_add_int64(&cols[AMOUNT], amount_fen);
    pgarray_add_int64(&cols[AT], ev->occurred_at_us);
}

/* The statement of both, for table T with key K and kind column C. */
#define FUNDS_SQL(T, K, C)                                                                    \
    "WITH u AS (SELECT * FROM unnest($1::text[], $2::char(12)[], $3::text[], $4::char(18)[],"  \
    " $5::char(18)[], $6::bigint[], $7::bigint[]) WITH ORDINALITY"                            \
    " AS u(k, region, kind, id, credit_code, amount, at, ord)),"                              \
    " v AS (SELECT u.*, CASE WHEN t." K " IS NOT NULL THEN CASE WHEN (t.region, t." C ","     \
    " t.id_number, t.credit_code, t.amount_fen) IS NOT DISTINCT FROM (u.region, u.kind,"       \
    " u.id, u.credit_code, u.amount) THEN 'duplicate_key:same' ELSE 'duplicate_key' END"      \
    " WHEN u.id IS NOT NULL THEN " EMP_PERSON_VERDICT("u.id") " END AS verdict"                         \
    " FROM u LEFT JOIN " T " t ON t." K " = u.k),"                                             \
    " ins AS (INSERT INTO " T " (" K ", region, " C ", id_number, credit_code, amount_fen,"   \
    " at_us) SELECT k, region, kind, id, credit_code, amount, at FROM v WHERE verdict IS NULL)" \
    " SELECT verdict FROM v ORDER BY ord"

int
employment_startup_loan_disbursed(service_t *svc, Hrss__Event *const *events,
                                  ProtobufCMessage *const *data, size_t n)
{
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, s_types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__StartupLoanDisbursed *d = (const Hrss__StartupLoanDisbursed *) data[k];
        s_row(cols, events[k], d->loan_id, d->borrower, d->id_number, d->credit_code,
              d->amount_fen);
    }
    return service_send_run(svc, "loans_add", FUNDS_SQL("loans", "loan_id", "borrower"), cols,
                            NCOLS);
}

int
employment_subsidy_paid(service_t *svc, Hrss__Event *const *events, ProtobufCMessage *const *data,
                        size_t n)
{
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, s_types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__SubsidyPaid *d = (const Hrss__SubsidyPaid *) data[k];
        s_row(cols, events[k], d->subsidy_id, d->kind, d->id_number, d->credit_code,
              d->amount_fen);
    }
    return service_send_run(svc, "subsidies_add", FUNDS_SQL("subsidies", "subsidy_id", "kind"),
                            cols, NCOLS);
}

/* ---- person view ------------------------------------------------------------ */

int
employment_funds_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                        arena_t *arena)
{
    const char *values[] = {id_number};
    PGresult *res = db_prepared(
        service_db(svc), "person_funds",
        "SELECT 'loan', loan_id, region, " EMP_CST_DATE("at_us") ", borrower, credit_code,"
        " amount_fen, at_us FROM loans WHERE id_number = $1"
        " UNION ALL SELECT 'subsidy', subsidy_id, region, " EMP_CST_DATE("at_us") ", kind,"
        " credit_code, amount_fen, at_us FROM subsidies WHERE id_number = $1 ORDER BY 8, 2",
        1, values, NULL, NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    r->loans = arena_alloc(arena, (size_t) (n ? n : 1) * sizeof *r->loans);
    r->subsidies = arena_alloc(arena, (size_t) (n ? n : 1) * sizeof *r->subsidies);
    for (int i = 0; r->loans && r->subsidies && i < n; i++) {
        int64_t amount = strtoll(PQgetvalue(res, i, 6), NULL, 10);
        if (PQgetvalue(res, i, 0)[0] == 'l') {
            Hrss__LaborLoan *x = arena_alloc(arena, sizeof *x);
            if (!x)
                break;
            hrss__labor_loan__init(x);
            x->loan_id = employment_col(arena, res, i, 1);
            x->region = employment_col(arena, res, i, 2);
            x->disbursed_on = employment_col(arena, res, i, 3);
            x->borrower = employment_col(arena, res, i, 4);
            x->credit_code = employment_col(arena, res, i, 5);
            x->amount_fen = amount;
            r->loans[r->n_loans++] = x;
        } else {
            Hrss__LaborSubsidy *x = arena_alloc(arena, sizeof *x);
            if (!x)
                break;
            hrss__labor_subsidy__init(x);
            x->subsidy_id = employment_col(arena, res, i, 1);
            x->region = employment_col(arena, res, i, 2);
            x->paid_on = employment_col(arena, res, i, 3);
            x->kind = employment_col(arena, res, i, 4);
            x->credit_code = employment_col(arena, res, i, 5);
            x->amount_fen = amount;
            r->subsidies[r->n_subsidies++] = x;
        }
    }
    PQclear(res);
    return 0;
}
