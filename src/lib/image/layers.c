/* layers.c — a layer's tar stream merged into the image's in-memory view (see image_internal.h).
 *
 * The blob (gzip, zstd or a plain tar, told apart by its first bytes) is read once: its bytes
 * are hashed for the layer digest, the tar's bytes for the diff_id, and both counted against
 * the limits (entries, bytes, ratio) as they pass. Members go into the view (cuvet_fs_mem_*):
 *   - names are cleaned as docker's archive.UnpackLayer does: a leading "/" is dropped (docker
 *     joins the name under the root), "." and empty components vanish, ".." climbs; a name
 *     that would climb out of the root is refused (CUVET_E_ESCAPE), as docker's breakout check;
 *   - ".wh.NAME" removes NAME and ".wh..wh..opq" empties its directory, of lower layers only
 *     (cuvet_fs_mem_set_layer), whatever the order of the layer's members; other ".wh..wh."
 *     names (aufs bookkeeping) are skipped;
 *   - hard links name an earlier member of this or a lower layer, cleaned the same way (one
 *     that leaves the root: CUVET_E_ESCAPE; one to nothing or a directory: CUVET_E_INVALID);
 *   - symbolic links are kept as written: the view resolves them inside the root and reports
 *     loops when they are followed; devices, FIFOs and sockets are "other";
 *   - a member under an entry that is not a directory (a link, say) is refused: the view never
 *     writes through a link.
 * What is kept of a regular file: the whole bytes of the small files the probe and `why` read
 * (ld.so.cache and ld.so.conf*, dpkg's status and file lists, os-release, version.json,
 * dist-info METADATA/RECORD), up to IMAGE_KEEP_MAX; for an ELF file the ranges the ELF and
 * fatbin readers need (elfkeep.c), or the whole file when it is small; for anything else its
 * type, mode and size only (reading it says "contents not held"). Nothing is written to disk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet_config.h"
#include "internal.h"
#include "image_internal.h"
#include "elfkeep.h"
#include "../base/sha256.h"

#if CUVET_HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif

#define IMAGE_KEEP_MAX (64u << 20)  /* a file kept whole (dpkg status of a large image: a few MB) */
#define IMAGE_ELF_WHOLE (16u << 10) /* an ELF file this small is kept whole */
#define RATIO_FLOOR (1u << 20)      /* the ratio limit applies past this many tar bytes */

/* Limits with their defaults (cuvet_image.h) where 0. */
static uint64_t lim(uint64_t v, uint64_t def)
{
	return v ? v : def;
}

/* Whether the probe or `why` reads the file at PATH (canonical, "/…") whole. */
static bool keep_whole(const char *path)
{
	static const char *const exact[] = {
		"/etc/ld.so.cache", "/etc/ld.so.conf", "/var/lib/dpkg/status", "/etc/os-release",
		"/usr/lib/os-release", "/etc/debian_version", "/etc/lsb-release", "/etc/redhat-release",
		"/etc/hostname", NULL,
	};
	for (const char *const *e = exact; *e; e++)
		if (strcmp(path, *e) == 0)
			return true;
	const char *base = strrchr(path, '/') + 1;
	size_t plen = strlen(path);
	if (str_starts(path, "/etc/ld.so.conf.d/"))
		return true;
	if (str_starts(path, "/var/lib/dpkg/info/") && plen > 5 && strcmp(path + plen - 5, ".list") == 0)
		return true;
	if (strcmp(base, "version.json") == 0 || strcmp(base, "version.txt") == 0)
		return true;
	if ((strcmp(base, "METADATA") == 0 || strcmp(base, "RECORD") == 0) && strstr(path, ".dist-info/"))
		return true;
	if (strcmp(base, "PKG-INFO") == 0 && strstr(path, ".egg-info/"))
		return true;
	return false;
}

