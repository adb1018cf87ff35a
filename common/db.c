#include "db.h"
#include "hashtab.h"

#include <endian.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The names prepared on the current connection, cleared on reconnect: an
 * array of the callers' pointers (a statement name is a string literal)
 * indexed by a hashtab, both grown on demand, so that no count of statement
 * names can make a pipeline fail. A fixed array of 64 had made the 65th name
 * a hard failure, answered `retry` for every batch for ever. */

struct db_t {
    char *conninfo;
    char *schema;
    PGconn *conn;
    const char **prepared;   /* the names, packed: [0, nprepared) */
    size_t nprepared, prepared_cap;
    hashtab_t prepared_index;
    /* pipeline: one entry per statement sent, in order: the name it was
     * prepared under just before it, or NULL when it was prepared already */
    const char **sent;
    size_t nsent, next_sent, sent_cap;
    unsigned generation;
    char error[512];
    char sqlstate[6];
};

static void s_prepared_clear(db_t *self);

static void
s_set_error(db_t *self, const char *msg, const PGresult *res)
{
    /* Only the primary message: a DETAIL line can quote row values (an id
     * number in "Key (id_number)=(...)"), and this text goes to logs. */
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (primary)
        msg = primary;
    snprintf(self->error, sizeof self->error, "%s", msg ? msg : "unknown error");
    /* libpq messages end with a newline; the log line adds its own */
    size_t n = strlen(self->error);
    while (n > 0 && (self->error[n - 1] == '\n' || self->error[n - 1] == ' '))
        self->error[--n] = '\0';
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(self->sqlstate, sizeof self->sqlstate, "%s", state ? state : "");
}

db_t *
db_new(const char *conninfo, const char *schema)
{
    db_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    hashtab_init(&self->prepared_index);
    self->conninfo = strdup(conninfo ? conninfo : "");
    self->schema = strdup(schema);
    if (!self->conninfo || !self->schema)
        db_destroy(&self);
    return self;
}

void
db_destroy(db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    db_t *self = *self_p;
    if (self->conn)
        PQfinish(self->conn);
    free(self->conninfo);
    free(self->schema);
    free(self->sent);
    free(self->prepared);
    hashtab_free(&self->prepared_index);
    free(self);
    *self_p = NULL;
}

/* Server notices ("relation already exists, skipping") are not errors and
 * would otherwise go to stderr unformatted. */
static void
s_ignore_notice(void *arg, const char *message)
{
    (void) arg;
    (void) message;
}

static int
s_connect(db_t *self)
{
    if (self->conn)
        PQfinish(self->conn);
    s_prepared_clear(self);
    self->conn = PQconnectdb(self->conninfo);
    if (PQstatus(self->conn) != CONNECTION_OK) {
        s_set_error(self, PQerrorMessage(self->conn), NULL);
        PQfinish(self->conn);
        self->conn = NULL;
        return -1;
    }
    PQsetNoticeProcessor(self->conn, s_ignore_notice, NULL);
    self->generation++;
    /* The role's search_path is set by deployment too; setting it here makes
     * the daemon correct whatever the role's defaults are. */
    const char *params[] = {self->schema};
    PGresult *res = PQexecParams(self->conn, "SELECT set_config('search_path', $1, false)", 1,
                                 NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
    if (rc)
        s_set_error(self, PQerrorMessage(self->conn), res);
    PQclear(res);
    return rc;
}

int
db_ensure(db_t *self)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return 0;
    return s_connect(self);
}

unsigned
db_generation(const db_t *self)
{
    return self->generation;
}

bool
db_connected(const db_t *self)
{
    return self->conn && PQstatus(self->conn) == CONNECTION_OK;
}

PGconn *
db_conn(db_t *self)
{
    return self->conn;
}

const char *
db_error(const db_t *self)
{
    return self->error;
}

const char *
db_sqlstate(const db_t *self)
{
    return self->sqlstate;
}

static PGresult *
s_check(db_t *self, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    s_set_error(self, res ? PQresultErrorMessage(res) : PQerrorMessage(self->conn), res);
    if (!res || !*self->error)
        s_set_error(self, PQerrorMessage(self->conn), res);
    PQclear(res);
    return NULL;
}

