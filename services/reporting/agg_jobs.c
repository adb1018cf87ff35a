/* Jobs: job postings (岗位录入) and the positions still open (有效岗位).
 *
 * Reads employment.job_posted into reporting's copy of each job (jobs:
 * region, first_month, positions, valid_until). A job_id sent again updates
 * the posting, as employment records it: the job counts in the month of its
 * first posting, with its latest positions, at the region of its latest
 * posting. Writes emp.jobs_posted (positions, in that first month) and
 * emp.jobs_open: a stock that ends by time, not by an event, so a posting
 * writes both of its ends at once: +positions in its first month and
 * -positions in the first month whose last day is after valid_until (the
 * job is open at the end of a month whose last day is on or before
 * valid_until). An update takes the old posting's facts back and writes the
 * new ones, each in its own month. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"

#define JOBS_POSTED "emp.jobs_posted"
#define JOBS_OPEN "emp.jobs_open"

/* The month (YYYYMM) from which a job valid until `date` (YYYY-MM-DD) no
 * longer counts as open: its own month, or the next when it is valid to
 * the month's last day. 0 for a date that does not parse (employment
 * checked it: never). */
static int
s_closed_from(const char *date)
{
    int y, m, d;
    if (!date || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12)
        return 0;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int last = days[m - 1] + (m == 2 && leap);
    if (d < last)
        return y * 100 + m;
    return m == 12 ? (y + 1) * 100 + 1 : y * 100 + m + 1;
}

/* The facts of one posting, added (sign 1) or taken back (-1). */
static void
s_posting(facts_batch_t *batch, const pending_t *p, const char *region, int first,
          int64_t positions, const char *valid_until, int sign)
{
    page_add_at(batch, p, JOBS_POSTED, region, first, sign * positions);
    int closed = s_closed_from(valid_until);
    if (closed <= first)   /* expired before its first month ended: never open */
        return;
    page_add_at(batch, p, JOBS_OPEN, region, first, sign * positions);
    page_add_at(batch, p, JOBS_OPEN, region, closed, -sign * positions);
}

static int
s_posted_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
              const ProtobufCMessage *msg)
{
    const Hrss__JobPosted *d = (const Hrss__JobPosted *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = page_join(page, kind, ev, d->job_id);
    if (!p)
        return -1;
    pgarray_add_text(page_col(page, 0), d->job_id);
    pgarray_add_text(page_col(page, 1), ev->region);
    pgarray_add_int64(page_col(page, 2), d->positions);
    pgarray_add_text(page_col(page, 3), d->valid_until);
    pgarray_add_int64(page_col(page, 4), p->month);
    p->amount = d->positions;
    snprintf(p->code, sizeof p->code, "%s", d->valid_until);
    return 0;
}

/* (region, first_month, positions, valid_until) of the job as it was;
 * NULLs for a new one. */
static void
s_posted_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    int first = p->month;
    if (!PQgetisnull(res, row, 0)) {
        first = (int) page_int(res, row, 1);
        s_posting(batch, p, PQgetvalue(res, row, 0), first, page_int(res, row, 2),
                  PQgetvalue(res, row, 3), -1);
    }
    s_posting(batch, p, p->region, first, p->amount, p->code, 1);
}

static const reporting_kind_t s_kinds[] = {
    /* The job as it was (NULLs: new), then inserted or updated. A run's
 * jobs are distinct, and reporting is the table's only writer. */
    {"employment.job_posted", "jobs_post",
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::char(12)[], $3::int8[], $4::text[],"
        "           $5::int8[]) WITH ORDINALITY AS u(job_id, region, positions, until, month, ord)),"
        " old AS MATERIALIZED (SELECT u.*, j.region AS was, j.first_month,"
        "         j.positions AS was_positions, j.valid_until AS was_until"
        "         FROM u LEFT JOIN jobs j ON j.job_id = u.job_id),"
        " ins AS (INSERT INTO jobs (job_id, region, first_month, positions, valid_until)"
        "         SELECT job_id, region, month, positions, until::date FROM old"
        "         WHERE first_month IS NULL),"
        " up AS (UPDATE jobs j SET region = old.region, positions = old.positions,"
        "        valid_until = old.until::date"
        "        FROM old WHERE j.job_id = old.job_id AND old.first_month IS NOT NULL)"
        " SELECT was, first_month, was_positions, to_char(was_until, 'YYYY-MM-DD')"
        " FROM old ORDER BY ord",
     5, {PGARRAY_TEXT, PGARRAY_BPCHAR, PGARRAY_INT8, PGARRAY_TEXT, PGARRAY_INT8}, s_posted_join,
     s_posted_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {JOBS_POSTED, JOBS_OPEN, NULL};

const reporting_aggregate_t reporting_jobs = {"jobs", s_kinds, s_writes};
