/* Dockerfile parser, after BuildKit's frontend/dockerfile/parser (parser.go, directives.go,
 * line_parsers.go) and its shell lexer (frontend/dockerfile/shell/lex.go):
 *  - parser directives (`# syntax=`, `# escape=`, `# check=`) only at the top: the first line
 *    that is not one (an empty line, another comment, an instruction) ends them; a directive
 *    given twice and an escape other than '\' and '`' are errors;
 *  - a line whose last non-blank character is the escape character continues on the next;
 *    empty and comment lines inside a continuation are skipped (BuildKit warns, then skips);
 *  - heredocs on RUN, COPY and ADD: `<<WORD`, `<<-WORD` (leading tabs stripped), `<<"WORD"` and
 *    `<<'WORD'` (no expansion); bodies follow the instruction's last line, in order;
 *  - a JSON array that does not parse is the shell form (as BuildKit falls back);
 *  - only ARG may come before the first FROM; an unknown instruction is an error.
 * Bytes are kept as they are (CRLF is a line end; a UTF-8 BOM at the start is skipped). */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dockerfile.h"

static const char *const keywords[] = {
	"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
	"MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
};

/* Joined text with, for each byte, its offset in the buffer. */
struct joined {
	char *s;
	size_t *off;
	size_t len, cap;
};

static int joined_add(struct joined *j, const char *buf, size_t from, size_t to)
{
	size_t need = j->len + (to - from) + 1;
	if (need > j->cap) {
		size_t cap = j->cap ? j->cap : 128;
		while (cap < need)
			cap *= 2;
		char *s = realloc(j->s, cap);
		if (!s)
			return -1;
		j->s = s;
		size_t *off = realloc(j->off, cap * sizeof(*off));
		if (!off)
			return -1;
		j->off = off;
		j->cap = cap;
	}
	for (size_t i = from; i < to; i++) {
		j->s[j->len] = buf[i];
		j->off[j->len++] = i;
	}
	j->s[j->len] = '\0';
	return 0;
}

struct lines {
	const char *buf;
	size_t len, pos;
	unsigned no;
};

/* The next physical line: [*START, *END) without its "\n" or "\r\n". False at the end. */
static bool next_line(struct lines *l, size_t *start, size_t *end)
{
	if (l->pos >= l->len)
		return false;
	*start = l->pos;
	const char *nl = memchr(l->buf + l->pos, '\n', l->len - l->pos);
	size_t e = nl ? (size_t)(nl - l->buf) : l->len;
	l->pos = nl ? e + 1 : l->len;
	if (e > *start && l->buf[e - 1] == '\r')
		e--;
	*end = e;
	l->no++;
	return true;
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* "# name = value": a directive. */
static bool directive(const char *s, size_t n, char *name, size_t namelen, const char **val, size_t *vallen)
{
	size_t i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != '#')
		return false;
	i++;
	while (i < n && is_blank(s[i]))
		i++;
	size_t k = 0;
	if (i >= n || !isalpha((unsigned char)s[i]))
		return false;
	while (i < n && isalnum((unsigned char)s[i])) {
		if (k + 1 >= namelen)
			return false;
		name[k++] = (char)tolower((unsigned char)s[i++]);
	}
	name[k] = '\0';
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != '=')
		return false;
	i++;
	while (i < n && is_blank(s[i]))
		i++;
	size_t e = n;
	while (e > i && is_blank(s[e - 1]))
		e--;
	if (e == i)
		return false;
	*val = s + i;
	*vallen = e - i;
	return true;
}

void cuvet_dockerfile_free(struct cuvet_dockerfile *df)
{
	if (!df)
		return;
	for (size_t i = 0; i < df->ninstrs; i++) {
		struct cuvet_dockerfile_instr *in = &df->instrs[i];
		free(in->keyword);
		free(in->args);
		for (size_t k = 0; k < in->argc; k++)
			free(in->argv[k]);
		free(in->argv);
		for (size_t k = 0; k < in->nheredocs; k++) {
			free(in->heredocs[k].name);
			free(in->heredocs[k].body);
		}
		free(in->heredocs);
	}
	free(df->instrs);
	for (size_t i = 0; i < df->nstages; i++) {
		free(df->stages[i].image_text);
		free(df->stages[i].image);
		free(df->stages[i].name);
		free(df->stages[i].platform);
	}
	free(df->stages);
	for (size_t i = 0; i < df->nargs; i++) {
		free(df->args[i].key);
		free(df->args[i].value);
	}
	free(df->args);
	free(df->syntax);
	free(df);
}

