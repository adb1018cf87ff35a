/* json_block — the JSON tree of a request body, parsed into one block.
 *
 * jansson allocates every value, string and hashtable with malloc and frees
 * them one by one: for a batch of events, malloc and free were a fifth of
 * the gateway's CPU. json_block_loadb parses into one block kept from
 * request to request (jansson's allocations during that parse are carved
 * from it; what does not fit comes from malloc), and json_block_release
 * gives the whole tree back at once. The tree must not outlive its release:
 * nothing may keep a value of it (json_incref) or a pointer into it.
 * Everything else jansson allocates, before, during or after, on this
 * thread or another, comes from malloc as before. While one tree from the
 * block lives, another parse uses malloc. */
#ifndef HRSS_JSON_BLOCK_H
#define HRSS_JSON_BLOCK_H

#include <jansson.h>
#include <stddef.h>

/* Installs the allocator in jansson; once, before jansson allocates. */
void json_block_install(void);
/* json_loadb into the block. */
json_t *json_block_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error);
/* Releases a tree of json_block_loadb (NULL is fine). */
void json_block_release(json_t *tree);
/* Bytes of the block (0 before the first parse); for tests. */
size_t json_block_size(void);

#endif
