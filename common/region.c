#include "region.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef HRSS_DEFAULT_DATA_DIR
#define HRSS_DEFAULT_DATA_DIR "common/data"
#endif

#define CODE_INVALID "invalid_region"
#define CODE_UNKNOWN "unknown_region"

/* The shipped table has ~45k rows and the largest file is under 2 MB; a file
 * far beyond that is not a region table, and a cap keeps a misconfigured
 * path from exhausting memory. */
#define MAX_FILE_BYTES (64u << 20)

/* Every division is stored once, keyed by its 12-digit code read as a number:
 * sorted uint64 keys make lookups a binary search and children a range scan. */
typedef struct {
    uint64_t key;
    uint32_t name;  /* offset into names */
    uint8_t source; /* 0 provinces, 1 cities, 2 areas, 3 streets: keeps the
                       coarser row when two rows share a 12-digit code */
} s_entry_t;

struct region_table_t {
    s_entry_t *entries;
    size_t count;
    char *names; /* NUL-terminated UTF-8 names, back to back */
};

static const uint64_t s_pow10[13] = {
    1ULL,           10ULL,           100ULL,           1000ULL,           10000ULL,
    100000ULL,      1000000ULL,      10000000ULL,      100000000ULL,      1000000000ULL,
    10000000000ULL, 100000000000ULL, 1000000000000ULL,
};

/* Lengths of the significant prefixes of each level, coarsest first. */
static const int s_level_lens[5] = {2, 4, 6, 9, 12};

/* --- codes as numbers ---------------------------------------------------------- */

static bool
s_key_of(const char *s, size_t len, uint64_t *key)
{
    uint64_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        k = k * 10 + (uint64_t) (s[i] - '0');
    }
    *key = k;
    return true;
}

static bool
s_key_of_code12(const char *code12, uint64_t *key)
{
    return code12 && strnlen(code12, REGION_LEN + 1) == REGION_LEN
           && s_key_of(code12, REGION_LEN, key);
}

/* The 12-digit code keeping only the first `len` digits. */
static uint64_t
s_truncate(uint64_t key, int len)
{
    uint64_t unit = s_pow10[REGION_LEN - len];
    return key - key % unit;
}

static int
s_prefix_len_key(uint64_t key)
{
    if (key % 1000)
        return 12;
    if (key / 1000 % 1000)
        return 9;
    if (key / 1000000 % 100)
        return 6;
    if (key / 100000000 % 100)
        return 4;
    if (key)
        return 2;
    return 0;
}

/* The enclosing division; 0 (the nation) for a province. Coarser prefixes
 * equal to the code itself are skipped: 441900000000 is both the city 4419
 * and its county-level 441900, and its parent is the province 44. */
static uint64_t
s_parent_key(uint64_t key)
{
    int p = s_prefix_len_key(key);
    for (int i = 4; i >= 0; i--) {
        if (s_level_lens[i] >= p)
            continue;
        uint64_t t = s_truncate(key, s_level_lens[i]);
        if (t != key)
            return t;
    }
    return 0;
}

static void
s_format_key(uint64_t key, char out[REGION_LEN + 1])
{
    for (int i = REGION_LEN - 1; i >= 0; i--) {
        out[i] = (char) ('0' + key % 10);
        key /= 10;
    }
    out[REGION_LEN] = '\0';
}

