/* cuvet_fatbin_parse on hand-made containers, host ELF fixtures (tests/elf/fatbin_host.c), a
 * hand-made cubin and PTX text; malformed and truncated input must fail cleanly. Real nvcc
 * output is compared with cuobjdump by tests/arch/diff_cuobjdump.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"
#include "fatbin_blob.h"

static const unsigned char blob[] = {CUVET_TEST_FATBIN_BLOB};
#define ENTRY1 (16u)                /* PTX entry offset in blob */
#define ENTRY2 (16u + 0x50 + 0x10)  /* ELF entry offset */

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static unsigned char *copy_blob(size_t extra)
{
	unsigned char *b = calloc(1, sizeof(blob) + extra);
	assert_non_null(b);
	memcpy(b, blob, sizeof(blob));
	return b;
}

static void assert_blob_entries(const struct cuvet_fatbin_entry *e, uint64_t base)
{
	char name[32];
	assert_int_equal(e[0].kind, CUVET_FATBIN_PTX);
	assert_int_equal(e[0].sm, 80);
	assert_int_equal(e[0].variant, 0);
	assert_int_equal(e[0].version_major, 9);
	assert_int_equal(e[0].version_minor, 0);
	assert_true(e[0].is64);
	assert_false(e[0].debug);
	assert_int_equal(e[0].compression, CUVET_FATBIN_ZSTD);
	assert_int_equal(e[0].flags, 0x8011);
	assert_int_equal(e[0].offset, base + ENTRY1);
	assert_int_equal(e[0].header_size, 0x50);
	assert_int_equal(e[0].payload_size, 0x10);
	assert_int_equal(e[0].compressed_size, 0x0d);
	assert_int_equal(e[0].uncompressed_size, 0x40);
	assert_null(e[0].identifier);
	assert_string_equal(e[0].options, "-O3");
	cuvet_fatbin_target_name(&e[0], name, sizeof(name));
	assert_string_equal(name, "compute_80");

	assert_int_equal(e[1].kind, CUVET_FATBIN_ELF);
	assert_int_equal(e[1].sm, 90);
	assert_int_equal(e[1].variant, 'a');
	assert_int_equal(e[1].version_major, 1);
	assert_int_equal(e[1].version_minor, 8);
	assert_int_equal(e[1].compression, CUVET_FATBIN_UNCOMPRESSED);
	assert_int_equal(e[1].compressed_size, 0);
	assert_int_equal(e[1].offset, base + ENTRY2);
	assert_null(e[1].options);
	cuvet_fatbin_target_name(&e[1], name, sizeof(name));
	assert_string_equal(name, "sm_90a");
}

static void test_bare_fatbin(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(blob, sizeof(blob), &err);
	assert_non_null(fb);
	assert_int_equal(fb->source, CUVET_FATBIN_SRC_FATBIN);
	assert_int_equal(fb->ncontainers, 1);
	assert_null(fb->containers[0].section);
	assert_int_equal(fb->containers[0].offset, 0);
	assert_int_equal(fb->containers[0].size, sizeof(blob));
	assert_int_equal(fb->containers[0].first_entry, 0);
	assert_int_equal(fb->containers[0].nentries, 2);
	assert_int_equal(fb->nentries, 2);
	assert_blob_entries(fb->entries, 0);
	cuvet_fatbin_free(fb);
	cuvet_fatbin_free(NULL);
}

/* Two containers with zero padding between them and after them. */
static void test_padding_between_containers(void **state)
{
	(void)state;
	size_t pad = 24;
	unsigned char *b = calloc(1, 2 * sizeof(blob) + 2 * pad);
	assert_non_null(b);
	memcpy(b, blob, sizeof(blob));
	memcpy(b + sizeof(blob) + pad, blob, sizeof(blob));
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(b, 2 * sizeof(blob) + 2 * pad, &err);
	assert_non_null(fb);
	assert_int_equal(fb->ncontainers, 2);
	assert_int_equal(fb->nentries, 4);
	assert_int_equal(fb->containers[1].offset, sizeof(blob) + pad);
	assert_int_equal(fb->containers[1].first_entry, 2);
	assert_int_equal(fb->entries[3].container, 1);
	assert_blob_entries(fb->entries + 2, sizeof(blob) + pad);
	cuvet_fatbin_free(fb);
	free(b);
}

