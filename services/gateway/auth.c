/* Bearer-token authentication and the region scope of a token.
 *
 * Valid tokens are cached by hash so that a request costs no database round
 * trip. The cache is emptied whenever anything may have changed: a trigger on
 * the tokens table NOTIFYs hrss_tokens at every change (sql/004), and the
 * gateway LISTENs on its own connection and reads pending notifications
 * before every lookup, so a revocation is seen by every request that arrives
 * after PostgreSQL has sent the notification, milliseconds after the commit
 * (its backend sends it as soon as it notices; nothing makes the gateway
 * wait for it). A new database session (after a reconnect) empties it too,
 * and no entry outlives its TTL or its token's expiry.
 *
 * Unknown (or revoked, or expired) tokens are remembered too, for a few
 * seconds and emptied by the same notifications, so that a client repeating
 * a bad token costs no lookup; and a client address that keeps failing is
 * held back before its token is looked at (ratelimit.c). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"
#include "log.h"
#include "timeutil.h"

#define CACHE_SLOTS 1024            /* power of two */
#define CACHE_TTL_MS (5 * 60 * 1000)
#define UNKNOWN_SLOTS 1024          /* power of two */
#define UNKNOWN_TTL_MS (10 * 1000)

typedef struct {
    bool used;
    uint8_t hash[TOKEN_HASH_LEN];
    principal_t who;
    int64_t expires_us;             /* 0: never */
    int64_t cached_ms;
} cached_token_t;

typedef struct {
    uint8_t hash[TOKEN_HASH_LEN];
    int64_t cached_ms;              /* 0: free */
} unknown_token_t;

struct token_cache_t {
    cached_token_t slots[CACHE_SLOTS];
    unknown_token_t unknown[UNKNOWN_SLOTS];
    unsigned generation;            /* db session the cache and the LISTEN belong to */
    bool listening;
};

token_cache_t *
auth_cache_new(void)
{
    return calloc(1, sizeof(token_cache_t));
}

void
auth_cache_destroy(token_cache_t **self_p)
{
    if (self_p && *self_p) {
        sodium_memzero(*self_p, sizeof **self_p);
        free(*self_p);
        *self_p = NULL;
    }
}

static void
s_cache_clear(token_cache_t *c)
{
    memset(c->slots, 0, sizeof c->slots);
    memset(c->unknown, 0, sizeof c->unknown);
}

/* Empties the cache when tokens may have changed: a notification from
 * hrssctl, or a new database session (which also needs its LISTEN again). */
static int
s_cache_sync(gateway_t *gw)
{
    token_cache_t *c = gw->tokens;
    db_t *db = gateway_db(gw);
    if (!c->listening || c->generation != db_generation(db)) {
        s_cache_clear(c);
        c->listening = db_command(db, "LISTEN hrss_tokens") == 0;
        c->generation = db_generation(db);
        return c->listening ? 0 : -1;
    }
    PGconn *conn = db_conn(db);
    if (!PQconsumeInput(conn))
        return -1;
    PGnotify *n;
    bool changed = false;
    while ((n = PQnotifies(conn))) {
        changed = true;
        PQfreemem(n);
    }
    if (changed)
        s_cache_clear(c);
    return 0;
}

static cached_token_t *
s_slot(token_cache_t *c, const uint8_t hash[TOKEN_HASH_LEN])
{
    /* the hash is uniformly random already: its first bytes index the table */
    size_t i = ((size_t) hash[0] | (size_t) hash[1] << 8) & (CACHE_SLOTS - 1);
    return &c->slots[i];
}

static unknown_token_t *
s_unknown_slot(token_cache_t *c, const uint8_t hash[TOKEN_HASH_LEN])
{
    size_t i = ((size_t) hash[2] | (size_t) hash[3] << 8) & (UNKNOWN_SLOTS - 1);
    return &c->unknown[i];
}

/* A refusal of who is asking: 401, and a failure charged to the address. */
static void
s_refuse(gateway_t *gw, http_req_t *req, const char *title, const char *detail)
{
    ratelimit_address_failed(gw->limits, req->client);
    http_problem(req, 401, "unauthorized", title, detail, NULL);
}

/* 429 before authentication: the address failed too often just now. Audited
 * like the refusals it stands for. */
static void
s_held_back(gateway_t *gw, http_req_t *req, int wait)
{
    req->retry_after = wait;
    audit_record(gw, req, "auth_rate_limited", req->audit_region, 429,
                 "too many failed authentications from this address");
    http_problem(req, 429, "rate_limited", "Too many failed authentications",
                 "this address sent too many invalid tokens; retry after the given seconds",
                 NULL);
}