/* Index of the first entry with key >= `key`. */
static size_t
s_lower_bound(const region_table_t *self, uint64_t key)
{
    size_t lo = 0, hi = self->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (self->entries[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const s_entry_t *
s_find(const region_table_t *self, uint64_t key)
{
    size_t i = s_lower_bound(self, key);
    return i < self->count && self->entries[i].key == key ? &self->entries[i] : NULL;
}

/* --- loading --------------------------------------------------------------------- */

static char *
s_read_file(const char *path, size_t *size)
{
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0
        || (uint64_t) st.st_size > MAX_FILE_BYTES)
        goto out;
    size_t n = (size_t) st.st_size;
    buf = malloc(n + 1);
    if (!buf)
        goto out;
    if (fread(buf, 1, n, f) != n) {
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[n] = '\0';
    *size = n;
out:
    fclose(f);
    return buf;
}

typedef struct {
    const char *file;
    size_t code_len;
} s_source_t;

static const s_source_t s_sources[4] = {
    {"regions-provinces.csv", 2},
    {"regions-cities.csv", 4},
    {"regions-areas.csv", 6},
    {"regions-streets.csv", 9},
};

/* Parses `code,"name",...` lines after the header into self, names copied
 * (unquoted, "" unescaped) into self->names at *names_used. Any malformed
 * line fails the whole load: a half-read table would turn valid regions into
 * rejections with no hint why. */
static int
s_parse(region_table_t *self, size_t *names_used, const char *buf, size_t size, uint8_t source)
{
    size_t code_len = s_sources[source].code_len;
    const char *p = buf, *end = buf + size;
    const char *nl = memchr(p, '\n', (size_t) (end - p));
    if (!nl)
        return -1; /* not even a header */
    p = nl + 1;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t) (end - p));
        if (!eol)
            eol = end;
        const char *line_end = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
        const char *q = p;
        p = eol + 1;
        if (q == line_end)
            continue; /* blank line, e.g. at the end of the file */

        uint64_t digits;
        if ((size_t) (line_end - q) < code_len + 2 || q[code_len] != ','
            || !s_key_of(q, code_len, &digits))
            return -1;
        q += code_len + 1;

        size_t name_start = *names_used;
        char *dst = self->names + name_start;
        size_t n = 0;
        if (*q == '"') {
            q++;
            for (;;) {
                if (q >= line_end)
                    return -1; /* unterminated quote */
                if (*q == '"') {
                    if (q + 1 < line_end && q[1] == '"') {
                        dst[n++] = '"';
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                dst[n++] = *q++;
            }
            if (q < line_end && *q != ',')
                return -1;
        } else {
            while (q < line_end && *q != ',')
                dst[n++] = *q++;
        }
        if (n == 0)
            return -1;
        dst[n] = '\0';
        *names_used += n + 1;

        s_entry_t *e = &self->entries[self->count++];
        e->key = digits * s_pow10[REGION_LEN - code_len];
        e->name = (uint32_t) name_start;
        e->source = source;
    }
    return 0;
}

static int
s_entry_cmp(const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (int) x->source - (int) y->source;
}

/* Two rows may name the same 12-digit code: a county-level city filed as
 * county "00" of its own city (441900 东莞市 under 4419), or a county filed
 * again as a township "000" of itself (350527000 金门县). The coarser row is
 * kept; they are one division. Villages need a township that is a real one,
 * and these duplicates have no township digits, so nothing is lost. */
static void
s_dedupe(region_table_t *self)
{
    size_t w = 0;
    for (size_t r = 0; r < self->count; r++) {
        if (w > 0 && self->entries[w - 1].key == self->entries[r].key)
            continue;
        self->entries[w++] = self->entries[r];
    }
    self->count = w;
}

/* Every division's parent must be in the table, so that region_check of a
 * listed code implies its whole chain up to the province exists. */
static int
s_check_tree(const region_table_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        uint64_t key = self->entries[i].key;
        if (key == 0)
            return -1; /* the nation is implicit, never a row */
        uint64_t parent = s_parent_key(key);
        if (parent && !s_find(self, parent))
            return -1;
    }
    return 0;
}

region_table_t *
region_table_load(const char *dir)
{
    if (!dir) {
        dir = getenv("HRSS_DATA_DIR");
        if (!dir || !*dir)
            dir = HRSS_DEFAULT_DATA_DIR;
    }

    region_table_t *self = calloc(1, sizeof *self);
    char *bufs[4] = {NULL};
    size_t sizes[4] = {0};
    if (!self)
        return NULL;

    size_t total_bytes = 0, total_lines = 0;
    for (int i = 0; i < 4; i++) {
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "%s/%s", dir, s_sources[i].file);
        if (n < 0 || (size_t) n >= sizeof path)
            goto fail;
        bufs[i] = s_read_file(path, &sizes[i]);
        if (!bufs[i])
            goto fail;
        total_bytes += sizes[i];
        for (const char *p = bufs[i]; (p = memchr(p, '\n', (size_t) (bufs[i] + sizes[i] - p)));
             p++)
            total_lines++;
        total_lines++; /* a last line without a newline */
    }
    /* Names are substrings of the files, each followed by at most one NUL
     * where the file had at least a quote or comma: the files' size bounds
     * them, and one allocation each is enough. */
    if (total_bytes >= UINT32_MAX)
        goto fail;
    self->names = malloc(total_bytes + 1);
    self->entries = malloc(total_lines * sizeof *self->entries);
    if (!self->names || !self->entries)
        goto fail;

    size_t names_used = 0;
    for (int i = 0; i < 4; i++) {
        if (s_parse(self, &names_used, bufs[i], sizes[i], (uint8_t) i) != 0)
            goto fail;
        free(bufs[i]);
        bufs[i] = NULL;
    }

    qsort(self->entries, self->count, sizeof *self->entries, s_entry_cmp);
    s_dedupe(self);
    if (self->count == 0 || s_check_tree(self) != 0)
        goto fail;
    return self;

fail:
    for (int i = 0; i < 4; i++)
        free(bufs[i]);
    region_table_destroy(&self);
    return NULL;
}

void
region_table_destroy(region_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    region_table_t *self = *self_p;
    free(self->entries);
    free(self->names);
    free(self);
    *self_p = NULL;
}

