/* hrss-bench-baseline-ingest: the rows hrss writes for a batch of events,
 * written straight into PostgreSQL by the fastest durable path a C program
 * has: one transaction per batch, one multi-row statement per table, all
 * statements of the batch in one libpq pipeline (one round trip), prepared.
 *
 *   hrss-bench-baseline-ingest setup --schema S   scratch schema, employment's DDL
 *   hrss-bench-baseline-ingest drop --schema S
 *   hrss-bench-baseline-ingest ingest --schema S --clients C --batch B --seconds T
 *       --base N0 --span K --tag TAG   the persons and events of hrss-bench-load ingest
 *   hrss-bench-baseline-ingest import --schema S --clients C --batch B --persons N
 *
 * The rows are exactly those employment commits for the same events: the
 * person upserted (registration) or updated (employment), one inbox row and
 * one outbox row per event (packed protobuf data, BLAKE2b content hash),
 * numbered under the same transaction-level advisory lock that makes commit
 * order feed order. It connects as the superuser ($HRSS_PG_ADMIN) to the
 * stack's own cluster, so durability settings are the same, and keeps its
 * tables' statistics as the services keep theirs. One JSON object on
 * stdout. */
#include <getopt.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "county.h"
#include "db.h"
#include "event_codec.h"
#include "outbox.h"
#include "pgarray.h"
#include "stats.h"
#include "timeutil.h"

#define SCOPE "433123000000"   /* the region of the county token hrss-bench-load uses */

typedef struct {
    const char *mode;
    const char *schema;
    const char *conninfo;
    int clients, batch;
    double seconds;
    uint64_t base, span, persons;
    const char *tag;
    county_t *county;
} opts_t;

typedef struct {
    const opts_t *o;
    PGconn *conn;
    samples_t lat;
    uint64_t batches, events, failed;
    uint64_t next_person, last_person;
    double deadline;
    person_t *persons;          /* of one ingest batch */
    int64_t at;                 /* when its events happened */
    int y;
    unsigned m, d;
    char error[256];
} client_t;

static atomic_uint_fast64_t s_next_batch;
static uint64_t s_nbatches;

/* Statistics as the tables grow, exactly as the services keep theirs (see
 * s_committed in common/service.c): whenever the events committed since the
 * start have doubled from 1000, the client that crossed the mark analyzes
 * the tables that outgrew their statistics, inside its timed run. Without
 * it the prepared statements keep the plans made for the empty tables of
 * the first run, and the baseline is slower than the path it stands for. */
static atomic_uint_fast64_t s_committed_events;
static atomic_uint_fast64_t s_analyze_at = 1000;
static pthread_mutex_t s_analyze_lock = PTHREAD_MUTEX_INITIALIZER;
static db_t *s_analyzer;

static void
s_maybe_analyze(uint64_t events)
{
    uint64_t total = atomic_fetch_add(&s_committed_events, events) + events;
    uint64_t at = atomic_load(&s_analyze_at);
    if (total < at || !atomic_compare_exchange_strong(&s_analyze_at, &at, 2 * total))
        return;
    pthread_mutex_lock(&s_analyze_lock);
    if (db_ensure(s_analyzer) || db_analyze_grown(s_analyzer))
        fprintf(stderr, "baseline: analyze: %s\n", db_error(s_analyzer));
    pthread_mutex_unlock(&s_analyze_lock);
}

