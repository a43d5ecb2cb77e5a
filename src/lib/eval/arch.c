/* "cuvet arch": what GPU code a file carries and whether it runs on a compute capability, from
 * the fatbin reader's entries. One report feeds both the CLI's text and the JSON, so the two
 * cannot disagree. Which entries count follows cuobjdump and the CUDA runtime (see select). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* cuobjdump reports only the executable fatbin (.nv_fatbin) of an ELF file when it has one, else
 * the relocatable one (__nv_relfatbin, -rdc objects); at run time too only .nv_fatbin is loaded.
 * In an archive each member is judged alone. ALL keeps both. */
static int select_entries(const struct cuvet_fatbin *fb, bool all, bool *sel)
{
	size_t groups = fb->nmembers ? fb->nmembers : 1;
	bool *has_exec = calloc(groups, sizeof(*has_exec));
	if (!has_exec)
		return -1;
	for (size_t i = 0; i < fb->ncontainers; i++) {
		const struct cuvet_fatbin_container *c = &fb->containers[i];
		if (c->section && strcmp(c->section, ".nv_fatbin") == 0 && c->nentries && c->member < groups)
			has_exec[c->member] = true;
	}
	for (size_t i = 0; i < fb->ncontainers; i++) {
		const struct cuvet_fatbin_container *c = &fb->containers[i];
		bool keep = all || !c->section || c->member >= groups || !has_exec[c->member] ||
			    strcmp(c->section, ".nv_fatbin") == 0 || strcmp(c->section, "other sections") == 0;
		for (size_t j = c->first_entry; keep && j < c->first_entry + c->nentries && j < fb->nentries; j++)
			sel[j] = true;
	}
	/* Bare cubins and PTX files have an entry but no container. */
	if (!fb->ncontainers)
		for (size_t j = 0; j < fb->nentries; j++)
			sel[j] = true;
	free(has_exec);
	return 0;
}

static int variant_rank(char v)
{
	return v == 0 ? 0 : v == 'f' ? 1 : 2;
}

/* SASS, then PTX, then LTO-IR, then anything else. */
static int kind_rank(int kind)
{
	return kind == CUVET_FATBIN_ELF ? 0 : kind == CUVET_FATBIN_PTX ? 1 : kind == CUVET_FATBIN_LTOIR ? 2 : 3 + kind;
}

static int target_cmp(const void *a, const void *b)
{
	const struct cuvet_arch_target *x = a, *y = b;
	if (x->kind != y->kind)
		return kind_rank(x->kind) - kind_rank(y->kind);
	if (x->sm != y->sm)
		return x->sm < y->sm ? -1 : 1;
	return variant_rank(x->variant) - variant_rank(y->variant);
}

static void count_targets(struct cuvet_arch_report *r)
{
	const struct cuvet_fatbin *fb = r->fatbin;
	struct cuvet_arch_target *t = r->targets;
	size_t n = 0;
	for (size_t i = 0; i < fb->nentries; i++) {
		if (!r->selected[i])
			continue;
		const struct cuvet_fatbin_entry *e = &fb->entries[i];
		r->nselected++;
		if (e->kind == CUVET_FATBIN_ELF)
			r->nsass++;
		else if (e->kind == CUVET_FATBIN_PTX)
			r->nptx++;
		else if (e->kind == CUVET_FATBIN_LTOIR)
			r->nltoir++;
		else
			r->nother++;
		size_t j;
		for (j = 0; j < n; j++)
			if (t[j].kind == e->kind && t[j].sm == e->sm && t[j].variant == e->variant)
				break;
		if (j == n) {
			t[j].kind = e->kind;
			t[j].sm = e->sm;
			t[j].variant = e->variant;
			cuvet_fatbin_target_name(e, t[j].name, sizeof(t[j].name));
			n++;
		}
		t[j].count++;
		if (e->compression != CUVET_FATBIN_UNCOMPRESSED) {
			t[j].compressed++;
			r->ncompressed++;
		}
		if (e->version_major > t[j].isa_major ||
		    (e->version_major == t[j].isa_major && e->version_minor > t[j].isa_minor)) {
			t[j].isa_major = e->version_major;
			t[j].isa_minor = e->version_minor;
		}
	}
	qsort(t, n, sizeof(*t), target_cmp);
	r->ntargets = n;
}

