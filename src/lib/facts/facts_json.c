/* Facts <-> JSON, schema "cuvet.facts/1" (doc/facts.md). Unknown values are null. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"

#define FACTS_SCHEMA "cuvet.facts/1"

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jint_known(long long v, bool known)
{
	return known ? json_integer(v) : json_null();
}

static json_t *jtri(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static json_t *driver_json(const struct cuvet_driver *d)
{
	char cuda[32] = "";
	if (d->cuda_driver_version > 0)
		snprintf(cuda, sizeof(cuda), "%d.%d", d->cuda_driver_version / 1000, (d->cuda_driver_version % 1000) / 10);
	return json_pack("{s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "present", d->present, "module_loaded", d->module_loaded,
			 "kernel_version", jstr(d->kernel_version), "kernel_flavour", jstr(d->kernel_flavour),
			 "libcuda_path", jstr(d->libcuda_path), "libcuda_version", jstr(d->libcuda_version),
			 "libnvml_path", jstr(d->libnvml_path), "libnvml_version", jstr(d->libnvml_version),
			 "nvml_driver_version", jstr(d->nvml_driver_version), "nvml_version", jstr(d->nvml_version),
			 "cuda_driver_version", jint_known(d->cuda_driver_version, d->cuda_driver_version > 0),
			 "cuda", d->cuda_driver_version > 0 ? json_string(cuda) : json_null(),
			 "cuda_source", jstr(d->cuda_driver_source),
			 "nvml_status", jint_known(d->nvml_status, d->nvml_status != -1),
			 "nvml_error", jstr(d->nvml_error));
}

static json_t *gpu_json(const struct cuvet_gpu *g)
{
	char cc[16] = "", devid[16] = "";
	if (g->cc_major >= 0)
		snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
	if (g->pci_device_id)
		snprintf(devid, sizeof(devid), "0x%08X", g->pci_device_id);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b}",
			 "index", jint_known(g->index, g->index >= 0), "name", jstr(g->name), "uuid", jstr(g->uuid),
			 "pci_bus_id", jstr(g->pci_bus_id), "pci_device_id", g->pci_device_id ? json_string(devid) : json_null(),
			 "compute_capability", cc[0] ? json_string(cc) : json_null(), "brand", jstr(g->brand),
			 "segment", jstr(g->segment),
			 "memory_mib", jint_known((long long)g->memory_mib, g->memory_mib > 0),
			 "mig_mode", jtri(g->mig_mode), "persistence_mode", jtri(g->persistence_mode),
			 "source", jstr(g->source), "compute_capability_source", jstr(g->cc_source),
			 "visible", g->visible, "lost", g->lost);
}

/* "gpu_code": null when the fatbins were not read, else one object per target. */
static json_t *gpu_code_json(const struct cuvet_lib *l)
{
	if (!l->gpu_code_read)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; a && i < l->ngpu_code; i++) {
		const struct cuvet_lib_gpu_code *c = &l->gpu_code[i];
		struct cuvet_fatbin_entry e = {.kind = c->kind, .sm = c->sm, .variant = c->variant};
		char name[32], isa[32];
		cuvet_fatbin_target_name(&e, name, sizeof(name));
		snprintf(isa, sizeof(isa), "%u.%u", c->ptx_isa_major, c->ptx_isa_minor);
		json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "target", name, "entries", (json_int_t)c->entries,
				      "bytes", (json_int_t)c->bytes, "uncompressed_bytes", (json_int_t)c->uncompressed_bytes);
		if (o && c->kind == CUVET_FATBIN_PTX)
			json_object_set_new(o, "ptx_isa", json_string(isa));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *lib_json(const struct cuvet_lib *l)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:b, s:b, s:o, s:o}", "family",
			      jstr(l->family), "name", jstr(l->name), "path", jstr(l->path), "real_path",
			      jstr(l->real_path), "soname", jstr(l->soname), "version", jstr(l->version),
			      "version_source", jstr(l->version_source), "found_via", jstr(l->found_via), "default_pick",
			      l->default_pick, "cache_pick", l->cache_pick, "stub", l->stub, "compat", l->compat,
			      "cuda_major", jint_known(l->cuda_major, l->cuda_major > 0), "cuda_major_source",
			      jstr(l->cuda_major_source));
	if (o) {
		json_object_set_new(o, "gpu_code", gpu_code_json(l));
		json_object_set_new(o, "gpu_code_error", jstr(l->gpu_code_error));
	}
	return o;
}

