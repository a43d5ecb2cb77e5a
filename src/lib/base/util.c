#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include "internal.h"

void cuvet_error_clear(struct cuvet_error *err)
{
	if (err) {
		err->code = CUVET_OK;
		err->msg[0] = '\0';
	}
}

static int err_vset(struct cuvet_error *err, int code, int errnum, const char *fmt, va_list ap) CUVET_PRINTF(4, 0);
static int err_vset(struct cuvet_error *err, int code, int errnum, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->code = code;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (errnum && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
	return -1;
}

int err_set(struct cuvet_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, code, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct cuvet_error *err, int errnum, const char *fmt, ...)
{
	int code = CUVET_E_IO;
	if (errnum == ENOENT || errnum == ENOTDIR)
		code = CUVET_E_NOTFOUND;
	else if (errnum == ELOOP)
		code = CUVET_E_LOOP;
	else if (errnum == ENOMEM)
		code = CUVET_E_NOMEM;
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, code, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	return s ? strndup(s, n) : NULL;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *out = NULL;
	va_start(ap, fmt);
	if (vasprintf(&out, fmt, ap) < 0)
		out = NULL;
	va_end(ap);
	return out;
}

int xgrow(void *arrp, size_t *cap, size_t n, size_t elem)
{
	void **arr = arrp;
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap <= n)
		ncap *= 2;
	if (ncap > SIZE_MAX / elem)
		return -1;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return -1;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

int parse_ulong(const char *s, int base, unsigned long max, unsigned long *out)
{
	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -1;
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, base);
	if (errno || !end || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_long(const char *s, int base, long min, long max, long *out)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, base);
	if (errno || !end || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool str_starts(const char *s, const char *prefix)
{
	return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends(const char *s, const char *suffix)
{
	if (!s || !suffix)
		return false;
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

char *str_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

void str_lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void sbuf_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

static void sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		char *p = realloc(b->data, ncap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->data = p;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void sbuf_add(struct sbuf *b, const char *s)
{
	sbuf_addn(b, s, strlen(s));
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sbuf_addn(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sbuf_addn(b, big, (size_t)n);
	free(big);
}

char *sbuf_steal(struct sbuf *b)
{
	if (b->oom) {
		sbuf_release(b);
		return NULL;
	}
	char *out = b->data ? b->data : strdup("");
	sbuf_init(b);
	return out;
}

void sbuf_release(struct sbuf *b)
{
	free(b->data);
	sbuf_init(b);
}

const char *cuvet_verdict_name(enum cuvet_verdict v)
{
	switch (v) {
	case CUVET_PASS: return "PASS";
	case CUVET_FAIL: return "FAIL";
	case CUVET_UNKNOWN: return "UNKNOWN";
	case CUVET_ERROR: return "ERROR";
	}
	return "ERROR";
}

const char *cuvet_severity_name(enum cuvet_severity s)
{
	switch (s) {
	case CUVET_SEV_INFO: return "info";
	case CUVET_SEV_WARNING: return "warning";
	case CUVET_SEV_ERROR: return "error";
	}
	return "error";
}

bool pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return false;
	}
	return true;
}

int cuvet_verdict_exit(enum cuvet_verdict v)
{
	switch (v) {
	case CUVET_PASS: return CUVET_EXIT_OK;
	case CUVET_FAIL: return CUVET_EXIT_PROBLEMS;
	case CUVET_UNKNOWN: return CUVET_EXIT_UNDETERMINED;
	case CUVET_ERROR: break;
	}
	return CUVET_EXIT_INPUT;
}

int cuvet_severity_exit(int worst_severity)
{
	return worst_severity == CUVET_SEV_ERROR ? CUVET_EXIT_PROBLEMS : CUVET_EXIT_OK;
}

const char *env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (char *const *e = env; e && *e; e++)
		if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}
