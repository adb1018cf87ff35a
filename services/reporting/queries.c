/* Queries of hrss-reporting: indicator values (plain, breakdown by child
 * region, monthly series) and annual targets. Each request is one SQL
 * statement over the facts of one region, which are stored pre-aggregated at
 * every level of the region tree (page.c, from the aggregates agg_*.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer_cache.h"
#include "indicators.h"
#include "hrss_limits.h"
#include "pgarray.h"
#include "region.h"
#include "reporting.h"
#include "timeutil.h"

#define MAX_CODES 1024       /* codes of one query or targets of one put */
#define MAX_CHILDREN 4096    /* listed children of one division (a province has ~15) */

static region_table_t *s_regions;

static answer_cache_t *s_answers;

int
reporting_regions_load(void)
{
    s_regions = region_table_load(NULL);
    s_answers = answer_cache_new();
    return s_regions && s_answers ? 0 : -1;
}

void
reporting_regions_free(void)
{
    region_table_destroy(&s_regions);
    answer_cache_destroy(&s_answers);
}

static int
s_unavailable(service_t *svc, Hrss__Reply *reply, arena_t *arena)
{
    return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
}

/* The first month a value of `ind` sums from, for a period ending in
 * `period`: January of its year for flows, the beginning of time for stocks.
 * Rates have no facts of their own: they are computed from their parts
 * (s_rate), each summed by its own kind. */
static int
s_first_month(const indicator_t *ind, int period)
{
    return ind->kind == INDICATOR_STOCK ? 0 : period / 100 * 100 + 1;
}

static Hrss__IndicatorValue **
s_values_new(arena_t *arena, size_t n)
{
    Hrss__IndicatorValue **out = arena_alloc(arena, (n ? n : 1) * sizeof *out);
    Hrss__IndicatorValue *slots = arena_alloc(arena, (n ? n : 1) * sizeof *slots);
    if (!out || !slots)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        hrss__indicator_value__init(&slots[i]);
        out[i] = &slots[i];
    }
    return out;
}

static void
s_target(Hrss__IndicatorValue *v, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return;
    v->has_target = 1;
    v->target = db_get_int64(res, row, col);
}

/* ---- rates ----------------------------------------------------------------------- */

/* Whether `ind` is a rate that reporting computes: both parts named (a rate
 * the contract left without parts reads as no value). */
static bool
s_is_rate(const indicator_t *ind)
{
    return ind->kind == INDICATOR_RATE;
}

static const indicator_t *
s_part(const indicator_t *rate, int k)
{
    const char *code = k ? rate->denominator : rate->numerator;
    return code ? indicator_find(code) : NULL;
}

/* A rate from its parts: percent with two decimals, carried as hundredths
 * of a percent rounded half up (95.123% is 9512); 0 of 0 (or of anything
 * not positive) is no value, never a division. */
static void
s_rate(Hrss__IndicatorValue *v, int64_t num, int64_t den)
{
    if (den <= 0 || num < 0) {
        v->value = 0;
        v->has_no_value = 1;
        v->no_value = 1;
        return;
    }
    /* num * 10000 stays far below 2^63 for any count or amount in fen
     * (< 9.2e14, 92 billion yuan); wider, it is computed in two steps */
    if (num < INT64_MAX / 10000)
        v->value = (num * 10000 + den / 2) / den;
    else
        v->value = (int64_t) (((long double) num * 10000.0L) / (long double) den + 0.5L);
}

/* Adds to `out` (a char(12)[]) the regions whose facts make up the value of
 * `region`: the region itself, or for the nation (an admin's scope; facts
 * roll up to provinces only) every province. -1 when out of memory. */
static int
s_fact_regions(const char *region, pgarray_t *out, arena_t *arena)
{
    if (region_level(region) != REGION_NATION) {
        pgarray_add_text(out, region);
        return 0;
    }
    size_t n = region_children(s_regions, region, NULL, 0);
    char(*provinces)[REGION_LEN + 1] = arena_alloc(arena, (n ? n : 1) * sizeof *provinces);
    if (!provinces)
        return -1;
    n = region_children(s_regions, region, provinces, n);
    for (size_t i = 0; i < n; i++)
        pgarray_add_text(out, provinces[i]);
    return 0;
}

