/*
 * TensorRT engines: the header as JSON (cuvet.engine/1) and whether this host can load one.
 *
 * The rules (shared/kb/tensorrt-support.md §3, NVIDIA's cookbook): a standard engine loads only in
 * the exact TensorRT release that built it (8.6.1.4 is rejected by 8.6.1.6: "expecting library
 * version 8.6.1.6 got 8.6.1.4"), and only on a GPU of the compute capability it was built on
 * ("The engine plan file is generated on an incompatible device, expecting compute 8.6 got compute
 * 8.0"). Version-compatible engines (8.6+) also load in newer TensorRT, never older; hardware-
 * compatible ones (8.6+, level ampere+) on any GPU of compute capability 8.0 or later. The header
 * does not record either flag, so where one of them would change the answer it is UNKNOWN.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../base/internal.h"
#include "../base/sha256.h"
#include "cuvet.h"
#include "cuvet_readers.h"

static void jset(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (!o || !v || json_object_set_new(o, k, v) != 0)
		*ok = false;
}

static json_t *jtri(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

char *cuvet_trt_engine_to_json(const struct cuvet_trt_engine *e, const char *path, bool pretty,
			       struct cuvet_error *err)
{
	bool ok = true;
	char buf[64];
	json_t *root = json_object();
	jset(root, "schema", json_string("cuvet.engine/1"), &ok);
	jset(root, "path", path ? json_string(path) : json_null(), &ok);
	jset(root, "family", json_string(cuvet_trt_family_name(e->family)), &ok);
	jset(root, "wrapper", e->wrapper ? json_string(e->wrapper) : json_null(), &ok);
	if (e->version_known) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", e->version[0], e->version[1], e->version[2], e->version[3]);
		jset(root, "tensorrt", json_string(buf), &ok);
	} else {
		jset(root, "tensorrt", json_null(), &ok);
	}
	jset(root, "version_compatible", jtri(e->version_compatible), &ok);
	jset(root, "hardware_compatible", jtri(e->hardware_compatible), &ok);
	if (e->family == CUVET_TRT_FAMILY_CONTAINER) {
		json_t *c = json_object();
		jset(c, "version", json_integer(e->container_version), &ok);
		json_t *secs = json_array();
		for (unsigned i = 0; i < e->nsections && i < 8; i++)
			if (!secs || json_array_append_new(secs, json_string(e->sections[i])) != 0)
				ok = false;
		jset(c, "sections", secs, &ok);
		jset(c, "tag", e->container_tag[0] ? json_string(e->container_tag) : json_null(), &ok);
		jset(c, "trailer", json_boolean(e->trailer_ok), &ok);
		jset(root, "container", c, &ok);
	} else {
		jset(root, "container", json_null(), &ok);
	}
	if (e->family == CUVET_TRT_FAMILY_CONTAINER || e->family == CUVET_TRT_FAMILY_PLAN) {
		json_t *p = json_object();
		jset(p, "offset", json_integer((json_int_t)e->plan_offset), &ok);
		jset(p, "size", json_integer((json_int_t)e->plan_size), &ok);
		jset(p, "layout", e->plan_layout ? json_string(cuvet_trt_plan_layout_name(e->plan_layout)) : json_null(), &ok);
		jset(p, "serialization_version", e->serialization_version ? json_integer(e->serialization_version) : json_null(), &ok);
		jset(p, "crc_ok", jtri(e->crc_ok), &ok);
		jset(p, "trailer", json_boolean(e->plan_trailer), &ok);
		jset(root, "plan", p, &ok);
	} else {
		jset(root, "plan", json_null(), &ok);
	}
	const struct cuvet_trt_device *d = &e->device;
	if (d->known) {
		json_t *j = json_object();
		snprintf(buf, sizeof(buf), "%d.%d", d->cc_major, d->cc_minor);
		jset(j, "compute_capability", json_string(buf), &ok);
		jset(j, "sm_count", json_integer(d->sm_count), &ok);
		jset(j, "integrated", jtri(d->integrated), &ok);
		jset(j, "memory_bytes", d->total_memory ? json_integer((json_int_t)d->total_memory) : json_null(), &ok);
		jset(j, "l2_cache_bytes", json_integer((json_int_t)d->l2_cache), &ok);
		jset(j, "memory_bus_width", json_integer(d->memory_bus_width), &ok);
		jset(j, "clock_khz", json_integer(d->clock_khz), &ok);
		jset(j, "memory_clock_khz", json_integer(d->memory_clock_khz), &ok);
		jset(j, "layout", json_integer(d->layout), &ok);
		jset(root, "device", j, &ok);
	} else {
		jset(root, "device", json_null(), &ok);
	}
	char *s = ok ? json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return s;
}

/* ------------------------------------------------------------- provenance ---- */

