/* Unit tests for common/region.c against the shipped national table
 * ($HRSS_DATA_DIR, set by ctest; else the directory compiled into the
 * library). Codes used: 433123 凤凰县 (湘西州, 湖南), 441900 东莞市 (a
 * county-level city with no counties, so its city and county codes coincide). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "region.h"
#include "timeutil.h"

static int
s_setup(void **state)
{
    int64_t t0 = monotonic_ms();
    region_table_t *table = region_table_load(NULL);
    if (!table) {
        fprintf(stderr, "cannot load the region table (HRSS_DATA_DIR=%s)\n",
                getenv("HRSS_DATA_DIR") ? getenv("HRSS_DATA_DIR") : "(unset)");
        return -1;
    }
    fprintf(stderr, "region table: %zu divisions loaded in %lld ms\n", region_table_size(table),
            (long long) (monotonic_ms() - t0));
    *state = table;
    return 0;
}

static int
s_teardown(void **state)
{
    region_table_t *table = *state;
    region_table_destroy(&table);
    assert_null(table);
    return 0;
}

static int
s_check(const region_table_t *t, const char *s, const char **code)
{
    *code = NULL;
    return region_check(t, s, strlen(s), code);
}

static void
test_table_size(void **state)
{
    const region_table_t *t = *state;
    /* 31 + 342 + 2978 + 41352 rows, less the four that repeat a code
     * (441900, 442000, 460400 as counties of themselves; 350527000). */
    assert_int_equal(region_table_size(t), 44699);
    assert_int_equal(region_table_size(NULL), 0);
}

static void
test_check_known_codes(void **state)
{
    const region_table_t *t = *state;
    const char *code;
    const char *ok[] = {
        "430000000000", /* province */
        "433100000000", /* city */
        "433123000000", /* county 凤凰县 */
        "433123101000", /* township 廖家桥镇 */
        "433123101001", /* a village under it: digits taken as given */
        "433123220999",
        "441900000000", /* 东莞市, city and county-level city in one */
        "441900003000", /* a street directly under it */
        "441900003001",
        "460400100000", /* 儋州市 likewise */
        "350527000000", /* 金门县 */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (s_check(t, ok[i], &code) != 0)
            fail_msg("rejected %s (%s)", ok[i], code);
}

static void
test_check_unknown_codes(void **state)
{
    const region_table_t *t = *state;
    const char *code;
    const char *unknown[] = {
        "433123999000", /* no such township */
        "433123999001", /* village of no such township */
        "433123000001", /* village without a township */
        "441900000001", /* likewise under 441900 */
        "350527000001", /* 金门县 has no townships */
        "433199000000", /* no such county */
        "439900000000", /* no such city */
        "990000000000", /* no such province */
        "000000000000", /* the nation is a scope, not a place */
        "004300000000",
    };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        if (s_check(t, unknown[i], &code) == 0)
            fail_msg("accepted %s", unknown[i]);
        assert_string_equal(code, "unknown_region");
    }
}

static void
test_check_malformed(void **state)
{
    const region_table_t *t = *state;
    const char *code;
    const char *bad[] = {"43312310100a", "abcdefghijkl", "43312310100 ", " 43312310100",
                         "4331231010000", "43312310100", "433123", "", "-43312310100",
                         "４３３１２３１０１０００"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (s_check(t, bad[i], &code) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_string_equal(code, "invalid_region");
    }
    /* The length given is what is checked. */
    assert_int_equal(region_check(t, "433123101000", 11, &code), -1);
    assert_int_equal(region_check(t, "4331231010009", 12, &code), 0);
    assert_int_equal(region_check(t, NULL, 12, &code), -1);
    assert_string_equal(code, "invalid_region");
}

static void
test_normalize_short_forms(void **state)
{
    const region_table_t *t = *state;
    char out[REGION_LEN + 1];
    const char *code = NULL;
    const char *in[] = {"43", "4331", "433123", "433123101", "433123101001", "4419", "441900",
                        "441900003", "433100"};
    const char *expect[] = {"430000000000", "433100000000", "433123000000", "433123101000",
                            "433123101001", "441900000000", "441900000000", "441900003000",
                            "433100000000"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        if (region_normalize(t, in[i], out, &code) != 0)
            fail_msg("rejected \"%s\" (%s)", in[i], code);
        assert_string_equal(out, expect[i]);
    }

    const char *invalid[] = {"4", "433", "43312", "4331231", "43312310", "4331231010",
                             "43312310100", "4331231010001", "43a1", "", "43 "};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        code = NULL;
        if (region_normalize(t, invalid[i], out, &code) == 0)
            fail_msg("accepted \"%s\"", invalid[i]);
        assert_string_equal(code, "invalid_region");
        assert_string_equal(out, "");
    }
    assert_int_equal(region_normalize(t, NULL, out, &code), -1);
    assert_string_equal(code, "invalid_region");

    const char *unknown[] = {"99", "4399", "433199", "433123999", "00", "000000000000",
                             "433123000001"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        code = NULL;
        if (region_normalize(t, unknown[i], out, &code) == 0)
            fail_msg("accepted \"%s\"", unknown[i]);
        assert_string_equal(code, "unknown_region");
    }
}

