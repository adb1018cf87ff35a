/* report_format — how the bureaus' reports write a figure: amounts in 万元
 * (up to two decimals, trailing zeros dropped: 59.5万元), percentages with
 * two decimals (117.75%), and the level word of a region (全县, 全镇, 全州).
 * Pure functions, so that the summary's wording is tested on its own. */
#ifndef HRSS_REPORT_FORMAT_H
#define HRSS_REPORT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "region.h"

#define REPORT_NUM_LEN 32   /* room for any int64 in any of the forms below */

/* `fen` in 万元 (1万元 = 1 000 000 fen), rounded half away from zero to
 * 0.01万元, without trailing zeros: 595000000 -> "595", 5950000 -> "5.95",
 * 59500000 -> "59.5". Returns `out`. */
char *report_wan(int64_t fen, char out[REPORT_NUM_LEN]);

/* num/den as a percentage with two decimals and a "%", rounded half away
 * from zero: 2826 of 2400 -> "117.75%". NULL when den is 0 (0 of 0 is no
 * value) or negative. */
char *report_percent(int64_t num, int64_t den, char out[REPORT_NUM_LEN]);

/* A value in hundredths already (a rate the catalog stores so) as "12.34%". */
char *report_hundredths_percent(int64_t hundredths, char out[REPORT_NUM_LEN]);

/* The level word of a division named `name` at `level`: 全省 (全区 for an
 * autonomous region, 全市 for a municipality), 全州 for an autonomous
 * prefecture (全盟 for a league, 全区 for a 地区), else 全市; 全县 (全区,
 * 全市, 全旗 by the county's name); 全镇, 全乡 (全街道 for a subdistrict);
 * 全村; 全国. `name` may be NULL (a village): the level alone decides. */
const char *report_level_word(region_level_t level, const char *name);

/* Whether `text` ends with `suffix` (UTF-8 bytes). */
int report_ends_with(const char *text, const char *suffix);

#endif
