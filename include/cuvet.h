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

/* ------------------------------------------------------ filesystem view ---- */

/* A read-only view of a filesystem under a root ("/" or a mounted tree). Every path is taken
 * relative to the root; symbolic links, absolute or relative, are resolved inside the root and
 * never followed outside it ("/.." stays at the root, as in a chroot); loops are reported. */
struct cuvet_fs;

CUVET_API struct cuvet_fs *cuvet_fs_open(const char *root, struct cuvet_error *err);
CUVET_API void cuvet_fs_free(struct cuvet_fs *fs);
CUVET_API const char *cuvet_fs_root(const struct cuvet_fs *fs); /* "" for "/" */
/* Resolves every symlink in PATH (as seen inside the root). Writes the canonical in-root path
 * (starting with '/') to OUT. Fails with CUVET_E_NOTFOUND, CUVET_E_LOOP or CUVET_E_IO. */
CUVET_API int cuvet_fs_realpath(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
				struct cuvet_error *err);
/* Host path for an in-root path (root prefix + resolved path), for open(2)/mmap. */
CUVET_API int cuvet_fs_host_path(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
				 struct cuvet_error *err);
/* Reads a whole file (at most MAX bytes, 0 = 64 MiB) into a malloc'ed NUL-terminated buffer. */
CUVET_API int cuvet_fs_read(struct cuvet_fs *fs, const char *path, size_t max, char **data, size_t *len,
			    struct cuvet_error *err);
/* Maps a file read-only (for ELF and large binaries). Unmap with cuvet_fs_unmap. */
CUVET_API int cuvet_fs_map(struct cuvet_fs *fs, const char *path, const void **data, size_t *len,
			   struct cuvet_error *err);
CUVET_API void cuvet_fs_unmap(const void *data, size_t len);
/* The target text of a symlink without resolving it (readlink(2) on the in-root path, whose
 * parent directories are resolved). */
CUVET_API int cuvet_fs_readlink(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
				struct cuvet_error *err);

enum cuvet_fs_type { CUVET_FS_NONE, CUVET_FS_FILE, CUVET_FS_DIR, CUVET_FS_LINK, CUVET_FS_OTHER };
/* Type after resolving symlinks (follow) or of the entry itself. CUVET_FS_NONE if absent. */
CUVET_API enum cuvet_fs_type cuvet_fs_type(struct cuvet_fs *fs, const char *path, bool follow);

/* Directory listing: names sorted by strcmp, "." and ".." left out. */
struct cuvet_fs_dir {
	size_t count;
	char **names;
};
CUVET_API int cuvet_fs_list(struct cuvet_fs *fs, const char *path, struct cuvet_fs_dir *out,
			    struct cuvet_error *err);
CUVET_API void cuvet_fs_dir_release(struct cuvet_fs_dir *dir);

/* ------------------------------------------------------------- ld.so.cache ---- */

struct cuvet_ldcache_entry {
	const char *name;  /* SONAME key, e.g. "libcuda.so.1" */
	const char *path;  /* e.g. "/usr/lib/x86_64-linux-gnu/libcuda.so.1" */
	int32_t flags;     /* e.g. 0x303 = ELF libc6, x86-64 */
	uint64_t hwcap;
	const char *hwcap_subdir; /* glibc-hwcaps subdirectory name, or NULL */
};

struct cuvet_ldcache {
	size_t count;
	struct cuvet_ldcache_entry *entries; /* in file order (descending name order) */
	bool old_format;                     /* entries came from the "ld.so-1.7.0" table */
	const char *generator;               /* "ldconfig (GNU libc) stable release version 2.36" or NULL */
	bool sorted;                         /* in ldconfig's order, so lookups binary-search */
};

/* Parses an ld.so.cache image (old, new, or combined format). The buffer is copied. */
CUVET_API struct cuvet_ldcache *cuvet_ldcache_parse(const void *buf, size_t len, struct cuvet_error *err);
CUVET_API void cuvet_ldcache_free(struct cuvet_ldcache *cache);
/* What the x86-64 loader would take for NAME: the first entry with flags == FLAGS (0x303 on
 * x86-64) and no legacy hwcap. NULL if none. */
CUVET_API const struct cuvet_ldcache_entry *cuvet_ldcache_lookup(const struct cuvet_ldcache *cache,
								  const char *name, int32_t flags);
/* "libc6,x86-64" etc., as `ldconfig -p` prints the flags. */
CUVET_API int cuvet_ldcache_flags_str(int32_t flags, char *buf, size_t len);

