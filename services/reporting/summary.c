/* The work summary (工作总结) of a region for the year up to a month,
 * written from reporting's live figures in the bureaus' own order and style
 * (seeds 000 and 001): a title, 就业 / 社会保险 / 根治欠薪与劳动关系 / 其他,
 * each child region's progress on the indicators with targets, and the
 * problems the figures show (存在问题).
 *
 * What is written is driven by the catalog and by what has a value: an
 * indicator appears only when facts of it exist for the region and period
 * (a figure with no data is left out, never printed as 0 or XX). How a
 * figure is worded comes from one table, s_sentences, keyed by code; an
 * indicator without a row is still written, from its catalog name. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_types.h"
#include "hrss_limits.h"
#include "indicators.h"
#include "pgarray.h"
#include "region.h"
#include "report_format.h"
#include "reporting.h"
#include "timeutil.h"

#define MAX_CHILDREN 4096
#define MAX_KEYS 8           /* indicators in the children's table */

/* How one indicator is written. `code` is a catalog code, or a per-scheme
 * prefix ending in "." ("ins.enrolled."). In `text` and `problem`, {L} is
 * the region's level word (全县), {v} the figure with its unit (2826人,
 * 59.5万元), {s} the scheme's name. `problem`: a sentence of 存在问题 when
 * the figure is above 0 (a stock of what is still owed, say). `key`: shown
 * in the children's table even without a target. Rows are in the bureaus'
 * order; a section's indicators without a row follow in catalog order. */
typedef struct {
    const char *code;
    const char *text;
    const char *problem;
    bool key;
} sentence_t;

