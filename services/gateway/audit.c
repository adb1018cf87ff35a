/* The audit trail in the gateway's schema: rows are appended by the
 * database function audit_append, which chains each row's hash to the
 * previous one (sql/002_audit.sql). */
#include <stdio.h>

#include "gateway.h"
#include "log.h"

void
audit_record(gateway_t *gw, const http_req_t *req, const char *action, const char *region,
             int status, const char *detail)
{
    if (!gw->migrated || db_ensure(gw->db)) {
        log_error("audit: not recorded (%s %s): database unavailable", action, req->route);
        return;
    }
    char token_id[24], status_text[8];
    snprintf(token_id, sizeof token_id, "%lld", (long long) req->who.token_id);
    snprintf(status_text, sizeof status_text, "%d", status);
    const char *values[] = {req->who.token_id ? token_id : NULL,
                            req->who.name[0] ? req->who.name : "-",
                            req->who.name[0] ? role_name(req->who.role) : "-",
                            action,
                            req->route ? req->route : "-",
                            region ? region : "",
                            status_text,
                            detail ? detail : ""};
    PGresult *res = db_prepared(gw->db, "audit_append",
                                "SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8)", 8, values,
                                NULL, NULL);
    if (!res)
        log_error("audit: not recorded (%s %s): %s", action, req->route ? req->route : "-",
                  db_error(gw->db));
    PQclear(res);
}
