/* Unit tests for common/validate.c: what a township system sends is accepted
 * or refused with the stable code the contract promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timeutil.h"
#include "validate.h"

/* --- id numbers ------------------------------------------------------------------ */

static void
s_id_ok(const char *in, const char *expect)
{
    char out[ID_NUMBER_LEN + 1];
    const char *code = NULL;
    if (id_number_normalize(in, strlen(in), out, &code) != 0)
        fail_msg("rejected \"%s\" (%s)", in, code);
    assert_null(code);
    assert_string_equal(out, expect);
}

static void
s_id_bad(const char *in)
{
    char out[ID_NUMBER_LEN + 1];
    const char *code = NULL;
    if (id_number_normalize(in, strlen(in), out, &code) == 0)
        fail_msg("accepted \"%s\"", in);
    assert_string_equal(code, "invalid_id_number");
    assert_string_equal(out, "");
}

static void
test_id_number_valid(void **state)
{
    (void) state;
    s_id_ok("11010519491231002X", "11010519491231002X"); /* the GB 11643 example */
    s_id_ok("433123198001011238", "433123198001011238");
    s_id_ok("433123200002290013", "433123200002290013"); /* 2000 is a leap year */
    /* Output may be NULL when only the verdict matters. */
    assert_int_equal(id_number_normalize("433123198001011238", 18, NULL, NULL), 0);
}

static void
test_id_number_lower_case_x(void **state)
{
    (void) state;
    s_id_ok("11010519491231002x", "11010519491231002X");
    s_id_ok("43312319850705004x", "43312319850705004X");
    s_id_bad("11010519491231002Y");
    s_id_bad("1101051949123100x2"); /* x only as the check character */
}

static void
test_id_number_typos(void **state)
{
    (void) state;
    s_id_bad("433123198001011248"); /* one digit changed */
    s_id_bad("433123198001011239"); /* check digit changed */
    s_id_bad("433123198001012138"); /* two adjacent digits swapped */
    s_id_bad("433123918001011238"); /* swapped inside the birth date */
    s_id_bad("11010519491231002"); /* check character missing */
    s_id_bad("110105194912310020X");
    s_id_bad("4331231980010112");
    s_id_bad("");
    s_id_bad("43312319800101123 ");
    s_id_bad("4331231980O1011238"); /* letter O for zero */
    s_id_bad("-33123198001011238");
    s_id_bad("433123198001011238\n");

    /* The length is what counts, not the terminator. */
    char out[ID_NUMBER_LEN + 1];
    const char *code = NULL;
    assert_int_equal(id_number_normalize("433123198001011238", 17, out, &code), -1);
    assert_int_equal(id_number_normalize(NULL, 18, out, &code), -1);
}

static void
test_id_number_birth_date(void **state)
{
    (void) state;
    /* Valid check digits, impossible births. */
    s_id_bad("433123199902300015"); /* 1999-02-30 */
    s_id_bad("433123209912310010"); /* 2099-12-31, in the future */

    /* Build numbers around the edges with correct check digits. */
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    char id[ID_NUMBER_LEN + 1];
    const char *cases[] = {"18991231", "19000101", "19000229", "20230229", "19991301"};
    const int expect[] = {-1, 0, -1, -1, -1};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(id, "433123", 6);
        memcpy(id + 6, cases[i], 8);
        memcpy(id + 14, "001", 3);
        int sum = 0;
        for (int k = 0; k < 17; k++)
            sum += (id[k] - '0') * w[k];
        id[17] = "10X98765432"[sum % 11];
        id[18] = '\0';
        if (id_number_normalize(id, 18, NULL, NULL) != expect[i])
            fail_msg("%s: expected %d", id, expect[i]);
    }

    /* Born today (China Standard Time) is fine. */
    char today[11];
    format_date(cst_days_of_instant(now_us()), today);
    memcpy(id, "433123", 6);
    memcpy(id + 6, today, 4);
    memcpy(id + 10, today + 5, 2);
    memcpy(id + 12, today + 8, 2);
    memcpy(id + 14, "001", 3);
    int sum = 0;
    for (int k = 0; k < 17; k++)
        sum += (id[k] - '0') * w[k];
    id[17] = "10X98765432"[sum % 11];
    id[18] = '\0';
    assert_int_equal(id_number_normalize(id, 18, NULL, NULL), 0);
}

static void
test_id_number_mask(void **state)
{
    (void) state;
    char out[ID_NUMBER_LEN + 1];
    id_number_mask("433123198001011238", out);
    assert_string_equal(out, "433123********1238");
    id_number_mask("11010519491231002X", out);
    assert_string_equal(out, "110105********002X");
    /* Not 18 characters: nothing of it shows. */
    id_number_mask("4331231980010112", out);
    assert_string_equal(out, "******************");
    id_number_mask("4331231980010112381", out);
    assert_string_equal(out, "******************");
    id_number_mask("", out);
    assert_string_equal(out, "******************");
    id_number_mask(NULL, out);
    assert_string_equal(out, "******************");
}

