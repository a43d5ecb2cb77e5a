/* CUDA fat binaries: which SASS / PTX / LTO-IR targets a file carries, from headers only.
 *
 * NVIDIA does not document the format; shared/formats/fatbin.md collects the public
 * reverse-engineering and says what was checked against nvcc 13.0 output and cuobjdump 13.5.
 * Everything here reads little-endian fields with explicit byte loads (the format is LE on every
 * host), checks each offset against the bytes that remain, and always advances, so a hostile
 * file can make the parse fail but not crash, loop or read outside the buffer. */
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FATBIN_MAGIC 0xBA55ED50u
#define FATBIN_CONTAINER_HDR 16u
#define FATBIN_ENTRY_HDR 0x40u
#define FATBIN_ENTRY_VERSION 0x0101u
/* Far above any real library (libcublasLt 13: 5,737 entries), low enough that a hostile file
 * of back-to-back empty entries cannot make us allocate gigabytes. */
#define FATBIN_MAX_ENTRIES (1u << 20)

/* Entry flags (fatbin.md §3.1; 0x100000/0x200000 checked against nvcc 13.0 sm_90a / sm_100f). */
#define FLAG_64BIT 0x1ull
#define FLAG_DEBUG 0x2ull
#define FLAG_LZ4 0x2000ull
#define FLAG_ZSTD 0x8000ull
#define FLAG_ARCH_SPECIFIC 0x100000ull
#define FLAG_FAMILY 0x200000ull

#ifndef EM_CUDA
#define EM_CUDA 190
#endif
#define EF_CUDA_V1_ACCELERATORS 0x800u /* 'a' in ABI v7 cubins (LLVM ELF.h) */
#define ELFABIVERSION_CUDA_V2 8

static pthread_once_t fatbin_elf_once = PTHREAD_ONCE_INIT;

