/* The dashboard's assets (services/gateway/dashboard.c): the page names the
 * script, styles and ECharts by content hash; each is served under that name
 * only, cached for good, the page revalidated and under a strict CSP; without
 * ECharts the page goes without its script tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gateway.h"

extern const unsigned char dashboard_app_js[];
extern const size_t dashboard_app_js_len;

static const char s_echarts[] = "/* a stand-in for echarts */ window.echarts = {};";

static char s_path[64];

static int
s_setup(void **state)
{
    (void) state;
    snprintf(s_path, sizeof s_path, "/tmp/hrss-test-echarts-XXXXXX");
    int fd = mkstemp(s_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, s_echarts, sizeof s_echarts - 1), (ssize_t) (sizeof s_echarts - 1));
    close(fd);
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    unlink(s_path);
    return 0;
}

/* Serves `asset` (NULL: the page) from `gw` into a fresh request. */
static http_req_t *
s_serve(gateway_t *gw, const char *asset)
{
    http_req_t *req = calloc(1, sizeof *req);
    assert_non_null(req);
    req->gw = gw;
    dashboard_serve(gw, req, asset);
    assert_true(req->answered);
    return req;
}

static void
s_req_free(http_req_t **req_p)
{
    free((*req_p)->response);
    free(*req_p);
    *req_p = NULL;
}

static const char *
s_header(const http_req_t *req, const char *name)
{
    for (int i = 0; i < req->nheaders; i++)
        if (strcmp(req->headers[i][0], name) == 0)
            return req->headers[i][1];
    return NULL;
}

/* The name after `prefix` up to the closing quote, in the page. */
static void
s_named(const char *page, const char *prefix, char *out, size_t size)
{
    const char *p = strstr(page, prefix);
    assert_non_null(p);
    p += strlen(prefix);
    const char *end = strchr(p, '"');
    assert_non_null(end);
    snprintf(out, size, "%.*s", (int) (end - p), p);
}

static bool
s_hashed(const char *name, const char *stem, const char *ext)
{
    size_t ls = strlen(stem), le = strlen(ext), n = strlen(name);
    if (n != ls + 1 + 16 + 1 + le || strncmp(name, stem, ls) != 0 || name[ls] != '.' ||
        strcmp(name + n - le, ext) != 0 || name[n - le - 1] != '.')
        return false;
    for (size_t i = ls + 1; i < ls + 17; i++)
        if (!strchr("0123456789abcdef", name[i]))
            return false;
    return true;
}

static void
test_page_names_hashed_assets(void **state)
{
    (void) state;
    setenv("HRSS_ECHARTS_JS", s_path, 1);
    gateway_t gw = {0};
    gw.dashboard = dashboard_new();
    assert_non_null(gw.dashboard);

    http_req_t *page = s_serve(&gw, NULL);
    assert_int_equal(page->status, 200);
    assert_string_equal(page->content_type, "text/html; charset=utf-8");
    assert_string_equal(s_header(page, "Cache-Control"), "no-cache");
    const char *csp = s_header(page, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "script-src 'self';"));
    assert_non_null(strstr(csp, "connect-src 'self';"));
    assert_null(strstr(csp, "unsafe"));
    assert_non_null(s_header(page, "ETag"));
    assert_null(strstr(page->response, "{{"));   /* every placeholder filled */

    char js[64], css[64], echarts[64];
    s_named(page->response, "<script src=\"/dashboard/app.", js + 4, sizeof js - 4);
    memcpy(js, "app.", 4);
    s_named(page->response, "href=\"/dashboard/app.", css + 4, sizeof css - 4);
    memcpy(css, "app.", 4);
    s_named(page->response, "<script src=\"/dashboard/echarts.", echarts + 8, sizeof echarts - 8);
    memcpy(echarts, "echarts.", 8);
    assert_true(s_hashed(js, "app", "js"));
    assert_true(s_hashed(css, "app", "css"));
    assert_true(s_hashed(echarts, "echarts", "min.js"));

    http_req_t *a = s_serve(&gw, js);
    assert_int_equal(a->status, 200);
    assert_string_equal(a->content_type, "text/javascript; charset=utf-8");
    assert_string_equal(s_header(a, "Cache-Control"), "public, max-age=31536000, immutable");
    assert_int_equal(a->response_len, dashboard_app_js_len);
    assert_memory_equal(a->response, dashboard_app_js, dashboard_app_js_len);
    s_req_free(&a);

    a = s_serve(&gw, echarts);
    assert_int_equal(a->status, 200);
    assert_int_equal(a->response_len, sizeof s_echarts - 1);
    assert_memory_equal(a->response, s_echarts, sizeof s_echarts - 1);
    s_req_free(&a);

    a = s_serve(&gw, css);
    assert_int_equal(a->status, 200);
    assert_string_equal(a->content_type, "text/css; charset=utf-8");
    s_req_free(&a);

    /* only the hashed names: not the file's own, not another hash */
    static const char *const refused[] = {"app.js", "app.css", "echarts.min.js", "index.html",
                                          "app.0000000000000000.js", ""};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        a = s_serve(&gw, refused[i]);
        assert_int_equal(a->status, 404);
        s_req_free(&a);
    }
    s_req_free(&page);
    dashboard_destroy(&gw.dashboard);
    assert_null(gw.dashboard);
}

static void
test_without_echarts_no_script_tag(void **state)
{
    (void) state;
    setenv("HRSS_ECHARTS_JS", "/nonexistent/echarts.min.js", 1);
    gateway_t gw = {0};
    gw.dashboard = dashboard_new();
    assert_non_null(gw.dashboard);
    http_req_t *page = s_serve(&gw, NULL);
    assert_int_equal(page->status, 200);
    assert_null(strstr(page->response, "echarts"));
    assert_non_null(strstr(page->response, "<script src=\"/dashboard/app."));
    s_req_free(&page);
    dashboard_destroy(&gw.dashboard);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_names_hashed_assets),
        cmocka_unit_test(test_without_echarts_no_script_tag),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
