/* /etc/ld.so.cache reader (glibc sysdeps/generic/dl-cache.h; shared/formats/ldso.md §1).
 *
 * Accepts the old "ld.so-1.7.0" table, the new "glibc-ld.so.cache1.1" table, and the combined
 * file (old table, padding to 8, then a whole new cache), where the new table wins exactly as in
 * the loader and `ldconfig -p`. Every count, offset and string is checked against the buffer.
 * The result is one allocation: the struct, its entries, a copy of the file (the entry strings
 * point into it) and the generator string.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define OLD_MAGIC "ld.so-1.7.0"
#define OLD_MAGIC_LEN 11
#define OLD_HEADER 16 /* magic[11], 1 byte of padding, uint32 nlibs */
#define OLD_ENTRY 12
#define NEW_MAGIC "glibc-ld.so.cache1.1"
#define NEW_MAGIC_LEN 20
#define NEW_HEADER 48
#define NEW_ENTRY 24
#define EXT_MAGIC 0xEAA42174u
#define EXT_TAG_GENERATOR 0
#define EXT_TAG_HWCAPS 1
#define HWCAP_EXTENSION (UINT64_C(1) << 62)
#define HWCAP_ISA_LEVEL_MASK UINT64_C(0x3ff)

/* The file is written in the writer's byte order; the endian flag (checked below) says it is
 * little-endian, so decode explicitly rather than by the reader's own order. */
static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* A string at OFF from BASE, which has AVAIL bytes: NULL unless it starts inside and its NUL
 * is inside too. */
static const char *cstr_at(const unsigned char *base, size_t avail, uint64_t off)
{
	if (off >= avail)
		return NULL;
	if (!memchr(base + off, '\0', avail - (size_t)off))
		return NULL;
	return (const char *)base + off;
}

struct ext_info {
	uint64_t gen_off, gen_size; /* generator bytes (not NUL-terminated in the file) */
	bool have_gen;
	uint64_t hw_off, hw_count;  /* uint32 string indices of glibc-hwcaps names */
	bool have_hw;
};

/* Reads the extension directory at file offset EXTOFF (dl-cache.h cache_extension_load). */
static int ext_load(const unsigned char *b, size_t len, uint32_t extoff, struct ext_info *x,
		    struct cuvet_error *err)
{
	memset(x, 0, sizeof(*x));
	if (extoff == 0)
		return 0;
	if (extoff % 4)
		return err_set(err, CUVET_E_INVALID,
			       "ld.so.cache: extension directory offset %" PRIu32 " is not a multiple of 4", extoff);
	if ((uint64_t)extoff + 8 > len)
		return err_set(err, CUVET_E_INVALID,
			       "ld.so.cache: truncated: extension directory at offset %" PRIu32
			       " is past the end of the file (%zu bytes)", extoff, len);
	uint32_t magic = rd32(b + extoff);
	if (magic != EXT_MAGIC)
		return err_set(err, CUVET_E_INVALID,
			       "ld.so.cache: bad extension directory magic 0x%08" PRIx32 " at offset %" PRIu32,
			       magic, extoff);
	uint32_t count = rd32(b + extoff + 4);
	if ((uint64_t)extoff + 8 + (uint64_t)count * 16 > len)
		return err_set(err, CUVET_E_INVALID,
			       "ld.so.cache: truncated: extension directory says %" PRIu32
			       " sections but the file holds %" PRIu64, count, ((uint64_t)len - extoff - 8) / 16);
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *s = b + extoff + 8 + (size_t)i * 16;
		uint32_t tag = rd32(s), off = rd32(s + 8), size = rd32(s + 12);
		if ((uint64_t)off + size > len)
			return err_set(err, CUVET_E_INVALID,
				       "ld.so.cache: extension section %" PRIu32 " (tag %" PRIu32 ") at offset %" PRIu32
				       " size %" PRIu32 " is past the end of the file (%zu bytes)",
				       i, tag, off, size, len);
		if (tag == EXT_TAG_GENERATOR) {
			x->have_gen = true;
			x->gen_off = off;
			x->gen_size = size;
		} else if (tag == EXT_TAG_HWCAPS) {
			/* As cache_extension_verify: an empty or misaligned hwcaps section is dropped,
			 * not an error; its entries then have no subdirectory name. */
			if (size == 0 || off % 4 || size % 4) {
				x->have_hw = false;
				continue;
			}
			x->have_hw = true;
			x->hw_off = off;
			x->hw_count = size / 4;
		}
		/* Unknown tags are skipped, as the loader does. */
	}
	/* The hwcaps names are string indices from the start of the file (dl-cache.c
	 * glibc_hwcaps_compare uses `cache`, not `cache_new`); check them all now. */
	for (uint64_t i = 0; x->have_hw && i < x->hw_count; i++) {
		uint32_t so = rd32(b + x->hw_off + i * 4);
		if (!cstr_at(b, len, so))
			return err_set(err, CUVET_E_INVALID,
				       "ld.so.cache: glibc-hwcaps name %" PRIu64 " at offset %" PRIu32
				       " is not a NUL-terminated string inside the file (%zu bytes)", i, so, len);
	}
	return 0;
}

