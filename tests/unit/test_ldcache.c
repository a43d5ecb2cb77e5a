/* cuvet_ldcache_*: caches built byte by byte here (new, old, combined, with extensions, and
 * broken in every way the parser checks), plus the real H200 fixture and this machine's cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

#ifndef CUVET_SHARED_DIR
#define CUVET_SHARED_DIR "../shared"
#endif

#define EXT_BIT (UINT64_C(1) << 62)

struct ent {
	const char *name, *path;
	int32_t flags;
	uint64_t hwcap;
};

struct img {
	unsigned char b[4096];
	size_t len;
	size_t key_at[16], value_at[16]; /* file offsets of each entry's key/value fields */
	size_t str_end;                  /* end of the string table (file offset) */
};

static void p32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void p64(unsigned char *p, uint64_t v)
{
	p32(p, (uint32_t)v);
	p32(p + 4, (uint32_t)(v >> 32));
}

static size_t put_str(struct img *im, size_t at, const char *s)
{
	size_t n = strlen(s) + 1;
	memcpy(im->b + at, s, n);
	return at + n;
}

/* A new-format cache at file offset BASE: header, entries, strings, then (if GEN or HW) the
 * extension directory, the glibc-hwcaps index array and the generator bytes. */
static void build_new(struct img *im, size_t base, const struct ent *e, size_t n, uint8_t endian,
		      const char *gen, const char *const *hw, size_t nhw)
{
	unsigned char *h = im->b + base;
	memcpy(h, "glibc-ld.so.cache1.1", 20);
	p32(h + 20, (uint32_t)n);
	h[28] = endian;
	size_t at = base + 48 + n * 24;
	size_t str_start = at;
	for (size_t i = 0; i < n; i++) {
		unsigned char *en = h + 48 + i * 24;
		p32(en, (uint32_t)e[i].flags);
		im->key_at[i] = base + 48 + i * 24 + 4;
		im->value_at[i] = base + 48 + i * 24 + 8;
		p32(en + 4, (uint32_t)(at - base));
		at = put_str(im, at, e[i].name);
		p32(en + 8, (uint32_t)(at - base));
		at = put_str(im, at, e[i].path);
		p64(en + 16, e[i].hwcap);
	}
	size_t hw_str[8];
	for (size_t i = 0; i < nhw; i++) {
		hw_str[i] = at; /* indexed from the start of the file */
		at = put_str(im, at, hw[i]);
	}
	p32(h + 24, (uint32_t)(at - str_start));
	im->str_end = at;
	if (!gen && !nhw) {
		im->len = at;
		return;
	}
	size_t ext = (at + 3) & ~(size_t)3;
	p32(h + 32, (uint32_t)ext);
	uint32_t count = (gen ? 1u : 0u) + (nhw ? 1u : 0u);
	p32(im->b + ext, 0xEAA42174u);
	p32(im->b + ext + 4, count);
	size_t data = ext + 8 + count * 16;
	size_t sec = ext + 8;
	if (nhw) {
		p32(im->b + sec, 1);
		p32(im->b + sec + 4, 0);
		p32(im->b + sec + 8, (uint32_t)data);
		p32(im->b + sec + 12, (uint32_t)(nhw * 4));
		for (size_t i = 0; i < nhw; i++)
			p32(im->b + data + i * 4, (uint32_t)hw_str[i]);
		data += nhw * 4;
		sec += 16;
	}
	if (gen) {
		size_t gl = strlen(gen); /* no NUL in the file, as ldconfig writes it */
		p32(im->b + sec, 0);
		p32(im->b + sec + 4, 0);
		p32(im->b + sec + 8, (uint32_t)data);
		p32(im->b + sec + 12, (uint32_t)gl);
		memcpy(im->b + data, gen, gl);
		data += gl;
	}
	im->len = data;
}

/* An old-format cache: strings are offsets from the end of the entry table. */
static void build_old(struct img *im, const struct ent *e, size_t n)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->b, "ld.so-1.7.0", 11);
	p32(im->b + 12, (uint32_t)n);
	size_t sbase = 16 + n * 12, at = sbase;
	for (size_t i = 0; i < n; i++) {
		unsigned char *en = im->b + 16 + i * 12;
		p32(en, (uint32_t)e[i].flags);
		im->key_at[i] = 16 + i * 12 + 4;
		p32(en + 4, (uint32_t)(at - sbase));
		at = put_str(im, at, e[i].name);
		im->value_at[i] = 16 + i * 12 + 8;
		p32(en + 8, (uint32_t)(at - sbase));
		at = put_str(im, at, e[i].path);
	}
	im->str_end = at;
	im->len = at;
}

