#include "county.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

/* ---- draws ------------------------------------------------------------------- */

static uint64_t
s_mix(uint64_t x)
{
    /* splitmix64 finalizer */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

double
county_draw(uint64_t n, uint64_t salt)
{
    return (double) (s_mix(n * 0x100000001b3ULL ^ s_mix(salt)) >> 11) / 9007199254740992.0;
}

static uint64_t
s_pick(uint64_t n, uint64_t salt, uint64_t range)
{
    return s_mix(n ^ s_mix(salt + 0x51ed)) % range;
}

enum {
    D_URBAN = 1, D_TOWNSHIP, D_VILLAGE, D_SURNAME, D_GIVEN1, D_GIVEN2, D_GIVEN_LEN, D_EDU,
    D_PHONE, D_PHONE_DIGITS, D_MONTH, D_DAY, D_CATEGORY = 100, D_JOB = 200
};

/* ---- the county ---------------------------------------------------------------- */

county_t *
county_new(const char *county6, int year)
{
    county_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->year = year;
    snprintf(self->code, sizeof self->code, "%.6s000000", county6);
    self->regions = region_table_load(NULL);
    if (!self->regions)
        goto fail;
    char codes[COUNTY_TOWNSHIPS_MAX][REGION_LEN + 1];
    size_t n = region_children(self->regions, self->code, codes, COUNTY_TOWNSHIPS_MAX);
    if (n == 0)
        goto fail;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        township_t *t = &self->townships[i];
        memcpy(t->code, codes[i], sizeof t->code);
        t->name = region_name(self->regions, t->code);
        const char *name = t->name ? t->name : "";
        bool seat = strstr(name, "沱江") != NULL || strstr(name, "城关") != NULL;
        bool xiang = t->code[6] == '2';   /* 乡 are numbered 2xx, 镇 1xx */
        uint64_t h = s_mix(strtoull(t->code, NULL, 10));
        /* The county seat holds about a fifth of the registry and most of its
         * urban households; townships (镇) outweigh rural townships (乡). */
        if (seat) {
            t->share = 4.0;
            t->urban = 0.60;
            t->communities = 10;
            t->villages = 20;
        } else {
            t->share = (xiang ? 0.55 : 1.0) * (0.75 + (double) (h % 50) / 100.0);
            t->urban = xiang ? 0.04 : 0.10;
            t->communities = xiang ? 1 : 2;
            t->villages = (xiang ? 10 : 16) + (int) (h % 12);
        }
        total += t->share;
    }
    for (size_t i = 0; i < n; i++)
        self->townships[i].share /= total;
    self->ntownships = (int) n;
    return self;
fail:
    county_destroy(&self);
    return NULL;
}

void
county_destroy(county_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    region_table_destroy(&(*self_p)->regions);
    free(*self_p);
    *self_p = NULL;
}

/* ---- persons ----------------------------------------------------------------- */

/* Common surnames of 凤凰 (Miao and Tujia families first), weights per mille. */
static const struct {
    const char *s;
    int w;
} s_surnames[] = {{"吴", 140}, {"龙", 120}, {"麻", 80}, {"杨", 75}, {"田", 60}, {"石", 60},
                  {"张", 50},  {"滕", 40},  {"刘", 35}, {"向", 35}, {"欧", 25}, {"唐", 25},
                  {"李", 25},  {"王", 25},  {"陈", 25}, {"彭", 20}, {"黄", 20}, {"谭", 20},
                  {"周", 15},  {"侯", 15},  {"梁", 15}, {"姚", 15}, {"覃", 10}, {"熊", 10},
                  {"邓", 10},  {"罗", 10},  {"胡", 10}, {"肖", 10}};
static const char *const s_given[] = {
    "金", "银", "秀", "英", "华", "明", "清", "芳", "军", "平", "勇", "艳", "红", "丽",
    "成", "春", "海", "林", "兰", "梅", "玉", "云", "福", "贵", "国", "志", "建", "文",
    "宏", "燕", "婷", "涛", "波", "辉", "强", "杰", "娟", "霞", "慧", "敏", "思", "佳"};
#define N_GIVEN (sizeof s_given / sizeof *s_given)

/* Education of the registry (劳动力信息采集), per mille. */
static const struct {
    const char *s;
    int w;
} s_education[] = {{"小学", 200}, {"初中", 460}, {"高中", 140}, {"中专", 70},
                   {"大专", 70},  {"本科", 55},  {"硕士研究生", 5}};

/* Categories and their share among rural / urban persons. Sources: the
 * bureau's summary of 凤凰县 (seeds/000): 38 613 poverty-alleviated workers
 * incl. monitored persons, 4 882 land-expropriated farmers, 1 000 returned
 * poverty-alleviated workers, 647 graduates followed up, against a registry
 * of about 260 000; the other shares are typical of Xiangxi counties. */
