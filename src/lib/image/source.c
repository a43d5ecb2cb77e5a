/* source.c — local image sources, named as skopeo names them (see image_internal.h):
 *   docker-archive:FILE[:REF]  `docker save` output: legacy (manifest.json, <id>/layer.tar) and
 *                              Docker >= 25's OCI layout with manifest.json beside index.json;
 *                              manifest.json's Config and Layers are preferred, index.json is
 *                              the fallback (images.md §4)
 *   oci:DIR[:TAG]              an OCI image layout: index.json -> (nested index by platform) ->
 *                              manifest, TAG matched against org.opencontainers.image.ref.name
 *   oci-archive:FILE[:TAG]     the same layout inside a tar
 * The path ends at the first ':' after the transport, as containers/image splits it.
 * An archive's members are indexed from its tar headers once (ustar, pax and GNU long names);
 * blobs are then read at their offsets. Every blob named by a digest is hashed and checked: a
 * mismatch is an error naming the blob. Nothing is written anywhere. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "image_internal.h"
#include "../base/sha256.h"

#define MEDIA_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define REF_NAME "org.opencontainers.image.ref.name"

struct member {
	char *name;   /* cleaned: no leading "./" or "/" */
	uint64_t off; /* of the data in the file */
	uint64_t size;
	char *link;   /* a symbolic link's target (docker save links repeated layers), else NULL */
};

/* Where the blobs are: a directory (oci:) or an uncompressed tar file. */
struct store {
	const char *source;
	int dirfd, fd;
	struct member *m;
	size_t n, cap;
	uint64_t max_json;
};

static void store_close(struct store *st)
{
	if (st->dirfd >= 0)
		close(st->dirfd);
	if (st->fd >= 0)
		close(st->fd);
	for (size_t i = 0; i < st->n; i++) {
		free(st->m[i].name);
		free(st->m[i].link);
	}
	free(st->m);
}

/* ------------------------------------------------------------ tar index ---- */

static uint64_t tar_num(const unsigned char *p, size_t len, bool *ok)
{
	uint64_t v = 0;
	if (p[0] & 0x80) { /* base-256 (GNU), for sizes of 8 GiB and more */
		if (p[0] != 0x80) {
			*ok = false;
			return 0;
		}
		for (size_t i = 1; i < len; i++) {
			if (v >> 56) {
				*ok = false;
				return 0;
			}
			v = v << 8 | p[i];
		}
		return v;
	}
	size_t i = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\0'))
		i++;
	for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60) {
			*ok = false;
			return 0;
		}
		v = v * 8 + (uint64_t)(p[i] - '0');
	}
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\0')
			*ok = false;
	return v;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? errno : EIO;
		done += (size_t)r;
	}
	return 0;
}

/* The "path=" record of a pax header into *NAME (malloc'ed), "size=" into *SIZE (a member of
 * 8 GiB or more). */
static int pax_path(const char *rec, size_t len, char **name, uint64_t *size, bool *has_size)
{
	size_t i = 0;
	while (i < len) {
		size_t n = 0, j = i;
		while (j < len && rec[j] >= '0' && rec[j] <= '9' && n < len)
			n = n * 10 + (size_t)(rec[j++] - '0');
		if (j >= len || rec[j] != ' ' || n == 0 || n > len - i)
			return -1;
		const char *kv = rec + j + 1;
		size_t kvlen = n - (j + 1 - i);
		if (kvlen >= 6 && memcmp(kv, "path=", 5) == 0) {
			free(*name);
			*name = xstrndup(kv + 5, kvlen - 6); /* without the newline */
			if (!*name)
				return -2;
		} else if (kvlen >= 6 && memcmp(kv, "size=", 5) == 0) {
			uint64_t v = 0;
			for (size_t q = 5; q + 1 < kvlen; q++) {
				if (kv[q] < '0' || kv[q] > '9' || v > UINT64_MAX / 10 - 1)
					return -1;
				v = v * 10 + (uint64_t)(kv[q] - '0');
			}
			*size = v;
			*has_size = true;
		}
		i += n;
	}
	return 0;
}