static const struct ent k_ents[] = {
	{"libfoo.so.1", "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1", 0x303, EXT_BIT | (UINT64_C(3) << 32) | 1},
	{"libfoo.so.1", "/usr/lib/libfoo.so.1", 0x303, 0},
	{"libfoo.so.1", "/usr/lib32/libfoo.so.1", 0x3, 0},
	{"libbar.so.10", "/usr/lib/tls/libbar.so.10", 0x303, 0x10},
	{"libbar.so.10", "/usr/lib/libbar.so.10", 0x303, 0},
	{"libbar.so.10", "/opt/lib/libbar.so.10", 0x303, 0},
};
#define K_N (sizeof(k_ents) / sizeof(k_ents[0]))
static const char *const k_hw[] = {"x86-64-v2", "x86-64-v3"};
#define K_GEN "ldconfig (test) stable release version 2.99"

static void build_sample(struct img *im)
{
	memset(im, 0, sizeof(*im));
	build_new(im, 0, k_ents, K_N, 2, K_GEN, k_hw, 2);
}

static struct cuvet_ldcache *parse_ok(const struct img *im)
{
	struct cuvet_error err = {0};
	struct cuvet_ldcache *c = cuvet_ldcache_parse(im->b, im->len, &err);
	if (!c)
		fail_msg("parse: %s", err.msg);
	return c;
}

static void expect_err(const void *buf, size_t len, const char *msg)
{
	struct cuvet_error err = {0};
	struct cuvet_ldcache *c = cuvet_ldcache_parse(buf, len, &err);
	if (c) {
		cuvet_ldcache_free(c);
		fail_msg("parse succeeded, expected: %s", msg);
	}
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, msg);
}

static void test_new_format(void **state)
{
	(void)state;
	struct img im;
	build_sample(&im);
	struct cuvet_ldcache *c = parse_ok(&im);
	assert_int_equal(c->count, K_N);
	assert_false(c->old_format);
	assert_string_equal(c->generator, K_GEN);
	for (size_t i = 0; i < K_N; i++) {
		assert_string_equal(c->entries[i].name, k_ents[i].name);
		assert_string_equal(c->entries[i].path, k_ents[i].path);
		assert_int_equal(c->entries[i].flags, k_ents[i].flags);
		assert_int_equal(c->entries[i].hwcap, k_ents[i].hwcap);
	}
	assert_string_equal(c->entries[0].hwcap_subdir, "x86-64-v3");
	for (size_t i = 1; i < K_N; i++)
		assert_null(c->entries[i].hwcap_subdir);

	/* The loader's pick: the first plain entry with the right flags. */
	const struct cuvet_ldcache_entry *e = cuvet_ldcache_lookup(c, "libfoo.so.1", 0x303);
	assert_non_null(e);
	assert_string_equal(e->path, "/usr/lib/libfoo.so.1");
	e = cuvet_ldcache_lookup(c, "libfoo.so.1", 0x3);
	assert_non_null(e);
	assert_string_equal(e->path, "/usr/lib32/libfoo.so.1");
	e = cuvet_ldcache_lookup(c, "libbar.so.10", 0x303);
	assert_non_null(e);
	assert_string_equal(e->path, "/usr/lib/libbar.so.10");
	/* _dl_cache_libcmp compares digit runs as numbers. */
	e = cuvet_ldcache_lookup(c, "libbar.so.010", 0x303);
	assert_non_null(e);
	assert_string_equal(e->path, "/usr/lib/libbar.so.10");
	assert_null(cuvet_ldcache_lookup(c, "libbar.so.1", 0x303));
	assert_null(cuvet_ldcache_lookup(c, "libbar.so.100", 0x303));
	assert_null(cuvet_ldcache_lookup(c, "libbar.so", 0x303));
	assert_null(cuvet_ldcache_lookup(c, "libbar.so.10.0", 0x303));
	assert_null(cuvet_ldcache_lookup(c, "libfoo.so.1", 0xa03));
	assert_null(cuvet_ldcache_lookup(NULL, "libfoo.so.1", 0x303));

	char d[128];
	assert_int_equal(cuvet_ldcache_entry_desc(&c->entries[0], d, sizeof(d)), 32);
	assert_string_equal(d, "libc6,x86-64, hwcap: \"x86-64-v3\"");
	cuvet_ldcache_entry_desc(&c->entries[3], d, sizeof(d));
	assert_string_equal(d, "libc6,x86-64, hwcap: 0x0000000000000010");
	cuvet_ldcache_entry_desc(&c->entries[2], d, sizeof(d));
	assert_string_equal(d, "libc6");

	/* The struct owns a copy: the input may go away. */
	memset(im.b, 0xAA, sizeof(im.b));
	assert_string_equal(c->entries[1].path, "/usr/lib/libfoo.so.1");
	assert_string_equal(c->generator, K_GEN);
	cuvet_ldcache_free(c);
	cuvet_ldcache_free(NULL);
}

