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
#include "fatbin_blob.h"

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

static struct cuvet_kb *kb;

static int kb_setup(void **state)
{
	(void)state;
	kb = cuvet_kb_load(NULL, NULL);
	return kb ? 0 : -1;
}

static int kb_teardown(void **state)
{
	(void)state;
	cuvet_kb_free(kb);
	return 0;
}

/* The envelope every answer shares, and its "result". */
static json_t *kb_result(json_t *doc, const char *kind, const char *arg)
{
	assert_string_equal(sget(doc, "schema"), "cuvet.kb/1");
	assert_string_equal(sget(doc, "kb_date"), cuvet_kb_data_date(kb));
	assert_true(json_is_null(json_object_get(doc, "kb_dir")));
	json_t *q = json_object_get(doc, "query");
	assert_string_equal(sget(q, "kind"), kind);
	assert_string_equal(sget(q, "arg"), arg);
	json_t *r = json_object_get(doc, "result");
	assert_non_null(r);
	return r;
}

/* R535 is an LTSB branch reporting CUDA 12.2 (driver-branch-cuda.tsv); its end of life is judged
 * against the date given, not the clock. */
static void kb_driver(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb_driver *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	assert_int_equal(cuvet_kb_driver(kb, "535.104.05", d, &err), 0);
	char *s = cuvet_kb_driver_to_json(kb, "535.104.05", d, "2020-01-01", false, &err);
	json_t *doc = parse(s);
	json_t *r = kb_result(doc, "driver", "535.104.05");
	assert_string_equal(sget(r, "driver"), "535.104.05");
	assert_int_equal(json_integer_value(json_object_get(r, "branch")), 535);
	assert_true(json_is_true(json_object_get(r, "branch_known")));
	json_t *bi = json_object_get(r, "branch_info");
	assert_string_equal(sget(bi, "max_cuda"), "12.2");
	assert_string_equal(sget(bi, "type"), "ltsb");
	assert_string_equal(sget(bi, "today"), "2020-01-01");
	assert_true(json_is_false(json_object_get(bi, "ended")));
	assert_string_equal(sget(json_object_get(r, "cuda"), "version"), "12.2");
	assert_int_equal(json_array_size(json_object_get(r, "architectures")), d->narch);
	json_decref(doc);
	free(s);
	assert_null(cuvet_kb_driver_to_json(kb, "535.104.05", NULL, "2020-01-01", false, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	free(d);
}

static void kb_cuda_gpu_image(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb_cuda rel[16];
	struct cuvet_kb_cuda_arch a;
	int n = cuvet_kb_cuda_releases(kb, "12.4", rel, 16, &err);
	assert_true(n >= 2);
	assert_int_equal(cuvet_kb_cuda_arch(kb, "12.4", &a, &err), 0);
	char *s = cuvet_kb_cuda_to_json(kb, "12.4", rel, (size_t)n, &a, true, &err);
	json_t *doc = parse(s);
	json_t *r = kb_result(doc, "cuda", "12.4");
	json_t *rs = json_object_get(r, "releases");
	assert_int_equal(json_array_size(rs), (size_t)n);
	assert_string_equal(sget(json_array_get(rs, 0), "version"), "12.4.1");
	assert_string_equal(sget(json_array_get(rs, 0), "min_linux_driver"), "550.54.15");
	assert_string_equal(sget(json_object_get(r, "arch"), "ptx_isa"), "8.4");
	json_decref(doc);
	free(s);
	/* no arch row: "arch" is null */
	s = cuvet_kb_cuda_to_json(kb, "12.4", rel, 1, NULL, false, &err);
	doc = parse(s);
	assert_true(json_is_null(json_object_get(kb_result(doc, "cuda", "12.4"), "arch")));
	json_decref(doc);
	free(s);

	struct cuvet_kb_gpu_row g[4];
	n = cuvet_kb_gpu_find(kb, "0x2335", g, 4, &err);
	assert_true(n >= 1);
	s = cuvet_kb_gpu_to_json(kb, "0x2335", g, 1, false, &err);
	doc = parse(s);
	json_t *g0 = json_array_get(kb_result(doc, "gpu", "0x2335"), 0);
	assert_string_equal(sget(g0, "model"), g[0].gpu.model);
	assert_string_equal(sget(g0, "compute_capability"), "9.0");
	json_decref(doc);
	free(s);

	struct cuvet_kb_image im;
	assert_int_equal(cuvet_kb_image(kb, "nvcr.io/nvidia/tensorrt:23.09-py3", &im, &err), 0);
	s = cuvet_kb_image_to_json(kb, "nvcr.io/nvidia/tensorrt:23.09-py3", &im, false, &err);
	doc = parse(s);
	r = kb_result(doc, "image", "nvcr.io/nvidia/tensorrt:23.09-py3");
	assert_string_equal(sget(r, "tag"), "23.09-py3");
	assert_string_equal(sget(json_object_get(r, "tensorrt"), "value"), im.tensorrt.value);
	json_decref(doc);
	free(s);
}

static void kb_releases_files(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb_release r[8];
	int n = cuvet_kb_tensorrt_find(kb, "8.6.1", r, 8, &err);
	assert_true(n >= 1);
	char *s = cuvet_kb_tensorrt_to_json(kb, "8.6.1", r, (size_t)n, false, &err);
	json_t *doc = parse(s);
	json_t *a = kb_result(doc, "tensorrt", "8.6.1");
	assert_int_equal(json_array_size(a), (size_t)n);
	assert_string_equal(sget(json_array_get(a, 0), "release"), r[0].release);
	json_decref(doc);
	free(s);
	n = cuvet_kb_cudnn_find(kb, "9.7.0", r, 8, &err);
	assert_true(n >= 1);
	s = cuvet_kb_cudnn_to_json(kb, "9.7.0", r, (size_t)n, false, &err);
	doc = parse(s);
	a = kb_result(doc, "cudnn", "9.7.0");
	assert_true(json_is_boolean(json_object_get(json_object_get(json_array_get(a, 0), "uncertain"), "gpus")));
	json_decref(doc);
	free(s);

	s = cuvet_kb_files_to_json(kb, false, &err);
	doc = parse(s);
	a = kb_result(doc, "files", "");
	assert_int_equal(json_array_size(a), cuvet_kb_file_count());
	json_t *last = json_array_get(a, cuvet_kb_file_count() - 1);
	assert_string_equal(sget(last, "file"), "DATE");
	assert_string_equal(sget(last, "origin"), "built-in");
	json_decref(doc);
	free(s);
}

/* The blob holds compute_80 (PTX ISA 9.0, zstd) and sm_90a: one report for text and JSON. */
static void arch_report(void **state)
{
	(void)state;
	static const unsigned char blob[] = {CUVET_TEST_FATBIN_BLOB};
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(blob, sizeof(blob), &err);
	assert_non_null(fb);
	struct cuvet_arch_opts o = {.have_gpu = true, .gpu_major = 9, .gpu_minor = 0, .entries = true};
	struct cuvet_arch_report *r = cuvet_arch_report_new(fb, &o, &err);
	assert_non_null(r);
	assert_int_equal(r->nselected, 2);
	assert_int_equal(r->nsass, 1);
	assert_int_equal(r->nptx, 1);
	assert_int_equal(r->nltoir, 0);
	assert_int_equal(r->ncompressed, 1);
	assert_int_equal(r->nfatbins, 1);
	assert_int_equal(r->ntargets, 2);
	assert_string_equal(r->targets[0].name, "sm_90a"); /* SASS before PTX */
	assert_string_equal(r->targets[1].name, "compute_80");
	assert_int_equal(r->targets[1].isa_major, 9);
	assert_int_equal(r->run, CUVET_RUN_SASS);
	assert_ptr_equal(r->run_entry, &fb->entries[1]);

	struct cuvet_arch_file files[] = {{.path = "blob.fatbin", .report = r}, {.path = "gone", .error = "No such file"}};
	char *s = cuvet_arch_report_to_json(files, 2, false, &err);
	json_t *doc = parse(s);
	assert_string_equal(sget(doc, "schema"), "cuvet.arch/1");
	json_t *f0 = json_array_get(json_object_get(doc, "files"), 0);
	assert_string_equal(sget(f0, "path"), "blob.fatbin");
	assert_string_equal(sget(f0, "source"), "fatbin");
	assert_int_equal(json_integer_value(json_object_get(f0, "sass")), 1);
	json_t *t1 = json_array_get(json_object_get(f0, "targets"), 1);
	assert_string_equal(sget(t1, "kind"), "ptx");
	assert_string_equal(sget(t1, "ptx_isa"), "9.0");
	assert_int_equal(json_integer_value(json_object_get(t1, "compressed")), 1);
	json_t *e0 = json_array_get(json_object_get(f0, "entries"), 0);
	assert_string_equal(sget(e0, "compression"), "zstd");
	assert_string_equal(sget(e0, "options"), "-O3");
	json_t *g = json_object_get(f0, "gpu");
	assert_string_equal(sget(g, "cc"), "9.0");
	assert_true(json_is_true(json_object_get(g, "runs")));
	assert_string_equal(sget(g, "how"), "sass");
	assert_string_equal(sget(g, "target"), "sm_90a");
	json_t *f1 = json_array_get(json_object_get(doc, "files"), 1);
	assert_string_equal(sget(f1, "error"), "No such file");
	assert_null(json_object_get(f1, "targets"));
	json_decref(doc);
	free(s);
	cuvet_arch_report_free(r);

	/* 8.6: sm_90a does not run there, compute_80 is JIT-compiled */
	o = (struct cuvet_arch_opts){.have_gpu = true, .gpu_major = 8, .gpu_minor = 6};
	r = cuvet_arch_report_new(fb, &o, &err);
	assert_non_null(r);
	assert_int_equal(r->run, CUVET_RUN_PTX_JIT);
	assert_ptr_equal(r->run_entry, &fb->entries[0]);
	files[0].report = r;
	s = cuvet_arch_report_to_json(files, 1, true, &err);
	doc = parse(s);
	f0 = json_array_get(json_object_get(doc, "files"), 0);
	assert_string_equal(sget(json_object_get(f0, "gpu"), "how"), "ptx-jit");
	assert_null(json_object_get(f0, "entries")); /* not asked for */
	json_decref(doc);
	free(s);
	cuvet_arch_report_free(r);

	/* 7.5: nothing runs; without a GPU there is no "gpu" member */
	o = (struct cuvet_arch_opts){.have_gpu = true, .gpu_major = 7, .gpu_minor = 5};
	r = cuvet_arch_report_new(fb, &o, &err);
	assert_int_equal(r->run, CUVET_RUN_NO);
	assert_null(r->run_entry);
	cuvet_arch_report_free(r);
	r = cuvet_arch_report_new(fb, NULL, &err);
	files[0].report = r;
	s = cuvet_arch_report_to_json(files, 1, false, &err);
	doc = parse(s);
	assert_null(json_object_get(json_array_get(json_object_get(doc, "files"), 0), "gpu"));
	json_decref(doc);
	free(s);
	cuvet_arch_report_free(r);

	struct cuvet_arch_file bad = {.path = "x"};
	assert_null(cuvet_arch_report_to_json(&bad, 1, false, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_null(cuvet_arch_report_new(NULL, &o, &err));
	cuvet_fatbin_free(fb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(why_not_found),
		cmocka_unit_test(kb_driver),
		cmocka_unit_test(kb_cuda_gpu_image),
		cmocka_unit_test(kb_releases_files),
		cmocka_unit_test(arch_report),
	};
	return cmocka_run_group_tests(tests, kb_setup, kb_teardown);
}
