/* The host view: each derived fact against the rule it retypes (NVIDIA's compatibility guide for
 * forward and minor-version compatibility, libnvidia-container/CUDA for the visibility lists), and
 * the doctor's rule-set registry and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cuvet.h"

static struct cuvet_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	struct cuvet_ctx_opts o;
	cuvet_ctx_opts_init(&o);
	o.today = "2026-11-29";
	ctx = cuvet_ctx_new(&o, NULL);
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cuvet_ctx_free(ctx);
	return 0;
}

static struct cuvet_gpu gpu(int index, const char *uuid, const char *segment, const char *brand)
{
	struct cuvet_gpu g;
	memset(&g, 0, sizeof(g));
	g.index = index;
	g.uuid = (char *)uuid;
	g.segment = (char *)segment;
	g.brand = (char *)brand;
	g.cc_major = 9;
	g.cc_minor = 0;
	g.mig_mode = g.persistence_mode = -1;
	g.source = (char *)"nvml";
	g.visible = true;
	return g;
}

static struct cuvet_lib lib(const char *family, const char *soname, const char *path, const char *version, int major,
			    bool pick, bool compat)
{
	struct cuvet_lib l;
	memset(&l, 0, sizeof(l));
	l.family = (char *)family;
	l.name = l.soname = (char *)soname;
	l.path = l.real_path = (char *)path;
	l.version = (char *)version;
	l.cuda_major = major;
	l.default_pick = pick;
	l.compat = compat;
	l.found_via = (char *)(compat ? "compat" : "ld.so.cache");
	return l;
}

/* With no kernel module and no NVML, a forward-compat libcuda's version is not the driver's. */
static void test_compat_version_is_not_the_driver(void **state)
{
	(void)state;
	struct cuvet_lib libs[] = {lib("cuda", "libcuda.so.1", "/usr/local/cuda-13.0/compat/libcuda.so.580.95.05",
				       "580.95.05", 0, true, true)};
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.present = true;
	f.driver.libcuda_path = libs[0].path;
	f.driver.libcuda_version = libs[0].version;
	f.driver.cuda_driver_version = 13000;
	f.driver.cuda_driver_source = (char *)"libcuda";
	f.libs = libs;
	f.nlibs = 1;
	struct cuvet_error err = {0};
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, &err);
	assert_non_null(h);
	assert_null(h->driver);
	assert_true(h->compat_picked);
	assert_int_equal(h->cuda, 0); /* libcuda answered for the compat package, not the driver */
	assert_false(h->forward_compat);
	cuvet_host_free(h);
}

/* Kernel module 535, a cuda-compat 12.4 libcuda (550.54.15) picked: forward compatibility in
 * effect; the driver's own CUDA is 12.2 (its branch), what a process can use is 12.4. */
static void test_forward_compat_in_effect(void **state)
{
	(void)state;
	struct cuvet_lib libs[] = {
		lib("cuda", "libcuda.so.1", "/usr/local/cuda-12.4/compat/libcuda.so.550.54.15", "550.54.15", 0, true, true),
		lib("cuda", "libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05", "535.104.05", 0, false, false),
	};
	struct cuvet_gpu gpus[] = {gpu(0, "GPU-a", "datacenter", "nvidia")};
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.present = f.driver.module_loaded = true;
	f.driver.kernel_version = (char *)"535.104.05";
	f.driver.libcuda_path = libs[0].path;
	f.driver.libcuda_version = libs[0].version;
	f.driver.cuda_driver_version = 12040;
	f.driver.cuda_driver_source = (char *)"libcuda";
	f.libs = libs;
	f.nlibs = 2;
	f.gpus = gpus;
	f.ngpus = 1;
	struct cuvet_error err = {0};
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, &err);
	assert_non_null(h);
	assert_string_equal(h->driver, "535.104.05");
	assert_string_equal(h->driver_source, "kernel-module");
	assert_int_equal(h->driver_branch, 535);
	assert_int_equal(h->cuda, 12020);
	assert_string_equal(h->cuda_source, "kb");
	assert_true(h->forward_compat);
	assert_string_equal(h->compat_version, "550.54.15");
	assert_int_equal(h->cuda_effective, 12040);
	assert_true(h->all_datacenter);
	assert_null(h->consumer);
	cuvet_host_free(h);
}

/* NVML's answer is the driver's own, compat or not. */
static void test_nvml_cuda(void **state)
{
	(void)state;
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.present = true;
	f.driver.nvml_driver_version = (char *)"580.159.04";
	f.driver.cuda_driver_version = 13000;
	f.driver.cuda_driver_source = (char *)"nvml";
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_string_equal(h->driver, "580.159.04");
	assert_string_equal(h->driver_source, "nvml");
	assert_int_equal(h->cuda, 13000);
	assert_string_equal(h->cuda_source, "nvml");
	cuvet_host_free(h);
}

/* Visibility: the facts' own answer (the probe's, under the probed environment), the workload's
 * environment, or a list given instead of it. */
