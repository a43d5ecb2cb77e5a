/*
 * cuvet.h — the public API of libcuvet, which vets NVIDIA GPU software stacks.
 *
 * Ownership: every object returned by a cuvet_*_new(), cuvet_*_open(), cuvet_*_parse() or
 * cuvet_probe() call belongs to the caller and is released with the matching cuvet_*_free(),
 * which accepts NULL. Strings inside a returned object belong to that object. Strings passed
 * in are copied when the library keeps them. The library never prints and never exits; a
 * failing call returns -1 or NULL and fills the caller-owned struct cuvet_error.
 */
#ifndef CUVET_H
#define CUVET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CUVET_BUILDING) && defined(__GNUC__)
#define CUVET_API __attribute__((visibility("default")))
#else
#define CUVET_API
#endif

/* ---------------------------------------------------------------- errors ---- */

enum cuvet_errcode {
	CUVET_OK = 0,
	CUVET_E_INVALID,  /* malformed input (a version, a requirement, a file's contents) */
	CUVET_E_IO,       /* a file could not be read */
	CUVET_E_NOTFOUND, /* a path or entry does not exist */
	CUVET_E_LOOP,     /* too many symbolic links */
	CUVET_E_ESCAPE,   /* a path would leave the root */
	CUVET_E_NOMEM,
	CUVET_E_TIMEOUT,
	CUVET_E_RANGE,    /* a number out of range, a buffer too small */
};

struct cuvet_error {
	int code;       /* enum cuvet_errcode */
	char msg[512];
};

CUVET_API void cuvet_error_clear(struct cuvet_error *err);

/* ---------------------------------------------------------------- verdict --- */

enum cuvet_verdict { CUVET_PASS, CUVET_FAIL, CUVET_UNKNOWN, CUVET_ERROR };
CUVET_API const char *cuvet_verdict_name(enum cuvet_verdict v); /* "PASS", ... */

/* Exit statuses (SPEC §2), the same for every command and every program built on the library. */
enum cuvet_exit {
	CUVET_EXIT_OK = 0,           /* compatible, nothing wrong */
	CUVET_EXIT_PROBLEMS = 1,     /* incompatible, drift, problems found */
	CUVET_EXIT_USAGE = 2,        /* usage error */
	CUVET_EXIT_UNDETERMINED = 3, /* facts missing */
	CUVET_EXIT_INPUT = 4,        /* input, parse or I/O error */
};
/* PASS 0, FAIL 1, UNKNOWN 3, ERROR (an invalid requirement or input) 4. */
CUVET_API int cuvet_verdict_exit(enum cuvet_verdict v);
/* The status for a list of problems: 1 when the worst severity is error, else 0. */
CUVET_API int cuvet_severity_exit(int worst_severity);

/* -------------------------------------------------------------- versions ---- */

#define CUVET_VERSION_MAX_PARTS 6

/* A dotted numeric version: "580.159.04", "12.2", "9.14.0.64", "23.09". Leading zeros are
 * allowed ("04") and compare numerically; the text is kept for display. */
struct cuvet_version {
	unsigned nparts;
	uint32_t part[CUVET_VERSION_MAX_PARTS];
};

CUVET_API int cuvet_version_parse(const char *s, struct cuvet_version *out, struct cuvet_error *err);
/* Like parse, but accepts trailing text after the last number ("13.0.96-1", "2.28.3-1+cuda13.0")
 * and reports where the numeric prefix ended. */
CUVET_API int cuvet_version_parse_prefix(const char *s, struct cuvet_version *out, const char **end,
					 struct cuvet_error *err);
/* Numeric, component by component, missing trailing components count as zero. */
CUVET_API int cuvet_version_cmp(const struct cuvet_version *a, const struct cuvet_version *b);
/* Writes "12.2" (no zero padding); returns the length that would have been written. */
CUVET_API int cuvet_version_format(const struct cuvet_version *v, char *buf, size_t len);
/* Compares two version strings; both must parse. Returns 0 and sets *result (-1, 0, 1). */
CUVET_API int cuvet_version_compare_str(const char *a, const char *b, int *result, struct cuvet_error *err);

/* Integer encodings used by NVIDIA's version calls (shared/kb/versions-api.md). */
enum cuvet_encoding {
	CUVET_ENC_CUDA,     /* 1000*major + 10*minor: 12020 <-> 12.2 (cudaRuntimeGetVersion, NVML) */
	CUVET_ENC_CUDNN,    /* < 90000: 1000*M + 100*m + p (8902); >= 90000: 10000*M + 100*m + p */
	CUVET_ENC_TENSORRT, /* <= 8.x: 1000*M + 100*m + p (8601); >= 10: 10000*M + 100*m + p (100001) */
	CUVET_ENC_NCCL,     /* <= 2.8: 1000*M + 100*m + p (2708); later 10000*M + 100*m + p (21805) */
	CUVET_ENC_CUBLAS,   /* 10000*M + 100*m + p (120902) */
};
CUVET_API const char *cuvet_encoding_name(enum cuvet_encoding enc);
CUVET_API int cuvet_encoding_from_name(const char *name, enum cuvet_encoding *out);
CUVET_API int cuvet_version_decode(enum cuvet_encoding enc, long value, struct cuvet_version *out,
				   struct cuvet_error *err);
CUVET_API int cuvet_version_encode(enum cuvet_encoding enc, const struct cuvet_version *v, long *out,
				   struct cuvet_error *err);


/* ------------------------------------------------------------------- facts ---- */

/* Facts are plain data (§4 of the design). Every string may be NULL when unknown. Numbers
 * that can be unknown use -1 (or 0 where documented). Each fact says where it came from. */

struct cuvet_driver {
	bool present;               /* any sign of an NVIDIA driver */
	bool module_loaded;         /* /proc/driver/nvidia/version exists */
	char *kernel_version;       /* "580.159.04" from /proc/driver/nvidia/version */
	char *kernel_flavour;       /* "open" or "proprietary" */
	char *libcuda_path;         /* the file the loader would pick for libcuda.so.1 */
	char *libcuda_version;      /* from the real file name (libcuda.so.580.159.04) */
	char *libnvml_path;
	char *libnvml_version;
	char *nvml_driver_version;  /* nvmlSystemGetDriverVersion */
	char *nvml_version;         /* nvmlSystemGetNVMLVersion */
	int cuda_driver_version;    /* 13000; 0 when unknown */
	char *cuda_driver_source;   /* "nvml" (nvmlSystemGetCudaDriverVersion), "libcuda" (cuDriverGetVersion),
	                               "inferred" (from the driver version by the knowledge base) or
	                               "inferred-lower-bound" (at least that: the driver is newer than the
	                               knowledge base's rows); NULL when unknown */
	int nvml_status;            /* 0 ok; an nvmlReturn_t; -1 not tried; -2 timeout; -3 crashed;
	                               -4 the library named by --nvml-lib / $CUVET_NVML_LIBRARY cannot be
	                               loaded or is not NVML */
	char *nvml_error;           /* text for a failed NVML, e.g. "Driver/library version mismatch" */
};

