/* The routes services/gateway/openapi.yaml describes and the routes the
 * gateway serves are the same set, and what /v1/openapi.yaml serves is that
 * file byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gateway.h"

#define MAX_ROUTES 64

typedef struct {
    char method[8];
    char path[128];
} route_key_t;

static int
s_cmp(const void *a, const void *b)
{
    const route_key_t *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : strcmp(x->method, y->method);
}

/* "  /v1/events:" opens a path; "    post:" is one of its operations. */
static size_t
s_documented(route_key_t *out)
{
    FILE *f = fopen(HRSS_OPENAPI_FILE, "r");
    assert_non_null(f);
    char line[512], path[128] = "";
    size_t n = 0;
    bool in_paths = false;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "paths:") == 0) {
            in_paths = true;
            continue;
        }
        if (line[0] && line[0] != ' ' && line[0] != '#')
            in_paths = false;
        if (!in_paths)
            continue;
        size_t len = strlen(line);
        if (strncmp(line, "  /", 3) == 0 && line[len - 1] == ':') {
            snprintf(path, sizeof path, "%.*s", (int) (len - 3), line + 2);
            continue;
        }
        static const char *const methods[] = {"get", "post", "put", "delete", "patch"};
        for (size_t m = 0; m < 5; m++) {
            char want[32];
            snprintf(want, sizeof want, "    %s:", methods[m]);
            if (strcmp(line, want) == 0 && n < MAX_ROUTES) {
                for (size_t i = 0; methods[m][i]; i++)
                    out[n].method[i] = (char) (methods[m][i] - 'a' + 'A');
                snprintf(out[n].path, sizeof out[n].path, "%s", path);
                n++;
            }
        }
    }
    fclose(f);
    return n;
}

static void
test_documented_routes_are_served_routes(void **state)
{
    (void) state;
    route_key_t doc[MAX_ROUTES] = {0}, served[MAX_ROUTES] = {0};
    size_t ndoc = s_documented(doc), nserved = 0;
    const char *method, *pattern;
    while (routes_get(nserved, &method, &pattern) && nserved < MAX_ROUTES) {
        snprintf(served[nserved].method, sizeof served[nserved].method, "%s", method);
        snprintf(served[nserved].path, sizeof served[nserved].path, "%s", pattern);
        nserved++;
    }
    qsort(doc, ndoc, sizeof *doc, s_cmp);
    qsort(served, nserved, sizeof *served, s_cmp);
    for (size_t i = 0; i < ndoc || i < nserved; i++) {
        if (i >= ndoc || i >= nserved || s_cmp(&doc[i], &served[i]) != 0)
            fail_msg("documented %s %s, served %s %s", i < ndoc ? doc[i].method : "-",
                     i < ndoc ? doc[i].path : "-", i < nserved ? served[i].method : "-",
                     i < nserved ? served[i].path : "-");
    }
    assert_int_equal(ndoc, nserved);
    assert_true(nserved >= 10);
}

static void
test_served_description_is_the_file(void **state)
{
    (void) state;
    FILE *f = fopen(HRSS_OPENAPI_FILE, "rb");
    assert_non_null(f);
    char *buf = malloc(openapi_yaml_len + 2);
    assert_non_null(buf);
    size_t n = fread(buf, 1, openapi_yaml_len + 1, f);
    fclose(f);
    assert_int_equal(n, openapi_yaml_len);
    assert_memory_equal(buf, openapi_yaml, openapi_yaml_len);
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_routes_are_served_routes),
        cmocka_unit_test(test_served_description_is_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
