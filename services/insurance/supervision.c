/* The supervision aggregate: 疑点数据 (suspicious records from the province,
 * or raised here), their verification (核实), and the collection of what was
 * overpaid (整改 / 追回), be it a rectification or a death recovery (追缴). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insurance.h"
#include "timeutil.h"

int
insurance_suspicious_insert(service_t *svc, const Hrss__SuspiciousRecordReceived *d,
                            const char *region, int64_t occurred_at_us, bool *inserted)
{
    char p[12], amount[24];
    snprintf(p, sizeof p, "%d", period_of_instant(occurred_at_us));
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    const char *values[] = {d->record_id, d->id_number, d->rule, d->scheme, amount, region, p};
    PGresult *res = db_prepared(
        service_db(svc), "suspicious_insert",
        "INSERT INTO suspicious_records (record_id, id_number, rule, scheme, amount_fen, region,"
        " received_period) VALUES ($1, $2, $3, $4, $5::bigint, $6, $7::int)"
        " ON CONFLICT (record_id) DO NOTHING RETURNING 1",
        7, values, NULL, NULL);
    if (!res)
        return -1;
    *inserted = PQntuples(res) == 1;
    PQclear(res);
    return 0;
}

static int
s_received(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    const Hrss__SuspiciousRecordReceived *d = (const Hrss__SuspiciousRecordReceived *) msg;
    if (d->amount_fen < 0)
        return reject(v, "invalid_amount", "data.amount_fen", "amount_fen must not be negative");
    bool inserted = false;
    if (insurance_suspicious_insert(svc, d, ev->region, ev->occurred_at_us, &inserted))
        return -1;
    if (!inserted)
        return reject(v, "duplicate_record", "data.record_id",
                      "a suspicious record with this record_id is recorded already");
    return 0;
}

static int
s_verified(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    (void) ev;
    const Hrss__SuspiciousRecordVerified *d = (const Hrss__SuspiciousRecordVerified *) msg;
    bool rectify = strcmp(d->outcome, "rectify") == 0;
    if (rectify && !d->has_amount_fen)
        return reject(v, "missing_field", "data.amount_fen",
                      "a record to rectify needs its amount_fen");
    if (d->has_amount_fen && d->amount_fen < 0)
        return reject(v, "invalid_amount", "data.amount_fen", "amount_fen must not be negative");
    char amount[24];
    snprintf(amount, sizeof amount, "%" PRId64, rectify ? d->amount_fen : 0);
    const char *values[] = {d->record_id, d->outcome, rectify ? amount : NULL};
    PGresult *res = db_prepared(
        service_db(svc), "suspicious_verify",
        "WITH r AS (SELECT status FROM suspicious_records WHERE record_id = $1),"
        " up AS (UPDATE suspicious_records SET status = $2, rectify_fen = $3::bigint"
        " WHERE record_id = $1 AND status = 'received' RETURNING 1)"
        " SELECT (SELECT status FROM r), (SELECT count(*) FROM up)",
        3, values, NULL, NULL);
    if (!res)
        return -1;
    bool known = !PQgetisnull(res, 0, 0);
    int64_t updated = db_get_int64(res, 0, 1);
    PQclear(res);
    if (!known)
        return reject(v, "unknown_record", "data.record_id", "no suspicious record has this id");
    if (!updated)
        return reject(v, "already_verified", "data.record_id", "the record was verified before");
    return 0;
}

static int
s_recovered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    const Hrss__OverpaymentRecovered *d = (const Hrss__OverpaymentRecovered *) msg;
    if (d->amount_fen <= 0)
        return reject(v, "invalid_amount", "data.amount_fen", "amount_fen must be positive");
    db_t *db = service_db(svc);
    const char *key[] = {d->record_id};
    PGresult *res = db_prepared(
        db, "recovery_find",
        "SELECT 'rectification', scheme, region, status, coalesce(rectify_fen, 0) - recovered_fen"
        " FROM suspicious_records WHERE record_id = $1"
        " UNION ALL SELECT 'death', scheme, region, 'rectify', amount_fen - recovered_fen"
        " FROM recoveries WHERE record_id = $1",
        1, key, NULL, NULL);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return reject(v, "unknown_record", "data.record_id",
                      "no rectification or recovery has this record id");
    }
    char kind[16], scheme[32], region[16];
    snprintf(kind, sizeof kind, "%s", PQgetvalue(res, 0, 0));
    snprintf(scheme, sizeof scheme, "%s", PQgetvalue(res, 0, 1));
    snprintf(region, sizeof region, "%s", PQgetvalue(res, 0, 2));
    bool rectify = strcmp(PQgetvalue(res, 0, 3), "rectify") == 0;
    int64_t open = db_get_int64(res, 0, 4);
    PQclear(res);
    if (!rectify)
        return reject(v, "not_to_rectify", "data.record_id",
                      "the record is not verified as to be rectified");
    if (d->amount_fen > open)
        return reject(v, "exceeds_open_amount", "data.amount_fen",
                      "%" PRId64 " fen exceeds the %" PRId64 " fen still open on the record",
                      d->amount_fen, open);
    char amount[24], p[12];
    snprintf(amount, sizeof amount, "%" PRId64, d->amount_fen);
    snprintf(p, sizeof p, "%d", period_of_instant(ev->occurred_at_us));
    const char *values[] = {d->record_id, amount, scheme, region, p};
    bool death = strcmp(kind, "death") == 0;
    int rc = death ? db_prepared_run(db, "recovery_collect_death",
                                     "UPDATE recoveries SET recovered_fen = recovered_fen"
                                     " + $2::bigint, status = CASE WHEN recovered_fen + $2::bigint"
                                     " = amount_fen THEN 'collected' ELSE status END"
                                     " WHERE record_id = $1",
                                     2, values)
                   : db_prepared_run(db, "recovery_collect_rectify",
                                     "UPDATE suspicious_records SET recovered_fen = recovered_fen"
                                     " + $2::bigint WHERE record_id = $1",
                                     2, values);
    if (rc == 0)
        rc = db_prepared_run(db, "recovery_ledger",
                             "INSERT INTO ledger (region, scheme, period, kind, amount_fen,"
                             " source) VALUES ($4, $3, $5::int, 'recovery', $2::bigint, $1)",
                             5, values);
    if (rc)
        return -1;
    Hrss__RecoveryCollected out = HRSS__RECOVERY_COLLECTED__INIT;
    out.record_id = d->record_id;
    out.scheme = scheme;
    out.amount_fen = d->amount_fen;
    out.closed = d->amount_fen == open;
    out.kind = kind;
    return service_emit(svc, ev, "insurance.recovery_collected", region, ev->occurred_at_us,
                        &out.base);
}

const event_handler_t insurance_supervision_handlers[] = {
    {.type = "insurance.suspicious_record_received", .apply = s_received},
    {.type = "insurance.suspicious_record_verified", .apply = s_verified},
    {.type = "insurance.overpayment_recovered", .apply = s_recovered},
    {.type = NULL}};
