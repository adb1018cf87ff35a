/* Monthly approval and locking, as DHIS2's data approval does it: a
 * region's month is submitted (every indicator of the region and of its
 * children frozen in report_snapshot), approved by a token other than the
 * submitter's (then locked: nothing changes its snapshot again), or, while
 * submitted, returned to draft with a reason (the snapshot is dropped).
 * Events that arrive later still count in the live figures; the report
 * lists where live and frozen differ as revisions (修订).
 *
 * Each step is one transaction whose first statement moves the state only
 * from the state the step expects: two checkers approving at once, or an
 * approval racing a return, leave one winner and one 409. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrss_limits.h"
#include "indicators.h"
#include "pgarray.h"
#include "region.h"
#include "reporting.h"
#include "timeutil.h"

#define MAX_CHILDREN 4096

static int
s_unavailable(service_t *svc, Hrss__Reply *reply, arena_t *arena)
{
    return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
}

/* The region itself and its children (listed divisions, or a township's
 * villages with facts) into `out`. */
static int
s_regions_of(service_t *svc, const char *region, pgarray_t *out, arena_t *arena)
{
    pgarray_add_text(out, region);
    if (region_level(region) == REGION_VILLAGE)
        return 0;
    if (region_level(region) != REGION_TOWNSHIP) {
        region_table_t *regions = reporting_regions();
        size_t total = region_children(regions, region, NULL, 0);
        if (total > MAX_CHILDREN)
            total = MAX_CHILDREN;
        char(*listed)[REGION_LEN + 1] = arena_alloc(arena, (total ? total : 1) * sizeof *listed);
        if (!listed)
            return -1;
        total = region_children(regions, region, listed, total);
        for (size_t i = 0; i < total; i++)
            pgarray_add_text(out, listed[i]);
        return 0;
    }
    char lo[REGION_LEN + 1], hi[REGION_LEN + 1];
    snprintf(lo, sizeof lo, "%.9s001", region);
    snprintf(hi, sizeof hi, "%.9s999", region);
    const char *values[] = {lo, hi};
    PGresult *res = db_prepared(service_db(svc), "report_villages",
                                "SELECT DISTINCT region FROM facts"
                                " WHERE region BETWEEN $1::char(12) AND $2::char(12)"
                                " ORDER BY region LIMIT 4096",
                                2, values, NULL, NULL);
    if (!res)
        return -1;
    for (int i = 0; i < PQntuples(res); i++)
        pgarray_add_text(out, PQgetvalue(res, i, 0));
    PQclear(res);
    return 0;
}

/* Freezes the snapshot: every non-rate indicator of the catalog (rates are
 * their parts') for each region of `regions`. */
static int
s_freeze(service_t *svc, const char *region, const char *period_s, int period, pgarray_t *regions)
{
    size_t total;
    const indicator_t *all = indicator_all(&total);
    pgarray_t codes, firsts;
    pgarray_init(&codes);
    pgarray_init(&firsts);
    for (size_t i = 0; i < total; i++) {
        if (all[i].kind == INDICATOR_RATE)
            continue;
        pgarray_add_text(&codes, all[i].code);
        pgarray_add_int64(&firsts, all[i].kind == INDICATOR_STOCK ? 0 : period / 100 * 100 + 1);
    }
    int rc = -1;
    const char *values[] = {region, period_s, pgarray_literal(regions), pgarray_literal(&codes),
                            pgarray_literal(&firsts)};
    if (values[2] && values[3] && values[4]) {
        PGresult *res = db_prepared(
            service_db(svc), "report_freeze",
            "INSERT INTO report_snapshot (region, period, child, code, first, value)"
            " SELECT $1::char(12), $2::int, r.region, c.code, c.first,"
            "        coalesce((SELECT sum(f.value) FROM facts f WHERE f.code = c.code"
            "                   AND f.region = r.region"
            "                   AND f.month BETWEEN c.first AND $2::int), 0)"
            " FROM unnest($3::char(12)[]) AS r(region)"
            " CROSS JOIN unnest($4::text[], $5::int[]) AS c(code, first)",
            5, values, NULL, NULL);
        rc = res ? 0 : -1;
        PQclear(res);
    }
    pgarray_free(&codes);
    pgarray_free(&firsts);
    return rc;
}

