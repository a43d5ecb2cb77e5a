/* probe_nvml against the NVML test double (tests/nvml-double), whose behaviour is set through
 * CUVET_FAKE_NVML_* in this process's environment (the probe's child inherits it). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "probe.h"

static const char *fake_nvml_path(void)
{
	const char *p = getenv("CUVET_TEST_FAKE_NVML");
	assert_non_null(p);
	return p;
}

static const char *fake_cuda_path(void)
{
	const char *p = getenv("CUVET_TEST_FAKE_CUDA");
	assert_non_null(p);
	return p;
}

struct run {
	struct cuvet_facts *facts;
	struct cuvet_probe_opts opts;
	struct probe_ctx pc;
	struct cuvet_error err;
	char *env[4];
	int rc;
	double seconds;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_or_unset(const char *key, const char *value)
{
	if (value)
		assert_int_equal(setenv(key, value, 1), 0);
	else
		assert_int_equal(unsetenv(key), 0);
}

/* Sets up the fake and a probe context for it. NVML/CUDA NULL: the fake libraries. */
static void run_setup(struct run *r, const char *mode, const char *gpus, const char *nvml_lib,
		      const char *cuda_lib, double timeout)
{
	memset(r, 0, sizeof(*r));
	set_or_unset("CUVET_FAKE_NVML_MODE", mode);
	set_or_unset("CUVET_FAKE_NVML_GPUS", gpus);
	r->opts.use_nvml = true;
	r->opts.load_libs = true;
	r->opts.timeout = timeout;
	r->opts.nvml_library = nvml_lib ? nvml_lib : fake_nvml_path();
	r->opts.cuda_library = cuda_lib ? cuda_lib : fake_cuda_path();
	r->facts = calloc(1, sizeof(*r->facts));
	assert_non_null(r->facts);
	r->pc.facts = r->facts;
	r->pc.fb.facts = r->facts;
	r->pc.opts = &r->opts;
	r->pc.env = r->env;
	r->pc.live = true;
}

/* Sets up the fake, runs probe_nvml once. */
static void run_probe(struct run *r, const char *mode, const char *gpus, const char *nvml_lib,
		      const char *cuda_lib, double timeout)
{
	run_setup(r, mode, gpus, nvml_lib, cuda_lib, timeout);
	double t0 = now();
	r->rc = probe_nvml(&r->pc, &r->err);
	r->seconds = now() - t0;
}

static void run_release(struct run *r)
{
	cuvet_facts_free(r->facts);
	r->facts = NULL;
}

/* No child may be left behind, running or as a zombie. */
static void assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void assert_gpu(const struct cuvet_gpu *g, int index, const char *name, const char *uuid,
		       const char *bus, uint32_t devid, int ccmaj, int ccmin, const char *brand,
		       uint64_t mib, int mig, int persist)
{
	assert_int_equal(g->index, index);
	assert_string_equal(g->name, name);
	assert_string_equal(g->uuid, uuid);
	assert_string_equal(g->pci_bus_id, bus);
	assert_int_equal(g->pci_device_id, devid);
	assert_int_equal(g->cc_major, ccmaj);
	assert_int_equal(g->cc_minor, ccmin);
	if (brand)
		assert_string_equal(g->brand, brand);
	else
		assert_null(g->brand);
	assert_int_equal(g->memory_mib, mib);
	assert_int_equal(g->mig_mode, mig);
	assert_int_equal(g->persistence_mode, persist);
	assert_string_equal(g->source, "nvml");
	if (ccmaj >= 0)
		assert_string_equal(g->cc_source, "nvml");
	else
		assert_null(g->cc_source);
	assert_true(g->visible);
	assert_false(g->lost);
}

