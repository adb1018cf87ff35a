/* Unit tests for services/gateway/json_block.c: request bodies parsed into
 * one reusable block. A tree must read the same as jansson's own, a second
 * tree while the first lives must not land in the block, a body larger than
 * the block must still parse (and the block grow for the next one), and
 * everything must be given back: the ASan build checks the frees and, with
 * the block poisoned between parses, any read of a released tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_block.h"

static const char s_small[] =
    "{\"events\":[{\"id\":\"e-1\",\"type\":\"employment.person_registered\","
    "\"data\":{\"name\":\"张三\",\"categories\":[\"migrant_worker\"]}},{\"id\":\"e-2\"}]}";

static int
s_setup(void **state)
{
    (void) state;
    json_block_install();
    return 0;
}

static const char *
s_event_id(const json_t *tree, size_t i)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(tree, "events"), i),
                                             "id"));
}

static void
test_tree_reads_as_parsed(void **state)
{
    (void) state;
    json_error_t error;
    json_t *tree = json_block_loadb(s_small, strlen(s_small), JSON_REJECT_DUPLICATES, &error);
    assert_non_null(tree);
    assert_true(json_block_size() >= 256 * 1024);
    assert_string_equal(s_event_id(tree, 0), "e-1");
    assert_string_equal(s_event_id(tree, 1), "e-2");
    json_t *data = json_object_get(json_array_get(json_object_get(tree, "events"), 0), "data");
    assert_string_equal(json_string_value(json_object_get(data, "name")), "张三");
    /* a value made outside the parse, while the tree lives, is jansson's as usual */
    json_t *other = json_pack("{s:s}", "k", "v");
    char *text = json_dumps(other, JSON_COMPACT);
    assert_string_equal(text, "{\"k\":\"v\"}");
    free(text);
    json_decref(other);
    json_block_release(tree);

    /* the block again, for the next body */
    static const char again[] = "{\"events\":[{\"id\":\"again\"}]}";
    tree = json_block_loadb(again, strlen(again), 0, &error);
    assert_non_null(tree);
    assert_string_equal(s_event_id(tree, 0), "again");
    json_block_release(tree);
}

static void
test_second_tree_while_first_lives(void **state)
{
    (void) state;
    json_error_t error;
    json_t *first = json_block_loadb(s_small, strlen(s_small), 0, &error);
    static const char two[] = "{\"events\":[{\"id\":\"two\"}]}";
    json_t *second = json_block_loadb(two, strlen(two), 0, &error);
    assert_non_null(first);
    assert_non_null(second);
    /* the second did not overwrite the first */
    assert_string_equal(s_event_id(first, 0), "e-1");
    assert_string_equal(s_event_id(second, 0), "two");
    json_block_release(second);
    assert_string_equal(s_event_id(first, 1), "e-2");
    json_block_release(first);
}

static void
test_failed_parse_frees_the_block(void **state)
{
    (void) state;
    json_error_t error;
    static const char cut[] = "{\"events\":[{\"id\":", twice[] = "{\"a\":1,\"a\":2}";
    assert_null(json_block_loadb(cut, strlen(cut), 0, &error));
    assert_true(strlen(error.text) > 0);
    assert_null(json_block_loadb(twice, strlen(twice), JSON_REJECT_DUPLICATES, &error));
    json_t *tree = json_block_loadb(s_small, strlen(s_small), 0, &error);
    assert_non_null(tree);
    assert_string_equal(s_event_id(tree, 1), "e-2");
    json_block_release(tree);
    json_block_release(NULL);
}

static void
test_body_larger_than_the_block(void **state)
{
    (void) state;
    /* 1000 events of ~300 bytes: a tree of a few MiB, more than 256 KiB */
    size_t cap = 1000 * 400 + 64, len = 0;
    char *body = malloc(cap);
    assert_non_null(body);
    len += (size_t) snprintf(body + len, cap - len, "{\"events\":[");
    for (int i = 0; i < 1000; i++)
        len += (size_t) snprintf(body + len, cap - len,
                                 "%s{\"id\":\"ev-%04d\",\"type\":\"employment.employed\","
                                 "\"region\":\"433123101001\",\"occurred_at\":"
                                 "\"2025-03-01T09:00:00+08:00\",\"data\":{\"id_number\":"
                                 "\"433123199001011234\",\"kind\":\"urban_new\",\"location\":"
                                 "\"in_county\",\"employer_name\":\"凤凰建工%d\"}}",
                                 i ? "," : "", i, i);
    len += (size_t) snprintf(body + len, cap - len, "]}");
    size_t before = json_block_size();
    json_error_t error;
    json_t *tree = json_block_loadb(body, len, JSON_REJECT_DUPLICATES, &error);
    assert_non_null(tree);
    assert_int_equal(json_array_size(json_object_get(tree, "events")), 1000);
    assert_string_equal(s_event_id(tree, 0), "ev-0000");
    assert_string_equal(s_event_id(tree, 999), "ev-0999");
    json_block_release(tree);
    /* the part that came from malloc was freed (ASan would say), and the
     * block grew for the next body like it */
    assert_true(json_block_size() > before);
    tree = json_block_loadb(body, len, 0, &error);
    assert_non_null(tree);
    assert_string_equal(s_event_id(tree, 500), "ev-0500");
    json_block_release(tree);
    free(body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_reads_as_parsed),
        cmocka_unit_test(test_second_tree_while_first_lives),
        cmocka_unit_test(test_failed_parse_frees_the_block),
        cmocka_unit_test(test_body_larger_than_the_block),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
