/* libFuzzer harness for the registry's JSON (manifest.c): image manifests and indexes, OCI and
 * Docker, under each Content-Type a registry may send; an index that parses is searched for several
 * platforms. Any input gives a manifest or an error, and what parses is self-consistent. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {NULL, IMAGE_MT_OCI_INDEX, IMAGE_MT_DOCKER_LIST, IMAGE_MT_OCI_MANIFEST,
					    IMAGE_MT_DOCKER_MANIFEST, "application/json; charset=utf-8"};
	static const char *const platforms[] = {NULL, "linux/amd64", "linux/arm64/v8", "linux/arm", "windows/amd64",
						"linux/", "x"};
	/* the first byte picks the Content-Type, the rest is the body */
	if (size == 0)
		return 0;
	const char *ct = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	struct image_manifest m;
	struct cuvet_error err;
	if (image_manifest_parse((const char *)data + 1, size - 1, ct, &m, &err) < 0) {
		if (err.code == 0 || !err.msg[0])
			abort();
		return 0;
	}
	if (m.kind == IMAGE_MANIFEST && (!image_digest_valid(m.config.digest) || !m.config.media_type))
		abort();
	for (size_t i = 0; i < m.nitems; i++)
		if (!image_digest_valid(m.items[i].digest) || !m.items[i].media_type || !m.items[i].os ||
		    !m.items[i].arch || !m.items[i].variant)
			abort();
	if (m.kind == IMAGE_INDEX)
		for (size_t p = 0; p < sizeof(platforms) / sizeof(platforms[0]); p++) {
			long k = image_index_pick(&m, platforms[p], &err);
			if (k >= (long)m.nitems || (k < 0 && !err.msg[0]))
				abort();
		}
	image_manifest_release(&m);
	return 0;
}