size_t
region_table_size(const region_table_t *self)
{
    return self ? self->count : 0;
}

/* --- queries ------------------------------------------------------------------------ */

static int
s_check_key(const region_table_t *self, uint64_t key, const char **code)
{
    /* The nation is a scope (tokens, reports), never the region of an event. */
    if (key == 0)
        goto unknown;
    if (key % 1000) {
        /* A village: its digits are taken on trust, but only under a real
         * township; "000" township digits would hang it off a county. */
        if (key / 1000 % 1000 == 0 || !s_find(self, s_truncate(key, 9)))
            goto unknown;
        return 0;
    }
    if (!s_find(self, key))
        goto unknown;
    return 0;
unknown:
    if (code)
        *code = CODE_UNKNOWN;
    return -1;
}

int
region_check(const region_table_t *self, const char *s, size_t len, const char **code)
{
    uint64_t key;
    if (!s || len != REGION_LEN || !s_key_of(s, len, &key)) {
        if (code)
            *code = CODE_INVALID;
        return -1;
    }
    return s_check_key(self, key, code);
}

int
region_normalize(const region_table_t *self, const char *s, char out[REGION_LEN + 1],
                 const char **code)
{
    uint64_t digits;
    size_t len = s ? strnlen(s, REGION_LEN + 1) : 0;
    if (out)
        out[0] = '\0';
    if (!(len == 2 || len == 4 || len == 6 || len == 9 || len == 12)
        || !s_key_of(s, len, &digits)) {
        if (code)
            *code = CODE_INVALID;
        return -1;
    }
    uint64_t key = digits * s_pow10[REGION_LEN - len];
    if (s_check_key(self, key, code) != 0)
        return -1;
    if (out)
        s_format_key(key, out);
    return 0;
}

/* -1 for anything that is not 12 digits. "000000000000", the nation, is 0. */
int
region_prefix_len(const char *code12)
{
    uint64_t key;
    if (!s_key_of_code12(code12, &key))
        return -1;
    return s_prefix_len_key(key);
}

/* Comparing significant prefixes (not levels) makes 441900000000 contain
 * 441900003000 whether it was meant as the city or as the county. */
bool
region_contains(const char *outer, const char *inner)
{
    uint64_t o, i;
    if (!s_key_of_code12(outer, &o) || !s_key_of_code12(inner, &i))
        return false;
    return s_truncate(i, s_prefix_len_key(o)) == o;
}

region_level_t
region_level(const char *code12)
{
    switch (region_prefix_len(code12)) {
    case 0:
        return REGION_NATION;
    case 2:
        return REGION_PROVINCE;
    case 4:
        return REGION_CITY;
    case 6:
        return REGION_COUNTY;
    case 9:
        return REGION_TOWNSHIP;
    case 12:
        return REGION_VILLAGE;
    default:
        return REGION_INVALID;
    }
}

/* The nation is an ancestor of everything but is not listed: callers walk
 * the chain to roll figures up to the province. Its own chain is itself. */
int
region_ancestors(const char *code12, char out[5][REGION_LEN + 1])
{
    uint64_t key;
    if (!s_key_of_code12(code12, &key))
        return 0;
    if (key == 0) {
        s_format_key(0, out[0]);
        return 1;
    }
    int n = 0;
    for (uint64_t k = key; k; k = s_parent_key(k))
        s_format_key(k, out[n++]);
    return n;
}

/* "全国" for the nation, so that a nation-wide scope can be named in reports. */
const char *
region_name(const region_table_t *self, const char *code12)
{
    uint64_t key;
    if (!self || !s_key_of_code12(code12, &key))
        return NULL;
    if (key == 0)
        return "全国";
    const s_entry_t *e = s_find(self, key);
    return e ? self->names + e->name : NULL;
}

/* A range scan over everything under the code, keeping rows whose parent is
 * the code itself. For a city that is also its own county (4419 / 441900)
 * that lists the townships: the county is the city, not its child. */
size_t
region_children(const region_table_t *self, const char *code12, char (*out)[REGION_LEN + 1],
                size_t max)
{
    uint64_t key;
    if (!self || !s_key_of_code12(code12, &key))
        return 0;
    int p = s_prefix_len_key(key);
    if (p == 12 || (key != 0 && !s_find(self, key)))
        return 0;
    uint64_t end = key + s_pow10[REGION_LEN - p];
    size_t n = 0;
    for (size_t i = s_lower_bound(self, key); i < self->count; i++) {
        uint64_t k = self->entries[i].key;
        if (k >= end)
            break;
        if (k == key || s_parent_key(k) != key)
            continue;
        if (out) {
            if (n >= max)
                break;
            s_format_key(k, out[n]);
        }
        n++;
    }
    return n;
}
