/* ELF dynamic-linking facts (DT_NEEDED, SONAME, RPATH/RUNPATH, symbol versions) through libelf.
 *
 * The callers hand us read-only mappings of files that can be hundreds of MB (libcublasLt), and
 * the probe reads ~200 of them, so the fast path (cuvet_elf_read) touches only the ELF header,
 * the program and section headers, the dynamic array and the strings it names. Every offset that
 * comes from the file is range-checked before use; libelf checks its own (section data ranges),
 * we check the ones we compute (string offsets, vaddr -> file offset through PT_LOAD). */
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifndef DF_1_NODEFLIB
#define DF_1_NODEFLIB 0x00000800
#endif

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;

static void elf_init_once(void)
{
	(void)elf_version(EV_CURRENT);
}

struct elf_file {
	const char *buf;
	size_t len;
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t phnum;
};

struct strtab {
	const char *base;
	size_t size;
};

static void elf_file_close(struct elf_file *f)
{
	if (f->elf)
		elf_end(f->elf);
	f->elf = NULL;
}

static int elf_file_open(struct elf_file *f, const void *buf, size_t len, struct cuvet_error *err)
{
	memset(f, 0, sizeof(*f));
	if (!buf || len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return err_set(err, CUVET_E_INVALID, "not an ELF file");
	pthread_once(&elf_once, elf_init_once);
	f->buf = buf;
	f->len = len;
	/* elf_memory() wants a char * but always opens the image with ELF_C_READ_MMAP: libelf then
	 * points into the image when byte order and alignment allow, and converts into its own
	 * malloc'ed copies otherwise. It never writes to the image (only ELF_C_RDWR_MMAP and
	 * ELF_C_READ_MMAP_PRIVATE would), so a PROT_READ mapping is safe; test_elf checks that by
	 * parsing through a PROT_READ mapping. */
	f->elf = elf_memory((char *)buf, len);
	if (!f->elf)
		return err_set(err, CUVET_E_INVALID, "invalid ELF file: %s", elf_errmsg(-1));
	if (elf_kind(f->elf) != ELF_K_ELF) {
		elf_file_close(f);
		return err_set(err, CUVET_E_INVALID, "not an ELF file");
	}
	if (!gelf_getehdr(f->elf, &f->ehdr)) {
		err_set(err, CUVET_E_INVALID, "invalid ELF header: %s", elf_errmsg(-1));
		elf_file_close(f);
		return -1;
	}
	/* libelf quietly ignores header tables that lie past the end of the image; for us that is
	 * a truncated file (a partial download, a full disk), which must not read as "no dynamic
	 * section". */
	const GElf_Ehdr *eh = &f->ehdr;
	if (eh->e_phnum && (eh->e_phoff > len || (uint64_t)eh->e_phnum * eh->e_phentsize > len - eh->e_phoff)) {
		elf_file_close(f);
		return err_set(err, CUVET_E_INVALID, "program headers lie outside the file (truncated?)");
	}
	if (eh->e_shoff && (eh->e_shoff > len || (uint64_t)(eh->e_shnum ? eh->e_shnum : 1) * eh->e_shentsize >
						    len - eh->e_shoff)) {
		elf_file_close(f);
		return err_set(err, CUVET_E_INVALID, "section headers lie outside the file (truncated?)");
	}
	if (elf_getphdrnum(f->elf, &f->phnum) != 0) {
		err_set(err, CUVET_E_INVALID, "invalid program headers: %s", elf_errmsg(-1));
		elf_file_close(f);
		return -1;
	}
	return 0;
}

/* A string table given by section index, used only when it lies inside the file. */
static bool section_strtab(struct elf_file *f, size_t ndx, struct strtab *t)
{
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(f->elf, ndx);
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_STRTAB)
		return false;
	if (sh.sh_offset > f->len || sh.sh_size > f->len - sh.sh_offset || sh.sh_size == 0)
		return false;
	t->base = f->buf + sh.sh_offset;
	t->size = (size_t)sh.sh_size;
	return true;
}

/* Maps a virtual address to a file offset through the PT_LOAD segments, as the loader would
 * see it; *AVAIL is how many bytes of the segment's file image follow, clipped to the file. */
static bool vaddr_to_offset(struct elf_file *f, uint64_t addr, uint64_t *off, uint64_t *avail)
{
	for (size_t i = 0; i < f->phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr < ph.p_vaddr || addr - ph.p_vaddr >= ph.p_filesz)
			continue;
		uint64_t delta = addr - ph.p_vaddr;
		if (ph.p_offset > f->len || delta >= f->len - ph.p_offset)
			return false;
		*off = ph.p_offset + delta;
		uint64_t in_seg = ph.p_filesz - delta;
		uint64_t in_file = f->len - *off;
		*avail = in_seg < in_file ? in_seg : in_file;
		return true;
	}
	return false;
}

static int strtab_get(const struct strtab *t, uint64_t off, const char *what, const char **out,
		      struct cuvet_error *err)
{
	if (!t->base)
		return err_set(err, CUVET_E_INVALID, "%s: no dynamic string table", what);
	if (off >= t->size)
		return err_set(err, CUVET_E_INVALID, "%s: string offset %llu out of range (string table size %zu)",
			       what, (unsigned long long)off, t->size);
	const char *s = t->base + off;
	/* a table that ends in NUL terminates every string in it: no scan (the scan read every name
	 * of a 76 000-symbol .dynstr a second time) */
	if (t->base[t->size - 1] != '\0' && !memchr(s, '\0', t->size - (size_t)off))
		return err_set(err, CUVET_E_INVALID, "%s: string at offset %llu is not terminated", what,
			       (unsigned long long)off);
	*out = s;
	return 0;
}

