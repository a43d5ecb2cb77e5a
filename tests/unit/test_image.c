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


/* --------------------------------------------------- inspect's analysis ---- */

static char *read_fixture(const char *var, const char *name, size_t *len)
{
	const char *dir = getenv(var);
	if (!dir)
		return NULL;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	return buf;
}

#define LIB "/usr/local/cuda-12.4/targets/x86_64-linux/lib/"

/* A CUDA 12.4 runtime image's files (cudart, cuBLASLt with GPU code, cuDNN 9.1.0 where its env and
 * label claim 9.2.0.82, a framework library with GPU code outside any library family). */
static struct cuvet_image *cuda_image(const char *extra_env, bool with_files)
{
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = NULL;
	if (with_files) {
		size_t len = 0, cudart_len = 0, blas_len = 0;
		char *elf = read_fixture("CUVET_ELF_FIXTURES", "libfatbin_host.so", &len);
		char *cudart = read_fixture("CUVET_IMAGE_FIXTURES", "libcudart.so.12.4.127", &cudart_len);
		char *blas = read_fixture("CUVET_IMAGE_FIXTURES", "libcublasLt.so.12.4.5.8", &blas_len);
		assert_non_null(elf);
		assert_non_null(cudart);
		assert_non_null(blas);
		fs = cuvet_fs_mem_new(&err);
		assert_non_null(fs);
		assert_int_equal(cuvet_fs_mem_add_file(fs, LIB "libcudart.so.12.4.127", cudart, cudart_len, 0755, &err), 0);
		assert_int_equal(cuvet_fs_mem_add_symlink(fs, LIB "libcudart.so.12", "libcudart.so.12.4.127", &err), 0);
		assert_int_equal(cuvet_fs_mem_add_file(fs, LIB "libcublasLt.so.12.4.5.8", blas, blas_len, 0755, &err), 0);
		assert_int_equal(cuvet_fs_mem_add_symlink(fs, LIB "libcublasLt.so.12", "libcublasLt.so.12.4.5.8", &err), 0);
		assert_int_equal(cuvet_fs_mem_add_symlink(fs, "/usr/local/cuda-12.4/lib64", "targets/x86_64-linux/lib", &err), 0);
		assert_int_equal(cuvet_fs_mem_add_symlink(fs, "/usr/local/cuda", "cuda-12.4", &err), 0);
		assert_int_equal(cuvet_fs_mem_add_file(fs, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0", "x", 1, 0644, &err), 0);
		assert_int_equal(cuvet_fs_mem_add_symlink(fs, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9", "libcudnn.so.9.1.0", &err), 0);
		assert_int_equal(cuvet_fs_mem_add_file(fs, "/etc/ld.so.conf.d/x.conf", "/usr/lib/x86_64-linux-gnu\n", 26, 0644, &err), 0);
		assert_int_equal(cuvet_fs_mem_add_file(fs, "/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n", 33, 0644, &err), 0);
		assert_int_equal(cuvet_fs_mem_add_file(fs, "/usr/local/lib/python3.10/dist-packages/torch/lib/libtorch_cuda.so",
						       elf, len, 0644, &err), 0);
		free(elf);
		free(cudart);
		free(blas);
	}
	char cfg[2048];
	snprintf(cfg, sizeof(cfg),
		 "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":{\"Env\":[\"PATH=/usr/bin\","
		 "\"NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471\",\"CUDA_VERSION=12.4.1\","
		 "\"NV_CUDA_CUDART_VERSION=12.4.127-1\",\"NV_CUDNN_VERSION=9.2.0.82-1\",\"NCCL_VERSION=2.21.5-1\"%s],"
		 "\"Labels\":{\"com.nvidia.cudnn.version\":\"9.2.0.82-1\"}}}",
		 extra_env);
	struct cuvet_image *img = cuvet_image_from_config(cfg, strlen(cfg), fs, &err);
	if (!img)
		fail_msg("%s", err.msg);
	return img;
}

static const struct cuvet_image_component *component(const struct cuvet_image_report *r, const char *name)
{
	for (size_t i = 0; i < r->ncomponents; i++)
		if (strcmp(r->components[i].component, name) == 0)
			return &r->components[i];
	return NULL;
}

static void report_files_win(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_ctx *ctx = cuvet_ctx_new(NULL, &err);
	assert_non_null(ctx);
	struct cuvet_image *img = cuda_image("", true);
	struct cuvet_image_report_opts o = {.gpu_code = true};
	struct cuvet_image_report *r = cuvet_image_report_new(ctx, img, &o, &err);
	if (!r)
		fail_msg("%s", err.msg);
	/* Nothing of this machine: no hostname, glibc or architecture from uname, no driver, no GPU. */
	assert_non_null(r->facts);
	assert_null(r->facts->hostname);
	assert_null(r->facts->glibc_version);
	assert_false(r->facts->driver.present);
	assert_int_equal(r->facts->ngpus, 0);
	assert_string_equal(r->facts->root, "config");
	/* The environment a container of the image gets. */
	assert_string_equal(r->environ[0], "PATH=/usr/bin");
	assert_null(r->environ[6]);

	/* Components: files first, the toolkit from CUDA_VERSION, NCCL from the env (no file). */
	assert_int_equal(r->ncomponents, 5);
	const char *order[] = {"cublas", "cuda", "cudart", "cudnn", "nccl"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(r->components[i].component, order[i]);
	assert_string_equal(component(r, "cudart")->version, "12.4.127");
	assert_string_equal(component(r, "cudart")->source, "file");
	assert_int_equal(component(r, "cudart")->cuda_major, 12);
	assert_string_equal(component(r, "cudnn")->version, "9.1.0");
	assert_string_equal(component(r, "cudnn")->path, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9");
	assert_string_equal(component(r, "cuda")->version, "12.4.1");
	assert_string_equal(component(r, "cuda")->source, "env");
	assert_string_equal(component(r, "nccl")->version, "2.21.5");
	assert_string_equal(component(r, "nccl")->version_source, "NCCL_VERSION");
	assert_null(component(r, "nccl")->path);

	/* cuDNN: env and label say 9.2.0.82, the file is 9.1.0 — two findings. CUDA_VERSION 12.4.1 and
	 * NV_CUDA_CUDART_VERSION 12.4.127 agree with libcudart.so.12.4.127 (the toolkit on 12.4). */
	assert_int_equal(r->nmismatches, 2);
	assert_string_equal(r->mismatches[0].claim->key, "NV_CUDNN_VERSION");
	assert_string_equal(r->mismatches[0].claim->version, "9.2.0.82");
	assert_string_equal(r->mismatches[0].lib->version, "9.1.0");
	assert_string_equal(r->mismatches[1].claim->key, "com.nvidia.cudnn.version");
	assert_true(r->mismatches[1].claim->label);
	assert_int_equal(r->nnotes, 2);
	assert_string_equal(r->notes[0], "NCCL_VERSION says 2.21.5-1, but the image's files hold no nccl library");

	/* GPU code: the fixture carries sm_90a SASS and compute_80 PTX, in cuBLASLt and in the
	 * framework's library; SASS only on 9.0, PTX JIT from 8.0 up, nothing below. */
	assert_int_equal(r->ngpu_libs, 2);
	size_t sass = 0, ptx = 0, no = 0;
	for (size_t i = 0; i < r->nccs; i++) {
		const struct cuvet_image_cc *c = &r->ccs[i];
		unsigned cc = c->major * 10 + c->minor;
		if (c->sass) {
			assert_int_equal(cc, 90);
			assert_string_equal(c->architecture, "Hopper");
			sass++;
		} else if (c->runs) {
			assert_true(cc >= 80);
			ptx++;
		} else {
			assert_true(cc < 80);
			no++;
		}
	}
	assert_int_equal(sass, 1);
	assert_true(ptx >= 4 && no >= 8);

	/* Floors: the requirement's CUDA 12.4 (12.4.0's 550.54.14) and the libraries' CUDA 12 by
	 * minor-version compatibility (525): the requirement gives the minimum. */
	assert_int_equal(r->nfloors, 3);
	assert_string_equal(r->floors[0].driver, "550.54.14");
	assert_string_equal(r->floors[0].evidence,
			    "NVIDIA_REQUIRE_CUDA: cuda>=12.4 (CUDA 12.4.0 needs driver >= 550.54.14)");
	assert_false(r->floors[0].minor_compat);
	assert_string_equal(r->floors[1].driver, "525");
	assert_true(r->floors[1].minor_compat);
	/* GPUs without SASS here JIT compute_80 of PTX ISA 9.0 (the fixture's), which CUDA 13.0 brings:
	 * a floor for them only (rules_arch.c's ptx-unsupported says the same), not the minimum. */
	assert_string_equal(r->floors[2].driver, "580.65.06");
	assert_true(r->floors[2].jit_only);
	assert_non_null(strstr(r->floors[2].evidence, "ISA 9.0"));
	assert_ptr_equal(r->min_driver, &r->floors[0]);
	assert_false(r->kb_known);

	char *json = cuvet_image_report_to_json(r, false, &err);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"schema\":\"cuvet.image/1\""));
	assert_non_null(strstr(json, "{\"cc\":\"9.0\",\"architecture\":\"Hopper\",\"runs\":\"sass\"}"));
	assert_non_null(strstr(json, "\"minimum\":{\"driver\":\"550.54.14\""));
	free(json);
	cuvet_image_report_free(r);
	cuvet_image_free(img);
	cuvet_ctx_free(ctx);
}

/* Without files: the config alone; CUDA_VERSION's legacy rule gives the floor; a disabled
 * requirement gives none and says so. */
static void report_config_only(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_ctx *ctx = cuvet_ctx_new(NULL, &err);
	assert_non_null(ctx);
	static const char cfg[] = "{\"config\":{\"Env\":[\"CUDA_VERSION=11.8.0\",\"NV_CUDNN_VERSION=8.9.6.50\"]}}";
	struct cuvet_image *img = cuvet_image_from_config(cfg, sizeof(cfg) - 1, NULL, &err);
	assert_non_null(img);
	struct cuvet_image_report *r = cuvet_image_report_new(ctx, img, NULL, &err);
	assert_non_null(r);
	assert_null(r->facts);
	assert_int_equal(r->nmismatches, 0);
	assert_int_equal(r->ncomponents, 2);
	assert_string_equal(r->components[0].component, "cuda");
	assert_string_equal(r->components[1].component, "cudnn");
	assert_string_equal(r->components[1].version, "8.9.6.50");
	assert_string_equal(r->components[1].source, "env");
	assert_int_equal(r->nfloors, 1);
	assert_string_equal(r->floors[0].driver, "520.61.05");
	assert_string_equal(r->floors[0].evidence,
			    "CUDA_VERSION (legacy rule): cuda>=11.8 (CUDA 11.8.0 needs driver >= 520.61.05)");
	cuvet_image_report_free(r);
	cuvet_image_free(img);

	static const char off[] = "{\"config\":{\"Env\":[\"NVIDIA_REQUIRE_CUDA=cuda>=12.4\",\"NVIDIA_DISABLE_REQUIRE=1\"]}}";
	img = cuvet_image_from_config(off, sizeof(off) - 1, NULL, &err);
	assert_non_null(img);
	r = cuvet_image_report_new(ctx, img, NULL, &err);
	assert_non_null(r);
	assert_int_equal(r->nfloors, 0);
	assert_null(r->min_driver);
	assert_int_equal(r->nnotes, 1);
	assert_string_equal(r->notes[0], "NVIDIA_DISABLE_REQUIRE=1: the runtime checks none of the image's requirements");
	cuvet_image_report_free(r);
	cuvet_image_free(img);
	cuvet_ctx_free(ctx);
}

/* A host with driver 535.104.05 (CUDA 12.2), its libcuda and NVML, a cuDNN 8 of its own, one H100. */
static const char HOST_FACTS[] =
	"{\"schema\":\"cuvet.facts/1\",\"root\":\"/\",\"host\":{\"hostname\":\"node1\",\"os_id\":\"rhel\",\"arch\":\"x86_64\"},"
	"\"driver\":{\"present\":true,\"module_loaded\":true,\"kernel_version\":\"535.104.05\",\"kernel_flavour\":\"open\","
	"\"libcuda_path\":\"/usr/lib64/libcuda.so.1\",\"libcuda_version\":\"535.104.05\"},"
	"\"gpus\":[{\"index\":0,\"name\":\"NVIDIA H100 80GB HBM3\",\"uuid\":\"GPU-1\",\"compute_capability\":\"9.0\","
	"\"brand\":\"nvidia\",\"source\":\"nvml\",\"visible\":true}],"
	"\"libraries\":[{\"family\":\"cuda\",\"name\":\"libcuda.so.1\",\"path\":\"/usr/lib64/libcuda.so.1\","
	"\"real_path\":\"/usr/lib64/libcuda.so.535.104.05\",\"version\":\"535.104.05\",\"default_pick\":true},"
	"{\"family\":\"nvml\",\"name\":\"libnvidia-ml.so.1\",\"path\":\"/usr/lib64/libnvidia-ml.so.1\",\"version\":\"535.104.05\","
	"\"default_pick\":true},"
	"{\"family\":\"cudnn\",\"name\":\"libcudnn.so.8\",\"path\":\"/usr/lib64/libcudnn.so.8\",\"version\":\"8.9.2\","
	"\"default_pick\":true}],"
	"\"toolkits\":[],\"environment\":{\"CUDA_VERSION\":\"11.0\"},\"notes\":[]}";

static void container_facts(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_ctx *ctx = cuvet_ctx_new(NULL, &err);
	assert_non_null(ctx);
	struct cuvet_facts *host = cuvet_facts_from_json(HOST_FACTS, sizeof(HOST_FACTS) - 1, &err);
	if (!host)
		fail_msg("%s", err.msg);
	/* LD_LIBRARY_PATH makes the toolkit's copies a plain dlopen's pick (the view has no ld.so.cache). */
	struct cuvet_image *img = cuda_image(",\"LD_LIBRARY_PATH=/usr/local/cuda/lib64\"", true);
	struct cuvet_image_report_opts o = {.gpu_code = true};
	struct cuvet_image_report *r = cuvet_image_report_new(ctx, img, &o, &err);
	assert_non_null(r);
	struct cuvet_facts *cf = cuvet_image_container_facts(host, r->facts, r->info, &err);
	if (!cf)
		fail_msg("%s", err.msg);
	/* The host's kernel module, driver libraries and GPU; the image's other libraries, OS, env. */
	assert_string_equal(cf->driver.kernel_version, "535.104.05");
	assert_int_equal(cf->ngpus, 1);
	assert_string_equal(cf->hostname, "node1");
	assert_null(cf->os_id);
	assert_string_equal(cf->container, "image");
	assert_string_equal(cf->root, "config");
	const char *want[] = {"cuda", "nvml", "cudart", "cublas", "cudnn"};
	assert_true(cf->nlibs >= 5);
	bool host_cudnn = false;
	for (size_t i = 0; i < cf->nlibs; i++) {
		if (i < 2)
			assert_string_equal(cf->libs[i].family, want[i]);
		host_cudnn |= strcmp(cf->libs[i].path, "/usr/lib64/libcudnn.so.8") == 0;
	}
	assert_false(host_cudnn);
	assert_string_equal(cuvet_facts_env(cf, "CUDA_VERSION"), "12.4.1");
	assert_string_equal(cuvet_facts_env(cf, "NV_CUDNN_VERSION"), "9.2.0.82-1");

	/* The image's cuda>=12.4 on a CUDA 12.2 driver: FAIL, and the runtime refuses it too (no
	 * brand=nvidia group for 535); its CUDA 12 libraries run by minor-version compatibility. */
	struct cuvet_host_opts ho = {.env = r->environ};
	struct cuvet_host *h = cuvet_host_new(ctx, cf, &ho, &err);
	if (!h)
		fail_msg("%s", err.msg);
	assert_int_equal(h->runtime_major, 12);
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_non_null(c);
	assert_int_equal(cuvet_check_add_env(c, r->environ, &err), 0);
	assert_int_equal(cuvet_check_eval(c, h, NULL, &err), 0);
	assert_int_equal(c->verdict, CUVET_FAIL);
	assert_int_equal(c->runtime, CUVET_FAIL);
	assert_int_equal(c->libs_verdict, CUVET_PASS);
	for (size_t i = 0; i < c->nlibs; i++)
		if (strcmp(c->libs[i].family, "cudart") == 0)
			assert_int_equal(c->libs[i].run, CUVET_LIB_RUN_MINOR_COMPAT);
	cuvet_check_free(c);
	cuvet_host_free(h);

	/* Without the image's files: the host's driver libraries only. */
	struct cuvet_facts *bare = cuvet_image_container_facts(host, NULL, r->info, &err);
	assert_non_null(bare);
	assert_int_equal(bare->nlibs, 2);
	cuvet_facts_free(bare);
	cuvet_facts_free(cf);
	cuvet_facts_free(host);
	cuvet_image_report_free(r);
	cuvet_image_free(img);
	cuvet_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_parsed),
		cmocka_unit_test(config_with_view),
		cmocka_unit_test(config_refused),
		cmocka_unit_test(open_refuses_unknown_transport),
		cmocka_unit_test(report_files_win),
		cmocka_unit_test(report_config_only),
		cmocka_unit_test(container_facts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
