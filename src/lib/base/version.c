/* Dotted numeric versions and NVIDIA's integer version encodings (shared/kb/versions-api.md). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int parse_parts(const char *s, struct cuvet_version *out, const char **end, bool allow_tail,
		       struct cuvet_error *err)
{
	struct cuvet_version v = {0};
	const char *p = s;
	if (!s)
		return err_set(err, CUVET_E_INVALID, "empty version");
	for (;;) {
		if (!isdigit((unsigned char)*p)) {
			if (v.nparts == 0)
				return err_set(err, CUVET_E_INVALID, "invalid version \"%s\": expected a number at position %zu",
					       s, (size_t)(p - s) + 1);
			return err_set(err, CUVET_E_INVALID, "invalid version \"%s\": expected a number after '.' at position %zu",
				       s, (size_t)(p - s) + 1);
		}
		if (v.nparts == CUVET_VERSION_MAX_PARTS)
			return err_set(err, CUVET_E_INVALID, "invalid version \"%s\": more than %d components", s,
				       CUVET_VERSION_MAX_PARTS);
		uint64_t n = 0;
		while (isdigit((unsigned char)*p)) {
			n = n * 10 + (uint64_t)(*p - '0');
			if (n > UINT32_MAX)
				return err_set(err, CUVET_E_RANGE, "invalid version \"%s\": component too large", s);
			p++;
		}
		v.part[v.nparts++] = (uint32_t)n;
		if (*p == '.' && isdigit((unsigned char)p[1])) {
			p++;
			continue;
		}
		if (*p == '.' && !allow_tail)
			return err_set(err, CUVET_E_INVALID, "invalid version \"%s\": expected a number after '.' at position %zu",
				       s, (size_t)(p - s) + 2);
		break;
	}
	if (*p && !allow_tail)
		return err_set(err, CUVET_E_INVALID, "invalid version \"%s\": unexpected '%c' at position %zu", s, *p,
			       (size_t)(p - s) + 1);
	if (end)
		*end = p;
	*out = v;
	return 0;
}

int cuvet_version_parse(const char *s, struct cuvet_version *out, struct cuvet_error *err)
{
	return parse_parts(s, out, NULL, false, err);
}

int cuvet_version_parse_prefix(const char *s, struct cuvet_version *out, const char **end, struct cuvet_error *err)
{
	return parse_parts(s, out, end, true, err);
}

int cuvet_version_cmp(const struct cuvet_version *a, const struct cuvet_version *b)
{
	unsigned n = a->nparts > b->nparts ? a->nparts : b->nparts;
	for (unsigned i = 0; i < n; i++) {
		uint32_t x = i < a->nparts ? a->part[i] : 0;
		uint32_t y = i < b->nparts ? b->part[i] : 0;
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int cuvet_version_format(const struct cuvet_version *v, char *buf, size_t len)
{
	size_t off = 0;
	int total = 0;
	for (unsigned i = 0; i < v->nparts; i++) {
		int n = snprintf(buf ? buf + off : NULL, buf && off < len ? len - off : 0, "%s%u", i ? "." : "",
				 v->part[i]);
		if (n < 0)
			return -1;
		total += n;
		off += (size_t)n;
		if (off >= len)
			off = len;
	}
	if (buf && len && v->nparts == 0)
		buf[0] = '\0';
	return total;
}

int cuvet_version_compare_str(const char *a, const char *b, int *result, struct cuvet_error *err)
{
	struct cuvet_version va, vb;
	if (cuvet_version_parse(a, &va, err) < 0 || cuvet_version_parse(b, &vb, err) < 0)
		return -1;
	*result = cuvet_version_cmp(&va, &vb);
	return 0;
}

static const char *const enc_names[] = {
	[CUVET_ENC_CUDA] = "cuda",
	[CUVET_ENC_CUDNN] = "cudnn",
	[CUVET_ENC_TENSORRT] = "tensorrt",
	[CUVET_ENC_NCCL] = "nccl",
	[CUVET_ENC_CUBLAS] = "cublas",
};

const char *cuvet_encoding_name(enum cuvet_encoding enc)
{
	if ((unsigned)enc < CUVET_ARRAY_LEN(enc_names))
		return enc_names[enc];
	return "unknown";
}

int cuvet_encoding_from_name(const char *name, enum cuvet_encoding *out)
{
	for (size_t i = 0; i < CUVET_ARRAY_LEN(enc_names); i++) {
		if (name && strcasecmp(name, enc_names[i]) == 0) {
			*out = (enum cuvet_encoding)i;
			return 0;
		}
	}
	return -1;
}

static void set3(struct cuvet_version *v, long a, long b, long c, unsigned n)
{
	memset(v, 0, sizeof(*v));
	v->nparts = n;
	v->part[0] = (uint32_t)a;
	v->part[1] = (uint32_t)b;
	if (n > 2)
		v->part[2] = (uint32_t)c;
}

/* The "wide" scheme (major*10000 + minor*100 + patch) took over from the "narrow" one
 * (major*1000 + minor*100 + patch) at a different point for each library. */
