/* The NVIDIA_REQUIRE grammar (SPEC §6.1): parsing, evaluation against facts with four-state
 * verdicts, the smallest fix from the knowledge base, and an emulation of what
 * nvidia-container-cli (libnvidia-container's configure command) decides for the same text. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* FNM_CASEFOLD */
#endif
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "internal.h"

static const char *const key_names[] = {"cuda",   "driver", "arch",     "brand", "cudart", "cudnn",
					"cublas", "nccl",   "tensorrt", "gpu",   "memory", "count"};
static const char *const op_names[] = {"=", "!=", "<", "<=", ">", ">="};

const char *cuvet_req_key_name(enum cuvet_req_key k)
{
	return (unsigned)k < CUVET_ARRAY_LEN(key_names) ? key_names[k] : "?";
}

const char *cuvet_req_op_name(enum cuvet_req_op op)
{
	return (unsigned)op < CUVET_ARRAY_LEN(op_names) ? op_names[op] : "?";
}

int cuvet_parse_bool(const char *s)
{
	/* Go's strconv.ParseBool, which NVIDIA's toolkit applies to NVIDIA_DISABLE_REQUIRE. */
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	if (!s)
		return -1;
	for (size_t i = 0; i < CUVET_ARRAY_LEN(yes); i++)
		if (strcmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < CUVET_ARRAY_LEN(no); i++)
		if (strcmp(s, no[i]) == 0)
			return 0;
	return -1;
}

static bool is_op_char(char c)
{
	return c == '<' || c == '>' || c == '=' || c == '!';
}

/* White space other than ' ': nvidia-container-cli does not separate on it (libnvidia-container
 * src/cli/dsl.c dsl_evaluate() splits groups with strsep(" ") only), so it stays inside a clause. */
static bool is_other_space(char c)
{
	return c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool key_is_gpu(enum cuvet_req_key k)
{
	return k == CUVET_REQ_ARCH || k == CUVET_REQ_BRAND || k == CUVET_REQ_GPU || k == CUVET_REQ_MEMORY;
}

static bool key_is_string(enum cuvet_req_key k)
{
	return k == CUVET_REQ_BRAND || k == CUVET_REQ_GPU;
}

static int key_lookup(const char *s, size_t n, enum cuvet_req_key *out)
{
	for (size_t i = 0; i < CUVET_ARRAY_LEN(key_names); i++)
		if (strlen(key_names[i]) == n && strncasecmp(s, key_names[i], n) == 0) {
			*out = (enum cuvet_req_key)i;
			return 0;
		}
	return -1;
}

static int op_lookup(const char *s, size_t n, enum cuvet_req_op *out)
{
	for (size_t i = 0; i < CUVET_ARRAY_LEN(op_names); i++)
		if (strlen(op_names[i]) == n && strncmp(s, op_names[i], n) == 0) {
			*out = (enum cuvet_req_op)i;
			return 0;
		}
	return -1;
}

static void clause_release(struct cuvet_req_clause *c)
{
	free(c->text);
	free(c->value);
	free(c->fact);
	free(c->message);
	free(c->fix);
}

static void expr_release(struct cuvet_req_expr *e)
{
	for (size_t g = 0; g < e->ngroups; g++) {
		for (size_t i = 0; i < e->groups[g].nclauses; i++)
			clause_release(&e->groups[g].clauses[i]);
		free(e->groups[g].clauses);
	}
	free(e->groups);
	free(e->source);
	free(e->text);
	free(e->error);
	free(e->runtime_note);
	free(e->fix);
}

/* Validates VALUE (LEN bytes) for KEY; fills WHY on failure. */
/* A gpu= glob must be one fnmatch(3) can honour: an unterminated bracket expression would match
 * literally there, which is never what the author meant. */
static bool glob_valid(const char *p)
{
	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '[') {
			const char *q = p + 1;
			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			if (!*q)
				return false;
			p = q;
		}
	}
	return true;
}

static bool value_valid(enum cuvet_req_key key, const char *value, char *why, size_t whylen)
{
	if (key == CUVET_REQ_GPU && !glob_valid(value)) {
		snprintf(why, whylen, "unterminated '[' in the gpu pattern '%s'", value);
		return false;
	}
	if (key_is_string(key))
		return true;
	if (key == CUVET_REQ_MEMORY || key == CUVET_REQ_COUNT) {
		unsigned long v;
		if (parse_ulong(value, 10, 0xffffffffUL, &v) == 0 && isdigit((unsigned char)value[0]))
			return true;
		snprintf(why, whylen, "invalid number '%s' for %s", value, key_names[key]);
		return false;
	}
	struct cuvet_version v;
	struct cuvet_error e = {0};
	if (cuvet_version_parse(value, &v, &e) == 0)
		return true;
	if (e.code == CUVET_E_RANGE)
		snprintf(why, whylen, "invalid version '%s' for %s: a component is too large (nvidia-container-cli "
				      "rejects one of UINTMAX_MAX or more as an invalid expression, cuvet one past 32 bits)",
			 value, key_names[key]);
	else
		snprintf(why, whylen, "invalid version '%s' for %s", value, key_names[key]);
	return false;
}