/* ---- plain: every requested code for one region --------------------------- */

static int
s_plain(service_t *svc, const Hrss__IndicatorQuery *q, const indicator_t **inds, size_t n,
        int period, Hrss__IndicatorReply *out, Hrss__Reply *reply, arena_t *arena)
{
    int rc = -1;
    PGresult *res = NULL;
    pgarray_t codes, firsts, sum_over;
    pgarray_init(&codes);
    pgarray_init(&firsts);
    pgarray_init(&sum_over);
    for (size_t i = 0; i < n; i++) {
        pgarray_add_text(&codes, inds[i]->code);
        pgarray_add_int64(&firsts, s_first_month(inds[i], period));
    }
    /* a rate's parts are read as rows after the requested ones: rows n + 2r
     * (numerator) and n + 2r + 1 (denominator) for the r-th rate; a part
     * that is not catalogued reads 0, so the rate has no value */
    size_t extra = 0;
    for (size_t i = 0; i < n; i++) {
        if (!s_is_rate(inds[i]))
            continue;
        for (int k = 0; k < 2; k++) {
            const indicator_t *part = s_part(inds[i], k);
            pgarray_add_text(&codes, part ? part->code : "");
            pgarray_add_int64(&firsts, part ? s_first_month(part, period) : 0);
        }
        extra += 2;
    }
    if (s_fact_regions(q->region, &sum_over, arena))
        goto out;
    char period_s[16], year_s[16];
    snprintf(period_s, sizeof period_s, "%d", period);
    snprintf(year_s, sizeof year_s, "%d", period / 100);
    const char *values[] = {pgarray_literal(&codes), pgarray_literal(&firsts), q->region,
                            period_s, year_s, pgarray_literal(&sum_over)};
    if (!values[0] || !values[1] || !values[5])
        goto out;
    res = db_prepared(
        service_db(svc), "indicators_plain",
        "SELECT coalesce((SELECT sum(f.value) FROM facts f"
        "                 WHERE f.code = c.code AND f.region = ANY ($6::char(12)[])"
        "                   AND f.month BETWEEN c.first AND $4::int), 0)::bigint,"
        "       t.value"
        " FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS c(code, first, ord)"
        " LEFT JOIN targets t ON t.year = $5::int AND t.region = $3::char(12)"
        "  AND t.code = c.code"
        " ORDER BY c.ord",
        6, values, NULL, NULL);
    if (!res) {
        rc = s_unavailable(svc, reply, arena);
        goto out;
    }
    size_t rows = (size_t) PQntuples(res);
    out->values = s_values_new(arena, rows);
    if (!out->values)
        goto out;
    if (rows != n + extra)   /* one row per code, by construction */
        goto out;
    out->n_values = n;
    for (size_t i = 0, r = n; i < n; i++) {
        Hrss__IndicatorValue *v = out->values[i];
        v->code = (char *) inds[i]->code;
        v->value = db_get_int64(res, (int) i, 0);
        s_target(v, res, (int) i, 1);
        if (s_is_rate(inds[i])) {
            s_rate(v, db_get_int64(res, (int) r, 0), db_get_int64(res, (int) r + 1, 0));
            r += 2;
        }
    }
    rc = 0;
out:
    PQclear(res);
    pgarray_free(&codes);
    pgarray_free(&firsts);
    pgarray_free(&sum_over);
    return rc;
}

/* ---- breakdown: one code for each direct child region --------------------- */

/* The answer (region, value, target) for `code`, summed from `first`, of
 * each child region of the query's, in the order of the listed children or,
 * under a township, of the villages' codes. NULL on a database failure. */
