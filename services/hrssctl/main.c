/* hrssctl — the operator's tool.
 *
 *   hrssctl token create --role ROLE --region CODE --name NAME [--expires-days N]
 *   hrssctl token list
 *   hrssctl token revoke (--id ID | --name NAME)
 *   hrssctl audit verify
 *   hrssctl keygen --name NAME [--dir DIR]
 *
 * keygen writes a CURVE keypair for a daemon (common/curve.h); everything
 * else works on the gateway's schema with the gateway's database role
 * ($HRSS_GATEWAY_DB), the only place tokens live. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "curve.h"
#include "db.h"
#include "region.h"
#include "token.h"

static int
s_usage(void)
{
    fprintf(stderr,
            "usage: hrssctl token create --role ROLE --region CODE --name NAME [--expires-days N]\n"
            "                            [--rate REQUESTS_PER_SECOND (0: unlimited)]\n"
            "       hrssctl token list\n"
            "       hrssctl token revoke (--id ID | --name NAME)\n"
            "       hrssctl audit verify\n"
            "       hrssctl keygen --name NAME [--dir DIR (default $HRSS_KEYS_DIR, var/keys)]\n"
            "roles: township county checker province admin\n");
    return 2;
}

static db_t *
s_connect(void)
{
    const char *conninfo = config_service_db("gateway");
    if (!conninfo) {
        fprintf(stderr, "hrssctl: HRSS_GATEWAY_DB is not set (source var/hrss.env)\n");
        return NULL;
    }
    db_t *db = db_new(conninfo, "gateway");
    if (!db || db_migrate(db, "backbone", NULL, config_sql_dir(), "gateway")) {
        fprintf(stderr, "hrssctl: database: %s\n", db ? db_error(db) : "out of memory");
        db_destroy(&db);
    }
    return db;
}

/* Operator changes go to the same hash-chained trail as the gateway's. */
static void
s_audit(db_t *db, const char *action, const char *region, const char *detail)
{
    const char *values[] = {action, region, detail};
    PGresult *res = db_query(db,
                             "SELECT audit_append(NULL, 'hrssctl', 'operator', $1, 'hrssctl', $2,"
                             " 0, $3)",
                             3, values, NULL, NULL);
    if (!res)
        fprintf(stderr, "hrssctl: warning: not audited: %s\n", db_error(db));
    PQclear(res);
}