/* Parses one clause S[0..N) at 1-based position POS. Returns 0, or -1 with *EPOS and MSG. */
static int clause_parse(const char *s, size_t n, size_t pos, struct cuvet_req_clause *out, size_t *epos, char *msg,
			size_t msglen)
{
	for (size_t w = 0; w < n; w++)
		if (is_other_space(s[w])) {
			*epos = pos + w;
			snprintf(msg, msglen,
				 "a %s is not a separator: nvidia-container-cli splits groups on ' ' only "
				 "(libnvidia-container src/cli/dsl.c dsl_evaluate), so '%.*s' is one clause there, and an "
				 "invalid expression",
				 s[w] == '\t' ? "tab" : s[w] == '\n' ? "newline" : "white-space character", (int)n, s);
			return -1;
		}
	size_t k = 0;
	while (k < n && !is_op_char(s[k]))
		k++;
	if (k == n) {
		*epos = pos + n;
		snprintf(msg, msglen, "expected an operator (= != < <= > >=) after '%.*s'", (int)n, s);
		return -1;
	}
	if (k == 0) {
		*epos = pos;
		snprintf(msg, msglen, "expected a key before '%.*s'", (int)n, s);
		return -1;
	}
	enum cuvet_req_key key;
	if (key_lookup(s, k, &key) < 0) {
		*epos = pos;
		snprintf(msg, msglen, "unknown key '%.*s'", (int)k, s);
		return -1;
	}
	size_t o = k;
	while (o < n && is_op_char(s[o]))
		o++;
	enum cuvet_req_op op;
	if (op_lookup(s + k, o - k, &op) < 0) {
		*epos = pos + k;
		snprintf(msg, msglen, "unknown operator '%.*s'", (int)(o - k), s + k);
		return -1;
	}
	if (key_is_string(key) && op != CUVET_OP_EQ && op != CUVET_OP_NE) {
		*epos = pos + k;
		snprintf(msg, msglen, "%s takes only = and !=, not '%s'", key_names[key], op_names[op]);
		return -1;
	}
	if (o == n) {
		*epos = pos + o;
		snprintf(msg, msglen, "missing value after '%.*s'", (int)n, s);
		return -1;
	}
	char *value = xstrndup(s + o, n - o);
	char *text = xstrndup(s, n);
	if (!value || !text) {
		free(value);
		free(text);
		*epos = pos;
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if (!value_valid(key, value, msg, msglen)) {
		free(value);
		free(text);
		*epos = pos + o;
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->key = key;
	out->op = op;
	out->text = text;
	out->value = value;
	out->pos = pos;
	out->verdict = CUVET_UNKNOWN;
	return 0;
}

/* Parses TEXT into E's groups. Returns 0, or -1 with E->error and E->error_pos set. */
static int expr_parse(struct cuvet_req_expr *e)
{
	const char *t = e->text;
	size_t len = strlen(t), i = 0, gcap = 0;
	char msg[256] = "";
	size_t epos = 0;
	while (i < len) {
		while (i < len && t[i] == ' ')
			i++;
		if (i >= len)
			break;
		size_t gend = i;
		while (gend < len && t[gend] != ' ')
			gend++;
		if (xgrow(&e->groups, &gcap, e->ngroups, sizeof(*e->groups)) < 0)
			goto oom;
		struct cuvet_req_group *g = &e->groups[e->ngroups++];
		memset(g, 0, sizeof(*g));
		size_t ccap = 0, c = i;
		for (;;) {
			size_t cend = c;
			while (cend < gend && t[cend] != ',')
				cend++;
			if (cend == c) {
				epos = c + 1;
				snprintf(msg, sizeof(msg), "empty clause");
				goto invalid;
			}
			if (xgrow(&g->clauses, &ccap, g->nclauses, sizeof(*g->clauses)) < 0)
				goto oom;
			if (clause_parse(t + c, cend - c, c + 1, &g->clauses[g->nclauses], &epos, msg, sizeof(msg)) < 0)
				goto invalid;
			g->nclauses++;
			if (cend == gend)
				break;
			c = cend + 1;
			if (c == gend) {
				epos = c + 1;
				snprintf(msg, sizeof(msg), "empty clause after ','");
				goto invalid;
			}
		}
		i = gend;
	}
	return 0;
oom:
	snprintf(msg, sizeof(msg), "out of memory");
	epos = i + 1;
invalid:
	e->error_pos = epos;
	e->error = xasprintf("position %zu: %s", epos, msg);
	e->verdict = CUVET_ERROR;
	return -1;
}

struct cuvet_check *cuvet_check_new(struct cuvet_error *err)
{
	struct cuvet_check *c = calloc(1, sizeof(*c));
	if (!c)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	else
		c->verdict = c->runtime = CUVET_UNKNOWN;
	return c;
}

static void workload_release(struct cuvet_check *c)
{
	for (size_t i = 0; i < c->nworkload; i++) {
		free(c->workload[i].summary);
		free(c->workload[i].cause);
		free(c->workload[i].fix);
	}
	free(c->workload);
	c->workload = NULL;
	c->nworkload = 0;
}

void cuvet_check_free(struct cuvet_check *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nexprs; i++)
		expr_release(&c->exprs[i]);
	free(c->exprs);
	for (size_t i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	free(c->disabled_by);
	free(c->cuda_source);
	free(c->driver);
	free(c->libs);
	workload_release(c);
	free(c);
}

const char *cuvet_lib_run_name(enum cuvet_lib_run r)
{
	switch (r) {
	case CUVET_LIB_RUN_NATIVE: return "natively";
	case CUVET_LIB_RUN_MINOR_COMPAT: return "by minor-version compatibility";
	case CUVET_LIB_RUN_FORWARD_COMPAT: return "only with forward compatibility";
	case CUVET_LIB_RUN_NO: return "not at all";
	case CUVET_LIB_RUN_UNKNOWN: break;
	}
	return "unknown";
}

int cuvet_check_add(struct cuvet_check *c, const char *source, const char *text, bool from_env,
		    struct cuvet_error *err)
{
	struct cuvet_req_expr *e = realloc(c->exprs, (c->nexprs + 1) * sizeof(*e));
	if (!e)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	c->exprs = e;
	e = &c->exprs[c->nexprs];
	memset(e, 0, sizeof(*e));
	e->source = xstrdup(source);
	e->text = xstrdup(text);
	e->from_env = from_env;
	e->verdict = e->runtime = CUVET_UNKNOWN;
	if (!e->source || !e->text) {
		expr_release(e);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	c->nexprs++;
	if (expr_parse(e) < 0)
		return err_set(err, CUVET_E_INVALID, "%s: invalid requirement \"%s\": %s", source, text,
			       e->error ? e->error : "out of memory");
	return 0;
}

static int add_note(struct cuvet_check *c, char *note)
{
	if (!note)
		return -1;
	char **p = realloc(c->notes, (c->nnotes + 1) * sizeof(*p));
	if (!p) {
		free(note);
		return -1;
	}
	c->notes = p;
	c->notes[c->nnotes++] = note;
	return 0;
}

/* A note of reading the requirements: kept ahead of an evaluation's notes, and by the next one. */
static int add_read_note(struct cuvet_check *c, char *note)
{
	if (add_note(c, note) < 0)
		return -1;
	memmove(c->notes + c->nnotes_read + 1, c->notes + c->nnotes_read,
		(c->nnotes - 1 - c->nnotes_read) * sizeof(*c->notes));
	c->notes[c->nnotes_read++] = note;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cuvet_check_add_env(struct cuvet_check *c, char *const *env, struct cuvet_error *err)
{
	size_t n = 0;
	for (char *const *e = env; e && *e; e++)
		n++;
	/* Go ranges over a map, so NVIDIA's order is random; name order makes ours reproducible. */
	char **sorted = calloc(n + 1, sizeof(char *));
	if (!sorted)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		sorted[i] = env[i];
	qsort(sorted, n, sizeof(char *), cmp_str);
	const char *disable = NULL, *cuda_version = NULL, *require_cuda = NULL;
	for (size_t i = 0; i < n; i++) {
		if (str_starts(sorted[i], "NVIDIA_DISABLE_REQUIRE="))
			disable = sorted[i] + strlen("NVIDIA_DISABLE_REQUIRE=");
		else if (str_starts(sorted[i], "CUDA_VERSION="))
			cuda_version = sorted[i] + strlen("CUDA_VERSION=");
		else if (str_starts(sorted[i], "NVIDIA_REQUIRE_CUDA="))
			require_cuda = sorted[i] + strlen("NVIDIA_REQUIRE_CUDA=");
	}
	int rc = 0;
	if (disable && cuvet_parse_bool(disable) == 1) {
		c->disabled = true;
		free(c->disabled_by);
		c->disabled_by = xstrdup(disable);
		goto out;
	}
	if (disable && cuvet_parse_bool(disable) < 0)
		add_read_note(c, xasprintf("NVIDIA_DISABLE_REQUIRE=%s is not a boolean; like NVIDIA's toolkit, cuvet "
					   "reads it as false", disable));
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!str_starts(sorted[i], "NVIDIA_REQUIRE_") || str_starts(sorted[i], "NVIDIA_REQUIRE_JETPACK"))
			continue;
		const char *eq = strchr(sorted[i], '=');
		if (!eq)
			continue;
		char *name = xstrndup(sorted[i], (size_t)(eq - sorted[i]));
		if (!name) {
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
			break;
		}
		rc = cuvet_check_add(c, name, eq + 1, true, err);
		free(name);
	}
	/* The legacy rule: an image with CUDA_VERSION but no (or an empty) NVIDIA_REQUIRE_CUDA. */
	if (rc == 0 && cuda_version && *cuda_version && (!require_cuda || !*require_cuda)) {
		struct cuvet_version v;
		const char *end = NULL;
		/* NVIDIA's toolkit reads it as a semantic version ("v" allowed, minor defaults to 0). */
		const char *cv = cuda_version[0] == 'v' ? cuda_version + 1 : cuda_version;
		if (cuvet_version_parse_prefix(cv, &v, &end, NULL) < 0 || (*end && *end != '-' && *end != '+')) {
			rc = cuvet_check_add(c, "CUDA_VERSION (legacy rule)", "", true, err);
			if (rc == 0) {
				struct cuvet_req_expr *e = &c->exprs[c->nexprs - 1];
				free(e->text);
				e->text = xstrdup(cuda_version);
				e->verdict = CUVET_ERROR;
				e->error_pos = 1;
				e->error = xasprintf("position 1: invalid CUDA version '%s'", cuda_version);
			}
			rc = err_set(err, CUVET_E_INVALID, "CUDA_VERSION (legacy rule): invalid CUDA version '%s'",
				     cuda_version);
		} else {
			char text[64];
			snprintf(text, sizeof(text), "cuda>=%u.%u", v.part[0], v.nparts > 1 ? v.part[1] : 0);
			rc = cuvet_check_add(c, "CUDA_VERSION (legacy rule)", text, true, err);
		}
	}
out:
	free(sorted);
	return rc;
}

/* ------------------------------------------------------------------ evaluation ---- */

struct eval_ctx {
	const struct cuvet_host *h;
	const struct cuvet_facts *f;
	const struct cuvet_check_opts *opts;
	const struct cuvet_kb *kb;
	const char *driver;          /* driver version string, or NULL */
	struct cuvet_version cuda;   /* the driver's CUDA */
	bool cuda_known, cuda_lower_bound;
	char cuda_text[160];         /* "13.0 (inferred from driver 580.159.04)" */
	char cuda_plain[160];        /* "13.0" */
	bool all_datacenter;         /* every visible GPU is data-center class (and there is one) */
	size_t nvisible;
};

static bool op_holds(enum cuvet_req_op op, int cmp)
{
	switch (op) {
	case CUVET_OP_EQ: return cmp == 0;
	case CUVET_OP_NE: return cmp != 0;
	case CUVET_OP_LT: return cmp < 0;
	case CUVET_OP_LE: return cmp <= 0;
	case CUVET_OP_GT: return cmp > 0;
	case CUVET_OP_GE: return cmp >= 0;
	}
	return false;
}

static enum cuvet_verdict and_v(enum cuvet_verdict a, enum cuvet_verdict b)
{
	if (a == CUVET_ERROR || b == CUVET_ERROR)
		return CUVET_ERROR;
	if (a == CUVET_FAIL || b == CUVET_FAIL)
		return CUVET_FAIL;
	if (a == CUVET_UNKNOWN || b == CUVET_UNKNOWN)
		return CUVET_UNKNOWN;
	return CUVET_PASS;
}

static enum cuvet_verdict or_v(enum cuvet_verdict a, enum cuvet_verdict b)
{
	if (a == CUVET_PASS || b == CUVET_PASS)
		return CUVET_PASS;
	if (a == CUVET_ERROR || b == CUVET_ERROR)
		return CUVET_ERROR;
	if (a == CUVET_UNKNOWN || b == CUVET_UNKNOWN)
		return CUVET_UNKNOWN;
	return CUVET_FAIL;
}

static const char *month_names[] = {"January", "February", "March",     "April",   "May",      "June",
				    "July",    "August",   "September", "October", "November", "December"};

/* "(R535, LTSB until June 2026)" */
static void branch_desc(const struct cuvet_kb *kb, unsigned branch, char *out, size_t len)
{
	struct cuvet_kb_branch b;
	if (cuvet_kb_branch(kb, branch, &b, NULL) < 0) {
		snprintf(out, len, "(R%u)", branch);
		return;
	}
	const char *type = !b.type ? NULL
			   : strcmp(b.type, "ltsb") == 0 ? "LTSB"
			   : strcmp(b.type, "production") == 0 ? "production branch"
			   : strcmp(b.type, "new-feature") == 0 ? "new feature branch"
							       : b.type;
	char eol[48] = "";
	unsigned long y, m;
	if (b.end_of_life && strlen(b.end_of_life) == 7 && b.end_of_life[4] == '-') {
		char ys[5], ms[3];
		memcpy(ys, b.end_of_life, 4);
		ys[4] = '\0';
		memcpy(ms, b.end_of_life + 5, 2);
		ms[2] = '\0';
		if (parse_ulong(ys, 10, 9999, &y) == 0 && parse_ulong(ms, 10, 12, &m) == 0 && m >= 1)
			snprintf(eol, sizeof(eol), " until %s %lu%s", month_names[m - 1], y,
				 b.uncertain_end_of_life ? " (uncertain)" : "");
	} else if (b.end_of_life && strcmp(b.end_of_life, "ended") == 0) {
		snprintf(eol, sizeof(eol), ", past end of life");
	}
	if (type)
		snprintf(out, len, "(R%u, %s%s%s)", branch, type, b.uncertain_type ? "?" : "", eol);
	else
		snprintf(out, len, "(R%u%s)", branch, eol);
}

static unsigned branch_of(const char *driver)
{
	unsigned long b = 0;
	char buf[16];
	size_t n = strcspn(driver, ".");
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, driver, n);
	buf[n] = '\0';
	if (parse_ulong(buf, 10, 100000, &b) < 0)
		return 0;
	return (unsigned)b;
}

/* Evaluates a version fact HAVE (text) against the clause. */
static enum cuvet_verdict cmp_version_text(const char *have, const struct cuvet_req_clause *cl)
{
	struct cuvet_version a, b;
	const char *end = NULL;
	if (!have || cuvet_version_parse_prefix(have, &a, &end, NULL) < 0 ||
	    cuvet_version_parse(cl->value, &b, NULL) < 0)
		return CUVET_UNKNOWN;
	return op_holds(cl->op, cuvet_version_cmp(&a, &b)) ? CUVET_PASS : CUVET_FAIL;
}

/* -1, 0, 1 comparing two version texts (a driver "580.159.04"); -2 when one does not parse. */
static int version_text_cmp(const char *a, const char *b)
{
	struct cuvet_version va, vb;
	const char *end;
	if (!a || !b || cuvet_version_parse_prefix(a, &va, &end, NULL) < 0 ||
	    cuvet_version_parse_prefix(b, &vb, &end, NULL) < 0)
		return -2;
	return cuvet_version_cmp(&va, &vb);
}

/* The oldest Linux driver of the toolkit releases MM ("12.2") names: its GA release's minimum
 * (releases come newest first; a row without a driver, such as 12.7 that no toolkit shipped,
 * is skipped). NULL when the knowledge base has none. */
static const char *kb_min_driver(const struct cuvet_kb *kb, const char *mm)
{
	struct cuvet_kb_cuda rel[16];
	int n = cuvet_kb_cuda_releases(kb, mm, rel, CUVET_ARRAY_LEN(rel), NULL);
	if (n <= 0)
		return NULL;
	size_t last = (size_t)n < CUVET_ARRAY_LEN(rel) ? (size_t)n : CUVET_ARRAY_LEN(rel);
	for (size_t i = last; i-- > 0;)
		if (rel[i].min_linux_driver && rel[i].min_linux_driver[0])
			return rel[i].min_linux_driver;
	return NULL;
}

/* The CUDA MAJOR.MINOR a cuda clause needs the driver to report, as the lowest one that
 * satisfies it: >= N is N, > N is the next release the knowledge base lists after N (a driver
 * reports MAJOR.MINOR only), = N is N. Writes "12.3" into OUT; -1 when none is known. */
static int cuda_target(const struct eval_ctx *x, const struct cuvet_req_clause *cl, char *out, size_t len)
{
	struct cuvet_version need;
	if (cuvet_version_parse(cl->value, &need, NULL) < 0)
		return -1;
	unsigned M = need.part[0], m = need.nparts > 1 ? need.part[1] : 0;
	bool exact_mm = need.nparts <= 2 || (need.nparts == 3 && need.part[2] == 0);
	if (cl->op == CUVET_OP_GE || cl->op == CUVET_OP_EQ || (cl->op == CUVET_OP_GT && !exact_mm)) {
		/* cuda>12.2.1 is met by 12.3 (a driver reports no patch level) */
		if (cl->op == CUVET_OP_GT)
			m++;
		snprintf(out, len, "%u.%u", M, m);
		return 0;
	}
	if (cl->op != CUVET_OP_GT)
		return -1;
	/* the next minor the knowledge base knows a driver for, else the next major's .0 */
	for (unsigned k = m + 1; k <= m + 10; k++) {
		char mm[32];
		snprintf(mm, sizeof(mm), "%u.%u", M, k);
		if (kb_min_driver(x->kb, mm)) {
			snprintf(out, len, "%s", mm);
			return 0;
		}
	}
	snprintf(out, len, "%u.0", M + 1);
	return 0;
}

/* The lowest driver that meets a failed clause by an upgrade, into OUT (32 bytes): for cuda,
 * the knowledge base's minimum driver of the CUDA it needs; for driver >=, >, = the version
 * itself. -1 when the clause is not met by upgrading (a < or != bound, hardware, libraries). */
static int upgrade_target(const struct eval_ctx *x, const struct cuvet_req_clause *cl, char *out, size_t len)
{
	if (cl->key == CUVET_REQ_DRIVER) {
		if (cl->op != CUVET_OP_GE && cl->op != CUVET_OP_GT && cl->op != CUVET_OP_EQ)
			return -1;
		if (!x->driver || version_text_cmp(x->driver, cl->value) != -1)
			return -1; /* the driver is already past it: = needs a downgrade */
		snprintf(out, len, "%s", cl->value);
		return 0;
	}
	if (cl->key != CUVET_REQ_CUDA || !x->cuda_known)
		return -1;
	char mm[32];
	struct cuvet_version t;
	if (cuda_target(x, cl, mm, sizeof(mm)) < 0 || cuvet_version_parse(mm, &t, NULL) < 0 ||
	    cuvet_version_cmp(&t, &x->cuda) <= 0)
		return -1; /* the driver's CUDA is already newer: no upgrade meets it */
	const char *d = kb_min_driver(x->kb, mm);
	if (!d)
		return -1;
	snprintf(out, len, "%s", d);
	return 0;
}

/* The smallest fix for a cuda clause that the driver's CUDA does not meet. Never a cuda-compat
 * package: nvidia-container-cli compares the CUDA version the host's driver reports
 * (check_cuda_version() in libnvidia-container src/cli/configure.c reads drv->cuda_version, which
 * src/driver.c driver_get_cuda_version_1_svc() takes from the host's NVML,
 * nvmlSystemGetCudaDriverVersion()); a forward-compat libcuda in the image lets a workload run but
 * does not change that number. */
static char *fix_cuda(const struct eval_ctx *x, const struct cuvet_req_clause *cl)
{
	struct sbuf b;
	sbuf_init(&b);
	struct cuvet_version need;
	if (cuvet_version_parse(cl->value, &need, NULL) < 0)
		return NULL;
	const char *drv = x->driver ? x->driver : "(unknown)";
	int cmp = cuvet_version_cmp(&x->cuda, &need);
	if (cl->op == CUVET_OP_LT || cl->op == CUVET_OP_LE || cl->op == CUVET_OP_NE ||
	    (cl->op == CUVET_OP_EQ && cmp > 0)) {
		if (cl->op == CUVET_OP_EQ) {
			char mm[32];
			if (cuda_target(x, cl, mm, sizeof(mm)) < 0)
				return NULL;
			sbuf_addf(&b, "driver %s reports CUDA %s, newer than the CUDA %s this needs exactly: no upgrade "
				      "meets it; nvidia-container-cli compares = exactly, so it takes a driver of a branch that "
				      "reports CUDA %s",
				  drv, x->cuda_plain, cl->value, mm);
			const char *d = kb_min_driver(x->kb, mm);
			if (d) {
				char bd[128];
				branch_desc(x->kb, branch_of(d), bd, sizeof(bd));
				sbuf_addf(&b, " %s", bd);
			}
			sbuf_addf(&b, ", or, usually what was meant, the requirement cuda>=%s", cl->value);
			return sbuf_steal(&b);
		}
		sbuf_addf(&b, "driver %s reports CUDA %s; this needs CUDA %s %s: use a driver of an older branch, or an "
			      "image built for the CUDA this driver supports",
			  drv, x->cuda_plain, op_names[cl->op], cl->value);
		return sbuf_steal(&b);
	}
	char mm[32];
	if (cuda_target(x, cl, mm, sizeof(mm)) < 0)
		return NULL;
	sbuf_addf(&b, "driver %s supports CUDA ≤ %s; this needs %s", drv, x->cuda_plain, mm);
	const char *min_driver = kb_min_driver(x->kb, mm);
	if (min_driver) {
		char bd[128];
		unsigned br = branch_of(min_driver);
		branch_desc(x->kb, br, bd, sizeof(bd));
		sbuf_addf(&b, ": upgrade to ≥ %s %s", min_driver, bd);
		struct cuvet_kb_branch kbb;
		if (cl->op == CUVET_OP_EQ && cuvet_kb_branch(x->kb, br, &kbb, NULL) == 0 && kbb.max_cuda &&
		    strcmp(kbb.max_cuda, mm) == 0)
			sbuf_addf(&b, ", and no newer branch: R%u reports CUDA %s, a newer one a newer CUDA, which = %s "
				      "rejects",
				  br, mm, cl->value);
	} else {
		sbuf_addf(&b, ": upgrade to a driver whose branch supports CUDA %s (the knowledge base has no minimum "
			      "driver for it)",
			  mm);
	}
	struct cuvet_kb_driver kd;
	bool have_kd = x->driver && cuvet_kb_driver(x->kb, x->driver, &kd, NULL) == 0;
	if (x->all_datacenter)
		sbuf_add(&b, " (a cuda-compat package lets a workload run on this driver but does not change the CUDA "
			     "version nvidia-container-cli compares, so it is no fix for this requirement)");
	if (have_kd) {
		for (size_t i = 0; i < kd.nminor; i++) {
			if (kd.minor[i].major != need.part[0])
				continue;
			if (kd.minor[i].met)
				sbuf_addf(&b, "; by minor-version compatibility this driver already runs CUDA %u.x "
					      "applications (driver ≥ %s) when their binaries carry SASS for the GPU: PTX "
					      "from a newer toolkit cannot be JIT-compiled by an older driver — but the "
					      "container runtime still refuses cuda%s%s unless NVIDIA_DISABLE_REQUIRE=true",
					  need.part[0], kd.minor[i].min_driver, op_names[cl->op], cl->value);
			else
				sbuf_addf(&b, "; minor-version compatibility needs driver ≥ %s for CUDA %u.x, and "
					      "binaries with SASS for the GPU (PTX from a newer toolkit cannot be "
					      "JIT-compiled by an older driver)",
					  kd.minor[i].min_driver, need.part[0]);
		}
	}
	return sbuf_steal(&b);
}

static const struct cuvet_lib *lib_pick(const struct cuvet_facts *f, enum cuvet_req_key key)
{
	static const char *const fam[][2] = {
		[CUVET_REQ_CUDART] = {"cudart", "libcudart.so"},  [CUVET_REQ_CUDNN] = {"cudnn", "libcudnn.so"},
		[CUVET_REQ_CUBLAS] = {"cublas", "libcublas.so"},  [CUVET_REQ_NCCL] = {"nccl", "libnccl.so"},
		[CUVET_REQ_TENSORRT] = {"tensorrt", "libnvinfer.so"},
	};
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (l->default_pick && !l->stub && l->family && l->name && strcmp(l->family, fam[key][0]) == 0 &&
		    str_starts(l->name, fam[key][1]))
			return l;
	}
	return NULL;
}