static void
s_unavailable(http_req_t *req)
{
    req->retry_after = 1;
    http_problem(req, 503, "unavailable", "Service unavailable",
                 "the token store cannot be reached", NULL);
}

int
auth_authenticate(gateway_t *gw, http_req_t *req, principal_t *who)
{
    const char *h = req->authorization;
    bool bearer = h && strncasecmp(h, "Bearer ", 7) == 0;
    const char *token = bearer ? h + 7 : "";
    while (*token == ' ')
        token++;
    uint8_t hash[TOKEN_HASH_LEN];
    bool well_formed = bearer && token_hash(token, strlen(token), hash) == 0;
    if (!well_formed) {
        int wait = ratelimit_address_check(gw->limits, req->client);
        if (wait > 0) {
            s_held_back(gw, req, wait);
            return -1;
        }
        if (!bearer)
            s_refuse(gw, req, "Authentication required", "send Authorization: Bearer <token>");
        else
            s_refuse(gw, req, "Invalid token", "the token is not valid");
        return -1;
    }
    db_t *db = gateway_db(gw);
    bool ready = gw->migrated && db_ensure(db) == 0 && s_cache_sync(gw) == 0;
    if (!ready && gw->migrated && !db_connected(db))
        /* a connection the server closed (a restart of PostgreSQL) shows as
         * broken only once used: once more, on a new one */
        ready = db_ensure(db) == 0 && s_cache_sync(gw) == 0;
    if (!ready) {
        s_unavailable(req);
        return -1;
    }
    cached_token_t *slot = s_slot(gw->tokens, hash);
    int64_t now_ms = monotonic_ms();
    if (slot->used && sodium_memcmp(slot->hash, hash, TOKEN_HASH_LEN) == 0 &&
        now_ms - slot->cached_ms < CACHE_TTL_MS &&
        (slot->expires_us == 0 || slot->expires_us > now_us())) {
        *who = slot->who;
        return 0;
    }
    /* not known as valid: from here on, each attempt may fail, and an
     * address that keeps failing waits before anything is looked up */
    int wait = ratelimit_address_check(gw->limits, req->client);
    if (wait > 0) {
        s_held_back(gw, req, wait);
        return -1;
    }
    unknown_token_t *unknown = s_unknown_slot(gw->tokens, hash);
    if (unknown->cached_ms && now_ms - unknown->cached_ms < UNKNOWN_TTL_MS &&
        sodium_memcmp(unknown->hash, hash, TOKEN_HASH_LEN) == 0) {
        s_refuse(gw, req, "Invalid token", "the token is unknown, revoked or expired");
        return -1;
    }

    const char *values[] = {(const char *) hash};
    int lengths[] = {TOKEN_HASH_LEN};
    int formats[] = {1};
    PGresult *res = db_prepared(db, "token_lookup",
                                "SELECT id, name, role, region, rate_limit, token_hash,"
                                " coalesce((extract(epoch FROM expires_at) * 1000000)::bigint, 0)"
                                " FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL"
                                " AND (expires_at IS NULL OR expires_at > now())",
                                1, values, lengths, formats);
    if (!res) {
        s_unavailable(req);
        return -1;
    }
    size_t stored_len = 0;
    unsigned char *stored = PQntuples(res) == 1 ? db_get_bytea(res, 0, 5, &stored_len) : NULL;
    /* the index found it by hash; compare once more in constant time */
    int found = stored && stored_len == TOKEN_HASH_LEN &&
                sodium_memcmp(stored, hash, TOKEN_HASH_LEN) == 0 &&
                role_parse(PQgetvalue(res, 0, 2), &who->role) == 0;
    free(stored);
    if (found) {
        who->token_id = db_get_int64(res, 0, 0);
        snprintf(who->name, sizeof who->name, "%s", PQgetvalue(res, 0, 1));
        snprintf(who->region, sizeof who->region, "%s", PQgetvalue(res, 0, 3));
        who->rate_limit = PQgetisnull(res, 0, 4) ? -1 : (int) db_get_int64(res, 0, 4);
        slot->used = true;
        memcpy(slot->hash, hash, TOKEN_HASH_LEN);
        slot->who = *who;
        slot->expires_us = db_get_int64(res, 0, 6);
        slot->cached_ms = now_ms;
    }
    PQclear(res);
    if (!found) {
        memcpy(unknown->hash, hash, TOKEN_HASH_LEN);
        unknown->cached_ms = now_ms;
        s_refuse(gw, req, "Invalid token", "the token is unknown, revoked or expired");
        return -1;
    }
    return 0;
}

bool
auth_in_scope(const principal_t *who, const char *region)
{
    return region_contains(who->region, region);
}
