/* Internal interface of the diagnoses: doctor.c runs the rule sets of its registry over one host
 * view; each set (rules.c: driver and libraries, rules_kb.c: knowledge base, rules_arch.c: GPU
 * code) appends findings through rules_add (findings.c). No set calls another. */
#ifndef CUVET_RULES_H
#define CUVET_RULES_H

#include "internal.h"

struct rules {
	const struct cuvet_host *h;
	const struct cuvet_facts *f;   /* h->facts */
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

/* The rule sets. */
void rules_driver(struct rules *r);     /* rules.c */
void rules_libraries(struct rules *r);  /* rules.c */
void rules_kb(struct rules *r);         /* rules_kb.c */
void rules_arch(struct rules *r);       /* rules_arch.c */

#endif
