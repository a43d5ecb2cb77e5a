/* The image view: the in-memory backend's layers and sparse files (fsmem.c), and layers.c's
 * merge of real tar streams written here with libarchive (gzip, zstd, plain): whiteouts and
 * opaque directories whatever the member order, hard links, symbolic links and their loops,
 * what is kept of each file, digests, limits. tests/image/build_images.py does the same over
 * images built by umoci and skopeo. */
#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cuvet_image.h"
#include "elfkeep.h"
#include "image_internal.h"
#include "sha256.h"

/* ---------------------------------------------------------- fsmem ---- */

static void test_layers_hide_only_lower(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
	assert_non_null(fs);
	assert_int_equal(cuvet_fs_mem_set_layer(fs, 1, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/a/x", "x", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/a/sub/y", "y", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/b/z", "z", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_set_layer(fs, 2, &err), 0);
	/* the layer's own entries first, its opaque marker after them */
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/a/new", "n", 1, 0600, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/a/sub/y2", "y", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_make_opaque(fs, "/a", 0750, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/b/z2", "z", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_remove(fs, "/b/z", &err), 0);
	assert_int_equal(cuvet_fs_mem_remove(fs, "/b/z2", &err), 0); /* same layer: not hidden */
	struct cuvet_fs_dir d;
	assert_int_equal(cuvet_fs_list(fs, "/a", &d, &err), 0);
	assert_int_equal(d.count, 2);
	assert_string_equal(d.names[0], "new");
	assert_string_equal(d.names[1], "sub");
	cuvet_fs_dir_release(&d);
	assert_int_equal(cuvet_fs_type(fs, "/a/sub/y", false), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_type(fs, "/a/sub/y2", false), CUVET_FS_FILE);
	assert_int_equal(cuvet_fs_type(fs, "/b/z", false), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_type(fs, "/b/z2", false), CUVET_FS_FILE);
	struct cuvet_fs_mem_info mi;
	assert_int_equal(cuvet_fs_mem_info(fs, "/a", &mi, &err), 0);
	assert_int_equal(mi.mode, 0750);
	/* layers go up only */
	assert_int_equal(cuvet_fs_mem_set_layer(fs, 1, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "layer 1 after layer 2: layers are added bottom first");
	cuvet_fs_free(fs);
}

static void test_sparse_file(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
	struct cuvet_fs_extent ext[] = {{0, "HEAD", 4}, {1 << 20, "MID", 3}, {(3u << 20) - 2, "TL", 2}};
	assert_int_equal(cuvet_fs_mem_add_sparse(fs, "/lib/big.so", 3u << 20, ext, 3, true, 0755, &err), 0);
	const void *p;
	size_t len;
	assert_int_equal(cuvet_fs_map(fs, "/lib/big.so", &p, &len, &err), 0);
	assert_int_equal(len, 3u << 20);
	const char *c = p;
	assert_memory_equal(c, "HEAD", 4);
	assert_int_equal(c[4], 0);
	assert_int_equal(c[(1 << 20) - 1], 0);
	assert_memory_equal(c + (1 << 20), "MID", 3);
	assert_memory_equal(c + (3u << 20) - 2, "TL", 2);
	cuvet_fs_unmap(fs, p, len);
	/* text readers never see the holes */
	char *text;
	assert_int_equal(cuvet_fs_read(fs, "/lib/big.so", 0, &text, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_IO);
	assert_string_equal(err.msg, "/lib/big.so: contents not held (only parts of the file were kept)");
	struct cuvet_fs_mem_info mi;
	assert_int_equal(cuvet_fs_mem_info(fs, "/lib/big.so", &mi, &err), 0);
	assert_int_equal(mi.held, CUVET_FS_HELD_PART);
	assert_int_equal(mi.held_bytes, 9);
	assert_int_equal(mi.size, 3u << 20);
	/* a hard link shares it */
	assert_int_equal(cuvet_fs_mem_add_hardlink(fs, "/lib/again.so", "/lib/big.so", &err), 0);
	assert_int_equal(cuvet_fs_map(fs, "/lib/again.so", &p, &len, &err), 0);
	assert_memory_equal((const char *)p + (1 << 20), "MID", 3);
	cuvet_fs_unmap(fs, p, len);
	/* metadata only: typed and sized, never read */
	assert_int_equal(cuvet_fs_mem_add_sparse(fs, "/data", 12345, NULL, 0, false, 0600, &err), 0);
	assert_int_equal(cuvet_fs_type(fs, "/data", true), CUVET_FS_FILE);
	assert_int_equal(cuvet_fs_map(fs, "/data", &p, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_IO);
	assert_string_equal(err.msg, "/data: contents not held (only parts of the file were kept)");
	assert_int_equal(cuvet_fs_mem_info(fs, "/data", &mi, &err), 0);
	assert_int_equal(mi.held, CUVET_FS_HELD_NONE);
	assert_int_equal(mi.size, 12345);
	/* extents out of order or past the end */
	struct cuvet_fs_extent bad[] = {{10, "a", 1}, {5, "b", 1}};
	assert_int_equal(cuvet_fs_mem_add_sparse(fs, "/bad", 100, bad, 2, true, 0644, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "/bad: extent 1 (at 5, 1 bytes) out of order or past the end");
	struct cuvet_fs_extent past[] = {{99, "ab", 2}};
	assert_int_equal(cuvet_fs_mem_add_sparse(fs, "/bad", 100, past, 1, true, 0644, &err), -1);
	cuvet_fs_free(fs); /* a mapping left open is released with the view */
}

/* ------------------------------------------------------ elfkeep.c ---- */

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* A bare ELF64 of SIZE bytes: section headers at SHOFF (null, .dynsym at DYNSYM, .shstrtab), and
 * its dynamic symbol table written at DYNSYM. What the keeper holds of it, streamed in 1 MiB
 * pieces, goes to FS at PATH. */
static void keep_synthetic(struct cuvet_fs *fs, const char *path, uint64_t size, uint64_t shoff, uint64_t dynsym)
{
	unsigned char *f = calloc(1, (size_t)size);
	assert_non_null(f);
	memcpy(f, "\177ELF\2\1\1", 7);
	put16(f + 16, 3);       /* ET_DYN */
	put16(f + 18, 62);      /* x86-64 */
	put32(f + 20, 1);
	put64(f + 40, shoff);   /* e_shoff */
	put16(f + 52, 64);      /* e_ehsize */
	put16(f + 58, 64);      /* e_shentsize */
	put16(f + 60, 3);       /* e_shnum */
	put16(f + 62, 2);       /* e_shstrndx */
	static const char names[] = "\0.dynsym\0.shstrtab";
	uint64_t strs = shoff - 64;
	memcpy(f + strs, names, sizeof(names));
	unsigned char *sh = f + shoff;
	put32(sh + 64 + 0, 1);  /* .dynsym */
	put32(sh + 64 + 4, 11);
	put64(sh + 64 + 24, dynsym);
	put64(sh + 64 + 32, 48);
	put64(sh + 64 + 56, 24);
	put32(sh + 128 + 0, 9); /* .shstrtab */
	put32(sh + 128 + 4, 3);
	put64(sh + 128 + 24, strs);
	put64(sh + 128 + 32, sizeof(names));
	memset(f + dynsym + 24, 0x5a, 24); /* symbol 1 */
	struct cuvet_error err = {0};
	struct elfkeep *k = elfkeep_new(size, &err);
	assert_non_null(k);
	for (uint64_t off = 0; off < size; off += 1 << 20)
		assert_int_equal(elfkeep_feed(k, f + off, (size_t)(size - off < (1 << 20) ? size - off : 1 << 20), &err), 0);
	assert_int_equal(elfkeep_add(k, fs, path, 0755, &err), 0);
	elfkeep_free(k);
	free(f);
}

static void test_elfkeep_not_held(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
	uint64_t mib = 1 << 20;
	/* .dynsym past the prefix but before the section headers: gone by when they say where it is */
	keep_synthetic(fs, "/lost.so", ELFKEEP_PREFIX + 16 * mib, ELFKEEP_PREFIX + 8 * mib, ELFKEEP_PREFIX + 2 * mib);
	/* .dynsym after the section headers (patchelf's layout): held when it goes by */
	keep_synthetic(fs, "/moved.so", ELFKEEP_PREFIX + 16 * mib, ELFKEEP_PREFIX + 2 * mib, ELFKEEP_PREFIX + 8 * mib);
	struct cuvet_fs_mem_info mi;
	assert_int_equal(cuvet_fs_mem_info(fs, "/lost.so", &mi, &err), 0);
	assert_int_equal(mi.held, CUVET_FS_HELD_NONE);
	const void *p;
	size_t len;
	assert_int_equal(cuvet_fs_map(fs, "/lost.so", &p, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_IO);
	assert_string_equal(err.msg, "/lost.so: contents not held (only parts of the file were kept)");
	assert_int_equal(cuvet_fs_mem_info(fs, "/moved.so", &mi, &err), 0);
	assert_int_equal(mi.held, CUVET_FS_HELD_PART);
	/* the header, the section headers, .shstrtab's window and .dynsym: a few KB of 80 MB */
	assert_true(mi.held_bytes < 8192);
	assert_int_equal(cuvet_fs_map(fs, "/moved.so", &p, &len, &err), 0);
	assert_int_equal(len, ELFKEEP_PREFIX + 16 * mib);
	const unsigned char *b = p;
	assert_int_equal(b[ELFKEEP_PREFIX + 8 * mib + 24], 0x5a);
	assert_int_equal(b[ELFKEEP_PREFIX + 8 * mib + 47], 0x5a);
	cuvet_fs_unmap(fs, p, len);
	cuvet_fs_free(fs);
}

/* ------------------------------------------------------ layers.c ---- */

struct mem_stream {
	const unsigned char *data;
	size_t len, pos, step;
};

static long long ms_read(void *impl, const void **buf, struct cuvet_error *err)
{
	(void)err;
	struct mem_stream *m = impl;
	size_t n = m->len - m->pos < m->step ? m->len - m->pos : m->step;
	*buf = m->data + m->pos;
	m->pos += n;
	return (long long)n;
}

struct tarw {
	struct archive *a;
	unsigned char *buf;
	size_t used;
};

enum filt { PLAIN, GZIP, ZSTD };

static void tw_open(struct tarw *t, enum filt f)
{
	t->buf = malloc(32u << 20);
	assert_non_null(t->buf);
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	if (f == GZIP)
		archive_write_add_filter_gzip(t->a);
	else if (f == ZSTD)
		archive_write_add_filter_zstd(t->a);
	archive_write_set_bytes_in_last_block(t->a, 1);
	assert_int_equal(archive_write_open_memory(t->a, t->buf, 32u << 20, &t->used), ARCHIVE_OK);
}

static void tw_add(struct tarw *t, const char *name, unsigned type, unsigned mode, const char *link, const void *data,
		   size_t len)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, mode);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, link);
	else if (link)
		archive_entry_set_hardlink(e, link);
	archive_entry_set_size(e, type == AE_IFREG && !link ? (la_int64_t)len : 0);
	assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
	if (type == AE_IFREG && !link && len)
		assert_int_equal(archive_write_data(t->a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

static void tw_close(struct tarw *t)
{
	assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
	archive_write_free(t->a);
}

static void digest_of(const void *data, size_t len, char out[SHA256_DIGEST_STR])
{
	struct cuvet_error err = {0};
	assert_int_equal(sha256_buf(data, len, out, &err), 0);
}

static int apply(struct cuvet_image *img, struct tarw *t, size_t step, bool with_digest, struct cuvet_error *err)
{
	struct mem_stream m = {t->buf, t->used, 0, step};
	struct image_stream s = {&m, ms_read, NULL};
	char d[SHA256_DIGEST_STR];
	digest_of(t->buf, t->used, d);
	return image_layer_apply(img, &s, with_digest ? d : NULL, err);
}

static void test_merge_formats(void **state)
{
	(void)state;
	for (enum filt f = PLAIN; f <= ZSTD; f++) {
		struct cuvet_error err = {0};
		struct cuvet_image *img = image_new("test", NULL, &err);
		assert_non_null(img);
		struct tarw t;
		tw_open(&t, f);
		tw_add(&t, "etc/", AE_IFDIR, 0755, NULL, NULL, 0);
		tw_add(&t, "etc/os-release", AE_IFREG, 0644, NULL, "ID=debian\n", 10);
		tw_add(&t, "etc/gone", AE_IFREG, 0644, NULL, "g", 1);
		tw_add(&t, "opt/d/lower", AE_IFREG, 0644, NULL, "l", 1);
		tw_add(&t, "usr/lib/libx.so.1", AE_IFREG, 0755, NULL, "\177ELF", 4);
		tw_add(&t, "usr/lib/libx.so", AE_IFLNK, 0777, "libx.so.1", NULL, 0);
		tw_add(&t, "loop/a", AE_IFLNK, 0777, "b", NULL, 0);
		tw_add(&t, "loop/b", AE_IFLNK, 0777, "a", NULL, 0);
		tw_add(&t, "dev/null", AE_IFCHR, 0666, NULL, NULL, 0);
		tw_close(&t);
		assert_int_equal(apply(img, &t, 7, true, &err), 0);
		free(t.buf);
		tw_open(&t, f);
		tw_add(&t, "opt/d/upper", AE_IFREG, 0644, NULL, "u", 1);
		tw_add(&t, "opt/d/.wh..wh..opq", AE_IFREG, 0644, NULL, NULL, 0);
		tw_add(&t, "etc/.wh.gone", AE_IFREG, 0644, NULL, NULL, 0);
		tw_add(&t, "usr/lib/libx-hard.so.1", AE_IFREG, 0644, "usr/lib/libx.so.1", NULL, 0);
		tw_close(&t);
		assert_int_equal(apply(img, &t, 1 << 16, true, &err), 0);
		free(t.buf);
		struct cuvet_fs *fs = cuvet_image_fs(img);
		assert_int_equal(cuvet_fs_type(fs, "/etc/gone", false), CUVET_FS_NONE);
		assert_int_equal(cuvet_fs_type(fs, "/opt/d/lower", false), CUVET_FS_NONE);
		assert_int_equal(cuvet_fs_type(fs, "/opt/d/upper", false), CUVET_FS_FILE);
		assert_int_equal(cuvet_fs_type(fs, "/dev/null", false), CUVET_FS_OTHER);
		char *text;
		size_t len;
		assert_int_equal(cuvet_fs_read(fs, "/etc/os-release", 0, &text, &len, &err), 0);
		assert_string_equal(text, "ID=debian\n");
		free(text);
		/* the link resolves inside the view, the hard link shares the bytes */
		const void *p;
		assert_int_equal(cuvet_fs_map(fs, "/usr/lib/libx.so", &p, &len, &err), 0);
		assert_int_equal(len, 4);
		cuvet_fs_unmap(fs, p, len);
		assert_int_equal(cuvet_fs_map(fs, "/usr/lib/libx-hard.so.1", &p, &len, &err), 0);
		assert_memory_equal(p, "\177ELF", 4);
		cuvet_fs_unmap(fs, p, len);
		/* a loop is kept, and reported when followed */
		assert_int_equal(cuvet_fs_type(fs, "/loop/a", false), CUVET_FS_LINK);
		assert_int_equal(cuvet_fs_map(fs, "/loop/a", &p, &len, &err), -1);
		assert_int_equal(err.code, CUVET_E_LOOP);
		assert_int_equal(img->entries, 13);
		cuvet_image_free(img);
	}
}

static void test_refusals(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_image *img = image_new("test", NULL, &err);
	struct tarw t;
	/* a digest that is not the bytes' */
	tw_open(&t, GZIP);
	tw_add(&t, "a", AE_IFREG, 0644, NULL, "a", 1);
	tw_close(&t);
	struct mem_stream m = {t.buf, t.used, 0, 100};
	struct image_stream s = {&m, ms_read, NULL};
	char want[SHA256_DIGEST_STR], msg[512];
	digest_of(t.buf, t.used, want);
	const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(image_layer_apply(img, &s, wrong, &err), -1);
	snprintf(msg, sizeof(msg), "layer 1 (sha256:000000000000): digest mismatch: expected %s, the bytes hash to %s",
		 wrong, want);
	assert_string_equal(err.msg, msg);
	free(t.buf);
	/* not a tar at all */
	static const unsigned char junk[1024] = {'n', 'o', 't', ' ', 'a', ' ', 't', 'a', 'r'};
	struct mem_stream mj = {junk, sizeof(junk), 0, 100};
	struct image_stream sj = {&mj, ms_read, NULL};
	assert_int_equal(image_layer_apply(img, &sj, NULL, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_true(strstr(err.msg, "layer 2: corrupt or truncated tar: ") == err.msg);
	/* a gzip stream cut short */
	tw_open(&t, GZIP);
	static char big[200000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7919 % 251);
	tw_add(&t, "big", AE_IFREG, 0644, NULL, big, sizeof(big));
	tw_close(&t);
	struct mem_stream mc = {t.buf, t.used / 2, 0, 4096};
	struct image_stream sc = {&mc, ms_read, NULL};
	assert_int_equal(image_layer_apply(img, &sc, NULL, &err), -1);
	assert_string_equal(err.msg, "layer 3: corrupt compressed stream: truncated gzip input");
	free(t.buf);
	cuvet_image_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers_hide_only_lower),
		cmocka_unit_test(test_sparse_file),
		cmocka_unit_test(test_elfkeep_not_held),
		cmocka_unit_test(test_merge_formats),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
