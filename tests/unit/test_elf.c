/* cuvet_elf_read / cuvet_elf_read_symbols on fixtures built at test time by tests/elf/mkfixtures.sh,
 * and on corrupt copies of them (truncations, garbage offsets, bad string offsets, byte flips). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

static char *fixture_path(const char *name)
{
	const char *dir = getenv("CUVET_ELF_FIXTURES");
	assert_non_null(dir);
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Reads a fixture into a buffer of exactly its size, so ASan sees any overread. NULL if absent. */
static unsigned char *load(const char *name, size_t *len)
{
	char *path = fixture_path(name);
	FILE *f = fopen(path, "rb");
	free(path);
	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	unsigned char *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static unsigned char *load_required(const char *name, size_t *len)
{
	unsigned char *b = load(name, len);
	if (!b)
		fail_msg("fixture %s missing", name);
	return b;
}

static Elf64_Shdr *shdr_by_type(unsigned char *buf, size_t len, uint32_t type)
{
	Elf64_Ehdr eh;
	memcpy(&eh, buf, sizeof(eh));
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		size_t off = eh.e_shoff + (size_t)i * eh.e_shentsize;
		assert_true(off + sizeof(Elf64_Shdr) <= len);
		Elf64_Shdr *sh = (Elf64_Shdr *)(void *)(buf + off);
		if (sh->sh_type == type)
			return sh;
	}
	fail_msg("no section of type %u", type);
	return NULL;
}

/* The file offset of the first dynamic entry with TAG. */
static size_t dyn_entry_offset(unsigned char *buf, size_t len, int64_t tag)
{
	Elf64_Shdr *dyn = shdr_by_type(buf, len, SHT_DYNAMIC);
	for (size_t off = dyn->sh_offset; off + sizeof(Elf64_Dyn) <= dyn->sh_offset + dyn->sh_size;
	     off += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		memcpy(&d, buf + off, sizeof(d));
		if (d.d_tag == tag)
			return off;
	}
	fail_msg("no dynamic tag %lld", (long long)tag);
	return 0;
}

static void set_dyn_val(unsigned char *buf, size_t len, int64_t tag, uint64_t val)
{
	size_t off = dyn_entry_offset(buf, len, tag);
	memcpy(buf + off + offsetof(Elf64_Dyn, d_un), &val, sizeof(val));
}

/* Drops the section header table, as sstrip does: only program headers are left. */
static void strip_section_headers(unsigned char *buf)
{
	Elf64_Ehdr eh;
	memcpy(&eh, buf, sizeof(eh));
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	eh.e_shstrndx = 0;
	memcpy(buf, &eh, sizeof(eh));
}

static void assert_libfoo(const struct cuvet_elf_info *in)
{
	assert_int_equal(in->elf_class, 2);
	assert_int_equal(in->byte_order, 1);
	assert_int_equal(in->machine, EM_X86_64);
	assert_int_equal(in->type, ET_DYN);
	assert_string_equal(in->soname, "libfoo.so.1");
	assert_string_equal(in->rpath, "$ORIGIN/../lib");
	assert_null(in->runpath);
	assert_true(in->nodeflib);
	assert_int_equal(in->nneeded, 4);
	assert_string_equal(in->needed[0], "libbar.so.2");
	assert_string_equal(in->needed[1], "libqux.so.3");
	assert_string_equal(in->needed[2], "libm.so.6");
	assert_string_equal(in->needed[3], "libc.so.6");
}

static void test_rpath_library(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo.so.1", &len);
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), 0);
	assert_libfoo(&in);
	cuvet_elf_info_release(&in);
	assert_null(in.needed);
	free(buf);
}

static void test_runpath_library(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo-runpath.so", &len);
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), 0);
	assert_null(in.soname);
	assert_null(in.rpath);
	assert_string_equal(in.runpath, "/opt/a:/opt/b");
	assert_false(in.nodeflib);
	assert_int_equal(in.nneeded, 4);
	assert_string_equal(in.needed[0], "libbar.so.2");
	cuvet_elf_info_release(&in);
	free(buf);
}

static void test_executable(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("app", &len);
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), 0);
	assert_true(in.type == ET_DYN || in.type == ET_EXEC); /* PIE or not, per the toolchain default */
	assert_null(in.soname);
	assert_int_equal(in.nneeded, 1);
	assert_string_equal(in.needed[0], "libc.so.6");
	cuvet_elf_info_release(&in);
	free(buf);
}

