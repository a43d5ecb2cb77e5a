/* The loader model (ldmodel.h): glibc's search for a library name, modelled once per root.
 *
 * The order is glibc's elf/dl-load.c _dl_map_object (shared/formats/ldso.md §2): names with '/'
 * opened directly, the DT_RPATH chain from the requester up to the executable (only when the
 * requester has no DT_RUNPATH), LD_LIBRARY_PATH, the requester's own DT_RUNPATH,
 * /etc/ld.so.cache, the built-in directories. In every directory the loader first tries the
 * subdirectories of _dl_important_hwcaps (elf/dl-hwcaps.c), then the directory itself.
 *
 * Choices a static tool has to make:
 * - Layout: the root is Debian multiarch when its interpreter resolves into a "<triplet>" lib
 *   directory (or /usr/lib/<triplet> exists); then the built-in directories are /lib/<triplet>,
 *   /usr/lib/<triplet>, /lib, /usr/lib and $LIB is "lib/<triplet>" (Debian's glibc patch). Otherwise
 *   (RHEL-style) they are /lib64, /usr/lib64 and $LIB is "lib64" (32-bit: /lib, /usr/lib, "lib").
 * - The root's glibc version comes from the cache's generator string ("... release version
 *   2.36"), else from its libc's file name (libc-2.31.so) or the banner inside libc.so.6. When
 *   none tells, glibc >= 2.37 is assumed.
 * - The CPU is this machine's (cpuid), also for --root: the loader of a container runs on the
 *   host's CPU, and a root copied from elsewhere has no CPU to ask.
 * - glibc-hwcaps (glibc >= 2.33, x86-64): <dir>/glibc-hwcaps/x86-64-v{4,3,2}/ for the levels this
 *   CPU supports (sysdeps/x86_64/dl-hwcaps-subdirs.c), best first. Entries of the cache for
 *   hwcaps subdirectories are not modelled.
 * - Legacy hwcaps (glibc < 2.37, x86-64): the power set of the hwcap strings (x86_64, and
 *   avx512_1 on Intel CPUs with AVX-512 BW/DQ/VL), $PLATFORM and "tls", each subset written
 *   last string first, largest subset first: on an AMD CPU tls/x86_64/x86_64, tls/x86_64,
 *   tls/x86_64, tls, x86_64/x86_64, x86_64, x86_64; on a Haswell-class Intel CPU
 *   tls/haswell/x86_64, tls/haswell, tls/x86_64, tls, haswell/x86_64, haswell, x86_64.
 *   (glibc 2.36 elf/dl-hwcaps.c _dl_important_hwcaps, sysdeps/x86/dl-hwcap.h HWCAP_IMPORTANT.)
 * - $PLATFORM: glibc replaces the kernel's AT_PLATFORM "x86_64" with "haswell" (or "xeon_phi") on
 *   Intel CPUs only (sysdeps/x86/cpu-features.c, inside `kind == arch_kind_intel`), in 2.36 and
 *   still in 2.39 (seen on the GPU machine: Xeon, Ubuntu glibc 2.39, $ORIGIN/../$PLATFORM not
 *   found in ../x86_64); 2.37 removed only the legacy subdirectories.
 * - Relative and empty search-path elements (the process's working directory) are skipped; a
 *   relative name with '/' is taken relative to the root's "/".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "ldmodel.h"
#include "paths.h"

struct dir_memo {
	char *dir;
	bool exists;
	bool hwcaps;                /* DIR/glibc-hwcaps exists */
	unsigned legacy;            /* bit K: DIR/<legacy string K> is a directory */
};

/* What check_candidate found at one path, per kind of check (header only, or the dynamic
 * section too): one search asks the same files again and again (every object of a torch tree
 * needs libc.so.6, and each search walks the same RPATH directories). */
struct cand_memo {
	char *path;
	signed char st[2];          /* [want_info]: -1 not checked yet, else an enum cand */
	char *why[2];               /* the reason of a CAND_BAD */
	struct cuvet_elf_info info; /* st[1] == CAND_OK */
	signed char real_state;     /* ldmodel_realpath: 0 not asked, 1 REAL, -1 unresolvable */
	char *real;
};

/* Strings -> entry index, open addressing; the keys are borrowed from the entries. */
struct str_index {
	uint32_t *slots;            /* entry + 1; 0 empty */
	size_t nslots;              /* a power of two, above twice N (0: none yet) */
	size_t n;
	const char **keys;          /* per entry */
	size_t keys_cap;
};

struct legacy_subdir {
	char *path;                 /* "tls/haswell/x86_64" */
	unsigned first;             /* index of its first component among the legacy strings */
};

struct ldmodel {
	struct cuvet_fs *fs;
	struct ldmodel_opts opts;
	struct cuvet_ldcache *own_cache;
	const struct cuvet_ldcache *cache;
	int32_t cache_flags;
	char *llp;
	char *lib, *platform;
	char **default_dirs;
	size_t ndefault_dirs;
	char **hwcaps;
	size_t nhwcaps;
	const char *legacy_str[4];  /* hwcap strings, platform, "tls" */
	size_t nlegacy_str;
	struct legacy_subdir *legacy;
	char **legacy_paths;        /* the same paths, for ldmodel_legacy_subdirs */
	size_t nlegacy;
	unsigned glibc;
	struct dir_memo *dirs;
	size_t ndirs, dirs_cap;
	struct str_index dir_index;
	struct cand_memo *cands;
	size_t ncands, cands_cap;
	struct str_index cand_index;
	bool oom;
};

