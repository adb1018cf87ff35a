/* Event handlers of hrss-insurance and its part of the person view. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insurance.h"
#include "pgarray.h"
#include "region.h"
#include "timeutil.h"

/* The enrolment and benefit statements take a run of events about distinct
 * persons (see event_handler_t), refuse deceased persons and write only where
 * the event may apply, in one round trip sent in a pipeline with its
 * neighbours. Their rows, one per event in order, name the rejection, or are
 * NULL where the event was applied. */
#define DEATH_STATE                                                                           \
    "st AS (SELECT u.*, EXISTS (SELECT 1 FROM deaths d WHERE d.id_number = u.id) AS dead"     \
    " FROM u)"

static int
s_verdict(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
          const PGresult *res, int row, verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    if (PQgetisnull(res, row, 0))
        return 0;
    return reject(v, "person_deceased", "data.id_number", "the person is recorded deceased");
}

static int
s_enrolled(service_t *svc, Hrss__Event *const *events, ProtobufCMessage *const *data, size_t n)
{
    enum { ID, SCHEME, REGION, CREDIT_CODE, ON, NCOLS };
    pgarray_t cols[NCOLS];
    pgarray_init_all(cols, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__Enrolled *d = (const Hrss__Enrolled *) data[k];
        pgarray_add_text(&cols[ID], d->id_number);
        pgarray_add_text(&cols[SCHEME], d->scheme);
        pgarray_add_text(&cols[REGION], events[k]->region);
        pgarray_add_text(&cols[CREDIT_CODE], d->employer_credit_code);
        pgarray_add_text(&cols[ON], d->enrolled_on);
    }
    /* Enrolling again in a scheme one is enrolled in changes nothing. */
    return service_send_run(svc, "enroll",
                          "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[],"
                          " $3::char(12)[], $4::char(18)[], $5::date[]) WITH ORDINALITY"
                          " AS u(id, scheme, region, credit_code, since, ord)),"
                          " " DEATH_STATE ","
                          " ins AS (INSERT INTO enrollments (id_number, scheme, region,"
                          " employer_credit_code, enrolled_on)"
                          " SELECT id, scheme, region, credit_code, since FROM st WHERE NOT dead"
                          " ON CONFLICT (id_number, scheme) DO NOTHING RETURNING 1)"
                          " SELECT CASE WHEN dead THEN 'person_deceased' END FROM st ORDER BY ord",
                          cols, NCOLS);
}

static int
s_benefit_check(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    (void) svc;
    (void) ev;
    const Hrss__BenefitStarted *d = (const Hrss__BenefitStarted *) msg;
    int period;
    if (period_parse(d->first_period, strlen(d->first_period), &period))
        return reject(v, "invalid_period", "data.first_period", "first_period must be YYYY-MM");
    return 0;
}

static int
s_benefit_started(service_t *svc, Hrss__Event *const *events, ProtobufCMessage *const *data,
                  size_t n)
{
    enum { ID, SCHEME, REGION, AMOUNT, FIRST, NCOLS };
    pgarray_t cols[NCOLS];
    pgarray_init_all(cols, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__BenefitStarted *d = (const Hrss__BenefitStarted *) data[k];
        int period = 0;
        period_parse(d->first_period, strlen(d->first_period), &period);   /* checked */
        pgarray_add_text(&cols[ID], d->id_number);
        pgarray_add_text(&cols[SCHEME], d->scheme);
        pgarray_add_text(&cols[REGION], events[k]->region);
        pgarray_add_int64(&cols[AMOUNT], d->monthly_amount_fen);
        pgarray_add_int64(&cols[FIRST], period);
    }
    /* 待遇核定 again (a recalculation) replaces the amount and keeps the status. */
    return service_send_run(svc, "benefit_start",
                          "WITH u AS (SELECT * FROM unnest($1::char(18)[], $2::text[],"
                          " $3::char(12)[], $4::bigint[], $5::int[]) WITH ORDINALITY"
                          " AS u(id, scheme, region, amount, first, ord)),"
                          " " DEATH_STATE ","
                          " up AS (INSERT INTO benefits (id_number, scheme, region,"
                          " monthly_amount_fen, first_period)"
                          " SELECT id, scheme, region, amount, first FROM st WHERE NOT dead"
                          " ON CONFLICT (id_number, scheme) DO UPDATE SET"
                          " monthly_amount_fen = EXCLUDED.monthly_amount_fen,"
                          " first_period = EXCLUDED.first_period, region = EXCLUDED.region"
                          " RETURNING 1)"
                          " SELECT CASE WHEN dead THEN 'person_deceased' END FROM st ORDER BY ord",
                          cols, NCOLS);
}