static void test_32bit(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load("libfoo32.so", &len);
	if (!buf) {
		print_message("gcc -m32 cannot link here; 32-bit case skipped\n");
		skip();
	}
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), 0);
	assert_int_equal(in.elf_class, 1);
	assert_int_equal(in.byte_order, 1);
	assert_int_equal(in.machine, EM_386);
	assert_string_equal(in.soname, "libfoo32.so.1");
	assert_string_equal(in.runpath, "/opt/x32");
	assert_int_equal(in.nneeded, 1);
	assert_string_equal(in.needed[0], "libbar32.so");
	cuvet_elf_info_release(&in);
	free(buf);
}

static void test_not_elf(void **state)
{
	(void)state;
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read("hello world, not an ELF", 23, &in, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "not an ELF file");
	assert_int_equal(cuvet_elf_read(NULL, 0, &in, &err), -1);
	assert_string_equal(err.msg, "not an ELF file");
	assert_int_equal(cuvet_elf_read("\177ELF", 4, &in, &err), -1);
	assert_string_equal(err.msg, "not an ELF file");
}

/* No section headers: PT_DYNAMIC and DT_STRTAB mapped through PT_LOAD give the same facts. */
static void test_no_section_headers(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo.so.1", &len);
	strip_section_headers(buf);
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), 0);
	assert_libfoo(&in);
	cuvet_elf_info_release(&in);
	free(buf);
}

/* A .dynstr section header pointing nowhere: fall back to DT_STRTAB. */
static void test_garbage_dynstr_offset(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo.so.1", &len);
	Elf64_Shdr *dyn = shdr_by_type(buf, len, SHT_DYNAMIC);
	Elf64_Ehdr eh;
	memcpy(&eh, buf, sizeof(eh));
	Elf64_Shdr *str = (Elf64_Shdr *)(void *)(buf + eh.e_shoff + dyn->sh_link * eh.e_shentsize);
	str->sh_offset = 0xffffffffffff0000ull;
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), 0);
	assert_libfoo(&in);
	cuvet_elf_info_release(&in);
	free(buf);
}

static void test_garbage_dynamic_offset(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo.so.1", &len);
	shdr_by_type(buf, len, SHT_DYNAMIC)->sh_offset = 0x7fffffffffff0000ull;
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_true(strncmp(err.msg, "invalid dynamic section: ", 25) == 0);
	assert_null(in.needed);
	assert_null(in.soname);
	free(buf);
}

static void test_string_offset_out_of_range(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo.so.1", &len);
	Elf64_Shdr *dyn = shdr_by_type(buf, len, SHT_DYNAMIC);
	Elf64_Ehdr eh;
	memcpy(&eh, buf, sizeof(eh));
	Elf64_Shdr *str = (Elf64_Shdr *)(void *)(buf + eh.e_shoff + dyn->sh_link * eh.e_shentsize);
	char want[128];
	snprintf(want, sizeof(want), "DT_NEEDED: string offset 2147483647 out of range (string table size %zu)",
		 (size_t)str->sh_size);
	set_dyn_val(buf, len, DT_NEEDED, 0x7fffffff);
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, want);
	assert_int_equal(in.nneeded, 0);

	/* Same through DT_STRTAB/DT_STRSZ with no section headers. */
	strip_section_headers(buf);
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), -1);
	assert_string_equal(err.msg, want);
	free(buf);
}

/* DT_STRSZ cut short so the SONAME runs past the end of the table. */
static void test_string_unterminated(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo.so.1", &len);
	size_t off = dyn_entry_offset(buf, len, DT_SONAME);
	Elf64_Dyn d;
	memcpy(&d, buf + off, sizeof(d));
	uint64_t soname_at = d.d_un.d_val;
	set_dyn_val(buf, len, DT_STRSZ, soname_at + 3);
	strip_section_headers(buf);
	struct cuvet_elf_info in;
	struct cuvet_error err = {0};
	char want[128];
	snprintf(want, sizeof(want), "DT_SONAME: string at offset %llu is not terminated",
		 (unsigned long long)soname_at);
	assert_int_equal(cuvet_elf_read(buf, len, &in, &err), -1);
	assert_string_equal(err.msg, want);
	free(buf);
}

/* Parsing through a PROT_READ mapping: any write by libelf would fault. */
static void test_read_only_mapping(void **state)
{
	(void)state;
	char *path = fixture_path("libfoo.so.1");
	int fd = open(path, O_RDONLY);
	free(path);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	close(fd);
	struct cuvet_elf_info in;
	struct cuvet_elf_symbols sy;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read(map, (size_t)st.st_size, &in, &err), 0);
	assert_libfoo(&in);
	cuvet_elf_info_release(&in);
	assert_int_equal(cuvet_elf_read_symbols(map, (size_t)st.st_size, &sy, &err), 0);
	assert_int_equal(sy.nverneed, 3);
	cuvet_elf_symbols_release(&sy);
	munmap(map, (size_t)st.st_size);
}

