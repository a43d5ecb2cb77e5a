/* ld.so.conf reader, following ldconfig's parse_conf/parse_conf_include/add_dir_1 (glibc
 * elf/ldconfig.c), with every path resolved inside the fs view.
 *
 * Differences from ldconfig, on purpose:
 *  - directories are kept whether or not they exist (the caller wants to explain a stale cache
 *    or a missing directory), and duplicates are dropped by name, not by inode;
 *  - an include loop is an error; ldconfig recurses until its stack overflows;
 *  - glob(3) would read the host, so include patterns are expanded here with fnmatch(3) over
 *    cuvet_fs_list, with glob's defaults: no match is not an error, a leading '.' must be
 *    matched explicitly, the results are sorted by strcmp.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define LDCONF_MAX_DEPTH 16    /* include nesting */
#define LDCONF_MAX_FILES 4096  /* files parsed in all: bounds a fan-out of aliases */
#define LDCONF_MAX_SIZE ((size_t)1 << 20)

struct ldconf_state {
	struct cuvet_fs *fs;
	struct cuvet_ldconf *out;
	size_t cap;
	size_t files;
	const char *stack[LDCONF_MAX_DEPTH + 1]; /* files being parsed, outermost first */
	unsigned depth;
};

struct strlist {
	char **v;
	size_t n, cap;
};

static void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int strlist_add(struct strlist *l, const char *s, size_t len)
{
	if (xgrow(&l->v, &l->cap, l->n, sizeof(char *)) < 0)
		return -1;
	char *c = xstrndup(s, len);
	if (!c)
		return -1;
	l->v[l->n++] = c;
	return 0;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_magic(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
			return true;
	return false;
}

/* Expands the rest of PATTERN (from REST) under the directory PREFIX (length PLEN, "" for the
 * root) into OUT. PREFIX is a PATH_MAX buffer extended in place. */
static int glob_walk(struct cuvet_fs *fs, char *prefix, size_t plen, const char *rest, bool listed,
		     struct strlist *out, struct cuvet_error *err)
{
	while (*rest == '/')
		rest++;
	if (!*rest) {
		/* A last component taken literally must exist, as for glob(3); one that came
		 * from a directory listing exists already. */
		if (!listed && cuvet_fs_type(fs, plen ? prefix : "/", false) == CUVET_FS_NONE)
			return 0;
		if (strlist_add(out, plen ? prefix : "/", plen ? plen : 1) < 0)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		return 0;
	}
	const char *end = strchr(rest, '/');
	size_t clen = end ? (size_t)(end - rest) : strlen(rest);
	const char *next = rest + clen;

	if (!has_magic(rest, clen)) {
		if (plen + 1 + clen >= PATH_MAX)
			return 0;
		prefix[plen] = '/';
		memcpy(prefix + plen + 1, rest, clen);
		prefix[plen + 1 + clen] = '\0';
		int rc = glob_walk(fs, prefix, plen + 1 + clen, next, false, out, err);
		prefix[plen] = '\0';
		return rc;
	}

	char comp[NAME_MAX + 1];
	if (clen > NAME_MAX)
		return 0;
	memcpy(comp, rest, clen);
	comp[clen] = '\0';
	struct cuvet_fs_dir dir;
	if (cuvet_fs_list(fs, plen ? prefix : "/", &dir, NULL) < 0)
		return 0; /* a missing or unreadable directory matches nothing */
	int rc = 0;
	for (size_t i = 0; i < dir.count && rc == 0; i++) {
		const char *name = dir.names[i];
		if (fnmatch(comp, name, FNM_PERIOD) != 0)
			continue;
		size_t nlen = strlen(name);
		if (plen + 1 + nlen >= PATH_MAX)
			continue;
		prefix[plen] = '/';
		memcpy(prefix + plen + 1, name, nlen + 1);
		rc = glob_walk(fs, prefix, plen + 1 + nlen, next, true, out, err);
		prefix[plen] = '\0';
	}
	cuvet_fs_dir_release(&dir);
	return rc;
}

static int ldconf_glob(struct cuvet_fs *fs, const char *pattern, struct strlist *out, struct cuvet_error *err)
{
	char prefix[PATH_MAX];
	prefix[0] = '\0';
	if (glob_walk(fs, prefix, 0, pattern, false, out, err) < 0)
		return -1;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), strp_cmp);
	return 0;
}

/* add_dir_1: "DIR[=TYPE]", trailing blanks and slashes dropped. */
static int ldconf_add_dir(struct ldconf_state *st, char *line, const char *from, struct cuvet_error *err)
{
	char *eq = strchr(line, '=');
	if (eq)
		*eq = '\0'; /* a libc5-era library type; ldconfig ignores it for directories */
	size_t n = strlen(line);
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	while (n > 1 && line[n - 1] == '/')
		line[--n] = '\0';
	if (n == 0)
		return 0;
	struct cuvet_ldconf *c = st->out;
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->dirs[i], line) == 0)
			return 0;
	size_t cap = st->cap;
	if (xgrow(&c->dirs, &cap, c->count, sizeof(char *)) < 0 ||
	    xgrow(&c->from, &st->cap, c->count, sizeof(char *)) < 0)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	/* One block per directory: "dir\0from\0"; dirs[i] owns it. */
	size_t flen = strlen(from);
	char *blk = malloc(n + 1 + flen + 1);
	if (!blk)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	memcpy(blk, line, n + 1);
	memcpy(blk + n + 1, from, flen + 1);
	c->dirs[c->count] = blk;
	c->from[c->count] = blk + n + 1;
	c->count++;
	return 0;
}

