/* Locks: each policy as a table (locked, actual, verdict), the defaults, a round trip that keeps
 * unknown fields, the reader's refusals, verify over facts built here, artifact kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cuvet.h"

static void policies(void **state)
{
	(void)state;
	static const struct {
		const char *policy, *locked, *actual;
		enum cuvet_verdict want;
	} rows[] = {
		{"exact", "9.7.1.26", "9.7.1.26", CUVET_PASS},
		{"exact", "9.7.1.26", "9.7.1.27", CUVET_FAIL},
		{"exact", "9.7.1.26", "9.7.1", CUVET_FAIL},
		{"exact", "12.8", "12.8.0", CUVET_PASS},          /* missing trailing parts are zero */
		{"exact", "2.28.3-1+cuda13.0", "2.28.3-1+cuda12.9", CUVET_FAIL}, /* the suffix counts */
		{"exact", "2.28.3-1+cuda13.0", "2.28.3-1+cuda13.0", CUVET_PASS},
		{"patch", "10.8.0.43", "10.8.0.40", CUVET_PASS},  /* only the build part differs */
		{"patch", "10.8.0.43", "10.8.1.2", CUVET_FAIL},
		{"minor", "12.8.57", "12.8.90", CUVET_PASS},
		{"minor", "12.8.57", "12.8.0", CUVET_PASS},       /* either direction within 12.8 */
		{"minor", "12.8.57", "12.9.0", CUVET_FAIL},
		{"major", "12.8.57", "12.0", CUVET_PASS},
		{"major", "12.8.57", "13.0.1", CUVET_FAIL},
		{"min", "570.86.10", "570.86.10", CUVET_PASS},
		{"min", "570.86.10", "575.51.03", CUVET_PASS},
		{"min", "570.86.10", "570.86.9", CUVET_FAIL},     /* numeric, not text: 9 < 10 */
		{"min", "570.86.10", "560.35.03", CUVET_FAIL},
		{"min", "570.86.10", "", CUVET_ERROR},
		{"exact", "abc", "9.1", CUVET_ERROR},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum cuvet_lock_policy p;
		assert_int_equal(cuvet_lock_policy_from_name(rows[i].policy, &p), 0);
		assert_string_equal(cuvet_lock_policy_name(p), rows[i].policy);
		enum cuvet_verdict got = cuvet_lock_policy_check(p, rows[i].locked, rows[i].actual);
		if (got != rows[i].want)
			fail_msg("%s %s vs %s: %s, want %s", rows[i].policy, rows[i].locked, rows[i].actual,
				 cuvet_verdict_name(got), cuvet_verdict_name(rows[i].want));
	}
	enum cuvet_lock_policy p;
	assert_int_equal(cuvet_lock_policy_from_name("loose", &p), -1);
	assert_int_equal(cuvet_lock_policy_default("tensorrt"), CUVET_POLICY_EXACT);
	assert_int_equal(cuvet_lock_policy_default("cudnn"), CUVET_POLICY_EXACT);
	assert_int_equal(cuvet_lock_policy_default("driver"), CUVET_POLICY_MIN);
	assert_int_equal(cuvet_lock_policy_default("cudart"), CUVET_POLICY_MINOR);
}

static const char annotated[] =
	"{\"schema\": \"cuvet.lock/1\", \"x-top\": [1, 2, {\"deep\": true}], \"created\": \"2026-01-01T00:00:00Z\",\n"
	" \"host\": {\"driver_cuda\": \"12.8\", \"x-rack\": \"r12\", \"gpus\": [{\"name\": \"NVIDIA H100\", \"uuid\": \"GPU-1\", \"x-slot\": 3}]},\n"
	" \"components\": [{\"name\": \"driver\", \"version\": \"570.86.10\", \"policy\": \"min\", \"x-why\": \"fleet floor\"},\n"
	"                {\"name\": \"cudnn\", \"version\": \"9.7.1.26\", \"policy\": \"exact\", \"source\": \"dpkg\"}],\n"
	" \"artifacts\": [{\"path\": \"m.engine\", \"kind\": \"tensorrt-engine\", \"size\": 8, \"x-owner\": \"ml\",\n"
	"   \"sha256\": \"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}";

