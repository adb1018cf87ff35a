/* timers — the scheduled work of a daemon's loop (service_timer_t).
 *
 * A set of named timers, each with the instant it is due next (µs since the
 * Unix epoch, realtime clock). The loop asks for the nearest deadline to set
 * zmq_poll's timeout, and fires what is due; nothing here sleeps or keeps a
 * thread. Every timer is due at once when the set is made, so work that fell
 * due while the daemon was down is done at its start.
 *
 * A timer's `fire` returns when it wants to run next: an instant, INT64_MAX
 * for "not until armed again", or -1 after a database error (again in
 * TIMERS_RETRY_US). An instant in the past runs it again at the next round,
 * never twice in one round. */
#ifndef HRSS_TIMERS_H
#define HRSS_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include "service.h"

#define TIMERS_RETRY_US 1000000   /* after a failed run */

typedef struct timers_t timers_t;

/* A set of the timers of `defs` ({NULL} terminated, or NULL: none), all due
 * now. NULL when out of memory. */
timers_t *timers_new(const service_timer_t *defs);
void timers_destroy(timers_t **self_p);

/* The nearest instant a timer is due, INT64_MAX when none is armed. */
int64_t timers_next(const timers_t *self);

/* Brings the timer `name` forward to due_us, never later than it is: -1
 * when there is no such timer. */
int timers_arm(timers_t *self, const char *name, int64_t due_us);

/* Fires, earliest first, every timer due at `now_us` and takes the time of
 * its next run from its answer. Returns how many fired. */
size_t timers_run(timers_t *self, service_t *svc, int64_t now_us);

/* zmq_poll's timeout in ms: until `wake_ms` (the loop's own deadlines,
 * monotonic ms) or `timer_us` (timers_next, realtime µs; INT64_MAX: none),
 * whichever comes first, 0 when one is past. Rounded up, so that the loop
 * does not spin through the last fraction of a millisecond. */
long timers_poll_timeout(int64_t now_ms, int64_t wake_ms, int64_t now_us, int64_t timer_us);

#endif