PGresult *
db_query(db_t *self, const char *sql, int nparams, const char *const *values,
         const int *lengths, const int *formats)
{
    if (!self->conn) {
        s_set_error(self, "not connected", NULL);
        return NULL;
    }
    return s_check(self, PQexecParams(self->conn, sql, nparams, NULL, values, lengths, formats, 0));
}

static uint64_t
s_name_hash(const char *name)
{
    return hash_str(HASH_INIT, name);
}

static uint64_t
s_prepared_hash(const void *ctx, uint32_t index)
{
    const db_t *self = ctx;
    return s_name_hash(self->prepared[index]);
}

typedef struct {
    const db_t *self;
    const char *name;
} name_probe_t;

static bool
s_prepared_eq(const void *ctx, uint32_t index)
{
    const name_probe_t *p = ctx;
    const char *name = p->self->prepared[index];
    return name == p->name || strcmp(name, p->name) == 0;
}

/* The slot of `name`, or the free slot where it would go; NULL when no name
 * is prepared (the index may have no slots yet). */
static hashtab_slot_t *
s_prepared_slot(db_t *self, const char *name)
{
    if (!self->nprepared)
        return NULL;
    name_probe_t probe = {self, name};
    return hashtab_find(&self->prepared_index, s_name_hash(name), s_prepared_eq, &probe);
}

static bool
s_is_prepared(db_t *self, const char *name)
{
    hashtab_slot_t *slot = s_prepared_slot(self, name);
    return slot && hashtab_at(&self->prepared_index, slot);
}

static void
s_prepared_clear(db_t *self)
{
    hashtab_clear(&self->prepared_index);
    self->nprepared = 0;
}

/* Notes `name` (not in the set) as prepared. -1 when out of memory, with
 * the error set. */
static int
s_prepared_add(db_t *self, const char *name)
{
    if (self->nprepared == self->prepared_cap) {
        size_t cap = self->prepared_cap ? 2 * self->prepared_cap : 64;
        const char **names = realloc(self->prepared, cap * sizeof *names);
        if (!names)
            goto oom;
        self->prepared = names;
        self->prepared_cap = cap;
    }
    if (hashtab_reserve(&self->prepared_index, self->nprepared + 1, s_prepared_hash, self))
        goto oom;
    name_probe_t probe = {self, name};
    hashtab_slot_t *slot =
        hashtab_find(&self->prepared_index, s_name_hash(name), s_prepared_eq, &probe);
    self->prepared[self->nprepared] = name;
    hashtab_put(&self->prepared_index, slot, (uint32_t) self->nprepared++);
    return 0;
oom:
    s_set_error(self, "out of memory", NULL);
    return -1;
}

/* Forgets `name`; the last name moves into its place in the array. */
static void
s_forget_prepared(db_t *self, const char *name)
{
    hashtab_slot_t *slot = s_prepared_slot(self, name);
    uint32_t at = slot ? hashtab_at(&self->prepared_index, slot) : 0;
    if (!at)
        return;
    hashtab_remove(&self->prepared_index, slot, s_prepared_hash, self);
    size_t last = --self->nprepared;
    if (at - 1 == last)
        return;
    const char *moved = self->prepared[last];
    self->prepared[at - 1] = moved;
    hashtab_move(&self->prepared_index, s_name_hash(moved), (uint32_t) last, at - 1);
}

size_t
db_prepared_count(const db_t *self)
{
    return self->nprepared;
}

static PGresult *
s_prepared(db_t *self, const char *name, const char *sql, int nparams,
           const char *const *values, const int *lengths, const int *formats, int result_format)
{
    if (!self->conn) {
        s_set_error(self, "not connected", NULL);
        return NULL;
    }
    if (!s_is_prepared(self, name)) {
        PGresult *res = s_check(self, PQprepare(self->conn, name, sql, nparams, NULL));
        if (!res)
            return NULL;
        PQclear(res);
        if (s_prepared_add(self, name))
            return NULL;   /* prepared, but not noted: the next prepare says so */
    }
    return s_check(self, PQexecPrepared(self->conn, name, nparams, values, lengths, formats,
                                        result_format));
}

