/* The context (knowledge base loaded once, the date) and the host view: what every evaluation
 * needs from facts, derived once — the driver in effect and its CUDA, forward compatibility, the
 * GPUs the workload sees, the copy of each library a process loads and how the driver runs each
 * copy. check, doctor and everything built on them read these fields and derive nothing again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "facts.h"
#include "internal.h"

struct cuvet_ctx {
	struct cuvet_kb *kb;
	char today[16];
};

void cuvet_ctx_opts_init(struct cuvet_ctx_opts *o)
{
	memset(o, 0, sizeof(*o));
}

static bool date_valid(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

struct cuvet_ctx *cuvet_ctx_new(const struct cuvet_ctx_opts *opts, struct cuvet_error *err)
{
	struct cuvet_ctx_opts defaults;
	if (!opts) {
		cuvet_ctx_opts_init(&defaults);
		opts = &defaults;
	}
	if (opts->today && !date_valid(opts->today)) {
		err_set(err, CUVET_E_INVALID, "date '%s': expected YYYY-MM-DD", opts->today);
		return NULL;
	}
	struct cuvet_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!(ctx->kb = cuvet_kb_load(opts->kb_dir, err))) {
		free(ctx);
		return NULL;
	}
	if (opts->today) {
		snprintf(ctx->today, sizeof(ctx->today), "%s", opts->today);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		if (!gmtime_r(&now, &tm) || strftime(ctx->today, sizeof(ctx->today), "%Y-%m-%d", &tm) == 0)
			ctx->today[0] = '\0';
	}
	return ctx;
}

void cuvet_ctx_free(struct cuvet_ctx *ctx)
{
	if (!ctx)
		return;
	cuvet_kb_free(ctx->kb);
	free(ctx);
}

const struct cuvet_kb *cuvet_ctx_kb(const struct cuvet_ctx *ctx)
{
	return ctx->kb;
}

const char *cuvet_ctx_today(const struct cuvet_ctx *ctx)
{
	return ctx->today[0] ? ctx->today : NULL;
}

/* ------------------------------------------------------------- host view ---- */

static bool gpu_is_consumer(const struct cuvet_gpu *g)
{
	if (g->segment)
		return strcmp(g->segment, "consumer") == 0;
	/* NVML's brands of GeForce and TITAN boards, when the knowledge base does not know the model */
	return g->brand && (str_starts(g->brand, "geforce") || str_starts(g->brand, "titan"));
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool in_dir(const char *path, const char *dir, size_t dlen)
{
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash && (size_t)(slash - path) == dlen && strncmp(path, dir, dlen) == 0;
}

/* The libcuda.so.1 the workload's loader picks when its environment (ENV) has another
 * LD_LIBRARY_PATH than the facts were probed under: the first of its directories holding a copy
 * the facts list, else the copy /etc/ld.so.cache names. *CHANGED says the facts' pick does not
 * hold; the copies are the facts' (a directory the probe did not read is not known). */
static const struct cuvet_lib *workload_libcuda(const struct cuvet_facts *f, char *const *env, bool *changed)
{
	*changed = false;
	if (!env)
		return NULL;
	const char *llp = env_get(env, "LD_LIBRARY_PATH");
	if (llp && !*llp)
		llp = NULL;
	const char *probed = cuvet_facts_env(f, "LD_LIBRARY_PATH");
	if (probed && !*probed)
		probed = NULL;
	if (str_eq(llp, probed))
		return NULL;
	*changed = true;
	for (const char *p = llp; p && *p;) {
		size_t n = strcspn(p, ":;");
		for (size_t i = 0; n && i < f->nlibs; i++) {
			const struct cuvet_lib *l = &f->libs[i];
			if (l->family && strcmp(l->family, "cuda") == 0 && !l->stub && l->soname &&
			    strcmp(l->soname, "libcuda.so.1") == 0 && in_dir(l->path, p, n))
				return l;
		}
		p += n;
		p += *p != '\0';
	}
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (l->cache_pick && l->family && strcmp(l->family, "cuda") == 0 && !l->stub)
			return l;
	}
	return NULL;
}

