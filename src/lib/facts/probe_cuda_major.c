/* The CUDA major a library copy was built for, and where that came from.
 *
 * The SONAME's major is the CUDA major only for the libraries NVIDIA numbers after the toolkit
 * (libcudart.so.13, libcublas.so.13, libnvrtc.so.13, libnvJitLink.so.13, libcupti.so.13). cuFFT
 * (libcufft.so.12 in CUDA 13), cuRAND (.10), cuSPARSE and cuSOLVER (.12), cuDNN, TensorRT and NCCL
 * have their own numbering, so their CUDA major comes from how they were packaged: the pip wheel
 * (nvidia/cu13/lib layout, or a "_cu12" distribution name), the Debian package (cuda-cufft-12-4,
 * libcudnn9-cuda-12, or a "+cuda12.2" version suffix as libnccl2 and libnvinfer10 carry), the
 * toolkit tree it sits in (/usr/local/cuda-12.4), or the knowledge base's cuDNN/TensorRT releases
 * when those name a single CUDA major. Otherwise it stays unknown (0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

/* Families whose SONAME major is the CUDA major (shared/kb/versions-api.md, SONAME chains). */
static bool soname_is_cuda(const char *family)
{
	static const char *const fams[] = {"cudart", "cublas", "nvrtc", "nvjitlink", "cupti"};
	for (size_t i = 0; family && i < CUVET_ARRAY_LEN(fams); i++)
		if (strcmp(family, fams[i]) == 0)
			return true;
	return false;
}

/* Digits at S up to a character in STOP (or the end); 0 when none or out of range. */
static int major_at(const char *s, const char *stop)
{
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n > 2 || (s[n] != '\0' && !strchr(stop, s[n])))
		return 0;
	char buf[3] = {0};
	memcpy(buf, s, n);
	unsigned long v = 0;
	if (parse_ulong(buf, 10, 99, &v) < 0 || v == 0)
		return 0;
	return (int)v;
}

/* "libcudart.so.13", "libcudart.so.11.0", "libnvrtc-builtins.so.13.0" -> 13, 11, 13. */
int cuda_major_from_soname(const char *soname)
{
	const char *so = soname ? strstr(soname, ".so.") : NULL;
	return so ? major_at(so + 4, ".") : 0;
}

/* ".../site-packages/nvidia/cu13/lib/libcufft.so.12" -> 13 */
int cuda_major_from_wheel_path(const char *path)
{
	const char *p = path ? strstr(path, "/nvidia/cu") : NULL;
	if (!p || !strchr(p + 10, '/'))
		return 0; /* the file must be inside the nvidia/cuNN tree */
	return major_at(p + 10, "/");
}

/* A distribution name with a "_cuNN" part: nvidia_cudnn_cu13, nvidia_nccl_cu12, tensorrt_cu12_libs. */
int cuda_major_from_dist(const char *dist)
{
	for (const char *p = dist; p && (p = strstr(p, "_cu")); p += 3) {
		int m = major_at(p + 3, "_");
		if (m)
			return m;
	}
	return 0;
}

/* Debian package names: "libcudnn9-cuda-12", "libcusparselt0-cuda-12" (a "-cuda-NN" ending) and
 * "cuda-cudart-12-4", "libcublas-12-4", "libcufft-dev-12-4" (a "-NN-M" ending). */
int cuda_major_from_dpkg_name(const char *pkg)
{
	if (!pkg)
		return 0;
	const char *c = strstr(pkg, "-cuda-");
	if (c && major_at(c + 6, "") > 0)
		return major_at(c + 6, "");
	const char *last = strrchr(pkg, '-');
	if (!last || last == pkg || major_at(last + 1, "") == 0)
		return 0;
	const char *prev = last - 1;
	while (prev > pkg && *prev != '-')
		prev--;
	if (*prev != '-')
		return 0;
	return major_at(prev + 1, "-");
}

/* Debian versions with the CUDA they were built for: "2.28.3-1+cuda13.0", "8.9.7.29-1+cuda12.2". */
int cuda_major_from_dpkg_version(const char *version)
{
	const char *p = version ? strstr(version, "+cuda") : NULL;
	return p ? major_at(p + 5, ".") : 0;
}