struct cuvet_gpu {
	int index;                  /* NVML index or enumeration order */
	char *name;                 /* "NVIDIA H200" */
	char *uuid;                 /* "GPU-7dbb00bd-..." */
	char *pci_bus_id;           /* "00000000:00:06.0" (NVML form) */
	uint32_t pci_device_id;     /* 0x233510DE (device << 16 | vendor), NVML form */
	int cc_major, cc_minor;     /* -1 when unknown */
	char *brand;                /* "nvidia", "tesla", "geforce", ... (lower case) */
	uint64_t memory_mib;        /* 0 when unknown */
	int mig_mode;               /* 1 enabled, 0 disabled, -1 unknown/unsupported */
	int persistence_mode;       /* 1, 0, -1 */
	char *source;               /* "nvml", "proc", "sysfs" */
	char *cc_source;            /* "nvml", "kb" */
	bool visible;               /* seen by a workload under NVIDIA_/CUDA_VISIBLE_DEVICES */
	bool lost;                  /* NVML says the GPU is lost */
	char *segment;              /* "datacenter", "workstation", "consumer", "embedded" (knowledge base) */
};

/* GPU code a library carries (facts "gpu_code", doc/facts.md). */
/* One distinct target of a file's fatbins: SASS sm_XY[a|f] or PTX compute_XY[a|f] (LTO-IR is left
 * out: it never runs by itself). */
struct cuvet_lib_gpu_code {
	int kind;                   /* CUVET_FATBIN_ELF (SASS) or CUVET_FATBIN_PTX */
	unsigned sm;                /* 90 for sm_90 / compute_90 */
	char variant;               /* 0, 'a' or 'f' */
	unsigned ptx_isa_major;     /* PTX: the highest PTX ISA version among its entries; 0.0 for SASS */
	unsigned ptx_isa_minor;
	size_t entries;             /* how many fatbin entries carry this target */
	uint64_t bytes;             /* their payload bytes as stored (compressed when compressed) */
	uint64_t uncompressed_bytes;/* the same after decompression (what the driver loads or JITs) */
};

struct cuvet_lib {
	char *family;               /* "cudnn", "cudart", "cuda" (libcuda), "nvml", ... */
	char *name;                 /* the file name found ("libcudnn.so.9") */
	char *path;                 /* the path as found (may be a symlink) */
	char *real_path;            /* after resolving symlinks inside the root */
	char *soname;               /* DT_SONAME read from the ELF file */
	char *version;              /* "9.14.0" */
	char *version_source;       /* "file-name", "dpkg:libcudnn9-cuda-13", "dist-info:nvidia_cudnn_cu13" */
	char *found_via;            /* "ld.so.cache", "ld.so.conf", "LD_LIBRARY_PATH", "cuda-dir",
	                               "pip", "conda", "compat", "stubs" */
	bool default_pick;          /* a plain dlopen of the SONAME picks this copy */
	bool stub;                  /* from a toolkit's stubs/ directory */
	bool compat;                /* from a forward-compat directory */
	bool cache_pick;            /* /etc/ld.so.cache alone (no LD_LIBRARY_PATH) would pick this copy */
	int cuda_major;             /* the CUDA major this copy is built for (13); 0 when unknown */
	char *cuda_major_source;    /* "soname:libcudart.so.13", "pip:nvidia/cu13", "dist-info:nvidia_cudnn_cu13",
	                               "dpkg:libcudnn9-cuda-13", "dpkg-version:libnccl2 2.28.3-1+cuda13.0",
	                               "toolkit-dir:/usr/local/cuda-13.0", "kb:cudnn-support.tsv 9.14.0" */
	/* GPU code: read only with cuvet_probe_opts.read_gpu_code, for the copies a
	 * program would use (default_pick, pip, conda) and the files of scan_dirs. */
	bool gpu_code_read;         /* the file's fatbin headers were read: gpu_code is meaningful */
	size_t ngpu_code;           /* 0 with gpu_code_read: no GPU code at all */
	struct cuvet_lib_gpu_code *gpu_code; /* SASS targets first, then PTX, each by SM and variant */
	char *gpu_code_error;       /* why they could not be read, or NULL */
};

struct cuvet_toolkit {
	char *path;                 /* "/usr/local/cuda-13.0" */
	char *version;              /* "13.0.2" from version.json, or the directory name */
	char *version_source;
	char *nvcc_version;         /* "13.0.88" from nvcc's version file, when present */
	char *compat_dir;           /* forward-compat directory, or NULL */
	char *compat_libcuda_version; /* libcuda version in compat_dir */
};

struct cuvet_kv {
	char *key;
	char *value;
};

struct cuvet_facts {
	char *root;                 /* "/" or the --root directory */
	char *hostname;
	char *os_id, *os_version, *os_pretty;
	char *glibc_version;
	char *arch;                 /* "x86_64" */
	char *container;            /* "docker", "kubernetes", "podman", ... or NULL */
	struct cuvet_driver driver;
	size_t ngpus;
	struct cuvet_gpu *gpus;
	size_t nlibs;
	struct cuvet_lib *libs;
	size_t ntoolkits;
	struct cuvet_toolkit *toolkits;
	size_t nenv;
	struct cuvet_kv *env;       /* LD_LIBRARY_PATH, NVIDIA_*, CUDA_*, ... as probed */
	double probe_seconds;
	size_t nnotes;
	char **notes;               /* what the probe could not read, e.g. "ld.so.cache: truncated ..." */
};

struct cuvet_probe_opts {
	const char *root;           /* NULL or "/" for this machine */
	char *const *env;           /* environment to read (NULL: the process's own) */
	bool use_nvml;              /* ask NVML (only for the live root) */
	double timeout;             /* seconds for the NVML child, 0 = 5 */
	const char *nvml_library;   /* NULL: "libnvidia-ml.so.1" (or $CUVET_NVML_LIBRARY) */
	const char *cuda_library;   /* NULL: "libcuda.so.1" */
	bool load_libs;             /* allow dlopen of the live host's own libraries (--no-load off) */
	const struct cuvet_kb *kb;  /* NULL: the built-in knowledge base */
	bool read_gpu_code;         /* read the fatbin headers of the libraries programs would use */
	const char *const *scan_dirs; /* NULL-terminated directories (inside the root): every ELF file
	                                 under them that carries GPU code becomes a library with
	                                 found_via "scan" (needs read_gpu_code) */
	struct cuvet_fs *fs;        /* a view to probe instead of root (cuvet_readers.h); not freed; used
	                               by this probe alone while it runs (it caches answers in the view) */
};

CUVET_API void cuvet_probe_opts_init(struct cuvet_probe_opts *opts);
CUVET_API struct cuvet_facts *cuvet_probe(const struct cuvet_probe_opts *opts, struct cuvet_error *err);
CUVET_API void cuvet_facts_free(struct cuvet_facts *facts);
/* Value of an environment variable as probed, or NULL. */
CUVET_API const char *cuvet_facts_env(const struct cuvet_facts *facts, const char *key);

/* JSON ("cuvet.facts/1"). The returned string is malloc'ed; free() it. */
CUVET_API char *cuvet_facts_to_json(const struct cuvet_facts *facts, bool pretty, struct cuvet_error *err);
CUVET_API struct cuvet_facts *cuvet_facts_from_json(const char *text, size_t len, struct cuvet_error *err);

/* --------------------------------------------------------------- context ---- */

/* What every evaluation shares: the knowledge base, loaded once, and the date the end-of-life
 * rules compare with. A context is read-only once made; several threads may share one. */
