/* Maker-checker corrections of paid data (一事一审批, 不相容岗位分离): a
 * county (or admin) token proposes a change to a benefit, nothing changes;
 * a checker (or admin) token of the region approves it, and it applies. The
 * proposer's token can never approve its own proposal, whatever its role;
 * a correction is approved once. Every step, refusals included, is an
 * audit row. The roles are the gateway's to check (routes); the identity of
 * the token travels with each request (Principal), because only the service
 * knows who proposed what. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insurance.h"
#include "outbox.h"
#include "region.h"
#include "timeutil.h"

#define CORRECTION_COLUMNS                                                                    \
    "correction_id, id_number, scheme, field, new_value, reason, status, region, proposed_by," \
    " approved_by, old_value"

static Hrss__Correction *
s_row(const PGresult *res, int i, arena_t *arena)
{
    Hrss__Correction *c = arena_alloc(arena, sizeof *c);
    if (!c)
        return NULL;
    hrss__correction__init(c);
    c->correction_id = db_get_int64(res, i, 0);
    c->id_number = arena_strdup(arena, PQgetvalue(res, i, 1));
    c->scheme = arena_strdup(arena, PQgetvalue(res, i, 2));
    c->field = arena_strdup(arena, PQgetvalue(res, i, 3));
    c->new_value = arena_strdup(arena, PQgetvalue(res, i, 4));
    c->reason = arena_strdup(arena, PQgetvalue(res, i, 5));
    c->status = arena_strdup(arena, PQgetvalue(res, i, 6));
    c->region = arena_strdup(arena, PQgetvalue(res, i, 7));
    c->proposed_by = db_get_int64(res, i, 8);
    if (!PQgetisnull(res, i, 9)) {
        c->has_approved_by = 1;
        c->approved_by = db_get_int64(res, i, 9);
    }
    if (!PQgetisnull(res, i, 10))
        c->old_value = arena_strdup(arena, PQgetvalue(res, i, 10));
    return c;
}

/* The rows of `res` as the reply. */
static int
s_list(Hrss__Reply *reply, arena_t *arena, const PGresult *res)
{
    Hrss__CorrectionList *l = arena_alloc(arena, sizeof *l);
    int n = PQntuples(res);
    if (!l)
        return -1;
    hrss__correction_list__init(l);
    l->corrections = arena_alloc(arena, ((size_t) n + 1) * sizeof(void *));
    for (int i = 0; l->corrections && i < n; i++)
        if ((l->corrections[l->n_corrections] = s_row(res, i, arena)))
            l->n_corrections++;
    reply->body_case = HRSS__REPLY__BODY_CORRECTIONS;
    reply->corrections = l;
    return 0;
}

static int
s_audit(db_t *db, int64_t correction_id, const char *action, const Hrss__Principal *by,
        const char *detail)
{
    char id[24], token[24];
    snprintf(id, sizeof id, "%" PRId64, correction_id);
    snprintf(token, sizeof token, "%" PRId64, by->token_id);
    const char *values[] = {id, action, token, by->name, by->role, detail};
    return db_prepared_run(db, "correction_audit",
                           "INSERT INTO correction_audit (correction_id, action, token_id,"
                           " token_name, role, detail) VALUES ($1::bigint, $2, $3::bigint, $4,"
                           " $5, $6)",
                           6, values);
}

static bool
s_amount_text(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return strtoll(s, NULL, 10) <= 1000000000000000LL;
}

