/*
 * The header of a serialized TensorRT engine (plan), read without TensorRT.
 *
 * The layouts are those seen on real engines (shared/formats/trt-engine.md, re-checked on the
 * files in tests/data/engines/): an `ftrt` container (8.6+) whose ENGN section holds a `ptrt`
 * plan, a bare `ptrt` plan (7.0 - 8.5), and TensorRT 5's u64-length FlatBuffer. Four-character
 * tags are C multi-character constants stored little-endian, so 'trtf' is the bytes "ftrt".
 * Every offset read from the file is range-checked against the buffer; a layout the reader does
 * not know leaves its fields unknown instead of guessing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/internal.h"
#include "cuvet_readers.h"

/* A token of the plan's tagged stream: u16 tag (low 15 bits: the type), u16 count (1). */
enum {
	TOK_U8 = 0x02,
	TOK_U32 = 0x07,
	TOK_U64 = 0x08,
	TOK_U64_MEM = 0x09, /* totalGlobalMem from 8.0 on */
	TOK_BOOL = 0x0a,
};

#define MAX_RUN 40   /* values kept from one struct: the device block has at most ~25 */
#define MAX_DEPTH 16
#define MAX_TOKENS 256 /* the device block comes within the first dozen tokens in every release */

struct tokval {
	unsigned type;
	uint64_t value;
};

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

