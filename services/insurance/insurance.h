/* hrss-insurance: social-insurance funds (社会保险基金): enrollment,
 * benefits, deaths and what they stop. */
#ifndef HRSS_INSURANCE_H
#define HRSS_INSURANCE_H

#include "service.h"

/* handlers.c */
extern const event_handler_t insurance_event_handlers[];
int insurance_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                        arena_t *arena);

/* persons_copy.c: the labor registry's regions, from employment's feed */
int insurance_on_person_registered(service_t *svc, const Hrss__Event *ev,
                                   const ProtobufCMessage *msg);
/* Writes what the page gathered (committing), or forgets it. */
int insurance_persons_copy_page_end(service_t *svc, bool committing);

#endif