static void test_flags_str(void **state)
{
	(void)state;
	static const struct {
		int32_t flags;
		const char *want;
	} t[] = {
		{0x303, "libc6,x86-64"}, {0xa03, "libc6,AArch64"}, {0x803, "libc6,x32"}, {0x003, "libc6"},
		{0x001, "ELF"},          {0x000, "libc4"},         {0x002, "libc5"},     {0x007, "unknown"},
		{0x103, "libc6,64bit"},  {0x203, "libc6,IA-64"},   {0x603, "libc6,N32"}, {0x903, "libc6,hard-float"},
		{0xb03, "libc6,soft-float"}, {0xd03, "libc6,N32,nan2008"}, {0xe03, "libc6,64bit,nan2008"},
		{0x1003, "libc6,double-float"}, {0x1203, "libc6,double-float"}, {0x1303, "libc6,4864"},
		{0x7f03, "libc6,32512"},
	};
	char buf[64];
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = cuvet_ldcache_flags_str(t[i].flags, buf, sizeof(buf));
		assert_string_equal(buf, t[i].want);
		assert_int_equal(n, (int)strlen(t[i].want));
	}
	/* snprintf semantics: truncated, NUL-terminated, full length returned. */
	assert_int_equal(cuvet_ldcache_flags_str(0x303, buf, 6), 12);
	assert_string_equal(buf, "libc6");
}

static void test_old_format(void **state)
{
	(void)state;
	static const struct ent e[] = {
		{"libz.so.1", "/lib/libz.so.1", 0x303, 0},
		{"libc.so.6", "/lib/libc.so.6", 0x303, 0},
		{"libc.so.6", "/lib32/libc.so.6", 0x3, 0},
	};
	struct img im;
	build_old(&im, e, 3);
	struct cuvet_ldcache *c = parse_ok(&im);
	assert_true(c->old_format);
	assert_int_equal(c->count, 3);
	assert_null(c->generator);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(c->entries[i].name, e[i].name);
		assert_string_equal(c->entries[i].path, e[i].path);
		assert_int_equal(c->entries[i].flags, e[i].flags);
		assert_int_equal(c->entries[i].hwcap, 0);
	}
	assert_string_equal(cuvet_ldcache_lookup(c, "libc.so.6", 0x303)->path, "/lib/libc.so.6");
	cuvet_ldcache_free(c);

	/* An empty old cache is valid. */
	build_old(&im, e, 0);
	c = parse_ok(&im);
	assert_int_equal(c->count, 0);
	assert_null(cuvet_ldcache_lookup(c, "libc.so.6", 0x303));
	cuvet_ldcache_free(c);
}

/* Old table (2 entries), padding, then a whole new cache with 3: the new one must win. */
static void build_combined(struct img *im)
{
	static const struct ent old[] = {
		{"libold.so.1", "/old/libold.so.1", 0x303, 0},
		{"libold.so.2", "/old/libold.so.2", 0x303, 0},
	};
	static const struct ent neu[] = {
		{"libnew.so.3", "/new/libnew.so.3", 0x303, 0},
		{"libnew.so.2", "/new/glibc-hwcaps/x86-64-v2/libnew.so.2", 0x303, EXT_BIT},
		{"libnew.so.2", "/new/libnew.so.2", 0x303, 0},
	};
	static const char *const hw[] = {"x86-64-v2"};
	struct img tmp;
	build_old(&tmp, old, 2); /* 16 + 24 bytes of table, then strings */
	memset(im, 0, sizeof(*im));
	/* In a real combined file the old strings live in the new string table; here they are put
	 * after the new cache, which the parser must not care about since it reads the new one. */
	size_t base = (16 + 2 * 12 + 7) & ~(size_t)7;
	build_new(im, base, neu, 3, 2, "gen", hw, 1);
	memcpy(im->b, tmp.b, 16 + 2 * 12);
}