/* OFF..OFF+N inside LEN bytes, without overflow. */
static bool in_range(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

/* zlib's CRC-32 (reflected, polynomial 0xEDB88320): TensorRT 7.x and 8.0 store it of the
 * plan's stream (checked with zlib.crc32 on every such file in the corpus). */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t table[256];
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

static size_t tok_size(unsigned type)
{
	switch (type) {
	case TOK_U8:
	case TOK_BOOL:
		return 1;
	case TOK_U32:
		return 4;
	case TOK_U64:
	case TOK_U64_MEM:
		return 8;
	default:
		return 0; /* opens a struct */
	}
}

static bool small_int(const struct tokval *v, unsigned type, uint64_t max)
{
	return v->type == type && v->value <= max;
}

/* Layout 1 (7.0 - 10.6): major, minor, clockRate, memoryClockRate, memoryBusWidth, l2CacheSize,
 * ..., multiProcessorCount, integrated (the block's first bool), ... The fields between L2 and
 * the SM count changed width and number across releases, so the SM count is found as the value
 * before the bool. totalGlobalMem is the first 0x09 token (8.0+); 7.1 stores it as a plain u64
 * five fields after the bool (after maxThreadsPerBlock and maxGridSize[3]). */
static bool device_layout1(const struct tokval *v, size_t n, unsigned trt_major, unsigned trt_minor,
			   struct cuvet_trt_device *d)
{
	if (n < 12)
		return false;
	for (size_t i = 0; i < 5; i++)
		if (v[i].type != TOK_U32)
			return false;
	if (v[5].type != TOK_U64)
		return false;
	size_t b = 0;
	for (size_t i = 6; i < n; i++)
		if (v[i].type == TOK_BOOL) {
			b = i;
			break;
		}
	if (b < 9 || !small_int(&v[b - 1], TOK_U32, 100000) || v[b].value > 1)
		return false;
	d->layout = 1;
	d->cc_major = (int)v[0].value;
	d->cc_minor = (int)v[1].value;
	d->clock_khz = (int)(v[2].value & 0x7fffffff);
	d->memory_clock_khz = (int)(v[3].value & 0x7fffffff);
	d->memory_bus_width = (int)(v[4].value & 0x7fffffff);
	d->l2_cache = v[5].value;
	d->sm_count = (int)v[b - 1].value;
	d->integrated = (int)v[b].value;
	for (size_t i = b + 1; i < n; i++)
		if (v[i].type == TOK_U64_MEM) {
			d->total_memory = v[i].value;
			break;
		}
	if (!d->total_memory && trt_major == 7 && trt_minor == 1 && b + 5 < n && v[b + 5].type == TOK_U64)
		d->total_memory = v[b + 5].value;
	return true;
}

/* Layout 2 (10.9, 10.15): totalGlobalMem, l2CacheSize, persistingL2CacheMaxSize, clockRate,
 * memoryClockRate, memoryBusWidth, sharedMemPerBlock, sharedMemPerMultiprocessor,
 * multiProcessorCount, integrated, maxThreadsPerBlock, reservedSharedMemPerBlock, major, minor,
 * 512. The constant 512 at the end is checked as a guard. */
static bool device_layout2(const struct tokval *v, size_t n, struct cuvet_trt_device *d)
{
	static const unsigned types[15] = {TOK_U64_MEM, TOK_U64, TOK_U64, TOK_U32, TOK_U32, TOK_U32, TOK_U32,
					   TOK_U32, TOK_U32, TOK_U32, TOK_U32, TOK_U32, TOK_U32, TOK_U32, TOK_U32};
	if (n < 15)
		return false;
	for (size_t i = 0; i < 15; i++)
		if (v[i].type != types[i])
			return false;
	if (v[14].value != 512 || v[9].value > 1 || v[8].value > 100000)
		return false;
	d->layout = 2;
	d->total_memory = v[0].value;
	d->l2_cache = v[1].value;
	d->clock_khz = (int)(v[3].value & 0x7fffffff);
	d->memory_clock_khz = (int)(v[4].value & 0x7fffffff);
	d->memory_bus_width = (int)(v[5].value & 0x7fffffff);
	d->sm_count = (int)v[8].value;
	d->integrated = (int)v[9].value;
	d->cc_major = (int)v[12].value;
	d->cc_minor = (int)v[13].value;
	return true;
}

static void device_decode(const struct tokval *v, size_t n, const struct cuvet_trt_engine *e,
			  struct cuvet_trt_device *d)
{
	bool ok = false;
	if (n && v[0].type == TOK_U32)
		ok = device_layout1(v, n, e->version[0], e->version[1], d);
	else if (n && v[0].type == TOK_U64_MEM)
		ok = device_layout2(v, n, d);
	/* A compute capability outside what any GPU has means the block is not what it seemed. */
	if (ok && (d->cc_major < 1 || d->cc_major > 15 || d->cc_minor < 0 || d->cc_minor > 9))
		ok = false;
	if (!ok) {
		memset(d, 0, sizeof(*d));
		d->integrated = -1;
		return;
	}
	d->known = true;
}

/* Walks the tagged stream from POS: the device block is the first struct holding at least 12
 * consecutive values (the version tokens and the small structs before it hold fewer). Struct
 * ids differ between releases, so none is hard-coded; from 8.2 on a struct closes with the u16
 * NOT of its opening tag. Anything unexpected ends the walk with the device unknown. */
static void find_device(const unsigned char *q, size_t qlen, size_t pos, struct cuvet_trt_engine *e)
{
	struct tokval run[MAX_RUN];
	size_t nrun = 0, nvalues = 0;
	uint16_t stack[MAX_DEPTH];
	size_t depth = 0;
	bool in_struct = false;

	for (int t = 0; t < MAX_TOKENS; t++) {
		if (!in_range(pos, 2, qlen))
			break;
		unsigned tag = le16(q + pos);
		if (depth && tag == (0xffffu ^ (unsigned)stack[depth - 1])) {
			if (in_struct && nvalues >= 12)
				break;
			depth--;
			pos += 2;
			in_struct = false;
			nrun = nvalues = 0;
			continue;
		}
		if (!in_range(pos, 4, qlen) || le16(q + pos + 2) != 1)
			break;
		unsigned type = tag & 0x7fffu;
		size_t sz = tok_size(type);
		if (sz == 0) {
			if (in_struct && nvalues >= 12)
				break;
			if (depth == MAX_DEPTH)
				break;
			stack[depth++] = (uint16_t)tag;
			pos += 4;
			in_struct = true;
			nrun = nvalues = 0;
			continue;
		}
		if (!in_range(pos + 4, sz, qlen))
			break;
		uint64_t val = sz == 1 ? q[pos + 4] : sz == 4 ? le32(q + pos + 4) : le64(q + pos + 4);
		if (nrun < MAX_RUN)
			run[nrun++] = (struct tokval){type, val};
		nvalues++;
		pos += 4 + sz;
	}
	if (in_struct && nvalues >= 12)
		device_decode(run, nrun, e, &e->device);
}

static int plan_read(const unsigned char *q, size_t qlen, uint64_t at, struct cuvet_trt_engine *e,
		     struct cuvet_error *err)
{
	e->plan_offset = at;
	e->plan_size = qlen;
	if (qlen < 28)
		return err_set(err, CUVET_E_INVALID,
			       "truncated: the ptrt plan at offset %llu has %zu bytes, its header needs 28",
			       (unsigned long long)at, qlen);
	/* The stream opens with four u8 tokens (major, minor, patch, build): at 24 in layouts
	 * A-C, at 20 in D. Bit 15 of the tag is set from 8.2 on. */
	size_t hl;
	if ((le16(q + 24) & 0x7fff) == TOK_U8 && le16(q + 26) == 1)
		hl = 24;
	else if ((le16(q + 20) & 0x7fff) == TOK_U8 && le16(q + 22) == 1)
		hl = 20;
	else
		return 0; /* an unknown plan layout: everything stays unknown */
	if (qlen < hl + 20)
		return err_set(err, CUVET_E_INVALID,
			       "truncated: the ptrt plan at offset %llu has %zu bytes, its version tokens end at %zu",
			       (unsigned long long)at, qlen, hl + 20);
	unsigned ver[4];
	for (size_t i = 0; i < 4; i++) {
		const unsigned char *t = q + hl + 5 * i;
		if ((le16(t) & 0x7fff) != TOK_U8 || le16(t + 2) != 1)
			return 0;
		ver[i] = t[4];
	}

	uint64_t payload;
	enum cuvet_trt_plan_layout layout;
	uint32_t w4 = le32(q + 4);
	int crc_at = -1;
	if (hl == 20) {
		layout = CUVET_TRT_PLAN_D;
		e->serialization_version = w4;
		payload = le64(q + 8);
	} else if (w4 == 0) {
		layout = CUVET_TRT_PLAN_C;
		e->serialization_version = le32(q + 8);
		payload = le64(q + 16);
	} else if (ver[0] == 7) {
		layout = CUVET_TRT_PLAN_A;
		e->serialization_version = w4;
		payload = le64(q + 12);
		crc_at = 20;
	} else if (ver[0] == 8 && ver[1] == 0) {
		layout = CUVET_TRT_PLAN_B;
		e->serialization_version = w4;
		payload = le64(q + 16);
		crc_at = 12;
	} else {
		/* a version token but a header seen in no release: say what the tokens say, no more */
		memcpy(e->version, ver, sizeof(ver));
		e->version_known = true;
		return 0;
	}
	if (payload > qlen - hl)
		return err_set(err, CUVET_E_INVALID,
			       "truncated: the plan at offset %llu says %llu bytes follow its header, there are %zu",
			       (unsigned long long)at, (unsigned long long)payload, qlen - hl);
	if (payload < qlen - hl)
		return err_set(err, CUVET_E_INVALID,
			       "corrupt: the plan at offset %llu says %llu bytes follow its header, there are %zu",
			       (unsigned long long)at, (unsigned long long)payload, qlen - hl);
	e->plan_layout = layout;
	memcpy(e->version, ver, sizeof(ver));
	e->version_known = true;
	if (crc_at >= 0)
		e->crc_ok = crc32_of(q + 24, qlen - 24) == le32(q + (size_t)crc_at);
	/* NOT 'trtp' (the bytes "ptrt"): 8f 8b 8d 8b */
	e->plan_trailer = le32(q + qlen - 4) == (uint32_t)~0x74727470u;
	find_device(q, qlen, hl + 20, e);
	return 0;
}

static int container_read(const unsigned char *c, size_t clen, uint64_t at, struct cuvet_trt_engine *e,
			  struct cuvet_error *err)
{
	if (clen < 32)
		return err_set(err, CUVET_E_INVALID,
			       "truncated: the ftrt container at offset %llu has %zu bytes, its header needs 32",
			       (unsigned long long)at, clen);
	e->container_version = le32(c + 4);
	/* NVIDIA's trtexec reads the version bytes only when this word is 0 ("Blob index to store
	 * the plan version may depend on the serialization version"): another value is a layout
	 * nobody has described, so nothing more is read. */
	if (e->container_version != 0)
		return 0;
	uint64_t total = le64(c + 16);
	if (total > clen)
		return err_set(err, CUVET_E_INVALID, "truncated: the ftrt container says %llu bytes, there are %zu",
			       (unsigned long long)total, clen);
	if (total < clen)
		return err_set(err, CUVET_E_INVALID,
			       "corrupt: the ftrt container says %llu bytes, there are %zu (data after its end)",
			       (unsigned long long)total, clen);
	for (size_t i = 0; i < 4; i++)
		e->version[i] = c[24 + i];
	e->version_known = true;
	if (le32(c + 28) != 0)
		snprintf(e->container_tag, sizeof(e->container_tag), "%02x%02x%02x%02x", c[28], c[29], c[30], c[31]);
	uint32_t n = le32(c + 8);
	if (n == 0 || n > 64)
		return err_set(err, CUVET_E_INVALID, "corrupt: the ftrt container lists %u sections", n);
	if (!in_range(32, (uint64_t)n * 24, total))
		return err_set(err, CUVET_E_INVALID,
			       "truncated: the ftrt container's table of %u sections runs past its end (%llu bytes)", n,
			       (unsigned long long)total);
	e->nsections = n;
	uint64_t engn_off = 0, engn_size = 0;
	bool have_engn = false;
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *s = c + 32 + (size_t)i * 24;
		char name[5] = {(char)s[3], (char)s[2], (char)s[1], (char)s[0], 0};
		for (int k = 0; k < 4; k++)
			if (name[k] < 0x20 || name[k] > 0x7e)
				name[k] = '?';
		uint64_t off = le64(s + 8), size = le64(s + 16);
		if (!in_range(off, size, total))
			return err_set(err, CUVET_E_INVALID,
				       "corrupt: section %s (offset %llu, %llu bytes) runs past the container's end (%llu bytes)",
				       name, (unsigned long long)off, (unsigned long long)size, (unsigned long long)total);
		if (i < 8)
			memcpy(e->sections[i], name, sizeof(name));
		if (!have_engn && memcmp(s, "NGNE", 4) == 0) {
			have_engn = true;
			engn_off = off;
			engn_size = size;
		}
	}
	if (!have_engn)
		return err_set(err, CUVET_E_INVALID, "corrupt: the ftrt container has no ENGN section");
	/* NOT 'trtf' (the bytes "ftrt"): 99 8b 8d 8b */
	e->trailer_ok = le32(c + total - 4) == (uint32_t)~0x74727466u;
	if (engn_size < 4 || memcmp(c + engn_off, "ptrt", 4) != 0)
		return err_set(err, CUVET_E_INVALID, "corrupt: the ENGN section at offset %llu is not a ptrt plan",
			       (unsigned long long)(at + engn_off));
	unsigned cver[4];
	memcpy(cver, e->version, sizeof(cver));
	e->version_known = false;
	if (plan_read(c + engn_off, (size_t)engn_size, at + engn_off, e, err) < 0)
		return -1;
	/* The plan repeats the container's version (in every real engine): a difference means one
	 * of them is damaged, and the runtime would reject one or the other. */
	if (e->version_known && memcmp(cver, e->version, sizeof(cver)) != 0)
		return err_set(err, CUVET_E_INVALID,
			       "corrupt: the ftrt container says TensorRT %u.%u.%u.%u, its plan %u.%u.%u.%u", cver[0],
			       cver[1], cver[2], cver[3], e->version[0], e->version[1], e->version[2], e->version[3]);
	memcpy(e->version, cver, sizeof(cver));
	e->version_known = true;
	return 0;
}

