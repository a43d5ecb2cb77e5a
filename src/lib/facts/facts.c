/* Facts: allocation, release and lookup. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

void facts_lib_release(struct cuvet_lib *l)
{
	free(l->family);
	free(l->name);
	free(l->path);
	free(l->real_path);
	free(l->soname);
	free(l->version);
	free(l->version_source);
	free(l->found_via);
	free(l->cuda_major_source);
	free(l->gpu_code);
	free(l->gpu_code_error);
	memset(l, 0, sizeof(*l));
}

void facts_gpu_release(struct cuvet_gpu *g)
{
	free(g->name);
	free(g->uuid);
	free(g->pci_bus_id);
	free(g->brand);
	free(g->source);
	free(g->cc_source);
	free(g->segment);
	memset(g, 0, sizeof(*g));
}

void facts_toolkit_release(struct cuvet_toolkit *t)
{
	free(t->path);
	free(t->version);
	free(t->version_source);
	free(t->nvcc_version);
	free(t->compat_dir);
	free(t->compat_libcuda_version);
	memset(t, 0, sizeof(*t));
}

static void driver_release(struct cuvet_driver *d)
{
	free(d->kernel_version);
	free(d->kernel_flavour);
	free(d->libcuda_path);
	free(d->libcuda_version);
	free(d->libnvml_path);
	free(d->libnvml_version);
	free(d->nvml_driver_version);
	free(d->nvml_version);
	free(d->cuda_driver_source);
	free(d->nvml_error);
	memset(d, 0, sizeof(*d));
}

void cuvet_facts_free(struct cuvet_facts *f)
{
	if (!f)
		return;
	free(f->root);
	free(f->hostname);
	free(f->os_id);
	free(f->os_version);
	free(f->os_pretty);
	free(f->glibc_version);
	free(f->arch);
	free(f->container);
	driver_release(&f->driver);
	for (size_t i = 0; i < f->ngpus; i++)
		facts_gpu_release(&f->gpus[i]);
	free(f->gpus);
	for (size_t i = 0; i < f->nlibs; i++)
		facts_lib_release(&f->libs[i]);
	free(f->libs);
	for (size_t i = 0; i < f->ntoolkits; i++)
		facts_toolkit_release(&f->toolkits[i]);
	free(f->toolkits);
	for (size_t i = 0; i < f->nenv; i++) {
		free(f->env[i].key);
		free(f->env[i].value);
	}
	free(f->env);
	for (size_t i = 0; i < f->nnotes; i++)
		free(f->notes[i]);
	free(f->notes);
	free(f);
}

const char *cuvet_facts_env(const struct cuvet_facts *f, const char *key)
{
	for (size_t i = 0; f && i < f->nenv; i++)
		if (strcmp(f->env[i].key, key) == 0)
			return f->env[i].value;
	return NULL;
}

struct cuvet_lib *facts_add_lib(struct facts_builder *b)
{
	struct cuvet_facts *f = b->facts;
	if (xgrow(&f->libs, &b->libs_cap, f->nlibs, sizeof(*f->libs)) < 0) {
		b->oom = true;
		return NULL;
	}
	struct cuvet_lib *l = &f->libs[f->nlibs++];
	memset(l, 0, sizeof(*l));
	return l;
}

struct cuvet_gpu *facts_add_gpu(struct facts_builder *b)
{
	struct cuvet_facts *f = b->facts;
	if (xgrow(&f->gpus, &b->gpus_cap, f->ngpus, sizeof(*f->gpus)) < 0) {
		b->oom = true;
		return NULL;
	}
	struct cuvet_gpu *g = &f->gpus[f->ngpus++];
	memset(g, 0, sizeof(*g));
	g->index = -1;
	g->cc_major = g->cc_minor = -1;
	g->mig_mode = g->persistence_mode = -1;
	g->visible = true;
	return g;
}

struct cuvet_toolkit *facts_add_toolkit(struct facts_builder *b)
{
	struct cuvet_facts *f = b->facts;
	if (xgrow(&f->toolkits, &b->toolkits_cap, f->ntoolkits, sizeof(*f->toolkits)) < 0) {
		b->oom = true;
		return NULL;
	}
	struct cuvet_toolkit *t = &f->toolkits[f->ntoolkits++];
	memset(t, 0, sizeof(*t));
	return t;
}

int facts_add_env(struct facts_builder *b, const char *key, const char *value)
{
	struct cuvet_facts *f = b->facts;
	if (xgrow(&f->env, &b->env_cap, f->nenv, sizeof(*f->env)) < 0) {
		b->oom = true;
		return -1;
	}
	char *k = strdup(key), *v = strdup(value ? value : "");
	if (!k || !v) {
		free(k);
		free(v);
		b->oom = true;
		return -1;
	}
	f->env[f->nenv].key = k;
	f->env[f->nenv].value = v;
	f->nenv++;
	return 0;
}

const char *probe_getenv(const struct probe_ctx *pc, const char *key)
{
	return env_get(pc->env, key);
}


int facts_add_note(struct facts_builder *b, const char *text)
{
	struct cuvet_facts *f = b->facts;
	char *s = NULL;
	if (xgrow(&f->notes, &b->notes_cap, f->nnotes, sizeof(*f->notes)) < 0 || !(s = strdup(text))) {
		b->oom = true;
		return -1;
	}
	f->notes[f->nnotes++] = s;
	return 0;
}

void probe_note(struct probe_ctx *pc, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		pc->fb.oom = true;
	else
		facts_add_note(&pc->fb, s);
	free(s);
}

static size_t memo_hash(const char *s)
{
	size_t h = 1469598103934665603ULL & SIZE_MAX;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (1099511628211ULL & SIZE_MAX);
	return h;
}

/* The view remembers the answer for the rest of the probe (fs_cache_begin in cuvet_probe). */
int probe_realpath(struct probe_ctx *pc, const char *path, char *out, size_t outlen)
{
	return cuvet_fs_realpath(pc->fs, path, out, outlen, NULL);
}