static PGresult *
s_breakdown_query(service_t *svc, const Hrss__IndicatorQuery *q, const char *code, int first,
                  int period, pgarray_t *children, arena_t *arena)
{
    char period_s[16], year_s[16], first_s[16];
    snprintf(period_s, sizeof period_s, "%d", period);
    snprintf(year_s, sizeof year_s, "%d", period / 100);
    snprintf(first_s, sizeof first_s, "%d", first);
    if (region_level(q->region) == REGION_TOWNSHIP) {
        /* Villages are not in the region table: a township's children are
         * the villages that have facts (or targets) under it. The recursive
         * part walks facts_villages once per village (a loose index scan)
         * instead of reading every fact of the township. */
        char lo[REGION_LEN + 1], hi[REGION_LEN + 1];
        snprintf(lo, sizeof lo, "%.9s001", q->region);
        snprintf(hi, sizeof hi, "%.9s999", q->region);
        const char *values[] = {code, lo, hi, first_s, period_s, year_s};
        return db_prepared(
            service_db(svc), "indicators_breakdown_villages",
            "WITH RECURSIVE v(region) AS ("
            "   SELECT min(region) FROM facts"
            "    WHERE region BETWEEN $2::char(12) AND $3::char(12)"
            "      AND substr(region, 10, 3) <> '000'"
            "   UNION ALL"
            "   SELECT (SELECT min(f.region) FROM facts f"
            "            WHERE f.region > v.region AND f.region <= $3::char(12)"
            "              AND substr(f.region, 10, 3) <> '000')"
            "   FROM v WHERE v.region IS NOT NULL)"
            " SELECT c.region,"
            "       coalesce((SELECT sum(f.value) FROM facts f"
            "                 WHERE f.code = $1 AND f.region = c.region"
            "                   AND f.month BETWEEN $4::int AND $5::int), 0)::bigint,"
            "       t.value"
            " FROM (SELECT region FROM v WHERE region IS NOT NULL"
            "       UNION"
            "       SELECT region FROM targets"
            "        WHERE year = $6::int AND code = $1"
            "          AND region BETWEEN $2::char(12) AND $3::char(12)) c"
            " LEFT JOIN targets t ON t.year = $6::int AND t.region = c.region AND t.code = $1"
            " ORDER BY c.region",
            6, values, NULL, NULL);
    }
    if (children->count == 0) {
        size_t total = region_children(s_regions, q->region, NULL, 0);
        if (total > MAX_CHILDREN)
            total = MAX_CHILDREN;
        char(*listed)[REGION_LEN + 1] = arena_alloc(arena, (total ? total : 1) * sizeof *listed);
        if (!listed)
            return NULL;
        size_t n = region_children(s_regions, q->region, listed, total);
        for (size_t i = 0; i < n; i++)
            pgarray_add_text(children, listed[i]);
    }
    const char *values[] = {code, pgarray_literal(children), first_s, period_s, year_s};
    if (!values[1])
        return NULL;
    return db_prepared(
        service_db(svc), "indicators_breakdown",
        "SELECT c.region,"
        "       coalesce((SELECT sum(f.value) FROM facts f"
        "                 WHERE f.code = $1 AND f.region = c.region"
        "                   AND f.month BETWEEN $3::int AND $4::int), 0)::bigint,"
        "       t.value"
        " FROM unnest($2::char(12)[]) WITH ORDINALITY AS c(region, ord)"
        " LEFT JOIN targets t ON t.year = $5::int AND t.region = c.region AND t.code = $1"
        " ORDER BY c.ord",
        5, values, NULL, NULL);
}

/* The value of `region` in a breakdown answer (column 1), 0 when absent:
 * the answers of a rate and of its parts list the same children, in the
 * same order, but for villages that have targets of one code only. */
static int64_t
s_value_of(const PGresult *res, int hint, const char *region)
{
    int rows = PQntuples(res);
    if (hint < rows && strcmp(PQgetvalue(res, hint, 0), region) == 0)
        return db_get_int64(res, hint, 1);
    for (int i = 0; i < rows; i++)
        if (strcmp(PQgetvalue(res, i, 0), region) == 0)
            return db_get_int64(res, i, 1);
    return 0;
}