static bool ldcache_sorted(const struct cuvet_ldcache *c);

struct cuvet_ldcache *cuvet_ldcache_parse(const void *buf, size_t len, struct cuvet_error *err)
{
	const unsigned char *b = buf;
	size_t new_off = 0, old_n = 0;
	bool have_new = false;

	if (!b && len)
		len = 0;
	if (len >= OLD_MAGIC_LEN && memcmp(b, OLD_MAGIC, OLD_MAGIC_LEN) == 0) {
		if (len < OLD_HEADER) {
			err_set(err, CUVET_E_INVALID,
				"ld.so.cache: truncated: %zu bytes, shorter than the %d-byte header", len, OLD_HEADER);
			return NULL;
		}
		uint32_t n = rd32(b + 12);
		if ((len - OLD_HEADER) / OLD_ENTRY < n) {
			err_set(err, CUVET_E_INVALID,
				"ld.so.cache: truncated: header says %" PRIu32 " entries but the file holds %zu",
				n, (len - OLD_HEADER) / OLD_ENTRY);
			return NULL;
		}
		old_n = n;
		/* ALIGN_CACHE: the new header follows at the next multiple of 8. */
		new_off = (OLD_HEADER + old_n * OLD_ENTRY + 7) & ~(size_t)7;
		if (new_off <= len && len - new_off >= NEW_HEADER &&
		    memcmp(b + new_off, NEW_MAGIC, NEW_MAGIC_LEN) == 0)
			have_new = true;
	} else if (len >= NEW_MAGIC_LEN && memcmp(b, NEW_MAGIC, NEW_MAGIC_LEN) == 0) {
		have_new = true;
		new_off = 0;
	} else if (len < NEW_MAGIC_LEN && (len == 0 || memcmp(b, NEW_MAGIC, len) == 0 ||
					   memcmp(b, OLD_MAGIC, len < OLD_MAGIC_LEN ? len : OLD_MAGIC_LEN) == 0)) {
		err_set(err, CUVET_E_INVALID, "ld.so.cache: truncated: %zu bytes, shorter than the header", len);
		return NULL;
	} else {
		err_set(err, CUVET_E_INVALID,
			"ld.so.cache: not a cache file (magic is neither \"" NEW_MAGIC "\" nor \"" OLD_MAGIC "\")");
		return NULL;
	}

	const unsigned char *base; /* string offsets count from here */
	size_t avail;              /* bytes from base to the end of the file */
	size_t n;
	struct ext_info x;
	memset(&x, 0, sizeof(x));
	if (have_new) {
		const unsigned char *h = b + new_off;
		avail = len - new_off;
		if (avail < NEW_HEADER) {
			err_set(err, CUVET_E_INVALID, "ld.so.cache: truncated: %zu bytes, shorter than the %d-byte header",
				avail, NEW_HEADER);
			return NULL;
		}
		uint8_t flags = h[28];
		/* cache_file_new_matches_endian: 0 = written before the flag existed, 2 = little. */
		if (flags != 0 && (flags & 3) != 2) {
			if ((flags & 3) == 3)
				err_set(err, CUVET_E_INVALID,
					"ld.so.cache: written for a big-endian machine (endian flag 3); the loader here ignores it");
			else if ((flags & 3) == 1)
				err_set(err, CUVET_E_INVALID,
					"ld.so.cache: marked invalid by ldconfig (endian flag 1); the loader ignores it");
			else
				err_set(err, CUVET_E_INVALID,
					"ld.so.cache: unknown flags 0x%02x (endianness not set); the loader ignores it",
					(unsigned)flags);
			return NULL;
		}
		uint32_t nlibs = rd32(h + 20);
		if ((avail - NEW_HEADER) / NEW_ENTRY < nlibs) {
			err_set(err, CUVET_E_INVALID,
				"ld.so.cache: truncated: header says %" PRIu32 " entries but the file holds %zu",
				nlibs, (avail - NEW_HEADER) / NEW_ENTRY);
			return NULL;
		}
		n = nlibs;
		if (ext_load(b, len, rd32(h + 32), &x, err) < 0)
			return NULL;
		/* len_strings (h + 24) is not checked: neither the loader nor ldconfig uses it, they
		 * bound strings by the end of the file, and so do we. */
		base = h;
	} else {
		n = old_n;
		base = b + OLD_HEADER + old_n * OLD_ENTRY;
		avail = len - (OLD_HEADER + old_n * OLD_ENTRY);
	}

