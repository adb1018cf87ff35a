/* stats — latency samples and their percentiles, for the bench programs. */
#ifndef HRSS_BENCH_STATS_H
#define HRSS_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double *v;                   /* milliseconds */
    size_t n, cap;
} samples_t;

void samples_add(samples_t *s, double ms);
/* Appends every sample of `from`. */
void samples_merge(samples_t *into, const samples_t *from);
/* p in [0, 100]; sorts the samples. 0 when empty. */
double samples_percentile(samples_t *s, double p);
void samples_free(samples_t *s);

/* Monotonic time in seconds. */
double bench_now(void);
/* CPU seconds (user + system) of this process so far. */
double bench_cpu_self(void);

#endif