/* The statements of a batch, prepared once per connection. */
static const struct {
    const char *name, *sql;
    int nparams;
} s_statements[] = {
    {"b_persons",
     "INSERT INTO persons (id_number, name, region, household, categories, education, phone,"
     " registered_at_us, updated_at_us)"
     " SELECT u.id, u.name, u.region, u.household, u.cats::text[], u.edu, u.phone, u.at, u.at"
     " FROM unnest($1::char(18)[], $2::text[], $3::char(12)[], $4::text[], $5::text[],"
     " $6::text[], $7::text[], $8::bigint[]) AS u(id, name, region, household, cats, edu, phone, at)"
     " ON CONFLICT (id_number) DO UPDATE SET name = EXCLUDED.name, region = EXCLUDED.region,"
     " household = EXCLUDED.household, categories = EXCLUDED.categories,"
     " education = EXCLUDED.education, phone = EXCLUDED.phone,"
     " updated_at_us = EXCLUDED.updated_at_us",
     8},
    {"b_employed",
     "UPDATE persons p SET employment_kind = u.kind, employment_location = u.loc,"
     " employer_credit_code = u.cc, employer_name = u.en, employed_since = u.since::date,"
     " unemployed_since = NULL, unemployed_region = NULL"
     " FROM unnest($1::char(18)[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])"
     " AS u(id, kind, loc, cc, en, since) WHERE p.id_number = u.id",
     6},
    {"b_inbox",
     "INSERT INTO inbox (scope, event_id, content_hash, type)"
     " SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[])",
     4},
    {"b_lock", "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.outbox'))", 0},
    {"b_outbox",
     "INSERT INTO outbox (seq, event_id, scope, type, region, occurred_at_us, data, content_hash)"
     " SELECT m.base + u.ord, u.id, u.scope, u.type, u.region, u.at, u.data, u.hash"
     " FROM (SELECT coalesce(max(seq), 0) AS base FROM outbox) m,"
     " unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[],"
     " $7::bytea[]) WITH ORDINALITY AS u(id, scope, type, region, at, data, hash, ord)",
     7},
};
enum { ST_PERSONS, ST_EMPLOYED, ST_INBOX, ST_LOCK, ST_OUTBOX, ST_COUNT };

static bool
s_schema_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 40)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

static int
s_exec(PGconn *conn, const char *sql, char *error, size_t size)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc)
        snprintf(error, size, "%s", PQerrorMessage(conn));
    PQclear(res);
    return rc;
}

static int
s_connect(client_t *c)
{
    c->conn = PQconnectdb(c->o->conninfo);
    if (PQstatus(c->conn) != CONNECTION_OK) {
        snprintf(c->error, sizeof c->error, "%s", PQerrorMessage(c->conn));
        return -1;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "SET search_path = %s", c->o->schema);   /* checked name */
    if (s_exec(c->conn, sql, c->error, sizeof c->error))
        return -1;
    for (int i = 0; i < ST_COUNT; i++) {
        PGresult *res = PQprepare(c->conn, s_statements[i].name, s_statements[i].sql,
                                  s_statements[i].nparams, NULL);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            snprintf(c->error, sizeof c->error, "%s", PQerrorMessage(c->conn));
        PQclear(res);
        if (!ok)
            return -1;
    }
    return PQenterPipelineMode(c->conn) ? 0 : -1;
}

/* Column builders of one batch. */
typedef struct {
    pgarray_t p[8];      /* persons */
    pgarray_t e[6];      /* employed */
    pgarray_t in[4];     /* inbox */
    pgarray_t out[7];    /* outbox */
    size_t nperson, nemployed, nevents;
} batch_t;

/* Every column in PostgreSQL's binary array format, as hrss sends them: the
 * fastest form the server reads. */
static const uint32_t k_persons_types[8] = {PGARRAY_BPCHAR, PGARRAY_TEXT, PGARRAY_BPCHAR,
                                            PGARRAY_TEXT,   PGARRAY_TEXT, PGARRAY_TEXT,
                                            PGARRAY_TEXT,   PGARRAY_INT8};
static const uint32_t k_employed_types[6] = {PGARRAY_BPCHAR, PGARRAY_TEXT, PGARRAY_TEXT,
                                             PGARRAY_TEXT,   PGARRAY_TEXT, PGARRAY_TEXT};
static const uint32_t k_inbox_types[4] = {PGARRAY_TEXT, PGARRAY_TEXT, PGARRAY_BYTEA,
                                          PGARRAY_TEXT};
static const uint32_t k_outbox_types[7] = {PGARRAY_TEXT, PGARRAY_TEXT,  PGARRAY_TEXT,
                                           PGARRAY_TEXT, PGARRAY_INT8,  PGARRAY_BYTEA,
                                           PGARRAY_BYTEA};

static void
s_batch_init(batch_t *b)
{
    memset(b, 0, sizeof *b);
    pgarray_init_types(b->p, k_persons_types, 8);
    pgarray_init_types(b->e, k_employed_types, 6);
    pgarray_init_types(b->in, k_inbox_types, 4);
    pgarray_init_types(b->out, k_outbox_types, 7);
}

