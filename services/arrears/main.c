/* hrss-arrears daemon entry point: wage-arrears enforcement (根治欠薪) and
 * labor relations. It owns its schema and answers readiness and its feed;
 * its event handlers are the next slice (events of its types are rejected
 * with `unsupported_type` until then). */
#include "service.h"

static const event_handler_t s_handlers[] = {{NULL, NULL}};

static const service_def_t s_arrears = {
    .name = "arrears",
    .events = s_handlers,
};

int
main(void)
{
    return service_main(&s_arrears);
}
