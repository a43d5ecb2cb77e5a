/* image.c — the image object and its config (image-spec config.md): env, labels, platform, created,
 * diff_ids by layer; cuvet_image_open dispatches by transport to source.c or registry.c. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../base/internal.h"
#include "image_internal.h"


void image_limits_defaults(struct cuvet_image_limits *l)
{
	if (l->max_entries == 0)
		l->max_entries = 2000000;
	if (l->max_bytes == 0)
		l->max_bytes = (uint64_t)256 << 30;
	if (l->max_ratio == 0)
		l->max_ratio = 1000;
	if (l->max_json == 0)
		l->max_json = (uint64_t)16 << 20;
	if (l->max_path == 0)
		l->max_path = 4096;
}

struct cuvet_image *image_new(const char *source, const struct cuvet_image_opts *opts, struct cuvet_error *err)
{
	struct cuvet_image *img = calloc(1, sizeof(*img));
	if (!img) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	if (opts)
		img->limits = opts->limits;
	image_limits_defaults(&img->limits);
	img->info.source = xstrdup(source ? source : "");
	img->info.os = xstrdup("");
	img->info.architecture = xstrdup("");
	img->info.variant = xstrdup("");
	if (!img->info.source || !img->info.os || !img->info.architecture || !img->info.variant) {
		cuvet_image_free(img);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	return img;
}

/* Replaces *DST by a copy of the string member NAME of OBJ; absent or null leaves it. */
static int take_string(json_t *obj, const char *name, char **dst, struct cuvet_error *err)
{
	json_t *v = json_object_get(obj, name);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(err, CUVET_E_INVALID, "image config: \"%s\" is not a string", name);
	char *s = xstrndup(json_string_value(v), json_string_length(v));
	if (!s)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

static void kv_release(struct cuvet_image_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static int parse_env(struct cuvet_image *img, json_t *env, struct cuvet_error *err)
{
	if (!env || json_is_null(env))
		return 0;
	if (!json_is_array(env))
		return err_set(err, CUVET_E_INVALID, "image config: config.Env is not an array");
	size_t n = json_array_size(env);
	struct cuvet_image_kv *kv = n ? calloc(n, sizeof(*kv)) : NULL;
	if (n && !kv)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(env, i);
		if (!json_is_string(e)) {
			kv_release(kv, i);
			return err_set(err, CUVET_E_INVALID, "image config: config.Env[%zu] is not a string", i);
		}
		const char *s = json_string_value(e);
		size_t len = json_string_length(e);
		/* VARNAME=VARVALUE, split at the first '=' (the value may hold more: NVIDIA_REQUIRE_CUDA). */
		const char *eq = memchr(s, '=', len);
		size_t klen = eq ? (size_t)(eq - s) : len;
		if (klen == 0) {
			kv_release(kv, i);
			return err_set(err, CUVET_E_INVALID, "image config: config.Env[%zu] has no variable name", i);
		}
		kv[i].key = xstrndup(s, klen);
		kv[i].value = eq ? xstrndup(eq + 1, len - klen - 1) : xstrdup("");
		if (!kv[i].key || !kv[i].value) {
			kv_release(kv, i + 1);
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
	}
	kv_release(img->info.env, img->info.nenv);
	img->info.env = kv;
	img->info.nenv = n;
	return 0;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cuvet_image_kv *)a)->key, ((const struct cuvet_image_kv *)b)->key);
}

