/*
 * cuvet_kb.h — questions to libcuvet's knowledge base (data/: NVIDIA's driver, CUDA, GPU,
 * cuDNN, TensorRT and NGC tables, each row with its public source). The handle itself
 * (cuvet_kb_load/cuvet_kb_free) is in cuvet.h.
 */
#ifndef CUVET_KB_H
#define CUVET_KB_H

#include "cuvet.h"

#ifdef __cplusplus
extern "C" {
#endif
struct cuvet_kb_gpu {
	const char *model;         /* "NVIDIA H200" */
	const char *segment;       /* "datacenter", "workstation", "consumer", "embedded" */
	int cc_major, cc_minor;
	const char *architecture;  /* "Hopper" */
	const char *chip;          /* "GH100" */
	const char *source;
	bool unverified;           /* the row is marked unverified in the data */
};
/* Looks up a GPU by its PCI device id (0x2335; the vendor is NVIDIA's 0x10de). Returns 0 and
 * fills OUT (pointers into KB), or -1 when the id is not in the table. */
CUVET_API int cuvet_kb_gpu_by_pci(const struct cuvet_kb *kb, unsigned device_id, struct cuvet_kb_gpu *out);

/* ---- knowledge base: loading and queries (src/lib/kb/kb.c, kb_query.c) ---- */

/* Parses every table now (the built-in ones are otherwise parsed on first use; a --kb
 * directory is always checked by cuvet_kb_load). Fails with the first table's error, which
 * names the file and line: "data/driver-branch-cuda.tsv:7: expected 7 columns, found 5". */
CUVET_API int cuvet_kb_check(const struct cuvet_kb *kb, struct cuvet_error *err);
/* The directory given to cuvet_kb_load, or NULL for the built-in copy. Files missing from the
 * directory are taken from the built-in copy. */
CUVET_API const char *cuvet_kb_dir(const struct cuvet_kb *kb);

/* The rest of this section answers questions from the tables. Every string is owned by KB and
 * lives as long as it; a string field is NULL when the table's cell is empty (unknown). Facts the
 * sources mark unverified come back flagged (`unverified`, `uncertain_*`) or with the source's
 * own words in a *_text field: report them as uncertain, never as fact. Lookups that find
 * nothing return -1 (or 0 matches) with CUVET_E_NOTFOUND and a message naming the table. */

/* The knowledge-base files, in a fixed order (the tables, then "DATE"). */
CUVET_API size_t cuvet_kb_file_count(void);
CUVET_API const char *cuvet_kb_file_name(size_t i);
/* The text of file NAME as KB holds it, and where it came from: "built-in" or the path read. */
CUVET_API int cuvet_kb_file_text(const struct cuvet_kb *kb, const char *name, const char **text, size_t *len,
				 const char **origin, struct cuvet_error *err);

/* driver-branch-cuda.tsv */
struct cuvet_kb_branch {
	unsigned branch;               /* 535 */
	const char *max_cuda;          /* "12.2": the CUDA version drivers of the branch report */
	const char *max_cuda_text;     /* the source's words when it said more than a number */
	const char *evidence;
	const char *type;              /* "ltsb", "production", "new-feature", "evaluation" */
	const char *type_text;         /* "Long Term Support Branch (secondary)" */
	const char *end_of_life;       /* "2026-06", or "ended" when the date is not known */
	const char *end_of_life_text;
	const char *last_for;          /* "Maxwell, Pascal, Volta": the last branch for these */
	const char *notes;
	const char *sources;
	bool uncertain_max_cuda;       /* no number, or the source marks it unverified */
	bool uncertain_type;           /* unknown, or only from a secondary / unverified source */
	bool uncertain_end_of_life;    /* unknown, unverified or conflicting sources */
};
CUVET_API int cuvet_kb_branch(const struct cuvet_kb *kb, unsigned branch, struct cuvet_kb_branch *out,
			      struct cuvet_error *err);
/* 1 when the branch's end of life lies before TODAY ("YYYY-MM-DD"; a branch lives through its
 * end-of-life month), 0 when not, -1 when unknown. */
CUVET_API int cuvet_kb_branch_ended(const struct cuvet_kb_branch *b, const char *today);

/* The highest CUDA a driver supports natively, inferred from its version for when neither NVML
 * nor libcuda can be asked: the CUDA version its branch reports (driver-branch-cuda.tsv), or,
 * when that is not known, the newest toolkit whose minimum Linux driver it meets
 * (cuda-toolkit-driver.tsv), which is then only a lower bound. 525.60.13 -> 12.0,
 * 535.54.03 -> 12.2, 565.57.01 -> 12.7, 580.65.06 -> 13.0. */
struct cuvet_kb_driver_cuda {
	int cuda;                      /* NVIDIA's encoding, 12020 for 12.2; 0 when unknown */
	const char *basis;             /* "branch" or "toolkit" */
	bool lower_bound;              /* the driver supports at least this (its branch's own is unknown) */
	bool unverified;               /* a fact it rests on is marked unverified */
	const char *toolkit;           /* the newest toolkit release it meets the minimum of ("12.2.2"), or NULL */
};
CUVET_API int cuvet_kb_driver_cuda(const struct cuvet_kb *kb, const char *driver_version,
				   struct cuvet_kb_driver_cuda *out, struct cuvet_error *err);

#define CUVET_KB_LIST_MAX 24

/* CUDA applications of MAJOR.x run on the driver through minor-version compatibility when
 * the driver is at least MIN_DRIVER (with the caveats of NVIDIA's compatibility guide). */
struct cuvet_kb_minor_compat {
	unsigned major;
	const char *min_driver;        /* "525", "450.80.02" */
	bool met;
};
/* A cuda-compat package documented for the driver's branch (forward compatibility; only on
 * data-center GPUs, NGC-ready RTX and Jetson). */
struct cuvet_kb_compat_package {
	const char *package;           /* "cuda-compat-12-4" */
	const char *cuda_version;      /* "12.4" */
	bool contradicted;             /* documented, but contradicted by the same page (caveat) */
	const char *caveat;
	const char *source;
};
/* Whether the branch drives an architecture: from its first branch (derived from the toolkit
 * that added the architecture's first SASS target) to its last (driver-branch-cuda.tsv). */
struct cuvet_kb_arch_support {
	char architecture[32];         /* "Hopper" */
	bool supported;
	unsigned first_branch;         /* 0 when older than the tables */
	unsigned last_branch;          /* 0 when still supported by the newest branch known */
};
struct cuvet_kb_driver {
	unsigned branch;               /* 535 for 535.104.05 */
	bool branch_known;             /* the branch has a row; INFO is valid */
	struct cuvet_kb_branch info;
	struct cuvet_kb_driver_cuda cuda;
	size_t nminor;
	struct cuvet_kb_minor_compat minor[CUVET_KB_LIST_MAX];
	bool compat_known;             /* the forward-compat matrix has a column for the branch */
	size_t ncompat;
	struct cuvet_kb_compat_package compat[CUVET_KB_LIST_MAX];
	size_t narch;
	struct cuvet_kb_arch_support arch[CUVET_KB_LIST_MAX];
};
/* Everything the tables say about a driver version ("535.104.05"). */
CUVET_API int cuvet_kb_driver(const struct cuvet_kb *kb, const char *driver_version, struct cuvet_kb_driver *out,
			      struct cuvet_error *err);

/* cuda-toolkit-driver.tsv: one toolkit release. */
struct cuvet_kb_cuda {
	const char *version;           /* "12.4.1" */
	const char *status;            /* NULL, "unverified" or "no-toolkit" (12.7: reported by drivers only) */
	const char *label;             /* "CUDA 12.4 Update 1" */
	const char *min_linux_driver;  /* "550.54.15"; a branch number ("615") when only the branch is known */
	const char *min_linux_driver_text;
	const char *min_windows_driver;
	const char *min_windows_driver_text;
	const char *minor_compat_min_driver; /* oldest driver running it through minor-version compatibility */
	const char *minor_compat_text;
	const char *caveat;
	const char *source;
};
/* The releases VERSION names ("12.4" -> 12.4.1 and 12.4.0; "12.4.1" -> that one), newest first.
 * Returns how many there are (OUT gets at most MAX), 0 when none, -1 on an invalid VERSION. */
CUVET_API int cuvet_kb_cuda_releases(const struct cuvet_kb *kb, const char *version, struct cuvet_kb_cuda *out,
				     size_t max, struct cuvet_error *err);

/* cuda-toolkit-arch-ptx.tsv: what a toolkit MAJOR.MINOR compiles for. */
struct cuvet_kb_cuda_arch {
	const char *cuda_version;      /* "12.4" */
	const char *status;            /* NULL, "unverified", "no-toolkit" */
	const char *ptx_isa;           /* "8.4" */
	unsigned driver_branch;        /* the branch of that PTX ISA (550); 0 unknown */
	const char *lowest_sm;         /* "sm_50" */
	const char *highest_sm;        /* "sm_90a" */
	const char *new_sass_ccs;      /* "8.9 9.0" (derived) */
	const char *new_targets;
	const char *removed_targets;
	const char *caveat;
	const char *source;
};
CUVET_API int cuvet_kb_cuda_arch(const struct cuvet_kb *kb, const char *version, struct cuvet_kb_cuda_arch *out,
				 struct cuvet_error *err);

/* gpu-compute-capability.tsv: a GPU row with the details cuvet_kb_gpu leaves out. */
struct cuvet_kb_gpu_row {
	struct cuvet_kb_gpu gpu;
	const char *pci_device_ids;    /* "0x2330 (H100 SXM5 80GB); 0x2331 (H100 PCIe); ..." */
	const char *pci_variant;       /* when found by id: that id's text ("(H100 PCIe)"), else NULL */
	const char *caveat;
	const char *pci_ids_note;
	const char *note;
};
/* Finds GPUs by PCI device id ("0x2335", "10de:2335", "0x233510DE") or by name, ignoring case:
 * "L40S" finds "NVIDIA L40S"; an NVML name such as "NVIDIA A100-SXM4-80GB" or "Tesla T4" finds
 * the table's "NVIDIA A100" / "NVIDIA T4"; "RTX A4000" finds "NVIDIA RTX A6000 / A5000 / A4000 / ...".
 * Best matches first. Returns how many matched (OUT gets at most MAX), 0 when none. */
CUVET_API int cuvet_kb_gpu_find(const struct cuvet_kb *kb, const char *query, struct cuvet_kb_gpu_row *out,
				size_t max, struct cuvet_error *err);

/* gpu-precision.tsv: which reduced precisions a GPU of one compute capability runs well, so a
 * build enables only those (TensorRT's platformHasFastFp16 / platformHasFastInt8). Each value is
 * 1 yes, 0 no, -1 unknown (no source states it). */
struct cuvet_kb_precision {
	int cc_major, cc_minor;
	const char *architecture;
	int fast_fp16;                 /* FP16 at least as fast as FP32 (6.1 runs it at 1/64: 0) */
	int int8, fp8, fp4;            /* listed for this CC in NVIDIA's support matrices */
	bool unverified;               /* a value of the row is inferred, not read in its source (see note) */
	const char *source;
	const char *note;
};
/* Returns 0 and fills OUT, 1 when the table has no row for the CC (OUT: everything unknown), or
 * -1 when the table does not parse. */
CUVET_API int cuvet_kb_precision(const struct cuvet_kb *kb, int cc_major, int cc_minor,
				 struct cuvet_kb_precision *out, struct cuvet_error *err);

/* ngc-tensorrt.tsv, ngc-pytorch-triton.tsv, nvidia-require-cuda-images.tsv. Cells are the
 * source's text ("12.2.1 [sib:triton23.09]", "8.9.5 [unverified]"); NULL where the table has no
 * such column. */
/* One fact of a container row, with what the source says of it: the marks the tables carry
 * ("[unverified]", "[secondary:X]", "[sib:X]") are taken off VALUE and given here instead. */
struct cuvet_kb_fact {
	const char *value;             /* "12.2.1"; NULL when unknown (the source: empty or "unverified") */
	bool unverified;               /* the source marks it unverified */
	bool secondary;                /* taken from a third-party copy of the release notes */
	const char *derived_from;      /* the sibling container it was taken from ("triton23.09") or the
					  secondary copy named ("NVIDIA Megatron-LM README"), else NULL */
};
struct cuvet_kb_image {
	const char *image;             /* "nvcr.io/nvidia/tensorrt" */
	const char *tag;               /* "23.09-py3" */
	struct cuvet_kb_fact ubuntu, cuda, cudnn, tensorrt, cublas, nccl, python, framework;
	struct cuvet_kb_fact min_driver;
	const char *require_cuda;      /* NVIDIA_REQUIRE_CUDA the image sets */
	const char *source;
	const char *notes;
	const char *table;             /* the file the row is from */
};
/* REF: "nvcr.io/nvidia/tensorrt:23.09-py3", "nvidia/tensorrt:23.09-py3", "nvidia/cuda:12.4.1-base-ubuntu22.04"
 * (a registry, "docker.io/" and a digest may be given; the tag must be). */
CUVET_API int cuvet_kb_image(const struct cuvet_kb *kb, const char *ref, struct cuvet_kb_image *out,
			     struct cuvet_error *err);

/* tensorrt-support.tsv, cudnn-support.tsv (and cudnn-builds.tsv). */
struct cuvet_kb_release {
	const char *kind;              /* "release", or "build" for a cuDNN package build number */
	const char *release;           /* the source's name for the row: "8.6.1", "7.6.4 - 7.6.5" */
	const char *first, *last;      /* the range it covers ("8.2" covers 8.2.x); LAST may be NULL */
	bool unverified;               /* the row (its CUDA versions) is unverified */
	/* The source marks this one cell unverified (or only a secondary copy says it). */
	bool uncertain_cudnn, uncertain_min_driver, uncertain_gpus, uncertain_library_files;
	const char *cuda_majors;       /* "12 11" (derived) */
	const char *cuda_versions;
	const char *cudnn;             /* TensorRT: the cuDNN it goes with */
	const char *min_driver;        /* cuDNN */
	const char *gpus;              /* TensorRT: GPUs; cuDNN: compute capabilities */
	const char *library_files;     /* cuDNN */
	const char *version_encoding;  /* cuDNN */
	const char *source;
	const char *notes;
};
/* The rows covering VERSION ("8.6.1.6", "8.6", "10"), most specific first. Returns how many
 * (OUT gets at most MAX), 0 when none, -1 on an invalid VERSION. */
CUVET_API int cuvet_kb_tensorrt_find(const struct cuvet_kb *kb, const char *version, struct cuvet_kb_release *out,
				     size_t max, struct cuvet_error *err);
CUVET_API int cuvet_kb_cudnn_find(const struct cuvet_kb *kb, const char *version, struct cuvet_kb_release *out,
				  size_t max, struct cuvet_error *err);

/* dlopen-deps.tsv: a library REQUESTER (a SONAME) loads at run time with dlopen. */
struct cuvet_kb_dlopen_dep {
	const char *requester;         /* "libcudnn.so.9" */
	const char *loads;             /* "libcudnn_graph.so.9", "libnvrtc.so.{MAJOR.MINOR}" ({VERSION} too) */
	const char *evidence;          /* "observed", "documented", "secondary" */
	const char *source;
	const char *notes;
};
/* The rows whose requester is REQUESTER, in table order. Returns how many there are (OUT gets at
 * most MAX), 0 when none, -1 when the table cannot be read. */
CUVET_API int cuvet_kb_dlopen_deps(const struct cuvet_kb *kb, const char *requester, struct cuvet_kb_dlopen_dep *out,
				   size_t max, struct cuvet_error *err);

/* ---- answers as JSON (src/lib/kb/kb_json.c) ---- */

/* Each renders one answer as a cuvet.kb/1 document: {"schema", "kb_date", "kb_dir" (null for the
 * built-in copy), "query": {"kind", "arg"}, "result"}, indented when PRETTY. The answer is what
 * the query above returned for ARG (the question as asked). Returns a malloc'ed string, or NULL
 * with CUVET_E_NOMEM (or CUVET_E_INVALID for missing arguments). */
/* "result": the driver, its branch row (EOL judged against TODAY, "YYYY-MM-DD"), CUDA, compat. */
CUVET_API char *cuvet_kb_driver_to_json(const struct cuvet_kb *kb, const char *driver_version,
					const struct cuvet_kb_driver *d, const char *today, bool pretty,
					struct cuvet_error *err);
/* "result": {"releases": [...], "arch": {...} or null}; ARCH NULL when the table has no row. */
CUVET_API char *cuvet_kb_cuda_to_json(const struct cuvet_kb *kb, const char *version, const struct cuvet_kb_cuda *releases,
				      size_t n, const struct cuvet_kb_cuda_arch *arch, bool pretty,
				      struct cuvet_error *err);
/* "result": the N rows, best match first. */
CUVET_API char *cuvet_kb_gpu_to_json(const struct cuvet_kb *kb, const char *query, const struct cuvet_kb_gpu_row *rows,
				     size_t n, bool pretty, struct cuvet_error *err);
CUVET_API char *cuvet_kb_image_to_json(const struct cuvet_kb *kb, const char *ref, const struct cuvet_kb_image *im,
				       bool pretty, struct cuvet_error *err);
CUVET_API char *cuvet_kb_tensorrt_to_json(const struct cuvet_kb *kb, const char *version,
					  const struct cuvet_kb_release *rows, size_t n, bool pretty,
					  struct cuvet_error *err);
CUVET_API char *cuvet_kb_cudnn_to_json(const struct cuvet_kb *kb, const char *version,
				       const struct cuvet_kb_release *rows, size_t n, bool pretty,
				       struct cuvet_error *err);
/* "result": every file of the knowledge base with its origin and size; query {"files", ""}. Fails
 * like cuvet_kb_file_text when a file cannot be read. */
CUVET_API char *cuvet_kb_files_to_json(const struct cuvet_kb *kb, bool pretty, struct cuvet_error *err);

#ifdef __cplusplus
}
#endif
#endif