/* ---------------------------------------------------------- string index ---- */

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* KEY's entry, or -1 (then *SLOT is where it would go). */
static long sidx_find(const struct str_index *x, const char *key, uint32_t h, size_t *slot)
{
	if (!x->nslots)
		return -1;
	size_t mask = x->nslots - 1;
	for (size_t k = h & mask;; k = (k + 1) & mask) {
		*slot = k;
		uint32_t e = x->slots[k];
		if (!e)
			return -1;
		if (strcmp(x->keys[e - 1], key) == 0)
			return (long)(e - 1);
	}
}

/* Adds KEY (borrowed) as entry X->n. */
static int sidx_add(struct str_index *x, const char *key)
{
	if (x->n >= UINT32_MAX / 4 || xgrow(&x->keys, &x->keys_cap, x->n, sizeof(*x->keys)) < 0)
		return -1;
	if (2 * (x->n + 1) >= x->nslots) {
		size_t ns = x->nslots ? 2 * x->nslots : 64;
		uint32_t *slots = calloc(ns, sizeof(*slots));
		if (!slots)
			return -1;
		for (size_t i = 0; i < x->n; i++) {
			size_t k = str_hash(x->keys[i]) & (ns - 1);
			while (slots[k])
				k = (k + 1) & (ns - 1);
			slots[k] = (uint32_t)(i + 1);
		}
		free(x->slots);
		x->slots = slots;
		x->nslots = ns;
	}
	size_t slot = 0;
	if (sidx_find(x, key, str_hash(key), &slot) >= 0)
		return -1; /* callers add only what they did not find */
	x->keys[x->n] = key;
	x->slots[slot] = (uint32_t)++x->n;
	return 0;
}

static void sidx_release(struct str_index *x)
{
	free(x->slots);
	free(x->keys);
	memset(x, 0, sizeof(*x));
}

/* ------------------------------------------------------------------ CPU ---- */

void ldmodel_cpu_read(struct ldmodel_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->isa_level = 1;
#if defined(__x86_64__)
	unsigned a, b, c1, d;
	if (!__get_cpuid(0, &a, &b, &c1, &d))
		return;
	/* the vendor string is EBX, EDX, ECX */
	cpu->intel = b == 0x756e6547u && d == 0x49656e69u && c1 == 0x6c65746eu;
	if (!__get_cpuid(1, &a, &b, &c1, &d))
		return;
	unsigned c81 = 0, b7 = 0;
	if (__get_cpuid(0x80000001, &a, &b, &c81, &d) == 0)
		c81 = 0;
	if (__get_cpuid_max(0, NULL) >= 7) {
		unsigned a7, c7, d7;
		__cpuid_count(7, 0, a7, b7, c7, d7);
	}
	uint64_t xcr0 = 0;
	if (c1 & bit_OSXSAVE) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = (uint64_t)hi << 32 | lo;
	}
	bool ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
	bool avx = (c1 & bit_AVX) && ymm, avx2 = avx && (b7 & bit_AVX2), fma = avx && (c1 & bit_FMA);
	bool f16c = avx && (c1 & bit_F16C);
	bool bmi1 = b7 & bit_BMI, bmi2 = b7 & bit_BMI2, lzcnt = c81 & bit_LZCNT, movbe = c1 & bit_MOVBE;
	bool popcnt = c1 & bit_POPCNT;
	/* glibc's CPU_FEATURE_USABLE for AVX-512 needs the opmask and ZMM state enabled */
	bool a512f = zmm && (b7 & bit_AVX512F), a512cd = a512f && (b7 & bit_AVX512CD);
	bool a512er = a512f && (b7 & (1u << 27)), a512pf = a512f && (b7 & (1u << 26));
	bool a512bw = a512f && (b7 & bit_AVX512BW), a512dq = a512f && (b7 & bit_AVX512DQ);
	bool a512vl = a512f && (b7 & bit_AVX512VL);
	/* x86-64-v2: CMPXCHG16B, LAHF/SAHF, POPCNT, SSE3, SSE4.1, SSE4.2, SSSE3 (the psABI levels, as
	 * glibc's dl-hwcaps-subdirs.c tests them) */
	bool v2 = (c1 & bit_CMPXCHG16B) && (c81 & bit_LAHF_LM) && popcnt && (c1 & bit_SSE3) && (c1 & bit_SSE4_1) &&
		  (c1 & bit_SSE4_2) && (c1 & bit_SSSE3);
	bool v3 = v2 && avx && avx2 && bmi1 && bmi2 && f16c && fma && lzcnt && movbe;
	bool v4 = v3 && a512f && a512bw && a512cd && a512dq && a512vl;
	cpu->isa_level = v4 ? 4 : v3 ? 3 : v2 ? 2 : 1;
	cpu->haswell = avx2 && fma && bmi1 && bmi2 && lzcnt && movbe && popcnt;
	cpu->xeon_phi = a512cd && a512er && a512pf;
	cpu->avx512_1 = a512cd && !a512er && a512bw && a512dq && a512vl;
#endif
}

/* --------------------------------------------------------------- helpers ---- */

