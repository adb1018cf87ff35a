/* hrss-bench-load: drives the gateway over HTTP with the county's data.
 *
 *   hrss-bench-load ingest --clients C --batch B --seconds S --base N0 --span K --tag T
 *       batches of B events (B/2 persons: person_registered, then employed),
 *       for S seconds from C keep-alive connections, persons from [N0, N0+K)
 *   hrss-bench-load import --persons N [--base N0] --batch B --clients C
 *       the labor-force registry: person_registered of persons [N0, N0+N)
 *   hrss-bench-load year --persons N --clients C
 *       a year of events for persons [0, N): unemployment, jobs, enrollments,
 *       month by month (a month is sent only after the one before it)
 *   hrss-bench-load feed --events N [--limit L]
 *       a province consumer pulling N events through GET /v1/feed
 *
 * Common: --port P (default $HRSS_HTTP_PORT) --token T --year Y (the
 * registry's year, default last year) --county 433123. Prints one JSON
 * object on stdout; diagnostics on stderr. */
#define _GNU_SOURCE   /* memmem */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "county.h"
#include "event_types.h"
#include "httpc.h"
#include "stats.h"
#include "timeutil.h"

#define BODY_CAP (4 * 1024 * 1024)

typedef struct {
    const char *mode;
    const char *host;
    int port;
    const char *token;
    int clients;
    int batch;
    double seconds;
    uint64_t base;
    uint64_t span;
    uint64_t persons;
    uint64_t feed_events;
    int limit;
    int year;
    const char *tag;
    const char *county_code;
    county_t *county;
} opts_t;

typedef enum { Y_UNEMPLOYED, Y_REEMPLOYED, Y_EMPLOYED, Y_ENROLLED } year_kind_t;

typedef struct {
    uint64_t n;
    uint8_t kind;
    uint8_t scheme;
    uint8_t day;
} year_event_t;

typedef struct {
    int idx;
    const opts_t *o;
    httpc_t *http;
    samples_t lat;
    uint64_t requests, events, accepted, failed;
    char *body, *spare;         /* the batch being served, the next one */
    /* ingest */
    uint64_t next_person, last_person;
    double deadline;
    person_t *persons;          /* of one batch */
    char at[32];                /* when its events happened */
    int y;
    unsigned m, d;
    /* year: the month being sent */
    const year_event_t *items;
    int month;
} client_t;

static atomic_uint_fast64_t s_next_batch;
static uint64_t s_nbatches;
static pthread_mutex_t s_report_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_reported;

static void
s_report_once(const char *what, int status, const char *body, size_t len)
{
    pthread_mutex_lock(&s_report_lock);
    if (s_reported++ < 3)
        fprintf(stderr, "hrss-bench-load: %s (HTTP %d): %.*s\n", what, status,
                (int) (len > 400 ? 400 : len), body ? body : "");
    pthread_mutex_unlock(&s_report_lock);
}

static size_t
s_count(const char *hay, size_t len, const char *needle)
{
    size_t n = 0, nl = strlen(needle);
    for (const char *p = hay; p && (p = memmem(p, len - (size_t) (p - hay), needle, nl));
         p += nl)
        n++;
    return n;
}

/* Counts the answer to one batch posted at t0 and its accepted events. */
static void
s_count_answer(client_t *c, double t0, int status, const char *resp, size_t resp_len,
               uint64_t expected)
{
    samples_add(&c->lat, (bench_now() - t0) * 1000.0);
    c->requests++;
    c->events += expected;
    if (status != 200) {
        c->failed++;
        if (status < 0)
            s_report_once("request failed", status, httpc_error(c->http),
                          strlen(httpc_error(c->http)));
        else
            s_report_once("request failed", status, resp, resp_len);
        return;
    }
    size_t ok = s_count(resp, resp_len, "\"status\":\"accepted\"");
    c->accepted += ok;
    if (ok != expected) {
        const char *e = memmem(resp, resp_len, "\"error\"", 7);
        s_report_once("events not accepted", status, e ? e : resp,
                      e ? resp_len - (size_t) (e - resp) : resp_len);
    }
}

/* Writes the next batch's body into `body` (BODY_CAP bytes) and the number
 * of its events into *events; 0 when there is none. */
typedef size_t (*make_batch_fn)(client_t *c, char *body, uint64_t *events);

/* POSTs the batches `make` writes until it has none, making each while the
 * one before it is served: the client's own work stays out of the chain it
 * measures (at 1 client it was ~0.19 ms of a ~6 ms round trip per batch of
 * 100), as a township system would have its next batch ready. */