struct cuvet_ctx;
struct cuvet_ctx_opts {
	const char *kb_dir;         /* a newer copy of data/ (cuvet_kb_load); NULL: the built-in one */
	const char *today;          /* "YYYY-MM-DD"; NULL: today (UTC) */
};
CUVET_API void cuvet_ctx_opts_init(struct cuvet_ctx_opts *opts);
CUVET_API struct cuvet_ctx *cuvet_ctx_new(const struct cuvet_ctx_opts *opts, struct cuvet_error *err);
CUVET_API void cuvet_ctx_free(struct cuvet_ctx *ctx);
CUVET_API const struct cuvet_kb *cuvet_ctx_kb(const struct cuvet_ctx *ctx);
CUVET_API const char *cuvet_ctx_today(const struct cuvet_ctx *ctx); /* NULL when the clock failed */

/* ------------------------------------------------------------- host view ---- */

/* How the driver runs one library copy, from the CUDA major it was built for (SPEC §5 rules:
 * backward compatibility, minor-version compatibility within a major, forward compatibility only
 * with a cuda-compat package on data-center GPUs). */
enum cuvet_lib_run {
	CUVET_LIB_RUN_UNKNOWN,        /* the copy's CUDA major or the driver's CUDA is unknown */
	CUVET_LIB_RUN_NATIVE,         /* built for an older or the same CUDA */
	CUVET_LIB_RUN_MINOR_COMPAT,   /* same major, newer minor: minor-version compatibility (SASS needed) */
	CUVET_LIB_RUN_FORWARD_COMPAT, /* newer major: through the forward-compat libcuda in effect */
	CUVET_LIB_RUN_NO,             /* newer major, and no forward compatibility in effect covers it */
};
CUVET_API const char *cuvet_lib_run_name(enum cuvet_lib_run r); /* "natively", ... */

struct cuvet_host_lib {
	const struct cuvet_lib *lib;   /* facts->libs[i] */
	bool checked;                  /* a CUDA library copy (not the driver's libcuda or NVML, not a
	                                  stub or a compat copy): RUN and MAJOR_MISMATCH are meaningful */
	enum cuvet_lib_run run;
	bool major_mismatch;           /* cuDNN/TensorRT a process loads, built for another CUDA major than
	                                  the cudart it loads */
};

/* Everything check, doctor and the commands built on them need from facts, derived once from the
 * facts, the knowledge base and the workload's environment. Pointers point into the facts, the
 * context's knowledge base or static strings; the facts and the context must outlive the view. */
/* A problem of a framework's process (`import torch`, cuvet_why_resolve_python) that check and
 * doctor report: WHY and PROBLEM are borrowed from cuvet_host_opts.frameworks; CAUSE (which copy
 * the process loads and why, what the framework pins) and FIX are the host view's. */
struct cuvet_host_framework_problem {
	const struct cuvet_why *why;
	const struct cuvet_why_problem *problem; /* CUVET_WHY_P_PRELOADED or CUVET_WHY_P_PIN */
	char *cause;
	char *fix;
};

struct cuvet_host {
	const struct cuvet_ctx *ctx;
	const struct cuvet_facts *facts;
	/* the driver in effect */
	const char *driver;            /* kernel module's version, else NVML's, else libcuda's (never a
	                                  forward-compat libcuda's); NULL unknown */
	const char *driver_source;     /* "kernel-module", "nvml", "libcuda" */
	unsigned driver_branch;        /* 580 for 580.159.04; 0 unknown */
	int cuda;                      /* highest CUDA the driver runs natively (13000); 0 unknown */
	const char *cuda_source;       /* "nvml", "libcuda", "facts" (a facts file that does not say) or
	                                  "kb" (inferred from the driver version) */
	const char *cuda_kb_basis;     /* "kb": "branch" or "toolkit" (cuvet_kb_driver_cuda) */
	bool cuda_lower_bound;         /* "kb": the driver supports at least this */
	bool cuda_unverified;          /* "kb": a row it rests on is marked unverified */
	const struct cuvet_lib *libcuda; /* the libcuda.so.1 a process loads, NULL when none is found */
	bool compat_picked;            /* that libcuda is a forward-compat copy */
	const char *compat_version;    /* its version when it is */
	bool forward_compat;           /* ... and newer than the driver: forward compatibility in effect */
	int cuda_effective;            /* CUDA a process can use: the compat libcuda's with forward
	                                  compatibility in effect, else CUDA */
	bool compat_stale;             /* that libcuda is a forward-compat copy older than the driver:
	                                  every CUDA call fails with error 803 ("unsupported display
	                                  driver / cuda driver combination") */
	bool compat_unsupported;       /* that libcuda is a forward-compat copy of another version than the
	                                  driver, and a visible GPU is a consumer one: error 804 */
	/* the GPUs the workload sees */
	size_t nvisible;
	const struct cuvet_gpu **visible;
	bool all_datacenter;           /* there are visible GPUs and all are data-center GPUs */
	const struct cuvet_gpu *consumer; /* a visible consumer (GeForce/TITAN) GPU, or NULL */
	const char *cuda_visible_devices; /* the workload's CUDA_VISIBLE_DEVICES, NULL when unset */
	bool gpus_hidden;              /* the facts have GPUs, NVIDIA_VISIBLE_DEVICES leaves some, but
	                                  CUDA_VISIBLE_DEVICES leaves none: CUDA says "no CUDA-capable device
	                                  is detected" (PyTorch: "No CUDA GPUs are available"). GPUs that
	                                  NVIDIA_VISIBLE_DEVICES=none or --visible-devices leave out were left
	                                  out on purpose and do not count. */
	/* libraries */
	struct cuvet_host_lib *libs;   /* one per facts->libs[i] */
	const struct cuvet_lib *runtime; /* the cudart a process loads; NULL when none, or ambiguous */
	bool runtime_ambiguous;        /* cudarts of two majors are each a plain dlopen's pick */
	int runtime_major;             /* runtime's CUDA major; 0 unknown */
	/* frameworks (cuvet_host_opts.frameworks): the "preloaded-copy" and "pinned-version" problems
	 * of warning or error severity their processes have, in the order given */
	size_t nframework_problems;
	struct cuvet_host_framework_problem *framework_problems;
};

struct cuvet_host_opts {
	char *const *env;              /* the workload's environment (NULL-terminated KEY=VALUE): which GPUs
	                                  it sees; NULL: the environment recorded in the facts */
	const char *visible_devices;   /* instead of the environment: GPUs as NVIDIA_VISIBLE_DEVICES names
	                                  them; an entry naming no GPU is an error (CUVET_E_INVALID) */
	const struct cuvet_why *const *frameworks; /* the processes of the frameworks installed in the
	                                  same root and environment (cuvet_why_resolve_python), borrowed:
	                                  they must outlive the view; NULL when none were resolved */
	size_t nframeworks;
};
/* With neither ENV nor VISIBLE_DEVICES (or OPTS NULL) the GPUs are those the facts mark visible.
 * CTX and FACTS are required (CUVET_E_INVALID). */
CUVET_API struct cuvet_host *cuvet_host_new(const struct cuvet_ctx *ctx, const struct cuvet_facts *facts,
					     const struct cuvet_host_opts *opts, struct cuvet_error *err);