static int push_str(struct ldmodel *m, char ***arr, size_t *n, const char *s)
{
	char **p = realloc(*arr, (*n + 1) * sizeof(char *));
	if (!p || !(p[*n] = xstrdup(s))) {
		if (p)
			*arr = p;
		m->oom = true;
		return -1;
	}
	*arr = p;
	(*n)++;
	return 0;
}

static const char *triplet_of(int machine, int cls)
{
	if (machine == LDMODEL_EM_X86_64)
		return cls == 2 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
	if (machine == LDMODEL_EM_AARCH64)
		return "aarch64-linux-gnu";
	if (machine == LDMODEL_EM_386)
		return "i386-linux-gnu";
	return NULL;
}

const char *ldmodel_native_interp(int machine, int cls)
{
	if (machine == LDMODEL_EM_X86_64)
		return cls == 2 ? "/lib64/ld-linux-x86-64.so.2" : "/libx32/ld-linux-x32.so.2";
	if (machine == LDMODEL_EM_AARCH64)
		return "/lib/ld-linux-aarch64.so.1";
	if (machine == LDMODEL_EM_386)
		return "/lib/ld-linux.so.2";
	return "";
}

/* The one place this module maps a file. */
static int map_file(struct ldmodel *m, const char *path, const void **data, size_t *len, struct cuvet_error *e)
{
	return cuvet_fs_map(m->fs, path, data, len, e);
}

static void unmap_file(struct ldmodel *m, const void *data, size_t len)
{
	cuvet_fs_unmap(m->fs, data, len);
}

/* "2.36" at S -> 2036; 0 when S does not start with MAJOR.MINOR. */
static unsigned glibc_code(const char *s, size_t len)
{
	char buf[32];
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	struct cuvet_version v;
	if (cuvet_version_parse_prefix(buf, &v, NULL, NULL) < 0 || v.nparts < 2 || v.part[0] > 9 || v.part[1] > 999)
		return 0;
	return v.part[0] * 1000 + v.part[1];
}

/* The root's glibc: the cache's generator, else its libc's file name or banner. */
static unsigned root_glibc(struct ldmodel *m)
{
	if (m->cache && m->cache->generator) {
		const char *v = strstr(m->cache->generator, "version ");
		if (v)
			return glibc_code(v + 8, strlen(v + 8));
	}
	for (size_t i = 0; i < m->ndefault_dirs; i++) {
		char p[PATH_MAX], real[PATH_MAX];
		if (!pathf(p, sizeof(p), "%s/libc.so.6", m->default_dirs[i]) ||
		    cuvet_fs_type(m->fs, p, true) != CUVET_FS_FILE)
			continue;
		/* before 2.34 the file itself was libc-2.NN.so */
		if (cuvet_fs_realpath(m->fs, p, real, sizeof(real), NULL) == 0) {
			const char *b = strrchr(real, '/');
			b = b ? b + 1 : real;
			if (str_starts(b, "libc-") && str_ends(b, ".so"))
				return glibc_code(b + 5, strlen(b + 5) - 3);
		}
		/* "GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36." */
		const void *data = NULL;
		size_t len = 0;
		if (map_file(m, p, &data, &len, NULL) < 0)
			return 0;
		static const char key[] = "release version ";
		const char *hit = memmem(data, len, key, sizeof(key) - 1);
		unsigned code = 0;
		if (hit) {
			size_t off = (size_t)(hit - (const char *)data) + sizeof(key) - 1;
			code = glibc_code(hit + sizeof(key) - 1, len - off < 16 ? len - off : 16);
		}
		unmap_file(m, data, len);
		return code;
	}
	return 0;
}

static void setup_layout(struct ldmodel *m)
{
	const struct ldmodel_opts *o = &m->opts;
	const char *interp = o->interp && *o->interp ? o->interp : ldmodel_native_interp(o->machine, o->elf_class);
	const char *trip = triplet_of(o->machine, o->elf_class);
	bool debian = false;
	char real[PATH_MAX], p[PATH_MAX];
	if (trip) {
		if (*interp && cuvet_fs_realpath(m->fs, interp, real, sizeof(real), NULL) == 0 &&
		    pathf(p, sizeof(p), "/%s/", trip) && strstr(real, p))
			debian = true;
		else if (pathf(p, sizeof(p), "/usr/lib/%s", trip) && cuvet_fs_type(m->fs, p, true) == CUVET_FS_DIR)
			debian = true;
	}
	if (debian) {
		m->lib = xasprintf("lib/%s", trip);
		snprintf(p, sizeof(p), "/lib/%s", trip);
		push_str(m, &m->default_dirs, &m->ndefault_dirs, p);
		snprintf(p, sizeof(p), "/usr/lib/%s", trip);
		push_str(m, &m->default_dirs, &m->ndefault_dirs, p);
		push_str(m, &m->default_dirs, &m->ndefault_dirs, "/lib");
		push_str(m, &m->default_dirs, &m->ndefault_dirs, "/usr/lib");
	} else if (o->elf_class == 2) {
		m->lib = xstrdup("lib64");
		push_str(m, &m->default_dirs, &m->ndefault_dirs, "/lib64");
		push_str(m, &m->default_dirs, &m->ndefault_dirs, "/usr/lib64");
	} else {
		m->lib = xstrdup("lib");
		push_str(m, &m->default_dirs, &m->ndefault_dirs, "/lib");
		push_str(m, &m->default_dirs, &m->ndefault_dirs, "/usr/lib");
	}
	if (!m->lib)
		m->oom = true;
	/* The cache flags the loader accepts: those of its own ABI (sysdeps/.../dl-cache.h) */
	m->cache_flags = o->machine == LDMODEL_EM_X86_64 ? (o->elf_class == 2 ? 0x303 : 0x803) :
			 o->machine == LDMODEL_EM_AARCH64 ? 0xa03 : 0x3;
}

