/* What a daemon costs the machine, as every Prometheus exporter reports it
 * (process_resident_memory_bytes, process_cpu_seconds_total,
 * process_start_time_seconds), read from Linux's /proc. */
#ifndef HRSS_PROCSTAT_H
#define HRSS_PROCSTAT_H

#include <stdint.h>

typedef struct {
    uint64_t resident_bytes;
    double cpu_seconds;          /* user + system, every thread */
    double start_time_seconds;   /* since the Unix epoch */
} procstat_t;

/* 0 with `out` filled; -1 when /proc could not be read (fields it could
 * read are filled, the others 0). */
int procstat_read(procstat_t *out);

#endif
