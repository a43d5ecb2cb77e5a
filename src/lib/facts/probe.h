/* Internal interface between the probe modules (probe_driver.c, probe_gpu.c, nvml.c,
 * probe_libs.c, probe_env.c). probe.c owns the context and calls them in order. */
#ifndef CUVET_PROBE_H
#define CUVET_PROBE_H

#include "internal.h"
#include "facts.h"

struct probe_ctx {
	struct cuvet_fs *fs;                   /* the root being probed */
	const struct cuvet_probe_opts *opts;
	struct cuvet_facts *facts;             /* being filled (fb.facts) */
	struct facts_builder fb;               /* grows facts' arrays */
	char *const *env;                      /* environment (never NULL; may be empty) */
	bool live;                             /* the root is this machine's "/" */
	struct cuvet_ldcache *cache;           /* parsed /etc/ld.so.cache, or NULL */
	struct cuvet_ldconf conf;              /* /etc/ld.so.conf directories */
	const struct cuvet_kb *kb;             /* opts->kb, or the built-in one loaded for this probe */
	int nvml_pid, nvml_fd;                 /* the NVML child while it runs (-1: none) */
	struct probe_lib_index *lib_index;     /* facts->libs by real path */
	struct ldmodel *ldm;                   /* the loader model of this root (probe_ldmodel) */
	double nvml_deadline, nvml_timeout;
};

/* cuvet_fs_realpath with the answer remembered for the rest of the probe (the view's cache, see
 * fs_cache_begin): the same library paths are resolved while scanning, while deciding what the
 * loader picks, and for the driver. */
int probe_realpath(struct probe_ctx *pc, const char *path, char *out, size_t outlen);
/* The library copy whose real path is REAL, or NULL; facts_libs_reordered() after sorting. A
 * copy is indexed once its real_path is set, at the next lookup. */
struct cuvet_lib *facts_lib_by_real(struct probe_ctx *pc, const char *real);
void facts_libs_reordered(struct probe_ctx *pc);
void facts_lib_index_free(struct probe_ctx *pc);

/* The loader model for a plain dlopen from a native program of this root, with the probed
 * environment's LD_LIBRARY_PATH; built on first use (probe_libs.c), freed by probe.c. NULL only
 * when out of memory (ERR filled). */
struct ldmodel *probe_ldmodel(struct probe_ctx *pc, struct cuvet_error *err);

/* Name, class (data-center, consumer, ...) and compute capability of G from the knowledge
 * base's PCI-id table, for what NVML or sysfs left unknown. -1 when out of memory. */
int probe_gpu_from_kb(struct probe_ctx *pc, struct cuvet_gpu *g);

/* Environment lookup in ctx->env. */
const char *probe_getenv(const struct probe_ctx *pc, const char *key);

/* Each fills its part of pc->facts. Returns -1 only for a failure that makes the whole probe
 * meaningless (out of memory); missing facts stay unknown. */
int probe_env(struct probe_ctx *pc, struct cuvet_error *err);      /* OS, glibc, container, env vars */
int probe_driver(struct probe_ctx *pc, struct cuvet_error *err);   /* /proc version, libcuda/libnvml files */
int probe_nvml_start(struct probe_ctx *pc, struct cuvet_error *err); /* forks the NVML child (live root only) */
int probe_nvml_collect(struct probe_ctx *pc, struct cuvet_error *err); /* collects its answer */
int probe_nvml(struct probe_ctx *pc, struct cuvet_error *err);     /* both, one after the other */
int probe_gpus(struct probe_ctx *pc, struct cuvet_error *err);     /* sysfs/proc GPUs when NVML gave none; visibility */
int probe_libs(struct probe_ctx *pc, struct cuvet_error *err);     /* library copies */
int probe_toolkits(struct probe_ctx *pc, struct cuvet_error *err); /* /usr/local/cuda*, compat dirs */
int probe_gpu_code(struct probe_ctx *pc, struct cuvet_error *err); /* fatbin targets (probe_gpucode.c) */

/* Records something the probe could not read (kept in facts->notes). */
void probe_note(struct probe_ctx *pc, const char *fmt, ...) CUVET_PRINTF(2, 3);




/* probe_cuda_major.c: the CUDA major a library copy was built for (names only, no I/O; the unit
 * tests call these directly). Each returns 0 when its source does not say. */
struct cuda_major_in {
	const char *family, *name, *path, *real_path, *soname, *version, *version_source;
	const char *dpkg_version;   /* the owning package's full Debian version ("2.28.3-1+cuda13.0"), or NULL */
};
int cuda_major_from_soname(const char *soname);
int cuda_major_from_wheel_path(const char *path);
int cuda_major_from_dist(const char *dist);
int cuda_major_from_dpkg_name(const char *pkg);
int cuda_major_from_dpkg_version(const char *version);
int cuda_major_from_toolkit_path(const char *path, char *dir, size_t dirlen);
/* Sets *MAJOR (0: unknown) and *SOURCE (malloc'ed, NULL when unknown); -1 only when out of memory. */
int cuda_major_infer(const struct cuda_major_in *in, const struct cuvet_kb *kb, int *major, char **source);

/* probe_driver.c, exposed for the unit tests. */
int driver_parse_proc_version(const char *text, char **version, char **flavour);
char *driver_version_from_name(const char *path, const char *base);
#endif
