/* Payment runs (待遇发放): every eligible recipient of a scheme under a
 * region paid for one period, at most once per recipient, scheme and period
 * (the payments table's primary key, not a check in C: runs that overlap,
 * repeat or die half-way pay nobody twice). The whole run is one statement
 * in one transaction: recipients are streamed by the server from benefits
 * into payments, the ledger and the outbox (INSERT ... SELECT), never loaded
 * into this process; the derived insurance.benefit_paid rows are encoded by
 * SQL functions of sql/003 (pb_string, pb_int64).
 *
 * Eligible for period P: benefit started with first_period <= P; not
 * suspended from P or before (a death suspends from the month after
 * died_on; a decision from the month it was approved in); for pensions,
 * certified (or started) no more than 12 months before P. A run therefore
 * pays every month that is eligible and still unpaid, once: months missed
 * during a liveness lapse are paid by running those periods again after
 * the certification.
 *
 * Each call's answer is stored under the run id the gateway chose, in the
 * same transaction, so that a caller whose connection outlived the gateway's
 * upstream timeout can read it (GET /v1/insurance/payment-runs/{id}). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "insurance.h"
#include "region.h"
#include "timeutil.h"

#define RUN_SQL                                                                               \
    "WITH elig AS (SELECT b.id_number, b.scheme, b.region, b.monthly_amount_fen AS amount"   \
    " FROM benefits b LEFT JOIN LATERAL (SELECT max(certified_on) AS on_"                     \
    " FROM certifications c WHERE c.id_number = b.id_number) lc ON true"                      \
    " WHERE b.scheme = $1 AND b.region BETWEEN $3 AND $10 AND b.first_period <= $2::int"                 \
    " AND (b.suspended_from IS NULL OR b.suspended_from > $2::int)"                           \
    " AND NOT " INSURANCE_LIVENESS_LAPSED("$2::int") "),"                                     \
    " pay AS (INSERT INTO payments (id_number, scheme, period, region, amount_fen,"            \
    " paid_at_us, run_id) SELECT id_number, scheme, $2::int, region, amount, $7::bigint, $4"  \
    " FROM elig ON CONFLICT DO NOTHING RETURNING id_number, scheme, region, amount_fen),"     \
    " led AS (INSERT INTO ledger (region, scheme, period, kind, amount_fen, source)"          \
    " SELECT region, scheme, $2::int, 'benefit', -amount_fen, 'run:' || $4 || ':' || id_number" \
    " FROM pay),"                                                                             \
    " num AS (SELECT p.*, row_number() OVER () AS ord FROM pay p),"                           \
    " outb AS (INSERT INTO outbox (seq, event_id, scope, type, region, occurred_at_us, data,"  \
    " cause) SELECT m.base + n.ord,"                                                          \
    " 'run:' || $4 || '/' || n.id_number || '/' || n.scheme || '/' || $2,"                     \
    " $5, 'insurance.benefit_paid', n.region, $6::bigint,"                                    \
    " pb_string(1, n.id_number) || pb_string(2, n.scheme) || pb_string(3, period_text($2::int))" \
    " || pb_int64(4, n.amount_fen) || pb_string(5, $4), 'payment-run:' || $4"                 \
    " FROM num n, (SELECT coalesce(max(seq), 0) AS base FROM outbox) m RETURNING seq),"      \
    " run AS (INSERT INTO payment_runs (run_id, scheme, period, region, token_id, payments,"   \
    " total_fen) SELECT $4, $1, $2::int, $8, $9::bigint, count(*), coalesce(sum(amount_fen), 0)" \
    " FROM pay RETURNING payments, total_fen)"                                                \
    " SELECT payments, total_fen, (SELECT coalesce(max(seq), 0) FROM outb) FROM run"

static int
s_answer(Hrss__Reply *reply, arena_t *arena, const char *run_id, const char *scheme,
         int period, const char *region, int64_t payments, int64_t total)
{
    Hrss__PaymentRunReply *r = arena_alloc(arena, sizeof *r);
    char p[8];
    if (!r)
        return -1;
    hrss__payment_run_reply__init(r);
    r->run_id = arena_strdup(arena, run_id);
    r->scheme = arena_strdup(arena, scheme);
    r->period = arena_strdup(arena, format_period(period, p));
    r->region = arena_strdup(arena, region);
    r->payments = payments;
    r->total_fen = total;
    reply->body_case = HRSS__REPLY__BODY_PAYMENT_RUN;
    reply->payment_run = r;
    return 0;
}

int
insurance_payment_run(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                      arena_t *arena)
{
    const Hrss__PaymentRunRequest *q = req->payment_run;
    db_t *db = service_db(svc);
    int period;
    if (period_parse(q->period, strlen(q->period), &period))
        return insurance_refuse(reply, arena, "invalid_period", "period must be YYYY-MM");
    if (!region_contains(q->by->region, q->region))
        return insurance_refuse(reply, arena, "out_of_scope",
                                "the region lies outside the token's region");
    int len = region_prefix_len(q->region);
    if (len < 0)
        return insurance_refuse(reply, arena, "invalid_region", "region must have 12 digits");
    /* the region's codes as a range, which the index on (scheme, region) serves */
    char lo[REGION_LEN + 1], hi[REGION_LEN + 1], p[12], at[24], now[24], token[24];
    insurance_region_range(q->region, len, lo, hi);
    snprintf(p, sizeof p, "%d", period);
    /* a payment counts in the month it pays for: its event occurs at noon
     * (CST) of that month's first day */
    int64_t first_day = days_from_civil(period / 100, (unsigned) (period % 100), 1);
    snprintf(at, sizeof at, "%" PRId64, first_day * (int64_t) 86400000000 + (int64_t) 4 * 3600 * 1000000);
    snprintf(now, sizeof now, "%" PRId64, now_us());
    snprintf(token, sizeof token, "%" PRId64, q->by->token_id);
    const char *values[] = {q->scheme, p, lo, q->run_id, q->by->region, at, now,
                            q->region, token, hi};
    if (db_begin(db))
        goto unavailable;
    /* commit order is feed order (outbox.h): the lock, by a statement of its
     * own, before the run reads max(seq) */
    if (db_prepared_run(db, "outbox_lock",
                        "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.outbox'))",
                        0, NULL))
        goto rollback;
    PGresult *res = db_prepared(db, "payment_run", RUN_SQL, 10, values, NULL, NULL);
    if (!res)
        goto rollback;
    int64_t payments = db_get_int64(res, 0, 0);
    int64_t total = db_get_int64(res, 0, 1);
    uint64_t last = (uint64_t) db_get_int64(res, 0, 2);
    PQclear(res);
    if (db_commit(db))
        goto rollback;
    if (payments)
        service_outbox_advanced(svc, last);
    return s_answer(reply, arena, q->run_id, q->scheme, period, q->region, payments, total);