static const struct {
    const char *code;
    double rural, urban;
} s_categories[COUNTY_CATEGORIES_MAX] = {
    {"poverty_alleviated", 0.22, 0.03},
    {"monitored", 0.025, 0.005},
    {"migrant_worker", 0.42, 0.02},
    {"graduate", 0.012, 0.03},
    {"hard_to_employ", 0.013, 0.025},
    {"disabled", 0.02, 0.02},
    {"veteran", 0.012, 0.012},
    {"zero_employment_household", 0.0005, 0.004},
    {"relocated", 0.035, 0.01},
    {"land_expropriated", 0.017, 0.03},
    {"returned", 0.0045, 0.001},
};

static const char s_id_check[] = "10X98765432";
static const int s_id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};

void
county_person(const county_t *self, uint64_t n, person_t *p)
{
    memset(p, 0, sizeof *p);
    p->n = n;

    /* Where: a township by its share, then urban or rural, then a community
     * (urban) or a village (rural) of it. */
    double u = county_draw(n, D_TOWNSHIP);
    const township_t *t = &self->townships[self->ntownships - 1];
    for (int i = 0; i < self->ntownships; i++) {
        if (u < self->townships[i].share) {
            t = &self->townships[i];
            break;
        }
        u -= self->townships[i].share;
    }
    p->urban = county_draw(n, D_URBAN) < t->urban;
    int v = p->urban ? 1 + (int) s_pick(n, D_VILLAGE, (uint64_t) t->communities)
                     : 201 + (int) s_pick(n, D_VILLAGE, (uint64_t) t->villages);
    snprintf(p->region, sizeof p->region, "%.9s%03d", t->code, v);

    /* Id number: n -> (birth day, sequence number) is a bijection on
     * [0, COUNTY_PERSONS_MAX) (1000003 is prime to it), so distinct persons
     * have distinct numbers, whatever year a program describes: born
     * 1965-2009, aged 16 to 60 in 2025. */
    uint64_t k = (n % COUNTY_PERSONS_MAX) * 1000003ULL % COUNTY_PERSONS_MAX;
    int64_t born = days_from_civil(1965, 1, 1) + (int64_t) (k % 16436);
    int y;
    unsigned m, d;
    civil_from_days(born, &y, &m, &d);
    char body[18];
    snprintf(body, sizeof body, "%.6s%04d%02u%02u%03u", self->code, y, m, d,
             (unsigned) (k / 16436));
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (body[i] - '0') * s_id_weights[i];
    snprintf(p->id_number, sizeof p->id_number, "%s%c", body, s_id_check[sum % 11]);

    int w = (int) s_pick(n, D_SURNAME, 1000), acc = 0;
    const char *surname = s_surnames[0].s;
    for (size_t i = 0; i < sizeof s_surnames / sizeof *s_surnames; i++) {
        acc += s_surnames[i].w;
        if (w < acc) {
            surname = s_surnames[i].s;
            break;
        }
    }
    if (county_draw(n, D_GIVEN_LEN) < 0.3)
        snprintf(p->name, sizeof p->name, "%s%s", surname, s_given[s_pick(n, D_GIVEN1, N_GIVEN)]);
    else
        snprintf(p->name, sizeof p->name, "%s%s%s", surname, s_given[s_pick(n, D_GIVEN1, N_GIVEN)],
                 s_given[s_pick(n, D_GIVEN2, N_GIVEN)]);

    for (size_t i = 0; i < COUNTY_CATEGORIES_MAX; i++) {
        double share = p->urban ? s_categories[i].urban : s_categories[i].rural;
        if (county_draw(n, D_CATEGORY + i) < share)
            p->categories[p->ncategories++] = s_categories[i].code;
    }

    w = (int) s_pick(n, D_EDU, 1050);   /* 5% not recorded */
    acc = 0;
    for (size_t i = 0; i < sizeof s_education / sizeof *s_education; i++) {
        acc += s_education[i].w;
        if (w < acc) {
            p->education = s_education[i].s;
            break;
        }
    }
    if (county_draw(n, D_PHONE) < 0.85)
        snprintf(p->phone, sizeof p->phone, "1%c%09llu", "3578"[s_pick(n, D_PHONE, 4)],
                 (unsigned long long) s_pick(n, D_PHONE_DIGITS, 1000000000ULL));
    p->reg_month = 1 + (int) s_pick(n, D_MONTH, 12);
    p->reg_day = 1 + (int) s_pick(n, D_DAY, 28);
}

static const char s_credit_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int s_credit_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20,
                                         29, 25, 13, 8, 24, 10, 30, 28};

void
county_credit_code(uint64_t k, char out[19])
{
    /* 9 (enterprise) 1 (company), the county, a 9-character organization code */
    snprintf(out, 19, "91433123%09llu", (unsigned long long) (s_mix(k) % 1000000000ULL));
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int) (strchr(s_credit_chars, out[i]) - s_credit_chars) * s_credit_weights[i];
    out[17] = s_credit_chars[(31 - sum % 31) % 31];
    out[18] = '\0';
}

/* ---- jobs -------------------------------------------------------------------- */