/* real_path -> index into facts->libs, so that finding a copy again costs O(1): a big pip or
 * conda tree holds tens of thousands of candidate files. Rebuilt whenever the count moved on
 * without it (facts_add_lib) or the array was reordered (facts_libs_reordered). */
struct probe_lib_index {
	size_t cap, n;     /* n: how many libs are indexed */
	size_t *slot;      /* index + 1; 0 is empty */
};

static int lib_index_put(struct probe_lib_index *x, const struct cuvet_facts *f, size_t i)
{
	size_t h = memo_hash(f->libs[i].real_path) & (x->cap - 1);
	while (x->slot[h])
		h = (h + 1) & (x->cap - 1);
	x->slot[h] = i + 1;
	return 0;
}

static int lib_index_sync(struct probe_ctx *pc)
{
	struct cuvet_facts *f = pc->facts;
	struct probe_lib_index *x = pc->lib_index;
	if (!x && !(x = pc->lib_index = calloc(1, sizeof(*x))))
		return -1;
	if ((f->nlibs + 1) * 2 > x->cap) {
		size_t cap = x->cap ? x->cap : 256;
		while ((f->nlibs + 1) * 2 > cap)
			cap *= 2;
		size_t *slot = calloc(cap, sizeof(*slot));
		if (!slot)
			return -1;
		free(x->slot);
		x->slot = slot;
		x->cap = cap;
		x->n = 0;
	}
	for (; x->n < f->nlibs; x->n++)
		if (f->libs[x->n].real_path)
			lib_index_put(x, f, x->n);
	return 0;
}

void facts_libs_reordered(struct probe_ctx *pc)
{
	struct probe_lib_index *x = pc->lib_index;
	if (x) {
		memset(x->slot, 0, x->cap * sizeof(*x->slot));
		x->n = 0;
	}
}

struct cuvet_lib *facts_lib_by_real(struct probe_ctx *pc, const char *real)
{
	struct cuvet_facts *f = pc->facts;
	if (lib_index_sync(pc) < 0) {
		for (size_t i = 0; i < f->nlibs; i++)
			if (f->libs[i].real_path && strcmp(f->libs[i].real_path, real) == 0)
				return &f->libs[i];
		return NULL;
	}
	struct probe_lib_index *x = pc->lib_index;
	for (size_t h = memo_hash(real) & (x->cap - 1); x->slot[h]; h = (h + 1) & (x->cap - 1)) {
		struct cuvet_lib *l = &f->libs[x->slot[h] - 1];
		if (strcmp(l->real_path, real) == 0)
			return l;
	}
	return NULL;
}

void facts_lib_index_free(struct probe_ctx *pc)
{
	if (pc->lib_index) {
		free(pc->lib_index->slot);
		free(pc->lib_index);
		pc->lib_index = NULL;
	}
}

bool facts_path_is_compat(const char *path)
{
	return path && strstr(path, "/compat/") != NULL;
}

const struct cuvet_lib *facts_libcuda_pick(const struct cuvet_facts *f)
{
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (l->default_pick && !l->stub && l->family && strcmp(l->family, "cuda") == 0)
			return l;
	}
	return NULL;
}

bool facts_libcuda_is_compat(const struct cuvet_facts *f)
{
	/* the copy a plain dlopen picks, judged by its real path; else the driver's path as found */
	const struct cuvet_lib *l = facts_libcuda_pick(f);
	return l ? l->compat || facts_path_is_compat(l->real_path) : facts_path_is_compat(f->driver.libcuda_path);
}

const char *facts_driver_version(const struct cuvet_facts *f, const char **source)
{
	const struct cuvet_driver *d = &f->driver;
	const char *v = NULL, *src = NULL;
	if (d->kernel_version) {
		v = d->kernel_version;
		src = "kernel-module";
	} else if (d->nvml_driver_version) {
		v = d->nvml_driver_version;
		src = "nvml";
	} else if (d->libcuda_version && !facts_libcuda_is_compat(f)) {
		v = d->libcuda_version;
		src = "libcuda";
	}
	if (source)
		*source = src;
	return v;
}
