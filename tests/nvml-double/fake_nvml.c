/*
 * A test double for libnvidia-ml: exports the NVML calls cuvet makes, with the ABI of
 * NVIDIA's public nvml.h, and behaves as the environment says. Read when nvmlInit runs.
 *
 * CUVET_FAKE_NVML_MODE
 *   ok (or unset)      everything answers
 *   rm_mismatch        nvmlInit returns NVML_ERROR_LIB_RM_VERSION_MISMATCH (18)
 *   driver_not_loaded  nvmlInit returns NVML_ERROR_DRIVER_NOT_LOADED (9)
 *   no_permission      nvmlInit returns NVML_ERROR_NO_PERMISSION (4)
 *   gpu_lost           nvmlInit returns NVML_ERROR_GPU_IS_LOST (15)
 *   error:<n>          nvmlInit returns <n>
 *   count_error:<n>    nvmlInit succeeds, nvmlDeviceGetCount returns <n>
 *   hang               nvmlInit never returns
 *   crash              nvmlInit dies of SIGSEGV
 *   init_ok_no_cuda    nvmlInit succeeds, nvmlSystemGetCudaDriverVersion(_v2) return
 *                      NVML_ERROR_NOT_SUPPORTED (so the caller must ask libcuda)
 *   shutdown_hang      everything answers, then nvmlShutdown never returns
 *
 * CUVET_FAKE_NVML_DRIVER   nvmlSystemGetDriverVersion, default "580.159.04"
 * CUVET_FAKE_NVML_VERSION  nvmlSystemGetNVMLVersion, default "13.580.159.04"
 * CUVET_FAKE_NVML_CUDA     nvmlSystemGetCudaDriverVersion(_v2), default 13000
 *
 * CUVET_FAKE_NVML_GPUS     the devices in index order, separated by ';' (empty: none).
 *   Each device: NAME,CC,BRAND,MEMORY_MIB[,OPTION...]
 *     CC          "9.0", or "-" for NVML_ERROR_NOT_SUPPORTED
 *     BRAND       a brand name as the container runtime spells it (nvidia, tesla, geforce,
 *                 quadrortx, ...) or an nvmlBrandType_t number; "-" for NOT_SUPPORTED
 *     MEMORY_MIB  total memory in MiB; the fake reports MEMORY_MIB * 1048576 + 12345 bytes
 *                 (so a caller must round down); "-" for NOT_SUPPORTED
 *   Options:
 *     lost            nvmlDeviceGetHandleByIndex returns NVML_ERROR_GPU_IS_LOST
 *     mig=1|0|-       current (and pending) MIG mode; default 0; "-" NOT_SUPPORTED
 *     persist=1|0|-   persistence mode; default 1; "-" NOT_SUPPORTED
 *     pci=0xDDDD      PCI device id; default 0x2000 + index (vendor is always 0x10de)
 *     bus=D:B:S.F     NVML bus id, e.g. 00000000:00:06.0; default 00000000:XX:00.0 with
 *                     XX = 0x10 * (index + 1), in upper-case hex as NVML prints it
 *     uuid=GPU-...    default GPU-<c*8>-<c*4>-<c*4>-<c*4>-<c*12>, c the index's hex digit
 *                     (index 1: GPU-11111111-1111-1111-1111-111111111111)
 *   Unset: one device, "NVIDIA H200,9.0,nvidia,143771,pci=0x2335,bus=00000000:00:06.0,
 *   uuid=GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208" (the fixture host's GPU).
 *   A malformed description makes nvmlInit return NVML_ERROR_UNKNOWN (999).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKE_API __attribute__((visibility("default")))
#define FAKE_MAX_GPUS 16

enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_NO_PERMISSION = 4,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
	NVML_ERROR_GPU_IS_LOST = 15,
	NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18,
	NVML_ERROR_UNKNOWN = 999,
};

struct nvml_pci_info {
	char bus_id_legacy[16];
	unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
	char bus_id[32];
};

struct nvml_memory {
	unsigned long long total, free, used;
};

struct fake_gpu {
	char name[96];
	char uuid[96];
	char bus_id[32];
	unsigned int domain, bus, device;
	unsigned int device_id;
	int cc_major, cc_minor;   /* -1: not supported */
	int brand;                /* -1: not supported */
	long long mem_mib;        /* -1: not supported */
	int mig;                  /* -1: not supported */
	int persist;              /* -1: not supported */
	int lost;
};

static struct {
	int initialized;
	int count_rc;
	int no_cuda;
	int shutdown_hang;
	unsigned int ngpus;
	struct fake_gpu gpus[FAKE_MAX_GPUS];
} fake;