static void setup_hwcaps(struct ldmodel *m)
{
	const struct ldmodel_opts *o = &m->opts;
	bool x64 = o->machine == LDMODEL_EM_X86_64 && o->elf_class == 2;
	struct ldmodel_cpu cpu;
	ldmodel_cpu_read(&cpu);
	const char *plat = o->machine == LDMODEL_EM_X86_64 ? "x86_64" : o->machine == LDMODEL_EM_AARCH64 ? "aarch64" :
			   o->machine == LDMODEL_EM_386 ? "i686" : "unknown";
	if (x64 && cpu.intel)
		plat = cpu.xeon_phi ? "xeon_phi" : cpu.haswell ? "haswell" : plat;
	m->platform = xstrdup(plat);
	if (!m->platform)
		m->oom = true;
	if (!o->hwcaps || !x64)
		return;
	if (!m->glibc || m->glibc >= 2033) {
		if (cpu.isa_level >= 4)
			push_str(m, &m->hwcaps, &m->nhwcaps, "x86-64-v4");
		if (cpu.isa_level >= 3)
			push_str(m, &m->hwcaps, &m->nhwcaps, "x86-64-v3");
		if (cpu.isa_level >= 2)
			push_str(m, &m->hwcaps, &m->nhwcaps, "x86-64-v2");
	}
	if (!m->glibc || m->glibc >= 2037)
		return; /* 2.37 removed the legacy subdirectories */
	/* the hwcap strings in bit order (HWCAP_IMPORTANT on x86-64: x86_64, avx512_1; avx512_1 is set
	 * only on Intel), the platform, "tls" */
	m->legacy_str[m->nlegacy_str++] = "x86_64";
	if (cpu.intel && cpu.avx512_1)
		m->legacy_str[m->nlegacy_str++] = "avx512_1";
	m->legacy_str[m->nlegacy_str++] = m->platform;
	m->legacy_str[m->nlegacy_str++] = "tls";
	size_t cnt = m->nlegacy_str;
	m->legacy = calloc((size_t)1 << cnt, sizeof(*m->legacy));
	m->legacy_paths = calloc((size_t)1 << cnt, sizeof(char *));
	if (!m->legacy || !m->legacy_paths) {
		m->oom = true;
		return;
	}
	for (unsigned mask = (1u << cnt) - 1; mask > 0; mask--) {
		char buf[128] = "";
		size_t o2 = 0;
		unsigned first = 0;
		for (size_t k = cnt; k-- > 0;) {
			if (!(mask & (1u << k)))
				continue;
			if (!o2)
				first = (unsigned)k;
			o2 += (size_t)snprintf(buf + o2, sizeof(buf) - o2, "%s%s", o2 ? "/" : "", m->legacy_str[k]);
		}
		char *s = xstrdup(buf);
		if (!s) {
			m->oom = true;
			return;
		}
		m->legacy[m->nlegacy] = (struct legacy_subdir){s, first};
		m->legacy_paths[m->nlegacy++] = s;
	}
}

void ldmodel_opts_init(struct ldmodel_opts *o, int machine)
{
	memset(o, 0, sizeof(*o));
	o->machine = machine;
	o->elf_class = 2;
	o->byte_order = 1;
	o->hwcaps = true;
}