struct dynamic {
	Elf_Data *data;     /* NULL: the file has no dynamic array */
	size_t count;       /* entries up to (not including) DT_NULL */
	size_t link;        /* section index of the string table named by the dynamic section, or 0 */
	struct strtab str;  /* the dynamic string table, base NULL if none found */
};

/* Finds the dynamic array: the SHT_DYNAMIC section when section headers exist, else PT_DYNAMIC
 * (sstrip'ed files and some vendor libraries carry no section headers; the loader only uses
 * PT_DYNAMIC anyway). Then finds its string table: the section the dynamic section links to, or
 * DT_STRTAB mapped through PT_LOAD. */
static int dynamic_find(struct elf_file *f, struct dynamic *d, struct cuvet_error *err)
{
	memset(d, 0, sizeof(*d));
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(f->elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return err_set(err, CUVET_E_INVALID, "invalid section header: %s", elf_errmsg(-1));
		if (sh.sh_type != SHT_DYNAMIC)
			continue;
		d->data = elf_getdata(scn, NULL);
		if (!d->data)
			return err_set(err, CUVET_E_INVALID, "invalid dynamic section: %s", elf_errmsg(-1));
		d->link = sh.sh_link;
		break;
	}
	if (!d->data) {
		for (size_t i = 0; i < f->phnum; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(f->elf, (int)i, &ph))
				return err_set(err, CUVET_E_INVALID, "invalid program header %zu: %s", i,
					       elf_errmsg(-1));
			if (ph.p_type != PT_DYNAMIC)
				continue;
			if (ph.p_offset > f->len || ph.p_filesz > f->len - ph.p_offset)
				return err_set(err, CUVET_E_INVALID, "PT_DYNAMIC lies outside the file");
			d->data = elf_getdata_rawchunk(f->elf, (int64_t)ph.p_offset, (size_t)ph.p_filesz, ELF_T_DYN);
			if (!d->data)
				return err_set(err, CUVET_E_INVALID, "invalid PT_DYNAMIC: %s", elf_errmsg(-1));
			break;
		}
	}
	if (!d->data)
		return 0;

	uint64_t strtab_addr = 0, strsz = 0;
	bool has_strtab = false, has_strsz = false;
	GElf_Dyn dyn;
	size_t n = 0;
	while (n < (size_t)INT32_MAX && gelf_getdyn(d->data, (int)n, &dyn)) {
		if (dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag == DT_STRTAB) {
			strtab_addr = dyn.d_un.d_ptr;
			has_strtab = true;
		} else if (dyn.d_tag == DT_STRSZ) {
			strsz = dyn.d_un.d_val;
			has_strsz = true;
		}
		n++;
	}
	d->count = n;

	if (d->link && section_strtab(f, d->link, &d->str))
		return 0;
	uint64_t off, avail;
	if (has_strtab && vaddr_to_offset(f, strtab_addr, &off, &avail)) {
		d->str.base = f->buf + off;
		d->str.size = (size_t)(has_strsz && strsz < avail ? strsz : avail);
	}
	return 0;
}

void cuvet_elf_info_release(struct cuvet_elf_info *info)
{
	if (!info)
		return;
	free(info->soname);
	free(info->rpath);
	free(info->runpath);
	for (size_t i = 0; i < info->nneeded; i++)
		free(info->needed[i]);
	free(info->needed);
	memset(info, 0, sizeof(*info));
}

/* Keeps the last of repeated tags, as glibc's elf_get_dynamic_info does. */
static int set_dyn_string(char **slot, const struct strtab *t, uint64_t off, const char *what,
			  struct cuvet_error *err)
{
	const char *s = NULL;
	if (strtab_get(t, off, what, &s, err) < 0)
		return -1;
	char *copy = strdup(s);
	if (!copy)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	free(*slot);
	*slot = copy;
	return 0;
}

/* ------------------------------------------------------- the fast path ---- */

/* cuvet_elf_read() runs on every library a probe finds; libelf's elf_memory() allocates and
 * zeroes its descriptors for each. The fast path below reads the same few structures straight
 * from the image, bounds-checking every offset, and gives up (returns 0) on anything it does not
 * take as plainly well-formed, so that the libelf path decides, and words, every error. */
struct raw_elf {
	const unsigned char *b;
	size_t len;
	bool is64, msb;
	uint64_t phoff, shoff;
	size_t phnum, shnum, phentsize, shentsize;
};

static uint64_t raw_rd(const struct raw_elf *r, size_t off, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = r->msb ? v << 8 | r->b[off + i] : v | (uint64_t)r->b[off + i] << (8 * i);
	return v;
}

/* Field readers for an entry at OFF (already range-checked by the caller). */
#define RAW_W(r) ((r)->is64 ? 8u : 4u)

struct raw_phdr {
	uint32_t type;
	uint64_t offset, vaddr, filesz;
};

