/* libFuzzer harness for the ld.so.cache parser: any input must give a cache or an error,
 * never a crash or an out-of-bounds read. On success, walk every string so the sanitizers
 * check that each one really is NUL-terminated inside the copy. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cuvet_error err;
	struct cuvet_ldcache *c = cuvet_ldcache_parse(data, size, &err);
	if (!c)
		return 0;
	volatile size_t sink = 0;
	for (size_t i = 0; i < c->count; i++) {
		const struct cuvet_ldcache_entry *e = &c->entries[i];
		sink += strlen(e->name) + strlen(e->path);
		if (e->hwcap_subdir)
			sink += strlen(e->hwcap_subdir);
		char desc[128];
		cuvet_ldcache_entry_desc(e, desc, sizeof(desc));
	}
	if (c->generator)
		sink += strlen(c->generator);
	if (c->count)
		(void)cuvet_ldcache_lookup(c, c->entries[0].name, 0x303);
	(void)sink;
	cuvet_ldcache_free(c);
	return 0;
}
