/* elfkeep.c — the parts of a large ELF file that the image view keeps (see elfkeep.h).
 *
 * The file streams past once, in order. Its first ELFKEEP_PREFIX bytes are held whole until the
 * end, since the dynamic symbol and version tables usually lie there but only the section
 * headers, at the end of the file, say exactly where. Every other range is held when the
 * stream reaches it, from what was learnt before: the program headers (PT_DYNAMIC, PT_INTERP,
 * PT_NOTE), a window before the section headers (.shstrtab) and the headers themselves, the
 * sections the readers walk when they lie after the section headers (patchelf moves .dynstr
 * and .dynsym there), and every CUDA fat binary's container and entry headers, found by their
 * magic at 8-byte alignment and followed entry by entry (src/lib/readers/fatbin.c reads
 * nothing else). When the file ends, only the ranges the readers need are stored; if one of
 * them was not held (a table before the section headers but past the prefix), the file is
 * stored "not held" and the readers get an error instead of zeros. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "elfkeep.h"

#define FATBIN_MAGIC 0xBA55ED50u
#define ENTRY_PROBE 4096u     /* bytes read at an entry to learn its header size */
#define SHSTR_WINDOW (64u << 10)

enum rkind { R_EHDR, R_PHDRS, R_SHDRS, R_HOLD, R_CONT, R_ENTRY };

struct range {
	uint64_t start, len;
	uint64_t got;           /* bytes held contiguously from START */
	unsigned char *buf;
	enum rkind kind;
	bool done, broken;      /* processed; cannot fill (its head went by unheld) */
	uint64_t chain_end;     /* R_CONT, R_ENTRY: the end of the container */
};

struct need {
	uint64_t off, len;
};

struct load {
	uint64_t vaddr, off, filesz;
};

struct elfkeep {
	uint64_t size, pos;
	unsigned char *prefix;
	uint64_t plen;
	struct range *r;
	size_t nr, capr;
	struct need *need;
	size_t nneed, capneed;
	struct load *loads;
	size_t nloads, caploads;
	uint64_t held;
	bool over, nomem;
	bool is64, msb;
	uint64_t dyn_off, dyn_len;
	unsigned char carry[3]; /* the 3 bytes before POS, for a magic across two feeds */
	/* the slice being fed */
	const unsigned char *d;
	uint64_t dpos, dn;
};

static uint64_t rd(const struct elfkeep *k, const unsigned char *p, unsigned w)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < w; i++)
		v |= (uint64_t)p[k->msb ? w - 1 - i : i] << (8 * i);
	return v;
}

static uint64_t le(const unsigned char *p, unsigned w)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < w; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Copies [OFF, OFF+LEN) into DST from what is held, as far as it goes contiguously. */
static uint64_t held_copy(const struct elfkeep *k, uint64_t off, uint64_t len, unsigned char *dst)
{
	uint64_t done = 0;
	while (done < len) {
		uint64_t at = off + done, n = 0;
		const unsigned char *src = NULL;
		uint64_t pfill = k->pos < k->plen ? k->pos : k->plen;
		if (at < pfill) {
			src = k->prefix + at;
			n = pfill - at;
		} else if (k->d && at >= k->dpos && at < k->dpos + k->dn) {
			src = k->d + (at - k->dpos);
			n = k->dpos + k->dn - at;
		} else if (k->d && k->dpos >= 3 && at >= k->dpos - 3 && at < k->dpos) {
			src = k->carry + (at + 3 - k->dpos);
			n = k->dpos - at;
		} else {
			for (size_t i = 0; i < k->nr; i++) {
				const struct range *r = &k->r[i];
				if (at >= r->start && at < r->start + r->got) {
					src = r->buf + (at - r->start);
					n = r->start + r->got - at;
					break;
				}
			}
		}
		if (!src)
			break;
		if (n > len - done)
			n = len - done;
		memcpy(dst + done, src, (size_t)n);
		done += n;
	}
	return done;
}

static void add_need(struct elfkeep *k, uint64_t off, uint64_t len)
{
	if (off >= k->size || len == 0)
		return;
	if (len > k->size - off) {
		len = k->size - off;
		k->over = true; /* a table past the end: the readers will fail on the real file too, but say so */
	}
	if (xgrow(&k->need, &k->capneed, k->nneed, sizeof(*k->need)) < 0) {
		k->nomem = true;
		return;
	}
	k->need[k->nneed++] = (struct need){off, len};
}

