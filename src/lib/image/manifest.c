/* manifest.c — image manifests and indexes (image-spec manifest.md, image-index.md; Docker's
 * manifest v2 schema 2 and manifest list) parsed from bytes, and the index entry for a platform
 * picked the way containerd's platform matcher does (normalised os/arch/variant, exact match). */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../base/internal.h"
#include "image_internal.h"

static const char *const index_types[] = {IMAGE_MT_OCI_INDEX, IMAGE_MT_DOCKER_LIST};
static const char *const manifest_types[] = {IMAGE_MT_OCI_MANIFEST, IMAGE_MT_DOCKER_MANIFEST};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

bool image_digest_valid(const char *s)
{
	size_t want;
	if (str_starts(s, "sha256:"))
		want = 64;
	else if (str_starts(s, "sha512:"))
		want = 128;
	else
		return false;
	const char *hex = s + 7;
	size_t n = 0;
	for (; hex[n]; n++)
		if (!((hex[n] >= '0' && hex[n] <= '9') || (hex[n] >= 'a' && hex[n] <= 'f')))
			return false;
	return n == want;
}

static void desc_release(struct image_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

void image_manifest_release(struct image_manifest *m)
{
	if (!m)
		return;
	desc_release(&m->config);
	for (size_t i = 0; i < m->nitems; i++)
		desc_release(&m->items[i]);
	free(m->items);
	free(m->media_type);
	memset(m, 0, sizeof(*m));
}

/* A string member of OBJ copied (absent or null: ""); WHAT names it in errors. */
static int str_member(json_t *obj, const char *name, char **dst, const char *what, struct cuvet_error *err)
{
	json_t *v = json_object_get(obj, name);
	const char *s = "";
	size_t n = 0;
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return err_set(err, CUVET_E_INVALID, "%s: \"%s\" is not a string", what, name);
		s = json_string_value(v);
		n = json_string_length(v);
		if (strlen(s) != n)
			return err_set(err, CUVET_E_INVALID, "%s: \"%s\" holds a NUL byte", what, name);
	}
	*dst = xstrndup(s, n);
	return *dst ? 0 : err_set(err, CUVET_E_NOMEM, "out of memory");
}

static int desc_parse(json_t *o, bool platform, struct image_descriptor *d, const char *what,
		      struct cuvet_error *err)
{
	if (!json_is_object(o))
		return err_set(err, CUVET_E_INVALID, "%s: not an object", what);
	if (str_member(o, "mediaType", &d->media_type, what, err) < 0 ||
	    str_member(o, "digest", &d->digest, what, err) < 0)
		return -1;
	if (!image_digest_valid(d->digest))
		return err_set(err, CUVET_E_INVALID, "%s: digest \"%.80s\" is not sha256:<64 hex> or sha512:<128 hex>",
			       what, d->digest);
	json_t *size = json_object_get(o, "size");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return err_set(err, CUVET_E_INVALID, "%s: \"size\" is not a non-negative integer", what);
	d->size = (uint64_t)json_integer_value(size);
	json_t *p = json_object_get(o, "platform");
	if (p && !json_is_null(p) && !json_is_object(p))
		return err_set(err, CUVET_E_INVALID, "%s: \"platform\" is not an object", what);
	if (!platform || !p || json_is_null(p))
		p = NULL;
	if (str_member(p, "os", &d->os, what, err) < 0 || str_member(p, "architecture", &d->arch, what, err) < 0 ||
	    str_member(p, "variant", &d->variant, what, err) < 0)
		return -1;
	return 0;
}

