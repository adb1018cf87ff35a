/* hrss-bench-baseline-query: the dashboard's figures and the province feed
 * read straight from the services' tables by one SQL statement each, over
 * libpq, as a program without hrss's read model would compute them.
 *
 *   hrss-bench-baseline-query indicators --clients C --seconds S [--year Y]
 *       the county's indicators for a month (rotating through the year):
 *       labor force, registered unemployed, new urban jobs, re-employment,
 *       enrollments per scheme, counted from employment.persons and
 *       insurance.enrollments
 *   hrss-bench-baseline-query breakdown --clients C --seconds S [--year Y]
 *       the labor force of each township of the county
 *   hrss-bench-baseline-query feed --events N [--limit L]
 *       pages of employment's and insurance's outboxes merged by commit
 *       time, as GET /v1/feed pages them
 *
 * Connects as the superuser ($HRSS_PG_ADMIN), which reads both schemas.
 * One JSON object on stdout. */
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "timeutil.h"

typedef struct {
    const char *mode;
    const char *conninfo;
    int clients;
    double seconds;
    int year;
    const char *county;
    int limit;
    uint64_t events;
} opts_t;

typedef struct {
    const opts_t *o;
    PGconn *conn;
    samples_t lat;
    uint64_t requests, failed, rows;
    double deadline;
    char error[256];
} client_t;

static const char s_indicators_sql[] =
    "SELECT a.*, b.*"
    " FROM (SELECT count(*) FILTER (WHERE registered_at_us < $3"
    "                               AND (died_on IS NULL OR died_on > $2)) AS labor_force,"
    "              count(*) FILTER (WHERE unemployed_since <= $2) AS registered_unemployed,"
    "              count(*) FILTER (WHERE employment_kind = 'urban_new'"
    "                               AND employed_since BETWEEN $1 AND $2) AS urban_new_jobs,"
    "              count(*) FILTER (WHERE employed_since BETWEEN $1 AND $2"
    "                               AND employment_kind <> 'transfer') AS employed_in_county,"
    "              count(*) FILTER (WHERE employed_since BETWEEN $1 AND $2"
    "                               AND 'hard_to_employ' = ANY (categories)) AS hard_to_employ"
    "       FROM employment.persons WHERE region BETWEEN $4 AND $5) a,"
    "      (SELECT count(*) FILTER (WHERE scheme = 'enterprise_pension') AS enterprise_pension,"
    "              count(*) FILTER (WHERE scheme = 'institution_pension') AS institution_pension,"
    "              count(*) FILTER (WHERE scheme = 'resident_pension') AS resident_pension,"
    "              count(*) FILTER (WHERE scheme = 'unemployment') AS unemployment,"
    "              count(*) FILTER (WHERE scheme = 'work_injury') AS work_injury"
    "       FROM insurance.enrollments WHERE region BETWEEN $4 AND $5"
    "        AND enrolled_on <= $2) b";

static const char s_breakdown_sql[] =
    "SELECT substr(region, 1, 9) AS township,"
    "       count(*) FILTER (WHERE registered_at_us < $3"
    "                        AND (died_on IS NULL OR died_on > $2)) AS labor_force"
    " FROM employment.persons WHERE region BETWEEN $4 AND $5 AND $1::date IS NOT NULL"
    " GROUP BY 1 ORDER BY 1";

static const char s_feed_sql[] =
    "SELECT * FROM ("
    "  (SELECT 0 AS source, seq, event_id, scope, type, region, occurred_at_us, data,"
    "          content_hash, cause, recorded_at_us FROM employment.outbox"
    "    WHERE seq > $1 ORDER BY seq LIMIT $3)"
    "  UNION ALL"
    "  (SELECT 1, seq, event_id, scope, type, region, occurred_at_us, data,"
    "          content_hash, cause, recorded_at_us FROM insurance.outbox"
    "    WHERE seq > $2 ORDER BY seq LIMIT $3)) u"
    " ORDER BY recorded_at_us, source, seq LIMIT $3";

static int
s_connect(client_t *c, const char *sql)
{
    c->conn = PQconnectdb(c->o->conninfo);
    if (PQstatus(c->conn) != CONNECTION_OK) {
        snprintf(c->error, sizeof c->error, "%s", PQerrorMessage(c->conn));
        return -1;
    }
    PGresult *res = PQprepare(c->conn, "q", sql, 0, NULL);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(c->error, sizeof c->error, "%s", PQerrorMessage(c->conn));
    PQclear(res);
    return ok ? 0 : -1;
}

/* The parameters of a month: January 1st, the last day, the instant the
 * month ends (CST), and the county's range of 12-digit codes. */
static void *
s_query_loop(void *arg)
{
    client_t *c = arg;
    const opts_t *o = c->o;
    char jan1[16], last[16], end_us[24], lo[16], hi[16];
    snprintf(lo, sizeof lo, "%.6s000000", o->county);
    snprintf(hi, sizeof hi, "%.6s999999", o->county);
    while (bench_now() < c->deadline) {
        unsigned month = 1 + (unsigned) (c->requests % 12);
        int64_t next = month == 12 ? days_from_civil(o->year + 1, 1, 1)
                                   : days_from_civil(o->year, month + 1, 1);
        snprintf(jan1, sizeof jan1, "%04d-01-01", o->year);
        format_date(next - 1, last);
        snprintf(end_us, sizeof end_us, "%" PRId64,
                 (int64_t) ((next * 86400 - CST_OFFSET_SECONDS) * 1000000LL));
        const char *values[] = {jan1, last, end_us, lo, hi};
        double t0 = bench_now();
        PGresult *res = PQexecPrepared(c->conn, "q", 5, values, NULL, NULL, 0);
        samples_add(&c->lat, (bench_now() - t0) * 1000.0);
        c->requests++;
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            snprintf(c->error, sizeof c->error, "%s", PQresultErrorMessage(res));
            c->failed++;
            PQclear(res);
            break;
        }
        c->rows += (uint64_t) PQntuples(res);
        PQclear(res);
    }
    return NULL;
}

