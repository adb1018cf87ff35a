/* hrss-arrears daemon entry point: wage-arrears enforcement (根治欠薪) and
 * labor relations. It owns its schema and answers readiness and its feed;
 * its event handlers are the next slice (events of its types are rejected
 * with `unsupported_type` until then). */
#include "service.h"

static const event_handler_t s_handlers[] = {{.type = NULL}};

/* Its part of the person view: no arrears record names a person yet. */
static int
s_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply, arena_t *arena)
{
    (void) svc;
    (void) req;
    Hrss__PersonPart *part = arena_alloc(arena, sizeof *part);
    if (!part)
        return -1;
    hrss__person_part__init(part);
    part->service = "arrears";
    part->known = 0;
    reply->body_case = HRSS__REPLY__BODY_PERSON;
    reply->person = part;
    return 0;
}

static const service_def_t s_arrears = {
    .name = "arrears",
    .events = s_handlers,
    .on_person = s_on_person,
};

int
main(void)
{
    return service_main(&s_arrears);
}