static void host_driver(struct cuvet_host *h, const struct cuvet_host_opts *o)
{
	const struct cuvet_facts *f = h->facts;
	const struct cuvet_driver *d = &f->driver;
	const struct cuvet_kb *kb = cuvet_ctx_kb(h->ctx);

	h->driver = facts_driver_version(f, &h->driver_source);
	if (h->driver) {
		unsigned long b;
		char major[16];
		size_t n = strcspn(h->driver, ".");
		if (n > 0 && n < sizeof(major)) {
			memcpy(major, h->driver, n);
			major[n] = '\0';
			if (parse_ulong(major, 10, 100000, &b) == 0)
				h->driver_branch = (unsigned)b;
		}
	}

	/* The libcuda.so.1 a process loads: the copy a plain dlopen picks. */
	h->libcuda = facts_libcuda_pick(f);
	h->compat_picked = facts_libcuda_is_compat(f);
	bool facts_compat = h->compat_picked; /* the copy the probe loaded, when it loaded one */
	bool changed;
	const struct cuvet_lib *w = workload_libcuda(f, o ? o->env : NULL, &changed);
	if (changed) {
		h->libcuda = w;
		h->compat_picked = w && (w->compat || facts_path_is_compat(w->real_path));
	}
	const char *compat_version = h->libcuda && h->libcuda->compat ? h->libcuda->version
				     : h->compat_picked			   ? d->libcuda_version
									   : NULL;

	/* NVML says the driver's own CUDA; so does libcuda, unless the copy answering is a compat
	 * one (its answer is the compat package's CUDA). Otherwise the knowledge base infers it from
	 * the driver version. */
	const char *src = d->cuda_driver_source;
	bool inferred = src && (strcmp(src, "kb") == 0 || str_starts(src, "inferred"));
	bool compat_answer = src && strcmp(src, "libcuda") == 0 && facts_compat;
	if (d->cuda_driver_version > 0 && !inferred && !compat_answer) {
		h->cuda = d->cuda_driver_version;
		h->cuda_source = !src ? "facts" : strcmp(src, "nvml") == 0 ? "nvml" : strcmp(src, "libcuda") == 0 ? "libcuda" : "facts";
	} else if (h->driver) {
		struct cuvet_kb_driver_cuda k;
		if (cuvet_kb_driver_cuda(kb, h->driver, &k, NULL) == 0 && k.cuda > 0) {
			h->cuda = k.cuda;
			h->cuda_source = "kb";
			h->cuda_kb_basis = k.basis;
			h->cuda_lower_bound = k.lower_bound;
			h->cuda_unverified = k.unverified;
		}
	}

	h->cuda_effective = h->cuda;
	if (h->compat_picked && compat_version && h->driver && version_cmp_loose(compat_version, h->driver) == 1) {
		h->forward_compat = true;
		h->compat_version = compat_version;
		struct cuvet_kb_driver_cuda k;
		if (cuvet_kb_driver_cuda(kb, compat_version, &k, NULL) == 0 && k.cuda > h->cuda_effective)
			h->cuda_effective = k.cuda;
	} else if (h->compat_picked) {
		h->compat_version = compat_version;
	}
	/* A compat libcuda older than the kernel module refuses to run (803). */
	h->compat_stale = h->compat_picked && h->compat_version && h->driver && version_cmp_loose(h->compat_version, h->driver) == -1;
}

/* After the GPUs are known: a compat libcuda (other than the driver's own version) on a consumer
 * GPU is refused (804). */
static void host_compat_gpu(struct cuvet_host *h)
{
	h->compat_unsupported = h->compat_picked && h->consumer &&
				!(h->compat_version && h->driver && version_cmp_loose(h->compat_version, h->driver) == 0);
}