/* NAME cleaned into OUT ("/a/b"; "/" for the root) as described above. */
static int clean_name(const char *name, char *out, size_t outlen, const char *what, struct cuvet_error *err)
{
	size_t n = 0;
	const char *p = name;
	out[0] = '\0';
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (n == 0)
				return err_set(err, CUVET_E_ESCAPE, "%s \"%s\" leaves the image's root", what, name);
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			out[n] = '\0';
		} else {
			if (n + 1 + len + 1 > outlen)
				return err_set(err, CUVET_E_RANGE, "%s \"%.64s...\" is too long", what, name);
			out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
			out[n] = '\0';
		}
		p += len;
	}
	if (n == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

#if CUVET_HAVE_LIBARCHIVE

enum compression { C_PLAIN, C_GZIP, C_ZSTD };

struct layer_read {
	struct cuvet_image *img;
	struct image_stream *s;
	const char *label;          /* the layer, for messages */
	struct cuvet_error *err;
	struct cuvet_error serr;    /* what the stream said */
	bool failed;                /* ERR is filled: stop */
	/* the blob */
	struct sha256 blob_sha;
	uint64_t cbytes;
	const void *pending;        /* a first block read to tell the compression */
	long long npending;
	bool blob_eof;
	struct archive *outer;      /* the decompressor (raw format), NULL for a plain tar */
	/* the tar */
	struct sha256 tar_sha;
	uint64_t ubytes;
	unsigned char buf[1 << 16];   /* the decompressor's output (tar_read) */
	unsigned char data[1 << 16];  /* a member's bytes (add_regular) */
};

/* The blob's next bytes, hashed and counted. */
static long long blob_next(struct layer_read *lr, const void **buf)
{
	long long n;
	if (lr->pending) {
		*buf = lr->pending;
		n = lr->npending;
		lr->pending = NULL;
		return n;
	}
	if (lr->blob_eof)
		return 0;
	n = lr->s->read(lr->s->impl, buf, &lr->serr);
	if (n < 0) {
		lr->failed = true;
		err_set(lr->err, lr->serr.code ? lr->serr.code : CUVET_E_IO, "%s: %s", lr->label, lr->serr.msg);
		return -1;
	}
	if (n == 0) {
		lr->blob_eof = true;
		return 0;
	}
	if (sha256_update(&lr->blob_sha, *buf, (size_t)n, lr->err) < 0) {
		lr->failed = true;
		return -1;
	}
	lr->cbytes += (uint64_t)n;
	return n;
}

static la_ssize_t outer_read(struct archive *a, void *ctx, const void **buf)
{
	struct layer_read *lr = ctx;
	long long n = blob_next(lr, buf);
	if (n < 0) {
		archive_set_error(a, EIO, "%s", lr->err ? lr->err->msg : "read error");
		return -1;
	}
	return (la_ssize_t)n;
}

/* The tar's next bytes: from the decompressor, or the blob itself. Counted against the limits. */
static la_ssize_t tar_read(struct archive *a, void *ctx, const void **buf)
{
	struct layer_read *lr = ctx;
	struct cuvet_image *img = lr->img;
	long long n;
	if (lr->outer) {
		la_ssize_t r = archive_read_data(lr->outer, lr->buf, sizeof(lr->buf));
		if (r < 0) {
			if (!lr->failed) {
				lr->failed = true;
				err_set(lr->err, CUVET_E_INVALID, "%s: corrupt compressed stream: %s", lr->label,
					archive_error_string(lr->outer));
			}
			archive_set_error(a, EIO, "%s", lr->err ? lr->err->msg : "read error");
			return -1;
		}
		*buf = lr->buf;
		n = r;
	} else {
		n = blob_next(lr, buf);
		if (n < 0) {
			archive_set_error(a, EIO, "%s", lr->err ? lr->err->msg : "read error");
			return -1;
		}
	}
	/* a plain tar is the blob: its hash is the blob's, computed once */
	if (lr->outer && sha256_update(&lr->tar_sha, *buf, (size_t)n, lr->err) < 0) {
		lr->failed = true;
		archive_set_error(a, EIO, "%s", lr->err ? lr->err->msg : "sha256 failed");
		return -1;
	}
	lr->ubytes += (uint64_t)n;
	img->bytes += (uint64_t)n;
	uint64_t max_bytes = lim(img->limits.max_bytes, 256ull << 30);
	uint64_t ratio = lim(img->limits.max_ratio, 1000);
	const char *why = NULL;
	if (img->bytes > max_bytes)
		why = "more uncompressed bytes than the limit";
	else if (lr->outer && lr->ubytes > RATIO_FLOOR && lr->ubytes / ratio > lr->cbytes)
		why = "a compression ratio above the limit (a decompression bomb?)";
	if (why) {
		if (!lr->failed) {
			lr->failed = true;
			err_set(lr->err, CUVET_E_RANGE, "%s: %s (%llu bytes from %llu; limits: %llu bytes, ratio %llu)",
				lr->label, why, (unsigned long long)lr->ubytes, (unsigned long long)lr->cbytes,
				(unsigned long long)max_bytes, (unsigned long long)ratio);
		}
		archive_set_error(a, ERANGE, "%s", lr->err ? lr->err->msg : "limit");
		return -1;
	}
	return (la_ssize_t)n;
}

/* The error for a failed libarchive call on the tar. */
static int tar_fail(struct layer_read *lr, struct archive *in, const char *member)
{
	if (lr->failed)
		return -1;
	lr->failed = true;
	const char *msg = archive_error_string(in);
	/* libarchive's limit on pax and GNU long-name headers ("Special header too large") */
	if (msg && strstr(msg, "header too large"))
		return err_set(lr->err, CUVET_E_RANGE, "%s: oversized tar header: %s", lr->label, msg);
	if (member)
		return err_set(lr->err, CUVET_E_INVALID, "%s: %s: corrupt or truncated tar: %s", lr->label, member,
			       msg ? msg : "read error");
	return err_set(lr->err, CUVET_E_INVALID, "%s: corrupt or truncated tar: %s", lr->label, msg ? msg : "read error");
}

/* A regular file's bytes: kept whole, kept in part (ELF), or only counted. */
static int add_regular(struct layer_read *lr, struct archive *in, struct archive_entry *e, const char *path,
		       unsigned mode)
{
	struct cuvet_image *img = lr->img;
	struct cuvet_fs *fs = img->fs;
	int64_t ssize = archive_entry_size(e);
	uint64_t size = ssize > 0 ? (uint64_t)ssize : 0;
	/* the first block tells an ELF file */
	la_ssize_t n = size ? archive_read_data(in, lr->data, sizeof(lr->data) < size ? sizeof(lr->data) : (size_t)size) : 0;
	if (n < 0)
		return tar_fail(lr, in, path);
	bool elf = n >= 4 && memcmp(lr->data, "\177ELF", 4) == 0;
	bool whole = size <= IMAGE_KEEP_MAX && (keep_whole(path) || (elf && size <= IMAGE_ELF_WHOLE));
	if (whole) {
		char *data = malloc(size ? (size_t)size : 1);
		if (!data)
			return err_set(lr->err, CUVET_E_NOMEM, "%s: %s: out of memory", lr->label, path);
		uint64_t got = (uint64_t)n;
		memcpy(data, lr->data, (size_t)n);
		while (got < size) {
			la_ssize_t r = archive_read_data(in, data + got, (size_t)(size - got));
			if (r <= 0) {
				free(data);
				return r < 0 ? tar_fail(lr, in, path)
					     : err_set(lr->err, CUVET_E_INVALID, "%s: %s: truncated member", lr->label, path);
			}
			got += (uint64_t)r;
		}
		int rc = cuvet_fs_mem_add_file(fs, path, data, (size_t)size, mode, lr->err);
		free(data);
		img->held += size;
		return rc;
	}
	if (elf) {
		struct elfkeep *k = elfkeep_new(size, lr->err);
		if (!k)
			return -1;
		uint64_t got = 0;
		while (n > 0) {
			if (elfkeep_feed(k, lr->data, (size_t)n, lr->err) < 0) {
				elfkeep_free(k);
				return -1;
			}
			got += (uint64_t)n;
			n = got < size ? archive_read_data(in, lr->data, sizeof(lr->data)) : 0;
		}
		if (n < 0) {
			elfkeep_free(k);
			return tar_fail(lr, in, path);
		}
		int rc = elfkeep_add(k, fs, path, mode, lr->err);
		img->held += elfkeep_held(k);
		elfkeep_free(k);
		return rc;
	}
	if (archive_read_data_skip(in) != ARCHIVE_OK)
		return tar_fail(lr, in, path);
	return cuvet_fs_mem_add_sparse(fs, path, size, NULL, 0, false, mode, lr->err);
}

static int add_member(struct layer_read *lr, struct archive *in, struct archive_entry *e)
{
	struct cuvet_image *img = lr->img;
	struct cuvet_error *err = lr->err;
	const char *name = archive_entry_pathname(e);
	if (!name)
		return err_set(err, CUVET_E_INVALID, "%s: a member without a name", lr->label);
	uint32_t max_path = (uint32_t)lim(img->limits.max_path, 4096);
	size_t nlen = strlen(name);
	if (nlen > max_path)
		return err_set(err, CUVET_E_RANGE, "%s: member name of %zu bytes (limit %u): \"%.64s...\"", lr->label, nlen,
			       max_path, name);
	char path[8192];
	if (clean_name(name, path, sizeof(path), "member", err) < 0) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return err_set(err, err->code, "%s: %s", lr->label, msg);
	}
	const char *base = strrchr(path, '/') + 1;
	/* whiteouts */
	if (str_starts(base, ".wh.")) {
		char target[8192];
		size_t dlen = (size_t)(base - path);
		memcpy(target, path, dlen);
		if (strcmp(base, ".wh..wh..opq") == 0) {
			target[dlen > 1 ? dlen - 1 : 1] = '\0';
			if (dlen <= 1)
				target[0] = '/';
			return cuvet_fs_mem_make_opaque(img->fs, target, 0755, err);
		}
		if (str_starts(base, ".wh..wh."))
			return 0; /* aufs bookkeeping (.wh..wh.plnk, ...) */
		if (!base[4])
			return err_set(err, CUVET_E_INVALID, "%s: whiteout \"%s\" names nothing", lr->label, name);
		snprintf(target + dlen, sizeof(target) - dlen, "%s", base + 4);
		return cuvet_fs_mem_remove(img->fs, target, err);
	}
	if (strcmp(path, "/") == 0)
		return 0; /* "./": the root stays as it is */
	unsigned mode = (unsigned)archive_entry_perm(e);
	const char *hard = archive_entry_hardlink(e);
	if (hard) {
		char to[8192];
		if (strlen(hard) > max_path)
			return err_set(err, CUVET_E_RANGE, "%s: %s: hard link target of %zu bytes (limit %u)", lr->label, path,
				       strlen(hard), max_path);
		if (clean_name(hard, to, sizeof(to), "hard link target", err) < 0) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			return err_set(err, err->code, "%s: %s: %s", lr->label, path, msg);
		}
		enum cuvet_fs_type t = cuvet_fs_type(img->fs, to, false);
		if (t == CUVET_FS_NONE)
			return err_set(err, CUVET_E_INVALID, "%s: %s: hard link to \"%s\", which no earlier member is",
				       lr->label, path, hard);
		if (t == CUVET_FS_DIR)
			return err_set(err, CUVET_E_INVALID, "%s: %s: hard link to the directory \"%s\"", lr->label, path,
				       hard);
		return cuvet_fs_mem_add_hardlink(img->fs, path, to, err);
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		return cuvet_fs_mem_add_dir(img->fs, path, mode, err);
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if (!target || !*target)
			return err_set(err, CUVET_E_INVALID, "%s: %s: symbolic link without a target", lr->label, path);
		if (strlen(target) > max_path)
			return err_set(err, CUVET_E_RANGE, "%s: %s: link target of %zu bytes (limit %u)", lr->label, path,
				       strlen(target), max_path);
		return cuvet_fs_mem_add_symlink(img->fs, path, target, err);
	}
	case AE_IFREG:
		return add_regular(lr, in, e, path, mode);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
	case AE_IFSOCK:
		return cuvet_fs_mem_add_other(img->fs, path, mode, err);
	default:
		return err_set(err, CUVET_E_INVALID, "%s: %s: unknown member type 0%o", lr->label, path,
			       (unsigned)archive_entry_filetype(e));
	}
}