/* Holds [START, START+LEN) from now on; the part before POS comes from what is held already. */
static struct range *add_range(struct elfkeep *k, uint64_t start, uint64_t len, enum rkind kind, uint64_t chain_end)
{
	if (start >= k->size || len == 0)
		return NULL;
	if (len > k->size - start)
		len = k->size - start;
	if (start + len <= k->plen)
		return NULL; /* inside the prefix: held anyway (and not processed: callers pass kinds that need none) */
	if (len > ELFKEEP_MAX_HELD - k->held) {
		k->over = true;
		return NULL;
	}
	if (xgrow(&k->r, &k->capr, k->nr, sizeof(*k->r)) < 0 || !(k->r[k->nr].buf = malloc((size_t)len))) {
		k->nomem = true;
		return NULL;
	}
	struct range *r = &k->r[k->nr];
	r->start = start;
	r->len = len;
	r->kind = kind;
	r->done = r->broken = false;
	r->chain_end = chain_end;
	r->got = 0;
	if (start < k->pos) {
		uint64_t want = (k->pos - start < len) ? k->pos - start : len;
		r->got = held_copy(k, start, want, r->buf);
		r->broken = r->got < want;
	}
	k->held += len;
	k->nr++;
	return r;
}

/* A range the readers need and whose bytes are read in order to learn more (headers): held
 * in the prefix or in a range of KIND that is processed once full. */
static void add_probe(struct elfkeep *k, uint64_t start, uint64_t len, enum rkind kind, uint64_t chain_end)
{
	if (start >= k->size || len == 0)
		return;
	if (len > k->size - start)
		len = k->size - start;
	if (start + len <= k->plen) {
		/* in the prefix: process it from there once the stream has passed it */
		if (xgrow(&k->r, &k->capr, k->nr, sizeof(*k->r)) < 0) {
			k->nomem = true;
			return;
		}
		k->r[k->nr++] = (struct range){.start = start, .len = len, .kind = kind, .chain_end = chain_end,
					       .got = 0, .buf = NULL};
		return;
	}
	add_range(k, start, len, kind, chain_end);
}

static const unsigned char *range_bytes(struct elfkeep *k, const struct range *r)
{
	return r->buf ? r->buf : k->prefix + r->start;
}


static void process_ehdr(struct elfkeep *k, const unsigned char *b, uint64_t len)
{
	if (len < 52 || memcmp(b, "\177ELF", 4) != 0 || (b[4] != 1 && b[4] != 2) || (b[5] != 1 && b[5] != 2)) {
		k->over = true;
		return;
	}
	k->is64 = b[4] == 2;
	k->msb = b[5] == 2;
	unsigned w = k->is64 ? 8 : 4;
	uint64_t ehsize = k->is64 ? 64 : 52;
	if (len < ehsize) {
		k->over = true;
		return;
	}
	add_need(k, 0, ehsize);
	uint64_t phoff = rd(k, b + 24 + w, w), shoff = rd(k, b + 24 + 2 * w, w);
	const unsigned char *x = b + 24 + 3 * w + 4 + 2;
	uint64_t phentsize = rd(k, x, 2), phnum = rd(k, x + 2, 2), shentsize = rd(k, x + 4, 2), shnum = rd(k, x + 6, 2);
	if (phnum == 0xffff || (shoff && shnum == 0))
		k->over = true; /* extended numbering: not followed */
	if (phnum && phentsize) {
		add_need(k, phoff, phnum * phentsize);
		add_probe(k, phoff, phnum * phentsize, R_PHDRS, 0);
	}
	if (shoff && shnum && shentsize) {
		uint64_t win = shoff < SHSTR_WINDOW ? shoff : SHSTR_WINDOW;
		add_range(k, shoff - win, win, R_HOLD, 0);
		add_need(k, shoff, shnum * shentsize);
		add_probe(k, shoff, shnum * shentsize, R_SHDRS, 0);
	}
}