static const char *jget_str(const json_t *o, const char *k)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, k) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const json_t *jget(const json_t *o, const char *k)
{
	return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static int dup_opt(char **dst, const char *s)
{
	if (!s)
		return 0;
	return (*dst = xstrdup(s)) ? 0 : -1;
}

/* The record's layout is cuvet build/stamp's (doc/provenance.md): an in-toto statement whose
 * predicate.buildDefinition.internalParameters.environment holds the build host's driver, GPUs
 * and stack. Fields are looked up by name; a missing one stays NULL. */
int cuvet_engine_provenance_read(const char *text, size_t len, const void *engine, size_t engine_len,
				 struct cuvet_engine_provenance *out, struct cuvet_error *err)
{
	memset(out, 0, sizeof(*out));
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	if (!root)
		return err_set(err, CUVET_E_INVALID, "not JSON: %s (line %d)", je.text, je.line);
	const char *schema = jget_str(root, "schema");
	if (!schema || strcmp(schema, "cuvet.provenance/1") != 0) {
		err_set(err, CUVET_E_INVALID, "not a cuvet.provenance/1 record (schema %s%s%s)", schema ? "\"" : "",
			schema ? schema : "missing", schema ? "\"" : "");
		json_decref(root); /* SCHEMA points into it */
		return -1;
	}
	char digest[SHA256_DIGEST_STR];
	if (sha256_buf(engine, engine_len, digest, err) != 0) {
		json_decref(root);
		return -1;
	}
	const json_t *subject = jget(root, "subject");
	for (size_t i = 0; json_is_array(subject) && i < json_array_size(subject); i++) {
		const char *hex = jget_str(jget(json_array_get(subject, i), "digest"), "sha256");
		if (!hex)
			continue;
		if (!out->subject_digest[0])
			snprintf(out->subject_digest, sizeof(out->subject_digest), "sha256:%.64s", hex);
		if (strcmp(hex, digest + strlen("sha256:")) == 0)
			out->subject_matches = true;
	}
	const json_t *env = jget(jget(jget(jget(root, "predicate"), "buildDefinition"), "internalParameters"), "environment");
	int rc = dup_opt(&out->driver, jget_str(jget(env, "driver"), "version"));
	const json_t *gpus = jget(env, "gpus");
	if (json_is_array(gpus) && json_array_size(gpus) > 0) {
		const json_t *g = json_array_get(gpus, 0);
		rc |= dup_opt(&out->compute_capability, jget_str(g, "compute_capability"));
		rc |= dup_opt(&out->gpu, jget_str(g, "name"));
	}
	const json_t *stack = jget(env, "stack");
	for (size_t i = 0; json_is_array(stack) && i < json_array_size(stack); i++) {
		const json_t *c = json_array_get(stack, i);
		const char *name = jget_str(c, "name");
		if (name && strcmp(name, "tensorrt") == 0 && !out->tensorrt) {
			rc |= dup_opt(&out->tensorrt, jget_str(c, "version"));
			rc |= dup_opt(&out->tensorrt_source, jget_str(c, "source"));
		}
	}
	json_decref(root);
	if (rc) {
		cuvet_engine_provenance_release(out);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	return 0;
}

void cuvet_engine_provenance_release(struct cuvet_engine_provenance *p)
{
	if (!p)
		return;
	free(p->tensorrt);
	free(p->tensorrt_source);
	free(p->compute_capability);
	free(p->gpu);
	free(p->driver);
	memset(p, 0, sizeof(*p));
}

char *cuvet_engine_provenance_to_json(const struct cuvet_engine_provenance *p, const char *path, struct cuvet_error *err)
{
	json_t *o = json_pack("{s:s?, s:b, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "path", path, "subject_matches",
			      p->subject_matches, "subject", p->subject_digest[0] ? p->subject_digest : NULL, "tensorrt",
			      p->tensorrt, "tensorrt_source", p->tensorrt_source, "compute_capability",
			      p->compute_capability, "gpu", p->gpu, "driver", p->driver);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return s;
}

/* ------------------------------------------------------------------ check ---- */

static int item_set(struct cuvet_engine_item *it, enum cuvet_verdict v, const char *needs, const char *have,
		    const char *message)
{
	it->verdict = v;
	it->needs = xstrdup(needs);
	it->have = have ? xstrdup(have) : NULL;
	it->message = xstrdup(message);
	return it->needs && it->message && (!have || it->have) ? 0 : -1;
}

/* The TensorRT a process loads: the plain dlopen pick of libnvinfer.so.MAJOR (the engine's
 * major), else any libnvinfer found, to say which TensorRT is here instead. */
static const struct cuvet_lib *nvinfer_pick(const struct cuvet_host *h, unsigned major, bool *same_major)
{
	char soname[32];
	snprintf(soname, sizeof(soname), "libnvinfer.so.%u", major);
	const struct cuvet_lib *l = cuvet_host_pick(h, soname);
	*same_major = l != NULL;
	if (l)
		return l;
	const struct cuvet_facts *f = h->facts;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *x = &f->libs[i];
		if (x->default_pick && x->name && str_starts(x->name, "libnvinfer.so.") && !x->stub)
			return x;
	}
	return NULL;
}

/* What the engine needs: the header's 4-part release, else the provenance record's. */
struct trt_want {
	unsigned part[4];
	unsigned n;            /* 0 unknown, 3 or 4 */
	const char *from;      /* "" (the header) or " (provenance record)" */
	int version_compatible;
};

static int check_tensorrt(const struct cuvet_host *h, const struct trt_want *w, struct cuvet_engine_item *it)
{
	it->name = "tensorrt";
	char needs[96], want[48], have[1024], msg[1024];
	if (!w->n)
		return item_set(it, CUVET_UNKNOWN, "TensorRT (the header does not record which)", NULL,
				"the engine's header does not say which TensorRT built it, and no provenance record does");
	if (w->n == 4)
		snprintf(want, sizeof(want), "%u.%u.%u.%u", w->part[0], w->part[1], w->part[2], w->part[3]);
	else
		snprintf(want, sizeof(want), "%u.%u.%u", w->part[0], w->part[1], w->part[2]);
	snprintf(needs, sizeof(needs), "TensorRT %s%s", want, w->from);
	bool same_major = false;
	const struct cuvet_lib *l = nvinfer_pick(h, w->part[0], &same_major);
	if (!l) {
		snprintf(msg, sizeof(msg), "no libnvinfer.so.%u is found: install TensorRT %s", w->part[0], want);
		return item_set(it, CUVET_FAIL, needs, NULL, msg);
	}
	snprintf(have, sizeof(have), "TensorRT %s (%s, %s)", l->version ? l->version : "?",
		 l->real_path ? l->real_path : l->path ? l->path : l->name, l->version_source ? l->version_source : "?");
	struct cuvet_version v;
	if (!l->version || cuvet_version_parse_prefix(l->version, &v, NULL, NULL) < 0 || v.nparts < 3) {
		snprintf(msg, sizeof(msg), "the version of %s is not known", l->name ? l->name : "libnvinfer");
		return item_set(it, CUVET_UNKNOWN, needs, have, msg);
	}
	/* compare what both sides say: the file name gives major.minor.patch, the build number
	 * only package metadata */
	unsigned n = v.nparts < w->n ? v.nparts : w->n;
	int cmp = 0;
	for (unsigned i = 0; i < n && !cmp; i++)
		cmp = v.part[i] < w->part[i] ? -1 : v.part[i] > w->part[i] ? 1 : 0;
	if (cmp == 0 && n == 4)
		return item_set(it, CUVET_PASS, needs, have, "the exact release that built the engine");
	if (cmp == 0) {
		snprintf(msg, sizeof(msg),
			 "the build number %s is not known (a standard engine needs the exact build: a plan from 8.6.1.4 "
			 "is rejected by 8.6.1.6)",
			 v.nparts < 4 ? "of this TensorRT" : "the engine needs");
		return item_set(it, CUVET_UNKNOWN, needs, have, msg);
	}
	if (cmp < 0 || w->version_compatible == 0) {
		snprintf(msg, sizeof(msg),
			 "%s: \"The engine plan file is not compatible with this version of TensorRT\"; install "
			 "TensorRT %s or rebuild the engine with this TensorRT",
			 cmp < 0 ? "this TensorRT is older than the one that built the engine (no engine loads in an older "
				   "TensorRT)"
				 : "a different TensorRT than the one that built the engine",
			 want);
		return item_set(it, CUVET_FAIL, needs, have, msg);
	}
	/* newer TensorRT, engine 8.6+: loads only if built version-compatible */
	snprintf(msg, sizeof(msg),
		 "a newer TensorRT than the one that built the engine: it loads only if the engine was built "
		 "version-compatible (--versionCompatible), which the header does not record; else install TensorRT "
		 "%s or rebuild",
		 want);
	return item_set(it, CUVET_UNKNOWN, needs, have, msg);
}

static int check_gpu(const struct cuvet_host *h, int cc_major, int cc_minor, const char *from, int hardware_compatible,
		     struct cuvet_engine_item *it)
{
	it->name = "gpu";
	char needs[96], have[1024] = "", msg[1024];
	if (cc_major < 0)
		return item_set(it, CUVET_UNKNOWN, "a GPU (the header's device block was not found)", NULL,
				"the compute capability the engine was built for is not known");
	snprintf(needs, sizeof(needs), "compute capability %d.%d%s", cc_major, cc_minor, from);
	if (h->nvisible == 0)
		return item_set(it, CUVET_UNKNOWN, needs, NULL, "no GPU is visible");
	enum cuvet_verdict worst = CUVET_PASS;
	const struct cuvet_gpu *bad = NULL;
	size_t off = 0;
	for (size_t i = 0; i < h->nvisible; i++) {
		const struct cuvet_gpu *g = h->visible[i];
		char cc[16] = "?";
		if (g->cc_major >= 0)
			snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
		if (off < sizeof(have))
			off += (size_t)snprintf(have + off, sizeof(have) - off, "%sGPU %d %s (%s)", i ? ", " : "", g->index,
						g->name ? g->name : "?", cc);
		enum cuvet_verdict v;
		if (g->cc_major < 0)
			v = CUVET_UNKNOWN;
		else if (g->cc_major == cc_major && g->cc_minor == cc_minor)
			v = CUVET_PASS;
		else if (hardware_compatible == 0 || cc_major < 8 || g->cc_major < 8)
			v = CUVET_FAIL; /* ampere+ needs both the build GPU and this one at 8.0 or later */
		else
			v = CUVET_UNKNOWN;
		if (v == CUVET_FAIL || (v == CUVET_UNKNOWN && worst == CUVET_PASS)) {
			worst = v;
			bad = g;
		}
	}
	if (worst == CUVET_PASS)
		return item_set(it, CUVET_PASS, needs, have, "the compute capability the engine was built on");
	if (bad->cc_major < 0)
		snprintf(msg, sizeof(msg), "the compute capability of GPU %d is not known", bad->index);
	else if (worst == CUVET_FAIL)
		snprintf(msg, sizeof(msg),
			 "GPU %d has compute capability %d.%d: \"The engine plan file is generated on an incompatible "
			 "device, expecting compute %d.%d got compute %d.%d\"; rebuild the engine on a GPU of compute "
			 "capability %d.%d",
			 bad->index, bad->cc_major, bad->cc_minor, cc_major, cc_minor, bad->cc_major, bad->cc_minor,
			 bad->cc_major, bad->cc_minor);
	else
		snprintf(msg, sizeof(msg),
			 "GPU %d has compute capability %d.%d: the engine loads there only if it was built hardware-"
			 "compatible (--hardwareCompatibilityLevel=ampere+), which the header does not record",
			 bad->index, bad->cc_major, bad->cc_minor);
	return item_set(it, worst, needs, have, msg);
}

static enum cuvet_verdict worse(enum cuvet_verdict a, enum cuvet_verdict b)
{
	static const int rank[] = {[CUVET_PASS] = 0, [CUVET_UNKNOWN] = 1, [CUVET_FAIL] = 2, [CUVET_ERROR] = 3};
	return rank[b] > rank[a] ? b : a;
}

/* The build host's driver (from the provenance record) against this one: a warning, never a
 * failure; whether this driver runs the TensorRT and CUDA here is the libraries' check. */
static int check_driver(const struct cuvet_host *h, const struct cuvet_engine_provenance *p, struct cuvet_engine_item *it)
{
	it->name = "driver";
	it->warning = true;
	char needs[128], msg[512];
	if (!p->subject_matches) {
		snprintf(msg, sizeof(msg),
			 "the provenance record beside the engine is about other bytes (its subject is %s): not used",
			 p->subject_digest[0] ? p->subject_digest : "missing");
		return item_set(it, CUVET_PASS, "nothing (no provenance record of this engine)", h->driver, msg);
	}
	snprintf(needs, sizeof(needs), "driver %s or newer (the build host's, provenance record)", p->driver);
	if (!h->driver)
		return item_set(it, CUVET_PASS, needs, NULL, "the driver here is not known");
	int cmp = version_cmp_loose(h->driver, p->driver);
	if (cmp < 0) {
		snprintf(msg, sizeof(msg), "this driver is older than the one the engine was built on (%s)", p->driver);
		return item_set(it, CUVET_PASS, needs, h->driver, msg);
	}
	it->warning = false;
	return item_set(it, CUVET_PASS, needs, h->driver, cmp == 0 ? "the driver the engine was built on"
								   : "newer than the driver the engine was built on");
}

struct cuvet_engine_check *cuvet_engine_check_new(const struct cuvet_host *host, const struct cuvet_trt_engine *engine,
						  const struct cuvet_engine_provenance *prov, struct cuvet_error *err)
{
	if (!host || !engine) {
		err_set(err, CUVET_E_INVALID, "cuvet_engine_check_new: no host or engine");
		return NULL;
	}
	const struct cuvet_engine_provenance *p = prov && prov->subject_matches ? prov : NULL;
	struct trt_want w = {.from = "", .version_compatible = engine->version_compatible};
	if (engine->version_known) {
		memcpy(w.part, engine->version, sizeof(w.part));
		w.n = 4;
	} else if (p && p->tensorrt) {
		struct cuvet_version v;
		if (cuvet_version_parse_prefix(p->tensorrt, &v, NULL, NULL) == 0 && v.nparts >= 3) {
			w.n = v.nparts >= 4 ? 4 : 3;
			for (unsigned i = 0; i < w.n; i++)
				w.part[i] = v.part[i];
			w.from = " (provenance record)";
		}
	}
	int cc_major = -1, cc_minor = -1;
	const char *cc_from = "";
	if (engine->device.known) {
		cc_major = engine->device.cc_major;
		cc_minor = engine->device.cc_minor;
	} else if (p && p->compute_capability) {
		struct cuvet_version v;
		if (cuvet_version_parse(p->compute_capability, &v, NULL) == 0 && v.nparts == 2 && v.part[0] < 100 &&
		    v.part[1] < 10) {
			cc_major = (int)v.part[0];
			cc_minor = (int)v.part[1];
			cc_from = " (provenance record)";
		}
	}
	struct cuvet_engine_check *c = calloc(1, sizeof(*c));
	if (!c) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	c->nitems = 2;
	int rc = check_tensorrt(host, &w, &c->items[0]) |
		 check_gpu(host, cc_major, cc_minor, cc_from, engine->hardware_compatible, &c->items[1]);
	if (prov && (prov->driver || !prov->subject_matches)) {
		c->nitems = 3;
		rc |= check_driver(host, prov, &c->items[2]);
	}
	if (rc) {
		cuvet_engine_check_free(c);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	c->verdict = CUVET_PASS;
	for (size_t i = 0; i < c->nitems; i++)
		c->verdict = worse(c->verdict, c->items[i].verdict);
	return c;
}

void cuvet_engine_check_free(struct cuvet_engine_check *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nitems; i++) {
		free(c->items[i].needs);
		free(c->items[i].have);
		free(c->items[i].message);
	}
	free(c);
}

char *cuvet_engine_check_to_json(const struct cuvet_engine_check *c, const char *path, bool pretty,
				 struct cuvet_error *err)
{
	bool ok = true;
	json_t *root = json_object();
	jset(root, "path", path ? json_string(path) : json_null(), &ok);
	jset(root, "verdict", json_string(cuvet_verdict_name(c->verdict)), &ok);
	json_t *items = json_array();
	for (size_t i = 0; i < c->nitems; i++) {
		const struct cuvet_engine_item *it = &c->items[i];
		json_t *j = json_object();
		jset(j, "name", json_string(it->name), &ok);
		jset(j, "verdict", json_string(cuvet_verdict_name(it->verdict)), &ok);
		jset(j, "warning", json_boolean(it->warning), &ok);
		jset(j, "needs", json_string(it->needs), &ok);
		jset(j, "have", it->have ? json_string(it->have) : json_null(), &ok);
		jset(j, "message", json_string(it->message), &ok);
		if (!items || !j || json_array_append_new(items, j) != 0)
			ok = false;
	}
	jset(root, "items", items, &ok);
	char *s = ok ? json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return s;
}

char *cuvet_json_add_member(const char *object, const char *key, const char *value, bool pretty,
			    struct cuvet_error *err)
{
	json_error_t je;
	json_t *o = json_loads(object, 0, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		err_set(err, CUVET_E_INVALID, "not a JSON object: %s", o ? "another type" : je.text);
		return NULL;
	}
	json_t *v = json_loads(value, JSON_DECODE_ANY, &je);
	if (!v) {
		json_decref(o);
		err_set(err, CUVET_E_INVALID, "invalid JSON value: %s", je.text);
		return NULL;
	}
	char *s = NULL;
	if (json_object_set_new(o, key, v) == 0)
		s = json_dumps(o, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return s;
}