static void
s_post_all(client_t *c, make_batch_fn make)
{
    uint64_t events = 0, next_events = 0;
    size_t len = make(c, c->body, &events);
    while (len) {
        double t0 = bench_now();
        int sent = httpc_send(c->http, "POST", "/v1/events", c->body, len);
        size_t next = make(c, c->spare, &next_events);
        const char *resp = NULL;
        size_t resp_len = 0;
        int status = sent ? -1 : httpc_receive(c->http, &resp, &resp_len);
        s_count_answer(c, t0, status, resp, resp_len, events);
        char *served = c->body;
        c->body = c->spare;
        c->spare = served;
        len = next;
        events = next_events;
    }
}

/* Closes a body's event array and object; 0 when the events (len 0: one
 * did not fit) or the closing do not fit in BODY_CAP. */
static size_t
s_body_end(char *body, size_t len)
{
    if (!len || len + 3 > BODY_CAP)
        return 0;
    return len + (size_t) snprintf(body + len, BODY_CAP - len, "]}");
}

static void
s_at(char out[32], int year, int month, int day, int hour)
{
    snprintf(out, 32, "%04d-%02d-%02dT%02d:00:00+08:00", year, month, day, hour);
}

/* ---- ingest: person_registered then employed, for a fixed time ------------- */

static size_t
s_ingest_batch(client_t *c, char *body, uint64_t *events)
{
    const opts_t *o = c->o;
    size_t persons = (size_t) (o->batch + 1) / 2;
    if (bench_now() >= c->deadline || c->next_person + persons > c->last_person)
        return 0;
    size_t len = 0;
    char id[64];
    body[len++] = '{';
    len += (size_t) snprintf(body + len, BODY_CAP - len, "\"events\":[");
    person_t *ps = c->persons;
    for (size_t i = 0; i < persons; i++) {
        county_person(o->county, c->next_person + i, &ps[i]);
        snprintf(id, sizeof id, "%s-%" PRIu64 "-r", o->tag, ps[i].n);
        if (i)
            body[len++] = ',';
        len = county_json_registered(body, len, BODY_CAP, &ps[i], id, c->at);
    }
    size_t employed = (size_t) o->batch - persons;
    for (size_t i = 0; i < employed && len; i++) {
        employment_t job;
        county_job(&ps[i], c->y, (int) c->m, false, &job);
        snprintf(job.started_on, sizeof job.started_on, "%04d-%02u-%02u", c->y, c->m, c->d);
        snprintf(id, sizeof id, "%s-%" PRIu64 "-e", o->tag, ps[i].n);
        body[len++] = ',';
        len = county_json_employed(body, len, BODY_CAP, &ps[i], id, c->at, &job);
    }
    if (!(len = s_body_end(body, len)))
        return 0;
    c->next_person += persons;
    *events = (uint64_t) o->batch;
    return len;
}

static void *
s_ingest(void *arg)
{
    client_t *c = arg;
    /* yesterday in CST: never in the future, always a valid date */
    civil_from_days(cst_days_of_instant(now_us()) - 1, &c->y, &c->m, &c->d);
    s_at(c->at, c->y, (int) c->m, (int) c->d, 10);
    c->persons = calloc((size_t) (c->o->batch + 1) / 2, sizeof *c->persons);
    if (c->persons)
        s_post_all(c, s_ingest_batch);
    free(c->persons);
    return NULL;
}

/* ---- import: the registry ---------------------------------------------------- */

static size_t
s_import_batch(client_t *c, char *body, uint64_t *events)
{
    const opts_t *o = c->o;
    uint64_t b = atomic_fetch_add(&s_next_batch, 1);
    if (b >= s_nbatches)
        return 0;
    uint64_t from = o->base + b * (uint64_t) o->batch;
    uint64_t to = from + (uint64_t) o->batch;
    if (to > o->base + o->persons)
        to = o->base + o->persons;
    size_t len = (size_t) snprintf(body, BODY_CAP, "{\"events\":[");
    for (uint64_t n = from; n < to && len; n++) {
        person_t p;
        county_person(o->county, n, &p);
        char id[64], at[32];
        snprintf(id, sizeof id, "reg-%010" PRIu64, n);
        s_at(at, o->year, p.reg_month, p.reg_day, 9);
        if (n > from)
            body[len++] = ',';
        len = county_json_registered(body, len, BODY_CAP, &p, id, at);
    }
    if (!(len = s_body_end(body, len)))
        return 0;
    *events = to - from;
    return len;
}

