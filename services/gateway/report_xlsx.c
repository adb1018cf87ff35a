/* GET /v1/reports/monthly.xlsx?region=R&period=P: the month's figures of a
 * region as the workbook bureaus exchange (月报), written with libxlsxwriter.
 *
 * Why in the gateway, not in reporting: the workbook is a view of answers
 * reporting already gives (GET /v1/indicators and the breakdowns), so the
 * gateway asks exactly those questions, all at once, and every one of them
 * may come from reporting's answer cache; the figures in the workbook are
 * then the API's figures by construction. The gateway also holds what a
 * sheet needs besides figures (region names) and the HTTP side (headers,
 * scope). Writing a county's workbook (a dozen townships, a few dozen
 * cells) costs about a millisecond; it would block reporting's single
 * loop, which also applies the feeds, as much as it blocks the gateway's.
 *
 * One sheet per domain (就业, 社会保险, 欠薪与劳动关系), a row per child
 * region and a total row (the region itself), a column per computed
 * indicator of the catalog whose code has the domain's prefix. Amounts
 * (分) are numbers in 万元 shown with two decimals, rates fractions shown
 * as 0.00% (computed from the rate's numerator and denominator, which
 * are columns of the same request; empty when the denominator is 0),
 * counts whole numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "config.h"
#include "event_types.h"
#include "gateway.h"
#include "indicators.h"
#include "log.h"
#include "timeutil.h"

#define XLSX_MAX_COLUMNS 128     /* computed indicators of the three domains */
#define XLSX_TIMEOUT_MS 0        /* the gateway's default */
#define XLSX_CONTENT_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define XLSX_APPROVAL_NONE "未提交"

typedef struct {
    const char *prefix;          /* "emp." */
    const char *sheet;           /* 就业 */
} xlsx_domain_t;

static const xlsx_domain_t s_domains[] = {
    {"emp.", "就业"},
    {"ins.", "社会保险"},
    {"arr.", "欠薪与劳动关系"},
};
#define XLSX_DOMAINS (sizeof s_domains / sizeof *s_domains)

/* Chinese names of the schemes of a per-scheme indicator (CONTRACT.md). */
static const struct {
    const char *scheme, *name;
} s_schemes[] = {
    {"enterprise_pension", "企业职工基本养老保险"},
    {"institution_pension", "机关事业单位养老保险"},
    {"resident_pension", "城乡居民基本养老保险"},
    {"unemployment", "失业保险"},
    {"work_injury", "工伤保险"},
};

typedef struct {
    char region[REGION_LEN + 1];
    int period;
    char period_text[8];
    /* the columns, in catalog order (grouped by domain when written) */
    const indicator_t *columns[XLSX_MAX_COLUMNS];
    size_t n_columns;
    /* the figures asked: every flow and stock column, plain (the total
     * row, part 0) and broken down by child (part 1 + i) */
    const indicator_t *asked[XLSX_MAX_COLUMNS];
    size_t n_asked;
    Hrss__Reply *total;
    Hrss__Reply *children[XLSX_MAX_COLUMNS];
    Hrss__Reply *failed;         /* the first failure */
    bool timed_out;
    bool sending;
} xlsx_work_t;

static void
s_work_free(void *p)
{
    xlsx_work_t *w = p;
    if (w->total)
        protobuf_c_message_free_unpacked(&w->total->base, NULL);
    for (size_t i = 0; i < w->n_asked; i++)
        if (w->children[i])
            protobuf_c_message_free_unpacked(&w->children[i]->base, NULL);
    if (w->failed)
        protobuf_c_message_free_unpacked(&w->failed->base, NULL);
    free(w);
}

static bool
s_in_domains(const indicator_t *ind)
{
    for (size_t d = 0; d < XLSX_DOMAINS; d++)
        if (strncmp(ind->code, s_domains[d].prefix, strlen(s_domains[d].prefix)) == 0)
            return true;
    return false;
}