static void test_visibility(void **state)
{
	(void)state;
	struct cuvet_gpu gpus[] = {gpu(0, "GPU-aaaa", "datacenter", "nvidia"), gpu(1, "GPU-bbbb", "consumer", "geforce")};
	gpus[0].visible = false; /* as probed under CUDA_VISIBLE_DEVICES=1 */
	struct cuvet_kv env[] = {{(char *)"CUDA_VISIBLE_DEVICES", (char *)"1"}};
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.gpus = gpus;
	f.ngpus = 2;
	f.env = env;
	f.nenv = 1;
	struct cuvet_error err = {0};
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, &err);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 1);
	assert_ptr_equal(h->visible[0], &gpus[1]);
	assert_ptr_equal(h->consumer, &gpus[1]);
	assert_false(h->all_datacenter);
	cuvet_host_free(h);

	/* the workload's environment, not the probed one */
	char *workload[] = {(char *)"CUDA_VISIBLE_DEVICES=0", NULL};
	struct cuvet_host_opts o = {.env = workload};
	h = cuvet_host_new(ctx, &f, &o, &err);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 1);
	assert_ptr_equal(h->visible[0], &gpus[0]);
	assert_true(h->all_datacenter);
	cuvet_host_free(h);

	/* CUDA stops at the first invalid entry: "" and "-1" hide every GPU */
	char *none[] = {(char *)"CUDA_VISIBLE_DEVICES=-1,0", NULL};
	o.env = none;
	h = cuvet_host_new(ctx, &f, &o, &err);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 0);
	assert_false(h->all_datacenter);
	cuvet_host_free(h);

	/* a list typed by a user: an entry naming no GPU is an error */
	struct cuvet_host_opts typed = {.visible_devices = "GPU-bbbb,7"};
	assert_null(cuvet_host_new(ctx, &f, &typed, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "no GPU '7' in the facts (2 GPUs)");
	typed.visible_devices = "GPU-bbbb";
	h = cuvet_host_new(ctx, &f, &typed, &err);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 1);
	assert_ptr_equal(h->visible[0], &gpus[1]);
	cuvet_host_free(h);

	/* facts without GPUs: a typed list still names GPUs that are not there */
	struct cuvet_facts empty;
	memset(&empty, 0, sizeof(empty));
	typed.visible_devices = "7";
	assert_null(cuvet_host_new(ctx, &empty, &typed, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	typed.visible_devices = "none";
	h = cuvet_host_new(ctx, &empty, &typed, &err);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 0);
	cuvet_host_free(h);
}

/* How the driver (CUDA 12.2) runs each copy: an older or equal major natively, a cudart of a
 * newer 12.x minor by minor-version compatibility, a CUDA 13 copy not at all unless a compat
 * libcuda of CUDA 13 is in effect; cuDNN of another major than the cudart a process loads is a
 * mismatch. */
static void test_lib_run(void **state)
{
	(void)state;
	struct cuvet_lib libs[] = {
		lib("cudart", "libcudart.so.12", "/a/libcudart.so.12", "12.4.127", 12, true, false),
		lib("cudart", "libcudart.so.11.0", "/b/libcudart.so.11.0", "11.8.89", 11, false, false),
		lib("cublas", "libcublas.so.13", "/c/libcublas.so.13", "13.0.2.14", 13, true, false),
		lib("cudnn", "libcudnn.so.9", "/d/libcudnn.so.9", "9.14.0", 13, true, false),
		lib("cudnn", "libcudnn.so.9", "/e/libcudnn.so.9", "9.1.0", 12, false, false),
		lib("nvrtc", "libnvrtc.so.12", "/f/libnvrtc.so.12", "12.4.127", 12, true, false),
	};
	struct cuvet_gpu dc[] = {gpu(0, "GPU-a", "datacenter", "nvidia")};
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.present = f.driver.module_loaded = true;
	f.driver.kernel_version = (char *)"535.104.05";
	f.driver.cuda_driver_version = 12020;
	f.driver.cuda_driver_source = (char *)"nvml";
	f.libs = libs;
	f.nlibs = sizeof(libs) / sizeof(libs[0]);
	f.gpus = dc;
	f.ngpus = 1;
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_int_equal(h->runtime_major, 12);
	assert_int_equal(h->libs[0].run, CUVET_LIB_RUN_MINOR_COMPAT);
	assert_int_equal(h->libs[1].run, CUVET_LIB_RUN_NATIVE);
	assert_int_equal(h->libs[2].run, CUVET_LIB_RUN_NO); /* no compat libcuda in effect */
	assert_int_equal(h->libs[3].run, CUVET_LIB_RUN_NO);
	assert_true(h->libs[3].major_mismatch);  /* cuDNN for 13 beside the cudart 12 a process loads */
	assert_false(h->libs[4].major_mismatch); /* not loaded */
	assert_true(h->libs[5].checked);         /* NVRTC runs on the driver too */
	assert_int_equal(h->libs[5].run, CUVET_LIB_RUN_NATIVE);
	assert_ptr_equal(h->runtime, &libs[0]);
	cuvet_host_free(h);

	/* a cuda-compat 13.0 libcuda (580.65.06) picked on this data-center GPU: CUDA 13 copies run */
	struct cuvet_lib with_compat[7];
	memcpy(with_compat, libs, sizeof(libs));
	with_compat[6] = lib("cuda", "libcuda.so.1", "/usr/local/cuda-13.0/compat/libcuda.so.580.65.06", "580.65.06", 0,
			     true, true);
	f.libs = with_compat;
	f.nlibs = 7;
	h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_true(h->forward_compat);
	assert_int_equal(h->cuda_effective, 13000);
	assert_int_equal(h->libs[2].run, CUVET_LIB_RUN_FORWARD_COMPAT);
	assert_false(h->libs[6].checked); /* the driver's own library */
	cuvet_host_free(h);

	/* two cudarts of different majors, each its own SONAME's pick: no single runtime */
	f.libs = libs;
	f.nlibs = sizeof(libs) / sizeof(libs[0]);
	libs[1].default_pick = true;
	h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_true(h->runtime_ambiguous);
	assert_null(h->runtime);
	assert_false(h->libs[3].major_mismatch);
	cuvet_host_free(h);
	libs[1].default_pick = false;

}