static int host_gpus(struct cuvet_host *h, const struct cuvet_host_opts *o, struct cuvet_error *err)
{
	const struct cuvet_facts *f = h->facts;
	const char *nvd = NULL;
	if (!(o && o->visible_devices)) {
		char *const *env = o ? o->env : NULL;
		nvd = env ? env_get(env, "NVIDIA_VISIBLE_DEVICES") : cuvet_facts_env(f, "NVIDIA_VISIBLE_DEVICES");
		h->cuda_visible_devices = env ? env_get(env, "CUDA_VISIBLE_DEVICES") : cuvet_facts_env(f, "CUDA_VISIBLE_DEVICES");
	}
	if (!f->ngpus) {
		/* a list typed by a user names GPUs these facts do not have */
		bool none = true;
		return o && o->visible_devices ? facts_gpu_visibility(NULL, 0, o->visible_devices, NULL, false, true, &none, err)
					       : 0;
	}
	bool *sel = calloc(f->ngpus, sizeof(*sel));
	h->visible = calloc(f->ngpus, sizeof(*h->visible));
	if (!sel || !h->visible) {
		free(sel);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	int rc = 0;
	if (o && o->visible_devices) {
		rc = facts_gpu_visibility(f->gpus, f->ngpus, o->visible_devices, NULL, false, true, sel, err);
	} else if (o && o->env) {
		rc = facts_gpu_visibility(f->gpus, f->ngpus, nvd, h->cuda_visible_devices, f->container != NULL, false,
					  sel, err);
	} else {
		/* the facts' own answer: the probe asked the same function under the probed environment */
		for (size_t i = 0; i < f->ngpus; i++)
			sel[i] = f->gpus[i].visible;
	}
	if (rc < 0) {
		free(sel);
		return -1;
	}
	h->all_datacenter = true;
	for (size_t i = 0; i < f->ngpus; i++) {
		const struct cuvet_gpu *g = &f->gpus[i];
		if (!sel[i])
			continue;
		h->visible[h->nvisible++] = g;
		if (!g->segment || strcmp(g->segment, "datacenter") != 0)
			h->all_datacenter = false;
		if (!h->consumer && gpu_is_consumer(g))
			h->consumer = g;
	}
	if (!h->nvisible)
		h->all_datacenter = false;
	/* None left: is it CUDA_VISIBLE_DEVICES that hides them (NVIDIA_VISIBLE_DEVICES alone leaves
	 * some)? That is almost always a mistake (an index from another node, "-1", an empty value). */
	if (!h->nvisible && h->cuda_visible_devices && !(o && o->visible_devices)) {
		rc = facts_gpu_visibility(f->gpus, f->ngpus, nvd, NULL, f->container != NULL, false, sel, err);
		for (size_t i = 0; rc == 0 && i < f->ngpus && !h->gpus_hidden; i++)
			h->gpus_hidden = sel[i];
	}
	free(sel);
	return rc < 0 ? -1 : 0;
}

/* Every CUDA library runs on the driver; the driver's own (libcuda, NVML) are the driver. */
static bool runs_on_driver_family(const char *family)
{
	return family && strcmp(family, "cuda") != 0 && strcmp(family, "nvml") != 0;
}

/* How the driver runs a copy built for CUDA MAJOR (SPEC §5): older or same major natively (a
 * cudart of a newer minor through minor-version compatibility), a newer major only through a
 * cuda-compat package, which only data-center GPUs can use. */
static enum cuvet_lib_run lib_run(const struct cuvet_host *h, const struct cuvet_lib *l)
{
	if (l->cuda_major <= 0 || h->cuda <= 0)
		return CUVET_LIB_RUN_UNKNOWN;
	int dmaj = h->cuda / 1000, dmin = (h->cuda % 1000) / 10;
	if (l->cuda_major < dmaj)
		return CUVET_LIB_RUN_NATIVE;
	if (l->cuda_major == dmaj) {
		struct cuvet_version v;
		if (l->family && strcmp(l->family, "cudart") == 0 && l->version &&
		    cuvet_version_parse_prefix(l->version, &v, NULL, NULL) == 0 && v.nparts > 1 && (int)v.part[0] == dmaj &&
		    (int)v.part[1] > dmin)
			return CUVET_LIB_RUN_MINOR_COMPAT;
		return CUVET_LIB_RUN_NATIVE;
	}
	/* a newer major: only through a compat libcuda in effect that covers it */
	if (h->forward_compat && l->cuda_major <= h->cuda_effective / 1000)
		return CUVET_LIB_RUN_FORWARD_COMPAT;
	if (h->cuda_lower_bound)
		return CUVET_LIB_RUN_UNKNOWN; /* the driver may support more than the bound says */
	return CUVET_LIB_RUN_NO;
}

static int host_libs(struct cuvet_host *h, struct cuvet_error *err)
{
	const struct cuvet_facts *f = h->facts;
	if (!f->nlibs)
		return 0;
	h->libs = calloc(f->nlibs, sizeof(*h->libs));
	if (!h->libs)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	/* The CUDA runtime a process loads: the cudart a plain dlopen picks. Two of different majors
	 * (libcudart.so.12 and .13, each its own SONAME) leave it to the program: ambiguous. */
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!l->family || strcmp(l->family, "cudart") != 0 || !l->default_pick || l->cuda_major <= 0 || l->stub)
			continue;
		if (!h->runtime)
			h->runtime = l;
		else if (h->runtime->cuda_major != l->cuda_major)
			h->runtime_ambiguous = true;
	}
	if (h->runtime_ambiguous)
		h->runtime = NULL;
	h->runtime_major = h->runtime ? h->runtime->cuda_major : 0;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		struct cuvet_host_lib *hl = &h->libs[i];
		hl->lib = l;
		hl->checked = runs_on_driver_family(l->family) && !l->stub && !l->compat;
		hl->run = hl->checked ? lib_run(h, l) : CUVET_LIB_RUN_UNKNOWN;
		hl->major_mismatch = hl->checked && l->default_pick && h->runtime_major > 0 && l->cuda_major > 0 &&
				     l->cuda_major != h->runtime_major &&
				     (strcmp(l->family, "cudnn") == 0 || strcmp(l->family, "tensorrt") == 0);
	}
	return 0;
}

