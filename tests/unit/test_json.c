/* The JSON documents the library renders for the CLI (why, kb answers, arch reports): each
 * parsed back with jansson and a few fields checked against the structs they came from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

static json_t *parse(const char *s)
{
	assert_non_null(s);
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	if (!j)
		fail_msg("not JSON: %s: %s", je.text, s);
	return j;
}

static const char *sget(json_t *o, const char *path)
{
	json_t *v = json_object_get(o, path);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* A SONAME nothing provides, on an empty root: one not-found object, one error problem. */
static void why_not_found(void **state)
{
	(void)state;
	char root[] = "/tmp/cuvet-json-XXXXXX";
	assert_non_null(mkdtemp(root));
	struct cuvet_why_opts o;
	cuvet_why_opts_init(&o);
	o.root = root;
	o.ld_library_path = "";
	struct cuvet_error err = {0};
	struct cuvet_why *w = cuvet_why_resolve(&o, "libnothere.so.7", &err);
	assert_non_null(w);
	const struct cuvet_why *const rs[] = {w, w};
	char *compact = cuvet_why_to_json(rs, 2, false, &err);
	char *pretty = cuvet_why_to_json(rs, 2, true, &err);
	assert_non_null(compact);
	assert_non_null(pretty);
	assert_null(strchr(compact, '\n'));
	assert_non_null(strstr(pretty, "\n  \"results\": ["));
	json_t *j = parse(compact), *jp = parse(pretty);
	assert_true(json_equal(j, jp));
	assert_string_equal(sget(j, "schema"), "cuvet.why/1");
	json_t *res = json_object_get(j, "results");
	assert_int_equal(json_array_size(res), 2);
	json_t *r0 = json_array_get(res, 0);
	assert_string_equal(sget(r0, "target"), "libnothere.so.7");
	json_t *objs = json_object_get(r0, "objects");
	assert_int_equal(json_array_size(objs), w->nobjects);
	char rule[160];
	cuvet_why_rule_text(w, 0, rule, sizeof(rule));
	assert_string_equal(sget(json_array_get(objs, 0), "rule_text"), rule);
	assert_string_equal(sget(json_array_get(objs, 0), "rule"), cuvet_why_rule_name(w->objects[0].rule));
	json_t *ps = json_object_get(r0, "problems");
	assert_int_equal(json_array_size(ps), w->nproblems);
	assert_true(w->nproblems > 0);
	assert_string_equal(sget(json_array_get(ps, 0), "id"), w->problems[0].id);
	assert_string_equal(sget(json_array_get(ps, 0), "severity"), cuvet_severity_name(w->problems[0].severity));
	/* an index out of range gives an empty rule, not a read past the array */
	cuvet_why_rule_text(w, w->nobjects, rule, sizeof(rule));
	assert_string_equal(rule, "");
	json_decref(j);
	json_decref(jp);
	free(compact);
	free(pretty);
	/* no results: an empty list; a NULL result: an error */
	char *empty = cuvet_why_to_json(NULL, 0, false, &err);
	assert_string_equal(empty, "{\"schema\":\"cuvet.why/1\",\"results\":[]}");
	free(empty);
	const struct cuvet_why *const bad[] = {w, NULL};
	assert_null(cuvet_why_to_json(bad, 2, false, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	cuvet_why_free(w);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(why_not_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
