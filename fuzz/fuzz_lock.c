/* libFuzzer harness for the lock reader (cuvet.lock/1 files come from repositories and CI artifacts):
 * any input gives a lock or an error; a lock that parses is written back, read again (it must parse:
 * what cuvet writes, cuvet reads) and verified against a small stack, so every field read is used. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char stack[] =
	"{\"schema\": \"cuvet.facts/1\", \"host\": {\"glibc_version\": \"2.35\"},"
	" \"driver\": {\"present\": true, \"kernel_version\": \"570.86.10\"},"
	" \"gpus\": [{\"index\": 0, \"name\": \"NVIDIA H100\", \"compute_capability\": \"9.0\"}],"
	" \"libraries\": [{\"family\": \"cudnn\", \"name\": \"libcudnn.so.9\", \"path\": \"/l/libcudnn.so.9\","
	" \"version\": \"9.7.1.26\", \"default_pick\": true},"
	" {\"family\": \"nccl\", \"name\": \"libnccl.so.2\", \"path\": \"/l/libnccl.so.2\", \"version\": \"2\","
	" \"version_source\": \"soname\", \"default_pick\": true}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cuvet_facts *facts;
	struct cuvet_error err;
	if (!facts && !(facts = cuvet_facts_from_json(stack, strlen(stack), &err)))
		abort();
	struct cuvet_lock *l = cuvet_lock_parse((const char *)data, size, &err);
	if (!l)
		return 0;
	char *s = cuvet_lock_to_json(l, &err);
	if (!s)
		abort();
	struct cuvet_lock *again = cuvet_lock_parse(s, strlen(s), &err);
	if (!again)
		abort(); /* cuvet wrote a lock it cannot read */
	struct cuvet_lock_report *r = cuvet_lock_verify(again, facts, NULL, &err);
	if (!r)
		abort();
	char *j = cuvet_lock_report_to_json(r, "fuzz.lock", &err);
	free(j);
	cuvet_lock_report_free(r);
	cuvet_lock_free(again);
	free(s);
	cuvet_lock_free(l);
	return 0;
}
