/* cuvet_doctor: the registry of rule sets, run in order over one host view. */
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static const struct rule_set {
	const char *name;
	void (*run)(struct rules *r);
} rule_sets[] = {
	{"driver", rules_driver},
	{"libraries", rules_libraries},
	{"knowledge-base", rules_kb},
	{"gpu-code", rules_arch},
};

static const char *const rule_set_names[] = {"driver", "libraries", "knowledge-base", "gpu-code", NULL};

const char *const *cuvet_doctor_rule_sets(void)
{
	return rule_set_names;
}

void cuvet_doctor_opts_init(struct cuvet_doctor_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
}

static bool selected(const struct cuvet_doctor_opts *opts, const char *name)
{
	if (!opts || !opts->rule_sets)
		return true;
	for (const char *const *p = opts->rule_sets; *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

static void finding_release(struct cuvet_finding *x)
{
	free(x->id);
	free(x->layer);
	free(x->summary);
	free(x->cause);
	free(x->fix);
}

/* Orders the findings errors first, then warnings, then notes, each in rule order (a stable
 * bucket pass, linear in the count), and keeps the first MAX (0: all), counting the rest as
 * dropped. -1 when out of memory. */
static int order_and_limit(struct cuvet_findings *out, size_t max)
{
	if (out->count < 2 && (!max || out->count <= max))
		return 0;
	struct cuvet_finding *sorted = malloc(out->count * sizeof(*sorted));
	if (!sorted)
		return -1;
	size_t n = 0;
	for (int sev = CUVET_SEV_ERROR; sev >= CUVET_SEV_INFO; sev--)
		for (size_t i = 0; i < out->count; i++)
			if ((int)out->items[i].severity == sev)
				sorted[n++] = out->items[i];
	free(out->items);
	out->items = sorted;
	if (max && out->count > max) {
		for (size_t i = max; i < out->count; i++)
			finding_release(&out->items[i]);
		out->dropped = out->count - max;
		out->count = max;
	}
	return 0;
}

struct cuvet_findings *cuvet_doctor(const struct cuvet_host *host, const struct cuvet_doctor_opts *opts,
				    struct cuvet_error *err)
{
	for (const char *const *p = opts && opts->rule_sets ? opts->rule_sets : NULL; p && *p; p++) {
		bool known = false;
		for (size_t i = 0; i < CUVET_ARRAY_LEN(rule_sets); i++)
			known |= strcmp(*p, rule_sets[i].name) == 0;
		if (!known) {
			err_set(err, CUVET_E_INVALID, "unknown rule set '%s' (driver, libraries, knowledge-base, gpu-code)", *p);
			return NULL;
		}
	}
	struct rules r = {.h = host, .f = host->facts};
	r.out = calloc(1, sizeof(*r.out));
	if (!r.out) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < CUVET_ARRAY_LEN(rule_sets) && !r.oom; i++)
		if (selected(opts, rule_sets[i].name))
			rule_sets[i].run(&r);
	if (r.oom) {
		cuvet_findings_free(r.out);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	if (order_and_limit(r.out, opts ? opts->max_findings : 0) < 0) {
		cuvet_findings_free(r.out);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	return r.out;
}
