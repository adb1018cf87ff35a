/* State and helpers every route shares. */
#include <stdio.h>
#include <stdlib.h>

#include "gateway.h"
#include "json_block.h"

#define JSON_DEPTH_MAX 32

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

static int
s_depth(const json_t *v, int limit)
{
    if (limit < 0)
        return -1;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *) v, k, c) if (s_depth(c, limit - 1) < 0) return -1;
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) if (s_depth(c, limit - 1) < 0) return -1;
    }
    return 0;
}

json_t *
gateway_parse_body(http_req_t *req)
{
    if (!req->body_len) {
        http_problem(req, 400, "invalid_json", "Empty body", "a JSON body is required", NULL);
        return NULL;
    }
    json_error_t error;
    /* duplicate keys are ambiguous: which one did the sender mean? */
    json_t *body = json_block_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &error);
    if (!body) {
        char detail[256];
        snprintf(detail, sizeof detail, "%s at line %d column %d", error.text, error.line,
                 error.column);
        http_problem(req, 400, "invalid_json", "Malformed JSON", detail, NULL);
        return NULL;
    }
    if (s_depth(body, JSON_DEPTH_MAX) < 0) {
        gateway_body_free(body);
        http_problem(req, 400, "invalid_json", "JSON nested too deeply",
                     "JSON may nest at most 32 levels", NULL);
        return NULL;
    }
    return body;
}

void
gateway_body_free(json_t *body)
{
    json_block_release(body);
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