/* --- credit codes ------------------------------------------------------------------- */

static void
s_cc_ok(const char *in, const char *expect)
{
    char out[CREDIT_CODE_LEN + 1];
    const char *code = NULL;
    if (credit_code_normalize(in, strlen(in), out, &code) != 0)
        fail_msg("rejected \"%s\" (%s)", in, code);
    assert_null(code);
    assert_string_equal(out, expect);
}

static void
s_cc_bad(const char *in)
{
    char out[CREDIT_CODE_LEN + 1];
    const char *code = NULL;
    if (credit_code_normalize(in, strlen(in), out, &code) == 0)
        fail_msg("accepted \"%s\"", in);
    assert_string_equal(code, "invalid_credit_code");
    assert_string_equal(out, "");
}

static void
test_credit_code_valid(void **state)
{
    (void) state;
    s_cc_ok("91350100M000100Y43", "91350100M000100Y43");
    s_cc_ok("91433123MA4P11111F", "91433123MA4P11111F");
    s_cc_ok("91110000100000000R", "91110000100000000R");
    s_cc_ok("12433123006000000R", "12433123006000000R");
    s_cc_ok("92433123MA4L0001AU", "92433123MA4L0001AU");
    s_cc_ok("93433123MA4L3UTNX7", "93433123MA4L3UTNX7");
    /* lower case is accepted and upper-cased */
    s_cc_ok("91350100m000100y43", "91350100M000100Y43");
    s_cc_ok("92433123ma4l0001au", "92433123MA4L0001AU");
}

static void
test_credit_code_invalid(void **state)
{
    (void) state;
    s_cc_bad("91350100M000100Y44"); /* check character changed */
    s_cc_bad("91350100N000100Y43"); /* one character changed */
    s_cc_bad("91350100M000010Y43"); /* two adjacent characters swapped */
    s_cc_bad("19350100M000100Y43"); /* swapped at the front */
    /* The letters I O Z S V are not in the alphabet. */
    s_cc_bad("91350100I000100Y43");
    s_cc_bad("91350100O000100Y43");
    s_cc_bad("91350100Z000100Y43");
    s_cc_bad("91350100S000100Y43");
    s_cc_bad("91350100V000100Y43");
    s_cc_bad("91350100M000100Y4O");
    s_cc_bad("91350100M000100Y4");
    s_cc_bad("91350100M000100Y430");
    s_cc_bad("91350100-000100Y43");
    s_cc_bad("");
    assert_int_equal(credit_code_normalize("91350100M000100Y43", 17, NULL, NULL), -1);
    assert_int_equal(credit_code_normalize(NULL, 18, NULL, NULL), -1);

    /* An embedded NUL is a bad character, not the end. */
    char out[CREDIT_CODE_LEN + 1];
    assert_int_equal(credit_code_normalize("91350100\0" "000100Y43", 18, out, NULL), -1);
}

/* --- money and identifiers -------------------------------------------------------------- */

static void
test_money(void **state)
{
    (void) state;
    const char *code = NULL;
    assert_int_equal(money_fen_check(0, &code), 0);
    assert_int_equal(money_fen_check(1, &code), 0);
    assert_int_equal(money_fen_check(1000000000000000LL, &code), 0);
    assert_null(code);
    assert_int_equal(money_fen_check(1000000000000001LL, &code), -1);
    assert_string_equal(code, "invalid_amount");
    code = NULL;
    assert_int_equal(money_fen_check(-1, &code), -1);
    assert_string_equal(code, "invalid_amount");
    assert_int_equal(money_fen_check(INT64_MIN, NULL), -1);
    assert_int_equal(money_fen_check(INT64_MAX, NULL), -1);
}

static void
test_event_and_ref_ids(void **state)
{
    (void) state;
    const char *code = NULL;
    const char *uuid = "6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b";
    assert_int_equal(event_id_check(uuid, strlen(uuid), &code), 0);
    assert_int_equal(event_id_check("evt:2022.11_a", 13, &code), 0);
    assert_int_equal(event_id_check("12345678", 8, &code), 0);
    assert_null(code);
    assert_int_equal(event_id_check("1234567", 7, &code), -1);
    assert_string_equal(code, "invalid_id");

    char id[66];
    memset(id, 'a', sizeof id);
    assert_int_equal(event_id_check(id, 64, NULL), 0);
    assert_int_equal(event_id_check(id, 65, NULL), -1);
    assert_int_equal(ref_id_check(id, 64, NULL), 0);
    assert_int_equal(ref_id_check(id, 65, NULL), -1);

    assert_int_equal(event_id_check("abc def12", 9, NULL), -1);
    assert_int_equal(event_id_check("abc/def12", 9, NULL), -1);
    assert_int_equal(event_id_check("abcdéf12", strlen("abcdéf12"), NULL), -1);
    assert_int_equal(event_id_check("abcd\0efgh", 9, NULL), -1);
    assert_int_equal(event_id_check(NULL, 9, NULL), -1);

    assert_int_equal(ref_id_check("J", 1, &code), 0);
    code = NULL;
    assert_int_equal(ref_id_check("", 0, &code), -1);
    assert_string_equal(code, "invalid_id");
    assert_int_equal(ref_id_check("job#1", 5, NULL), -1);
}

