/* libFuzzer harness for the image config parser (image-spec config.md; what every image source
 * hands image_parse_config): any input gives an image or an error; an image that parses is
 * analysed (cuvet_image_report_new) and written out, so every field read is also used. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet.h"
#include "cuvet_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cuvet_ctx *ctx;
	struct cuvet_error err;
	if (!ctx && !(ctx = cuvet_ctx_new(NULL, NULL)))
		abort();
	struct cuvet_image *img = cuvet_image_from_config((const char *)data, size, NULL, &err);
	if (!img)
		return 0;
	const struct cuvet_image_info *in = cuvet_image_info(img);
	for (size_t i = 0; i < in->nenv; i++)
		if (!cuvet_image_env(img, in->env[i].key))
			abort();
	for (size_t i = 1; i < in->nlabels; i++)
		if (strcmp(in->labels[i - 1].key, in->labels[i].key) >= 0)
			abort();
	struct cuvet_image_report *r = cuvet_image_report_new(ctx, img, NULL, &err);
	if (r) {
		char *j = cuvet_image_report_to_json(r, false, &err);
		free(j);
		cuvet_image_report_free(r);
	}
	cuvet_image_free(img);
	return 0;
}
