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

/* What a PTX ISA version needs: the oldest toolkit that writes it and that toolkit's minimum
 * Linux driver (cuda-toolkit-arch-ptx.tsv, cuda-toolkit-driver.tsv). rules_arch.c; also the image
 * report's driver floor for GPUs that only JIT an image's PTX. */
struct ptx_need {
	char toolkit[16];          /* "12.4"; empty when the table has no such PTX ISA */
	int cuda;                  /* 12040 */
	const char *min_driver;    /* "550.54.14", or NULL */
	unsigned branch;           /* 550; 0 unknown */
	bool uncertain;
};
void rules_ptx_need(const struct cuvet_kb *kb, unsigned isa_major, unsigned isa_minor, struct ptx_need *out);

#endif