static bool gpu_name_match(const char *pattern, const char *name)
{
	if (fnmatch(pattern, name, FNM_CASEFOLD) == 0)
		return true;
	/* NVML names carry a vendor prefix ("NVIDIA H200"); "gpu=H200" should match too. */
	if (strncasecmp(name, "NVIDIA ", 7) == 0 && fnmatch(pattern, name + 7, FNM_CASEFOLD) == 0)
		return true;
	return false;
}

/* One clause against one GPU (G may be NULL for GPU-independent keys or when none is visible).
 * Writes the fact and message for it into FACT/MSG. */
static enum cuvet_verdict clause_eval_one(const struct eval_ctx *x, const struct cuvet_req_clause *cl,
					  const struct cuvet_gpu *g, char *fact, size_t flen, char *msg, size_t mlen)
{
	enum cuvet_verdict v = CUVET_UNKNOWN;
	const char *k = key_names[cl->key];
	fact[0] = msg[0] = '\0';
	switch (cl->key) {
	case CUVET_REQ_CUDA: {
		if (!x->cuda_known) {
			snprintf(msg, mlen, "the driver's CUDA version is unknown (no NVML or libcuda answer, and no "
					    "driver version to infer it from)");
			return CUVET_UNKNOWN;
		}
		struct cuvet_version b;
		if (cuvet_version_parse(cl->value, &b, NULL) < 0)
			return CUVET_ERROR;
		int cmp = cuvet_version_cmp(&x->cuda, &b);
		v = op_holds(cl->op, cmp) ? CUVET_PASS : CUVET_FAIL;
		snprintf(fact, flen, "%s", x->cuda_text);
		if (x->cuda_lower_bound && !(v == CUVET_PASS && (cl->op == CUVET_OP_GE || cl->op == CUVET_OP_GT))) {
			snprintf(msg, mlen, "the driver supports at least CUDA %s (a lower bound from the knowledge base)",
				 x->cuda_text);
			return CUVET_UNKNOWN;
		}
		snprintf(msg, mlen, "the driver's CUDA %s is %s%s %s", x->cuda_text, v == CUVET_PASS ? "" : "not ",
			 op_names[cl->op], cl->value);
		return v;
	}
	case CUVET_REQ_DRIVER:
		if (!x->driver) {
			snprintf(msg, mlen, "the driver version is unknown");
			return CUVET_UNKNOWN;
		}
		v = cmp_version_text(x->driver, cl);
		snprintf(fact, flen, "%s", x->driver);
		snprintf(msg, mlen, "driver %s is %s%s %s", x->driver, v == CUVET_PASS ? "" : "not ", op_names[cl->op],
			 cl->value);
		return v;
	case CUVET_REQ_CUDART:
	case CUVET_REQ_CUDNN:
	case CUVET_REQ_CUBLAS:
	case CUVET_REQ_NCCL:
	case CUVET_REQ_TENSORRT: {
		const struct cuvet_lib *l = lib_pick(x->f, cl->key);
		if (!l) {
			snprintf(msg, mlen, "no %s library that the loader would pick was found", k);
			bool needs = cl->op == CUVET_OP_EQ || cl->op == CUVET_OP_GT || cl->op == CUVET_OP_GE;
			return needs ? CUVET_FAIL : CUVET_UNKNOWN;
		}
		if (!l->version) {
			snprintf(fact, flen, "%s (version unknown)", l->path ? l->path : l->name);
			snprintf(msg, mlen, "the version of %s is unknown", l->name);
			return CUVET_UNKNOWN;
		}
		v = cmp_version_text(l->version, cl);
		snprintf(fact, flen, "%s %s (%s)", k, l->version, l->path ? l->path : l->name);
		snprintf(msg, mlen, "%s %s (the copy the loader picks) is %s%s %s", k, l->version,
			 v == CUVET_PASS ? "" : "not ", op_names[cl->op], cl->value);
		return v;
	}
	case CUVET_REQ_COUNT: {
		char have[24];
		snprintf(have, sizeof(have), "%zu", x->nvisible);
		unsigned long want = 0;
		parse_ulong(cl->value, 10, 0xffffffffUL, &want);
		int cmp = x->nvisible < want ? -1 : x->nvisible > want ? 1 : 0;
		v = op_holds(cl->op, cmp) ? CUVET_PASS : CUVET_FAIL;
		snprintf(fact, flen, "%zu visible GPU%s", x->nvisible, x->nvisible == 1 ? "" : "s");
		snprintf(msg, mlen, "%zu visible GPU%s, %s%s %s", x->nvisible, x->nvisible == 1 ? "" : "s",
			 v == CUVET_PASS ? "" : "not ", op_names[cl->op], cl->value);
		return v;
	}
	default: break;
	}
	/* GPU keys */
	if (!g) {
		snprintf(msg, mlen, "no GPU is visible, so %s cannot be checked", k);
		return CUVET_UNKNOWN;
	}
	char who[160];
	snprintf(who, sizeof(who), "GPU %d (%s)", g->index, g->name ? g->name : "unknown model");
	switch (cl->key) {
	case CUVET_REQ_ARCH: {
		if (g->cc_major < 0) {
			snprintf(msg, mlen, "%s: compute capability unknown", who);
			return CUVET_UNKNOWN;
		}
		char cc[24];
		snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
		v = cmp_version_text(cc, cl);
		snprintf(fact, flen, "%s: %s", who, cc);
		snprintf(msg, mlen, "%s has compute capability %s, %s%s %s", who, cc, v == CUVET_PASS ? "" : "not ",
			 op_names[cl->op], cl->value);
		return v;
	}
	case CUVET_REQ_BRAND: {
		if (!g->brand) {
			snprintf(msg, mlen, "%s: brand unknown (NVML was not asked or did not answer)", who);
			return CUVET_UNKNOWN;
		}
		bool eq = strcasecmp(g->brand, cl->value) == 0;
		v = (cl->op == CUVET_OP_EQ) == eq ? CUVET_PASS : CUVET_FAIL;
		snprintf(fact, flen, "%s: %s", who, g->brand);
		snprintf(msg, mlen, "%s has brand %s, %s%s %s", who, g->brand, v == CUVET_PASS ? "" : "not ",
			 op_names[cl->op], cl->value);
		return v;
	}
	case CUVET_REQ_GPU: {
		if (!g->name) {
			snprintf(msg, mlen, "GPU %d: model name unknown", g->index);
			return CUVET_UNKNOWN;
		}
		bool m = gpu_name_match(cl->value, g->name);
		v = (cl->op == CUVET_OP_EQ) == m ? CUVET_PASS : CUVET_FAIL;
		snprintf(fact, flen, "%s", who);
		snprintf(msg, mlen, "%s %s '%s'", who, m ? "matches" : "does not match", cl->value);
		return v;
	}
	case CUVET_REQ_MEMORY: {
		if (!g->memory_mib) {
			snprintf(msg, mlen, "%s: memory size unknown", who);
			return CUVET_UNKNOWN;
		}
		unsigned long want = 0;
		parse_ulong(cl->value, 10, 0xffffffffUL, &want);
		int cmp = g->memory_mib < want ? -1 : g->memory_mib > want ? 1 : 0;
		v = op_holds(cl->op, cmp) ? CUVET_PASS : CUVET_FAIL;
		snprintf(fact, flen, "%s: %llu MiB", who, (unsigned long long)g->memory_mib);
		snprintf(msg, mlen, "%s has %llu MiB, %s%s %s", who, (unsigned long long)g->memory_mib,
			 v == CUVET_PASS ? "" : "not ", op_names[cl->op], cl->value);
		return v;
	}
	default: break;
	}
	return CUVET_UNKNOWN;
}