static const char *const s_employers[] = {
    "凤凰古城文化旅游投资股份有限公司", "湘西凤凰农业开发有限公司", "凤凰县建筑工程有限公司",
    "凤凰县城乡供水有限公司", "湘西苗绣文化产业有限公司", "凤凰县腊尔山茶业专业合作社",
    "凤凰县物流配送有限公司", "凤凰县民族酒店管理有限公司"};
#define N_EMPLOYERS (sizeof s_employers / sizeof *s_employers)

void
county_job(const person_t *p, int year, int month, bool reemployed, employment_t *job)
{
    memset(job, 0, sizeof *job);
    uint64_t n = p->n;
    double u = county_draw(n, D_JOB + (uint64_t) month);
    /* Urban households find urban jobs (城镇新增就业) or work flexibly; rural
     * labor mostly leaves for work (转移就业); village public-welfare posts
     * go to poverty-alleviated persons (seeds/000: 3 790 placed). */
    if (p->urban || reemployed)
        job->kind = u < 0.75 ? "urban_new" : "flexible";
    else
        job->kind = u < 0.72 ? "transfer" : u < 0.85 ? "flexible" : "public_welfare";
    /* Where poverty-alleviated workers work (seeds/000): 21 702 outside the
     * province, 5 714 in the province, 11 197 in the county. */
    if (strcmp(job->kind, "transfer") == 0) {
        double l = county_draw(n, D_JOB + 50 + (uint64_t) month);
        job->location = l < 0.56 ? "out_of_province" : l < 0.71 ? "in_province" : "in_county";
    } else {
        job->location = "in_county";
    }
    if (strcmp(job->kind, "urban_new") == 0) {
        uint64_t e = s_pick(n, D_JOB + 100 + (uint64_t) month, 400);
        county_credit_code(e, job->credit_code);
        job->employer_name = s_employers[e % N_EMPLOYERS];
    }
    snprintf(job->started_on, sizeof job->started_on, "%04d-%02d-%02d", year, month,
             1 + (int) s_pick(n, D_JOB + 150 + (uint64_t) month, 28));
}

/* ---- JSON -------------------------------------------------------------------- */

static size_t
s_append(char *out, size_t len, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + len, size - len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= size - len)
        return 0;
    return len + (size_t) n;
}

#define APPEND(...)                                    \
    do {                                               \
        if (!(len = s_append(out, len, size, __VA_ARGS__))) \
            return 0;                                  \
    } while (0)

size_t
county_json_registered(char *out, size_t len, size_t size, const person_t *p, const char *id,
                       const char *at)
{
    APPEND("{\"id\":\"%s\",\"type\":\"employment.person_registered\",\"region\":\"%s\","
           "\"occurred_at\":\"%s\",\"data\":{\"id_number\":\"%s\",\"name\":\"%s\","
           "\"household\":\"%s\",\"categories\":[",
           id, p->region, at, p->id_number, p->name, p->urban ? "urban" : "rural");
    for (size_t i = 0; i < p->ncategories; i++)
        APPEND("%s\"%s\"", i ? "," : "", p->categories[i]);
    APPEND("]");
    if (p->education)
        APPEND(",\"education\":\"%s\"", p->education);
    if (p->phone[0])
        APPEND(",\"phone\":\"%s\"", p->phone);
    APPEND("}}");
    return len;
}

size_t
county_json_employed(char *out, size_t len, size_t size, const person_t *p, const char *id,
                     const char *at, const employment_t *job)
{
    APPEND("{\"id\":\"%s\",\"type\":\"employment.employed\",\"region\":\"%s\","
           "\"occurred_at\":\"%s\",\"data\":{\"id_number\":\"%s\",\"kind\":\"%s\","
           "\"location\":\"%s\",\"started_on\":\"%s\"",
           id, p->region, at, p->id_number, job->kind, job->location, job->started_on);
    if (job->credit_code[0])
        APPEND(",\"employer_credit_code\":\"%s\"", job->credit_code);
    if (job->employer_name)
        APPEND(",\"employer_name\":\"%s\"", job->employer_name);
    APPEND("}}");
    return len;
}

size_t
county_json_unemployed(char *out, size_t len, size_t size, const person_t *p, const char *id,
                       const char *at, const char *registered_on)
{
    APPEND("{\"id\":\"%s\",\"type\":\"employment.unemployment_registered\",\"region\":\"%s\","
           "\"occurred_at\":\"%s\",\"data\":{\"id_number\":\"%s\",\"registered_on\":\"%s\"}}",
           id, p->region, at, p->id_number, registered_on);
    return len;
}

size_t
county_json_enrolled(char *out, size_t len, size_t size, const person_t *p, const char *id,
                     const char *at, const char *scheme, const char *enrolled_on)
{
    APPEND("{\"id\":\"%s\",\"type\":\"insurance.enrolled\",\"region\":\"%s\","
           "\"occurred_at\":\"%s\",\"data\":{\"id_number\":\"%s\",\"scheme\":\"%s\","
           "\"enrolled_on\":\"%s\"}}",
           id, p->region, at, p->id_number, scheme, enrolled_on);
    return len;
}