static const sentence_t s_sentences[] = {
    {"emp.urban_new_jobs", "{L}城镇新增就业{v}", NULL, true},
    {"emp.reemployed_unemployed", "城镇失业人员再就业{v}", NULL, true},
    {"emp.reemployed_hard_to_employ", "其中就业困难人员再就业{v}", NULL, true},
    {"emp.transfer_jobs", "新增农村劳动力转移就业{v}", NULL, true},
    {"emp.registered_unemployed", "{L}登记失业人员{v}", NULL, false},
    {"emp.labor_force", "劳动力资源库实名登记{v}", NULL, false},
    {"emp.poverty_alleviated_working", "脱贫人口务工{v}", NULL, false},
    {"emp.poverty_alleviated_working.in_county", "其中县内务工{v}", NULL, false},
    {"emp.poverty_alleviated_working.in_province", "省内县外务工{v}", NULL, false},
    {"emp.poverty_alleviated_working.out_of_province", "省外务工{v}", NULL, false},
    {"emp.public_welfare_placed", "通过公益性岗位安置{v}", NULL, false},
    {"emp.startup_loans_fen", "发放创业担保贷款{v}", NULL, false},
    {"emp.job_fairs", "举办各类招聘会{v}", NULL, false},
    {"emp.job_fair_positions", "提供就业岗位{v}", NULL, false},
    {"emp.jobs_posted", "录入岗位信息{v}", NULL, false},
    {"emp.jobs_open", "有效岗位{v}", NULL, false},
    {"emp.recommendations", "推荐就业{v}", NULL, false},
    {"emp.training_startup", "开展创业培训{v}", NULL, false},
    {"emp.training_startup_passed", "其中培训合格{v}", NULL, false},
    {"emp.training_skill", "开展职业技能提升培训{v}", NULL, false},
    {"emp.subsidies_fen", "发放就业补贴资金{v}", NULL, false},
    {"ins.enrolled.", "{s}参保{v}", NULL, false},
    {"ins.contributions_fen.", "征收{s}保费{v}", NULL, false},
    {"ins.benefits_paid_fen.", "发放{s}待遇{v}", NULL, false},
    {"ins.recipients.", "{s}待遇领取{v}", NULL, false},
    {"ins.fund_balance_fen.", "{s}基金累计结余{v}", NULL, false},
    {"ins.certifications", "完成待遇领取资格认证{v}", NULL, false},
    {"ins.stabilization_refund_fen", "发放失业保险稳岗返还{v}", NULL, false},
    {"ins.deferred_fen", "办理社会保险费缓缴{v}", NULL, false},
    {"ins.deaths_reported", "死亡直报{v}", NULL, false},
    {"ins.suspicious_received", "接收社保基金疑点数据{v}", NULL, false},
    {"ins.suspicious_verified", "已核实{v}", NULL, false},
    {"ins.suspicious_to_rectify", "应整改{v}", NULL, false},
    {"ins.suspicious_to_rectify_fen", "应整改金额{v}", NULL, false},
    {"ins.recovered_fen", "已追回{v}", NULL, false},
    {"ins.recoveries_open_fen", "尚待追缴{v}", "违规领取的社会保险待遇尚有{v}待追回", false},
    {"arr.cases", "受理欠薪案件{v}", NULL, false},
    {"arr.cases_coordinated", "其中协调处理{v}", NULL, false},
    {"arr.cases_filed", "立案办理{v}", NULL, false},
    {"arr.cases_to_police", "移交公安机关{v}", NULL, false},
    {"arr.cases_closed", "结案{v}", NULL, false},
    {"arr.recovered_fen", "为劳动者追回工资待遇{v}", NULL, false},
    {"arr.workers_helped", "涉及劳动者{v}", NULL, false},
    {"arr.clues", "受理欠薪线索{v}", NULL, false},
    {"arr.clues_closed_on_time", "按时办结{v}", NULL, false},
    {"arr.clues_overdue", "逾期未办结{v}", "欠薪线索逾期未办结{v}", false},
    {"arr.arbitrations_filed", "受理劳动人事争议仲裁案件{v}", NULL, false},
    {"arr.arbitrations_closed", "仲裁结案{v}", NULL, false},
    {"arr.arbitrations_mediated", "其中调解结案{v}", NULL, false},
    {"arr.arbitrations_within_limit", "时限内结案{v}", NULL, false},
    {"arr.arbitration_fen", "涉案金额{v}", NULL, false},
    {"arr.injury_decisions", "作出工伤认定{v}", NULL, false},
    {"arr.projects", "{L}在建项目{v}", NULL, false},
    {"arr.projects_real_name", "落实实名制管理{v}", NULL, false},
    {"arr.projects_wage_account", "开设农民工工资专用账户{v}", NULL, false},
    {"arr.projects_paid_via_account", "通过专用账户代发工资{v}", NULL, false},
};
#define NSENTENCES (sizeof s_sentences / sizeof *s_sentences)

static const struct {
    const char *scheme;
    const char *name;
} s_schemes[] = {
    {"enterprise_pension", "企业职工基本养老保险"},
    {"institution_pension", "机关事业单位养老保险"},
    {"resident_pension", "城乡居民基本养老保险"},
    {"unemployment", "失业保险"},
    {"work_injury", "工伤保险"},
};

/* The parts, by code prefix; the last catches the rest. */
static const struct {
    const char *prefix;
    const char *title;
} s_parts[] = {
    {"emp.", "就业"},
    {"ins.", "社会保险"},
    {"arr.", "根治欠薪与劳动关系"},
    {"", "其他"},
};
#define NPARTS (sizeof s_parts / sizeof *s_parts)

static const char *const s_numerals[] = {"一", "二", "三", "四", "五", "六", "七", "八"};

/* One indicator's figure for the region. */
typedef struct {
    const indicator_t *ind;
    const sentence_t *sentence;   /* NULL: worded from the catalog */
    const char *scheme;           /* of a per-scheme row, or NULL */
    int64_t value;
    int64_t target;
    bool has_value;               /* facts exist: the figure is data, 0 or not */
    bool has_target;
    size_t rank;                  /* order in its part: the row's, then catalog order */
} figure_t;

