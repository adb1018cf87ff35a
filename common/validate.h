/* validate — identifiers of people and employers, money, and short strings.
 *
 * Pure functions, no allocation, no logging. Each returns 0 when the input is
 * valid and -1 otherwise; `code` (optional) receives a stable machine code such
 * as "invalid_id_number" that callers pass on to clients unchanged. */
#ifndef HRSS_VALIDATE_H
#define HRSS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ID_NUMBER_LEN 18
#define CREDIT_CODE_LEN 18
#define MONEY_FEN_MAX 1000000000000000LL /* 10^15 fen: docs/contract.md#money */

/* GB 11643-1999 resident identity number: 17 digits, ISO 7064 MOD 11-2 check
 * character (0-9 or X), a real birth date (YYYYMMDD at offset 6, not after
 * today and not before 1900). A trailing lower-case x is accepted; `out`
 * (19 bytes) receives the normalized form with an upper-case X. */
int id_number_normalize(const char *in, size_t len, char out[ID_NUMBER_LEN + 1],
                        const char **code);

/* "433123********1234": first 6 and last 4 characters kept. `out` 19 bytes.
 * Anything that is not 18 characters long is masked entirely. */
void id_number_mask(const char *id_number, char out[ID_NUMBER_LEN + 1]);

/* GB 32100-2015 unified social credit code: 18 characters of
 * 0-9 A-H J-N P-R T-U W-Y (no I O Z S V), the last a check character computed
 * with weights 3^i mod 31. Lower-case letters are accepted and upper-cased. */
int credit_code_normalize(const char *in, size_t len, char out[CREDIT_CODE_LEN + 1],
                          const char **code);

/* Money in fen: 0 <= v <= 10^15. */
int money_fen_check(int64_t v, const char **code);

/* Event ids: 8..64 characters of [A-Za-z0-9._:-]. Other identifiers carried in
 * event data (job_id, case_id ...) use the same alphabet, 1..64 characters. */
int event_id_check(const char *s, size_t len, const char **code);
int ref_id_check(const char *s, size_t len, const char **code);

/* Decodes one UTF-8 sequence at s[0..avail), strictly (RFC 3629, as jansson):
 * no overlong forms, no surrogates, nothing above U+10FFFF. Returns its
 * length with the code point in *cp, or 0 if it is not valid. */
size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);

/* Valid UTF-8 of at most `max_chars` code points: no control characters, no
 * format or bidi controls (U+200B..U+200F, U+202A..U+202E, U+2066..U+2069,
 * U+FEFF ...), no noncharacters (U+FDD0..U+FDEF, U+xFFFE/U+xFFFF), and not
 * blank (all white space, U+3000 included). The empty string passes: callers
 * that need text refuse it themselves. */
int text_check(const char *s, size_t len, size_t max_chars, const char **code);

#endif
