/* The loader model: where glibc's dynamic loader finds a library name, for one root and one
 * ABI. Built once (ldmodel_new) from the fs view, the root's ld.so.cache, its layout and glibc
 * version and this machine's CPU; then ldmodel_search answers "which file does NAME resolve to,
 * by which rule, after searching where" for any requester. "cuvet why", the probe's per-SONAME
 * pick (default_pick/cache_pick) and the driver's libcuda/libnvidia-ml path all ask it, so they
 * cannot disagree. Internal to libcuvet; the model borrows FS, which must outlive it. */
#ifndef CUVET_LDMODEL_H
#define CUVET_LDMODEL_H

#include <limits.h>

#include "internal.h"

#define LDMODEL_EM_386 3
#define LDMODEL_EM_X86_64 62
#define LDMODEL_EM_AARCH64 183

struct ldmodel_opts {
	int machine;                /* e_machine of the programs (LDMODEL_EM_*) */
	int elf_class;              /* 1 = 32-bit, 2 = 64-bit */
	int byte_order;             /* 1 = little, 2 = big */
	const char *interp;         /* the program's PT_INTERP (decides the layout); NULL or "": the ABI's standard one */
	bool hwcaps;                /* search glibc-hwcaps (and legacy hwcap) subdirectories */
	bool cache_given;           /* use CACHE (borrowed, may be NULL: none) instead of reading /etc/ld.so.cache */
	const struct cuvet_ldcache *cache;
};
/* Native x86-64 (or aarch64 when MACHINE says so), hwcaps on, the cache read from the root. */
void ldmodel_opts_init(struct ldmodel_opts *o, int machine);

struct ldmodel;
/* LLP is the LD_LIBRARY_PATH in effect (NULL: none); copied. */
struct ldmodel *ldmodel_new(struct cuvet_fs *fs, const char *llp, const struct ldmodel_opts *opts,
			    struct cuvet_error *err);
void ldmodel_free(struct ldmodel *m);

/* What the model decided about the root and the CPU. */
const char *ldmodel_lib(const struct ldmodel *m);            /* $LIB: "lib/x86_64-linux-gnu", "lib64" */
const char *ldmodel_platform(const struct ldmodel *m);       /* $PLATFORM: "x86_64", "haswell" */
/* The standard PT_INTERP of an ABI (the System V psABI supplements); "" when not known. */
const char *ldmodel_native_interp(int machine, int elf_class);
const char *const *ldmodel_default_dirs(const struct ldmodel *m, size_t *n);
const char *const *ldmodel_hwcaps(const struct ldmodel *m, size_t *n);       /* "x86-64-v3", best first */
const char *const *ldmodel_legacy_subdirs(const struct ldmodel *m, size_t *n); /* "tls/x86_64", ..., in order */
/* The root's glibc as MAJOR*1000+MINOR (2036), 0 when not known (then taken as >= 2.37). */
unsigned ldmodel_glibc(const struct ldmodel *m);
int32_t ldmodel_cache_flags(const struct ldmodel *m);
const struct cuvet_ldcache *ldmodel_cache(const struct ldmodel *m);
const char *ldmodel_llp(const struct ldmodel *m);

/* Calls FN for each non-empty element of a search list split at any of SEPS (":" for
 * RPATH/RUNPATH, ":;" for LD_LIBRARY_PATH, as ld.so splits them). */
void ldmodel_each_elem(const char *list, const char *seps, void (*fn)(const char *elem, size_t len, void *ctx),
		       void *ctx);

/* One DT_RPATH of the requester's chain (the requester's own first, up to the executable). */
struct ldmodel_rpath {
	const char *list;
	const char *origin;         /* its object's $ORIGIN, NULL when unknown */
	const char *label;          /* "rpath", "rpath of app" (for the searched list) */
	enum cuvet_why_rule rule;   /* CUVET_WHY_RPATH or CUVET_WHY_RPATH_PARENT */
	size_t from;                /* the caller's index of that object */
};

struct ldmodel_query {
	const char *name;
	const struct ldmodel_rpath *rpaths; /* ignored when RUNPATH is set (glibc ignores RPATH then) */
	size_t nrpaths;
	const char *runpath;        /* the requester's DT_RUNPATH, or NULL */
	const char *origin;         /* the requester's $ORIGIN (RUNPATH and names with '/') */
	const char *main_origin;    /* the executable's $ORIGIN ($ORIGIN in LD_LIBRARY_PATH), or NULL */
	bool nodeflib;              /* the requester has DF_1_NODEFLIB */
	bool no_llp;                /* leave LD_LIBRARY_PATH out (what the cache alone would pick) */
	bool want_searched;         /* fill result.searched */
	bool want_info;             /* keep result.info of a loadable copy */
};

enum ldmodel_status { LDMODEL_NOT_FOUND, LDMODEL_OK, LDMODEL_BAD };

struct ldmodel_result {
	enum ldmodel_status status; /* BAD: found, but the loader stops there (corrupt ELF ...): WHY says why */
	enum cuvet_why_rule rule;
	size_t rule_from;           /* the RPATH's FROM for the RPATH rules, else CUVET_WHY_NONE */
	char path[PATH_MAX];        /* as opened (symlinks kept) */
	char dir[PATH_MAX];         /* the directory it was found in (hwcaps subdirectory included); "" for direct */
	char why[512];
	struct cuvet_elf_info info; /* LDMODEL_OK with want_info */
	size_t nsearched, searched_cap;
	char **searched;            /* "rpath: /dir", "ld.so.cache: no entry", ... in order */
};

/* Searches NAME as _dl_map_object does. Returns -1 only on allocation failure (ERR filled); a
 * name not found is LDMODEL_NOT_FOUND. Release R with ldmodel_result_release. */
int ldmodel_search(struct ldmodel *m, const struct ldmodel_query *q, struct ldmodel_result *r,
		   struct cuvet_error *err);
void ldmodel_result_release(struct ldmodel_result *r);
/* cuvet_fs_realpath of PATH (no error details), remembered: a file that many searches find is
 * resolved once. */
int ldmodel_realpath(struct ldmodel *m, const char *path, char *out, size_t outlen);
/* Hands the searched list over to the caller (R keeps none). */
char **ldmodel_result_take_searched(struct ldmodel_result *r, size_t *n);

/* The CPU facts the model uses (cpuid of this machine). Exposed for tests. */
struct ldmodel_cpu {
	bool intel;                 /* "GenuineIntel" (glibc's arch_kind_intel) */
	int isa_level;              /* x86-64 psABI level 1..4 */
	bool haswell;               /* AVX2, FMA, BMI1, BMI2, LZCNT, MOVBE, POPCNT usable */
	bool avx512_1;              /* AVX512CD without AVX512ER, and AVX512BW, DQ, VL usable */
	bool xeon_phi;              /* AVX512CD, AVX512ER and AVX512PF usable */
};
void ldmodel_cpu_read(struct ldmodel_cpu *cpu);

#endif
