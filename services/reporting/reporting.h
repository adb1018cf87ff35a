/* hrss-reporting: the read model of the bureau's figures (统计), built only
 * from the other services' feeds: indicator facts by region and month, rolled
 * up the region tree, annual targets, and the small copies of persons and
 * enrollments it needs to tell how a stock changes. */
#ifndef HRSS_REPORTING_H
#define HRSS_REPORTING_H

#include "service.h"

/* The feeds: one file per aggregate reporting keeps, on the page engine of
 * page.c (aggregate.h). */

/* queries.c: the region table the breakdowns walk, loaded once at start
 * ($HRSS_DATA_DIR), and the cache of answers; 0, or -1 when they cannot be
 * made. */
int reporting_regions_load(void);
void reporting_regions_free(void);
/* The region table loaded by reporting_regions_load. */
struct region_table_t *reporting_regions(void);

int reporting_on_indicators(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                            arena_t *arena);
int reporting_on_targets(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                         arena_t *arena);

/* summary.c: the work summary (SummaryQuery), and the dispatch of
 * reporting's own requests (cases 50-59). */
int reporting_on_summary(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                         arena_t *arena);
/* approval.c: monthly approval and locking (ReportStepRequest, ReportQuery). */
int reporting_on_report_step(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                             arena_t *arena);
int reporting_on_report(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                        arena_t *arena);
int reporting_on_command(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                         arena_t *arena);

#endif
