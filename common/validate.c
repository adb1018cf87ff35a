#include "validate.h"

#include <string.h>

#include "timeutil.h"

#define CODE_ID_NUMBER "invalid_id_number"
#define CODE_CREDIT_CODE "invalid_credit_code"
#define CODE_AMOUNT "invalid_amount"
#define CODE_ID "invalid_id"
#define CODE_TEXT "invalid_text"
#define CODE_TOO_LONG "too_long"

static int
s_fail(const char **code, const char *what)
{
    if (code)
        *code = what;
    return -1;
}

static bool
s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* --- resident identity number (GB 11643-1999) ------------------------------ */

/* ISO 7064 MOD 11-2: weight of position i is 2^(17-i) mod 11. */
static const int s_id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char s_id_check_chars[] = "10X98765432";

int
id_number_normalize(const char *in, size_t len, char out[ID_NUMBER_LEN + 1], const char **code)
{
    if (out)
        out[0] = '\0';
    if (!in || len != ID_NUMBER_LEN)
        return s_fail(code, CODE_ID_NUMBER);

    char buf[ID_NUMBER_LEN + 1];
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!s_is_digit(in[i]))
            return s_fail(code, CODE_ID_NUMBER);
        buf[i] = in[i];
        sum += (in[i] - '0') * s_id_weights[i];
    }
    char check = in[17] == 'x' ? 'X' : in[17];
    if (check != s_id_check_chars[sum % 11])
        return s_fail(code, CODE_ID_NUMBER);
    buf[17] = check;
    buf[ID_NUMBER_LEN] = '\0';

    /* The check digit alone lets through one in eleven typos; a birth date
     * that never happened (19990230) or has not happened yet catches more. */
    int y = (buf[6] - '0') * 1000 + (buf[7] - '0') * 100 + (buf[8] - '0') * 10 + (buf[9] - '0');
    unsigned m = (unsigned) ((buf[10] - '0') * 10 + (buf[11] - '0'));
    unsigned d = (unsigned) ((buf[12] - '0') * 10 + (buf[13] - '0'));
    if (y < 1900 || !is_valid_date(y, m, d))
        return s_fail(code, CODE_ID_NUMBER);
    if (days_from_civil(y, m, d) > cst_days_of_instant(now_us()))
        return s_fail(code, CODE_ID_NUMBER);

    if (out)
        memcpy(out, buf, sizeof buf);
    return 0;
}

void
id_number_mask(const char *id_number, char out[ID_NUMBER_LEN + 1])
{
    memset(out, '*', ID_NUMBER_LEN);
    out[ID_NUMBER_LEN] = '\0';
    /* Anything else is masked whole: a malformed value may be some other
     * identifier whose prefix and suffix would say too much. */
    if (id_number && strnlen(id_number, ID_NUMBER_LEN + 1) == ID_NUMBER_LEN) {
        memcpy(out, id_number, 6);
        memcpy(out + 14, id_number + 14, 4);
    }
}

/* --- unified social credit code (GB 32100-2015) ---------------------------- */

/* The 31 characters in value order; I, O, Z, S and V are left out because
 * they are easily read as 1, 0, 2, 5 and U. */
static const char s_credit_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/* 3^(i) mod 31 for positions 1..17. */
static const int s_credit_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                         29, 25, 13, 8,  24, 10, 30, 28};

static int
s_credit_value(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char) (c - 'a' + 'A');
    if (c == '\0')
        return -1;
    const char *p = memchr(s_credit_chars, c, sizeof s_credit_chars - 1);
    return p ? (int) (p - s_credit_chars) : -1;
}

/* Only the outer check character is verified. Positions 9..17 embed an
 * organization code with its own GB 11714 check, but the standard does not
 * require validators to re-check it and registries hold codes (notably of
 * individual businesses) whose embedded part does not satisfy it. */