static void check_corrupt(const unsigned char *buf, size_t len)
{
	struct cuvet_elf_info in;
	struct cuvet_elf_symbols sy;
	struct cuvet_error err = {0};
	if (cuvet_elf_read(buf, len, &in, &err) == 0) {
		cuvet_elf_info_release(&in);
	} else {
		assert_int_equal(err.code, CUVET_E_INVALID);
		assert_true(err.msg[0] != '\0');
		assert_null(in.needed);
	}
	if (cuvet_elf_read_symbols(buf, len, &sy, &err) == 0) {
		cuvet_elf_symbols_release(&sy);
	} else {
		assert_true(err.code == CUVET_E_INVALID || err.code == CUVET_E_NOMEM);
		assert_null(sy.syms);
	}
	if (cuvet_elf_read_versioned_symbols(buf, len, &sy, &err) == 0) {
		cuvet_elf_symbols_release(&sy);
	} else {
		assert_true(err.code == CUVET_E_INVALID || err.code == CUVET_E_NOMEM);
		assert_null(sy.syms);
	}
}

/* Every truncation length, with and without section headers: an error or a result, never a crash
 * (ASan build: never an overread either, since the copy is exactly LEN bytes). */
static void test_truncated(void **state)
{
	(void)state;
	size_t len;
	unsigned char *full = load_required("libfoo.so.1", &len);
	Elf64_Shdr *dyn = shdr_by_type(full, len, SHT_DYNAMIC);
	size_t dyn_end = (size_t)(dyn->sh_offset + dyn->sh_size);
	struct cuvet_elf_info in0;
	struct cuvet_error err0 = {0};
	assert_int_equal(cuvet_elf_read(full, len - 1, &in0, &err0), -1);
	assert_string_equal(err0.msg, "section headers lie outside the file (truncated?)");
	assert_int_equal(cuvet_elf_read(full, 100, &in0, &err0), -1);
	assert_string_equal(err0.msg, "program headers lie outside the file (truncated?)");
	for (int strip = 0; strip < 2; strip++) {
		if (strip)
			strip_section_headers(full);
		size_t ok = 0;
		for (size_t n = 0; n < len; n++) {
			unsigned char *cut = malloc(n ? n : 1);
			assert_non_null(cut);
			memcpy(cut, full, n);
			struct cuvet_elf_info in;
			struct cuvet_error err = {0};
			if (cuvet_elf_read(cut, n, &in, &err) == 0) {
				/* Only without section headers (they sit at the end), and then the facts
				 * must be the complete, right ones. */
				ok++;
				assert_true(n >= dyn_end);
				assert_libfoo(&in);
				cuvet_elf_info_release(&in);
			}
			check_corrupt(cut, n);
			free(cut);
		}
		assert_int_equal(ok, strip ? len - dyn_end : 0);
	}
	free(full);
}

/* Deterministic byte flips all over the file. */
static void test_mutations(void **state)
{
	(void)state;
	const char *names[] = {"libfoo.so.1", "libfoo-sysv.so", "libbar.so.2", "libfoo32.so"};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t len;
		unsigned char *orig = load(names[k], &len);
		if (!orig)
			continue;
		unsigned char *buf = malloc(len);
		assert_non_null(buf);
		for (int iter = 0; iter < 3000; iter++) {
			memcpy(buf, orig, len);
			if (iter % 2)
				strip_section_headers(buf);
			int flips = 1 + iter % 4;
			for (int j = 0; j < flips; j++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				size_t at = (size_t)(seed >> 33) % len;
				/* Aim half the flips at the first 4 KiB, where headers and dynamic tags live. */
				if (iter % 3 == 0 && len > 4096)
					at %= 4096;
				buf[at] = (unsigned char)(seed >> 17);
			}
			check_corrupt(buf, len);
		}
		free(buf);
		free(orig);
	}
}

static const struct cuvet_elf_symbol *find_sym(const struct cuvet_elf_symbols *s, const char *name,
					       const char *version)
{
	for (size_t i = 0; i < s->nsyms; i++)
		if (strcmp(s->syms[i].name, name) == 0 &&
		    (version ? s->syms[i].version && strcmp(s->syms[i].version, version) == 0 : true))
			return &s->syms[i];
	return NULL;
}

