/*
 * cuvet_readers.h — libcuvet's low-level readers: the filesystem view, ld.so.cache and
 * ld.so.conf, ELF dynamic sections and symbols, and the fat binaries NVIDIA's compilers embed.
 *
 * Each reader takes a buffer (or a filesystem view) and bounds-checks every offset; the jobs in
 * cuvet.h are built on them. Ownership follows cuvet.h: what a call returns belongs to the caller
 * and is released with the matching _free() or _release() call, which accepts NULL.
 */
#ifndef CUVET_READERS_H
#define CUVET_READERS_H

#include "cuvet.h"

#ifdef __cplusplus
extern "C" {
#endif
/* ------------------------------------------------------ filesystem view ---- */

/* A read-only view of a filesystem: a directory ("/" or a mounted tree, cuvet_fs_open), a tree
 * built in memory (cuvet_fs_mem_new, e.g. a container image's layers merged without extracting
 * them), or any other backend given as a table of operations (cuvet_fs_new). Every path is taken
 * relative to the view's root; symbolic links, absolute or relative, are resolved inside the root
 * and never followed outside it ("/.." stays at the root, as in a chroot); loops are reported
 * (CUVET_E_LOOP). The view does that resolution itself, the same way for every backend. */
struct cuvet_fs;

/* A view of the directory ROOT (NULL or "" for "/"). */
CUVET_API struct cuvet_fs *cuvet_fs_open(const char *root, struct cuvet_error *err);
CUVET_API void cuvet_fs_free(struct cuvet_fs *fs);
/* For cuvet_fs_open, the root's canonical host path ("" for "/"); for another backend its name
 * (struct cuvet_fs_ops.name, never ""). For messages: a view need not have a host path. */
CUVET_API const char *cuvet_fs_root(const struct cuvet_fs *fs);
/* Whether FS is this machine's own root (cuvet_fs_open of "/"): only there do the running
 * kernel, NVML and the process's environment describe the same system as the files. */
CUVET_API bool cuvet_fs_is_host_root(const struct cuvet_fs *fs);
/* Resolves every symlink in PATH (as seen inside the root). Writes the canonical in-root path
 * (starting with '/') to OUT. Fails with CUVET_E_NOTFOUND, CUVET_E_LOOP or CUVET_E_IO. */
CUVET_API int cuvet_fs_realpath(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
				struct cuvet_error *err);
/* Reads a whole file (at most MAX bytes, 0 = 64 MiB) into a malloc'ed NUL-terminated buffer. */
CUVET_API int cuvet_fs_read(struct cuvet_fs *fs, const char *path, size_t max, char **data, size_t *len,
			    struct cuvet_error *err);
/* Maps a file read-only (for ELF and large binaries); an empty file gives NULL and 0. Release
 * with cuvet_fs_unmap on the same view, before freeing the view. */
CUVET_API int cuvet_fs_map(struct cuvet_fs *fs, const char *path, const void **data, size_t *len,
			   struct cuvet_error *err);
CUVET_API void cuvet_fs_unmap(struct cuvet_fs *fs, const void *data, size_t len);
/* The target text of a symlink without resolving it (its parent directories are resolved). */
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

/* --- filesystem view: backends --- */

struct cuvet_fs_stat {
	enum cuvet_fs_type type;
	uint64_t size; /* bytes, for a regular file */
};

/* A backend's operations. Each takes the backend's IMPL and a canonical in-root PATH: absolute,
 * without "." or ".." or empty components, and without a symbolic link before its last
 * component. The view walks every other path itself, through lstat and readlink, which is what
 * keeps every backend inside its root. Each operation returns 0 or an errno value: ENOENT (no
 * such entry), ENOTDIR (a component is not a directory), EISDIR, EINVAL (readlink: not a link;
 * read and map: not a regular file), EFBIG (read: more than MAX bytes), ENOMEM, or another
 * (reported as an I/O error). The view writes the messages. */
struct cuvet_fs_ops {
	const char *name; /* what cuvet_fs_root() answers, e.g. "(memory)"; not "" */
	/* The entry itself (a link at PATH is not followed). */
	int (*lstat)(void *impl, const char *path, struct cuvet_fs_stat *st);
	/* A link's target, NUL-terminated, into BUF (LEN bytes); ENAMETOOLONG when it does not fit. */
	int (*readlink)(void *impl, const char *path, char *buf, size_t len);
	/* A regular file's bytes, at most MAX, into a malloc'ed buffer with a NUL after them. */
	int (*read)(void *impl, const char *path, size_t max, char **data, size_t *len);
	/* Optional (NULL: cuvet_fs_map reads, cuvet_fs_unmap frees): a regular file's bytes, valid
	 * until unmap (optional too) is called with them. */
	int (*map)(void *impl, const char *path, const void **data, size_t *len);
	void (*unmap)(void *impl, const void *data, size_t len);
	/* Calls ADD once per name in the directory ("." and ".." left out), in any order; stops
	 * and returns ADD's answer when it is not 0. */
	int (*list)(void *impl, const char *path, int (*add)(void *ctx, const char *name), void *ctx);
	/* Optional: releases IMPL, from cuvet_fs_free. */
	void (*free)(void *impl);
};

/* A view over a backend. OPS must outlive the view; IMPL belongs to the view from this call on
 * (OPS->free releases it, also when this call fails). */
CUVET_API struct cuvet_fs *cuvet_fs_new(const struct cuvet_fs_ops *ops, void *impl, struct cuvet_error *err);

/* The in-memory backend: an empty root directory that calls add to, like layers applied in
 * order. Paths are taken literally (no link is followed; "." and empty components are skipped,
 * ".." is refused) and missing parent directories are created (mode 0755); a parent that exists
 * and is not a directory is an error (CUVET_E_INVALID). A later entry replaces an earlier one
 * at the same path, as an upper layer does, except that a directory added over a directory
 * keeps its contents (the layers' directories merge). The calls fail with CUVET_E_INVALID on a
 * view that is not in memory. Mappings of its files stay valid until the path is replaced or
 * the view freed. */
CUVET_API struct cuvet_fs *cuvet_fs_mem_new(struct cuvet_error *err);
/* A regular file with a copy of LEN bytes at DATA; MODE is the permission bits. */
CUVET_API int cuvet_fs_mem_add_file(struct cuvet_fs *fs, const char *path, const void *data, size_t len,
				    unsigned mode, struct cuvet_error *err);
/* The same without the copy: DATA must stay valid and unchanged until the view is freed (the
 * bytes of an uncompressed layer inside a mapped archive, for instance). */
CUVET_API int cuvet_fs_mem_add_file_ref(struct cuvet_fs *fs, const char *path, const void *data,
					size_t len, unsigned mode, struct cuvet_error *err);
CUVET_API int cuvet_fs_mem_add_dir(struct cuvet_fs *fs, const char *path, unsigned mode,
				   struct cuvet_error *err);
CUVET_API int cuvet_fs_mem_add_symlink(struct cuvet_fs *fs, const char *path, const char *target,
				       struct cuvet_error *err);
/* A second name for the entry (not a directory) now at EXISTING: a file's bytes are shared. */
CUVET_API int cuvet_fs_mem_add_hardlink(struct cuvet_fs *fs, const char *path, const char *existing,
					struct cuvet_error *err);
/* A device node, FIFO or socket: listed, typed CUVET_FS_OTHER, never read. */
CUVET_API int cuvet_fs_mem_add_other(struct cuvet_fs *fs, const char *path, unsigned mode,
				     struct cuvet_error *err);
/* A whiteout: PATH and everything under it go (nothing to remove is not an error). */
CUVET_API int cuvet_fs_mem_remove(struct cuvet_fs *fs, const char *path, struct cuvet_error *err);
/* An opaque directory: PATH becomes an empty directory, hiding what lower layers put there.
 * A layer's whiteouts and opaque markers hide only lower layers' entries, so an image reader
 * applies them before the rest of the layer. */
CUVET_API int cuvet_fs_mem_make_opaque(struct cuvet_fs *fs, const char *path, unsigned mode,
				       struct cuvet_error *err);

/* Layers: from here on, entries belong to LAYER (> every earlier one); remove and make_opaque
 * then hide only entries of lower layers, whatever the order of a layer's members. Without a
 * call (layer 0) they hide everything. */
CUVET_API int cuvet_fs_mem_set_layer(struct cuvet_fs *fs, unsigned layer, struct cuvet_error *err);
/* A regular file of SIZE bytes of which only the N extents (sorted, not overlapping) are held,
 * copied: a large ELF library kept as its headers and dynamic tables. Its size is SIZE; mapping
 * it gives SIZE bytes with zeros in the holes (memory is spent on the extents only); reading it
 * (cuvet_fs_read) is CUVET_E_IO, as is mapping it when COMPLETE is false (not every range a
 * reader needs was held): "contents not held". */
struct cuvet_fs_extent {
	uint64_t offset;
	const void *data;
	size_t len;
};
CUVET_API int cuvet_fs_mem_add_sparse(struct cuvet_fs *fs, const char *path, uint64_t size,
				      const struct cuvet_fs_extent *ext, size_t n, bool complete, unsigned mode,
				      struct cuvet_error *err);

/* What the in-memory view has at PATH (literal, no link followed): type, permission bits, size,
 * and how much of a regular file's bytes it holds. CUVET_E_NOTFOUND when nothing is there. */
enum cuvet_fs_held { CUVET_FS_HELD_NONE, CUVET_FS_HELD_WHOLE, CUVET_FS_HELD_PART };
struct cuvet_fs_mem_info {
	enum cuvet_fs_type type;
	unsigned mode;
	uint64_t size;           /* a regular file's */
	enum cuvet_fs_held held; /* PART: a sparse file that maps; NONE: metadata only */
	uint64_t held_bytes;
};
CUVET_API int cuvet_fs_mem_info(struct cuvet_fs *fs, const char *path, struct cuvet_fs_mem_info *out,
				struct cuvet_error *err);

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

/* Everything `ldconfig -p` prints inside the parentheses for ENTRY: the flags, then
 * `, hwcap: "x86-64-v3"` for a glibc-hwcaps entry or `, hwcap: 0x...` for a legacy one.
 * Returns the length that would have been written, as snprintf does. */
CUVET_API int cuvet_ldcache_entry_desc(const struct cuvet_ldcache_entry *entry, char *buf, size_t len);

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
	char *strings;              /* cuvet_elf_read_versioned_symbols: the names lie in this one block
	                               and each version is one of VERNEED's or VERDEF's strings
	                               (NULL: each is its own allocation) */
};