/* ------------------------------------------------------------ expansion ---- */

static const struct cuvet_image_kv *var_find(const struct cuvet_image_kv *vars, size_t n, const char *name,
					     size_t len)
{
	/* The last declaration wins (an ARG given twice). */
	for (size_t i = n; i-- > 0;)
		if (strlen(vars[i].key) == len && memcmp(vars[i].key, name, len) == 0)
			return &vars[i];
	return NULL;
}

static bool name_char(int c, bool first)
{
	return c == '_' || isalpha(c) || (!first && isdigit(c));
}

/* Expands S[0..N) into B. DEPTH bounds nested ${…:-${…}}. */
static int expand_into(struct sbuf *b, const char *s, size_t n, char escape, const struct cuvet_image_kv *vars,
		       size_t nvars, bool *unset, int depth, struct cuvet_error *err)
{
	if (depth > 16)
		return err_set(err, CUVET_E_INVALID, "variables nested too deeply");
	char quote = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				sbuf_addf(b, "%c", c);
			continue;
		}
		if (c == escape && i + 1 < n) {
			/* Inside "…" the escape only escapes $, " and itself (as in sh). */
			char d = s[i + 1];
			if (quote == '"' && d != '$' && d != '"' && d != escape)
				sbuf_addf(b, "%c", c);
			sbuf_addf(b, "%c", d);
			i++;
			continue;
		}
		if (!quote && (c == '\'' || c == '"')) {
			quote = c;
			continue;
		}
		if (quote == '"' && c == '"') {
			quote = 0;
			continue;
		}
		if (c != '$' || i + 1 >= n) {
			sbuf_addf(b, "%c", c);
			continue;
		}
		if (s[i + 1] == '{') {
			size_t j = i + 2, name = j;
			while (j < n && name_char((unsigned char)s[j], j == name))
				j++;
			size_t namelen = j - name;
			if (namelen == 0)
				return err_set(err, CUVET_E_INVALID, "bad substitution: %.*s", (int)(n - i), s + i);
			/* The word runs to the matching '}'. */
			size_t depth_b = 1, k = j;
			for (; k < n; k++) {
				if (s[k] == escape && k + 1 < n) {
					k++;
					continue;
				}
				if (s[k] == '{')
					depth_b++;
				else if (s[k] == '}' && --depth_b == 0)
					break;
			}
			if (k >= n)
				return err_set(err, CUVET_E_INVALID, "missing '}' in %.*s", (int)(n - i), s + i);
			const struct cuvet_image_kv *v = var_find(vars, nvars, s + name, namelen);
			const char *val = v ? v->value : NULL;
			if (j == k) {
				if (val)
					sbuf_add(b, val);
				else
					*unset = true;
			} else {
				bool colon = s[j] == ':';
				size_t op = colon ? j + 1 : j;
				if (op >= k || (s[op] != '-' && s[op] != '+'))
					return err_set(err, CUVET_E_INVALID, "unsupported modifier in %.*s", (int)(k + 1 - i),
						       s + i);
				/* ':' treats an empty value as unset. */
				bool set = val && (!colon || *val);
				bool use_word = s[op] == '-' ? !set : set;
				if (use_word) {
					if (expand_into(b, s + op + 1, k - op - 1, escape, vars, nvars, unset, depth + 1,
							err) < 0)
						return -1;
				} else if (s[op] == '-') {
					sbuf_add(b, val);
				}
			}
			i = k;
			continue;
		}
		size_t j = i + 1;
		while (j < n && name_char((unsigned char)s[j], j == i + 1))
			j++;
		if (j == i + 1) {
			sbuf_addf(b, "%c", c);
			continue;
		}
		const struct cuvet_image_kv *v = var_find(vars, nvars, s + i + 1, j - i - 1);
		if (v && v->value)
			sbuf_add(b, v->value);
		else
			*unset = true;
		i = j - 1;
	}
	return 0;
}