static void fatbin_elf_init(void)
{
	(void)elf_version(EV_CURRENT);
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

struct builder {
	struct cuvet_fatbin *fb;
	size_t cap_entries, cap_containers;
	bool deep;                  /* also look for containers in other sections */
};

static struct cuvet_fatbin_entry *add_entry(struct builder *b, struct cuvet_error *err)
{
	if (b->fb->nentries >= FATBIN_MAX_ENTRIES) {
		err_set(err, CUVET_E_RANGE, "more than %u fatbin entries", FATBIN_MAX_ENTRIES);
		return NULL;
	}
	if (xgrow(&b->fb->entries, &b->cap_entries, b->fb->nentries, sizeof(*b->fb->entries)) < 0) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	struct cuvet_fatbin_entry *e = &b->fb->entries[b->fb->nentries++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* A string stored inside an entry header, [OFF, OFF+LEN) relative to the entry; must lie in the
 * header. Trailing NULs (the padding nvcc adds) are dropped. */
static int header_string(const unsigned char *entry, uint64_t hdr_size, uint64_t off, uint64_t len, char **out,
			 const char *what, const char *where, uint64_t at, struct cuvet_error *err)
{
	if (off < FATBIN_ENTRY_HDR || off > hdr_size || len > hdr_size - off)
		return err_set(err, CUVET_E_INVALID, "%s of the fatbin entry at %s0x%llx lies outside its header", what,
			       where, (unsigned long long)at);
	size_t n = strnlen((const char *)entry + off, (size_t)len);
	*out = xstrndup((const char *)entry + off, n);
	if (!*out)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	return 0;
}

/* WHERE is a message prefix such as ".nv_fatbin+" so errors name the section; BASE is the file
 * offset of P. */
static int parse_entries(struct builder *b, const unsigned char *p, uint64_t size, uint64_t base, const char *where,
			 uint64_t where_base, size_t container, struct cuvet_error *err)
{
	uint64_t off = 0;
	while (off < size) {
		const unsigned char *e = p + off;
		uint64_t at = where_base + off;
		if (size - off < FATBIN_ENTRY_HDR)
			return err_set(err, CUVET_E_INVALID, "truncated fatbin entry header at %s0x%llx", where,
				       (unsigned long long)at);
		uint16_t version = le16(e + 2);
		uint64_t hdr = le32(e + 4), payload = le64(e + 8);
		if (version != FATBIN_ENTRY_VERSION)
			return err_set(err, CUVET_E_INVALID, "unsupported fatbin entry version 0x%x at %s0x%llx", version,
				       where, (unsigned long long)at);
		if (hdr < FATBIN_ENTRY_HDR || hdr > size - off || payload > size - off - hdr)
			return err_set(err, CUVET_E_INVALID,
				       "fatbin entry at %s0x%llx (header 0x%llx, payload 0x%llx) runs past its container",
				       where, (unsigned long long)at, (unsigned long long)hdr, (unsigned long long)payload);
		struct cuvet_fatbin_entry *en = add_entry(b, err);
		if (!en)
			return -1;
		uint64_t flags = le64(e + 0x28);
		en->kind = le16(e);
		en->version_minor = le16(e + 0x18);
		en->version_major = le16(e + 0x1a);
		en->sm = le32(e + 0x1c);
		en->flags = flags;
		en->is64 = (flags & FLAG_64BIT) != 0;
		en->debug = (flags & FLAG_DEBUG) != 0;
		if (flags & FLAG_ZSTD)
			en->compression = CUVET_FATBIN_ZSTD;
		else if (flags & FLAG_LZ4)
			en->compression = CUVET_FATBIN_LZ4;
		if (flags & FLAG_ARCH_SPECIFIC)
			en->variant = 'a';
		else if (flags & FLAG_FAMILY)
			en->variant = 'f';
		en->offset = base + off;
		en->header_size = hdr;
		en->payload_size = payload;
		if (en->compression != CUVET_FATBIN_UNCOMPRESSED) {
			en->compressed_size = le32(e + 0x10);
			en->uncompressed_size = le64(e + 0x38);
		}
		en->container = container;
		uint32_t id_off = le32(e + 0x20), id_len = le32(e + 0x24);
		if (id_off && header_string(e, hdr, id_off, id_len, &en->identifier, "identifier", where, at, err) < 0)
			return -1;
		/* The options offset names an 8-byte {offset, length} record. For PTX it holds ptxas
		 * options, for LTO-IR NVVM options; for sm_100+ cubins (flag 0x1000000) it holds a
		 * binary copy of the cubin's .nv.compat attributes, which is not text. */
		uint32_t opt = le32(e + 0x14);
		if (opt && en->kind != CUVET_FATBIN_ELF) {
			if (opt < FATBIN_ENTRY_HDR || opt > hdr || hdr - opt < 8)
				return err_set(err, CUVET_E_INVALID,
					       "options record of the fatbin entry at %s0x%llx lies outside its header",
					       where, (unsigned long long)at);
			uint32_t o_off = le32(e + opt), o_len = le32(e + opt + 4);
			if (o_len && header_string(e, hdr, o_off, o_len, &en->options, "options", where, at, err) < 0)
				return -1;
		}
		off += hdr + payload; /* hdr >= 0x40: always advances */
	}
	return 0;
}

/* Containers back to back, each 8-aligned; zero padding between them is skipped. */
static int parse_containers(struct builder *b, const unsigned char *p, uint64_t size, uint64_t base,
			    const char *section, struct cuvet_error *err)
{
	char where[64];
	snprintf(where, sizeof(where), "%s%s", section ? section : "", section ? "+" : "offset ");
	uint64_t off = 0;
	while (off < size) {
		if (p[off] == 0) {
			off++;
			continue;
		}
		if (size - off < 4 || le32(p + off) != FATBIN_MAGIC)
			return err_set(err, CUVET_E_INVALID, "no fatbin container at %s0x%llx", where,
				       (unsigned long long)off);
		if (size - off < FATBIN_CONTAINER_HDR)
			return err_set(err, CUVET_E_INVALID, "truncated fatbin container header at %s0x%llx", where,
				       (unsigned long long)off);
		uint16_t version = le16(p + off + 4);
		uint64_t hdr = le16(p + off + 6), fat = le64(p + off + 8);
		if (version != 1)
			return err_set(err, CUVET_E_INVALID, "unsupported fatbin container version %u at %s0x%llx",
				       version, where, (unsigned long long)off);
		if (hdr < FATBIN_CONTAINER_HDR || hdr > size - off || fat > size - off - hdr)
			return err_set(err, CUVET_E_INVALID,
				       "fatbin container at %s0x%llx (size 0x%llx) runs past the end of %s", where,
				       (unsigned long long)off, (unsigned long long)fat,
				       section ? section : "the file");
		if (xgrow(&b->fb->containers, &b->cap_containers, b->fb->ncontainers, sizeof(*b->fb->containers)) < 0)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		size_t ci = b->fb->ncontainers++;
		struct cuvet_fatbin_container *c = &b->fb->containers[ci];
		c->section = section;
		c->offset = base + off;
		c->size = hdr + fat;
		c->first_entry = b->fb->nentries;
		if (parse_entries(b, p + off + hdr, fat, base + off + hdr, where, off + hdr, ci, err) < 0)
			return -1;
		b->fb->containers[ci].nentries = b->fb->nentries - b->fb->containers[ci].first_entry;
		off += hdr + fat; /* hdr >= 16: always advances */
	}
	return 0;
}

/* .nv.compat in a CUDA 13 (ABI v8) cubin: records of {u8 format, u8 attribute, u16 value or
 * size}, format 4 followed by SIZE bytes. Attribute 9 = 1 marks an arch-specific ('a') cubin:
 * found by diffing nvcc 13.0 -arch=sm_90 and sm_90a cubins, whose e_flags are identical.
 * Family ('f') cubins carry no mark at all (cuobjdump lists them as plain sm_XY). */
static bool compat_arch_specific(const unsigned char *p, size_t n)
{
	size_t off = 0;
	while (n - off >= 4) {
		unsigned fmt = p[off], attr = p[off + 1];
		if (fmt == 0)
			break;
		if (fmt == 2 && attr == 9)
			return p[off + 2] == 1;
		off += 4;
		if (fmt == 4) {
			size_t sz = le16(p + off - 2);
			if (sz > n - off)
				break;
			off += sz;
		}
	}
	return false;
}

static int parse_cubin(struct builder *b, Elf *elf, const GElf_Ehdr *eh, const unsigned char *buf, size_t len,
		       struct cuvet_error *err)
{
	struct cuvet_fatbin_entry *en = add_entry(b, err);
	if (!en)
		return -1;
	b->fb->source = CUVET_FATBIN_SRC_CUBIN;
	en->kind = CUVET_FATBIN_ELF;
	en->is64 = eh->e_ident[EI_CLASS] == ELFCLASS64;
	en->payload_size = len;
	bool v2 = eh->e_ident[EI_ABIVERSION] >= ELFABIVERSION_CUDA_V2;
	/* ABI v8 (CUDA 13) moved the SM from bits 0-7 to bits 8-15 of e_flags (LLVM #149534). */
	en->sm = v2 ? (eh->e_flags >> 8) & 0xff : eh->e_flags & 0xff;
	if (!v2 && (eh->e_flags & EF_CUDA_V1_ACCELERATORS))
		en->variant = 'a';
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return err_set(err, CUVET_E_INVALID, "invalid section header: %s", elf_errmsg(-1));
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (strcmp(name, ".debug_info") == 0)
			en->debug = true;
		if (v2 && strcmp(name, ".nv.compat") == 0 && sh.sh_type != SHT_NOBITS && sh.sh_offset <= len &&
		    sh.sh_size <= len - sh.sh_offset && compat_arch_specific(buf + sh.sh_offset, (size_t)sh.sh_size))
			en->variant = 'a';
	}
	return 0;
}

/* Drops what a failed trial parse added (deep scan candidates that only looked like fatbins). */
static void builder_rollback(struct builder *b, size_t ncontainers, size_t nentries)
{
	for (size_t i = nentries; i < b->fb->nentries; i++) {
		free(b->fb->entries[i].identifier);
		free(b->fb->entries[i].options);
	}
	b->fb->nentries = nentries;
	b->fb->ncontainers = ncontainers;
}

/* Some libraries keep most of their kernels outside .nv_fatbin and register them themselves
 * (cuFFT 12 holds ~24,000 containers in .ldata and one sm_75 cubin in .nv_fatbin). A deep read
 * looks for container headers, 8-aligned, in the other loaded data sections; a candidate whose
 * headers do not hold together is skipped, not an error. */
static int scan_section_deep(struct builder *b, const unsigned char *p, uint64_t size, uint64_t base,
			     struct cuvet_error *err)
{
	static const unsigned char magic[4] = {0x50, 0xed, 0x55, 0xba};
	uint64_t off = 0;
	while (off + FATBIN_CONTAINER_HDR <= size) {
		const unsigned char *hit = memmem(p + off, size - off, magic, sizeof(magic));
		if (!hit)
			break;
		off = (uint64_t)(hit - p);
		if ((base + off) % 8 != 0 || size - off < FATBIN_CONTAINER_HDR) { /* aligned in the file */
			off++;
			continue;
		}
		uint16_t version = le16(p + off + 4);
		uint64_t hdr = le16(p + off + 6), fat = le64(p + off + 8);
		if (version != 1 || hdr < FATBIN_CONTAINER_HDR || hdr > size - off || fat > size - off - hdr || fat == 0) {
			off += 8;
			continue;
		}
		size_t nc = b->fb->ncontainers, ne = b->fb->nentries;
		struct cuvet_error trial = {0};
		if (parse_containers(b, p + off, hdr + fat, base + off, "other sections", &trial) < 0) {
			if (trial.code == CUVET_E_NOMEM)
				return err_set(err, CUVET_E_NOMEM, "out of memory");
			builder_rollback(b, nc, ne);
			off += 8;
			continue;
		}
		off += hdr + fat;
	}
	return 0;
}

static int parse_host(struct builder *b, Elf *elf, const unsigned char *buf, size_t len, uint64_t base,
		      struct cuvet_error *err)
{
	size_t shstrndx;
	b->fb->source = CUVET_FATBIN_SRC_HOST;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0; /* no section headers: nothing names a fatbin (cuobjdump sees none either) */
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return err_set(err, CUVET_E_INVALID, "invalid section header: %s", elf_errmsg(-1));
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		const char *section = NULL;
		if (!name)
			continue;
		/* Static names, so containers can point at them. */
		if (strcmp(name, ".nv_fatbin") == 0) {
			section = ".nv_fatbin";
		} else if (strcmp(name, "__nv_relfatbin") == 0) {
			section = "__nv_relfatbin";
		} else {
			/* loaded data other than code and the loader's own tables */
			if (b->deep && sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_ALLOC) &&
			    !(sh.sh_flags & SHF_EXECINSTR) && sh.sh_size >= FATBIN_CONTAINER_HDR &&
			    sh.sh_offset <= len && sh.sh_size <= len - sh.sh_offset &&
			    scan_section_deep(b, buf + sh.sh_offset, sh.sh_size, base + sh.sh_offset, err) < 0)
				return -1;
			continue;
		}
		if (sh.sh_type == SHT_NOBITS || sh.sh_size == 0)
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)
			return err_set(err, CUVET_E_INVALID, "section %s lies outside the file", section);
		if (parse_containers(b, buf + sh.sh_offset, sh.sh_size, base + sh.sh_offset, section, err) < 0)
			return -1;
	}
	return 0;
}

