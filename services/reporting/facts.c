#include "facts.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void
facts_batch_init(facts_batch_t *self)
{
    self->n = 0;
}

static fact_t *
s_find(facts_batch_t *self, const char *code, const char *region)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->items[i].region, region) == 0 && strcmp(self->items[i].code, code) == 0)
            return &self->items[i];
    return NULL;
}

int
facts_batch_add(facts_batch_t *self, const char *code, const char *region12, int64_t delta)
{
    char chain[5][REGION_LEN + 1];
    int n = region_ancestors(region12, chain);
    if (n == 0 || strlen(code) >= FACTS_CODE_MAX)
        return -1;
    /* All or nothing: count the new pairs before touching the batch. */
    size_t fresh = 0;
    for (int i = 0; i < n; i++)
        if (!s_find(self, code, chain[i]))
            fresh++;
    if (self->n + fresh > FACTS_MAX)
        return -1;
    for (int i = 0; i < n; i++) {
        fact_t *f = s_find(self, code, chain[i]);
        if (!f) {
            f = &self->items[self->n++];
            snprintf(f->code, sizeof f->code, "%s", code);
            memcpy(f->region, chain[i], sizeof f->region);
            f->delta = 0;
        }
        f->delta += delta;
    }
    return 0;
}

size_t
facts_batch_count(const facts_batch_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->n; i++)
        if (self->items[i].delta != 0)
            n++;
    return n;
}

int
facts_batch_literals(const facts_batch_t *self, char *codes, char *regions, char *deltas,
                     size_t size)
{
    const char *code_of[FACTS_MAX], *region_of[FACTS_MAX];
    char numbers[FACTS_MAX * 22 + 3];   /* "{" + n * ",-9223372036854775808" + "}" always fits */
    size_t n = 0, len = 1;
    numbers[0] = '{';
    for (size_t i = 0; i < self->n; i++) {
        const fact_t *f = &self->items[i];
        if (f->delta == 0)
            continue;
        code_of[n] = f->code;
        region_of[n] = f->region;
        len += (size_t) snprintf(numbers + len, sizeof numbers - len, "%s%" PRId64, n ? "," : "",
                                 f->delta);
        n++;
    }
    snprintf(numbers + len, sizeof numbers - len, "}");
    if (len + 2 > size || text_array_literal(codes, size, code_of, n) >= size ||
        text_array_literal(regions, size, region_of, n) >= size)
        return -1;
    memcpy(deltas, numbers, len + 2);
    return 0;
}

size_t
text_array_literal(char *out, size_t size, const char *const *items, size_t n)
{
    size_t len = 0;
#define PUT(c)                 \
    do {                       \
        if (len + 1 < size)    \
            out[len] = (c);    \
        len++;                 \
    } while (0)
    PUT('{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            PUT(',');
        PUT('"');
        for (const char *p = items[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                PUT('\\');
            PUT(*p);
        }
        PUT('"');
    }
    PUT('}');
#undef PUT
    if (size)
        out[len < size ? len : size - 1] = '\0';
    return len;
}