static void *
s_import(void *arg)
{
    s_post_all(arg, s_import_batch);
    return NULL;
}

/* ---- year: a year of events, month by month ---------------------------------- */

static const char *const *const s_schemes = insurance_schemes;   /* the catalog's order */
/* New enrollments of the year among rural / urban persons (the county's stocks,
 * seeds/000: 232 700 resident pension, 14 680 enterprise pension, 9 538
 * institution pension, 19 165 unemployment, 25 012 work injury insurance). */
static const double s_enroll_rural[5] = {0.004, 0.0, 0.04, 0.003, 0.01};
static const double s_enroll_urban[5] = {0.03, 0.01, 0.01, 0.03, 0.035};

enum { D_UNEMP = 300, D_UNEMP_MONTH, D_REEMP, D_REEMP_MONTH, D_EMP, D_EMP_MONTH, D_DAY,
       D_ENROLL = 320, D_ENROLL_MONTH = 330 };

static int
s_month_in(uint64_t n, uint64_t salt, int from, int to)
{
    return from + (int) (county_draw(n, salt) * (to - from + 1));
}

/* Appends person p's events of `month` to items; returns the new count. */
static size_t
s_year_person(const person_t *p, int month, year_event_t *items, size_t k)
{
    uint64_t n = p->n;
    if (p->reg_month > month)
        return k;
    uint8_t day = (uint8_t) (1 + (int) (county_draw(n, D_DAY + (uint64_t) month) * 28));
    /* Registered unemployment (seeds/000: 1 106 re-employed in a year), most
     * of it ending in a job a few months later. */
    if (p->reg_month < 12 && county_draw(n, D_UNEMP) < (p->urban ? 0.02 : 0.005)) {
        int mu = s_month_in(n, D_UNEMP_MONTH, p->reg_month, 11);
        if (month == mu)
            items[k++] = (year_event_t){n, Y_UNEMPLOYED, 0, day};
        if (county_draw(n, D_REEMP) < 0.7 && month == s_month_in(n, D_REEMP_MONTH, mu + 1, 12))
            items[k++] = (year_event_t){n, Y_REEMPLOYED, 0, day};
    } else if (county_draw(n, D_EMP) < (p->urban ? 0.07 : 0.13) &&
               month == s_month_in(n, D_EMP_MONTH, p->reg_month, 12)) {
        items[k++] = (year_event_t){n, Y_EMPLOYED, 0, day};
    }
    for (int s = 0; s < 5; s++)
        if (county_draw(n, D_ENROLL + (uint64_t) s) <
                (p->urban ? s_enroll_urban[s] : s_enroll_rural[s]) &&
            month == s_month_in(n, D_ENROLL_MONTH + (uint64_t) s, p->reg_month, 12))
            items[k++] = (year_event_t){n, Y_ENROLLED, (uint8_t) s, day};
    return k;
}

static size_t s_month_count;
static uint64_t s_by_kind[4];

static size_t
s_year_batch(client_t *c, char *body, uint64_t *events)
{
    const opts_t *o = c->o;
    uint64_t b = atomic_fetch_add(&s_next_batch, 1);
    if (b >= s_nbatches)
        return 0;
    size_t from = (size_t) b * (size_t) o->batch;
    size_t to = from + (size_t) o->batch;
    if (to > s_month_count)
        to = s_month_count;
    size_t len = (size_t) snprintf(body, BODY_CAP, "{\"events\":[");
    for (size_t i = from; i < to && len; i++) {
        const year_event_t *e = &c->items[i];
        person_t p;
        county_person(o->county, e->n, &p);
        char id[64], at[32], on[11];
        s_at(at, o->year, c->month, e->day, 11);
        snprintf(on, sizeof on, "%04d-%02d-%02d", o->year, c->month, e->day);
        if (i > from)
            body[len++] = ',';
        if (e->kind == Y_UNEMPLOYED) {
            snprintf(id, sizeof id, "unemp-%010" PRIu64, e->n);
            len = county_json_unemployed(body, len, BODY_CAP, &p, id, at, on);
        } else if (e->kind == Y_ENROLLED) {
            snprintf(id, sizeof id, "enr-%010" PRIu64 "-%d", e->n, e->scheme);
            len = county_json_enrolled(body, len, BODY_CAP, &p, id, at, s_schemes[e->scheme],
                                       on);
        } else {
            employment_t job;
            county_job(&p, o->year, c->month, e->kind == Y_REEMPLOYED, &job);
            snprintf(job.started_on, sizeof job.started_on, "%s", on);
            snprintf(id, sizeof id, "%s-%010" PRIu64, e->kind == Y_REEMPLOYED ? "reemp" : "emp",
                     e->n);
            len = county_json_employed(body, len, BODY_CAP, &p, id, at, &job);
        }
    }
    if (!(len = s_body_end(body, len)))
        return 0;
    *events = to - from;
    return len;
}