static void test_combined(void **state)
{
	(void)state;
	struct img im;
	build_combined(&im);
	assert_int_equal(im.b[40], 'g'); /* the new magic right after the 8-aligned old table */
	struct cuvet_ldcache *c = parse_ok(&im);
	assert_false(c->old_format);
	assert_int_equal(c->count, 3);
	assert_string_equal(c->entries[0].name, "libnew.so.3");
	assert_string_equal(c->entries[1].hwcap_subdir, "x86-64-v2");
	assert_string_equal(c->generator, "gen");
	assert_string_equal(cuvet_ldcache_lookup(c, "libnew.so.2", 0x303)->path, "/new/libnew.so.2");
	assert_null(cuvet_ldcache_lookup(c, "libold.so.1", 0x303));
	cuvet_ldcache_free(c);

	/* Without the new magic at the aligned offset it is an old cache (whose strings are now
	 * garbage offsets into the new part: they must still be bounds-checked). */
	im.b[40] = 'X';
	struct cuvet_error err = {0};
	c = cuvet_ldcache_parse(im.b, im.len, &err);
	if (c) {
		assert_true(c->old_format);
		assert_int_equal(c->count, 2);
		cuvet_ldcache_free(c);
	}
}

/* Every prefix of a valid cache must parse or fail cleanly. Each copy is malloc'ed at its exact
 * size so that ASan sees any read past the end. */
static void truncate_all(const struct img *im)
{
	for (size_t l = 0; l <= im->len; l++) {
		unsigned char *copy = malloc(l ? l : 1);
		assert_non_null(copy);
		memcpy(copy, im->b, l);
		struct cuvet_error err = {0};
		struct cuvet_ldcache *c = cuvet_ldcache_parse(l ? copy : NULL, l, &err);
		free(copy);
		if (c) {
			/* Strings may be empty (offsets into padding) but must be readable. */
			size_t total = 0;
			for (size_t i = 0; i < c->count; i++)
				total += strlen(c->entries[i].name) + strlen(c->entries[i].path);
			assert_true(total < l);
			cuvet_ldcache_free(c);
		} else {
			assert_int_equal(err.code, CUVET_E_INVALID);
			assert_true(strncmp(err.msg, "ld.so.cache: ", 13) == 0);
		}
		if (l == im->len)
			assert_non_null(c);
	}
}

static void test_truncated_everywhere(void **state)
{
	(void)state;
	struct img im;
	build_sample(&im);
	truncate_all(&im);
	build_combined(&im);
	truncate_all(&im);
	static const struct ent e[] = {{"libz.so.1", "/lib/libz.so.1", 0x303, 0}, {"a", "b", 1, 0}};
	build_old(&im, e, 2);
	truncate_all(&im);
}

static void test_truncated_messages(void **state)
{
	(void)state;
	struct img im;
	build_sample(&im);
	expect_err(im.b, 0, "ld.so.cache: truncated: 0 bytes, shorter than the header");
	expect_err(NULL, 0, "ld.so.cache: truncated: 0 bytes, shorter than the header");
	expect_err(im.b, 10, "ld.so.cache: truncated: 10 bytes, shorter than the header");
	expect_err(im.b, 47, "ld.so.cache: truncated: 47 bytes, shorter than the 48-byte header");
	/* 6 entries need 48 + 144 bytes. */
	expect_err(im.b, 48 + 3 * 24 + 5, "ld.so.cache: truncated: header says 6 entries but the file holds 3");

	build_sample(&im);
	p32(im.b + 20, 0xffffffffu);
	char msg[128];
	snprintf(msg, sizeof(msg), "ld.so.cache: truncated: header says 4294967295 entries but the file holds %zu",
		 (im.len - 48) / 24);
	expect_err(im.b, im.len, msg);
	p32(im.b + 20, 0x80000000u);
	snprintf(msg, sizeof(msg), "ld.so.cache: truncated: header says 2147483648 entries but the file holds %zu",
		 (im.len - 48) / 24);
	expect_err(im.b, im.len, msg);

	static const struct ent e[] = {{"libz.so.1", "/lib/libz.so.1", 0x303, 0}};
	build_old(&im, e, 1);
	p32(im.b + 12, 520);
	snprintf(msg, sizeof(msg), "ld.so.cache: truncated: header says 520 entries but the file holds %zu",
		 (im.len - 16) / 12);
	expect_err(im.b, im.len, msg);
	expect_err(im.b, 13, "ld.so.cache: truncated: 13 bytes, shorter than the 16-byte header");
}