static char *fix_for(const struct eval_ctx *x, const struct cuvet_req_clause *cl)
{
	switch (cl->key) {
	case CUVET_REQ_CUDA: return x->cuda_known ? fix_cuda(x, cl) : NULL;
	case CUVET_REQ_DRIVER: {
		char bd[128] = "";
		unsigned br = branch_of(cl->value);
		if (br && (cl->op == CUVET_OP_GE || cl->op == CUVET_OP_GT || cl->op == CUVET_OP_EQ))
			branch_desc(x->kb, br, bd, sizeof(bd));
		return xasprintf("install a driver %s %s%s%s", op_names[cl->op], cl->value, bd[0] ? " " : "", bd);
	}
	case CUVET_REQ_ARCH:
		return xasprintf("run on GPUs whose compute capability is %s %s (or hide the others with "
				 "NVIDIA_VISIBLE_DEVICES)",
				 op_names[cl->op], cl->value);
	case CUVET_REQ_BRAND:
	case CUVET_REQ_GPU:
	case CUVET_REQ_MEMORY:
		return xasprintf("schedule the workload on GPUs with %s%s%s (or hide the others with "
				 "NVIDIA_VISIBLE_DEVICES)",
				 key_names[cl->key], op_names[cl->op], cl->value);
	case CUVET_REQ_COUNT:
		return xasprintf("make %s %s GPUs visible (NVIDIA_VISIBLE_DEVICES)", op_names[cl->op], cl->value);
	default:
		return xasprintf("install %s %s %s where the loader picks it (ld.so.cache or LD_LIBRARY_PATH)",
				 key_names[cl->key], op_names[cl->op], cl->value);
	}
}