static void pick_run(struct cuvet_arch_report *r)
{
	const struct cuvet_fatbin *fb = r->fatbin;
	r->run = CUVET_RUN_NO;
	r->run_entry = NULL;
	for (size_t i = 0; i < fb->nentries; i++) {
		if (!r->selected[i])
			continue;
		const struct cuvet_fatbin_entry *e = &fb->entries[i];
		enum cuvet_fatbin_run how = cuvet_fatbin_entry_runs_on(e, r->opts.gpu_major, r->opts.gpu_minor);
		if (how == CUVET_RUN_NO)
			continue;
		const struct cuvet_fatbin_entry *b = r->run_entry;
		bool better = !b || (how == CUVET_RUN_SASS && r->run != CUVET_RUN_SASS) ||
			      (how == r->run && (e->sm > b->sm || (e->sm == b->sm &&
							      variant_rank(e->variant) > variant_rank(b->variant))));
		if (better) {
			r->run = how;
			r->run_entry = e;
		}
	}
}

struct cuvet_arch_report *cuvet_arch_report_new(const struct cuvet_fatbin *fb, const struct cuvet_arch_opts *opts,
						 struct cuvet_error *err)
{
	if (!fb) {
		err_set(err, CUVET_E_INVALID, "no fatbin given");
		return NULL;
	}
	struct cuvet_arch_report *r = calloc(1, sizeof(*r));
	if (!r)
		goto oom;
	r->fatbin = fb;
	if (opts)
		r->opts = *opts;
	size_t n = fb->nentries ? fb->nentries : 1;
	r->selected = calloc(n, sizeof(*r->selected));
	r->targets = calloc(n, sizeof(*r->targets));
	if (!r->selected || !r->targets || select_entries(fb, r->opts.all, r->selected) < 0)
		goto oom;
	count_targets(r);
	for (size_t i = 0; i < fb->ncontainers; i++) {
		const struct cuvet_fatbin_container *c = &fb->containers[i];
		if (!c->nentries || c->first_entry >= fb->nentries || !r->selected[c->first_entry])
			continue;
		r->nfatbins++;
		if (c->section && strcmp(c->section, "other sections") == 0)
			r->nfatbins_deep++;
	}
	if (r->opts.have_gpu)
		pick_run(r);
	return r;
oom:
	cuvet_arch_report_free(r);
	err_set(err, CUVET_E_NOMEM, "out of memory");
	return NULL;
}

void cuvet_arch_report_free(struct cuvet_arch_report *r)
{
	if (!r)
		return;
	free(r->selected);
	free(r->targets);
	free(r);
}

/* ------------------------------------------------------------------- JSON ---- */

static const char *source_name(enum cuvet_fatbin_source s)
{
	switch (s) {
	case CUVET_FATBIN_SRC_HOST: return "host-elf";
	case CUVET_FATBIN_SRC_FATBIN: return "fatbin";
	case CUVET_FATBIN_SRC_CUBIN: return "cubin";
	case CUVET_FATBIN_SRC_PTX: return "ptx";
	case CUVET_FATBIN_SRC_ARCHIVE: return "archive";
	}
	return "unknown";
}

static const char *compression_name(enum cuvet_fatbin_compression c)
{
	return c == CUVET_FATBIN_LZ4 ? "lz4" : c == CUVET_FATBIN_ZSTD ? "zstd" : NULL;
}

static const char *kind_name(int kind)
{
	return kind == CUVET_FATBIN_ELF ? "sass" : kind == CUVET_FATBIN_PTX ? "ptx" : kind == CUVET_FATBIN_LTOIR ? "ltoir"
														   : "other";
}

/* Every set/append goes through these, so one failed allocation fails the document. */
static void jset(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (!o || json_object_set_new(o, k, v) != 0)
		*ok = false;
}