/* Reads version requirements, version definitions and dynamic symbols. Slower than
 * cuvet_elf_read (it walks .dynsym); call it only for the files that need it. Works from section
 * headers, or from the dynamic tags (DT_SYMTAB, DT_VERSYM, DT_VERNEED, DT_VERDEF, DT_HASH /
 * DT_GNU_HASH) when section headers are stripped. */
CUVET_API int cuvet_elf_read_symbols(const void *buf, size_t len, struct cuvet_elf_symbols *out,
				     struct cuvet_error *err);
/* The same, keeping only the symbols that have a version (what symbol-version checks use): the
 * others' entries and names are not read (libtorch_cpu.so: 76 000 symbols, 800 versioned). */
CUVET_API int cuvet_elf_read_versioned_symbols(const void *buf, size_t len, struct cuvet_elf_symbols *out,
					       struct cuvet_error *err);
CUVET_API void cuvet_elf_symbols_release(struct cuvet_elf_symbols *syms);

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
/* ---- what a file's GPU code is and where it runs ("cuvet arch"; src/lib/eval/arch.c) ---- */

struct cuvet_arch_opts {
	bool all;                  /* also count __nv_relfatbin when .nv_fatbin exists (cuobjdump and the
	                              runtime use only .nv_fatbin then; archive members are judged alone) */
	bool have_gpu;             /* decide whether the code runs on GPU_MAJOR.GPU_MINOR */
	int gpu_major, gpu_minor;
	bool entries;              /* JSON: list every selected entry too */
};
/* One distinct target among the selected entries, with how many entries carry it. */
struct cuvet_arch_target {
	int kind;                  /* enum cuvet_fatbin_kind */
	unsigned sm;
	char variant;              /* 0, 'a', 'f' */
	char name[32];             /* cuvet_fatbin_target_name: "sm_90a", "compute_80" */
	size_t count;
	size_t compressed;         /* entries of it stored compressed */
	unsigned isa_major, isa_minor; /* the highest version among them (PTX: the PTX ISA) */
};
struct cuvet_arch_report {
	const struct cuvet_fatbin *fatbin; /* borrowed: must outlive the report */
	struct cuvet_arch_opts opts;
	bool *selected;            /* per fatbin entry: counted (see opts.all) */
	size_t nselected, nsass, nptx, nltoir; /* selected entries: all, and of each kind */
	size_t nother;             /* selected entries of other kinds */
	size_t ncompressed;
	size_t nfatbins;           /* containers with selected entries (0 for a bare cubin or PTX file) */
	size_t nfatbins_deep;      /* of them found in other data sections (cuvet_fatbin_parse_deep) */
	size_t ntargets;
	struct cuvet_arch_target *targets; /* SASS, PTX, LTO-IR, other; by sm, then plain, f, a */
	/* with opts.have_gpu: what the CUDA runtime would load there: the best SASS (highest
	 * compatible target), else the PTX with the highest compatible target to JIT */
	enum cuvet_fatbin_run run; /* CUVET_RUN_NO also when there is no GPU code at all */
	const struct cuvet_fatbin_entry *run_entry; /* into fatbin->entries, or NULL */
};
CUVET_API struct cuvet_arch_report *cuvet_arch_report_new(const struct cuvet_fatbin *fb,
							  const struct cuvet_arch_opts *opts, struct cuvet_error *err);
