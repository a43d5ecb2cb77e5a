/* reg_client — the registry path of the library, printed line by line for tests/registry/registry.sh:
 *   reg_client [--platform P] [--auth-file F] [--tls-verify=false] [--layers [--cat PATH]...] [--timeout MS] open REF
 *   reg_client [...] resolve REF
 * open prints the image's digests, platform, layers, env and labels; resolve prints the digest.
 * Exit 0 ok, 1 on a library error (its message on stderr, prefixed by the error code's name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet_image.h"

static const char *code_name(int code)
{
	switch (code) {
	case CUVET_E_INVALID: return "invalid";
	case CUVET_E_IO: return "io";
	case CUVET_E_NOTFOUND: return "notfound";
	case CUVET_E_NOMEM: return "nomem";
	case CUVET_E_TIMEOUT: return "timeout";
	case CUVET_E_RANGE: return "range";
	default: return "other";
	}
}

int main(int argc, char **argv)
{
	struct cuvet_image_opts opts = {0};
	struct cuvet_error err = {0};
	const char *cat[16];
	size_t ncat = 0;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--platform") == 0 && i + 1 < argc)
			opts.platform = argv[++i];
		else if (strcmp(argv[i], "--auth-file") == 0 && i + 1 < argc)
			opts.auth_file = argv[++i];
		else if (strcmp(argv[i], "--tls-verify=false") == 0)
			opts.tls_verify_off = true;
		else if (strcmp(argv[i], "--layers") == 0)
			opts.layers = true;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			opts.timeout_ms = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cat") == 0 && i + 1 < argc && ncat < 16)
			cat[ncat++] = argv[++i];
		else if (strcmp(argv[i], "--max-json") == 0 && i + 1 < argc)
			opts.limits.max_json = strtoull(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "reg_client: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: reg_client [options] open|resolve REF\n");
		return 2;
	}
	if (strcmp(argv[i], "resolve") == 0) {
		char digest[160];
		if (cuvet_registry_resolve(argv[i + 1], &opts, digest, sizeof(digest), &err) < 0) {
			fprintf(stderr, "%s: %s\n", code_name(err.code), err.msg);
			return 1;
		}
		printf("%s\n", digest);
		return 0;
	}
	char source[2048];
	snprintf(source, sizeof(source), "docker://%s", argv[i + 1]);
	struct cuvet_image *img = cuvet_image_open(source, &opts, &err);
	if (!img) {
		fprintf(stderr, "%s: %s\n", code_name(err.code), err.msg);
		return 1;
	}
	const struct cuvet_image_info *in = cuvet_image_info(img);
	printf("source %s\nref %s\nindex %s\nmanifest %s\nconfig %s\n", in->source, in->ref ? in->ref : "-",
	       in->index_digest ? in->index_digest : "-", in->manifest_digest ? in->manifest_digest : "-",
	       in->config_digest ? in->config_digest : "-");
	printf("platform %s/%s%s%s\n", in->os, in->architecture, *in->variant ? "/" : "", in->variant);
	for (size_t k = 0; k < in->nlayers; k++)
		printf("layer %s %llu %s %s\n", in->layers[k].digest ? in->layers[k].digest : "-",
		       (unsigned long long)in->layers[k].size, in->layers[k].media_type,
		       in->layers[k].diff_id ? in->layers[k].diff_id : "-");
	for (size_t k = 0; k < in->nenv; k++)
		printf("env %s=%s\n", in->env[k].key, in->env[k].value);
	for (size_t k = 0; k < in->nlabels; k++)
		printf("label %s=%s\n", in->labels[k].key, in->labels[k].value);
	struct cuvet_fs *fs = cuvet_image_fs(img);
	printf("fs %s\n", fs ? "yes" : "no");
	static const char *const types[] = {"none", "file", "dir", "link", "other"};
	for (size_t k = 0; fs && k < ncat; k++) {
		enum cuvet_fs_type t = cuvet_fs_type(fs, cat[k], false);
		char *data = NULL;
		size_t len = 0;
		printf("path %s %s", cat[k], types[t]);
		if (t == CUVET_FS_FILE && cuvet_fs_read(fs, cat[k], 0, &data, &len, &err) == 0)
			printf(" %zu bytes: %.*s", len, (int)len, data);
		else if (t == CUVET_FS_FILE)
			printf(" (%s)\n", err.msg);
		else
			printf("\n");
		free(data);
	}
	cuvet_image_free(img);
	return 0;
}
