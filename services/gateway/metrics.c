/* Prometheus text-format metrics of the gateway. Counters and histograms
 * live in one table keyed by family and labels; the gateway's one thread
 * touches them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "hashtab.h"
#include "procstat.h"
#include "timeutil.h"

#ifndef HRSS_VERSION
#define HRSS_VERSION "unknown"
#endif
#ifndef HRSS_COMMIT
#define HRSS_COMMIT "unknown"
#endif

/* Far more label sets than exist; past it, a label set more is not worth
 * failing a request for: it is not counted. */
#define METRICS_MAX 2048
#define KEY_MAX 192

static const double s_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                  0.1,    0.25,  0.5,    1,     2.5,   5,     10};
#define NBUCKETS (sizeof s_bounds / sizeof *s_bounds)

typedef struct {
    const char *family;               /* one of s_families[].name */
    char labels[KEY_MAX];
    uint64_t count;
    uint64_t buckets[NBUCKETS];       /* histograms: observations <= bound */
    uint64_t sum_us;
} entry_t;

struct metrics_t {
    entry_t entries[METRICS_MAX];     /* [0, n), in the order first seen */
    size_t n;
    hashtab_t index;                  /* (family, labels) -> entries */
    uint64_t answers[2];    /* indicator answers from the cache: [0] missed, [1] found */
    uint64_t early_refusals;
};


static const struct {
    const char *name, *type, *help;
} s_families[] = {
    {"hrss_http_requests_total", "counter", "HTTP requests by route and status"},
    {"hrss_http_request_duration_seconds", "histogram", "HTTP request latency by route"},
    {"hrss_events_total", "counter", "pushed events by type and outcome"},
    {"hrss_service_rtt_seconds", "histogram", "round trip from the gateway to a service"},
    {"hrss_service_timeouts_total", "counter", "service requests that found no answer in time"},
};

metrics_t *
metrics_new(void)
{
    metrics_t *self = calloc(1, sizeof(metrics_t));
    if (self)
        hashtab_init(&self->index);
    return self;
}

void
metrics_destroy(metrics_t **self_p)
{
    if (self_p && *self_p) {
        hashtab_free(&(*self_p)->index);
        free(*self_p);
        *self_p = NULL;
    }
}

static uint64_t
s_key_hash(const char *family, const char *labels)
{
    return hash_str(hash_sep(hash_str(HASH_INIT, family)), labels);
}

static uint64_t
s_entry_hash(const void *ctx, uint32_t index)
{
    const metrics_t *m = ctx;
    return s_key_hash(m->entries[index].family, m->entries[index].labels);
}

typedef struct {
    const metrics_t *m;
    const char *family, *labels;
} key_probe_t;

static bool
s_entry_eq(const void *ctx, uint32_t index)
{
    const key_probe_t *p = ctx;
    const entry_t *e = &p->m->entries[index];
    return e->family == p->family && strcmp(e->labels, p->labels) == 0;
}

/* The entry of the label set, added when new; NULL when the table is full
 * or memory is short. */
static entry_t *
s_entry(metrics_t *m, const char *family, const char *labels)
{
    if (hashtab_reserve(&m->index, m->n < METRICS_MAX ? m->n + 1 : METRICS_MAX, s_entry_hash, m))
        return NULL;
    key_probe_t probe = {m, family, labels};
    hashtab_slot_t *slot =
        hashtab_find(&m->index, s_key_hash(family, labels), s_entry_eq, &probe);
    uint32_t at = hashtab_at(&m->index, slot);
    if (at)
        return &m->entries[at - 1];
    if (m->n == METRICS_MAX)
        return NULL;
    entry_t *e = &m->entries[m->n];
    e->family = family;
    snprintf(e->labels, sizeof e->labels, "%s", labels);
    hashtab_put(&m->index, slot, (uint32_t) m->n++);
    return e;
}

static void
s_observe(metrics_t *m, const char *family, const char *labels, int64_t us)
{
    entry_t *e = s_entry(m, family, labels);
    if (!e)
        return;
    e->count++;
    e->sum_us += (uint64_t) (us > 0 ? us : 0);
    for (size_t b = 0; b < NBUCKETS; b++)
        if ((double) us <= s_bounds[b] * 1e6)
            e->buckets[b]++;
}

static void
s_count(metrics_t *m, const char *family, const char *labels, uint64_t n)
{
    entry_t *e = s_entry(m, family, labels);
    if (e)
        e->count += n;
}

void
metrics_request(metrics_t *m, const char *route, int status, int64_t us)
{
    char labels[KEY_MAX];
    snprintf(labels, sizeof labels, "route=\"%s\",status=\"%d\"", route ? route : "none", status);
    s_count(m, s_families[0].name, labels, 1);
    snprintf(labels, sizeof labels, "route=\"%s\"", route ? route : "none");
    s_observe(m, s_families[1].name, labels, us);
}

void
metrics_events(metrics_t *m, const char *type, const char *outcome, uint64_t n)
{
    char labels[KEY_MAX];
    snprintf(labels, sizeof labels, "type=\"%s\",outcome=\"%s\"", type, outcome);
    s_count(m, s_families[2].name, labels, n);
}