/* "sha256:<64 hex>" against the hash in HEX; a malformed DIGEST is an error too. */
static int digest_check(const char *digest, const char *hex, const char *what, const char *label,
			struct cuvet_error *err)
{
	if (!str_starts(digest, "sha256:"))
		return err_set(err, CUVET_E_INVALID, "%s: %s %s: only sha256 digests are supported", label, what, digest);
	if (strcmp(digest, hex) != 0)
		return err_set(err, CUVET_E_INVALID, "%s: %s mismatch: expected %s, the bytes hash to %s", label,
			       what, digest, hex);
	return 0;
}

int image_layer_apply(struct cuvet_image *img, struct image_stream *s, const char *digest, struct cuvet_error *err)
{
	char label[128];
	unsigned index = img->applied + 1;
	if (digest)
		snprintf(label, sizeof(label), "layer %u (%.19s)", index, digest);
	else
		snprintf(label, sizeof(label), "layer %u", index);
	if (!img->fs && !(img->fs = cuvet_fs_mem_new(err)))
		return -1;
	if (cuvet_fs_mem_set_layer(img->fs, index, err) < 0)
		return -1;
	img->applied = index;
	struct layer_read *lr = calloc(1, sizeof(*lr));
	if (!lr)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	lr->img = img;
	lr->s = s;
	lr->label = label;
	lr->err = err;
	int rc = -1;
	if (sha256_init(&lr->blob_sha, err) < 0 || sha256_init(&lr->tar_sha, err) < 0) {
		sha256_abort(&lr->blob_sha);
		free(lr);
		return -1;
	}
	struct archive *in = NULL;
	/* the compression, from the first bytes */
	const void *first;
	long long n = blob_next(lr, &first);
	if (n < 0)
		goto out;
	enum compression comp = C_PLAIN;
	const unsigned char *f = first;
	if (n >= 2 && f[0] == 0x1f && f[1] == 0x8b)
		comp = C_GZIP;
	else if (n >= 4 && f[0] == 0x28 && f[1] == 0xb5 && f[2] == 0x2f && f[3] == 0xfd)
		comp = C_ZSTD;
	lr->pending = first;
	lr->npending = n;
	if (comp != C_PLAIN) {
		lr->outer = archive_read_new();
		if (!lr->outer) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto out;
		}
		/* built-in decompressors only: ARCHIVE_WARN means an external program would run */
		int fr = comp == C_GZIP ? archive_read_support_filter_gzip(lr->outer)
					: archive_read_support_filter_zstd(lr->outer);
		if (fr != ARCHIVE_OK) {
			err_set(err, CUVET_E_INVALID, "%s: this libarchive has no built-in %s decompressor", label,
				comp == C_GZIP ? "gzip" : "zstd");
			goto out;
		}
		struct archive_entry *raw;
		if (archive_read_support_format_raw(lr->outer) != ARCHIVE_OK ||
		    archive_read_open(lr->outer, lr, NULL, outer_read, NULL) != ARCHIVE_OK ||
		    archive_read_next_header(lr->outer, &raw) != ARCHIVE_OK) {
			if (!lr->failed)
				err_set(err, CUVET_E_INVALID, "%s: corrupt compressed stream: %s", label,
					archive_error_string(lr->outer));
			goto out;
		}
	}
	in = archive_read_new();
	if (!in || archive_read_support_format_tar(in) != ARCHIVE_OK ||
	    archive_read_open(in, lr, NULL, tar_read, NULL) != ARCHIVE_OK) {
		if (!in)
			err_set(err, CUVET_E_NOMEM, "out of memory");
		else if (!lr->failed)
			tar_fail(lr, in, NULL);
		goto out;
	}
	uint64_t max_entries = lim(img->limits.max_entries, 2000000);
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		/* ARCHIVE_RETRY is a damaged header (a bad checksum) libarchive would skip; a warning that leaves
		 * no name is one too */
		if ((r != ARCHIVE_OK && r != ARCHIVE_WARN) || (r == ARCHIVE_WARN && !archive_entry_pathname(e))) {
			tar_fail(lr, in, NULL);
			goto out;
		}
		if (++img->entries > max_entries) {
			err_set(err, CUVET_E_RANGE, "%s: more tar members than the limit of %llu", label,
				(unsigned long long)max_entries);
			goto out;
		}
		if (add_member(lr, in, e) < 0) {
			if (err && !err->code)
				err->code = CUVET_E_INVALID;
			goto out;
		}
	}
	/* the rest of the blob (the tar's end blocks, padding) still counts for the digests */
	for (;;) {
		const void *b;
		la_ssize_t r = tar_read(in, lr, &b);
		if (r < 0)
			goto out;
		if (r == 0)
			break;
	}
	while (!lr->blob_eof) {
		const void *b;
		if (blob_next(lr, &b) < 0)
			goto out;
	}
	char hex[SHA256_DIGEST_STR], tar_hex[SHA256_DIGEST_STR];
	if (sha256_final(&lr->blob_sha, hex, err) < 0)
		goto out;
	if (lr->outer) {
		if (sha256_final(&lr->tar_sha, tar_hex, err) < 0)
			goto out;
	} else {
		memcpy(tar_hex, hex, sizeof(hex));
	}
	if (digest && digest_check(digest, hex, "digest", label, err) < 0)
		goto out;
	/* the diff_id the config gives this layer */
	memcpy(hex, tar_hex, sizeof(hex));
	for (size_t i = 0; digest && i < img->info.nlayers; i++) {
		const struct cuvet_image_layer *l = &img->info.layers[i];
		if (l->digest && strcmp(l->digest, digest) == 0 && l->diff_id) {
			if (digest_check(l->diff_id, hex, "diff_id", label, err) < 0)
				goto out;
			break;
		}
	}
	rc = 0;
out:
	if (in)
		archive_read_free(in);
	if (lr->outer)
		archive_read_free(lr->outer);
	sha256_abort(&lr->blob_sha);
	sha256_abort(&lr->tar_sha);
	free(lr);
	return rc;
}

#else

int image_layer_apply(struct cuvet_image *img, struct image_stream *s, const char *digest, struct cuvet_error *err)
{
	(void)img;
	(void)s;
	(void)digest;
	(void)clean_name;
	(void)keep_whole;
	(void)lim;
	return err_set(err, CUVET_E_INVALID, "image layers need libarchive, which this build of cuvet lacks");
}

#endif
