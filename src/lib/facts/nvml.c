/*
 * NVML, asked in a child process with a deadline (design §4).
 *
 * Why a child: a wedged GPU or a driver/library mismatch can make NVML block forever inside
 * nvmlInit (this is what makes nvidia-smi hang), or crash, and a health check must do neither.
 * So the probe forks; the child dlopens libnvidia-ml (never linked: cuvet must run on machines
 * without a driver), asks its questions, writes the answers to a pipe and _exit()s. The parent
 * reads with a deadline, kills the child when it passes, and parses the answer strictly.
 *
 * The answer is line based, one "key=value" per line, in this order:
 *
 *   cuvet-nvml 1                      first line, protocol version
 *   status=<nvmlReturn_t>             always; 0 when NVML answered
 *   errstr=<text>                     nvmlErrorString(status), when NVML has it
 *   detail=<text>                     cuvet's own message when NVML itself could not be asked
 *                                     (dlopen failure, missing nvmlInit)
 *   driver=<text>  nvml=<text>        nvmlSystemGetDriverVersion, nvmlSystemGetNVMLVersion
 *   cuda=<int>  cuda_source=nvml|libcuda
 *   gpu=<index>                       starts a device; the keys below belong to it
 *     name= uuid= bus= devid=<hex> cc=<major>.<minor> brand=<int> mem=<bytes>
 *     mig=<0|1> persist=<0|1> lost=1
 *   end                               last line; anything after it is an error
 *
 * Keys that NVML could not answer are left out, so they stay unknown in the facts.
 *
 * libcuda (cuDriverGetVersion, when NVML cannot say the driver's CUDA) is loaded only when the
 * options allow loading host libraries (cuvet_probe_opts.load_libs; --no-load turns it off).
 *
 * A library named by the caller (--nvml-lib, $CUVET_NVML_LIBRARY) that cannot be loaded, or is
 * not NVML (no nvmlInit), is a problem of that invocation, not of the GPU or the driver: it is
 * reported as nvml_status CUVET_NVML_NOT_LOADABLE (-4), naming the path, never as an nvmlReturn_t.
 *
 * fork() without exec: the child runs only this file's code, dlopen and NVML. In a
 * multi-threaded caller (the exporter) a lock held by another thread at fork time could
 * block the child's dlopen or malloc; the deadline turns that into a timeout, not a hang.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* ---------------------------------------------------------------- NVML ABI ---- */
/* Declared here from NVIDIA's public nvml.h so that no NVIDIA header is needed to build. */

enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_LIBRARY_NOT_FOUND = 12,
	NVML_ERROR_FUNCTION_NOT_FOUND = 13,
	NVML_ERROR_GPU_IS_LOST = 15,
};

/* Buffer sizes from nvml.h (NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE and friends). */
#define NVML_VERSION_BUFFER 80
#define NVML_NAME_BUFFER 96
#define NVML_UUID_BUFFER 96

typedef struct nvml_device_st *nvml_device;

/* nvmlPciInfo_t as filled by nvmlDeviceGetPciInfo_v2 and _v3. */
struct nvml_pci_info {
	char bus_id_legacy[16];  /* "0000:00:06.0" */
	unsigned int domain;
	unsigned int bus;
	unsigned int device;
	unsigned int pci_device_id;  /* device << 16 | vendor */
	unsigned int pci_subsystem_id;
	char bus_id[32];         /* "00000000:00:06.0" */
};

/* nvmlMemory_t, in bytes. */
struct nvml_memory {
	unsigned long long total;
	unsigned long long free;
	unsigned long long used;
};

typedef int (*nvml_void_fn)(void);
typedef const char *(*nvml_errstr_fn)(int);
typedef int (*nvml_str_fn)(char *, unsigned int);
typedef int (*nvml_int_fn)(int *);
typedef int (*nvml_uint_fn)(unsigned int *);
typedef int (*nvml_handle_fn)(unsigned int, nvml_device *);
typedef int (*nvml_dev_str_fn)(nvml_device, char *, unsigned int);
typedef int (*nvml_dev_pci_fn)(nvml_device, struct nvml_pci_info *);
typedef int (*nvml_dev_cc_fn)(nvml_device, int *, int *);
typedef int (*nvml_dev_uint_fn)(nvml_device, unsigned int *);
typedef int (*nvml_dev_mem_fn)(nvml_device, struct nvml_memory *);
typedef int (*nvml_dev_mig_fn)(nvml_device, unsigned int *, unsigned int *);
typedef int (*cuda_version_fn)(int *);