static int
s_token_create(int argc, char **argv)
{
    const char *role_text = NULL, *region_text = NULL, *name = NULL, *expires = NULL;
    const char *rate = NULL;
    static const struct option opts[] = {{"role", required_argument, 0, 'r'},
                                         {"region", required_argument, 0, 'g'},
                                         {"name", required_argument, 0, 'n'},
                                         {"expires-days", required_argument, 0, 'e'},
                                         {"rate", required_argument, 0, 'q'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': role_text = optarg; break;
        case 'g': region_text = optarg; break;
        case 'n': name = optarg; break;
        case 'e': expires = optarg; break;
        case 'q': rate = optarg; break;
        default: return s_usage();
        }
    }
    role_t role;
    if (!role_text || !region_text || !name || role_parse(role_text, &role))
        return s_usage();
    if (strlen(name) < 1 || strlen(name) > 63) {
        fprintf(stderr, "hrssctl: --name must be 1 to 63 characters\n");
        return 2;
    }
    char region[REGION_LEN + 1];
    if (strcmp(region_text, "000000000000") == 0 && role == ROLE_ADMIN) {
        memcpy(region, region_text, sizeof region);   /* the whole nation */
    } else {
        region_table_t *regions = region_table_load(NULL);
        const char *code;
        int bad = !regions || region_normalize(regions, region_text, region, &code);
        region_table_destroy(&regions);
        if (bad) {
            fprintf(stderr, "hrssctl: --region %s is not a known division code%s\n", region_text,
                    strcmp(region_text, "000000000000") == 0 ? " (the nation is for admin only)"
                                                             : "");
            return 2;
        }
    }
    long days = 0;
    if (expires) {
        char *end;
        days = strtol(expires, &end, 10);
        if (*end || days < 1 || days > 3650) {
            fprintf(stderr, "hrssctl: --expires-days must be 1 to 3650\n");
            return 2;
        }
    }
    if (rate) {
        char *end;
        long r = strtol(rate, &end, 10);
        if (*end || r < 0 || r > 1000000) {
            fprintf(stderr, "hrssctl: --rate must be 0 (unlimited) to 1000000\n");
            return 2;
        }
    }
    db_t *db = s_connect();
    if (!db)
        return 1;
    char token[TOKEN_LEN + 1];
    uint8_t hash[TOKEN_HASH_LEN];
    char days_text[16];
    snprintf(days_text, sizeof days_text, "%ld", days);
    int rc = 1;
    if (token_generate(token) || token_hash(token, strlen(token), hash))
        goto out;
    const char *values[] = {name, role_name(role), region, (const char *) hash, days_text, rate};
    int lengths[] = {0, 0, 0, TOKEN_HASH_LEN, 0, 0};
    int formats[] = {0, 0, 0, 1, 0, 0};
    PGresult *res = db_query(db,
                             "INSERT INTO tokens (name, role, region, token_hash, expires_at,"
                             " rate_limit) VALUES ($1, $2, $3, $4, CASE WHEN $5::int > 0"
                             " THEN now() + make_interval(days => $5::int) END, $6::int)"
                             " RETURNING id",
                             6, values, lengths, formats);
    if (!res) {
        fprintf(stderr, "hrssctl: cannot store the token: %s\n", db_error(db));
        goto out;
    }
    fprintf(stderr, "hrssctl: token %s created (id %s, role %s, region %s)\n", name,
            PQgetvalue(res, 0, 0), role_name(role), region);
    char detail[128];
    snprintf(detail, sizeof detail, "token %s (id %s, role %s)", name, PQgetvalue(res, 0, 0),
             role_name(role));
    PQclear(res);
    s_audit(db, "token_create", region, detail);
    /* the only time the token is shown */
    printf("%s\n", token);
    rc = 0;
out:
    db_destroy(&db);
    return rc;
}

static int
s_token_list(void)
{
    db_t *db = s_connect();
    if (!db)
        return 1;
    PGresult *res = db_query(db,
                             "SELECT id, name, role, region, created_at::timestamp(0),"
                             " coalesce(expires_at::timestamp(0)::text, '-'),"
                             " CASE WHEN revoked_at IS NOT NULL THEN 'revoked'"
                             " WHEN expires_at <= now() THEN 'expired' ELSE 'active' END"
                             " FROM tokens ORDER BY id",
                             0, NULL, NULL, NULL);
    if (!res) {
        fprintf(stderr, "hrssctl: %s\n", db_error(db));
        db_destroy(&db);
        return 1;
    }
    printf("%-5s %-24s %-9s %-12s %-20s %-20s %s\n", "id", "name", "role", "region", "created",
           "expires", "state");
    for (int i = 0; i < PQntuples(res); i++)
        printf("%-5s %-24s %-9s %-12s %-20s %-20s %s\n", PQgetvalue(res, i, 0),
               PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
               PQgetvalue(res, i, 4), PQgetvalue(res, i, 5), PQgetvalue(res, i, 6));
    PQclear(res);
    db_destroy(&db);
    return 0;
}

static int
s_token_revoke(int argc, char **argv)
{
    const char *id = NULL, *name = NULL;
    static const struct option opts[] = {
        {"id", required_argument, 0, 'i'}, {"name", required_argument, 0, 'n'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'i')
            id = optarg;
        else if (c == 'n')
            name = optarg;
        else
            return s_usage();
    }
    if (!id == !name)
        return s_usage();
    db_t *db = s_connect();
    if (!db)
        return 1;
    const char *values[] = {id ? id : "0", name ? name : ""};
    PGresult *res = db_query(db,
                             "UPDATE tokens SET revoked_at = now() WHERE revoked_at IS NULL"
                             " AND (id = $1::bigint OR name = $2) RETURNING id",
                             2, values, NULL, NULL);
    int rc = 1;
    if (!res)
        fprintf(stderr, "hrssctl: %s\n", db_error(db));
    else if (PQntuples(res) == 0)
        fprintf(stderr, "hrssctl: no active token matches\n");
    else {
        fprintf(stderr, "hrssctl: %d token(s) revoked\n", PQntuples(res));
        for (int i = 0; i < PQntuples(res); i++) {
            char detail[64];
            snprintf(detail, sizeof detail, "token id %s", PQgetvalue(res, i, 0));
            s_audit(db, "token_revoke", "", detail);
        }
        rc = 0;
    }
    PQclear(res);
    db_destroy(&db);
    return rc;
}