static void test_flags(void **state)
{
	(void)state;
	struct {
		uint64_t flags;
		char variant;
		int comp;
		bool debug;
		const char *name;
	} cases[] = {
		{0x11, 0, CUVET_FATBIN_UNCOMPRESSED, false, "sm_90"},
		{0x13, 0, CUVET_FATBIN_UNCOMPRESSED, true, "sm_90"},
		{0x2011, 0, CUVET_FATBIN_LZ4, false, "sm_90"},
		{0x8011, 0, CUVET_FATBIN_ZSTD, false, "sm_90"},
		{0x100011, 'a', CUVET_FATBIN_UNCOMPRESSED, false, "sm_90a"},
		{0x1208011, 'f', CUVET_FATBIN_ZSTD, false, "sm_90f"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *b = copy_blob(0);
		put64(b + ENTRY2 + 0x28, cases[i].flags);
		put32(b + ENTRY2 + 0x10, 0x1f);
		struct cuvet_error err = {0};
		struct cuvet_fatbin *fb = cuvet_fatbin_parse(b, sizeof(blob), &err);
		assert_non_null(fb);
		char name[32];
		cuvet_fatbin_target_name(&fb->entries[1], name, sizeof(name));
		assert_string_equal(name, cases[i].name);
		assert_int_equal(fb->entries[1].variant, cases[i].variant);
		assert_int_equal(fb->entries[1].compression, cases[i].comp);
		assert_int_equal(fb->entries[1].debug, cases[i].debug);
		assert_int_equal(fb->entries[1].compressed_size, cases[i].comp ? 0x1f : 0);
		cuvet_fatbin_free(fb);
		free(b);
	}
}

/* An identifier (nvcc -G) and an LTO-IR entry. */
static void test_identifier_and_ltoir(void **state)
{
	(void)state;
	unsigned char *b = copy_blob(0);
	/* The PTX options record and text sit at 0x40..0x4b; reuse that space for an identifier. */
	memcpy(b + ENTRY1 + 0x40, "kk.cu\0\0\0", 8);
	put32(b + ENTRY1 + 0x48, 0); /* options record now empty */
	put32(b + ENTRY1 + 0x20, 0x40);
	put32(b + ENTRY1 + 0x24, 8);
	put32(b + ENTRY1 + 0x14, 0x48); /* the record at 0x48: {0, 0}: no options */
	put32(b + ENTRY1 + 0x4c, 0);
	b[ENTRY1] = CUVET_FATBIN_LTOIR;
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(b, sizeof(blob), &err);
	assert_non_null(fb);
	assert_int_equal(fb->entries[0].kind, CUVET_FATBIN_LTOIR);
	assert_string_equal(fb->entries[0].identifier, "kk.cu");
	assert_null(fb->entries[0].options);
	char name[32];
	cuvet_fatbin_target_name(&fb->entries[0], name, sizeof(name));
	assert_string_equal(name, "lto_80");
	cuvet_fatbin_free(fb);
	b[ENTRY1] = 7;
	fb = cuvet_fatbin_parse(b, sizeof(blob), &err);
	assert_non_null(fb);
	cuvet_fatbin_target_name(&fb->entries[0], name, sizeof(name));
	assert_string_equal(name, "kind7_80");
	cuvet_fatbin_free(fb);
	free(b);
}

static void expect_error(const unsigned char *b, size_t len, const char *msg)
{
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(b, len, &err);
	assert_null(fb);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, msg);
}

