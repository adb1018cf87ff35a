/* The jobs aggregate: postings (岗位录入), recommendations of persons for
 * them (岗位推荐) and what came of each (跟踪回访). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "employment.h"

const char *
employment_job_key(const ProtobufCMessage *data)
{
    return ((const Hrss__JobPosted *) data)->job_id;
}

/* What the gateway's codec cannot see in one field: the posting as a whole. */
int
employment_job_check(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                     verdict_t *v)
{
    (void) svc;
    (void) ev;
    const Hrss__JobPosted *d = (const Hrss__JobPosted *) data;
    if (d->positions < 1)
        return reject(v, "invalid_value", "data.positions", "data.positions must be at least 1");
    if (d->has_wage_min_fen && d->has_wage_max_fen && d->wage_min_fen > d->wage_max_fen)
        return reject(v, "invalid_value", "data.wage_min_fen",
                      "data.wage_min_fen must not exceed data.wage_max_fen");
    return 0;
}

static void
s_add_optional_int(pgarray_t *col, bool has, int64_t v)
{
    char buf[24];
    if (!has) {
        pgarray_add_text(col, NULL);
        return;
    }
    snprintf(buf, sizeof buf, "%" PRId64, v);
    pgarray_add_text(col, buf);
}

/* A new job, or the update of a posted one (same job_id, other content):
 * positions, wages, validity, even the employer, whose listing is checked
 * again. A listing counts while it has not expired at the posting's time. */
int
employment_job_posted(service_t *svc, Hrss__Event *const *events, ProtobufCMessage *const *data,
                      size_t n)
{
    enum { JOB, REGION, CREDIT_CODE, EMPLOYER, TITLE, POSITIONS, WMIN, WMAX, UNTIL, AT, NCOLS };
    static const uint32_t types[NCOLS] = {
        PGARRAY_TEXT, PGARRAY_BPCHAR,  PGARRAY_BPCHAR,  PGARRAY_TEXT,    PGARRAY_TEXT,
        PGARRAY_INT8, PGARRAY_LITERAL, PGARRAY_LITERAL, PGARRAY_LITERAL, PGARRAY_INT8};
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__JobPosted *d = (const Hrss__JobPosted *) data[k];
        pgarray_add_text(&cols[JOB], d->job_id);
        pgarray_add_text(&cols[REGION], events[k]->region);
        pgarray_add_text(&cols[CREDIT_CODE], d->employer_credit_code);
        pgarray_add_text(&cols[EMPLOYER], d->employer_name);
        pgarray_add_text(&cols[TITLE], d->title);
        pgarray_add_int64(&cols[POSITIONS], d->positions);
        s_add_optional_int(&cols[WMIN], d->has_wage_min_fen, d->wage_min_fen);
        s_add_optional_int(&cols[WMAX], d->has_wage_max_fen, d->wage_max_fen);
        pgarray_add_text(&cols[UNTIL], d->valid_until);
        pgarray_add_int64(&cols[AT], events[k]->occurred_at_us);
    }
    return service_send_run(
        svc, "jobs_post",
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::char(12)[], $3::char(18)[], $4::text[],"
        " $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::date[], $10::bigint[])"
        " WITH ORDINALITY AS u(job_id, region, credit_code, employer, title, positions, wmin,"
        " wmax, until, at, ord)),"
        " v AS (SELECT u.*, CASE WHEN EXISTS (SELECT 1 FROM blacklist b"
        " WHERE b.credit_code = u.credit_code AND b.expires_at_us > u.at)"
        " THEN 'employer_blacklisted' END AS verdict FROM u),"
        " up AS (INSERT INTO jobs (job_id, region, employer_credit_code, employer_name, title,"
        " positions, wage_min_fen, wage_max_fen, valid_until, posted_at_us, updated_at_us)"
        " SELECT job_id, region, credit_code, employer, title, positions, wmin, wmax, until,"
        " at, at FROM v WHERE verdict IS NULL"
        " ON CONFLICT (job_id) DO UPDATE SET region = EXCLUDED.region,"
        " employer_credit_code = EXCLUDED.employer_credit_code,"
        " employer_name = EXCLUDED.employer_name, title = EXCLUDED.title,"
        " positions = EXCLUDED.positions, wage_min_fen = EXCLUDED.wage_min_fen,"
        " wage_max_fen = EXCLUDED.wage_max_fen, valid_until = EXCLUDED.valid_until,"
        " updated_at_us = EXCLUDED.updated_at_us)"
        " SELECT verdict FROM v ORDER BY ord",
        cols, NCOLS);
}

int
employment_job_result(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                      const PGresult *res, int row, verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    return employment_verdict(res, row, v, "data.job_id");
}

int
employment_recommendation_verdict(service_t *svc, const Hrss__Event *ev,
                                  const ProtobufCMessage *data, const PGresult *res, int row,
                                  verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    return employment_verdict(res, row, v, "data.job_id");
}

/* Both statements below take a run of events about distinct persons. */
enum { R_JOB, R_ID, R_REGION, R_AT, R_RESULT, R_NCOLS };
static const uint32_t s_rec_types[R_NCOLS] = {PGARRAY_TEXT, PGARRAY_BPCHAR, PGARRAY_BPCHAR,
                                              PGARRAY_INT8, PGARRAY_TEXT};