/* "/usr/local/cuda-12.4/targets/x86_64-linux/lib/libcufft.so.11" -> 12 (the toolkit's version). */
int cuda_major_from_toolkit_path(const char *path, char *dir, size_t dirlen)
{
	if (!path || !str_starts(path, "/usr/local/cuda-"))
		return 0;
	const char *v = path + strlen("/usr/local/cuda-");
	size_t n = strcspn(v, "/");
	if (v[n] != '/')
		return 0;
	char buf[32];
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	struct cuvet_version ver;
	if (cuvet_version_parse(buf, &ver, NULL) < 0 || ver.part[0] == 0 || ver.part[0] > 99)
		return 0;
	if (dir && !pathf(dir, dirlen, "/usr/local/cuda-%s", buf))
		return 0;
	return (int)ver.part[0];
}

/* The single CUDA major of a cuDNN or TensorRT release, from "cuda_majors" ("12", "12 11"). */
static int kb_single_major(const char *majors)
{
	if (!majors)
		return 0;
	while (*majors == ' ')
		majors++;
	size_t n = strcspn(majors, " ");
	if (majors[n + strspn(majors + n, " ")] != '\0')
		return 0; /* several: the release alone does not say which build this is */
	return major_at(majors, " ");
}

int cuda_major_infer(const struct cuda_major_in *in, const struct cuvet_kb *kb, int *major, char **source)
{
	*major = 0;
	*source = NULL;
	if (!in->family || strcmp(in->family, "cuda") == 0 || strcmp(in->family, "nvml") == 0)
		return 0; /* the driver's own libraries: they provide CUDA, they are not built for one */
	const char *so = in->soname ? in->soname : in->name;
	int m;
	if (soname_is_cuda(in->family) && (m = cuda_major_from_soname(so)) > 0) {
		*major = m;
		*source = xasprintf("soname:%s", so);
		goto out;
	}
	const char *path = in->real_path ? in->real_path : in->path;
	if ((m = cuda_major_from_wheel_path(path)) > 0 || (m = cuda_major_from_wheel_path(in->path)) > 0) {
		*major = m;
		*source = xasprintf("pip:nvidia/cu%d", m);
		goto out;
	}
	if (in->version_source && str_starts(in->version_source, "dist-info:") &&
	    (m = cuda_major_from_dist(in->version_source + 10)) > 0) {
		*major = m;
		*source = xstrdup(in->version_source);
		goto out;
	}
	if (in->version_source && str_starts(in->version_source, "dpkg:")) {
		const char *pkg = in->version_source + 5;
		if ((m = cuda_major_from_dpkg_name(pkg)) > 0) {
			*major = m;
			*source = xasprintf("dpkg:%s", pkg);
			goto out;
		}
		if ((m = cuda_major_from_dpkg_version(in->dpkg_version)) > 0) {
			*major = m;
			*source = xasprintf("dpkg-version:%s %s", pkg, in->dpkg_version);
			goto out;
		}
	}
	char dir[64];
	if ((m = cuda_major_from_toolkit_path(path, dir, sizeof(dir))) > 0 ||
	    (m = cuda_major_from_toolkit_path(in->path, dir, sizeof(dir))) > 0) {
		*major = m;
		*source = xasprintf("toolkit-dir:%s", dir);
		goto out;
	}
	/* The knowledge base, only for a version more precise than the SONAME's major. */
	bool cudnn = strcmp(in->family, "cudnn") == 0, trt = strcmp(in->family, "tensorrt") == 0;
	if ((cudnn || trt) && in->version && in->version_source && strcmp(in->version_source, "soname") != 0 &&
	    strchr(in->version, '.')) {
		struct cuvet_kb_release rel[4];
		int n = cudnn ? cuvet_kb_cudnn_find(kb, in->version, rel, 4, NULL)
			      : cuvet_kb_tensorrt_find(kb, in->version, rel, 4, NULL);
		/* A row about one package of a release ("9.4.0 (CUDA 11.x pkg)") does not say which build a
		 * file of that release is. */
		if (n > 0 && !strstr(rel[0].release, "pkg") && (m = kb_single_major(rel[0].cuda_majors)) > 0) {
			*major = m;
			*source = xasprintf("kb:%s %s%s", cudnn ? "cudnn-support.tsv" : "tensorrt-support.tsv",
					    rel[0].release, rel[0].unverified ? " (unverified)" : "");
			goto out;
		}
	}
	return 0;
out:
	if (!*source) {
		*major = 0;
		return -1;
	}
	return 0;
}