static void test_errors(void **state)
{
	(void)state;
	unsigned char *b = copy_blob(8);
	expect_error(b, 10, "truncated fatbin container header at offset 0x0");
	expect_error(b, sizeof(blob) - 1,
		     "fatbin container at offset 0x0 (size 0xc0) runs past the end of the file");
	b[4] = 2;
	expect_error(b, sizeof(blob), "unsupported fatbin container version 2 at offset 0x0");
	b[4] = 1;
	/* A zero-size entry header must not loop. */
	put32(b + ENTRY2 + 4, 0);
	expect_error(b, sizeof(blob),
		     "fatbin entry at offset 0x70 (header 0x0, payload 0x20) runs past its container");
	put32(b + ENTRY2 + 4, 0x40);
	put64(b + ENTRY2 + 8, 0xffffffffffffffe0ull);
	expect_error(b, sizeof(blob),
		     "fatbin entry at offset 0x70 (header 0x40, payload 0xffffffffffffffe0) runs past its container");
	put64(b + ENTRY2 + 8, 0x20);
	b[ENTRY2 + 2] = 0x02;
	expect_error(b, sizeof(blob), "unsupported fatbin entry version 0x102 at offset 0x70");
	b[ENTRY2 + 2] = 0x01;
	put32(b + ENTRY1 + 0x20, 0x4c);
	put32(b + ENTRY1 + 0x24, 8);
	expect_error(b, sizeof(blob), "identifier of the fatbin entry at offset 0x10 lies outside its header");
	put32(b + ENTRY1 + 0x20, 0);
	put32(b + ENTRY1 + 0x14, 0x4c);
	expect_error(b, sizeof(blob), "options record of the fatbin entry at offset 0x10 lies outside its header");
	put32(b + ENTRY1 + 0x14, 0x40);
	put32(b + ENTRY1 + 0x40, 0x30);
	expect_error(b, sizeof(blob), "options of the fatbin entry at offset 0x10 lies outside its header");
	put32(b + ENTRY1 + 0x40, 0x48);
	/* Garbage after a good container. */
	b[sizeof(blob) + 3] = 0x77;
	expect_error(b, sizeof(blob) + 8, "no fatbin container at offset 0xd3");
	b[sizeof(blob) + 3] = 0;
	/* A container whose entries stop short of its fat_size. */
	b[8] = 0xC0 - 0x10;
	expect_error(b, sizeof(blob), "fatbin entry at offset 0x70 (header 0x40, payload 0x20) runs past its container");
	b[8] = 0xC0 + 8;
	expect_error(b, sizeof(blob) + 8, "truncated fatbin entry header at offset 0xd0");
	free(b);
}

/* A container with fat_size 0 and one whose only entry has no payload. */
static void test_empty(void **state)
{
	(void)state;
	unsigned char b[16 + 16 + 0x40] = {0x50, 0xED, 0x55, 0xBA, 1, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					   0x50, 0xED, 0x55, 0xBA, 1, 0, 0x10, 0, 0x40, 0, 0, 0, 0, 0, 0, 0};
	b[32] = 2;
	b[34] = 1;
	b[35] = 1;
	b[36] = 0x40;
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(b, sizeof(b), &err);
	assert_non_null(fb);
	assert_int_equal(fb->ncontainers, 2);
	assert_int_equal(fb->containers[0].nentries, 0);
	assert_int_equal(fb->nentries, 1);
	assert_int_equal(fb->entries[0].payload_size, 0);
	cuvet_fatbin_free(fb);
}

static void test_truncated_and_mutated(void **state)
{
	(void)state;
	for (size_t n = 0; n <= sizeof(blob); n++) {
		unsigned char *cut = malloc(n ? n : 1);
		assert_non_null(cut);
		memcpy(cut, blob, n);
		struct cuvet_error err = {0};
		struct cuvet_fatbin *fb = cuvet_fatbin_parse(cut, n, &err);
		if (n == sizeof(blob))
			assert_non_null(fb);
		else
			assert_null(fb);
		cuvet_fatbin_free(fb);
		free(cut);
	}
	uint64_t seed = 12345;
	unsigned char *b = malloc(sizeof(blob));
	assert_non_null(b);
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(b, blob, sizeof(blob));
		for (int j = 0; j <= iter % 3; j++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			b[(seed >> 33) % sizeof(blob)] = (unsigned char)(seed >> 20);
		}
		struct cuvet_error err = {0};
		struct cuvet_fatbin *fb = cuvet_fatbin_parse(b, sizeof(blob), &err);
		if (!fb)
			assert_true(err.code == CUVET_E_INVALID);
		cuvet_fatbin_free(fb);
	}
	free(b);
}

