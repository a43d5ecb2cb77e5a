/* Loader emulation for "cuvet why": which file glibc's dynamic loader would map for every
 * DT_NEEDED of an executable or library, and why, without executing anything.
 *
 * The order is glibc's elf/dl-load.c _dl_map_object (shared/formats/ldso.md §2): objects already
 * loaded (by name, SONAME or file), names with '/' opened directly, the DT_RPATH chain from the
 * requester up to the executable (only when the requester has no DT_RUNPATH), LD_LIBRARY_PATH,
 * the requester's own DT_RUNPATH, /etc/ld.so.cache, the built-in directories. Dependencies are
 * mapped breadth first (_dl_map_object_deps), which decides who loads a library first and so
 * whose RPATH chain applies.
 *
 * Choices a static tool has to make:
 * - Layout: the root is Debian multiarch when its interpreter resolves into a "<triplet>" lib
 *   directory (or /usr/lib/<triplet> exists); then the built-in directories are /lib/<triplet>,
 *   /usr/lib/<triplet>, /lib, /usr/lib and $LIB is "lib/<triplet>" (Debian's glibc patch). Otherwise
 *   (RHEL-style) they are /lib64, /usr/lib64 and $LIB is "lib64" (32-bit: /lib, /usr/lib, "lib").
 * - glibc-hwcaps: <dir>/glibc-hwcaps/x86-64-v{4,3,2}/ are tried first in every directory, for the
 *   levels this CPU supports (glibc >= 2.33). The legacy tls/, haswell/, x86_64/ subdirectories
 *   that glibc < 2.37 also searches are not modelled, nor are hwcaps entries of the cache.
 * - CPU levels come from cpuid (this machine's CPU, also for --root). $PLATFORM is "x86_64", or
 *   "haswell" when the root's glibc (from the cache's generator string) is older than 2.37 and the
 *   CPU is x86-64-v3, as glibc < 2.37 set it.
 * - A DT_NEEDED of the NODEFLIB case: glibc 2.36 under LD_TRACE_LOADED_OBJECTS still lists a
 *   cache hit in a system directory that a real run refuses; cuvet follows the real run.
 * - Relative and empty search-path elements (the process's working directory) are skipped.
 * - The input executable's $ORIGIN is the directory of its resolved path (the kernel's view); a
 *   library given as input is treated as ld.so treats a library run directly (ldd's view): $ORIGIN
 *   is the directory of the path as given.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "kb_tables.h"
#include "libfamily.h"
#include "paths.h"
#include "internal.h"

extern char **environ;

#define EM_386_ 3
#define EM_X86_64_ 62
#define EM_AARCH64_ 183
#define ET_EXEC_ 2

/* ------------------------------------------------------------- context ---- */

struct sym_def {
	const char *name;
	const char *version;
};

struct obj_priv {
	struct cuvet_elf_info info;
	bool have_info;
	char *origin;               /* $ORIGIN, NULL when unknown */
	char **aliases;             /* names it was requested by */
	size_t naliases, aliases_cap;
	int syms_state;             /* 0 not read, 1 read, -1 unreadable */
	struct cuvet_elf_symbols syms;
	struct sym_def *defs;       /* defined, versioned symbols, sorted */
	size_t ndefs;
};

struct dir_memo {
	char *dir;
	bool exists;
	bool hwcaps;                /* DIR/glibc-hwcaps exists */
};

struct ctx {
	struct cuvet_fs *fs;
	const struct cuvet_why_opts *opts;
	struct cuvet_why *w;
	struct obj_priv *priv;
	size_t objects_cap, priv_cap, problems_cap;
	struct cuvet_ldcache *cache;
	int32_t cache_flags;
	int elf_class, byte_order, machine;
	const char *llp;
	struct dir_memo *dirs;
	size_t ndirs, dirs_cap;
	struct cuvet_facts *facts;
	bool facts_tried;
	struct cuvet_ldconf conf;   /* /etc/ld.so.conf, read when a library is missing */
	int conf_state;             /* 0 not read, 1 read, -1 unreadable */
	size_t main;                /* index of the executable whose RPATH ends every chain, or NONE */
	char *main_origin;
	struct cuvet_error *err;
	bool oom;
	bool truncated;             /* max_objects reached */
};

const char *cuvet_why_rule_name(enum cuvet_why_rule rule)
{
	switch (rule) {
	case CUVET_WHY_INPUT: return "input";
	case CUVET_WHY_INTERP: return "interpreter";
	case CUVET_WHY_DIRECT: return "direct";
	case CUVET_WHY_RPATH: return "rpath";
	case CUVET_WHY_RPATH_PARENT: return "rpath of parent";
	case CUVET_WHY_LD_LIBRARY_PATH: return "LD_LIBRARY_PATH";
	case CUVET_WHY_RUNPATH: return "runpath";
	case CUVET_WHY_CACHE: return "ld.so.cache";
	case CUVET_WHY_DEFAULT: return "default path";
	case CUVET_WHY_NOT_FOUND: return "not found";
	}
	return "?";
}

void cuvet_why_opts_init(struct cuvet_why_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->explain = true;
	opts->hwcaps = true;
}

static const char *env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (char *const *e = env; e && *e; e++)
		if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* ------------------------------------------------------------- objects ---- */

static size_t add_object(struct ctx *c, const char *name)
{
	struct cuvet_why *w = c->w;
	if (xgrow(&w->objects, &c->objects_cap, w->nobjects, sizeof(*w->objects)) < 0 ||
	    xgrow(&c->priv, &c->priv_cap, w->nobjects, sizeof(*c->priv)) < 0) {
		c->oom = true;
		return CUVET_WHY_NONE;
	}
	size_t i = w->nobjects++;
	struct cuvet_why_object *o = &w->objects[i];
	memset(o, 0, sizeof(*o));
	memset(&c->priv[i], 0, sizeof(c->priv[i]));
	o->name = xstrdup(name);
	o->rule_from = CUVET_WHY_NONE;
	o->loader = CUVET_WHY_NONE;
	if (!o->name)
		c->oom = true;
	return i;
}

static void add_alias(struct ctx *c, size_t i, const char *name)
{
	struct obj_priv *p = &c->priv[i];
	for (size_t k = 0; k < p->naliases; k++)
		if (strcmp(p->aliases[k], name) == 0)
			return;
	if (xgrow(&p->aliases, &p->aliases_cap, p->naliases, sizeof(char *)) < 0 ||
	    !(p->aliases[p->naliases] = xstrdup(name))) {
		c->oom = true;
		return;
	}
	p->naliases++;
}

static void add_problem(struct ctx *c, enum cuvet_why_problem_kind kind, enum cuvet_severity sev, const char *id,
			size_t object, const char *fmt, ...) CUVET_PRINTF(6, 7);
static void add_problem(struct ctx *c, enum cuvet_why_problem_kind kind, enum cuvet_severity sev, const char *id,
			size_t object, const char *fmt, ...)
{
	struct cuvet_why *w = c->w;
	if (xgrow(&w->problems, &c->problems_cap, w->nproblems, sizeof(*w->problems)) < 0) {
		c->oom = true;
		return;
	}
	struct sbuf b;
	sbuf_init(&b);
	va_list ap;
	va_start(ap, fmt);
	char tmp[2048];
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sbuf_add(&b, tmp);
	struct cuvet_why_problem *p = &w->problems[w->nproblems];
	p->kind = kind;
	p->severity = sev;
	p->id = id;
	p->object = object;
	p->message = sbuf_steal(&b);
	if (!p->message) {
		c->oom = true;
		return;
	}
	w->nproblems++;
}