	/* n <= len / 12, so none of these sums can overflow. */
	size_t gen_len = x.have_gen ? (size_t)x.gen_size : 0;
	size_t total = sizeof(struct cuvet_ldcache) + n * sizeof(struct cuvet_ldcache_entry) + len +
		       (x.have_gen ? gen_len + 1 : 0);
	struct cuvet_ldcache *c = malloc(total);
	if (!c) {
		err_set(err, CUVET_E_NOMEM, "ld.so.cache: out of memory");
		return NULL;
	}
	c->count = n;
	c->entries = (struct cuvet_ldcache_entry *)(c + 1);
	c->old_format = !have_new;
	c->sorted = false;
	c->generator = NULL;
	unsigned char *copy = (unsigned char *)(c->entries + n);
	if (len)
		memcpy(copy, b, len);
	if (x.have_gen) {
		char *g = (char *)copy + len;
		memcpy(g, copy + x.gen_off, gen_len);
		g[gen_len] = '\0';
		c->generator = g;
	}
	const unsigned char *cbase = copy + (base - b);
	const unsigned char *tab = have_new ? cbase + NEW_HEADER : copy + OLD_HEADER;
	size_t esize = have_new ? NEW_ENTRY : OLD_ENTRY;

	for (size_t i = 0; i < n; i++) {
		const unsigned char *e = tab + i * esize;
		struct cuvet_ldcache_entry *ent = &c->entries[i];
		uint32_t key = rd32(e + 4), value = rd32(e + 8);
		ent->flags = (int32_t)rd32(e);
		ent->name = cstr_at(cbase, avail, key);
		ent->path = cstr_at(cbase, avail, value);
		ent->hwcap = have_new ? rd64(e + 16) : 0;
		ent->hwcap_subdir = NULL;
		if (!ent->name || !ent->path) {
			bool name_bad = !ent->name;
			uint32_t off = name_bad ? key : value;
			if (off >= avail)
				err_set(err, CUVET_E_INVALID,
					"ld.so.cache: entry %zu: %s offset %" PRIu32 " is past the end of the file (%zu bytes)",
					i, name_bad ? "name" : "path", off, avail);
			else
				err_set(err, CUVET_E_INVALID,
					"ld.so.cache: entry %zu: %s at offset %" PRIu32 " is not NUL-terminated", i,
					name_bad ? "name" : "path", off);
			free(c);
			return NULL;
		}
		/* An extension entry: upper word is DL_CACHE_HWCAP_EXTENSION plus ISA level bits, the
		 * lower word indexes the glibc-hwcaps names. An index past the array leaves no name,
		 * as in `ldconfig -p`, which then prints the raw value. */
		if (((ent->hwcap >> 32) & ~HWCAP_ISA_LEVEL_MASK) == (HWCAP_EXTENSION >> 32) && x.have_hw) {
			uint32_t idx = (uint32_t)ent->hwcap;
			if (idx < x.hw_count)
				ent->hwcap_subdir = (const char *)copy + rd32(copy + x.hw_off + (size_t)idx * 4);
		}
	}
	c->sorted = ldcache_sorted(c);
	return c;
}

void cuvet_ldcache_free(struct cuvet_ldcache *cache)
{
	free(cache); /* one block: see cuvet_ldcache_parse */
}

/* _dl_cache_libcmp's order: digit runs compare as numbers ("libfoo.so.10" > "libfoo.so.9"), a
 * digit sorts after a non-digit, other bytes compare as they are. Runs are compared by length
 * after their leading zeros, so long runs cannot overflow. */
static int libname_cmp(const char *a, const char *b)
{
	while (*a) {
		bool da = *a >= '0' && *a <= '9', db = *b >= '0' && *b <= '9';
		if (da && db) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t la = 0, lb = 0;
			while (a[la] >= '0' && a[la] <= '9')
				la++;
			while (b[lb] >= '0' && b[lb] <= '9')
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = memcmp(a, b, la);
			if (c)
				return c;
			a += la;
			b += lb;
		} else if (da) {
			return 1;
		} else if (db) {
			return -1;
		} else if (*a != *b) {
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		} else {
			a++;
			b++;
		}
	}
	return *b ? -1 : 0;
}