/* A computed indicator of the three domains is a column. A rate's value
 * is taken from its numerator and denominator, asked with the rest: a rate
 * whose figures are not both computed has none. */
static bool
s_is_column(const indicator_t *ind)
{
    if (!s_in_domains(ind) || !ind->computed)
        return false;
    if (ind->kind != INDICATOR_RATE)
        return true;
    const indicator_t *num = ind->numerator ? indicator_find(ind->numerator) : NULL;
    const indicator_t *den = ind->denominator ? indicator_find(ind->denominator) : NULL;
    return num && den && num->computed && den->computed && num->kind != INDICATOR_RATE &&
           den->kind != INDICATOR_RATE;
}

static long
s_asked_index(const xlsx_work_t *w, const char *code)
{
    for (size_t i = 0; i < w->n_asked; i++)
        if (strcmp(w->asked[i]->code, code) == 0)
            return (long) i;
    return -1;
}

/* ---- the workbook ------------------------------------------------------------------- */

typedef struct {
    lxw_format *title, *header, *text, *count, *amount, *percent, *total_text, *total_count,
        *total_amount, *total_percent;
} xlsx_formats_t;

static void
s_header_text(const indicator_t *ind, char *out, size_t size)
{
    const char *unit = ind->kind == INDICATOR_RATE ? "%"
                       : strcmp(ind->unit, "分") == 0 ? "万元"
                                                      : ind->unit;
    const char *scheme = NULL;
    const char *dot = strrchr(ind->code, '.');
    for (size_t i = 0; dot && i < sizeof s_schemes / sizeof *s_schemes; i++)
        if (strcmp(dot + 1, s_schemes[i].scheme) == 0)
            scheme = s_schemes[i].name;
    if (scheme)
        snprintf(out, size, "%s·%s（%s）", ind->name, scheme, unit);
    else
        snprintf(out, size, "%s（%s）", ind->name, unit);
}

/* The value of `code` in `reply`: for a breakdown, of `region`. */
static bool
s_value_of(const Hrss__Reply *reply, const char *code, const char *region, int64_t *out)
{
    const Hrss__IndicatorReply *r = reply ? reply->indicators : NULL;
    for (size_t i = 0; r && i < r->n_values; i++) {
        const Hrss__IndicatorValue *v = r->values[i];
        if (strcmp(v->code, code) != 0)
            continue;
        if (region && (!v->region || strcmp(v->region, region) != 0))
            continue;
        *out = v->value;
        return true;
    }
    return false;
}

/* The figure of column `ind` in the row of `region` (NULL: the total row). */
static lxw_error
s_write_cell(xlsx_work_t *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
             const indicator_t *ind, const char *region, const xlsx_formats_t *f)
{
    bool total = region == NULL;
    if (ind->kind == INDICATOR_RATE) {
        int64_t num = 0, den = 0;
        long ni = s_asked_index(w, ind->numerator), di = s_asked_index(w, ind->denominator);
        const Hrss__Reply *nr = total ? w->total : ni >= 0 ? w->children[ni] : NULL;
        const Hrss__Reply *dr = total ? w->total : di >= 0 ? w->children[di] : NULL;
        s_value_of(nr, ind->numerator, region, &num);
        s_value_of(dr, ind->denominator, region, &den);
        lxw_format *fmt = total ? f->total_percent : f->percent;
        if (den == 0)   /* 0 of 0 is no value */
            return worksheet_write_blank(ws, row, col, fmt);
        return worksheet_write_number(ws, row, col, (double) num / (double) den, fmt);
    }
    long i = s_asked_index(w, ind->code);
    int64_t value = 0;   /* a village without facts of this indicator: none */
    s_value_of(total ? w->total : i >= 0 ? w->children[i] : NULL, ind->code, region, &value);
    if (strcmp(ind->unit, "分") == 0)
        return worksheet_write_number(ws, row, col, (double) value / 1e6,
                                      total ? f->total_amount : f->amount);
    return worksheet_write_number(ws, row, col, (double) value,
                                  total ? f->total_count : f->count);
}