static int
s_breakdown(service_t *svc, const Hrss__IndicatorQuery *q, const indicator_t *ind, int period,
            Hrss__IndicatorReply *out, Hrss__Reply *reply, arena_t *arena)
{
    int rc = -1;
    PGresult *res = NULL, *parts[2] = {NULL, NULL};
    pgarray_t children;
    pgarray_init(&children);
    res = s_breakdown_query(svc, q, ind->code, s_first_month(ind, period), period, &children,
                            arena);
    bool rate = s_is_rate(ind);
    for (int k = 0; rate && res && k < 2; k++) {
        const indicator_t *part = s_part(ind, k);
        parts[k] = s_breakdown_query(svc, q, part ? part->code : "",
                                     part ? s_first_month(part, period) : 0, period, &children,
                                     arena);
        if (!parts[k]) {
            PQclear(res);
            res = NULL;
        }
    }
    if (!res) {
        rc = s_unavailable(svc, reply, arena);
        goto out;
    }
    size_t rows = (size_t) PQntuples(res);
    out->values = s_values_new(arena, rows);
    if (!out->values)
        goto out;
    out->n_values = rows;
    for (size_t i = 0; i < rows; i++) {
        Hrss__IndicatorValue *v = out->values[i];
        v->code = (char *) ind->code;
        v->region = arena_strdup(arena, PQgetvalue(res, (int) i, 0));
        v->value = db_get_int64(res, (int) i, 1);
        s_target(v, res, (int) i, 2);
        if (!v->region)
            goto out;
        if (rate)
            s_rate(v, s_value_of(parts[0], (int) i, v->region),
                   s_value_of(parts[1], (int) i, v->region));
    }
    rc = 0;
out:
    PQclear(res);
    PQclear(parts[0]);
    PQclear(parts[1]);
    pgarray_free(&children);
    return rc;
}

/* ---- series: one code, the twelve months of the period's year -------------- */

/* The twelve (month, value) rows of `ind`'s series. NULL on failure. */
static PGresult *
s_series_query(service_t *svc, const char *code, bool stock, const pgarray_t *sum_over_c,
               int period)
{
    char january[16];
    snprintf(january, sizeof january, "%d", period / 100 * 100 + 1);
    /* A flow's month stands alone; a stock's month ends with everything before it. */
    const char *flow = stock ? "f" : "t";
    const char *values[] = {code, pgarray_literal((pgarray_t *) sum_over_c), january, flow};
    if (!values[1])
        return NULL;
    return db_prepared(
        service_db(svc), "indicators_series",
        "SELECT m.month,"
        "       coalesce((SELECT sum(f.value) FROM facts f"
        "                 WHERE f.code = $1 AND f.region = ANY ($2::char(12)[])"
        "                   AND f.month BETWEEN CASE WHEN $4::bool THEN m.month ELSE 0 END"
        "                                   AND m.month), 0)::bigint"
        " FROM generate_series($3::int, $3::int + 11) AS m(month)"
        " ORDER BY m.month",
        4, values, NULL, NULL);
}

static int
s_series(service_t *svc, const Hrss__IndicatorQuery *q, const indicator_t *ind, int period,
         Hrss__IndicatorReply *out, Hrss__Reply *reply, arena_t *arena)
{
    int rc = -1;
    PGresult *res = NULL, *parts[2] = {NULL, NULL};
    pgarray_t sum_over;
    pgarray_init(&sum_over);
    if (s_fact_regions(q->region, &sum_over, arena))
        goto out;
    bool rate = s_is_rate(ind);
    res = s_series_query(svc, ind->code, ind->kind == INDICATOR_STOCK, &sum_over, period);
    for (int k = 0; rate && res && k < 2; k++) {
        /* a rate's month: a flow part counts from January to that month (the
         * rate of 截止N月底), a stock part is the state at its end */
        const indicator_t *part = s_part(ind, k);
        parts[k] = s_series_query(svc, part ? part->code : "",
                                  part && part->kind == INDICATOR_STOCK, &sum_over, period);
        if (!parts[k]) {
            PQclear(res);
            res = NULL;
        }
    }
    if (!res) {
        rc = s_unavailable(svc, reply, arena);
        goto out;
    }
    size_t rows = (size_t) PQntuples(res);
    out->values = s_values_new(arena, rows);
    if (!out->values)
        goto out;
    out->n_values = rows;
    int64_t sums[2] = {0, 0};
    for (size_t i = 0; i < rows; i++) {
        Hrss__IndicatorValue *v = out->values[i];
        char month[8];
        v->code = (char *) ind->code;
        v->period = arena_strdup(arena, format_period((int) db_get_int64(res, (int) i, 0), month));
        v->value = db_get_int64(res, (int) i, 1);
        if (!v->period)
            goto out;
        if (!rate)
            continue;
        int64_t at[2];
        for (int k = 0; k < 2; k++) {
            const indicator_t *part = s_part(ind, k);
            int64_t m = (int) i < PQntuples(parts[k]) ? db_get_int64(parts[k], (int) i, 1) : 0;
            if (part && part->kind == INDICATOR_STOCK) {
                at[k] = m;
            } else {
                sums[k] += m;
                at[k] = sums[k];
            }
        }
        s_rate(v, at[0], at[1]);
    }
    rc = 0;
out:
    PQclear(res);
    PQclear(parts[0]);
    PQclear(parts[1]);
    pgarray_free(&sum_over);
    return rc;
}