rollback:
    db_rollback(db);
unavailable:
    return service_fail(reply, arena, "unavailable", db_error(db), true);
}

int
insurance_payment_run_query(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                            arena_t *arena)
{
    const Hrss__PaymentRunQuery *q = req->payment_run_query;
    const char *values[] = {q->run_id};
    PGresult *res = db_prepared(service_db(svc), "payment_run_get",
                                "SELECT scheme, period, region, payments, total_fen"
                                " FROM payment_runs WHERE run_id = $1",
                                1, values, NULL, NULL);
    if (!res)
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    if (PQntuples(res) == 0) {
        PQclear(res);
        return insurance_refuse(reply, arena, "unknown_run",
                                "no finished payment run has this id (it may still be running)");
    }
    char scheme[32], region[16];
    snprintf(scheme, sizeof scheme, "%s", PQgetvalue(res, 0, 0));
    snprintf(region, sizeof region, "%s", PQgetvalue(res, 0, 2));
    int period = (int) db_get_int64(res, 0, 1);
    int64_t payments = db_get_int64(res, 0, 3), total = db_get_int64(res, 0, 4);
    PQclear(res);
    if (!region_contains(q->by->region, region))
        return insurance_refuse(reply, arena, "out_of_scope",
                                "the run lies outside the token's region");
    return s_answer(reply, arena, q->run_id, scheme, period, region, payments, total);
}