static int
s_feed(const opts_t *o, client_t *c, uint64_t *wraps)
{
    uint64_t after[2] = {0, 0};
    char a0[24], a1[24], lim[16];
    snprintf(lim, sizeof lim, "%d", o->limit);
    while (c->rows < o->events) {
        snprintf(a0, sizeof a0, "%" PRIu64, after[0]);
        snprintf(a1, sizeof a1, "%" PRIu64, after[1]);
        const char *values[] = {a0, a1, lim};
        double t0 = bench_now();
        PGresult *res = PQexecPrepared(c->conn, "q", 3, values, NULL, NULL, 0);
        samples_add(&c->lat, (bench_now() - t0) * 1000.0);
        c->requests++;
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            snprintf(c->error, sizeof c->error, "%s", PQresultErrorMessage(res));
            c->failed++;
            PQclear(res);
            return -1;
        }
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            int source = atoi(PQgetvalue(res, r, 0));
            uint64_t seq = strtoull(PQgetvalue(res, r, 1), NULL, 10);
            if (seq > after[source])
                after[source] = seq;
        }
        c->rows += (uint64_t) n;
        PQclear(res);
        if (n < o->limit) {
            if (n == 0 && after[0] == 0 && after[1] == 0)
                return -1;   /* nothing to read */
            after[0] = after[1] = 0;
            (*wraps)++;
        }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"clients", 1, 0, 'c'}, {"seconds", 1, 0, 's'}, {"year", 1, 0, 'y'},
        {"county", 1, 0, 'C'},  {"limit", 1, 0, 'l'},   {"events", 1, 0, 'e'},
        {0, 0, 0, 0}};
    int y;
    unsigned m, d;
    civil_from_days(cst_days_of_instant(now_us()), &y, &m, &d);
    opts_t o = {.clients = 1, .seconds = 10, .year = y - 1, .county = "433123", .limit = 10000,
                .events = 1000000};
    if (argc < 2) {
        fprintf(stderr, "usage: hrss-bench-baseline-query indicators|breakdown|feed"
                        " [--clients C] [--seconds S] [--year Y] [--events N] [--limit L]\n");
        return 2;
    }
    o.mode = argv[1];
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': o.clients = atoi(optarg); break;
        case 's': o.seconds = atof(optarg); break;
        case 'y': o.year = atoi(optarg); break;
        case 'C': o.county = optarg; break;
        case 'l': o.limit = atoi(optarg); break;
        case 'e': o.events = strtoull(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    o.conninfo = getenv("HRSS_PG_ADMIN");
    bool feed = strcmp(o.mode, "feed") == 0;
    const char *sql = feed                                   ? s_feed_sql
                      : strcmp(o.mode, "indicators") == 0   ? s_indicators_sql
                      : strcmp(o.mode, "breakdown") == 0    ? s_breakdown_sql
                                                             : NULL;
    if (!o.conninfo || !sql || o.clients < 1 || o.clients > 256 || strlen(o.county) != 6 ||
        o.limit < 1) {
        fprintf(stderr, "baseline: need HRSS_PG_ADMIN, a known mode, 1-256 clients\n");
        return 2;
    }
    int n = feed ? 1 : o.clients;
    client_t *cs = calloc((size_t) n, sizeof *cs);
    pthread_t *th = calloc((size_t) n, sizeof *th);
    if (!cs || !th)
        return 1;
    for (int i = 0; i < n; i++) {
        cs[i].o = &o;
        if (s_connect(&cs[i], sql)) {
            fprintf(stderr, "baseline: %s", cs[i].error);
            return 1;
        }
    }
    double t0 = bench_now();
    uint64_t wraps = 0;
    int rc = 0;
    if (feed) {
        rc = s_feed(&o, &cs[0], &wraps) ? 1 : 0;
    } else {
        for (int i = 0; i < n; i++) {
            cs[i].deadline = t0 + o.seconds;
            pthread_create(&th[i], NULL, s_query_loop, &cs[i]);
        }
        for (int i = 0; i < n; i++)
            pthread_join(th[i], NULL);
    }
    double elapsed = bench_now() - t0;
    samples_t all = {0};
    uint64_t requests = 0, failed = 0, rows = 0;
    for (int i = 0; i < n; i++) {
        samples_merge(&all, &cs[i].lat);
        requests += cs[i].requests;
        failed += cs[i].failed;
        rows += cs[i].rows;
        if (cs[i].failed)
            fprintf(stderr, "baseline: %s", cs[i].error);
        PQfinish(cs[i].conn);
        samples_free(&cs[i].lat);
    }
    elapsed = elapsed > 0 ? elapsed : 1;
    printf("{\"mode\":\"%s\",\"clients\":%d,\"seconds\":%.3f,\"requests\":%" PRIu64
           ",\"requests_per_s\":%.1f,\"rows\":%" PRIu64 ",\"rows_per_s\":%.1f,"
           "\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,"
           "\"failed_requests\":%" PRIu64 ",\"wraps\":%" PRIu64 ",\"client_cpu_s\":%.2f}\n",
           o.mode, n, elapsed, requests, (double) requests / elapsed, rows,
           (double) rows / elapsed, samples_percentile(&all, 50), samples_percentile(&all, 90),
           samples_percentile(&all, 99), samples_percentile(&all, 100), failed, wraps,
           bench_cpu_self());
    samples_free(&all);
    free(cs);
    free(th);
    return rc || failed ? 3 : 0;
}