static const char *const brands[] = {
	"unknown", "quadro", "tesla", "nvs", "grid", "geforce", "titan",
	"vapps", "vpc", "vcs", "vws", "cloudgaming", "quadrortx", "nvidiartx",
	"nvidia", "geforcertx", "titanrtx",
};

static const char *env_or(const char *key, const char *def)
{
	const char *v = getenv(key);
	return v ? v : def;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	if (!*s)
		return -1;
	long v = strtol(s, &end, 0);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_option(struct fake_gpu *g, const char *opt)
{
	long v;
	if (strcmp(opt, "lost") == 0) {
		g->lost = 1;
		return 0;
	}
	if (strncmp(opt, "mig=", 4) == 0 || strncmp(opt, "persist=", 8) == 0) {
		int *slot = opt[0] == 'm' ? &g->mig : &g->persist;
		const char *val = strchr(opt, '=') + 1;
		if (strcmp(val, "-") == 0) {
			*slot = -1;
			return 0;
		}
		if (parse_int(val, 0, 1, &v) < 0)
			return -1;
		*slot = (int)v;
		return 0;
	}
	if (strncmp(opt, "pci=", 4) == 0) {
		if (parse_int(opt + 4, 0, 0xffff, &v) < 0)
			return -1;
		g->device_id = (unsigned int)v;
		return 0;
	}
	if (strncmp(opt, "uuid=", 5) == 0) {
		if (strlen(opt + 5) >= sizeof(g->uuid))
			return -1;
		strcpy(g->uuid, opt + 5);
		return 0;
	}
	if (strncmp(opt, "bus=", 4) == 0) {
		unsigned int d, b, s, f;
		char tail;
		if (strlen(opt + 4) >= sizeof(g->bus_id) ||
		    sscanf(opt + 4, "%x:%x:%x.%x%c", &d, &b, &s, &f, &tail) != 4)
			return -1;
		strcpy(g->bus_id, opt + 4);
		g->domain = d;
		g->bus = b;
		g->device = s;
		return 0;
	}
	return -1;
}

static int parse_gpu(struct fake_gpu *g, unsigned int index, char *spec)
{
	static const char hex[] = "0123456789abcdef";
	char c = hex[index % 16];
	memset(g, 0, sizeof(*g));
	g->mig = 0;
	g->persist = 1;
	g->device_id = 0x2000 + index;
	g->bus = 0x10 * (index + 1);
	snprintf(g->bus_id, sizeof(g->bus_id), "%08X:%02X:%02X.0", g->domain, g->bus, g->device);
	snprintf(g->uuid, sizeof(g->uuid), "GPU-%c%c%c%c%c%c%c%c-%c%c%c%c-%c%c%c%c-%c%c%c%c-%c%c%c%c%c%c%c%c%c%c%c%c",
		 c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c);

	char *save = NULL;
	char *field[4];
	for (int i = 0; i < 4; i++) {
		field[i] = strtok_r(i == 0 ? spec : NULL, ",", &save);
		if (!field[i])
			return -1;
	}
	if (strlen(field[0]) >= sizeof(g->name))
		return -1;
	strcpy(g->name, field[0]);

	long v;
	if (strcmp(field[1], "-") == 0) {
		g->cc_major = g->cc_minor = -1;
	} else {
		char *dot = strchr(field[1], '.');
		if (!dot)
			return -1;
		*dot = '\0';
		if (parse_int(field[1], 0, 99, &v) < 0)
			return -1;
		g->cc_major = (int)v;
		if (parse_int(dot + 1, 0, 99, &v) < 0)
			return -1;
		g->cc_minor = (int)v;
	}

	g->brand = -2;
	if (strcmp(field[2], "-") == 0)
		g->brand = -1;
	for (size_t i = 0; g->brand == -2 && i < sizeof(brands) / sizeof(brands[0]); i++)
		if (strcmp(field[2], brands[i]) == 0)
			g->brand = (int)i;
	if (g->brand == -2) {
		if (parse_int(field[2], 0, 1000, &v) < 0)
			return -1;
		g->brand = (int)v;
	}

	if (strcmp(field[3], "-") == 0) {
		g->mem_mib = -1;
	} else {
		if (parse_int(field[3], 0, 1L << 40, &v) < 0)
			return -1;
		g->mem_mib = v;
	}

	char *opt;
	while ((opt = strtok_r(NULL, ",", &save)) != NULL)
		if (parse_option(g, opt) < 0)
			return -1;
	return 0;
}

static int parse_gpus(const char *desc)
{
	char buf[4096];
	if (strlen(desc) >= sizeof(buf))
		return -1;
	strcpy(buf, desc);
	fake.ngpus = 0;
	char *save = NULL;
	for (char *spec = strtok_r(buf, ";", &save); spec; spec = strtok_r(NULL, ";", &save)) {
		if (fake.ngpus == FAKE_MAX_GPUS)
			return -1;
		if (parse_gpu(&fake.gpus[fake.ngpus], fake.ngpus, spec) < 0)
			return -1;
		fake.ngpus++;
	}
	return 0;
}

static int fake_init(void)
{
	const char *mode = env_or("CUVET_FAKE_NVML_MODE", "ok");
	long v;

	memset(&fake, 0, sizeof(fake));
	if (strcmp(mode, "rm_mismatch") == 0)
		return NVML_ERROR_LIB_RM_VERSION_MISMATCH;
	if (strcmp(mode, "driver_not_loaded") == 0)
		return NVML_ERROR_DRIVER_NOT_LOADED;
	if (strcmp(mode, "no_permission") == 0)
		return NVML_ERROR_NO_PERMISSION;
	if (strcmp(mode, "gpu_lost") == 0)
		return NVML_ERROR_GPU_IS_LOST;
	if (strncmp(mode, "error:", 6) == 0)
		return parse_int(mode + 6, 0, 100000, &v) < 0 ? NVML_ERROR_UNKNOWN : (int)v;
	if (strcmp(mode, "hang") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(mode, "crash") == 0) {
		raise(SIGSEGV);
		return NVML_ERROR_UNKNOWN;
	}
	if (strncmp(mode, "count_error:", 12) == 0) {
		if (parse_int(mode + 12, 0, 100000, &v) < 0)
			return NVML_ERROR_UNKNOWN;
		fake.count_rc = (int)v;
	} else if (strcmp(mode, "init_ok_no_cuda") == 0) {
		fake.no_cuda = 1;
	} else if (strcmp(mode, "shutdown_hang") == 0) {
		fake.shutdown_hang = 1;
	} else if (strcmp(mode, "ok") != 0) {
		return NVML_ERROR_UNKNOWN;
	}
	if (parse_gpus(env_or("CUVET_FAKE_NVML_GPUS",
			      "NVIDIA H200,9.0,nvidia,143771,pci=0x2335,bus=00000000:00:06.0,"
			      "uuid=GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208")) < 0)
		return NVML_ERROR_UNKNOWN;
	fake.initialized = 1;
	return NVML_SUCCESS;
}

static int copy_out(char *buf, unsigned int len, const char *value)
{
	if (!buf)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (strlen(value) + 1 > len)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	strcpy(buf, value);
	return NVML_SUCCESS;
}

static struct fake_gpu *dev_of(void *handle)
{
	struct fake_gpu *g = handle;
	if (!fake.initialized || g < fake.gpus || g >= fake.gpus + fake.ngpus)
		return NULL;
	return g;
}

FAKE_API int nvmlInit_v2(void);
FAKE_API int nvmlInit(void);
FAKE_API int nvmlShutdown(void);
FAKE_API const char *nvmlErrorString(int rc);
FAKE_API int nvmlSystemGetDriverVersion(char *buf, unsigned int len);
FAKE_API int nvmlSystemGetNVMLVersion(char *buf, unsigned int len);
FAKE_API int nvmlSystemGetCudaDriverVersion(int *v);
FAKE_API int nvmlSystemGetCudaDriverVersion_v2(int *v);
FAKE_API int nvmlDeviceGetCount_v2(unsigned int *n);
FAKE_API int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **dev);
FAKE_API int nvmlDeviceGetName(void *dev, char *buf, unsigned int len);
FAKE_API int nvmlDeviceGetUUID(void *dev, char *buf, unsigned int len);
FAKE_API int nvmlDeviceGetPciInfo_v3(void *dev, struct nvml_pci_info *pci);
FAKE_API int nvmlDeviceGetCudaComputeCapability(void *dev, int *major, int *minor);
FAKE_API int nvmlDeviceGetBrand(void *dev, int *brand);
FAKE_API int nvmlDeviceGetMemoryInfo(void *dev, struct nvml_memory *mem);
FAKE_API int nvmlDeviceGetMigMode(void *dev, unsigned int *current, unsigned int *pending);
FAKE_API int nvmlDeviceGetPersistenceMode(void *dev, int *mode);

