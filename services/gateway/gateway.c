/* State and helpers every route shares. */
#include <stdio.h>
#include <stdlib.h>

#include "gateway.h"

db_t *
gateway_db(gateway_t *gw)
{
    return gw->db;
}

const region_table_t *
gateway_regions(gateway_t *gw)
{
    return gw->regions;
}

const jsonr_value_t *
gateway_parse_body(http_req_t *req)
{
    if (!req->body_len) {
        http_problem(req, 400, "invalid_json", "Empty body", "a JSON body is required", NULL);
        return NULL;
    }
    jsonr_error_t error;
    const jsonr_value_t *body = jsonr_parse(req->gw->bodies, req->body, req->body_len, &error);
    if (body)
        return body;
    char detail[256];
    if (error.too_deep) {
        snprintf(detail, sizeof detail, "JSON may nest at most %d levels", JSONR_DEPTH_MAX);
        http_problem(req, 400, "invalid_json", "JSON nested too deeply", detail, NULL);
    } else {
        snprintf(detail, sizeof detail, "%s at line %d column %d", error.text, error.line,
                 error.column);
        http_problem(req, 400, "invalid_json", "Malformed JSON", detail, NULL);
    }
    return NULL;
}

void *
gateway_work_new(http_req_t *req, size_t size, void (*work_free)(void *work))
{
    void *work = calloc(1, size);
    if (!work) {
        http_problem(req, 500, "internal", "Out of memory", NULL, NULL);
        return NULL;
    }
    req->work = work;
    req->work_free = work_free;
    return work;
}