static void process_phdrs(struct elfkeep *k, const unsigned char *b, uint64_t len)
{
	unsigned w = k->is64 ? 8 : 4;
	uint64_t ent = k->is64 ? 56 : 32;
	for (uint64_t o = 0; o + ent <= len; o += ent) {
		const unsigned char *p = b + o;
		uint32_t type = (uint32_t)rd(k, p, 4);
		uint64_t off, vaddr, filesz;
		if (k->is64) {
			off = rd(k, p + 8, 8);
			vaddr = rd(k, p + 16, 8);
			filesz = rd(k, p + 32, 8);
		} else {
			off = rd(k, p + 4, 4);
			vaddr = rd(k, p + 8, 4);
			filesz = rd(k, p + 16, 4);
		}
		(void)w;
		if (type == 1 /* PT_LOAD */) {
			if (xgrow(&k->loads, &k->caploads, k->nloads, sizeof(*k->loads)) < 0) {
				k->nomem = true;
				return;
			}
			k->loads[k->nloads++] = (struct load){vaddr, off, filesz};
		} else if (type == 2 || type == 3) { /* PT_DYNAMIC, PT_INTERP */
			add_need(k, off, filesz);
			add_range(k, off, filesz, R_HOLD, 0);
			if (type == 2) {
				k->dyn_off = off;
				k->dyn_len = filesz;
			}
		}
	}
}

static void process_shdrs(struct elfkeep *k, const unsigned char *b, uint64_t len, const unsigned char *ehdr)
{
	unsigned w = k->is64 ? 8 : 4;
	uint64_t ent = k->is64 ? 64 : 40;
	uint64_t shstrndx = rd(k, ehdr + 24 + 3 * w + 4 + 2 + 8, 2); /* e_shstrndx */
	uint64_t n = len / ent;
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t i = 0; i < n; i++) {
			const unsigned char *p = b + i * ent;
			uint32_t type = (uint32_t)rd(k, p + 4, 4);
			uint64_t off = rd(k, p + (k->is64 ? 24 : 16), w), size = rd(k, p + (k->is64 ? 32 : 20), w);
			uint32_t link = (uint32_t)rd(k, p + (k->is64 ? 40 : 24), 4);
			bool want = i == shstrndx || type == 6 /* DYNAMIC */ || type == 11 /* DYNSYM */ ||
				    type == 0x6fffffff || type == 0x6ffffffe || type == 0x6ffffffd;
			if (pass == 0 && want && type != 8 /* NOBITS */) {
				add_need(k, off, size);
				add_range(k, off, size, R_HOLD, 0);
			}
			/* the string tables those sections link to */
			if (pass == 1 && want && link && link < n) {
				const unsigned char *q = b + link * ent;
				if (rd(k, q + 4, 4) == 3 /* STRTAB */) {
					uint64_t loff = rd(k, q + (k->is64 ? 24 : 16), w), lsize = rd(k, q + (k->is64 ? 32 : 20), w);
					add_need(k, loff, lsize);
					add_range(k, loff, lsize, R_HOLD, 0);
				}
			}
		}
	}
}

/* Reads what the full range I says and holds what it points to. Adding ranges may move k->r:
 * R is a copy, and B points into the range's own buffer or the prefix, which do not move. */