static const struct cuvet_finding *finding(const struct cuvet_findings *fs, const char *id, size_t *count)
{
	const struct cuvet_finding *first = NULL;
	*count = 0;
	for (size_t i = 0; i < fs->count; i++)
		if (strcmp(fs->items[i].id, id) == 0) {
			if (!first)
				first = &fs->items[i];
			(*count)++;
		}
	return first;
}

/* check and doctor over one host view: the check's workload problem ids (in order) and whether
 * doctor finds ID at error severity. */
static void judge(const struct cuvet_host *h, enum cuvet_verdict want, const char *want_id, const char *doctor_set)
{
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_non_null(c);
	assert_int_equal(cuvet_check_eval(c, h, NULL, &err), 0);
	assert_int_equal(c->workload_verdict, want);
	assert_int_equal(c->verdict == CUVET_FAIL, want == CUVET_FAIL);
	if (want_id) {
		assert_int_equal(c->nworkload, 1);
		assert_string_equal(c->workload[0].id, want_id);
	} else {
		assert_int_equal(c->nworkload, 0);
	}
	const char *sets[] = {doctor_set, NULL};
	struct cuvet_doctor_opts o;
	cuvet_doctor_opts_init(&o);
	o.rule_sets = sets;
	struct cuvet_findings *fs = cuvet_doctor(h, &o, &err);
	assert_non_null(fs);
	if (want_id) {
		size_t n;
		const struct cuvet_finding *x = finding(fs, want_id, &n);
		assert_non_null(x);
		assert_int_equal(n, 1);
		assert_int_equal(x->severity, CUVET_SEV_ERROR);
	}
	/* and none of the other two conditions (nor this one when none is wanted) at error severity */
	static const char *const ids[] = {"compat-older-than-driver", "compat-unsupported-gpu", "no-visible-gpu"};
	for (size_t k = 0; k < 3; k++) {
		if (want_id && strcmp(ids[k], want_id) == 0)
			continue;
		for (size_t i = 0; i < fs->count; i++)
			if (strcmp(fs->items[i].id, ids[k]) == 0)
				assert_int_not_equal(fs->items[i].severity, CUVET_SEV_ERROR);
	}
	cuvet_findings_free(fs);
	cuvet_check_free(c);
}

/* The libcuda a process loads against the kernel module: a compat copy older than the driver is
 * error 803 (compat_stale), one of another version on a consumer GPU error 804
 * (compat_unsupported); check and doctor both read these fields. */