/* ld.so.conf: the directories listed, in ldconfig's order, with `include` globs expanded
 * (matches sorted) and duplicates dropped. Each directory remembers the file that named it. */
struct cuvet_ldconf {
	size_t count;
	char **dirs;
	char **from; /* the conf file that listed dirs[i] */
	char *note;  /* an include that was skipped (a loop, too deep), or NULL */
};
CUVET_API int cuvet_ldconf_read(struct cuvet_fs *fs, const char *path, struct cuvet_ldconf *out,
				struct cuvet_error *err);
CUVET_API void cuvet_ldconf_release(struct cuvet_ldconf *conf);

/* -- Added with the fs/ldcache/ldconf modules (wt-fs) -- */
/* Everything `ldconfig -p` prints inside the parentheses for ENTRY: the flags, then
 * `, hwcap: "x86-64-v3"` for a glibc-hwcaps entry or `, hwcap: 0x...` for a legacy one.
 * Returns the length that would have been written, as snprintf does. */
CUVET_API int cuvet_ldcache_entry_desc(const struct cuvet_ldcache_entry *entry, char *buf, size_t len);
/* -- end of wt-fs additions -- */

/* --------------------------------------------------------------------- ELF ---- */

/* Reads the dynamic-linking facts of an ELF file from a buffer (through libelf). */
struct cuvet_elf_info {
	int elf_class;    /* 1 = 32-bit, 2 = 64-bit */
	int byte_order;   /* 1 = little, 2 = big */
	int machine;      /* e_machine */
	int type;         /* e_type */
	char *soname;     /* NULL if none */
	char *rpath;      /* NULL if none */
	char *runpath;    /* NULL if none */
	bool nodeflib;    /* DF_1_NODEFLIB */
	size_t nneeded;
	char **needed;
};
CUVET_API int cuvet_elf_read(const void *buf, size_t len, struct cuvet_elf_info *out, struct cuvet_error *err);
CUVET_API void cuvet_elf_info_release(struct cuvet_elf_info *info);

/* --- ELF: symbol versions and dynamic symbols (module elf.c; used by "cuvet why") --- */

/* One DT_VERNEED file: the versions this object needs from FILE ("libc.so.6": "GLIBC_2.34", ...). */
struct cuvet_elf_verneed {
	char *file;
	size_t nversions;
	char **versions;
	bool *weak;                 /* VER_FLG_WEAK per version */
};

/* One dynamic symbol (.dynsym, index 0 left out). */
struct cuvet_elf_symbol {
	char *name;
	char *version;              /* from .gnu.version; NULL when unversioned or local */
	bool defined;               /* st_shndx != SHN_UNDEF */
	bool weak;                  /* STB_WEAK */
	bool hidden;                /* a non-default version ("sym@V", not "sym@@V") */
	int type;                   /* STT_* */
	int bind;                   /* STB_* */
};

struct cuvet_elf_symbols {
	size_t nverneed;
	struct cuvet_elf_verneed *verneed;
	size_t nverdef;
	char **verdef;              /* defined version names in index order; verdef_base[i] marks the
	                               VER_FLG_BASE entry (the file's own name) */
	bool *verdef_base;
	size_t nsyms;
	struct cuvet_elf_symbol *syms;
};

/* Reads version requirements, version definitions and dynamic symbols. Slower than
 * cuvet_elf_read (it walks .dynsym); call it only for the files that need it. Works from section
 * headers, or from the dynamic tags (DT_SYMTAB, DT_VERSYM, DT_VERNEED, DT_VERDEF, DT_HASH /
 * DT_GNU_HASH) when section headers are stripped. */
CUVET_API int cuvet_elf_read_symbols(const void *buf, size_t len, struct cuvet_elf_symbols *out,
				     struct cuvet_error *err);
CUVET_API void cuvet_elf_symbols_release(struct cuvet_elf_symbols *syms);
/* --- end ELF symbols --- */

/* --------------------------------------------------- fat binaries (fatbin.c) ---- */

/* GPU code embedded in a file: the fat binaries in the .nv_fatbin / __nv_relfatbin sections of a
 * host ELF (executable, shared library, object) or of each object in an ar archive, a bare
 * .fatbin, a bare cubin (ELF with e_machine EM_CUDA = 190) or a PTX text file. Read from
 * headers only, nothing is decompressed. Layout notes and what was verified against
 * cuobjdump: shared/formats/fatbin.md. */

