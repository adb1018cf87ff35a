#include "token.h"

#include <sodium.h>
#include <string.h>

static const char *const s_roles[ROLE_COUNT] = {"township", "county", "checker", "province",
                                                "admin"};

const char *
role_name(role_t role)
{
    return role < ROLE_COUNT ? s_roles[role] : "unknown";
}

int
role_parse(const char *name, role_t *role)
{
    for (int i = 0; i < ROLE_COUNT; i++)
        if (strcmp(name, s_roles[i]) == 0) {
            *role = (role_t) i;
            return 0;
        }
    return -1;
}

bool
role_sees_full_ids(role_t role)
{
    return role != ROLE_TOWNSHIP;
}

int
token_generate(char out[TOKEN_LEN + 1])
{
    if (sodium_init() < 0)
        return -1;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "hrss_", 5);
    sodium_bin2base64(out + 5, TOKEN_LEN + 1 - 5, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

int
token_hash(const char *token, size_t len, uint8_t out[TOKEN_HASH_LEN])
{
    if (len != TOKEN_LEN || memcmp(token, "hrss_", 5) != 0)
        return -1;
    for (size_t i = 5; i < len; i++) {
        char c = token[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return -1;
    }
    crypto_generichash(out, TOKEN_HASH_LEN, (const unsigned char *) token, len, NULL, 0);
    return 0;
}