static const struct cuvet_elf_verneed *find_need(const struct cuvet_elf_symbols *s, const char *file)
{
	for (size_t i = 0; i < s->nverneed; i++)
		if (strcmp(s->verneed[i].file, file) == 0)
			return &s->verneed[i];
	return NULL;
}

static void assert_libfoo_symbols(const struct cuvet_elf_symbols *s, const char *base)
{
	assert_int_equal(s->nverneed, 3);
	const struct cuvet_elf_verneed *n = find_need(s, "libbar.so.2");
	assert_non_null(n);
	assert_int_equal(n->nversions, 1);
	assert_string_equal(n->versions[0], "BAR_2.0");
	assert_false(n->weak[0]);
	n = find_need(s, "libm.so.6");
	assert_non_null(n);
	assert_int_equal(n->nversions, 1);
	assert_string_equal(n->versions[0], "GLIBC_2.2.5");
	assert_null(find_need(s, "libqux.so.3")); /* qux is unversioned */

	assert_int_equal(s->nverdef, 2);
	assert_string_equal(s->verdef[0], base);
	assert_true(s->verdef_base[0]);
	assert_string_equal(s->verdef[1], "FOO_1.0");
	assert_false(s->verdef_base[1]);

	const struct cuvet_elf_symbol *y = find_sym(s, "foo_a", NULL);
	assert_non_null(y);
	assert_true(y->defined);
	assert_string_equal(y->version, "FOO_1.0");
	assert_false(y->hidden);
	assert_int_equal(y->type, STT_FUNC);
	assert_int_equal(y->bind, STB_GLOBAL);
	y = find_sym(s, "bar", NULL);
	assert_non_null(y);
	assert_false(y->defined);
	assert_string_equal(y->version, "BAR_2.0");
	y = find_sym(s, "qux", NULL);
	assert_non_null(y);
	assert_false(y->defined);
	assert_null(y->version);
	y = find_sym(s, "cos", NULL);
	assert_non_null(y);
	assert_string_equal(y->version, "GLIBC_2.2.5");
	y = find_sym(s, "maybe", NULL);
	assert_non_null(y);
	assert_false(y->defined);
	assert_true(y->weak);
	assert_null(find_sym(s, "foo_hidden_nonexistent", NULL));
}

static void test_symbols(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo.so.1", &len);
	struct cuvet_elf_symbols s;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read_symbols(buf, len, &s, &err), 0);
	assert_libfoo_symbols(&s, "libfoo.so.1");
	size_t nsyms = s.nsyms;
	cuvet_elf_symbols_release(&s);

	/* Without section headers: DT_SYMTAB sized by DT_GNU_HASH, DT_VERNEED/DT_VERDEF chains. */
	strip_section_headers(buf);
	assert_int_equal(cuvet_elf_read_symbols(buf, len, &s, &err), 0);
	assert_libfoo_symbols(&s, "libfoo.so.1");
	assert_int_equal(s.nsyms, nsyms);
	cuvet_elf_symbols_release(&s);
	free(buf);

	/* DT_HASH only. */
	buf = load_required("libfoo-sysv.so", &len);
	assert_int_equal(cuvet_elf_read_symbols(buf, len, &s, &err), 0);
	assert_libfoo_symbols(&s, "libfoo-sysv.so");
	nsyms = s.nsyms;
	cuvet_elf_symbols_release(&s);
	strip_section_headers(buf);
	assert_int_equal(cuvet_elf_read_symbols(buf, len, &s, &err), 0);
	assert_libfoo_symbols(&s, "libfoo-sysv.so");
	assert_int_equal(s.nsyms, nsyms);
	cuvet_elf_symbols_release(&s);
	free(buf);
}

/* The versioned reader gives the full reader's needs and definitions, and exactly its symbols
 * that have a version, in the same order; *DROPPED counts the symbols it left out. */