enum cuvet_fatbin_kind {
	CUVET_FATBIN_PTX = 1,      /* PTX text (compute_XY) */
	CUVET_FATBIN_ELF = 2,      /* SASS in a cubin (sm_XY) */
	CUVET_FATBIN_LTOIR = 8,    /* NVVM IR for link-time optimisation (lto_XY) */
};                             /* other values are kept as read */

enum cuvet_fatbin_compression {
	CUVET_FATBIN_UNCOMPRESSED = 0,
	CUVET_FATBIN_LZ4,          /* flag 0x2000 (nvcc --compress-mode=speed) */
	CUVET_FATBIN_ZSTD,         /* flag 0x8000 (CUDA 13 default) */
};

enum cuvet_fatbin_source {
	CUVET_FATBIN_SRC_HOST,     /* a host ELF; no entries when it carries no device code */
	CUVET_FATBIN_SRC_FATBIN,   /* a bare fat binary (starts with 0xBA55ED50) */
	CUVET_FATBIN_SRC_CUBIN,    /* a bare cubin */
	CUVET_FATBIN_SRC_PTX,      /* a PTX text file */
	CUVET_FATBIN_SRC_ARCHIVE,  /* an ar archive (.a) of host objects; see members */
};

struct cuvet_fatbin_entry {
	int kind;                  /* enum cuvet_fatbin_kind, or the raw value */
	unsigned sm;               /* 75, 90, 100, 121: major*10 + minor */
	char variant;              /* 0, 'a' (arch-specific: this CC only) or 'f' (family) */
	unsigned version_major;    /* PTX: PTX ISA version; ELF: cubin format version ([1,8]); */
	unsigned version_minor;    /*   LTO-IR: NVVM IR version. 0.0 when not known (bare cubin) */
	bool is64;                 /* 64-bit code */
	bool debug;                /* compiled with -G */
	enum cuvet_fatbin_compression compression;
	uint64_t flags;            /* the raw entry flags word (0 for bare cubin/PTX) */
	uint64_t offset;           /* file offset of the entry header (of the file for bare inputs) */
	uint64_t header_size;      /* 0 for bare inputs */
	uint64_t payload_size;     /* bytes stored (padded, compressed if compressed) */
	uint64_t compressed_size;  /* 0 when not compressed */
	uint64_t uncompressed_size;/* 0 when not compressed */
	char *identifier;          /* source/object name stored with -G etc., NULL if none */
	char *options;             /* ptxas options (PTX) / NVVM options (LTO-IR), NULL if none */
	size_t container;          /* index into cuvet_fatbin.containers; 0 for bare cubin/PTX */
};

struct cuvet_fatbin_container {
	const char *section;       /* ".nv_fatbin", "__nv_relfatbin" or NULL (bare .fatbin); static */
	uint64_t offset;           /* file offset of the container header */
	uint64_t size;             /* header + entries */
	size_t first_entry, nentries;
	size_t member;             /* archives: index into cuvet_fatbin.members; else 0 */
};

struct cuvet_fatbin {
	enum cuvet_fatbin_source source;
	size_t ncontainers;
	struct cuvet_fatbin_container *containers;
	size_t nentries;
	struct cuvet_fatbin_entry *entries;  /* in file order */
	size_t nmembers;
	char **members;            /* archives: every ELF member's name, in archive order, with or
	                              without device code; offsets above are within the archive */
};

/* Reads every container and entry; a malformed header anywhere is an error (CUVET_E_INVALID,
 * with the section and offset in the message). A file that is none of the four kinds above
 * fails with "not an ELF file, fat binary or PTX file". */
CUVET_API struct cuvet_fatbin *cuvet_fatbin_parse(const void *buf, size_t len, struct cuvet_error *err);
CUVET_API void cuvet_fatbin_free(struct cuvet_fatbin *fb);
/* Like cuvet_fatbin_parse, and also finds containers that a host ELF keeps in other loaded data
 * sections (their section is "other sections"): libraries such as cuFFT register most of their
 * kernels from there. Reads every such section, so it costs time on big libraries. */
CUVET_API struct cuvet_fatbin *cuvet_fatbin_parse_deep(const void *buf, size_t len, struct cuvet_error *err);
/* "sm_90a", "compute_100f", "lto_80" (or "kind7_80" for unknown kinds). Returns the length
 * snprintf would have written. */
CUVET_API int cuvet_fatbin_target_name(const struct cuvet_fatbin_entry *e, char *buf, size_t len);