/* --- text ------------------------------------------------------------------------------ */

static int
s_text(const char *s, size_t max, const char **code)
{
    *code = NULL;
    return text_check(s, strlen(s), max, code);
}

static void
test_text(void **state)
{
    (void) state;
    const char *code;
    assert_int_equal(s_text("凤凰县人社局", 6, &code), 0); /* counted in characters */
    assert_int_equal(s_text("凤凰县人社局", 5, &code), -1);
    assert_string_equal(code, "too_long");
    assert_int_equal(s_text("Zhang San 张三 😀", 14, &code), 0);
    assert_int_equal(s_text("", 0, &code), 0);
    assert_int_equal(text_check(NULL, 0, 10, &code), 0);

    const char *bad[] = {
        "a\tb", "a\nb", "a\rb", "\x1b[31m", "a\x7f", "\xc2\x85", /* C0, DEL, C1 (NEL) */
        "\xff", "\xc3", "\xc3\x28", "\x80", "\xc0\xaf",           /* bytes, overlong */
        "\xe0\x80\xaf", "\xed\xa0\x80",                           /* overlong, surrogate */
        "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",               /* above U+10FFFF */
        "\xe5\x87",                                               /* truncated 凤 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (s_text(bad[i], 100, &code) == 0)
            fail_msg("accepted bad text #%zu", i);
        assert_string_equal(code, "invalid_text");
    }
    /* Blank text, format and bidi controls, noncharacters (finding 10 of
     * issue 14: each of these was stored as a name). */
    const char *unseen[] = {
        " ", "   ", "\xe3\x80\x80", " \xc2\xa0 ",                   /* blank, U+3000, NBSP */
        "\xe2\x80\x8b", "a\xe2\x80\x8b", "\xe2\x80\x8c", "\xe2\x80\x8f", /* U+200B..200F */
        "a\xe2\x80\xaa" "b", "a\xe2\x80\xae" "b",                  /* U+202A, U+202E */
        "a\xe2\x81\xa6" "b", "a\xe2\x81\xa9" "b",                  /* U+2066, U+2069 */
        "\xef\xbb\xbf" "name", "a\xc2\xad" "b",                     /* BOM, soft hyphen */
        "a\xef\xbf\xbf" "b", "a\xef\xbf\xbe" "b",                  /* U+FFFF, U+FFFE */
        "a\xef\xb7\x90" "b", "a\xef\xb7\xaf" "b",                  /* U+FDD0, U+FDEF */
        "a\xf0\x9f\xbf\xbf" "b", "a\xf4\x8f\xbf\xbe" "b",           /* U+1FFFF, U+10FFFE */
    };
    for (size_t i = 0; i < sizeof unseen / sizeof unseen[0]; i++) {
        if (s_text(unseen[i], 100, &code) == 0)
            fail_msg("accepted unseen or blank text #%zu", i);
        assert_string_equal(code, "invalid_text");
    }
    /* What names are made of stays fine: Chinese, Latin, digits,
     * punctuation, inner spaces, and the middle dot of minority names. */
    const char *fine[] = {
        "张三", "阿依古丽\xc2\xb7买买提", "O'Brien-Smith, Jr.", "第3车间（二号）",
        " 张三 ", "Zhang\xe3\x80\x80San", "\xef\xbf\xbd", "\xef\xb7\x8f\xef\xb7\xb0",
        "\xe2\x80\x94\xe2\x80\x9c\xe2\x80\x9d\xe3\x80\x82", /* em dash, quotes, 。 */
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        if (s_text(fine[i], 100, &code) != 0)
            fail_msg("refused ordinary text #%zu", i);
    }
    /* An embedded NUL is a control character. */
    assert_int_equal(text_check("ab\0cd", 5, 100, &code), -1);
    assert_string_equal(code, "invalid_text");
    /* Invalid beats too long, wherever the bad byte is. */
    assert_int_equal(s_text("abcdefgh\xff", 2, &code), -1);
    assert_string_equal(code, "invalid_text");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_number_valid),
        cmocka_unit_test(test_id_number_lower_case_x),
        cmocka_unit_test(test_id_number_typos),
        cmocka_unit_test(test_id_number_birth_date),
        cmocka_unit_test(test_id_number_mask),
        cmocka_unit_test(test_credit_code_valid),
        cmocka_unit_test(test_credit_code_invalid),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_event_and_ref_ids),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