static void
s_batch_reset(batch_t *b)
{
    for (int i = 0; i < 8; i++)
        pgarray_reset(&b->p[i]);
    for (int i = 0; i < 6; i++)
        pgarray_reset(&b->e[i]);
    for (int i = 0; i < 4; i++)
        pgarray_reset(&b->in[i]);
    for (int i = 0; i < 7; i++)
        pgarray_reset(&b->out[i]);
    b->nperson = b->nemployed = b->nevents = 0;
}

static void
s_batch_free(batch_t *b)
{
    for (int i = 0; i < 8; i++)
        pgarray_free(&b->p[i]);
    for (int i = 0; i < 6; i++)
        pgarray_free(&b->e[i]);
    for (int i = 0; i < 4; i++)
        pgarray_free(&b->in[i]);
    for (int i = 0; i < 7; i++)
        pgarray_free(&b->out[i]);
}

/* The inbox and outbox rows of one event, as the employment service writes them. */
static void
s_event_rows(batch_t *b, const char *id, const char *type, const char *region, int64_t at,
             const ProtobufCMessage *data)
{
    uint8_t packed[1024], hash[EVENT_HASH_LEN];
    size_t len = protobuf_c_message_get_packed_size(data);
    if (len > sizeof packed)
        len = 0;
    else
        protobuf_c_message_pack(data, packed);
    event_content_hash(type, region, at, packed, len, hash);
    pgarray_add_text(&b->in[0], SCOPE);
    pgarray_add_text(&b->in[1], id);
    pgarray_add_bytea(&b->in[2], hash, sizeof hash);
    pgarray_add_text(&b->in[3], type);
    pgarray_add_text(&b->out[0], id);
    pgarray_add_text(&b->out[1], SCOPE);
    pgarray_add_text(&b->out[2], type);
    pgarray_add_text(&b->out[3], region);
    pgarray_add_int64(&b->out[4], at);
    pgarray_add_bytea(&b->out[5], packed, len);
    pgarray_add_bytea(&b->out[6], hash, sizeof hash);
    b->nevents++;
}

static void
s_add_registered(batch_t *b, const person_t *p, const char *id, int64_t at)
{
    char cats[512];
    size_t len = 0;
    cats[len++] = '{';
    for (size_t i = 0; i < p->ncategories; i++)
        len += (size_t) snprintf(cats + len, sizeof cats - len, "%s%s", i ? "," : "",
                                 p->categories[i]);
    snprintf(cats + len, sizeof cats - len, "}");
    pgarray_add_text(&b->p[0], p->id_number);
    pgarray_add_text(&b->p[1], p->name);
    pgarray_add_text(&b->p[2], p->region);
    pgarray_add_text(&b->p[3], p->urban ? "urban" : "rural");
    pgarray_add_text(&b->p[4], cats);
    pgarray_add_text(&b->p[5], p->education);
    pgarray_add_text(&b->p[6], p->phone[0] ? p->phone : NULL);
    pgarray_add_int64(&b->p[7], at);
    b->nperson++;

    Hrss__PersonRegistered d = HRSS__PERSON_REGISTERED__INIT;
    d.id_number = (char *) p->id_number;
    d.name = (char *) p->name;
    d.household = p->urban ? "urban" : "rural";
    d.n_categories = p->ncategories;
    d.categories = (char **) p->categories;
    d.education = (char *) p->education;
    d.phone = p->phone[0] ? (char *) p->phone : NULL;
    s_event_rows(b, id, "employment.person_registered", p->region, at, &d.base);
}

static void
s_add_employed(batch_t *b, const person_t *p, const employment_t *job, const char *id,
               int64_t at)
{
    pgarray_add_text(&b->e[0], p->id_number);
    pgarray_add_text(&b->e[1], job->kind);
    pgarray_add_text(&b->e[2], job->location);
    pgarray_add_text(&b->e[3], job->credit_code[0] ? job->credit_code : NULL);
    pgarray_add_text(&b->e[4], job->employer_name);
    pgarray_add_text(&b->e[5], job->started_on);
    b->nemployed++;

    Hrss__Employed d = HRSS__EMPLOYED__INIT;
    d.id_number = (char *) p->id_number;
    d.kind = (char *) job->kind;
    d.location = (char *) job->location;
    d.employer_credit_code = job->credit_code[0] ? (char *) job->credit_code : NULL;
    d.employer_name = (char *) job->employer_name;
    d.started_on = (char *) job->started_on;
    s_event_rows(b, id, "employment.employed", p->region, at, &d.base);
}

