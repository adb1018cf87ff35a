#include "report_format.h"

#include <stdio.h>
#include <string.h>

/* |v| rounded half away from zero to units of `unit`, with the sign apart:
 * int64 arithmetic only, so no value is ever printed through a double. */
static uint64_t
s_round(int64_t v, uint64_t unit, int *negative)
{
    uint64_t mag = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
    *negative = v < 0;
    return mag / unit + (mag % unit * 2 >= unit ? 1 : 0);
}

/* `hundredths` as "12.34", "12.3" or "12" (drop) or always "12.34". */
static void
s_hundredths(uint64_t hundredths, int negative, int drop, char *out, size_t len)
{
    uint64_t whole = hundredths / 100, frac = hundredths % 100;
    const char *sign = negative && hundredths ? "-" : "";
    if (!drop)
        snprintf(out, len, "%s%llu.%02llu", sign, (unsigned long long) whole,
                 (unsigned long long) frac);
    else if (frac == 0)
        snprintf(out, len, "%s%llu", sign, (unsigned long long) whole);
    else if (frac % 10 == 0)
        snprintf(out, len, "%s%llu.%llu", sign, (unsigned long long) whole,
                 (unsigned long long) (frac / 10));
    else
        snprintf(out, len, "%s%llu.%02llu", sign, (unsigned long long) whole,
                 (unsigned long long) frac);
}

char *
report_wan(int64_t fen, char out[REPORT_NUM_LEN])
{
    int negative;
    uint64_t hundredths = s_round(fen, 10000, &negative);   /* 0.01万元 = 10 000 fen */
    s_hundredths(hundredths, negative, 1, out, REPORT_NUM_LEN);
    return out;
}

/* Two decimals and a percent sign: one place for both percent forms. */
static char *
s_percent(uint64_t hundredths, int negative, char out[REPORT_NUM_LEN])
{
    s_hundredths(hundredths, negative, 0, out, REPORT_NUM_LEN - 1);
    size_t len = strlen(out);
    snprintf(out + len, REPORT_NUM_LEN - len, "%%");
    return out;
}

char *
report_percent(int64_t num, int64_t den, char out[REPORT_NUM_LEN])
{
    if (den <= 0)
        return NULL;
    /* num * 10000 / den in hundredths of a percent, without overflow for
     * any figure a bureau has (|num| < 9.2e14) */
    int negative = num < 0;
    unsigned __int128 mag = negative ? (unsigned __int128) -(__int128) num : (unsigned __int128) num;
    unsigned __int128 scaled = mag * 10000u, d = (unsigned __int128) den;
    uint64_t hundredths = (uint64_t) (scaled / d + (scaled % d * 2 >= d ? 1 : 0));
    return s_percent(hundredths, negative, out);
}

char *
report_hundredths_percent(int64_t hundredths, char out[REPORT_NUM_LEN])
{
    int negative = hundredths < 0;
    uint64_t mag = negative ? (uint64_t) 0 - (uint64_t) hundredths : (uint64_t) hundredths;
    return s_percent(mag, negative, out);
}

int
report_ends_with(const char *text, const char *suffix)
{
    if (!text)
        return 0;
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && memcmp(text + n - m, suffix, m) == 0;
}

const char *
report_level_word(region_level_t level, const char *name)
{
    switch (level) {
    case REGION_NATION:
        return "全国";
    case REGION_PROVINCE:
        if (report_ends_with(name, "自治区"))
            return "全区";
        return report_ends_with(name, "市") ? "全市" : "全省";
    case REGION_CITY:
        if (report_ends_with(name, "州"))
            return "全州";
        if (report_ends_with(name, "盟"))
            return "全盟";
        return report_ends_with(name, "地区") ? "全区" : "全市";
    case REGION_COUNTY:
        if (report_ends_with(name, "区"))
            return "全区";
        if (report_ends_with(name, "市"))
            return "全市";
        return report_ends_with(name, "旗") ? "全旗" : "全县";
    case REGION_TOWNSHIP:
        if (report_ends_with(name, "乡"))
            return "全乡";
        return report_ends_with(name, "街道") ? "全街道" : "全镇";
    case REGION_VILLAGE:
        return "全村";
    case REGION_INVALID:
        break;
    }
    return "全";
}