static void *
s_year_send(void *arg)
{
    s_post_all(arg, s_year_batch);
    return NULL;
}

/* ---- feed: a province consumer ------------------------------------------------- */

static int
s_feed(const opts_t *o, client_t *c, double *elapsed, uint64_t *wraps)
{
    char cursor[96] = "", path[256];
    double t_start = bench_now();
    while (c->events < o->feed_events) {
        snprintf(path, sizeof path, "/v1/feed?limit=%d%s%s", o->limit, cursor[0] ? "&after=" : "",
                 cursor);
        const char *resp = NULL;
        size_t len = 0;
        double t0 = bench_now();
        int status = httpc_request(c->http, "GET", path, NULL, 0, &resp, &len);
        samples_add(&c->lat, (bench_now() - t0) * 1000.0);
        c->requests++;
        if (status != 200) {
            if (status < 0)
                s_report_once("feed request failed", status, httpc_error(c->http),
                              strlen(httpc_error(c->http)));
            else
                s_report_once("feed request failed", status, resp, len);
            c->failed++;
            return -1;
        }
        /* every event of the page carries one "seq"; no need to parse it all */
        size_t n = s_count(resp, len, "\"seq\":");
        c->events += n;
        const char *next = memmem(resp, len, "\"next\":\"", 8);
        bool more = memmem(resp, len, "\"more\":true", 11) != NULL;
        if (!next) {
            s_report_once("feed page without next", status, resp, len);
            return -1;
        }
        next += 8;
        const char *q = memchr(next, '"', len - (size_t) (next - resp));
        if (!q || q - next >= (long) sizeof cursor)
            return -1;
        memcpy(cursor, next, (size_t) (q - next));
        cursor[q - next] = '\0';
        if (!more) {
            if (c->events == 0 && n == 0) {
                fprintf(stderr, "hrss-bench-load: the feed is empty\n");
                return -1;
            }
            /* read it all: start again from the beginning (the same work) */
            cursor[0] = '\0';
            (*wraps)++;
        }
    }
    *elapsed = bench_now() - t_start;
    return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static void
s_usage(void)
{
    fprintf(stderr,
            "usage: hrss-bench-load ingest|import|year|feed [--port P] [--token T]\n"
            "  [--clients C] [--batch B] [--seconds S] [--base N0] [--persons N]\n"
            "  [--span K] [--events N] [--limit L] [--year Y] [--tag T] [--county 433123]\n");
}

static int
s_parse(int argc, char **argv, opts_t *o)
{
    static const struct option longopts[] = {
        {"port", 1, 0, 'p'},    {"token", 1, 0, 't'},   {"clients", 1, 0, 'c'},
        {"batch", 1, 0, 'b'},   {"seconds", 1, 0, 's'}, {"base", 1, 0, 'B'},
        {"persons", 1, 0, 'n'}, {"events", 1, 0, 'e'},  {"limit", 1, 0, 'l'},
        {"year", 1, 0, 'y'},    {"tag", 1, 0, 'T'},     {"county", 1, 0, 'C'},
        {"span", 1, 0, 'S'},
        {0, 0, 0, 0}};
    if (argc < 2)
        return -1;
    o->mode = argv[1];
    o->host = "127.0.0.1";
    const char *port = getenv("HRSS_HTTP_PORT");
    o->port = port ? atoi(port) : 8080;
    o->clients = 1;
    o->batch = 100;
    o->seconds = 10;
    o->limit = 10000;
    o->tag = "bench";
    o->county_code = "433123";
    int y;
    unsigned m, d;
    civil_from_days(cst_days_of_instant(now_us()), &y, &m, &d);
    o->year = y - 1;
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p': o->port = atoi(optarg); break;
        case 't': o->token = optarg; break;
        case 'c': o->clients = atoi(optarg); break;
        case 'b': o->batch = atoi(optarg); break;
        case 's': o->seconds = atof(optarg); break;
        case 'B': o->base = strtoull(optarg, NULL, 10); break;
        case 'n': o->persons = strtoull(optarg, NULL, 10); break;
        case 'e': o->feed_events = strtoull(optarg, NULL, 10); break;
        case 'l': o->limit = atoi(optarg); break;
        case 'y': o->year = atoi(optarg); break;
        case 'T': o->tag = optarg; break;
        case 'C': o->county_code = optarg; break;
        case 'S': o->span = strtoull(optarg, NULL, 10); break;
        default: return -1;
        }
    }
    if (!o->token || o->clients < 1 || o->clients > 256 || o->batch < 1 || o->batch > 1000)
        return -1;
    return 0;
}