static int
s_death_check(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg, verdict_t *v)
{
    (void) svc;
    const Hrss__DeathReported *d = (const Hrss__DeathReported *) msg;
    int64_t died;
    if (date_parse(d->died_on, strlen(d->died_on), &died))
        return reject(v, "invalid_date", "data.died_on", "died_on must be a date");
    if (died > cst_days_of_instant(ev->occurred_at_us))
        return reject(v, "invalid_date", "data.died_on", "died_on lies after the report");
    return 0;
}

/* The significant digits of the pushing token's region ("433123" for a
 * county, "" for the nation): the death statement compares them with the
 * counties that hold the person's records. */
static const char *
s_scope_prefix(const Hrss__Event *ev, char out[REGION_LEN + 1])
{
    int len = region_prefix_len(ev->scope);
    snprintf(out, REGION_LEN + 1, "%.*s", len > 0 ? len : 0, ev->scope);
    return out;
}

/* A death goes alone (no key): it touches several tables and derives an event.
 *
 * Its scope (docs/contract.md#insurance): a death of a person hrss knows (registered in
 * employment, which this service learns from its feed, or enrolled or
 * drawing a benefit here) is reported by the county that holds a record of
 * the person: the pushing token's region contains that county, or lies in
 * it (its townships and villages report their deaths directly). Otherwise
 * the report is out of scope, whatever region the pusher wrote on it, and
 * changes nothing. A death of a person nobody knows is accepted. */
static int
s_death_reported(service_t *svc, Hrss__Event *const *events, ProtobufCMessage *const *data,
                 size_t n)
{
    (void) n;
    const Hrss__Event *ev = events[0];
    const Hrss__DeathReported *d = (const Hrss__DeathReported *) data[0];
    int64_t died = 0;
    date_parse(d->died_on, strlen(d->died_on), &died);   /* checked */
    char at[24], from[16], scope[REGION_LEN + 1];
    snprintf(at, sizeof at, "%" PRId64, ev->occurred_at_us);
    /* Benefits stop from the month after the death; months already paid
     * beyond it become recoveries; enrollments end. Only the first report of
     * a death does anything: a second village report changes nothing. */
    snprintf(from, sizeof from, "%d", period_add(period_of_days(died), 1));
    const char *values[] = {d->id_number, d->died_on, ev->region, at, from,
                            s_scope_prefix(ev, scope)};
    return db_pipeline_send(
        service_db(svc), "death_report",
        "WITH known AS (SELECT DISTINCT left(region, 6) AS county FROM ("
        " SELECT region FROM registry_persons WHERE id_number = $1::char(18)"
        " UNION ALL SELECT region FROM enrollments WHERE id_number = $1::char(18)"
        " UNION ALL SELECT region FROM benefits WHERE id_number = $1::char(18)) r),"
        " ok AS (SELECT NOT EXISTS (SELECT 1 FROM known) OR EXISTS (SELECT 1 FROM known"
        " WHERE starts_with(county, $6::text) OR starts_with($6::text, county)) AS ok),"
        " first AS (INSERT INTO deaths (id_number, died_on, region, reported_at_us)"
        " SELECT $1::char(18), $2::date, $3::char(12), $4::bigint WHERE (SELECT ok FROM ok)"
        " ON CONFLICT DO NOTHING RETURNING 1),"
        " susp AS (UPDATE benefits SET status = 'suspended', suspended_from = $5::int,"
        " suspended_reason = 'deceased'"
        " WHERE id_number = $1::char(18) AND (status = 'active' OR suspended_from > $5::int)"
        " AND EXISTS (SELECT 1 FROM first) RETURNING 1),"
        " rec AS (INSERT INTO recoveries (id_number, scheme, period, region, amount_fen,"
        " record_id)"
        " SELECT id_number, scheme, period, region, amount_fen,"
        " 'death:' || id_number || ':' || scheme || ':' || period FROM payments"
        " WHERE id_number = $1::char(18) AND period >= $5::int AND EXISTS (SELECT 1 FROM first)"
        " ON CONFLICT DO NOTHING RETURNING record_id, scheme, period, amount_fen, region),"
        " ended AS (UPDATE enrollments SET status = 'ended', ended_on = $2::date"
        " WHERE id_number = $1::char(18) AND status = 'active'"
        " AND EXISTS (SELECT 1 FROM first) RETURNING 1)"
        " SELECT CASE WHEN NOT (SELECT ok FROM ok) THEN 'out_of_scope' END,"
        " (SELECT count(*) FROM first), (SELECT count(*) FROM susp),"
        " (SELECT string_agg(record_id || ' ' || scheme || ' ' || period || ' ' || amount_fen"
        " || ' ' || region, ';' ORDER BY record_id) FROM rec),"
        " (SELECT string_agg(county || '000000', ', ' ORDER BY county) FROM known)",
        6, values, NULL, NULL);
}