static bool
s_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The row of `code` (exact first, then a per-scheme prefix), with the
 * scheme's name of a prefix match. */
static const sentence_t *
s_sentence_of(const char *code, const char **scheme, size_t *rank)
{
    *scheme = NULL;
    for (size_t i = 0; i < NSENTENCES; i++)
        if (strcmp(s_sentences[i].code, code) == 0) {
            *rank = i * 16;
            return &s_sentences[i];
        }
    for (size_t i = 0; i < NSENTENCES; i++) {
        const char *p = s_sentences[i].code;
        size_t n = strlen(p);
        if (n && p[n - 1] == '.' && s_starts_with(code, p)) {
            for (size_t k = 0; k < sizeof s_schemes / sizeof *s_schemes; k++)
                if (strcmp(code + n, s_schemes[k].scheme) == 0) {
                    *scheme = s_schemes[k].name;
                    *rank = i * 16 + k;
                }
            return *scheme ? &s_sentences[i] : NULL;
        }
    }
    return NULL;
}

/* The figure with its unit: 59.5万元, 2826人, 85.00%. */
static void
s_value_text(const indicator_t *ind, int64_t value, int64_t den, char *out, size_t len)
{
    char num[REPORT_NUM_LEN];
    if (ind->kind == INDICATOR_RATE)
        snprintf(out, len, "%s", report_percent(value, den, num) ? num : "");
    else if (strcmp(ind->unit, "分") == 0)
        snprintf(out, len, "%s万元", report_wan(value, num));
    else
        snprintf(out, len, "%lld%s", (long long) value, ind->unit);
}

/* Writes `tmpl` with {L}, {v} and {s} replaced. */
static void
s_expand(FILE *out, const char *tmpl, const char *level, const char *value, const char *scheme)
{
    for (const char *p = tmpl; *p; p++) {
        if (strncmp(p, "{L}", 3) == 0) {
            fputs(level, out);
            p += 2;
        } else if (strncmp(p, "{v}", 3) == 0) {
            fputs(value, out);
            p += 2;
        } else if (strncmp(p, "{s}", 3) == 0) {
            fputs(scheme ? scheme : "", out);
            p += 2;
        } else {
            fputc(*p, out);
        }
    }
}

static const figure_t *
s_figure_find(const figure_t *figs, size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(figs[i].ind->code, code) == 0)
            return &figs[i];
    return NULL;
}

/* A rate's value from its numerator and denominator: false when either has
 * no data or the denominator is 0 (no value, never a division by zero). */
static bool
s_rate_of(const figure_t *figs, size_t n, const indicator_t *rate, int64_t *num, int64_t *den)
{
    const figure_t *a = s_figure_find(figs, n, rate->numerator);
    const figure_t *b = s_figure_find(figs, n, rate->denominator);
    if (!a || !b || !a->has_value || !b->has_value || b->value <= 0)
        return false;
    *num = a->value;
    *den = b->value;
    return true;
}

/* Behind the year's pace: below month/12 of the target. */
static bool
s_behind(int64_t value, int64_t target, int month)
{
    return (__int128) value * 12 < (__int128) target * month;
}

/* ---- the database ----------------------------------------------------------- */

static int
s_first_month(const indicator_t *ind, int period)
{
    return ind->kind == INDICATOR_STOCK ? 0 : period / 100 * 100 + 1;
}

/* Every non-rate indicator of the catalog for `region`: sum, whether facts
 * exist, target. */