static int index_tar(struct store *st, const char *file, struct cuvet_error *err)
{
	struct stat sb;
	if (fstat(st->fd, &sb) < 0)
		return err_sys(err, errno, "%s", file);
	uint64_t fsize = (uint64_t)sb.st_size, off = 0;
	char *longname = NULL;
	uint64_t pax_size = 0;
	bool has_pax_size = false;
	unsigned char h[512];
	int rc = -1;
	for (;;) {
		if (off + 512 > fsize) {
			err_set(err, CUVET_E_INVALID, "%s: truncated tar (no end-of-archive blocks)", file);
			goto out;
		}
		int e = read_at(st->fd, h, 512, off);
		if (e) {
			err_sys(err, e, "%s", file);
			goto out;
		}
		bool zero = true;
		for (size_t i = 0; i < 512 && zero; i++)
			zero = h[i] == 0;
		if (zero)
			break;
		if (off == 0 && ((h[0] == 0x1f && h[1] == 0x8b) || (h[0] == 0x28 && h[1] == 0xb5))) {
			err_set(err, CUVET_E_INVALID, "%s: a compressed archive: decompress it first (gunzip, unzstd)", file);
			goto out;
		}
		unsigned sum = 0;
		for (size_t i = 0; i < 512; i++)
			sum += (i >= 148 && i < 156) ? ' ' : h[i];
		bool ok = true;
		uint64_t want = tar_num(h + 148, 8, &ok);
		uint64_t size = tar_num(h + 124, 12, &ok);
		char type = (char)h[156];
		if (has_pax_size && type != 'x' && type != 'L') {
			size = pax_size; /* the pax header's size of this member */
			has_pax_size = false;
		}
		if (!ok || want != sum) {
			err_set(err, CUVET_E_INVALID, "%s: not a tar archive, or corrupt at offset %llu (bad header checksum)",
				file, (unsigned long long)off);
			goto out;
		}
		uint64_t data = off + 512;
		if (size > fsize - data) {
			err_set(err, CUVET_E_INVALID, "%s: truncated tar: member at offset %llu needs %llu bytes", file,
				(unsigned long long)off, (unsigned long long)size);
			goto out;
		}
		if (type == 'L' || type == 'x') {
			if (size > 65536) {
				err_set(err, CUVET_E_RANGE, "%s: oversized %s header (%llu bytes) at offset %llu", file,
					type == 'L' ? "long-name" : "pax", (unsigned long long)size, (unsigned long long)off);
				goto out;
			}
			char *rec = malloc((size_t)size + 1);
			if (!rec) {
				err_set(err, CUVET_E_NOMEM, "out of memory");
				goto out;
			}
			if ((e = read_at(st->fd, rec, (size_t)size, data)) != 0) {
				free(rec);
				err_sys(err, e, "%s", file);
				goto out;
			}
			rec[size] = '\0';
			int pr = 0;
			if (type == 'L') {
				free(longname);
				longname = xstrndup(rec, strnlen(rec, (size_t)size));
				pr = longname ? 0 : -2;
			} else {
				pr = pax_path(rec, (size_t)size, &longname, &pax_size, &has_pax_size);
			}
			free(rec);
			if (pr == -2) {
				err_set(err, CUVET_E_NOMEM, "out of memory");
				goto out;
			}
			if (pr < 0) {
				err_set(err, CUVET_E_INVALID, "%s: corrupt pax header at offset %llu", file, (unsigned long long)off);
				goto out;
			}
		} else {
			if (type == '0' || type == '\0' || type == '7' || type == '2') {
				char *name = longname;
				longname = NULL;
				if (!name) {
					char nb[256];
					size_t plen = strnlen((const char *)h + 345, 155), nlen = strnlen((const char *)h, 100);
					if (plen && memcmp(h + 257, "ustar", 5) == 0)
						snprintf(nb, sizeof(nb), "%.*s/%.*s", (int)plen, h + 345, (int)nlen, h);
					else
						snprintf(nb, sizeof(nb), "%.*s", (int)nlen, h);
					name = xstrdup(nb);
				}
				const char *clean = name;
				while (clean && (str_starts(clean, "./") || *clean == '/'))
					clean += *clean == '/' ? 1 : 2;
				char *kept = clean ? xstrdup(clean) : NULL;
				free(name);
				char *link = NULL;
				if (type == '2') /* the header's target (docker save's are short) */
					link = xstrndup((const char *)h + 157, strnlen((const char *)h + 157, 100));
				if (!kept || (type == '2' && !link) || xgrow(&st->m, &st->cap, st->n, sizeof(*st->m)) < 0) {
					free(kept);
					free(link);
					err_set(err, CUVET_E_NOMEM, "out of memory");
					goto out;
				}
				st->m[st->n++] = (struct member){kept, data, size, link};
			} else {
				free(longname);
				longname = NULL;
			}
		}
		off = data + (size + 511) / 512 * 512;
	}
	rc = 0;
out:
	free(longname);
	return rc;
}