int
insurance_correction_propose(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                             arena_t *arena)
{
    const Hrss__CorrectionPropose *q = req->correction_propose;
    db_t *db = service_db(svc);
    if (strcmp(q->field, "monthly_amount_fen") == 0) {
        if (!s_amount_text(q->new_value))
            return insurance_refuse(reply, arena, "invalid_value",
                                    "monthly_amount_fen takes a whole number of fen, 0 to 10^15");
    } else if (strcmp(q->field, "suspended") == 0) {
        if (strcmp(q->new_value, "true") != 0 && strcmp(q->new_value, "false") != 0)
            return insurance_refuse(reply, arena, "invalid_value", "suspended takes true or false");
    } else {
        return insurance_refuse(reply, arena, "invalid_field",
                                "field is monthly_amount_fen or suspended");
    }
    const char *key[] = {q->id_number, q->scheme};
    PGresult *res = db_prepared(db, "correction_benefit",
                                "SELECT region FROM benefits WHERE id_number = $1::char(18)"
                                " AND scheme = $2",
                                2, key, NULL, NULL);
    if (!res)
        goto unavailable;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return insurance_refuse(reply, arena, "unknown_benefit",
                                "the person draws no benefit of this scheme");
    }
    char region[16];
    snprintf(region, sizeof region, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!region_contains(q->by->region, region))
        return insurance_refuse(reply, arena, "out_of_scope",
                                "the benefit lies outside the token's region");
    char token[24];
    snprintf(token, sizeof token, "%" PRId64, q->by->token_id);
    const char *values[] = {q->id_number, q->scheme, q->field, q->new_value, q->reason, region,
                            token};
    if (db_begin(db))
        goto unavailable;
    res = db_prepared(db, "correction_propose",
                      "INSERT INTO corrections (id_number, scheme, field, new_value, reason,"
                      " region, proposed_by) VALUES ($1, $2, $3, $4, $5, $6, $7::bigint)"
                      " RETURNING " CORRECTION_COLUMNS,
                      7, values, NULL, NULL);
    if (!res)
        goto rollback;
    if (s_audit(db, db_get_int64(res, 0, 0), "proposed", q->by, q->reason) || db_commit(db)) {
        PQclear(res);
        goto rollback;
    }
    int rc = s_list(reply, arena, res);
    PQclear(res);
    return rc;
rollback:
    db_rollback(db);
unavailable:
    return service_fail(reply, arena, "unavailable", db_error(db), true);
}

/* The derived event of an approval, in the outbox of the open transaction. */
static int
s_emit_applied(db_t *db, const Hrss__CorrectionApprove *q, const Hrss__Correction *c,
               uint64_t *seq)
{
    Hrss__CorrectionApplied a = HRSS__CORRECTION_APPLIED__INIT;
    a.correction_id = c->correction_id;
    a.id_number = c->id_number;
    a.scheme = c->scheme;
    a.field = c->field;
    a.old_value = c->old_value ? c->old_value : "";
    a.new_value = c->new_value;
    uint8_t data[512];
    size_t len = protobuf_c_message_get_packed_size(&a.base);
    if (len > sizeof data)
        return -1;
    protobuf_c_message_pack(&a.base, data);
    char id[64];
    snprintf(id, sizeof id, "correction:%" PRId64 "/insurance.correction_applied",
             c->correction_id);
    Hrss__Event ev = HRSS__EVENT__INIT;
    ev.id = id;
    ev.type = "insurance.correction_applied";
    ev.region = c->region;
    ev.scope = q->by->region;
    ev.occurred_at_us = now_us();
    ev.data.data = data;
    ev.data.len = len;
    ev.cause = id;
    return outbox_append(db, &ev, seq);
}