/* Recomputes every row's hash and the chain: an edited row no longer matches
 * its hash; a removed (or re-hashed) row breaks the next row's link. */
static int
s_audit_verify(void)
{
    db_t *db = s_connect();
    if (!db)
        return 1;
    PGresult *res = db_query(
        db,
        "SELECT id, CASE WHEN hash <> audit_row_hash(prev_hash, id, at_us, token_id, actor, role,"
        " action, route, region, status, detail, client, count) THEN 'edited'"
        " ELSE 'chain broken: the row before it was removed or altered' END"
        " FROM (SELECT *, lag(hash) OVER (ORDER BY id) AS before FROM audit) a"
        " WHERE hash <> audit_row_hash(prev_hash, id, at_us, token_id, actor, role, action,"
        " route, region, status, detail, client, count) OR prev_hash <> coalesce(before, audit_genesis())"
        " ORDER BY id",
        0, NULL, NULL, NULL);
    PGresult *head = res ? db_query(db,
                                    "SELECT count(*), coalesce((SELECT encode(hash, 'hex') FROM"
                                    " audit ORDER BY id DESC LIMIT 1), '-') FROM audit",
                                    0, NULL, NULL, NULL)
                         : NULL;
    int rc = 1;
    if (!res || !head) {
        fprintf(stderr, "hrssctl: %s\n", db_error(db));
    } else if (PQntuples(res) > 0) {
        for (int i = 0; i < PQntuples(res); i++)
            printf("audit row %s: %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
        printf("audit: %d problem(s) in %s rows\n", PQntuples(res), PQgetvalue(head, 0, 0));
    } else {
        /* the head hash is worth keeping elsewhere: it also vouches for the last row */
        printf("audit: %s rows, chain intact, head %s\n", PQgetvalue(head, 0, 0),
               PQgetvalue(head, 0, 1));
        rc = 0;
    }
    PQclear(res);
    PQclear(head);
    db_destroy(&db);
    return rc;
}

/* NAME.key (secret, mode 600) and NAME.pub in DIR; the public key on stdout. */
static int
s_keygen(int argc, char **argv)
{
    const char *name = NULL, *dir = curve_keys_dir();
    static const struct option opts[] = {
        {"name", required_argument, 0, 'n'}, {"dir", required_argument, 0, 'd'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            name = optarg;
        else if (c == 'd')
            dir = optarg;
        else
            return s_usage();
    }
    if (!name || optind != argc)
        return s_usage();
    /* the directory holds secret keys: closed to others from the start */
    if (mkdir(dir, 0700) && errno != EEXIST) {
        fprintf(stderr, "hrssctl: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char pub[CURVE_KEY_Z85_LEN + 1];
    if (curve_keygen(dir, name, pub)) {
        fprintf(stderr, "hrssctl: %s\n", curve_error());
        return 1;
    }
    fprintf(stderr, "hrssctl: wrote %s/%s.key (secret, mode 600) and %s/%s.pub\n", dir, name, dir,
            name);
    printf("%s\n", pub);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
        return s_keygen(argc - 1, argv + 1);
    if (argc == 3 && strcmp(argv[1], "audit") == 0 && strcmp(argv[2], "verify") == 0)
        return s_audit_verify();
    if (argc < 3 || strcmp(argv[1], "token") != 0)
        return s_usage();
    /* getopt starts after "token <verb>" */
    argc -= 2;
    argv += 2;
    if (strcmp(argv[0], "create") == 0)
        return s_token_create(argc, argv);
    if (strcmp(argv[0], "list") == 0)
        return s_token_list();
    if (strcmp(argv[0], "revoke") == 0)
        return s_token_revoke(argc, argv);
    return s_usage();
}
