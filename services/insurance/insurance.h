/* hrss-insurance: social-insurance funds (社会保险基金): enrollment,
 * benefits, deaths and what they stop, contributions, certifications,
 * employers, supervision, the fund ledger, payment runs and corrections. */
#ifndef HRSS_INSURANCE_H
#define HRSS_INSURANCE_H

#include <stdbool.h>

#include "service.h"

/* Liveness (待遇资格认证): a pension whose last certification, or its start
 * when never certified, lies more than 12 months before period P is not
 * paid. SQL over `b` (benefits) and `lc.on_` (the last certified_on). */
#define INSURANCE_PENSIONS "('enterprise_pension', 'institution_pension', 'resident_pension')"
#define INSURANCE_LIVENESS_LAPSED(P)                                                          \
    "(b.scheme IN " INSURANCE_PENSIONS " AND month_index(" P ") - month_index(coalesce("      \
    "(extract(year FROM lc.on_) * 100 + extract(month FROM lc.on_))::int, b.first_period))"   \
    " > 12)"

/* handlers.c: enrollment, benefits, deaths; the person view */
extern const event_handler_t insurance_event_handlers[];
int insurance_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                        arena_t *arena);

/* persons_copy.c: the labor registry's regions, from employment's feed */
int insurance_on_person_registered(service_t *svc, const Hrss__Event *ev,
                                   const ProtobufCMessage *msg);
/* Writes what the page gathered (committing), or forgets it. */
int insurance_persons_copy_page_end(service_t *svc, bool committing);

/* contributions.c, certifications.c, employers.c, supervision.c */
extern const event_handler_t insurance_contribution_handlers[];
extern const event_handler_t insurance_certification_handlers[];
extern const event_handler_t insurance_employer_handlers[];
extern const event_handler_t insurance_supervision_handlers[];
/* employers.c: the blacklist copy, from arrears' feed */
extern const feed_handler_t insurance_arrears_feed[];
/* supervision.c: stores a suspicious record; *inserted false when its id
 * was known */
int insurance_suspicious_insert(service_t *svc, const Hrss__SuspiciousRecordReceived *d,
                                const char *region, int64_t occurred_at_us, bool *inserted);
/* employed_rule.c: employment.employed from employment's feed */
int insurance_on_employed(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data);

/* person_money.c: the last 12 payments, open recoveries, last certification */
int insurance_person_money(service_t *svc, const char *id_number, Hrss__PersonPart *part,
                           arena_t *arena);

/* commands.c: Request cases 30-39, each in its own file */
int insurance_on_command(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                         arena_t *arena);
int insurance_payment_run(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                          arena_t *arena);
int insurance_payment_run_query(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                                arena_t *arena);
int insurance_funds(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                    arena_t *arena);
int insurance_correction_propose(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                                 arena_t *arena);
int insurance_correction_approve(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                                 arena_t *arena);
int insurance_corrections_list(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                               arena_t *arena);
/* The 12-digit codes under a region whose first `len` digits are
 * significant (region_prefix_len), as the range [lo, hi]. */
void insurance_region_range(const char *region, int len, char lo[13], char hi[13]);
/* A command refused: a Failure that is not retryable, whose code the
 * gateway maps to its HTTP status. */
int insurance_refuse(Hrss__Reply *reply, arena_t *arena, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
