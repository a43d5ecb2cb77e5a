/* Options shared by the commands that open a container image (image inspect, check --image,
 * doctor --image): platform, layers, limits against hostile input, registry credentials. */
#ifndef CUVET_CLI_IMAGE_H
#define CUVET_CLI_IMAGE_H

#include "cli.h"
#include "cuvet_image.h"

enum {
	OPT_IMG_PLATFORM = 1500,
	OPT_IMG_LAYERS,
	OPT_IMG_NO_LAYERS,
	OPT_IMG_LIMIT_ENTRIES,
	OPT_IMG_LIMIT_BYTES,
	OPT_IMG_LIMIT_RATIO,
	OPT_IMG_LIMIT_JSON,
	OPT_IMG_LIMIT_PATH,
	OPT_IMG_AUTHFILE,
	OPT_IMG_NO_TLS_VERIFY,
	OPT_IMG_LAST,
};

#define CLI_IMAGE_OPTS                                                                                              \
	{"platform", 0, "OS/ARCH[/VARIANT]", OPT_IMG_PLATFORM, "the image of a multi-platform index to read (default: this machine's)"}, \
	{"layers", 0, NULL, OPT_IMG_LAYERS, "read the image's files (from a registry: download its layers)"},      \
	{"no-layers", 0, NULL, OPT_IMG_NO_LAYERS, "read only the manifest and config, not the files"},             \
	{"limit-entries", 0, "N", OPT_IMG_LIMIT_ENTRIES, "refuse more than N tar members over all layers (default 2000000)"}, \
	{"limit-bytes", 0, "N", OPT_IMG_LIMIT_BYTES, "refuse more than N uncompressed bytes over all layers (default 256 GiB)"}, \
	{"limit-ratio", 0, "N", OPT_IMG_LIMIT_RATIO, "refuse a layer that expands more than N times (default 1000)"}, \
	{"limit-json", 0, "N", OPT_IMG_LIMIT_JSON, "refuse a manifest, index or config over N bytes (default 16 MiB)"}, \
	{"limit-path", 0, "N", OPT_IMG_LIMIT_PATH, "refuse a member name over N bytes (default 4096)"},            \
	{"authfile", 0, "FILE", OPT_IMG_AUTHFILE, "registry credentials (default: $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json)"}, \
	{"no-tls-verify", 0, NULL, OPT_IMG_NO_TLS_VERIFY, "talk to the registry over plain HTTP or unverified TLS (as skopeo's tls-verify=false)"}

struct image_cli {
	const char *cmd;
	struct cuvet_image_opts opts;
	int layers; /* -1: the source's default (files for local sources, none from a registry) */
	bool given; /* an image option was given */
};

void image_cli_init(struct image_cli *o, const char *cmd);
/* Handles the CLI_IMAGE_OPTS ids: 0 done, 1 not one of them, -1 a bad value (said). */
int image_cli_handle(struct image_cli *o, int id, const char *arg);
/* EXIT_USAGE (said) when an image option was given without --image (IMAGE NULL), else EXIT_OK. */
int image_cli_check(const struct image_cli *o, const char *image);
/* Opens SRC; NULL after saying why, with *CODE the exit status (usage for a source that names no
 * transport, input for anything that cannot be read). */
struct cuvet_image *image_cli_open(const struct image_cli *o, const char *src, int *code);

#endif