static int
s_death_result(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg,
               const PGresult *res, int row, verdict_t *v)
{
    const Hrss__DeathReported *d = (const Hrss__DeathReported *) msg;
    if (!PQgetisnull(res, row, 0))
        return reject(v, "out_of_scope", "data.id_number",
                      "the person is recorded in county %s: a token of that county (or above "
                      "it) must report the death",
                      PQgetvalue(res, row, 4));
    if (db_get_int64(res, row, 1) == 0)
        return 0;   /* not the first report: nothing more to stop */
    int64_t died;
    date_parse(d->died_on, strlen(d->died_on), &died);
    Hrss__InsurancePersonDeceased out = HRSS__INSURANCE_PERSON_DECEASED__INIT;
    char from_text[8];
    out.id_number = d->id_number;
    out.died_on = d->died_on;
    out.suspended_from = format_period(period_add(period_of_days(died), 1), from_text);
    out.benefits_suspended = db_get_int64(res, row, 2);
    if (service_emit(svc, ev, "insurance.person_deceased", ev->region, ev->occurred_at_us,
                     &out.base))
        return -1;
    /* each month paid after the death: a recovery (追缴) of its own */
    if (PQgetisnull(res, row, 3))
        return 0;
    char *list = strdup(PQgetvalue(res, row, 3));
    if (!list)
        return -1;
    int rc = 0;
    for (char *save = NULL, *item = strtok_r(list, ";", &save); rc == 0 && item;
         item = strtok_r(NULL, ";", &save)) {
        char record_id[96], scheme[32], region[16], period_text[8];
        int period;
        long long amount;
        if (sscanf(item, "%95s %31s %d %lld %15s", record_id, scheme, &period, &amount,
                   region) != 5) {
            rc = -1;
            break;
        }
        Hrss__RecoveryOpened r = HRSS__RECOVERY_OPENED__INIT;
        r.record_id = record_id;
        r.id_number = d->id_number;
        r.scheme = scheme;
        r.period = format_period(period, period_text);
        r.amount_fen = amount;
        /* ids of events derived from one cause differ by type: a per-record
         * type suffix would not, so each carries its record in the id */
        Hrss__Event cause = *ev;
        char cause_id[160];
        snprintf(cause_id, sizeof cause_id, "%s/%s", ev->id, record_id);
        cause.id = cause_id;
        rc = service_emit(svc, &cause, "insurance.recovery_opened", region, ev->occurred_at_us,
                          &r.base);
    }
    free(list);
    return rc;
}

const event_handler_t insurance_event_handlers[] = {
    {.type = "insurance.enrolled", .send = s_enrolled, .key = service_person_key,
     .result = s_verdict},
    {.type = "insurance.benefit_started", .check = s_benefit_check, .send = s_benefit_started,
     .key = service_person_key, .result = s_verdict},
    {.type = "insurance.death_reported", .check = s_death_check, .send = s_death_reported,
     .result = s_death_result, .derives = true},
    {.type = NULL}};

/* ---- person view ------------------------------------------------------------ */