static bool libname_equal(const char *a, const char *b)
{
	return libname_cmp(a, b) == 0;
}

/* ldconfig writes the entries in descending libname_cmp order, and the loader binary-searches
 * them. A file that is not sorted is searched linearly. */
static bool ldcache_sorted(const struct cuvet_ldcache *c)
{
	for (size_t i = 1; i < c->count; i++)
		if (libname_cmp(c->entries[i - 1].name, c->entries[i].name) < 0)
			return false;
	return true;
}

const struct cuvet_ldcache_entry *cuvet_ldcache_lookup(const struct cuvet_ldcache *cache, const char *name,
						       int32_t flags)
{
	if (!cache || !name)
		return NULL;
	/* The loader's search_cache on x86-64: for one name the glibc-hwcaps entries come first;
	 * the first plain entry whose flags equal _DL_CACHE_DEFAULT_ID ends the search; legacy
	 * hwcap entries are skipped (glibc 2.37 removed that mechanism). */
	size_t first = 0;
	if (cache->sorted) {
		size_t lo = 0, hi = cache->count;
		while (lo < hi) { /* first entry not greater than NAME */
			size_t mid = lo + (hi - lo) / 2;
			if (libname_cmp(cache->entries[mid].name, name) > 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		first = lo;
	}
	for (size_t i = first; i < cache->count; i++) {
		const struct cuvet_ldcache_entry *e = &cache->entries[i];
		bool eq = libname_equal(name, e->name);
		if (eq && e->flags == flags && e->hwcap == 0)
			return e;
		if (!eq && cache->sorted)
			break;
	}
	return NULL;
}

int cuvet_ldcache_flags_str(int32_t flags, char *buf, size_t len)
{
	/* elf/cache.c print_entry. */
	static const char *const type[] = {"libc4", "ELF", "libc5", "libc6"};
	unsigned t = (unsigned)flags & 0xff, req = (unsigned)flags & 0xff00;
	const char *ts = t < CUVET_ARRAY_LEN(type) ? type[t] : "unknown";
	const char *rs;
	switch (req) {
	case 0x0000: rs = ""; break;
	case 0x0100: rs = ",64bit"; break;        /* SPARC_LIB64 */
	case 0x0200: rs = ",IA-64"; break;
	case 0x0300: rs = ",x86-64"; break;
	case 0x0400: rs = ",64bit"; break;        /* S390_LIB64 */
	case 0x0500: rs = ",64bit"; break;        /* POWERPC_LIB64 */
	case 0x0600: rs = ",N32"; break;
	case 0x0700: rs = ",64bit"; break;        /* MIPS64_LIBN64 */
	case 0x0800: rs = ",x32"; break;
	case 0x0900: rs = ",hard-float"; break;
	case 0x0a00: rs = ",AArch64"; break;
	case 0x0b00: rs = ",soft-float"; break;   /* ARM_LIBSF */
	case 0x0c00: rs = ",nan2008"; break;
	case 0x0d00: rs = ",N32,nan2008"; break;
	case 0x0e00: rs = ",64bit,nan2008"; break;
	case 0x0f00: rs = ",soft-float"; break;   /* RISCV_FLOAT_ABI_SOFT */
	case 0x1000: rs = ",double-float"; break; /* RISCV_FLOAT_ABI_DOUBLE */
	case 0x1100: rs = ",soft-float"; break;   /* LARCH_FLOAT_ABI_SOFT */
	case 0x1200: rs = ",double-float"; break; /* LARCH_FLOAT_ABI_DOUBLE */
	default:
		return snprintf(buf, len, "%s,%u", ts, req);
	}
	return snprintf(buf, len, "%s%s", ts, rs);
}

int cuvet_ldcache_entry_desc(const struct cuvet_ldcache_entry *e, char *buf, size_t len)
{
	char fl[48];
	cuvet_ldcache_flags_str(e->flags, fl, sizeof(fl));
	if (e->hwcap_subdir)
		return snprintf(buf, len, "%s, hwcap: \"%s\"", fl, e->hwcap_subdir);
	if (e->hwcap)
		return snprintf(buf, len, "%s, hwcap: %#.16" PRIx64, fl, e->hwcap);
	return snprintf(buf, len, "%s", fl);
}