static void test_bad_offsets(void **state)
{
	(void)state;
	struct img im;
	char msg[160];

	build_sample(&im);
	p32(im.b + im.key_at[2], (uint32_t)im.len);
	snprintf(msg, sizeof(msg), "ld.so.cache: entry 2: name offset %zu is past the end of the file (%zu bytes)",
		 im.len, im.len);
	expect_err(im.b, im.len, msg);

	build_sample(&im);
	p32(im.b + im.value_at[5], 0xfffffff0u);
	snprintf(msg, sizeof(msg), "ld.so.cache: entry 5: path offset 4294967280 is past the end of the file (%zu bytes)",
		 im.len);
	expect_err(im.b, im.len, msg);

	/* A string running into the end of the file without its NUL. */
	static const struct ent e[] = {{"libz.so.1", "/lib/libz.so.1", 0x303, 0}};
	memset(&im, 0, sizeof(im));
	build_new(&im, 0, e, 1, 2, NULL, NULL, 0);
	assert_int_equal(im.len, im.str_end);
	snprintf(msg, sizeof(msg), "ld.so.cache: entry 0: path at offset %zu is not NUL-terminated",
		 im.len - strlen("/lib/libz.so.1") - 1);
	expect_err(im.b, im.len - 1, msg);

	/* Old format: offsets count from the end of the table. */
	build_old(&im, e, 1);
	p32(im.b + im.key_at[0], (uint32_t)(im.len - 28));
	snprintf(msg, sizeof(msg), "ld.so.cache: entry 0: name offset %zu is past the end of the file (%zu bytes)",
		 im.len - 28, im.len - 28);
	expect_err(im.b, im.len, msg);
}

static void test_endian(void **state)
{
	(void)state;
	struct img im;
	build_sample(&im);
	im.b[28] = 3;
	expect_err(im.b, im.len,
		   "ld.so.cache: written for a big-endian machine (endian flag 3); the loader here ignores it");
	im.b[28] = 1;
	expect_err(im.b, im.len, "ld.so.cache: marked invalid by ldconfig (endian flag 1); the loader ignores it");
	im.b[28] = 0x10;
	expect_err(im.b, im.len, "ld.so.cache: unknown flags 0x10 (endianness not set); the loader ignores it");
	/* 0: written before the flag existed; other bits are ignored. */
	im.b[28] = 0;
	cuvet_ldcache_free(parse_ok(&im));
	im.b[28] = 0xf2;
	cuvet_ldcache_free(parse_ok(&im));
}

static void test_extensions(void **state)
{
	(void)state;
	struct img im;
	char msg[200];
	build_sample(&im);
	size_t ext = (im.str_end + 3) & ~(size_t)3;
	assert_int_equal(im.b[32] | im.b[33] << 8, ext);

	p32(im.b + 32, (uint32_t)ext + 2);
	snprintf(msg, sizeof(msg), "ld.so.cache: extension directory offset %zu is not a multiple of 4", ext + 2);
	expect_err(im.b, im.len, msg);

	build_sample(&im);
	p32(im.b + 32, 4000);
	snprintf(msg, sizeof(msg),
		 "ld.so.cache: truncated: extension directory at offset 4000 is past the end of the file (%zu bytes)",
		 im.len);
	expect_err(im.b, im.len, msg);

	build_sample(&im);
	im.b[ext] ^= 1;
	snprintf(msg, sizeof(msg), "ld.so.cache: bad extension directory magic 0xeaa42175 at offset %zu", ext);
	expect_err(im.b, im.len, msg);

	build_sample(&im);
	p32(im.b + ext + 4, 1000);
	snprintf(msg, sizeof(msg),
		 "ld.so.cache: truncated: extension directory says 1000 sections but the file holds %zu",
		 (im.len - ext - 8) / 16);
	expect_err(im.b, im.len, msg);

	/* Section 1 is the generator: make it run past the end. */
	build_sample(&im);
	p32(im.b + ext + 8 + 16 + 12, 5000);
	snprintf(msg, sizeof(msg),
		 "ld.so.cache: extension section 1 (tag 0) at offset %u size 5000 is past the end of the file (%zu bytes)",
		 im.b[ext + 8 + 16 + 8] | im.b[ext + 8 + 16 + 9] << 8, im.len);
	expect_err(im.b, im.len, msg);

	/* A glibc-hwcaps name index outside the file. */
	build_sample(&im);
	size_t arr = im.b[ext + 8 + 8] | (size_t)im.b[ext + 8 + 9] << 8;
	p32(im.b + arr + 4, 9999);
	struct cuvet_error err = {0};
	assert_null(cuvet_ldcache_parse(im.b, im.len, &err));
	snprintf(msg, sizeof(msg),
		 "ld.so.cache: glibc-hwcaps name 1 at offset 9999 is not a NUL-terminated string inside the file (%zu bytes)",
		 im.len);
	assert_string_equal(err.msg, msg);

	/* A misaligned hwcaps section is dropped, as the loader does: entries lose their name. */
	build_sample(&im);
	p32(im.b + ext + 8 + 12, 6);
	struct cuvet_ldcache *c = parse_ok(&im);
	assert_null(c->entries[0].hwcap_subdir);
	char d[80];
	cuvet_ldcache_entry_desc(&c->entries[0], d, sizeof(d));
	assert_string_equal(d, "libc6,x86-64, hwcap: 0x4000000300000001");
	cuvet_ldcache_free(c);

	/* An entry index past the hwcaps array: no name either. */
	build_sample(&im);
	p64(im.b + 48 + 16, EXT_BIT | 7);
	c = parse_ok(&im);
	assert_null(c->entries[0].hwcap_subdir);
	cuvet_ldcache_free(c);

	/* Unknown tags are skipped. */
	build_sample(&im);
	p32(im.b + ext + 8, 77);
	c = parse_ok(&im);
	assert_null(c->entries[0].hwcap_subdir);
	assert_string_equal(c->generator, K_GEN);
	cuvet_ldcache_free(c);
}