/* BASE is the file offset of BUF (non-zero for archive members, which are never cubins here). */
static int parse_elf(struct builder *b, const unsigned char *buf, size_t len, uint64_t base, struct cuvet_error *err)
{
	pthread_once(&fatbin_elf_once, fatbin_elf_init);
	/* Read-only use: elf_memory() opens with ELF_C_READ_MMAP, which never writes (see elf.c). */
	Elf *elf = elf_memory((char *)buf, len);
	GElf_Ehdr eh;
	int rc = -1;
	if (!elf)
		return err_set(err, CUVET_E_INVALID, "invalid ELF file: %s", elf_errmsg(-1));
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		err_set(err, CUVET_E_INVALID, "invalid ELF header");
		goto out;
	}
	if (eh.e_shoff && (eh.e_shoff > len || (uint64_t)(eh.e_shnum ? eh.e_shnum : 1) * eh.e_shentsize >
						   len - eh.e_shoff)) {
		err_set(err, CUVET_E_INVALID, "section headers lie outside the file (truncated?)");
		goto out;
	}
	if (eh.e_machine == EM_CUDA && !base)
		rc = parse_cubin(b, elf, &eh, buf, len, err);
	else if (eh.e_machine == EM_CUDA)
		rc = 0;
	else
		rc = parse_host(b, elf, buf, len, base, err);