/* Evaluates the clause over every visible GPU (or once); fills its fields. Returns the verdict
 * for GPU index GI (SIZE_MAX: the aggregate). */
static void clause_eval(const struct eval_ctx *x, struct cuvet_req_clause *cl, enum cuvet_verdict *per_gpu,
			const struct cuvet_gpu *const *vis, size_t nvis)
{
	char fact[512], msg[640];
	struct sbuf facts, msgs;
	sbuf_init(&facts);
	sbuf_init(&msgs);
	enum cuvet_verdict agg = CUVET_PASS;
	size_t n = key_is_gpu(cl->key) && nvis ? nvis : 1;
	for (size_t i = 0; i < n; i++) {
		const struct cuvet_gpu *g = key_is_gpu(cl->key) && nvis ? vis[i] : NULL;
		enum cuvet_verdict v = clause_eval_one(x, cl, g, fact, sizeof(fact), msg, sizeof(msg));
		if (v == CUVET_UNKNOWN && x->opts && x->opts->assume_unknown_pass) {
			v = CUVET_PASS;
			cl->assumed = true;
		}
		per_gpu[i] = v;
		agg = and_v(agg, v);
		if (fact[0])
			sbuf_addf(&facts, "%s%s", facts.len ? "; " : "", fact);
		if (msg[0])
			sbuf_addf(&msgs, "%s%s", msgs.len ? "; " : "", msg);
	}
	if (n == 1 && !(key_is_gpu(cl->key) && nvis))
		for (size_t i = 1; i < (nvis ? nvis : 1); i++)
			per_gpu[i] = per_gpu[0];
	if (cl->assumed)
		sbuf_add(&msgs, " — assumed to pass (--assume-unknown=pass)");
	cl->verdict = agg;
	cl->fact = facts.len ? sbuf_steal(&facts) : NULL;
	sbuf_release(&facts);
	cl->message = sbuf_steal(&msgs);
	cl->fix = agg == CUVET_FAIL ? fix_for(x, cl) : NULL;
}

/* ------------------------------------------------------- nvidia-container-cli emulation ---- */

/* libnvidia-container's dsl_compare_version (src/cli/dsl.c): only digits and dots, numeric per
 * component, trailing ".0" components ignored. A component is read with strtoumax() and one equal
 * to UINTMAX_MAX (what strtoumax returns on overflow) makes the expression invalid — but only
 * when the comparison reaches it: the first differing component decides and the rest is never
 * read. Returns 1, 0, or -1 for an invalid version. */
static int rt_compare_version(const char *v1, enum cuvet_req_op op, const char *v2)
{
	if (strspn(v1, "0123456789.") != strlen(v1) || strspn(v2, "0123456789.") != strlen(v2))
		return -1;
	while (*v1 && *v2) {
		char *e1, *e2;
		if (!isdigit((unsigned char)*v1) || !isdigit((unsigned char)*v2))
			return -1;
		uintmax_t n1 = strtoumax(v1, &e1, 10);
		if (n1 == UINTMAX_MAX)
			return -1;
		uintmax_t n2 = strtoumax(v2, &e2, 10);
		if (n2 == UINTMAX_MAX)
			return -1;
		if (n1 != n2)
			return op_holds(op, n1 < n2 ? -1 : 1);
		v1 = e1 + strspn(e1, ".");
		v2 = e2 + strspn(e2, ".");
	}
	v1 += strspn(v1, ".0");
	v2 += strspn(v2, ".0");
	int cmp = !*v1 && !*v2 ? 0 : !*v1 ? -1 : !*v2 ? 1 : 0;
	return op_holds(op, cmp);
}

struct rt_flags {
	bool no_gpu_assumed;    /* arch/brand taken as satisfied because no GPU is visible */
	bool stopped_early;     /* text after a decided group/clause was never parsed */
	bool bang;              /* a lone '!' read as "!=" */
	bool empty_skipped;     /* an empty clause or doubled comma skipped */
};

/* One clause S[0..N) the way evaluate_rule() reads it: the key runs to the first of "<>=!", the
 * operator is that run of characters matched against "=", "!=", "<", "<=", ">", ">=" in that
 * order comparing only the run's length (so a lone "!" reads as "!="), the value is the rest. */
static enum cuvet_verdict rt_clause(const struct eval_ctx *x, const char *s, size_t n, const struct cuvet_gpu *g,
				    struct rt_flags *fl)
{
	size_t k = 0;
	while (k < n && !is_op_char(s[k]))
		k++;
	if (k == 0 || k == n)
		return CUVET_ERROR;
	size_t o = k;
	while (o < n && is_op_char(s[o]))
		o++;
	size_t run = o - k;
	int op = -1;
	for (size_t i = 0; i < CUVET_ARRAY_LEN(op_names); i++)
		if (strncmp(s + k, op_names[i], run) == 0 && strlen(op_names[i]) >= run) {
			op = (int)i;
			break;
		}
	if (op < 0 || o == n)
		return CUVET_ERROR;
	if (run == 1 && s[k] == '!')
		fl->bang = true;
	enum cuvet_req_key key;
	if (key_lookup(s, k, &key) < 0 || key > CUVET_REQ_BRAND)
		return CUVET_ERROR;
	char *value = xstrndup(s + o, n - o);
	if (!value)
		return CUVET_UNKNOWN;
	enum cuvet_req_op rop = (enum cuvet_req_op)op;
	int r; /* 1 true, 0 false, -1 invalid, 2 unknown here */
	switch (key) {
	case CUVET_REQ_CUDA: {
		if (!x->cuda_known || x->cuda_lower_bound) {
			r = 2; /* the runtime asks the real driver; these facts lack its answer */
			break;
		}
		char have[32];
		cuvet_version_format(&x->cuda, have, sizeof(have));
		r = rt_compare_version(have, rop, value);
		break;
	}
	case CUVET_REQ_DRIVER:
		r = x->driver ? rt_compare_version(x->driver, rop, value) : 2;
		break;
	case CUVET_REQ_ARCH: {
		if (!g) {
			fl->no_gpu_assumed = true;
			r = 1;
		} else if (g->cc_major < 0) {
			r = 2;
		} else {
			char cc[24];
			snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
			r = rt_compare_version(cc, rop, value);
		}
		break;
	}
	default: /* brand */
		if (!g) {
			fl->no_gpu_assumed = true;
			r = 1;
		} else if (!g->brand)
			r = 2;
		else if (rop == CUVET_OP_EQ)
			r = strcasecmp(g->brand, value) == 0;
		else if (rop == CUVET_OP_NE)
			r = strcasecmp(g->brand, value) != 0;
		else
			r = -1;
		break;
	}
	free(value);
	if (r == 2)
		return CUVET_UNKNOWN;
	/* An unsatisfied clause is formatted into a 128-byte buffer (EXPR_MAX) for the error message;
	 * when it does not fit, the runtime reports an invalid expression instead. */
	if (r == 0 && k + 1 + strlen(op_names[op]) + 1 + (n - o) >= 128)
		return CUVET_ERROR;
	return r < 0 ? CUVET_ERROR : r ? CUVET_PASS : CUVET_FAIL;
}

/* dsl_evaluate(): groups split on single spaces, clauses on commas, empty pieces skipped; a group
 * stops at its first false clause, the expression at its first true group; what lies beyond is
 * never parsed. A group made only of empty pieces ends the loop with the previous result. */