CUVET_API void cuvet_arch_report_free(struct cuvet_arch_report *r);
/* One file of a cuvet.arch/1 document: its report, or the error that kept it from being read. */
struct cuvet_arch_file {
	const char *path;
	const struct cuvet_arch_report *report; /* NULL when ERROR says why there is none */
	const char *error;
};
/* {"schema": "cuvet.arch/1", "files": [...]}, indented when PRETTY. Returns a malloc'ed string, or
 * NULL (CUVET_E_NOMEM; CUVET_E_INVALID for a file with neither report nor error). */
CUVET_API char *cuvet_arch_report_to_json(const struct cuvet_arch_file *files, size_t n, bool pretty,
					  struct cuvet_error *err);

/* ------------------------------------------- TensorRT engine headers (trtengine.c) ---- */

/* What the header of a serialized TensorRT engine (plan) says, read without TensorRT. The
 * layouts were checked on real engines (shared/formats/trt-engine.md; tests/data/engines/):
 * the container `ftrt` (TensorRT 8.6 and later) holding a `ptrt` plan, a bare `ptrt` plan
 * (7.0 - 8.5) and the length-prefixed FlatBuffer of TensorRT 5/6. A field the header does not
 * carry in a known place stays unknown (0, -1 or false as documented), never guessed. */