static void jadd(json_t *a, json_t *v, bool *ok)
{
	if (!a || json_array_append_new(a, v) != 0)
		*ok = false;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *entries_json(const struct cuvet_arch_report *r, bool *ok)
{
	const struct cuvet_fatbin *fb = r->fatbin;
	json_t *entries = json_array();
	for (size_t i = 0; i < fb->nentries; i++) {
		if (!r->selected[i])
			continue;
		const struct cuvet_fatbin_entry *e = &fb->entries[i];
		char name[32], ver[24];
		cuvet_fatbin_target_name(e, name, sizeof(name));
		snprintf(ver, sizeof(ver), "%u.%u", e->version_major, e->version_minor);
		const struct cuvet_fatbin_container *c =
			fb->ncontainers && e->container < fb->ncontainers ? &fb->containers[e->container] : NULL;
		const char *member = fb->nmembers && c && c->member < fb->nmembers ? fb->members[c->member] : NULL;
		json_t *j = json_object();
		jset(j, "target", json_string(name), ok);
		jset(j, "version", json_string(ver), ok);
		jset(j, "is64", json_boolean(e->is64), ok);
		jset(j, "debug", json_boolean(e->debug), ok);
		jset(j, "compression", jstr(compression_name(e->compression)), ok);
		jset(j, "offset", json_integer((json_int_t)e->offset), ok);
		jset(j, "size", json_integer((json_int_t)e->payload_size), ok);
		jset(j, "section", jstr(c ? c->section : NULL), ok);
		jset(j, "member", jstr(member), ok);
		jset(j, "identifier", jstr(e->identifier), ok);
		jset(j, "options", jstr(e->options), ok);
		jadd(entries, j, ok);
	}
	return entries;
}

static json_t *report_json(const char *path, const struct cuvet_arch_report *r, bool *ok)
{
	json_t *f = json_object();
	jset(f, "path", json_string(path), ok);
	jset(f, "source", json_string(source_name(r->fatbin->source)), ok);
	jset(f, "sass", json_integer((json_int_t)r->nsass), ok);
	jset(f, "ptx", json_integer((json_int_t)r->nptx), ok);
	jset(f, "ltoir", json_integer((json_int_t)r->nltoir), ok);
	json_t *targets = json_array();
	for (size_t i = 0; i < r->ntargets; i++) {
		const struct cuvet_arch_target *t = &r->targets[i];
		json_t *j = json_object();
		jset(j, "target", json_string(t->name), ok);
		jset(j, "kind", json_string(kind_name(t->kind)), ok);
		jset(j, "sm", json_integer(t->sm), ok);
		jset(j, "variant", t->variant ? json_stringn(&t->variant, 1) : json_null(), ok);
		jset(j, "count", json_integer((json_int_t)t->count), ok);
		jset(j, "compressed", json_integer((json_int_t)t->compressed), ok);
		if (t->kind == CUVET_FATBIN_PTX) {
			char isa[24];
			snprintf(isa, sizeof(isa), "%u.%u", t->isa_major, t->isa_minor);
			jset(j, "ptx_isa", json_string(isa), ok);
		}
		jadd(targets, j, ok);
	}
	jset(f, "targets", targets, ok);
	if (r->opts.entries)
		jset(f, "entries", entries_json(r, ok), ok);
	if (r->opts.have_gpu) {
		json_t *g = json_object();
		char cc[32], name[32];
		snprintf(cc, sizeof(cc), "%d.%d", r->opts.gpu_major, r->opts.gpu_minor);
		jset(g, "cc", json_string(cc), ok);
		jset(g, "runs", json_boolean(r->run != CUVET_RUN_NO), ok);
		jset(g, "how", json_string(!r->nselected ? "no-gpu-code" : r->run == CUVET_RUN_SASS ? "sass" :
					   r->run == CUVET_RUN_PTX_JIT ? "ptx-jit" : "none"), ok);
		if (r->run_entry) {
			cuvet_fatbin_target_name(r->run_entry, name, sizeof(name));
			jset(g, "target", json_string(name), ok);
		}
		jset(f, "gpu", g, ok);
	}
	return f;
}

char *cuvet_arch_report_to_json(const struct cuvet_arch_file *files, size_t n, bool pretty, struct cuvet_error *err)
{
	if (n && !files) {
		err_set(err, CUVET_E_INVALID, "no files given");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!files[i].path || (!files[i].report && !files[i].error)) {
			err_set(err, CUVET_E_INVALID, "file %zu has no path, or neither a report nor an error", i);
			return NULL;
		}
	bool ok = true;
	json_t *root = json_object(), *arr = json_array();
	jset(root, "schema", json_string("cuvet.arch/1"), &ok);
	for (size_t i = 0; i < n && ok; i++) {
		if (files[i].report) {
			jadd(arr, report_json(files[i].path, files[i].report, &ok), &ok);
		} else {
			json_t *f = json_object();
			jset(f, "path", json_string(files[i].path), &ok);
			jset(f, "error", json_string(files[i].error), &ok);
			jadd(arr, f, &ok);
		}
	}
	if (root && arr) {
		jset(root, "files", arr, &ok);
	} else {
		json_decref(arr);
		ok = false;
	}
	char *s = ok ? json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "cannot render the report: out of memory, or a path that is not UTF-8");
	return s;
}
