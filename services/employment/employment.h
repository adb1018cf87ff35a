/* hrss-employment: the labor-force registry, unemployment and employment
 * registration (就业), and everything that counts towards them. */
#ifndef HRSS_EMPLOYMENT_H
#define HRSS_EMPLOYMENT_H

#include "service.h"

/* handlers.c: the registry, the table of every handler, the person view */
extern const event_handler_t employment_event_handlers[];
extern const feed_handler_t employment_insurance_feed[];
int employment_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                         arena_t *arena);

/* verdicts.c: what the statements of the aggregates below answer. Each
 * answers one row per event of its run, its first column NULL where the
 * event applied, else a rejection code ("duplicate_key" with ":same" when
 * the key was recorded with the same content); `key_field` names the field
 * of a duplicate key. */
int employment_verdict(const PGresult *res, int row, verdict_t *v, const char *key_field);
/* SQL: why an event about the person with id number `id` may not apply:
 * NULL for a living registered person, else the rejection code. A person
 * whose death insurance reported is deceased whether or not registered here,
 * as the registry's own handlers answer. An expression, not a SQL function:
 * a function with subqueries is not inlined, and would be planned apart. */
#define EMP_PERSON_VERDICT(id)                                                                \
    "nullif(CASE WHEN EXISTS (SELECT 1 FROM deaths d WHERE d.id_number = " id ")"            \
    " THEN 'person_deceased' ELSE coalesce((SELECT CASE WHEN p.died_on IS NOT NULL"          \
    " THEN 'person_deceased' ELSE '' END FROM persons p WHERE p.id_number = " id "),"        \
    " 'unknown_person') END, '')"
/* A column of a row, copied into `arena`, or NULL. */
char *employment_col(arena_t *arena, const PGresult *res, int row, int col);
/* SQL of the instant (µs) `at` as a date in China Standard Time. */
#define EMP_CST_DATE(at)                                                                      \
    "to_char(to_timestamp(" at " / 1000000.0) AT TIME ZONE 'UTC' + interval '8 hours',"       \
    " 'YYYY-MM-DD')"

/* Each aggregate's handlers, and its part of the person view: it adds its
 * rows of the person to the record (0, or -1 on a database error). */
/* jobs.c: postings, recommendations and their results */
event_send_fn employment_job_posted, employment_job_recommended,
    employment_recommendation_result;
event_apply_fn employment_job_check;
event_key_fn employment_job_key;
event_result_fn employment_job_result, employment_recommendation_verdict;
int employment_jobs_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                           arena_t *arena);
/* fairs.c */
event_send_fn employment_job_fair_held;
event_key_fn employment_fair_key;
event_result_fn employment_fair_result;
/* graduates.c */
event_send_fn employment_graduate_followed_up;
event_result_fn employment_person_result;
int employment_graduates_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                                arena_t *arena);
/* trainings.c */
event_send_fn employment_training_completed;
int employment_trainings_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                                arena_t *arena);
/* placements.c */
event_send_fn employment_public_welfare_placed;
int employment_placements_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                                 arena_t *arena);
/* funds.c: startup loans and subsidies */
event_send_fn employment_startup_loan_disbursed, employment_subsidy_paid;
event_apply_fn employment_loan_check, employment_subsidy_check;
event_key_fn employment_loan_key, employment_subsidy_key;
event_result_fn employment_loan_result, employment_subsidy_result;
int employment_funds_person(service_t *svc, const char *id_number, Hrss__LaborRecord *r,
                            arena_t *arena);
/* blacklist.c: the copy of arrears' blacklist */
extern const feed_handler_t employment_arrears_feed[];

#endif