/* The directory part of PATH, for a fix that names what to take out of LD_LIBRARY_PATH. */
static int dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash > path ? (int)(slash - path) : (int)strlen(path);
}

/* Cause and fix of a framework's problem, written once for check and doctor. */
static int framework_text(struct cuvet_host_framework_problem *fp)
{
	const struct cuvet_why *w = fp->why;
	const struct cuvet_why_problem *p = fp->problem;
	const struct cuvet_why_object *o = &w->objects[p->object];
	const char *pkg = w->python ? w->python : w->target;
	const char *have = o->version ? o->version : "version unknown";
	char rule[160];
	cuvet_why_rule_text(w, p->object, rule, sizeof(rule));
	bool llp = o->rule == CUVET_WHY_LD_LIBRARY_PATH && o->search_dir;
	if (p->kind == CUVET_WHY_P_PIN) {
		/* the pin is METADATA's; the copy the process loads is why's model of import PKG */
		fp->cause = xasprintf("import %s loads %s (%s, found by %s); %s pins version %s of it (%s/METADATA), the "
				      "version the framework was built against. A framework refuses another version "
				      "(PyTorch: \"cuDNN version incompatibility\") or fails on symbols it lacks.",
				      pkg, o->path, have, rule, pkg, p->other_version ? p->other_version : "?",
				      p->other_path ? p->other_path : "its dist-info");
		fp->fix = llp ? xasprintf("Remove %s from LD_LIBRARY_PATH, so that %s loads the copy it pins; or install "
					  "version %s there.",
					  o->search_dir, pkg, p->other_version ? p->other_version : "?")
			      : xasprintf("Install the version %s pins (%s) with pip, or a %s built against %s.",
					  pkg, p->other_version ? p->other_version : "?", pkg, have);
	} else {
		const char *req = p->requester != CUVET_WHY_NONE && p->requester < w->nobjects
					  ? w->objects[p->requester].name : "a later library";
		fp->cause = xasprintf("import %s loads %s (%s, found by %s) first; %s asks for the same SONAME later and "
				      "would find %s (%s) by itself, but the loader matches an already-loaded SONAME "
				      "before it searches, so the whole process runs the first copy.",
				      pkg, o->path, have, rule, req, p->other_path ? p->other_path : "another copy",
				      p->other_version ? p->other_version : "version unknown");
		fp->fix = llp ? xasprintf("Remove %s from LD_LIBRARY_PATH (or set it only for the programs that need it), "
					  "so that %s loads %s.",
					  o->search_dir, pkg, p->other_path ? p->other_path : "its own copy")
			      : xasprintf("Make %.*s hold the version %s's own libraries need, or remove it from the "
					  "search path that finds it (%s).",
					  dir_len(o->path), o->path, pkg, rule);
	}
	return fp->cause && fp->fix ? 0 : -1;
}

