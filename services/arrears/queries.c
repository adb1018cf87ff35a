/* What hrss-arrears answers: its part of the person view, the deadlines it
 * watches, and the blacklist. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arrears.h"
#include "region.h"
#include "timeutil.h"

static char *
s_dup(arena_t *arena, const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : arena_strdup(arena, PQgetvalue(res, row, col));
}

/* The codes under `region` as a range [lo, hi] of 12-digit codes. */
static int
s_region_range(const char *region, char lo[REGION_LEN + 1], char hi[REGION_LEN + 1])
{
    int n = region_prefix_len(region);
    if (n < 0)
        return -1;
    memcpy(lo, region, (size_t) n);
    memcpy(hi, region, (size_t) n);
    memset(lo + n, '0', (size_t) (REGION_LEN - n));
    memset(hi + n, '9', (size_t) (REGION_LEN - n));
    lo[REGION_LEN] = hi[REGION_LEN] = '\0';
    return 0;
}

/* ---- person view ------------------------------------------------------------ */

int
arrears_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply, arena_t *arena)
{
    char limit[8];
    snprintf(limit, sizeof limit, "%d", INJURY_DAYS);
    const char *values[] = {req->person->id_number, limit};
    PGresult *res = arrears_query(
        svc, "person_injuries",
        "SELECT application_id, region, employer_name, applied_on,"
        " applied_on + $2::int, coalesce(decision, 'pending'), decided_on, within_limit"
        " FROM injuries WHERE id_number = $1 ORDER BY applied_on, application_id",
        2, values);
    if (!res)
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    Hrss__PersonPart *part = arena_alloc(arena, sizeof *part);
    size_t n = (size_t) PQntuples(res);
    Hrss__InjuryApplication **apps = arena_alloc(arena, (n + 1) * sizeof *apps);
    if (!part || !apps) {
        PQclear(res);
        return -1;
    }
    hrss__person_part__init(part);
    part->service = "arrears";
    for (size_t i = 0; i < n; i++) {
        int r = (int) i;
        Hrss__InjuryApplication *a = arena_alloc(arena, sizeof *a);
        if (!a) {
            PQclear(res);
            return -1;
        }
        hrss__injury_application__init(a);
        a->application_id = s_dup(arena, res, r, 0);
        a->region = s_dup(arena, res, r, 1);
        a->employer_name = s_dup(arena, res, r, 2);
        a->applied_on = s_dup(arena, res, r, 3);
        a->due_on = s_dup(arena, res, r, 4);
        a->state = s_dup(arena, res, r, 5);
        a->decided_on = s_dup(arena, res, r, 6);
        if (!PQgetisnull(res, r, 7)) {
            a->has_within_limit = 1;
            a->within_limit = PQgetvalue(res, r, 7)[0] == 't';
        }
        apps[i] = a;
    }
    PQclear(res);
    part->injury_applications = apps;
    part->n_injury_applications = n;
    part->known = n > 0;
    reply->body_case = HRSS__REPLY__BODY_PERSON;
    reply->person = part;
    return 0;
}

/* ---- deadlines ------------------------------------------------------------------ */

