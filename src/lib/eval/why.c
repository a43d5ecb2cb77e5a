/* "cuvet why": the dependency tree of an executable or library as glibc's dynamic loader would
 * map it, and the problems with it, without executing anything. Where each name resolves is
 * the loader model's answer (src/lib/loader/ldmodel.c: search order, layout, hwcaps, $LIB,
 * $PLATFORM); this file walks the dependencies as _dl_map_object_deps does (breadth first, which
 * decides who loads a library first and so whose RPATH chain applies), follows the dlopen table
 * of the knowledge base, checks symbol versions and explains problems from the probe's facts.
 *
 * - Objects already loaded are matched by the name asked, their SONAME or their file.
 * - The input executable's $ORIGIN is the directory of its resolved path (the kernel's view); a
 *   library given as input is treated as ld.so treats a library run directly (ldd's view): $ORIGIN
 *   is the directory of the path as given.
 * - A DT_NEEDED of the NODEFLIB case: glibc 2.36 under LD_TRACE_LOADED_OBJECTS still lists a
 *   cache hit in a system directory that a real run refuses; cuvet follows the real run.
 * - A relative input path is taken from the root's "/" (the CLI makes it absolute first).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldmodel.h"
#include "libfamily.h"
#include "paths.h"
#include "internal.h"

extern char **environ;

#define ET_EXEC_ 2

/* ------------------------------------------------------------- context ---- */

struct sym_def {
	const char *name;
	const char *version;
	uint32_t hash;
	size_t by[2];               /* in the table of every object: the first two objects defining it */
};

/* Defined, versioned symbols (NAME@VERSION once each) in an open-addressing hash table. */
struct def_table {
	struct sym_def *defs;
	size_t ndefs, cap;
	uint32_t *slots;            /* index into DEFS + 1, 0 empty */
	size_t nslots;              /* a power of two above twice CAP */
};

struct obj_priv {
	struct cuvet_elf_info info;
	bool have_info;
	char *origin;               /* $ORIGIN, NULL when unknown */
	char **aliases;             /* names it was requested by */
	size_t naliases, aliases_cap;
	int syms_state;             /* 0 not read, 1 read, -1 unreadable */
	struct cuvet_elf_symbols syms;
	struct def_table defs;
};