static void raw_phdr(const struct raw_elf *r, size_t i, struct raw_phdr *ph)
{
	size_t o = (size_t)r->phoff + i * r->phentsize;
	ph->type = (uint32_t)raw_rd(r, o, 4);
	if (r->is64) {
		ph->offset = raw_rd(r, o + 8, 8);
		ph->vaddr = raw_rd(r, o + 16, 8);
		ph->filesz = raw_rd(r, o + 32, 8);
	} else {
		ph->offset = raw_rd(r, o + 4, 4);
		ph->vaddr = raw_rd(r, o + 8, 4);
		ph->filesz = raw_rd(r, o + 16, 4);
	}
}

struct raw_shdr {
	uint32_t type, link;
	uint64_t flags, offset, size;
};

static void raw_shdr(const struct raw_elf *r, size_t i, struct raw_shdr *sh)
{
	size_t o = (size_t)r->shoff + i * r->shentsize;
	sh->type = (uint32_t)raw_rd(r, o + 4, 4);
	sh->flags = raw_rd(r, o + 8, r->is64 ? 8 : 4);
	if (r->is64) {
		sh->offset = raw_rd(r, o + 24, 8);
		sh->size = raw_rd(r, o + 32, 8);
		sh->link = (uint32_t)raw_rd(r, o + 40, 4);
	} else {
		sh->offset = raw_rd(r, o + 16, 4);
		sh->size = raw_rd(r, o + 20, 4);
		sh->link = (uint32_t)raw_rd(r, o + 24, 4);
	}
}

/* Returns 1 with OUT filled, 0 to leave the file to libelf, -1 when out of memory. */
static int elf_read_fast(const void *buf, size_t len, struct cuvet_elf_info *out, struct cuvet_error *err)
{
	struct raw_elf r = {.b = buf, .len = len};
	if (!buf || len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0 || r.b[EI_VERSION] != EV_CURRENT)
		return 0;
	if ((r.b[EI_CLASS] != ELFCLASS32 && r.b[EI_CLASS] != ELFCLASS64) ||
	    (r.b[EI_DATA] != ELFDATA2LSB && r.b[EI_DATA] != ELFDATA2MSB))
		return 0;
	r.is64 = r.b[EI_CLASS] == ELFCLASS64;
	r.msb = r.b[EI_DATA] == ELFDATA2MSB;
	size_t ehsize = r.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsize = r.is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t shsize = r.is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	size_t dynsize = r.is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
	if (len < ehsize)
		return 0;
	unsigned w = RAW_W(&r);
	r.phoff = raw_rd(&r, 24 + w, w);
	r.shoff = raw_rd(&r, 24 + 2 * w, w);
	size_t x = 24 + 3 * w + 4 + 2; /* past e_flags and e_ehsize */
	r.phentsize = (size_t)raw_rd(&r, x, 2);
	r.phnum = (size_t)raw_rd(&r, x + 2, 2);
	r.shentsize = (size_t)raw_rd(&r, x + 4, 2);
	r.shnum = (size_t)raw_rd(&r, x + 6, 2);
	/* extended numbering, odd entry sizes, tables outside the file: libelf's path words it */
	if (r.phnum == PN_XNUM || (r.shoff && r.shnum == 0))
		return 0;
	/* libelf refuses a program-header offset past the end even for no entries */
	if (r.phoff >= len)
		return 0;
	if (r.phnum && (r.phentsize != phsize || r.phoff > len || r.phnum * phsize > len - r.phoff ||
			r.phoff % w))
		return 0;
	if (!r.shoff && r.shnum)
		return 0; /* libelf reads such a table from offset 0 */
	if (r.shnum && (r.shentsize != shsize || r.shoff > len || r.shnum * shsize > len - r.shoff || r.shoff % w))
		return 0;

	out->elf_class = r.b[EI_CLASS];
	out->byte_order = r.b[EI_DATA];
	out->type = (int)raw_rd(&r, 16, 2);
	out->machine = (int)raw_rd(&r, 18, 2);

	/* the dynamic array: SHT_DYNAMIC, else PT_DYNAMIC (as dynamic_find) */
	uint64_t doff = 0, dsize = 0;
	size_t link = 0;
	bool found = false;
	for (size_t i = 1; i < r.shnum && !found; i++) {
		struct raw_shdr sh;
		raw_shdr(&r, i, &sh);
		if (sh.type != SHT_DYNAMIC)
			continue;
		if (sh.flags & SHF_COMPRESSED)
			return 0; /* libelf hands back the compressed bytes, which are no dynamic array */
		doff = sh.offset;
		dsize = sh.size;
		link = sh.link;
		found = true;
	}
	for (size_t i = 0; i < r.phnum && !found; i++) {
		struct raw_phdr ph;
		raw_phdr(&r, i, &ph);
		if (ph.type != PT_DYNAMIC)
			continue;
		doff = ph.offset;
		dsize = ph.filesz;
		found = true;
	}
	if (!found)
		return 1;
	if (dsize == 0 || doff > len || dsize > len - doff || dsize % dynsize || doff % w)
		return 0;

	size_t count = 0, nneeded = 0;
	uint64_t strtab_addr = 0, strsz = 0;
	bool has_strtab = false, has_strsz = false;
	for (; count < (size_t)(dsize / dynsize); count++) {
		size_t o = (size_t)doff + count * dynsize;
		int64_t tag = r.is64 ? (int64_t)raw_rd(&r, o, 8) : (int64_t)(int32_t)(uint32_t)raw_rd(&r, o, 4);
		uint64_t val = raw_rd(&r, o + w, w);
		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB) {
			strtab_addr = val;
			has_strtab = true;
		} else if (tag == DT_STRSZ) {
			strsz = val;
			has_strsz = true;
		} else if (tag == DT_NEEDED) {
			nneeded++;
		}
	}

	struct strtab str = {0};
	bool have_str = false;
	if (link && link < r.shnum) {
		struct raw_shdr sh;
		raw_shdr(&r, link, &sh);
		if (sh.type == SHT_STRTAB && sh.offset <= len && sh.size <= len - sh.offset && sh.size != 0) {
			str.base = (const char *)r.b + sh.offset;
			str.size = (size_t)sh.size;
			have_str = true;
		}
	} else if (link) {
		return 0; /* a link past the section table: libelf's elf_getscn decides */
	}
	for (size_t i = 0; !have_str && has_strtab && i < r.phnum; i++) {
		struct raw_phdr ph;
		raw_phdr(&r, i, &ph);
		if (ph.type != PT_LOAD || strtab_addr < ph.vaddr || strtab_addr - ph.vaddr >= ph.filesz)
			continue;
		uint64_t delta = strtab_addr - ph.vaddr;
		if (ph.offset > len || delta >= len - ph.offset)
			break;
		uint64_t off = ph.offset + delta, in_seg = ph.filesz - delta, in_file = len - off;
		uint64_t avail = in_seg < in_file ? in_seg : in_file;
		str.base = (const char *)r.b + off;
		str.size = (size_t)(has_strsz && strsz < avail ? strsz : avail);
		have_str = true;
	}

	if (nneeded && !(out->needed = calloc(nneeded, sizeof(*out->needed))))
		goto nomem;
	for (size_t i = 0; i < count; i++) {
		size_t o = (size_t)doff + i * dynsize;
		int64_t tag = r.is64 ? (int64_t)raw_rd(&r, o, 8) : (int64_t)(int32_t)(uint32_t)raw_rd(&r, o, 4);
		uint64_t val = raw_rd(&r, o + w, w);
		char **slot = tag == DT_SONAME ? &out->soname : tag == DT_RPATH ? &out->rpath
				  : tag == DT_RUNPATH ? &out->runpath : NULL;
		if (tag == DT_FLAGS_1) {
			out->nodeflib = (val & DF_1_NODEFLIB) != 0;
			continue;
		}
		if (tag != DT_NEEDED && !slot)
			continue;
		/* a bad string offset: libelf's path reports it */
		if (!str.base || val >= str.size || !memchr(str.base + val, '\0', str.size - (size_t)val))
			goto fallback;
		char *copy = strdup(str.base + val);
		if (!copy)
			goto nomem;
		if (slot) {
			free(*slot);
			*slot = copy;
		} else {
			out->needed[out->nneeded++] = copy;
		}
	}
	return 1;