CUVET_API void cuvet_host_free(struct cuvet_host *host);
/* The copy of SONAME a plain dlopen in this environment loads, or NULL. */
CUVET_API const struct cuvet_lib *cuvet_host_pick(const struct cuvet_host *host, const char *soname);

/* ------------------------------------------------------- TensorRT engines ---- */

/* Whether this host can load a serialized TensorRT engine, from its header
 * (cuvet_trt_engine_read, cuvet_readers.h): the TensorRT the process loads (the plain dlopen
 * pick of libnvinfer.so.MAJOR) must be the engine's exact release unless the engine is
 * version-compatible, and every visible GPU must have the compute capability it was built on
 * unless it is hardware-compatible. What the header leaves unknown makes a verdict UNKNOWN,
 * never PASS. */
struct cuvet_trt_engine;

/* What the provenance record beside an engine (FILE.cuvet.json, written by cuvet build/stamp:
 * schema cuvet.provenance/1) says of the environment that built it; what it does not say is NULL. */
struct cuvet_engine_provenance {
	char *tensorrt;             /* the "tensorrt" component of the build stack, "8.6.1.6" */
	char *tensorrt_source;      /* where the build host's probe found that version */
	char *compute_capability;   /* the first build GPU's, "8.9" */
	char *gpu;                  /* its name */
	char *driver;               /* the build host's driver, "535.183.01" */
	bool subject_matches;       /* a subject of the record has the engine's sha256 */
	char subject_digest[72];    /* the first subject's "sha256:<hex>", "" when none */
};
/* Reads a cuvet.provenance/1 record (TEXT, LEN bytes) about the engine ENGINE (ENGINE_LEN bytes, for
 * its sha256). Fails with CUVET_E_INVALID when TEXT is not such a record. Release with
 * cuvet_engine_provenance_release. */
CUVET_API int cuvet_engine_provenance_read(const char *text, size_t len, const void *engine, size_t engine_len,
					   struct cuvet_engine_provenance *out, struct cuvet_error *err);
CUVET_API void cuvet_engine_provenance_release(struct cuvet_engine_provenance *p);
/* {"path": PATH, "subject_matches": ..., "tensorrt": ..., ...}: malloc'ed, NULL on failure. */
CUVET_API char *cuvet_engine_provenance_to_json(const struct cuvet_engine_provenance *p, const char *path,
						struct cuvet_error *err);

struct cuvet_engine_item {
	const char *name;           /* "tensorrt", "gpu", "driver" */
	enum cuvet_verdict verdict;
	bool warning;               /* PASS, with something to know (a driver older than the build host's) */
	char *needs;                /* "TensorRT 8.6.1.6", "compute capability 8.9" */
	char *have;                 /* "TensorRT 8.6.1 (/usr/lib/.../libnvinfer.so.8, file-name)"; NULL: none */
	char *message;              /* why the verdict, and the fix */
};
struct cuvet_engine_check {
	enum cuvet_verdict verdict; /* the worst of the items */
	size_t nitems;
	struct cuvet_engine_item items[3];
};
/* PROV (may be NULL): the engine's provenance record, which answers what the header leaves
 * unknown (only when the record's subject is this engine) and gives the build host's driver. */
CUVET_API struct cuvet_engine_check *cuvet_engine_check_new(const struct cuvet_host *host,
							     const struct cuvet_trt_engine *engine,
							     const struct cuvet_engine_provenance *prov,
							     struct cuvet_error *err);
CUVET_API void cuvet_engine_check_free(struct cuvet_engine_check *c);
/* {"path": ..., "verdict": ..., "items": [...]}: malloc'ed, NULL on failure. */
CUVET_API char *cuvet_engine_check_to_json(const struct cuvet_engine_check *c, const char *path, bool pretty,
					   struct cuvet_error *err);
/* The JSON object OBJECT with one member KEY = VALUE (both JSON texts) added at its end: how a
 * command adds its own section to another's document. Malloc'ed, NULL on failure. */
CUVET_API char *cuvet_json_add_member(const char *object, const char *key, const char *value, bool pretty,
				      struct cuvet_error *err);

/* ---------------------------------------------------------------- findings ---- */

enum cuvet_severity { CUVET_SEV_INFO, CUVET_SEV_WARNING, CUVET_SEV_ERROR };
CUVET_API const char *cuvet_severity_name(enum cuvet_severity s); /* "info", "warning", "error" */

struct cuvet_finding {
	char *id;                   /* stable rule id, e.g. "driver-version-mismatch" */
	enum cuvet_severity severity;
	char *layer;                /* "driver", "gpu", "libraries", "toolkit", "environment" */
	char *summary;              /* one line */
	char *cause;
	char *fix;
};

struct cuvet_findings {
	size_t count;
	struct cuvet_finding *items;
	size_t dropped;             /* findings left out by cuvet_doctor_opts.max_findings */
};

/* The diagnoses come in rule sets: "driver" (driver presence and versions, NVML, lost GPUs),
 * "libraries" (stubs, forward-compat libcuda, duplicate copies, LD_LIBRARY_PATH, the copies the
 * frameworks of cuvet_host_opts.frameworks load), "knowledge-base"
 * (what the tables say about the driver, its branch, the GPUs and the libraries' CUDA majors) and
 * "gpu-code" (the GPU code libraries carry against the GPUs). */
struct cuvet_doctor_opts {
	const char *const *rule_sets; /* NULL-terminated names of the sets to run; NULL: every set */
	size_t max_findings;          /* keep at most this many (errors first); 0: no limit */
};
CUVET_API void cuvet_doctor_opts_init(struct cuvet_doctor_opts *opts);
/* The rule sets' names, NULL-terminated. */
CUVET_API const char *const *cuvet_doctor_rule_sets(void);
/* Runs the diagnoses over the host view; OPTS may be NULL. The findings come errors first, then
 * warnings, then notes, each in rule order. An unknown rule-set name is CUVET_E_INVALID. */
CUVET_API struct cuvet_findings *cuvet_doctor(const struct cuvet_host *host, const struct cuvet_doctor_opts *opts,
					       struct cuvet_error *err);
CUVET_API void cuvet_findings_free(struct cuvet_findings *f);
CUVET_API char *cuvet_findings_to_json(const struct cuvet_facts *facts, const struct cuvet_findings *f,
				       bool pretty, struct cuvet_error *err);

/* ---------------------------------------------------------- knowledge base ---- */

/* The knowledge base (the data/ tables, each row with its public source) is compiled into the
 * library; cuvet_kb_load(DIR) reads a newer copy of the same files from DIR instead. */
struct cuvet_kb;
CUVET_API struct cuvet_kb *cuvet_kb_load(const char *dir, struct cuvet_error *err); /* NULL: built-in */
CUVET_API void cuvet_kb_free(struct cuvet_kb *kb);
CUVET_API const char *cuvet_kb_data_date(const struct cuvet_kb *kb);


/* ---- requirements: the NVIDIA_REQUIRE grammar and `cuvet check` (src/lib/eval/require.c) ---- */

/* A requirement is a NVIDIA_REQUIRE_* expression (SPEC §6.1): groups separated by white space are
 * OR-ed, clauses separated by commas inside a group are AND-ed, a clause is `key op value`.
 * A check collects expressions (each AND-ed with the others), evaluates them against facts with
 * four-state verdicts and, beside cuvet's own verdict, what nvidia-container-cli
 * (libnvidia-container) would decide when starting a container with them. */