int
insurance_correction_approve(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                             arena_t *arena)
{
    const Hrss__CorrectionApprove *q = req->correction_approve;
    db_t *db = service_db(svc);
    char id[24], token[24], now_period[12];
    snprintf(id, sizeof id, "%" PRId64, q->correction_id);
    snprintf(token, sizeof token, "%" PRId64, q->by->token_id);
    snprintf(now_period, sizeof now_period, "%d", period_of_instant(now_us()));
    const char *key[] = {id};
    const char *refusal = NULL, *code = NULL;
    if (db_begin(db))
        goto unavailable;
    PGresult *res = db_prepared(db, "correction_lock",
                                "SELECT " CORRECTION_COLUMNS " FROM corrections"
                                " WHERE correction_id = $1::bigint FOR UPDATE",
                                1, key, NULL, NULL);
    if (!res)
        goto rollback;
    if (PQntuples(res) == 0) {
        PQclear(res);
        db_rollback(db);
        return insurance_refuse(reply, arena, "unknown_correction", "no correction has this id");
    }
    Hrss__Correction *c = s_row(res, 0, arena);
    PQclear(res);
    if (!c)
        goto rollback;
    if (!region_contains(q->by->region, c->region)) {
        code = "out_of_scope";
        refusal = "the correction lies outside the token's region";
    } else if (c->proposed_by == q->by->token_id) {
        code = "same_token";
        refusal = "the proposer's token may not approve its own proposal (不相容岗位分离)";
    } else if (strcmp(c->status, "proposed") != 0) {
        code = "already_approved";
        refusal = "the correction was approved before";
    }
    if (!refusal && strcmp(c->field, "suspended") == 0 && strcmp(c->new_value, "false") == 0) {
        const char *who[] = {c->id_number};
        res = db_prepared(db, "correction_dead", "SELECT 1 FROM deaths WHERE id_number = $1",
                          1, who, NULL, NULL);
        if (!res)
            goto rollback;
        if (PQntuples(res)) {
            code = "person_deceased";
            refusal = "a deceased person's benefit cannot be resumed";
        }
        PQclear(res);
    }
    if (refusal) {
        /* the refusal is recorded; nothing else changes */
        if (s_audit(db, c->correction_id, code, q->by, refusal) || db_commit(db))
            goto rollback;
        return insurance_refuse(reply, arena, code, "%s", refusal);
    }
    /* the amount in a parameter of its own: "true" must never meet a cast
     * to bigint, even in a branch that changes nothing */
    bool amount = strcmp(c->field, "monthly_amount_fen") == 0;
    const char *values[] = {c->id_number, c->scheme, c->field, c->new_value, now_period, id,
                            token, amount ? c->new_value : NULL};
    res = db_prepared(
        db, "correction_apply",
        "WITH old AS (SELECT CASE WHEN $3 = 'monthly_amount_fen' THEN monthly_amount_fen::text"
        " ELSE (status = 'suspended')::text END AS v FROM benefits"
        " WHERE id_number = $1::char(18) AND scheme = $2),"
        " amt AS (UPDATE benefits SET monthly_amount_fen = $8::bigint"
        " WHERE $3 = 'monthly_amount_fen' AND id_number = $1::char(18) AND scheme = $2"
        " RETURNING 1),"
        " stop AS (UPDATE benefits SET status = 'suspended', suspended_reason = 'decision',"
        " suspended_from = $5::int WHERE $3 = 'suspended' AND $4 = 'true'"
        " AND id_number = $1::char(18) AND scheme = $2 AND status = 'active' RETURNING 1),"
        " resume AS (UPDATE benefits SET status = 'active', suspended_reason = NULL,"
        " suspended_from = NULL WHERE $3 = 'suspended' AND $4 = 'false'"
        " AND id_number = $1::char(18) AND scheme = $2 RETURNING 1)"
        " UPDATE corrections SET status = 'approved', approved_by = $7::bigint,"
        " approved_at = now(), old_value = (SELECT v FROM old)"
        " WHERE correction_id = $6::bigint RETURNING " CORRECTION_COLUMNS,
        8, values, NULL, NULL);
    if (!res)
        goto rollback;
    c = s_row(res, 0, arena);
    uint64_t seq = 0;
    if (!c || s_audit(db, c->correction_id, "approved", q->by, NULL) ||
        s_emit_applied(db, q, c, &seq) || db_commit(db)) {
        PQclear(res);
        goto rollback;
    }
    service_outbox_advanced(svc, seq);
    int rc = s_list(reply, arena, res);
    PQclear(res);
    return rc;
rollback:
    db_rollback(db);
unavailable:
    return service_fail(reply, arena, "unavailable", db_error(db), true);
}

int
insurance_corrections_list(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                           arena_t *arena)
{
    const Hrss__CorrectionListQuery *q = req->corrections;
    const char *status = q->status ? q->status : "proposed";
    if (strcmp(status, "proposed") != 0 && strcmp(status, "approved") != 0)
        return insurance_refuse(reply, arena, "invalid_status", "status is proposed or approved");
    char prefix[REGION_LEN + 2];
    snprintf(prefix, sizeof prefix, "%.*s%%", region_prefix_len(q->by->region), q->by->region);
    const char *values[] = {status, prefix};
    PGresult *res = db_prepared(service_db(svc), "corrections_list",
                                "SELECT " CORRECTION_COLUMNS " FROM corrections"
                                " WHERE status = $1 AND region LIKE $2"
                                " ORDER BY correction_id LIMIT 1000",
                                2, values, NULL, NULL);
    if (!res)
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    int rc = s_list(reply, arena, res);
    PQclear(res);
    return rc;
}