struct ctx {
	struct cuvet_fs *fs;
	bool fs_borrowed; /* the caller's view (cuvet_why_opts.fs): not freed */
	const struct cuvet_why_opts *opts;
	struct cuvet_why *w;
	struct obj_priv *priv;
	size_t objects_cap, priv_cap, problems_cap;
	struct ldmodel *model;
	int elf_class, byte_order, machine;
	struct cuvet_ldconf conf;   /* /etc/ld.so.conf, read when a library is missing */
	int conf_state;             /* 0 not read, 1 read, -1 unreadable */
	size_t main;                /* index of the executable whose RPATH ends every chain, or NONE */
	char *main_origin;
	struct cuvet_error *err;
	const struct cuvet_facts *facts; /* opts->facts, or what opts->facts_fn gave */
	bool facts_soon_called;
	bool oom;
	bool truncated;             /* max_objects reached */
	size_t cur_input;           /* the input being loaded (cuvet_why_object.input) */
	struct def_table all_defs;  /* what the objects of the global scope define */
	int all_defs_state;         /* 0 not built, 1 built, -1 out of memory */
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
	opts->symbol_versions = true;
	opts->hwcaps = true;
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
	o->input = c->cur_input;
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

static struct cuvet_why_problem *add_problem(struct ctx *c, enum cuvet_why_problem_kind kind, enum cuvet_severity sev,
					      const char *id, size_t object, const char *fmt, ...) CUVET_PRINTF(6, 7);
static struct cuvet_why_problem *add_problem(struct ctx *c, enum cuvet_why_problem_kind kind, enum cuvet_severity sev,
					      const char *id, size_t object, const char *fmt, ...)
{
	struct cuvet_why *w = c->w;
	if (xgrow(&w->problems, &c->problems_cap, w->nproblems, sizeof(*w->problems)) < 0) {
		c->oom = true;
		return NULL;
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
	p->requester = CUVET_WHY_NONE;
	p->other_path = NULL;
	p->other_version = NULL;
	p->message = sbuf_steal(&b);
	if (!p->message) {
		c->oom = true;
		return NULL;
	}
	w->nproblems++;
	return p;
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

/* Fills object I from what the search found. */
static void object_found(struct ctx *c, size_t i, struct ldmodel_result *r)
{
	struct cuvet_why_object *o = &c->w->objects[i];
	struct obj_priv *p = &c->priv[i];
	o->path = xstrdup(r->path);
	char real[PATH_MAX];
	o->real_path = xstrdup(ldmodel_realpath(c->model, r->path, real, sizeof(real)) == 0 ? real : r->path);
	if (r->status == LDMODEL_OK) {
		p->info = r->info;
		memset(&r->info, 0, sizeof(r->info));
		p->have_info = true;
		o->soname = xstrdup(p->info.soname);
	} else {
		o->error = xstrdup(r->why);
	}
	if (!o->path || !o->real_path)
		c->oom = true;
}

/* Object I will make fetch_facts ask for the facts (an NVIDIA library or a missing one): tell
 * the caller now, once, so that its probe can run while the rest is resolved. */
static void facts_soon(struct ctx *c, size_t i)
{
	const struct cuvet_why_opts *o = c->opts;
	if (c->facts_soon_called || i == CUVET_WHY_NONE || !o->explain || o->facts || !o->facts_fn || !o->facts_soon)
		return;
	if (c->w->objects[i].family || c->w->objects[i].rule == CUVET_WHY_NOT_FOUND) {
		c->facts_soon_called = true;
		o->facts_soon(o->facts_arg);
	}
}

/* The family and version of the copy at PATH (REAL_PATH after symlinks) with SONAME (or NULL). */
static void version_of(struct ctx *c, const char *soname, const char *path, const char *real_path, char **family,
		       char **version, char **source)
{
	const char *sover = NULL;
	const char *key = soname ? soname : base_of(path);
	const struct libfamily *fam = libfamily_match(key, &sover);
	if (!fam)
		fam = libfamily_match(base_of(path), &sover);
	if (!fam)
		return;
	*family = xstrdup(fam->family);
	char *v = libfamily_name_version(fam, soname, base_of(real_path));
	if (v) {
		*version = v;
		*source = xstrdup("file-name");
		return;
	}
	/* a pip wheel: SITE/nvidia/COMPONENT/lib/FILE, version in SITE/NAME-VERSION.dist-info */
	const char *n = strstr(real_path, "/nvidia/");
	if (fam->wheel && n && n > real_path) {
		char site[PATH_MAX];
		if (pathf(site, sizeof(site), "%.*s", (int)(n - real_path), real_path) &&
		    (str_ends(site, "site-packages") || str_ends(site, "dist-packages"))) {
			struct cuvet_fs_dir d;
			if (cuvet_fs_list(c->fs, site, &d, NULL) == 0) {
				char *dist = NULL;
				*version = libfamily_wheel_version(&d, fam->wheel, &dist);
				if (*version)
					*source = xasprintf("dist-info:%s", dist);
				free(dist);
				cuvet_fs_dir_release(&d);
				if (*version)
					return;
			}
		}
	}
	if (sover && *sover) {
		*version = xstrdup(sover);
		*source = xstrdup("soname");
	}
}

static void object_version(struct ctx *c, size_t i)
{
	struct cuvet_why_object *o = &c->w->objects[i];
	version_of(c, o->soname, o->path, o->real_path, &o->family, &o->version, &o->version_source);
	facts_soon(c, i);
}

static const char *eff_rpath(const struct ctx *c, size_t i)
{
	const struct obj_priv *p = &c->priv[i];
	/* "If both RUNPATH and RPATH are given, the latter is ignored" (glibc get-dynamic-info.h) */
	if (!p->have_info || p->info.runpath)
		return NULL;
	return p->info.rpath;
}

/* Searches NAME for requester REQ through the loader model: REQ's RPATH chain up to the
 * executable (when REQ has no RUNPATH), LD_LIBRARY_PATH, REQ's RUNPATH, cache, defaults. */
static int search_name(struct ctx *c, const char *name, size_t req, bool want_searched, struct ldmodel_result *r)
{
	struct obj_priv *rp = req == CUVET_WHY_NONE ? NULL : &c->priv[req];
	struct ldmodel_query q = {
		.name = name,
		.origin = rp ? rp->origin : c->main_origin,
		.main_origin = c->main_origin,
		.runpath = rp && rp->have_info ? rp->info.runpath : NULL,
		.nodeflib = rp && rp->have_info && rp->info.nodeflib,
		.want_searched = want_searched,
		.want_info = true,
	};
	/* the chain holds at most every object once, and the executable */
	size_t cap = 1;
	for (size_t l = req; l != CUVET_WHY_NONE; l = c->w->objects[l].loader)
		cap++;
	struct ldmodel_rpath *chain = calloc(cap, sizeof(*chain));
	char (*labels)[96] = calloc(cap, sizeof(*labels));
	if (!chain || !labels) {
		free(chain);
		free(labels);
		c->oom = true;
		return -1;
	}
	size_t n = 0;
	bool did_main = false;
	for (size_t l = req; !q.runpath && l != CUVET_WHY_NONE; l = c->w->objects[l].loader) {
		const char *rpath = eff_rpath(c, l);
		if (!rpath)
			continue;
		snprintf(labels[n], sizeof(labels[n]), l == req ? "rpath" : "rpath of %s", base_of(c->w->objects[l].name));
		chain[n] = (struct ldmodel_rpath){rpath, c->priv[l].origin, labels[n],
						  l == req ? CUVET_WHY_RPATH : CUVET_WHY_RPATH_PARENT, l};
		n++;
		did_main |= l == c->main;
	}
	/* a dlopen'ed library's chain ends with the executable's RPATH too */
	if (!q.runpath && !did_main && c->main != CUVET_WHY_NONE && eff_rpath(c, c->main)) {
		snprintf(labels[n], sizeof(labels[n]), "rpath of %s", base_of(c->w->objects[c->main].name));
		chain[n] = (struct ldmodel_rpath){eff_rpath(c, c->main), c->priv[c->main].origin, labels[n],
						  c->main == req ? CUVET_WHY_RPATH : CUVET_WHY_RPATH_PARENT, c->main};
		n++;
	}
	q.rpaths = chain;
	q.nrpaths = n;
	int rc = ldmodel_search(c->model, &q, r, NULL);
	free(chain);
	free(labels);
	if (rc < 0) {
		c->oom = true;
		return -1;
	}
	return 0;
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

static void check_preloaded(struct ctx *c, const char *name, size_t req, size_t have);

/* The object for NAME as requested by REQ: already loaded, found, or a not-found entry. */
static size_t resolve(struct ctx *c, const char *name, size_t req, bool dlopen)
{
	struct cuvet_why *w = c->w;
	for (size_t i = 0; i < w->nobjects; i++) {
		if (name_matches(c, i, name)) {
			/* an earlier input of the process loaded it: would REQ have found another copy? */
			if (w->objects[i].input < c->cur_input && w->objects[i].rule != CUVET_WHY_NOT_FOUND)
				check_preloaded(c, name, req, i);
			return i;
		}
	}
	if (w->nobjects >= c->opts->max_objects)
		return CUVET_WHY_NONE;
	struct ldmodel_result *s = malloc(sizeof(*s));
	if (!s || search_name(c, name, req, false, s) < 0) {
		free(s);
		c->oom = true;
		return CUVET_WHY_NONE;
	}
	/* the places searched are reported only for a library not found: only then are they
	 * written down (the model remembers every file and directory, so the second search reads
	 * nothing again) */
	if (s->status == LDMODEL_NOT_FOUND) {
		ldmodel_result_release(s);
		if (search_name(c, name, req, true, s) < 0) {
			free(s);
			c->oom = true;
			return CUVET_WHY_NONE;
		}
	}
	size_t i = CUVET_WHY_NONE;
	if (s->status != LDMODEL_NOT_FOUND) {
		/* the same file under another name (a symlink) is the same object */
		char real[PATH_MAX];
		if (ldmodel_realpath(c->model, s->path, real, sizeof(real)) == 0) {
			for (size_t k = 0; k < w->nobjects; k++) {
				if (w->objects[k].real_path && strcmp(w->objects[k].real_path, real) == 0) {
					add_alias(c, k, name);
					ldmodel_result_release(s);
					free(s);
					return k;
				}
			}
		}
	}
	i = add_object(c, name);
	if (i == CUVET_WHY_NONE)
		goto out;
	struct cuvet_why_object *o = &w->objects[i];
	o->loader = req;
	o->depth = req == CUVET_WHY_NONE ? 0 : w->objects[req].depth + 1;
	o->dlopen = dlopen;
	add_alias(c, i, name);
	if (s->status == LDMODEL_NOT_FOUND) {
		o->rule = CUVET_WHY_NOT_FOUND;
		o->searched = ldmodel_result_take_searched(s, &o->nsearched);
		facts_soon(c, i);
		goto out;
	}
	o->rule = s->rule;
	o->rule_from = s->rule_from;
	o->search_dir = s->dir[0] ? xstrdup(s->dir) : NULL;
	object_found(c, i, s);
	c->priv[i].origin = dir_of(s->path);
	object_version(c, i);
out:
	ldmodel_result_release(s);
	free(s);
	return i;
}

/* NAME, requested by REQ (an object of a later input), matched object HAVE that an earlier input
 * loaded: glibc's _dl_map_object compares the name with every loaded object's name and SONAME
 * before it searches, so REQ's own RPATH/RUNPATH never runs. When that search would find another
 * file, the process holds a copy REQ was not built to get (a wheel's RUNPATH loses to a copy that
 * LD_LIBRARY_PATH gave a library loaded first). */
static void check_preloaded(struct ctx *c, const char *name, size_t req, size_t have)
{
	struct cuvet_why *w = c->w;
	const struct cuvet_why_object *h = &w->objects[have];
	if (!h->real_path || strchr(name, '/'))
		return;
	struct ldmodel_result *s = malloc(sizeof(*s));
	if (!s || search_name(c, name, req, false, s) < 0) {
		free(s);
		c->oom = true;
		return;
	}
	char real[PATH_MAX];
	if (s->status == LDMODEL_NOT_FOUND || ldmodel_realpath(c->model, s->path, real, sizeof(real)) < 0 ||
	    strcmp(real, h->real_path) == 0)
		goto out;
	/* several later objects asking for it (libtorch_cuda, libtorch_python): one problem */
	for (size_t k = 0; k < w->nproblems; k++)
		if (w->problems[k].kind == CUVET_WHY_P_PRELOADED && w->problems[k].object == have &&
		    w->problems[k].other_path && strcmp(w->problems[k].other_path, s->path) == 0)
			goto out;
	char *fam = NULL, *ver = NULL, *src = NULL;
	const char *soname = s->status == LDMODEL_OK ? s->info.soname : NULL;
	version_of(c, soname, s->path, real, &fam, &ver, &src);
	/* another version: an error (cuDNN refuses to run, symbols differ); the same or unknown
	 * versions: the process still runs other files than its packaging intended */
	bool differ = ver && h->version && strcmp(ver, h->version) != 0;
	enum cuvet_severity sev = differ ? CUVET_SEV_ERROR : ver && h->version ? CUVET_SEV_INFO : CUVET_SEV_WARNING;
	const char *reqname = req == CUVET_WHY_NONE ? "a dlopen without RPATH" : w->objects[req].name;
	const char *by = h->loader == CUVET_WHY_NONE ? "the process" : w->objects[h->loader].name;
	char rule[160];
	cuvet_why_rule_text(w, have, rule, sizeof(rule));
	const char *alt_rule = cuvet_why_rule_name(s->rule);
	char alt_rule_text[160];
	if (s->rule == CUVET_WHY_RPATH_PARENT && s->rule_from < w->nobjects)
		snprintf(alt_rule_text, sizeof(alt_rule_text), "rpath of %s", base_of(w->objects[s->rule_from].name));
	else
		snprintf(alt_rule_text, sizeof(alt_rule_text), "%s", alt_rule);
	struct cuvet_why_problem *p = add_problem(
		c, CUVET_WHY_P_PRELOADED, sev, "preloaded-copy", have,
		"%s: %s (input %zu) loaded %s (%s, %s) first; %s (input %zu) would load %s (%s, %s) by itself, but the "
		"loader reuses the copy already loaded for every later %s",
		name, base_of(by), h->input + 1, h->path, h->version ? h->version : "version unknown", rule, base_of(reqname),
		c->cur_input + 1, s->path, ver ? ver : "version unknown", alt_rule_text, h->soname ? h->soname : name);
	if (p) {
		p->requester = req;
		p->other_path = xstrdup(s->path);
		p->other_version = ver ? xstrdup(ver) : NULL;
		if (!p->other_path || (ver && !p->other_version))
			c->oom = true;
	}
	free(fam);
	free(ver);
	free(src);
out:
	ldmodel_result_release(s);
	free(s);
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
	struct cuvet_error e = {0};
	if (!kb)
		kb = owned = cuvet_kb_load(NULL, &e);
	struct cuvet_kb_dlopen_dep rows[CUVET_KB_LIST_MAX];
	/* one query first, so that an unreadable table is one problem */
	if (!kb || cuvet_kb_dlopen_deps(kb, "", rows, 0, &e) < 0) {
		add_problem(c, CUVET_WHY_P_DLOPEN_MISSING, CUVET_SEV_WARNING, "dlopen-undetermined", 0,
			    "the dlopen table cannot be read: %s", e.msg[0] ? e.msg : "out of memory");
		cuvet_kb_free(owned);
		return;
	}
	for (size_t i = 0; i < c->w->nobjects && !c->oom; i++) {
		const char *so = c->w->objects[i].soname;
		if (!so || c->w->objects[i].error)
			continue;
		/* what an object dlopens comes in with the input that loaded that object */
		c->cur_input = c->w->objects[i].input;
		int nrows = cuvet_kb_dlopen_deps(kb, so, rows, CUVET_ARRAY_LEN(rows), NULL);
		for (size_t r = 0; r < (size_t)(nrows > 0 ? nrows : 0) && r < CUVET_ARRAY_LEN(rows) && !c->oom; r++) {
			char name[256];
			if (!dlopen_name(&c->w->objects[i], rows[r].loads, name, sizeof(name))) {
				add_problem(c, CUVET_WHY_P_DLOPEN_MISSING, CUVET_SEV_INFO, "dlopen-undetermined", i,
					    "%s loads %s at run time; its own version is not known here, so that file is not checked",
					    so, rows[r].loads);
				continue;
			}
			size_t n0 = c->w->nobjects;
			size_t to = resolve(c, name, i, true);
			if (to == CUVET_WHY_NONE)
				break;
			char *src = xasprintf("%s (%s)", rows[r].source ? rows[r].source : "", rows[r].evidence);
			if (!src)
				c->oom = true;
			add_edge(c, i, name, to, true, src);
			free(src);
			map_deps(c, n0);
		}
	}
	cuvet_kb_free(owned);
}

/* ------------------------------------------------------------- symbols ---- */

/* FNV-1a over NAME, a separator and VERSION. */
static uint32_t def_hash(const char *name, const char *version)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (const unsigned char *p = (const unsigned char *)version; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static int table_init(struct def_table *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	if (cap >= UINT32_MAX / 4)
		return -1;
	size_t ns = 16;
	while (ns < 2 * cap)
		ns *= 2;
	t->defs = calloc(cap ? cap : 1, sizeof(*t->defs));
	t->slots = calloc(ns, sizeof(*t->slots));
	if (!t->defs || !t->slots) {
		free(t->defs);
		free(t->slots);
		memset(t, 0, sizeof(*t));
		return -1;
	}
	t->cap = cap;
	t->nslots = ns;
	return 0;
}

static void table_release(struct def_table *t)
{
	free(t->defs);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* NAME@VERSION's entry, or NULL; *SLOT gets the slot it has or would take. */
static struct sym_def *table_find(const struct def_table *t, const char *name, const char *version, uint32_t h,
				  size_t *slot)
{
	if (!t->nslots)
		return NULL;
	size_t mask = t->nslots - 1;
	for (size_t k = h & mask;; k = (k + 1) & mask) {
		uint32_t e = t->slots[k];
		if (slot)
			*slot = k;
		if (!e)
			return NULL;
		struct sym_def *d = &t->defs[e - 1];
		if (d->hash == h && strcmp(d->name, name) == 0 && strcmp(d->version, version) == 0)
			return d;
	}
}

/* NAME@VERSION's entry, added when new (the table has room for CAP entries). */
static struct sym_def *table_add(struct def_table *t, const char *name, const char *version, uint32_t h)
{
	size_t slot = 0;
	struct sym_def *d = table_find(t, name, version, h, &slot);
	if (d || t->ndefs >= t->cap)
		return d;
	d = &t->defs[t->ndefs];
	*d = (struct sym_def){name, version, h, {CUVET_WHY_NONE, CUVET_WHY_NONE}};
	t->slots[slot] = (uint32_t)++t->ndefs;
	return d;
}

/* Every object's versioned dynamic symbols (libstdc++.so.6 defines 6000): a hash table instead
 * of a sorted array, since most objects are only asked a few names. */
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
	/* only versioned symbols take part in the checks below */
	int r = cuvet_elf_read_versioned_symbols(data, len, &p->syms, NULL);
	cuvet_fs_unmap(c->fs, data, len);
	if (r < 0)
		return NULL;
	size_t n = 0;
	for (size_t k = 0; k < p->syms.nsyms; k++)
		n += p->syms.syms[k].defined && p->syms.syms[k].version;
	if (n && table_init(&p->defs, n) < 0)
		c->oom = true;
	for (size_t k = 0; p->defs.cap && k < p->syms.nsyms; k++) {
		const struct cuvet_elf_symbol *sym = &p->syms.syms[k];
		if (sym->defined && sym->version)
			table_add(&p->defs, sym->name, sym->version, def_hash(sym->name, sym->version));
	}
	p->syms_state = 1;
	return p;
}

static bool defines(struct ctx *c, size_t i, const char *name, const char *version, uint32_t h)
{
	struct obj_priv *p = load_syms(c, i);
	return p && table_find(&p->defs, name, version, h, NULL);
}

/* Does an object of the global scope (the first N, not dlopen'ed, loadable) other than TO
 * define NAME@VERSION? One table over all of them, built the first time it is asked, keeps the
 * first two objects defining each symbol. */
static bool defined_elsewhere(struct ctx *c, size_t n, size_t to, const char *name, const char *version, uint32_t h)
{
	if (!c->all_defs_state) {
		size_t total = 0;
		c->all_defs_state = -1;
		for (size_t o = 0; o < n; o++) {
			const struct cuvet_why_object *ob = &c->w->objects[o];
			struct obj_priv *p = !ob->dlopen && ob->path && !ob->error ? load_syms(c, o) : NULL;
			total += p ? p->defs.ndefs : 0;
		}
		if (table_init(&c->all_defs, total) < 0) {
			c->oom = true;
			return false;
		}
		for (size_t o = 0; o < n; o++) {
			const struct cuvet_why_object *ob = &c->w->objects[o];
			if (ob->dlopen || !ob->path || ob->error || c->priv[o].syms_state <= 0)
				continue;
			const struct def_table *t = &c->priv[o].defs;
			for (size_t k = 0; k < t->ndefs; k++) {
				const struct sym_def *d = &t->defs[k];
				struct sym_def *a = table_add(&c->all_defs, d->name, d->version, d->hash);
				if (a && a->by[0] == CUVET_WHY_NONE)
					a->by[0] = o;
				else if (a && a->by[1] == CUVET_WHY_NONE && a->by[0] != o)
					a->by[1] = o;
			}
		}
		c->all_defs_state = 1;
	}
	if (c->all_defs_state < 0)
		return false;
	const struct sym_def *a = table_find(&c->all_defs, name, version, h, NULL);
	return a && ((a->by[0] != CUVET_WHY_NONE && a->by[0] != to) || (a->by[1] != CUVET_WHY_NONE && a->by[1] != to));
}

static bool has_verdef(struct ctx *c, size_t i, const char *version)
{
	struct obj_priv *p = load_syms(c, i);
	for (size_t k = 0; p && k < p->syms.nverdef; k++)
		if (strcmp(p->syms.verdef[k], version) == 0)
			return true;
	return false;
}

/* The dependency of R whose need lists VERSION: the first such need (in .gnu.version_r order)
 * whose file is one of R's DT_NEEDED edges (the last edge of that name), when that object
 * resolved to a loadable file; else CUVET_WHY_NONE. */
static size_t version_source(struct ctx *c, size_t r, const char *version)
{
	const struct cuvet_why_object *ro = &c->w->objects[r];
	const struct cuvet_elf_symbols *syms = &c->priv[r].syms;
	size_t to = CUVET_WHY_NONE;
	for (size_t v = 0; v < syms->nverneed && to == CUVET_WHY_NONE; v++) {
		const struct cuvet_elf_verneed *vn = &syms->verneed[v];
		bool named = false;
		for (size_t q = 0; q < vn->nversions && !named; q++)
			named = strcmp(vn->versions[q], version) == 0;
		for (size_t e = 0; named && e < ro->nneeded; e++)
			if (!ro->needed[e].dlopen && strcmp(ro->needed[e].name, vn->file) == 0)
				to = ro->needed[e].object;
	}
	if (to == CUVET_WHY_NONE || !c->w->objects[to].path || c->w->objects[to].error)
		return CUVET_WHY_NONE;
	return to;
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
		/* versioned undefined symbols: the object each version comes from (the first need
		 * naming it whose file resolved) and whether that object defines the version are the
		 * same for every symbol of that version, which the symbols mostly come grouped by */
		size_t missing = 0;
		const char *first = NULL, *first_ver = NULL;
		size_t first_to = CUVET_WHY_NONE;
		const char *last_ver = NULL;
		size_t to = CUVET_WHY_NONE;
		bool to_has = false;
		for (size_t k = 0; k < rp->syms.nsyms && !c->oom; k++) {
			const struct cuvet_elf_symbol *sym = &rp->syms.syms[k];
			if (sym->defined || sym->weak || !sym->version)
				continue;
			if (!last_ver || strcmp(last_ver, sym->version) != 0) {
				last_ver = sym->version;
				to = version_source(c, r, sym->version);
				/* the version node itself missing is reported above */
				struct obj_priv *tp = to == CUVET_WHY_NONE ? NULL : load_syms(c, to);
				to_has = tp && tp->syms.nverdef && has_verdef(c, to, sym->version);
			}
			if (!to_has)
				continue;
			uint32_t h = def_hash(sym->name, sym->version);
			if (defines(c, to, sym->name, sym->version, h) || defined_elsewhere(c, n, to, sym->name, sym->version, h))
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

/* The library copies the caller's probe found (cuvet_why_opts.facts), to explain problems. */
static const struct cuvet_facts *get_facts(struct ctx *c)
{
	return c->opts->explain ? c->facts : NULL;
}

/* The facts only explain NVIDIA libraries (a family) and missing ones: ask FACTS_FN for them
 * only when the tree has one, so that a caller probes only then. */
static void fetch_facts(struct ctx *c)
{
	c->facts = c->opts->facts;
	if (!c->opts->explain || c->facts || !c->opts->facts_fn)
		return;
	for (size_t i = 0; i < c->w->nobjects; i++) {
		if (c->w->objects[i].family || c->w->objects[i].rule == CUVET_WHY_NOT_FOUND) {
			c->facts = c->opts->facts_fn(c->opts->facts_arg);
			return;
		}
	}
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
	fetch_facts(c);
	for (size_t i = 0; i < n && !c->oom; i++) {
		const struct cuvet_why_object *o = &c->w->objects[i];
		if (o->rule == CUVET_WHY_NOT_FOUND)
			explain_missing(c, i);
		else if (o->error)
			add_problem(c, CUVET_WHY_P_BAD_FILE, CUVET_SEV_ERROR, "bad-file", i, "%s: cannot load %s: %s", o->name,
				    o->path, o->error);
	}
	if (c->opts->symbol_versions)
		check_versions(c);
	if (!c->oom)
		explain_copies(c);
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
		table_release(&p->defs);
	}
	free(c->priv);
	table_release(&c->all_defs);
	ldmodel_free(c->model);
	cuvet_ldconf_release(&c->conf);
	if (!c->fs_borrowed)
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
	for (size_t i = 0; i < w->nproblems; i++) {
		free(w->problems[i].message);
		free(w->problems[i].other_path);
		free(w->problems[i].other_version);
	}
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
	for (size_t i = 0; i < w->ntargets; i++)
		free(w->targets[i]);
	free(w->targets);
	free(w->target_objects);
	free(w->python);
	free(w->python_dist);
	free(w);
}

/* What the model decided, for the report. */
static int copy_layout(struct ctx *c)
{
	struct cuvet_why *w = c->w;
	size_t n, ndd;
	const char *const *d = ldmodel_default_dirs(c->model, &ndd);
	n = ndd;
	w->default_dirs = calloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; w->default_dirs && i < n; i++)
		if ((w->default_dirs[w->ndefault_dirs] = xstrdup(d[i])))
			w->ndefault_dirs++;
	d = ldmodel_hwcaps(c->model, &n);
	w->hwcaps = calloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; w->hwcaps && i < n; i++)
		if ((w->hwcaps[w->nhwcaps] = xstrdup(d[i])))
			w->nhwcaps++;
	w->lib = xstrdup(ldmodel_lib(c->model));
	w->platform = xstrdup(ldmodel_platform(c->model));
	if (!w->default_dirs || !w->hwcaps || !w->lib || !w->platform || w->nhwcaps != n || w->ndefault_dirs != ndd)
		return err_set(c->err, CUVET_E_NOMEM, "out of memory");
	return 0;
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
	/* an absolute name: the model opens it directly, checking its class and machine */
	struct ldmodel_query q = {.name = interp, .want_info = true};
	struct ldmodel_result *r = malloc(sizeof(*r));
	if (!r || ldmodel_search(c->model, &q, r, NULL) < 0) {
		free(r);
		c->oom = true;
		return -1;
	}
	if (r->status == LDMODEL_NOT_FOUND) {
		size_t cap = 0;
		io->rule = CUVET_WHY_NOT_FOUND;
		add_searched(c, &io->searched, &io->nsearched, &cap, "interpreter: %s", interp);
		facts_soon(c, k);
	} else {
		object_found(c, k, r);
		c->priv[k].origin = dir_of(interp);
		/* ld.so has no DT_NEEDED; keep its facts out of the breadth-first walk */
		c->priv[k].have_info = false;
		cuvet_elf_info_release(&c->priv[k].info);
	}
	ldmodel_result_release(r);
	free(r);
	add_alias(c, k, base_of(interp));
	return c->oom ? -1 : 0;
}

/* Reads the input file: it must be an ELF executable or shared object. */
static int read_input(struct ctx *c, const char *target, char *path, size_t pathlen, struct cuvet_elf_info *info,
		      char *interp, size_t interplen)
{
	/* a relative path is the root's: the caller makes a path relative to its own working
	 * directory absolute first */
	if (!pathf(path, pathlen, "%s%s", target[0] == '/' ? "" : "/", target))
		return err_set(c->err, CUVET_E_RANGE, "%s: path too long", target);
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

/* A later input of a process: dlopen(PATH) or dlopen(SONAME) by the program, with everything the
 * earlier inputs loaded already present. */
static int load_later(struct ctx *c, size_t k, const char *target)
{
	struct cuvet_why *w = c->w;
	size_t n0 = w->nobjects;
	if (!strchr(target, '/')) {
		size_t i = resolve(c, target, CUVET_WHY_NONE, false);
		if (i == CUVET_WHY_NONE)
			return c->oom ? -1 : 0;
		w->target_objects[k] = i;
		if (i >= n0)
			map_deps(c, n0);
		return c->oom ? -1 : 0;
	}
	char path[PATH_MAX], interp[PATH_MAX] = "", real[PATH_MAX];
	struct cuvet_elf_info info = {0};
	if (read_input(c, target, path, sizeof(path), &info, interp, sizeof(interp)) < 0)
		return -1;
	if (info.elf_class != c->elf_class || info.machine != c->machine || info.byte_order != c->byte_order) {
		cuvet_elf_info_release(&info);
		return err_set(c->err, CUVET_E_INVALID, "%s: another ELF class or machine than %s: one process cannot load both",
			       target, w->targets[0]);
	}
	if (interp[0] || info.type == ET_EXEC_) {
		cuvet_elf_info_release(&info);
		return err_set(c->err, CUVET_E_INVALID, "%s: a program can only be the first input of a process", target);
	}
	const char *rp = cuvet_fs_realpath(c->fs, path, real, sizeof(real), NULL) == 0 ? real : path;
	/* dlopen of a file already mapped (by path or as another's dependency) returns that map */
	for (size_t i = 0; i < w->nobjects; i++) {
		if (w->objects[i].real_path && strcmp(w->objects[i].real_path, rp) == 0) {
			w->target_objects[k] = i;
			cuvet_elf_info_release(&info);
			return 0;
		}
	}
	size_t i = add_object(c, target);
	if (i == CUVET_WHY_NONE) {
		cuvet_elf_info_release(&info);
		c->oom = true;
		return -1;
	}
	struct cuvet_why_object *obj = &w->objects[i];
	obj->rule = CUVET_WHY_INPUT;
	obj->path = xstrdup(path);
	obj->real_path = xstrdup(rp);
	obj->soname = xstrdup(info.soname);
	c->priv[i].info = info;
	c->priv[i].have_info = true;
	/* a dlopen'ed file's $ORIGIN is the directory of the name given to dlopen */
	c->priv[i].origin = dir_of(path);
	if (!obj->path || !obj->real_path || !c->priv[i].origin || (info.soname && !obj->soname)) {
		c->oom = true;
		return -1;
	}
	w->target_objects[k] = i;
	object_version(c, i);
	map_deps(c, i);
	return c->oom ? -1 : 0;
}

static struct cuvet_why *resolve_inputs(const struct cuvet_why_opts *opts, const char *const *targets, size_t ntargets,
				       struct cuvet_error *err)
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
	if (!targets || !ntargets) {
		err_set(err, CUVET_E_INVALID, "no file or SONAME given");
		return NULL;
	}
	for (size_t k = 0; k < ntargets; k++) {
		if (!targets[k] || !*targets[k]) {
			err_set(err, CUVET_E_INVALID, "no file or SONAME given");
			return NULL;
		}
	}
	const char *target = targets[0];
	c.w = calloc(1, sizeof(*c.w));
	if (!c.w)
		goto oom;
	c.w->targets = calloc(ntargets, sizeof(char *));
	c.w->target_objects = calloc(ntargets, sizeof(size_t));
	if (!c.w->targets || !c.w->target_objects)
		goto oom;
	struct sbuf tb;
	sbuf_init(&tb);
	for (size_t k = 0; k < ntargets; k++) {
		c.w->target_objects[k] = CUVET_WHY_NONE;
		if (!(c.w->targets[k] = xstrdup(targets[k]))) {
			sbuf_release(&tb);
			goto oom;
		}
		c.w->ntargets++;
		sbuf_addf(&tb, "%s%s", k ? " " : "", targets[k]);
	}
	if (!(c.w->target = sbuf_steal(&tb)))
		goto oom;
	c.fs_borrowed = o.fs != NULL;
	c.fs = o.fs ? o.fs : cuvet_fs_open(o.root, err);
	if (!c.fs)
		goto fail;
	const char *llp = o.ld_library_path ? o.ld_library_path : env_get(o.env ? o.env : environ, "LD_LIBRARY_PATH");
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
		c.machine = LDMODEL_EM_AARCH64;
#else
		c.machine = LDMODEL_EM_X86_64;
#endif
		c.elf_class = 2;
		c.byte_order = 1;
		snprintf(interp, sizeof(interp), "%s", ldmodel_native_interp(c.machine, c.elf_class));
	}
	struct ldmodel_opts mo;
	ldmodel_opts_init(&mo, c.machine);
	mo.elf_class = c.elf_class;
	mo.byte_order = c.byte_order;
	mo.interp = interp;
	mo.hwcaps = o.hwcaps;
	if (!(c.model = ldmodel_new(c.fs, llp, &mo, err)) || copy_layout(&c) < 0)
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
			snprintf(interp, sizeof(interp), "%s", ldmodel_native_interp(c.machine, c.elf_class));
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
	if (c.w->nobjects)
		c.w->target_objects[0] = 0;
	for (size_t k = 1; k < ntargets && !c.oom; k++) {
		c.cur_input = k;
		if (load_later(&c, k, targets[k]) < 0) {
			if (c.oom)
				goto oom;
			goto fail;
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


struct cuvet_why *cuvet_why_resolve(const struct cuvet_why_opts *opts, const char *target, struct cuvet_error *err)
{
	const char *t[1] = {target};
	return resolve_inputs(opts, t, 1, err);
}

struct cuvet_why *cuvet_why_resolve_process(const struct cuvet_why_opts *opts, const char *const *targets, size_t n,
					    struct cuvet_error *err)
{
	return resolve_inputs(opts, targets, n, err);
}

/* ------------------------------------------------------------- python ---- */

/* What `import PKG` loads, in order, for the frameworks cuvet knows: files relative to
 * site-packages, DIR/PREFIX*SUFFIX (the first match in name order). A row is read from the
 * framework's own import code, not guessed:
 * - torch: torch/__init__.py (PyTorch 2.x) calls _load_global_deps() before
 *   `from torch._C import *`; on Linux it loads torch/lib/libtorch_global_deps.so with
 *   ctypes.CDLL(..., mode=RTLD_GLOBAL), so that library's closure (its RUNPATH or whatever
 *   LD_LIBRARY_PATH gives first) is in the process before torch/_C*.so asks for anything. Only
 *   when that load fails on a CUDA library does it preload nvidia/<lib>/lib copies found on
 *   sys.path (_preload_cuda_deps) and retry; cuvet reports that library as not found instead. */
struct py_load {
	const char *dir, *prefix, *suffix;
	bool optional;              /* absent on some builds (CPU-only, other platforms): skipped */
};
struct py_framework {
	const char *pkg;            /* the import name and its directory in site-packages */
	const char *dist;           /* the distribution's dist-info name ("torch-2.11.0.dist-info") */
	struct py_load loads[4];
};
static const struct py_framework py_frameworks[] = {
	{"torch", "torch", {{"torch/lib", "libtorch_global_deps.so", "", true}, {"torch", "_C", ".so", false}}},
};

static const char *env_of(const struct cuvet_why_opts *o, const char *key)
{
	return env_get(o->env ? o->env : environ, key);
}

/* PREFIX/lib/python3*\/{site,dist}-packages/PKG, into SITE (the site directory). */
static bool site_in_prefix(struct cuvet_fs *fs, const char *prefix, size_t plen, const char *pkg, char *site, size_t len)
{
	char lib[PATH_MAX];
	struct cuvet_fs_dir d;
	if (!pathf(lib, sizeof(lib), "%.*s/lib", (int)plen, prefix) || cuvet_fs_list(fs, lib, &d, NULL) < 0)
		return false;
	bool found = false;
	for (size_t k = 0; k < d.count && !found; k++) {
		if (!str_starts(d.names[k], "python3"))
			continue;
		static const char *const kinds[] = {"site-packages", "dist-packages"};
		for (size_t j = 0; j < 2 && !found; j++) {
			char p[PATH_MAX];
			found = pathf(site, len, "%s/%s/%s", lib, d.names[k], kinds[j]) && pathf(p, sizeof(p), "%s/%s", site, pkg) &&
				cuvet_fs_type(fs, p, true) == CUVET_FS_DIR;
		}
	}
	cuvet_fs_dir_release(&d);
	return found;
}

/* SITE/PKG for the first Python prefix that has it: VIRTUAL_ENV, CONDA_PREFIX, then the prefix of
 * each PATH directory named .../bin (the python3 a shell would run: a venv used without being
 * activated, as in most images), /usr/local, /usr, /opt/conda. */
static bool find_site(struct cuvet_fs *fs, const struct cuvet_why_opts *o, const char *pkg, char *site, size_t len)
{
	const char *env_prefixes[] = {env_of(o, "VIRTUAL_ENV"), env_of(o, "CONDA_PREFIX")};
	for (size_t i = 0; i < CUVET_ARRAY_LEN(env_prefixes); i++)
		if (env_prefixes[i] && env_prefixes[i][0] == '/' &&
		    site_in_prefix(fs, env_prefixes[i], strcmp(env_prefixes[i], "/") == 0 ? 0 : strlen(env_prefixes[i]), pkg,
				   site, len))
			return true;
	for (const char *p = env_of(o, "PATH"); p && *p;) {
		size_t n = strcspn(p, ":");
		if (n > 4 && p[0] == '/' && strncmp(p + n - 4, "/bin", 4) == 0 && site_in_prefix(fs, p, n - 4, pkg, site, len))
			return true;
		p += n;
		if (*p)
			p++;
	}
	static const char *const fixed[] = {"/usr/local", "/usr", "/opt/conda"};
	for (size_t i = 0; i < CUVET_ARRAY_LEN(fixed); i++)
		if (site_in_prefix(fs, fixed[i], strlen(fixed[i]), pkg, site, len))
			return true;
	return false;
}

/* SITE/REL where REL is DIR/PREFIX*SUFFIX, the first in name order; false when none. */
static bool find_load(struct cuvet_fs *fs, const char *site, const struct py_load *l, char *out, size_t len)
{
	char dir[PATH_MAX];
	struct cuvet_fs_dir d;
	if (!pathf(dir, sizeof(dir), "%s/%s", site, l->dir) || cuvet_fs_list(fs, dir, &d, NULL) < 0)
		return false;
	bool found = false;
	for (size_t k = 0; k < d.count && !found; k++) {
		const char *n = d.names[k];
		if (!str_starts(n, l->prefix) || !str_ends(n, l->suffix) || strlen(n) < strlen(l->prefix) + strlen(l->suffix))
			continue;
		found = pathf(out, len, "%s/%s", dir, n) && cuvet_fs_type(fs, out, true) == CUVET_FS_FILE;
	}
	cuvet_fs_dir_release(&d);
	return found;
}

/* SITE's DIST-VERSION.dist-info, into OUT; false when there is none. */
static bool find_dist_info(struct cuvet_fs *fs, const char *site, const char *dist, char *out, size_t len)
{
	struct cuvet_fs_dir d;
	if (cuvet_fs_list(fs, site, &d, NULL) < 0)
		return false;
	bool found = false;
	size_t dl = strlen(dist);
	for (size_t k = 0; k < d.count && !found; k++) {
		const char *n = d.names[k];
		if (strncmp(n, dist, dl) == 0 && n[dl] == '-' && str_ends(n, ".dist-info"))
			found = pathf(out, len, "%s/%s", site, n);
	}
	cuvet_fs_dir_release(&d);
	return found;
}

/* A distribution name as PEP 503 normalises it, with '_' (dist-info directories' spelling). */
static void dist_normalise(char *s)
{
	for (; *s; s++) {
		if (*s == '-' || *s == '.')
			*s = '_';
		else if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* Does the pinned distribution NAME (normalised) ship family FAM's libraries? NVIDIA's wheels are
 * WHEEL or WHEEL_cuNN ("nvidia_cudnn_cu13"). */
static bool pin_ships(const struct libfamily *fam, const char *name)
{
	if (!fam->wheel)
		return false;
	size_t wl = strcspn(fam->wheel, "-");
	if (strncmp(name, fam->wheel, wl) != 0)
		return false;
	const char *rest = name + wl;
	return !*rest || (str_starts(rest, "_cu") && rest[3] >= '0' && rest[3] <= '9');
}

/* Versions equal on the components both have ("9.19.0" is "9.19.0.56"); -1 when either does not parse. */
static int pin_equal(const char *have, const char *pin)
{
	struct cuvet_version a, b;
	if (cuvet_version_parse_prefix(have, &a, NULL, NULL) < 0 || cuvet_version_parse_prefix(pin, &b, NULL, NULL) < 0)
		return -1;
	unsigned n = a.nparts < b.nparts ? a.nparts : b.nparts;
	for (unsigned i = 0; i < n; i++)
		if (a.part[i] != b.part[i])
			return 0;
	return 1;
}

/* One Requires-Dist pin against the library copies the process loads: one problem per pin. */
static void check_pin(struct ctx *c, const char *pkg, const char *dist_info, const char *name, const char *written,
		      const char *ver)
{
	struct cuvet_why *w = c->w;
	for (size_t i = 0; i < w->nobjects && !c->oom; i++) {
		const struct cuvet_why_object *o = &w->objects[i];
		if (!o->path || !o->version || !o->family || o->error)
			continue;
		const char *sover;
		const struct libfamily *fam = libfamily_match(o->soname ? o->soname : base_of(o->path), &sover);
		if (!fam || !pin_ships(fam, name) || pin_equal(o->version, ver) != 0)
			continue;
		char rule[160];
		cuvet_why_rule_text(w, i, rule, sizeof(rule));
		struct cuvet_why_problem *p = add_problem(
			c, CUVET_WHY_P_PIN, CUVET_SEV_ERROR, "pinned-version", i,
			"import %s loads %s %s (%s, %s), but %s/METADATA pins it (Requires-Dist: %s==%s): the "
			"framework was built against that version",
			pkg, fam->display, o->version, o->path, rule, base_of(dist_info), written, ver);
		if (p) {
			p->other_path = xstrdup(dist_info);
			p->other_version = xstrdup(ver);
			if (!p->other_path || !p->other_version)
				c->oom = true;
		}
		return;
	}
}

/* The exact pins (NAME==VERSION) among METADATA's Requires-Dist headers; optional extras left out. */
static void check_pins(struct ctx *c, struct cuvet_fs *fs, const char *pkg, const char *dist_info)
{
	char p[PATH_MAX];
	char *data = NULL;
	size_t len = 0;
	if (!pathf(p, sizeof(p), "%s/METADATA", dist_info) || cuvet_fs_read(fs, p, 4u << 20, &data, &len, NULL) < 0)
		return;
	for (char *line = data, *next; line && *line && !c->oom; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (!ll)
			break; /* the headers end at the first empty line; the description follows */
		if (!str_starts(line, "Requires-Dist:"))
			continue;
		char *s = line + 14;
		s += strspn(s, " \t");
		char *marker = strchr(s, ';');
		if (marker && strstr(marker, "extra"))
			continue;
		if (marker)
			*marker = '\0';
		size_t nl = strcspn(s, " \t=<>!~([;");
		char name[128], written[128], ver[64];
		if (!nl || nl >= sizeof(name))
			continue;
		memcpy(name, s, nl);
		name[nl] = '\0';
		char *op = s + nl;
		op += strspn(op, " \t(");
		if (strncmp(op, "==", 2) != 0 || op[2] == '=')
			continue;
		op += 2;
		op += strspn(op, " \t");
		size_t vl = strcspn(op, " \t,);");
		if (!vl || vl >= sizeof(ver) || memchr(op, '*', vl))
			continue;
		memcpy(ver, op, vl);
		ver[vl] = '\0';
		memcpy(written, name, nl + 1);
		dist_normalise(name);
		check_pin(c, pkg, dist_info, name, written, ver);
	}
	free(data);
}

struct cuvet_why *cuvet_why_resolve_python(const struct cuvet_why_opts *opts, const char *pkg, struct cuvet_error *err)
{
	struct cuvet_why_opts dflt;
	if (!opts) {
		cuvet_why_opts_init(&dflt);
		opts = &dflt;
	}
	const struct py_framework *fw = NULL;
	for (size_t i = 0; pkg && i < CUVET_ARRAY_LEN(py_frameworks); i++)
		if (strcmp(py_frameworks[i].pkg, pkg) == 0)
			fw = &py_frameworks[i];
	if (!fw) {
		err_set(err, CUVET_E_INVALID, "--python %s: cuvet knows the import order of: torch", pkg ? pkg : "");
		return NULL;
	}
	struct cuvet_fs *fs = opts->fs ? opts->fs : cuvet_fs_open(opts->root, err);
	if (!fs)
		return NULL;
	struct cuvet_why *w = NULL;
	char site[PATH_MAX], dist[PATH_MAX];
	char files[CUVET_ARRAY_LEN(fw->loads)][PATH_MAX];
	const char *targets[CUVET_ARRAY_LEN(fw->loads)];
	size_t n = 0;
	if (!find_site(fs, opts, fw->pkg, site, sizeof(site))) {
		err_set(err, CUVET_E_NOTFOUND, "%s is not installed in any site-packages here (VIRTUAL_ENV, CONDA_PREFIX, "
			"PATH's .../bin prefixes, /usr/local, /usr, /opt/conda)", fw->pkg);
		goto out;
	}
	for (size_t i = 0; i < CUVET_ARRAY_LEN(fw->loads) && fw->loads[i].dir; i++) {
		const struct py_load *l = &fw->loads[i];
		if (find_load(fs, site, l, files[n], sizeof(files[n]))) {
			targets[n] = files[n];
			n++;
		} else if (!l->optional) {
			err_set(err, CUVET_E_NOTFOUND, "%s/%s: no %s*%s in it (an incomplete install?)", site, l->dir,
				l->prefix, l->suffix);
			goto out;
		}
	}
	w = resolve_inputs(opts, targets, n, err);
	if (!w)
		goto out;
	bool have_dist = find_dist_info(fs, site, fw->dist, dist, sizeof(dist));
	w->python = xstrdup(fw->pkg);
	w->python_dist = have_dist ? xstrdup(dist) : NULL;
	if (!w->python || (have_dist && !w->python_dist))
		goto oom;
	if (have_dist) {
		/* the problems are appended to the finished result: the same context, borrowing FS */
		struct ctx c = {.opts = opts, .err = err, .w = w, .fs = fs, .main = CUVET_WHY_NONE};
		c.problems_cap = w->nproblems;
		check_pins(&c, fs, fw->pkg, dist);
		if (c.oom)
			goto oom;
	}
	goto out;
oom:
	err_set(err, CUVET_E_NOMEM, "out of memory");
	cuvet_why_free(w);
	w = NULL;
out:
	if (fs != opts->fs)
		cuvet_fs_free(fs);
	return w;
}