static void
test_prefix_len_and_level(void **state)
{
    (void) state;
    assert_int_equal(region_prefix_len("430000000000"), 2);
    assert_int_equal(region_prefix_len("433100000000"), 4);
    assert_int_equal(region_prefix_len("433123000000"), 6);
    assert_int_equal(region_prefix_len("433123101000"), 9);
    assert_int_equal(region_prefix_len("433123101001"), 12);
    assert_int_equal(region_prefix_len("441900000000"), 4);
    assert_int_equal(region_prefix_len("441900003000"), 9);
    assert_int_equal(region_prefix_len("000000000000"), 0);
    assert_int_equal(region_prefix_len("43312310100"), -1);
    assert_int_equal(region_prefix_len("43312310100x"), -1);
    assert_int_equal(region_prefix_len(NULL), -1);

    assert_int_equal(region_level("430000000000"), REGION_PROVINCE);
    assert_int_equal(region_level("433100000000"), REGION_CITY);
    assert_int_equal(region_level("433123000000"), REGION_COUNTY);
    assert_int_equal(region_level("433123101000"), REGION_TOWNSHIP);
    assert_int_equal(region_level("433123101001"), REGION_VILLAGE);
    assert_int_equal(region_level("441900000000"), REGION_CITY);
    assert_int_equal(region_level("000000000000"), REGION_NATION);
    assert_int_equal(region_level("x"), REGION_INVALID);
}

static void
test_contains(void **state)
{
    (void) state;
    assert_true(region_contains("433123000000", "433123000000"));
    assert_true(region_contains("433123000000", "433123101000"));
    assert_true(region_contains("433123000000", "433123101001"));
    assert_true(region_contains("433123101000", "433123101001"));
    assert_true(region_contains("430000000000", "433123101001"));
    assert_true(region_contains("433100000000", "433123000000"));
    assert_false(region_contains("433123101000", "433123000000")); /* not upward */
    assert_false(region_contains("433123101000", "433123104000")); /* not sideways */
    assert_false(region_contains("433123000000", "433124000000"));
    assert_false(region_contains("430000000000", "440000000000"));
    assert_false(region_contains("433123101001", "433123101002"));
    /* the city and the county-level city 441900 are one territory */
    assert_true(region_contains("441900000000", "441900003000"));
    assert_true(region_contains("440000000000", "441900003001"));
    assert_false(region_contains("441900003000", "441900000000"));
    /* the nation contains everything, and nothing contains the nation */
    assert_true(region_contains("000000000000", "433123101001"));
    assert_true(region_contains("000000000000", "110000000000"));
    assert_true(region_contains("000000000000", "000000000000"));
    assert_false(region_contains("430000000000", "000000000000"));
    /* malformed on either side is never contained */
    assert_false(region_contains("000000000000", "43312310100"));
    assert_false(region_contains("43", "433123000000"));
    assert_false(region_contains(NULL, "433123000000"));
    assert_false(region_contains("433123000000", NULL));
}

static void
test_ancestors(void **state)
{
    (void) state;
    char out[5][REGION_LEN + 1];
    assert_int_equal(region_ancestors("433123101001", out), 5);
    assert_string_equal(out[0], "433123101001");
    assert_string_equal(out[1], "433123101000");
    assert_string_equal(out[2], "433123000000");
    assert_string_equal(out[3], "433100000000");
    assert_string_equal(out[4], "430000000000");

    /* 441900 is not listed again as the county of 4419 */
    assert_int_equal(region_ancestors("441900003001", out), 4);
    assert_string_equal(out[0], "441900003001");
    assert_string_equal(out[1], "441900003000");
    assert_string_equal(out[2], "441900000000");
    assert_string_equal(out[3], "440000000000");

    assert_int_equal(region_ancestors("433123000000", out), 3);
    assert_string_equal(out[0], "433123000000");
    assert_string_equal(out[2], "430000000000");
    assert_int_equal(region_ancestors("430000000000", out), 1);
    assert_string_equal(out[0], "430000000000");
    assert_int_equal(region_ancestors("000000000000", out), 1);
    assert_string_equal(out[0], "000000000000");
    assert_int_equal(region_ancestors("4331231010", out), 0);
}

