/* libFuzzer harness for image references (ref.c): any text parses or gives an error, and what
 * parses formats back into text that parses to the same reference, in both spellings. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1024], full[1024], fam[1024];
	struct cuvet_imgref r, r2, r3;
	struct cuvet_error err;
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cuvet_imgref_parse(text, &r, &err) < 0) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	if (cuvet_imgref_format(&r, false, full, sizeof(full), &err) < 0 ||
	    cuvet_imgref_format(&r, true, fam, sizeof(fam), &err) < 0)
		abort();
	if (cuvet_imgref_parse(full, &r2, &err) < 0 || cuvet_imgref_parse(fam, &r3, &err) < 0)
		abort();
	if (!same(r.domain, r2.domain) || !same(r.path, r2.path) || !same(r.tag, r2.tag) || !same(r.digest, r2.digest) ||
	    !same(r.domain, r3.domain) || !same(r.path, r3.path) || !same(r.tag, r3.tag) || !same(r.digest, r3.digest))
		abort();
	cuvet_imgref_release(&r);
	cuvet_imgref_release(&r2);
	cuvet_imgref_release(&r3);
	return 0;
}