static enum cuvet_verdict rt_expr(const struct eval_ctx *x, const char *t, const struct cuvet_gpu *g,
				  struct rt_flags *fl)
{
	size_t len = strlen(t), i = 0;
	enum cuvet_verdict prev = CUVET_PASS; /* `ret` starts true: an empty predicate passes */
	bool uncertain = false;               /* an earlier group's truth is unknown */
	while (i <= len) {
		size_t gend = i;
		while (gend < len && t[gend] != ' ')
			gend++;
		if (gend == i) {
			i++;
			if (i > len)
				break;
			continue;
		}
		enum cuvet_verdict gv = CUVET_PASS;
		bool any = false, gunk = false;
		size_t c = i;
		while (c <= gend) {
			size_t cend = c;
			while (cend < gend && t[cend] != ',')
				cend++;
			if (cend == c)
				fl->empty_skipped = true;
			if (cend > c) {
				any = true;
				enum cuvet_verdict v = rt_clause(x, t + c, cend - c, g, fl);
				if (v == CUVET_ERROR) {
					gv = gunk ? CUVET_UNKNOWN : CUVET_ERROR;
					break;
				}
				if (v == CUVET_FAIL) {
					gv = CUVET_FAIL;
					if (cend < gend)
						fl->stopped_early = true;
					break;
				}
				if (v == CUVET_UNKNOWN)
					gunk = true;
			}
			c = cend + 1;
		}
		if (gv == CUVET_PASS && gunk)
			gv = CUVET_UNKNOWN;
		if (!any)
			gv = prev;
		i = gend + 1;
		if (gv == CUVET_PASS || gv == CUVET_ERROR || !any) {
			if (gv == CUVET_PASS && i < len)
				fl->stopped_early = true;
			if (uncertain && gv != CUVET_PASS)
				return CUVET_UNKNOWN;
			return gv;
		}
		if (gv == CUVET_UNKNOWN)
			uncertain = true;
		prev = gv;
	}
	return uncertain ? CUVET_UNKNOWN : prev;
}

/* Whether driver version D meets every driver clause of group G that bounds it from above
 * (driver<X, <=X, =X, !=X): an upgrade past such a bound breaks the group. */
static bool driver_meets_group(const struct cuvet_req_group *g, const char *d)
{
	for (size_t i = 0; i < g->nclauses; i++) {
		const struct cuvet_req_clause *cl = &g->clauses[i];
		if (cl->key != CUVET_REQ_DRIVER)
			continue;
		int c = version_text_cmp(d, cl->value);
		if (c == -2 || !op_holds(cl->op, c))
			return false;
	}
	return true;
}

/* The one smallest fix for a failed expression: any one group holding is enough, so the fix is
 * the cheapest group's. A group whose failed clauses an upgrade of the driver meets all at once
 * (without breaking its own upper driver bounds) costs that driver; the lowest such driver wins.
 * Otherwise the group with the fewest failed clauses, each of its fixes. A group with a clause
 * whose fact is unknown is considered only when no other can be. An expression the runtime
 * refuses although cuvet's reading passes is fixed by writing it in the runtime's grammar. */
static int expr_fix(const struct eval_ctx *x, struct cuvet_req_expr *e, enum cuvet_verdict own)
{
	free(e->fix);
	e->fix = NULL;
	if (e->refused && own != CUVET_FAIL && own != CUVET_ERROR) {
		e->fix = xstrdup("write it in nvidia-container-cli's grammar (keys cuda, driver, arch and brand only; "
				 "groups separated by single spaces, clauses by commas; versions of digits and dots), or "
				 "check what only cuvet knows with `cuvet check REQ` rather than in an NVIDIA_REQUIRE_* "
				 "variable");
		return e->fix ? 0 : -1;
	}
	if (e->error || own != CUVET_FAIL)
		return 0;
	const struct cuvet_req_group *best = NULL;
	char best_driver[64] = "";
	size_t best_nfail = SIZE_MAX;
	bool best_unknown = true;
	for (size_t gi = 0; gi < e->ngroups; gi++) {
		const struct cuvet_req_group *g = &e->groups[gi];
		if (g->verdict != CUVET_FAIL)
			continue;
		size_t nfail = 0;
		bool unknown = false, upgradable = true;
		char target[64] = "";
		for (size_t ci = 0; ci < g->nclauses; ci++) {
			const struct cuvet_req_clause *cl = &g->clauses[ci];
			if (cl->verdict == CUVET_UNKNOWN)
				unknown = true;
			if (cl->verdict != CUVET_FAIL)
				continue;
			nfail++;
			char t[64];
			if (!cl->fix) {
				upgradable = false;
				continue;
			}
			if (upgrade_target(x, cl, t, sizeof(t)) < 0) {
				upgradable = false;
				continue;
			}
			if (!target[0] || version_text_cmp(t, target) > 0)
				snprintf(target, sizeof(target), "%s", t);
		}
		if (!nfail)
			continue; /* failed for some GPUs only: its clauses say which */
		if (!upgradable || !target[0] || !driver_meets_group(g, target))
			target[0] = '\0';
		/* known beats unknown; an upgrade beats the rest; then the lower driver or fewer failures */
		bool better;
		if (!best)
			better = true;
		else if (unknown != best_unknown)
			better = !unknown;
		else if (!!target[0] != !!best_driver[0])
			better = target[0] != '\0';
		else if (target[0])
			better = version_text_cmp(target, best_driver) < 0;
		else
			better = nfail < best_nfail;
		if (better) {
			best = g;
			best_unknown = unknown;
			best_nfail = nfail;
			snprintf(best_driver, sizeof(best_driver), "%s", target);
		}
	}
	if (!best)
		return 0;
	struct sbuf b;
	sbuf_init(&b);
	if (best_driver[0] && best_nfail > 1)
		sbuf_addf(&b, "upgrade the driver to ≥ %s, which meets ", best_driver);
	size_t n = 0;
	for (size_t ci = 0; ci < best->nclauses; ci++) {
		const struct cuvet_req_clause *cl = &best->clauses[ci];
		if (cl->verdict != CUVET_FAIL || !cl->fix)
			continue;
		if (best_driver[0] && best_nfail > 1)
			sbuf_addf(&b, "%s%s", n ? " and " : "", cl->text);
		else
			sbuf_addf(&b, "%s%s", n ? "; and " : "", cl->fix);
		n++;
	}
	if (best_driver[0] && best_nfail > 1) {
		for (size_t ci = 0; ci < best->nclauses; ci++)
			if (best->clauses[ci].verdict == CUVET_FAIL && best->clauses[ci].key == CUVET_REQ_CUDA) {
				sbuf_addf(&b, ": %s", best->clauses[ci].fix);
				break;
			}
	}
	if (!n) {
		sbuf_release(&b);
		return 0;
	}
	e->fix = sbuf_steal(&b);
	return e->fix ? 0 : -1;
}

/* The runtime stops at its first refusal. UNKNOWN (a fact these facts lack) may hide one, so a
 * later definite refusal replaces it: the container does not start either way. */
static enum cuvet_verdict rt_first_refusal(enum cuvet_verdict acc, enum cuvet_verdict r)
{
	if (acc == CUVET_PASS || (acc == CUVET_UNKNOWN && r != CUVET_PASS))
		return r == CUVET_PASS ? acc : r;
	return acc;
}

/* ----------------------------------------------------------------- the check ---- */

/* OWN: cuvet's verdict before a refusal by the runtime made it FAIL. */
static int runtime_note(struct cuvet_req_expr *e, enum cuvet_verdict own, const struct rt_flags *fl)
{
	if (e->runtime == own) {
		if (fl->no_gpu_assumed && !(e->runtime_note = xstrdup("nvidia-container-cli takes arch and brand "
								       "clauses as satisfied when no GPU is visible")))
			return -1;
		return 0;
	}
	struct sbuf b;
	sbuf_init(&b);
	sbuf_addf(&b, "nvidia-container-cli would decide %s where cuvet decides %s", cuvet_verdict_name(e->runtime),
		  cuvet_verdict_name(own));
	if (fl->no_gpu_assumed)
		sbuf_add(&b, "; it takes arch and brand clauses as satisfied when no GPU is visible");
	if (fl->stopped_early)
		sbuf_add(&b, "; it stops at the first satisfied group (and at a group's first unsatisfied clause) and "
			     "never parses the rest");
	if (fl->bang)
		sbuf_add(&b, "; it reads a lone '!' as '!='");
	if (fl->empty_skipped)
		sbuf_add(&b, "; it skips empty clauses (a stray comma)");
	bool ext = false;
	for (size_t g = 0; g < e->ngroups; g++)
		for (size_t i = 0; i < e->groups[g].nclauses; i++)
			ext |= e->groups[g].clauses[i].key > CUVET_REQ_BRAND;
	if (ext)
		sbuf_add(&b, "; it knows only the keys cuda, driver, arch and brand (cuvet's other keys are an "
			     "invalid expression there: evaluate_rule() in libnvidia-container src/cli/dsl.c finds no "
			     "rule for them)");
	if (e->runtime == CUVET_UNKNOWN || (own == CUVET_UNKNOWN && !fl->no_gpu_assumed))
		sbuf_add(&b, "; the runtime asks the driver and NVML itself, so facts missing here are known to it");
	if (e->refused && own != CUVET_FAIL)
		sbuf_add(&b, "; this requirement comes from the environment, so the container will not start (the check's verdict: "
			     "FAIL)");
	e->runtime_note = sbuf_steal(&b);
	return e->runtime_note ? 0 : -1;
}

/* Beyond the requirement strings: the libraries themselves. A library built for CUDA major M runs
 * on a driver of CUDA major D < M only through forward compatibility (cuda-compat, data-center
 * GPUs only); for M == D with a newer minor (known for cudart, whose version is the toolkit's) by
 * minor-version compatibility; otherwise natively. */
