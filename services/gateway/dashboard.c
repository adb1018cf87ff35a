/* GET /dashboard/ and its assets: the county dashboard (a page that signs
 * in with a token and reads the API like any client).
 *
 * The page's own script and styles are embedded at build
 * (dashboard_embed.cmake); ECharts is read once at start from the npm install
 * (HRSS_ECHARTS_JS), never fetched from elsewhere. Every asset is served
 * under a name holding a hash of its content, so a browser may keep it for
 * good (immutable) and a new build is a new name; the page names them and is
 * itself revalidated on each visit (no-cache with an ETag, 304 when it has
 * not changed). The page runs under a strict Content-Security-Policy: no
 * inline script or style, no eval, requests only to this origin. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "gateway.h"
#include "log.h"

#ifndef HRSS_DEFAULT_ECHARTS_JS
#define HRSS_DEFAULT_ECHARTS_JS "services/gateway/dashboard/node_modules/echarts/dist/echarts.common.min.js"
#endif
#define ECHARTS_MAX (16 * 1024 * 1024)
#define HASH_HEX 16             /* 64 bits of BLAKE2b in a name: no collision between builds */

extern const unsigned char dashboard_index_html[], dashboard_app_js[], dashboard_app_css[];
extern const size_t dashboard_index_html_len, dashboard_app_js_len, dashboard_app_css_len;

static const char s_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

typedef enum { A_PAGE, A_APP_JS, A_APP_CSS, A_ECHARTS, A_COUNT } asset_id_t;

typedef struct {
    char name[64];              /* "app.0123456789abcdef.js"; the page: "" */
    const char *type;
    unsigned char *body;        /* owned */
    size_t len;
    char etag[HASH_HEX + 3];    /* "\"<hash>\"" */
    bool present;
} asset_t;

struct dashboard_t {
    asset_t assets[A_COUNT];
};

static void
s_hash_hex(const unsigned char *body, size_t len, char out[HASH_HEX + 1])
{
    unsigned char h[HASH_HEX / 2];
    crypto_generichash(h, sizeof h, body, len, NULL, 0);
    sodium_bin2hex(out, HASH_HEX + 1, h, sizeof h);
}

/* Takes `body` (malloc'd, NUL after `len`); names the asset `stem.<hash>.ext`. */
static void
s_asset_set(asset_t *a, const char *stem, const char *ext, const char *type, unsigned char *body,
            size_t len)
{
    char hex[HASH_HEX + 1];
    s_hash_hex(body, len, hex);
    if (stem)
        snprintf(a->name, sizeof a->name, "%s.%s.%s", stem, hex, ext);
    snprintf(a->etag, sizeof a->etag, "\"%s\"", hex);
    a->type = type;
    a->body = body;
    a->len = len;
    a->present = true;
}

static unsigned char *
s_copy(const unsigned char *src, size_t len)
{
    unsigned char *p = malloc(len + 1);
    if (p) {
        memcpy(p, src, len);
        p[len] = '\0';
    }
    return p;
}

/* The whole file, or NULL (errno set). */
static unsigned char *
s_read_file(const char *path, size_t *len)
{
    unsigned char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) || ftell(f) < 0 || ftell(f) > ECHARTS_MAX)
        goto out;
    size_t size = (size_t) ftell(f);
    rewind(f);
    buf = malloc(size + 1);
    if (!buf || fread(buf, 1, size, f) != size) {
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[size] = '\0';
    *len = size;
out:
    fclose(f);
    return buf;
}

/* Appends `s` (n bytes) to the growing page; -1 when memory is short. */
static int
s_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = (*len + n + 1) * 2;
        char *p = realloc(*buf, c);
        if (!p)
            return -1;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* The page with its placeholders filled: {{app.js}} and {{app.css}} become
 * the hashed names; <!--echarts--> the script tag of ECharts, or nothing
 * when it is missing (the page then shows its tables only). */
static char *
s_render_page(const dashboard_t *self, size_t *out_len)
{
    char tag[160] = "";
    if (self->assets[A_ECHARTS].present)
        snprintf(tag, sizeof tag, "<script src=\"/dashboard/%s\" defer></script>",
                 self->assets[A_ECHARTS].name);
    const struct {
        const char *from, *to;
    } subst[] = {
        {"{{app.js}}", self->assets[A_APP_JS].name},
        {"{{app.css}}", self->assets[A_APP_CSS].name},
        {"<!--echarts-->", tag},
    };
    char *buf = NULL;
    size_t len = 0, cap = 0;
    const char *p = (const char *) dashboard_index_html;
    const char *end = p + dashboard_index_html_len;
    while (p < end) {
        const char *next = end;
        size_t which = 0;
        for (size_t i = 0; i < sizeof subst / sizeof *subst; i++) {
            const char *hit = strstr(p, subst[i].from);
            if (hit && hit < next) {
                next = hit;
                which = i;
            }
        }
        if (s_append(&buf, &len, &cap, p, (size_t) (next - p)))
            goto fail;
        if (next == end)
            break;
        if (s_append(&buf, &len, &cap, subst[which].to, strlen(subst[which].to)))
            goto fail;
        p = next + strlen(subst[which].from);
    }
    *out_len = len;
    return buf;
fail:
    free(buf);
    return NULL;
}