static void test_compat_stale_unsupported(void **state)
{
	(void)state;
	struct cuvet_lib libs[] = {
		lib("cuda", "libcuda.so.1", "/usr/local/cuda-13.0/compat/libcuda.so.580.95.05", "580.95.05", 0, true, true),
		lib("cuda", "libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.580.159.04", "580.159.04", 0, false, false),
	};
	libs[0].found_via = (char *)"LD_LIBRARY_PATH";
	struct cuvet_toolkit tk;
	memset(&tk, 0, sizeof(tk));
	tk.path = (char *)"/usr/local/cuda-13.0";
	tk.compat_dir = (char *)"/usr/local/cuda-13.0/compat";
	tk.compat_libcuda_version = (char *)"580.95.05";
	struct cuvet_gpu gpus[] = {gpu(0, "GPU-a", "datacenter", "nvidia")};
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.present = f.driver.module_loaded = true;
	f.driver.kernel_version = (char *)"580.159.04";
	f.driver.libcuda_path = libs[0].path;
	f.driver.libcuda_version = libs[0].version;
	f.libs = libs;
	f.nlibs = 2;
	f.gpus = gpus;
	f.ngpus = 1;
	f.toolkits = &tk;
	f.ntoolkits = 1;
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_true(h->compat_picked);
	assert_string_equal(h->compat_version, "580.95.05");
	assert_false(h->forward_compat);
	assert_true(h->compat_stale);
	assert_false(h->compat_unsupported);
	judge(h, CUVET_FAIL, "compat-older-than-driver", "libraries");
	cuvet_host_free(h);

	/* the same copy outside any toolkit's compat directory: doctor still says it, from the view */
	f.ntoolkits = 0;
	h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_true(h->compat_stale);
	judge(h, CUVET_FAIL, "compat-older-than-driver", "libraries");
	cuvet_host_free(h);
	f.ntoolkits = 1;

	/* not picked (the driver's own libcuda is): nothing the workload hits */
	libs[0].default_pick = false;
	libs[1].default_pick = true;
	f.driver.libcuda_path = libs[1].path;
	f.driver.libcuda_version = libs[1].version;
	h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_false(h->compat_picked);
	assert_false(h->compat_stale);
	judge(h, CUVET_PASS, NULL, "libraries");
	cuvet_host_free(h);

	/* a newer compat copy (forward compatibility) on a GeForce: 804, not 803 */
	struct cuvet_lib newer[] = {
		lib("cuda", "libcuda.so.1", "/usr/local/cuda-12.4/compat/libcuda.so.550.54.15", "550.54.15", 0, true, true),
	};
	struct cuvet_gpu geforce[] = {gpu(0, "GPU-g", "consumer", "geforce")};
	f.driver.kernel_version = (char *)"535.104.05";
	f.driver.libcuda_path = newer[0].path;
	f.driver.libcuda_version = newer[0].version;
	f.libs = newer;
	f.nlibs = 1;
	f.gpus = geforce;
	tk.path = (char *)"/usr/local/cuda-12.4";
	tk.compat_dir = (char *)"/usr/local/cuda-12.4/compat";
	tk.compat_libcuda_version = (char *)"550.54.15";
	h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_true(h->forward_compat);
	assert_false(h->compat_stale);
	assert_true(h->compat_unsupported);
	judge(h, CUVET_FAIL, "compat-unsupported-gpu", "libraries");
	cuvet_host_free(h);

	/* the same on a data-center GPU: forward compatibility works */
	f.gpus = gpus;
	h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_true(h->forward_compat);
	assert_false(h->compat_unsupported);
	judge(h, CUVET_PASS, NULL, "libraries");
	cuvet_host_free(h);

	/* no kernel module: the driver is unknown, so is staleness */
	f.driver.kernel_version = NULL;
	f.driver.module_loaded = false;
	f.libs = libs;
	f.nlibs = 2;
	libs[0].default_pick = true;
	libs[1].default_pick = false;
	f.driver.libcuda_path = libs[0].path;
	f.driver.libcuda_version = libs[0].version;
	h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_null(h->driver);
	assert_false(h->compat_stale);
	cuvet_host_free(h);
}

/* The workload's environment (an env file with facts from elsewhere) has its own LD_LIBRARY_PATH:
 * the libcuda.so.1 its loader picks is the first copy the facts list in those directories, else
 * the copy the cache names — not the pick made under the probed environment. */