void
metrics_rtt(metrics_t *m, service_id_t service, int64_t us)
{
    char labels[KEY_MAX];
    snprintf(labels, sizeof labels, "service=\"%s\"", service_name(service));
    s_observe(m, s_families[3].name, labels, us);
}

void
metrics_timeout(metrics_t *m, service_id_t service)
{
    char labels[KEY_MAX];
    snprintf(labels, sizeof labels, "service=\"%s\"", service_name(service));
    s_count(m, s_families[4].name, labels, 1);
}

void
metrics_answer(metrics_t *m, bool cached)
{
    m->answers[cached ? 1 : 0]++;
}

void
metrics_early_refusal(metrics_t *m)
{
    m->early_refusals++;
}

/* A growing text buffer for the exposition. */
typedef struct {
    char *buf;
    size_t len, cap;
} text_t;

static void __attribute__((format(printf, 2, 3)))
s_printf(text_t *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (t->buf && t->len + (size_t) n < t->cap) {
            t->len += (size_t) n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 16384;
        while (cap < t->len + (size_t) n + 1)
            cap *= 2;
        char *buf = realloc(t->buf, cap);
        if (!buf)
            return;
        t->buf = buf;
        t->cap = cap;
    }
}

/* A counter that each service reports of itself, for those that answered. */
static void
s_service_counter(text_t *t, const char *name, const char *help,
                  const Hrss__Pong *const pongs[SERVICE_COUNT],
                  uint64_t (*value)(const Hrss__Pong *pong))
{
    s_printf(t, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (int s = 0; s < SERVICE_COUNT; s++)
        if (pongs[s])
            s_printf(t, "%s{service=\"%s\"} %llu\n", name, service_name((service_id_t) s),
                     (unsigned long long) value(pongs[s]));
}

static uint64_t
s_careful_batches(const Hrss__Pong *pong)
{
    return pong->careful_batches;
}

static uint64_t
s_resent_batches(const Hrss__Pong *pong)
{
    return pong->resent_batches;
}

static uint64_t
s_redone_batches(const Hrss__Pong *pong)
{
    return pong->redone_batches;
}

/* The standard process metrics, one series per daemon: the gateway's own,
 * read here, and each service's, from its Pong. */
static void
s_process(text_t *t, const Hrss__Pong *const pongs[SERVICE_COUNT])
{
    procstat_t self;
    (void) procstat_read(&self);
    s_printf(t, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                "# TYPE process_resident_memory_bytes gauge\n"
                "process_resident_memory_bytes{service=\"gateway\"} %llu\n",
             (unsigned long long) self.resident_bytes);
    for (int s = 0; s < SERVICE_COUNT; s++)
        if (pongs[s] && pongs[s]->has_resident_bytes)
            s_printf(t, "process_resident_memory_bytes{service=\"%s\"} %llu\n",
                     service_name((service_id_t) s),
                     (unsigned long long) pongs[s]->resident_bytes);
    s_printf(t, "# HELP process_cpu_seconds_total Total user and system CPU time spent in"
                " seconds.\n# TYPE process_cpu_seconds_total counter\n"
                "process_cpu_seconds_total{service=\"gateway\"} %.6f\n",
             self.cpu_seconds);
    for (int s = 0; s < SERVICE_COUNT; s++)
        if (pongs[s] && pongs[s]->has_cpu_seconds)
            s_printf(t, "process_cpu_seconds_total{service=\"%s\"} %.6f\n",
                     service_name((service_id_t) s), pongs[s]->cpu_seconds);
    s_printf(t, "# HELP process_start_time_seconds Start time of the process since unix epoch"
                " in seconds.\n# TYPE process_start_time_seconds gauge\n"
                "process_start_time_seconds{service=\"gateway\"} %.2f\n",
             self.start_time_seconds);
    for (int s = 0; s < SERVICE_COUNT; s++)
        if (pongs[s] && pongs[s]->has_start_time_seconds)
            s_printf(t, "process_start_time_seconds{service=\"%s\"} %.2f\n",
                     service_name((service_id_t) s), pongs[s]->start_time_seconds);
}

char *
metrics_render(metrics_t *m, const Hrss__Pong *const pongs[SERVICE_COUNT], size_t *len)
{
    text_t t = {0};
    for (size_t f = 0; f < sizeof s_families / sizeof *s_families; f++) {
        const char *name = s_families[f].name;
        bool histogram = strcmp(s_families[f].type, "histogram") == 0;
        s_printf(&t, "# HELP %s %s\n# TYPE %s %s\n", name, s_families[f].help, name,
                 s_families[f].type);
        for (size_t i = 0; i < m->n; i++) {
            const entry_t *e = &m->entries[i];
            if (e->family != name)
                continue;
            if (!histogram) {
                s_printf(&t, "%s{%s} %llu\n", name, e->labels, (unsigned long long) e->count);
                continue;
            }
            for (size_t b = 0; b < NBUCKETS; b++)
                s_printf(&t, "%s_bucket{%s,le=\"%g\"} %llu\n", name, e->labels, s_bounds[b],
                         (unsigned long long) e->buckets[b]);
            s_printf(&t, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, e->labels,
                     (unsigned long long) e->count);
            s_printf(&t, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, e->labels,
                     (double) e->sum_us / 1e6, name, e->labels, (unsigned long long) e->count);
        }
    }
    s_printf(&t, "# HELP hrss_http_early_refusals_total requests refused before reaching the"
                 " request was routed (too large, shutting down)\n"
                 "# TYPE hrss_http_early_refusals_total counter\n"
                 "hrss_http_early_refusals_total %llu\n",
             (unsigned long long) m->early_refusals);
    s_printf(&t, "# HELP hrss_gateway_answers_total indicator queries answered from the"
                 " gateway's cache of reporting's answers (hit) or asked of reporting (miss)\n"
                 "# TYPE hrss_gateway_answers_total counter\n"
                 "hrss_gateway_answers_total{result=\"hit\"} %llu\n"
                 "hrss_gateway_answers_total{result=\"miss\"} %llu\n",
             (unsigned long long) m->answers[1], (unsigned long long) m->answers[0]);

    /* what the services said of themselves just now */
    s_printf(&t, "# HELP hrss_service_up 1 when the service answered and has its database\n"
                 "# TYPE hrss_service_up gauge\n");
    for (int s = 0; s < SERVICE_COUNT; s++)
        s_printf(&t, "hrss_service_up{service=\"%s\"} %d\n", service_name((service_id_t) s),
                 pongs[s] && pongs[s]->ready ? 1 : 0);
    s_printf(&t, "# HELP hrss_outbox_head highest committed outbox sequence number\n"
                 "# TYPE hrss_outbox_head gauge\n");
    for (int s = 0; s < SERVICE_COUNT; s++)
        if (pongs[s] && pongs[s]->has_outbox_head)
            s_printf(&t, "hrss_outbox_head{service=\"%s\"} %llu\n",
                     service_name((service_id_t) s), (unsigned long long) pongs[s]->outbox_head);
    s_printf(&t, "# HELP hrss_feed_lag_events events of a source's feed not yet applied by a"
                 " consumer\n# TYPE hrss_feed_lag_events gauge\n");
    for (int s = 0; s < SERVICE_COUNT; s++)
        for (size_t i = 0; pongs[s] && i < pongs[s]->n_feeds; i++) {
            const Hrss__FeedPosition *p = pongs[s]->feeds[i];
            s_printf(&t, "hrss_feed_lag_events{consumer=\"%s\",source=\"%s\"} %llu\n",
                     service_name((service_id_t) s), p->source,
                     (unsigned long long) (p->head > p->cursor ? p->head - p->cursor : 0));
        }
    s_printf(&t, "# HELP hrss_feed_pages_total pages of a source's feed a consumer applied,"
                 " one transaction each, since it started\n"
                 "# TYPE hrss_feed_pages_total counter\n");
    for (int s = 0; s < SERVICE_COUNT; s++)
        for (size_t i = 0; pongs[s] && i < pongs[s]->n_feeds; i++)
            s_printf(&t, "hrss_feed_pages_total{consumer=\"%s\",source=\"%s\"} %llu\n",
                     service_name((service_id_t) s), pongs[s]->feeds[i]->source,
                     (unsigned long long) pongs[s]->feeds[i]->pages);
    s_printf(&t, "# HELP hrss_service_dropped_requests_total requests a service dropped as"
                 " malformed or unknown\n# TYPE hrss_service_dropped_requests_total counter\n");
    for (int s = 0; s < SERVICE_COUNT; s++)
        if (pongs[s])
            s_printf(&t, "hrss_service_dropped_requests_total{service=\"%s\",reason=\"malformed\"}"
                         " %llu\nhrss_service_dropped_requests_total{service=\"%s\","
                         "reason=\"unknown\"} %llu\n",
                     service_name((service_id_t) s), (unsigned long long) pongs[s]->malformed,
                     service_name((service_id_t) s), (unsigned long long) pongs[s]->unknown);
    s_process(&t, pongs);
    s_printf(&t, "# HELP hrss_build_info the gateway's build: version and git commit\n"
                 "# TYPE hrss_build_info gauge\n"
                 "hrss_build_info{version=\"%s\",commit=\"%s\"} 1\n",
             HRSS_VERSION, HRSS_COMMIT);
    s_service_counter(&t, "hrss_service_careful_batches_total",
                      "event batches a service applied again event by event, because an"
                      " event's data tripped the database",
                      pongs, s_careful_batches);
    s_service_counter(&t, "hrss_service_resent_batches_total",
                      "event batches a service applied again, asking the inbox first, because"
                      " one of their ids was accepted before",
                      pongs, s_resent_batches);
    s_service_counter(&t, "hrss_service_redone_batches_total",
                      "event batches a service applied again in steps, their verdicts read"
                      " first, because an event was refused in one pipeline",
                      pongs, s_redone_batches);
    *len = t.len;
    return t.buf;
}