int
insurance_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply, arena_t *arena)
{
    db_t *db = service_db(svc);
    const char *values[] = {req->person->id_number};
    Hrss__PersonPart *part = arena_alloc(arena, sizeof *part);
    hrss__person_part__init(part);
    part->service = "insurance";

    PGresult *res = db_prepared(db, "person_enrollments",
                                "SELECT scheme, region, enrolled_on, employer_credit_code, status"
                                " FROM enrollments WHERE id_number = $1 ORDER BY scheme",
                                1, values, NULL, NULL);
    if (!res)
        goto fail;
    part->n_enrollments = (size_t) PQntuples(res);
    part->enrollments = arena_alloc(arena, (part->n_enrollments + 1) * sizeof(void *));
    for (size_t i = 0; i < part->n_enrollments; i++) {
        Hrss__Enrollment *e = arena_alloc(arena, sizeof *e);
        hrss__enrollment__init(e);
        e->scheme = arena_strdup(arena, PQgetvalue(res, (int) i, 0));
        e->region = arena_strdup(arena, PQgetvalue(res, (int) i, 1));
        e->enrolled_on = arena_strdup(arena, PQgetvalue(res, (int) i, 2));
        if (!PQgetisnull(res, (int) i, 3))
            e->employer_credit_code = arena_strdup(arena, PQgetvalue(res, (int) i, 3));
        e->status = arena_strdup(arena, PQgetvalue(res, (int) i, 4));
        part->enrollments[i] = e;
    }
    PQclear(res);

    /* a pension whose last certification (or start) is more than 12 months
     * before this month is not paid: it shows as suspended until certified */
    char now_period[12];
    snprintf(now_period, sizeof now_period, "%d", period_of_instant(now_us()));
    const char *bvalues[] = {req->person->id_number, now_period};
    res = db_prepared(db, "person_benefits",
                      "SELECT b.scheme, b.monthly_amount_fen, b.first_period,"
                      " CASE WHEN b.status = 'active' AND " INSURANCE_LIVENESS_LAPSED("$2::int")
                      " THEN 'suspended' ELSE b.status END,"
                      " b.suspended_from,"
                      " CASE WHEN b.status = 'active' AND " INSURANCE_LIVENESS_LAPSED("$2::int")
                      " THEN 'certification_overdue' ELSE b.suspended_reason END, b.region"
                      " FROM benefits b LEFT JOIN LATERAL (SELECT max(certified_on) AS on_"
                      " FROM certifications c WHERE c.id_number = b.id_number) lc ON true"
                      " WHERE b.id_number = $1 ORDER BY b.scheme",
                      2, bvalues, NULL, NULL);
    if (!res)
        goto fail;
    part->n_benefits = (size_t) PQntuples(res);
    part->benefits = arena_alloc(arena, (part->n_benefits + 1) * sizeof(void *));
    for (size_t i = 0; i < part->n_benefits; i++) {
        Hrss__Benefit *b = arena_alloc(arena, sizeof *b);
        hrss__benefit__init(b);
        char period[8];
        b->scheme = arena_strdup(arena, PQgetvalue(res, (int) i, 0));
        b->monthly_amount_fen = db_get_int64(res, (int) i, 1);
        b->first_period =
            arena_strdup(arena, format_period((int) db_get_int64(res, (int) i, 2), period));
        b->status = arena_strdup(arena, PQgetvalue(res, (int) i, 3));
        if (!PQgetisnull(res, (int) i, 4))
            b->suspended_from =
                arena_strdup(arena, format_period((int) db_get_int64(res, (int) i, 4), period));
        if (!PQgetisnull(res, (int) i, 5))
            b->suspended_reason = arena_strdup(arena, PQgetvalue(res, (int) i, 5));
        b->region = arena_strdup(arena, PQgetvalue(res, (int) i, 6));
        part->benefits[i] = b;
    }
    PQclear(res);

    /* Open recoveries by region, and the death with the region it was
     * reported in: the gateway shows each to the tokens that may see it. */
    res = db_prepared(db, "person_recoveries_by_region",
                      "SELECT region, sum(amount_fen)::bigint FROM recoveries"
                      " WHERE id_number = $1 AND status = 'open' GROUP BY region ORDER BY region",
                      1, values, NULL, NULL);
    if (!res)
        goto fail;
    part->n_recoveries_open = (size_t) PQntuples(res);
    part->recoveries_open = arena_alloc(arena, (part->n_recoveries_open + 1) * sizeof(void *));
    part->has_recoveries_open_fen = 1;
    for (size_t i = 0; i < part->n_recoveries_open; i++) {
        Hrss__RegionAmount *r = arena_alloc(arena, sizeof *r);
        hrss__region_amount__init(r);
        r->region = arena_strdup(arena, PQgetvalue(res, (int) i, 0));
        r->amount_fen = db_get_int64(res, (int) i, 1);
        part->recoveries_open_fen += r->amount_fen;
        part->recoveries_open[i] = r;
    }
    PQclear(res);

    res = db_prepared(db, "person_death", "SELECT died_on, region FROM deaths WHERE id_number = $1",
                      1, values, NULL, NULL);
    if (!res)
        goto fail;
    if (PQntuples(res) == 1) {
        part->died_on = arena_strdup(arena, PQgetvalue(res, 0, 0));
        part->death_region = arena_strdup(arena, PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    if (insurance_person_money(svc, req->person->id_number, part, arena))
        goto fail;
    part->known = part->n_enrollments > 0 || part->n_benefits > 0 || part->died_on;
    reply->body_case = HRSS__REPLY__BODY_PERSON;
    reply->person = part;
    return 0;
fail:
    return service_fail(reply, arena, "unavailable", db_error(db), true);
}