out:
	elf_end(elf);
	return rc;
}

/* ---- ar archives (static libraries): System V / GNU and BSD member names ---- */

#define AR_MAGIC "!<arch>\n"
#define AR_MAGIC_LEN 8u
#define AR_HDR 60u

/* The decimal size field: digits, then blanks. */
static bool ar_size(const unsigned char *f, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < 10 && f[i] >= '0' && f[i] <= '9')
		v = v * 10 + (uint64_t)(f[i++] - '0');
	if (i == 0)
		return false;
	while (i < 10 && f[i] == ' ')
		i++;
	*out = v;
	return i == 10;
}

static int add_member(struct builder *b, const char *name, size_t n, size_t *cap, struct cuvet_error *err)
{
	if (xgrow(&b->fb->members, cap, b->fb->nmembers, sizeof(*b->fb->members)) < 0 ||
	    !(b->fb->members[b->fb->nmembers] = xstrndup(name, n)))
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	b->fb->nmembers++;
	return 0;
}

/* cuobjdump reads every ELF member of a static library the same way as a lone object. */
static int parse_archive(struct builder *b, const unsigned char *buf, size_t len, struct cuvet_error *err)
{
	const unsigned char *names = NULL; /* the GNU "//" long-name table */
	uint64_t names_len = 0, off = AR_MAGIC_LEN;
	size_t cap = 0;
	b->fb->source = CUVET_FATBIN_SRC_ARCHIVE;
	while (off < len) {
		const unsigned char *h = buf + off;
		uint64_t size;
		if (len - off < AR_HDR)
			return err_set(err, CUVET_E_INVALID, "truncated archive member header at offset 0x%llx",
				       (unsigned long long)off);
		if (h[58] != '`' || h[59] != '\n' || !ar_size(h + 48, &size))
			return err_set(err, CUVET_E_INVALID, "invalid archive member header at offset 0x%llx",
				       (unsigned long long)off);
		uint64_t data = off + AR_HDR;
		if (size > len - data)
			return err_set(err, CUVET_E_INVALID, "archive member at offset 0x%llx runs past the end of the file",
				       (unsigned long long)off);
		const unsigned char *m = buf + data;
		uint64_t msize = size, mbase = data;
		const char *name = (const char *)h;
		size_t nlen = 0;
		bool skip = false;
		if (h[0] == '/' && (h[1] == ' ' || memcmp(h, "/SYM64/", 7) == 0)) {
			skip = true; /* symbol index */
		} else if (h[0] == '/' && h[1] == '/') {
			names = m;
			names_len = size;
			skip = true;
		} else if (h[0] == '/' && h[1] >= '0' && h[1] <= '9') {
			uint64_t at = 0;
			for (size_t i = 1; i < 16 && h[i] >= '0' && h[i] <= '9'; i++)
				at = at * 10 + (uint64_t)(h[i] - '0');
			if (!names || at >= names_len)
				return err_set(err, CUVET_E_INVALID, "archive member name at offset 0x%llx is not in the name table",
					       (unsigned long long)off);
			name = (const char *)names + at;
			while (at + nlen < names_len && name[nlen] != '/' && name[nlen] != '\n')
				nlen++;
		} else if (memcmp(h, "#1/", 3) == 0) {
			uint64_t n = 0;
			for (size_t i = 3; i < 16 && h[i] >= '0' && h[i] <= '9'; i++)
				n = n * 10 + (uint64_t)(h[i] - '0');
			if (n > msize)
				return err_set(err, CUVET_E_INVALID, "archive member name at offset 0x%llx runs past the member",
					       (unsigned long long)off);
			name = (const char *)m;
			nlen = strnlen(name, (size_t)n);
			m += n;
			msize -= n;
			mbase += n;
		} else {
			while (nlen < 16 && h[nlen] != '/' && h[nlen] != ' ')
				nlen++;
		}
		if (!skip && msize >= SELFMAG && memcmp(m, ELFMAG, SELFMAG) == 0) {
			size_t first = b->fb->ncontainers, member = b->fb->nmembers;
			struct cuvet_error inner = {0};
			if (add_member(b, name, nlen, &cap, err) < 0)
				return -1;
			if (parse_elf(b, m, (size_t)msize, mbase, &inner) < 0)
				return err_set(err, inner.code, "archive member %s: %s", b->fb->members[member], inner.msg);
			for (size_t i = first; i < b->fb->ncontainers; i++)
				b->fb->containers[i].member = member;
		}
		off = data + size + (size & 1); /* members are 2-aligned */
	}
	b->fb->source = CUVET_FATBIN_SRC_ARCHIVE;
	return 0;
}