struct ldmodel *ldmodel_new(struct cuvet_fs *fs, const char *llp, const struct ldmodel_opts *opts,
			    struct cuvet_error *err)
{
	struct ldmodel *m = calloc(1, sizeof(*m));
	if (!m) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	m->fs = fs;
	m->opts = *opts;
	m->opts.interp = NULL;
	if (llp && !(m->llp = xstrdup(llp)))
		m->oom = true;
	if (opts->cache_given) {
		m->cache = opts->cache;
	} else {
		char *data = NULL;
		size_t len = 0;
		if (cuvet_fs_read(fs, CUVET_LD_SO_CACHE, 0, &data, &len, NULL) == 0) {
			m->cache = m->own_cache = cuvet_ldcache_parse(data, len, NULL);
			free(data);
		}
	}
	m->opts.interp = opts->interp;
	setup_layout(m);
	m->opts.interp = NULL;
	m->glibc = root_glibc(m);
	setup_hwcaps(m);
	if (m->oom) {
		ldmodel_free(m);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	return m;
}

static void free_strs(char **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

void ldmodel_free(struct ldmodel *m)
{
	if (!m)
		return;
	cuvet_ldcache_free(m->own_cache);
	free(m->llp);
	free(m->lib);
	free(m->platform);
	free_strs(m->default_dirs, m->ndefault_dirs);
	free_strs(m->hwcaps, m->nhwcaps);
	free_strs(m->legacy_paths, m->nlegacy);
	free(m->legacy);
	for (size_t i = 0; i < m->ndirs; i++)
		free(m->dirs[i].dir);
	free(m->dirs);
	sidx_release(&m->dir_index);
	for (size_t i = 0; i < m->ncands; i++) {
		free(m->cands[i].path);
		free(m->cands[i].why[0]);
		free(m->cands[i].why[1]);
		free(m->cands[i].real);
		cuvet_elf_info_release(&m->cands[i].info);
	}
	free(m->cands);
	sidx_release(&m->cand_index);
	free(m);
}

const char *ldmodel_lib(const struct ldmodel *m) { return m->lib; }
const char *ldmodel_platform(const struct ldmodel *m) { return m->platform; }
unsigned ldmodel_glibc(const struct ldmodel *m) { return m->glibc; }
int32_t ldmodel_cache_flags(const struct ldmodel *m) { return m->cache_flags; }
const struct cuvet_ldcache *ldmodel_cache(const struct ldmodel *m) { return m->cache; }
const char *ldmodel_llp(const struct ldmodel *m) { return m->llp; }

const char *const *ldmodel_default_dirs(const struct ldmodel *m, size_t *n)
{
	*n = m->ndefault_dirs;
	return (const char *const *)m->default_dirs;
}

const char *const *ldmodel_hwcaps(const struct ldmodel *m, size_t *n)
{
	*n = m->nhwcaps;
	return (const char *const *)m->hwcaps;
}

const char *const *ldmodel_legacy_subdirs(const struct ldmodel *m, size_t *n)
{
	*n = m->nlegacy;
	return (const char *const *)m->legacy_paths;
}

void ldmodel_each_elem(const char *list, const char *seps, void (*fn)(const char *elem, size_t len, void *ctx),
		       void *ctx)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, seps);
		if (n > 0)
			fn(p, n, ctx);
		p += n;
		if (*p)
			p++;
	}
}

/* ------------------------------------------------------------ search ---- */

struct search {
	struct ldmodel *m;
	const struct ldmodel_query *q;
	struct ldmodel_result *r;
	bool done;
};