static json_t *toolkit_json(const struct cuvet_toolkit *t)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "path", jstr(t->path), "version", jstr(t->version),
			 "version_source", jstr(t->version_source), "nvcc_version", jstr(t->nvcc_version),
			 "compat_dir", jstr(t->compat_dir), "compat_libcuda_version", jstr(t->compat_libcuda_version));
}

json_t *facts_to_jansson(const struct cuvet_facts *f)
{
	json_t *gpus = json_array(), *libs = json_array(), *tks = json_array(), *env = json_object(),
	       *notes = json_array();
	for (size_t i = 0; i < f->ngpus; i++)
		json_array_append_new(gpus, gpu_json(&f->gpus[i]));
	for (size_t i = 0; i < f->nlibs; i++)
		json_array_append_new(libs, lib_json(&f->libs[i]));
	for (size_t i = 0; i < f->ntoolkits; i++)
		json_array_append_new(tks, toolkit_json(&f->toolkits[i]));
	for (size_t i = 0; i < f->nenv; i++)
		json_object_set_new(env, f->env[i].key, json_string(f->env[i].value));
	for (size_t i = 0; i < f->nnotes; i++)
		json_array_append_new(notes, json_string(f->notes[i]));
	json_t *host = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "hostname", jstr(f->hostname), "os_id",
				 jstr(f->os_id), "os_version", jstr(f->os_version), "os_pretty", jstr(f->os_pretty),
				 "glibc_version", jstr(f->glibc_version), "arch", jstr(f->arch), "container",
				 jstr(f->container));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f}", "schema", FACTS_SCHEMA,
			 "cuvet_version", cuvet_library_version(), "root", jstr(f->root), "host", host, "driver",
			 driver_json(&f->driver), "gpus", gpus, "libraries", libs, "toolkits", tks, "environment", env,
			 "notes", notes, "probe_seconds", f->probe_seconds);
}

char *cuvet_facts_to_json(const struct cuvet_facts *f, bool pretty, struct cuvet_error *err)
{
	json_t *j = facts_to_jansson(f);
	if (!j) {
		err_set(err, CUVET_E_NOMEM, "out of memory building JSON");
		return NULL;
	}
	char *s = json_dumps(j, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory building JSON");
	return s;
}

/* ------------------------------------------------------------------ reading ---- */

struct jread {
	struct cuvet_error *err;
	bool failed;
};

/* Strings: absent or null -> NULL; anything else but a string is an error. */
static char *rstr(struct jread *r, json_t *obj, const char *key, const char *where)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		if (!r->failed)
			err_set(r->err, CUVET_E_INVALID, "facts JSON: %s.%s must be a string or null", where, key);
		r->failed = true;
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

static long long rint_(struct jread *r, json_t *obj, const char *key, const char *where, long long unknown)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return unknown;
	if (!json_is_integer(v)) {
		if (!r->failed)
			err_set(r->err, CUVET_E_INVALID, "facts JSON: %s.%s must be an integer or null", where, key);
		r->failed = true;
		return unknown;
	}
	return json_integer_value(v);
}

static int rtri(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_boolean(v) ? json_is_true(v) : -1;
}