/* ---- requests ----------------------------------------------------------------- */

/* The catalog entries of `codes`, or every computed indicator when empty.
 * Returns the count, or -1 after filling a Failure. */
static long
s_resolve_codes(char **codes, size_t n, const indicator_t **out, Hrss__Reply *reply,
                arena_t *arena)
{
    if (n == 0) {
        size_t total;
        const indicator_t *all = indicator_all(&total);
        size_t k = 0;
        for (size_t i = 0; i < total && k < MAX_CODES; i++)
            if (all[i].computed)
                out[k++] = &all[i];
        return (long) k;
    }
    if (n > MAX_CODES) {
        service_fail(reply, arena, "invalid_query", "too many indicator codes", false);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = indicator_find(codes[i]);
        if (!out[i]) {
            service_fail(reply, arena, "unknown_indicator",
                         arena_printf(arena, "unknown indicator %.64s", codes[i]), false);
            return -1;
        }
    }
    return (long) n;
}

static int s_compute(service_t *svc, const Hrss__IndicatorQuery *q, Hrss__Reply *reply,
                     arena_t *arena);

int
reporting_on_indicators(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                        arena_t *arena)
{
    const Hrss__IndicatorQuery *q = req->indicators;
    size_t key_len = protobuf_c_message_get_packed_size(&q->base), value_len;
    uint8_t *key = arena_alloc(arena, key_len ? key_len : 1);
    if (!key)
        return -1;
    protobuf_c_message_pack(&q->base, key);
    uint64_t version = service_version(svc);
    const uint8_t *value = s_answers ? answer_cache_get(s_answers, key, key_len, version, &value_len)
                                     : NULL;
    if (value) {
        /* from the request's arena: released with the rest of the reply */
        ProtobufCAllocator allocator = arena_protobuf_allocator(arena);
        Hrss__IndicatorReply *out = hrss__indicator_reply__unpack(&allocator, value_len, value);
        if (out) {
            reply->body_case = HRSS__REPLY__BODY_INDICATORS;
            reply->indicators = out;
            return 0;
        }
    }
    int rc = s_compute(svc, q, reply, arena);
    if (rc == 0 && s_answers && reply->body_case == HRSS__REPLY__BODY_INDICATORS) {
        value_len = protobuf_c_message_get_packed_size(&reply->indicators->base);
        uint8_t *packed = arena_alloc(arena, value_len ? value_len : 1);
        if (packed) {
            protobuf_c_message_pack(&reply->indicators->base, packed);
            answer_cache_put(s_answers, key, key_len, version, packed, value_len);
        }
    }
    return rc;
}