static void test_one_gpu(void **state)
{
	(void)state;
	struct run r;
	unsetenv("CUVET_FAKE_NVML_DRIVER");
	unsetenv("CUVET_FAKE_NVML_VERSION");
	unsetenv("CUVET_FAKE_NVML_CUDA");
	run_probe(&r, "ok", NULL, NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	const struct cuvet_driver *d = &r.facts->driver;
	assert_int_equal(d->nvml_status, 0);
	assert_null(d->nvml_error);
	assert_string_equal(d->nvml_driver_version, "580.159.04");
	assert_string_equal(d->nvml_version, "13.580.159.04");
	assert_int_equal(d->cuda_driver_version, 13000);
	assert_string_equal(d->cuda_driver_source, "nvml");
	assert_true(d->present);
	assert_int_equal(r.facts->ngpus, 1);
	/* the fixture host's GPU, as nvidia-smi printed it (expected/nvidia-smi-query.csv) */
	assert_gpu(&r.facts->gpus[0], 0, "NVIDIA H200", "GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208",
		   "00000000:00:06.0", 0x233510DEu, 9, 0, "nvidia", 143771, 0, 1);
	run_release(&r);
	assert_no_children();
}

static void test_three_gpus(void **state)
{
	(void)state;
	struct run r;
	setenv("CUVET_FAKE_NVML_DRIVER", "550.127.05", 1);
	setenv("CUVET_FAKE_NVML_VERSION", "12.550.127.05", 1);
	setenv("CUVET_FAKE_NVML_CUDA", "12040", 1);
	run_probe(&r, NULL,
		  "NVIDIA H100 80GB HBM3,9.0,nvidia,81559,mig=1,pci=0x2330;"
		  "NVIDIA L40S,8.9,nvidia,46068,mig=-,pci=0x26b9,bus=00000000:CA:00.0;"
		  "Tesla T4,7.5,tesla,15360,persist=0,mig=-,pci=0x1eb8,uuid=GPU-0b1c2d3e-0000-1111-2222-333344445555",
		  NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	const struct cuvet_driver *d = &r.facts->driver;
	assert_int_equal(d->nvml_status, 0);
	assert_null(d->nvml_error);
	assert_string_equal(d->nvml_driver_version, "550.127.05");
	assert_string_equal(d->nvml_version, "12.550.127.05");
	assert_int_equal(d->cuda_driver_version, 12040);
	assert_string_equal(d->cuda_driver_source, "nvml");
	assert_int_equal(r.facts->ngpus, 3);
	assert_gpu(&r.facts->gpus[0], 0, "NVIDIA H100 80GB HBM3", "GPU-00000000-0000-0000-0000-000000000000",
		   "00000000:10:00.0", 0x233010DEu, 9, 0, "nvidia", 81559, 1, 1);
	assert_gpu(&r.facts->gpus[1], 1, "NVIDIA L40S", "GPU-11111111-1111-1111-1111-111111111111",
		   "00000000:CA:00.0", 0x26B910DEu, 8, 9, "nvidia", 46068, -1, 1);
	assert_gpu(&r.facts->gpus[2], 2, "Tesla T4", "GPU-0b1c2d3e-0000-1111-2222-333344445555",
		   "00000000:30:00.0", 0x1EB810DEu, 7, 5, "tesla", 15360, -1, 0);
	run_release(&r);
	unsetenv("CUVET_FAKE_NVML_DRIVER");
	unsetenv("CUVET_FAKE_NVML_VERSION");
	unsetenv("CUVET_FAKE_NVML_CUDA");
	assert_no_children();
}

/* NOT_SUPPORTED leaves a field unknown; a brand number newer than the table is "unknown",
 * as the container runtime would call it. */
static void test_not_supported_fields(void **state)
{
	(void)state;
	struct run r;
	run_probe(&r, "ok", "Odd GPU,-,-,-,mig=-,persist=-;Future GPU,10.0,42,1024;RTX,8.6,quadrortx,24564", NULL,
		  NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->ngpus, 3);
	assert_gpu(&r.facts->gpus[0], 0, "Odd GPU", "GPU-00000000-0000-0000-0000-000000000000", "00000000:10:00.0",
		   0x200010DEu, -1, -1, NULL, 0, -1, -1);
	assert_gpu(&r.facts->gpus[1], 1, "Future GPU", "GPU-11111111-1111-1111-1111-111111111111",
		   "00000000:20:00.0", 0x200110DEu, 10, 0, "unknown", 1024, 0, 1);
	assert_gpu(&r.facts->gpus[2], 2, "RTX", "GPU-22222222-2222-2222-2222-222222222222", "00000000:30:00.0",
		   0x200210DEu, 8, 6, "quadrortx", 24564, 0, 1);
	run_release(&r);
}

/* Every nvmlBrandType_t value maps to the runtime's spelling. */
static void test_brands(void **state)
{
	(void)state;
	static const char *const names[] = {"unknown", "quadro", "tesla", "nvs", "grid", "geforce",
					    "titan", "vapps", "vpc", "vcs", "vws", "cloudgaming",
					    "quadrortx", "nvidiartx", "nvidia", "geforcertx", "titanrtx"};
	char spec[1024] = "";
	for (size_t i = 0; i < 16; i++) {
		char one[32];
		snprintf(one, sizeof(one), "%sG%zu,8.0,%zu,1", i ? ";" : "", i, i);
		strcat(spec, one);
	}
	struct run r;
	run_probe(&r, "ok", spec, NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->ngpus, 16); /* the double holds at most 16 devices */
	for (size_t i = 0; i < 16; i++)
		assert_string_equal(r.facts->gpus[i].brand, names[i]);
	run_release(&r);

	run_probe(&r, "ok", "G,8.0,16,1", NULL, NULL, 0);
	assert_int_equal(r.facts->ngpus, 1);
	assert_string_equal(r.facts->gpus[0].brand, names[16]);
	run_release(&r);
}

static void test_lost_and_mig(void **state)
{
	(void)state;
	struct run r;
	run_probe(&r, "ok", "NVIDIA A100-SXM4-80GB,8.0,nvidia,81920;NVIDIA A100-SXM4-80GB,8.0,nvidia,81920,lost;"
			    "NVIDIA A100-SXM4-80GB,8.0,nvidia,81920,mig=1",
		  NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_int_equal(r.facts->ngpus, 3);
	const struct cuvet_gpu *g = &r.facts->gpus[1];
	assert_int_equal(g->index, 1);
	assert_true(g->lost);
	assert_null(g->name);
	assert_null(g->uuid);
	assert_null(g->pci_bus_id);
	assert_int_equal(g->pci_device_id, 0);
	assert_int_equal(g->cc_major, -1);
	assert_int_equal(g->cc_minor, -1);
	assert_null(g->brand);
	assert_int_equal(g->memory_mib, 0);
	assert_int_equal(g->mig_mode, -1);
	assert_int_equal(g->persistence_mode, -1);
	assert_string_equal(g->source, "nvml");
	assert_null(g->cc_source);
	assert_false(r.facts->gpus[0].lost);
	assert_int_equal(r.facts->gpus[0].mig_mode, 0);
	assert_false(r.facts->gpus[2].lost);
	assert_int_equal(r.facts->gpus[2].index, 2);
	assert_int_equal(r.facts->gpus[2].mig_mode, 1);
	assert_string_equal(r.facts->gpus[2].uuid, "GPU-22222222-2222-2222-2222-222222222222");
	run_release(&r);
}

/* Strings from the library cannot break the line protocol. */
static void test_control_characters(void **state)
{
	(void)state;
	struct run r;
	run_probe(&r, "ok", "Bad\nName\tX,9.0,nvidia,1", NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_int_equal(r.facts->ngpus, 1);
	assert_string_equal(r.facts->gpus[0].name, "Bad?Name?X");
	run_release(&r);
}

static void test_no_gpus(void **state)
{
	(void)state;
	struct run r;
	run_probe(&r, "ok", "", NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_null(r.facts->driver.nvml_error);
	assert_int_equal(r.facts->ngpus, 0);
	run_release(&r);
}

static const struct {
	const char *mode;
	int status;
	const char *message;
} init_errors[] = {
	{"rm_mismatch", 18, "NVML_ERROR_LIB_RM_VERSION_MISMATCH: Driver/library version mismatch"},
	{"driver_not_loaded", 9, "NVML_ERROR_DRIVER_NOT_LOADED: NVIDIA driver is not loaded"},
	{"no_permission", 4, "NVML_ERROR_NO_PERMISSION: Insufficient permissions"},
	{"gpu_lost", 15, "NVML_ERROR_GPU_IS_LOST: The GPU has fallen off the bus or has otherwise become inaccessible"},
	{"error:17", 17, "NVML_ERROR_OPERATING_SYSTEM: The GPU control device has been blocked by the operating system/cgroups"},
	{"error:999", 999, "NVML_ERROR_UNKNOWN: An internal driver error occurred"},
	/* a code cuvet does not know: NVML's own text */
	{"error:4242", 4242, "NVML error 4242: Fake NVML: unrecognised error code"},
};

/* Init fails; no libcuda either: every fact stays unknown. */
static void test_init_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(init_errors) / sizeof(init_errors[0]); i++) {
		struct run r;
		run_probe(&r, init_errors[i].mode, NULL, NULL, "/nonexistent/libcuda.so.1", 0);
		assert_int_equal(r.rc, 0);
		const struct cuvet_driver *d = &r.facts->driver;
		assert_int_equal(d->nvml_status, init_errors[i].status);
		assert_string_equal(d->nvml_error, init_errors[i].message);
		assert_null(d->nvml_driver_version);
		assert_null(d->nvml_version);
		assert_int_equal(d->cuda_driver_version, 0);
		assert_null(d->cuda_driver_source);
		assert_false(d->present);
		assert_int_equal(r.facts->ngpus, 0);
		run_release(&r);
	}
	assert_no_children();
}

/* load_libs off (--no-load): NVML is still asked, libcuda is not loaded for cuDriverGetVersion. */
static void test_no_load(void **state)
{
	(void)state;
	struct run r;
	setenv("CUVET_FAKE_CUDA_VERSION", "12040", 1);
	run_setup(&r, "rm_mismatch", NULL, NULL, NULL, 0);
	r.opts.load_libs = false;
	assert_int_equal(probe_nvml(&r.pc, &r.err), 0);
	assert_int_equal(r.facts->driver.nvml_status, 18);
	assert_int_equal(r.facts->driver.cuda_driver_version, 0);
	assert_null(r.facts->driver.cuda_driver_source);
	run_release(&r);
	unsetenv("CUVET_FAKE_CUDA_VERSION");
}

/* NVML fails, libcuda still tells which CUDA the driver supports. */
static void test_init_error_libcuda_fallback(void **state)
{
	(void)state;
	struct run r;
	setenv("CUVET_FAKE_CUDA_VERSION", "12040", 1);
	run_probe(&r, "rm_mismatch", NULL, NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->driver.nvml_status, 18);
	assert_string_equal(r.facts->driver.nvml_error,
			    "NVML_ERROR_LIB_RM_VERSION_MISMATCH: Driver/library version mismatch");
	assert_int_equal(r.facts->driver.cuda_driver_version, 12040);
	assert_string_equal(r.facts->driver.cuda_driver_source, "libcuda");
	run_release(&r);

	/* libcuda that fails its own call adds nothing */
	setenv("CUVET_FAKE_CUDA_VERSION", "error", 1);
	run_probe(&r, "driver_not_loaded", NULL, NULL, NULL, 0);
	assert_int_equal(r.facts->driver.nvml_status, 9);
	assert_int_equal(r.facts->driver.cuda_driver_version, 0);
	assert_null(r.facts->driver.cuda_driver_source);
	run_release(&r);
	unsetenv("CUVET_FAKE_CUDA_VERSION");
}

/* NVML works but cannot say the CUDA version: libcuda's answer, everything else from NVML. */
static void test_init_ok_no_cuda(void **state)
{
	(void)state;
	struct run r;
	setenv("CUVET_FAKE_CUDA_VERSION", "13000", 1);
	run_probe(&r, "init_ok_no_cuda", NULL, NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_null(r.facts->driver.nvml_error);
	assert_string_equal(r.facts->driver.nvml_driver_version, "580.159.04");
	assert_int_equal(r.facts->driver.cuda_driver_version, 13000);
	assert_string_equal(r.facts->driver.cuda_driver_source, "libcuda");
	assert_int_equal(r.facts->ngpus, 1);
	run_release(&r);

	run_probe(&r, "init_ok_no_cuda", NULL, NULL, "/nonexistent/libcuda.so.1", 0);
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_int_equal(r.facts->driver.cuda_driver_version, 0);
	assert_null(r.facts->driver.cuda_driver_source);
	assert_int_equal(r.facts->ngpus, 1);
	run_release(&r);
	unsetenv("CUVET_FAKE_CUDA_VERSION");
}

/* nvmlInit works but the device count does not: the driver facts stay, no GPUs. */
static void test_count_error(void **state)
{
	(void)state;
	struct run r;
	run_probe(&r, "count_error:999", NULL, NULL, "/nonexistent/libcuda.so.1", 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->driver.nvml_status, 999);
	assert_string_equal(r.facts->driver.nvml_error, "NVML_ERROR_UNKNOWN: An internal driver error occurred");
	assert_string_equal(r.facts->driver.nvml_driver_version, "580.159.04");
	assert_int_equal(r.facts->driver.cuda_driver_version, 13000);
	assert_int_equal(r.facts->ngpus, 0);
	run_release(&r);
}

static void test_library_not_found(void **state)
{
	(void)state;
	struct run r;
	setenv("CUVET_FAKE_CUDA_VERSION", "12040", 1);
	run_probe(&r, "ok", NULL, "/nonexistent/libnvidia-ml.so.1", NULL, 0);
	assert_int_equal(r.rc, 0);
	/* a library the caller named: its own status (-4), naming it, never a GPU fault */
	assert_int_equal(r.facts->driver.nvml_status, -4);
	assert_string_equal(r.facts->driver.nvml_error,
			    "the NVML library given (/nonexistent/libnvidia-ml.so.1) cannot be loaded: "
			    "/nonexistent/libnvidia-ml.so.1: cannot open shared object file: No such file or directory");
	assert_int_equal(r.facts->driver.cuda_driver_version, 12040);
	assert_string_equal(r.facts->driver.cuda_driver_source, "libcuda");
	assert_int_equal(r.facts->ngpus, 0);
	run_release(&r);
	unsetenv("CUVET_FAKE_CUDA_VERSION");

	/* a library that is not NVML at all */
	run_probe(&r, "ok", NULL, fake_cuda_path(), "/nonexistent/libcuda.so.1", 0);
	assert_int_equal(r.facts->driver.nvml_status, -4);
	char want[1024];
	snprintf(want, sizeof(want), "the NVML library given (%s) is not NVML: it has neither nvmlInit_v2 nor nvmlInit",
		 fake_cuda_path());
	assert_string_equal(r.facts->driver.nvml_error, want);
	run_release(&r);
}

/* With no library named in the options, $CUVET_NVML_LIBRARY of cuvet's own environment; the
 * probed environment (an image's env file) must never choose what cuvet loads. */
static void test_library_from_env(void **state)
{
	(void)state;
	struct run r;
	char var[1024];
	snprintf(var, sizeof(var), "CUVET_NVML_LIBRARY=%s", fake_nvml_path());

	/* named in the probed environment too: that one is ignored */
	run_setup(&r, "ok", NULL, NULL, "/nonexistent/libcuda.so.1", 0);
	r.env[0] = var;
	r.opts.nvml_library = NULL;
	setenv("CUVET_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
	assert_int_equal(probe_nvml(&r.pc, &r.err), 0);
	unsetenv("CUVET_NVML_LIBRARY");
	assert_int_equal(r.facts->driver.nvml_status, -4); /* the library named cannot be loaded */
	assert_int_equal(r.facts->ngpus, 0);
	run_release(&r);

	/* named in cuvet's own environment: used */
	run_setup(&r, "ok", NULL, NULL, "/nonexistent/libcuda.so.1", 0);
	r.opts.nvml_library = NULL;
	setenv("CUVET_NVML_LIBRARY", fake_nvml_path(), 1);
	assert_int_equal(probe_nvml(&r.pc, &r.err), 0);
	unsetenv("CUVET_NVML_LIBRARY");
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_int_equal(r.facts->ngpus, 1);
	assert_string_equal(r.facts->gpus[0].name, "NVIDIA H200");
	run_release(&r);
}

/* The parent reads the filesystem while the child asks NVML; an answer that arrived in time stays
 * valid however long the parent took before collecting it. */
static void test_answer_waiting_past_deadline(void **state)
{
	(void)state;
	struct run r;
	run_setup(&r, "ok", NULL, NULL, "/nonexistent/libcuda.so.1", 0.3);
	assert_int_equal(probe_nvml_start(&r.pc, &r.err), 0);
	struct timespec ts = {0, 600 * 1000 * 1000}; /* twice the deadline */
	nanosleep(&ts, NULL);
	assert_int_equal(probe_nvml_collect(&r.pc, &r.err), 0);
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_int_equal(r.facts->ngpus, 1);
	run_release(&r);
}

static void test_hang(void **state)
{
	(void)state;
	struct run r;
	run_probe(&r, "hang", NULL, NULL, NULL, 0.3);
	assert_int_equal(r.rc, 0);
	assert_true(r.seconds >= 0.3);
	assert_true(r.seconds < 2.0);
	assert_int_equal(r.facts->driver.nvml_status, -2);
	assert_string_equal(r.facts->driver.nvml_error, "NVML did not answer within 0.3 s (killed)");
	assert_null(r.facts->driver.nvml_driver_version);
	assert_int_equal(r.facts->driver.cuda_driver_version, 0);
	assert_int_equal(r.facts->ngpus, 0);
	run_release(&r);

	run_probe(&r, "hang", NULL, NULL, NULL, 0.05);
	assert_true(r.seconds < 1.0);
	assert_int_equal(r.facts->driver.nvml_status, -2);
	assert_string_equal(r.facts->driver.nvml_error, "NVML did not answer within 0.050 s (killed)");
	run_release(&r);
	assert_no_children();
}

/* The answer is complete before nvmlShutdown hangs: it stands, and the wait is short. */
static void test_shutdown_hang(void **state)
{
	(void)state;
	struct run r;
	run_probe(&r, "shutdown_hang", NULL, NULL, NULL, 5.0);
	assert_int_equal(r.rc, 0);
	assert_true(r.seconds < 2.0);
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_null(r.facts->driver.nvml_error);
	assert_int_equal(r.facts->ngpus, 1);
	assert_string_equal(r.facts->gpus[0].uuid, "GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208");
	run_release(&r);
	assert_no_children();
}

static void test_crash(void **state)
{
	(void)state;
	struct run r;
	run_probe(&r, "crash", NULL, NULL, NULL, 0);
	assert_int_equal(r.rc, 0);
	assert_true(r.seconds < 2.0);
	assert_int_equal(r.facts->driver.nvml_status, -3);
	assert_string_equal(r.facts->driver.nvml_error, "NVML crashed (signal 11)");
	assert_null(r.facts->driver.nvml_driver_version);
	assert_int_equal(r.facts->ngpus, 0);
	run_release(&r);
	assert_no_children();
}

/* An application that ignores SIGCHLD has its children reaped by the kernel; the answer
 * still counts. */
static void test_sigchld_ignored(void **state)
{
	(void)state;
	struct run r;
	void (*old)(int) = signal(SIGCHLD, SIG_IGN);
	run_probe(&r, "ok", NULL, NULL, NULL, 0);
	signal(SIGCHLD, old);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.facts->driver.nvml_status, 0);
	assert_int_equal(r.facts->ngpus, 1);
	run_release(&r);
}

static void test_not_asked(void **state)
{
	(void)state;
	struct run r;
	memset(&r, 0, sizeof(r));
	r.opts.use_nvml = true;
	r.opts.nvml_library = fake_nvml_path();
	r.facts = calloc(1, sizeof(*r.facts));
	assert_non_null(r.facts);
	r.pc.facts = r.facts;
	r.pc.fb.facts = r.facts;
	r.pc.opts = &r.opts;
	r.pc.env = r.env;
	r.pc.live = false; /* a --root tree: its libraries are data, never loaded */
	assert_int_equal(probe_nvml(&r.pc, &r.err), 0);
	assert_int_equal(r.facts->driver.nvml_status, -1);
	assert_null(r.facts->driver.nvml_error);
	assert_int_equal(r.facts->ngpus, 0);

	r.pc.live = true;
	r.opts.use_nvml = false;
	assert_int_equal(probe_nvml(&r.pc, &r.err), 0);
	assert_int_equal(r.facts->driver.nvml_status, -1);
	assert_int_equal(r.facts->ngpus, 0);
	run_release(&r);
	assert_no_children();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_gpu),
		cmocka_unit_test(test_three_gpus),
		cmocka_unit_test(test_not_supported_fields),
		cmocka_unit_test(test_brands),
		cmocka_unit_test(test_lost_and_mig),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_no_gpus),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_init_error_libcuda_fallback),
		cmocka_unit_test(test_init_ok_no_cuda),
		cmocka_unit_test(test_count_error),
		cmocka_unit_test(test_library_not_found),
		cmocka_unit_test(test_library_from_env),
		cmocka_unit_test(test_answer_waiting_past_deadline),
		cmocka_unit_test(test_hang),
		cmocka_unit_test(test_shutdown_hang),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_sigchld_ignored),
		cmocka_unit_test(test_not_asked),
		cmocka_unit_test(test_no_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