/* The state, steps, snapshot and revisions of one report into `reply`. */
static int
s_answer(service_t *svc, const char *region, const char *period_text, const char *period_s,
         Hrss__Reply *reply, arena_t *arena)
{
    db_t *db = service_db(svc);
    const char *values[] = {region, period_s};
    PGresult *state = NULL, *steps = NULL, *snap = NULL;
    int rc = -1;
    state = db_prepared(db, "report_state",
                        "SELECT state FROM reports WHERE region = $1::char(12) AND period = $2::int",
                        2, values, NULL, NULL);
    steps = state ? db_prepared(db, "report_steps",
                                "SELECT action, token_id, role, name,"
                                "       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
                                "       reason"
                                " FROM report_steps WHERE region = $1::char(12) AND period = $2::int"
                                " ORDER BY id",
                                2, values, NULL, NULL)
                  : NULL;
    /* the snapshot with each value's live figure beside it */
    snap = steps ? db_prepared(db, "report_snapshot",
                               "SELECT s.child, s.code, s.value,"
                               "       coalesce((SELECT sum(f.value) FROM facts f"
                               "                  WHERE f.code = s.code AND f.region = s.child"
                               "                    AND f.month BETWEEN s.first AND s.period), 0)::bigint"
                               " FROM report_snapshot s"
                               " WHERE s.region = $1::char(12) AND s.period = $2::int"
                               " ORDER BY s.child <> $1::char(12), s.child, s.code",
                               2, values, NULL, NULL)
                 : NULL;
    if (!snap) {
        rc = s_unavailable(svc, reply, arena);
        goto out;
    }
    Hrss__ReportState *r = arena_alloc(arena, sizeof *r);
    if (!r)
        goto out;
    hrss__report_state__init(r);
    r->region = arena_strdup(arena, region);
    r->period = arena_strdup(arena, period_text);
    r->state = arena_strdup(arena, PQntuples(state) ? PQgetvalue(state, 0, 0) : "draft");
    size_t nsteps = (size_t) PQntuples(steps), nsnap = (size_t) PQntuples(snap);
    r->steps = arena_alloc(arena, (nsteps ? nsteps : 1) * sizeof *r->steps);
    r->snapshot = arena_alloc(arena, (nsnap ? nsnap : 1) * sizeof *r->snapshot);
    r->revisions = arena_alloc(arena, (nsnap ? nsnap : 1) * sizeof *r->revisions);
    if (!r->region || !r->period || !r->state || !r->steps || !r->snapshot || !r->revisions)
        goto out;
    for (size_t i = 0; i < nsteps; i++) {
        Hrss__ReportStep *s = arena_alloc(arena, sizeof *s);
        if (!s)
            goto out;
        hrss__report_step__init(s);
        s->action = arena_strdup(arena, PQgetvalue(steps, (int) i, 0));
        s->token_id = db_get_int64(steps, (int) i, 1);
        s->role = arena_strdup(arena, PQgetvalue(steps, (int) i, 2));
        if (!PQgetisnull(steps, (int) i, 3))
            s->name = arena_strdup(arena, PQgetvalue(steps, (int) i, 3));
        s->at = arena_strdup(arena, PQgetvalue(steps, (int) i, 4));
        if (!PQgetisnull(steps, (int) i, 5))
            s->reason = arena_strdup(arena, PQgetvalue(steps, (int) i, 5));
        if (!s->action || !s->role || !s->at)
            goto out;
        r->steps[r->n_steps++] = s;
    }
    for (size_t i = 0; i < nsnap; i++) {
        Hrss__IndicatorValue *v = arena_alloc(arena, sizeof *v);
        if (!v)
            goto out;
        hrss__indicator_value__init(v);
        v->region = arena_strdup(arena, PQgetvalue(snap, (int) i, 0));
        v->code = arena_strdup(arena, PQgetvalue(snap, (int) i, 1));
        v->value = db_get_int64(snap, (int) i, 2);
        if (!v->region || !v->code)
            goto out;
        r->snapshot[r->n_snapshot++] = v;
        int64_t live = db_get_int64(snap, (int) i, 3);
        if (live == v->value)
            continue;
        Hrss__ReportRevision *rev = arena_alloc(arena, sizeof *rev);
        if (!rev)
            goto out;
        hrss__report_revision__init(rev);
        rev->code = v->code;
        rev->region = v->region;
        rev->approved = v->value;
        rev->live = live;
        r->revisions[r->n_revisions++] = rev;
    }
    reply->body_case = HRSS__REPLY__BODY_REPORT;
    reply->report = r;
    rc = 0;
out:
    PQclear(state);
    PQclear(steps);
    PQclear(snap);
    return rc;
}

static int
s_parse(const char *region, const char *period_text, int *period, Hrss__Reply *reply,
        arena_t *arena)
{
    region_level_t level = region_level(region);
    if (level == REGION_INVALID || level == REGION_NATION) {
        service_fail(reply, arena, "invalid_region", "region must be a division of 12 digits",
                     false);
        return -1;
    }
    if (period_parse(period_text, strlen(period_text), period) ||
        *period / 100 < LIMIT_YEAR_MIN || *period / 100 > LIMIT_YEAR_MAX) {
        service_fail(reply, arena, "invalid_period", "period must be YYYY-MM", false);
        return -1;
    }
    return 0;
}

int
reporting_on_report(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply, arena_t *arena)
{
    const Hrss__ReportQuery *q = req->report;
    int period;
    if (s_parse(q->region, q->period, &period, reply, arena))
        return 0;
    char period_s[16];
    snprintf(period_s, sizeof period_s, "%d", period);
    return s_answer(svc, q->region, q->period, period_s, reply, arena);
}