int cuvet_version_decode(enum cuvet_encoding enc, long value, struct cuvet_version *out, struct cuvet_error *err)
{
	if (value <= 0 || value > 99999999L)
		return err_set(err, CUVET_E_INVALID, "invalid %s version code %ld", cuvet_encoding_name(enc), value);
	switch (enc) {
	case CUVET_ENC_CUDA:
		/* 12020 = 12.2; the tens digit is the minor, the units digit must be zero */
		if (value % 10 != 0 || value < 1000)
			return err_set(err, CUVET_E_INVALID, "invalid cuda version code %ld (expected 1000*major + 10*minor)",
				       value);
		set3(out, value / 1000, (value % 1000) / 10, 0, 2);
		return 0;
	case CUVET_ENC_CUDNN:
		/* cuDNN 9 switched to major*10000: 90100 = 9.1.0; 8902 = 8.9.2 */
		if (value >= 90000)
			set3(out, value / 10000, (value % 10000) / 100, value % 100, 3);
		else if (value >= 1000 && value < 10000)
			set3(out, value / 1000, (value % 1000) / 100, value % 100, 3);
		else
			return err_set(err, CUVET_E_INVALID, "invalid cudnn version code %ld", value);
		return 0;
	case CUVET_ENC_TENSORRT:
		/* TensorRT 10 uses major*10000: 100001 = 10.0.1; 8601 = 8.6.1 */
		if (value >= 100000)
			set3(out, value / 10000, (value % 10000) / 100, value % 100, 3);
		else if (value >= 1000 && value < 10000)
			set3(out, value / 1000, (value % 1000) / 100, value % 100, 3);
		else
			return err_set(err, CUVET_E_INVALID, "invalid tensorrt version code %ld", value);
		return 0;
	case CUVET_ENC_NCCL:
		/* NCCL_VERSION(X,Y,Z): X*1000+Y*100+Z up to 2.8, X*10000+Y*100+Z from 2.9 on */
		if (value >= 20900)
			set3(out, value / 10000, (value % 10000) / 100, value % 100, 3);
		else if (value >= 1000 && value < 2900)
			set3(out, value / 1000, (value % 1000) / 100, value % 100, 3);
		else
			return err_set(err, CUVET_E_INVALID, "invalid nccl version code %ld", value);
		return 0;
	case CUVET_ENC_CUBLAS:
		if (value < 10000)
			return err_set(err, CUVET_E_INVALID, "invalid cublas version code %ld", value);
		set3(out, value / 10000, (value % 10000) / 100, value % 100, 3);
		return 0;
	}
	return err_set(err, CUVET_E_INVALID, "unknown version encoding");
}

int cuvet_version_encode(enum cuvet_encoding enc, const struct cuvet_version *v, long *out, struct cuvet_error *err)
{
	if (!v || v->nparts < 1)
		return err_set(err, CUVET_E_INVALID, "empty version");
	long M = v->part[0], m = v->nparts > 1 ? v->part[1] : 0, p = v->nparts > 2 ? v->part[2] : 0;
	char txt[64];
	cuvet_version_format(v, txt, sizeof(txt));
	switch (enc) {
	case CUVET_ENC_CUDA:
		if (v->nparts > 2 && p != 0)
			return err_set(err, CUVET_E_INVALID,
				       "cuda version %s has a patch level, which the integer form cannot hold", txt);
		if (m > 99 || M > 99999)
			return err_set(err, CUVET_E_RANGE, "cuda version %s out of range", txt);
		*out = M * 1000 + m * 10;
		return 0;
	case CUVET_ENC_CUDNN:
		if (m > 99 || p > 99)
			return err_set(err, CUVET_E_RANGE, "cudnn version %s out of range", txt);
		if (M < 9 && (m > 9))
			return err_set(err, CUVET_E_RANGE, "cudnn version %s cannot be encoded (minor > 9 before 9.0)", txt);
		*out = M >= 9 ? M * 10000 + m * 100 + p : M * 1000 + m * 100 + p;
		return 0;
	case CUVET_ENC_TENSORRT:
		if (m > 99 || p > 99)
			return err_set(err, CUVET_E_RANGE, "tensorrt version %s out of range", txt);
		if (M < 10 && m > 9)
			return err_set(err, CUVET_E_RANGE, "tensorrt version %s cannot be encoded", txt);
		*out = M >= 10 ? M * 10000 + m * 100 + p : M * 1000 + m * 100 + p;
		return 0;
	case CUVET_ENC_NCCL:
		if (m > 99 || p > 99)
			return err_set(err, CUVET_E_RANGE, "nccl version %s out of range", txt);
		*out = (M <= 2 && m <= 8) ? M * 1000 + m * 100 + p : M * 10000 + m * 100 + p;
		return 0;
	case CUVET_ENC_CUBLAS:
		if (m > 99 || p > 99)
			return err_set(err, CUVET_E_RANGE, "cublas version %s out of range", txt);
		*out = M * 10000 + m * 100 + p;
		return 0;
	}
	return err_set(err, CUVET_E_INVALID, "unknown version encoding");
}

int version_cmp_loose(const char *a, const char *b)
{
	int r = 0;
	if (!a || !b || cuvet_version_compare_str(a, b, &r, NULL) < 0)
		return 2;
	return r;
}