static void process(struct elfkeep *k, size_t i)
{
	k->r[i].done = true;
	const struct range rc = k->r[i], *r = &rc;
	const unsigned char *b = range_bytes(k, r);
	switch (r->kind) {
	case R_EHDR:
		process_ehdr(k, b, r->len);
		break;
	case R_PHDRS:
		process_phdrs(k, b, r->len);
		break;
	case R_SHDRS: {
		unsigned char eh[64];
		if (held_copy(k, 0, 64 < k->size ? 64 : k->size, eh) >= (k->is64 ? 64u : 52u))
			process_shdrs(k, b, r->len, eh);
		break;
	}
	case R_HOLD:
		break;
	case R_CONT: {
		uint64_t p = r->start;
		if (r->len < 16)
			break;
		uint64_t version = le(b + 4, 2), hdr = le(b + 6, 2), fat = le(b + 8, 8);
		add_need(k, p, 16);
		if (version != 1 || hdr < 16 || hdr > k->size - p || fat > k->size - p - hdr)
			break;
		if (hdr > 16) {
			add_need(k, p + 16, hdr - 16);
			add_range(k, p + 16, hdr - 16, R_HOLD, 0);
		}
		uint64_t e = p + hdr, end = e + fat;
		if (fat)
			add_probe(k, e, fat < ENTRY_PROBE ? fat : ENTRY_PROBE, R_ENTRY, end);
		break;
	}
	case R_ENTRY: {
		uint64_t e = r->start, room = r->chain_end - e;
		if (r->len < 16) {
			add_need(k, e, r->len);
			break;
		}
		uint64_t version = le(b + 2, 2), hdr = le(b + 4, 4), payload = le(b + 8, 8);
		uint64_t keep = hdr > 0x40 ? hdr : 0x40;
		if (keep > room)
			keep = room;
		add_need(k, e, keep);
		if (keep > r->len) /* a header longer than the probe: hold the rest if it is still ahead */
			add_range(k, e + r->len, keep - r->len, R_HOLD, 0);
		if (version == 0x0101 && hdr >= 0x40 && hdr <= room && payload <= room - hdr && hdr + payload < room) {
			uint64_t next = e + hdr + payload, left = r->chain_end - next;
			add_probe(k, next, left < ENTRY_PROBE ? left : ENTRY_PROBE, R_ENTRY, r->chain_end);
		}
		/* the next probe has taken what it needed from this one: keep only the header */
		struct range *self = &k->r[i];
		if (self->buf && keep < self->got) {
			unsigned char *nb = realloc(self->buf, (size_t)keep);
			if (nb) {
				k->held -= self->len - keep;
				self->buf = nb;
				self->len = self->got = keep;
			}
		}
		break;
	}
	}
}