static int
s_load_region(service_t *svc, const char *region, int period, figure_t *figs, size_t n,
              arena_t *arena)
{
    region_table_t *regions = reporting_regions();
    int rc = -1;
    PGresult *res = NULL;
    pgarray_t codes, firsts, sum_over;
    pgarray_init(&codes);
    pgarray_init(&firsts);
    pgarray_init(&sum_over);
    for (size_t i = 0; i < n; i++) {
        pgarray_add_text(&codes, figs[i].ind->code);
        pgarray_add_int64(&firsts, s_first_month(figs[i].ind, period));
    }
    if (region_level(region) == REGION_NATION) {   /* facts roll up to provinces */
        size_t k = region_children(regions, region, NULL, 0);
        char(*provinces)[REGION_LEN + 1] = arena_alloc(arena, (k ? k : 1) * sizeof *provinces);
        if (!provinces)
            goto out;
        k = region_children(regions, region, provinces, k);
        for (size_t i = 0; i < k; i++)
            pgarray_add_text(&sum_over, provinces[i]);
    } else {
        pgarray_add_text(&sum_over, region);
    }
    char period_s[16], year_s[16];
    snprintf(period_s, sizeof period_s, "%d", period);
    snprintf(year_s, sizeof year_s, "%d", period / 100);
    const char *values[] = {pgarray_literal(&codes), pgarray_literal(&firsts), region,
                            period_s, year_s, pgarray_literal(&sum_over)};
    if (!values[0] || !values[1] || !values[5])
        goto out;
    res = db_prepared(
        service_db(svc), "summary_region",
        "SELECT coalesce(sum(f.value), 0)::bigint, count(f.value),"
        "       (SELECT t.value FROM targets t WHERE t.year = $5::int"
        "         AND t.region = $3::char(12) AND t.code = c.code)"
        " FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS c(code, first, ord)"
        " LEFT JOIN facts f ON f.code = c.code AND f.region = ANY ($6::char(12)[])"
        "  AND f.month BETWEEN c.first AND $4::int"
        " GROUP BY c.code, c.ord ORDER BY c.ord",
        6, values, NULL, NULL);
    if (!res || (size_t) PQntuples(res) != n)
        goto out;
    for (size_t i = 0; i < n; i++) {
        figs[i].value = db_get_int64(res, (int) i, 0);
        figs[i].has_value = db_get_int64(res, (int) i, 1) > 0;
        figs[i].has_target = !PQgetisnull(res, (int) i, 2);
        figs[i].target = figs[i].has_target ? db_get_int64(res, (int) i, 2) : 0;
    }
    rc = 0;
out:
    PQclear(res);
    pgarray_free(&codes);
    pgarray_free(&firsts);
    pgarray_free(&sum_over);
    return rc;
}

/* The children of `region` as a text[] literal: listed divisions, or for a
 * township the villages with facts under it. 0, or -1. */
