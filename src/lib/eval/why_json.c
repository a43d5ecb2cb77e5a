/* "cuvet why" results as JSON (schema cuvet.why/1), and the words for the rule that found each
 * object, shared by the CLI's text so text and JSON say the same. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void cuvet_why_rule_text(const struct cuvet_why *w, size_t object, char *buf, size_t len)
{
	if (!len)
		return;
	if (!w || object >= w->nobjects) {
		buf[0] = '\0';
		return;
	}
	const struct cuvet_why_object *o = &w->objects[object];
	if (o->rule == CUVET_WHY_RPATH_PARENT && o->rule_from != CUVET_WHY_NONE && o->rule_from < w->nobjects) {
		const char *n = w->objects[o->rule_from].name;
		const char *b = strrchr(n, '/');
		snprintf(buf, len, "rpath of %s", b ? b + 1 : n);
	} else {
		snprintf(buf, len, "%s", cuvet_why_rule_name(o->rule));
	}
}

/* Every set/append goes through these, so one failed allocation anywhere fails the document
 * instead of silently dropping a field. */
static void jset(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (json_object_set_new(o, k, v) != 0)
		*ok = false;
}

static void jadd(json_t *a, json_t *v, bool *ok)
{
	if (json_array_append_new(a, v) != 0)
		*ok = false;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jindex(size_t i)
{
	return i == CUVET_WHY_NONE ? json_null() : json_integer((json_int_t)i);
}

static bool is_process(const struct cuvet_why *w)
{
	return w->ntargets > 1 || w->python;
}

static json_t *why_object_json(const struct cuvet_why *w, size_t i, bool *ok)
{
	const struct cuvet_why_object *o = &w->objects[i];
	json_t *j = json_object();
	if (!j) {
		*ok = false;
		return NULL;
	}
	char rule[160];
	cuvet_why_rule_text(w, i, rule, sizeof(rule));
	jset(j, "name", json_string(o->name), ok);
	jset(j, "path", jstr(o->path), ok);
	jset(j, "real_path", jstr(o->real_path), ok);
	jset(j, "soname", jstr(o->soname), ok);
	jset(j, "rule", json_string(cuvet_why_rule_name(o->rule)), ok);
	jset(j, "rule_text", json_string(rule), ok);
	jset(j, "rule_from", jindex(o->rule_from), ok);
	jset(j, "search_dir", jstr(o->search_dir), ok);
	jset(j, "loader", jindex(o->loader), ok);
	jset(j, "depth", json_integer((json_int_t)o->depth), ok);
	jset(j, "dlopen", json_boolean(o->dlopen), ok);
	jset(j, "family", jstr(o->family), ok);
	jset(j, "version", jstr(o->version), ok);
	jset(j, "version_source", jstr(o->version_source), ok);
	jset(j, "error", jstr(o->error), ok);
	if (is_process(w))
		jset(j, "input", json_integer((json_int_t)o->input), ok);
	json_t *ne = json_array();
	for (size_t k = 0; ne && k < o->nneeded; k++) {
		json_t *e = json_object();
		if (!e) {
			*ok = false;
			break;
		}
		jset(e, "name", json_string(o->needed[k].name), ok);
		jset(e, "object", json_integer((json_int_t)o->needed[k].object), ok);
		jset(e, "dlopen", json_boolean(o->needed[k].dlopen), ok);
		if (o->needed[k].source)
			jset(e, "source", json_string(o->needed[k].source), ok);
		jadd(ne, e, ok);
	}
	jset(j, "needed", ne, ok);
	if (o->nsearched) {
		json_t *s = json_array();
		for (size_t k = 0; s && k < o->nsearched; k++)
			jadd(s, json_string(o->searched[k]), ok);
		jset(j, "searched", s, ok);
	}
	return j;
}

static json_t *why_json(const struct cuvet_why *w, bool *ok)
{
	json_t *r = json_object(), *ld = json_object(), *dd = json_array(), *objs = json_array(), *ps = json_array();
	if (!r || !ld || !dd || !objs || !ps) {
		json_decref(r);
		json_decref(ld);
		json_decref(dd);
		json_decref(objs);
		json_decref(ps);
		*ok = false;
		return NULL;
	}
	jset(r, "target", jstr(w->target), ok);
	/* a process (several inputs, or --python): its inputs in load order and the object each is */
	if (is_process(w)) {
		json_t *in = json_array();
		if (!in)
			*ok = false;
		for (size_t i = 0; in && i < w->ntargets; i++) {
			json_t *t = json_object();
			if (!t) {
				*ok = false;
				break;
			}
			jset(t, "name", json_string(w->targets[i]), ok);
			jset(t, "object", jindex(w->target_objects[i]), ok);
			jadd(in, t, ok);
		}
		jset(r, "inputs", in, ok);
		if (w->python) {
			jset(r, "python", json_string(w->python), ok);
			jset(r, "python_dist", jstr(w->python_dist), ok);
		}
	}
	jset(ld, "lib", jstr(w->lib), ok);
	jset(ld, "platform", jstr(w->platform), ok);
	for (size_t i = 0; i < w->ndefault_dirs; i++)
		jadd(dd, json_string(w->default_dirs[i]), ok);
	jset(ld, "default_dirs", dd, ok);
	jset(r, "loader", ld, ok);
	for (size_t i = 0; i < w->nobjects; i++)
		jadd(objs, why_object_json(w, i, ok), ok);
	jset(r, "objects", objs, ok);
	for (size_t i = 0; i < w->nproblems; i++) {
		const struct cuvet_why_problem *p = &w->problems[i];
		json_t *j = json_object();
		if (!j) {
			*ok = false;
			break;
		}
		jset(j, "id", json_string(p->id), ok);
		jset(j, "severity", json_string(cuvet_severity_name(p->severity)), ok);
		jset(j, "object", json_integer((json_int_t)p->object), ok);
		jset(j, "message", json_string(p->message), ok);
		if (p->requester != CUVET_WHY_NONE)
			jset(j, "requester", jindex(p->requester), ok);
		if (p->other_path)
			jset(j, "other_path", json_string(p->other_path), ok);
		if (p->other_version)
			jset(j, "other_version", json_string(p->other_version), ok);
		jadd(ps, j, ok);
	}
	jset(r, "problems", ps, ok);
	return r;
}

char *cuvet_why_to_json(const struct cuvet_why *const *results, size_t n, bool pretty, struct cuvet_error *err)
{
	if (n && !results) {
		err_set(err, CUVET_E_INVALID, "no results given");
		return NULL;
	}
	bool ok = true;
	json_t *doc = json_object(), *arr = json_array();
	if (!doc || !arr) {
		json_decref(doc);
		json_decref(arr);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	jset(doc, "schema", json_string("cuvet.why/1"), &ok);
	for (size_t i = 0; i < n && ok; i++) {
		if (!results[i]) {
			json_decref(arr);
			json_decref(doc);
			err_set(err, CUVET_E_INVALID, "result %zu is NULL", i);
			return NULL;
		}
		jadd(arr, why_json(results[i], &ok), &ok);
	}
	jset(doc, "results", arr, &ok);
	char *s = ok ? json_dumps(doc, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "cannot render the results: out of memory, or a name that is not UTF-8");
	return s;
}
