#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image_cli.h"

void image_cli_init(struct image_cli *o, const char *cmd)
{
	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->layers = -1;
}

static int limit(struct image_cli *o, const char *name, const char *arg, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || !end || *end || arg[0] < '0' || arg[0] > '9' || v == 0 || v > max) {
		cli_error(o->cmd, "--%s wants a whole number from 1 to %llu, not '%s'", name, (unsigned long long)max, arg);
		return -1;
	}
	*out = v;
	return 0;
}

static int image_opt(struct image_cli *o, int id, const char *arg)
{
	uint64_t v = 0;
	switch (id) {
	case OPT_IMG_PLATFORM: o->opts.platform = arg; return 0;
	case OPT_IMG_LAYERS: o->layers = 1; return 0;
	case OPT_IMG_NO_LAYERS: o->layers = 0; return 0;
	case OPT_IMG_AUTHFILE: o->opts.auth_file = arg; return 0;
	case OPT_IMG_NO_TLS_VERIFY: o->opts.tls_verify_off = true; return 0;
	case OPT_IMG_LIMIT_ENTRIES: return limit(o, "limit-entries", arg, UINT64_MAX, &o->opts.limits.max_entries);
	case OPT_IMG_LIMIT_BYTES: return limit(o, "limit-bytes", arg, UINT64_MAX, &o->opts.limits.max_bytes);
	case OPT_IMG_LIMIT_JSON: return limit(o, "limit-json", arg, UINT64_MAX, &o->opts.limits.max_json);
	case OPT_IMG_LIMIT_RATIO:
		if (limit(o, "limit-ratio", arg, UINT32_MAX, &v) < 0)
			return -1;
		o->opts.limits.max_ratio = (uint32_t)v;
		return 0;
	case OPT_IMG_LIMIT_PATH:
		if (limit(o, "limit-path", arg, UINT32_MAX, &v) < 0)
			return -1;
		o->opts.limits.max_path = (uint32_t)v;
		return 0;
	default: return 1;
	}
}

struct cuvet_image *image_cli_open(const struct image_cli *o, const char *src, int *code)
{
	static const char *const transports[] = {"docker-archive:", "oci:", "oci-archive:", "docker://"};
	bool known = false;
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		known |= strncmp(src, transports[i], strlen(transports[i])) == 0;
	if (!known) {
		cli_error(o->cmd, "'%s' names no image source: docker-archive:FILE, oci:DIR[:TAG], oci-archive:FILE "
				  "or docker://REF", src);
		*code = EXIT_USAGE;
		return NULL;
	}
	struct cuvet_image_opts opts = o->opts;
	opts.layers = o->layers >= 0 ? o->layers == 1 : strncmp(src, "docker://", 9) != 0;
	struct cuvet_error err = {0};
	struct cuvet_image *img = cuvet_image_open(src, &opts, &err);
	if (!img) {
		cli_error(o->cmd, "%s", err.msg);
		*code = EXIT_INPUT;
	}
	return img;
}

int image_cli_handle(struct image_cli *o, int id, const char *arg)
{
	int r = image_opt(o, id, arg);
	if (r <= 0)
		o->given = true;
	return r;
}

int image_cli_check(const struct image_cli *o, const char *image)
{
	if (o->given && !image) {
		cli_error(o->cmd, "the image options need --image SOURCE");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