static void assert_versioned_subset(const unsigned char *buf, size_t len, size_t *dropped)
{
	struct cuvet_elf_symbols all, ver;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read_symbols(buf, len, &all, &err), 0);
	assert_int_equal(cuvet_elf_read_versioned_symbols(buf, len, &ver, &err), 0);
	assert_int_equal(ver.nverneed, all.nverneed);
	for (size_t i = 0; i < all.nverneed; i++) {
		assert_string_equal(ver.verneed[i].file, all.verneed[i].file);
		assert_int_equal(ver.verneed[i].nversions, all.verneed[i].nversions);
		for (size_t j = 0; j < all.verneed[i].nversions; j++) {
			assert_string_equal(ver.verneed[i].versions[j], all.verneed[i].versions[j]);
			assert_int_equal(ver.verneed[i].weak[j], all.verneed[i].weak[j]);
		}
	}
	assert_int_equal(ver.nverdef, all.nverdef);
	for (size_t i = 0; i < all.nverdef; i++) {
		assert_string_equal(ver.verdef[i], all.verdef[i]);
		assert_int_equal(ver.verdef_base[i], all.verdef_base[i]);
	}
	size_t k = 0;
	*dropped = 0;
	for (size_t i = 0; i < all.nsyms; i++) {
		const struct cuvet_elf_symbol *a = &all.syms[i];
		if (!a->version) {
			(*dropped)++;
			continue;
		}
		assert_true(k < ver.nsyms);
		const struct cuvet_elf_symbol *v = &ver.syms[k++];
		assert_string_equal(v->name, a->name);
		assert_string_equal(v->version, a->version);
		assert_int_equal(v->defined, a->defined);
		assert_int_equal(v->weak, a->weak);
		assert_int_equal(v->hidden, a->hidden);
		assert_int_equal(v->type, a->type);
		assert_int_equal(v->bind, a->bind);
	}
	assert_int_equal(k, ver.nsyms);
	cuvet_elf_symbols_release(&all);
	cuvet_elf_symbols_release(&ver);
}

static void test_versioned_symbols(void **state)
{
	(void)state;
	static const char *const names[] = {"libfoo.so.1", "libbar.so.2", "libfoo-sysv.so"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len, dropped, dropped_stripped;
		unsigned char *buf = load_required(names[i], &len);
		assert_versioned_subset(buf, len, &dropped);
		/* the fixtures have unversioned symbols too (_init, _fini, their own functions) */
		assert_true(dropped > 0);
		/* from the dynamic tags alone */
		strip_section_headers(buf);
		assert_versioned_subset(buf, len, &dropped_stripped);
		assert_int_equal(dropped_stripped, dropped);
		free(buf);
	}
}

static void test_symbol_versions_defined(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libbar.so.2", &len);
	struct cuvet_elf_symbols s;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read_symbols(buf, len, &s, &err), 0);
	assert_int_equal(s.nverdef, 3);
	assert_string_equal(s.verdef[0], "libbar.so.2");
	assert_string_equal(s.verdef[1], "BAR_1.0");
	assert_string_equal(s.verdef[2], "BAR_2.0");
	const struct cuvet_elf_symbol *old = find_sym(&s, "bar", "BAR_1.0");
	const struct cuvet_elf_symbol *cur = find_sym(&s, "bar", "BAR_2.0");
	assert_non_null(old);
	assert_non_null(cur);
	assert_true(old->defined && cur->defined);
	assert_true(old->hidden);   /* bar@BAR_1.0 */
	assert_false(cur->hidden);  /* bar@@BAR_2.0 */
	assert_string_equal(find_sym(&s, "baz", NULL)->version, "BAR_1.0");
	assert_null(find_sym(&s, "bar_old", NULL)); /* local: * */
	cuvet_elf_symbols_release(&s);
	free(buf);
}

static void test_symbols_bad_string(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load_required("libfoo.so.1", &len);
	Elf64_Shdr *sym = shdr_by_type(buf, len, SHT_DYNSYM);
	Elf64_Sym one;
	memcpy(&one, buf + sym->sh_offset + sizeof(Elf64_Sym), sizeof(one));
	one.st_name = 0x40000000;
	memcpy(buf + sym->sh_offset + sizeof(Elf64_Sym), &one, sizeof(one));
	struct cuvet_elf_symbols s;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_elf_read_symbols(buf, len, &s, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_true(strncmp(err.msg, "dynamic symbol: string offset 1073741824 out of range", 53) == 0);
	assert_int_equal(s.nsyms, 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpath_library),
		cmocka_unit_test(test_runpath_library),
		cmocka_unit_test(test_executable),
		cmocka_unit_test(test_32bit),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_no_section_headers),
		cmocka_unit_test(test_garbage_dynstr_offset),
		cmocka_unit_test(test_garbage_dynamic_offset),
		cmocka_unit_test(test_string_offset_out_of_range),
		cmocka_unit_test(test_string_unterminated),
		cmocka_unit_test(test_read_only_mapping),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_symbol_versions_defined),
		cmocka_unit_test(test_versioned_symbols),
		cmocka_unit_test(test_symbols_bad_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
