/* Findings: appending them (for the rule sets), releasing them, and their JSON ("cuvet.doctor/1"). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "rules.h"

int findings_append(struct cuvet_findings *out, size_t *cap, const char *id, enum cuvet_severity sev,
		    const char *layer, char *summary, char *cause, char *fix)
{
	if (!summary || !cause || !fix || xgrow(&out->items, cap, out->count, sizeof(*out->items)) < 0) {
		free(summary);
		free(cause);
		free(fix);
		return -1;
	}
	struct cuvet_finding *x = &out->items[out->count++];
	x->id = xstrdup(id);
	x->severity = sev;
	x->layer = xstrdup(layer);
	x->summary = summary;
	x->cause = cause;
	x->fix = fix;
	return x->id && x->layer ? 0 : -1;
}

void rules_add(struct rules *r, const char *id, enum cuvet_severity sev, const char *layer, char *summary,
	       char *cause, char *fix)
{
	if (findings_append(r->out, &r->cap, id, sev, layer, summary, cause, fix) < 0)
		r->oom = true;
}

void cuvet_findings_free(struct cuvet_findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].id);
		free(f->items[i].layer);
		free(f->items[i].summary);
		free(f->items[i].cause);
		free(f->items[i].fix);
	}
	free(f->items);
	free(f);
}


char *cuvet_findings_to_json(const struct cuvet_facts *facts, const struct cuvet_findings *f, bool pretty,
			     struct cuvet_error *err)
{
	json_t *arr = json_array();
	size_t errors = 0, warnings = 0;
	for (size_t i = 0; i < f->count; i++) {
		const struct cuvet_finding *x = &f->items[i];
		errors += x->severity == CUVET_SEV_ERROR;
		warnings += x->severity == CUVET_SEV_WARNING;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", x->id, "severity",
						     cuvet_severity_name(x->severity), "layer", x->layer, "summary",
						     x->summary, "cause", x->cause, "fix", x->fix));
	}
	json_t *root = json_pack("{s:s, s:s, s:i, s:i, s:o, s:o}", "schema", "cuvet.doctor/1", "verdict",
				 errors ? "FAIL" : "PASS", "errors", (json_int_t)errors, "warnings", (json_int_t)warnings,
				 "findings", arr, "facts", facts_to_jansson(facts));
	char *s = root ? json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory building JSON");
	return s;
}