enum cuvet_req_key {
	CUVET_REQ_CUDA, CUVET_REQ_DRIVER, CUVET_REQ_ARCH, CUVET_REQ_BRAND,   /* NVIDIA's keys */
	CUVET_REQ_CUDART, CUVET_REQ_CUDNN, CUVET_REQ_CUBLAS, CUVET_REQ_NCCL,  /* cuvet's extensions */
	CUVET_REQ_TENSORRT, CUVET_REQ_GPU, CUVET_REQ_MEMORY, CUVET_REQ_COUNT,
};
enum cuvet_req_op { CUVET_OP_EQ, CUVET_OP_NE, CUVET_OP_LT, CUVET_OP_LE, CUVET_OP_GT, CUVET_OP_GE };
CUVET_API const char *cuvet_req_key_name(enum cuvet_req_key k); /* "cuda" */
CUVET_API const char *cuvet_req_op_name(enum cuvet_req_op op);  /* ">=" */

struct cuvet_req_clause {
	enum cuvet_req_key key;
	enum cuvet_req_op op;
	char *text;                 /* the clause as written: "driver>=535" */
	char *value;                /* "535" */
	size_t pos;                 /* 1-based position of the clause in the expression */
	enum cuvet_verdict verdict; /* after evaluation: over every visible GPU for GPU keys */
	bool assumed;               /* UNKNOWN turned into PASS by assume_unknown_pass */
	char *fact;                 /* what was compared: "13.0 (inferred from driver 580.159.04)" */
	char *message;              /* why the verdict */
	char *fix;                  /* the smallest fix, for a FAIL when the knowledge base knows one */
};

struct cuvet_req_group {
	size_t nclauses;
	struct cuvet_req_clause *clauses;
	enum cuvet_verdict verdict; /* for every visible GPU */
	size_t npass;               /* how many visible GPUs it holds for (each GPU may pick its own group) */
};

struct cuvet_req_expr {
	char *source;               /* "argument 1", "NVIDIA_REQUIRE_CUDA", "CUDA_VERSION (legacy rule)" */
	char *text;
	bool from_env;              /* from an environment (or env file) rather than the command line */
	enum cuvet_verdict verdict; /* ERROR when the expression is invalid */
	char *error;                /* for ERROR: "position 5: unknown operator '=>'" */
	size_t error_pos;           /* 1-based; 0 when valid */
	size_t ngroups;
	struct cuvet_req_group *groups;
	enum cuvet_verdict runtime; /* nvidia-container-cli's decision: PASS, FAIL, ERROR ("invalid
	                               expression"), UNKNOWN (it depends on a fact these facts lack) */
	char *runtime_note;         /* why the runtime decides otherwise, or NULL */
	bool refused;               /* from the environment, and nvidia-container-cli refuses it (runtime
	                               FAIL or ERROR): the container will not start, so verdict is FAIL
	                               even where cuvet's own reading passes (ERROR stays ERROR) */
	char *fix;                  /* the one smallest fix for the whole expression (the cheapest
	                               failed group's), or NULL; each clause keeps its own in clause.fix */
};


struct cuvet_check_lib {
	const char *family, *name, *path, *real_path, *version; /* point into the facts of the host view */
	int cuda_major;             /* 0 unknown */
	enum cuvet_lib_run run;
	bool major_mismatch;        /* cuDNN/TensorRT built for another CUDA major than the cudart a plain
	                               dlopen picks */
};

/* A problem the workload itself will hit on this host, whatever its requirements say (the host
 * view's compat_stale, compat_unsupported, gpus_hidden). ID is doctor's rule id for the same
 * condition: "compat-older-than-driver", "compat-unsupported-gpu", "no-visible-gpu". */
struct cuvet_check_problem {
	const char *id;             /* static */
	char *summary;
	char *cause;
	char *fix;
};

struct cuvet_check {
	bool disabled;              /* NVIDIA_DISABLE_REQUIRE is true: the environment's requirements are not
	                               checked (those added with cuvet_check_add still are) */
	char *disabled_by;          /* its value */
	size_t nexprs;
	struct cuvet_req_expr *exprs;
	/* after cuvet_check_eval: */
	enum cuvet_verdict verdict;
	enum cuvet_verdict runtime; /* over every visible GPU (outer loop) and every expression (inner),
	                               the first refusal, as configure_command() evaluates them */
	bool refused;               /* nvidia-container-cli would not start a container with the
	                               environment's requirements: verdict is FAIL (SPEC §2 exit 1) */
	bool too_many;              /* more than CUVET_RUNTIME_MAX_REQS requirements from the environment:
	                               nvidia-container-cli stops with "too many requirements" */
	size_t nvisible;            /* GPUs counted: the host view's visible GPUs */
	char *driver;               /* the driver version compared (kernel module, else NVML, else libcuda) */
	int cuda;                   /* the driver's CUDA used (NVIDIA encoding), 0 unknown */
	char *cuda_source;          /* "nvml", "libcuda", "kb (inferred from driver 580.159.04)" */
	size_t nnotes;
	char **notes;
	/* after cuvet_check_eval: the cudart, cuBLAS, cuDNN, TensorRT and NCCL copies the facts list
	 * (stubs and forward-compat libcuda left out), and their verdict: FAIL when one cannot run on
	 * this driver or does not match the CUDA major of the runtime beside it. It is AND-ed into
	 * verdict (it does not change what nvidia-container-cli decides). */
	size_t nlibs;
	struct cuvet_check_lib *libs;
	enum cuvet_verdict libs_verdict;
	/* after cuvet_check_eval: what the workload will hit before any requirement matters — the
	 * libcuda its loader picks is a forward-compat copy older than the kernel module (CUDA error
	 * 803) or one on a consumer GPU (804); the facts have GPUs but CUDA_VISIBLE_DEVICES leaves it
	 * none ("no CUDA-capable device is detected"); a framework's process loads a library copy other
	 * than the one it pins or than its own search finds (the host view's framework_problems of error
	 * severity: "pinned-version", "preloaded-copy"). FAIL when there is one; AND-ed into verdict (it
	 * does not change what nvidia-container-cli decides). */
	size_t nworkload;
	struct cuvet_check_problem *workload;
	enum cuvet_verdict workload_verdict;
	/* notes[0..nnotes_read) come from reading the requirements (cuvet_check_add*); the ones after
	 * from the last cuvet_check_eval, which drops the previous evaluation's first: one check can be
	 * evaluated again against another host view without reading its requirements again. */
	size_t nnotes_read;
};

/* nvidia-container-cli keeps each --require in `char *reqs[32]` (libnvidia-container
 * src/cli/cli.h struct context; configure_parser() refuses a 33rd: "too many requirements"). */
#define CUVET_RUNTIME_MAX_REQS 32

struct cuvet_check_opts {
	bool assume_unknown_pass;   /* policy: a missing fact counts as PASS, and says so */
};

CUVET_API struct cuvet_check *cuvet_check_new(struct cuvet_error *err);
CUVET_API void cuvet_check_free(struct cuvet_check *c);
/* Parses TEXT and adds it (AND-ed). An invalid expression is still added, with verdict ERROR,
 * and the call returns -1 with CUVET_E_INVALID and "SOURCE: position N: ...". */