static void round_trip(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_lock *l = cuvet_lock_parse(annotated, strlen(annotated), &err);
	assert_non_null(l);
	assert_int_equal(l->ncomponents, 2);
	assert_string_equal(l->components[1].name, "cudnn");
	assert_int_equal(l->components[1].policy, CUVET_POLICY_EXACT);
	assert_int_equal(l->nartifacts, 1);
	assert_int_equal(l->artifacts[0].size, 8);
	assert_int_equal(l->ngpus, 1);
	/* a change, then the text again: the change is there and every unknown field too */
	assert_int_equal(cuvet_lock_set_policy(l, "cudnn", CUVET_POLICY_PATCH, &err), 0);
	assert_int_equal(cuvet_lock_set_policy(l, "nccl", CUVET_POLICY_PATCH, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	char *s = cuvet_lock_to_json(l, &err);
	assert_non_null(s);
	for (const char *want = "\"x-top\": [\n    1,\n    2,\n    {\n      \"deep\": true"; want; want = NULL)
		assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "\"x-rack\": \"r12\""));
	assert_non_null(strstr(s, "\"x-slot\": 3"));
	assert_non_null(strstr(s, "\"x-why\": \"fleet floor\""));
	assert_non_null(strstr(s, "\"x-owner\": \"ml\""));
	assert_non_null(strstr(s, "\"policy\": \"patch\""));
	/* read back, written again: the same text */
	struct cuvet_lock *l2 = cuvet_lock_parse(s, strlen(s), &err);
	assert_non_null(l2);
	assert_int_equal(l2->components[1].policy, CUVET_POLICY_PATCH);
	char *s2 = cuvet_lock_to_json(l2, &err);
	assert_non_null(s2);
	assert_string_equal(s, s2);
	free(s);
	free(s2);
	cuvet_lock_free(l);
	cuvet_lock_free(l2);
}

static void refusals(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} rows[] = {
		{"", "lock: line"},
		{"[]", "not a JSON object"},
		{"{}", "no \"schema\""},
		{"{\"schema\": \"cuvet.lock/2\", \"components\": []}", "schema \"cuvet.lock/2\" is not cuvet.lock/1"},
		{"{\"schema\": \"cuvet.lock/1\"}", "no \"components\""},
		{"{\"schema\": \"cuvet.lock/1\", \"components\": {}}", "\"components\" is not an array"},
		{"{\"schema\": \"cuvet.lock/1\", \"components\": [{\"name\": \"a\", \"version\": \"1\"}]}", "has no \"policy\""},
		{"{\"schema\": \"cuvet.lock/1\", \"components\": [{\"name\": \"a\", \"version\": 1, \"policy\": \"min\"}]}",
		 "\"version\" is not a string"},
		{"{\"schema\": \"cuvet.lock/1\", \"components\": [{\"name\": \"a\", \"version\": \"x\", \"policy\": \"min\"}]}",
		 "'x' is not a version"},
		{"{\"schema\": \"cuvet.lock/1\", \"components\": [{\"name\": \"a\", \"version\": \"1\", \"policy\": \"min\"},"
		 " {\"name\": \"a\", \"version\": \"2\", \"policy\": \"min\"}]}", "component 'a' appears twice"},
		{"{\"schema\": \"cuvet.lock/1\", \"components\": [], \"artifacts\": [{\"path\": \"p\", \"kind\": \"file\", "
		 "\"sha256\": \"sha256:00\"}]}", "sha256 is not"},
		{"{\"schema\": \"cuvet.lock/1\", \"schema\": \"cuvet.lock/1\", \"components\": []}", "duplicate"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cuvet_error err = {0};
		struct cuvet_lock *l = cuvet_lock_parse(rows[i].text, strlen(rows[i].text), &err);
		if (l || err.code != CUVET_E_INVALID || !strstr(err.msg, rows[i].msg))
			fail_msg("row %zu: %s (code %d), want '%s'", i, err.msg, err.code, rows[i].msg);
	}
}

static const char facts_json[] =
	"{\"schema\": \"cuvet.facts/1\", \"root\": \"/\", \"host\": {\"hostname\": \"b1\", \"glibc_version\": \"2.35\"},\n"
	" \"driver\": {\"present\": true, \"module_loaded\": true, \"kernel_version\": \"570.86.10\", \"cuda_driver_version\": 12080},\n"
	" \"gpus\": [{\"index\": 0, \"name\": \"NVIDIA H100\", \"compute_capability\": \"9.0\", \"source\": \"nvml\"},\n"
	"          {\"index\": 1, \"name\": \"NVIDIA A100\", \"compute_capability\": \"8.0\", \"source\": \"nvml\"}],\n"
	" \"libraries\": [\n"
	"  {\"family\": \"cudnn\", \"name\": \"libcudnn_graph.so.9\", \"path\": \"/l/libcudnn_graph.so.9\", \"version\": \"9.7.1.26\", \"version_source\": \"dpkg\", \"default_pick\": true},\n"
	"  {\"family\": \"cudnn\", \"name\": \"libcudnn.so.9\", \"path\": \"/l/libcudnn.so.9\", \"version\": \"9.7.1.26\", \"version_source\": \"dpkg\", \"default_pick\": true},\n"
	"  {\"family\": \"cudnn\", \"name\": \"libcudnn.so.8\", \"path\": \"/old/libcudnn.so.8\", \"version\": \"8.9.7\", \"version_source\": \"dpkg\", \"default_pick\": false},\n"
	"  {\"family\": \"cudart\", \"name\": \"libcudart.so.12\", \"path\": \"/s/libcudart.so.12\", \"version\": \"12.8.57\", \"version_source\": \"file-name\", \"default_pick\": true, \"stub\": true}]}";