static void searched(struct search *s, const char *fmt, ...) CUVET_PRINTF(2, 3);
static void searched(struct search *s, const char *fmt, ...)
{
	struct ldmodel_result *r = s->r;
	if (!s->q->want_searched)
		return;
	char tmp[PATH_MAX + 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (xgrow(&r->searched, &r->searched_cap, r->nsearched, sizeof(char *)) < 0 ||
	    !(r->searched[r->nsearched] = xstrdup(tmp))) {
		s->m->oom = true;
		return;
	}
	r->nsearched++;
}

static struct dir_memo *dir_info(struct ldmodel *m, const char *dir)
{
	size_t slot;
	long at = sidx_find(&m->dir_index, dir, str_hash(dir), &slot);
	if (at >= 0)
		return &m->dirs[at];
	if (xgrow(&m->dirs, &m->dirs_cap, m->ndirs, sizeof(*m->dirs)) < 0) {
		m->oom = true;
		return NULL;
	}
	struct dir_memo *d = &m->dirs[m->ndirs];
	memset(d, 0, sizeof(*d));
	if (!(d->dir = xstrdup(dir)) || sidx_add(&m->dir_index, d->dir) < 0) {
		free(d->dir);
		m->oom = true;
		return NULL;
	}
	d->exists = cuvet_fs_type(m->fs, dir, true) == CUVET_FS_DIR;
	const char *sep = strcmp(dir, "/") == 0 ? "" : "/";
	char p[PATH_MAX];
	d->hwcaps = d->exists && m->nhwcaps && pathf(p, sizeof(p), "%s%sglibc-hwcaps", dir, sep) &&
		    cuvet_fs_type(m->fs, p, true) == CUVET_FS_DIR;
	for (size_t k = 0; d->exists && k < m->nlegacy_str; k++)
		if (pathf(p, sizeof(p), "%s%s%s", dir, sep, m->legacy_str[k]) && cuvet_fs_type(m->fs, p, true) == CUVET_FS_DIR)
			d->legacy |= 1u << k;
	m->ndirs++;
	return d;
}

/* Expands $ORIGIN, $LIB, $PLATFORM (and the ${...} forms) in S as glibc's _dl_dst_substitute
 * does. Returns false when the element must be dropped ($ORIGIN unknown) or does not fit. */
static bool expand_dst(const struct ldmodel *m, const char *s, size_t len, const char *origin, char *out,
		       size_t outlen)
{
	static const char *const names[] = {"ORIGIN", "LIB", "PLATFORM"};
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		const char *repl = NULL;
		size_t skip = 0;
		if (s[i] == '$') {
			for (size_t k = 0; k < CUVET_ARRAY_LEN(names) && !repl; k++) {
				size_t n = strlen(names[k]);
				const char *val = k == 0 ? origin : k == 1 ? m->lib : m->platform;
				if (i + 1 + n <= len && strncmp(s + i + 1, names[k], n) == 0) {
					/* "$ORIGINX" is no token: the name must end here */
					char nx = i + 1 + n < len ? s[i + 1 + n] : '\0';
					if ((nx >= 'a' && nx <= 'z') || (nx >= 'A' && nx <= 'Z') || (nx >= '0' && nx <= '9') ||
					    nx == '_')
						continue;
					if (!val)
						return false;
					repl = val;
					skip = 1 + n;
				} else if (i + 3 + n <= len && s[i + 1] == '{' && strncmp(s + i + 2, names[k], n) == 0 &&
					   s[i + 2 + n] == '}') {
					if (!val)
						return false;
					repl = val;
					skip = 3 + n;
				}
			}
		}
		if (repl) {
			size_t n = strlen(repl);
			if (o + n >= outlen)
				return false;
			memcpy(out + o, repl, n);
			o += n;
			i += skip;
		} else {
			if (o + 1 >= outlen)
				return false;
			out[o++] = s[i++];
		}
	}
	/* glibc strips trailing slashes of search directories, except for "/" itself */
	while (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return true;
}

enum cand { CAND_ABSENT, CAND_OK, CAND_OTHER_CLASS, CAND_BAD };

static int info_copy(struct cuvet_elf_info *dst, const struct cuvet_elf_info *src)
{
	*dst = *src;
	dst->soname = dst->rpath = dst->runpath = NULL;
	dst->needed = NULL;
	dst->nneeded = 0;
	if ((src->soname && !(dst->soname = xstrdup(src->soname))) || (src->rpath && !(dst->rpath = xstrdup(src->rpath))) ||
	    (src->runpath && !(dst->runpath = xstrdup(src->runpath))) ||
	    (src->nneeded && !(dst->needed = calloc(src->nneeded, sizeof(char *)))))
		goto fail;
	for (; dst->nneeded < src->nneeded; dst->nneeded++)
		if (!(dst->needed[dst->nneeded] = xstrdup(src->needed[dst->nneeded])))
			goto fail;
	return 0;
fail:
	cuvet_elf_info_release(dst);
	return -1;
}

/* PATH's memo (added unchecked when new); NULL when out of memory. */
static struct cand_memo *cand_memo(struct ldmodel *m, const char *path)
{
	size_t slot;
	long at = sidx_find(&m->cand_index, path, str_hash(path), &slot);
	if (at >= 0)
		return &m->cands[at];
	if (xgrow(&m->cands, &m->cands_cap, m->ncands, sizeof(*m->cands)) < 0)
		return NULL;
	struct cand_memo *c = &m->cands[m->ncands];
	memset(c, 0, sizeof(*c));
	c->st[0] = c->st[1] = -1;
	if (!(c->path = xstrdup(path)) || sidx_add(&m->cand_index, c->path) < 0) {
		free(c->path);
		return NULL;
	}
	m->ncands++;
	return c;
}

int ldmodel_realpath(struct ldmodel *m, const char *path, char *out, size_t outlen)
{
	struct cand_memo *c = cand_memo(m, path);
	if (!c) /* no room to remember: ask the view */
		return cuvet_fs_realpath(m->fs, path, out, outlen, NULL);
	if (!c->real_state) {
		char real[PATH_MAX];
		if (cuvet_fs_realpath(m->fs, path, real, sizeof(real), NULL) < 0)
			c->real_state = -1;
		else if ((c->real = xstrdup(real)))
			c->real_state = 1;
		else
			return cuvet_fs_realpath(m->fs, path, out, outlen, NULL);
	}
	if (c->real_state < 0)
		return -1;
	size_t n = strlen(c->real);
	if (n >= outlen)
		return -1;
	memcpy(out, c->real, n + 1);
	return 0;
}

static enum cand check_candidate_file(struct search *s, const char *path);

/* Reads PATH's ELF header as open_verify does: a wrong class or machine is skipped (the
 * search goes on), anything else malformed is fatal for the loader. Each path is read once per
 * kind of check; later searches get the same answer from the memo. */
static enum cand check_candidate(struct search *s, const char *path)
{
	struct ldmodel *m = s->m;
	struct ldmodel_result *r = s->r;
	int w = s->q->want_info ? 1 : 0;
	struct cand_memo *c = cand_memo(m, path);
	if (!c) {
		m->oom = true;
		return CAND_ABSENT;
	}
	if (c->st[w] >= 0) {
		enum cand st = (enum cand)c->st[w];
		if (st == CAND_BAD)
			snprintf(r->why, sizeof(r->why), "%s", c->why[w] ? c->why[w] : "");
		else if (st == CAND_OK && w && info_copy(&r->info, &c->info) < 0)
			m->oom = true;
		return st;
	}
	bool oom = m->oom;
	enum cand st = check_candidate_file(s, path);
	/* an allocation failure is no answer about the file */
	if (m->oom && !oom)
		return st;
	if (st == CAND_ABSENT) {
		c->st[0] = c->st[1] = CAND_ABSENT;
		return st;
	}
	if ((st == CAND_BAD && !(c->why[w] = xstrdup(r->why))) ||
	    (st == CAND_OK && w && info_copy(&c->info, &r->info) < 0)) {
		m->oom = true;
		return st;
	}
	c->st[w] = (signed char)st;
	return st;
}

static enum cand check_candidate_file(struct search *s, const char *path)
{
	struct ldmodel *m = s->m;
	struct ldmodel_result *r = s->r;
	if (cuvet_fs_type(m->fs, path, true) != CUVET_FS_FILE)
		return CAND_ABSENT;
	const void *data = NULL;
	size_t len = 0;
	struct cuvet_error e = {0};
	if (map_file(m, path, &data, &len, &e) < 0) {
		snprintf(r->why, sizeof(r->why), "%s", e.msg);
		return CAND_BAD;
	}
	const unsigned char *h = data;
	enum cand st = CAND_OK;
	struct cuvet_elf_info info = {0};
	if (len < 20 || memcmp(h, "\177ELF", 4) != 0) {
		snprintf(r->why, sizeof(r->why), "%s", len < 64 ? "file too short" : "invalid ELF header");
		st = CAND_BAD;
	} else if (h[4] != m->opts.elf_class) {
		st = CAND_OTHER_CLASS;
	} else if (h[5] != m->opts.byte_order) {
		snprintf(r->why, sizeof(r->why), "ELF file data encoding not %s-endian",
			 m->opts.byte_order == 1 ? "little" : "big");
		st = CAND_BAD;
	} else if (!s->q->want_info) {
		/* the header alone says what open_verify skips for (a search that does not need the
		 * dynamic section reads no more: the probe asks dozens of names) */
		unsigned machine = m->opts.byte_order == 1 ? (unsigned)h[18] | (unsigned)h[19] << 8
							   : (unsigned)h[18] << 8 | (unsigned)h[19];
		unsigned type = m->opts.byte_order == 1 ? (unsigned)h[16] | (unsigned)h[17] << 8
							: (unsigned)h[16] << 8 | (unsigned)h[17];
		if (machine != (unsigned)m->opts.machine)
			st = CAND_OTHER_CLASS;
		else if (type != 2 && type != 3) { /* ET_EXEC, ET_DYN */
			snprintf(r->why, sizeof(r->why), "only ET_DYN and ET_EXEC can be loaded");
			st = CAND_BAD;
		}
	} else if (cuvet_elf_read(data, len, &info, &e) < 0) {
		snprintf(r->why, sizeof(r->why), "%s", e.code == CUVET_E_NOMEM ? "out of memory" : e.msg);
		if (e.code == CUVET_E_NOMEM)
			m->oom = true;
		st = CAND_BAD;
	} else if (info.machine != m->opts.machine) {
		st = CAND_OTHER_CLASS;
	}
	unmap_file(m, data, len);
	if (st == CAND_OK && s->q->want_info)
		r->info = info;
	else
		cuvet_elf_info_release(&info);
	return st;
}

static bool take(struct search *s, enum cand st, const char *path, const char *dir, enum cuvet_why_rule rule,
		 size_t from)
{
	s->r->status = st == CAND_OK ? LDMODEL_OK : LDMODEL_BAD;
	s->r->rule = rule;
	s->r->rule_from = from;
	snprintf(s->r->path, sizeof(s->r->path), "%s", path);
	snprintf(s->r->dir, sizeof(s->r->dir), "%s", dir);
	s->done = true;
	return true;
}

/* A, B, C and D joined into OUT, as pathf("%s%s%s%s") but without a format for every candidate
 * of every search; false (OUT emptied) when it does not fit. */
static bool cat4(char *out, size_t len, const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[4] = {a, b, c, d};
	size_t o = 0;
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(parts[i]);
		if (n >= len - o) {
			if (len)
				out[0] = '\0';
			return false;
		}
		memcpy(out + o, parts[i], n);
		o += n;
	}
	out[o] = '\0';
	return true;
}

