/* Unit tests for services/reporting/facts.c: how the deltas of one feed event
 * roll up the region tree into one upsert. The module is compiled in here
 * directly (it needs nothing of the daemon but region.h and pgarray.h from
 * hrss_common). Codes used: 433123 凤凰县 (湘西州 4331, 湖南 43) with its
 * township 101 and villages 001/002; 441900 东莞市, whose city and county
 * codes coincide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../services/reporting/facts.c"

static const fact_t *
s_get(const facts_batch_t *b, const char *code, const char *region)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->items[i].code, code) == 0 && strcmp(b->items[i].region, region) == 0)
            return &b->items[i];
    return NULL;
}

static void
test_village_rolls_up_to_province(void **state)
{
    (void) state;
    facts_batch_t b;
    facts_batch_init(&b);
    assert_int_equal(facts_batch_add(&b, "emp.labor_force", "433123101001", 1), 0);
    assert_int_equal(facts_batch_count(&b), 5);
    const char *chain[] = {"433123101001", "433123101000", "433123000000", "433100000000",
                           "430000000000"};
    for (size_t i = 0; i < 5; i++) {
        const fact_t *f = s_get(&b, "emp.labor_force", chain[i]);
        assert_non_null(f);
        assert_int_equal(f->delta, 1);
    }
}

static void
test_county_city_counted_once(void **state)
{
    (void) state;
    facts_batch_t b;
    facts_batch_init(&b);
    /* 441900 is both the city and the county: four levels, not five. */
    assert_int_equal(facts_batch_add(&b, "emp.labor_force", "441900003001", 1), 0);
    assert_int_equal(facts_batch_count(&b), 4);
    assert_non_null(s_get(&b, "emp.labor_force", "441900000000"));
    assert_non_null(s_get(&b, "emp.labor_force", "440000000000"));
}

static void
test_move_within_township_cancels_above(void **state)
{
    (void) state;
    facts_batch_t b;
    facts_batch_init(&b);
    assert_int_equal(facts_batch_add(&b, "emp.labor_force", "433123101001", -1), 0);
    assert_int_equal(facts_batch_add(&b, "emp.labor_force", "433123101002", 1), 0);
    /* Only the two villages change; the arrays skip the cancelled levels. */
    assert_int_equal(facts_batch_count(&b), 2);
    pgarray_t codes, regions, deltas;
    pgarray_init(&codes);
    pgarray_init(&regions);
    pgarray_init(&deltas);
    facts_batch_arrays(&b, &codes, &regions, &deltas);
    assert_string_equal(pgarray_literal(&codes), "{\"emp.labor_force\",\"emp.labor_force\"}");
    assert_string_equal(pgarray_literal(&regions), "{\"433123101001\",\"433123101002\"}");
    assert_string_equal(pgarray_literal(&deltas), "{-1,1}");
    pgarray_free(&codes);
    pgarray_free(&regions);
    pgarray_free(&deltas);
}

static void
test_codes_kept_apart(void **state)
{
    (void) state;
    facts_batch_t b;
    facts_batch_init(&b);
    assert_int_equal(facts_batch_add(&b, "emp.reemployed_unemployed", "433123101001", 1), 0);
    assert_int_equal(facts_batch_add(&b, "emp.registered_unemployed", "433123102003", -1), 0);
    assert_int_equal(facts_batch_count(&b), 10);
    assert_int_equal(s_get(&b, "emp.reemployed_unemployed", "433123000000")->delta, 1);
    assert_int_equal(s_get(&b, "emp.registered_unemployed", "433123000000")->delta, -1);
}

