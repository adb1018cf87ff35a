/* The coherence test of the catalog (common/event_types.def,
 * common/indicators.def): what the catalog says about a type or an
 * indicator must be true of everything that follows from it.
 *
 *  - each type's fields are its message's fields, in order, each with a kind
 *    its protobuf type can hold;
 *  - a pushable type marked HANDLED has a handler in its owner, and one
 *    marked AWAITING has none (each daemon lists its handlers when run with
 *    HRSS_LIST_HANDLERS set: common/service_list.c); no daemon handles a
 *    type it does not own; a feed handler names a type of its source;
 *  - an indicator the catalog says is produced (an aggregate) is produced by
 *    reporting under that aggregate, and reporting produces nothing else; a
 *    rate's numerator and denominator are indicators of the catalog;
 *  - services/gateway/openapi.yaml lists the pushable types, in the
 *    catalog's order, and any enumeration it has that shares a value with a
 *    field's enumeration is exactly that enumeration;
 *  - the fuzz dictionary holds every type, field name and enumerated value.
 *
 * Every failure names the entry and what disagrees, so that the fix is one
 * line of the catalog or one handler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_types.h"
#include "indicators.h"

#define LINE_MAX_ 512
#define LIST_MAX 256

/* ---- reading what the daemons register -------------------------------------- */

/* Lines of a daemon run with HRSS_LIST_HANDLERS set. */
typedef struct {
    char lines[LIST_MAX][LINE_MAX_];
    size_t n;
} listing_t;

static const char *const s_daemons[SERVICE_COUNT] = {
    [SERVICE_EMPLOYMENT] = HRSS_DAEMON_EMPLOYMENT,
    [SERVICE_INSURANCE] = HRSS_DAEMON_INSURANCE,
    [SERVICE_ARREARS] = HRSS_DAEMON_ARREARS,
    [SERVICE_REPORTING] = HRSS_DAEMON_REPORTING,
};

static listing_t s_listings[SERVICE_COUNT];

static int
s_setup(void **state)
{
    (void) state;
    setenv("HRSS_LIST_HANDLERS", "1", 1);
    for (int s = 0; s < SERVICE_COUNT; s++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "'%s'", s_daemons[s]);
        FILE *p = popen(cmd, "r");
        if (!p) {
            fprintf(stderr, "cannot run %s\n", s_daemons[s]);
            return -1;
        }
        listing_t *l = &s_listings[s];
        l->n = 0;
        while (l->n < LIST_MAX && fgets(l->lines[l->n], LINE_MAX_, p)) {
            l->lines[l->n][strcspn(l->lines[l->n], "\n")] = '\0';
            l->n++;
        }
        int rc = pclose(p);
        if (rc != 0) {
            fprintf(stderr, "%s with HRSS_LIST_HANDLERS exited with %d\n", s_daemons[s], rc);
            return -1;
        }
    }
    unsetenv("HRSS_LIST_HANDLERS");
    return 0;
}

/* Whether daemon `s` listed the line "<kind> <what>". */
static bool
s_listed(service_id_t s, const char *kind, const char *what)
{
    char want[LINE_MAX_];
    snprintf(want, sizeof want, "%s %s", kind, what);
    for (size_t i = 0; i < s_listings[s].n; i++)
        if (strcmp(s_listings[s].lines[i], want) == 0)
            return true;
    return false;
}

/* ---- the types --------------------------------------------------------------- */

static bool
s_kind_fits(field_kind_t kind, ProtobufCType type)
{
    switch (kind) {
    case FIELD_TEXT:
    case FIELD_ENUM:
    case FIELD_ID_NUMBER:
    case FIELD_CREDIT_CODE:
    case FIELD_DATE:
    case FIELD_PERIOD:
    case FIELD_REF_ID:
        return type == PROTOBUF_C_TYPE_STRING;
    case FIELD_MONEY:
    case FIELD_COUNT:
    case FIELD_YEAR:
        return type == PROTOBUF_C_TYPE_INT64;
    case FIELD_FLAG:
        return type == PROTOBUF_C_TYPE_BOOL;
    }
    return false;
}