CUVET_API int cuvet_check_add(struct cuvet_check *c, const char *source, const char *text, bool from_env,
			      struct cuvet_error *err);
/* Adds the requirements of an environment (NULL-terminated KEY=VALUE strings) the way NVIDIA's
 * toolkit collects them: every NVIDIA_REQUIRE_* except NVIDIA_REQUIRE_JETPACK*, in name order;
 * NVIDIA_DISABLE_REQUIRE true (1, t, T, TRUE, true, True) disables the check; CUDA_VERSION without
 * NVIDIA_REQUIRE_CUDA implies cuda>=MAJOR.MINOR. Returns -1 on the first invalid one. */
CUVET_API int cuvet_check_add_env(struct cuvet_check *c, char *const *env, struct cuvet_error *err);
/* Evaluates every expression against the host view (its visible GPUs only); OPTS may be NULL. */
CUVET_API int cuvet_check_eval(struct cuvet_check *c, const struct cuvet_host *host,
			       const struct cuvet_check_opts *opts, struct cuvet_error *err);
/* "cuvet.check/1". The returned string is malloc'ed; free() it. */
CUVET_API char *cuvet_check_to_json(const struct cuvet_check *c, bool pretty, struct cuvet_error *err);
/* Go's strconv.ParseBool: 1 for a true spelling, 0 for a false one, -1 otherwise. */
CUVET_API int cuvet_parse_bool(const char *s);

/* How the loader found an object (glibc elf/dl-load.c _dl_map_object order; shared/formats/ldso.md §2). */
enum cuvet_why_rule {
	CUVET_WHY_INPUT,           /* the file asked about */
	CUVET_WHY_INTERP,          /* the program interpreter (PT_INTERP), mapped before anything else */
	CUVET_WHY_DIRECT,          /* a name with '/', opened as given */
	CUVET_WHY_RPATH,           /* the requester's own DT_RPATH */
	CUVET_WHY_RPATH_PARENT,    /* the DT_RPATH of an object up the loader chain (rule_from) */
	CUVET_WHY_LD_LIBRARY_PATH,
	CUVET_WHY_RUNPATH,         /* the requester's own DT_RUNPATH */
	CUVET_WHY_CACHE,           /* /etc/ld.so.cache */
	CUVET_WHY_DEFAULT,         /* the loader's built-in directories */
	CUVET_WHY_NOT_FOUND,
};
/* "input", "interpreter", "direct", "rpath", "rpath of parent", "LD_LIBRARY_PATH", "runpath",
 * "ld.so.cache", "default path", "not found". */
CUVET_API const char *cuvet_why_rule_name(enum cuvet_why_rule rule);

#define CUVET_WHY_NONE ((size_t)-1)

struct cuvet_why_edge {
	char *name;                 /* the DT_NEEDED entry (or the dlopen'ed name) */
	size_t object;              /* index into cuvet_why.objects */
	bool dlopen;                /* a library the requester loads with dlopen (--with-dlopen) */
	char *source;               /* dlopen edges: the row's source and evidence (data/dlopen-deps.tsv) */
};

struct cuvet_why_object {
	char *name;                 /* the name it was first asked for */
	char *path;                 /* as found (symlinks kept, as $ORIGIN sees it); NULL when not found */
	char *real_path;            /* symlinks resolved inside the root; NULL when not found */
	char *soname;               /* DT_SONAME, NULL if none */
	char *family;               /* NVIDIA library family ("cudnn"), NULL for others */
	char *version;              /* "9.14.0", NULL when nothing tells */
	char *version_source;       /* "file-name", "dist-info:nvidia_cudnn_cu12", "soname" */
	enum cuvet_why_rule rule;
	size_t rule_from;           /* CUVET_WHY_RPATH_PARENT: the object whose RPATH found it */
	char *search_dir;           /* the directory it was found in (after $ORIGIN etc.), NULL for direct */
	size_t loader;              /* the object that caused it to be loaded; CUVET_WHY_NONE for the input */
	size_t depth;               /* 0 for the input */
	bool dlopen;                /* first reached through a dlopen edge */
	char *error;                /* found but cannot be loaded (corrupt ELF ...): why; else NULL */
	size_t nneeded;
	struct cuvet_why_edge *needed; /* DT_NEEDED in order, then dlopen edges */
	size_t nsearched;
	char **searched;            /* CUVET_WHY_NOT_FOUND: "rpath: /dir", ... in the order considered */
	size_t input;               /* the input (index into cuvet_why.targets) whose loading brought it in */
};

enum cuvet_why_problem_kind {
	CUVET_WHY_P_NOT_FOUND,      /* the loader finds no copy */
	CUVET_WHY_P_ELSEWHERE,      /* ... but a copy exists where nothing here searches (or only a
	                               stale cache misses it) */
	CUVET_WHY_P_OTHER_MAJOR,    /* ... and another major of the family is installed */
	CUVET_WHY_P_BAD_FILE,       /* the copy found cannot be loaded */
	CUVET_WHY_P_VERSION,        /* a needed symbol version the copy does not define */
	CUVET_WHY_P_SYMBOL,         /* a versioned symbol the loaded objects do not define */
	CUVET_WHY_P_COPIES,         /* other copies exist that another environment would pick */
	CUVET_WHY_P_STUB,           /* a toolkit stub library resolves (no real driver) */
	CUVET_WHY_P_DLOPEN_MISSING, /* a library loaded with dlopen is not found (or cannot be named) */
	CUVET_WHY_P_PRELOADED,      /* a process: an object loaded later gets the copy an earlier input
	                               loaded, not the one its own search finds (glibc matches loaded
	                               objects by SONAME before searching) */
	CUVET_WHY_P_PIN,            /* --python: a library copy other than the version the package pins */
};

struct cuvet_why_problem {
	enum cuvet_why_problem_kind kind;
	enum cuvet_severity severity;
	const char *id;             /* "not-found", "not-searched", "other-major", "bad-file", "symbol-version",
	                               "undefined-symbol", "several-copies", "stub", "dlopen-not-found",
	                               "dlopen-undetermined", "too-many-objects", "stale-cache",
	                               "preloaded-copy", "pinned-version" */
	size_t object;              /* the object concerned */
	char *message;              /* one line */
	/* "preloaded-copy": the object whose own search would find OTHER_PATH (version OTHER_VERSION,
	 * or NULL); "pinned-version": OTHER_VERSION is the pinned version, OTHER_PATH the dist-info */
	size_t requester;           /* CUVET_WHY_NONE when not set */
	char *other_path;
	char *other_version;
};

struct cuvet_why {
	char *target;               /* as asked (a process: the inputs joined by " ") */
	size_t ntargets;            /* 1 for cuvet_why_resolve; a process: its inputs in load order */
	char **targets;
	size_t *target_objects;     /* the object each input is (an input already loaded by an earlier
	                               one is that object) */
	char *python;               /* cuvet_why_resolve_python: the package ("torch"), else NULL */
	char *python_dist;          /* ... its dist-info directory, NULL when none was found */
	size_t nobjects;
	struct cuvet_why_object *objects; /* in load order (breadth first, as the loader maps them);
	                                     objects[0] is the input */
	size_t nproblems;
	struct cuvet_why_problem *problems;
	char *lib;                  /* what $LIB expands to ("lib/x86_64-linux-gnu", "lib64") */
	char *platform;             /* what $PLATFORM expands to ("x86_64") */
	size_t ndefault_dirs;
	char **default_dirs;
	size_t nhwcaps;
	char **hwcaps;              /* glibc-hwcaps subdirectories tried, best first ("x86-64-v3") */
};