static void
test_rejects_bad_input_unchanged(void **state)
{
    (void) state;
    facts_batch_t b;
    facts_batch_init(&b);
    assert_int_equal(facts_batch_add(&b, "emp.labor_force", "43312310100", 1), -1);
    assert_int_equal(facts_batch_add(&b, "emp.labor_force", "43312310100x", 1), -1);
    char code[FACTS_CODE_MAX + 1];
    memset(code, 'a', FACTS_CODE_MAX);
    code[FACTS_CODE_MAX] = '\0';
    assert_int_equal(facts_batch_add(&b, code, "433123101001", 1), -1);
    assert_int_equal(b.n, 0);

    /* Full: twelve codes of five levels fill 60 of 64; the thirteenth does not
     * fit and leaves the batch as it was. */
    for (int i = 0; i < 12; i++) {
        char c[16];
        snprintf(c, sizeof c, "code.%d", i);
        assert_int_equal(facts_batch_add(&b, c, "433123101001", 1), 0);
    }
    assert_int_equal(facts_batch_add(&b, "code.12", "433123101001", 1), -1);
    assert_int_equal(b.n, 60);
    /* ...while a code already present still merges. */
    assert_int_equal(facts_batch_add(&b, "code.0", "433123101001", 1), 0);
    assert_int_equal(s_get(&b, "code.0", "430000000000")->delta, 2);
}

/* A delta in a month of its own (a job's positions counted in its first
 * month, an open job ending in the month its validity passes) is kept apart
 * from the same code and region in the event's month, and lands in its own
 * month when the page merges the batch. */
static void
test_own_month_kept_apart(void **state)
{
    (void) state;
    facts_batch_t b;
    facts_batch_init(&b);
    assert_int_equal(facts_batch_add_at(&b, "emp.jobs_open", "433123101001", 202203, 7), 0);
    assert_int_equal(facts_batch_add_at(&b, "emp.jobs_open", "433123101001", 202207, -7), 0);
    assert_int_equal(facts_batch_add(&b, "emp.jobs_open", "433123101001", 2), 0);
    assert_int_equal(facts_batch_count(&b), 15);
    facts_page_t *page = facts_page_new();
    assert_non_null(page);
    assert_int_equal(facts_page_merge(page, &b, 202203), 0);   /* the event's month: March */
    assert_int_equal(facts_page_count(page), 10);              /* March merged: +9 */
    pgarray_t codes, regions, months, deltas;
    pgarray_init(&codes);
    pgarray_init(&regions);
    pgarray_init(&months);
    pgarray_init(&deltas);
    facts_page_arrays(page, &codes, &regions, &months, &deltas);
    assert_non_null(strstr(pgarray_literal(&months), "202207"));
    assert_non_null(strstr(pgarray_literal(&deltas), "-7"));
    assert_non_null(strstr(pgarray_literal(&deltas), "9"));
    pgarray_free(&codes);
    pgarray_free(&regions);
    pgarray_free(&months);
    pgarray_free(&deltas);
    facts_page_destroy(&page);
}

/* ---- facts_page: the deltas of a whole page ------------------------------------ */

static void
s_page_add(facts_page_t *page, const char *code, const char *region, int month, int64_t delta)
{
    facts_batch_t b;
    facts_batch_init(&b);
    assert_int_equal(facts_batch_add(&b, code, region, delta), 0);
    assert_int_equal(facts_page_merge(page, &b, month), 0);
}

static void
s_page_literals(facts_page_t *page, const char *codes_exp, const char *regions_exp,
                const char *months_exp, const char *deltas_exp)
{
    pgarray_t codes, regions, months, deltas;
    pgarray_init(&codes);
    pgarray_init(&regions);
    pgarray_init(&months);
    pgarray_init(&deltas);
    facts_page_arrays(page, &codes, &regions, &months, &deltas);
    assert_string_equal(pgarray_literal(&codes), codes_exp);
    assert_string_equal(pgarray_literal(&regions), regions_exp);
    assert_string_equal(pgarray_literal(&months), months_exp);
    assert_string_equal(pgarray_literal(&deltas), deltas_exp);
    pgarray_free(&codes);
    pgarray_free(&regions);
    pgarray_free(&months);
    pgarray_free(&deltas);
}