static void
test_fields_are_the_messages_fields(void **state)
{
    (void) state;
    size_t n;
    const event_type_t *all = event_type_all(&n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const event_type_t *t = &all[i];
        const ProtobufCMessageDescriptor *d = t->data;
        if (t->nfields != d->n_fields) {
            fprintf(stderr, "%s: the catalog has %zu fields, message %s has %u\n", t->type,
                    t->nfields, d->name, d->n_fields);
            bad++;
            continue;
        }
        for (size_t k = 0; k < t->nfields; k++) {
            const event_field_t *cf = &t->fields[k];
            const ProtobufCFieldDescriptor *f = &d->fields[k];
            if (strcmp(cf->name, f->name) != 0) {
                fprintf(stderr, "%s: field %zu is %s in the catalog, %s in message %s\n",
                        t->type, k, cf->name, f->name, d->name);
                bad++;
            } else if (!s_kind_fits(cf->kind, f->type)) {
                fprintf(stderr, "%s: field %s has a kind its protobuf type cannot hold\n",
                        t->type, cf->name);
                bad++;
            } else if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type != PROTOBUF_C_TYPE_STRING) {
                fprintf(stderr, "%s: repeated field %s is not of strings\n", t->type, cf->name);
                bad++;
            } else if (cf->kind == FIELD_ENUM && (!cf->allowed || !*cf->allowed ||
                                                  strstr(cf->allowed, "||") ||
                                                  cf->allowed[strlen(cf->allowed) - 1] == '|')) {
                fprintf(stderr, "%s: enumeration %s has an empty value\n", t->type, cf->name);
                bad++;
            } else if (cf->kind == FIELD_TEXT && cf->max == 0) {
                fprintf(stderr, "%s: text %s has no length\n", t->type, cf->name);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

static void
test_types_are_unique_and_origin_is_consistent(void **state)
{
    (void) state;
    size_t n;
    const event_type_t *all = event_type_all(&n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const event_type_t *t = &all[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(all[j].type, t->type) == 0) {
                fprintf(stderr, "%s: catalogued twice\n", t->type);
                bad++;
            }
        char prefix[32];
        snprintf(prefix, sizeof prefix, "%s.", service_name(t->owner));
        if (strncmp(t->type, prefix, strlen(prefix)) != 0) {
            fprintf(stderr, "%s: owned by %s, whose name it does not start with\n", t->type,
                    service_name(t->owner));
            bad++;
        }
        bool emitted = t->status == EVENT_EMITTED, nobody = t->push_roles == 0;
        if (t->derived != emitted || t->derived != nobody) {
            fprintf(stderr, "%s: DERIVED, push NOBODY and status EMITTED go together\n",
                    t->type);
            bad++;
        }
        if (event_type_pushable_by(t, ROLE_CHECKER)) {
            fprintf(stderr, "%s: a checker pushes no events (POST /v1/events refuses it)\n",
                    t->type);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void
test_handlers_match_the_marks(void **state)
{
    (void) state;
    size_t n;
    const event_type_t *all = event_type_all(&n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const event_type_t *t = &all[i];
        if (t->derived)
            continue;
        bool has = s_listed(t->owner, "event", t->type);
        if (t->status == EVENT_HANDLED && !has) {
            fprintf(stderr, "%s: marked HANDLED, but hrss-%s has no handler for it\n", t->type,
                    service_name(t->owner));
            bad++;
        } else if (t->status == EVENT_AWAITING && has) {
            fprintf(stderr,
                    "%s: hrss-%s has a handler for it, but the catalog marks it AWAITING "
                    "(make it HANDLED in common/event_types.def)\n",
                    t->type, service_name(t->owner));
            bad++;
        }
    }
    /* and every line of every daemon names a type it may handle */
    for (int s = 0; s < SERVICE_COUNT; s++)
        for (size_t k = 0; k < s_listings[s].n; k++) {
            char kind[16], a[128], b[128] = "";
            const char *line = s_listings[s].lines[k];
            if (sscanf(line, "%15s %127s %127s", kind, a, b) < 2) {
                fprintf(stderr, "hrss-%s: unreadable line \"%s\"\n", service_name(s), line);
                bad++;
                continue;
            }
            if (strcmp(kind, "event") == 0) {
                const event_type_t *t = event_type_find(a);
                if (!t || t->owner != (service_id_t) s || t->derived) {
                    fprintf(stderr, "hrss-%s handles %s, which is no pushed type it owns\n",
                            service_name(s), a);
                    bad++;
                }
            } else if (strcmp(kind, "feed") == 0) {
                const event_type_t *t = event_type_find(b);
                if (!t || strcmp(service_name(t->owner), a) != 0) {
                    fprintf(stderr, "hrss-%s reads %s from feed %s, which has no such type\n",
                            service_name(s), b, a);
                    bad++;
                }
            } else if (strcmp(kind, "indicator") != 0) {
                fprintf(stderr, "hrss-%s: unknown line \"%s\"\n", service_name(s), line);
                bad++;
            }
        }
    assert_int_equal(bad, 0);
}

/* ---- the indicators ---------------------------------------------------------- */

static void
test_indicators_have_their_producers(void **state)
{
    (void) state;
    size_t n;
    const indicator_t *all = indicator_all(&n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const indicator_t *ind = &all[i];
        if (indicator_find(ind->code) != ind) {
            fprintf(stderr, "%s: catalogued twice\n", ind->code);
            bad++;
        }
        if (ind->computed != (ind->aggregate != NULL)) {
            fprintf(stderr, "%s: computed is not (aggregate != NULL)\n", ind->code);
            bad++;
        }
        if (ind->kind != INDICATOR_RATE && (ind->numerator || ind->denominator)) {
            fprintf(stderr, "%s: not a rate, yet has a numerator or denominator\n", ind->code);
            bad++;
        }
        const char *parts[2] = {ind->numerator, ind->denominator};
        for (int k = 0; k < 2; k++) {
            const indicator_t *p = parts[k] ? indicator_find(parts[k]) : NULL;
            if (parts[k] && (!p || p->kind == INDICATOR_RATE)) {
                fprintf(stderr, "%s: %s %s is no count or amount of the catalog\n", ind->code,
                        k ? "denominator" : "numerator", parts[k]);
                bad++;
            }
            if (ind->kind == INDICATOR_RATE && ind->aggregate && (!p || !p->aggregate)) {
                fprintf(stderr, "%s: a produced rate whose %s is not produced\n", ind->code,
                        k ? "denominator" : "numerator");
                bad++;
            }
        }
        if (!ind->aggregate)
            continue;
        char what[160];
        snprintf(what, sizeof what, "%s %s", ind->aggregate, ind->code);
        if (!s_listed(SERVICE_REPORTING, "indicator", what)) {
            fprintf(stderr,
                    "%s: the catalog says aggregate %s produces it, but hrss-reporting lists "
                    "no such producer\n",
                    ind->code, ind->aggregate);
            bad++;
        }
    }
    /* and reporting produces nothing the catalog does not say is produced (an
     * indicator may have several writers, deaths end enrollments say: the
     * catalog names the aggregate that owns it, which must be one of them) */
    for (int s = 0; s < SERVICE_COUNT; s++)
        for (size_t k = 0; k < s_listings[s].n; k++) {
            char aggregate[64], code[128];
            if (sscanf(s_listings[s].lines[k], "indicator %63s %127s", aggregate, code) != 2)
                continue;
            const indicator_t *ind = indicator_find(code);
            if (s != SERVICE_REPORTING || !ind || !ind->aggregate) {
                fprintf(stderr,
                        "hrss-%s: aggregate %s produces %s, which the catalog does not say "
                        "(common/indicators.def)\n",
                        service_name(s), aggregate, code);
                bad++;
            }
        }
    assert_int_equal(bad, 0);
}

/* ---- the OpenAPI description -------------------------------------------------- */

/* One enumeration of openapi.yaml: the property it constrains, its values
 * and the line it starts on. */
typedef struct {
    int line;
    char property[64];
    size_t n;
    char values[64][96];
} yaml_enum_t;

static yaml_enum_t s_enums[64];
static size_t s_nenums;

static void
s_trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r\n\"'", s[n - 1]))
        s[--n] = '\0';
    size_t k = strspn(s, " \t\"'");
    memmove(s, s + k, strlen(s + k) + 1);
}

/* Reads every enumeration of the file: "enum: [a, b]" on one line, or
 * "enum:" followed by "- a" lines indented deeper. Its property is the key
 * of its line ("status: {enum: [..]}"), or for "enum:" alone the key of
 * the nearest line indented less ("type:\n  type: string\n  enum:"). */
static void
s_read_openapi(void)
{
    FILE *f = fopen(HRSS_OPENAPI_FILE, "r");
    assert_non_null(f);
    char line[LINE_MAX_];
    int lineno = 0;
    yaml_enum_t *block = NULL;
    size_t block_indent = 0;
    char keys[LINE_MAX_][64];   /* the last key seen at each indentation */
    memset(keys, 0, sizeof keys);
    s_nenums = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t indent = strspn(line, " ");
        char *item = line + indent;
        size_t keylen = strcspn(item, ":");
        char key[64] = "";
        if (item[keylen] == ':' && item[0] != '-' && item[0] != '#' && keylen < sizeof key) {
            memcpy(key, item, keylen);
            key[keylen] = '\0';
        }
        if (key[0] && strcmp(key, "enum") != 0 && indent < LINE_MAX_) {
            snprintf(keys[indent], sizeof keys[indent], "%s", key);
            for (size_t i = indent + 1; i < LINE_MAX_; i++)
                keys[i][0] = '\0';
        }
        if (block) {
            if (item[0] == '-' && indent >= block_indent && block->n < 64) {
                snprintf(block->values[block->n], sizeof block->values[0], "%s", item + 1);
                s_trim(block->values[block->n++]);
                continue;
            }
            block = NULL;
        }
        char *e = strstr(line, "enum:");
        if (!e || s_nenums == 64)
            continue;
        yaml_enum_t *y = &s_enums[s_nenums++];
        y->line = lineno;
        y->n = 0;
        char *open = strchr(e, '[');
        if (!open) {
            for (size_t i = indent; i-- > 0;)
                if (keys[i][0]) {
                    snprintf(y->property, sizeof y->property, "%s", keys[i]);
                    break;
                }
            block = y;
            block_indent = indent;
            continue;
        }
        snprintf(y->property, sizeof y->property, "%s", key);
        char *close = strchr(open, ']');
        if (close)
            *close = '\0';
        for (char *save = NULL, *v = strtok_r(open + 1, ",", &save); v && y->n < 64;
             v = strtok_r(NULL, ",", &save)) {
            snprintf(y->values[y->n], sizeof y->values[0], "%s", v);
            s_trim(y->values[y->n++]);
        }
    }
    fclose(f);
}

static bool
s_enum_has(const yaml_enum_t *y, const char *value, size_t len)
{
    for (size_t i = 0; i < y->n; i++)
        if (strlen(y->values[i]) == len && memcmp(y->values[i], value, len) == 0)
            return true;
    return false;
}

static void
test_openapi_lists_the_pushable_types(void **state)
{
    (void) state;
    s_read_openapi();
    size_t n;
    const event_type_t *all = event_type_all(&n);
    const yaml_enum_t *types = NULL;
    for (size_t i = 0; i < s_nenums; i++)
        for (size_t k = 0; k < n; k++)
            if (s_enum_has(&s_enums[i], all[k].type, strlen(all[k].type))) {
                if (types && types != &s_enums[i])
                    fail_msg("openapi.yaml lines %d and %d both enumerate event types",
                             types->line, s_enums[i].line);
                types = &s_enums[i];
            }
    if (!types)
        fail_msg("openapi.yaml enumerates no event type");
    int bad = 0;
    size_t pushable = 0;
    for (size_t i = 0; i < n; i++) {
        bool listed = s_enum_has(types, all[i].type, strlen(all[i].type));
        if (all[i].derived && listed) {
            fprintf(stderr, "openapi.yaml line %d: lists %s, which is derived (never pushed)\n",
                    types->line, all[i].type);
            bad++;
        } else if (!all[i].derived && !listed) {
            fprintf(stderr, "openapi.yaml line %d: lacks %s\n", types->line, all[i].type);
            bad++;
        }
        pushable += !all[i].derived;
    }
    for (size_t k = 0; k < types->n; k++)
        if (!event_type_find(types->values[k])) {
            fprintf(stderr, "openapi.yaml line %d: lists %s, which the catalog does not have\n",
                    types->line, types->values[k]);
            bad++;
        }
    if (bad == 0 && types->n != pushable) {
        fprintf(stderr, "openapi.yaml line %d: lists a type twice\n", types->line);
        bad++;
    }
    /* the same order, so that the two read alike */
    for (size_t i = 0, k = 0; bad == 0 && i < n; i++) {
        if (all[i].derived)
            continue;
        if (strcmp(types->values[k], all[i].type) != 0) {
            fprintf(stderr, "openapi.yaml line %d: item %zu is %s, the catalog's is %s\n",
                    types->line, k + 1, types->values[k], all[i].type);
            bad++;
        }
        k++;
    }
    assert_int_equal(bad, 0);
}

/* Whether the enumeration `allowed` ("a|b") and `y` hold the same values. */
static bool
s_same_values(const char *allowed, const yaml_enum_t *y)
{
    size_t count = 0;
    for (const char *p = allowed; *p;) {
        size_t len = strcspn(p, "|");
        if (!s_enum_has(y, p, len))
            return false;
        count++;
        p += len + (p[len] == '|');
    }
    return count == y->n;
}

static void
test_openapi_enumerations_are_the_catalogs(void **state)
{
    (void) state;
    s_read_openapi();
    size_t n;
    const event_type_t *all = event_type_all(&n);
    int bad = 0;
    for (size_t i = 0; i < s_nenums; i++) {
        const yaml_enum_t *y = &s_enums[i];
        /* a field of the same name whose enumeration shares a value */
        const event_field_t *shares = NULL;
        bool equal = false;
        for (size_t t = 0; t < n; t++)
            for (size_t k = 0; k < all[t].nfields; k++) {
                const event_field_t *cf = &all[t].fields[k];
                if (cf->kind != FIELD_ENUM || strcmp(cf->name, y->property) != 0)
                    continue;
                for (size_t v = 0; v < y->n; v++)
                    if (event_enum_allows(cf->allowed, y->values[v], strlen(y->values[v]))) {
                        shares = cf;
                        equal = equal || s_same_values(cf->allowed, y);
                        break;
                    }
            }
        if (shares && !equal) {
            fprintf(stderr,
                    "openapi.yaml line %d: enumeration of %s shares values with the catalog's "
                    "(%s) but is no enumeration of the catalog\n",
                    y->line, shares->name, shares->allowed);
            bad++;
        }
    }
    /* the sources of the feed are the owners of the catalog's types */
    for (size_t i = 0; i < s_nenums; i++) {
        const yaml_enum_t *y = &s_enums[i];
        if (!s_enum_has(y, "arrears", 7) || s_enum_has(y, "reporting", 9))
            continue;
        for (size_t t = 0; t < n; t++) {
            const char *owner = service_name(all[t].owner);
            if (!s_enum_has(y, owner, strlen(owner))) {
                fprintf(stderr, "openapi.yaml line %d: the feed's sources lack %s\n", y->line,
                        owner);
                bad++;
                break;
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- the fuzz dictionary ------------------------------------------------------- */

static bool
s_dict_has(const char *dict, const char *word, size_t len)
{
    char want[160];
    snprintf(want, sizeof want, "\n\"\\\"%.*s\\\"\"\n", (int) len, word);
    return strstr(dict, want) != NULL;
}

static void
test_fuzz_dictionary_has_the_catalogs_words(void **state)
{
    (void) state;
    FILE *f = fopen(HRSS_FUZZ_DICT, "r");
    assert_non_null(f);
    static char dict[1 << 16];
    dict[0] = '\n';
    size_t len = fread(dict + 1, 1, sizeof dict - 2, f);
    fclose(f);
    dict[len + 1] = '\0';
    size_t n;
    const event_type_t *all = event_type_all(&n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i].derived)
            continue;
        if (!s_dict_has(dict, all[i].type, strlen(all[i].type))) {
            fprintf(stderr, "%s: not in the fuzz dictionary (run tests/fuzz/make_corpus.py)\n",
                    all[i].type);
            bad++;
        }
        for (size_t k = 0; k < all[i].nfields; k++) {
            const event_field_t *cf = &all[i].fields[k];
            if (!s_dict_has(dict, cf->name, strlen(cf->name))) {
                fprintf(stderr, "%s.%s: not in the fuzz dictionary\n", all[i].type, cf->name);
                bad++;
            }
            if (cf->kind != FIELD_ENUM)
                continue;
            for (const char *p = cf->allowed; *p;) {
                size_t l = strcspn(p, "|");
                if (!s_dict_has(dict, p, l)) {
                    fprintf(stderr, "%s.%s: value %.*s not in the fuzz dictionary\n",
                            all[i].type, cf->name, (int) l, p);
                    bad++;
                }
                p += l + (p[l] == '|');
            }
        }
    }
    assert_int_equal(bad, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_are_the_messages_fields),
        cmocka_unit_test(test_types_are_unique_and_origin_is_consistent),
        cmocka_unit_test(test_handlers_match_the_marks),
        cmocka_unit_test(test_indicators_have_their_producers),
        cmocka_unit_test(test_openapi_lists_the_pushable_types),
        cmocka_unit_test(test_openapi_enumerations_are_the_catalogs),
        cmocka_unit_test(test_fuzz_dictionary_has_the_catalogs_words),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
