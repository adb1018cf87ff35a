/* hrss-arrears daemon entry point: wage-arrears enforcement (根治欠薪) and
 * labor relations. The service skeleton plus this service's tables: one
 * handler per event type it owns, each in the file of its aggregate. */
#include "arrears.h"

static const event_handler_t s_handlers[] = {
    {.type = "arrears.project_registered", .apply = arrears_project_registered},
    {.type = "arrears.clue_received", .apply = arrears_clue_received},
    {.type = "arrears.clue_closed", .apply = arrears_clue_closed},
    {.type = "arrears.case_opened", .apply = arrears_case_opened},
    {.type = "arrears.case_action", .apply = arrears_case_action},
    {.type = "arrears.case_closed", .apply = arrears_case_closed},
    {.type = "arrears.employer_blacklisted", .apply = arrears_employer_blacklisted},
    {.type = "arrears.employer_delisted", .apply = arrears_employer_delisted},
    {.type = "arrears.arbitration_filed", .apply = arrears_arbitration_filed},
    {.type = "arrears.arbitration_closed", .apply = arrears_arbitration_closed},
    {.type = "arrears.injury_applied", .apply = arrears_injury_applied},
    {.type = "arrears.injury_decided", .apply = arrears_injury_decided},
    {.type = NULL}};

static const service_timer_t s_timers[] = {
    {ARREARS_EXPIRY_TIMER, arrears_blacklist_expire},
    {NULL, NULL}};

static const service_def_t s_arrears = {
    .name = "arrears",
    .events = s_handlers,
    .on_person = arrears_on_person,
    .on_command = arrears_on_command,
    .timers = s_timers,
};

int
main(void)
{
    return service_main(&s_arrears);
}