static int
s_send(client_t *c, int st, pgarray_t *cols, int n)
{
    const char *values[8];
    int lengths[8], formats[8];
    if (pgarray_params(cols, (size_t) n, values, lengths, formats))
        return -1;
    return PQsendQueryPrepared(c->conn, s_statements[st].name, n, values, lengths, formats, 0)
               ? 0
               : -1;
}

/* One transaction in one pipeline, flushed by its sync; s_batch_answer
 * reads it back (*sent: the statements to read). */
static int
s_batch_send(client_t *c, batch_t *b, int *sent)
{
    *sent = 0;
    if (!PQsendQueryParams(c->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0))
        return -1;
    (*sent)++;
    if (b->nperson) {
        if (s_send(c, ST_PERSONS, b->p, 8))
            return -1;
        (*sent)++;
    }
    if (b->nemployed) {
        if (s_send(c, ST_EMPLOYED, b->e, 6))
            return -1;
        (*sent)++;
    }
    if (s_send(c, ST_INBOX, b->in, 4) || s_send(c, ST_LOCK, NULL, 0) ||
        s_send(c, ST_OUTBOX, b->out, 7))
        return -1;
    *sent += 3;
    if (!PQsendQueryParams(c->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) ||
        !PQpipelineSync(c->conn))
        return -1;
    (*sent)++;
    return 0;
}

/* Reads the answers of a batch sent at t0 and counts it. */
static int
s_batch_answer(client_t *c, const batch_t *b, int sent, double t0)
{
    int bad = 0;
    for (int i = 0; i < sent; i++) {
        PGresult *res;
        while ((res = PQgetResult(c->conn))) {
            ExecStatusType st = PQresultStatus(res);
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
                if (!bad)
                    snprintf(c->error, sizeof c->error, "%s", PQresultErrorMessage(res));
                bad = 1;
            }
            PQclear(res);
        }
    }
    PGresult *sync = PQgetResult(c->conn);   /* PGRES_PIPELINE_SYNC */
    if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC)
        bad = 1;
    PQclear(sync);
    samples_add(&c->lat, (bench_now() - t0) * 1000.0);
    c->batches++;
    if (bad) {
        c->failed++;
        return -1;
    }
    c->events += b->nevents;
    s_maybe_analyze(b->nevents);
    return 0;
}

/* Makes the next batch in *b (reset); false when there is none. */
typedef bool (*make_batch_fn)(client_t *c, batch_t *b);

/* Commits the batches `make` makes, one transaction and one round trip each,
 * making each while the one before it is executed, as hrss-bench-load does
 * for hrss: neither side's figure carries its client's own work. */
static void
s_commit_all(client_t *c, make_batch_fn make)
{
    batch_t b[2];
    s_batch_init(&b[0]);
    s_batch_init(&b[1]);
    int k = 0;
    bool have = make(c, &b[k]);
    while (have) {
        double t0 = bench_now();
        int sent;
        if (s_batch_send(c, &b[k], &sent)) {
            snprintf(c->error, sizeof c->error, "%s", PQerrorMessage(c->conn));
            c->failed++;
            break;
        }
        bool next = make(c, &b[k ^ 1]);
        if (s_batch_answer(c, &b[k], sent, t0))
            break;
        k ^= 1;
        have = next;
    }
    s_batch_free(&b[0]);
    s_batch_free(&b[1]);
}

static void
s_yesterday(int *y, unsigned *m, unsigned *d)
{
    civil_from_days(cst_days_of_instant(now_us()) - 1, y, m, d);
}

static bool
s_ingest_batch(client_t *c, batch_t *b)
{
    const opts_t *o = c->o;
    size_t persons = (size_t) (o->batch + 1) / 2;
    if (bench_now() >= c->deadline || c->next_person + persons > c->last_person)
        return false;
    s_batch_reset(b);
    person_t *ps = c->persons;
    char id[64];
    for (size_t i = 0; i < persons; i++) {
        county_person(o->county, c->next_person + i, &ps[i]);
        snprintf(id, sizeof id, "%s-%" PRIu64 "-r", o->tag, ps[i].n);
        s_add_registered(b, &ps[i], id, c->at);
    }
    for (size_t i = 0; i < (size_t) o->batch - persons; i++) {
        employment_t job;
        county_job(&ps[i], c->y, (int) c->m, false, &job);
        snprintf(job.started_on, sizeof job.started_on, "%04d-%02u-%02u", c->y, c->m, c->d);
        snprintf(id, sizeof id, "%s-%" PRIu64 "-e", o->tag, ps[i].n);
        s_add_employed(b, &ps[i], &job, id, c->at);
    }
    c->next_person += persons;
    return true;
}