static int
s_children(service_t *svc, const char *region, pgarray_t *out, arena_t *arena)
{
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
    PGresult *res = db_prepared(service_db(svc), "summary_villages",
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

/* ---- writing ----------------------------------------------------------------- */

typedef struct {
    const char *level;      /* 全县 */
    int month;              /* of the period */
    figure_t *figs;
    size_t n;
} ctx_t;

static void
s_clause(FILE *out, const ctx_t *c, const figure_t *f, const char *tmpl)
{
    char v[REPORT_NUM_LEN + 32];
    int64_t num = f->value, den = 0;
    if (f->ind->kind == INDICATOR_RATE && !s_rate_of(c->figs, c->n, f->ind, &num, &den))
        return;
    s_value_text(f->ind, num, den, v, sizeof v);
    if (tmpl) {
        s_expand(out, tmpl, c->level, v, f->scheme);
    } else {
        fputs(f->ind->name, out);
        fputs(v, out);
    }
}

/* Whether a figure is written: it has data (a rate: both of its parts). */
static bool
s_shown(const ctx_t *c, const figure_t *f)
{
    int64_t num, den;
    if (f->ind->kind == INDICATOR_RATE)
        return s_rate_of(c->figs, c->n, f->ind, &num, &den);
    return f->has_value;
}

static int
s_cmp_rank(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* One part: "截止11月底，" then its figures as clauses. Returns whether
 * anything was written. */
static bool
s_part(FILE *out, const ctx_t *c, size_t part, int *numeral)
{
    size_t *order = calloc(c->n ? c->n : 1, 2 * sizeof *order);
    size_t k = 0;
    if (!order)
        return false;
    for (size_t i = 0; i < c->n; i++) {
        const figure_t *f = &c->figs[i];
        size_t p = 0;
        while (p + 1 < NPARTS && !s_starts_with(f->ind->code, s_parts[p].prefix))
            p++;
        if (p != part || !s_shown(c, f))
            continue;
        order[2 * k] = f->rank;
        order[2 * k + 1] = i;
        k++;
    }
    if (k == 0) {
        free(order);
        return false;
    }
    qsort(order, k, 2 * sizeof *order, s_cmp_rank);
    fprintf(out, "## %s、%s\n\n", s_numerals[(*numeral)++], s_parts[part].title);
    if (c->month == 12)
        fputs("全年，", out);
    else
        fprintf(out, "截止%d月底，", c->month);
    for (size_t j = 0; j < k; j++) {
        const figure_t *f = &c->figs[order[2 * j + 1]];
        if (j)
            fputs("；", out);
        s_clause(out, c, f, f->sentence ? f->sentence->text : NULL);
        char pct[REPORT_NUM_LEN];
        if (f->has_target && f->ind->kind != INDICATOR_RATE &&
            report_percent(f->value, f->target, pct))
            fprintf(out, "，完成年度目标任务的%s", pct);
    }
    fputs("。\n\n", out);
    free(order);
    return true;
}

/* Indicators of the children's table: those with a target for the region,
 * then the key rows with data, at most MAX_KEYS. */
static size_t
s_keys(const ctx_t *c, const figure_t **keys)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n && k < MAX_KEYS; i++)
        if (c->figs[i].has_target && c->figs[i].ind->kind != INDICATOR_RATE)
            keys[k++] = &c->figs[i];
    for (size_t s = 0; s < NSENTENCES && k < MAX_KEYS; s++) {
        if (!s_sentences[s].key)
            continue;
        const figure_t *f = s_figure_find(c->figs, c->n, s_sentences[s].code);
        bool listed = false;
        for (size_t j = 0; f && j < k; j++)
            listed |= keys[j] == f;
        if (f && f->has_value && !listed)
            keys[k++] = f;
    }
    return k;
}

static int
s_children_table(service_t *svc, FILE *out, const ctx_t *c, const char *region, int period,
                 int *numeral, arena_t *arena)
{
    const figure_t *keys[MAX_KEYS];
    size_t nkeys = s_keys(c, keys);
    if (nkeys == 0)
        return 0;
    int rc = -1;
    PGresult *res = NULL;
    pgarray_t children, codes, firsts;
    pgarray_init(&children);
    pgarray_init(&codes);
    pgarray_init(&firsts);
    if (s_children(svc, region, &children, arena))
        goto out;
    if (children.count == 0) {
        rc = 0;
        goto out;
    }
    for (size_t i = 0; i < nkeys; i++) {
        pgarray_add_text(&codes, keys[i]->ind->code);
        pgarray_add_int64(&firsts, s_first_month(keys[i]->ind, period));
    }
    char period_s[16], year_s[16];
    snprintf(period_s, sizeof period_s, "%d", period);
    snprintf(year_s, sizeof year_s, "%d", period / 100);
    const char *values[] = {pgarray_literal(&children), pgarray_literal(&codes),
                            pgarray_literal(&firsts), period_s, year_s};
    if (!values[0] || !values[1] || !values[2])
        goto out;
    res = db_prepared(
        service_db(svc), "summary_children",
        "SELECT r.region, c.ord, coalesce(sum(f.value), 0)::bigint, count(f.value), t.value"
        " FROM unnest($1::char(12)[]) WITH ORDINALITY AS r(region, rord)"
        " CROSS JOIN unnest($2::text[], $3::int[]) WITH ORDINALITY AS c(code, first, ord)"
        " LEFT JOIN facts f ON f.code = c.code AND f.region = r.region"
        "  AND f.month BETWEEN c.first AND $4::int"
        " LEFT JOIN targets t ON t.year = $5::int AND t.region = r.region AND t.code = c.code"
        " GROUP BY r.region, r.rord, c.ord, t.value ORDER BY r.rord, c.ord",
        5, values, NULL, NULL);
    if (!res)
        goto out;
    bool header = false;
    region_table_t *regions = reporting_regions();
    for (int i = 0; i < PQntuples(res); i++) {
        bool has_value = db_get_int64(res, i, 3) > 0, has_target = !PQgetisnull(res, i, 4);
        if (!has_value && !has_target)
            continue;   /* nothing to say of this child and indicator */
        if (!header) {
            fprintf(out, "## %s、各地工作进度\n\n", s_numerals[(*numeral)++]);
            fputs("| 地区 | 指标 | 完成 | 年度目标 | 完成率 | 序时进度 |\n"
                  "| --- | --- | --- | --- | --- | --- |\n",
                  out);
            header = true;
        }
        const char *child = PQgetvalue(res, i, 0);
        const figure_t *f = keys[strtol(PQgetvalue(res, i, 1), NULL, 10) - 1];
        int64_t value = db_get_int64(res, i, 2), target = has_target ? db_get_int64(res, i, 4) : 0;
        const char *name = region_name(regions, child);
        char v[REPORT_NUM_LEN + 32], t[REPORT_NUM_LEN + 32], pct[REPORT_NUM_LEN];
        if (has_value)
            s_value_text(f->ind, value, 0, v, sizeof v);
        else
            snprintf(v, sizeof v, "—");
        if (has_target)
            s_value_text(f->ind, target, 0, t, sizeof t);
        else
            snprintf(t, sizeof t, "—");
        const char *rate = has_target ? report_percent(value, target, pct) : NULL;
        const char *pace = !has_target || target == 0 ? "—"
                           : s_behind(value, target, c->month) ? "落后"
                                                                : "超过";
        fprintf(out, "| %s | %s | %s | %s | %s | %s |\n", name ? name : child, f->ind->name, v,
                t, rate ? rate : "—", pace);
    }
    if (header)
        fputs("\n", out);
    rc = 0;
out:
    PQclear(res);
    pgarray_free(&children);
    pgarray_free(&codes);
    pgarray_free(&firsts);
    return rc;
}

/* 存在问题: indicators behind the year's pace, and the rows' problems
 * (what is still owed or overdue) with a value above 0. */
static void
s_problems(FILE *out, const ctx_t *c, int *numeral)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        const figure_t *f = &c->figs[i];
        bool behind = f->has_target && f->target > 0 && f->ind->kind != INDICATOR_RATE &&
                      s_behind(f->value, f->target, c->month);
        bool owed = f->sentence && f->sentence->problem && f->has_value && f->value > 0;
        if (!behind && !owed)
            continue;
        if (k == 0)
            fprintf(out, "## %s、存在问题\n\n", s_numerals[(*numeral)++]);
        fprintf(out, "%zu. ", ++k);
        if (behind) {
            char pct[REPORT_NUM_LEN], pace[REPORT_NUM_LEN];
            fputs(f->ind->name, out);
            fprintf(out, "完成年度目标任务的%s，低于序时进度%s",
                    report_percent(f->value, f->target, pct),
                    report_percent(c->month, 12, pace));
            if (owed)
                fputs("；", out);
        }
        if (owed) {
            char v[REPORT_NUM_LEN + 32];
            s_value_text(f->ind, f->value, 0, v, sizeof v);
            s_expand(out, f->sentence->problem, c->level, v, f->scheme);
        }
        fputs("。\n", out);
    }
    if (k)
        fputs("\n", out);
}