char *df_expand(const char *s, char escape, const struct cuvet_image_kv *vars, size_t nvars, bool *unset,
		struct cuvet_error *err)
{
	struct sbuf b;
	sbuf_init(&b);
	sbuf_add(&b, "");
	bool u = false;
	if (expand_into(&b, s, strlen(s), escape, vars, nvars, &u, 0, err) < 0) {
		sbuf_release(&b);
		return NULL;
	}
	if (unset)
		*unset = u;
	char *out = sbuf_steal(&b);
	if (!out)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return out;
}

/* --------------------------------------------------------- shell words ---- */

void df_words_free(char **w, size_t n)
{
	if (!w)
		return;
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static int words_push(char ***w, size_t *n, size_t *cap, char *s)
{
	if (xgrow(w, cap, *n, sizeof(**w)) < 0) {
		free(s);
		return -1;
	}
	(*w)[(*n)++] = s;
	return 0;
}

char **df_shell_words(const char *s, char escape, size_t *nout)
{
	char **w = NULL;
	size_t n = 0, cap = 0;
	struct sbuf cur;
	sbuf_init(&cur);
	bool in_word = false;
	char quote = 0;
	for (size_t i = 0;; i++) {
		char c = s[i];
		bool sep = false, cmd_end = false;
		if (c == '\0') {
			sep = cmd_end = true;
		} else if (quote) {
			if (c == quote)
				quote = 0;
			else if (quote == '"' && c == escape && s[i + 1])
				sbuf_addf(&cur, "%c", s[++i]);
			else
				sbuf_addf(&cur, "%c", c);
			in_word = true;
			continue;
		} else if (c == '\'' || c == '"') {
			quote = c;
			in_word = true;
			continue;
		} else if (c == escape && s[i + 1]) {
			if (s[i + 1] != '\n')
				sbuf_addf(&cur, "%c", s[i + 1]), in_word = true;
			i++;
			continue;
		} else if (c == ' ' || c == '\t') {
			sep = true;
		} else if (c == ';' || c == '&' || c == '|' || c == '\n' || c == '(' || c == ')') {
			sep = cmd_end = true;
		} else {
			sbuf_addf(&cur, "%c", c);
			in_word = true;
			continue;
		}
		if (sep && in_word) {
			sbuf_add(&cur, "");
			char *word = sbuf_steal(&cur);
			sbuf_init(&cur);
			if (!word || words_push(&w, &n, &cap, word) < 0)
				goto fail;
			in_word = false;
		}
		if (cmd_end && n > 0 && w[n - 1] != NULL && words_push(&w, &n, &cap, NULL) < 0)
			goto fail;
		if (c == '\0')
			break;
	}
	if (words_push(&w, &n, &cap, NULL) < 0 || words_push(&w, &n, &cap, NULL) < 0)
		goto fail;
	*nout = n;
	return w;
fail:
	sbuf_release(&cur);
	df_words_free(w, n);
	return NULL;
}

/* --------------------------------------------------------------- parser ---- */

struct parser {
	struct cuvet_dockerfile *df;
	size_t cap_instrs, cap_stages, cap_args;
	const char *const *build_args;
	struct cuvet_error *err;
};

/* The heredoc markers of an instruction's arguments (outside quotes, at a word's start). */
static int find_heredocs(struct cuvet_dockerfile_instr *in, struct cuvet_error *err)
{
	const char *s = in->args;
	size_t cap = 0;
	char quote = 0;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		if (quote) {
			if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '\'' || c == '"') {
			quote = c;
			continue;
		}
		if (c != '<' || s[i + 1] != '<' || (i > 0 && !isspace((unsigned char)s[i - 1])))
			continue;
		size_t j = i + 2;
		bool strip = false, quoted = false;
		if (s[j] == '-') {
			strip = true;
			j++;
		}
		char q = 0;
		if (s[j] == '"' || s[j] == '\'') {
			q = s[j++];
			quoted = true;
		}
		size_t start = j;
		while (s[j] && (q ? s[j] != q : !isspace((unsigned char)s[j]) && s[j] != '<' && s[j] != '>' &&
							s[j] != ';' && s[j] != '&' && s[j] != '|'))
			j++;
		if (j == start || (q && s[j] != q)) {
			i = j ? j - 1 : 0;
			continue;
		}
		if (xgrow(&in->heredocs, &cap, in->nheredocs, sizeof(*in->heredocs)) < 0)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		struct cuvet_dockerfile_heredoc *h = &in->heredocs[in->nheredocs++];
		memset(h, 0, sizeof(*h));
		h->strip_tabs = strip;
		h->quoted = quoted;
		if (!(h->name = xstrndup(s + start, j - start)))
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		i = q ? j : j - 1;
	}
	return 0;
}

