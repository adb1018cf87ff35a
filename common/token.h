/* token — bearer tokens and roles (docs/contract.md#roles).
 *
 * A token is "hrss_" followed by 43 characters of base64url (32 random
 * bytes). Only its BLAKE2b-256 hash is stored; the token itself is printed
 * once, at creation. */
#ifndef HRSS_TOKEN_H
#define HRSS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_LEN 48            /* "hrss_" + 43 */
#define TOKEN_HASH_LEN 32

typedef enum { ROLE_TOWNSHIP, ROLE_COUNTY, ROLE_CHECKER, ROLE_PROVINCE, ROLE_ADMIN, ROLE_COUNT } role_t;

const char *role_name(role_t role);
/* -1 for an unknown name. */
int role_parse(const char *name, role_t *role);
/* Whether the role reads full id numbers (everyone but township). */
bool role_sees_full_ids(role_t role);

/* A fresh random token into `out` (TOKEN_LEN + 1 bytes). */
int token_generate(char out[TOKEN_LEN + 1]);
/* Hash of a presented token; -1 when it does not have the token's shape. */
int token_hash(const char *token, size_t len, uint8_t out[TOKEN_HASH_LEN]);

#endif