/* ---- PTX text: ".version X.Y", ".target sm_XY[a|f][, debug...]", ".address_size 64" ---- */

struct ptx_lex {
	const char *p, *end;
};

/* Skips white space and comments; returns false at the end. */
static bool ptx_skip(struct ptx_lex *l)
{
	while (l->p < l->end) {
		char c = *l->p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			l->p++;
		} else if (c == '/' && l->end - l->p >= 2 && l->p[1] == '/') {
			const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
			l->p = nl ? nl + 1 : l->end;
		} else if (c == '/' && l->end - l->p >= 2 && l->p[1] == '*') {
			const char *q = l->p + 2;
			while (q < l->end - 1 && !(q[0] == '*' && q[1] == '/'))
				q++;
			l->p = q < l->end - 1 ? q + 2 : l->end;
		} else {
			return true;
		}
	}
	return false;
}

/* The next token: a run of characters other than blanks, ',' and ';' (or one of those two). */
static size_t ptx_token(struct ptx_lex *l, const char **tok)
{
	if (!ptx_skip(l))
		return 0;
	*tok = l->p;
	if (*l->p == ',' || *l->p == ';') {
		l->p++;
		return 1;
	}
	while (l->p < l->end && !strchr(" \t\r\n\f\v,;/", *l->p) && *l->p != '\0')
		l->p++;
	return (size_t)(l->p - *tok);
}

