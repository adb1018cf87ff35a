#include "procstat.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The boot time (btime of /proc/stat), in seconds since the epoch. */
static int
s_boot_time(double *out)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    char line[256];
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long long btime;
        if (sscanf(line, "btime %llu", &btime) == 1) {
            *out = (double) btime;
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* The process's start, in clock ticks after boot: field 22 of
 * /proc/self/stat, counted after the command name's closing parenthesis
 * (the name may hold spaces and parentheses). */
static int
s_start_ticks(unsigned long long *out)
{
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* after ")": field 3 (state) is the first; starttime is field 22 */
    p++;
    for (int field = 3; field < 22; field++) {
        p = strchr(p + 1, ' ');
        if (!p)
            return -1;
    }
    return sscanf(p, " %llu", out) == 1 ? 0 : -1;
}

int
procstat_read(procstat_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = 0;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        out->cpu_seconds = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
                           (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
    else
        rc = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size, resident;
    if (f && fscanf(f, "%llu %llu", &size, &resident) == 2)
        out->resident_bytes = resident * (uint64_t) sysconf(_SC_PAGESIZE);
    else
        rc = -1;
    if (f)
        fclose(f);
    double boot;
    unsigned long long ticks;
    long hz = sysconf(_SC_CLK_TCK);
    if (s_boot_time(&boot) == 0 && s_start_ticks(&ticks) == 0 && hz > 0)
        out->start_time_seconds = boot + (double) ticks / (double) hz;
    else
        rc = -1;
    return rc;
}
