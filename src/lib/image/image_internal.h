/* Inside the image layer (src/lib/image/): the image object shared by its modules.
 *   image.c    — the object, its config (env, labels, platform, diff_ids), cuvet_image_from_config
 *   ref.c      — image references (distribution/reference)
 *   source.c   — local sources: docker-archive:, oci:, oci-archive: (manifest.json / index.json)
 *   layers.c   — a layer's tar stream merged into the view: whiteouts, links, limits, what is kept
 *   registry.c — docker:// over the distribution API (libcurl): auth, manifests, blob streams
 */
#ifndef CUVET_IMAGE_INTERNAL_H
#define CUVET_IMAGE_INTERNAL_H

#include "cuvet_image.h"

struct cuvet_image {
	struct cuvet_image_info info;
	struct cuvet_fs *fs;                  /* merged layers, or NULL */
	struct cuvet_image_limits limits;     /* defaults filled in */
	uint64_t entries, bytes;              /* counted against the limits while merging */
	unsigned applied;                     /* layers merged so far (layers.c) */
	uint64_t held;                        /* bytes of file contents the view holds (layers.c) */
};

/* A pull stream of a blob's bytes (a layer inside a tar file, a file, an HTTP body). */
struct image_stream {
	void *impl;
	/* Points *BUF at the next bytes and returns how many; 0 at the end; -1 on error (ERR filled). */
	long long (*read)(void *impl, const void **buf, struct cuvet_error *err);
	void (*close)(void *impl);
};

/* image.c */
struct cuvet_image *image_new(const char *source, const struct cuvet_image_opts *opts, struct cuvet_error *err);
/* Parses an image config into IMG's info (env, labels, platform, created, diff_ids by layer). */
int image_parse_config(struct cuvet_image *img, const char *json, size_t len, struct cuvet_error *err);
void image_limits_defaults(struct cuvet_image_limits *l);

/* layers.c: merges one layer (gzip, zstd or plain tar, detected from the bytes) into IMG->fs,
 * creating the view on the first call. DIGEST, when not NULL, is checked against the bytes read
 * (a mismatch is an error: nothing from the layer is trusted). */
int image_layer_apply(struct cuvet_image *img, struct image_stream *s, const char *digest,
		      struct cuvet_error *err);

/* source.c / registry.c: open SOURCE into a new image (manifest, config, and layers if asked). */
struct cuvet_image *image_open_local(const char *source, const struct cuvet_image_opts *opts,
				     struct cuvet_error *err);
struct cuvet_image *image_open_registry(const char *ref, const struct cuvet_image_opts *opts,
					struct cuvet_error *err);

/* manifest.c: manifests and indexes from bytes (a registry's, an OCI layout's). */
#define IMAGE_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
enum image_manifest_kind { IMAGE_MANIFEST, IMAGE_INDEX };
struct image_descriptor {
	char *media_type, *digest; /* "" when no mediaType; digest checked: sha256/sha512 */
	uint64_t size;
	char *os, *arch, *variant; /* an index entry's platform, "" when absent */
};
struct image_manifest {
	enum image_manifest_kind kind;
	char *media_type;              /* the body's mediaType, "" when absent */
	struct image_descriptor config; /* IMAGE_MANIFEST */
	struct image_descriptor *items; /* layers (IMAGE_MANIFEST) or manifests (IMAGE_INDEX), in order */
	size_t nitems;
};
/* CONTENT_TYPE (the server's, or NULL) and the body's mediaType must agree on the kind. */
int image_manifest_parse(const char *json, size_t len, const char *content_type, struct image_manifest *out,
			 struct cuvet_error *err);
void image_manifest_release(struct image_manifest *m);
/* The index entry for PLATFORM ("os/arch[/variant]"; NULL: this machine's), or -1 with ERR listing
 * the platforms there are (CUVET_E_NOTFOUND). */
long image_index_pick(const struct image_manifest *idx, const char *platform, struct cuvet_error *err);
const char *image_default_platform(void); /* "linux/amd64" on x86-64; NULL when unknown */
bool image_digest_valid(const char *s);   /* sha256:<64 hex> or sha512:<128 hex>, lower case */

#endif