int
credit_code_normalize(const char *in, size_t len, char out[CREDIT_CODE_LEN + 1],
                      const char **code)
{
    if (out)
        out[0] = '\0';
    if (!in || len != CREDIT_CODE_LEN)
        return s_fail(code, CODE_CREDIT_CODE);

    char buf[CREDIT_CODE_LEN + 1];
    int sum = 0;
    for (int i = 0; i < CREDIT_CODE_LEN; i++) {
        int v = s_credit_value(in[i]);
        if (v < 0)
            return s_fail(code, CODE_CREDIT_CODE);
        buf[i] = s_credit_chars[v];
        if (i < 17)
            sum += v * s_credit_weights[i];
    }
    buf[CREDIT_CODE_LEN] = '\0';
    if (buf[17] != s_credit_chars[(31 - sum % 31) % 31])
        return s_fail(code, CODE_CREDIT_CODE);

    if (out)
        memcpy(out, buf, sizeof buf);
    return 0;
}

/* --- money ------------------------------------------------------------------ */

int
money_fen_check(int64_t v, const char **code)
{
    if (v < 0 || v > MONEY_FEN_MAX)
        return s_fail(code, CODE_AMOUNT);
    return 0;
}

/* --- identifiers -------------------------------------------------------------- */

static bool
s_id_char(char c)
{
    return s_is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.'
           || c == '_' || c == ':' || c == '-';
}

static int
s_id_check(const char *s, size_t len, size_t min, size_t max, const char **code)
{
    if (!s || len < min || len > max)
        return s_fail(code, CODE_ID);
    for (size_t i = 0; i < len; i++)
        if (!s_id_char(s[i]))
            return s_fail(code, CODE_ID);
    return 0;
}

int
event_id_check(const char *s, size_t len, const char **code)
{
    return s_id_check(s, len, 8, 64, code);
}

int
ref_id_check(const char *s, size_t len, const char **code)
{
    return s_id_check(s, len, 1, 64, code);
}

/* --- text --------------------------------------------------------------------- */

size_t
utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* White space of any script: text made only of it is blank. */
static bool
s_is_space(uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Characters that are invisible or reorder what surrounds them (format and
 * bidi controls: a right-to-left override makes "a\u202eb" display as
 * something else in every table it reaches), and noncharacters, which are
 * not text at all. Ordinary punctuation, and the middle dot of minority
 * names (U+00B7, as in 阿依古丽·买买提), are not among them. */
static bool
s_is_format_or_nonchar(uint32_t cp)
{
    return cp == 0xAD ||                                  /* soft hyphen */
           cp == 0x061C ||                                /* Arabic letter mark */
           cp == 0x180E ||                                /* Mongolian vowel separator */
           (cp >= 0x200B && cp <= 0x200F) ||              /* zero widths, LRM, RLM */
           cp == 0x2028 || cp == 0x2029 ||                /* line and paragraph separators */
           (cp >= 0x202A && cp <= 0x202E) ||              /* bidi embeddings, overrides */
           (cp >= 0x2060 && cp <= 0x206F) ||              /* word joiner, invisible operators,
                                                           * bidi isolates, deprecated formats */
           cp == 0xFEFF ||                                /* zero width no-break space, BOM */
           (cp >= 0xFFF9 && cp <= 0xFFFB) ||              /* interlinear annotation */
           (cp >= 0xFDD0 && cp <= 0xFDEF) ||              /* noncharacters */
           (cp & 0xFFFE) == 0xFFFE ||                     /* U+xFFFE, U+xFFFF of every plane */
           (cp >= 0xE0000 && cp <= 0xE007F);              /* tags */
}

/* Control characters are refused everywhere, tab and newline included: these
 * are names, titles and reasons, displayed in tables and in generated text.
 * C1 controls (U+0080..U+009F) count as control characters too, and so do
 * format controls and noncharacters (s_is_format_or_nonchar). Text that is
 * all white space is blank: a name "   " names nobody. Invalid UTF-8 wins
 * over length, so the reported code does not depend on where the bad byte
 * sits. */
int
text_check(const char *s, size_t len, size_t max_chars, const char **code)
{
    if (!s && len)
        return s_fail(code, CODE_TEXT);
    const unsigned char *p = (const unsigned char *) s;
    size_t chars = 0;
    bool blank = true;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
            s_is_format_or_nonchar(cp))
            return s_fail(code, CODE_TEXT);
        if (!s_is_space(cp))
            blank = false;
        i += n;
        chars++;
    }
    if (len && blank)
        return s_fail(code, CODE_TEXT);
    if (chars > max_chars)
        return s_fail(code, CODE_TOO_LONG);
    return 0;
}