struct elfkeep *elfkeep_new(uint64_t size, struct cuvet_error *err)
{
	struct elfkeep *k = calloc(1, sizeof(*k));
	if (!k) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	k->size = size;
	k->plen = size < ELFKEEP_PREFIX ? size : ELFKEEP_PREFIX;
	if (k->plen && !(k->prefix = malloc((size_t)k->plen))) {
		free(k);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	add_probe(k, 0, size < 64 ? size : 64, R_EHDR, 0);
	return k;
}

/* Processes every range that is full and not yet processed (processing may add more). */
static void settle(struct elfkeep *k)
{
	bool again = true;
	while (again && !k->nomem) {
		again = false;
		for (size_t i = 0; i < k->nr; i++) {
			struct range *r = &k->r[i];
			if (r->done || r->broken)
				continue;
			bool full = r->buf ? r->got == r->len : r->start + r->len <= k->pos;
			if (!full)
				continue;
			process(k, i);
			again = true;
		}
	}
}

int elfkeep_feed(struct elfkeep *k, const void *data, size_t len, struct cuvet_error *err)
{
	const unsigned char *d = data;
	while (len > 0) {
		if (k->pos >= k->size)
			return err_set(err, CUVET_E_INVALID, "more bytes than the file's size");
		/* the slice ends where an unprocessed range ends, so that what it says is learnt
		 * before the bytes after it go by */
		uint64_t n = len;
		if (n > k->size - k->pos)
			n = k->size - k->pos;
		for (size_t i = 0; i < k->nr; i++) {
			const struct range *r = &k->r[i];
			uint64_t end = r->start + r->len;
			if (!r->done && !r->broken && end > k->pos && end - k->pos < n)
				n = end - k->pos;
		}
		uint64_t pos = k->pos;
		/* the prefix and the ranges this slice reaches */
		if (pos < k->plen)
			memcpy(k->prefix + pos, d, (size_t)(k->plen - pos < n ? k->plen - pos : n));
		for (size_t i = 0; i < k->nr; i++) {
			struct range *r = &k->r[i];
			if (!r->buf || r->broken || r->got == r->len)
				continue;
			uint64_t at = r->start + r->got;
			if (at < pos || at >= pos + n)
				continue;
			uint64_t take = r->start + r->len - at;
			if (take > pos + n - at)
				take = pos + n - at;
			memcpy(r->buf + r->got, d + (at - pos), (size_t)take);
			r->got += take;
		}
		k->d = d;
		k->dpos = pos;
		k->dn = n;
		k->pos = pos + n;
		/* fat binary containers: the magic at 8-byte alignment, its last byte in this slice */
		uint64_t p = pos >= 3 ? pos - 3 : 0;
		p = (p + 7) & ~(uint64_t)7;
		for (; p + 4 <= pos + n; p += 8) {
			unsigned char m[4];
			for (unsigned j = 0; j < 4; j++) {
				uint64_t q = p + j;
				m[j] = q >= pos ? d[q - pos] : k->carry[q + 3 - pos];
			}
			if (le(m, 4) == FATBIN_MAGIC)
				add_probe(k, p, 16, R_CONT, 0);
		}
		settle(k);
		/* the carry for the next slice: the 3 bytes before the new position */
		if (n >= 3) {
			memcpy(k->carry, d + n - 3, 3);
		} else {
			unsigned char c[6];
			memcpy(c, k->carry, 3);
			memcpy(c + 3, d, (size_t)n);
			memcpy(k->carry, c + n, 3);
		}
		k->d = NULL;
		if (k->nomem)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		d += n;
		len -= (size_t)n;
	}
	return 0;
}

static int need_cmp(const void *a, const void *b)
{
	const struct need *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off ? 1 : (x->len < y->len ? -1 : x->len > y->len);
}

/* The dynamic string table (DT_STRTAB, DT_STRSZ) for files without section headers. */
static void need_dynstr(struct elfkeep *k)
{
	if (!k->dyn_len || k->dyn_len > (1u << 20))
		return;
	unsigned char *b = malloc((size_t)k->dyn_len);
	if (!b)
		return;
	uint64_t got = held_copy(k, k->dyn_off, k->dyn_len, b);
	unsigned w = k->is64 ? 8 : 4;
	uint64_t strtab = 0, strsz = 0;
	for (uint64_t o = 0; o + 2 * w <= got; o += 2 * w) {
		uint64_t tag = rd(k, b + o, w), val = rd(k, b + o + w, w);
		if (tag == 0)
			break;
		if (tag == 5)
			strtab = val;
		else if (tag == 10)
			strsz = val;
	}
	free(b);
	for (size_t i = 0; strtab && i < k->nloads; i++) {
		const struct load *l = &k->loads[i];
		if (strtab >= l->vaddr && strtab - l->vaddr < l->filesz) {
			add_need(k, l->off + (strtab - l->vaddr), strsz);
			break;
		}
	}
}

int elfkeep_add(struct elfkeep *k, struct cuvet_fs *fs, const char *path, unsigned mode, struct cuvet_error *err)
{
	bool complete = k->pos == k->size && !k->over;
	need_dynstr(k);
	if (k->nomem)
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	qsort(k->need, k->nneed, sizeof(*k->need), need_cmp);
	size_t m = 0;
	for (size_t i = 0; i < k->nneed; i++) {
		struct need *c = &k->need[i];
		if (m && c->off <= k->need[m - 1].off + k->need[m - 1].len) {
			uint64_t end = c->off + c->len;
			if (end > k->need[m - 1].off + k->need[m - 1].len)
				k->need[m - 1].len = end - k->need[m - 1].off;
		} else {
			k->need[m++] = *c;
		}
	}
	k->nneed = m;
	struct cuvet_fs_extent *ext = calloc(m ? m : 1, sizeof(*ext));
	uint64_t total = 0;
	for (size_t i = 0; i < m; i++)
		total += k->need[i].len;
	unsigned char *bytes = total ? malloc((size_t)total) : NULL;
	if (!ext || (total && !bytes)) {
		free(ext);
		free(bytes);
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	}
	unsigned char *at = bytes;
	for (size_t i = 0; i < m; i++) {
		uint64_t got = held_copy(k, k->need[i].off, k->need[i].len, at);
		if (got < k->need[i].len)
			complete = false;
		ext[i] = (struct cuvet_fs_extent){k->need[i].off, at, (size_t)got};
		at += k->need[i].len;
	}
	int rc = cuvet_fs_mem_add_sparse(fs, path, k->size, ext, m, complete, mode, err);
	k->held = total;
	free(ext);
	free(bytes);
	return rc;
}

uint64_t elfkeep_held(const struct elfkeep *k)
{
	return k->held;
}

void elfkeep_free(struct elfkeep *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nr; i++)
		free(k->r[i].buf);
	free(k->r);
	free(k->need);
	free(k->loads);
	free(k->prefix);
	free(k);
}