int
reporting_on_summary(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                     arena_t *arena)
{
    const Hrss__SummaryQuery *q = req->summary;
    int period;
    if (region_level(q->region) == REGION_INVALID)
        return service_fail(reply, arena, "invalid_region", "region must be 12 digits", false);
    if (period_parse(q->period, strlen(q->period), &period) || period / 100 < LIMIT_YEAR_MIN ||
        period / 100 > LIMIT_YEAR_MAX)
        return service_fail(reply, arena, "invalid_period", "period must be YYYY-MM", false);
    size_t total;
    const indicator_t *all = indicator_all(&total);
    figure_t *figs = arena_alloc(arena, (total ? total : 1) * sizeof *figs);
    if (!figs)
        return -1;
    /* the facts' indicators first (one statement reads them), then the
     * rates, which come from their parts */
    size_t n = 0;
    for (int rates = 0; rates < 2; rates++)
        for (size_t i = 0; i < total; i++) {
            if ((all[i].kind == INDICATOR_RATE) != rates)
                continue;
            figure_t f = {.ind = &all[i], .rank = NSENTENCES * 16 + i};
            f.sentence = s_sentence_of(all[i].code, &f.scheme, &f.rank);
            figs[n++] = f;
        }
    size_t nfacts = 0;
    while (nfacts < n && figs[nfacts].ind->kind != INDICATOR_RATE)
        nfacts++;
    if (s_load_region(svc, q->region, period, figs, nfacts, arena))
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);

    region_table_t *regions = reporting_regions();
    const char *name = region_name(regions, q->region);
    region_level_t level = region_level(q->region);
    ctx_t c = {report_level_word(level, name), period % 100, figs, n};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return -1;
    int year = period / 100;
    const char *who = name ? name : q->region;
    if (c.month == 12)
        fprintf(out, "# %s人力资源和社会保障局%d年工作总结\n\n", who, year);
    else if (c.month == 1)
        fprintf(out, "# %s人力资源和社会保障局%d年1月工作总结\n\n", who, year);
    else
        fprintf(out, "# %s人力资源和社会保障局%d年1-%d月工作总结\n\n", who, year, c.month);
    int numeral = 0;
    bool any = false;
    for (size_t p = 0; p < NPARTS; p++)
        any |= s_part(out, &c, p, &numeral);
    if (!any)
        fprintf(out, "%d年1-%d月尚无统计数据。\n\n", year, c.month);
    int rc = s_children_table(svc, out, &c, q->region, period, &numeral, arena);
    s_problems(out, &c, &numeral);
    if (fclose(out) || !text) {
        free(text);
        return -1;
    }
    if (rc) {
        free(text);
        return service_fail(reply, arena, "unavailable", db_error(service_db(svc)), true);
    }
    Hrss__SummaryReply *answer = arena_alloc(arena, sizeof *answer);
    char *copy = answer ? arena_alloc(arena, len + 1) : NULL;
    if (!copy) {
        free(text);
        return -1;
    }
    memcpy(copy, text, len + 1);
    free(text);
    hrss__summary_reply__init(answer);
    answer->markdown = copy;
    reply->body_case = HRSS__REPLY__BODY_SUMMARY;
    reply->summary = answer;
    return 0;
}

int
reporting_on_command(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                     arena_t *arena)
{
    if (req->body_case == HRSS__REQUEST__BODY_SUMMARY)
        return reporting_on_summary(svc, req, reply, arena);
    if (req->body_case == HRSS__REQUEST__BODY_REPORT_STEP)
        return reporting_on_report_step(svc, req, reply, arena);
    if (req->body_case == HRSS__REQUEST__BODY_REPORT)
        return reporting_on_report(svc, req, reply, arena);
    return service_fail(reply, arena, "unsupported", "reporting does not answer this request",
                        false);
}