static int ldconf_parse(struct ldconf_state *st, const char *file, bool top, struct cuvet_error *err);

/* parse_conf_include: a relative pattern is taken from the including file's directory. */
static int ldconf_include(struct ldconf_state *st, const char *file, const char *pattern, struct cuvet_error *err)
{
	char joined[PATH_MAX];
	const char *slash = strrchr(file, '/');
	if (pattern[0] != '/' && slash) {
		size_t dlen = (size_t)(slash - file);
		size_t plen = strlen(pattern);
		if (dlen + 1 + plen >= sizeof(joined))
			return err_set(err, CUVET_E_RANGE, "%s: include pattern too long: %s", file, pattern);
		memcpy(joined, file, dlen);
		joined[dlen] = '/';
		memcpy(joined + dlen + 1, pattern, plen + 1);
		pattern = joined;
	}
	struct strlist matches = {0};
	if (ldconf_glob(st->fs, pattern, &matches, err) < 0) {
		strlist_release(&matches);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < matches.n && rc == 0; i++)
		rc = ldconf_parse(st, matches.v[i], false, err);
	strlist_release(&matches);
	return rc;
}

static int ldconf_parse(struct ldconf_state *st, const char *file, bool top, struct cuvet_error *err)
{
	/* A loop or an absurd nesting in one included file must not lose the directories every
	 * other file lists: that include is skipped and said in the note (ldconfig itself would
	 * recurse until it fails). */
	for (unsigned i = 0; i < st->depth; i++)
		if (strcmp(st->stack[i], file) == 0) {
			if (!st->out->note)
				st->out->note = xasprintf("%s: include loop: %s includes it again (skipped)", file,
							  st->stack[st->depth - 1]);
			return 0;
		}
	if (st->depth >= LDCONF_MAX_DEPTH) {
		if (!st->out->note)
			st->out->note = xasprintf("%s: includes nested more than %d deep (skipped)", file, LDCONF_MAX_DEPTH);
		return 0;
	}
	if (++st->files > LDCONF_MAX_FILES)
		return err_set(err, CUVET_E_RANGE, "%s: more than %d configuration files included", file,
			       LDCONF_MAX_FILES);

	char *data = NULL;
	size_t len = 0;
	if (cuvet_fs_read(st->fs, file, LDCONF_MAX_SIZE, &data, &len, err) < 0) {
		/* ldconfig gives up only on the top file; an included one that cannot be read is
		 * skipped (it warns unless the file is missing). */
		if (top)
			return -1;
		cuvet_error_clear(err);
		return 0;
	}
	st->stack[st->depth++] = file;
	int rc = 0;
	char *line = data;
	while (rc == 0 && line < data + len) {
		char *nl = memchr(line, '\n', (size_t)(data + len - line));
		char *next = nl ? nl + 1 : data + len;
		if (nl)
			*nl = '\0';
		/* No quoting in this format: '#' always starts a comment. A NUL inside the line ends
		 * it, as for ldconfig's C-string handling. */
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *cp = line;
		while (isspace((unsigned char)*cp))
			cp++;
		if (*cp == '\0') {
			line = next;
			continue;
		}
		if (strncmp(cp, "include", 7) == 0 && isblank((unsigned char)cp[7])) {
			char *rest = cp + 8, *tok;
			while (rc == 0 && (tok = strsep(&rest, " \t")) != NULL)
				if (*tok)
					rc = ldconf_include(st, file, tok, err);
		} else if (strncasecmp(cp, "hwcap", 5) == 0 && isblank((unsigned char)cp[5])) {
			/* ldconfig: "hwcap directive ignored" */
		} else {
			rc = ldconf_add_dir(st, cp, file, err);
		}
		line = next;
	}
	st->depth--;
	free(data);
	return rc;
}

int cuvet_ldconf_read(struct cuvet_fs *fs, const char *path, struct cuvet_ldconf *out, struct cuvet_error *err)
{
	memset(out, 0, sizeof(*out));
	struct ldconf_state st;
	memset(&st, 0, sizeof(st));
	st.fs = fs;
	st.out = out;
	if (ldconf_parse(&st, path, true, err) < 0) {
		cuvet_ldconf_release(out);
		return -1;
	}
	return 0;
}

void cuvet_ldconf_release(struct cuvet_ldconf *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->count; i++)
		free(conf->dirs[i]); /* also holds from[i] */
	free(conf->dirs);
	free(conf->from);
	free(conf->note);
	memset(conf, 0, sizeof(*conf));
}