static void *
s_ingest(void *arg)
{
    client_t *c = arg;
    s_yesterday(&c->y, &c->m, &c->d);
    /* the instant hrss-bench-load sends: yesterday 10:00 CST */
    c->at = (days_from_civil(c->y, c->m, c->d) * 86400 + 10 * 3600 - CST_OFFSET_SECONDS) *
            1000000LL;
    c->persons = calloc((size_t) (c->o->batch + 1) / 2, sizeof *c->persons);
    if (c->persons)
        s_commit_all(c, s_ingest_batch);
    free(c->persons);
    return NULL;
}

static bool
s_import_batch(client_t *c, batch_t *b)
{
    const opts_t *o = c->o;
    uint64_t i = atomic_fetch_add(&s_next_batch, 1);
    if (i >= s_nbatches)
        return false;
    s_batch_reset(b);
    uint64_t from = o->base + i * (uint64_t) o->batch, to = from + (uint64_t) o->batch;
    if (to > o->base + o->persons)
        to = o->base + o->persons;
    for (uint64_t n = from; n < to; n++) {
        person_t p;
        county_person(o->county, n, &p);
        char id[64];
        snprintf(id, sizeof id, "reg-%010" PRIu64, n);
        int64_t at = (days_from_civil(o->county->year, (unsigned) p.reg_month,
                                      (unsigned) p.reg_day) *
                          86400 +
                      9 * 3600 - CST_OFFSET_SECONDS) *
                     1000000LL;
        s_add_registered(b, &p, id, at);
    }
    return true;
}

static void *
s_import(void *arg)
{
    s_commit_all(arg, s_import_batch);
    return NULL;
}

/* ---- setup and drop ------------------------------------------------------------ */

static int
s_setup(const opts_t *o)
{
    char error[512], sql[256];
    PGconn *conn = PQconnectdb(o->conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "baseline: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return 1;
    }
    snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE;"
             " CREATE SCHEMA %s", o->schema, o->schema);
    int rc = s_exec(conn, sql, error, sizeof error);
    PQfinish(conn);
    if (rc) {
        fprintf(stderr, "baseline: %s", error);
        return 1;
    }
    /* the very DDL of the employment service: its backbone and its migrations */
    db_t *db = db_new(o->conninfo, o->schema);
    if (!db || db_migrate(db, "backbone", outbox_migrations, config_sql_dir(), "employment")) {
        fprintf(stderr, "baseline: migrations: %s\n", db ? db_error(db) : "out of memory");
        db_destroy(&db);
        return 1;
    }
    db_destroy(&db);
    printf("{\"schema\":\"%s\",\"created\":true}\n", o->schema);
    return 0;
}

static int
s_drop(const opts_t *o)
{
    char error[512], sql[256];
    PGconn *conn = PQconnectdb(o->conninfo);
    snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE",
             o->schema);
    int rc = PQstatus(conn) == CONNECTION_OK ? s_exec(conn, sql, error, sizeof error) : -1;
    if (rc)
        fprintf(stderr, "baseline: %s", PQerrorMessage(conn));
    else
        printf("{\"schema\":\"%s\",\"dropped\":true}\n", o->schema);
    PQfinish(conn);
    return rc ? 1 : 0;
}