int
reporting_on_report_step(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                         arena_t *arena)
{
    const Hrss__ReportStepRequest *q = req->report_step;
    int period;
    if (s_parse(q->region, q->period, &period, reply, arena))
        return 0;
    const Hrss__Principal *by = q->by;
    bool submit = strcmp(q->action, "submit") == 0, approve = strcmp(q->action, "approve") == 0,
         ret = strcmp(q->action, "return") == 0;
    if (!submit && !approve && !ret)
        return service_fail(reply, arena, "invalid_action", "action is submit, approve or return",
                            false);
    if (ret && (!q->reason || !q->reason[0]))
        return service_fail(reply, arena, "invalid_reason", "a return says why", false);
    db_t *db = service_db(svc);
    char period_s[16], token_s[24];
    snprintf(period_s, sizeof period_s, "%d", period);
    snprintf(token_s, sizeof token_s, "%lld", (long long) by->token_id);
    pgarray_t regions;
    pgarray_init(&regions);
    PGresult *res = NULL;
    int rc = -1;
    const char *failure = NULL, *message = NULL;
    if (db_begin(db)) {
        rc = s_unavailable(svc, reply, arena);
        goto out;
    }
    const char *values[] = {q->region, period_s, token_s};
    if (submit)
        res = db_prepared(db, "report_submit",
                          "INSERT INTO reports (region, period, state, submitted_by)"
                          " VALUES ($1::char(12), $2::int, 'submitted', $3::bigint)"
                          " ON CONFLICT (region, period) DO UPDATE"
                          "  SET state = 'submitted', submitted_by = EXCLUDED.submitted_by"
                          "  WHERE reports.state = 'draft'"
                          " RETURNING NULL::text",
                          3, values, NULL, NULL);
    else if (approve)
        res = db_prepared(db, "report_approve",
                          "WITH r AS (SELECT state, submitted_by FROM reports"
                          "            WHERE region = $1::char(12) AND period = $2::int FOR UPDATE),"
                          " u AS (UPDATE reports SET state = 'approved'"
                          "        WHERE region = $1::char(12) AND period = $2::int"
                          "          AND state = 'submitted' AND submitted_by <> $3::bigint"
                          "        RETURNING 1)"
                          " SELECT CASE WHEN EXISTS (SELECT FROM u) THEN NULL"
                          "             WHEN r.state IS DISTINCT FROM 'submitted' THEN 'not_submitted'"
                          "             ELSE 'same_token' END"
                          " FROM (SELECT 1) one LEFT JOIN r ON true",
                          3, values, NULL, NULL);
    else
        res = db_prepared(db, "report_return",
                          "UPDATE reports SET state = 'draft', submitted_by = NULL"
                          " WHERE region = $1::char(12) AND period = $2::int AND state = 'submitted'"
                          " RETURNING NULL::text",
                          2, values, NULL, NULL);
    if (!res) {
        rc = s_unavailable(svc, reply, arena);
        goto rollback;
    }
    if (PQntuples(res) == 0) {
        failure = submit ? "not_draft" : "not_submitted";
        message = submit ? "the report is submitted or approved: only a draft is submitted"
                         : "only a submitted report is returned (an approved one is locked)";
    } else if (!PQgetisnull(res, 0, 0)) {
        failure = arena_strdup(arena, PQgetvalue(res, 0, 0));
        message = strcmp(PQgetvalue(res, 0, 0), "same_token") == 0
                      ? "the token that submitted a report does not approve it"
                      : "only a submitted report is approved";
    }
    PQclear(res);
    res = NULL;
    if (failure) {
        db_rollback(db);
        rc = service_fail(reply, arena, failure, message, false);
        goto out;
    }
    if (submit) {
        if (s_regions_of(svc, q->region, &regions, arena) ||
            s_freeze(svc, q->region, period_s, period, &regions)) {
            rc = s_unavailable(svc, reply, arena);
            goto rollback;
        }
    } else if (ret) {
        res = db_prepared(db, "report_unfreeze",
                          "DELETE FROM report_snapshot"
                          " WHERE region = $1::char(12) AND period = $2::int",
                          2, values, NULL, NULL);
        if (!res) {
            rc = s_unavailable(svc, reply, arena);
            goto rollback;
        }
        PQclear(res);
        res = NULL;
    }
    const char *step[] = {q->region, period_s, q->action, token_s, by->role, by->name,
                          ret ? q->reason : NULL};
    res = db_prepared(db, "report_step",
                      "INSERT INTO report_steps (region, period, action, token_id, role, name, reason)"
                      " VALUES ($1::char(12), $2::int, $3, $4::bigint, $5, $6, $7)",
                      7, step, NULL, NULL);
    if (!res || db_commit(db)) {
        rc = s_unavailable(svc, reply, arena);
        goto rollback;
    }
    PQclear(res);
    res = NULL;
    rc = s_answer(svc, q->region, q->period, period_s, reply, arena);
    goto out;
rollback:
    db_rollback(db);
out:
    PQclear(res);
    pgarray_free(&regions);
    return rc;
}