struct cuvet_why_opts {
	const char *root;           /* NULL or "/" */
	struct cuvet_fs *fs;        /* a view to resolve in instead of ROOT (e.g. an image's merged
	                               layers); not freed, used by one resolution at a time */
	char *const *env;           /* environment (LD_LIBRARY_PATH); NULL: the process's own */
	const char *ld_library_path;/* overrides the environment's when not NULL */
	bool with_dlopen;           /* follow the libraries NVIDIA components dlopen (data/dlopen-deps.tsv) */
	const struct cuvet_kb *kb;  /* NULL: the built-in knowledge base */
	bool explain;               /* explain problems with the library copies of FACTS */
	bool symbol_versions;       /* check the symbol versions each object needs (default true; reads
	                               every object's dynamic symbols, the slow part on big libraries) */
	const struct cuvet_facts *facts; /* a probe of the same root and environment (cuvet_probe, NVML
	                               not needed), borrowed: its library copies explain missing
	                               libraries and other copies; NULL: no such explanations */
	/* With EXPLAIN and no FACTS: called at most once, after the tree is resolved and only when it
	 * holds an NVIDIA library or a missing one (what FACTS would explain), for the facts to use
	 * (borrowed; the caller frees them after the result); NULL from it: no such explanations.
	 * Lets a caller probe only when needed without resolving twice. */
	const struct cuvet_facts *(*facts_fn)(void *arg);
	/* Optional, with FACTS_FN: called at most once, as soon as the resolution meets the first
	 * object that will make it call FACTS_FN (which then always follows), so that a caller can
	 * start its probe in another thread while the rest is resolved. */
	void (*facts_soon)(void *arg);
	void *facts_arg;
	bool hwcaps;                /* try glibc-hwcaps subdirectories this CPU supports */
	size_t max_objects;         /* 0: 10000 */
};
CUVET_API void cuvet_why_opts_init(struct cuvet_why_opts *opts);
/* Resolves TARGET: a path (inside the root) to an executable or library, or a SONAME (no '/')
 * resolved as if dlopen'ed by a program without RPATH/RUNPATH. Returns NULL (CUVET_E_NOTFOUND,
 * CUVET_E_IO, CUVET_E_INVALID) when the input itself cannot be read; problems with its
 * dependencies are reported in the result. Nothing is executed. */
CUVET_API struct cuvet_why *cuvet_why_resolve(const struct cuvet_why_opts *opts, const char *target,
					       struct cuvet_error *err);
/* Loads TARGETS[0..N) one after the other into one process, as a program (TARGETS[0] may be an
 * executable; later ones are dlopen'ed) does: each closure is mapped with everything loaded before
 * it already present, and an already-loaded SONAME satisfies a later DT_NEEDED without a search.
 * Objects say which input brought them in; a "preloaded-copy" problem names each library a later
 * object gets from an earlier input although its own search would find another copy (an error
 * when the versions differ). Errors as cuvet_why_resolve. */
CUVET_API struct cuvet_why *cuvet_why_resolve_process(const struct cuvet_why_opts *opts, const char *const *targets,
						       size_t n, struct cuvet_error *err);
/* The process of `import PKG` for a pip-installed framework: the package is found in the root's
 * site-packages (VIRTUAL_ENV, CONDA_PREFIX, then /usr/local, /usr, /opt/conda), and the files it
 * loads are taken in the order of a small table (torch: torch/lib/libtorch_global_deps.so, which
 * torch/__init__.py's _load_global_deps() loads with RTLD_GLOBAL, then torch/_C*.so). Adds a
 * "pinned-version" problem for each library copy loaded whose version differs from the one the
 * package's dist-info METADATA pins (Requires-Dist: nvidia-cudnn-cu13==9.19.0.56).
 * CUVET_E_NOTFOUND when the package is not installed, CUVET_E_INVALID when the table has no row
 * for it. */
CUVET_API struct cuvet_why *cuvet_why_resolve_python(const struct cuvet_why_opts *opts, const char *pkg,
						      struct cuvet_error *err);
CUVET_API void cuvet_why_free(struct cuvet_why *why);
/* Largest severity among the problems, or -1 when there are none. */
CUVET_API int cuvet_why_worst(const struct cuvet_why *why);
/* The rule that found object OBJECT in words ("ld.so.cache", "rpath of libfoo.so", ...), written
 * into BUF (always terminated; "" for an index out of range). */
CUVET_API void cuvet_why_rule_text(const struct cuvet_why *why, size_t object, char *buf, size_t len);
/* The results as one cuvet.why/1 document {"schema", "results": [...]}, indented when PRETTY.
 * Returns a malloc'ed string, or NULL (CUVET_E_NOMEM, CUVET_E_INVALID for a NULL result). */
CUVET_API char *cuvet_why_to_json(const struct cuvet_why *const *results, size_t n, bool pretty,
				  struct cuvet_error *err);

/* ------------------------------------------------------------------ locks ---- */

/* A lock (cuvet.lock/1, doc/lock.md) is the stack a build ran on, as a file: the components with
 * their exact versions and where each came from, the build host's GPUs, the artifacts built, and
 * per component the policy by which another stack still counts as the same. */

/* How much of a locked version must match (doc/lock.md): EXACT every part, PATCH the first three
 * (major.minor.patch; a fourth build part may differ), MINOR the first two, MAJOR the first one
 * (in either direction); MIN: any version at least the locked one. */
enum cuvet_lock_policy {
	CUVET_POLICY_EXACT,
	CUVET_POLICY_PATCH,
	CUVET_POLICY_MINOR,
	CUVET_POLICY_MAJOR,
	CUVET_POLICY_MIN,
};
CUVET_API const char *cuvet_lock_policy_name(enum cuvet_lock_policy p); /* "exact", ... */
CUVET_API int cuvet_lock_policy_from_name(const char *name, enum cuvet_lock_policy *out);
/* The policy a new lock gives a component ("tensorrt" and "cudnn" exact, "driver" min, ...). */
CUVET_API enum cuvet_lock_policy cuvet_lock_policy_default(const char *component);
/* Whether ACTUAL satisfies LOCKED under POLICY: PASS or FAIL; ERROR when either is no version. */
CUVET_API enum cuvet_verdict cuvet_lock_policy_check(enum cuvet_lock_policy p, const char *locked,
						     const char *actual);

struct cuvet_lock_component {
	char *name;                 /* "driver", "cudnn", "tensorrt", "compute-capability", "glibc", ... */
	char *version;              /* "9.14.0" */
	char *source;               /* where the version came from ("kernel-module", "file-name", ...) */
	char *path;                 /* the library copy a process loads, or NULL */
	enum cuvet_lock_policy policy;
};

struct cuvet_lock_gpu {
	char *name;                 /* "NVIDIA H200" */
	char *compute_capability;   /* "9.0", NULL when unknown */
	char *uuid;
};