static int
s_region_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The child regions of the rows: every region some breakdown lists (a
 * township's villages are those with facts, which differ by indicator), in
 * code order, each once. Borrowed from the replies; NULL when out of
 * memory. */
static const char **
s_child_regions(const xlsx_work_t *w, size_t *n)
{
    size_t total = 0;
    for (size_t i = 0; i < w->n_asked; i++)
        total += w->children[i]->indicators->n_values;
    const char **out = malloc((total ? total : 1) * sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < w->n_asked; i++) {
        const Hrss__IndicatorReply *r = w->children[i]->indicators;
        for (size_t j = 0; j < r->n_values; j++)
            if (r->values[j]->region)
                out[k++] = r->values[j]->region;
    }
    qsort(out, k, sizeof *out, s_region_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || strcmp(out[m - 1], out[i]) != 0)
            out[m++] = out[i];
    *n = m;
    return out;
}

static lxw_format *
s_format(lxw_workbook *wb, const char *num_format, bool bold)
{
    lxw_format *f = workbook_add_format(wb);
    if (num_format)
        format_set_num_format(f, num_format);
    if (bold)
        format_set_bold(f);
    return f;
}

static lxw_error
s_write_sheet(xlsx_work_t *w, gateway_t *gw, lxw_workbook *wb, const xlsx_domain_t *domain,
              const char **children, size_t n_children, const char *title,
              const xlsx_formats_t *f)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, domain->sheet);
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error err = worksheet_write_string(ws, 0, 0, title, f->title);
    err = err ? err : worksheet_write_string(ws, 1, 0, "区划代码", f->header);
    err = err ? err : worksheet_write_string(ws, 1, 1, "地区", f->header);
    worksheet_set_column(ws, 0, 0, 15, NULL);
    worksheet_set_column(ws, 1, 1, 14, NULL);
    lxw_col_t col = 2;
    for (size_t c = 0; !err && c < w->n_columns; c++) {
        const indicator_t *ind = w->columns[c];
        if (strncmp(ind->code, domain->prefix, strlen(domain->prefix)) != 0)
            continue;
        char header[256];
        s_header_text(ind, header, sizeof header);
        err = worksheet_write_string(ws, 1, col, header, f->header);
        worksheet_set_column(ws, col, col, 16, NULL);
        lxw_row_t row = 2;
        for (size_t r = 0; !err && r < n_children; r++, row++)
            err = s_write_cell(w, ws, row, col, ind, children[r], f);
        err = err ? err : s_write_cell(w, ws, row, col, ind, NULL, f);
        col++;
    }
    lxw_row_t row = 2;
    for (size_t r = 0; !err && r < n_children; r++, row++) {
        const char *name = region_name(gateway_regions(gw), children[r]);
        err = worksheet_write_string(ws, row, 0, children[r], f->text);
        err = err ? err : worksheet_write_string(ws, row, 1, name ? name : children[r], f->text);
    }
    err = err ? err : worksheet_write_string(ws, row, 0, w->region, f->total_text);
    err = err ? err : worksheet_write_string(ws, row, 1, "合计", f->total_text);
    worksheet_freeze_panes(ws, 2, 2);   /* the title, the headers and the region columns */
    return err;
}

/* The workbook in a malloc'd buffer, or NULL (logged). libxlsxwriter 1.1
 * writes to a named file only: a file of our own in the run directory,
 * read back and removed. */
