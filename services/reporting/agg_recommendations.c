/* Recommendations: 岗位推荐 and the hires they lead to (推荐成功就业).
 *
 * employment.job_recommended counts once per event (人次): it keeps nothing.
 * employment.recommendation_result is kept as the latest result (by
 * occurred_at) of recommending a person for a job, as employment keeps it
 * (recommendation_results): emp.recommendation_hires counts the latest
 * results that are `hired`, in the month and region of that result, so a
 * later result moves or takes back the hire. */
#include <string.h>

#include "aggregate.h"

#define HIRES "emp.recommendation_hires"

static int
s_recommended_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                   const ProtobufCMessage *msg)
{
    (void) msg;
    if (!page_region_ok(ev))
        return 0;
    if (!page_join(page, kind, ev, ev->id))
        return -1;
    pgarray_add_text(page_col(page, 0), ev->id);
    return 0;
}

static void
s_recommended_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    (void) res;
    (void) row;
    page_add(batch, p, "emp.recommendations", p->region, 1);
}

static int
s_result_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__RecommendationResult *d = (const Hrss__RecommendationResult *) msg;
    if (!page_region_ok(ev))
        return 0;
    /* keyed by the person: a run's (person, job) pairs are then distinct */
    pending_t *p = page_join(page, kind, ev, d->id_number);
    if (!p)
        return -1;
    p->flag = strcmp(d->result, "hired") == 0;
    pgarray_add_text(page_col(page, 0), d->id_number);
    pgarray_add_text(page_col(page, 1), d->job_id);
    pgarray_add_text(page_col(page, 2), p->flag ? "t" : "f");
    pgarray_add_text(page_col(page, 3), ev->region);
    pgarray_add_int64(page_col(page, 4), ev->occurred_at_us);
    pgarray_add_int64(page_col(page, 5), p->month);
    return 0;
}

/* (latest, hired, region, month as they were) */
static void
s_result_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (!page_hit(res, row))   /* an older result than the one kept */
        return;
    if (PQgetvalue(res, row, 1)[0] == 't')
        page_add_at(batch, p, HIRES, PQgetvalue(res, row, 2), (int) page_int(res, row, 3), -1);
    if (p->flag)
        page_add(batch, p, HIRES, p->region, 1);
}

static const reporting_kind_t s_kinds[] = {
    /* nothing kept: one row per event */
    {"employment.job_recommended", "recommendations_count",
        "SELECT true FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord) ORDER BY ord",
     1, {PGARRAY_TEXT}, s_recommended_join, s_recommended_deltas},
    /* The result kept as it was (NULLs: none), replaced unless older. */
    {"employment.recommendation_result", "recommendation_results_put",
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::char(12)[],"
        "           $5::int8[], $6::int8[])"
        "           WITH ORDINALITY AS u(id, job, hired, region, at, month, ord)),"
        " old AS MATERIALIZED (SELECT u.*, r.hired AS was_hired, r.region AS was,"
        "         r.month AS was_month, r.at_us AS was_at"
        "         FROM u LEFT JOIN recommendation_results r"
        "         ON r.id_number = u.id AND r.job_id = u.job),"
        " ins AS (INSERT INTO recommendation_results"
        "         (id_number, job_id, hired, region, at_us, month)"
        "         SELECT id, job, hired::bool, region, at, month FROM old WHERE was_at IS NULL),"
        " up AS (UPDATE recommendation_results r SET hired = old.hired::bool,"
        "        region = old.region, at_us = old.at, month = old.month"
        "        FROM old WHERE r.id_number = old.id AND r.job_id = old.job"
        "        AND old.was_at IS NOT NULL AND old.was_at <= old.at)"
        " SELECT was_at IS NULL OR was_at <= at, was_hired, was, was_month"
        " FROM old ORDER BY ord",
     6, {PGARRAY_TEXT, PGARRAY_TEXT, PGARRAY_TEXT, PGARRAY_BPCHAR, PGARRAY_INT8, PGARRAY_INT8},
     s_result_join, s_result_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"emp.recommendations", HIRES, NULL};

const reporting_aggregate_t reporting_recommendations = {"recommendations", s_kinds, s_writes};