dashboard_t *
dashboard_new(void)
{
    dashboard_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    unsigned char *js = s_copy(dashboard_app_js, dashboard_app_js_len);
    unsigned char *css = s_copy(dashboard_app_css, dashboard_app_css_len);
    if (!js || !css) {
        free(js);
        free(css);
        goto fail;
    }
    s_asset_set(&self->assets[A_APP_JS], "app", "js", "text/javascript; charset=utf-8", js,
                dashboard_app_js_len);
    s_asset_set(&self->assets[A_APP_CSS], "app", "css", "text/css; charset=utf-8", css,
                dashboard_app_css_len);
    const char *path = config_str("HRSS_ECHARTS_JS", HRSS_DEFAULT_ECHARTS_JS);
    size_t len = 0;
    unsigned char *echarts = s_read_file(path, &len);
    if (echarts)
        s_asset_set(&self->assets[A_ECHARTS], "echarts", "min.js",
                    "text/javascript; charset=utf-8", echarts, len);
    else
        log_error("dashboard: cannot read ECharts from %s (%s): the dashboard shows tables "
                  "without charts; run ./deploy/local.sh up or set HRSS_ECHARTS_JS",
                  path, errno ? strerror(errno) : "too large");
    char *page = s_render_page(self, &len);
    if (!page)
        goto fail;
    s_asset_set(&self->assets[A_PAGE], NULL, NULL, "text/html; charset=utf-8",
                (unsigned char *) page, len);
    return self;
fail:
    dashboard_destroy(&self);
    return NULL;
}

void
dashboard_destroy(dashboard_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (int i = 0; i < A_COUNT; i++)
        free((*self_p)->assets[i].body);
    free(*self_p);
    *self_p = NULL;
}

static void
s_header(http_req_t *req, const char *name, const char *value)
{
    if (req->nheaders < HTTP_HEADERS_MAX) {
        req->headers[req->nheaders][0] = name;
        req->headers[req->nheaders][1] = value;
        req->nheaders++;
    }
}

/* Whether If-None-Match names the asset's ETag (or is "*"). */
static bool
s_not_modified(http_req_t *req, const asset_t *a)
{
    const char *inm =
        req->conn ? MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_IF_NONE_MATCH)
                  : NULL;
    if (!inm)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    /* a list of tags, weak ones (W/"...") compared by their value */
    const char *tag = a->etag;
    size_t n = strlen(tag);
    for (const char *p = strstr(inm, tag); p; p = strstr(p + 1, tag))
        if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
    return false;
}

void
dashboard_serve(gateway_t *gw, http_req_t *req, const char *asset)
{
    const dashboard_t *self = gw->dashboard;
    const asset_t *a = NULL;
    if (self && !asset) {
        a = &self->assets[A_PAGE];
    } else if (self) {
        for (int i = 0; i < A_COUNT; i++)
            if (self->assets[i].present && self->assets[i].name[0] &&
                strcmp(self->assets[i].name, asset) == 0)
                a = &self->assets[i];
    }
    if (!a) {
        http_problem(req, 404, "not_found", "Not found", "no such dashboard asset", NULL);
        return;
    }
    s_header(req, MHD_HTTP_HEADER_ETAG, a->etag);
    if (a == &self->assets[A_PAGE]) {
        /* the page names the assets of this build: always asked again */
        s_header(req, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
        s_header(req, "Content-Security-Policy", s_csp);
        s_header(req, "Referrer-Policy", "no-referrer");
        s_header(req, "X-Frame-Options", "DENY");
    } else {
        s_header(req, MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=31536000, immutable");
    }
    if (s_not_modified(req, a)) {
        http_respond(req, 304, a->type, strdup(""), 0);
        return;
    }
    unsigned char *body = s_copy(a->body, a->len);
    if (!body) {
        http_problem(req, 500, "internal", "Out of memory", NULL, NULL);
        return;
    }
    http_respond(req, 200, a->type, (char *) body, a->len);
}
