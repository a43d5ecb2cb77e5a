/* libFuzzer harness for the facts JSON reader (what `doctor --facts` and `check --facts` read
 * from other hosts): any input gives facts or an error; facts that parse are diagnosed and
 * written back, so every field read is also used. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cuvet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cuvet_ctx *ctx;
	struct cuvet_error err;
	if (!ctx && !(ctx = cuvet_ctx_new(NULL, NULL)))
		abort();
	struct cuvet_facts *f = cuvet_facts_from_json((const char *)data, size, &err);
	if (!f)
		return 0;
	struct cuvet_host *h = cuvet_host_new(ctx, f, NULL, &err);
	struct cuvet_findings *fs = h ? cuvet_doctor(h, NULL, &err) : NULL;
	if (fs) {
		char *j = cuvet_findings_to_json(f, fs, false, &err);
		free(j);
		cuvet_findings_free(fs);
	}
	cuvet_host_free(h);
	cuvet_facts_free(f);
	return 0;
}
