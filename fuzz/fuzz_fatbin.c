/* libFuzzer harness for the fat binary reader: cuvet_fatbin_parse on arbitrary bytes (host ELF,
 * ar archive, bare fatbin, cubin or PTX text, by content). Build (wiring comes later):
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude fuzz/fuzz_fatbin.c \
 *     src/lib/readers/fatbin.c src/lib/base/util.c -lelf
 * Seeds: the tests/elf fixtures (fatbin_host.o, libfatbin_host.so), nvcc output from
 * tests/arch, small CUDA libraries. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1); /* exact size: overreads trip ASan */
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct cuvet_error err;
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(buf, size, &err);
	if (fb) {
		char name[32];
		for (size_t i = 0; i < fb->nentries; i++) {
			cuvet_fatbin_target_name(&fb->entries[i], name, sizeof(name));
			(void)cuvet_fatbin_entry_runs_on(&fb->entries[i], 9, 0);
		}
		cuvet_fatbin_free(fb);
	}
	free(buf);
	return 0;
}
