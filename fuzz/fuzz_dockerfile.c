/* libFuzzer harness for the Dockerfile parser, its lint rules (with the built-in knowledge base)
 * and pinning: any input must parse or be refused with an error, never crash, hang or leak; a
 * pin must leave every byte outside the image tokens as it was (checked here: the result's
 * length is the input's plus what the rewritten tokens add). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet.h"
#include "cuvet_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char digests_text[] =
	"ubuntu:22.04 sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	"docker.io/library/alpine:latest sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
	"nvcr.io/nvidia/pytorch:24.01-py3 sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cuvet_ctx *ctx;
	static struct cuvet_digests *digests;
	if (!ctx) {
		ctx = cuvet_ctx_new(NULL, NULL);
		digests = cuvet_digests_parse(digests_text, sizeof(digests_text) - 1, NULL);
		if (!ctx || !digests)
			abort();
	}
	/* the digests parser gets the same bytes */
	cuvet_digests_free(cuvet_digests_parse((const char *)data, size, NULL));
	static const char *const build_args[] = {"TAG=22.04", "BASE=ubuntu", NULL};
	struct cuvet_error err = {0};
	struct cuvet_dockerfile *df = cuvet_dockerfile_parse((const char *)data, size, build_args, &err);
	if (!df)
		return 0;
	struct cuvet_dockerfile_lint_opts lo = {.kb = cuvet_ctx_kb(ctx)};
	cuvet_dockerfile_findings_free(cuvet_dockerfile_lint(df, &lo, &err));
	struct cuvet_pin_result *r = cuvet_dockerfile_pin((const char *)data, size, df, digests, NULL, &err);
	if (r) {
		size_t added = 0;
		for (size_t i = 0; i < r->nlines; i++)
			if (r->lines[i].state == CUVET_PIN_REWRITTEN) {
				const struct cuvet_dockerfile_stage *sg = NULL;
				for (size_t s = 0; s < df->nstages; s++)
					if (df->instrs[df->stages[s].instr].line == r->lines[i].line)
						sg = &df->stages[s];
				if (!sg)
					abort();
				added += strlen(r->lines[i].pinned) - sg->image_len;
			}
		if (r->len != size + added)
			abort();
	}
	cuvet_pin_result_free(r);
	cuvet_dockerfile_free(df);
	return 0;
}
