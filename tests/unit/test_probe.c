/* The driver facts parsers, the facts JSON round trip, and the probe over a built root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "probe.h"

struct proc_case {
	const char *text;
	const char *version; /* NULL: must fail */
	const char *flavour;
};

static void test_proc_version(void **state)
{
	(void)state;
	static const struct proc_case cases[] = {
		{"NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (nixbld@)  \n"
		 "GCC version:  gcc version 15.3.0 (GCC) \n", "580.159.04", "open"},
		{"NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n", "535.104.05",
		 "proprietary"},
		{"NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  570.133.20  Release Build\n", "570.133.20", "open"},
		{"NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.256.02  Thu May  2 14:37:44 UTC 2024", "470.256.02",
		 "proprietary"},
		{"", NULL, NULL},
		{"garbage\n\x01\x02\xff", NULL, NULL},
		{"NVRM version: NVIDIA UNIX x86_64 Kernel Module\n", NULL, NULL},
		{"NVRM version: NVIDIA UNIX x86_64 Kernel Module  banana  580.x\n", NULL, NULL},
		{"NVRM version: NVIDIA UNIX x86_64 Kernel\n", NULL, NULL},
		{"GCC version: gcc 12\nNVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  x\n", "550.54.15",
		 "proprietary"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *v = NULL, *fl = NULL;
		int rc = driver_parse_proc_version(cases[i].text, &v, &fl);
		if (cases[i].version) {
			assert_int_equal(rc, 0);
			assert_string_equal(v, cases[i].version);
			assert_string_equal(fl, cases[i].flavour);
		} else {
			assert_int_equal(rc, -1);
			assert_null(v);
		}
		free(v);
		free(fl);
	}
	/* A very long line is cut, not overrun. */
	char *big = malloc(100000);
	memset(big, 'A', 99999);
	big[99999] = '\0';
	memcpy(big, "NVRM version: ", 14);
	char *v = NULL, *fl = NULL;
	assert_int_equal(driver_parse_proc_version(big, &v, &fl), -1);
	free(big);
}

static void test_version_from_name(void **state)
{
	(void)state;
	char *v = driver_version_from_name("/usr/lib/x86_64-linux-gnu/libcuda.so.580.159.04", "libcuda");
	assert_string_equal(v, "580.159.04");
	free(v);
	assert_null(driver_version_from_name("/usr/lib/libcuda.so.1", "libcuda"));
	assert_null(driver_version_from_name("/usr/lib/libcuda.so", "libcuda"));
	assert_null(driver_version_from_name("/usr/lib/libcudart.so.12.2.140", "libcuda"));
	assert_null(driver_version_from_name("libcuda.so.580.x", "libcuda"));
	v = driver_version_from_name("libnvidia-ml.so.535.104.05", "libnvidia-ml");
	assert_string_equal(v, "535.104.05");
	free(v);
}

/* The facts of the H200 fixture root survive JSON and back unchanged. */
static void test_json_round_trip(void **state)
{
	(void)state;
	const char *root = getenv("CUVET_TEST_H200_ROOT");
	if (!root || !*root)
		skip();
	struct cuvet_probe_opts opts;
	cuvet_probe_opts_init(&opts);
	opts.root = root;
	opts.use_nvml = false;
	static char *env[] = {"LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib",
			      "PATH=/opt/torch/.venv/bin:/usr/bin:/bin", "NVIDIA_VISIBLE_DEVICES=0", NULL};
	opts.env = env;
	struct cuvet_error err = {0};
	struct cuvet_facts *f = cuvet_probe(&opts, &err);
	assert_non_null(f);
	assert_string_equal(f->driver.kernel_version, "580.159.04");
	assert_string_equal(f->driver.kernel_flavour, "open");
	assert_int_equal(f->driver.cuda_driver_version, 13000);
	assert_string_equal(f->driver.cuda_driver_source, "inferred");
	assert_int_equal(f->ngpus, 1);
	assert_string_equal(f->gpus[0].name, "NVIDIA H200");
	assert_int_equal(f->gpus[0].cc_major, 9);
	assert_int_equal(f->gpus[0].cc_minor, 0);
	size_t cudnn = 0;
	for (size_t i = 0; i < f->nlibs; i++)
		if (strcmp(f->libs[i].family, "cudnn") == 0 && strcmp(f->libs[i].name, "libcudnn.so.9") == 0)
			cudnn++;
	assert_int_equal(cudnn, 2);
	/* Everything on the H200 host is CUDA 13: the cu13 wheels, /usr/local/cuda-13.0, libcudnn9-cuda-13,
	 * libnccl2 2.28.3-1+cuda13.0; the driver's own libraries have no CUDA major. */
	size_t thirteen = 0;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		bool driver = strcmp(l->family, "cuda") == 0 || strcmp(l->family, "nvml") == 0;
		assert_int_equal(l->cuda_major, driver ? 0 : 13);
		thirteen += l->cuda_major == 13;
		if (strcmp(l->family, "nccl") == 0 && strcmp(l->found_via, "ld.so.cache") == 0)
			assert_string_equal(l->cuda_major_source, "dpkg-version:libnccl2 2.28.3-1+cuda13.0");
		if (strcmp(l->family, "cufft") == 0 && strcmp(l->found_via, "pip") == 0)
			assert_string_equal(l->cuda_major_source, "pip:nvidia/cu13");
	}
	assert_int_equal(thirteen, 61);
	f->probe_seconds = 0.5;
	char *a = cuvet_facts_to_json(f, true, &err);
	assert_non_null(a);
	struct cuvet_facts *g = cuvet_facts_from_json(a, strlen(a), &err);
	assert_non_null(g);
	char *b = cuvet_facts_to_json(g, true, &err);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
	cuvet_facts_free(f);
	cuvet_facts_free(g);
}

