#include <stdlib.h>
#include <string.h>

#include "libfamily.h"

/* SPEC §4's families. The wheel names are NVIDIA's PyPI distributions (shared/kb/versions-api.md §4). */
static const struct libfamily families[] = {
	{"cuda", "libcuda", false, NULL, "the CUDA driver (libcuda)"},
	{"nvml", "libnvidia-ml", false, NULL, "NVML"},
	{"cudart", "libcudart", false, "nvidia_cuda_runtime", "the CUDA runtime"},
	{"cublas", "libcublas", false, "nvidia_cublas", "cuBLAS"},
	{"cublas", "libcublasLt", false, "nvidia_cublas", "cuBLASLt"},
	{"cudnn", "libcudnn", true, "nvidia_cudnn", "cuDNN"},
	{"tensorrt", "libnvinfer", true, "tensorrt", "TensorRT"},
	{"tensorrt", "libnvonnxparser", false, "tensorrt", "TensorRT's ONNX parser"},
	{"tensorrt", "libnvparsers", false, "tensorrt", "TensorRT's parsers"},
	{"nccl", "libnccl", false, "nvidia_nccl", "NCCL"},
	{"cufft", "libcufft", false, "nvidia_cufft", "cuFFT"},
	{"cufft", "libcufftw", false, "nvidia_cufft", "cuFFTW"},
	{"curand", "libcurand", false, "nvidia_curand", "cuRAND"},
	{"cusparse", "libcusparse", false, "nvidia_cusparse-", "cuSPARSE"},
	{"cusparselt", "libcusparseLt", false, "nvidia_cusparselt", "cuSPARSELt"},
	{"cusolver", "libcusolver", false, "nvidia_cusolver", "cuSOLVER"},
	{"cusolver", "libcusolverMg", false, "nvidia_cusolver", "cuSOLVERMg"},
	{"nvrtc", "libnvrtc", false, "nvidia_cuda_nvrtc", "NVRTC"},
	{"nvrtc", "libnvrtc-builtins", false, "nvidia_cuda_nvrtc", "NVRTC builtins"},
	{"nvjitlink", "libnvJitLink", false, "nvidia_nvjitlink", "nvJitLink"},
	{"cupti", "libcupti", false, "nvidia_cuda_cupti", "CUPTI"},
};

/* The part of a file name before ".so", with an auditwheel hash or ".alt" variant dropped:
 * "libcudart.faf08d9a.so.13" -> "libcudart", "libnvrtc.alt.so.13" -> "libnvrtc". */
const struct libfamily *libfamily_match(const char *name, const char **sover)
{
	/* The probe asks for every name in the loader's cache and in each library directory
	 * (thousands on a full system): a name whose first four bytes start no family's base is
	 * turned away before the search for ".so". */
	if (strncmp(name, "lib", 3) != 0)
		return NULL;
	bool start = false;
	for (size_t i = 0; i < CUVET_ARRAY_LEN(families) && !start; i++)
		start = families[i].base[3] == name[3];
	if (!start)
		return NULL;
	const char *so = strstr(name, ".so");
	if (!so || (so[3] != '\0' && so[3] != '.'))
		return NULL;
	size_t blen = strcspn(name, ".");
	if (blen > (size_t)(so - name))
		blen = (size_t)(so - name);
	/* everything after ".so" must be dotted digits */
	const char *v = so[3] ? so + 4 : "";
	for (const char *p = v; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return NULL;
	*sover = v;
	for (size_t i = 0; i < CUVET_ARRAY_LEN(families); i++) {
		const struct libfamily *f = &families[i];
		size_t n = strlen(f->base);
		if (blen == n && strncmp(name, f->base, n) == 0)
			return f;
		if (f->prefix && blen > n && strncmp(name, f->base, n) == 0 && name[n] == '_')
			return f;
	}
	return NULL;
}

long libfamily_soname_major(const char *soname)
{
	const char *ss = soname ? strstr(soname, ".so.") : NULL;
	struct cuvet_version sv;
	if (!ss || cuvet_version_parse(ss + 4, &sv, NULL) < 0)
		return -1;
	return (long)sv.part[0];
}

char *libfamily_name_version(const struct libfamily *fam, const char *soname, const char *real_name)
{
	const char *so = strstr(real_name, ".so.");
	struct cuvet_version v;
	if (!so || cuvet_version_parse(so + 4, &v, NULL) < 0)
		return NULL;
	unsigned soparts = 0;
	uint32_t sv_major = 0;
	const char *ss = soname ? strstr(soname, ".so.") : NULL;
	struct cuvet_version sv;
	if (ss && cuvet_version_parse(ss + 4, &sv, NULL) == 0) {
		soparts = sv.nparts;
		sv_major = sv.part[0];
	}
	/* A file-name version counts only when it continues the SONAME's: CUPTI's
	 * libcupti.so.2025.3.1 behind SONAME libcupti.so.13 is another numbering. The
	 * driver's libraries (libcuda.so.580.159.04 behind libcuda.so.1) carry the driver version. */
	bool same_scheme = soparts == 0 || sv_major == v.part[0] || strcmp(fam->family, "cuda") == 0 ||
			   strcmp(fam->family, "nvml") == 0;
	if (v.nparts > soparts && same_scheme)
		return xstrdup(so + 4);
	return NULL;
}

/* Version from a wheel's dist-info directory name: "nvidia_cudnn_cu13-9.19.0.56.dist-info". */
char *libfamily_wheel_version(const struct cuvet_fs_dir *site, const char *wheel, char **dist)
{
	char *out = NULL;
	for (size_t i = 0; i < site->count && !out; i++) {
		const char *n = site->names[i];
		if (!str_ends(n, ".dist-info") || !str_starts(n, wheel))
			continue;
		/* NAME-VERSION.dist-info; NAME has no '-' (wheel names use '_') */
		size_t stem = strlen(n) - strlen(".dist-info");
		const char *dash = memchr(n, '-', stem);
		if (!dash)
			continue;
		char *v = xstrndup(dash + 1, stem - (size_t)(dash + 1 - n));
		struct cuvet_version ver;
		if (v && cuvet_version_parse(v, &ver, NULL) == 0) {
			out = v;
			*dist = xstrndup(n, (size_t)(dash - n));
		} else {
			free(v);
		}
	}
	return out;
}
