/* Graduates: 离校未就业高校毕业生跟踪服务 and their employment rate.
 *
 * Reads employment.graduate_followed_up into the latest follow-up (by
 * occurred_at, as employment keeps it) per person and year of graduation
 * (graduates). Writes emp.graduates (graduates of a year followed up) and
 * emp.graduates_employed (of those, whose latest status is employed,
 * further_study, enlisted or abroad): the parts of the rate
 * emp.graduates_employment_rate.
 *
 * The rate is of the graduates of the period's year, so both parts are
 * flows kept inside the year of graduation: a follow-up counts in its own
 * month when that lies in the year of graduation, else in the year's first
 * month (followed up before) or last (after), so that the parts of period
 * Y-MM sum the graduates of year Y followed up by the end of Y-MM, with
 * their latest status then. A later follow-up moves the graduate in its own
 * month: the earlier one's region and status out, its own in, so that a
 * graduate seeking work in March and employed in June counts as seeking at
 * the end of March to May and as employed from June. */
#include <string.h>

#include "aggregate.h"

#define GRADUATES "emp.graduates"
#define EMPLOYED "emp.graduates_employed"

static bool
s_employed(const char *status)
{
    return strcmp(status, "employed") == 0 || strcmp(status, "further_study") == 0 ||
           strcmp(status, "enlisted") == 0 || strcmp(status, "abroad") == 0;
}

static int
s_followed_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                const ProtobufCMessage *msg)
{
    const Hrss__GraduateFollowedUp *d = (const Hrss__GraduateFollowedUp *) msg;
    if (!page_region_ok(ev))
        return 0;
    pending_t *p = page_join(page, kind, ev, d->id_number);
    if (!p)
        return -1;
    int first = (int) d->graduation_year * 100 + 1, last = (int) d->graduation_year * 100 + 12;
    p->amount = p->month < first ? first : p->month > last ? last : p->month;
    p->flag = s_employed(d->status);
    pgarray_add_text(page_col(page, 0), d->id_number);
    pgarray_add_int64(page_col(page, 1), d->graduation_year);
    pgarray_add_text(page_col(page, 2), p->flag ? "t" : "f");
    pgarray_add_text(page_col(page, 3), ev->region);
    pgarray_add_int64(page_col(page, 4), ev->occurred_at_us);
    pgarray_add_int64(page_col(page, 5), p->amount);
    return 0;
}

/* (latest, employed, region, month as they were: NULLs for the first) */
static void
s_followed_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (!page_hit(res, row))   /* older than the follow-up kept */
        return;
    if (!PQgetisnull(res, row, 2)) {
        /* out in this follow-up's month, which is never before the
         * earlier one's (it is not older, and months are clamped alike) */
        const char *was = PQgetvalue(res, row, 2);
        page_add_at(batch, p, GRADUATES, was, (int) p->amount, -1);
        if (PQgetvalue(res, row, 1)[0] == 't')
            page_add_at(batch, p, EMPLOYED, was, (int) p->amount, -1);
    }
    page_add_at(batch, p, GRADUATES, p->region, (int) p->amount, 1);
    if (p->flag)
        page_add_at(batch, p, EMPLOYED, p->region, (int) p->amount, 1);
}

static const reporting_kind_t s_kinds[] = {
    /* The follow-up kept as it was (NULLs: none), replaced unless older. */
    {"employment.graduate_followed_up", "graduates_follow",
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::char(12)[],"
        "           $5::int8[], $6::int8[])"
        "           WITH ORDINALITY AS u(id, year, employed, region, at, month, ord)),"
        " old AS MATERIALIZED (SELECT u.*, g.employed AS was_employed, g.region AS was,"
        "         g.month AS was_month, g.at_us AS was_at"
        "         FROM u LEFT JOIN graduates g"
        "         ON g.id_number = u.id AND g.graduation_year = u.year),"
        " ins AS (INSERT INTO graduates"
        "         (id_number, graduation_year, employed, region, at_us, month)"
        "         SELECT id, year, employed::bool, region, at, month FROM old"
        "         WHERE was_at IS NULL),"
        " up AS (UPDATE graduates g SET employed = old.employed::bool, region = old.region,"
        "        at_us = old.at, month = old.month"
        "        FROM old WHERE g.id_number = old.id AND g.graduation_year = old.year"
        "        AND old.was_at IS NOT NULL AND old.was_at <= old.at)"
        " SELECT was_at IS NULL OR was_at <= at, was_employed, was, was_month"
        " FROM old ORDER BY ord",
     6, {PGARRAY_TEXT, PGARRAY_INT8, PGARRAY_TEXT, PGARRAY_BPCHAR, PGARRAY_INT8, PGARRAY_INT8},
     s_followed_join, s_followed_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {GRADUATES, EMPLOYED, NULL};

const reporting_aggregate_t reporting_graduates = {"graduates", s_kinds, s_writes};