static int check_libraries(struct cuvet_check *c, const struct eval_ctx *x)
{
	const struct cuvet_host *h = x->h;
	const struct cuvet_facts *f = x->f;
	free(c->libs);
	c->libs = NULL;
	c->nlibs = 0;
	c->libs_verdict = CUVET_PASS;
	size_t n = 0;
	for (size_t i = 0; i < f->nlibs; i++)
		n += h->libs[i].checked;
	if (!n)
		return 0;
	c->libs = calloc(n, sizeof(*c->libs));
	if (!c->libs)
		return -1;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_host_lib *hl = &h->libs[i];
		if (!hl->checked)
			continue;
		const struct cuvet_lib *l = hl->lib;
		struct cuvet_check_lib *cl = &c->libs[c->nlibs++];
		cl->family = l->family;
		cl->name = l->name;
		cl->path = l->path;
		cl->real_path = l->real_path;
		cl->version = l->version;
		cl->cuda_major = l->cuda_major;
		cl->run = hl->run;
		cl->major_mismatch = hl->major_mismatch;
		if (cl->run == CUVET_LIB_RUN_NO || cl->major_mismatch)
			c->libs_verdict = CUVET_FAIL;
	}
	/* Copies of unknown CUDA major are common (a wheel without metadata) and say nothing against
	 * the host: they do not make the verdict UNKNOWN, the listing shows them. Without the driver's
	 * CUDA, though, nothing about the libraries is known. */
	if (!x->cuda_known && c->libs_verdict == CUVET_PASS)
		c->libs_verdict = CUVET_UNKNOWN;
	c->verdict = and_v(c->verdict, c->libs_verdict);
	return 0;
}

static int workload_add(struct cuvet_check *c, const char *id, char *summary, char *cause, char *fix)
{
	struct cuvet_check_problem *p = NULL;
	if (summary && cause && fix)
		p = realloc(c->workload, (c->nworkload + 1) * sizeof(*p));
	if (!p) {
		free(summary);
		free(cause);
		free(fix);
		return -1;
	}
	c->workload = p;
	p[c->nworkload++] = (struct cuvet_check_problem){id, summary, cause, fix};
	c->workload_verdict = CUVET_FAIL;
	return 0;
}

/* What the workload will hit whatever it requires, as the host view says (doctor reports the same
 * conditions under the same ids): the libcuda its loader picks, the GPUs left to it, and the
 * library copies its frameworks load. */
static int check_workload(struct cuvet_check *c, const struct eval_ctx *x)
{
	const struct cuvet_host *h = x->h;
	workload_release(c);
	c->workload_verdict = CUVET_PASS;
	const char *lc = h->libcuda && h->libcuda->path ? h->libcuda->path : "the forward-compat libcuda";
	const char *slash = strrchr(lc, '/');
	int dirlen = slash && slash > lc ? (int)(slash - lc) : (int)strlen(lc);
	char own[32] = "";
	if (h->cuda > 0)
		snprintf(own, sizeof(own), " (CUDA %d.%d)", h->cuda / 1000, (h->cuda % 1000) / 10);
	if (h->compat_stale &&
	    workload_add(c, "compat-older-than-driver",
			 xasprintf("the workload loads forward-compat libcuda %s, older than the driver %s: CUDA error 803",
				   h->compat_version, h->driver),
			 xasprintf("The libcuda.so.1 a program loads is %s, a cuda-compat libcuda %s; the kernel module is %s. "
				   "A compat libcuda older than the driver is refused: the first CUDA call fails with error 803, "
				   "\"system has unsupported display driver / cuda driver combination\".",
				   lc, h->compat_version, h->driver),
			 xasprintf("Take %.*s out of LD_LIBRARY_PATH and ld.so.conf (or remove its cuda-compat package): the "
				   "driver's own libcuda.so.1%s is the one to load.",
				   dirlen, lc, own)) < 0)
		return -1;
	if (h->compat_unsupported && h->consumer &&
	    workload_add(c, "compat-unsupported-gpu",
			 xasprintf("the workload loads forward-compat libcuda %s on a consumer GPU (%s): CUDA error 804", lc,
				   h->consumer->name ? h->consumer->name : "unknown model"),
			 xasprintf("CUDA forward compatibility works only on data-center GPUs, selected NGC-ready RTX boards "
				   "and Jetson; on GPU %d a program that loads %s fails with error 804, \"forward compatibility "
				   "was attempted on non supported HW\".",
				   h->consumer->index, lc),
			 xasprintf("Take %.*s out of LD_LIBRARY_PATH and ld.so.conf; to run a newer CUDA on this GPU, upgrade "
				   "the driver.",
				   dirlen, lc)) < 0)
		return -1;
	if (h->gpus_hidden &&
	    workload_add(c, "no-visible-gpu",
			 xasprintf("CUDA_VISIBLE_DEVICES=%s leaves the workload no GPU of the %zu here: \"No CUDA GPUs are "
				   "available\"",
				   h->cuda_visible_devices, x->f->ngpus),
			 xasprintf("CUDA_VISIBLE_DEVICES=\"%s\" names no GPU the process has (CUDA stops at the first entry "
				   "that names none), so cudaGetDeviceCount returns 0 / CUDA_ERROR_NO_DEVICE and frameworks fail "
				   "(PyTorch: \"No CUDA GPUs are available\").",
				   h->cuda_visible_devices),
			 xasprintf("Unset CUDA_VISIBLE_DEVICES or set it to GPUs this process has (indices from 0 among the "
				   "GPUs NVIDIA_VISIBLE_DEVICES leaves, or GPU UUIDs); to run without a GPU on purpose, set "
				   "NVIDIA_VISIBLE_DEVICES=none instead.")) < 0)
		return -1;
	/* the frameworks' processes (import torch): a library copy other than the one the framework
	 * was built against fails the import whatever the container runtime decides */
	for (size_t i = 0; i < h->nframework_problems; i++) {
		const struct cuvet_host_framework_problem *fp = &h->framework_problems[i];
		if (fp->problem->severity != CUVET_SEV_ERROR)
			continue;
		if (workload_add(c, fp->problem->kind == CUVET_WHY_P_PIN ? "pinned-version" : "preloaded-copy",
				 xstrdup(fp->problem->message), xstrdup(fp->cause), xstrdup(fp->fix)) < 0)
			return -1;
	}
	c->verdict = and_v(c->verdict, c->workload_verdict);
	return 0;
}