static void test_workload_libcuda(void **state)
{
	(void)state;
	struct cuvet_lib libs[] = {
		lib("cuda", "libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "580.159.04", 0, true, false),
		lib("cuda", "libcuda.so.1", "/usr/local/cuda-13.0/compat/libcuda.so.1", "580.95.05", 0, false, true),
	};
	libs[0].cache_pick = true;
	libs[1].real_path = (char *)"/usr/local/cuda-13.0/compat/libcuda.so.580.95.05";
	struct cuvet_gpu gpus[] = {gpu(0, "GPU-a", "datacenter", "nvidia")};
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.present = f.driver.module_loaded = true;
	f.driver.kernel_version = (char *)"580.159.04";
	f.driver.libcuda_path = libs[0].path;
	f.driver.libcuda_version = libs[0].version;
	f.libs = libs;
	f.nlibs = 2;
	f.gpus = gpus;
	f.ngpus = 1;
	/* probed without LD_LIBRARY_PATH; the workload puts the compat directory first (a trailing '/') */
	char *stale[] = {(char *)"LD_LIBRARY_PATH=/opt/none:/usr/local/cuda-13.0/compat/", NULL};
	struct cuvet_host_opts o = {.env = stale};
	struct cuvet_host *h = cuvet_host_new(ctx, &f, &o, NULL);
	assert_non_null(h);
	assert_ptr_equal(h->libcuda, &libs[1]);
	assert_true(h->compat_picked);
	assert_true(h->compat_stale);
	judge(h, CUVET_FAIL, "compat-older-than-driver", "libraries");
	cuvet_host_free(h);

	/* a directory holding no libcuda: the cache's copy */
	char *other[] = {(char *)"LD_LIBRARY_PATH=/opt/app/lib", NULL};
	o.env = other;
	h = cuvet_host_new(ctx, &f, &o, NULL);
	assert_non_null(h);
	assert_ptr_equal(h->libcuda, &libs[0]);
	assert_false(h->compat_picked);
	assert_false(h->compat_stale);
	cuvet_host_free(h);

	/* probed with the compat directory on LD_LIBRARY_PATH, the workload without it */
	struct cuvet_kv env[] = {{(char *)"LD_LIBRARY_PATH", (char *)"/usr/local/cuda-13.0/compat"}};
	f.env = env;
	f.nenv = 1;
	libs[0].default_pick = false;
	libs[1].default_pick = true;
	h = cuvet_host_new(ctx, &f, NULL, NULL); /* the facts as probed */
	assert_non_null(h);
	assert_ptr_equal(h->libcuda, &libs[1]);
	assert_true(h->compat_stale);
	cuvet_host_free(h);
	char *clean[] = {(char *)"NVIDIA_REQUIRE_CUDA=cuda>=13.0", NULL};
	o.env = clean;
	h = cuvet_host_new(ctx, &f, &o, NULL);
	assert_non_null(h);
	assert_ptr_equal(h->libcuda, &libs[0]);
	assert_false(h->compat_stale);
	judge(h, CUVET_PASS, NULL, "libraries");
	cuvet_host_free(h);
	/* the same LD_LIBRARY_PATH as probed: the facts' pick stands */
	char *same[] = {(char *)"LD_LIBRARY_PATH=/usr/local/cuda-13.0/compat", NULL};
	o.env = same;
	h = cuvet_host_new(ctx, &f, &o, NULL);
	assert_non_null(h);
	assert_ptr_equal(h->libcuda, &libs[1]);
	assert_true(h->compat_stale);
	cuvet_host_free(h);
}

/* The facts have GPUs; CUDA_VISIBLE_DEVICES leaving none is a mistake (gpus_hidden), while
 * NVIDIA_VISIBLE_DEVICES=none or a typed --visible-devices none asks for no GPU on purpose. */
static void test_gpus_hidden(void **state)
{
	(void)state;
	struct cuvet_gpu gpus[] = {gpu(0, "GPU-aaaa", "datacenter", "nvidia")};
	gpus[0].visible = false; /* as probed under CUDA_VISIBLE_DEVICES=7 */
	struct cuvet_kv env[] = {{(char *)"CUDA_VISIBLE_DEVICES", (char *)"7"}};
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.present = f.driver.module_loaded = true;
	f.driver.kernel_version = (char *)"580.159.04";
	f.gpus = gpus;
	f.ngpus = 1;
	f.env = env;
	f.nenv = 1;
	/* the facts' own environment */
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 0);
	assert_true(h->gpus_hidden);
	assert_string_equal(h->cuda_visible_devices, "7");
	judge(h, CUVET_FAIL, "no-visible-gpu", "driver");
	cuvet_host_free(h);

	/* the workload's environment decides, not the facts': "0" shows the GPU */
	gpus[0].visible = true;
	char *ok[] = {(char *)"CUDA_VISIBLE_DEVICES=0", NULL};
	struct cuvet_host_opts o = {.env = ok};
	h = cuvet_host_new(ctx, &f, &o, NULL);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 1);
	assert_false(h->gpus_hidden);
	judge(h, CUVET_PASS, NULL, "driver");
	cuvet_host_free(h);

	/* "-1", "" and an index past the GPUs hide it */
	const char *bad[] = {"CUDA_VISIBLE_DEVICES=-1", "CUDA_VISIBLE_DEVICES=", "CUDA_VISIBLE_DEVICES=7",
			     "CUDA_VISIBLE_DEVICES=GPU-ffff"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *e[] = {(char *)bad[i], NULL};
		o.env = e;
		h = cuvet_host_new(ctx, &f, &o, NULL);
		assert_non_null(h);
		assert_int_equal(h->nvisible, 0);
		assert_true(h->gpus_hidden);
		assert_string_equal(h->cuda_visible_devices, strchr(bad[i], '=') + 1);
		judge(h, CUVET_FAIL, "no-visible-gpu", "driver");
		cuvet_host_free(h);
	}

	/* NVIDIA_VISIBLE_DEVICES=none: no GPU wanted, whatever CUDA_VISIBLE_DEVICES says */
	char *none[] = {(char *)"NVIDIA_VISIBLE_DEVICES=none", (char *)"CUDA_VISIBLE_DEVICES=7", NULL};
	o.env = none;
	h = cuvet_host_new(ctx, &f, &o, NULL);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 0);
	assert_false(h->gpus_hidden);
	judge(h, CUVET_PASS, NULL, "driver");
	cuvet_host_free(h);

	/* a typed list: the user's choice */
	struct cuvet_host_opts typed = {.visible_devices = "none"};
	h = cuvet_host_new(ctx, &f, &typed, NULL);
	assert_non_null(h);
	assert_int_equal(h->nvisible, 0);
	assert_false(h->gpus_hidden);
	cuvet_host_free(h);

	/* facts without GPUs: nothing to hide */
	f.ngpus = 0;
	f.gpus = NULL;
	h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	assert_false(h->gpus_hidden);
	assert_string_equal(h->cuda_visible_devices, "7");
	cuvet_host_free(h);
}