static void
test_names(void **state)
{
    const region_table_t *t = *state;
    assert_string_equal(region_name(t, "430000000000"), "湖南省");
    assert_string_equal(region_name(t, "433100000000"), "湘西土家族苗族自治州");
    assert_string_equal(region_name(t, "433123000000"), "凤凰县");
    assert_string_equal(region_name(t, "433123101000"), "廖家桥镇");
    assert_string_equal(region_name(t, "433123220000"), "两林乡");
    assert_string_equal(region_name(t, "441900000000"), "东莞市");
    assert_string_equal(region_name(t, "441900003000"), "东城街道");
    assert_string_equal(region_name(t, "110101001000"), "东华门街道"); /* first row */
    assert_string_equal(region_name(t, "350527000000"), "金门县");
    assert_string_equal(region_name(t, "000000000000"), "全国");
    assert_null(region_name(t, "433123101001")); /* villages are not in the table */
    assert_null(region_name(t, "433123999000"));
    assert_null(region_name(t, "43312310100"));
    assert_null(region_name(NULL, "433123000000"));
}

static void
test_children(void **state)
{
    const region_table_t *t = *state;
    char out[64][REGION_LEN + 1];

    /* 凤凰县 has 17 townships, in code order */
    assert_int_equal(region_children(t, "433123000000", NULL, 0), 17);
    assert_int_equal(region_children(t, "433123000000", out, 64), 17);
    assert_string_equal(out[0], "433123101000");
    assert_string_equal(out[1], "433123104000");
    assert_string_equal(out[16], "433123220000");
    for (int i = 0; i < 17; i++) {
        const char *code = NULL;
        assert_int_equal(region_check(t, out[i], REGION_LEN, &code), 0);
        assert_int_equal(region_level(out[i]), REGION_TOWNSHIP);
        if (i)
            assert_true(strcmp(out[i - 1], out[i]) < 0);
    }
    /* at most `max` are written */
    assert_int_equal(region_children(t, "433123000000", out, 3), 3);
    assert_string_equal(out[2], "433123105000");
    assert_int_equal(region_children(t, "433123000000", out, 0), 0);

    assert_int_equal(region_children(t, "433100000000", NULL, 0), 8);   /* 湘西州's counties */
    assert_int_equal(region_children(t, "430000000000", NULL, 0), 14);  /* 湖南's cities */
    assert_int_equal(region_children(t, "440000000000", NULL, 0), 21);  /* 广东's cities */
    assert_int_equal(region_children(t, "433123101000", NULL, 0), 0);   /* township */
    assert_int_equal(region_children(t, "433123101001", NULL, 0), 0);   /* village */
    assert_int_equal(region_children(t, "433123999000", NULL, 0), 0);   /* unknown */
    assert_int_equal(region_children(t, "43312310100", NULL, 0), 0);    /* malformed */

    /* 东莞市's children are its streets, not itself as a county */
    assert_int_equal(region_children(t, "441900000000", out, 64), 36);
    assert_string_equal(out[0], "441900003000");
    for (int i = 0; i < 36; i++)
        assert_true(region_contains("441900000000", out[i]) && strcmp(out[i], "441900000000"));

    /* the nation's children are the 31 provinces */
    assert_int_equal(region_children(t, "000000000000", out, 64), 31);
    assert_string_equal(out[0], "110000000000");
    assert_string_equal(out[30], "650000000000");
    for (int i = 0; i < 31; i++)
        assert_int_equal(region_level(out[i]), REGION_PROVINCE);
}

/* Walking down from the nation reaches every row exactly once, and every
 * node's parent is the second entry of its ancestor chain. */
static void
test_tree_is_consistent(void **state)
{
    const region_table_t *t = *state;
    static char stack[50000][REGION_LEN + 1];
    static char kids[4000][REGION_LEN + 1];
    size_t top = 0, seen = 0;
    memcpy(stack[top++], "000000000000", REGION_LEN + 1);
    while (top) {
        char node[REGION_LEN + 1];
        memcpy(node, stack[--top], sizeof node);
        size_t n = region_children(t, node, NULL, 0);
        assert_true(n <= 4000);
        assert_int_equal(region_children(t, node, kids, 4000), n);
        for (size_t i = 0; i < n; i++) {
            char chain[5][REGION_LEN + 1];
            int c = region_ancestors(kids[i], chain);
            if (strcmp(node, "000000000000") == 0)
                assert_int_equal(c, 1);
            else
                assert_string_equal(chain[1], node);
            assert_non_null(region_name(t, kids[i]));
            assert_true(top < 50000);
            memcpy(stack[top++], kids[i], REGION_LEN + 1);
            seen++;
        }
    }
    assert_int_equal(seen, region_table_size(t));
}

/* --- loading ---------------------------------------------------------------------------- */

