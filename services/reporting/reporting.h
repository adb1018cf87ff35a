/* hrss-reporting: the read model of the bureau's figures (统计), built only
 * from the other services' feeds: indicator facts by region and month, rolled
 * up the region tree, annual targets, and the small copies of persons and
 * enrollments it needs to tell how a stock changes. */
#ifndef HRSS_REPORTING_H
#define HRSS_REPORTING_H

#include "service.h"

/* feeds.c: handlers of the feeds reporting consumes. */
extern const feed_handler_t reporting_employment_feed[];
extern const feed_handler_t reporting_insurance_feed[];
extern const feed_handler_t reporting_arrears_feed[];
/* The indicators those handlers produce, by aggregate ({NULL} terminated). */
extern const indicator_producer_t reporting_indicators[];
/* The page_end of every subscription: reads the answers of the page's
 * statements and writes the page's facts in one upsert (committing), or
 * forgets the page. */
int reporting_page_end(service_t *svc, const char *source, bool committing);
/* Frees what the feeds kept between pages, at exit. */
void reporting_feeds_free(void);

/* queries.c: the region table the breakdowns walk, loaded once at start
 * ($HRSS_DATA_DIR), and the cache of answers; 0, or -1 when they cannot be
 * made. */
int reporting_regions_load(void);
void reporting_regions_free(void);

int reporting_on_indicators(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                            arena_t *arena);
int reporting_on_targets(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                         arena_t *arena);

#endif
