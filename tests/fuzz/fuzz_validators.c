/* libFuzzer target: the validators of common/validate.c, common/timeutil.c
 * and common/region.c on arbitrary bytes.
 *
 * Functions that take a length get an exact-size copy with no terminating
 * NUL, so reading past `len` is an ASan report; region_normalize takes a C
 * string and gets a terminated copy. Whatever a validator accepts it must
 * accept again in its normalized form, unchanged (normalizing is
 * idempotent), and what the time parsers accept must format back to the
 * same value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "region.h"
#include "timeutil.h"
#include "validate.h"

static region_table_t *s_regions;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    s_regions = region_table_load(NULL);
    if (!s_regions) {
        fprintf(stderr, "fuzz_validators: cannot load the region table (HRSS_DATA_DIR)\n");
        abort();
    }
    return 0;
}

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

static void
s_id_number(const char *s, size_t len)
{
    char out[ID_NUMBER_LEN + 1], again[ID_NUMBER_LEN + 1], masked[ID_NUMBER_LEN + 1];
    const char *code = NULL;
    if (id_number_normalize(s, len, out, &code) != 0) {
        CHECK(code && strcmp(code, "invalid_id_number") == 0 && out[0] == '\0');
        return;
    }
    CHECK(strlen(out) == ID_NUMBER_LEN);
    CHECK(id_number_normalize(out, ID_NUMBER_LEN, again, NULL) == 0);
    CHECK(memcmp(out, again, sizeof out) == 0);
    id_number_mask(out, masked);
    CHECK(strlen(masked) == ID_NUMBER_LEN && memcmp(masked + 6, "********", 8) == 0);
}

static void
s_credit_code(const char *s, size_t len)
{
    char out[CREDIT_CODE_LEN + 1], again[CREDIT_CODE_LEN + 1];
    const char *code = NULL;
    if (credit_code_normalize(s, len, out, &code) != 0) {
        CHECK(code && strcmp(code, "invalid_credit_code") == 0 && out[0] == '\0');
        return;
    }
    CHECK(strlen(out) == CREDIT_CODE_LEN);
    CHECK(credit_code_normalize(out, CREDIT_CODE_LEN, again, NULL) == 0);
    CHECK(memcmp(out, again, sizeof out) == 0);
}

static void
s_times(const char *s, size_t len)
{
    int64_t days, us, us2;
    int period;
    char buf[40];
    if (date_parse(s, len, &days) == 0) {
        format_date(days, buf);
        CHECK(len == 10 && memcmp(buf, s, 10) == 0);
        CHECK(period_of_days(days) / 100 >= 1900);
    }
    if (period_parse(s, len, &period) == 0) {
        format_period(period, buf);
        CHECK(len == 7 && memcmp(buf, s, 7) == 0);
        CHECK(period_add(period_add(period, 13), -13) == period);
    }
    if (rfc3339_parse(s, len, &us) == 0) {
        format_rfc3339_cst(us, buf);
        /* the CST date of an accepted instant may leave 1900..2199 by the offset */
        int64_t cst_day = cst_days_of_instant(us);
        int y;
        unsigned m, d;
        civil_from_days(cst_day, &y, &m, &d);
        if (y >= 1900 && y <= 2199) {
            CHECK(rfc3339_parse(buf, strlen(buf), &us2) == 0);
            CHECK(us2 == us);
        }
        CHECK(period_of_instant(us) / 100 == y);
    }
}

static void
s_region(const char *cstr)
{
    char out[REGION_LEN + 1], again[REGION_LEN + 1], chain[5][REGION_LEN + 1];
    const char *code = NULL;
    if (region_normalize(s_regions, cstr, out, &code) != 0) {
        CHECK(code != NULL);
        return;
    }
    CHECK(strlen(out) == REGION_LEN);
    CHECK(region_check(s_regions, out, REGION_LEN, NULL) == 0);
    CHECK(region_normalize(s_regions, out, again, NULL) == 0 && strcmp(out, again) == 0);
    int n = region_ancestors(out, chain);
    CHECK(n >= 1 && n <= 5 && strcmp(chain[0], out) == 0);
    for (int i = 0; i < n; i++)
        CHECK(region_contains(chain[i], out));
    CHECK(region_level(out) > REGION_NATION);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact size, no terminator: reading past len is a finding */
    char *s = malloc(size ? size : 1);
    char *cstr = malloc(size + 1);
    if (!s || !cstr)
        abort();
    memcpy(s, data, size);
    memcpy(cstr, data, size);
    cstr[size] = '\0';

    s_id_number(s, size);
    s_credit_code(s, size);
    s_times(s, size);
    s_region(cstr);
    /* region_check takes a length: an exact-size copy too */
    region_check(s_regions, s, size, NULL);

    const char *code = NULL;
    size_t max = size ? (uint8_t) data[0] : 0;
    if (text_check(s, size, max, &code) == 0)
        CHECK(text_check(s, size, size, NULL) == 0);   /* never more characters than bytes */
    event_id_check(s, size, NULL);
    ref_id_check(s, size, NULL);
    if (size >= 8) {
        int64_t v;
        memcpy(&v, data, sizeof v);
        int rc = money_fen_check(v, &code);
        CHECK((rc == 0) == (v >= 0 && v <= MONEY_FEN_MAX));
    }
    free(s);
    free(cstr);
    return 0;
}