/* LD_LIBRARY_PATH shadowing the cache: one finding whatever the number of SONAMEs, a note when
 * every copy is of the cache's version, a warning naming those whose versions differ. */
static void test_shadows_once(void **state)
{
	(void)state;
	static const char *const names[] = {"libcublas.so.12", "libcublasLt.so.12", "libcufft.so.11", "libcurand.so.10"};
	static const char *const fam[] = {"cublas", "cublasLt", "cufft", "curand"};
	struct cuvet_lib libs[8];
	char paths[8][64];
	for (size_t i = 0; i < 4; i++) {
		snprintf(paths[2 * i], sizeof(paths[0]), "/opt/app/lib/%s", names[i]);
		snprintf(paths[2 * i + 1], sizeof(paths[0]), "/usr/local/cuda/lib64/%s", names[i]);
		libs[2 * i] = lib(fam[i], names[i], paths[2 * i], "12.4.5", 12, true, false);
		libs[2 * i].found_via = (char *)"LD_LIBRARY_PATH";
		libs[2 * i + 1] = lib(fam[i], names[i], paths[2 * i + 1], "12.4.5", 12, false, false);
		libs[2 * i + 1].cache_pick = true;
	}
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.libs = libs;
	f.nlibs = 8;
	const char *sets[] = {"libraries", NULL};
	struct cuvet_doctor_opts o;
	cuvet_doctor_opts_init(&o);
	o.rule_sets = sets;
	struct cuvet_error err = {0};
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, &err);
	assert_non_null(h);
	struct cuvet_findings *fs = cuvet_doctor(h, &o, &err);
	assert_non_null(fs);
	size_t n;
	const struct cuvet_finding *x = finding(fs, "ld-library-path-shadows", &n);
	assert_int_equal(n, 1);
	assert_int_equal(x->severity, CUVET_SEV_INFO);
	assert_string_equal(x->summary, "LD_LIBRARY_PATH shadows the cache for 4 libraries of the same versions");
	assert_non_null(strstr(x->cause, "libcublas.so.12, libcublasLt.so.12, libcufft.so.11, libcurand.so.10"));
	cuvet_findings_free(fs);
	cuvet_host_free(h);

	/* two of them of other versions: one warning naming those two */
	libs[3].version = (char *)"12.2.1";
	libs[7].version = (char *)"10.3.5";
	h = cuvet_host_new(ctx, &f, NULL, &err);
	assert_non_null(h);
	fs = cuvet_doctor(h, &o, &err);
	assert_non_null(fs);
	x = finding(fs, "ld-library-path-shadows", &n);
	assert_int_equal(n, 1);
	assert_int_equal(x->severity, CUVET_SEV_WARNING);
	assert_string_equal(x->summary,
			    "LD_LIBRARY_PATH shadows the cache for 2 libraries of other versions: libcublasLt.so.12, libcurand.so.10");
	assert_non_null(strstr(x->cause, "same version (libcublas.so.12, libcufft.so.11)"));
	cuvet_findings_free(fs);
	cuvet_host_free(h);
}

/* The registry: sets by name, an unknown name refused; findings come errors first whatever the
 * rule order, and the limit keeps the most severe. Driver 470 (CUDA 11.4) with two cudart 12
 * copies: the libraries set warns of the duplicate before the knowledge-base set finds that
 * the driver cannot run them (an error). */