static void
s_rec_row(pgarray_t *cols, const Hrss__Event *ev, const char *job_id, const char *id_number)
{
    pgarray_add_text(&cols[R_JOB], job_id);
    pgarray_add_text(&cols[R_ID], id_number);
    pgarray_add_text(&cols[R_REGION], ev->region);
    pgarray_add_int64(&cols[R_AT], ev->occurred_at_us);
}

/* A recommendation needs the job and a living registered person. */
int
employment_job_recommended(service_t *svc, Hrss__Event *const *events,
                           ProtobufCMessage *const *data, size_t n)
{
    pgarray_t cols[R_NCOLS];
    pgarray_init_types(cols, s_rec_types, R_NCOLS - 1);
    for (size_t k = 0; k < n; k++) {
        const Hrss__JobRecommended *d = (const Hrss__JobRecommended *) data[k];
        s_rec_row(cols, events[k], d->job_id, d->id_number);
    }
    return service_send_run(
        svc, "recommendations_add",
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::char(18)[], $3::char(12)[],"
        " $4::bigint[]) WITH ORDINALITY AS u(job_id, id, region, at, ord)),"
        " v AS (SELECT u.*, CASE WHEN NOT EXISTS (SELECT 1 FROM jobs j WHERE j.job_id = u.job_id)"
        " THEN 'unknown_job' ELSE " EMP_PERSON_VERDICT("u.id") " END AS verdict FROM u),"
        " ins AS (INSERT INTO recommendations (job_id, id_number, region, at_us)"
        " SELECT job_id, id, region, at FROM v WHERE verdict IS NULL)"
        " SELECT verdict FROM v ORDER BY ord",
        cols, R_NCOLS - 1);
}

/* The result of a recommendation that was made: the latest (by occurred_at)
 * stands. */
int
employment_recommendation_result(service_t *svc, Hrss__Event *const *events,
                                 ProtobufCMessage *const *data, size_t n)
{
    pgarray_t cols[R_NCOLS];
    pgarray_init_types(cols, s_rec_types, R_NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__RecommendationResult *d = (const Hrss__RecommendationResult *) data[k];
        s_rec_row(cols, events[k], d->job_id, d->id_number);
        pgarray_add_text(&cols[R_RESULT], d->result);
    }
    return service_send_run(
        svc, "recommendations_result",
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::char(18)[], $3::char(12)[],"
        " $4::bigint[], $5::text[]) WITH ORDINALITY AS u(job_id, id, region, at, result, ord)),"
        " v AS (SELECT u.*, CASE"
        " WHEN NOT EXISTS (SELECT 1 FROM jobs j WHERE j.job_id = u.job_id) THEN 'unknown_job'"
        " ELSE coalesce(" EMP_PERSON_VERDICT("u.id") ", CASE WHEN NOT EXISTS (SELECT 1 FROM"
        " recommendations r WHERE r.id_number = u.id AND r.job_id = u.job_id)"
        " THEN 'unknown_recommendation' END) END AS verdict FROM u),"
        " up AS (INSERT INTO recommendation_results (job_id, id_number, result, region, at_us)"
        " SELECT job_id, id, result, region, at FROM v WHERE verdict IS NULL"
        " ON CONFLICT (id_number, job_id) DO UPDATE SET result = EXCLUDED.result,"
        " region = EXCLUDED.region, at_us = EXCLUDED.at_us"
        " WHERE recommendation_results.at_us <= EXCLUDED.at_us)"
        " SELECT verdict FROM v ORDER BY ord",
        cols, R_NCOLS);
}

/* ---- person view ------------------------------------------------------------ */

int
employment_jobs_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                       arena_t *arena)
{
    const char *values[] = {id_number};
    PGresult *res = db_prepared(
        service_db(svc), "person_recommendations",
        "SELECT r.job_id, r.region, " EMP_CST_DATE("r.at_us") ", j.title, j.employer_name,"
        " x.result, " EMP_CST_DATE("x.at_us") ", x.region"
        " FROM recommendations r LEFT JOIN jobs j ON j.job_id = r.job_id"
        " LEFT JOIN recommendation_results x ON x.id_number = r.id_number AND x.job_id = r.job_id"
        " WHERE r.id_number = $1 ORDER BY r.at_us, r.recommendation_no",
        1, values, NULL, NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    r->recommendations = arena_alloc(arena, (size_t) (n ? n : 1) * sizeof *r->recommendations);
    for (int i = 0; r->recommendations && i < n; i++) {
        Hrss__LaborRecommendation *x = arena_alloc(arena, sizeof *x);
        if (!x)
            break;
        hrss__labor_recommendation__init(x);
        x->job_id = employment_col(arena, res, i, 0);
        x->region = employment_col(arena, res, i, 1);
        x->recommended_on = employment_col(arena, res, i, 2);
        x->title = employment_col(arena, res, i, 3);
        x->employer_name = employment_col(arena, res, i, 4);
        x->result = employment_col(arena, res, i, 5);
        x->result_on = employment_col(arena, res, i, 6);
        x->result_region = employment_col(arena, res, i, 7);
        r->recommendations[r->n_recommendations++] = x;
    }
    PQclear(res);
    return 0;
}