static int
s_compute(service_t *svc, const Hrss__IndicatorQuery *q, Hrss__Reply *reply, arena_t *arena)
{
    int period;
    if (region_level(q->region) == REGION_INVALID)
        return service_fail(reply, arena, "invalid_region", "region must be 12 digits", false);
    if (period_parse(q->period, strlen(q->period), &period) || period / 100 < LIMIT_YEAR_MIN ||
        period / 100 > LIMIT_YEAR_MAX)
        return service_fail(reply, arena, "invalid_period", "period must be YYYY-MM", false);
    if (q->breakdown && q->series)
        return service_fail(reply, arena, "invalid_query",
                            "breakdown and series cannot be asked together", false);
    if ((q->breakdown || q->series) && q->n_codes != 1)
        return service_fail(reply, arena, "invalid_query",
                            "a breakdown or a series is of exactly one indicator", false);
    const indicator_t **inds = arena_alloc(arena, MAX_CODES * sizeof *inds);
    Hrss__IndicatorReply *out = arena_alloc(arena, sizeof *out);
    if (!inds || !out)
        return -1;
    long n = s_resolve_codes(q->codes, q->n_codes, inds, reply, arena);
    if (n < 0)
        return 0;
    hrss__indicator_reply__init(out);
    out->region = arena_strdup(arena, q->region);
    out->period = arena_strdup(arena, q->period);
    if (!out->region || !out->period)
        return -1;

    int rc;
    if (q->breakdown)
        rc = s_breakdown(svc, q, inds[0], period, out, reply, arena);
    else if (q->series)
        rc = s_series(svc, q, inds[0], period, out, reply, arena);
    else
        rc = s_plain(svc, q, inds, (size_t) n, period, out, reply, arena);
    if (rc || reply->body_case == HRSS__REPLY__BODY_FAILURE)
        return rc;
    reply->body_case = HRSS__REPLY__BODY_INDICATORS;
    reply->indicators = out;
    return 0;
}

int
reporting_on_targets(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply, arena_t *arena)
{
    const Hrss__TargetsPut *put = req->targets;
    size_t n = put->n_targets;
    if (put->year < LIMIT_YEAR_MIN || put->year > LIMIT_YEAR_MAX)
        return service_fail(reply, arena, "invalid_year", "year out of range", false);
    if (region_level(put->region) == REGION_INVALID)
        return service_fail(reply, arena, "invalid_region", "region must be 12 digits", false);
    if (n > MAX_CODES)
        return service_fail(reply, arena, "invalid_query", "too many targets", false);
    int rc = -1;
    PGresult *res = NULL;
    pgarray_t codes, amounts;
    pgarray_init(&codes);
    pgarray_init(&amounts);
    for (size_t i = 0; i < n; i++) {
        const Hrss__IndicatorValue *t = put->targets[i];
        const indicator_t *ind = indicator_find(t->code);
        if (!ind) {
            rc = service_fail(reply, arena, "unknown_indicator",
                              arena_printf(arena, "unknown indicator %.64s", t->code), false);
            goto out;
        }
        if (t->value < 0) {
            rc = service_fail(reply, arena, "invalid_target",
                              arena_printf(arena, "target of %s is negative", ind->code), false);
            goto out;
        }
        pgarray_add_text(&codes, ind->code);
        pgarray_add_int64(&amounts, t->value);
    }
    char year[16];
    snprintf(year, sizeof year, "%d", put->year);
    const char *values[] = {year, put->region, pgarray_literal(&codes), pgarray_literal(&amounts)};
    if (!values[2] || !values[3])
        goto out;
    /* One statement: all targets are stored or none. A code given twice
     * keeps its last value. */
    res = db_prepared(
        service_db(svc), "targets_put",
        "INSERT INTO targets (year, region, code, value)"
        " SELECT DISTINCT ON (u.code) $1::int, $2::char(12), u.code, u.value"
        " FROM unnest($3::text[], $4::bigint[]) WITH ORDINALITY AS u(code, value, ord)"
        " ORDER BY u.code, u.ord DESC"
        " ON CONFLICT (year, region, code) DO UPDATE SET value = EXCLUDED.value",
        4, values, NULL, NULL);
    if (!res) {
        rc = s_unavailable(svc, reply, arena);
        goto out;
    }
    service_touch(svc);   /* targets are part of the answers */
    Hrss__TargetsReply *answer = arena_alloc(arena, sizeof *answer);
    if (!answer)
        goto out;
    hrss__targets_reply__init(answer);
    answer->stored = (uint32_t) strtoul(PQcmdTuples(res), NULL, 10);
    reply->body_case = HRSS__REPLY__BODY_TARGETS;
    reply->targets = answer;
    rc = 0;
out:
    PQclear(res);
    pgarray_free(&codes);
    pgarray_free(&amounts);
    return rc;
}