/* Tries DIR/NAME after the hwcaps subdirectories of DIR. */
static bool try_dir(struct search *s, const char *dir, enum cuvet_why_rule rule, size_t from, const char *label)
{
	struct ldmodel *m = s->m;
	if (dir[0] != '/') {
		searched(s, "%s: %s (relative, skipped)", label, dir);
		return false;
	}
	searched(s, "%s: %s", label, dir);
	struct dir_memo *d = dir_info(m, dir);
	if (!d || !d->exists)
		return false;
	const char *sep = strcmp(dir, "/") == 0 ? "" : "/";
	size_t nsub = m->nhwcaps + m->nlegacy;
	for (size_t h = 0; h <= nsub; h++) {
		char cand[PATH_MAX], cdir[PATH_MAX];
		if (h < m->nhwcaps) {
			if (!d->hwcaps || !cat4(cdir, sizeof(cdir), dir, sep, "glibc-hwcaps/", m->hwcaps[h]))
				continue;
		} else if (h < nsub) {
			const struct legacy_subdir *l = &m->legacy[h - m->nhwcaps];
			if (!(d->legacy & (1u << l->first)) || !cat4(cdir, sizeof(cdir), dir, sep, l->path, ""))
				continue;
		} else if (!cat4(cdir, sizeof(cdir), dir, "", "", "")) {
			continue;
		}
		if (!cat4(cand, sizeof(cand), cdir, strcmp(cdir, "/") == 0 ? "" : "/", s->q->name, ""))
			continue;
		enum cand st = check_candidate(s, cand);
		if (st == CAND_ABSENT)
			continue;
		if (st == CAND_OTHER_CLASS) {
			searched(s, "%s: %s skipped: wrong ELF class or machine", label, cand);
			continue;
		}
		return take(s, st, cand, cdir, rule, from);
	}
	return false;
}

/* Tries every element of a ':'-separated (';' too for LD_LIBRARY_PATH) list. */
static bool try_list(struct search *s, const char *list, const char *seps, const char *origin, enum cuvet_why_rule rule,
		     size_t from, const char *label)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, seps);
		char dir[PATH_MAX];
		if (n == 0) {
			searched(s, "%s: (empty element: the working directory, skipped)", label);
		} else if (!expand_dst(s->m, p, n, origin, dir, sizeof(dir))) {
			searched(s, "%s: %.*s (cannot expand, skipped)", label, (int)n, p);
		} else if (try_dir(s, dir, rule, from, label)) {
			return true;
		}
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* glibc compares the cache's path with each system directory as a prefix ("/usr/lib/" also
 * covers "/usr/lib/x86_64-linux-gnu/sub/"), so do the same. */
