/* region — the national table of statistical division codes (统计用区划代码).
 *
 * A region code is 12 digits: province 2, city 2, county 2, township 3,
 * village 3. The table ships down to township (common/data/regions-*.csv);
 * village digits under a known township are accepted as given (docs/contract.md#regions).
 *
 * The table is loaded once and read-only afterwards, so it may be shared by
 * threads without locking. */
#ifndef HRSS_REGION_H
#define HRSS_REGION_H

#include <stdbool.h>
#include <stddef.h>

#define REGION_LEN 12

typedef enum {
    REGION_INVALID = -1, /* not a 12-digit code */
    REGION_NATION = 0,   /* "000000000000": the whole country, a scope only */
    REGION_PROVINCE = 1,
    REGION_CITY = 2,
    REGION_COUNTY = 3,
    REGION_TOWNSHIP = 4,
    REGION_VILLAGE = 5
} region_level_t;

typedef struct region_table_t region_table_t;

/* Loads regions-provinces.csv, regions-cities.csv, regions-areas.csv and
 * regions-streets.csv from `dir` (NULL: $HRSS_DATA_DIR, else the directory
 * compiled in). NULL on failure: a file missing or malformed, or a division
 * whose parent is not listed. Rows repeating a code (441900 as the county of
 * city 4419, 350527000 as the township of county 350527) are kept once. */
region_table_t *region_table_load(const char *dir);
void region_table_destroy(region_table_t **self_p);
size_t region_table_size(const region_table_t *self);

/* A 12-digit code that names a known division, or a village under a known
 * township. `code` gets "invalid_region" (not 12 digits) or "unknown_region".
 * The nation "000000000000" is a scope, not a place: it is unknown_region. */
int region_check(const region_table_t *self, const char *s, size_t len, const char **code);

/* Query parameters also accept the short forms 2, 4, 6, 9 digits
 * ("43", "4331", "433123", "433123101") and 12 digits. Writes the 12-digit
 * form; fails for unknown divisions just like region_check. */
int region_normalize(const region_table_t *self, const char *s, char out[REGION_LEN + 1],
                     const char **code);

/* Number of significant leading digits of a 12-digit code: 2, 4, 6, 9 or 12.
 * Trailing all-zero groups are insignificant ("441900000000" -> 4: the
 * county-level city 441900 and the city 4419 cover the same ground).
 * 0 for the nation "000000000000", -1 for anything that is not 12 digits. */
int region_prefix_len(const char *code12);

/* True when `inner` lies inside (or is) `outer`: the scope rule of tokens.
 * The nation contains every code; false when either is not 12 digits. */
bool region_contains(const char *outer, const char *inner);

/* Level of a 12-digit code, from its significant digits ("441900000000" is
 * REGION_CITY). REGION_NATION for the nation, REGION_INVALID if not 12 digits. */
region_level_t region_level(const char *code12);

/* The chain of ancestors of `code12` including itself, each written as 12
 * digits, from the code itself up to its province, without repeats
 * (441900003001 has 4: its county and city are one code). The nation is never
 * listed, except as the whole chain of "000000000000" itself. Returns how many
 * were written (at most 5), 0 if `code12` is not 12 digits. */
int region_ancestors(const char *code12, char out[5][REGION_LEN + 1]);

/* Name of a known division ("凤凰县"), or NULL for villages and unknown codes.
 * The nation is "全国". */
const char *region_name(const region_table_t *self, const char *code12);

/* Direct children of a known division, as 12-digit codes, in code order:
 * nation -> provinces, province -> cities, city -> counties, county ->
 * townships; a city that is its own county (4419 / 441900) -> townships, so
 * the tree never lists a code as its own child. Returns the count
 * written (at most `max`), or the total when out is NULL. Villages are not in
 * the table: a township has no listed children. */
size_t region_children(const region_table_t *self, const char *code12,
                       char (*out)[REGION_LEN + 1], size_t max);

#endif