static void
s_print_common(client_t *cs, int nclients, double elapsed, const char *unit)
{
    samples_t all = {0};
    uint64_t requests = 0, events = 0, accepted = 0, failed = 0;
    unsigned long reconnects = 0;
    for (int i = 0; i < nclients; i++) {
        samples_merge(&all, &cs[i].lat);
        requests += cs[i].requests;
        events += cs[i].events;
        accepted += cs[i].accepted;
        failed += cs[i].failed;
        reconnects += httpc_reconnects(cs[i].http);
    }
    printf("\"seconds\":%.3f,\"requests\":%" PRIu64 ",\"%s\":%" PRIu64 ",\"%s_per_s\":%.1f,"
           "\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,"
           "\"failed_requests\":%" PRIu64 ",\"reconnects\":%lu,\"client_cpu_s\":%.2f",
           elapsed, requests, unit, strcmp(unit, "events") == 0 ? events : accepted, unit,
           (double) (strcmp(unit, "events") == 0 ? events : accepted) / (elapsed > 0 ? elapsed : 1),
           samples_percentile(&all, 50), samples_percentile(&all, 90),
           samples_percentile(&all, 99), samples_percentile(&all, 100), failed, reconnects,
           bench_cpu_self());
    if (strcmp(unit, "events") != 0)
        printf(",\"sent\":%" PRIu64 ",\"not_accepted\":%" PRIu64, events, events - accepted);
    samples_free(&all);
}

