#include "stats.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void
samples_add(samples_t *s, double ms)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        double *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return;   /* a sample lost to OOM does not matter */
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = ms;
}

void
samples_merge(samples_t *into, const samples_t *from)
{
    for (size_t i = 0; i < from->n; i++)
        samples_add(into, from->v[i]);
}

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

double
samples_percentile(samples_t *s, double p)
{
    if (s->n == 0)
        return 0;
    qsort(s->v, s->n, sizeof *s->v, s_cmp);
    /* nearest rank */
    size_t rank = (size_t) (p / 100.0 * (double) s->n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > s->n)
        rank = s->n;
    return s->v[rank - 1];
}

void
samples_free(samples_t *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

double
bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

double
bench_cpu_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
           (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
}
