#include "timers.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const service_timer_t *def;
    int64_t due_us;
    uint64_t round;   /* of timers_run in which it last fired */
} entry_t;

struct timers_t {
    entry_t *items;
    size_t n;
    uint64_t round;
};

timers_t *
timers_new(const service_timer_t *defs)
{
    timers_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    size_t n = 0;
    while (defs && defs[n].name)
        n++;
    self->items = calloc(n ? n : 1, sizeof *self->items);
    if (!self->items) {
        free(self);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        self->items[i] = (entry_t){&defs[i], 0, 0};   /* due at the start */
    self->n = n;
    return self;
}

void
timers_destroy(timers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->items);
    free(*self_p);
    *self_p = NULL;
}

int64_t
timers_next(const timers_t *self)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < self->n; i++)
        if (self->items[i].due_us < next)
            next = self->items[i].due_us;
    return next;
}

int
timers_arm(timers_t *self, const char *name, int64_t due_us)
{
    for (size_t i = 0; i < self->n; i++) {
        entry_t *t = &self->items[i];
        if (strcmp(t->def->name, name) == 0) {
            if (due_us < t->due_us)
                t->due_us = due_us;
            return 0;
        }
    }
    return -1;
}

size_t
timers_run(timers_t *self, service_t *svc, int64_t now_us)
{
    self->round++;
    size_t fired = 0;
    for (;;) {
        /* the earliest due timer not fired in this round: a few timers, a scan */
        entry_t *t = NULL;
        for (size_t i = 0; i < self->n; i++) {
            entry_t *c = &self->items[i];
            if (c->due_us <= now_us && c->round != self->round && (!t || c->due_us < t->due_us))
                t = c;
        }
        if (!t)
            return fired;
        t->round = self->round;
        /* not due again unless it says so, or a handler arms it meanwhile */
        t->due_us = INT64_MAX;
        int64_t next = t->def->fire(svc, now_us);
        if (next == -1)
            next = now_us + TIMERS_RETRY_US;
        if (next < t->due_us)
            t->due_us = next;
        fired++;
    }
}

long
timers_poll_timeout(int64_t now_ms, int64_t wake_ms, int64_t now_us, int64_t timer_us)
{
    int64_t ms = wake_ms > now_ms ? wake_ms - now_ms : 0;
    if (timer_us != INT64_MAX) {
        int64_t t = timer_us > now_us ? (timer_us - now_us + 999) / 1000 : 0;
        if (t < ms)
            ms = t;
    }
    return (long) ms;
}