static void
test_page_merges_events(void **state)
{
    (void) state;
    facts_page_t *page = facts_page_new();
    assert_non_null(page);
    /* Two registrations in two villages of one township: the villages once
     * each, the township and above twice. */
    s_page_add(page, "emp.labor_force", "433123101001", 202405, 1);
    s_page_add(page, "emp.labor_force", "433123101002", 202405, 1);
    assert_int_equal(facts_page_count(page), 6);
    s_page_literals(page,
                    "{\"emp.labor_force\",\"emp.labor_force\",\"emp.labor_force\","
                    "\"emp.labor_force\",\"emp.labor_force\",\"emp.labor_force\"}",
                    "{\"433123101001\",\"433123101000\",\"433123000000\",\"433100000000\","
                    "\"430000000000\",\"433123101002\"}",
                    "{202405,202405,202405,202405,202405,202405}", "{1,2,2,2,2,1}");
    facts_page_destroy(&page);
    assert_null(page);
    facts_page_destroy(&page);   /* NULL is fine */
}

static void
test_page_months_kept_apart(void **state)
{
    (void) state;
    facts_page_t *page = facts_page_new();
    s_page_add(page, "emp.urban_new_jobs", "433123101001", 202405, 1);
    s_page_add(page, "emp.urban_new_jobs", "433123101001", 202406, 1);
    s_page_add(page, "emp.reemployed_unemployed", "433123101001", 202405, 1);
    assert_int_equal(facts_page_count(page), 15);
    facts_page_destroy(&page);
}

static void
test_page_drops_what_cancels(void **state)
{
    (void) state;
    facts_page_t *page = facts_page_new();
    /* Registered unemployed, then re-employed in the same month and page:
     * nothing is left to write. */
    s_page_add(page, "emp.registered_unemployed", "433123101001", 202405, 1);
    s_page_add(page, "emp.registered_unemployed", "433123101001", 202405, -1);
    assert_int_equal(facts_page_count(page), 0);
    s_page_literals(page, "{}", "{}", "{}", "{}");
    /* A move between villages of one township, over two events, leaves
     * only the villages. */
    s_page_add(page, "emp.labor_force", "433123101001", 202405, -1);
    s_page_add(page, "emp.labor_force", "433123101002", 202405, 1);
    s_page_literals(page, "{\"emp.labor_force\",\"emp.labor_force\"}",
                    "{\"433123101001\",\"433123101002\"}", "{202405,202405}", "{-1,1}");
    facts_page_destroy(&page);
}

static void
test_page_clear_and_grow(void **state)
{
    (void) state;
    facts_page_t *page = facts_page_new();
    s_page_add(page, "emp.labor_force", "433123101001", 202405, 1);
    facts_page_clear(page);
    assert_int_equal(facts_page_count(page), 0);
    s_page_literals(page, "{}", "{}", "{}", "{}");
    /* Many more keys than the first table holds: every one found again. */
    for (int round = 0; round < 2; round++)
        for (int v = 1; v <= 999; v++) {
            char region[16];
            snprintf(region, sizeof region, "433123101%03d", v);
            s_page_add(page, "emp.labor_force", region, 202405, 1);
        }
    /* 999 villages, one township and above */
    assert_int_equal(facts_page_count(page), 999 + 4);
    pgarray_t codes, regions, months, deltas;
    pgarray_init(&codes);
    pgarray_init(&regions);
    pgarray_init(&months);
    pgarray_init(&deltas);
    facts_page_arrays(page, &codes, &regions, &months, &deltas);
    assert_int_equal(deltas.count, 999 + 4);
    const char *lit = pgarray_literal(&deltas);
    assert_non_null(strstr(lit, "{2,1998,1998,1998,1998,2,"));   /* the first village, then its ancestors */
    pgarray_free(&codes);
    pgarray_free(&regions);
    pgarray_free(&months);
    pgarray_free(&deltas);
    facts_page_destroy(&page);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_village_rolls_up_to_province),
        cmocka_unit_test(test_county_city_counted_once),
        cmocka_unit_test(test_move_within_township_cancels_above),
        cmocka_unit_test(test_codes_kept_apart),
        cmocka_unit_test(test_rejects_bad_input_unchanged),
        cmocka_unit_test(test_own_month_kept_apart),
        cmocka_unit_test(test_page_merges_events),
        cmocka_unit_test(test_page_months_kept_apart),
        cmocka_unit_test(test_page_drops_what_cancels),
        cmocka_unit_test(test_page_clear_and_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
