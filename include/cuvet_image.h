/*
 * cuvet_image.h — container images (local archives, OCI layouts, registries) and Dockerfiles.
 *
 * An image is opened from a source named as skopeo names it; its manifest and config are read
 * first, and its layers, when asked for, are merged into an in-memory filesystem view
 * (cuvet_readers.h) that the probe, the loader model and `why` read like a host root. Nothing is
 * extracted to disk and nothing in an image is executed. Ownership as in cuvet.h.
 */
#ifndef CUVET_IMAGE_H
#define CUVET_IMAGE_H

#include "cuvet.h"
#include "cuvet_readers.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------ image references ---- */

/* A reference as distribution/reference parses and normalises it:
 * "ubuntu" -> domain "docker.io", path "library/ubuntu", no tag (latest implied). */
struct cuvet_imgref {
	char *domain; /* "docker.io", "nvcr.io", "localhost:5000" */
	char *path;   /* "library/ubuntu", "nvidia/cuda" */
	char *tag;    /* NULL when none was written */
	char *digest; /* "sha256:<64 hex>", NULL when none was written */
	bool domain_given; /* the text named a registry */
};
CUVET_API int cuvet_imgref_parse(const char *text, struct cuvet_imgref *out, struct cuvet_error *err);
CUVET_API void cuvet_imgref_release(struct cuvet_imgref *ref);
/* "docker.io/library/ubuntu:22.04@sha256:…" (FAMILIAR: "ubuntu:22.04@sha256:…", as docker prints). */
CUVET_API int cuvet_imgref_format(const struct cuvet_imgref *ref, bool familiar, char *buf, size_t len,
				  struct cuvet_error *err);

/* ------------------------------------------------------------- sources ---- */

/* Limits against hostile input; 0 takes the default. */
struct cuvet_image_limits {
	uint64_t max_entries; /* tar members over all layers (default 2,000,000) */
	uint64_t max_bytes;   /* uncompressed bytes over all layers (default 256 GiB) */
	uint32_t max_ratio;   /* uncompressed / compressed bytes of one layer (default 1000) */
	uint64_t max_json;    /* a manifest, index or config (default 16 MiB) */
	uint32_t max_path;    /* a member name (default 4096) */
};

struct cuvet_image_opts {
	const char *platform;  /* "os/arch[/variant]" picked from an index; NULL: this machine's */
	bool layers;           /* merge the layers into a view (from a registry: download them) */
	struct cuvet_image_limits limits;
	const char *auth_file; /* registry credentials; NULL: $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json */
	bool tls_verify_off;   /* registry over plain HTTP or unverified TLS (skopeo --tls-verify=false) */
	long timeout_ms;       /* per registry request (0: 30 s) */
};

struct cuvet_image_layer {
	char *digest;     /* "sha256:…" of the blob as stored */
	char *media_type; /* as the manifest names it ("" for docker save's legacy layout) */
	uint64_t size;    /* bytes of the blob, 0 when unknown */
	char *diff_id;    /* "sha256:…" of the uncompressed tar, from the config; NULL when absent */
};

struct cuvet_image_kv {
	char *key;
	char *value;
};

/* What the manifest and config say. */
struct cuvet_image_info {
	char *source;          /* as given: "docker-archive:x.tar", "oci:dir:tag", "docker://…" */
	char *ref;             /* the image's name:tag where the source names one (RepoTags, ref.name), or NULL */
	char *index_digest;    /* the index the manifest was picked from, or NULL */
	char *manifest_digest; /* sha256 of the manifest's bytes, or NULL (docker save's legacy layout has none) */
	char *config_digest;
	char *os, *architecture, *variant; /* the config's platform ("" when absent) */
	char *created;         /* RFC 3339, or NULL */
	struct cuvet_image_kv *env;    /* config.Env split at the first '=', in order */
	size_t nenv;
	struct cuvet_image_kv *labels; /* config.Labels, sorted by key */
	size_t nlabels;
	struct cuvet_image_layer *layers; /* bottom first */
	size_t nlayers;
};

struct cuvet_image;
CUVET_API struct cuvet_image *cuvet_image_open(const char *source, const struct cuvet_image_opts *opts,
					       struct cuvet_error *err);
/* An image from an image config (JSON, config.md) and, optionally, a view of its files (taken over:
 * freed with the image). For an unpacked root and in tests. */
CUVET_API struct cuvet_image *cuvet_image_from_config(const char *config_json, size_t len,
						      struct cuvet_fs *fs, struct cuvet_error *err);
CUVET_API void cuvet_image_free(struct cuvet_image *img);
CUVET_API const struct cuvet_image_info *cuvet_image_info(const struct cuvet_image *img);
/* The merged layers, or NULL when they were not read (opts.layers false). Owned by the image. */
CUVET_API struct cuvet_fs *cuvet_image_fs(struct cuvet_image *img);
/* The value of config.Env's NAME, or NULL. */
CUVET_API const char *cuvet_image_env(const struct cuvet_image *img, const char *name);

/* ------------------------------------------------------------ registries ---- */

/* The digest a registry gives REF's tag (Docker-Content-Digest of a HEAD/GET with index and
 * manifest types accepted: a multi-platform tag gives its index), verified against the bytes. */
CUVET_API int cuvet_registry_resolve(const char *ref, const struct cuvet_image_opts *opts, char *digest,
				     size_t len, struct cuvet_error *err);

#ifdef __cplusplus
}
#endif

#endif