static void test_json_rejects(void **state)
{
	(void)state;
	struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"", "facts JSON: line 1, column 0: '[' or '{' expected near end of file"},
		{"[]", "facts JSON: \"schema\" must be \"cuvet.facts/1\" (found none)"},
		{"{\"schema\": \"cuvet.facts/2\"}", "facts JSON: \"schema\" must be \"cuvet.facts/1\" (found cuvet.facts/2)"},
		{"{\"schema\": \"cuvet.facts/1\", \"driver\": {\"kernel_version\": 5}}",
		 "facts JSON: driver.kernel_version must be a string or null"},
		{"{\"schema\": \"cuvet.facts/1\", \"driver\": {\"cuda_driver_version\": \"13.0\"}}",
		 "facts JSON: driver.cuda_driver_version must be an integer or null"},
		{"{\"schema\": \"cuvet.facts/1\", \"libraries\": [{\"family\": \"cudart\", \"name\": \"libcudart.so.13\", "
		 "\"path\": \"/x/libcudart.so.13\", \"cuda_major\": \"13\"}]}",
		 "facts JSON: libraries[].cuda_major must be an integer or null"},
		{"{\"schema\": \"cuvet.facts/1\", \"libraries\": [{\"family\": \"cudart\", \"name\": \"libcudart.so.13\", "
		 "\"path\": \"/x/libcudart.so.13\", \"cuda_major_source\": 13}]}",
		 "facts JSON: libraries[].cuda_major_source must be a string or null"},
		{"{\"schema\": \"cuvet.facts/1\", \"libraries\": [{\"family\": \"cudnn\"}]}",
		 "facts JSON: libraries[0] needs family, name and path"},
		{"{\"schema\": \"cuvet.facts/1\", \"schema\": \"cuvet.facts/1\"}", NULL},
		{"{\"schema\": \"cuvet.facts/1\", \"gpus\": [1, 2]}", "facts JSON: gpus[0] must be an object"},
		{"{\"schema\": \"cuvet.facts/1\", \"libraries\": \"x\"}", "facts JSON: \"libraries\" must be an array"},
		{"{\"schema\": \"cuvet.facts/1\", \"driver\": []}", "facts JSON: \"driver\" must be an object"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cuvet_error err = {0};
		struct cuvet_facts *f = cuvet_facts_from_json(cases[i].text, strlen(cases[i].text), &err);
		assert_null(f);
		assert_int_equal(err.code, CUVET_E_INVALID);
		if (cases[i].msg)
			assert_string_equal(err.msg, cases[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_version),
		cmocka_unit_test(test_version_from_name),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