enum cuvet_fatbin_run {
	CUVET_RUN_NO = 0,
	CUVET_RUN_SASS,            /* the cubin loads as is */
	CUVET_RUN_PTX_JIT,         /* the driver can JIT the PTX (if it knows its PTX ISA version) */
};
/* Can entry E run on a GPU of compute capability MAJOR.MINOR? SASS sm_XY: same major and
 * minor >= Y; sm_XYa: exactly X.Y; sm_XYf: same major (the family) and minor >= Y. PTX
 * compute_XY: any CC >= X.Y; compute_XYa: exactly X.Y; compute_XYf: same major, minor >= Y.
 * LTO-IR never runs by itself. */
CUVET_API enum cuvet_fatbin_run cuvet_fatbin_entry_runs_on(const struct cuvet_fatbin_entry *e, int major,
							    int minor);
/* --- end fat binaries --- */

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
	char *cuda_driver_source;   /* "nvml", "libcuda" or "kb" (inferred from the driver version) */
	int nvml_status;            /* 0 ok; an nvmlReturn_t; -1 not tried; -2 timeout; -3 crashed */
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

/* -- GPU code a library carries (wt-archdoc; facts "gpu_code", doc/facts.md) -- */
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
/* -- end GPU code -- */

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
	/* -- added with the knowledge-base rules (wt-kbrules) -- */
	int cuda_major;             /* the CUDA major this copy is built for (13); 0 when unknown */
	char *cuda_major_source;    /* "soname:libcudart.so.13", "pip:nvidia/cu13", "dist-info:nvidia_cudnn_cu13",
	                               "dpkg:libcudnn9-cuda-13", "dpkg-version:libnccl2 2.28.3-1+cuda13.0",
	                               "toolkit-dir:/usr/local/cuda-13.0", "kb:cudnn-support.tsv 9.14.0" */
	/* -- GPU code (wt-archdoc): read only with cuvet_probe_opts.read_gpu_code, for the copies a
	 * program would use (default_pick, pip, conda) and the files of scan_dirs -- */
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
	/* -- wt-archdoc -- */
	bool read_gpu_code;         /* read the fatbin headers of the libraries programs would use */
	const char *const *scan_dirs; /* NULL-terminated directories (inside the root): every ELF file
	                                 under them that carries GPU code becomes a library with
	                                 found_via "scan" (needs read_gpu_code) */
};

CUVET_API void cuvet_probe_opts_init(struct cuvet_probe_opts *opts);
CUVET_API struct cuvet_facts *cuvet_probe(const struct cuvet_probe_opts *opts, struct cuvet_error *err);
CUVET_API void cuvet_facts_free(struct cuvet_facts *facts);
/* Value of an environment variable as probed, or NULL. */
CUVET_API const char *cuvet_facts_env(const struct cuvet_facts *facts, const char *key);

/* JSON ("cuvet.facts/1"). The returned string is malloc'ed; free() it. */
CUVET_API char *cuvet_facts_to_json(const struct cuvet_facts *facts, bool pretty, struct cuvet_error *err);
CUVET_API struct cuvet_facts *cuvet_facts_from_json(const char *text, size_t len, struct cuvet_error *err);

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
};

/* Runs every diagnosis over FACTS. */
CUVET_API struct cuvet_findings *cuvet_doctor(const struct cuvet_facts *facts, struct cuvet_error *err);
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

/* ---- knowledge base: loading and queries (module kb; src/lib/kb.c) ---- */

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

/* ngc-tensorrt.tsv, ngc-pytorch-triton.tsv, nvidia-require-cuda-images.tsv. Cells are the
 * source's text ("12.2.1 [sib:triton23.09]", "8.9.5 [unverified]"); NULL where the table has no
 * such column. */
struct cuvet_kb_image {
	const char *image;             /* "nvcr.io/nvidia/tensorrt" */
	const char *tag;               /* "23.09-py3" */
	const char *ubuntu, *cuda, *cudnn, *tensorrt, *cublas, *nccl, *python, *framework;
	const char *min_driver;
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
	bool unverified;
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

/* ---- requirements: the NVIDIA_REQUIRE grammar and `cuvet check` (module require; src/lib/require.c) ---- */

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
};

/* How the driver runs one library copy, from the CUDA major it was built for (SPEC §5 rules:
 * backward compatibility, minor-version compatibility within a major, forward compatibility only
 * with a cuda-compat package on data-center GPUs). */