static bool tok_is(const char *t, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(t, s, n) == 0;
}

/* Parses "D.D" (each part at most 3 digits). */
static bool parse_dotted(const char *t, size_t n, unsigned *major, unsigned *minor)
{
	size_t i = 0;
	unsigned a = 0, c = 0, da = 0, dc = 0;
	while (i < n && t[i] >= '0' && t[i] <= '9' && da < 3)
		a = a * 10 + (unsigned)(t[i++] - '0'), da++;
	if (i >= n || t[i++] != '.')
		return false;
	while (i < n && t[i] >= '0' && t[i] <= '9' && dc < 3)
		c = c * 10 + (unsigned)(t[i++] - '0'), dc++;
	if (i != n || !da || !dc)
		return false;
	*major = a;
	*minor = c;
	return true;
}

/* "sm_90", "sm_90a", "sm_100f" */
static bool parse_sm(const char *t, size_t n, unsigned *sm, char *variant)
{
	if (n < 4 || memcmp(t, "sm_", 3) != 0)
		return false;
	size_t i = 3;
	unsigned v = 0;
	while (i < n && t[i] >= '0' && t[i] <= '9' && i < 7)
		v = v * 10 + (unsigned)(t[i++] - '0');
	if (i == 3)
		return false;
	*variant = 0;
	if (i < n && (t[i] == 'a' || t[i] == 'f'))
		*variant = t[i++];
	if (i != n)
		return false;
	*sm = v;
	return true;
}