static bool rbool(json_t *obj, const char *key, bool dflt)
{
	json_t *v = json_object_get(obj, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static void parse_cc(const char *s, int *maj, int *min)
{
	struct cuvet_version v;
	*maj = *min = -1;
	if (s && cuvet_version_parse(s, &v, NULL) == 0 && v.nparts <= 2 && v.part[0] < 100) {
		*maj = (int)v.part[0];
		*min = v.nparts > 1 ? (int)v.part[1] : 0;
	}
}

/* "sm_90a" / "compute_100f" -> kind, SM, variant. */
static bool parse_target(const char *t, struct cuvet_lib_gpu_code *c)
{
	const char *p;
	if (str_starts(t, "sm_")) {
		c->kind = CUVET_FATBIN_ELF;
		p = t + 3;
	} else if (str_starts(t, "compute_")) {
		c->kind = CUVET_FATBIN_PTX;
		p = t + 8;
	} else {
		return false;
	}
	size_t n = strspn(p, "0123456789");
	if (n == 0 || n > 4)
		return false;
	char num[8];
	memcpy(num, p, n);
	num[n] = '\0';
	unsigned long sm;
	if (parse_ulong(num, 10, 9999, &sm) < 0)
		return false;
	c->sm = (unsigned)sm;
	if (p[n] == '\0')
		c->variant = 0;
	else if ((p[n] == 'a' || p[n] == 'f') && p[n + 1] == '\0')
		c->variant = p[n];
	else
		return false;
	return true;
}

static void read_gpu_code(struct jread *r, json_t *v, struct cuvet_lib *l, size_t li)
{
	json_t *a = json_object_get(v, "gpu_code");
	l->gpu_code_error = rstr(r, v, "gpu_code_error", "libraries[]");
	if (!a || json_is_null(a))
		return;
	if (!json_is_array(a)) {
		if (!r->failed)
			err_set(r->err, CUVET_E_INVALID, "facts JSON: libraries[%zu].gpu_code must be an array or null", li);
		r->failed = true;
		return;
	}
	l->gpu_code_read = true;
	size_t n = json_array_size(a);
	if (!n)
		return;
	l->gpu_code = calloc(n, sizeof(*l->gpu_code));
	if (!l->gpu_code) {
		if (!r->failed)
			err_set(r->err, CUVET_E_NOMEM, "out of memory");
		r->failed = true;
		return;
	}
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x) {
		struct cuvet_lib_gpu_code *c = &l->gpu_code[l->ngpu_code];
		const char *t = json_string_value(json_object_get(x, "target"));
		if (!t || !parse_target(t, c)) {
			if (!r->failed)
				err_set(r->err, CUVET_E_INVALID,
					"facts JSON: libraries[%zu].gpu_code[%zu].target must be sm_XY or compute_XY (with an "
					"optional a or f), not %s", li, i, t ? t : "missing");
			r->failed = true;
			return;
		}
		long long e = rint_(r, x, "entries", "libraries[].gpu_code[]", 1);
		long long b = rint_(r, x, "bytes", "libraries[].gpu_code[]", 0);
		long long u = rint_(r, x, "uncompressed_bytes", "libraries[].gpu_code[]", 0);
		c->entries = e > 0 ? (size_t)e : 0;
		c->bytes = b > 0 ? (uint64_t)b : 0;
		c->uncompressed_bytes = u > 0 ? (uint64_t)u : 0;
		char *isa = rstr(r, x, "ptx_isa", "libraries[].gpu_code[]");
		struct cuvet_version iv;
		if (isa && c->kind == CUVET_FATBIN_PTX && cuvet_version_parse(isa, &iv, NULL) == 0 && iv.nparts <= 2) {
			c->ptx_isa_major = iv.part[0];
			c->ptx_isa_minor = iv.nparts > 1 ? iv.part[1] : 0;
		} else if (isa && c->kind == CUVET_FATBIN_PTX) {
			if (!r->failed)
				err_set(r->err, CUVET_E_INVALID,
					"facts JSON: libraries[%zu].gpu_code[%zu].ptx_isa must be MAJOR.MINOR, not %s", li, i, isa);
			r->failed = true;
		}
		free(isa);
		l->ngpu_code++;
	}
}

struct cuvet_facts *cuvet_facts_from_json(const char *text, size_t len, struct cuvet_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		err_set(err, CUVET_E_INVALID, "facts JSON: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	struct cuvet_facts *f = NULL;
	const char *schema = json_string_value(json_object_get(root, "schema"));
	if (!json_is_object(root) || !schema || strcmp(schema, FACTS_SCHEMA) != 0) {
		err_set(err, CUVET_E_INVALID, "facts JSON: \"schema\" must be \"%s\" (found %s)", FACTS_SCHEMA,
			schema ? schema : "none");
		goto out;
	}
	f = calloc(1, sizeof(*f));
	struct facts_builder fb = {.facts = f};
	struct jread r = {err, false};
	if (!f) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	/* Containers of the wrong type are an input error, not "no GPUs" or made-up ones. */
	static const struct {
		const char *key;
		bool array;
	} shapes[] = {{"host", false}, {"driver", false}, {"gpus", true}, {"libraries", true},
		      {"toolkits", true}, {"environment", false}, {"notes", true}};
	for (size_t k = 0; k < CUVET_ARRAY_LEN(shapes); k++) {
		json_t *m = json_object_get(root, shapes[k].key);
		if (!m || json_is_null(m))
			continue;
		if (shapes[k].array ? !json_is_array(m) : !json_is_object(m)) {
			err_set(err, CUVET_E_INVALID, "facts JSON: \"%s\" must be %s", shapes[k].key,
				shapes[k].array ? "an array" : "an object");
			cuvet_facts_free(f);
			f = NULL;
			goto out;
		}
		if (shapes[k].array && strcmp(shapes[k].key, "notes") != 0) {
			size_t idx;
			json_t *el;
			json_array_foreach(m, idx, el) {
				if (!json_is_object(el)) {
					err_set(err, CUVET_E_INVALID, "facts JSON: %s[%zu] must be an object", shapes[k].key, idx);
					cuvet_facts_free(f);
					f = NULL;
					goto out;
				}
			}
		}
	}
	f->root = rstr(&r, root, "root", "facts");
	json_t *host = json_object_get(root, "host");
	f->hostname = rstr(&r, host, "hostname", "host");
	f->os_id = rstr(&r, host, "os_id", "host");
	f->os_version = rstr(&r, host, "os_version", "host");
	f->os_pretty = rstr(&r, host, "os_pretty", "host");
	f->glibc_version = rstr(&r, host, "glibc_version", "host");
	f->arch = rstr(&r, host, "arch", "host");
	f->container = rstr(&r, host, "container", "host");

	json_t *d = json_object_get(root, "driver");
	struct cuvet_driver *dr = &f->driver;
	dr->present = rbool(d, "present", false);
	dr->module_loaded = rbool(d, "module_loaded", false);
	dr->kernel_version = rstr(&r, d, "kernel_version", "driver");
	dr->kernel_flavour = rstr(&r, d, "kernel_flavour", "driver");
	dr->libcuda_path = rstr(&r, d, "libcuda_path", "driver");
	dr->libcuda_version = rstr(&r, d, "libcuda_version", "driver");
	dr->libnvml_path = rstr(&r, d, "libnvml_path", "driver");
	dr->libnvml_version = rstr(&r, d, "libnvml_version", "driver");
	dr->nvml_driver_version = rstr(&r, d, "nvml_driver_version", "driver");
	dr->nvml_version = rstr(&r, d, "nvml_version", "driver");
	dr->cuda_driver_version = (int)rint_(&r, d, "cuda_driver_version", "driver", 0);
	dr->cuda_driver_source = rstr(&r, d, "cuda_source", "driver");
	dr->nvml_status = (int)rint_(&r, d, "nvml_status", "driver", -1);
	dr->nvml_error = rstr(&r, d, "nvml_error", "driver");

	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(root, "gpus"), i, v) {
		struct cuvet_gpu *g = facts_add_gpu(&fb);
		if (!g)
			break;
		g->index = (int)rint_(&r, v, "index", "gpus[]", -1);
		g->name = rstr(&r, v, "name", "gpus[]");
		g->uuid = rstr(&r, v, "uuid", "gpus[]");
		g->pci_bus_id = rstr(&r, v, "pci_bus_id", "gpus[]");
		char *devid = rstr(&r, v, "pci_device_id", "gpus[]");
		unsigned long id = 0;
		if (devid && parse_ulong(devid, 16, 0xffffffffUL, &id) == 0)
			g->pci_device_id = (uint32_t)id;
		free(devid);
		char *cc = rstr(&r, v, "compute_capability", "gpus[]");
		parse_cc(cc, &g->cc_major, &g->cc_minor);
		free(cc);
		g->brand = rstr(&r, v, "brand", "gpus[]");
		g->segment = rstr(&r, v, "segment", "gpus[]");
		long long mem = rint_(&r, v, "memory_mib", "gpus[]", 0);
		g->memory_mib = mem > 0 ? (uint64_t)mem : 0;
		g->mig_mode = rtri(v, "mig_mode");
		g->persistence_mode = rtri(v, "persistence_mode");
		g->source = rstr(&r, v, "source", "gpus[]");
		g->cc_source = rstr(&r, v, "compute_capability_source", "gpus[]");
		g->visible = rbool(v, "visible", true);
		g->lost = rbool(v, "lost", false);
	}
	json_array_foreach(json_object_get(root, "libraries"), i, v) {
		struct cuvet_lib *l = facts_add_lib(&fb);
		if (!l)
			break;
		l->family = rstr(&r, v, "family", "libraries[]");
		l->name = rstr(&r, v, "name", "libraries[]");
		l->path = rstr(&r, v, "path", "libraries[]");
		l->real_path = rstr(&r, v, "real_path", "libraries[]");
		l->soname = rstr(&r, v, "soname", "libraries[]");
		l->version = rstr(&r, v, "version", "libraries[]");
		l->version_source = rstr(&r, v, "version_source", "libraries[]");
		l->found_via = rstr(&r, v, "found_via", "libraries[]");
		l->default_pick = rbool(v, "default_pick", false);
		l->cache_pick = rbool(v, "cache_pick", false);
		l->stub = rbool(v, "stub", false);
		l->compat = rbool(v, "compat", false);
		long long cm = rint_(&r, v, "cuda_major", "libraries[]", 0);
		l->cuda_major = cm > 0 && cm < 100 ? (int)cm : 0;
		l->cuda_major_source = rstr(&r, v, "cuda_major_source", "libraries[]");
		read_gpu_code(&r, v, l, i);
		if (!l->family || !l->name || !l->path) {
			if (!r.failed)
				err_set(err, CUVET_E_INVALID, "facts JSON: libraries[%zu] needs family, name and path", i);
			r.failed = true;
		}
		if (!l->real_path && !(l->real_path = xstrdup(l->path ? l->path : "")))
			fb.oom = true;
		if (!l->found_via && !(l->found_via = xstrdup("unknown"))) /* rules compare this field */
			fb.oom = true;
	}
	json_array_foreach(json_object_get(root, "toolkits"), i, v) {
		struct cuvet_toolkit *t = facts_add_toolkit(&fb);
		if (!t)
			break;
		t->path = rstr(&r, v, "path", "toolkits[]");
		t->version = rstr(&r, v, "version", "toolkits[]");
		t->version_source = rstr(&r, v, "version_source", "toolkits[]");
		t->nvcc_version = rstr(&r, v, "nvcc_version", "toolkits[]");
		t->compat_dir = rstr(&r, v, "compat_dir", "toolkits[]");
		t->compat_libcuda_version = rstr(&r, v, "compat_libcuda_version", "toolkits[]");
	}
	const char *key;
	json_object_foreach(json_object_get(root, "environment"), key, v) {
		if (json_is_string(v))
			facts_add_env(&fb, key, json_string_value(v));
	}
	json_array_foreach(json_object_get(root, "notes"), i, v) {
		if (json_is_string(v))
			facts_add_note(&fb, json_string_value(v));
	}
	json_t *ps = json_object_get(root, "probe_seconds");
	f->probe_seconds = json_is_number(ps) ? json_number_value(ps) : 0;
	if (fb.oom && !r.failed) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		r.failed = true;
	}
	if (r.failed) {
		cuvet_facts_free(f);
		f = NULL;
	}
out:
	json_decref(root);
	return f;
}