static void test_bad_magic(void **state)
{
	(void)state;
	static const char junk[] = "this is not an ld.so.cache file at all, not even close";
	expect_err(junk, sizeof(junk),
		   "ld.so.cache: not a cache file (magic is neither \"glibc-ld.so.cache1.1\" nor \"ld.so-1.7.0\")");
	expect_err("glibc-ld.so.cache1.0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 60,
		   "ld.so.cache: not a cache file (magic is neither \"glibc-ld.so.cache1.1\" nor \"ld.so-1.7.0\")");
	expect_err("xy", 2,
		   "ld.so.cache: not a cache file (magic is neither \"glibc-ld.so.cache1.1\" nor \"ld.so-1.7.0\")");
}

static const char *shared_dir(void)
{
	const char *s = getenv("CUVET_SHARED_DIR");
	return s && *s ? s : CUVET_SHARED_DIR;
}

/* The real cache of the H200 host (glibc 2.39). */
static void test_fixture(void **state)
{
	(void)state;
	char root[4096];
	snprintf(root, sizeof(root), "%s/fixtures/h200-host/root", shared_dir());
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_open(root, &err);
	if (!fs) {
		printf("fixture not found (%s); set CUVET_SHARED_DIR\n", err.msg);
		skip();
	}
	const void *data;
	size_t len;
	assert_int_equal(cuvet_fs_map(fs, "/etc/ld.so.cache", &data, &len, &err), 0);
	struct cuvet_ldcache *c = cuvet_ldcache_parse(data, len, &err);
	cuvet_fs_unmap(fs, data, len);
	assert_non_null(c);
	assert_int_equal(c->count, 520);
	assert_false(c->old_format);
	assert_string_equal(c->generator, "ldconfig (Ubuntu GLIBC 2.39-0ubuntu8.9) stable release version 2.39");
	/* Two libcuda.so.1 entries: nvidia.conf's directory was scanned first. */
	const struct cuvet_ldcache_entry *e = cuvet_ldcache_lookup(c, "libcuda.so.1", 0x303);
	assert_non_null(e);
	assert_string_equal(e->path, "/usr/local/nvidia/lib64/libcuda.so.1");
	e = cuvet_ldcache_lookup(c, "libcudart.so.13", 0x303);
	assert_non_null(e);
	assert_string_equal(e->path, "/usr/local/cuda/targets/x86_64-linux/lib/libcudart.so.13");
	assert_null(cuvet_ldcache_lookup(c, "libcuda.so.1", 0x3));
	assert_string_equal(c->entries[0].name, "libzstd.so.1");
	assert_string_equal(c->entries[519].path, "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
	cuvet_ldcache_free(c);
	cuvet_fs_free(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_format),
		cmocka_unit_test(test_flags_str),
		cmocka_unit_test(test_old_format),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_truncated_messages),
		cmocka_unit_test(test_bad_offsets),
		cmocka_unit_test(test_endian),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