/* Reads the heredoc bodies that follow the instruction. */
static int read_heredocs(struct lines *l, struct cuvet_dockerfile_instr *in, struct cuvet_error *err)
{
	for (size_t k = 0; k < in->nheredocs; k++) {
		struct cuvet_dockerfile_heredoc *h = &in->heredocs[k];
		struct sbuf b;
		sbuf_init(&b);
		sbuf_add(&b, "");
		bool closed = false;
		size_t st, en;
		while (next_line(l, &st, &en)) {
			const char *p = l->buf + st;
			size_t n = en - st;
			if (h->strip_tabs)
				while (n > 0 && *p == '\t')
					p++, n--;
			if (n == strlen(h->name) && memcmp(p, h->name, n) == 0) {
				closed = true;
				break;
			}
			sbuf_addf(&b, "%.*s\n", (int)n, p);
		}
		in->end_line = l->no;
		if (!closed) {
			sbuf_release(&b);
			return err_set(err, CUVET_E_INVALID, "line %u: heredoc <<%s is not terminated", in->line, h->name);
		}
		if (!(h->body = sbuf_steal(&b)))
			return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	return 0;
}

static int parse_json_form(struct cuvet_dockerfile_instr *in, struct cuvet_error *err)
{
	const char *s = in->args;
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '[')
		return 0;
	json_error_t je;
	json_t *a = json_loads(s, JSON_DISABLE_EOF_CHECK, &je);
	if (!a)
		return 0;
	/* Only an array of strings, and nothing after it, is the JSON form. */
	const char *rest = s + je.position;
	while (isspace((unsigned char)*rest))
		rest++;
	size_t n = json_is_array(a) ? json_array_size(a) : 0;
	bool ok = json_is_array(a) && !*rest;
	for (size_t i = 0; ok && i < n; i++)
		ok = json_is_string(json_array_get(a, i));
	if (ok) {
		in->argv = calloc(n ? n : 1, sizeof(*in->argv));
		if (!in->argv) {
			json_decref(a);
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
		for (size_t i = 0; i < n; i++) {
			if (!(in->argv[i] = xstrdup(json_string_value(json_array_get(a, i))))) {
				json_decref(a);
				return err_set(err, CUVET_E_NOMEM, "out of memory");
			}
			in->argc++;
		}
		in->json = true;
	}
	json_decref(a);
	return 0;
}

/* Splits WORDS of ARG/FROM arguments at blanks outside quotes; each word's offset in S. */
static size_t split_words(const char *s, char escape, size_t *starts, size_t *ends, size_t max)
{
	size_t n = 0, i = 0;
	while (s[i]) {
		while (s[i] && isspace((unsigned char)s[i]))
			i++;
		if (!s[i])
			break;
		size_t st = i;
		char q = 0;
		while (s[i] && (q || !isspace((unsigned char)s[i]))) {
			if (s[i] == escape && s[i + 1]) {
				i += 2;
				continue;
			}
			if (q && s[i] == q)
				q = 0;
			else if (!q && (s[i] == '"' || s[i] == '\''))
				q = s[i];
			i++;
		}
		if (n < max) {
			starts[n] = st;
			ends[n] = i;
		}
		n++;
	}
	return n;
}

static int add_arg(struct parser *p, const char *name, size_t namelen, const char *value)
{
	struct cuvet_dockerfile *df = p->df;
	if (xgrow(&df->args, &p->cap_args, df->nargs, sizeof(*df->args)) < 0)
		return err_set(p->err, CUVET_E_NOMEM, "out of memory");
	struct cuvet_image_kv *kv = &df->args[df->nargs];
	kv->key = xstrndup(name, namelen);
	kv->value = value ? xstrdup(value) : NULL;
	df->nargs++;
	if (!kv->key || (value && !kv->value))
		return err_set(p->err, CUVET_E_NOMEM, "out of memory");
	return 0;
}

/* ARG NAME[=default] ... before the first FROM. A --build-arg for NAME overrides the default. */
static int global_arg(struct parser *p, const struct cuvet_dockerfile_instr *in, const char *s)
{
	size_t st[64], en[64];
	size_t n = split_words(s, p->df->escape, st, en, 64);
	if (n == 0)
		return err_set(p->err, CUVET_E_INVALID, "line %u: ARG requires at least one argument", in->line);
	if (n > 64)
		return err_set(p->err, CUVET_E_INVALID, "line %u: too many words in ARG", in->line);
	for (size_t k = 0; k < n; k++) {
		const char *w = s + st[k];
		size_t wl = en[k] - st[k];
		const char *eq = memchr(w, '=', wl);
		size_t namelen = eq ? (size_t)(eq - w) : wl;
		if (namelen == 0)
			return err_set(p->err, CUVET_E_INVALID, "line %u: ARG names no variable", in->line);
		char *value = NULL;
		if (eq) {
			char *raw = xstrndup(eq + 1, wl - namelen - 1);
			if (!raw)
				return err_set(p->err, CUVET_E_NOMEM, "out of memory");
			struct cuvet_error e2 = {0};
			value = df_expand(raw, p->df->escape, p->df->args, p->df->nargs, NULL, &e2);
			free(raw);
			if (!value)
				return err_set(p->err, e2.code, "line %u: ARG: %s", in->line, e2.msg);
		}
		for (const char *const *b = p->build_args; b && *b; b++) {
			const char *beq = strchr(*b, '=');
			if (beq && (size_t)(beq - *b) == namelen && memcmp(*b, w, namelen) == 0) {
				free(value);
				if (!(value = xstrdup(beq + 1)))
					return err_set(p->err, CUVET_E_NOMEM, "out of memory");
			}
		}
		int r = add_arg(p, w, namelen, value);
		free(value);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* BuildKit's automatic platform ARGs, in the global scope without a declaration: BUILDPLATFORM
 * is the builder's (this machine's), TARGETPLATFORM the one asked for (docker build --platform,
 * given here as the build arg TARGETPLATFORM) or else the builder's; each split into OS, ARCH and
 * VARIANT. */
static const char *builder_platform(void)
{
#if defined(__x86_64__)
	return "linux/amd64";
#elif defined(__aarch64__)
	return "linux/arm64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
	return "linux/ppc64le";
#elif defined(__s390x__)
	return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "linux/riscv64";
#else
	return NULL;
#endif
}

static int platform_args(struct parser *p, const char *prefix, const char *platform)
{
	char os[64] = "", arch[64] = "", variant[64] = "";
	if (platform)
		sscanf(platform, "%63[^/]/%63[^/]/%63s", os, arch, variant);
	const struct {
		const char *suffix, *value;
	} parts[] = {{"PLATFORM", platform}, {"OS", platform ? os : NULL}, {"ARCH", platform ? arch : NULL},
		     {"VARIANT", platform ? variant : NULL}};
	for (size_t i = 0; i < CUVET_ARRAY_LEN(parts); i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s%s", prefix, parts[i].suffix);
		if (add_arg(p, name, strlen(name), parts[i].value) < 0)
			return -1;
	}
	return 0;
}

static int from_instr(struct parser *p, size_t idx, const struct joined *j, size_t args_at)
{
	struct cuvet_dockerfile *df = p->df;
	const struct cuvet_dockerfile_instr *in = &df->instrs[idx];
	const char *s = in->args;
	size_t st[8], en[8];
	size_t n = split_words(s, df->escape, st, en, 8);
	size_t k = 0;
	char *platform = NULL;
	/* Flags: --platform=X (others are errors in BuildKit). */
	while (k < n && en[k] - st[k] > 2 && s[st[k]] == '-' && s[st[k] + 1] == '-') {
		const char *w = s + st[k];
		size_t wl = en[k] - st[k];
		if (wl > 11 && strncmp(w, "--platform=", 11) == 0) {
			free(platform);
			if (!(platform = xstrndup(w + 11, wl - 11)))
				return err_set(p->err, CUVET_E_NOMEM, "out of memory");
		} else {
			free(platform);
			return err_set(p->err, CUVET_E_INVALID, "line %u: unknown flag: %.*s", in->line, (int)wl, w);
		}
		k++;
	}
	size_t rest = n > 8 ? n : n - k;
	if (!(rest == 1 || (rest == 3 && en[k + 1] - st[k + 1] == 2 && strncasecmp(s + st[k + 1], "as", 2) == 0))) {
		free(platform);
		return err_set(p->err, CUVET_E_INVALID, "line %u: FROM requires either one or three arguments", in->line);
	}
	if (xgrow(&df->stages, &p->cap_stages, df->nstages, sizeof(*df->stages)) < 0) {
		free(platform);
		return err_set(p->err, CUVET_E_NOMEM, "out of memory");
	}
	struct cuvet_dockerfile_stage *sg = &df->stages[df->nstages++];
	memset(sg, 0, sizeof(*sg));
	sg->instr = idx;
	sg->platform = platform;
	sg->base_stage = -1;
	size_t ilen = en[k] - st[k];
	if (!(sg->image_text = xstrndup(s + st[k], ilen)))
		return err_set(p->err, CUVET_E_NOMEM, "out of memory");
	/* The token's bytes in the buffer, when they lie there contiguously. */
	size_t a = args_at + st[k], b = args_at + en[k] - 1;
	if (b < j->len && j->off[b] - j->off[a] == ilen - 1) {
		sg->image_offset = j->off[a];
		sg->image_len = ilen;
	}
	if (rest == 3) {
		if (!(sg->name = xstrndup(s + st[k + 2], en[k + 2] - st[k + 2])))
			return err_set(p->err, CUVET_E_NOMEM, "out of memory");
		str_lower(sg->name);
	}
	bool unset = false;
	struct cuvet_error e2 = {0};
	sg->image = df_expand(sg->image_text, df->escape, df->args, df->nargs, &unset, &e2);
	if (!sg->image && e2.code == CUVET_E_NOMEM)
		return err_set(p->err, CUVET_E_NOMEM, "out of memory");
	if (sg->image && !*sg->image) {
		free(sg->image);
		sg->image = NULL;
	}
	if (sg->image) {
		char *lower = xstrdup(sg->image);
		if (!lower)
			return err_set(p->err, CUVET_E_NOMEM, "out of memory");
		str_lower(lower);
		for (size_t i = 0; i + 1 < df->nstages; i++)
			if (df->stages[i].name && strcmp(df->stages[i].name, lower) == 0)
				sg->base_stage = (long)i;
		free(lower);
	}
	return 0;
}

static bool known_keyword(const char *kw)
{
	for (size_t i = 0; i < CUVET_ARRAY_LEN(keywords); i++)
		if (strcmp(keywords[i], kw) == 0)
			return true;
	return false;
}

struct cuvet_dockerfile *cuvet_dockerfile_parse(const char *buf, size_t len, const char *const *build_args,
						struct cuvet_error *err)
{
	struct cuvet_dockerfile *df = calloc(1, sizeof(*df));
	struct joined j = {0};
	if (!df) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	df->escape = '\\';
	struct parser p = {.df = df, .build_args = build_args, .err = err};
	if (memchr(buf, '\0', len)) {
		err_set(err, CUVET_E_INVALID, "not a Dockerfile: it holds a NUL byte");
		goto fail;
	}
	const char *target = builder_platform();
	for (const char *const *b = build_args; b && *b; b++)
		if (str_starts(*b, "TARGETPLATFORM="))
			target = *b + 15;
	if (platform_args(&p, "BUILD", builder_platform()) < 0 || platform_args(&p, "TARGET", target) < 0)
		goto fail;
	struct lines l = {.buf = buf, .len = len};
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		l.pos = 3;
	bool directives = true, seen_escape = false, seen_check = false;
	size_t st, en;
	while (next_line(&l, &st, &en)) {
		const char *line = buf + st;
		size_t n = en - st;
		if (directives) {
			char name[16];
			const char *val;
			size_t vl;
			if (directive(line, n, name, sizeof(name), &val, &vl) &&
			    (strcmp(name, "escape") == 0 || strcmp(name, "syntax") == 0 || strcmp(name, "check") == 0)) {
				bool twice = (name[0] == 'e' && seen_escape) || (name[0] == 's' && df->syntax) ||
					     (name[0] == 'c' && seen_check);
				if (twice) {
					err_set(err, CUVET_E_INVALID, "line %u: only one %s parser directive can be used", l.no,
						name);
					goto fail;
				}
				if (name[0] == 'e') {
					if (vl != 1 || (val[0] != '\\' && val[0] != '`')) {
						err_set(err, CUVET_E_INVALID, "line %u: invalid escape token '%.*s' does not match ` or \\",
							l.no, (int)vl, val);
						goto fail;
					}
					df->escape = val[0];
					seen_escape = true;
				} else if (name[0] == 's') {
					if (!(df->syntax = xstrndup(val, vl))) {
						err_set(err, CUVET_E_NOMEM, "out of memory");
						goto fail;
					}
				} else {
					seen_check = true;
				}
				continue;
			}
			directives = false;
		}
		size_t i = 0;
		while (i < n && isspace((unsigned char)line[i]))
			i++;
		if (i == n || line[i] == '#')
			continue;
		/* An instruction: join its continuation lines. */
		unsigned first = l.no;
		j.len = 0;
		size_t from = st + i, to = en;
		for (;;) {
			size_t e = to;
			while (e > from && is_blank(buf[e - 1]))
				e--;
			bool cont = e > from && buf[e - 1] == df->escape;
			if (joined_add(&j, buf, from, cont ? e - 1 : to) < 0) {
				err_set(err, CUVET_E_NOMEM, "out of memory");
				goto fail;
			}
			if (!cont)
				break;
			/* Skip empty and comment lines inside the continuation. */
			bool more = false;
			while (next_line(&l, &st, &en)) {
				size_t k = st;
				while (k < en && isspace((unsigned char)buf[k]))
					k++;
				if (k == en || buf[k] == '#')
					continue;
				more = true;
				break;
			}
			if (!more)
				break;
			from = st;
			to = en;
		}
		if (xgrow(&df->instrs, &p.cap_instrs, df->ninstrs, sizeof(*df->instrs)) < 0) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
		size_t idx = df->ninstrs++;
		struct cuvet_dockerfile_instr *in = &df->instrs[idx];
		memset(in, 0, sizeof(*in));
		in->line = first;
		in->end_line = l.no;
		size_t kw = 0;
		while (kw < j.len && !isspace((unsigned char)j.s[kw]))
			kw++;
		size_t args_at = kw;
		while (args_at < j.len && isspace((unsigned char)j.s[args_at]))
			args_at++;
		in->keyword = xstrndup(j.s, kw);
		in->args = xstrdup(j.s + args_at);
		if (!in->keyword || !in->args) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
		/* Trailing blanks are not part of the arguments. */
		size_t al = strlen(in->args);
		while (al > 0 && isspace((unsigned char)in->args[al - 1]))
			in->args[--al] = '\0';
		for (char *c = in->keyword; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		if (!known_keyword(in->keyword)) {
			err_set(err, CUVET_E_INVALID, "line %u: unknown instruction: %.40s", first, in->keyword);
			goto fail;
		}
		if (df->nstages == 0 && strcmp(in->keyword, "ARG") != 0 && strcmp(in->keyword, "FROM") != 0) {
			err_set(err, CUVET_E_INVALID, "line %u: %s before the first FROM (only ARG may come before it)",
				first, in->keyword);
			goto fail;
		}
		bool heredoc_kw = strcmp(in->keyword, "RUN") == 0 || strcmp(in->keyword, "COPY") == 0 ||
				  strcmp(in->keyword, "ADD") == 0;
		if (heredoc_kw && (find_heredocs(in, err) < 0 || read_heredocs(&l, in, err) < 0))
			goto fail;
		if (parse_json_form(in, err) < 0)
			goto fail;
		if (strcmp(in->keyword, "ARG") == 0 && df->nstages == 0 && global_arg(&p, in, in->args) < 0)
			goto fail;
		if (strcmp(in->keyword, "FROM") == 0 && from_instr(&p, idx, &j, args_at) < 0)
			goto fail;
	}
	if (df->nstages == 0) {
		err_set(err, CUVET_E_INVALID, "the Dockerfile has no FROM");
		goto fail;
	}
	free(j.s);
	free(j.off);
	return df;
fail:
	free(j.s);
	free(j.off);
	cuvet_dockerfile_free(df);
	return NULL;
}
