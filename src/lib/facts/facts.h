/* Facts as data: building the arrays of struct cuvet_facts (the probe and the JSON reader), and
 * the few questions about facts that several layers ask, answered here once. Nothing here reads
 * the system. */
#ifndef CUVET_FACTS_H
#define CUVET_FACTS_H

#include "internal.h"

/* Grows the arrays of FACTS; the capacities live beside it, not in the facts. */
struct facts_builder {
	struct cuvet_facts *facts;
	size_t libs_cap, gpus_cap, toolkits_cap, env_cap, notes_cap;
	bool oom;                   /* an append failed: the facts are incomplete, an error */
};

/* Appends a zeroed element and returns it, or NULL when out of memory. A new GPU has its
 * numbers unknown (-1) and is visible. */
struct cuvet_lib *facts_add_lib(struct facts_builder *b);
struct cuvet_gpu *facts_add_gpu(struct facts_builder *b);
struct cuvet_toolkit *facts_add_toolkit(struct facts_builder *b);
int facts_add_env(struct facts_builder *b, const char *key, const char *value);
int facts_add_note(struct facts_builder *b, const char *text);

/* Release helpers. */
void facts_lib_release(struct cuvet_lib *l);
void facts_gpu_release(struct cuvet_gpu *g);
void facts_toolkit_release(struct cuvet_toolkit *t);

/* A forward-compat directory's file: the cuda-compat packages install into
 * /usr/local/cuda-X.Y/compat, and images copy that directory as is. */
bool facts_path_is_compat(const char *path);

/* The libcuda.so.1 copy a plain dlopen picks (not a stub), or NULL. */
const struct cuvet_lib *facts_libcuda_pick(const struct cuvet_facts *f);
/* The libcuda.so.1 a process loads is a forward-compat copy (by the picked copy's real path). */
bool facts_libcuda_is_compat(const struct cuvet_facts *f);

/* The driver version in effect: the kernel module's, else NVML's, else the user-space libcuda's
 * (never a forward-compat libcuda's: its version is the compat package's, not the driver's).
 * *SOURCE (when not NULL) gets "kernel-module", "nvml" or "libcuda". NULL when none is known. */
const char *facts_driver_version(const struct cuvet_facts *f, const char **source);

/* Which of GPUS (N of them, in index order) a workload sees, from NVIDIA_VISIBLE_DEVICES and
 * CUDA_VISIBLE_DEVICES (NULL: unset); IN_CONTAINER says the facts were read inside a container
 * (the runtime has then already applied NVIDIA_VISIBLE_DEVICES). Writes SEL[i] for GPUS[i].
 * With STRICT, an NVIDIA_VISIBLE_DEVICES entry that names no GPU is an error (-1 with
 * CUVET_E_INVALID): for a list typed by a user rather than read from an environment. */
int facts_gpu_visibility(const struct cuvet_gpu *gpus, size_t n, const char *nvidia_visible,
			 const char *cuda_visible, bool in_container, bool strict, bool *sel, struct cuvet_error *err);

/* Parses a PCI address "DDDD:BB:SS.F" (sysfs, /proc) or NVML's "DDDDDDDD:BB:SS.F" into NVML's
 * form (upper-case hex, 8-digit domain). -1 when it is not one. */
int facts_bus_id_normalize(const char *s, char *out, size_t outlen);

/* The facts as a jansson object (facts_json.c), for the reports that embed them. */
struct json_t *facts_to_jansson(const struct cuvet_facts *f);

/* probe_gpucode.c: a library whose only GPU code is a placeholder cubin of a few hundred bytes
 * (wrappers such as cuFFTW; libraries that keep their kernels elsewhere) says nothing about
 * the GPUs it supports. */
bool gpu_code_is_placeholder(const struct cuvet_lib *l);

#endif