enum cuvet_lib_run {
	CUVET_LIB_RUN_UNKNOWN,        /* the copy's CUDA major or the driver's CUDA is unknown */
	CUVET_LIB_RUN_NATIVE,         /* built for an older or the same CUDA */
	CUVET_LIB_RUN_MINOR_COMPAT,   /* same major, newer minor: minor-version compatibility (SASS needed) */
	CUVET_LIB_RUN_FORWARD_COMPAT, /* newer major: only with a cuda-compat package (data-center GPUs) */
	CUVET_LIB_RUN_NO,             /* newer major, and forward compatibility cannot help here */
};
CUVET_API const char *cuvet_lib_run_name(enum cuvet_lib_run r); /* "natively", ... */

struct cuvet_check_lib {
	const char *family, *name, *path, *version; /* point into the facts given to cuvet_check_eval */
	int cuda_major;             /* 0 unknown */
	enum cuvet_lib_run run;
	bool major_mismatch;        /* cuDNN/TensorRT built for another CUDA major than the cudart a plain
	                               dlopen picks */
};

struct cuvet_check {
	bool disabled;              /* NVIDIA_DISABLE_REQUIRE is true: the environment's requirements are not
	                               checked (those added with cuvet_check_add still are) */
	char *disabled_by;          /* its value */
	size_t nexprs;
	struct cuvet_req_expr *exprs;
	/* after cuvet_check_eval: */
	enum cuvet_verdict verdict;
	enum cuvet_verdict runtime;
	size_t nvisible;            /* GPUs counted (gpu->visible) */
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
};

struct cuvet_check_opts {
	bool assume_unknown_pass;   /* policy: a missing fact counts as PASS, and says so */
	const struct cuvet_kb *kb;  /* NULL: the built-in knowledge base */
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
/* Evaluates every expression against FACTS (visible GPUs only). */
CUVET_API int cuvet_check_eval(struct cuvet_check *c, const struct cuvet_facts *facts,
			       const struct cuvet_check_opts *opts, struct cuvet_error *err);
/* "cuvet.check/1". The returned string is malloc'ed; free() it. */
CUVET_API char *cuvet_check_to_json(const struct cuvet_check *c, bool pretty, struct cuvet_error *err);
/* Go's strconv.ParseBool: 1 for a true spelling, 0 for a false one, -1 otherwise. */
CUVET_API int cuvet_parse_bool(const char *s);
/* ---- end requirements ---- */
/* ---- loader emulation: "cuvet why" (module ldso; src/lib/ldso.c) ---- */

/* The first PT_INTERP path of an ELF image into OUT. Returns 1 when there is one, 0 when
 * not, -1 on a malformed file. (elf.c) */
CUVET_API int cuvet_elf_interp(const void *buf, size_t len, char *out, size_t outlen, struct cuvet_error *err);

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
};

struct cuvet_why_problem {
	enum cuvet_why_problem_kind kind;
	enum cuvet_severity severity;
	const char *id;             /* "not-found", "not-searched", "other-major", "bad-file", "symbol-version",
	                               "undefined-symbol", "several-copies", "stub", "dlopen-not-found",
	                               "dlopen-undetermined", "too-many-objects", "stale-cache" */
	size_t object;              /* the object concerned */
	char *message;              /* one line */
};

struct cuvet_why {
	char *target;               /* as asked */
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
	char *const *env;           /* environment (LD_LIBRARY_PATH); NULL: the process's own */
	const char *ld_library_path;/* overrides the environment's when not NULL */
	bool with_dlopen;           /* follow the libraries NVIDIA components dlopen (data/dlopen-deps.tsv) */
	const struct cuvet_kb *kb;  /* NULL: the built-in knowledge base */
	bool explain;               /* look for other copies (library discovery) to explain problems */
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
CUVET_API void cuvet_why_free(struct cuvet_why *why);
/* Largest severity among the problems, or -1 when there are none. */
CUVET_API int cuvet_why_worst(const struct cuvet_why *why);
/* ---- end loader emulation ---- */

/* ----------------------------------------------------------------- library ---- */

CUVET_API const char *cuvet_library_version(void);   /* "0.1.0" */
CUVET_API const char *cuvet_build_flags(void);       /* compiler and flags the library was built with */
CUVET_API const char *cuvet_kb_date(void);           /* date of the compiled-in knowledge base */

#ifdef __cplusplus
}
#endif
#endif /* CUVET_H */