static bool in_default_dir(const struct ldmodel *m, const char *path)
{
	for (size_t i = 0; i < m->ndefault_dirs; i++) {
		size_t n = strlen(m->default_dirs[i]);
		if (strncmp(path, m->default_dirs[i], n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

static void search_direct(struct search *s)
{
	char p[PATH_MAX], abs[PATH_MAX];
	const char *name = s->q->name;
	if (!expand_dst(s->m, name, strlen(name), s->q->origin, p, sizeof(p)))
		return;
	/* relative to the process's working directory, which a static tool does not know: the root's "/" */
	if (!pathf(abs, sizeof(abs), "%s%s", p[0] == '/' ? "" : "/", p))
		return;
	searched(s, "direct: %s", abs);
	enum cand st = check_candidate(s, abs);
	if (st == CAND_OK || st == CAND_BAD)
		take(s, st, abs, "", CUVET_WHY_DIRECT, CUVET_WHY_NONE);
	else if (st == CAND_OTHER_CLASS)
		/* a direct name has nowhere else to look */
		searched(s, "direct: %s skipped: wrong ELF class or machine", abs);
}

static void search_name(struct search *s)
{
	struct ldmodel *m = s->m;
	const struct ldmodel_query *q = s->q;
	if (strchr(q->name, '/')) {
		search_direct(s);
		return;
	}
	/* 1. DT_RPATH of the requester, its loader, ... up to the executable */
	for (size_t i = 0; !q->runpath && i < q->nrpaths; i++)
		if (try_list(s, q->rpaths[i].list, ":", q->rpaths[i].origin, q->rpaths[i].rule, q->rpaths[i].from,
			     q->rpaths[i].label))
			return;
	/* 2. LD_LIBRARY_PATH ($ORIGIN there means the executable's) */
	if (!q->no_llp && m->llp &&
	    try_list(s, m->llp, ":;", q->main_origin, CUVET_WHY_LD_LIBRARY_PATH, CUVET_WHY_NONE, "LD_LIBRARY_PATH"))
		return;
	/* 3. the requester's own DT_RUNPATH */
	if (q->runpath && try_list(s, q->runpath, ":", q->origin, CUVET_WHY_RUNPATH, CUVET_WHY_NONE, "runpath"))
		return;
	/* 4. ld.so.cache */
	if (m->cache) {
		const struct cuvet_ldcache_entry *e = cuvet_ldcache_lookup(m->cache, q->name, m->cache_flags);
		if (e && q->nodeflib && in_default_dir(m, e->path)) {
			searched(s, "ld.so.cache: %s (in a system directory: ignored under NODEFLIB)", e->path);
		} else if (e) {
			searched(s, "ld.so.cache: %s", e->path);
			enum cand st = check_candidate(s, e->path);
			if (st == CAND_OK || st == CAND_BAD) {
				char dir[PATH_MAX];
				const char *slash = strrchr(e->path, '/');
				if (!slash || !pathf(dir, sizeof(dir), "%.*s", slash == e->path ? 1 : (int)(slash - e->path),
						     e->path))
					dir[0] = '\0';
				take(s, st, e->path, dir, CUVET_WHY_CACHE, CUVET_WHY_NONE);
				return;
			}
		} else {
			searched(s, "ld.so.cache: no entry");
		}
	} else {
		searched(s, "ld.so.cache: none readable");
	}
	/* 5. the built-in directories */
	if (q->nodeflib) {
		searched(s, "default path: skipped (NODEFLIB)");
		return;
	}
	for (size_t i = 0; i < m->ndefault_dirs; i++)
		if (try_dir(s, m->default_dirs[i], CUVET_WHY_DEFAULT, CUVET_WHY_NONE, "default path"))
			return;
}

int ldmodel_search(struct ldmodel *m, const struct ldmodel_query *q, struct ldmodel_result *r,
		   struct cuvet_error *err)
{
	/* the three path buffers are written before they are read: clearing 9 KB per search was a
	 * sixth of a probe's instructions */
	r->path[0] = r->dir[0] = r->why[0] = '\0';
	memset(&r->info, 0, sizeof(r->info));
	r->nsearched = r->searched_cap = 0;
	r->searched = NULL;
	r->status = LDMODEL_NOT_FOUND;
	r->rule = CUVET_WHY_NOT_FOUND;
	r->rule_from = CUVET_WHY_NONE;
	struct search s = {m, q, r, false};
	search_name(&s);
	if (m->oom) {
		m->oom = false;
		ldmodel_result_release(r);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	return 0;
}

void ldmodel_result_release(struct ldmodel_result *r)
{
	if (!r)
		return;
	cuvet_elf_info_release(&r->info);
	free_strs(r->searched, r->nsearched);
	r->searched = NULL;
	r->nsearched = r->searched_cap = 0;
}

char **ldmodel_result_take_searched(struct ldmodel_result *r, size_t *n)
{
	char **s = r->searched;
	*n = r->nsearched;
	r->searched = NULL;
	r->nsearched = r->searched_cap = 0;
	return s;
}