static void from_facts_and_verify(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_facts *f = cuvet_facts_from_json(facts_json, strlen(facts_json), &err);
	assert_non_null(f);
	struct cuvet_lock_opts o = {.created = "2026-01-01T00:00:00Z", .base_image = "nvcr.io/nvidia/tensorrt:25.01-py3@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"};
	struct cuvet_lock *l = cuvet_lock_from_facts(f, &o, &err);
	assert_non_null(l);
	/* driver, cuDNN (the main library's copy, not the sub-library or the copy nobody loads), glibc;
	 * no compute capability (two GPUs of different ones), no cudart (a stub) */
	assert_int_equal(l->ncomponents, 3);
	assert_string_equal(l->components[0].name, "driver");
	assert_string_equal(l->components[1].name, "cudnn");
	assert_string_equal(l->components[1].path, "/l/libcudnn.so.9");
	assert_string_equal(l->components[2].name, "glibc");
	assert_string_equal(l->base_image, "nvcr.io/nvidia/tensorrt:25.01-py3");
	assert_int_equal(l->ngpus, 2);
	assert_string_equal(l->driver_cuda, "12.8");
	struct cuvet_lock_report *r = cuvet_lock_verify(l, f, NULL, &err);
	assert_non_null(r);
	assert_int_equal(r->verdict, CUVET_PASS);
	assert_int_equal(r->nchecks, 3);
	cuvet_lock_report_free(r);
	/* a lock asking for compute capability 9.0 exactly: the A100 (8.0) fails it */
	size_t n = l->ncomponents;
	struct cuvet_lock_component *c = realloc(l->components, (n + 1) * sizeof(*c));
	assert_non_null(c);
	l->components = c;
	c[n] = (struct cuvet_lock_component){strdup("compute-capability"), strdup("9.0"), NULL, NULL, CUVET_POLICY_EXACT};
	l->ncomponents++;
	r = cuvet_lock_verify(l, f, NULL, &err);
	assert_non_null(r);
	assert_int_equal(r->verdict, CUVET_FAIL);
	assert_string_equal(r->checks[3].actual, "8.0,9.0");
	assert_int_equal(r->checks[3].verdict, CUVET_FAIL);
	cuvet_lock_report_free(r);
	/* a base image not given by digest is refused */
	o.base_image = "nvcr.io/nvidia/tensorrt:25.01-py3";
	assert_null(cuvet_lock_from_facts(f, &o, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	cuvet_lock_free(l);
	cuvet_facts_free(f);
}

static void kinds_and_atomic_write(void **state)
{
	(void)state;
	char dir[] = "/tmp/cuvet-lock-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	struct cuvet_error err = {0};
	static const struct {
		const char *name, *bytes, *kind;
		size_t n;
	} rows[] = {
		{"a.plan", "ptrt\x59\0\0\0", "tensorrt-engine", 8},
		{"b.engine", "ftrt\0\0\0\0", "tensorrt-engine", 8},
		{"c.bin", "\x50\xed\x55\xba\x01\x00", "fatbin", 6},
		{"d.onnx", "\x08\x07", "onnx", 2},
		{"e.txt", "hello", "file", 5},
		{"f.so", "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0\x3e\0", "shared-library", 20},
		{"g", "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0\x3e\0", "binary", 20},
		{"h.cubin", "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\xbe\0", "cubin", 20},
		{"i.o", "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\1\0\x3e\0", "object", 20},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rows[i].name);
		assert_int_equal(cuvet_file_write_atomic(path, rows[i].bytes, rows[i].n, &err), 0);
		const char *k = cuvet_artifact_kind(path, &err);
		assert_non_null(k);
		if (strcmp(k, rows[i].kind) != 0)
			fail_msg("%s: %s, want %s", rows[i].name, k, rows[i].kind);
		unlink(path);
	}
	/* an atomic write into a directory that does not exist fails and leaves nothing */
	snprintf(path, sizeof(path), "%s/no/such", dir);
	assert_int_equal(cuvet_file_write_atomic(path, "x", 1, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_int_equal(rmdir(dir), 0); /* empty: no temporary file was left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policies),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refusals),
		cmocka_unit_test(from_facts_and_verify),
		cmocka_unit_test(kinds_and_atomic_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