/* nvmlReturn_t names and what they mean, from the comments of nvml.h. */
static const struct {
	int code;
	const char *name;
	const char *text;
} nvml_errors[] = {
	{1, "NVML_ERROR_UNINITIALIZED", "NVML was not initialized"},
	{2, "NVML_ERROR_INVALID_ARGUMENT", "A supplied argument is invalid"},
	{3, "NVML_ERROR_NOT_SUPPORTED", "The requested operation is not available on this device"},
	{4, "NVML_ERROR_NO_PERMISSION", "Insufficient permissions"},
	{5, "NVML_ERROR_ALREADY_INITIALIZED", "NVML was already initialized"},
	{6, "NVML_ERROR_NOT_FOUND", "A query to find an object was unsuccessful"},
	{7, "NVML_ERROR_INSUFFICIENT_SIZE", "An input argument is not large enough"},
	{8, "NVML_ERROR_INSUFFICIENT_POWER", "A device's external power cables are not properly attached"},
	{9, "NVML_ERROR_DRIVER_NOT_LOADED", "NVIDIA driver is not loaded"},
	{10, "NVML_ERROR_TIMEOUT", "User provided timeout passed"},
	{11, "NVML_ERROR_IRQ_ISSUE", "NVIDIA kernel detected an interrupt issue with a GPU"},
	{12, "NVML_ERROR_LIBRARY_NOT_FOUND", "NVML shared library couldn't be found or loaded"},
	{13, "NVML_ERROR_FUNCTION_NOT_FOUND", "Local version of NVML doesn't implement this function"},
	{14, "NVML_ERROR_CORRUPTED_INFOROM", "infoROM is corrupted"},
	{15, "NVML_ERROR_GPU_IS_LOST", "The GPU has fallen off the bus or has otherwise become inaccessible"},
	{16, "NVML_ERROR_RESET_REQUIRED", "The GPU requires a reset before it can be used again"},
	{17, "NVML_ERROR_OPERATING_SYSTEM", "The GPU control device has been blocked by the operating system/cgroups"},
	{18, "NVML_ERROR_LIB_RM_VERSION_MISMATCH", "Driver/library version mismatch"},
	{19, "NVML_ERROR_IN_USE", "An operation cannot be performed because the GPU is currently in use"},
	{20, "NVML_ERROR_MEMORY", "Insufficient memory"},
	{21, "NVML_ERROR_NO_DATA", "No data"},
	{22, "NVML_ERROR_VGPU_ECC_NOT_SUPPORTED", "The requested vGPU operation is not available because ECC is enabled"},
	{23, "NVML_ERROR_INSUFFICIENT_RESOURCES", "Ran out of critical resources, other than memory"},
	{24, "NVML_ERROR_FREQ_NOT_SUPPORTED", "The requested frequency is not supported"},
	{25, "NVML_ERROR_ARGUMENT_VERSION_MISMATCH", "The provided version is invalid/unsupported"},
	{26, "NVML_ERROR_DEPRECATED", "The requested functionality has been deprecated"},
	{27, "NVML_ERROR_NOT_READY", "The system is not ready for the request"},
	{28, "NVML_ERROR_GPU_NOT_FOUND", "No GPUs were found"},
	{29, "NVML_ERROR_INVALID_STATE", "Resource is in an invalid state"},
	{999, "NVML_ERROR_UNKNOWN", "An internal driver error occurred"},
};

/* nvmlBrandType_t values 0..16, spelled as the NVIDIA container runtime spells brands in
 * NVIDIA_REQUIRE_* ("brand=tesla"), so requirements can be matched against the fact. */
static const char *const nvml_brands[] = {
	"unknown", "quadro", "tesla", "nvs", "grid", "geforce", "titan",
	"vapps", "vpc", "vcs", "vws", "cloudgaming", "quadrortx", "nvidiartx",
	"nvidia", "geforcertx", "titanrtx",
};

/* nvml_status (include/cuvet.h) beside nvmlReturn_t: -1 not asked, -2 timed out, -3 crashed or
 * malformed answer, -4 the library the caller named cannot be loaded or is not NVML. */
#define CUVET_NVML_NOT_LOADABLE (-4)

#define NVML_DEFAULT_LIBRARY "libnvidia-ml.so.1"
#define CUDA_DEFAULT_LIBRARY "libcuda.so.1"
#define NVML_REPLY_MAX (1u << 20)  /* far above 64 GPUs' worth of lines */
#define NVML_MAX_DEVICES 1024u
#define NVML_VALUE_MAX 255

/* ------------------------------------------------------------------ child ---- */

/* The child writes through a fixed buffer: it must not depend on anything the parent was
 * doing, and a full pipe just blocks it until the parent reads (or kills it). */
struct child_out {
	int fd;
	size_t len;
	char buf[4096];
};

static void out_flush(struct child_out *o)
{
	size_t off = 0;
	while (off < o->len) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3); /* the parent went away; nobody is listening */
		off += (size_t)n;
	}
	o->len = 0;
}