static bool looks_like_ptx(const unsigned char *buf, size_t len)
{
	struct ptx_lex l = {(const char *)buf, (const char *)buf + len};
	const char *t;
	size_t n = ptx_token(&l, &t);
	return tok_is(t, n, ".version");
}

static int parse_ptx(struct builder *b, const unsigned char *buf, size_t len, struct cuvet_error *err)
{
	struct ptx_lex l = {(const char *)buf, (const char *)buf + len};
	const char *t;
	size_t n = ptx_token(&l, &t);
	struct cuvet_fatbin_entry *en = add_entry(b, err);
	if (!en)
		return -1;
	b->fb->source = CUVET_FATBIN_SRC_PTX;
	en->kind = CUVET_FATBIN_PTX;
	en->payload_size = len;
	(void)n;
	n = ptx_token(&l, &t);
	if (!n || !parse_dotted(t, n, &en->version_major, &en->version_minor))
		return err_set(err, CUVET_E_INVALID, "PTX: .version is not followed by a version number");
	n = ptx_token(&l, &t);
	if (!tok_is(t, n, ".target"))
		return err_set(err, CUVET_E_INVALID, "PTX: .target does not follow .version");
	bool have_sm = false;
	for (;;) {
		n = ptx_token(&l, &t);
		if (!n)
			break;
		char variant;
		unsigned sm;
		if (parse_sm(t, n, &sm, &variant)) {
			if (have_sm)
				return err_set(err, CUVET_E_INVALID, "PTX: more than one sm_ target");
			en->sm = sm;
			en->variant = variant;
			have_sm = true;
		} else if (tok_is(t, n, "debug")) {
			en->debug = true;
		} else if (!tok_is(t, n, "texmode_unified") && !tok_is(t, n, "texmode_independent") &&
			   !tok_is(t, n, "map_f64_to_f32")) {
			return err_set(err, CUVET_E_INVALID, "PTX: unknown .target option \"%.*s\"", (int)(n < 32 ? n : 32),
				       t);
		}
		/* Targets are a comma-separated list on one directive. */
		const char *save = l.p;
		n = ptx_token(&l, &t);
		if (!tok_is(t, n, ",")) {
			l.p = save;
			break;
		}
	}
	if (!have_sm)
		return err_set(err, CUVET_E_INVALID, "PTX: .target names no sm_ target");
	/* PTX ISA: without .address_size, addresses are 32-bit. */
	n = ptx_token(&l, &t);
	if (tok_is(t, n, ".address_size")) {
		n = ptx_token(&l, &t);
		en->is64 = tok_is(t, n, "64");
	}
	return 0;
}

void cuvet_fatbin_free(struct cuvet_fatbin *fb)
{
	if (!fb)
		return;
	for (size_t i = 0; i < fb->nentries; i++) {
		free(fb->entries[i].identifier);
		free(fb->entries[i].options);
	}
	free(fb->entries);
	free(fb->containers);
	for (size_t i = 0; i < fb->nmembers; i++)
		free(fb->members[i]);
	free(fb->members);
	free(fb);
}