struct cuvet_lock_artifact {
	char *path;                 /* as given */
	char *sha256;               /* "sha256:<64 hex digits>" */
	char *kind;                 /* "tensorrt-engine", "binary", "shared-library", "cubin", "fatbin",
	                               "onnx", "file" (cuvet_artifact_kind) */
	uint64_t size;
	char *tensorrt;             /* engines: the TensorRT version it was built with; NULL unknown */
	char *compute_capability;   /* engines: the compute capability it was built for; NULL unknown */
};

struct cuvet_lock {
	char *created;              /* "2026-12-04T18:30:00Z" */
	char *generator;            /* "cuvet 0.1.0" */
	char *source;               /* "host", "root:DIR", "facts:FILE" */
	char *hostname;
	char *base_image;           /* image reference, NULL for a host */
	char *base_digest;          /* "sha256:..." */
	char *driver_cuda;          /* the highest CUDA the build host's driver runs ("13.0") */
	size_t ngpus;
	struct cuvet_lock_gpu *gpus;
	size_t ncomponents;
	struct cuvet_lock_component *components;
	size_t nartifacts;
	struct cuvet_lock_artifact *artifacts;
	void *doc;                  /* private: the document read, whose unknown fields a rewrite keeps */
};

struct cuvet_lock_opts {
	const char *source;         /* "host" when NULL */
	const char *created;        /* NULL: now (UTC) */
	const char *base_image;     /* "REF@sha256:..." or NULL */
};
/* The lock of the stack in FACTS: the driver in effect, the library copies a process loads (one per
 * family), the visible GPUs' compute capability, glibc; each with its default policy. */
CUVET_API struct cuvet_lock *cuvet_lock_from_facts(const struct cuvet_facts *facts, const struct cuvet_lock_opts *opts,
						   struct cuvet_error *err);
/* Sets the policy of component NAME (CUVET_E_NOTFOUND when the lock has none). */
CUVET_API int cuvet_lock_set_policy(struct cuvet_lock *lock, const char *name, enum cuvet_lock_policy p,
				    struct cuvet_error *err);
/* Hashes the file at PATH and adds (or replaces) it as an artifact. */
CUVET_API int cuvet_lock_add_artifact(struct cuvet_lock *lock, const char *path, struct cuvet_error *err);
CUVET_API struct cuvet_lock *cuvet_lock_parse(const char *text, size_t len, struct cuvet_error *err);
CUVET_API struct cuvet_lock *cuvet_lock_read(const char *path, struct cuvet_error *err);
/* The lock as cuvet.lock/1 JSON (malloc'ed), with the unknown fields of the document it was read from. */
CUVET_API char *cuvet_lock_to_json(const struct cuvet_lock *lock, struct cuvet_error *err);
/* Writes TEXT to PATH atomically: a temporary file in the same directory, fsync, rename, fsync of
 * the directory. A crash leaves the old file or the new one, whole. */
CUVET_API int cuvet_file_write_atomic(const char *path, const char *text, size_t len, struct cuvet_error *err);
CUVET_API int cuvet_lock_write(const struct cuvet_lock *lock, const char *path, struct cuvet_error *err);
CUVET_API void cuvet_lock_free(struct cuvet_lock *lock);

/* One component of a lock checked against a stack. */
struct cuvet_lock_check {
	const char *component;      /* borrowed from the lock */
	enum cuvet_lock_policy policy;
	const char *expected;       /* the locked version */
	char *actual;               /* what the stack has, NULL when it has none or it is unknown */
	enum cuvet_verdict verdict;
	char *reason;               /* one line: why it passes or fails */
};
struct cuvet_lock_report {
	enum cuvet_verdict verdict; /* FAIL if any FAIL, else ERROR, else UNKNOWN, else PASS */
	size_t nchecks;
	struct cuvet_lock_check *checks;
	size_t nextra;
	char **extra;               /* families the stack has and the lock does not (not drift) */
	size_t nassumed;            /* UNKNOWN components the overall verdict assumed to pass */
};
struct cuvet_lock_verify_opts {
	bool artifacts;             /* also hash each artifact at its path and compare */
	bool unknown_passes;        /* --assume-unknown=pass: an UNKNOWN component (still reported UNKNOWN)
	                               does not make the overall verdict UNKNOWN; an explicit policy */
};
/* Checks FACTS against LOCK, component by component, under each component's policy. OPTS may be NULL. */
CUVET_API struct cuvet_lock_report *cuvet_lock_verify(const struct cuvet_lock *lock, const struct cuvet_facts *facts,
						      const struct cuvet_lock_verify_opts *opts, struct cuvet_error *err);
CUVET_API void cuvet_lock_report_free(struct cuvet_lock_report *r);
/* {"schema": "cuvet.verify/1", "lock": LOCK_PATH, "verdict", "checks": [...]} (malloc'ed). */
CUVET_API char *cuvet_lock_report_to_json(const struct cuvet_lock_report *r, const char *lock_path,
					  struct cuvet_error *err);

/* "sha256:<hex>" of the file at PATH. */
CUVET_API int cuvet_file_sha256(const char *path, char out[72], struct cuvet_error *err);
/* What a file is, from its first bytes and its name: "tensorrt-engine" (the plan magic "ptrt" or
 * "ftrt"), "cubin" (ELF for EM_CUDA), "shared-library", "binary", "object", "fatbin", "onnx", "file". */
CUVET_API const char *cuvet_artifact_kind(const char *path, struct cuvet_error *err);

/* A provenance record (cuvet.provenance/1, doc/provenance.md, shaped like an in-toto statement
 * with an SLSA v1 predicate) for OUTPUT, written atomically to OUTPUT.cuvet.json. */
struct cuvet_provenance {
	const char *builder;              /* "cuvet build" or "cuvet stamp" */
	const struct cuvet_lock *lock;    /* required */
	const char *lock_path;
	const struct cuvet_facts *facts;  /* the stack it was built on; NULL for a stamp without one */
	enum cuvet_verdict verified;      /* the lock's verdict on those facts (recorded with facts only) */
	size_t unknown_assumed;           /* of which UNKNOWN components assumed to pass (--assume-unknown=pass) */
	char *const *command;             /* NULL-terminated argv, NULL for a stamp */
	int exit_status;
	const char *const *inputs;        /* NULL-terminated paths */
	const char *const *input_digests; /* their "sha256:..." taken before the build, or NULL: hash now */
	const char *started, *finished;   /* RFC 3339 UTC */
};
/* Writes PROV for OUTPUT to OUTPUT.cuvet.json; *RECORD_PATH (when not NULL) gets that path, malloc'ed. */
CUVET_API int cuvet_provenance_write(const struct cuvet_provenance *prov, const char *output, char **record_path,
				     struct cuvet_error *err);
/* The current time as "YYYY-MM-DDTHH:MM:SSZ" into BUF (at least 21 bytes); -1 when the clock fails. */
CUVET_API int cuvet_time_rfc3339(char *buf, size_t len);

/* ----------------------------------------------------------------- library ---- */

CUVET_API const char *cuvet_library_version(void);   /* "0.1.0" */
CUVET_API const char *cuvet_build_flags(void);       /* compiler and flags the library was built with */
CUVET_API const char *cuvet_kb_date(void);           /* date of the compiled-in knowledge base */

#ifdef __cplusplus
}
#endif
#endif /* CUVET_H */