int cuvet_check_eval(struct cuvet_check *c, const struct cuvet_host *h, const struct cuvet_check_opts *opts,
		     struct cuvet_error *err)
{
	struct eval_ctx x;
	memset(&x, 0, sizeof(x));
	x.h = h;
	x.f = h->facts;
	x.opts = opts;
	x.kb = cuvet_ctx_kb(h->ctx);
	x.driver = h->driver;
	/* the previous evaluation's notes go; those of reading the requirements stay */
	for (size_t i = c->nnotes_read; i < c->nnotes; i++)
		free(c->notes[i]);
	c->nnotes = c->nnotes_read;
	free(c->cuda_source);
	c->cuda_source = NULL;
	c->cuda = 0;
	free(c->driver);
	c->driver = NULL;
	if (h->driver && !(c->driver = xstrdup(h->driver)))
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	if (h->cuda > 0) {
		int v = h->cuda;
		x.cuda.nparts = 2;
		x.cuda.part[0] = (uint32_t)(v / 1000);
		x.cuda.part[1] = (uint32_t)((v % 1000) / 10);
		x.cuda_known = true;
		x.cuda_lower_bound = h->cuda_lower_bound;
		snprintf(x.cuda_text, sizeof(x.cuda_text), "%d.%d", v / 1000, (v % 1000) / 10);
		c->cuda = v;
		if (strcmp(h->cuda_source, "kb") == 0) {
			c->cuda_source = xasprintf("kb, inferred from driver %s%s%s", h->driver,
						   h->cuda_lower_bound ? ", a lower bound" : "",
						   h->cuda_unverified ? ", unverified" : "");
			const char *src = h->facts->driver.cuda_driver_source;
			bool compat_answered = h->compat_picked && src && strcmp(src, "libcuda") == 0;
			add_note(c, xasprintf("the driver's CUDA %s is inferred from driver %s through the knowledge "
					      "base (%s)",
					      x.cuda_text, h->driver,
					      compat_answered ? "the libcuda that answered is a forward-compat copy, whose CUDA is "
								"not the driver's"
							      : "neither NVML nor libcuda answered"));
		} else {
			c->cuda_source = xstrdup(h->cuda_source);
		}
		if (!c->cuda_source)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	snprintf(x.cuda_plain, sizeof(x.cuda_plain), "%s", x.cuda_text);
	if (x.cuda_known && strcmp(h->cuda_source, "kb") == 0) {
		size_t n = strlen(x.cuda_text);
		snprintf(x.cuda_text + n, sizeof(x.cuda_text) - n, " (inferred from driver %s)", x.driver);
	}
	const struct cuvet_gpu *const *vis = h->visible;
	size_t nvis = h->nvisible;
	enum cuvet_verdict *rt = NULL; /* [expression][GPU slot]: what the runtime decides */
	enum cuvet_verdict *pg = calloc(nvis ? nvis : 1, sizeof(*pg));
	enum cuvet_verdict *gv = calloc(nvis ? nvis : 1, sizeof(*gv));
	if (!pg || !gv) {
		free(pg);
		free(gv);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	x.all_datacenter = h->all_datacenter;
	x.nvisible = nvis;
	c->nvisible = nvis;
	size_t slots = nvis ? nvis : 1;

	c->verdict = CUVET_PASS;
	c->runtime = CUVET_PASS;
	c->refused = c->too_many = false;
	size_t nenv = 0;
	rt = calloc(c->nexprs * slots + 1, sizeof(*rt));
	if (!rt)
		goto oom;
	for (size_t ei = 0; ei < c->nexprs; ei++) {
		struct cuvet_req_expr *e = &c->exprs[ei];
		free(e->runtime_note);
		e->runtime_note = NULL;
		struct rt_flags fl = {0};
		if (e->error) {
			e->verdict = CUVET_ERROR;
		} else {
			/* Per GPU, like the runtime: each visible GPU must satisfy the whole expression. */
			enum cuvet_verdict *expr_gpu = calloc(slots, sizeof(*expr_gpu));
			if (!expr_gpu)
				goto oom;
			for (size_t s = 0; s < slots; s++)
				expr_gpu[s] = e->ngroups ? CUVET_FAIL : CUVET_PASS;
			for (size_t gi = 0; gi < e->ngroups; gi++) {
				struct cuvet_req_group *grp = &e->groups[gi];
				for (size_t s = 0; s < slots; s++)
					gv[s] = CUVET_PASS;
				grp->verdict = CUVET_PASS;
				for (size_t ci = 0; ci < grp->nclauses; ci++) {
					struct cuvet_req_clause *cl = &grp->clauses[ci];
					free(cl->fact);
					free(cl->message);
					free(cl->fix);
					cl->fact = cl->message = cl->fix = NULL;
					cl->assumed = false;
					clause_eval(&x, cl, pg, vis, nvis);
					for (size_t s = 0; s < slots; s++)
						gv[s] = and_v(gv[s], pg[s]);
				}
				grp->npass = 0;
				for (size_t s = 0; s < slots; s++) {
					grp->npass += nvis && gv[s] == CUVET_PASS;
					grp->verdict = and_v(grp->verdict, gv[s]);
					expr_gpu[s] = or_v(expr_gpu[s], gv[s]);
				}
			}
			e->verdict = CUVET_PASS;
			for (size_t s = 0; s < slots; s++)
				e->verdict = and_v(e->verdict, expr_gpu[s]);
			free(expr_gpu);
		}
		/* The runtime: per visible GPU, or once with no device when none is visible. */
		e->runtime = CUVET_PASS;
		for (size_t s = 0; s < slots; s++) {
			enum cuvet_verdict r = rt_expr(&x, e->text, nvis ? vis[s] : NULL, &fl);
			rt[ei * slots + s] = r;
			e->runtime = rt_first_refusal(e->runtime, r);
		}
		/* What the runtime refuses, the container never starts with, whatever cuvet's own
		 * reading of the text (its extension keys, a tab, a number past UINTMAX_MAX). */
		e->refused = e->from_env && (e->runtime == CUVET_FAIL || e->runtime == CUVET_ERROR);
		enum cuvet_verdict own = e->verdict;
		if (e->refused && (e->verdict == CUVET_PASS || e->verdict == CUVET_UNKNOWN))
			e->verdict = CUVET_FAIL;
		c->refused |= e->refused;
		nenv += e->from_env;
		if (runtime_note(e, own, &fl) < 0)
			goto oom;
		if (expr_fix(&x, e, own) < 0)
			goto oom;
		c->verdict = and_v(c->verdict, e->verdict);
	}
	/* configure_command() (libnvidia-container src/cli/configure.c): the visible GPUs are the
	 * outer loop and the requirements the inner one, and the first refusal ends it. Which
	 * refusal comes first (an unsatisfied condition or an invalid expression) depends on that
	 * order; that the container does not start does not. */
	for (size_t s = 0; s < slots; s++)
		for (size_t ei = 0; ei < c->nexprs; ei++)
			c->runtime = rt_first_refusal(c->runtime, rt[ei * slots + s]);
	c->too_many = nenv > CUVET_RUNTIME_MAX_REQS;
	if (c->too_many) {
		c->runtime = CUVET_ERROR;
		c->refused = true;
		if (add_note(c, xasprintf("%zu requirements come from the environment; nvidia-container-cli takes at most "
					  "%d (libnvidia-container src/cli/cli.h reqs[%d]) and stops with \"input error: too "
					  "many requirements\": the container will not start",
					  nenv, CUVET_RUNTIME_MAX_REQS, CUVET_RUNTIME_MAX_REQS)) < 0)
			goto oom;
	}
	if (check_libraries(c, &x) < 0 || check_workload(c, &x) < 0)
		goto oom;
	if (c->refused)
		c->verdict = CUVET_FAIL;
	free(rt);
	free(pg);
	free(gv);
	return 0;
oom:
	free(rt);
	free(pg);
	free(gv);
	return err_set(err, CUVET_E_NOMEM, "out of memory");
}

/* ---------------------------------------------------------------------- JSON ---- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jverdict(enum cuvet_verdict v)
{
	return json_string(cuvet_verdict_name(v));
}

char *cuvet_check_to_json(const struct cuvet_check *c, bool pretty, struct cuvet_error *err)
{
	json_t *root = json_object();
	json_t *exprs = json_array();
	json_t *notes = json_array();
	if (!root || !exprs || !notes)
		goto oom;
	json_object_set_new(root, "schema", json_string("cuvet.check/1"));
	json_object_set_new(root, "verdict", jverdict(c->verdict));
	json_object_set_new(root, "runtime", jverdict(c->runtime));
	json_object_set_new(root, "refused", json_boolean(c->refused));
	json_object_set_new(root, "too_many", json_boolean(c->too_many));
	json_object_set_new(root, "disabled", json_boolean(c->disabled));
	json_object_set_new(root, "disabled_by", jstr(c->disabled_by));
	json_object_set_new(root, "driver", jstr(c->driver));
	json_object_set_new(root, "visible_gpus", json_integer((json_int_t)c->nvisible));
	if (c->cuda > 0) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%d.%d", c->cuda / 1000, (c->cuda % 1000) / 10);
		json_object_set_new(root, "cuda", json_string(buf));
	} else {
		json_object_set_new(root, "cuda", json_null());
	}
	json_object_set_new(root, "cuda_source", jstr(c->cuda_source));
	json_t *jl = json_array();
	if (!jl)
		goto oom;
	for (size_t i = 0; i < c->nlibs; i++) {
		const struct cuvet_check_lib *l = &c->libs[i];
		json_array_append_new(jl, json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:b}", "family", jstr(l->family),
						    "name", jstr(l->name), "path", jstr(l->path), "version",
						    jstr(l->version), "cuda_major",
						    l->cuda_major > 0 ? json_integer(l->cuda_major) : json_null(), "runs",
						    cuvet_lib_run_name(l->run), "major_mismatch", l->major_mismatch));
	}
	json_object_set_new(root, "libraries", jl);
	json_object_set_new(root, "libraries_verdict", jverdict(c->libs_verdict));
	json_t *jw = json_array();
	if (!jw)
		goto oom;
	for (size_t i = 0; i < c->nworkload; i++) {
		const struct cuvet_check_problem *p = &c->workload[i];
		json_array_append_new(jw, json_pack("{s:s, s:s, s:s, s:s}", "id", p->id, "summary", p->summary, "cause",
						    p->cause, "fix", p->fix));
	}
	json_object_set_new(root, "workload", jw);
	json_object_set_new(root, "workload_verdict", jverdict(c->workload_verdict));
	for (size_t ei = 0; ei < c->nexprs; ei++) {
		const struct cuvet_req_expr *e = &c->exprs[ei];
		json_t *je = json_object(), *groups = json_array();
		if (!je || !groups) {
			json_decref(je);
			json_decref(groups);
			goto oom;
		}
		json_object_set_new(je, "source", jstr(e->source));
		json_object_set_new(je, "text", jstr(e->text));
		json_object_set_new(je, "from_env", json_boolean(e->from_env));
		json_object_set_new(je, "verdict", jverdict(e->verdict));
		json_object_set_new(je, "runtime", jverdict(e->runtime));
		json_object_set_new(je, "runtime_note", jstr(e->runtime_note));
		json_object_set_new(je, "refused", json_boolean(e->refused));
		json_object_set_new(je, "fix", jstr(e->fix));
		if (e->error) {
			json_object_set_new(je, "error", json_string(e->error));
			json_object_set_new(je, "error_position", json_integer((json_int_t)e->error_pos));
		}
		for (size_t gi = 0; gi < e->ngroups && !e->error; gi++) {
			const struct cuvet_req_group *g = &e->groups[gi];
			json_t *jg = json_object(), *cls = json_array();
			for (size_t ci = 0; ci < g->nclauses; ci++) {
				const struct cuvet_req_clause *cl = &g->clauses[ci];
				json_t *jc = json_object();
				json_object_set_new(jc, "text", jstr(cl->text));
				json_object_set_new(jc, "position", json_integer((json_int_t)cl->pos));
				json_object_set_new(jc, "key", json_string(key_names[cl->key]));
				json_object_set_new(jc, "op", json_string(op_names[cl->op]));
				json_object_set_new(jc, "value", jstr(cl->value));
				json_object_set_new(jc, "verdict", jverdict(cl->verdict));
				json_object_set_new(jc, "assumed", json_boolean(cl->assumed));
				json_object_set_new(jc, "fact", jstr(cl->fact));
				json_object_set_new(jc, "message", jstr(cl->message));
				json_object_set_new(jc, "fix", jstr(cl->fix));
				json_array_append_new(cls, jc);
			}
			json_object_set_new(jg, "verdict", jverdict(g->verdict));
			json_object_set_new(jg, "gpus_passing", json_integer((json_int_t)g->npass));
			json_object_set_new(jg, "clauses", cls);
			json_array_append_new(groups, jg);
		}
		json_object_set_new(je, "groups", groups);
		json_array_append_new(exprs, je);
	}
	for (size_t i = 0; i < c->nnotes; i++)
		json_array_append_new(notes, json_string(c->notes[i]));
	json_object_set_new(root, "requirements", exprs);
	json_object_set_new(root, "notes", notes);
	char *s = json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return s;
oom:
	json_decref(root);
	json_decref(exprs);
	json_decref(notes);
	err_set(err, CUVET_E_NOMEM, "out of memory");
	return NULL;
}