int cuvet_trt_engine_read(const void *buf, size_t len, struct cuvet_trt_engine *out, struct cuvet_error *err)
{
	const unsigned char *p = buf;
	memset(out, 0, sizeof(*out));
	out->device.integrated = -1;
	out->crc_ok = -1;
	out->version_compatible = -1;
	out->hardware_compatible = -1;
	if (!p && len)
		return err_set(err, CUVET_E_INVALID, "no buffer");
	if (len < 8)
		return err_set(err, CUVET_E_INVALID, "truncated: %zu bytes, shorter than any TensorRT engine header",
			       len);

	/* Ultralytics' export: u32 length (signed), JSON metadata, then the engine
	 * (ultralytics/utils/export/engine.py). Netron detects it by buf[3] == 0 and buf[4] == '{'. */
	size_t off = 0;
	if (p[3] == 0 && p[4] == '{') {
		uint32_t mlen = le32(p);
		if (mlen > 0x7fffffffu || !in_range(4, mlen, len))
			return err_set(err, CUVET_E_INVALID,
				       "truncated: the Ultralytics metadata (%u bytes at offset 4) runs past the end (%zu bytes)",
				       mlen, len);
		out->wrapper = "ultralytics";
		out->wrapper_metadata = xstrndup((const char *)p + 4, mlen);
		if (!out->wrapper_metadata)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		off = 4 + (size_t)mlen;
		if (len - off < 8) {
			int rc = err_set(err, CUVET_E_INVALID,
					 "truncated: no engine after the Ultralytics metadata (%zu bytes left at offset %zu)",
					 len - off, off);
			cuvet_trt_engine_release(out);
			return rc;
		}
	}
	const unsigned char *e = p + off;
	size_t elen = len - off;
	out->engine_offset = off;
	out->engine_size = elen;

	int rc = 0;
	if (memcmp(e, "ftrt", 4) == 0) {
		out->family = CUVET_TRT_FAMILY_CONTAINER;
		rc = container_read(e, elen, off, out, err);
	} else if (memcmp(e, "ptrt", 4) == 0) {
		out->family = CUVET_TRT_FAMILY_PLAN;
		rc = plan_read(e, elen, off, out, err);
	} else if (le64(e) == elen) {
		/* TensorRT 5 (netron's "TensorRT FlatBuffers"): the version is not recorded */
		out->family = CUVET_TRT_FAMILY_FLATBUFFER;
	} else {
		rc = err_set(err, CUVET_E_INVALID,
			     "not a TensorRT engine: unknown magic %02x %02x %02x %02x at offset %zu", e[0], e[1], e[2],
			     e[3], off);
	}
	if (rc < 0) {
		cuvet_trt_engine_release(out);
		return -1;
	}
	/* Version and hardware compatibility came with TensorRT 8.6: older engines (a bare plan
	 * or TensorRT 5's FlatBuffer are older) have neither. For 8.6+ no known header field
	 * records them (shared/formats/trt-engine.md §3b). */
	if (out->family == CUVET_TRT_FAMILY_FLATBUFFER || out->family == CUVET_TRT_FAMILY_PLAN ||
	    (out->version_known && (out->version[0] < 8 || (out->version[0] == 8 && out->version[1] < 6)))) {
		out->version_compatible = 0;
		out->hardware_compatible = 0;
	}
	return 0;
}

void cuvet_trt_engine_release(struct cuvet_trt_engine *e)
{
	if (!e)
		return;
	free(e->wrapper_metadata);
	e->wrapper_metadata = NULL;
}

const char *cuvet_trt_family_name(enum cuvet_trt_family f)
{
	switch (f) {
	case CUVET_TRT_FAMILY_FLATBUFFER:
		return "flatbuffer";
	case CUVET_TRT_FAMILY_PLAN:
		return "plan";
	case CUVET_TRT_FAMILY_CONTAINER:
		return "container";
	default:
		return "unknown";
	}
}

const char *cuvet_trt_plan_layout_name(enum cuvet_trt_plan_layout l)
{
	switch (l) {
	case CUVET_TRT_PLAN_A:
		return "A";
	case CUVET_TRT_PLAN_B:
		return "B";
	case CUVET_TRT_PLAN_C:
		return "C";
	case CUVET_TRT_PLAN_D:
		return "D";
	default:
		return "unknown";
	}
}