static unsigned char *load(const char *name, size_t *len)
{
	const char *dir = getenv("CUVET_ELF_FIXTURES");
	assert_non_null(dir);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("fixture %s missing", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	unsigned char *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void check_host(const char *name)
{
	size_t len;
	unsigned char *buf = load(name, &len);
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(buf, len, &err);
	assert_non_null(fb);
	assert_int_equal(fb->source, CUVET_FATBIN_SRC_HOST);
	assert_int_equal(fb->ncontainers, 3);
	assert_int_equal(fb->nentries, 6);
	assert_string_equal(fb->containers[0].section, ".nv_fatbin");
	assert_string_equal(fb->containers[1].section, ".nv_fatbin");
	assert_string_equal(fb->containers[2].section, "__nv_relfatbin");
	for (size_t c = 0; c < 3; c++) {
		assert_int_equal(fb->containers[c].nentries, 2);
		assert_memory_equal(buf + fb->containers[c].offset, blob, sizeof(blob));
		assert_blob_entries(fb->entries + 2 * c, fb->containers[c].offset);
	}
	cuvet_fatbin_free(fb);
	free(buf);
}

static void test_host_elf(void **state)
{
	(void)state;
	check_host("fatbin_host.o");
	check_host("libfatbin_host.so");
	/* No device code at all. */
	size_t len;
	unsigned char *buf = load("libfoo.so.1", &len);
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(buf, len, &err);
	assert_non_null(fb);
	assert_int_equal(fb->source, CUVET_FATBIN_SRC_HOST);
	assert_int_equal(fb->nentries, 0);
	cuvet_fatbin_free(fb);
	free(buf);
}

/* Corrupting the fatbin inside the host ELF names the section in the error. */
static void test_host_elf_corrupt(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load("libfatbin_host.so", &len);
	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(buf, len, &err);
	assert_non_null(fb);
	uint64_t at = fb->containers[0].offset;
	cuvet_fatbin_free(fb);
	put32(buf + at + ENTRY2 + 4, 0x1000);
	assert_null(cuvet_fatbin_parse(buf, len, &err));
	assert_string_equal(err.msg,
			    "fatbin entry at .nv_fatbin+0x70 (header 0x1000, payload 0x20) runs past its container");
	for (size_t n = 0; n < len; n += 7) {
		fb = cuvet_fatbin_parse(buf, n, &err);
		cuvet_fatbin_free(fb);
	}
	free(buf);
}

/* A minimal cubin: ELF64, EM_CUDA, sections: null, .shstrtab, .nv.compat. */
static size_t make_cubin(unsigned char *out, unsigned abiversion, uint32_t e_flags, const unsigned char *compat,
			 size_t ncompat)
{
	static const char shstr[] = "\0.shstrtab\0.nv.compat\0.debug_info";
	memset(out, 0, 1024);
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = 0x41;
	eh.e_ident[EI_ABIVERSION] = (unsigned char)abiversion;
	eh.e_type = ET_EXEC;
	eh.e_machine = 190;
	eh.e_version = 1;
	eh.e_flags = e_flags;
	eh.e_ehsize = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 3;
	eh.e_shstrndx = 1;
	size_t off = sizeof(eh);
	memcpy(out + off, shstr, sizeof(shstr));
	size_t str_at = off;
	off += sizeof(shstr);
	off = (off + 7) & ~(size_t)7;
	size_t compat_at = off;
	memcpy(out + off, compat, ncompat);
	off += ncompat;
	off = (off + 7) & ~(size_t)7;
	eh.e_shoff = off;
	memcpy(out, &eh, sizeof(eh));
	Elf64_Shdr sh[3] = {{0}};
	sh[1].sh_name = 1;
	sh[1].sh_type = SHT_STRTAB;
	sh[1].sh_offset = str_at;
	sh[1].sh_size = sizeof(shstr);
	sh[2].sh_name = 11;
	sh[2].sh_type = 0x70000086;
	sh[2].sh_offset = compat_at;
	sh[2].sh_size = ncompat;
	memcpy(out + off, sh, sizeof(sh));
	return off + sizeof(sh);
}

static void test_cubin(void **state)
{
	(void)state;
	/* .nv.compat as nvcc 13.0 writes it for sm_90 / sm_90a (attribute 9 = 1 for 'a'). */
	unsigned char plain[] = {2, 9, 0, 0, 2, 2, 1, 0, 2, 5, 5, 0, 3, 7, 1, 1, 2, 3, 0, 0, 2, 6, 1, 0,
				 4, 0x0b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	unsigned char arch[sizeof(plain)];
	memcpy(arch, plain, sizeof(plain));
	arch[2] = 1;
	unsigned char img[1024];
	struct cuvet_error err = {0};
	char name[32];

	size_t n = make_cubin(img, 8, 0x6005a04, plain, sizeof(plain));
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(img, n, &err);
	assert_non_null(fb);
	assert_int_equal(fb->source, CUVET_FATBIN_SRC_CUBIN);
	assert_int_equal(fb->nentries, 1);
	assert_int_equal(fb->ncontainers, 0);
	cuvet_fatbin_target_name(&fb->entries[0], name, sizeof(name));
	assert_string_equal(name, "sm_90");
	assert_true(fb->entries[0].is64);
	cuvet_fatbin_free(fb);

	n = make_cubin(img, 8, 0x6005a04, arch, sizeof(arch));
	fb = cuvet_fatbin_parse(img, n, &err);
	assert_non_null(fb);
	cuvet_fatbin_target_name(&fb->entries[0], name, sizeof(name));
	assert_string_equal(name, "sm_90a");
	cuvet_fatbin_free(fb);

	/* ABI v7 (CUDA 12): SM in the low byte, 0x800 = arch-specific; .nv.compat not consulted. */
	n = make_cubin(img, 7, 0x00460546 | 0x800, plain, sizeof(plain));
	fb = cuvet_fatbin_parse(img, n, &err);
	assert_non_null(fb);
	cuvet_fatbin_target_name(&fb->entries[0], name, sizeof(name));
	assert_string_equal(name, "sm_70a");
	cuvet_fatbin_free(fb);

	/* A .nv.compat record claiming more bytes than there are: no overread, plain result. */
	unsigned char bad[] = {4, 0x0b, 0xff, 0x7f, 2, 9, 1, 0};
	n = make_cubin(img, 8, 0x6006402, bad, sizeof(bad));
	fb = cuvet_fatbin_parse(img, n, &err);
	assert_non_null(fb);
	cuvet_fatbin_target_name(&fb->entries[0], name, sizeof(name));
	assert_string_equal(name, "sm_100");
	cuvet_fatbin_free(fb);
}

static struct cuvet_fatbin *parse_text(const char *s, struct cuvet_error *err)
{
	return cuvet_fatbin_parse(s, strlen(s), err);
}

static void test_ptx_text(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	char name[32];
	struct cuvet_fatbin *fb = parse_text("//\n// Generated by NVIDIA NVVM Compiler\n/* block */\n"
					     ".version 8.8\n.target sm_100f, debug\n.address_size 64\n\n.visible .entry k()\n{\n}\n",
					     &err);
	assert_non_null(fb);
	assert_int_equal(fb->source, CUVET_FATBIN_SRC_PTX);
	assert_int_equal(fb->nentries, 1);
	const struct cuvet_fatbin_entry *e = &fb->entries[0];
	assert_int_equal(e->kind, CUVET_FATBIN_PTX);
	assert_int_equal(e->version_major, 8);
	assert_int_equal(e->version_minor, 8);
	assert_true(e->debug);
	assert_true(e->is64);
	cuvet_fatbin_target_name(e, name, sizeof(name));
	assert_string_equal(name, "compute_100f");
	cuvet_fatbin_free(fb);

	fb = parse_text(".version 7.0 .target sm_52 .entry x", &err);
	assert_non_null(fb);
	assert_false(fb->entries[0].is64);
	assert_int_equal(fb->entries[0].sm, 52);
	cuvet_fatbin_free(fb);

	assert_null(parse_text(".version x.y\n.target sm_80\n", &err));
	assert_string_equal(err.msg, "PTX: .version is not followed by a version number");
	assert_null(parse_text(".version 9.0\n.entry\n", &err));
	assert_string_equal(err.msg, "PTX: .target does not follow .version");
	assert_null(parse_text(".version 9.0\n.target sm_80, sm_90\n", &err));
	assert_string_equal(err.msg, "PTX: more than one sm_ target");
	assert_null(parse_text(".version 9.0\n.target gfx90a\n", &err));
	assert_string_equal(err.msg, "PTX: unknown .target option \"gfx90a\"");
	assert_null(parse_text(".version 9.0\n.target debug\n", &err));
	assert_string_equal(err.msg, "PTX: .target names no sm_ target");
	assert_null(parse_text("int main() {}", &err));
	assert_string_equal(err.msg, "not an ELF file, fat binary or PTX file");
	assert_null(parse_text("/* unterminated", &err));
	assert_null(parse_text(".version 9.0 /* x", &err));
	assert_null(cuvet_fatbin_parse(NULL, 0, &err));
	assert_string_equal(err.msg, "not an ELF file, fat binary or PTX file");
}

static void test_runs_on(void **state)
{
	(void)state;
	struct {
		int kind;
		unsigned sm;
		char variant;
		int major, minor;
		enum cuvet_fatbin_run want;
	} t[] = {
		{CUVET_FATBIN_ELF, 80, 0, 8, 0, CUVET_RUN_SASS},
		{CUVET_FATBIN_ELF, 80, 0, 8, 6, CUVET_RUN_SASS},
		{CUVET_FATBIN_ELF, 86, 0, 8, 0, CUVET_RUN_NO},
		{CUVET_FATBIN_ELF, 80, 0, 9, 0, CUVET_RUN_NO},
		{CUVET_FATBIN_ELF, 90, 'a', 9, 0, CUVET_RUN_SASS},
		{CUVET_FATBIN_ELF, 100, 'a', 10, 3, CUVET_RUN_NO},
		{CUVET_FATBIN_ELF, 100, 'f', 10, 3, CUVET_RUN_SASS},
		{CUVET_FATBIN_ELF, 103, 'f', 10, 0, CUVET_RUN_NO},
		{CUVET_FATBIN_ELF, 100, 'f', 11, 0, CUVET_RUN_NO},
		{CUVET_FATBIN_ELF, 120, 0, 12, 1, CUVET_RUN_SASS},
		{CUVET_FATBIN_PTX, 80, 0, 9, 0, CUVET_RUN_PTX_JIT},
		{CUVET_FATBIN_PTX, 80, 0, 12, 0, CUVET_RUN_PTX_JIT},
		{CUVET_FATBIN_PTX, 90, 0, 8, 9, CUVET_RUN_NO},
		{CUVET_FATBIN_PTX, 90, 'a', 9, 0, CUVET_RUN_PTX_JIT},
		{CUVET_FATBIN_PTX, 90, 'a', 10, 0, CUVET_RUN_NO},
		{CUVET_FATBIN_PTX, 100, 'f', 10, 3, CUVET_RUN_PTX_JIT},
		{CUVET_FATBIN_PTX, 100, 'f', 12, 0, CUVET_RUN_NO},
		{CUVET_FATBIN_LTOIR, 80, 0, 8, 0, CUVET_RUN_NO},
		{CUVET_FATBIN_ELF, 80, 0, -1, 0, CUVET_RUN_NO},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cuvet_fatbin_entry e = {.kind = t[i].kind, .sm = t[i].sm, .variant = t[i].variant};
		if (cuvet_fatbin_entry_runs_on(&e, t[i].major, t[i].minor) != t[i].want)
			fail_msg("case %zu: kind %d sm %u%c on %d.%d", i, t[i].kind, t[i].sm, t[i].variant ? t[i].variant : ' ',
				 t[i].major, t[i].minor);
	}
}

static size_t ar_member(unsigned char *out, const char *name16, const unsigned char *data, size_t n)
{
	char hdr[61];
	snprintf(hdr, sizeof(hdr), "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name16, "0", "0", "0", "644", n);
	memcpy(out, hdr, 60);
	memcpy(out + 60, data, n);
	size_t len = 60 + n;
	if (n & 1)
		out[len++] = '\n';
	return len;
}

/* An ar archive: GNU long-name table, a member with a long name, a short-named non-ELF member,
 * a BSD "#1/" member and a host ELF without device code. */
static void test_archive(void **state)
{
	(void)state;
	size_t olen, nlen;
	unsigned char *obj = load("fatbin_host.o", &olen);
	unsigned char *none = load("libfoo.so.1", &nlen);
	static const char longnames[] = "a_member_name_longer_than_sixteen.o/\n";
	size_t cap = 8 + 5 * 60 + sizeof(longnames) + 2 * olen + nlen + 64;
	unsigned char *ar = calloc(1, cap);
	assert_non_null(ar);
	size_t len = 8;
	memcpy(ar, "!<arch>\n", 8);
	len += ar_member(ar + len, "//", (const unsigned char *)longnames, sizeof(longnames) - 1);
	size_t first_at = len + 60;
	len += ar_member(ar + len, "/0", obj, olen);
	len += ar_member(ar + len, "notes.txt/", (const unsigned char *)"hello", 5);
	/* BSD: the name (8 bytes) precedes the data and counts in the size. */
	unsigned char *bsd = malloc(8 + olen);
	assert_non_null(bsd);
	memcpy(bsd, "bsd.o\0\0\0", 8);
	memcpy(bsd + 8, obj, olen);
	size_t bsd_at = len + 60 + 8;
	len += ar_member(ar + len, "#1/8", bsd, 8 + olen);
	len += ar_member(ar + len, "libfoo.so.1/", none, nlen);
	assert_true(len <= cap);

	struct cuvet_error err = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(ar, len, &err);
	if (!fb)
		fail_msg("%s", err.msg);
	assert_int_equal(fb->source, CUVET_FATBIN_SRC_ARCHIVE);
	assert_int_equal(fb->nmembers, 3);
	assert_string_equal(fb->members[0], "a_member_name_longer_than_sixteen.o");
	assert_string_equal(fb->members[1], "bsd.o");
	assert_string_equal(fb->members[2], "libfoo.so.1");
	assert_int_equal(fb->ncontainers, 6);
	assert_int_equal(fb->nentries, 12);
	for (size_t c = 0; c < 6; c++) {
		assert_int_equal(fb->containers[c].member, c / 3);
		uint64_t base = c < 3 ? first_at : bsd_at;
		assert_true(fb->containers[c].offset > base);
		assert_memory_equal(ar + fb->containers[c].offset, blob, sizeof(blob));
		assert_blob_entries(fb->entries + 2 * c, fb->containers[c].offset);
	}
	uint64_t first_container = fb->containers[0].offset;
	cuvet_fatbin_free(fb);

	/* Damage: every truncation fails or parses, never crashes. */
	for (size_t n = 8; n < len; n += 5) {
		fb = cuvet_fatbin_parse(ar, n, &err);
		cuvet_fatbin_free(fb);
	}
	assert_null(cuvet_fatbin_parse(ar, 8 + 30, &err));
	assert_string_equal(err.msg, "truncated archive member header at offset 0x8");
	unsigned char save = ar[8 + 58];
	ar[8 + 58] = 'x';
	assert_null(cuvet_fatbin_parse(ar, len, &err));
	assert_string_equal(err.msg, "invalid archive member header at offset 0x8");
	ar[8 + 58] = save;
	memcpy(ar + 8 + 48, "9999999999", 10);
	assert_null(cuvet_fatbin_parse(ar, len, &err));
	assert_string_equal(err.msg, "archive member at offset 0x8 runs past the end of the file");
	memcpy(ar + 8 + 48, "37        ", 10);
	size_t second = 8 + 60 + sizeof(longnames) - 1 + ((sizeof(longnames) - 1) & 1);
	memcpy(ar + second, "/99             ", 16);
	assert_null(cuvet_fatbin_parse(ar, len, &err));
	char want[128];
	snprintf(want, sizeof(want), "archive member name at offset 0x%zx is not in the name table", second);
	assert_string_equal(err.msg, want);
	memcpy(ar + second, "/0              ", 16);
	/* A broken fatbin inside a member names the member. */
	ar[first_container + 4] = 2;
	fb = cuvet_fatbin_parse(ar, len, &err);
	assert_null(fb);
	assert_string_equal(err.msg, "archive member a_member_name_longer_than_sixteen.o: "
				     "unsupported fatbin container version 2 at .nv_fatbin+0x0");
	/* A member that is not ELF any more is skipped, as cuobjdump skips it. */
	ar[first_container + 4] = 1;
	put32(ar + first_at, 0);
	fb = cuvet_fatbin_parse(ar, len, &err);
	assert_non_null(fb);
	assert_int_equal(fb->nmembers, 2);
	assert_string_equal(fb->members[0], "bsd.o");
	cuvet_fatbin_free(fb);
	free(bsd);
	free(ar);
	free(obj);
	free(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_fatbin),
		cmocka_unit_test(test_padding_between_containers),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_identifier_and_ltoir),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncated_and_mutated),
		cmocka_unit_test(test_host_elf),
		cmocka_unit_test(test_host_elf_corrupt),
		cmocka_unit_test(test_cubin),
		cmocka_unit_test(test_ptx_text),
		cmocka_unit_test(test_runs_on),
		cmocka_unit_test(test_archive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