static void
s_write(const char *dir, const char *file, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
s_remove_all(const char *dir)
{
    const char *files[] = {"regions-provinces.csv", "regions-cities.csv", "regions-areas.csv",
                           "regions-streets.csv"};
    char path[512];
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void
test_load_small_table(void **state)
{
    (void) state;
    char dir[] = "/tmp/hrss-region-XXXXXX";
    assert_non_null(mkdtemp(dir));
    s_write(dir, "regions-provinces.csv", "code,name\r\n43,\"湖南省\"\r\n");
    s_write(dir, "regions-cities.csv", "code,name,provinceCode\n4331,\"湘西州\",43\n");
    s_write(dir, "regions-areas.csv",
            "code,name,cityCode,provinceCode\n433123,\"凤凰县\",4331,43\n");
    /* no trailing newline, an unquoted name, a quoted name with a comma and a quote */
    s_write(dir, "regions-streets.csv",
            "code,name,areaCode,provinceCode,cityCode\n"
            "433123101,\"廖家桥镇\",433123,43,4331\n"
            "433123104,茶田镇,433123,43,4331\n"
            "433123105,\"吉信,\"\"镇\"\"\",433123,43,4331");
    region_table_t *t = region_table_load(dir);
    assert_non_null(t);
    assert_int_equal(region_table_size(t), 6);
    assert_string_equal(region_name(t, "430000000000"), "湖南省");
    assert_string_equal(region_name(t, "433123104000"), "茶田镇");
    assert_string_equal(region_name(t, "433123105000"), "吉信,\"镇\"");
    assert_int_equal(region_children(t, "433123000000", NULL, 0), 3);
    assert_int_equal(region_check(t, "433123101001", 12, NULL), 0);
    region_table_destroy(&t);
    assert_null(t);
    region_table_destroy(&t); /* twice is harmless */
    region_table_destroy(NULL);
    s_remove_all(dir);
}

static void
test_load_failures(void **state)
{
    (void) state;
    assert_null(region_table_load("/nonexistent/hrss"));

    char dir[] = "/tmp/hrss-region-XXXXXX";
    assert_non_null(mkdtemp(dir));
    s_write(dir, "regions-provinces.csv", "code,name\n43,\"湖南省\"\n");
    s_write(dir, "regions-cities.csv", "code,name,provinceCode\n4331,\"湘西州\",43\n");
    s_write(dir, "regions-areas.csv", "code,name,cityCode,provinceCode\n433123,\"凤凰县\",4331,43\n");
    /* a file missing */
    assert_null(region_table_load(dir));

    /* Each of these streets files spoils the load. */
    const char *bad[] = {
        "code,name\n43312310,\"短\",433123\n",        /* wrong code length */
        "code,name\n43312310a,\"坏\",433123\n",       /* not digits */
        "code,name\n433123101,\"未闭合,433123\n",      /* unterminated quote */
        "code,name\n433123101,,433123\n",             /* empty name */
        "code,name\n433123101\n",                     /* no name at all */
        "code,name\n433124101,\"孤儿镇\",433124\n",    /* county 433124 unknown */
        "code,name\n433123101,\"镇\"x,433123\n",       /* junk after the quote */
        "",                                           /* no header */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_write(dir, "regions-streets.csv", bad[i]);
        region_table_t *t = region_table_load(dir);
        if (t)
            fail_msg("loaded bad streets file #%zu", i);
    }

    /* a header alone is an empty level, which is fine */
    s_write(dir, "regions-streets.csv", "code,name,areaCode,provinceCode,cityCode\n");
    region_table_t *t = region_table_load(dir);
    assert_non_null(t);
    assert_int_equal(region_table_size(t), 3);
    region_table_destroy(&t);

    /* $HRSS_DATA_DIR is where a NULL directory points */
    char *saved = getenv("HRSS_DATA_DIR") ? strdup(getenv("HRSS_DATA_DIR")) : NULL;
    setenv("HRSS_DATA_DIR", dir, 1);
    t = region_table_load(NULL);
    assert_non_null(t);
    assert_int_equal(region_table_size(t), 3);
    region_table_destroy(&t);
    if (saved) {
        setenv("HRSS_DATA_DIR", saved, 1);
        free(saved);
    } else {
        unsetenv("HRSS_DATA_DIR");
    }
    s_remove_all(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_size),
        cmocka_unit_test(test_check_known_codes),
        cmocka_unit_test(test_check_unknown_codes),
        cmocka_unit_test(test_check_malformed),
        cmocka_unit_test(test_normalize_short_forms),
        cmocka_unit_test(test_prefix_len_and_level),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_ancestors),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_children),
        cmocka_unit_test(test_tree_is_consistent),
        cmocka_unit_test(test_load_small_table),
        cmocka_unit_test(test_load_failures),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