static int parse_labels(struct cuvet_image *img, json_t *labels, struct cuvet_error *err)
{
	if (!labels || json_is_null(labels))
		return 0;
	if (!json_is_object(labels))
		return err_set(err, CUVET_E_INVALID, "image config: config.Labels is not an object");
	size_t n = json_object_size(labels), i = 0;
	struct cuvet_image_kv *kv = n ? calloc(n, sizeof(*kv)) : NULL;
	if (n && !kv)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	const char *key;
	json_t *v;
	json_object_foreach(labels, key, v) {
		if (i >= n)
			break;
		if (!json_is_string(v)) {
			kv_release(kv, i);
			return err_set(err, CUVET_E_INVALID, "image config: label \"%s\" is not a string", key);
		}
		kv[i].key = xstrdup(key);
		kv[i].value = xstrndup(json_string_value(v), json_string_length(v));
		i++;
		if (!kv[i - 1].key || !kv[i - 1].value) {
			kv_release(kv, i);
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
	}
	if (i > 1)
		qsort(kv, i, sizeof(*kv), kv_cmp);
	kv_release(img->info.labels, img->info.nlabels);
	img->info.labels = kv;
	img->info.nlabels = i;
	return 0;
}

/* A digest as image-spec descriptor.md writes it: algorithm ":" encoded, encoded [a-zA-Z0-9=_-]+;
 * sha256 is 64 and sha512 128 lower-case hex digits. */
static bool digest_ok(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || !colon[1])
		return false;
	bool hex_only = str_starts(s, "sha256:") || str_starts(s, "sha512:");
	size_t n = 0;
	for (const char *p = colon + 1; *p; p++, n++) {
		bool hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
		bool other = (*p >= 'g' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '=' || *p == '_' ||
			     *p == '-';
		if (!hex && (hex_only || !other))
			return false;
	}
	if (str_starts(s, "sha256:") && n != 64)
		return false;
	if (str_starts(s, "sha512:") && n != 128)
		return false;
	return true;
}

static int parse_diff_ids(struct cuvet_image *img, json_t *rootfs, struct cuvet_error *err)
{
	if (!rootfs || json_is_null(rootfs))
		return 0;
	if (!json_is_object(rootfs))
		return err_set(err, CUVET_E_INVALID, "image config: rootfs is not an object");
	json_t *ids = json_object_get(rootfs, "diff_ids");
	if (!ids || json_is_null(ids))
		return 0;
	if (!json_is_array(ids))
		return err_set(err, CUVET_E_INVALID, "image config: rootfs.diff_ids is not an array");
	size_t n = json_array_size(ids);
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(ids, i);
		if (!json_is_string(d) || strlen(json_string_value(d)) != json_string_length(d) ||
		    !digest_ok(json_string_value(d)))
			return err_set(err, CUVET_E_INVALID, "image config: rootfs.diff_ids[%zu] is not a digest", i);
	}
	/* The manifest's layers, when already read, get their diff_id by index (config.md: the order of
	 * diff_ids is the manifest's layer order); with no layers yet, the diff_ids make them. */
	if (img->info.nlayers && img->info.nlayers != n)
		return err_set(err, CUVET_E_INVALID,
			       "image config: %zu diff_ids for the manifest's %zu layers", n, img->info.nlayers);
	if (!img->info.nlayers && n) {
		struct cuvet_image_layer *l = calloc(n, sizeof(*l));
		if (!l)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		img->info.layers = l;
		img->info.nlayers = n;
		for (size_t i = 0; i < n; i++) {
			l[i].media_type = xstrdup("");
			if (!l[i].media_type)
				return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
	}
	for (size_t i = 0; i < n; i++) {
		char *s = xstrdup(json_string_value(json_array_get(ids, i)));
		if (!s)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		free(img->info.layers[i].diff_id);
		img->info.layers[i].diff_id = s;
	}
	return 0;
}

int image_parse_config(struct cuvet_image *img, const char *json, size_t len, struct cuvet_error *err)
{
	if (!img || (!json && len))
		return err_set(err, CUVET_E_INVALID, "image config: no image or no bytes");
	if ((uint64_t)len > img->limits.max_json)
		return err_set(err, CUVET_E_RANGE, "image config: %zu bytes, over the limit of %llu", len,
			       (unsigned long long)img->limits.max_json);
	json_error_t jerr;
	json_t *root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(err, CUVET_E_INVALID, "image config: line %d: %s", jerr.line, jerr.text);
	int rc = -1;
	if (!json_is_object(root)) {
		err_set(err, CUVET_E_INVALID, "image config: not a JSON object");
		goto out;
	}
	if (take_string(root, "os", &img->info.os, err) < 0 ||
	    take_string(root, "architecture", &img->info.architecture, err) < 0 ||
	    take_string(root, "variant", &img->info.variant, err) < 0 ||
	    take_string(root, "created", &img->info.created, err) < 0)
		goto out;
	/* Read "config", never the older "container_config" copy (the build container's, not the image's). */
	json_t *cfg = json_object_get(root, "config");
	if (cfg && !json_is_null(cfg) && !json_is_object(cfg)) {
		err_set(err, CUVET_E_INVALID, "image config: \"config\" is not an object");
		goto out;
	}
	if (cfg && json_is_object(cfg) &&
	    (parse_env(img, json_object_get(cfg, "Env"), err) < 0 ||
	     parse_labels(img, json_object_get(cfg, "Labels"), err) < 0))
		goto out;
	if (parse_diff_ids(img, json_object_get(root, "rootfs"), err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* OCI's names for the architectures uname and others spell differently (image-spec config.md: GOARCH). */
static const char *arch_name(const char *a, size_t n)
{
	if (n == 6 && strncmp(a, "x86_64", 6) == 0)
		return "amd64";
	if (n == 7 && strncmp(a, "aarch64", 7) == 0)
		return "arm64";
	return NULL;
}

static bool field_is(const char *have, const char *want, size_t n, bool arch)
{
	const char *alias = arch ? arch_name(want, n) : NULL;
	if (alias)
		return strcmp(have, alias) == 0;
	return strlen(have) == n && strncmp(have, want, n) == 0;
}

/* Whether the config's platform is WANT ("os/arch[/variant]"); an unknown part matches. An index
 * is resolved by its source; this catches a single-platform image asked for another platform. */
static bool platform_matches(const struct cuvet_image_info *in, const char *want)
{
	const char *s1 = strchr(want, '/');
	if (!s1)
		return field_is(in->os, want, strlen(want), false) || !*in->os;
	const char *arch = s1 + 1, *s2 = strchr(arch, '/');
	size_t alen = s2 ? (size_t)(s2 - arch) : strlen(arch);
	if (*in->os && !field_is(in->os, want, (size_t)(s1 - want), false))
		return false;
	if (*in->architecture && !field_is(in->architecture, arch, alen, true))
		return false;
	return !s2 || !*in->variant || field_is(in->variant, s2 + 1, strlen(s2 + 1), false);
}

struct cuvet_image *cuvet_image_open(const char *source, const struct cuvet_image_opts *opts,
				     struct cuvet_error *err)
{
	if (!source || !*source) {
		err_set(err, CUVET_E_INVALID, "no image source");
		return NULL;
	}
	struct cuvet_image_opts defaults = {0};
	if (!opts)
		opts = &defaults;
	struct cuvet_image *img = NULL;
	/* Transports as skopeo names them (containers-transports(5)). */
	if (str_starts(source, "docker://")) {
		img = image_open_registry(source + strlen("docker://"), opts, err);
	} else if (str_starts(source, "docker-archive:") || str_starts(source, "oci:") ||
		   str_starts(source, "oci-archive:")) {
		img = image_open_local(source, opts, err);
	} else {
		err_set(err, CUVET_E_INVALID,
			"%s: not an image source (docker-archive:FILE, oci:DIR[:TAG], oci-archive:FILE, docker://REF)",
			source);
		return NULL;
	}
	if (img && opts->platform && *opts->platform && !platform_matches(&img->info, opts->platform)) {
		const struct cuvet_image_info *in = &img->info;
		err_set(err, CUVET_E_NOTFOUND, "%s: the image is for %s/%s%s%s, not %s", source, in->os, in->architecture,
			*in->variant ? "/" : "", in->variant, opts->platform);
		cuvet_image_free(img);
		return NULL;
	}
	return img;
}

struct cuvet_image *cuvet_image_from_config(const char *config_json, size_t len, struct cuvet_fs *fs,
					    struct cuvet_error *err)
{
	struct cuvet_image *img = image_new("config", NULL, err);
	if (!img) {
		cuvet_fs_free(fs);
		return NULL;
	}
	img->fs = fs;
	if (image_parse_config(img, config_json, len, err) < 0) {
		cuvet_image_free(img);
		return NULL;
	}
	return img;
}

void cuvet_image_free(struct cuvet_image *img)
{
	if (!img)
		return;
	struct cuvet_image_info *in = &img->info;
	free(in->source);
	free(in->ref);
	free(in->index_digest);
	free(in->manifest_digest);
	free(in->config_digest);
	free(in->os);
	free(in->architecture);
	free(in->variant);
	free(in->created);
	kv_release(in->env, in->nenv);
	kv_release(in->labels, in->nlabels);
	for (size_t i = 0; i < in->nlayers; i++) {
		free(in->layers[i].digest);
		free(in->layers[i].media_type);
		free(in->layers[i].diff_id);
	}
	free(in->layers);
	cuvet_fs_free(img->fs);
	free(img);
}

const struct cuvet_image_info *cuvet_image_info(const struct cuvet_image *img)
{
	return img ? &img->info : NULL;
}

struct cuvet_fs *cuvet_image_fs(struct cuvet_image *img)
{
	return img ? img->fs : NULL;
}

const char *cuvet_image_env(const struct cuvet_image *img, const char *name)
{
	if (!img || !name)
		return NULL;
	/* The last one wins, as it does when a runtime builds the process environment. */
	for (size_t i = img->info.nenv; i-- > 0;)
		if (strcmp(img->info.env[i].key, name) == 0)
			return img->info.env[i].value;
	return NULL;
}