enum cuvet_trt_family {
	CUVET_TRT_FAMILY_UNKNOWN = 0,
	CUVET_TRT_FAMILY_FLATBUFFER, /* u64 file size, then a FlatBuffer: TensorRT 5 (6 untested) */
	CUVET_TRT_FAMILY_PLAN,       /* a bare `ptrt` plan: TensorRT 7.0 - 8.5 */
	CUVET_TRT_FAMILY_CONTAINER,  /* an `ftrt` container around a `ptrt` plan: TensorRT 8.6+ */
};

/* The plan header's layout (bytes 4..23 of the `ptrt` header), by the releases it was seen in. */
enum cuvet_trt_plan_layout {
	CUVET_TRT_PLAN_UNKNOWN = 0,
	CUVET_TRT_PLAN_A, /* 7.0, 7.1: serialization version, ?, payload size, CRC-32 */
	CUVET_TRT_PLAN_B, /* 8.0: serialization version, 256, CRC-32, payload size */
	CUVET_TRT_PLAN_C, /* 8.2 - 10.3: 0, serialization version, 0, payload size */
	CUVET_TRT_PLAN_D, /* 10.6 - 10.15: serialization version, payload size, 0 (20-byte header) */
};

/* The GPU the engine was built on: TensorRT stores a copy of its cudaDeviceProp. */
struct cuvet_trt_device {
	bool known;                /* the block was found and decoded; the rest is valid only then */
	int layout;                /* 1 (7.0 - 10.6) or 2 (10.9+): the order of the fields */
	int cc_major, cc_minor;    /* compute capability */
	int sm_count;              /* multiProcessorCount */
	int integrated;            /* 1 Jetson/Tegra iGPU, 0 discrete, -1 unknown */
	uint64_t total_memory;     /* totalGlobalMem in bytes; 0 when not recorded (TensorRT 7.0) */
	uint64_t l2_cache;         /* bytes */
	int memory_bus_width;      /* bits */
	int clock_khz, memory_clock_khz;
};