int image_manifest_parse(const char *json, size_t len, const char *content_type, struct image_manifest *out,
			 struct cuvet_error *err)
{
	struct image_manifest m = {0};
	char ct[128] = "";
	json_error_t jerr;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	/* "application/vnd.oci.image.manifest.v1+json; charset=utf-8" names the same type */
	if (content_type) {
		size_t n = strcspn(content_type, "; \t");
		if (n < sizeof(ct)) {
			memcpy(ct, content_type, n);
			ct[n] = '\0';
		}
	}
	if (!json)
		return err_set(err, CUVET_E_INVALID, "manifest: no bytes");
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(err, CUVET_E_INVALID, "manifest: line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(root)) {
		err_set(err, CUVET_E_INVALID, "manifest: not a JSON object");
		goto out;
	}
	json_t *sv = json_object_get(root, "schemaVersion");
	if (json_is_integer(sv) && json_integer_value(sv) == 1) {
		err_set(err, CUVET_E_INVALID, "manifest: schema 1 (deprecated since 2017) is not supported");
		goto out;
	}
	if (!json_is_integer(sv) || json_integer_value(sv) != 2) {
		err_set(err, CUVET_E_INVALID, "manifest: schemaVersion is not 2");
		goto out;
	}
	if (str_member(root, "mediaType", &m.media_type, "manifest", err) < 0)
		goto out;
	/* The kind: from the body's mediaType, else the Content-Type, else the members present. A body
	 * that says one kind while the server says the other is refused (image-spec: they must agree). */
	bool body_index = in_list(m.media_type, index_types, 2), body_manifest = in_list(m.media_type, manifest_types, 2);
	bool ct_index = in_list(ct, index_types, 2), ct_manifest = in_list(ct, manifest_types, 2);
	if ((body_index && ct_manifest) || (body_manifest && ct_index)) {
		err_set(err, CUVET_E_INVALID, "manifest: Content-Type %s but mediaType %s", ct, m.media_type);
		goto out;
	}
	if (*m.media_type && !body_index && !body_manifest) {
		err_set(err, CUVET_E_INVALID, "manifest: unsupported mediaType \"%.100s\"", m.media_type);
		goto out;
	}
	json_t *manifests = json_object_get(root, "manifests"), *layers = json_object_get(root, "layers");
	if (body_index || ct_index)
		m.kind = IMAGE_INDEX;
	else if (body_manifest || ct_manifest)
		m.kind = IMAGE_MANIFEST;
	else if (manifests && !layers)
		m.kind = IMAGE_INDEX;
	else if (layers && !manifests)
		m.kind = IMAGE_MANIFEST;
	else {
		err_set(err, CUVET_E_INVALID, "manifest: neither an image manifest nor an index");
		goto out;
	}
	json_t *arr = m.kind == IMAGE_INDEX ? manifests : layers;
	if (!json_is_array(arr)) {
		err_set(err, CUVET_E_INVALID, "manifest: \"%s\" is not an array", m.kind == IMAGE_INDEX ? "manifests" : "layers");
		goto out;
	}
	if (m.kind == IMAGE_MANIFEST && desc_parse(json_object_get(root, "config"), false, &m.config, "manifest config", err) < 0)
		goto out;
	size_t n = json_array_size(arr);
	if (n) {
		m.items = calloc(n, sizeof(*m.items));
		if (!m.items) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char what[48];
		snprintf(what, sizeof(what), "manifest %s[%zu]", m.kind == IMAGE_INDEX ? "manifests" : "layers", i);
		m.nitems = i + 1;
		if (desc_parse(json_array_get(arr, i), m.kind == IMAGE_INDEX, &m.items[i], what, err) < 0)
			goto out;
	}
	*out = m;
	memset(&m, 0, sizeof(m));
	rc = 0;
out:
	image_manifest_release(&m);
	json_decref(root);
	return rc;
}

/* containerd's normalisation (platforms.Normalize): arch aliases, arm64's v8 and amd64's v1 are
 * their architecture's default variant, 32-bit arm's default is v7. */
