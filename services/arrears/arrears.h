/* hrss-arrears: wage-arrears enforcement (根治欠薪) and labor relations.
 *
 * Code lives by the aggregate it changes, one file each: projects.c,
 * clues.c, cases.c, arbitrations.c, injuries.c, blacklist.c; the reads
 * (deadlines, blacklist, person view) in queries.c. Every handler applies
 * one event as it reads (apply): it checks everything first and writes
 * only once the event is known to apply, so a rejection leaves nothing. */
#ifndef HRSS_ARREARS_H
#define HRSS_ARREARS_H

#include <stdint.h>

#include "service.h"

/* Legal time limits, in CST days. */
#define CLUE_DUE_DAYS 10          /* due_on default: 10 days after receipt */
#define ARBITRATION_DAYS 45       /* 劳动争议调解仲裁法 第四十三条 */
#define ARBITRATION_EXTENDED_DAYS 60
#define INJURY_DAYS 60            /* 工伤保险条例 第二十条 */

/* projects.c */
event_apply_fn arrears_project_registered;
/* clues.c */
event_apply_fn arrears_clue_received;
event_apply_fn arrears_clue_closed;
/* cases.c */
event_apply_fn arrears_case_opened;
event_apply_fn arrears_case_action;
event_apply_fn arrears_case_closed;
/* arbitrations.c */
event_apply_fn arrears_arbitration_filed;
event_apply_fn arrears_arbitration_closed;
/* injuries.c */
event_apply_fn arrears_injury_applied;
event_apply_fn arrears_injury_decided;
/* blacklist.c */
event_apply_fn arrears_employer_blacklisted;
event_apply_fn arrears_employer_delisted;
/* The timer of expiries: delists every listing whose 3 years have run out
 * by `now_us`, each with a derived arrears.employer_delisted (reason
 * "expired") in the feed. Returns when the next listing expires (µs since
 * the epoch), INT64_MAX when none is listed, -1 on a database error. */
#define ARREARS_EXPIRY_TIMER "blacklist_expiry"
int64_t arrears_blacklist_expire(service_t *svc, int64_t now_us);
/* The instant 3 calendar years (CST) after `listed_at_us`; 29 February
 * becomes 28 February in a common year. */
int64_t arrears_listing_expiry(int64_t listed_at_us);

/* queries.c */
int arrears_on_person(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                      arena_t *arena);
int arrears_on_command(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                     arena_t *arena);

/* util.c: shared by the aggregates */
/* The CST date of an instant, YYYY-MM-DD. */
char *arrears_day(int64_t us, char out[11]);
/* Runs a prepared statement and returns its result (NULL: database error). */
PGresult *arrears_query(service_t *svc, const char *name, const char *sql, int n,
                        const char *const *values);
/* Whether the pusher of `ev` may change a record of `region` (the record's
 * region must lie inside the token's). */
bool arrears_in_scope(const Hrss__Event *ev, const char *region);
int arrears_out_of_scope(verdict_t *v, const char *field, const char *what, const char *region);

#endif