static char *
s_workbook(xlsx_work_t *w, gateway_t *gw, size_t *len)
{
    char *out = NULL;
    const char **children = NULL;
    lxw_workbook *wb = NULL;
    const char *dir = config_str("HRSS_RUN_DIR", NULL);
    if (!dir || !*dir)
        dir = config_str("TMPDIR", "/tmp");
    char path[4096];
    snprintf(path, sizeof path, "%s/report-XXXXXX.xlsx", dir);
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        log_error("monthly.xlsx: cannot create a file in %s", dir);
        return NULL;
    }
    close(fd);
    size_t n_children = 0;
    children = s_child_regions(w, &n_children);
    lxw_workbook_options options = {.constant_memory = LXW_FALSE, .tmpdir = (char *) dir};
    wb = children ? workbook_new_opt(path, &options) : NULL;
    if (!wb)
        goto out;
    xlsx_formats_t f = {
        .title = s_format(wb, NULL, true),
        .header = s_format(wb, NULL, true),
        .text = s_format(wb, "@", false),
        .count = s_format(wb, "0", false),
        .amount = s_format(wb, "0.00", false),
        .percent = s_format(wb, "0.00%", false),
        .total_text = s_format(wb, "@", true),
        .total_count = s_format(wb, "0", true),
        .total_amount = s_format(wb, "0.00", true),
        .total_percent = s_format(wb, "0.00%", true),
    };
    format_set_text_wrap(f.header);
    const char *name = region_name(gateway_regions(gw), w->region);
    char title[256];
    snprintf(title, sizeof title, "%s %d年%d月 人力资源和社会保障月报 审批状态：%s",
             name ? name : w->region, w->period / 100, w->period % 100, XLSX_APPROVAL_NONE);
    workbook_set_properties(wb, &(lxw_doc_properties){.title = title});
    lxw_error err = LXW_NO_ERROR;
    for (size_t d = 0; !err && d < XLSX_DOMAINS; d++)
        err = s_write_sheet(w, gw, wb, &s_domains[d], children, n_children, title, &f);
    lxw_error closed = workbook_close(wb);
    wb = NULL;
    if (err || closed) {
        log_error("monthly.xlsx: %s", lxw_strerror(err ? err : closed));
        goto out;
    }
    FILE *in = fopen(path, "rb");
    struct stat st;
    if (in && fstat(fileno(in), &st) == 0 && st.st_size > 0 &&
        (out = malloc((size_t) st.st_size))) {
        if (fread(out, 1, (size_t) st.st_size, in) != (size_t) st.st_size) {
            free(out);
            out = NULL;
        } else {
            *len = (size_t) st.st_size;
        }
    }
    if (in)
        fclose(in);
    if (!out)
        log_error("monthly.xlsx: cannot read back %s", path);
out:
    if (wb)
        workbook_close(wb);
    unlink(path);
    free(children);
    return out;
}

/* ---- the route ---------------------------------------------------------------------- */

static void
s_finish(gateway_t *gw, http_req_t *req)
{
    xlsx_work_t *w = req->work;
    if (w->sending || req->outstanding > 0)
        return;
    if (w->timed_out) {
        http_problem(req, 503, "unavailable", "Reporting unavailable",
                     "the reporting service did not answer in time", NULL);
        return;
    }
    if (w->failed) {
        const Hrss__Failure *f =
            w->failed->body_case == HRSS__REPLY__BODY_FAILURE ? w->failed->failure : NULL;
        if (f && !f->retryable)
            http_problem(req, 400, f->code, "Invalid query", f->message, NULL);
        else
            http_problem(req, 503, "unavailable", "Reporting unavailable",
                         f && f->message ? f->message : "unexpected reply", NULL);
        return;
    }
    bool complete = w->total != NULL;
    for (size_t i = 0; i < w->n_asked; i++)
        complete = complete && w->children[i];
    size_t len = 0;
    char *body = complete ? s_workbook(w, gw, &len) : NULL;
    if (!body) {
        http_problem(req, 500, "internal", "Workbook not written",
                     "the workbook could not be written", NULL);
        return;
    }
    snprintf(req->disposition, sizeof req->disposition,
             "attachment; filename=\"monthly-%s-%s.xlsx\"", w->region, w->period_text);
    http_respond(req, 200, XLSX_CONTENT_TYPE, body, len);
}