static void out_raw(struct child_out *o, const char *s, size_t n)
{
	while (n) {
		if (o->len == sizeof(o->buf))
			out_flush(o);
		size_t k = sizeof(o->buf) - o->len;
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

static void out_line(struct child_out *o, const char *fmt, ...) CUVET_PRINTF(2, 3);
static void out_line(struct child_out *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 2;
	line[len++] = '\n';
	out_raw(o, line, len);
}

/* A string value from the library: control characters would break the line format and
 * the text is shown to people, so they become '?'; overlong values are cut. */
static void out_str(struct child_out *o, const char *key, const char *value)
{
	char clean[NVML_VALUE_MAX + 1];
	size_t n = 0;
	for (; value[n] && n < NVML_VALUE_MAX; n++) {
		unsigned char c = (unsigned char)value[n];
		clean[n] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	clean[n] = '\0';
	out_line(o, "%s=%s", key, clean);
}

static void *child_sym(void *lib, const char *name, const char *fallback)
{
	void *p = dlsym(lib, name);
	if (!p && fallback)
		p = dlsym(lib, fallback);
	return p;
}

/* The CUDA driver version from libcuda itself: cuDriverGetVersion needs no cuInit and works
 * even when the kernel module is not loaded, so it still answers when NVML cannot. */
static void child_libcuda(struct child_out *o, const char *cuda_lib)
{
	if (!cuda_lib)
		return; /* --no-load: no host library but NVML itself */
	void *lib = dlopen(cuda_lib, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return;
	cuda_version_fn get = (cuda_version_fn)child_sym(lib, "cuDriverGetVersion", NULL);
	int v = 0;
	if (get && get(&v) == 0 && v > 0) {
		out_line(o, "cuda=%d", v);
		out_line(o, "cuda_source=libcuda");
	}
}

static void child_status(struct child_out *o, void *lib, int rc)
{
	out_line(o, "status=%d", rc);
	nvml_errstr_fn errstr = lib ? (nvml_errstr_fn)child_sym(lib, "nvmlErrorString", NULL) : NULL;
	const char *s = errstr ? errstr(rc) : NULL;
	if (s)
		out_str(o, "errstr", s);
}

/* One device. A call that fails leaves its key out; GPU_IS_LOST from any call marks the
 * device lost, as nvidia-smi reports it. */
static void child_device(struct child_out *o, void *lib, unsigned int i)
{
	nvml_handle_fn handle = (nvml_handle_fn)child_sym(lib, "nvmlDeviceGetHandleByIndex_v2",
							  "nvmlDeviceGetHandleByIndex");
	nvml_dev_str_fn name = (nvml_dev_str_fn)child_sym(lib, "nvmlDeviceGetName", NULL);
	nvml_dev_str_fn uuid = (nvml_dev_str_fn)child_sym(lib, "nvmlDeviceGetUUID", NULL);
	nvml_dev_pci_fn pci = (nvml_dev_pci_fn)child_sym(lib, "nvmlDeviceGetPciInfo_v3",
							 "nvmlDeviceGetPciInfo_v2");
	nvml_dev_cc_fn cc = (nvml_dev_cc_fn)child_sym(lib, "nvmlDeviceGetCudaComputeCapability", NULL);
	nvml_dev_uint_fn brand = (nvml_dev_uint_fn)child_sym(lib, "nvmlDeviceGetBrand", NULL);
	nvml_dev_mem_fn mem = (nvml_dev_mem_fn)child_sym(lib, "nvmlDeviceGetMemoryInfo", NULL);
	nvml_dev_mig_fn mig = (nvml_dev_mig_fn)child_sym(lib, "nvmlDeviceGetMigMode", NULL);
	nvml_dev_uint_fn persist = (nvml_dev_uint_fn)child_sym(lib, "nvmlDeviceGetPersistenceMode", NULL);
	bool lost = false;
	int rc;

	out_line(o, "gpu=%u", i);
	nvml_device dev = NULL;
	rc = handle ? handle(i, &dev) : NVML_ERROR_FUNCTION_NOT_FOUND;
	if (rc != NVML_SUCCESS) {
		if (rc == NVML_ERROR_GPU_IS_LOST)
			out_line(o, "lost=1");
		return;
	}

	char buf[NVML_UUID_BUFFER > NVML_NAME_BUFFER ? NVML_UUID_BUFFER : NVML_NAME_BUFFER];
	if (name) {
		memset(buf, 0, sizeof(buf));
		rc = name(dev, buf, NVML_NAME_BUFFER);
		if (rc == NVML_SUCCESS)
			out_str(o, "name", buf);
		lost |= rc == NVML_ERROR_GPU_IS_LOST;
	}
	if (uuid) {
		memset(buf, 0, sizeof(buf));
		rc = uuid(dev, buf, NVML_UUID_BUFFER);
		if (rc == NVML_SUCCESS)
			out_str(o, "uuid", buf);
		lost |= rc == NVML_ERROR_GPU_IS_LOST;
	}
	if (pci) {
		struct nvml_pci_info p;
		memset(&p, 0, sizeof(p));
		rc = pci(dev, &p);
		if (rc == NVML_SUCCESS) {
			p.bus_id[sizeof(p.bus_id) - 1] = '\0';
			if (p.bus_id[0])
				out_str(o, "bus", p.bus_id);
			else /* NVML's own format, should a library leave the string empty */
				out_line(o, "bus=%08X:%02X:%02X.0", p.domain, p.bus, p.device);
			out_line(o, "devid=0x%08X", p.pci_device_id);
		}
		lost |= rc == NVML_ERROR_GPU_IS_LOST;
	}
	if (cc) {
		int major = -1, minor = -1;
		rc = cc(dev, &major, &minor);
		if (rc == NVML_SUCCESS && major >= 0 && minor >= 0)
			out_line(o, "cc=%d.%d", major, minor);
		lost |= rc == NVML_ERROR_GPU_IS_LOST;
	}
	if (brand) {
		unsigned int b = 0;
		rc = brand(dev, &b);
		if (rc == NVML_SUCCESS)
			out_line(o, "brand=%u", b);
		lost |= rc == NVML_ERROR_GPU_IS_LOST;
	}
	if (mem) {
		struct nvml_memory m;
		memset(&m, 0, sizeof(m));
		rc = mem(dev, &m);
		if (rc == NVML_SUCCESS)
			out_line(o, "mem=%llu", m.total);
		lost |= rc == NVML_ERROR_GPU_IS_LOST;
	}
	if (mig) {
		unsigned int cur = 0, pending = 0;
		rc = mig(dev, &cur, &pending);
		if (rc == NVML_SUCCESS)
			out_line(o, "mig=%u", cur ? 1u : 0u);
		lost |= rc == NVML_ERROR_GPU_IS_LOST;
	}
	if (persist) {
		unsigned int state = 0;
		rc = persist(dev, &state);
		if (rc == NVML_SUCCESS)
			out_line(o, "persist=%u", state ? 1u : 0u);
		lost |= rc == NVML_ERROR_GPU_IS_LOST;
	}
	if (lost)
		out_line(o, "lost=1");
}

static void child_restore_signals(void)
{
	/* The parent's handlers must not run here: a test framework's or an application's
	 * SIGSEGV handler (or a sanitizer's) would turn the child's crash into an exit code
	 * or a report about the parent. With the default action the parent sees the signal. */
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGPIPE, SIGTERM, SIGINT};
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < CUVET_ARRAY_LEN(sigs); i++) {
		signal(sigs[i], SIG_DFL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* Runs in the forked child; never returns. */
static void child_main(int fd, const char *nvml_lib, const char *cuda_lib) __attribute__((noreturn));
static void child_main(int fd, const char *nvml_lib, const char *cuda_lib)
{
	struct child_out o = {.fd = fd, .len = 0};

	child_restore_signals();
	/* Libraries sometimes print; the parent's stdout may be a JSON report. */
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
	}

	out_line(&o, "cuvet-nvml 1");
	void *lib = dlopen(nvml_lib, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *why = dlerror();
		char detail[NVML_VALUE_MAX + 1];
		snprintf(detail, sizeof(detail), "%s not found: %s", nvml_lib, why ? why : "dlopen failed");
		out_line(&o, "status=%d", NVML_ERROR_LIBRARY_NOT_FOUND);
		out_str(&o, "detail", detail);
		child_libcuda(&o, cuda_lib);
		goto done;
	}
	nvml_void_fn init = (nvml_void_fn)child_sym(lib, "nvmlInit_v2", "nvmlInit");
	if (!init) {
		char detail[NVML_VALUE_MAX + 1];
		snprintf(detail, sizeof(detail), "NVML_ERROR_FUNCTION_NOT_FOUND: %s has neither nvmlInit_v2 nor nvmlInit",
			 nvml_lib);
		out_line(&o, "status=%d", NVML_ERROR_FUNCTION_NOT_FOUND);
		out_str(&o, "detail", detail);
		child_libcuda(&o, cuda_lib);
		goto done;
	}
	int rc = init();
	if (rc != NVML_SUCCESS) {
		child_status(&o, lib, rc);
		child_libcuda(&o, cuda_lib);
		goto done;
	}

	char buf[NVML_VERSION_BUFFER];
	nvml_str_fn driver = (nvml_str_fn)child_sym(lib, "nvmlSystemGetDriverVersion", NULL);
	memset(buf, 0, sizeof(buf));
	if (driver && driver(buf, sizeof(buf)) == NVML_SUCCESS)
		out_str(&o, "driver", buf);
	nvml_str_fn nvml = (nvml_str_fn)child_sym(lib, "nvmlSystemGetNVMLVersion", NULL);
	memset(buf, 0, sizeof(buf));
	if (nvml && nvml(buf, sizeof(buf)) == NVML_SUCCESS)
		out_str(&o, "nvml", buf);
	nvml_int_fn cuda = (nvml_int_fn)child_sym(lib, "nvmlSystemGetCudaDriverVersion_v2",
						  "nvmlSystemGetCudaDriverVersion");
	int cv = 0;
	if (cuda && cuda(&cv) == NVML_SUCCESS && cv > 0) {
		out_line(&o, "cuda=%d", cv);
		out_line(&o, "cuda_source=nvml");
	} else {
		child_libcuda(&o, cuda_lib);
	}

	nvml_uint_fn count = (nvml_uint_fn)child_sym(lib, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
	unsigned int n = 0;
	rc = count ? count(&n) : NVML_ERROR_FUNCTION_NOT_FOUND;
	child_status(&o, lib, rc);
	if (rc == NVML_SUCCESS) {
		if (n > NVML_MAX_DEVICES)
			n = NVML_MAX_DEVICES;
		for (unsigned int i = 0; i < n; i++)
			child_device(&o, lib, i);
	}
	out_line(&o, "end");
	out_flush(&o);
	/* The answer is out; a shutdown that hangs is the parent's deadline's problem. */
	nvml_void_fn shutdown = (nvml_void_fn)child_sym(lib, "nvmlShutdown", NULL);
	if (shutdown)
		shutdown();
	_exit(0);

done:
	out_line(&o, "end");
	out_flush(&o);
	_exit(0);
}

/* ----------------------------------------------------------------- parent ---- */

struct nvml_reply_gpu {
	long index;
	char *name, *uuid, *bus, *brand;
	long devid, cc_major, cc_minor, mig, persist;
	unsigned long long mem;
	bool have_mem, lost;
};

struct nvml_reply {
	long status;
	bool have_status;
	char *errstr, *detail, *driver, *nvml, *cuda_source;
	long cuda;
	size_t ngpus, cap;
	struct nvml_reply_gpu *gpus;
};

static void reply_release(struct nvml_reply *r)
{
	free(r->errstr);
	free(r->detail);
	free(r->driver);
	free(r->nvml);
	free(r->cuda_source);
	for (size_t i = 0; i < r->ngpus; i++) {
		free(r->gpus[i].name);
		free(r->gpus[i].uuid);
		free(r->gpus[i].bus);
		free(r->gpus[i].brand);
	}
	free(r->gpus);
	memset(r, 0, sizeof(*r));
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sets *slot to a copy of VALUE; a key given twice is a malformed answer. */
static int reply_set_str(char **slot, const char *value, int *oom)
{
	if (*slot)
		return -1;
	*slot = strdup(value);
	if (!*slot) {
		*oom = 1;
		return -1;
	}
	return 0;
}

static int reply_set_long(long *slot, bool *seen, const char *value, long min, long max)
{
	if (seen && *seen)
		return -1;
	long v;
	if (parse_long(value, 10, min, max, &v) < 0)
		return -1;
	*slot = v;
	if (seen)
		*seen = true;
	return 0;
}

static int reply_gpu_key(struct nvml_reply_gpu *g, const char *key, const char *value, int *oom)
{
	if (strcmp(key, "name") == 0)
		return reply_set_str(&g->name, value, oom);
	if (strcmp(key, "uuid") == 0)
		return reply_set_str(&g->uuid, value, oom);
	if (strcmp(key, "bus") == 0)
		return reply_set_str(&g->bus, value, oom);
	if (strcmp(key, "devid") == 0) {
		unsigned long v;
		if (g->devid >= 0 || !str_starts(value, "0x") || parse_ulong(value, 16, 0xffffffffUL, &v) < 0)
			return -1;
		g->devid = (long)v;
		return 0;
	}
	if (strcmp(key, "cc") == 0) {
		const char *dot = strchr(value, '.');
		char major[16];
		if (g->cc_major >= 0 || !dot || (size_t)(dot - value) >= sizeof(major))
			return -1;
		memcpy(major, value, (size_t)(dot - value));
		major[dot - value] = '\0';
		if (reply_set_long(&g->cc_major, NULL, major, 0, 1000) < 0)
			return -1;
		return reply_set_long(&g->cc_minor, NULL, dot + 1, 0, 1000);
	}
	if (strcmp(key, "brand") == 0) {
		long b;
		if (g->brand || parse_long(value, 10, 0, 1000000, &b) < 0)
			return -1;
		/* A brand newer than this table is what the container runtime calls "unknown". */
		const char *s = (size_t)b < CUVET_ARRAY_LEN(nvml_brands) ? nvml_brands[b] : "unknown";
		return reply_set_str(&g->brand, s, oom);
	}
	if (strcmp(key, "mem") == 0) {
		unsigned long v;
		if (g->have_mem || parse_ulong(value, 10, ULONG_MAX, &v) < 0)
			return -1;
		g->mem = v;
		g->have_mem = true;
		return 0;
	}
	if (strcmp(key, "mig") == 0) {
		if (g->mig >= 0)
			return -1;
		return reply_set_long(&g->mig, NULL, value, 0, 1);
	}
	if (strcmp(key, "persist") == 0) {
		if (g->persist >= 0)
			return -1;
		return reply_set_long(&g->persist, NULL, value, 0, 1);
	}
	if (strcmp(key, "lost") == 0) {
		if (g->lost || strcmp(value, "1") != 0)
			return -1;
		g->lost = true;
		return 0;
	}
	return -1;
}

/* Parses the child's answer (NUL-terminated, modified in place). Returns 0, or -1 with the
 * 1-based number of the offending line in *bad_line (0 when out of memory, *oom set). */
static int reply_parse(char *text, struct nvml_reply *r, size_t *bad_line, int *oom)
{
	size_t lineno = 0;
	bool ended = false;
	r->cuda = -1;
	char *p = text;
	while (*p) {
		char *nl = strchr(p, '\n');
		lineno++;
		if (!nl || ended)
			goto bad; /* every line ends with '\n'; nothing follows "end" */
		*nl = '\0';
		char *line = p;
		p = nl + 1;
		if (lineno == 1) {
			if (strcmp(line, "cuvet-nvml 1") != 0)
				goto bad;
			continue;
		}
		if (strcmp(line, "end") == 0) {
			ended = true;
			continue;
		}
		char *eq = strchr(line, '=');
		if (!eq || eq == line)
			goto bad;
		*eq = '\0';
		const char *key = line, *value = eq + 1;
		int rc;
		if (strcmp(key, "gpu") == 0) {
			long idx;
			if (parse_long(value, 10, 0, (long)NVML_MAX_DEVICES - 1, &idx) < 0)
				goto bad;
			/* Devices come in index order, each once. */
			if (r->ngpus && r->gpus[r->ngpus - 1].index >= idx)
				goto bad;
			if (xgrow(&r->gpus, &r->cap, r->ngpus, sizeof(*r->gpus)) < 0) {
				*oom = 1;
				goto bad;
			}
			struct nvml_reply_gpu *g = &r->gpus[r->ngpus++];
			memset(g, 0, sizeof(*g));
			g->index = idx;
			g->devid = g->cc_major = g->cc_minor = g->mig = g->persist = -1;
			continue;
		}
		if (r->ngpus) {
			rc = reply_gpu_key(&r->gpus[r->ngpus - 1], key, value, oom);
		} else if (strcmp(key, "status") == 0) {
			/* nvmlReturn_t values are small and non-negative */
			rc = reply_set_long(&r->status, &r->have_status, value, 0, 1000000);
		} else if (strcmp(key, "errstr") == 0) {
			rc = reply_set_str(&r->errstr, value, oom);
		} else if (strcmp(key, "detail") == 0) {
			rc = reply_set_str(&r->detail, value, oom);
		} else if (strcmp(key, "driver") == 0) {
			rc = reply_set_str(&r->driver, value, oom);
		} else if (strcmp(key, "nvml") == 0) {
			rc = reply_set_str(&r->nvml, value, oom);
		} else if (strcmp(key, "cuda") == 0) {
			rc = r->cuda >= 0 ? -1 : reply_set_long(&r->cuda, NULL, value, 1, 1000000);
		} else if (strcmp(key, "cuda_source") == 0) {
			rc = (strcmp(value, "nvml") != 0 && strcmp(value, "libcuda") != 0)
				     ? -1
				     : reply_set_str(&r->cuda_source, value, oom);
		} else {
			rc = -1;
		}
		if (rc < 0)
			goto bad;
	}
	if (!ended || !r->have_status || (r->cuda >= 0) != (r->cuda_source != NULL)) {
		lineno++;
		goto bad;
	}
	return 0;
bad:
	*bad_line = *oom ? 0 : lineno;
	return -1;
}

static const char *nvml_error_name(long code, const char **text)
{
	for (size_t i = 0; i < CUVET_ARRAY_LEN(nvml_errors); i++) {
		if (nvml_errors[i].code == code) {
			*text = nvml_errors[i].text;
			return nvml_errors[i].name;
		}
	}
	return NULL;
}

/* The NVML library to load, and whether the caller named it (options or $CUVET_NVML_LIBRARY of
 * cuvet's own environment, never the probed one) rather than leaving it to the default. */
static const char *nvml_library_name(const struct cuvet_probe_opts *opts, bool *named)
{
	const char *nvml_lib = opts->nvml_library;
	if (!nvml_lib || !*nvml_lib)
		nvml_lib = getenv("CUVET_NVML_LIBRARY");
	*named = nvml_lib && *nvml_lib;
	return *named ? nvml_lib : NVML_DEFAULT_LIBRARY;
}

/* Moves the parsed answer into the facts. Returns -1 only when out of memory. */
static int reply_apply(struct probe_ctx *pc, struct nvml_reply *r)
{
	struct cuvet_driver *d = &pc->facts->driver;

	d->nvml_status = (int)r->status;
	bool named = false;
	const char *lib = nvml_library_name(pc->opts, &named);
	/* The child sends a detail only when NVML itself could not be asked: dlopen failed
	 * (LIBRARY_NOT_FOUND) or the library has no nvmlInit (FUNCTION_NOT_FOUND). */
	if (named && r->detail &&
	    (r->status == NVML_ERROR_LIBRARY_NOT_FOUND || r->status == NVML_ERROR_FUNCTION_NOT_FOUND)) {
		d->nvml_status = CUVET_NVML_NOT_LOADABLE;
		if (r->status == NVML_ERROR_LIBRARY_NOT_FOUND) {
			const char *why = strstr(r->detail, " not found: ");
			d->nvml_error = xasprintf("the NVML library given (%s) cannot be loaded: %s", lib,
						  why ? why + strlen(" not found: ") : r->detail);
		} else {
			d->nvml_error = xasprintf("the NVML library given (%s) is not NVML: it has neither nvmlInit_v2 "
						  "nor nvmlInit", lib);
		}
		if (!d->nvml_error)
			return -1;
	} else if (r->status != NVML_SUCCESS) {
		const char *text = NULL;
		const char *name = nvml_error_name(r->status, &text);
		if (r->detail)
			d->nvml_error = xstrdup(r->detail);
		else if (name)
			d->nvml_error = xasprintf("%s: %s", name, text);
		else
			d->nvml_error = xasprintf("NVML error %ld: %s", r->status,
						  r->errstr ? r->errstr : "unknown error");
		if (!d->nvml_error)
			return -1;
	}
	if (r->driver) {
		d->nvml_driver_version = r->driver;
		r->driver = NULL;
		d->present = true;
	}
	if (r->nvml) {
		d->nvml_version = r->nvml;
		r->nvml = NULL;
	}
	if (r->cuda > 0) {
		d->cuda_driver_version = (int)r->cuda;
		free(d->cuda_driver_source);
		d->cuda_driver_source = r->cuda_source;
		r->cuda_source = NULL;
	}

	for (size_t i = 0; i < r->ngpus; i++) {
		struct nvml_reply_gpu *rg = &r->gpus[i];
		struct cuvet_gpu *g = facts_add_gpu(&pc->fb);
		if (!g)
			return -1;
		g->index = (int)rg->index;
		g->name = rg->name;
		g->uuid = rg->uuid;
		g->pci_bus_id = rg->bus;
		g->brand = rg->brand;
		rg->name = rg->uuid = rg->bus = rg->brand = NULL;
		if (rg->devid >= 0)
			g->pci_device_id = (uint32_t)rg->devid;
		if (rg->cc_major >= 0) {
			g->cc_major = (int)rg->cc_major;
			g->cc_minor = (int)rg->cc_minor;
			if (!(g->cc_source = strdup("nvml")))
				return -1;
		}
		if (rg->have_mem)
			g->memory_mib = rg->mem / 1048576u;
		g->mig_mode = (int)rg->mig;
		g->persistence_mode = (int)rg->persist;
		g->lost = rg->lost;
		if (!(g->source = strdup("nvml")))
			return -1;
	}
	return 0;
}

/* Waits for PID until DEADLINE (CLOCK_MONOTONIC seconds). Returns 1 with *status when it
 * ended, 0 when the deadline passed, -1 when it cannot be waited for (ECHILD: an application
 * that ignores SIGCHLD has its children reaped by the kernel). */
static int wait_child(pid_t pid, double deadline, int *status)
{
	long nap_ns = 1000000;
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 1;
		if (w < 0 && errno != EINTR)
			return -1;
		if (now_seconds() >= deadline)
			return 0;
		struct timespec ts = {0, nap_ns};
		nanosleep(&ts, NULL);
		if (nap_ns < 20000000)
			nap_ns *= 2;
	}
}

static void kill_child(pid_t pid)
{
	int status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static bool answer_complete(const char *buf, size_t len)
{
	return buf && len >= 5 && memcmp(buf + len - 5, "\nend\n", 5) == 0;
}

static int set_outcome(struct cuvet_driver *d, int status, char *msg)
{
	d->nvml_status = status;
	free(d->nvml_error);
	d->nvml_error = msg;
	return msg ? 0 : -1;
}

/* The NVML child runs while the parent reads the filesystem: probe_nvml_start() forks it,
 * probe_nvml() collects its answer. */
int probe_nvml_start(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_driver *d = &pc->facts->driver;
	const struct cuvet_probe_opts *opts = pc->opts;

	pc->nvml_pid = -1;
	pc->nvml_fd = -1;
	if (!pc->live || !opts || !opts->use_nvml) {
		d->nvml_status = -1;
		return 0;
	}

	bool named;
	const char *nvml_lib = nvml_library_name(opts, &named);
	const char *cuda_lib = NULL; /* NULL: libcuda is not loaded (--no-load) */
	if (opts->load_libs) {
		cuda_lib = opts->cuda_library;
		if (!cuda_lib || !*cuda_lib)
			cuda_lib = getenv("CUVET_CUDA_LIBRARY");
		if (!cuda_lib || !*cuda_lib)
			cuda_lib = CUDA_DEFAULT_LIBRARY;
	}
	double timeout = opts->timeout > 0 ? opts->timeout : 5.0;

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return set_outcome(d, -1, xasprintf("NVML not asked: pipe: %s", strerror(errno))) < 0
			       ? err_set(err, CUVET_E_NOMEM, "out of memory")
			       : 0;
	double deadline = now_seconds() + timeout;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return set_outcome(d, -1, xasprintf("NVML not asked: fork: %s", strerror(e))) < 0
			       ? err_set(err, CUVET_E_NOMEM, "out of memory")
			       : 0;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], nvml_lib, cuda_lib);
	}
	close(fds[1]);
	pc->nvml_pid = pid;
	pc->nvml_fd = fds[0];
	pc->nvml_deadline = deadline;
	pc->nvml_timeout = timeout;
	return 0;
}

int probe_nvml_collect(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_driver *d = &pc->facts->driver;
	if (pc->nvml_pid <= 0)
		return 0;
	pid_t pid = pc->nvml_pid;
	int fds[1] = {pc->nvml_fd};
	double deadline = pc->nvml_deadline, timeout = pc->nvml_timeout;
	pc->nvml_pid = -1;
	pc->nvml_fd = -1;

	int rc = 0;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool timed_out = false, eof = false, oversized = false, oom = false;
	while (!eof) {
		/* The child has worked since the fork while this process read the filesystem, which
		 * can take longer than the deadline on a slow disk: what already sits in the pipe is
		 * read first, and only a child that has not answered by the deadline counts as hung. */
		double left = deadline - now_seconds();
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int n = poll(&pfd, 1, left > 0 ? (int)(left * 1000.0) + 1 : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break; /* cannot happen with one valid fd; treated as an ended child */
		if (n == 0) {
			if (left <= 0) {
				timed_out = true;
				break;
			}
			continue;
		}
		if (len + 4096 + 1 > cap) {
			if (cap >= NVML_REPLY_MAX) {
				oversized = true;
				break;
			}
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				oom = true;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t got = read(fds[0], buf + len, 4096);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			eof = true;
		} else {
			len += (size_t)got;
			/* "end" is the last line the child writes (the first line is never it), and
			 * after it the child may still sit in nvmlShutdown: the answer is complete. */
			if (answer_complete(buf, len))
				break;
		}
	}
	close(fds[0]);

	bool complete = answer_complete(buf, len);
	int status = 0, waited;
	if (!eof && !complete) {
		kill_child(pid);
		waited = 0;
	} else {
		/* A child that answered gets a short grace to leave nvmlShutdown on its own. */
		double grace = now_seconds() + 1.0;
		waited = wait_child(pid, grace < deadline ? grace : deadline, &status);
		if (waited == 0) {
			/* The child answered and closed the pipe but does not exit (stuck in
			 * nvmlShutdown): the answer stands, the child goes. */
			kill_child(pid);
		}
	}
	if (oom) {
		rc = err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	if (timed_out) {
		/* "5.0 s"; a sub-0.1 s deadline (tests, impatient callers) keeps its digits */
		if (set_outcome(d, -2, xasprintf("NVML did not answer within %.*f s (killed)", timeout < 0.1 ? 3 : 1,
						 timeout)) < 0)
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	if (oversized) {
		if (set_outcome(d, -3, xasprintf("NVML answer longer than %u bytes (killed)", NVML_REPLY_MAX)) < 0)
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}

	if (!complete) {
		char *msg;
		if (waited == 1 && WIFSIGNALED(status))
			msg = xasprintf("NVML crashed (signal %d)", WTERMSIG(status));
		else if (waited == 1 && WIFEXITED(status))
			msg = xasprintf("NVML child exited with status %d without answering", WEXITSTATUS(status));
		else
			msg = xasprintf("NVML child ended without answering");
		if (set_outcome(d, -3, msg) < 0)
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}

	buf[len] = '\0';
	if (strlen(buf) != len) {
		if (set_outcome(d, -3, xasprintf("NVML child sent a malformed answer (NUL byte)")) < 0)
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	struct nvml_reply reply;
	memset(&reply, 0, sizeof(reply));
	size_t bad_line = 0;
	int parse_oom = 0;
	if (reply_parse(buf, &reply, &bad_line, &parse_oom) < 0) {
		if (parse_oom ||
		    set_outcome(d, -3, xasprintf("NVML child sent a malformed answer (line %zu)", bad_line)) < 0)
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
	} else if (reply_apply(pc, &reply) < 0) {
		rc = err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	reply_release(&reply);
out:
	free(buf);
	return rc;
}

int probe_nvml(struct probe_ctx *pc, struct cuvet_error *err)
{
	if (probe_nvml_start(pc, err) < 0)
		return -1;
	return probe_nvml_collect(pc, err);
}
