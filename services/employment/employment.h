/* hrss-employment: the labor-force registry, unemployment and employment
 * registration (就业), and everything that counts towards them. */
#ifndef HRSS_EMPLOYMENT_H
#define HRSS_EMPLOYMENT_H

#include "service.h"

/* handlers.c */
extern const event_handler_t employment_event_handlers[];
extern const feed_handler_t employment_insurance_feed[];
int employment_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                         arena_t *arena);

#endif