/* ------------------------------------------------------------ reading ---- */

static const struct member *store_member_literal(const struct store *st, const char *name)
{
	const struct member *hit = NULL;
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->m[i].name, name) == 0)
			hit = &st->m[i]; /* the last one wins, as tar extraction */
	return hit;
}

/* The member NAME, through symbolic links between members ("<id>/layer.tar -> ../<hex>.tar"),
 * resolved against the link's directory; a link out of the archive or a chain longer than 8 is
 * no member. */
static const struct member *store_member(const struct store *st, const char *name)
{
	char cur[1024];
	snprintf(cur, sizeof(cur), "%s", name);
	for (int depth = 0; depth < 8; depth++) {
		const struct member *m = store_member_literal(st, cur);
		if (!m || !m->link)
			return m;
		char next[2048];
		const char *slash = strrchr(cur, '/');
		if (m->link[0] == '/')
			snprintf(next, sizeof(next), "%s", m->link + 1);
		else
			snprintf(next, sizeof(next), "%.*s%s", slash ? (int)(slash - cur + 1) : 0, cur, m->link);
		/* fold "dir/../x" and "./x" */
		char out[1024];
		size_t n = 0;
		const char *p = next;
		while (*p) {
			const char *e = strchr(p, '/');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len == 2 && p[0] == '.' && p[1] == '.') {
				if (n == 0)
					return NULL;
				while (n > 0 && out[n - 1] != '/')
					n--;
				if (n > 0)
					n--;
			} else if (len && !(len == 1 && p[0] == '.')) {
				if (n + len + 2 > sizeof(out))
					return NULL;
				if (n)
					out[n++] = '/';
				memcpy(out + n, p, len);
				n += len;
			}
			p += len + (e ? 1 : 0);
		}
		out[n] = '\0';
		snprintf(cur, sizeof(cur), "%s", out);
	}
	return NULL;
}