fallback:
	cuvet_elf_info_release(out);
	return 0;
nomem:
	cuvet_elf_info_release(out);
	return err_set(err, CUVET_E_NOMEM, "out of memory");
}

int cuvet_elf_read(const void *buf, size_t len, struct cuvet_elf_info *out, struct cuvet_error *err)
{
	struct elf_file f;
	struct dynamic d;
	if (!out)
		return err_set(err, CUVET_E_INVALID, "no output given");
	memset(out, 0, sizeof(*out));
	int fast = elf_read_fast(buf, len, out, err);
	if (fast != 0)
		return fast < 0 ? -1 : 0;
	if (elf_file_open(&f, buf, len, err) < 0)
		return -1;
	out->elf_class = f.ehdr.e_ident[EI_CLASS];
	out->byte_order = f.ehdr.e_ident[EI_DATA];
	out->machine = f.ehdr.e_machine;
	out->type = f.ehdr.e_type;
	if (dynamic_find(&f, &d, err) < 0)
		goto fail;

	size_t nneeded = 0;
	GElf_Dyn dyn;
	for (size_t i = 0; i < d.count; i++)
		if (gelf_getdyn(d.data, (int)i, &dyn) && dyn.d_tag == DT_NEEDED)
			nneeded++;
	if (nneeded) {
		out->needed = calloc(nneeded, sizeof(*out->needed));
		if (!out->needed) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	for (size_t i = 0; i < d.count; i++) {
		if (!gelf_getdyn(d.data, (int)i, &dyn))
			continue;
		switch (dyn.d_tag) {
		case DT_NEEDED: {
			const char *s = NULL;
			if (strtab_get(&d.str, dyn.d_un.d_val, "DT_NEEDED", &s, err) < 0)
				goto fail;
			out->needed[out->nneeded] = strdup(s);
			if (!out->needed[out->nneeded]) {
				err_set(err, CUVET_E_NOMEM, "out of memory");
				goto fail;
			}
			out->nneeded++;
			break;
		}
		case DT_SONAME:
			if (set_dyn_string(&out->soname, &d.str, dyn.d_un.d_val, "DT_SONAME", err) < 0)
				goto fail;
			break;
		case DT_RPATH:
			if (set_dyn_string(&out->rpath, &d.str, dyn.d_un.d_val, "DT_RPATH", err) < 0)
				goto fail;
			break;
		case DT_RUNPATH:
			if (set_dyn_string(&out->runpath, &d.str, dyn.d_un.d_val, "DT_RUNPATH", err) < 0)
				goto fail;
			break;
		case DT_FLAGS_1:
			out->nodeflib = (dyn.d_un.d_val & DF_1_NODEFLIB) != 0;
			break;
		default:
			break;
		}
	}
	elf_file_close(&f);
	return 0;
fail:
	elf_file_close(&f);
	cuvet_elf_info_release(out);
	return -1;
}

/* ------------------------------------------------------------ symbols ---- */

/* Where the version and symbol tables are, found from section headers or dynamic tags. */
struct symtabs {
	Elf_Data *dynsym, *versym, *verneed, *verdef;
	size_t nsyms, nverneed, nverdef;
	struct strtab str;
};

static uint32_t rd32(const struct elf_file *f, const unsigned char *p)
{
	if (f->ehdr.e_ident[EI_DATA] == ELFDATA2MSB)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Number of dynamic symbols from DT_GNU_HASH: one past the highest symbol reachable from a
 * bucket, found by walking that bucket's chain to its end marker (bit 0 set). */
static int gnu_hash_nsyms(struct elf_file *f, uint64_t addr, size_t *nsyms, struct cuvet_error *err)
{
	uint64_t off, avail;
	if (!vaddr_to_offset(f, addr, &off, &avail) || avail < 16)
		return err_set(err, CUVET_E_INVALID, "DT_GNU_HASH lies outside the file");
	const unsigned char *p = (const unsigned char *)f->buf + off;
	uint64_t nbuckets = rd32(f, p), symoffset = rd32(f, p + 4), bloom = rd32(f, p + 8);
	uint64_t word = f->ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
	uint64_t buckets_at = 16 + bloom * word;
	if (buckets_at > avail || nbuckets > (avail - buckets_at) / 4)
		return err_set(err, CUVET_E_INVALID, "DT_GNU_HASH table is truncated");
	uint64_t chains_at = buckets_at + nbuckets * 4;
	uint64_t max = 0;
	for (uint64_t b = 0; b < nbuckets; b++) {
		uint64_t s = rd32(f, p + buckets_at + b * 4);
		if (s > max)
			max = s;
	}
	if (max == 0) {
		*nsyms = (size_t)symoffset;
		return 0;
	}
	if (max < symoffset)
		return err_set(err, CUVET_E_INVALID, "DT_GNU_HASH bucket below symoffset");
	for (;;) {
		uint64_t at = chains_at + (max - symoffset) * 4;
		if (at > avail - 4)
			return err_set(err, CUVET_E_INVALID, "DT_GNU_HASH chain runs past the file");
		if (rd32(f, p + at) & 1)
			break;
		max++;
	}
	*nsyms = (size_t)(max + 1);
	return 0;
}

static Elf_Data *dyn_chunk(struct elf_file *f, uint64_t addr, uint64_t size, Elf_Type type)
{
	uint64_t off, avail;
	if (!vaddr_to_offset(f, addr, &off, &avail) || size > avail || size == 0)
		return NULL;
	return elf_getdata_rawchunk(f->elf, (int64_t)off, (size_t)size, type);
}

#define VERSION_CHUNK_MAX ((uint64_t)1 << 20)

static size_t chunk_len(uint64_t avail)
{
	return (size_t)(avail < VERSION_CHUNK_MAX ? avail : VERSION_CHUNK_MAX);
}

static int symtabs_from_dynamic(struct elf_file *f, struct dynamic *d, struct symtabs *t,
				struct cuvet_error *err)
{
	uint64_t symtab = 0, versym = 0, verneed = 0, verdef = 0, hash = 0, gnu_hash = 0;
	uint64_t nverneed = 0, nverdef = 0;
	GElf_Dyn dyn;
	for (size_t i = 0; i < d->count; i++) {
		if (!gelf_getdyn(d->data, (int)i, &dyn))
			continue;
		switch (dyn.d_tag) {
		case DT_SYMTAB: symtab = dyn.d_un.d_ptr; break;
		case DT_VERSYM: versym = dyn.d_un.d_ptr; break;
		case DT_VERNEED: verneed = dyn.d_un.d_ptr; break;
		case DT_VERNEEDNUM: nverneed = dyn.d_un.d_val; break;
		case DT_VERDEF: verdef = dyn.d_un.d_ptr; break;
		case DT_VERDEFNUM: nverdef = dyn.d_un.d_val; break;
		case DT_HASH: hash = dyn.d_un.d_ptr; break;
		case DT_GNU_HASH: gnu_hash = dyn.d_un.d_ptr; break;
		default: break;
		}
	}
	t->str = d->str;
	if (!symtab)
		return 0;
	size_t nsyms = 0;
	uint64_t off, avail;
	if (hash) {
		if (!vaddr_to_offset(f, hash, &off, &avail) || avail < 8)
			return err_set(err, CUVET_E_INVALID, "DT_HASH lies outside the file");
		nsyms = rd32(f, (const unsigned char *)f->buf + off + 4); /* nchain */
	} else if (gnu_hash) {
		if (gnu_hash_nsyms(f, gnu_hash, &nsyms, err) < 0)
			return -1;
	} else {
		return err_set(err, CUVET_E_INVALID, "DT_SYMTAB without DT_HASH or DT_GNU_HASH");
	}
	size_t symsz = gelf_fsize(f->elf, ELF_T_SYM, 1, EV_CURRENT);
	if (nsyms) {
		if (nsyms > f->len / symsz)
			return err_set(err, CUVET_E_INVALID, "dynamic symbol count %zu exceeds the file", nsyms);
		t->dynsym = dyn_chunk(f, symtab, (uint64_t)nsyms * symsz, ELF_T_SYM);
		if (!t->dynsym)
			return err_set(err, CUVET_E_INVALID, "DT_SYMTAB lies outside the file");
		t->nsyms = nsyms;
		if (versym) {
			t->versym = dyn_chunk(f, versym, (uint64_t)nsyms * 2, ELF_T_HALF);
			if (!t->versym)
				return err_set(err, CUVET_E_INVALID, "DT_VERSYM lies outside the file");
		}
	}
	/* The version chains have no stored size; hand libelf the rest of the segment (at most
	 * VERSION_CHUNK_MAX, far above any real chain, so a byte-swapping copy stays small) and let
	 * the walk stop at vn_next/vd_next == 0 or the count. */
	if (verneed && nverneed) {
		if (!vaddr_to_offset(f, verneed, &off, &avail) ||
		    !(t->verneed = elf_getdata_rawchunk(f->elf, (int64_t)off, chunk_len(avail), ELF_T_VNEED)))
			return err_set(err, CUVET_E_INVALID, "DT_VERNEED lies outside the file");
		t->nverneed = (size_t)nverneed;
	}
	if (verdef && nverdef) {
		if (!vaddr_to_offset(f, verdef, &off, &avail) ||
		    !(t->verdef = elf_getdata_rawchunk(f->elf, (int64_t)off, chunk_len(avail), ELF_T_VDEF)))
			return err_set(err, CUVET_E_INVALID, "DT_VERDEF lies outside the file");
		t->nverdef = (size_t)nverdef;
	}
	return 0;
}

static int symtabs_find(struct elf_file *f, struct dynamic *d, struct symtabs *t, struct cuvet_error *err)
{
	memset(t, 0, sizeof(*t));
	Elf_Scn *scn = NULL;
	size_t dynsym_link = 0;
	while ((scn = elf_nextscn(f->elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data **slot = NULL;
		if (!gelf_getshdr(scn, &sh))
			return err_set(err, CUVET_E_INVALID, "invalid section header: %s", elf_errmsg(-1));
		switch (sh.sh_type) {
		case SHT_DYNSYM: slot = &t->dynsym; dynsym_link = sh.sh_link; break;
		case SHT_GNU_versym: slot = &t->versym; break;
		case SHT_GNU_verneed: slot = &t->verneed; t->nverneed = sh.sh_info; break;
		case SHT_GNU_verdef: slot = &t->verdef; t->nverdef = sh.sh_info; break;
		default: continue;
		}
		if (*slot)
			continue;
		*slot = elf_getdata(scn, NULL);
		if (!*slot)
			return err_set(err, CUVET_E_INVALID, "invalid section %zu: %s", elf_ndxscn(scn), elf_errmsg(-1));
	}
	if (!t->dynsym) {
		t->versym = t->verneed = t->verdef = NULL;
		t->nverneed = t->nverdef = 0;
		return d->data ? symtabs_from_dynamic(f, d, t, err) : 0;
	}
	size_t symsz = gelf_fsize(f->elf, ELF_T_SYM, 1, EV_CURRENT);
	t->nsyms = symsz ? t->dynsym->d_size / symsz : 0;
	if (!section_strtab(f, dynsym_link, &t->str))
		t->str = d->str;
	return 0;
}

void cuvet_elf_symbols_release(struct cuvet_elf_symbols *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nverneed; i++) {
		free(s->verneed[i].file);
		for (size_t j = 0; j < s->verneed[i].nversions; j++)
			free(s->verneed[i].versions[j]);
		free(s->verneed[i].versions);
		free(s->verneed[i].weak);
	}
	free(s->verneed);
	for (size_t i = 0; i < s->nverdef; i++)
		free(s->verdef[i]);
	free(s->verdef);
	free(s->verdef_base);
	for (size_t i = 0; !s->strings && i < s->nsyms; i++) {
		free(s->syms[i].name);
		free(s->syms[i].version);
	}
	free(s->strings);
	free(s->syms);
	memset(s, 0, sizeof(*s));
}

/* Version index -> name, for the .gnu.version lookup (indexes are 15 bits; real files use a few
 * dozen, so the table grows to the highest index set instead of holding all 32768). */
struct vernames {
	char **name;
	size_t n;
};

static char *vn_get(const struct vernames *vn, unsigned ndx)
{
	return ndx < vn->n ? vn->name[ndx] : NULL;
}

static int vn_set(struct vernames *vn, unsigned ndx, char *name, struct cuvet_error *err)
{
	if (ndx >= vn->n) {
		size_t n = (size_t)ndx + 16;
		char **p = realloc(vn->name, n * sizeof(*p));
		if (!p)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		memset(p + vn->n, 0, (n - vn->n) * sizeof(*p));
		vn->name = p;
		vn->n = n;
	}
	vn->name[ndx] = name;
	return 0;
}

static int walk_verneed(struct elf_file *f, const struct symtabs *t, struct cuvet_elf_symbols *out,
			struct vernames *vn, struct cuvet_error *err)
{
	(void)f;
	if (!t->verneed || !t->nverneed)
		return 0;
	size_t size = t->verneed->d_size;
	size_t cap = t->nverneed < size / sizeof(GElf_Verneed) ? t->nverneed : size / sizeof(GElf_Verneed);
	out->verneed = calloc(cap ? cap : 1, sizeof(*out->verneed));
	if (!out->verneed)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	size_t off = 0;
	for (size_t i = 0; i < cap; i++) {
		GElf_Verneed need;
		if (off > (size_t)INT32_MAX || !gelf_getverneed(t->verneed, (int)off, &need))
			return err_set(err, CUVET_E_INVALID, "version need %zu lies outside .gnu.version_r", i);
		struct cuvet_elf_verneed *e = &out->verneed[out->nverneed++];
		const char *s = NULL;
		if (strtab_get(&t->str, need.vn_file, "DT_VERNEED file", &s, err) < 0)
			return -1;
		if (!(e->file = strdup(s)))
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		size_t aux = off + need.vn_aux;
		size_t ncnt = need.vn_cnt < size / sizeof(GElf_Vernaux) ? need.vn_cnt : size / sizeof(GElf_Vernaux);
		if (ncnt) {
			e->versions = calloc(ncnt, sizeof(*e->versions));
			e->weak = calloc(ncnt, sizeof(*e->weak));
			if (!e->versions || !e->weak)
				return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
		for (size_t j = 0; j < ncnt; j++) {
			GElf_Vernaux va;
			if (aux < off || aux > (size_t)INT32_MAX || !gelf_getvernaux(t->verneed, (int)aux, &va))
				return err_set(err, CUVET_E_INVALID, "version need aux lies outside .gnu.version_r");
			if (strtab_get(&t->str, va.vna_name, "DT_VERNEED version", &s, err) < 0)
				return -1;
			if (!(e->versions[e->nversions] = strdup(s)))
				return err_set(err, CUVET_E_NOMEM, "out of memory");
			e->weak[e->nversions++] = (va.vna_flags & VER_FLG_WEAK) != 0;
			if (vn_set(vn, va.vna_other & 0x7fff, e->versions[e->nversions - 1], err) < 0)
				return -1;
			if (!va.vna_next)
				break;
			aux += va.vna_next;
		}
		if (!need.vn_next)
			break;
		off += need.vn_next;
	}
	return 0;
}

static int walk_verdef(struct elf_file *f, const struct symtabs *t, struct cuvet_elf_symbols *out,
		       struct vernames *vn, struct cuvet_error *err)
{
	(void)f;
	if (!t->verdef || !t->nverdef)
		return 0;
	size_t size = t->verdef->d_size;
	size_t cap = t->nverdef < size / sizeof(GElf_Verdef) ? t->nverdef : size / sizeof(GElf_Verdef);
	out->verdef = calloc(cap ? cap : 1, sizeof(*out->verdef));
	out->verdef_base = calloc(cap ? cap : 1, sizeof(*out->verdef_base));
	if (!out->verdef || !out->verdef_base)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	size_t off = 0;
	for (size_t i = 0; i < cap; i++) {
		GElf_Verdef def;
		GElf_Verdaux da;
		if (off > (size_t)INT32_MAX || !gelf_getverdef(t->verdef, (int)off, &def))
			return err_set(err, CUVET_E_INVALID, "version definition %zu lies outside .gnu.version_d", i);
		size_t aux = off + def.vd_aux;
		/* Only the first aux names the version; the others name its parents. */
		if (def.vd_cnt == 0 || aux < off || aux > (size_t)INT32_MAX || !gelf_getverdaux(t->verdef, (int)aux, &da))
			return err_set(err, CUVET_E_INVALID, "version definition %zu has no name", i);
		const char *s = NULL;
		if (strtab_get(&t->str, da.vda_name, "DT_VERDEF", &s, err) < 0)
			return -1;
		if (!(out->verdef[out->nverdef] = strdup(s)))
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		out->verdef_base[out->nverdef] = (def.vd_flags & VER_FLG_BASE) != 0;
		out->nverdef++;
		if (vn_set(vn, def.vd_ndx & 0x7fff, out->verdef[out->nverdef - 1], err) < 0)
			return -1;
		if (!def.vd_next)
			break;
		off += def.vd_next;
	}
	return 0;
}

/* Entry I of .gnu.version, as gelf_getversym reads it (libelf has converted the section to this
 * machine's byte order, and refuses an index past its end), without a library call for each of
 * libtorch_cpu.so's 76 000 symbols. */
static bool versym_at(const Elf_Data *d, size_t i, GElf_Versym *vs)
{
	if (!d || d->d_type != ELF_T_HALF || !d->d_buf || i >= d->d_size / sizeof(GElf_Versym))
		return false;
	memcpy(vs, (const char *)d->d_buf + i * sizeof(GElf_Versym), sizeof(*vs));
	return true;
}

/* VERSIONED_ONLY: symbols without a version (index 0 or 1 in .gnu.version, or no .gnu.version)
 * are left out before their entry or name is read. */
static int read_symbols(const void *buf, size_t len, bool versioned_only, struct cuvet_elf_symbols *out,
			struct cuvet_error *err)
{
	struct elf_file f;
	struct dynamic d;
	struct symtabs t;
	struct vernames vns = {NULL, 0}, *vn = &vns;
	if (!out)
		return err_set(err, CUVET_E_INVALID, "no output given");
	memset(out, 0, sizeof(*out));
	if (elf_file_open(&f, buf, len, err) < 0)
		return -1;
	if (dynamic_find(&f, &d, err) < 0 || symtabs_find(&f, &d, &t, err) < 0)
		goto fail;
	if (walk_verneed(&f, &t, out, vn, err) < 0 || walk_verdef(&f, &t, out, vn, err) < 0)
		goto fail;
	size_t keep = t.nsyms > 1 ? t.nsyms - 1 : 0;
	size_t pos = 0;
	if (versioned_only && keep) {
		/* one block for the names (tens of thousands of strdup and free were most of the
		 * work); the versions point to the verneed/verdef strings */
		size_t bytes = 0;
		keep = 0;
		for (size_t i = 1; i < t.nsyms && i <= (size_t)INT32_MAX; i++) {
			GElf_Versym vs;
			GElf_Sym sym;
			const char *name = NULL;
			if (!versym_at(t.versym, i, &vs) || (vs & 0x7fff) < 2 || !vn_get(vn, vs & 0x7fff))
				continue;
			if (!gelf_getsym(t.dynsym, (int)i, &sym)) {
				err_set(err, CUVET_E_INVALID, "dynamic symbol %zu unreadable", i);
				goto fail;
			}
			if (strtab_get(&t.str, sym.st_name, "dynamic symbol", &name, err) < 0)
				goto fail;
			bytes += strlen(name) + 1;
			keep++;
		}
		if (keep && !(out->strings = malloc(bytes))) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	if (keep) {
		out->syms = calloc(keep, sizeof(*out->syms));
		if (!out->syms) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	for (size_t i = 1; i < t.nsyms; i++) {
		GElf_Sym sym;
		GElf_Versym vs;
		bool have_vs = i <= (size_t)INT32_MAX && versym_at(t.versym, i, &vs);
		if (versioned_only && (!have_vs || (vs & 0x7fff) < 2 || !vn_get(vn, vs & 0x7fff)))
			continue;
		if (i > (size_t)INT32_MAX || !gelf_getsym(t.dynsym, (int)i, &sym)) {
			err_set(err, CUVET_E_INVALID, "dynamic symbol %zu unreadable", i);
			goto fail;
		}
		struct cuvet_elf_symbol *s = &out->syms[out->nsyms++];
		const char *name = NULL;
		if (strtab_get(&t.str, sym.st_name, "dynamic symbol", &name, err) < 0)
			goto fail;
		if (out->strings) {
			size_t n = strlen(name) + 1;
			s->name = memcpy(out->strings + pos, name, n);
			pos += n;
		} else if (!(s->name = strdup(name))) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
		s->defined = sym.st_shndx != SHN_UNDEF;
		s->bind = GELF_ST_BIND(sym.st_info);
		s->type = GELF_ST_TYPE(sym.st_info);
		s->weak = s->bind == STB_WEAK;
		if (have_vs) {
			unsigned ndx = vs & 0x7fff;
			s->hidden = (vs & 0x8000) != 0;
			/* 0 = local, 1 = global (unversioned); names only from 2 on. */
			if (out->strings)
				s->version = vn_get(vn, ndx);
			else if (ndx >= 2 && vn_get(vn, ndx) && !(s->version = strdup(vn_get(vn, ndx)))) {
				err_set(err, CUVET_E_NOMEM, "out of memory");
				goto fail;
			}
		}
	}
	free(vns.name);
	elf_file_close(&f);
	return 0;
fail:
	free(vns.name);
	elf_file_close(&f);
	cuvet_elf_symbols_release(out);
	return -1;
}

int cuvet_elf_read_symbols(const void *buf, size_t len, struct cuvet_elf_symbols *out, struct cuvet_error *err)
{
	return read_symbols(buf, len, false, out, err);
}

int cuvet_elf_read_versioned_symbols(const void *buf, size_t len, struct cuvet_elf_symbols *out,
				     struct cuvet_error *err)
{
	return read_symbols(buf, len, true, out, err);
}

/* --- PT_INTERP (added for "cuvet why": the loader model and why.c) --- */

/* The interpreter named by PT_INTERP: the loader maps it before anything else, so a DT_NEEDED of
 * its SONAME (libc.so.6 needs ld-linux-x86-64.so.2) is already satisfied by this path. */
int cuvet_elf_interp(const void *buf, size_t len, char *out, size_t outlen, struct cuvet_error *err)
{
	struct elf_file f;
	if (outlen)
		out[0] = '\0';
	if (elf_file_open(&f, buf, len, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < f.phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(f.elf, (int)i, &ph) || ph.p_type != PT_INTERP)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset || ph.p_filesz == 0) {
			rc = err_set(err, CUVET_E_INVALID, "PT_INTERP lies outside the file");
			break;
		}
		const char *s = f.buf + ph.p_offset;
		size_t n = strnlen(s, (size_t)ph.p_filesz);
		if (n == (size_t)ph.p_filesz || n + 1 > outlen) {
			rc = err_set(err, CUVET_E_INVALID, "PT_INTERP is not a terminated path that fits");
			break;
		}
		memcpy(out, s, n + 1);
		rc = 1;
		break;
	}
	elf_file_close(&f);
	return rc;
}
