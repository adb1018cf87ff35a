/* Bearer-token authentication and the region scope of a token. Tokens are
 * looked up by hash on every request, so a revocation or an expiry takes
 * effect on the very next request. */
#include <string.h>
#include <strings.h>

#include "gateway.h"

int
auth_authenticate(gateway_t *gw, http_req_t *req, principal_t *who)
{
    const char *h = req->authorization;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        http_problem(req, 401, "unauthorized", "Authentication required",
                     "send Authorization: Bearer <token>", NULL);
        return -1;
    }
    const char *token = h + 7;
    while (*token == ' ')
        token++;
    uint8_t hash[TOKEN_HASH_LEN];
    if (token_hash(token, strlen(token), hash)) {
        http_problem(req, 401, "unauthorized", "Invalid token", "the token is not valid", NULL);
        return -1;
    }
    db_t *db = gateway_db(gw);
    if (!gw->migrated || db_ensure(db)) {
        req->retry_after = 1;
        http_problem(req, 503, "unavailable", "Service unavailable",
                     "the token store cannot be reached", NULL);
        return -1;
    }
    const char *values[] = {(const char *) hash};
    int lengths[] = {TOKEN_HASH_LEN};
    int formats[] = {1};
    PGresult *res = db_prepared(db, "token_lookup",
                                "SELECT id, name, role, region, rate_limit FROM tokens"
                                " WHERE token_hash = $1 AND revoked_at IS NULL"
                                " AND (expires_at IS NULL OR expires_at > now())",
                                1, values, lengths, formats);
    if (!res) {
        req->retry_after = 1;
        http_problem(req, 503, "unavailable", "Service unavailable",
                     "the token store cannot be reached", NULL);
        return -1;
    }
    int found = PQntuples(res) == 1 && role_parse(PQgetvalue(res, 0, 2), &who->role) == 0;
    if (found) {
        who->token_id = db_get_int64(res, 0, 0);
        snprintf(who->name, sizeof who->name, "%s", PQgetvalue(res, 0, 1));
        snprintf(who->region, sizeof who->region, "%s", PQgetvalue(res, 0, 3));
        who->rate_limit = PQgetisnull(res, 0, 4) ? -1 : (int) db_get_int64(res, 0, 4);
    }
    PQclear(res);
    if (!found) {
        http_problem(req, 401, "unauthorized", "Invalid token",
                     "the token is unknown, revoked or expired", NULL);
        return -1;
    }
    return 0;
}

bool
auth_in_scope(const principal_t *who, const char *region)
{
    return region_contains(who->region, region);
}