int
main(int argc, char **argv)
{
    opts_t o = {0};
    if (s_parse(argc, argv, &o)) {
        s_usage();
        return 2;
    }
    bool feed = strcmp(o.mode, "feed") == 0;
    int year_now;
    unsigned m_now, d_now;
    civil_from_days(cst_days_of_instant(now_us()), &year_now, &m_now, &d_now);
    o.county = county_new(o.county_code, strcmp(o.mode, "ingest") == 0 ? year_now : o.year);
    if (!o.county) {
        fprintf(stderr, "hrss-bench-load: cannot load county %s (HRSS_DATA_DIR)\n",
                o.county_code);
        return 1;
    }
    int nclients = feed ? 1 : o.clients;
    client_t *cs = calloc((size_t) nclients, sizeof *cs);
    for (int i = 0; cs && i < nclients; i++) {
        cs[i].idx = i;
        cs[i].o = &o;
        cs[i].http = httpc_new(o.host, o.port, o.token);
        cs[i].body = feed ? NULL : malloc(BODY_CAP);
        cs[i].spare = feed ? NULL : malloc(BODY_CAP);
        if (!cs[i].http || (!feed && (!cs[i].body || !cs[i].spare)))
            return 1;
    }
    if (!cs)
        return 1;
    pthread_t *th = calloc((size_t) nclients, sizeof *th);
    int rc = 0;
    double t0 = bench_now(), elapsed = 0;

    if (strcmp(o.mode, "ingest") == 0) {
        /* each client its own range of persons, so no two batches collide */
        uint64_t span = o.span ? o.span : COUNTY_PERSONS_MAX - o.base;
        if (o.base + span > COUNTY_PERSONS_MAX)
            span = o.base < COUNTY_PERSONS_MAX ? COUNTY_PERSONS_MAX - o.base : 0;
        uint64_t window = span / (uint64_t) nclients;
        for (int i = 0; i < nclients; i++) {
            cs[i].next_person = o.base + (uint64_t) i * window;
            cs[i].last_person = cs[i].next_person + window;
            cs[i].deadline = t0 + o.seconds;
            pthread_create(&th[i], NULL, s_ingest, &cs[i]);
        }
        for (int i = 0; i < nclients; i++)
            pthread_join(th[i], NULL);
        elapsed = bench_now() - t0;
        uint64_t last = 0;
        for (int i = 0; i < nclients; i++)
            last = cs[i].next_person > last ? cs[i].next_person : last;
        printf("{\"mode\":\"ingest\",\"clients\":%d,\"batch\":%d,\"persons_end\":%" PRIu64 ",",
               nclients, o.batch, last);
        s_print_common(cs, nclients, elapsed, "accepted");
        printf("}\n");
    } else if (strcmp(o.mode, "import") == 0) {
        s_nbatches = (o.persons + (uint64_t) o.batch - 1) / (uint64_t) o.batch;
        for (int i = 0; i < nclients; i++)
            pthread_create(&th[i], NULL, s_import, &cs[i]);
        for (int i = 0; i < nclients; i++)
            pthread_join(th[i], NULL);
        elapsed = bench_now() - t0;
        printf("{\"mode\":\"import\",\"clients\":%d,\"batch\":%d,\"persons\":%" PRIu64 ",",
               nclients, o.batch, o.persons);
        s_print_common(cs, nclients, elapsed, "accepted");
        printf("}\n");
    } else if (strcmp(o.mode, "year") == 0) {
        /* One pass over the registry, each person's events bucketed by month
         * (a person has at most 2 employment events and 5 enrollments). */
        year_event_t *months[13] = {0};
        size_t counts[13] = {0}, caps[13] = {0};
        year_event_t one[7];
        for (uint64_t n = 0; n < o.persons; n++) {
            person_t p;
            county_person(o.county, n, &p);
            for (int month = p.reg_month; month <= 12; month++) {
                size_t k = s_year_person(&p, month, one, 0);
                if (counts[month] + k > caps[month]) {
                    caps[month] = caps[month] ? 2 * caps[month] : 4096;
                    months[month] = realloc(months[month], caps[month] * sizeof *one);
                    if (!months[month])
                        return 1;
                }
                memcpy(months[month] + counts[month], one, k * sizeof *one);
                counts[month] += k;
            }
        }
        for (int month = 1; month <= 12; month++) {
            size_t k = counts[month];
            for (size_t i = 0; i < k; i++)
                s_by_kind[months[month][i].kind]++;
            s_month_count = k;
            s_nbatches = (k + (size_t) o.batch - 1) / (size_t) o.batch;
            atomic_store(&s_next_batch, 0);
            for (int i = 0; i < nclients; i++) {
                cs[i].items = months[month];
                cs[i].month = month;
                pthread_create(&th[i], NULL, s_year_send, &cs[i]);
            }
            for (int i = 0; i < nclients; i++)
                pthread_join(th[i], NULL);
            free(months[month]);
        }
        elapsed = bench_now() - t0;
        printf("{\"mode\":\"year\",\"clients\":%d,\"batch\":%d,\"persons\":%" PRIu64
               ",\"unemployment_registered\":%" PRIu64 ",\"reemployed\":%" PRIu64
               ",\"employed\":%" PRIu64 ",\"enrolled\":%" PRIu64 ",",
               nclients, o.batch, o.persons, s_by_kind[Y_UNEMPLOYED], s_by_kind[Y_REEMPLOYED],
               s_by_kind[Y_EMPLOYED], s_by_kind[Y_ENROLLED]);
        s_print_common(cs, nclients, elapsed, "accepted");
        printf("}\n");
    } else if (feed) {
        uint64_t wraps = 0;
        if (o.feed_events == 0)
            o.feed_events = 1000000;
        rc = s_feed(&o, &cs[0], &elapsed, &wraps);
        printf("{\"mode\":\"feed\",\"limit\":%d,\"wraps\":%" PRIu64 ",", o.limit, wraps);
        s_print_common(cs, 1, elapsed, "events");
        printf("}\n");
    } else {
        s_usage();
        rc = 2;
    }
    uint64_t failed = 0, short_of = 0;
    for (int i = 0; i < nclients; i++) {
        failed += cs[i].failed;
        if (!feed)
            short_of += cs[i].events - cs[i].accepted;
        httpc_destroy(&cs[i].http);
        free(cs[i].body);
        free(cs[i].spare);
        samples_free(&cs[i].lat);
    }
    free(cs);
    free(th);
    county_destroy(&o.county);
    if (rc == 0 && (failed || short_of))
        rc = 3;   /* measured, but not everything went through: the caller says so */
    return rc;
}