static void
s_reply(gateway_t *gw, http_req_t *req, int part, const Hrss__Reply *reply)
{
    xlsx_work_t *w = req->work;
    if (!reply) {
        w->timed_out = true;
    } else if (reply->body_case != HRSS__REPLY__BODY_INDICATORS) {
        if (!w->failed)
            w->failed = upstream_keep(gw);
    } else if (part == 0) {
        w->total = upstream_keep(gw);
    } else if ((size_t) part <= w->n_asked) {
        w->children[part - 1] = upstream_keep(gw);
    }
    s_finish(gw, req);
}

/* region parameter: as GET /v1/indicators takes it (reads_region_param),
 * and not the whole nation: a workbook is of a province or below. */
static int
s_region_param(gateway_t *gw, http_req_t *req, const char *value, char out[REGION_LEN + 1])
{
    if (reads_region_param(gw, req, value, out))
        return -1;
    if (region_level(out) == REGION_NATION) {
        http_problem(req, 400, "validation", "Invalid parameter",
                     "the workbook is of a province or a division below it",
                     json_pack("[{s:s, s:s, s:s}]", "field", "region", "code", "invalid_region",
                               "message", "the workbook is of a province or below"));
        return -1;
    }
    return 0;
}

void
report_xlsx_get(gateway_t *gw, http_req_t *req)
{
    xlsx_work_t *w = gateway_work_new(req, sizeof *w, s_work_free);
    if (!w)
        return;
    if (s_region_param(gw, req, http_arg(req, "region"), w->region))
        return;
    const char *p = http_arg(req, "period");
    if (!p) {
        w->period = period_of_instant(now_us());
    } else if (period_parse(p, strlen(p), &w->period) || w->period / 100 < LIMIT_YEAR_MIN ||
               w->period / 100 > LIMIT_YEAR_MAX) {
        http_problem(req, 400, "validation", "Invalid parameter",
                     "period must be a month YYYY-MM",
                     json_pack("[{s:s, s:s, s:s}]", "field", "period", "code", "invalid_period",
                               "message", "period must be a month YYYY-MM"));
        return;
    }
    format_period(w->period, w->period_text);

    size_t n;
    const indicator_t *all = indicator_all(&n);
    char *codes[XLSX_MAX_COLUMNS];
    for (size_t i = 0; i < n && w->n_columns < XLSX_MAX_COLUMNS; i++) {
        if (!s_is_column(&all[i]))
            continue;
        w->columns[w->n_columns++] = &all[i];
        if (all[i].kind != INDICATOR_RATE) {
            codes[w->n_asked] = (char *) all[i].code;
            w->asked[w->n_asked++] = &all[i];
        }
    }

    /* every question at once: the total row, then each breakdown */
    w->sending = true;
    Hrss__IndicatorQuery q = HRSS__INDICATOR_QUERY__INIT;
    q.region = w->region;
    q.period = w->period_text;
    q.n_codes = w->n_asked;
    q.codes = codes;
    Hrss__Request msg = HRSS__REQUEST__INIT;
    msg.body_case = HRSS__REQUEST__BODY_INDICATORS;
    msg.indicators = &q;
    upstream_call(gw, SERVICE_REPORTING, &msg, XLSX_TIMEOUT_MS, req, 0, s_reply);
    for (size_t i = 0; i < w->n_asked; i++) {
        Hrss__IndicatorQuery b = HRSS__INDICATOR_QUERY__INIT;
        char *one[1] = {codes[i]};
        b.region = w->region;
        b.period = w->period_text;
        b.n_codes = 1;
        b.codes = one;
        b.has_breakdown = 1;
        b.breakdown = 1;
        msg.indicators = &b;
        upstream_call(gw, SERVICE_REPORTING, &msg, XLSX_TIMEOUT_MS, req, (int) i + 1, s_reply);
    }
    w->sending = false;
    s_finish(gw, req);
}