PGresult *
db_prepared(db_t *self, const char *name, const char *sql, int nparams,
            const char *const *values, const int *lengths, const int *formats)
{
    return s_prepared(self, name, sql, nparams, values, lengths, formats, 0);
}

PGresult *
db_prepared_binary(db_t *self, const char *name, const char *sql, int nparams,
                   const char *const *values, const int *lengths, const int *formats)
{
    return s_prepared(self, name, sql, nparams, values, lengths, formats, 1);
}

int
db_prepared_run(db_t *self, const char *name, const char *sql, int nparams,
                const char *const *values)
{
    PGresult *res = db_prepared(self, name, sql, nparams, values, NULL, NULL);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
db_command(db_t *self, const char *sql)
{
    PGresult *res = db_query(self, sql, 0, NULL, NULL, NULL);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
db_analyze_grown(db_t *self)
{
    /* n_live_tup is counted as transactions commit; reltuples is what the
     * planner last learnt. A small sample (statistics target 10: 3 000 rows,
     * a tenth of the default) is enough to correct the sizes the plans
     * depend on, at a tenth of the time; autovacuum's full ANALYZE follows
     * in its own time. The names come from the catalog, quoted by %I. */
    return db_command(self,
                      "DO $$DECLARE t text; BEGIN"
                      " PERFORM set_config('default_statistics_target', '10', true);"
                      " FOR t IN SELECT format('%I', s.relname)"
                      " FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
                      " WHERE s.schemaname = current_schema() AND s.n_live_tup >= 1000"
                      " AND c.reltuples < 50000 AND s.n_live_tup > 2 * c.reltuples"
                      " LOOP EXECUTE 'ANALYZE ' || t; END LOOP; END$$");
}

int
db_pipeline_begin(db_t *self)
{
    *self->error = '\0';
    if (!self->conn || !PQenterPipelineMode(self->conn)) {
        s_set_error(self, self->conn ? PQerrorMessage(self->conn) : "not connected", NULL);
        return -1;
    }
    return 0;
}

/* Room for one more entry in the list of statements sent. */
static int
s_sent_reserve(db_t *self)
{
    if (self->nsent == self->sent_cap) {
        size_t cap = self->sent_cap ? 2 * self->sent_cap : 256;
        const char **sent = realloc(self->sent, cap * sizeof *sent);
        if (!sent) {
            s_set_error(self, "out of memory", NULL);
            return -1;
        }
        self->sent = sent;
        self->sent_cap = cap;
    }
    return 0;
}

int
db_pipeline_send(db_t *self, const char *name, const char *sql, int nparams,
                 const char *const *values, const int *lengths, const int *formats)
{
    if (s_sent_reserve(self))
        return -1;
    const char *prepared_here = NULL;
    if (!s_is_prepared(self, name)) {
        if (s_prepared_add(self, name))
            return -1;
        if (!PQsendPrepare(self->conn, name, sql, nparams, NULL)) {
            s_forget_prepared(self, name);
            goto fail;
        }
        /* counted as prepared now, so that the same pipeline uses it again;
         * forgotten if the server's answer says otherwise */
        prepared_here = name;
    }
    self->sent[self->nsent++] = prepared_here;
    if (!PQsendQueryPrepared(self->conn, name, nparams, values, lengths, formats, 0))
        goto fail;
    return 0;
fail:
    s_set_error(self, PQerrorMessage(self->conn), NULL);
    return -1;
}

int
db_pipeline_send_sql(db_t *self, const char *sql)
{
    if (s_sent_reserve(self))
        return -1;
    self->sent[self->nsent++] = NULL;
    if (!PQsendQueryParams(self->conn, sql, 0, NULL, NULL, NULL, NULL, 0)) {
        s_set_error(self, PQerrorMessage(self->conn), NULL);
        return -1;
    }
    return 0;
}

int
db_pipeline_sync(db_t *self)
{
    if (!PQpipelineSync(self->conn)) {
        s_set_error(self, PQerrorMessage(self->conn), NULL);
        return -1;
    }
    return 0;
}

int
db_pipeline_flush(db_t *self)
{
    if (PQflush(self->conn) < 0) {
        s_set_error(self, PQerrorMessage(self->conn), NULL);
        return -1;
    }
    return 0;
}

/* The result of the next query of the pipeline and the NULL that ends it. */
static PGresult *
s_pipeline_next(db_t *self)
{
    PGresult *res = PQgetResult(self->conn);
    if (res) {
        PGresult *end = PQgetResult(self->conn);
        if (end) {   /* a query returns one result; anything more is a protocol surprise */
            PQclear(end);
        }
    }
    return res;
}

PGresult *
db_pipeline_result(db_t *self)
{
    if (self->next_sent == self->nsent) {
        s_set_error(self, "no statement left in the pipeline", NULL);
        return NULL;
    }
    /* a statement prepared on the way answers the prepare first */
    const char *prepared_here = self->sent[self->next_sent++];
    if (prepared_here) {
        PGresult *res = s_pipeline_next(self);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK) {
            /* not prepared after all: an error of its own or of an earlier statement */
            s_forget_prepared(self, prepared_here);
            if (st == PGRES_FATAL_ERROR)
                s_check(self, res);
            else
                PQclear(res);
            PGresult *aborted = s_pipeline_next(self);   /* the statement that used it */
            PQclear(aborted);
            if (!*self->error)
                s_set_error(self, "aborted", NULL);
            return NULL;
        }
        PQclear(res);
    }
    PGresult *res = s_pipeline_next(self);
    if (PQresultStatus(res) == PGRES_PIPELINE_ABORTED) {
        PQclear(res);
        if (!*self->error)
            s_set_error(self, "aborted", NULL);
        return NULL;
    }
    return s_check(self, res);
}

/* Clears a command's result, 0 when its tag is `tag`: the COMMIT of a
 * transaction that an error aborted answers ROLLBACK. */
static int
s_expect_tag(db_t *self, PGresult *res, const char *tag)
{
    if (!res)
        return -1;
    int rc = strcmp(PQcmdStatus(res), tag) == 0 ? 0 : -1;
    if (rc)
        s_set_error(self, "the transaction was aborted", NULL);
    PQclear(res);
    return rc;
}

int
db_pipeline_expect(db_t *self, const char *tag)
{
    return s_expect_tag(self, db_pipeline_result(self), tag);
}

int
db_pipeline_end(db_t *self)
{
    int rc = 0, nulls = 0;
    for (;;) {
        PGresult *res = PQgetResult(self->conn);
        if (!res) {
            /* the end of a query's results: keep reading to the sync, unless
             * the connection is gone and nothing more will come */
            if (PQstatus(self->conn) != CONNECTION_OK || ++nulls > 2) {
                rc = -1;
                break;
            }
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(res);
        PQclear(res);
        if (st == PGRES_PIPELINE_SYNC)
            break;
        if (st == PGRES_FATAL_ERROR && PQstatus(self->conn) != CONNECTION_OK) {
            rc = -1;
            break;
        }
    }
    /* statements whose answers were never read came after a failure: the
     * prepares among them did not happen */
    while (self->next_sent < self->nsent) {
        const char *name = self->sent[self->next_sent++];
        if (name)
            s_forget_prepared(self, name);
    }
    self->nsent = self->next_sent = 0;
    if (!PQexitPipelineMode(self->conn)) {
        /* Results are still owed (the server went away mid-pipeline, and
         * libpq may not have noticed): the connection can never leave
         * pipeline mode, and every later command would fail on it. It is
         * dropped; the next db_ensure connects afresh. */
        s_set_error(self, PQerrorMessage(self->conn), NULL);
        PQfinish(self->conn);
        self->conn = NULL;
        s_prepared_clear(self);
        return -1;
    }
    return rc;
}

int
db_begin(db_t *self)
{
    return db_command(self, "BEGIN");
}

int
db_commit(db_t *self)
{
    return s_expect_tag(self, db_query(self, "COMMIT", 0, NULL, NULL, NULL), "COMMIT");
}

void
db_rollback(db_t *self)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK) {
        PGresult *res = PQexec(self->conn, "ROLLBACK");
        PQclear(res);
    }
}