static int add_searched(struct ctx *c, char ***list, size_t *n, size_t *cap, const char *fmt, ...) CUVET_PRINTF(5, 6);
static int add_searched(struct ctx *c, char ***list, size_t *n, size_t *cap, const char *fmt, ...)
{
	if (!list)
		return 0;
	char tmp[PATH_MAX + 128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (xgrow(list, cap, *n, sizeof(char *)) < 0 || !((*list)[*n] = xstrdup(tmp))) {
		c->oom = true;
		return -1;
	}
	(*n)++;
	return 0;
}

/* -------------------------------------------------------- directories ---- */

static struct dir_memo *dir_info(struct ctx *c, const char *dir)
{
	for (size_t i = 0; i < c->ndirs; i++)
		if (strcmp(c->dirs[i].dir, dir) == 0)
			return &c->dirs[i];
	if (xgrow(&c->dirs, &c->dirs_cap, c->ndirs, sizeof(*c->dirs)) < 0) {
		c->oom = true;
		return NULL;
	}
	struct dir_memo *d = &c->dirs[c->ndirs];
	d->dir = xstrdup(dir);
	if (!d->dir) {
		c->oom = true;
		return NULL;
	}
	d->exists = cuvet_fs_type(c->fs, dir, true) == CUVET_FS_DIR;
	char p[PATH_MAX];
	d->hwcaps = d->exists && c->w->nhwcaps && pathf(p, sizeof(p), "%s/glibc-hwcaps", dir) &&
		    cuvet_fs_type(c->fs, p, true) == CUVET_FS_DIR;
	c->ndirs++;
	return d;
}

/* Expands $ORIGIN, $LIB, $PLATFORM (and the ${...} forms) in S as glibc's _dl_dst_substitute
 * does. Returns false when the element must be dropped ($ORIGIN unknown) or does not fit. */
static bool expand_dst(const struct ctx *c, const char *s, size_t len, const char *origin, char *out, size_t outlen)
{
	static const char *const names[] = {"ORIGIN", "LIB", "PLATFORM"};
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		const char *repl = NULL;
		size_t skip = 0;
		if (s[i] == '$') {
			for (size_t k = 0; k < CUVET_ARRAY_LEN(names) && !repl; k++) {
				size_t n = strlen(names[k]);
				const char *val = k == 0 ? origin : k == 1 ? c->w->lib : c->w->platform;
				if (i + 1 + n <= len && strncmp(s + i + 1, names[k], n) == 0) {
					/* "$ORIGINX" is no token: the name must end here */
					char nx = i + 1 + n < len ? s[i + 1 + n] : '\0';
					if ((nx >= 'a' && nx <= 'z') || (nx >= 'A' && nx <= 'Z') || (nx >= '0' && nx <= '9') ||
					    nx == '_')
						continue;
					repl = val ? val : "";
					skip = 1 + n;
					if (!val)
						return false;
				} else if (i + 3 + n <= len && s[i + 1] == '{' && strncmp(s + i + 2, names[k], n) == 0 &&
					   s[i + 2 + n] == '}') {
					repl = val ? val : "";
					skip = 3 + n;
					if (!val)
						return false;
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

/* ------------------------------------------------------------ candidates ---- */

enum cand { CAND_ABSENT, CAND_OK, CAND_OTHER_CLASS, CAND_BAD };

/* Reads PATH's ELF header as open_verify does: a wrong class or machine is skipped (the
 * search goes on), anything else malformed is fatal for the loader. */
static enum cand check_candidate(struct ctx *c, const char *path, struct cuvet_elf_info *info, char *why,
				 size_t whylen)
{
	if (cuvet_fs_type(c->fs, path, true) != CUVET_FS_FILE)
		return CAND_ABSENT;
	const void *data = NULL;
	size_t len = 0;
	struct cuvet_error e = {0};
	if (cuvet_fs_map(c->fs, path, &data, &len, &e) < 0) {
		snprintf(why, whylen, "%s", e.msg);
		return CAND_BAD;
	}
	const unsigned char *h = data;
	enum cand r = CAND_OK;
	if (len < 20 || memcmp(h, "\177ELF", 4) != 0) {
		snprintf(why, whylen, "%s", len < 64 ? "file too short" : "invalid ELF header");
		r = CAND_BAD;
	} else if (h[4] != c->elf_class) {
		r = CAND_OTHER_CLASS;
	} else if (h[5] != c->byte_order) {
		snprintf(why, whylen, "ELF file data encoding not %s-endian", c->byte_order == 1 ? "little" : "big");
		r = CAND_BAD;
	} else if (cuvet_elf_read(data, len, info, &e) < 0) {
		snprintf(why, whylen, "%s", e.msg);
		r = CAND_BAD;
	} else if (info->machine != c->machine) {
		cuvet_elf_info_release(info);
		r = CAND_OTHER_CLASS;
	}
	cuvet_fs_unmap(c->fs, data, len);
	return r;
}

/* Fills object I from a file found at PATH. */
static void object_found(struct ctx *c, size_t i, const char *path, struct cuvet_elf_info *info, enum cand st,
			 const char *why)
{
	struct cuvet_why_object *o = &c->w->objects[i];
	struct obj_priv *p = &c->priv[i];
	o->path = xstrdup(path);
	char real[PATH_MAX];
	o->real_path = xstrdup(cuvet_fs_realpath(c->fs, path, real, sizeof(real), NULL) == 0 ? real : path);
	if (st == CAND_OK) {
		p->info = *info;
		p->have_info = true;
		o->soname = xstrdup(info->soname);
	} else {
		o->error = xstrdup(why);
	}
	if (!o->path || !o->real_path)
		c->oom = true;
}

/* Version and family, the way the probe tells them. */
static void object_version(struct ctx *c, size_t i)
{
	struct cuvet_why_object *o = &c->w->objects[i];
	const char *sover = NULL;
	const char *key = o->soname ? o->soname : base_of(o->path);
	const struct libfamily *fam = libfamily_match(key, &sover);
	if (!fam)
		fam = libfamily_match(base_of(o->path), &sover);
	if (!fam)
		return;
	o->family = xstrdup(fam->family);
	char *v = libfamily_name_version(fam, o->soname, base_of(o->real_path));
	if (v) {
		o->version = v;
		o->version_source = xstrdup("file-name");
		return;
	}
	/* a pip wheel: SITE/nvidia/COMPONENT/lib/FILE, version in SITE/NAME-VERSION.dist-info */
	const char *n = strstr(o->real_path, "/nvidia/");
	if (fam->wheel && n && n > o->real_path) {
		char site[PATH_MAX];
		if (pathf(site, sizeof(site), "%.*s", (int)(n - o->real_path), o->real_path) &&
		    (str_ends(site, "site-packages") || str_ends(site, "dist-packages"))) {
			struct cuvet_fs_dir d;
			if (cuvet_fs_list(c->fs, site, &d, NULL) == 0) {
				char *dist = NULL;
				o->version = libfamily_wheel_version(&d, fam->wheel, &dist);
				if (o->version)
					o->version_source = xasprintf("dist-info:%s", dist);
				free(dist);
				cuvet_fs_dir_release(&d);
				if (o->version)
					return;
			}
		}
	}
	if (sover && *sover) {
		o->version = xstrdup(sover);
		o->version_source = xstrdup("soname");
	}
}

/* --------------------------------------------------------------- search ---- */

struct search {
	struct ctx *c;
	const char *name;
	size_t req;
	char **searched;
	size_t nsearched, searched_cap;
	/* the result */
	bool done;
	char path[PATH_MAX];
	char dir[PATH_MAX];
	struct cuvet_elf_info info;
	enum cand st;
	char why[512];
	enum cuvet_why_rule rule;
	size_t rule_from;
};

/* Tries DIR/NAME (after its glibc-hwcaps subdirectories). */
static bool try_dir(struct search *s, const char *dir, enum cuvet_why_rule rule, size_t from, const char *label)
{
	struct ctx *c = s->c;
	if (dir[0] != '/') {
		add_searched(c, &s->searched, &s->nsearched, &s->searched_cap, "%s: %s (relative, skipped)", label, dir);
		return false;
	}
	add_searched(c, &s->searched, &s->nsearched, &s->searched_cap, "%s: %s", label, dir);
	struct dir_memo *d = dir_info(c, dir);
	if (!d || !d->exists)
		return false;
	const char *sep = strcmp(dir, "/") == 0 ? "" : "/";
	for (size_t h = 0; h <= c->w->nhwcaps; h++) {
		char cand[PATH_MAX], cdir[PATH_MAX];
		if (h < c->w->nhwcaps) {
			if (!d->hwcaps)
				continue;
			if (!pathf(cdir, sizeof(cdir), "%s%sglibc-hwcaps/%s", dir, sep, c->w->hwcaps[h]))
				continue;
		} else if (!pathf(cdir, sizeof(cdir), "%s", dir)) {
			continue;
		}
		if (!pathf(cand, sizeof(cand), "%s%s%s", cdir, strcmp(cdir, "/") == 0 ? "" : "/", s->name))
			continue;
		memset(&s->info, 0, sizeof(s->info));
		enum cand st = check_candidate(c, cand, &s->info, s->why, sizeof(s->why));
		if (st == CAND_ABSENT)
			continue;
		if (st == CAND_OTHER_CLASS) {
			add_searched(c, &s->searched, &s->nsearched, &s->searched_cap,
				     "%s: %s skipped: wrong ELF class or machine", label, cand);
			continue;
		}
		s->st = st;
		s->done = true;
		s->rule = rule;
		s->rule_from = from;
		snprintf(s->path, sizeof(s->path), "%s", cand);
		snprintf(s->dir, sizeof(s->dir), "%s", cdir);
		return true;
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
			add_searched(s->c, &s->searched, &s->nsearched, &s->searched_cap,
				     "%s: (empty element: the working directory, skipped)", label);
		} else if (!expand_dst(s->c, p, n, origin, dir, sizeof(dir))) {
			add_searched(s->c, &s->searched, &s->nsearched, &s->searched_cap, "%s: %.*s (cannot expand, skipped)",
				     label, (int)n, p);
		} else if (try_dir(s, dir, rule, from, label)) {
			return true;
		}
		p += n;
		if (*p)
			p++;
	}
	return false;
}

static const char *eff_rpath(const struct ctx *c, size_t i)
{
	const struct obj_priv *p = &c->priv[i];
	/* "If both RUNPATH and RPATH are given, the latter is ignored" (glibc get-dynamic-info.h) */
	if (!p->have_info || p->info.runpath)
		return NULL;
	return p->info.rpath;
}

/* glibc compares the cache's path with each system directory as a prefix ("/usr/lib/" also
 * covers "/usr/lib/x86_64-linux-gnu/sub/"), so do the same. */
static bool in_default_dir(const struct ctx *c, const char *path)
{
	for (size_t i = 0; i < c->w->ndefault_dirs; i++) {
		const char *d = c->w->default_dirs[i];
		size_t n = strlen(d);
		if (strncmp(path, d, n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

static void search_name(struct search *s)
{
	struct ctx *c = s->c;
	const char *name = s->name;
	size_t req = s->req;
	struct obj_priv *rp = req == CUVET_WHY_NONE ? NULL : &c->priv[req];
	const char *origin = rp ? rp->origin : c->main_origin;
	bool has_runpath = rp && rp->have_info && rp->info.runpath;
	bool nodeflib = rp && rp->have_info && rp->info.nodeflib;

	if (strchr(name, '/')) {
		char p[PATH_MAX];
		if (!expand_dst(c, name, strlen(name), origin, p, sizeof(p)))
			return;
		char abs[PATH_MAX];
		if (p[0] != '/') {
			/* relative to the working directory of the process: for --root, the root's "/" */
			char cwd[PATH_MAX];
			if (strcmp(cuvet_fs_root(c->fs), "") == 0 && getcwd(cwd, sizeof(cwd)))
				pathf(abs, sizeof(abs), "%s/%s", cwd, p);
			else
				pathf(abs, sizeof(abs), "/%s", p);
		} else {
			snprintf(abs, sizeof(abs), "%s", p);
		}
		add_searched(c, &s->searched, &s->nsearched, &s->searched_cap, "direct: %s", abs);
		memset(&s->info, 0, sizeof(s->info));
		enum cand st = check_candidate(c, abs, &s->info, s->why, sizeof(s->why));
		if (st == CAND_OK || st == CAND_BAD) {
			s->st = st;
			s->done = true;
			s->rule = CUVET_WHY_DIRECT;
			snprintf(s->path, sizeof(s->path), "%s", abs);
			s->dir[0] = '\0';
		} else if (st == CAND_OTHER_CLASS) {
			/* a direct name has nowhere else to look */
			add_searched(c, &s->searched, &s->nsearched, &s->searched_cap,
				     "direct: %s skipped: wrong ELF class or machine", abs);
		}
		return;
	}

	/* 1. DT_RPATH of the requester, its loader, ... up to the executable */
	if (!has_runpath) {
		bool did_main = false;
		for (size_t l = req; l != CUVET_WHY_NONE; l = c->w->objects[l].loader) {
			const char *rpath = eff_rpath(c, l);
			if (!rpath)
				continue;
			char label[96];
			snprintf(label, sizeof(label), l == req ? "rpath" : "rpath of %s", base_of(c->w->objects[l].name));
			if (try_list(s, rpath, ":", c->priv[l].origin, l == req ? CUVET_WHY_RPATH : CUVET_WHY_RPATH_PARENT, l,
				     label))
				return;
			did_main |= l == c->main;
		}
		if (!did_main && c->main != CUVET_WHY_NONE && eff_rpath(c, c->main)) {
			char label[96];
			snprintf(label, sizeof(label), "rpath of %s", base_of(c->w->objects[c->main].name));
			if (try_list(s, eff_rpath(c, c->main), ":", c->priv[c->main].origin,
				     c->main == req ? CUVET_WHY_RPATH : CUVET_WHY_RPATH_PARENT, c->main, label))
				return;
		}
	}
	/* 2. LD_LIBRARY_PATH ($ORIGIN there means the executable's) */
	if (c->llp && try_list(s, c->llp, ":;", c->main_origin, CUVET_WHY_LD_LIBRARY_PATH, CUVET_WHY_NONE,
			       "LD_LIBRARY_PATH"))
		return;
	/* 3. the requester's own DT_RUNPATH */
	if (has_runpath && try_list(s, rp->info.runpath, ":", origin, CUVET_WHY_RUNPATH, CUVET_WHY_NONE, "runpath"))
		return;
	/* 4. ld.so.cache */
	if (c->cache) {
		const struct cuvet_ldcache_entry *e = cuvet_ldcache_lookup(c->cache, name, c->cache_flags);
		if (e && nodeflib && in_default_dir(c, e->path)) {
			add_searched(c, &s->searched, &s->nsearched, &s->searched_cap,
				     "ld.so.cache: %s (in a system directory: ignored under NODEFLIB)", e->path);
		} else if (e) {
			add_searched(c, &s->searched, &s->nsearched, &s->searched_cap, "ld.so.cache: %s", e->path);
			memset(&s->info, 0, sizeof(s->info));
			enum cand st = check_candidate(c, e->path, &s->info, s->why, sizeof(s->why));
			if (st == CAND_OK || st == CAND_BAD) {
				s->st = st;
				s->done = true;
				s->rule = CUVET_WHY_CACHE;
				snprintf(s->path, sizeof(s->path), "%s", e->path);
				char *d = dir_of(e->path);
				snprintf(s->dir, sizeof(s->dir), "%s", d ? d : "");
				free(d);
				return;
			}
		} else {
			add_searched(c, &s->searched, &s->nsearched, &s->searched_cap, "ld.so.cache: no entry");
		}
	} else {
		add_searched(c, &s->searched, &s->nsearched, &s->searched_cap, "ld.so.cache: none readable");
	}
	/* 5. the built-in directories */
	if (nodeflib) {
		add_searched(c, &s->searched, &s->nsearched, &s->searched_cap, "default path: skipped (NODEFLIB)");
		return;
	}
	for (size_t i = 0; i < c->w->ndefault_dirs; i++)
		if (try_dir(s, c->w->default_dirs[i], CUVET_WHY_DEFAULT, CUVET_WHY_NONE, "default path"))
			return;
}

static bool name_matches(const struct ctx *c, size_t i, const char *name)
{
	const struct cuvet_why_object *o = &c->w->objects[i];
	if (o->soname && strcmp(o->soname, name) == 0)
		return true;
	if (o->path && strcmp(o->path, name) == 0)
		return true;
	if (!o->path && strcmp(o->name, name) == 0)
		return true;
	for (size_t k = 0; k < c->priv[i].naliases; k++)
		if (strcmp(c->priv[i].aliases[k], name) == 0)
			return true;
	return false;
}

/* The object for NAME as requested by REQ: already loaded, found, or a not-found entry. */
static size_t resolve(struct ctx *c, const char *name, size_t req, bool dlopen)
{
	struct cuvet_why *w = c->w;
	for (size_t i = 0; i < w->nobjects; i++)
		if (name_matches(c, i, name))
			return i;
	if (w->nobjects >= c->opts->max_objects)
		return CUVET_WHY_NONE;
	struct search s = {.c = c, .name = name, .req = req, .rule_from = CUVET_WHY_NONE};
	search_name(&s);
	if (s.done) {
		/* the same file under another name (a symlink) is the same object */
		char real[PATH_MAX];
		if (cuvet_fs_realpath(c->fs, s.path, real, sizeof(real), NULL) == 0) {
			for (size_t i = 0; i < w->nobjects; i++) {
				if (w->objects[i].real_path && strcmp(w->objects[i].real_path, real) == 0) {
					if (s.st == CAND_OK)
						cuvet_elf_info_release(&s.info);
					add_alias(c, i, name);
					for (size_t k = 0; k < s.nsearched; k++)
						free(s.searched[k]);
					free(s.searched);
					return i;
				}
			}
		}
	}
	size_t i = add_object(c, name);
	if (i == CUVET_WHY_NONE) {
		if (s.done && s.st == CAND_OK)
			cuvet_elf_info_release(&s.info);
		for (size_t k = 0; k < s.nsearched; k++)
			free(s.searched[k]);
		free(s.searched);
		return i;
	}
	struct cuvet_why_object *o = &w->objects[i];
	o->loader = req;
	o->depth = req == CUVET_WHY_NONE ? 0 : w->objects[req].depth + 1;
	o->dlopen = dlopen;
	add_alias(c, i, name);
	if (!s.done) {
		o->rule = CUVET_WHY_NOT_FOUND;
		o->searched = s.searched;
		o->nsearched = s.nsearched;
		return i;
	}
	for (size_t k = 0; k < s.nsearched; k++)
		free(s.searched[k]);
	free(s.searched);
	o->rule = s.rule;
	o->rule_from = s.rule_from;
	o->search_dir = s.dir[0] ? xstrdup(s.dir) : NULL;
	object_found(c, i, s.path, &s.info, s.st, s.why);
	c->priv[i].origin = dir_of(s.path);
	object_version(c, i);
	return i;
}

static void add_edge(struct ctx *c, size_t from, const char *name, size_t to, bool dlopen, const char *source)
{
	struct cuvet_why_object *o = &c->w->objects[from];
	struct cuvet_why_edge *e = realloc(o->needed, (o->nneeded + 1) * sizeof(*e));
	if (!e) {
		c->oom = true;
		return;
	}
	o->needed = e;
	e[o->nneeded] = (struct cuvet_why_edge){xstrdup(name), to, dlopen, xstrdup(source)};
	o->nneeded++;
}

/* Maps the DT_NEEDED of objects FROM.. breadth first, as _dl_map_object_deps does. */
static void map_deps(struct ctx *c, size_t from)
{
	for (size_t i = from; i < c->w->nobjects && !c->oom; i++) {
		if (!c->priv[i].have_info)
			continue;
		for (size_t k = 0; k < c->priv[i].info.nneeded && !c->oom; k++) {
			const char *n = c->priv[i].info.needed[k];
			size_t to = resolve(c, n, i, c->w->objects[i].dlopen);
			if (to == CUVET_WHY_NONE) {
				if (!c->oom && !c->truncated)
					add_problem(c, CUVET_WHY_P_BAD_FILE, CUVET_SEV_ERROR, "too-many-objects", i,
						    "more than %zu objects: the dependency tree is not followed further",
						    c->opts->max_objects);
				c->truncated = true;
				return;
			}
			add_edge(c, i, n, to, false, NULL);
		}
	}
}

/* The name a dlopen-deps.tsv row loads: {MAJOR.MINOR} and {VERSION} take the requester's
 * version. False when that version is not known well enough. */
static bool dlopen_name(const struct cuvet_why_object *req, const char *pattern, char *out, size_t outlen)
{
	const char *open = strchr(pattern, '{');
	if (!open)
		return pathf(out, outlen, "%s", pattern);
	const char *close = strchr(open, '}');
	if (!close || !req->version || !req->version_source || strcmp(req->version_source, "soname") == 0)
		return false;
	char val[64];
	struct cuvet_version v;
	if (strncmp(open, "{MAJOR.MINOR}", 13) == 0) {
		if (cuvet_version_parse_prefix(req->version, &v, NULL, NULL) < 0 || v.nparts < 2)
			return false;
		snprintf(val, sizeof(val), "%u.%u", v.part[0], v.part[1]);
	} else if (strncmp(open, "{VERSION}", 9) == 0) {
		snprintf(val, sizeof(val), "%s", req->version);
	} else {
		return false;
	}
	return pathf(out, outlen, "%.*s%s%s", (int)(open - pattern), pattern, val, close + 1);
}

/* Libraries NVIDIA components load with dlopen (data/dlopen-deps.tsv), searched from the
 * requester as dlopen does: its RPATH chain or RUNPATH, LD_LIBRARY_PATH, cache, defaults. */
static void map_dlopen(struct ctx *c)
{
	struct cuvet_kb *owned = NULL;
	const struct cuvet_kb *kb = c->opts->kb;
	if (!kb)
		kb = owned = cuvet_kb_load(NULL, NULL);
	struct cuvet_error e = {0};
	const struct kb_table *t = kb ? kb_table(kb, KB_DLOPEN_DEPS, &e) : NULL;
	if (!t) {
		add_problem(c, CUVET_WHY_P_DLOPEN_MISSING, CUVET_SEV_WARNING, "dlopen-undetermined", 0,
			    "the dlopen table cannot be read: %s", e.msg[0] ? e.msg : "out of memory");
		cuvet_kb_free(owned);
		return;
	}
	for (size_t i = 0; i < c->w->nobjects && !c->oom; i++) {
		const char *so = c->w->objects[i].soname;
		if (!so || c->w->objects[i].error)
			continue;
		for (size_t r = 0; r < t->nrows && !c->oom; r++) {
			if (strcmp(kb_cell(t, r, DL_REQUESTER), so) != 0)
				continue;
			char name[256];
			if (!dlopen_name(&c->w->objects[i], kb_cell(t, r, DL_LOADS), name, sizeof(name))) {
				add_problem(c, CUVET_WHY_P_DLOPEN_MISSING, CUVET_SEV_INFO, "dlopen-undetermined", i,
					    "%s loads %s at run time; its own version is not known here, so that file is not checked",
					    so, kb_cell(t, r, DL_LOADS));
				continue;
			}
			size_t n0 = c->w->nobjects;
			size_t to = resolve(c, name, i, true);
			if (to == CUVET_WHY_NONE)
				break;
			char *src = xasprintf("%s (%s)", kb_cell(t, r, DL_SOURCE), kb_cell(t, r, DL_EVIDENCE));
			add_edge(c, i, name, to, true, src);
			free(src);
			map_deps(c, n0);
		}
	}
	cuvet_kb_free(owned);
}

/* ------------------------------------------------------------- symbols ---- */

static int def_cmp(const void *a, const void *b)
{
	const struct sym_def *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->version, y->version);
}

static struct obj_priv *load_syms(struct ctx *c, size_t i)
{
	struct obj_priv *p = &c->priv[i];
	if (p->syms_state)
		return p->syms_state > 0 ? p : NULL;
	p->syms_state = -1;
	const struct cuvet_why_object *o = &c->w->objects[i];
	if (!o->path || o->error)
		return NULL;
	const void *data = NULL;
	size_t len = 0;
	if (cuvet_fs_map(c->fs, o->path, &data, &len, NULL) < 0)
		return NULL;
	int r = cuvet_elf_read_symbols(data, len, &p->syms, NULL);
	cuvet_fs_unmap(c->fs, data, len);
	if (r < 0)
		return NULL;
	size_t n = 0;
	for (size_t k = 0; k < p->syms.nsyms; k++)
		n += p->syms.syms[k].defined && p->syms.syms[k].version;
	p->defs = n ? calloc(n, sizeof(*p->defs)) : NULL;
	for (size_t k = 0; p->defs && k < p->syms.nsyms; k++)
		if (p->syms.syms[k].defined && p->syms.syms[k].version)
			p->defs[p->ndefs++] = (struct sym_def){p->syms.syms[k].name, p->syms.syms[k].version};
	if (p->ndefs > 1)
		qsort(p->defs, p->ndefs, sizeof(*p->defs), def_cmp);
	p->syms_state = 1;
	return p;
}

static bool defines(struct ctx *c, size_t i, const char *name, const char *version)
{
	struct obj_priv *p = load_syms(c, i);
	if (!p || !p->ndefs)
		return false;
	struct sym_def key = {name, version};
	return bsearch(&key, p->defs, p->ndefs, sizeof(key), def_cmp) != NULL;
}

static bool has_verdef(struct ctx *c, size_t i, const char *version)
{
	struct obj_priv *p = load_syms(c, i);
	for (size_t k = 0; p && k < p->syms.nverdef; k++)
		if (strcmp(p->syms.verdef[k], version) == 0)
			return true;
	return false;
}

/* The versions each object needs from its dependencies (.gnu.version_r) against what the copy
 * that resolved defines (.gnu.version_d), as _dl_check_map_versions does; then the versioned
 * undefined symbols against every object the loader maps (the global scope). */
static void check_versions(struct ctx *c)
{
	size_t n = c->w->nobjects;
	for (size_t r = 0; r < n && !c->oom; r++) {
		const struct cuvet_why_object *ro = &c->w->objects[r];
		if (!ro->path || ro->error || !ro->nneeded)
			continue;
		struct obj_priv *rp = load_syms(c, r);
		if (!rp)
			continue;
		for (size_t v = 0; v < rp->syms.nverneed; v++) {
			const struct cuvet_elf_verneed *vn = &rp->syms.verneed[v];
			size_t to = CUVET_WHY_NONE;
			for (size_t e = 0; e < ro->nneeded; e++)
				if (!ro->needed[e].dlopen && strcmp(ro->needed[e].name, vn->file) == 0)
					to = ro->needed[e].object;
			if (to == CUVET_WHY_NONE || !c->w->objects[to].path || c->w->objects[to].error)
				continue;
			struct obj_priv *tp = load_syms(c, to);
			/* an object without version definitions satisfies any need (glibc only warns in verbose mode) */
			if (!tp || !tp->syms.nverdef)
				continue;
			for (size_t k = 0; k < vn->nversions; k++) {
				if (has_verdef(c, to, vn->versions[k]))
					continue;
				add_problem(c, CUVET_WHY_P_VERSION, vn->weak[k] ? CUVET_SEV_WARNING : CUVET_SEV_ERROR,
					    "symbol-version", to, "%s: version `%s' not found (required by %s)",
					    c->w->objects[to].path, vn->versions[k], ro->path);
			}
		}
		/* versioned undefined symbols */
		size_t missing = 0;
		const char *first = NULL, *first_ver = NULL;
		size_t first_to = CUVET_WHY_NONE;
		for (size_t k = 0; k < rp->syms.nsyms; k++) {
			const struct cuvet_elf_symbol *sym = &rp->syms.syms[k];
			if (sym->defined || sym->weak || !sym->version)
				continue;
			size_t to = CUVET_WHY_NONE;
			for (size_t v = 0; v < rp->syms.nverneed && to == CUVET_WHY_NONE; v++) {
				const struct cuvet_elf_verneed *vn = &rp->syms.verneed[v];
				for (size_t q = 0; q < vn->nversions; q++) {
					if (strcmp(vn->versions[q], sym->version) != 0)
						continue;
					for (size_t e = 0; e < ro->nneeded; e++)
						if (!ro->needed[e].dlopen && strcmp(ro->needed[e].name, vn->file) == 0)
							to = ro->needed[e].object;
				}
			}
			if (to == CUVET_WHY_NONE || !c->w->objects[to].path || c->w->objects[to].error)
				continue;
			/* the version node itself missing is reported above */
			struct obj_priv *tp = load_syms(c, to);
			if (!tp || !tp->syms.nverdef || !has_verdef(c, to, sym->version))
				continue;
			if (defines(c, to, sym->name, sym->version))
				continue;
			bool elsewhere = false;
			for (size_t o = 0; o < n && !elsewhere; o++)
				if (o != to && !c->w->objects[o].dlopen && c->w->objects[o].path && !c->w->objects[o].error)
					elsewhere = defines(c, o, sym->name, sym->version);
			if (elsewhere)
				continue;
			if (!missing++) {
				first = sym->name;
				first_ver = sym->version;
				first_to = to;
			}
		}
		if (missing) {
			char more[64] = "";
			if (missing > 1)
				snprintf(more, sizeof(more), "; %zu more symbols missing", missing - 1);
			add_problem(c, CUVET_WHY_P_SYMBOL, CUVET_SEV_ERROR, "undefined-symbol", first_to,
				    "%s: undefined symbol: %s, version %s (%s at %s does not define it%s)", ro->path, first,
				    first_ver, c->w->objects[first_to].name, c->w->objects[first_to].path, more);
		}
	}
}

/* ------------------------------------------------------------- problems ---- */

static const struct cuvet_facts *get_facts(struct ctx *c)
{
	if (c->facts_tried)
		return c->facts;
	c->facts_tried = true;
	if (!c->opts->explain)
		return NULL;
	struct cuvet_probe_opts po;
	cuvet_probe_opts_init(&po);
	po.root = c->opts->root;
	po.env = c->opts->env;
	po.use_nvml = false;
	po.load_libs = false;
	/* the discovery sees the LD_LIBRARY_PATH the resolution used */
	char **env = NULL;
	char *mine = NULL;
	if (c->opts->ld_library_path) {
		char *const *src = c->opts->env ? c->opts->env : environ;
		size_t n = 0;
		while (src[n])
			n++;
		env = calloc(n + 2, sizeof(char *));
		if (env) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++)
				if (!str_starts(src[i], "LD_LIBRARY_PATH="))
					env[k++] = src[i];
			env[k] = mine = xasprintf("LD_LIBRARY_PATH=%s", c->opts->ld_library_path);
			po.env = env;
		}
	}
	c->facts = cuvet_probe(&po, NULL);
	free(mine);
	free(env);
	return c->facts;
}

static const char *display_of(const char *family_name_source)
{
	const char *sover;
	const struct libfamily *f = libfamily_match(family_name_source, &sover);
	return f ? f->display : NULL;
}

static void explain_missing(struct ctx *c, size_t i)
{
	const struct cuvet_why_object *o = &c->w->objects[i];
	const char *needer = o->loader != CUVET_WHY_NONE ? c->w->objects[o->loader].name : "the program";
	if (o->dlopen)
		add_problem(c, CUVET_WHY_P_DLOPEN_MISSING, CUVET_SEV_WARNING, "dlopen-not-found", i,
			    "%s not found (dlopen'ed by %s at run time; it will fail when that code runs)", o->name, needer);
	else if (o->rule == CUVET_WHY_NOT_FOUND && o->nsearched && str_starts(o->searched[0], "interpreter: "))
		add_problem(c, CUVET_WHY_P_NOT_FOUND, CUVET_SEV_ERROR, "not-found", i,
			    "the interpreter %s (PT_INTERP of %s) does not exist: the program cannot start", o->name, needer);
	else if (o->loader == CUVET_WHY_NONE)
		add_problem(c, CUVET_WHY_P_NOT_FOUND, CUVET_SEV_ERROR, "not-found", i,
			    "%s not found (dlopen'ed by a program without RPATH or RUNPATH)", o->name);
	else
		add_problem(c, CUVET_WHY_P_NOT_FOUND, CUVET_SEV_ERROR, "not-found", i, "%s not found (needed by %s)",
			    o->name, needer);
	/* ld.so.conf lists a directory that holds it, but the cache (what the loader reads) does not
	 * know it: ldconfig has not run since the library was installed */
	if (!c->conf_state)
		c->conf_state = cuvet_ldconf_read(c->fs, CUVET_LD_SO_CONF, &c->conf, NULL) == 0 ? 1 : -1;
	for (size_t k = 0; c->conf_state > 0 && k < c->conf.count && !strchr(o->name, '/'); k++) {
		char p[PATH_MAX];
		if (pathf(p, sizeof(p), "%s/%s", c->conf.dirs[k], o->name) && cuvet_fs_type(c->fs, p, true) == CUVET_FS_FILE)
			add_problem(c, CUVET_WHY_P_ELSEWHERE, CUVET_SEV_WARNING, "stale-cache", i,
				    "%s is in %s, which %s lists, but /etc/ld.so.cache has no entry for it: run ldconfig",
				    o->name, c->conf.dirs[k], c->conf.from[k]);
	}
	const char *sover;
	const struct libfamily *fam = libfamily_match(o->name, &sover);
	if (!fam)
		return;
	const struct cuvet_facts *f = get_facts(c);
	if (!f)
		return;
	bool any = false;
	for (size_t k = 0; k < f->nlibs; k++) {
		const struct cuvet_lib *l = &f->libs[k];
		if (!l->soname || strcmp(l->soname, o->name) != 0)
			continue;
		char *dir = dir_of(l->path);
		if (l->version)
			add_problem(c, CUVET_WHY_P_ELSEWHERE, CUVET_SEV_WARNING,
				    "not-searched", i, "%s not found; %s %s is in %s, which nothing here adds to the search path",
				    o->name, fam->display, l->version, dir ? dir : l->path);
		else
			add_problem(c, CUVET_WHY_P_ELSEWHERE, CUVET_SEV_WARNING,
				    "not-searched", i, "%s not found; a copy is in %s, which nothing here adds to the search path",
				    o->name, dir ? dir : l->path);
		free(dir);
		any = true;
	}
	if (any)
		return;
	long want = libfamily_soname_major(o->name);
	for (size_t k = 0; k < f->nlibs && want >= 0; k++) {
		const struct cuvet_lib *l = &f->libs[k];
		const char *lso;
		const struct libfamily *lf = l->soname ? libfamily_match(l->soname, &lso) : NULL;
		/* the same library base name (libcudnn, not libcudnn_ops), another major */
		if (!lf || strcmp(lf->base, fam->base) != 0 || strcspn(l->soname, ".") != strcspn(o->name, "."))
			continue;
		long have = libfamily_soname_major(l->soname);
		if (have < 0 || have == want)
			continue;
		add_problem(c, CUVET_WHY_P_OTHER_MAJOR, CUVET_SEV_WARNING, "other-major", i,
			    "%s %s is installed (%s); %s links %s %ld", fam->display, l->version ? l->version : l->soname,
			    l->path, needer, fam->display, want);
	}
}

/* Other copies of object I's SONAME that library discovery found: "DIR (VERSION)" per copy
 * directory, joined; *DFLT gets the one a plain dlopen would pick. NULL when there are none. */
static char *other_copies(struct ctx *c, size_t i, size_t *n, const char **dflt)
{
	const struct cuvet_why_object *o = &c->w->objects[i];
	const struct cuvet_facts *f = get_facts(c);
	*n = 0;
	*dflt = NULL;
	if (!f || !o->soname)
		return NULL;
	struct sbuf b;
	sbuf_init(&b);
	for (size_t k = 0; k < f->nlibs; k++) {
		const struct cuvet_lib *l = &f->libs[k];
		/* toolkit stubs are for the link editor, not an alternative at run time */
		if (!l->soname || strcmp(l->soname, o->soname) != 0 || strcmp(l->real_path, o->real_path) == 0 || l->stub)
			continue;
		char *d = dir_of(l->path);
		sbuf_addf(&b, "%s%s (%s)", *n ? ", " : "", d ? d : l->path, l->version ? l->version : "version unknown");
		free(d);
		if (l->default_pick)
			*dflt = l->path;
		(*n)++;
	}
	if (!*n) {
		sbuf_release(&b);
		return NULL;
	}
	return sbuf_steal(&b);
}

/* Stubs, and libraries with other copies on the system. Libraries of one family that resolve
 * to the same directory and have their other copies in the same places (cuDNN's eight
 * sub-libraries) make one problem. */
static void explain_copies(struct ctx *c)
{
	size_t n = c->w->nobjects;
	char **others = calloc(n ? n : 1, sizeof(char *));
	char **dirs = calloc(n ? n : 1, sizeof(char *));
	size_t *counts = calloc(n ? n : 1, sizeof(size_t));
	const char **dflts = calloc(n ? n : 1, sizeof(char *));
	bool *done = calloc(n ? n : 1, sizeof(bool));
	if (!others || !dirs || !counts || !dflts || !done) {
		c->oom = true;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cuvet_why_object *o = &c->w->objects[i];
		if (!o->path || !o->family || o->rule == CUVET_WHY_INPUT || o->error)
			continue;
		if (strcmp(o->family, "cuda") == 0 && strstr(o->real_path, "/stubs/"))
			add_problem(c, CUVET_WHY_P_STUB, CUVET_SEV_ERROR, "stub", i,
				    "%s resolves to the toolkit stub %s: programs fail with \"CUDA driver version is "
				    "insufficient\" or error 34; the real driver library is not found first",
				    o->name, o->path);
		others[i] = other_copies(c, i, &counts[i], &dflts[i]);
		dirs[i] = dir_of(o->path);
	}
	for (size_t i = 0; i < n && !c->oom; i++) {
		if (!others[i] || done[i])
			continue;
		const struct cuvet_why_object *o = &c->w->objects[i];
		struct sbuf names;
		sbuf_init(&names);
		sbuf_add(&names, o->soname);
		size_t group = 1;
		for (size_t j = i + 1; j < n; j++) {
			const struct cuvet_why_object *q = &c->w->objects[j];
			if (!others[j] || done[j] || strcmp(q->family, o->family) != 0 || strcmp(dirs[j], dirs[i]) != 0 ||
			    q->rule != o->rule || !q->version != !o->version || (o->version && strcmp(q->version, o->version)) ||
			    strcmp(others[j], others[i]) != 0 || dflts[j] || dflts[i])
				continue;
			done[j] = true;
			sbuf_addf(&names, ", %s", q->soname);
			group++;
		}
		char *list = sbuf_steal(&names);
		const char *ver = o->version ? o->version : "version unknown";
		if (group == 1)
			add_problem(c, CUVET_WHY_P_COPIES, CUVET_SEV_WARNING, "several-copies", i,
				    "%s resolves to %s (%s, %s); other cop%s in %s%s%s%s", o->soname, o->path, ver,
				    cuvet_why_rule_name(o->rule), counts[i] == 1 ? "y" : "ies", others[i],
				    dflts[i] ? "; a plain dlopen from a program without RPATH would pick " : "",
				    dflts[i] ? dflts[i] : "",
				    dflts[i] ? "" : "; another LD_LIBRARY_PATH, RPATH or ld.so.cache would pick another");
		else
			add_problem(c, CUVET_WHY_P_COPIES, CUVET_SEV_WARNING, "several-copies", i,
				    "%zu %s libraries (%s) resolve to %s (%s, %s); other copies in %s; another "
				    "LD_LIBRARY_PATH, RPATH or ld.so.cache would pick those",
				    group, display_of(o->soname) ? display_of(o->soname) : o->family, list ? list : "?", dirs[i], ver, cuvet_why_rule_name(o->rule), others[i]);
		free(list);
	}
out:
	for (size_t i = 0; i < n && others && dirs; i++) {
		free(others[i]);
		free(dirs[i]);
	}
	free(others);
	free(dirs);
	free(counts);
	free(dflts);
	free(done);
}

static void find_problems(struct ctx *c)
{
	size_t n = c->w->nobjects;
	for (size_t i = 0; i < n && !c->oom; i++) {
		const struct cuvet_why_object *o = &c->w->objects[i];
		if (o->rule == CUVET_WHY_NOT_FOUND)
			explain_missing(c, i);
		else if (o->error)
			add_problem(c, CUVET_WHY_P_BAD_FILE, CUVET_SEV_ERROR, "bad-file", i, "%s: cannot load %s: %s", o->name,
				    o->path, o->error);
	}
	check_versions(c);
	if (!c->oom)
		explain_copies(c);
}

/* -------------------------------------------------------------- layout ---- */

static const char *triplet_of(int machine, int cls)
{
	if (machine == EM_X86_64_)
		return cls == 2 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
	if (machine == EM_AARCH64_)
		return "aarch64-linux-gnu";
	if (machine == EM_386_)
		return "i386-linux-gnu";
	return NULL;
}

/* The x86-64 ISA level of this CPU (the psABI's x86-64-v2/v3/v4 feature sets, as glibc's
 * dl-hwcaps-subdirs.c tests them), from cpuid; 1 (baseline) elsewhere. */
static int cpu_isa_level(void)
{
#if defined(__x86_64__)
	unsigned a, b, c1, d;
	if (!__get_cpuid(1, &a, &b, &c1, &d))
		return 1;
	unsigned c81 = 0, b7 = 0;
	if (__get_cpuid(0x80000001, &a, &b, &c81, &d) == 0)
		c81 = 0;
	if (__get_cpuid_max(0, NULL) >= 7) {
		unsigned a7, c7, d7;
		__cpuid_count(7, 0, a7, b7, c7, d7);
	}
	/* v2: CMPXCHG16B, LAHF/SAHF, POPCNT, SSE3, SSE4.1, SSE4.2, SSSE3 */
	bool v2 = (c1 & bit_CMPXCHG16B) && (c81 & bit_LAHF_LM) && (c1 & bit_POPCNT) && (c1 & bit_SSE3) &&
		  (c1 & bit_SSE4_1) && (c1 & bit_SSE4_2) && (c1 & bit_SSSE3);
	if (!v2)
		return 1;
	uint64_t xcr0 = 0;
	if (c1 & bit_OSXSAVE) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = (uint64_t)hi << 32 | lo;
	}
	/* v3: AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE, with the YMM state enabled */
	bool v3 = (c1 & bit_AVX) && (b7 & bit_AVX2) && (b7 & bit_BMI) && (b7 & bit_BMI2) && (c1 & bit_F16C) &&
		  (c1 & bit_FMA) && (c81 & bit_LZCNT) && (c1 & bit_MOVBE) && (xcr0 & 0x6) == 0x6;
	if (!v3)
		return 2;
	/* v4: AVX512F, BW, CD, DQ, VL, with the opmask/ZMM state enabled */
	bool v4 = (b7 & bit_AVX512F) && (b7 & bit_AVX512BW) && (b7 & bit_AVX512CD) && (b7 & bit_AVX512DQ) &&
		  (b7 & bit_AVX512VL) && (xcr0 & 0xe6) == 0xe6;
	return v4 ? 4 : 3;
#else
	return 1;
#endif
}

static int push_str(char ***arr, size_t *n, const char *s)
{
	char **p = realloc(*arr, (*n + 1) * sizeof(char *));
	if (!p)
		return -1;
	*arr = p;
	if (!(p[*n] = xstrdup(s)))
		return -1;
	(*n)++;
	return 0;
}

static int setup_layout(struct ctx *c, const char *interp)
{
	struct cuvet_why *w = c->w;
	const char *trip = triplet_of(c->machine, c->elf_class);
	bool debian = false;
	char real[PATH_MAX], p[PATH_MAX];
	if (trip) {
		if (interp && *interp && cuvet_fs_realpath(c->fs, interp, real, sizeof(real), NULL) == 0 &&
		    pathf(p, sizeof(p), "/%s/", trip) && strstr(real, p))
			debian = true;
		else if (pathf(p, sizeof(p), "/usr/lib/%s", trip) && cuvet_fs_type(c->fs, p, true) == CUVET_FS_DIR)
			debian = true;
	}
	int rc = 0;
	if (debian) {
		w->lib = xasprintf("lib/%s", trip);
		snprintf(p, sizeof(p), "/lib/%s", trip);
		rc |= push_str(&w->default_dirs, &w->ndefault_dirs, p);
		snprintf(p, sizeof(p), "/usr/lib/%s", trip);
		rc |= push_str(&w->default_dirs, &w->ndefault_dirs, p);
		rc |= push_str(&w->default_dirs, &w->ndefault_dirs, "/lib");
		rc |= push_str(&w->default_dirs, &w->ndefault_dirs, "/usr/lib");
	} else if (c->elf_class == 2) {
		w->lib = xstrdup("lib64");
		rc |= push_str(&w->default_dirs, &w->ndefault_dirs, "/lib64");
		rc |= push_str(&w->default_dirs, &w->ndefault_dirs, "/usr/lib64");
	} else {
		w->lib = xstrdup("lib");
		rc |= push_str(&w->default_dirs, &w->ndefault_dirs, "/lib");
		rc |= push_str(&w->default_dirs, &w->ndefault_dirs, "/usr/lib");
	}
	const char *plat = c->machine == EM_X86_64_ ? "x86_64" : c->machine == EM_AARCH64_ ? "aarch64" :
			   c->machine == EM_386_ ? "i686" : "unknown";
	/* glibc < 2.37 replaced AT_PLATFORM with "haswell" on CPUs with AVX2, BMI1/2, LZCNT, MOVBE
	 * and POPCNT (sysdeps/x86/cpu-features.c, removed with the legacy hwcaps in 2.37); the
	 * root's glibc version comes from the cache's generator string. */
	if (c->machine == EM_X86_64_ && c->elf_class == 2 && c->cache && c->cache->generator) {
		const char *v = strstr(c->cache->generator, "version ");
		struct cuvet_version gv, cut = {2, {2, 37}};
		if (v && cuvet_version_parse_prefix(v + 8, &gv, NULL, NULL) == 0 && cuvet_version_cmp(&gv, &cut) < 0 &&
		    cpu_isa_level() >= 3)
			plat = "haswell";
	}
	w->platform = xstrdup(plat);
	/* glibc-hwcaps levels of this CPU (sysdeps/x86_64/dl-hwcaps-subdirs.c), best first */
	int level = c->opts->hwcaps && c->machine == EM_X86_64_ && c->elf_class == 2 ? cpu_isa_level() : 0;
	if (level >= 4)
		rc |= push_str(&w->hwcaps, &w->nhwcaps, "x86-64-v4");
	if (level >= 3)
		rc |= push_str(&w->hwcaps, &w->nhwcaps, "x86-64-v3");
	if (level >= 2)
		rc |= push_str(&w->hwcaps, &w->nhwcaps, "x86-64-v2");
	if (rc || !w->lib || !w->platform)
		return err_set(c->err, CUVET_E_NOMEM, "out of memory");
	/* The cache flags the loader accepts: those of its own ABI (sysdeps/.../dl-cache.h) */
	c->cache_flags = c->machine == EM_X86_64_ ? (c->elf_class == 2 ? 0x303 : 0x803) :
			 c->machine == EM_AARCH64_ ? 0xa03 : 0x3;
	return 0;
}

/* --------------------------------------------------------------- entry ---- */

static void ctx_release(struct ctx *c)
{
	for (size_t i = 0; c->w && i < c->w->nobjects; i++) {
		struct obj_priv *p = &c->priv[i];
		cuvet_elf_info_release(&p->info);
		free(p->origin);
		for (size_t k = 0; k < p->naliases; k++)
			free(p->aliases[k]);
		free(p->aliases);
		if (p->syms_state > 0)
			cuvet_elf_symbols_release(&p->syms);
		free(p->defs);
	}
	free(c->priv);
	for (size_t i = 0; i < c->ndirs; i++)
		free(c->dirs[i].dir);
	free(c->dirs);
	cuvet_ldcache_free(c->cache);
	cuvet_facts_free(c->facts);
	cuvet_ldconf_release(&c->conf);
	cuvet_fs_free(c->fs);
	free(c->main_origin);
}

int cuvet_why_worst(const struct cuvet_why *why)
{
	int worst = -1;
	for (size_t i = 0; why && i < why->nproblems; i++)
		if ((int)why->problems[i].severity > worst)
			worst = (int)why->problems[i].severity;
	return worst;
}

void cuvet_why_free(struct cuvet_why *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nobjects; i++) {
		struct cuvet_why_object *o = &w->objects[i];
		free(o->name);
		free(o->path);
		free(o->real_path);
		free(o->soname);
		free(o->family);
		free(o->version);
		free(o->version_source);
		free(o->search_dir);
		free(o->error);
		for (size_t k = 0; k < o->nneeded; k++) {
			free(o->needed[k].name);
			free(o->needed[k].source);
		}
		free(o->needed);
		for (size_t k = 0; k < o->nsearched; k++)
			free(o->searched[k]);
		free(o->searched);
	}
	free(w->objects);
	for (size_t i = 0; i < w->nproblems; i++)
		free(w->problems[i].message);
	free(w->problems);
	for (size_t i = 0; i < w->ndefault_dirs; i++)
		free(w->default_dirs[i]);
	free(w->default_dirs);
	for (size_t i = 0; i < w->nhwcaps; i++)
		free(w->hwcaps[i]);
	free(w->hwcaps);
	free(w->lib);
	free(w->platform);
	free(w->target);
	free(w);
}

/* The standard PT_INTERP of each ABI (the System V psABI supplements). */
static const char *native_interp(int machine, int cls)
{
	if (machine == EM_X86_64_)
		return cls == 2 ? "/lib64/ld-linux-x86-64.so.2" : "/libx32/ld-linux-x32.so.2";
	if (machine == EM_AARCH64_)
		return "/lib/ld-linux-aarch64.so.1";
	if (machine == EM_386_)
		return "/lib/ld-linux.so.2";
	return "";
}

/* The interpreter is mapped before any DT_NEEDED, so a DT_NEEDED of its SONAME is satisfied. */
static int add_interp(struct ctx *c, const char *interp, size_t loader, bool implicit)
{
	/* the interpreter of a program we only assume (a SONAME or a library given): when the root
	 * has none there, the name is searched like any other */
	if (implicit && cuvet_fs_type(c->fs, interp, true) != CUVET_FS_FILE)
		return 0;
	size_t k = add_object(c, interp);
	if (k == CUVET_WHY_NONE)
		return -1;
	struct cuvet_why_object *io = &c->w->objects[k];
	io->rule = CUVET_WHY_INTERP;
	io->loader = loader;
	io->depth = c->w->objects[loader].depth + 1;
	struct cuvet_elf_info ii = {0};
	char why[512] = "";
	enum cand st = check_candidate(c, interp, &ii, why, sizeof(why));
	if (st == CAND_ABSENT || st == CAND_OTHER_CLASS) {
		size_t cap = 0;
		io->rule = CUVET_WHY_NOT_FOUND;
		add_searched(c, &io->searched, &io->nsearched, &cap, "interpreter: %s", interp);
	} else {
		object_found(c, k, interp, &ii, st, why);
		c->priv[k].origin = dir_of(interp);
		/* ld.so has no DT_NEEDED; keep its facts out of the breadth-first walk */
		c->priv[k].have_info = false;
		cuvet_elf_info_release(&c->priv[k].info);
	}
	add_alias(c, k, base_of(interp));
	return c->oom ? -1 : 0;
}

/* Reads the input file: it must be an ELF executable or shared object. */
static int read_input(struct ctx *c, const char *target, char *path, size_t pathlen, struct cuvet_elf_info *info,
		      char *interp, size_t interplen)
{
	if (target[0] == '/') {
		snprintf(path, pathlen, "%s", target);
	} else {
		char cwd[PATH_MAX];
		if (strcmp(cuvet_fs_root(c->fs), "") == 0 && getcwd(cwd, sizeof(cwd))) {
			if (!pathf(path, pathlen, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, target))
				return err_set(c->err, CUVET_E_RANGE, "%s: path too long", target);
		} else if (!pathf(path, pathlen, "/%s", target)) {
			return err_set(c->err, CUVET_E_RANGE, "%s: path too long", target);
		}
	}
	/* strip "./" components the user typed so the path reads like the loader's */
	for (char *p; (p = strstr(path, "/./"));)
		memmove(p, p + 2, strlen(p + 2) + 1);
	const void *data = NULL;
	size_t len = 0;
	struct cuvet_error e = {0};
	if (cuvet_fs_map(c->fs, path, &data, &len, &e) < 0)
		return err_set(c->err, e.code, "%s", e.msg);
	int rc = cuvet_elf_read(data, len, info, &e);
	if (rc == 0 && cuvet_elf_interp(data, len, interp, interplen, &e) < 0) {
		cuvet_elf_info_release(info);
		rc = -1;
	}
	cuvet_fs_unmap(c->fs, data, len);
	if (rc < 0)
		return err_set(c->err, e.code, "%s: %s", target, e.msg);
	return 0;
}

struct cuvet_why *cuvet_why_resolve(const struct cuvet_why_opts *opts, const char *target, struct cuvet_error *err)
{
	struct cuvet_why_opts dflt;
	if (!opts) {
		cuvet_why_opts_init(&dflt);
		opts = &dflt;
	}
	struct cuvet_why_opts o = *opts;
	if (!o.max_objects)
		o.max_objects = 10000;
	struct ctx c = {.opts = &o, .err = err, .main = CUVET_WHY_NONE};
	struct cuvet_elf_info info = {0};
	if (!target || !*target) {
		err_set(err, CUVET_E_INVALID, "no file or SONAME given");
		return NULL;
	}
	c.w = calloc(1, sizeof(*c.w));
	if (!c.w || !(c.w->target = xstrdup(target))) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto fail;
	}
	c.fs = cuvet_fs_open(o.root, err);
	if (!c.fs)
		goto fail;
	c.llp = o.ld_library_path ? o.ld_library_path : env_get(o.env ? o.env : environ, "LD_LIBRARY_PATH");
	char *cache_data = NULL;
	size_t cache_len = 0;
	if (cuvet_fs_read(c.fs, CUVET_LD_SO_CACHE, 0, &cache_data, &cache_len, NULL) == 0) {
		c.cache = cuvet_ldcache_parse(cache_data, cache_len, NULL);
		free(cache_data);
	}

	bool is_file = strchr(target, '/') != NULL;
	char interp[PATH_MAX] = "";
	char path[PATH_MAX];
	if (is_file) {
		if (read_input(&c, target, path, sizeof(path), &info, interp, sizeof(interp)) < 0)
			goto fail;
		c.elf_class = info.elf_class;
		c.byte_order = info.byte_order;
		c.machine = info.machine;
	} else {
		/* dlopen(SONAME) from a native program without RPATH or RUNPATH */
#if defined(__aarch64__)
		c.machine = EM_AARCH64_;
#else
		c.machine = EM_X86_64_;
#endif
		c.elf_class = 2;
		c.byte_order = 1;
		snprintf(interp, sizeof(interp), "%s", native_interp(c.machine, c.elf_class));
	}
	if (setup_layout(&c, interp) < 0)
		goto fail;

	if (is_file) {
		size_t i = add_object(&c, target);
		if (i == CUVET_WHY_NONE)
			goto oom;
		struct cuvet_why_object *obj = &c.w->objects[i];
		obj->rule = CUVET_WHY_INPUT;
		obj->path = xstrdup(path);
		char real[PATH_MAX];
		obj->real_path = xstrdup(cuvet_fs_realpath(c.fs, path, real, sizeof(real), NULL) == 0 ? real : path);
		obj->soname = xstrdup(info.soname);
		c.priv[i].info = info;
		c.priv[i].have_info = true;
		memset(&info, 0, sizeof(info));
		/* an executable's $ORIGIN comes from the kernel's resolved path; a library run through
		 * ld.so (ldd) keeps the path as given */
		bool exe = c.priv[i].info.type == ET_EXEC_ || interp[0];
		c.main = exe ? i : CUVET_WHY_NONE;
		c.priv[i].origin = dir_of(exe ? obj->real_path : obj->path);
		c.main_origin = xstrdup(c.priv[i].origin);
		if (!obj->path || !obj->real_path || !c.priv[i].origin)
			goto oom;
		object_version(&c, i);
		/* a library given as input: the interpreter of whatever program loads it */
		bool implicit = !interp[0];
		if (implicit)
			snprintf(interp, sizeof(interp), "%s", native_interp(c.machine, c.elf_class));
		if (interp[0] && add_interp(&c, interp, i, implicit) < 0)
			goto oom;
		map_deps(&c, 0);
	} else {
		c.main_origin = NULL;
		resolve(&c, target, CUVET_WHY_NONE, false);
		if (c.w->nobjects && c.w->objects[0].rule != CUVET_WHY_NOT_FOUND) {
			/* the interpreter of the program that dlopens it is already loaded */
			if (add_interp(&c, interp, 0, true) < 0)
				goto oom;
			map_deps(&c, 0);
		}
	}
	if (o.with_dlopen && !c.oom)
		map_dlopen(&c);
	if (!c.oom)
		find_problems(&c);
	if (c.oom)
		goto oom;
	ctx_release(&c);
	return c.w;
oom:
	err_set(err, CUVET_E_NOMEM, "out of memory");
fail:
	cuvet_elf_info_release(&info);
	ctx_release(&c);
	cuvet_why_free(c.w);
	return NULL;
}
