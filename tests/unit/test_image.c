/* The image object: config parsing (image-spec config.md), cuvet_image_open's transports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cuvet.h"
#include "cuvet_image.h"
#include "cuvet_readers.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

/* Shaped like nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04's config (images.md §6, §7), with the
 * older container_config copy that must be ignored. */
static const char CUDA_CONFIG[] =
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-04-10T10:00:00Z\","
	"\"config\":{\"Env\":[\"PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/bin\","
	"\"NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471\","
	"\"CUDA_VERSION=12.4.1\",\"EMPTY=\",\"EQ=a=b=c\",\"CUDA_VERSION=12.4.2\"],"
	"\"Labels\":{\"maintainer\":\"NVIDIA CORPORATION <cudatools@nvidia.com>\","
	"\"com.nvidia.cudnn.version\":\"9.1.0.70-1\",\"a.first\":\"x\"}},"
	"\"container_config\":{\"Env\":[\"CUDA_VERSION=0.0\"]},"
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";

static void config_parsed(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_image *img = cuvet_image_from_config(CUDA_CONFIG, sizeof(CUDA_CONFIG) - 1, NULL, &err);
	assert_non_null(img);
	const struct cuvet_image_info *in = cuvet_image_info(img);
	assert_string_equal(in->os, "linux");
	assert_string_equal(in->architecture, "amd64");
	assert_string_equal(in->variant, "");
	assert_string_equal(in->created, "2024-04-10T10:00:00Z");
	assert_int_equal(in->nenv, 6);
	assert_string_equal(in->env[1].key, "NVIDIA_REQUIRE_CUDA");
	assert_string_equal(in->env[1].value, "cuda>=12.4 brand=tesla,driver>=470,driver<471");
	assert_string_equal(in->env[3].key, "EMPTY");
	assert_string_equal(in->env[3].value, "");
	assert_string_equal(in->env[4].value, "a=b=c");
	/* The last CUDA_VERSION wins, as in the process a runtime starts; container_config is not read. */
	assert_string_equal(cuvet_image_env(img, "CUDA_VERSION"), "12.4.2");
	assert_null(cuvet_image_env(img, "CUDNN_VERSION"));
	assert_int_equal(in->nlabels, 3);
	assert_string_equal(in->labels[0].key, "a.first");
	assert_string_equal(in->labels[1].key, "com.nvidia.cudnn.version");
	assert_string_equal(in->labels[1].value, "9.1.0.70-1");
	assert_string_equal(in->labels[2].key, "maintainer");
	assert_int_equal(in->nlayers, 2);
	assert_string_equal(in->layers[0].diff_id, D1);
	assert_string_equal(in->layers[1].diff_id, D2);
	assert_null(in->layers[0].digest);
	assert_null(cuvet_image_fs(img));
	cuvet_image_free(img);
}

static void config_with_view(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
	assert_non_null(fs);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/etc/os-release", "ID=ubuntu\n", 10, 0644, &err), 0);
	static const char cfg[] = "{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}";
	struct cuvet_image *img = cuvet_image_from_config(cfg, sizeof(cfg) - 1, fs, &err);
	assert_non_null(img);
	assert_ptr_equal(cuvet_image_fs(img), fs);
	assert_string_equal(cuvet_image_info(img)->variant, "v8");
	assert_int_equal(cuvet_image_info(img)->nenv, 0);
	assert_int_equal(cuvet_image_info(img)->nlayers, 0);
	assert_null(cuvet_image_info(img)->created);
	cuvet_image_free(img);
}

/* Each malformed config is refused with CUVET_E_INVALID and the message shown. */
static void config_refused(void **state)
{
	(void)state;
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{"", "image config: line 1: "},
		{"[]", "image config: not a JSON object"},
		{"{\"os\":1}", "image config: \"os\" is not a string"},
		{"{\"config\":[]}", "image config: \"config\" is not an object"},
		{"{\"config\":{\"Env\":\"A=1\"}}", "image config: config.Env is not an array"},
		{"{\"config\":{\"Env\":[1]}}", "image config: config.Env[0] is not a string"},
		{"{\"config\":{\"Env\":[\"=x\"]}}", "image config: config.Env[0] has no variable name"},
		{"{\"config\":{\"Labels\":{\"a\":1}}}", "image config: label \"a\" is not a string"},
		{"{\"config\":{\"Labels\":{\"a\":\"1\",\"a\":\"2\"}}}", "image config: line 1: "},
		{"{\"rootfs\":{\"diff_ids\":[\"sha256:12\"]}}", "image config: rootfs.diff_ids[0] is not a digest"},
		{"{\"rootfs\":{\"diff_ids\":[\"" D1 "\",\"sha256:" "ABCD\"]}}",
		 "image config: rootfs.diff_ids[1] is not a digest"},
		{"{\"rootfs\":{\"diff_ids\":[\"nocolon\"]}}", "image config: rootfs.diff_ids[0] is not a digest"},
		{"{\"rootfs\":[]}", "image config: rootfs is not an object"},
		{"{\"config\":{\"Env\":[\"A\\u0000=1\"]}}", "image config: line 1: "},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cuvet_error err = {0};
		struct cuvet_image *img = cuvet_image_from_config(cases[i].json, strlen(cases[i].json), NULL, &err);
		if (img)
			fail_msg("case %zu accepted", i);
		assert_int_equal(err.code, CUVET_E_INVALID);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: \"%s\"", i, err.msg);
	}
	/* A view handed over is freed even when the config is refused (ASan sees a leak otherwise). */
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
	assert_non_null(fs);
	assert_null(cuvet_image_from_config("[]", 2, fs, &err));
}

static void open_refuses_unknown_transport(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	assert_null(cuvet_image_open("/tmp/x.tar", NULL, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "/tmp/x.tar: not an image source (docker-archive:FILE, oci:DIR[:TAG], "
				     "oci-archive:FILE, docker://REF)");
	assert_null(cuvet_image_open("", NULL, &err));
	assert_string_equal(err.msg, "no image source");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_parsed),
		cmocka_unit_test(config_with_view),
		cmocka_unit_test(config_refused),
		cmocka_unit_test(open_refuses_unknown_transport),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