static int
s_deadlines(service_t *svc, const Hrss__DeadlinesQuery *q, Hrss__Reply *reply, arena_t *arena)
{
    char lo[REGION_LEN + 1], hi[REGION_LEN + 1], within[16], arbitration_days[8],
        injury_days[8];
    int64_t as_of;
    if (s_region_range(q->region, lo, hi))
        return service_fail(reply, arena, "invalid_region", "region must be 12 digits", false);
    if (date_parse(q->as_of, strlen(q->as_of), &as_of))
        return service_fail(reply, arena, "invalid_date", "as_of must be a date", false);
    if (q->has_within && q->within < 0)
        return service_fail(reply, arena, "invalid_within", "within must be 0 or more", false);
    snprintf(within, sizeof within, "%d", q->within);
    snprintf(arbitration_days, sizeof arbitration_days, "%d", ARBITRATION_DAYS);
    snprintf(injury_days, sizeof injury_days, "%d", INJURY_DAYS);
    const char *values[] = {lo, hi, q->as_of, q->has_within ? within : NULL, arbitration_days,
                            injury_days};
    /* Open items only; arbitrations count ARBITRATION_DAYS while open (an
     * extension is known only at the close), injuries INJURY_DAYS. Each kind
     * is bounded on its own indexed columns (region, then the date it is due
     * by), `within` included: no due date is computed before it is kept. At
     * most 100 000 items in one answer. */
    PGresult *res = arrears_query(
        svc, "deadlines",
        "WITH p AS (SELECT $3::date + coalesce($4::int, 1000000) AS last)"
        " SELECT kind, id, region, since, due_on, due_on - $3::date, employer_name FROM ("
        " SELECT 'clue' AS kind, clue_id AS id, region, received_on AS since, due_on,"
        "  employer_name FROM clues, p"
        "  WHERE closed_on IS NULL AND region BETWEEN $1 AND $2 AND due_on <= p.last"
        " UNION ALL"
        " SELECT 'arbitration', arbitration_id, region, filed_on, filed_on + $5::int, NULL"
        "  FROM arbitrations, p WHERE closed_on IS NULL AND region BETWEEN $1 AND $2"
        "  AND filed_on <= p.last - $5::int"
        " UNION ALL"
        " SELECT 'injury', application_id, region, applied_on, applied_on + $6::int,"
        "  employer_name FROM injuries, p WHERE decided_on IS NULL"
        "  AND region BETWEEN $1 AND $2 AND applied_on <= p.last - $6::int) items"
        " ORDER BY due_on, kind, id LIMIT 100000",
        6, values);
    if (!res)
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    Hrss__DeadlinesReply *out = arena_alloc(arena, sizeof *out);
    size_t n = (size_t) PQntuples(res);
    Hrss__Deadline **items = arena_alloc(arena, (n + 1) * sizeof *items);
    Hrss__Deadline *cells = arena_alloc(arena, (n + 1) * sizeof *cells);
    if (!out || !items || !cells) {
        PQclear(res);
        return -1;
    }
    hrss__deadlines_reply__init(out);
    out->region = arena_strdup(arena, q->region);
    out->as_of = arena_strdup(arena, q->as_of);
    for (size_t i = 0; i < n; i++) {
        int r = (int) i;
        Hrss__Deadline *d = &cells[i];
        hrss__deadline__init(d);
        d->kind = s_dup(arena, res, r, 0);
        d->id = s_dup(arena, res, r, 1);
        d->region = s_dup(arena, res, r, 2);
        d->since = s_dup(arena, res, r, 3);
        d->due_on = s_dup(arena, res, r, 4);
        d->days_left = (int32_t) db_get_int64(res, r, 5);
        d->employer_name = s_dup(arena, res, r, 6);
        items[i] = d;
    }
    PQclear(res);
    out->items = items;
    out->n_items = n;
    reply->body_case = HRSS__REPLY__BODY_DEADLINES;
    reply->deadlines = out;
    return 0;
}

/* ---- blacklist ------------------------------------------------------------------ */

static int
s_blacklist(service_t *svc, const Hrss__BlacklistQuery *q, Hrss__Reply *reply, arena_t *arena)
{
    char lo[REGION_LEN + 1], hi[REGION_LEN + 1], now[24];
    if (s_region_range(q->region, lo, hi))
        return service_fail(reply, arena, "invalid_region", "region must be 12 digits", false);
    snprintf(now, sizeof now, "%" PRId64, q->has_now_us ? q->now_us : now_us());
    const char *values[] = {lo, hi, now};
    /* a listing whose 3 years are over is not shown, even before the expiry
     * timer has written its delisting */
    PGresult *res = arrears_query(svc, "blacklist_read",
                                  "SELECT credit_code, name, reason, region, listed_at_us,"
                                  " expires_at_us FROM blacklist"
                                  " WHERE delisted_at_us IS NULL AND region BETWEEN $1 AND $2"
                                  " AND expires_at_us > $3::bigint"
                                  " ORDER BY listed_at_us, credit_code",
                                  3, values);
    if (!res)
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    Hrss__BlacklistReply *out = arena_alloc(arena, sizeof *out);
    size_t n = (size_t) PQntuples(res);
    Hrss__BlacklistEntry **entries = arena_alloc(arena, (n + 1) * sizeof *entries);
    Hrss__BlacklistEntry *cells = arena_alloc(arena, (n + 1) * sizeof *cells);
    if (!out || !entries || !cells) {
        PQclear(res);
        return -1;
    }
    hrss__blacklist_reply__init(out);
    out->region = arena_strdup(arena, q->region);
    for (size_t i = 0; i < n; i++) {
        int r = (int) i;
        Hrss__BlacklistEntry *e = &cells[i];
        char day[11];
        hrss__blacklist_entry__init(e);
        e->credit_code = s_dup(arena, res, r, 0);
        e->name = s_dup(arena, res, r, 1);
        e->reason = s_dup(arena, res, r, 2);
        e->region = s_dup(arena, res, r, 3);
        e->listed_on = arena_strdup(arena, arrears_day(db_get_int64(res, r, 4), day));
        e->expires_on = arena_strdup(arena, arrears_day(db_get_int64(res, r, 5), day));
        entries[i] = e;
    }
    PQclear(res);
    out->entries = entries;
    out->n_entries = n;
    reply->body_case = HRSS__REPLY__BODY_BLACKLIST;
    reply->blacklist = out;
    return 0;
}

int
arrears_on_command(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                   arena_t *arena)
{
    switch (req->body_case) {
    case HRSS__REQUEST__BODY_DEADLINES:
        return s_deadlines(svc, req->deadlines, reply, arena);
    case HRSS__REQUEST__BODY_BLACKLIST:
        return s_blacklist(svc, req->blacklist, reply, arena);
    default:
        return service_fail(reply, arena, "unknown_request",
                            "arrears does not answer that request", false);
    }
}