int nvmlInit_v2(void)
{
	return fake_init();
}

int nvmlInit(void)
{
	return fake_init();
}

int nvmlShutdown(void)
{
	if (!fake.initialized)
		return NVML_ERROR_UNINITIALIZED;
	if (fake.shutdown_hang) {
		for (;;)
			pause();
	}
	fake.initialized = 0;
	return NVML_SUCCESS;
}

const char *nvmlErrorString(int rc)
{
	switch (rc) {
	case NVML_SUCCESS: return "Success";
	case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
	case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
	case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
	case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
	case NVML_ERROR_LIB_RM_VERSION_MISMATCH: return "Driver/library version mismatch";
	case NVML_ERROR_UNKNOWN: return "Unknown Error";
	default: return "Fake NVML: unrecognised error code";
	}
}

int nvmlSystemGetDriverVersion(char *buf, unsigned int len)
{
	if (!fake.initialized)
		return NVML_ERROR_UNINITIALIZED;
	return copy_out(buf, len, env_or("CUVET_FAKE_NVML_DRIVER", "580.159.04"));
}

int nvmlSystemGetNVMLVersion(char *buf, unsigned int len)
{
	if (!fake.initialized)
		return NVML_ERROR_UNINITIALIZED;
	return copy_out(buf, len, env_or("CUVET_FAKE_NVML_VERSION", "13.580.159.04"));
}

