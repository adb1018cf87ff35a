/* report_format: the summary's figures as the bureaus write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "report_format.h"

static void
test_wan(void **state)
{
    (void) state;
    char b[REPORT_NUM_LEN];
    assert_string_equal(report_wan(59500000, b), "59.5");       /* 59.5万元 */
    assert_string_equal(report_wan(595000000, b), "595");
    assert_string_equal(report_wan(5950000, b), "5.95");
    assert_string_equal(report_wan(0, b), "0");
    assert_string_equal(report_wan(4691000 * 10 + 0, b), "46.91");  /* seed 000 */
    assert_string_equal(report_wan(10000, b), "0.01");
    assert_string_equal(report_wan(4999, b), "0");               /* below half of 0.01 */
    assert_string_equal(report_wan(5000, b), "0.01");            /* half rounds away */
    assert_string_equal(report_wan(1005000, b), "1.01");
    assert_string_equal(report_wan(1004999, b), "1");
    assert_string_equal(report_wan(1100000, b), "1.1");
    assert_string_equal(report_wan(-59500000, b), "-59.5");
    assert_string_equal(report_wan(INT64_MAX, b), "9223372036854.78");
    assert_string_equal(report_wan(INT64_MIN, b), "-9223372036854.78");
}

static void
test_percent(void **state)
{
    (void) state;
    char b[REPORT_NUM_LEN];
    assert_string_equal(report_percent(2826, 2400, b), "117.75%");
    assert_string_equal(report_percent(1, 3, b), "33.33%");
    assert_string_equal(report_percent(2, 3, b), "66.67%");
    assert_string_equal(report_percent(0, 5, b), "0.00%");
    assert_string_equal(report_percent(5, 5, b), "100.00%");
    assert_string_equal(report_percent(1, 8, b), "12.50%");
    assert_string_equal(report_percent(1, 80000, b), "0.00%");   /* 0.00125% */
    assert_string_equal(report_percent(1, 20000, b), "0.01%");   /* 0.005%: half away */
    assert_string_equal(report_percent(1, 20001, b), "0.00%");
    assert_null(report_percent(0, 0, b));                        /* 0 of 0: no value */
    assert_null(report_percent(3, 0, b));
    assert_null(report_percent(3, -1, b));
    assert_string_equal(report_percent(INT64_MAX, INT64_MAX, b), "100.00%");
    assert_string_equal(report_hundredths_percent(9175, b), "91.75%");
    assert_string_equal(report_hundredths_percent(5, b), "0.05%");
}

static void
test_level_words(void **state)
{
    (void) state;
    assert_string_equal(report_level_word(REGION_PROVINCE, "湖南省"), "全省");
    assert_string_equal(report_level_word(REGION_PROVINCE, "广西壮族自治区"), "全区");
    assert_string_equal(report_level_word(REGION_PROVINCE, "北京市"), "全市");
    assert_string_equal(report_level_word(REGION_CITY, "湘西土家族苗族自治州"), "全州");
    assert_string_equal(report_level_word(REGION_CITY, "湛江市"), "全市");
    assert_string_equal(report_level_word(REGION_CITY, "大兴安岭地区"), "全区");
    assert_string_equal(report_level_word(REGION_COUNTY, "凤凰县"), "全县");
    assert_string_equal(report_level_word(REGION_COUNTY, "吉首市"), "全市");
    assert_string_equal(report_level_word(REGION_COUNTY, "天河区"), "全区");
    assert_string_equal(report_level_word(REGION_TOWNSHIP, "沱江镇"), "全镇");
    assert_string_equal(report_level_word(REGION_TOWNSHIP, "山江乡"), "全乡");
    assert_string_equal(report_level_word(REGION_TOWNSHIP, "沱江街道"), "全街道");
    assert_string_equal(report_level_word(REGION_VILLAGE, NULL), "全村");
    assert_string_equal(report_level_word(REGION_COUNTY, NULL), "全县");
    assert_string_equal(report_level_word(REGION_NATION, "全国"), "全国");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wan),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_level_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