/* The frameworks' problems check and doctor report: a process loading another copy than its own
 * search finds, a copy other than the pinned version; notes left out. */
static int host_frameworks(struct cuvet_host *h, const struct cuvet_host_opts *o, struct cuvet_error *err)
{
	size_t n = 0;
	for (size_t i = 0; o && i < o->nframeworks; i++)
		for (size_t k = 0; o->frameworks[i] && k < o->frameworks[i]->nproblems; k++) {
			const struct cuvet_why_problem *p = &o->frameworks[i]->problems[k];
			n += (p->kind == CUVET_WHY_P_PRELOADED || p->kind == CUVET_WHY_P_PIN) && p->severity != CUVET_SEV_INFO;
		}
	if (!n)
		return 0;
	h->framework_problems = calloc(n, sizeof(*h->framework_problems));
	if (!h->framework_problems)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	for (size_t i = 0; i < o->nframeworks; i++) {
		const struct cuvet_why *w = o->frameworks[i];
		for (size_t k = 0; w && k < w->nproblems; k++) {
			const struct cuvet_why_problem *p = &w->problems[k];
			if ((p->kind != CUVET_WHY_P_PRELOADED && p->kind != CUVET_WHY_P_PIN) || p->severity == CUVET_SEV_INFO)
				continue;
			if (p->object >= w->nobjects)
				return err_set(err, CUVET_E_INVALID, "a framework's problem names no object of its process");
			struct cuvet_host_framework_problem *fp = &h->framework_problems[h->nframework_problems++];
			fp->why = w;
			fp->problem = p;
			if (framework_text(fp) < 0)
				return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
	}
	return 0;
}

struct cuvet_host *cuvet_host_new(const struct cuvet_ctx *ctx, const struct cuvet_facts *facts,
				  const struct cuvet_host_opts *opts, struct cuvet_error *err)
{
	if (!ctx || !facts) {
		err_set(err, CUVET_E_INVALID, "a host view needs a context and facts");
		return NULL;
	}
	struct cuvet_host *h = calloc(1, sizeof(*h));
	if (!h) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	h->ctx = ctx;
	h->facts = facts;
	host_driver(h, opts);
	if (host_gpus(h, opts, err) < 0 || host_libs(h, err) < 0 || host_frameworks(h, opts, err) < 0) {
		cuvet_host_free(h);
		return NULL;
	}
	host_compat_gpu(h);
	return h;
}

void cuvet_host_free(struct cuvet_host *h)
{
	if (!h)
		return;
	free(h->visible);
	free(h->libs);
	for (size_t i = 0; i < h->nframework_problems; i++) {
		free(h->framework_problems[i].cause);
		free(h->framework_problems[i].fix);
	}
	free(h->framework_problems);
	free(h);
}

const struct cuvet_lib *cuvet_host_pick(const struct cuvet_host *h, const char *soname)
{
	const struct cuvet_facts *f = h->facts;
	for (size_t i = 0; soname && i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (l->default_pick && l->soname && strcmp(l->soname, soname) == 0)
			return l;
	}
	return NULL;
}