static void platform_normalize(char *arch, size_t alen, char *variant, size_t vlen)
{
	str_lower(arch);
	str_lower(variant);
	if (strcmp(arch, "x86_64") == 0 || strcmp(arch, "x86-64") == 0)
		snprintf(arch, alen, "amd64");
	else if (strcmp(arch, "aarch64") == 0)
		snprintf(arch, alen, "arm64");
	else if (strcmp(arch, "armhf") == 0) {
		snprintf(arch, alen, "arm");
		snprintf(variant, vlen, "v7");
	} else if (strcmp(arch, "armel") == 0) {
		snprintf(arch, alen, "arm");
		snprintf(variant, vlen, "v6");
	}
	if ((strcmp(arch, "arm64") == 0 && (strcmp(variant, "v8") == 0 || strcmp(variant, "8") == 0)) ||
	    (strcmp(arch, "amd64") == 0 && strcmp(variant, "v1") == 0))
		variant[0] = '\0';
	if (strcmp(arch, "arm") == 0 && variant[0] == '\0')
		snprintf(variant, vlen, "v7");
}

const char *image_default_platform(void)
{
#if defined(__x86_64__)
	return "linux/amd64";
#elif defined(__aarch64__)
	return "linux/arm64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
	return "linux/ppc64le";
#elif defined(__s390x__)
	return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "linux/riscv64";
#elif defined(__arm__)
	return "linux/arm/v7";
#elif defined(__i386__)
	return "linux/386";
#else
	return NULL;
#endif
}

long image_index_pick(const struct image_manifest *idx, const char *platform, struct cuvet_error *err)
{
	char os[64], arch[64], variant[64];
	if (!platform)
		platform = image_default_platform();
	if (!platform)
		return err_set(err, CUVET_E_INVALID, "this machine's platform is unknown: name one (os/arch[/variant])");
	const char *s1 = strchr(platform, '/');
	const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	size_t olen = s1 ? (size_t)(s1 - platform) : 0;
	size_t alen = s1 ? (s2 ? (size_t)(s2 - s1 - 1) : strlen(s1 + 1)) : 0;
	size_t vlen = s2 ? strlen(s2 + 1) : 0;
	if (!s1 || olen == 0 || alen == 0 || (s2 && vlen == 0) || (s2 && strchr(s2 + 1, '/')) || olen >= sizeof(os) ||
	    alen >= sizeof(arch) || vlen >= sizeof(variant))
		return err_set(err, CUVET_E_INVALID, "platform \"%.100s\" is not os/arch[/variant]", platform);
	memcpy(os, platform, olen);
	os[olen] = '\0';
	memcpy(arch, s1 + 1, alen);
	arch[alen] = '\0';
	memcpy(variant, s2 ? s2 + 1 : "", vlen);
	variant[vlen] = '\0';
	str_lower(os);
	platform_normalize(arch, sizeof(arch), variant, sizeof(variant));

	for (size_t i = 0; i < idx->nitems; i++) {
		const struct image_descriptor *d = &idx->items[i];
		char ea[64], ev[64];
		if (!d->os || !d->arch || strlen(d->arch) >= sizeof(ea) || strlen(d->variant) >= sizeof(ev))
			continue;
		snprintf(ea, sizeof(ea), "%s", d->arch);
		snprintf(ev, sizeof(ev), "%s", d->variant);
		platform_normalize(ea, sizeof(ea), ev, sizeof(ev));
		if (strcasecmp(d->os, os) == 0 && strcmp(ea, arch) == 0 && strcmp(ev, variant) == 0)
			return (long)i;
	}
	struct sbuf b;
	sbuf_init(&b);
	for (size_t i = 0; i < idx->nitems && b.len < 400; i++) {
		const struct image_descriptor *d = &idx->items[i];
		sbuf_addf(&b, "%s%s/%s%s%s", i ? ", " : "", *d->os ? d->os : "?", *d->arch ? d->arch : "?",
			  *d->variant ? "/" : "", d->variant);
	}
	err_set(err, CUVET_E_NOTFOUND, "no %s/%s%s%s image in the index; it has %s", os, arch, *variant ? "/" : "",
		variant, b.oom || !b.data ? "(none)" : b.data);
	sbuf_release(&b);
	return -1;
}