/* Opens NAME: a file descriptor of the directory's file, or the archive's with OFF and SIZE. */
static int store_open(const struct store *st, const char *name, int *fd, uint64_t *off, uint64_t *size,
		      struct cuvet_error *err)
{
	if (st->dirfd >= 0) {
		int f = openat(st->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct stat sb;
		if (f < 0)
			return err_sys(err, errno, "%s: %s", st->source, name);
		if (fstat(f, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			close(f);
			return err_set(err, CUVET_E_INVALID, "%s: %s: not a regular file", st->source, name);
		}
		*fd = f;
		*off = 0;
		*size = (uint64_t)sb.st_size;
		return 0;
	}
	const struct member *m = store_member(st, name);
	if (!m)
		return err_set(err, CUVET_E_NOTFOUND, "%s: %s: no such member in the archive", st->source, name);
	*fd = -1;
	*off = m->off;
	*size = m->size;
	return 0;
}

/* NAME's bytes whole (a manifest, an index, a config), at most the JSON limit. */
static int store_read(const struct store *st, const char *name, char **data, size_t *len, struct cuvet_error *err)
{
	int fd;
	uint64_t off, size;
	if (store_open(st, name, &fd, &off, &size, err) < 0)
		return -1;
	if (size > st->max_json) {
		if (fd >= 0)
			close(fd);
		return err_set(err, CUVET_E_RANGE, "%s: %s: %llu bytes, more than the limit of %llu for JSON", st->source,
			       name, (unsigned long long)size, (unsigned long long)st->max_json);
	}
	char *buf = malloc((size_t)size + 1);
	if (!buf) {
		if (fd >= 0)
			close(fd);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	int e = read_at(fd >= 0 ? fd : st->fd, buf, (size_t)size, off);
	if (fd >= 0)
		close(fd);
	if (e) {
		free(buf);
		return err_sys(err, e, "%s: %s", st->source, name);
	}
	buf[size] = '\0';
	*data = buf;
	*len = (size_t)size;
	return 0;
}

struct blob_stream {
	int fd;
	bool own;
	uint64_t off, left;
	unsigned char buf[1 << 18];
};

static long long blob_stream_read(void *impl, const void **buf, struct cuvet_error *err)
{
	struct blob_stream *b = impl;
	if (b->left == 0)
		return 0;
	size_t n = b->left < sizeof(b->buf) ? (size_t)b->left : sizeof(b->buf);
	int e = read_at(b->fd, b->buf, n, b->off);
	if (e)
		return err_sys(err, e, "read");
	b->off += n;
	b->left -= n;
	*buf = b->buf;
	return (long long)n;
}

static void blob_stream_close(void *impl)
{
	struct blob_stream *b = impl;
	if (b && b->own)
		close(b->fd);
	free(b);
}

static int store_stream(const struct store *st, const char *name, struct image_stream *out, struct cuvet_error *err)
{
	int fd;
	uint64_t off, size;
	if (store_open(st, name, &fd, &off, &size, err) < 0)
		return -1;
	struct blob_stream *b = malloc(sizeof(*b));
	if (!b) {
		if (fd >= 0)
			close(fd);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	b->fd = fd >= 0 ? fd : st->fd;
	b->own = fd >= 0;
	b->off = off;
	b->left = size;
	out->impl = b;
	out->read = blob_stream_read;
	out->close = blob_stream_close;
	return 0;
}

/* "blobs/sha256/<hex>" for DIGEST, which must be a well-formed sha256 digest (it becomes a path). */
static int blob_path(const char *digest, char *out, size_t len, const char *source, struct cuvet_error *err)
{
	bool ok = digest && str_starts(digest, "sha256:") && strlen(digest) == 7 + 64;
	for (size_t i = 7; ok && i < 71; i++)
		ok = (digest[i] >= '0' && digest[i] <= '9') || (digest[i] >= 'a' && digest[i] <= 'f');
	if (!ok)
		return err_set(err, CUVET_E_INVALID, "%s: \"%s\" is not a sha256 digest", source, digest ? digest : "(none)");
	snprintf(out, len, "blobs/sha256/%s", digest + 7);
	return 0;
}

/* A blob named by DIGEST, read whole and checked against it. */
static int read_blob(const struct store *st, const char *digest, const char *what, char **data, size_t *len,
		     struct cuvet_error *err)
{
	char path[128];
	if (blob_path(digest, path, sizeof(path), st->source, err) < 0 || store_read(st, path, data, len, err) < 0)
		return -1;
	char hex[SHA256_DIGEST_STR];
	int hrc = sha256_buf(*data, *len, hex, err);
	if (hrc < 0 || strcmp(hex, digest) != 0) {
		free(*data);
		*data = NULL;
		if (hrc < 0)
			return -1;
		return err_set(err, CUVET_E_INVALID, "%s: %s %s: digest mismatch: its bytes hash to %s", st->source,
			       what, digest, hex);
	}
	return 0;
}

static json_t *parse_json(const char *data, size_t len, const char *source, const char *what, struct cuvet_error *err)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		err_set(err, CUVET_E_INVALID, "%s: %s: invalid JSON at line %d: %s", source, what, je.line, je.text);
	return j;
}

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ------------------------------------------------------------ OCI ---- */

static void host_platform(char *out, size_t len)
{
#if defined(__x86_64__)
	snprintf(out, len, "linux/amd64");
#elif defined(__aarch64__)
	snprintf(out, len, "linux/arm64");
#elif defined(__powerpc64__)
	snprintf(out, len, "linux/ppc64le");
#else
	snprintf(out, len, "linux/unknown");
#endif
}

static bool platform_match(json_t *desc, const char *want)
{
	json_t *p = json_object_get(desc, "platform");
	const char *os = jstr(p, "os"), *arch = jstr(p, "architecture"), *var = jstr(p, "variant");
	if (!os || !arch)
		return false;
	char have[256];
	snprintf(have, sizeof(have), "%s/%s", os, arch);
	size_t hl = strlen(have);
	if (strncmp(want, have, hl) != 0)
		return false;
	if (want[hl] == '\0')
		return true; /* no variant asked: the first of the os/arch */
	return want[hl] == '/' && var && strcmp(want + hl + 1, var) == 0;
}

static bool is_index(const char *mt)
{
	return mt && (strcmp(mt, MEDIA_INDEX) == 0 || strcmp(mt, MEDIA_DOCKER_LIST) == 0);
}

/* From INDEX (index.json or a nested index) the manifest's descriptor: by TAG at the top, then by
 * platform through nested indexes. Fills *MANIFEST with its digest (borrowed from the JSON kept in
 * *KEEP) and the image's index digest. */
static int pick_manifest(struct store *st, struct cuvet_image *img, json_t *index, const char *tag,
			 const char *platform, json_t **keep, const char **manifest, struct cuvet_error *err)
{
	json_t *root = index;
	for (int depth = 0; depth < 4; depth++) {
		json_t *ms = json_object_get(index, "manifests");
		if (!json_is_array(ms) || json_array_size(ms) == 0)
			return err_set(err, CUVET_E_INVALID, "%s: %s lists no manifests", st->source,
				       depth ? "the image index" : "index.json");
		json_t *pick = NULL;
		size_t i;
		json_t *d;
		if (depth == 0 && tag) {
			json_array_foreach(ms, i, d) {
				const char *rn = jstr(json_object_get(d, "annotations"), REF_NAME);
				if (rn && strcmp(rn, tag) == 0) {
					pick = d;
					break;
				}
			}
			if (!pick)
				return err_set(err, CUVET_E_NOTFOUND, "%s: no image tagged \"%s\" in index.json", st->source, tag);
		} else if (depth > 0 || json_array_size(ms) > 1) {
			bool any_platform = false;
			json_array_foreach(ms, i, d) {
				if (json_object_get(d, "platform"))
					any_platform = true;
				if (!pick && platform_match(d, platform))
					pick = d;
			}
			if (!pick && depth == 0 && !any_platform)
				return err_set(err, CUVET_E_INVALID,
					       "%s: index.json holds %zu images: name one (%s:TAG, the ref.name annotation)",
					       st->source, json_array_size(ms), img->info.source);
			if (!pick)
				return err_set(err, CUVET_E_NOTFOUND, "%s: no manifest for platform %s", st->source, platform);
		} else {
			pick = json_array_get(ms, 0);
		}
		if (depth == 0 && !img->info.ref) {
			const char *rn = jstr(json_object_get(pick, "annotations"), "io.containerd.image.name");
			if (!rn)
				rn = jstr(json_object_get(pick, "annotations"), REF_NAME);
			if (rn && !(img->info.ref = xstrdup(rn)))
				return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
		const char *digest = jstr(pick, "digest"), *mt = jstr(pick, "mediaType");
		if (!digest)
			return err_set(err, CUVET_E_INVALID, "%s: a descriptor without a digest", st->source);
		if (!is_index(mt)) {
			*manifest = digest;
			*keep = root;
			return 0;
		}
		char *data;
		size_t len;
		if (read_blob(st, digest, "image index", &data, &len, err) < 0)
			return -1;
		free(img->info.index_digest);
		if (!(img->info.index_digest = xstrdup(digest))) {
			free(data);
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
		json_t *nested = parse_json(data, len, st->source, digest, err);
		free(data);
		if (!nested)
			return -1;
		/* the nested index must live as long as ROOT (the digest picked points into it): ROOT
		 * owns it under a key no JSON text can hold; the next level replaces it */
		if (json_object_set_new(root, "\x01nested", nested) < 0)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		index = nested;
	}
	return err_set(err, CUVET_E_INVALID, "%s: image indexes nested too deep", st->source);
}

/* Fills IMG's layers from a manifest's JSON. */
static int take_manifest_layers(struct store *st, struct cuvet_image *img, json_t *man, struct cuvet_error *err)
{
	json_t *layers = json_object_get(man, "layers");
	if (!json_is_array(layers))
		return err_set(err, CUVET_E_INVALID, "%s: the manifest has no layers array", st->source);
	size_t n = json_array_size(layers);
	img->info.layers = calloc(n ? n : 1, sizeof(*img->info.layers));
	if (!img->info.layers)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	img->info.nlayers = n;
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(layers, i);
		struct cuvet_image_layer *l = &img->info.layers[i];
		const char *digest = jstr(d, "digest"), *mt = jstr(d, "mediaType");
		json_t *size = json_object_get(d, "size");
		if (!digest)
			return err_set(err, CUVET_E_INVALID, "%s: layer %zu of the manifest has no digest", st->source, i + 1);
		l->digest = xstrdup(digest);
		l->media_type = xstrdup(mt ? mt : "");
		l->size = json_is_integer(size) && json_integer_value(size) > 0 ? (uint64_t)json_integer_value(size) : 0;
		if (!l->digest || !l->media_type)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	return 0;
}

/* The config: blob DIGEST, or MEMBER (checked against DIGEST when one is given). */
static int read_config(struct store *st, struct cuvet_image *img, const char *digest, const char *member,
		       struct cuvet_error *err)
{
	char *data;
	size_t len;
	if (!member) {
		if (read_blob(st, digest, "config", &data, &len, err) < 0)
			return -1;
	} else {
		if (store_read(st, member, &data, &len, err) < 0)
			return -1;
		if (digest) {
			char hex[SHA256_DIGEST_STR];
			if (sha256_buf(data, len, hex, err) < 0) {
				free(data);
				return -1;
			}
			if (strcmp(digest, hex) != 0) {
				free(data);
				return err_set(err, CUVET_E_INVALID, "%s: config %s: digest mismatch: its bytes hash to %s",
					       st->source, member, hex);
			}
		}
	}
	int rc = image_parse_config(img, data, len, err);
	free(data);
	return rc;
}

/* index.json -> manifest -> config (an OCI layout, or docker save's without manifest.json). */
static int open_oci(struct store *st, struct cuvet_image *img, const char *tag, const char *platform,
		    struct cuvet_error *err)
{
	char *data = NULL;
	size_t len;
	json_t *index = NULL, *man = NULL;
	int rc = -1;
	if (store_read(st, "index.json", &data, &len, err) < 0)
		goto out;
	if (!(index = parse_json(data, len, st->source, "index.json", err)))
		goto out;
	free(data);
	data = NULL;
	const char *mdigest = NULL;
	json_t *keep;
	if (pick_manifest(st, img, index, tag, platform, &keep, &mdigest, err) < 0)
		goto out;
	if (read_blob(st, mdigest, "manifest", &data, &len, err) < 0)
		goto out;
	if (!(img->info.manifest_digest = xstrdup(mdigest))) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	if (!(man = parse_json(data, len, st->source, "manifest", err)))
		goto out;
	const char *cdigest = jstr(json_object_get(man, "config"), "digest");
	if (!cdigest) {
		err_set(err, CUVET_E_INVALID, "%s: the manifest names no config", st->source);
		goto out;
	}
	if (!(img->info.config_digest = xstrdup(cdigest))) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	if (take_manifest_layers(st, img, man, err) < 0 || read_config(st, img, cdigest, NULL, err) < 0)
		goto out;
	rc = 0;
out:
	free(data);
	json_decref(man);
	json_decref(index);
	return rc;
}

/* "blobs/sha256/<hex>" or "<hex>.json" (legacy config) or "<hex>/layer.tar": the digest the name
 * promises, when it promises one. */
static char *digest_of_member(const char *name)
{
	const char *hex = NULL;
	if (str_starts(name, "blobs/sha256/"))
		hex = name + strlen("blobs/sha256/");
	else if (strlen(name) == 64 + 5 && strcmp(name + 64, ".json") == 0)
		hex = name;
	else if (strlen(name) == 64 + 4 && strcmp(name + 64, ".tar") == 0)
		hex = name; /* skopeo's docker-archive: the uncompressed layer named by its digest */
	if (!hex)
		return NULL;
	for (size_t i = 0; i < 64; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return NULL;
	if (hex[64] != '\0' && hex[64] != '.')
		return NULL;
	return xasprintf("sha256:%.64s", hex);
}

/* docker save: manifest.json's entry for REF (or the only one), its Config and Layers. The OCI
 * parts of a Docker >= 25 archive (index.json) give the manifest digest and media types. */
static int open_docker(struct store *st, struct cuvet_image *img, const char *ref, const char *platform,
		       char ***members, struct cuvet_error *err)
{
	char *data = NULL;
	size_t len;
	json_t *mf = NULL;
	int rc = -1;
	if (!store_member(st, "manifest.json"))
		return open_oci(st, img, ref, platform, err);
	if (store_read(st, "manifest.json", &data, &len, err) < 0 ||
	    !(mf = parse_json(data, len, st->source, "manifest.json", err)))
		goto out;
	if (!json_is_array(mf) || json_array_size(mf) == 0) {
		err_set(err, CUVET_E_INVALID, "%s: manifest.json lists no image", st->source);
		goto out;
	}
	json_t *item = NULL;
	size_t i;
	json_t *d;
	if (ref) {
		json_array_foreach(mf, i, d) {
			size_t j;
			json_t *t;
			json_array_foreach(json_object_get(d, "RepoTags"), j, t) {
				const char *tv = json_is_string(t) ? json_string_value(t) : "";
				if (strcmp(tv, ref) == 0 ||
				    (str_starts(tv, "docker.io/") && (strcmp(tv + 10, ref) == 0 ||
					(str_starts(tv + 10, "library/") && strcmp(tv + 18, ref) == 0))))
					item = d;
			}
			if (item)
				break;
		}
		if (!item) {
			err_set(err, CUVET_E_NOTFOUND, "%s: no image tagged \"%s\" in manifest.json", st->source, ref);
			goto out;
		}
	} else if (json_array_size(mf) > 1) {
		err_set(err, CUVET_E_INVALID, "%s: the archive holds %zu images: name one (docker-archive:FILE:REPO:TAG)",
			st->source, json_array_size(mf));
		goto out;
	} else {
		item = json_array_get(mf, 0);
	}
	json_t *tags = json_object_get(item, "RepoTags");
	if (json_array_size(tags) > 0 && json_is_string(json_array_get(tags, 0)) &&
	    !(img->info.ref = xstrdup(ref ? ref : json_string_value(json_array_get(tags, 0))))) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	const char *config = jstr(item, "Config");
	json_t *layers = json_object_get(item, "Layers");
	if (!config || !json_is_array(layers)) {
		err_set(err, CUVET_E_INVALID, "%s: manifest.json: an entry without Config or Layers", st->source);
		goto out;
	}
	size_t n = json_array_size(layers);
	img->info.layers = calloc(n ? n : 1, sizeof(*img->info.layers));
	*members = calloc(n ? n : 1, sizeof(**members));
	if (!img->info.layers || !*members) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	img->info.nlayers = n;
	for (size_t k = 0; k < n; k++) {
		const char *m = json_string_value(json_array_get(layers, k));
		if (!m) {
			err_set(err, CUVET_E_INVALID, "%s: manifest.json: layer %zu is not a file name", st->source, k + 1);
			goto out;
		}
		const struct member *mem = store_member(st, m);
		struct cuvet_image_layer *l = &img->info.layers[k];
		if (!((*members)[k] = xstrdup(m)) || !(l->media_type = xstrdup(""))) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto out;
		}
		l->digest = digest_of_member(m); /* NULL for a legacy layer.tar: its diff_id, from the config */
		l->size = mem ? mem->size : 0;
	}
	/* Docker >= 25: the OCI manifest this entry came from (its digest, the layers' media types) */
	char *cdigest = digest_of_member(config);
	if (store_member(st, "index.json") && cdigest) {
		char *idata = NULL;
		size_t ilen;
		json_t *index = NULL;
		if (store_read(st, "index.json", &idata, &ilen, err) == 0 &&
		    (index = parse_json(idata, ilen, st->source, "index.json", err)) != NULL) {
			size_t k;
			json_t *desc;
			json_array_foreach(json_object_get(index, "manifests"), k, desc) {
				const char *md = jstr(desc, "digest");
				char *mdata = NULL;
				size_t mlen;
				json_t *man = NULL;
				if (!md || is_index(jstr(desc, "mediaType")) ||
				    read_blob(st, md, "manifest", &mdata, &mlen, err) < 0 ||
				    !(man = parse_json(mdata, mlen, st->source, "manifest", err))) {
					free(mdata);
					if (err && err->code == CUVET_E_INVALID && md && strstr(err->msg, "mismatch")) {
						free(idata);
						json_decref(index);
						free(cdigest);
						goto out;
					}
					continue;
				}
				const char *c = jstr(json_object_get(man, "config"), "digest");
				json_t *ml = json_object_get(man, "layers");
				if (c && strcmp(c, cdigest) == 0 && json_array_size(ml) == n) {
					img->info.manifest_digest = xstrdup(md);
					for (size_t q = 0; q < n; q++) {
						const char *mt = jstr(json_array_get(ml, q), "mediaType");
						if (mt) {
							free(img->info.layers[q].media_type);
							img->info.layers[q].media_type = xstrdup(mt);
						}
					}
				}
				free(mdata);
				json_decref(man);
				if (img->info.manifest_digest)
					break;
			}
		}
		if (err)
			cuvet_error_clear(err);
		free(idata);
		json_decref(index);
	}
	if (!(img->info.config_digest = cdigest)) {
		/* a config named otherwise: its digest is the hash of its bytes */
		char *cd = NULL;
		size_t cl;
		if (store_read(st, config, &cd, &cl, err) < 0)
			goto out;
		char hex[SHA256_DIGEST_STR];
		int hrc = sha256_buf(cd, cl, hex, err);
		free(cd);
		if (hrc < 0)
			goto out;
		img->info.config_digest = xstrdup(hex);
		rc = read_config(st, img, NULL, config, err);
		if (rc < 0)
			goto out;
		rc = -1;
	} else if (read_config(st, img, img->info.config_digest, config, err) < 0) {
		goto out;
	}
	/* legacy layers: the blob is the uncompressed tar, so its digest is the diff_id */
	for (size_t k = 0; k < n; k++) {
		struct cuvet_image_layer *l = &img->info.layers[k];
		if (!l->digest && l->diff_id && !(l->digest = xstrdup(l->diff_id))) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	free(data);
	json_decref(mf);
	return rc;
}

struct cuvet_image *image_open_local(const char *source, const struct cuvet_image_opts *opts,
				     struct cuvet_error *err)
{
	struct cuvet_image_opts none = {0};
	if (!opts)
		opts = &none;
	enum { DOCKER, OCI, OCI_ARCHIVE } kind;
	const char *rest;
	if (str_starts(source, "docker-archive:")) {
		kind = DOCKER;
		rest = source + strlen("docker-archive:");
	} else if (str_starts(source, "oci-archive:")) {
		kind = OCI_ARCHIVE;
		rest = source + strlen("oci-archive:");
	} else if (str_starts(source, "oci:")) {
		kind = OCI;
		rest = source + strlen("oci:");
	} else {
		err_set(err, CUVET_E_INVALID, "%s: not a local image source", source);
		return NULL;
	}
	/* the path ends at the first ':' (containers/image's SplitPathAndImage) */
	const char *colon = strchr(rest, ':');
	char *path = xstrndup(rest, colon ? (size_t)(colon - rest) : strlen(rest));
	const char *tag = colon && colon[1] ? colon + 1 : NULL;
	struct cuvet_image *img = path ? image_new(source, opts, err) : NULL;
	if (!path || !img) {
		if (!path)
			err_set(err, CUVET_E_NOMEM, "out of memory");
		free(path);
		return NULL;
	}
	struct store st = {.source = source, .dirfd = -1, .fd = -1, .max_json = img->limits.max_json};
	char platform[128];
	if (opts->platform)
		snprintf(platform, sizeof(platform), "%s", opts->platform);
	else
		host_platform(platform, sizeof(platform));
	char **members = NULL;
	int rc = -1;
	if (!*path) {
		err_set(err, CUVET_E_INVALID, "%s: no path", source);
		goto out;
	}
	if (kind == OCI) {
		if ((st.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			err_sys(err, errno, "%s", path);
			goto out;
		}
	} else {
		if ((st.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			err_sys(err, errno, "%s", path);
			goto out;
		}
		if (index_tar(&st, path, err) < 0)
			goto out;
	}
	if (kind == DOCKER ? open_docker(&st, img, tag, platform, &members, err) < 0
			   : open_oci(&st, img, tag, platform, err) < 0)
		goto out;
	if (opts->layers) {
		for (size_t i = 0; i < img->info.nlayers; i++) {
			const struct cuvet_image_layer *l = &img->info.layers[i];
			char name[128];
			const char *m = members ? members[i] : NULL;
			if (!m) {
				if (blob_path(l->digest, name, sizeof(name), source, err) < 0)
					goto out;
				m = name;
			}
			struct image_stream s;
			if (store_stream(&st, m, &s, err) < 0)
				goto out;
			int ar = image_layer_apply(img, &s, l->digest, err);
			s.close(s.impl);
			if (ar < 0)
				goto out;
		}
		if (!img->fs && !(img->fs = cuvet_fs_mem_new(err)))
			goto out; /* an image of no layers: an empty root */
	}
	rc = 0;
out:
	for (size_t i = 0; members && i < img->info.nlayers; i++)
		free(members[i]);
	free(members);
	store_close(&st);
	free(path);
	if (rc < 0) {
		cuvet_image_free(img);
		return NULL;
	}
	return img;
}
