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
	struct cuvet_error err;
	struct cuvet_facts *f = cuvet_facts_from_json((const char *)data, size, &err);
	if (!f)
		return 0;
	struct cuvet_findings *fs = cuvet_doctor(f, &err);
	if (fs) {
		char *j = cuvet_findings_to_json(f, fs, false, &err);
		free(j);
		cuvet_findings_free(fs);
	}
	cuvet_facts_free(f);
	return 0;
}
