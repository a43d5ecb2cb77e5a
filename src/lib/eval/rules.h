/* Internal interface between the diagnosis modules: rules.c owns cuvet_doctor() and the finding
 * list; rules_arch.c adds the GPU-code rules over the same facts. */
#ifndef CUVET_RULES_H
#define CUVET_RULES_H

#include "internal.h"

struct rules {
	const struct cuvet_facts *f;
	struct cuvet_findings *out;
	size_t cap;
	bool oom;
};

/* Appends a finding to OUT (capacity *CAP); takes ownership of the three strings (NULL means
 * out of memory, and so does -1). */
int findings_append(struct cuvet_findings *out, size_t *cap, const char *id, enum cuvet_severity sev,
		    const char *layer, char *summary, char *cause, char *fix);
/* The same for a rules pass; out of memory sets r->oom. */
void rules_add(struct rules *r, const char *id, enum cuvet_severity sev, const char *layer, char *summary,
	       char *cause, char *fix);

/* GPUs whose compute capability the libraries' fatbins do not cover (rules_arch.c). */
void rules_arch(struct rules *r);
#endif