int nvmlSystemGetCudaDriverVersion(int *v)
{
	long x;
	if (!fake.initialized)
		return NVML_ERROR_UNINITIALIZED;
	if (!v)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (fake.no_cuda)
		return NVML_ERROR_NOT_SUPPORTED;
	if (parse_int(env_or("CUVET_FAKE_NVML_CUDA", "13000"), 0, 1000000, &x) < 0)
		return NVML_ERROR_UNKNOWN;
	*v = (int)x;
	return NVML_SUCCESS;
}

int nvmlSystemGetCudaDriverVersion_v2(int *v)
{
	return nvmlSystemGetCudaDriverVersion(v);
}

int nvmlDeviceGetCount_v2(unsigned int *n)
{
	if (!fake.initialized)
		return NVML_ERROR_UNINITIALIZED;
	if (!n)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (fake.count_rc)
		return fake.count_rc;
	*n = fake.ngpus;
	return NVML_SUCCESS;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **dev)
{
	if (!fake.initialized)
		return NVML_ERROR_UNINITIALIZED;
	if (!dev || i >= fake.ngpus)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (fake.gpus[i].lost)
		return NVML_ERROR_GPU_IS_LOST;
	*dev = &fake.gpus[i];
	return NVML_SUCCESS;
}

int nvmlDeviceGetName(void *dev, char *buf, unsigned int len)
{
	struct fake_gpu *g = dev_of(dev);
	return g ? copy_out(buf, len, g->name) : NVML_ERROR_INVALID_ARGUMENT;
}

int nvmlDeviceGetUUID(void *dev, char *buf, unsigned int len)
{
	struct fake_gpu *g = dev_of(dev);
	return g ? copy_out(buf, len, g->uuid) : NVML_ERROR_INVALID_ARGUMENT;
}

int nvmlDeviceGetPciInfo_v3(void *dev, struct nvml_pci_info *pci)
{
	struct fake_gpu *g = dev_of(dev);
	if (!g || !pci)
		return NVML_ERROR_INVALID_ARGUMENT;
	memset(pci, 0, sizeof(*pci));
	snprintf(pci->bus_id_legacy, sizeof(pci->bus_id_legacy), "%04X:%02X:%02X.0", g->domain & 0xffff,
		 g->bus & 0xff, g->device & 0x1f);
	strcpy(pci->bus_id, g->bus_id);
	pci->domain = g->domain;
	pci->bus = g->bus;
	pci->device = g->device;
	pci->pci_device_id = g->device_id << 16 | 0x10de;
	pci->pci_subsystem_id = 0x18bf10de;
	return NVML_SUCCESS;
}

int nvmlDeviceGetCudaComputeCapability(void *dev, int *major, int *minor)
{
	struct fake_gpu *g = dev_of(dev);
	if (!g || !major || !minor)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (g->cc_major < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	*major = g->cc_major;
	*minor = g->cc_minor;
	return NVML_SUCCESS;
}

int nvmlDeviceGetBrand(void *dev, int *brand)
{
	struct fake_gpu *g = dev_of(dev);
	if (!g || !brand)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (g->brand < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	*brand = g->brand;
	return NVML_SUCCESS;
}

int nvmlDeviceGetMemoryInfo(void *dev, struct nvml_memory *mem)
{
	struct fake_gpu *g = dev_of(dev);
	if (!g || !mem)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (g->mem_mib < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	mem->total = (unsigned long long)g->mem_mib * 1048576ull + 12345ull;
	mem->used = 0;
	mem->free = mem->total;
	return NVML_SUCCESS;
}

int nvmlDeviceGetMigMode(void *dev, unsigned int *current, unsigned int *pending)
{
	struct fake_gpu *g = dev_of(dev);
	if (!g || !current || !pending)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (g->mig < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	*current = *pending = (unsigned int)g->mig;
	return NVML_SUCCESS;
}

int nvmlDeviceGetPersistenceMode(void *dev, int *mode)
{
	struct fake_gpu *g = dev_of(dev);
	if (!g || !mode)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (g->persist < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	*mode = g->persist;
	return NVML_SUCCESS;
}