int64_t
db_get_int64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

unsigned char *
db_get_bytea(const PGresult *res, int row, int col, size_t *len)
{
    unsigned char *raw = PQunescapeBytea((const unsigned char *) PQgetvalue(res, row, col), len);
    if (!raw)
        return NULL;
    /* PQunescapeBytea's memory must go to PQfreemem; hand out malloc'd memory
     * so callers free() it like everything else. */
    unsigned char *out = malloc(*len ? *len : 1);
    if (out)
        memcpy(out, raw, *len);
    PQfreemem(raw);
    return out;
}

int64_t
db_get_binary_int64(const PGresult *res, int row, int col)
{
    uint64_t be = 0;
    if (PQgetlength(res, row, col) == (int) sizeof be)
        memcpy(&be, PQgetvalue(res, row, col), sizeof be);
    return (int64_t) be64toh(be);
}

/* ---- migrations ---------------------------------------------------------- */

static int
s_applied(db_t *self, const char *component, int version, bool *applied)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[] = {component, v};
    PGresult *res = db_query(self,
                             "SELECT 1 FROM schema_migrations WHERE component = $1 AND version = $2",
                             2, params, NULL, NULL);
    if (!res)
        return -1;
    *applied = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}

static int
s_apply(db_t *self, const char *component, int version, const char *name, const char *sql)
{
    bool applied;
    if (s_applied(self, component, version, &applied))
        return -1;
    if (applied)
        return 0;
    if (db_begin(self))
        return -1;
    /* Migration text is the program's own file, never input: PQexec runs its
     * several statements. */
    PGresult *res = s_check(self, PQexec(self->conn, sql));
    if (!res)
        goto fail;
    PQclear(res);
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[] = {component, v, name};
    res = db_query(self,
                   "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                   3, params, NULL, NULL);
    if (!res)
        goto fail;
    PQclear(res);
    return db_commit(self);
fail:;
    char detail[sizeof self->error];
    snprintf(detail, sizeof detail, "%s %03d_%s: %s", component, version, name, self->error);
    db_rollback(self);
    memcpy(self->error, detail, sizeof self->error);
    return -1;
}

static int
s_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *
s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long size;
    if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        goto out;
    buf = malloc((size_t) size + 1);
    if (buf && fread(buf, 1, (size_t) size, f) != (size_t) size) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[size] = '\0';
out:
    fclose(f);
    return buf;
}