static struct cuvet_fatbin *fatbin_parse(const void *buf, size_t len, bool deep, struct cuvet_error *err);

struct cuvet_fatbin *cuvet_fatbin_parse(const void *buf, size_t len, struct cuvet_error *err)
{
	return fatbin_parse(buf, len, false, err);
}

struct cuvet_fatbin *cuvet_fatbin_parse_deep(const void *buf, size_t len, struct cuvet_error *err)
{
	return fatbin_parse(buf, len, true, err);
}

static struct cuvet_fatbin *fatbin_parse(const void *buf, size_t len, bool deep, struct cuvet_error *err)
{
	const unsigned char *p = buf;
	struct builder b = {0};
	b.deep = deep;
	if (!buf && len)
		len = 0;
	b.fb = calloc(1, sizeof(*b.fb));
	if (!b.fb) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	int rc;
	if (len >= SELFMAG && memcmp(p, ELFMAG, SELFMAG) == 0) {
		rc = parse_elf(&b, p, len, 0, err);
	} else if (len >= AR_MAGIC_LEN && memcmp(p, AR_MAGIC, AR_MAGIC_LEN) == 0) {
		rc = parse_archive(&b, p, len, err);
	} else if (len >= 4 && le32(p) == FATBIN_MAGIC) {
		b.fb->source = CUVET_FATBIN_SRC_FATBIN;
		rc = parse_containers(&b, p, len, 0, NULL, err);
	} else if (len && looks_like_ptx(p, len)) {
		rc = parse_ptx(&b, p, len, err);
	} else {
		rc = err_set(err, CUVET_E_INVALID, "not an ELF file, fat binary or PTX file");
	}
	if (rc < 0) {
		cuvet_fatbin_free(b.fb);
		return NULL;
	}
	return b.fb;
}

int cuvet_fatbin_target_name(const struct cuvet_fatbin_entry *e, char *buf, size_t len)
{
	const char *var = e->variant == 'a' ? "a" : e->variant == 'f' ? "f" : "";
	switch (e->kind) {
	case CUVET_FATBIN_ELF:
		return snprintf(buf, len, "sm_%u%s", e->sm, var);
	case CUVET_FATBIN_PTX:
		return snprintf(buf, len, "compute_%u%s", e->sm, var);
	case CUVET_FATBIN_LTOIR:
		return snprintf(buf, len, "lto_%u%s", e->sm, var);
	default:
		return snprintf(buf, len, "kind%d_%u%s", e->kind, e->sm, var);
	}
}

enum cuvet_fatbin_run cuvet_fatbin_entry_runs_on(const struct cuvet_fatbin_entry *e, int major, int minor)
{
	if (major < 0 || minor < 0)
		return CUVET_RUN_NO;
	unsigned tmaj = e->sm / 10, tmin = e->sm % 10;
	unsigned gmaj = (unsigned)major, gmin = (unsigned)minor;
	bool exact = gmaj == tmaj && gmin == tmin;
	bool same_family_later = gmaj == tmaj && gmin >= tmin;
	bool later = gmaj > tmaj || same_family_later;
	switch (e->kind) {
	case CUVET_FATBIN_ELF:
		if (e->variant == 'a')
			return exact ? CUVET_RUN_SASS : CUVET_RUN_NO;
		return same_family_later ? CUVET_RUN_SASS : CUVET_RUN_NO;
	case CUVET_FATBIN_PTX:
		if (e->variant == 'a')
			return exact ? CUVET_RUN_PTX_JIT : CUVET_RUN_NO;
		if (e->variant == 'f')
			return same_family_later ? CUVET_RUN_PTX_JIT : CUVET_RUN_NO;
		return later ? CUVET_RUN_PTX_JIT : CUVET_RUN_NO;
	default:
		return CUVET_RUN_NO;
	}
}