/* ---- main ------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"schema", 1, 0, 'S'}, {"clients", 1, 0, 'c'}, {"batch", 1, 0, 'b'},
        {"seconds", 1, 0, 's'}, {"base", 1, 0, 'B'}, {"persons", 1, 0, 'n'},
        {"tag", 1, 0, 'T'}, {"span", 1, 0, 'K'}, {0, 0, 0, 0}};
    opts_t o = {.clients = 1, .batch = 100, .seconds = 10, .tag = "bench"};
    if (argc < 2) {
        fprintf(stderr, "usage: hrss-bench-baseline-ingest setup|drop|ingest|import --schema S"
                        " [--clients C] [--batch B] [--seconds T] [--base N0] [--persons N]"
                        " [--span K] [--tag TAG]\n");
        return 2;
    }
    o.mode = argv[1];
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'S': o.schema = optarg; break;
        case 'c': o.clients = atoi(optarg); break;
        case 'b': o.batch = atoi(optarg); break;
        case 's': o.seconds = atof(optarg); break;
        case 'B': o.base = strtoull(optarg, NULL, 10); break;
        case 'n': o.persons = strtoull(optarg, NULL, 10); break;
        case 'T': o.tag = optarg; break;
        case 'K': o.span = strtoull(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    o.conninfo = getenv("HRSS_PG_ADMIN");
    if (!o.conninfo || !s_schema_ok(o.schema) || o.clients < 1 || o.clients > 256 ||
        o.batch < 1 || o.batch > 1000) {
        fprintf(stderr, "baseline: need HRSS_PG_ADMIN, --schema [a-z0-9_]+, 1-256 clients,"
                        " batches of 1-1000\n");
        return 2;
    }
    if (strcmp(o.mode, "setup") == 0)
        return s_setup(&o);
    if (strcmp(o.mode, "drop") == 0)
        return s_drop(&o);
    bool ingest = strcmp(o.mode, "ingest") == 0;
    if (!ingest && strcmp(o.mode, "import") != 0)
        return 2;

    int y;
    unsigned m, d;
    civil_from_days(cst_days_of_instant(now_us()), &y, &m, &d);
    o.county = county_new("433123", ingest ? y : y - 1);
    client_t *cs = calloc((size_t) o.clients, sizeof *cs);
    pthread_t *th = calloc((size_t) o.clients, sizeof *th);
    s_analyzer = db_new(o.conninfo, o.schema);
    if (!o.county || !cs || !th || !s_analyzer)
        return 1;
    for (int i = 0; i < o.clients; i++) {
        cs[i].o = &o;
        if (s_connect(&cs[i])) {
            fprintf(stderr, "baseline: %s", cs[i].error);
            return 1;
        }
    }
    s_nbatches = (o.persons + (uint64_t) o.batch - 1) / (uint64_t) o.batch;
    uint64_t span = o.span ? o.span : COUNTY_PERSONS_MAX - o.base;
    if (o.base + span > COUNTY_PERSONS_MAX)
        span = o.base < COUNTY_PERSONS_MAX ? COUNTY_PERSONS_MAX - o.base : 0;
    uint64_t window = span / (uint64_t) o.clients;
    double t0 = bench_now();
    for (int i = 0; i < o.clients; i++) {
        cs[i].next_person = o.base + (uint64_t) i * window;
        cs[i].last_person = cs[i].next_person + window;
        cs[i].deadline = t0 + o.seconds;
        pthread_create(&th[i], NULL, ingest ? s_ingest : s_import, &cs[i]);
    }
    for (int i = 0; i < o.clients; i++)
        pthread_join(th[i], NULL);
    double elapsed = bench_now() - t0;

    samples_t all = {0};
    uint64_t batches = 0, events = 0, failed = 0;
    for (int i = 0; i < o.clients; i++) {
        samples_merge(&all, &cs[i].lat);
        batches += cs[i].batches;
        events += cs[i].events;
        failed += cs[i].failed;
        if (cs[i].failed)
            fprintf(stderr, "baseline: client %d: %s", i, cs[i].error);
        PQfinish(cs[i].conn);
        samples_free(&cs[i].lat);
    }
    printf("{\"mode\":\"%s\",\"clients\":%d,\"batch\":%d,\"seconds\":%.3f,\"requests\":%" PRIu64
           ",\"events\":%" PRIu64 ",\"events_per_s\":%.1f,\"p50_ms\":%.2f,\"p90_ms\":%.2f,"
           "\"p99_ms\":%.2f,\"max_ms\":%.2f,\"failed_requests\":%" PRIu64 ",\"client_cpu_s\":%.2f}\n",
           o.mode, o.clients, o.batch, elapsed, batches, events,
           (double) events / (elapsed > 0 ? elapsed : 1), samples_percentile(&all, 50),
           samples_percentile(&all, 90), samples_percentile(&all, 99),
           samples_percentile(&all, 100), failed, bench_cpu_self());
    samples_free(&all);
    free(cs);
    free(th);
    db_destroy(&s_analyzer);
    county_destroy(&o.county);
    return failed ? 3 : 0;
}
