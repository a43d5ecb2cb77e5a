/* libFuzzer harness for the ELF reader: cuvet_elf_read and cuvet_elf_read_symbols on arbitrary
 * bytes. Build (wiring comes later):
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude fuzz/fuzz_elf.c src/lib/readers/elf.c src/lib/base/util.c -lelf
 * Seeds: any ELF files (the tests/elf fixtures, the .so files in /usr/lib/x86_64-linux-gnu). */
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
	/* An exact-size copy, so an overread past SIZE is caught by ASan even when the fuzzer's
	 * own buffer is larger. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct cuvet_error err;
	struct cuvet_elf_info info;
	if (cuvet_elf_read(buf, size, &info, &err) == 0)
		cuvet_elf_info_release(&info);
	struct cuvet_elf_symbols syms;
	if (cuvet_elf_read_symbols(buf, size, &syms, &err) == 0)
		cuvet_elf_symbols_release(&syms);
	free(buf);
	return 0;
}
