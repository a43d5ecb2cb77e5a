/* Internal helpers shared by libcuvet's modules; not part of the public API. */
#ifndef CUVET_INTERNAL_H
#define CUVET_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

#define CUVET_UNUSED(x) ((void)(x))
#define CUVET_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define CUVET_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CUVET_PRINTF(f, a)
#endif

/* Fills ERR (which may be NULL) and returns -1, so callers can `return err_set(...)`. */
int err_set(struct cuvet_error *err, int code, const char *fmt, ...) CUVET_PRINTF(3, 4);
/* Same, appending ": strerror(errnum)". */
int err_sys(struct cuvet_error *err, int errnum, const char *fmt, ...) CUVET_PRINTF(3, 4);

/* Allocation that reports failure through ERR. */
char *xstrdup(const char *s);                 /* NULL in, NULL out; NULL on failure too */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) CUVET_PRINTF(1, 2);
/* Grows *ARR (element size ELEM) to hold at least N+1 elements. */
int xgrow(void *arr, size_t *cap, size_t n, size_t elem);

/* Checked number parsing: whole string must be consumed, base 0 allowed. */
int parse_ulong(const char *s, int base, unsigned long max, unsigned long *out);
int parse_long(const char *s, int base, long min, long max, long *out);

/* snprintf for paths: false (and OUT emptied) when the result does not fit. */
bool pathf(char *out, size_t len, const char *fmt, ...) CUVET_PRINTF(3, 4);

/* String helpers. */
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
char *str_trim(char *s);                       /* in place, returns s moved past leading space */
void str_lower(char *s);

/* -1, 0 or 1 as A is older, equal or newer than B; 2 when either is missing or not a version. */
int version_cmp_loose(const char *a, const char *b);

/* Value of KEY in a NULL-terminated KEY=VALUE environment, or NULL. */
const char *env_get(char *const *env, const char *key);

/* Growable string buffer. */
struct sbuf {
	char *data;
	size_t len, cap;
	bool oom;
};
void sbuf_init(struct sbuf *b);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) CUVET_PRINTF(2, 3);
void sbuf_add(struct sbuf *b, const char *s);
char *sbuf_steal(struct sbuf *b);              /* NULL if out of memory */
void sbuf_release(struct sbuf *b);


#endif