static int
s_migrate_dir(db_t *self, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(self->error, sizeof self->error, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 8 && e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
            strcmp(e->d_name + len - 4, ".sql") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, s_cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *sql = s_read_file(path);
        if (!sql) {
            snprintf(self->error, sizeof self->error, "cannot read %s", path);
            rc = -1;
            break;
        }
        rc = s_apply(self, "service", atoi(names[i]), names[i], sql);
        free(sql);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return rc;
}

int
db_migrate(db_t *self, const char *component, const db_migration_t *steps, const char *sql_dir,
           const char *service)
{
    if (db_ensure(self))
        return -1;
    const char *params[] = {self->schema};
    /* Session-level lock keyed by schema: two instances of a service starting
     * together apply every step exactly once. */
    PGresult *res = db_query(self, "SELECT pg_advisory_lock(hashtext('hrss.migrate.' || $1))", 1,
                             params, NULL, NULL);
    if (!res)
        return -1;
    PQclear(res);
    int rc = db_command(self, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                              " component text NOT NULL, version int NOT NULL, name text NOT NULL,"
                              " applied_at timestamptz NOT NULL DEFAULT now(),"
                              " PRIMARY KEY (component, version))");
    for (const db_migration_t *s = steps; rc == 0 && s && s->version; s++)
        rc = s_apply(self, component, s->version, s->name, s->sql);
    if (rc == 0 && sql_dir && service) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s/sql", sql_dir, service);
        rc = s_migrate_dir(self, dir);
    }
    char saved[sizeof self->error];
    memcpy(saved, self->error, sizeof saved);
    res = db_query(self, "SELECT pg_advisory_unlock(hashtext('hrss.migrate.' || $1))", 1, params,
                   NULL, NULL);
    PQclear(res);
    memcpy(self->error, saved, sizeof saved);
    return rc;
}