struct cuvet_trt_engine {
	enum cuvet_trt_family family;
	/* A wrapper found before the engine: "ultralytics" (u32 length + JSON metadata), or NULL. */
	const char *wrapper;       /* static string */
	uint64_t engine_offset;    /* where the engine starts (after a wrapper) */
	uint64_t engine_size;      /* its size (the rest of the buffer) */
	char *wrapper_metadata;    /* the wrapper's JSON text (malloc'ed), or NULL */
	/* The TensorRT release that built it (major.minor.patch.build); the runtime must be
	 * exactly this release unless the engine is version-compatible. */
	bool version_known;
	unsigned version[4];
	/* container (family CONTAINER) */
	uint32_t container_version;/* u32 at 4; only 0 is understood */
	unsigned nsections;
	char sections[8][5];       /* the first 8 section names ("ENGN", "WGHT"), NUL-terminated */
	char container_tag[9];     /* bytes 28..31 in hex ("72747274"), meaning unknown; "" if none */
	bool trailer_ok;           /* the last 4 bytes are NOT `ftrt` (container) / NOT `ptrt` (plan) */
	/* plan */
	uint64_t plan_offset, plan_size;
	enum cuvet_trt_plan_layout plan_layout;
	uint32_t serialization_version; /* 0 when unknown; not a release id (237 is 8.5 EA and 10.0) */
	int crc_ok;                /* layouts A and B: 1 CRC-32 of the stream matches, 0 not, -1 no CRC */
	bool plan_trailer;         /* the plan ends with NOT `ptrt` (8.4 and later) */
	struct cuvet_trt_device device;
	/* Version compatibility (8.6+: BuilderFlag::kVERSION_COMPATIBLE) and hardware compatibility
	 * (HardwareCompatibilityLevel): no known field records them, so a header alone leaves them
	 * unknown. -1 unknown, 0 no, 1 yes. */
	int version_compatible;
	int hardware_compatible;
};

/* Reads the header of the engine in BUF (LEN bytes). Fails with CUVET_E_INVALID, the message
 * naming the offset, when the bytes are not a TensorRT engine ("not a TensorRT engine: unknown
 * magic ..."), are cut short ("truncated: ...") or contradict themselves ("corrupt: ..."). A
 * layout the reader does not know leaves the fields unknown and is not an error. Release the
 * result with cuvet_trt_engine_release. */
CUVET_API int cuvet_trt_engine_read(const void *buf, size_t len, struct cuvet_trt_engine *out,
				    struct cuvet_error *err);
CUVET_API void cuvet_trt_engine_release(struct cuvet_trt_engine *e);
CUVET_API const char *cuvet_trt_family_name(enum cuvet_trt_family f); /* "container", "plan", ... */
CUVET_API const char *cuvet_trt_plan_layout_name(enum cuvet_trt_plan_layout l); /* "A".."D", "unknown" */
/* The header as JSON ("schema": "cuvet.engine/1", doc/engine.md), PATH as given. Malloc'ed. */
CUVET_API char *cuvet_trt_engine_to_json(const struct cuvet_trt_engine *e, const char *path, bool pretty,
					 struct cuvet_error *err);

/* ---- the loader model ("cuvet why", the probe's pick; src/lib/loader/ldmodel.c) ---- */

/* The first PT_INTERP path of an ELF image into OUT. Returns 1 when there is one, 0 when
 * not, -1 on a malformed file. (elf.c) */
CUVET_API int cuvet_elf_interp(const void *buf, size_t len, char *out, size_t outlen, struct cuvet_error *err);
#ifdef __cplusplus
}
#endif
#endif