static void test_doctor_sets(void **state)
{
	(void)state;
	struct cuvet_lib libs[] = {
		lib("cudart", "libcudart.so.12", "/a/libcudart.so.12", "12.4.127", 12, true, false),
		lib("cudart", "libcudart.so.12", "/b/libcudart.so.12", "12.2.140", 12, false, false),
	};
	libs[0].version_source = libs[1].version_source = (char *)"file-name";
	libs[0].cuda_major_source = libs[1].cuda_major_source = (char *)"soname:libcudart.so.12";
	struct cuvet_gpu gpus[] = {gpu(0, "GPU-t4", "datacenter", "tesla")};
	gpus[0].cc_major = 7;
	gpus[0].cc_minor = 5;
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.root = (char *)"/";
	f.driver.present = f.driver.module_loaded = true;
	f.driver.kernel_version = (char *)"470.256.02";
	f.driver.cuda_driver_version = 11040;
	f.driver.cuda_driver_source = (char *)"nvml";
	f.driver.nvml_status = 0;
	f.libs = libs;
	f.nlibs = 2;
	f.gpus = gpus;
	f.ngpus = 1;
	struct cuvet_host *h = cuvet_host_new(ctx, &f, NULL, NULL);
	assert_non_null(h);
	struct cuvet_findings *all = cuvet_doctor(h, NULL, NULL);
	assert_non_null(all);
	assert_true(all->count >= 2);
	size_t dup = all->count, lib = all->count;
	for (size_t i = 0; i < all->count; i++) {
		if (strcmp(all->items[i].id, "duplicate-library") == 0)
			dup = i;
		if (strcmp(all->items[i].id, "library-needs-newer-driver") == 0)
			lib = i;
		if (i)
			assert_true(all->items[i - 1].severity >= all->items[i].severity);
	}
	assert_true(lib < dup && dup < all->count);
	assert_int_equal(all->items[lib].severity, CUVET_SEV_ERROR);

	const char *libs_only[] = {"libraries", NULL};
	struct cuvet_doctor_opts o;
	cuvet_doctor_opts_init(&o);
	o.rule_sets = libs_only;
	struct cuvet_findings *some = cuvet_doctor(h, &o, NULL);
	assert_non_null(some);
	assert_int_equal(some->count, 1);
	assert_string_equal(some->items[0].id, "duplicate-library");
	cuvet_findings_free(some);

	const char *bad[] = {"drivers", NULL};
	o.rule_sets = bad;
	struct cuvet_error err = {0};
	assert_null(cuvet_doctor(h, &o, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);

	o.rule_sets = NULL;
	o.max_findings = 1;
	struct cuvet_findings *one = cuvet_doctor(h, &o, NULL);
	assert_non_null(one);
	assert_int_equal(one->count, 1);
	assert_string_equal(one->items[0].id, all->items[0].id);
	assert_int_equal(one->items[0].severity, CUVET_SEV_ERROR);
	assert_int_equal(one->dropped, all->count - 1);
	cuvet_findings_free(one);
	cuvet_findings_free(all);
	cuvet_host_free(h);

	const char *const *names = cuvet_doctor_rule_sets();
	assert_string_equal(names[0], "driver");
	assert_string_equal(names[3], "gpu-code");
	assert_null(names[4]);
}

static void test_ctx(void **state)
{
	(void)state;
	struct cuvet_ctx_opts o;
	cuvet_ctx_opts_init(&o);
	o.today = "2026-13";
	struct cuvet_error err = {0};
	assert_null(cuvet_ctx_new(&o, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(cuvet_ctx_today(ctx), "2026-11-29");
	assert_non_null(cuvet_ctx_kb(ctx));
	assert_int_equal(cuvet_verdict_exit(CUVET_PASS), 0);
	assert_int_equal(cuvet_verdict_exit(CUVET_FAIL), 1);
	assert_int_equal(cuvet_verdict_exit(CUVET_UNKNOWN), 3);
	assert_int_equal(cuvet_verdict_exit(CUVET_ERROR), 4);
	assert_int_equal(cuvet_severity_exit(CUVET_SEV_WARNING), 0);
	assert_int_equal(cuvet_severity_exit(CUVET_SEV_ERROR), 1);
}

/* The frameworks' processes (cuvet_why_resolve_python) as an input of the host view: it keeps the
 * preloaded-copy and pinned-version problems of warning or error severity, with cause and fix;
 * check fails on each error, doctor's "libraries" set reports each under the same id. */
static void test_frameworks(void **state)
{
	(void)state;
	struct cuvet_gpu gpus[] = {gpu(0, "GPU-aaaa", "datacenter", "nvidia")};
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.present = f.driver.module_loaded = true;
	f.driver.kernel_version = (char *)"580.95.05";
	f.gpus = gpus;
	f.ngpus = 1;
	struct cuvet_why_object objs[2];
	memset(objs, 0, sizeof(objs));
	objs[0].name = objs[0].path = (char *)"/sp/torch/lib/libtorch_global_deps.so";
	objs[0].rule = CUVET_WHY_INPUT;
	objs[0].loader = CUVET_WHY_NONE;
	objs[1].name = (char *)"libcudnn.so.9";
	objs[1].path = (char *)"/opt/cudnn914/libcudnn.so.9";
	objs[1].version = (char *)"9.14.0";
	objs[1].rule = CUVET_WHY_LD_LIBRARY_PATH;
	objs[1].search_dir = (char *)"/opt/cudnn914";
	struct cuvet_why_problem probs[] = {
		{CUVET_WHY_P_PRELOADED, CUVET_SEV_ERROR, "preloaded-copy", 1, (char *)"preloaded 9.14", 0,
		 (char *)"/sp/nvidia/cudnn/lib/libcudnn.so.9", (char *)"9.19.0.56"},
		{CUVET_WHY_P_COPIES, CUVET_SEV_WARNING, "several-copies", 1, (char *)"copies", CUVET_WHY_NONE, NULL, NULL},
		{CUVET_WHY_P_PRELOADED, CUVET_SEV_INFO, "preloaded-copy", 1, (char *)"same version", 0, NULL, NULL},
		{CUVET_WHY_P_PIN, CUVET_SEV_ERROR, "pinned-version", 1, (char *)"pinned 9.19.0.56", CUVET_WHY_NONE,
		 (char *)"/sp/torch-2.11.0.dist-info", (char *)"9.19.0.56"},
	};
	struct cuvet_why w;
	memset(&w, 0, sizeof(w));
	w.target = w.python = (char *)"torch";
	w.objects = objs;
	w.nobjects = 2;
	w.problems = probs;
	w.nproblems = 4;
	const struct cuvet_why *fw[] = {&w};
	struct cuvet_host_opts o = {.frameworks = fw, .nframeworks = 1};
	struct cuvet_error err = {0};
	struct cuvet_host *h = cuvet_host_new(ctx, &f, &o, &err);
	assert_non_null(h);
	/* the several-copies warning and the same-version note are not the frameworks' rules */
	assert_int_equal(h->nframework_problems, 2);
	assert_ptr_equal(h->framework_problems[0].problem, &probs[0]);
	assert_ptr_equal(h->framework_problems[1].problem, &probs[3]);
	assert_non_null(strstr(h->framework_problems[0].cause, "/opt/cudnn914/libcudnn.so.9 (9.14.0, found by "
								    "LD_LIBRARY_PATH)"));
	assert_non_null(strstr(h->framework_problems[0].cause, "/sp/nvidia/cudnn/lib/libcudnn.so.9 (9.19.0.56)"));
	assert_non_null(strstr(h->framework_problems[0].cause, "libtorch_global_deps.so asks for the same SONAME"));
	assert_non_null(strstr(h->framework_problems[1].cause, "pins version 9.19.0.56"));
	assert_non_null(strstr(h->framework_problems[0].fix, "Remove /opt/cudnn914 from LD_LIBRARY_PATH"));
	assert_non_null(strstr(h->framework_problems[1].fix, "Remove /opt/cudnn914 from LD_LIBRARY_PATH"));

	struct cuvet_check *c = cuvet_check_new(&err);
	assert_non_null(c);
	assert_int_equal(cuvet_check_eval(c, h, NULL, &err), 0);
	assert_int_equal(c->workload_verdict, CUVET_FAIL);
	assert_int_equal(c->verdict, CUVET_FAIL);
	assert_int_equal(c->nworkload, 2);
	assert_string_equal(c->workload[0].id, "preloaded-copy");
	assert_string_equal(c->workload[0].summary, "preloaded 9.14");
	assert_string_equal(c->workload[1].id, "pinned-version");
	assert_string_equal(c->workload[1].summary, "pinned 9.19.0.56");
	assert_string_equal(c->workload[1].fix, h->framework_problems[1].fix);
	cuvet_check_free(c);

	const char *sets[] = {"libraries", NULL};
	struct cuvet_doctor_opts d;
	cuvet_doctor_opts_init(&d);
	d.rule_sets = sets;
	struct cuvet_findings *fs = cuvet_doctor(h, &d, &err);
	assert_non_null(fs);
	size_t n;
	const struct cuvet_finding *x = finding(fs, "pinned-version", &n);
	assert_int_equal(n, 1);
	assert_int_equal(x->severity, CUVET_SEV_ERROR);
	assert_string_equal(x->layer, "libraries");
	assert_string_equal(x->cause, h->framework_problems[1].cause);
	x = finding(fs, "preloaded-copy", &n);
	assert_int_equal(n, 1);
	assert_int_equal(x->severity, CUVET_SEV_ERROR);
	assert_null(finding(fs, "several-copies", &n));
	cuvet_findings_free(fs);
	cuvet_host_free(h);

	/* another copy of the same SONAME of unknown version (a warning in why): doctor warns, check
	 * passes; the copy not from LD_LIBRARY_PATH: the fix names its directory */
	probs[0].severity = CUVET_SEV_WARNING;
	probs[0].other_version = NULL;
	objs[1].rule = CUVET_WHY_CACHE;
	w.nproblems = 1;
	h = cuvet_host_new(ctx, &f, &o, &err);
	assert_non_null(h);
	assert_int_equal(h->nframework_problems, 1);
	assert_non_null(strstr(h->framework_problems[0].fix, "Make /opt/cudnn914 hold"));
	c = cuvet_check_new(&err);
	assert_non_null(c);
	assert_int_equal(cuvet_check_eval(c, h, NULL, &err), 0);
	assert_int_equal(c->workload_verdict, CUVET_PASS);
	assert_int_equal(c->nworkload, 0);
	cuvet_check_free(c);
	fs = cuvet_doctor(h, &d, &err);
	assert_non_null(fs);
	x = finding(fs, "preloaded-copy", &n);
	assert_int_equal(n, 1);
	assert_int_equal(x->severity, CUVET_SEV_WARNING);
	cuvet_findings_free(fs);
	cuvet_host_free(h);

	/* no frameworks: nothing */
	h = cuvet_host_new(ctx, &f, NULL, &err);
	assert_non_null(h);
	assert_int_equal(h->nframework_problems, 0);
	assert_null(h->framework_problems);
	cuvet_host_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compat_version_is_not_the_driver),
		cmocka_unit_test(test_forward_compat_in_effect),
		cmocka_unit_test(test_nvml_cuda),
		cmocka_unit_test(test_visibility),
		cmocka_unit_test(test_lib_run),
		cmocka_unit_test(test_compat_stale_unsupported),
		cmocka_unit_test(test_workload_libcuda),
		cmocka_unit_test(test_gpus_hidden),
		cmocka_unit_test(test_shadows_once),
		cmocka_unit_test(test_doctor_sets),
		cmocka_unit_test(test_frameworks),
		cmocka_unit_test(test_ctx),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
