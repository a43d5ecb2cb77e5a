/* Dockerfile lint rules. Where a rule overlaps one of hadolint's (github.com/hadolint/hadolint,
 * src/Hadolint/Rule/DL*.hs), the id is named and the same lines are meant to be flagged
 * (tests/dockerfile/vs_hadolint.py checks it; doc/dockerfile-vs-hadolint.md lists the rest). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dockerfile.h"

enum {
	R_UNTAGGED, R_LATEST, R_NO_DIGEST, R_STAGE_AS_IMAGE, R_KNOWN_STACK, R_APT, R_PIP, R_REQUIREMENTS,
	R_ADD_FILE, R_ADD_URL, R_CUDA_ENV, R_UNSET_VAR, R_INVALID_REF, R_UNTRUSTED, R_COPY_FROM, R_COUNT
};

static const struct cuvet_dockerfile_rule rules[] = {
	[R_UNTAGGED] = {"CV-D001", "DL3006", "untagged-image", CUVET_SEV_WARNING,
			"FROM names an image without a tag or digest (latest is implied)"},
	[R_LATEST] = {"CV-D002", "DL3007", "latest-tag", CUVET_SEV_WARNING, "FROM names the tag latest"},
	[R_NO_DIGEST] = {"CV-D003", NULL, "tag-without-digest", CUVET_SEV_INFO,
			 "FROM names a tag without a digest: the image can change under it (cuvet dockerfile pin)"},
	[R_STAGE_AS_IMAGE] = {"CV-D004", "DL3006", "stage-as-image", CUVET_SEV_ERROR,
			      "FROM names a stage defined later, or a misspelt stage: it pulls an image of that name instead"},
	[R_KNOWN_STACK] = {"CV-D005", NULL, "known-stack", CUVET_SEV_INFO,
			   "the base image's CUDA stack and driver floor, from the knowledge base"},
	[R_APT] = {"CV-D006", "DL3008", "apt-get-unpinned", CUVET_SEV_WARNING,
		   "apt-get install of packages without =VERSION"},
	[R_PIP] = {"CV-D007", "DL3013", "pip-unpinned", CUVET_SEV_WARNING, "pip install of packages without ==VERSION"},
	[R_REQUIREMENTS] = {"CV-D008", NULL, "requirements-unpinned", CUVET_SEV_WARNING,
			    "a requirements file that pip installs names packages without =="},
	[R_ADD_FILE] = {"CV-D009", "DL3020", "add-local-file", CUVET_SEV_WARNING,
			"ADD of local files or folders (not an archive to unpack): COPY says what it does"},
	[R_ADD_URL] = {"CV-D010", NULL, "add-url-no-checksum", CUVET_SEV_WARNING,
		       "ADD of a URL without --checksum: the download is not verified"},
	[R_CUDA_ENV] = {"CV-D011", NULL, "cuda-env-contradicts-tag", CUVET_SEV_ERROR,
			"ENV CUDA_VERSION contradicts the CUDA of the base image's tag"},
	[R_UNSET_VAR] = {"CV-D012", NULL, "from-unset-variable", CUVET_SEV_ERROR,
			 "FROM uses an ARG without a value (no default, no --build-arg)"},
	[R_INVALID_REF] = {"CV-D013", NULL, "invalid-reference", CUVET_SEV_ERROR,
			   "FROM names no valid image reference (distribution/reference's grammar): the build fails"},
	[R_UNTRUSTED] = {"CV-D014", "DL3026", "untrusted-registry", CUVET_SEV_ERROR,
			 "FROM names an image from a registry not in --trusted-registry"},
	[R_COPY_FROM] = {"CV-D015", "DL3022", "copy-from-not-stage", CUVET_SEV_ERROR,
			 "COPY --from (or RUN --mount from=) names a stage defined later, or a misspelt stage: it reads an image of that name instead"},
	[R_COUNT] = {NULL, NULL, NULL, CUVET_SEV_INFO, NULL},
};

const struct cuvet_dockerfile_rule *cuvet_dockerfile_rules(void)
{
	return rules;
}

struct lint {
	const struct cuvet_dockerfile *df;
	const struct cuvet_dockerfile_lint_opts *opts;
	struct cuvet_dockerfile_findings *out;
	size_t cap;
	bool oom;
};

CUVET_PRINTF(5, 6)
static void add(struct lint *L, int rule, unsigned line, const char *file, const char *fmt, ...)
{
	if (L->oom)
		return;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	char *f = file ? xstrdup(file) : NULL;
	if (!msg || (file && !f) || xgrow(&L->out->items, &L->cap, L->out->count, sizeof(*L->out->items)) < 0) {
		free(msg);
		free(f);
		L->oom = true;
		return;
	}
	struct cuvet_dockerfile_finding *x = &L->out->items[L->out->count++];
	x->id = rules[rule].id;
	x->hadolint = rules[rule].hadolint;
	x->name = rules[rule].name;
	x->severity = rules[rule].severity;
	x->line = line;
	x->end_line = line;
	x->file = f;
	x->message = msg;
}

void cuvet_dockerfile_findings_free(struct cuvet_dockerfile_findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].file);
		free(f->items[i].message);
	}
	free(f->items);
	free(f);
}

/* ------------------------------------------------------------------- FROM ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t k = 0; k <= lb; k++)
		d[0][k] = k;
	for (size_t i = 1; i <= la; i++)
		for (size_t k = 1; k <= lb; k++) {
			size_t best = d[i - 1][k - 1] + (a[i - 1] != b[k - 1]);
			if (d[i - 1][k] + 1 < best)
				best = d[i - 1][k] + 1;
			if (d[i][k - 1] + 1 < best)
				best = d[i][k - 1] + 1;
			/* a transposition counts as one edit (optimal string alignment) */
			if (i > 1 && k > 1 && a[i - 1] == b[k - 2] && a[i - 2] == b[k - 1] && d[i - 2][k - 2] + 1 < best)
				best = d[i - 2][k - 2] + 1;
			d[i][k] = best;
		}
	return d[la][lb];
}

/* Whether WORD is one or two edits (for names of 6 or more) from stage NAME, not equal. */
static bool typo_of(const char *name, const char *word)
{
	size_t d = edit_distance(name, word);
	return strlen(name) >= 3 && d > 0 && d <= (strlen(name) >= 6 ? 2u : 1u);
}

/* COPY --from=NAME (and RUN --mount=from=NAME): a name that is no earlier stage is an image, so
 * a stage defined later or a misspelt one copies from Docker Hub instead. */
static void lint_copy_from(struct lint *L, size_t idx)
{
	const struct cuvet_dockerfile *df = L->df;
	const struct cuvet_dockerfile_instr *in = &df->instrs[idx];
	/* only the instruction's own flags, before its first other word */
	const char *f = NULL;
	for (const char *w = in->args; !f && w[0] == '-' && w[1] == '-'; w += strspn(w, " \t")) {
		size_t wl = strcspn(w, " \t");
		if (strcmp(in->keyword, "COPY") == 0 && str_starts(w, "--from="))
			f = w + 7;
		else if (str_starts(w, "--mount=")) {
			const char *m = w + 8;
			while (!f && m < w + wl) {
				if (str_starts(m, "from="))
					f = m + 5;
				const char *comma = memchr(m, ',', (size_t)(w + wl - m));
				m = comma ? comma + 1 : w + wl;
			}
		}
		w += wl;
	}
	if (!f)
		return;
	size_t n = strcspn(f, " \t,");
	char *from = xstrndup(f, n);
	if (!from) {
		L->oom = true;
		return;
	}
	str_lower(from);
	bool earlier = false, numeric = n > 0 && strspn(from, "0123456789") == n;
	for (size_t k = 0; k < df->nstages && df->stages[k].instr < idx; k++)
		earlier |= df->stages[k].name && strcmp(df->stages[k].name, from) == 0;
	if (!earlier && !numeric && n > 0 && !strpbrk(from, "/:.@$")) {
		for (size_t k = 0; k < df->nstages; k++) {
			const char *name = df->stages[k].name;
			unsigned line = df->instrs[df->stages[k].instr].line;
			if (!name)
				continue;
			if (strcmp(name, from) == 0) {
				add(L, R_COPY_FROM, in->line, NULL,
				    "%s --from=%s: stage %s is defined later (line %u), so this reads the image docker.io/library/%s",
				    in->keyword, from, name, line, from);
				break;
			}
			if (typo_of(name, from)) {
				add(L, R_COPY_FROM, in->line, NULL,
				    "%s --from=%s: looks like stage %s (line %u) misspelt; as written it reads the image docker.io/library/%s",
				    in->keyword, from, name, line, from);
				break;
			}
		}
	}
	free(from);
}

/* The leading "X.Y[.Z]" of a tag ("12.4.1-devel-ubuntu22.04" -> "12.4.1"), or "" . */
static void tag_version(const char *tag, char *out, size_t len)
{
	size_t n = 0;
	while (tag[n] && (isdigit((unsigned char)tag[n]) || tag[n] == '.'))
		n++;
	if (n == 0 || n >= len || !strchr(tag, '.')) {
		out[0] = '\0';
		return;
	}
	memcpy(out, tag, n);
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

/* Whether version A and B agree on every component both give ("12.4" and "12.4.1" do). */
static bool versions_agree(const char *a, const char *b)
{
	while (*a && *b) {
		char *ea, *eb;
		unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
		if (ea == a || eb == b)
			return true; /* not numbers: no verdict */
		if (x != y)
			return false;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if (*ea != '.' || *eb != '.')
			break;
	}
	return true;
}

static bool is_nvidia_cuda(const struct cuvet_imgref *r)
{
	return strcmp(r->path, "nvidia/cuda") == 0 &&
	       (strcmp(r->domain, "docker.io") == 0 || strcmp(r->domain, "nvcr.io") == 0);
}

/* The value ENV sets for NAME in stage S (the last one), or NULL. */
static char *stage_env(const struct cuvet_dockerfile *df, size_t s, const char *name, unsigned *line)
{
	size_t from = df->stages[s].instr, to = s + 1 < df->nstages ? df->stages[s + 1].instr : df->ninstrs;
	char *found = NULL;
	for (size_t i = from + 1; i < to; i++) {
		const struct cuvet_dockerfile_instr *in = &df->instrs[i];
		if (strcmp(in->keyword, "ENV") != 0)
			continue;
		size_t n;
		char **w = df_shell_words(in->args, df->escape, &n);
		if (!w)
			return found;
		bool legacy = n > 0 && w[0] && !strchr(w[0], '=');
		for (size_t k = 0; k < n && w[k]; k++) {
			const char *val = NULL;
			size_t nl = strlen(name);
			if (legacy) {
				if (k == 0 && strcmp(w[0], name) == 0 && k + 1 < n && w[1])
					val = in->args + strlen(name) + strspn(in->args + strlen(name), " \t");
			} else if (strncmp(w[k], name, nl) == 0 && w[k][nl] == '=') {
				val = w[k] + nl + 1;
			}
			if (val) {
				free(found);
				found = xstrdup(val);
				*line = in->line;
			}
			if (legacy)
				break;
		}
		df_words_free(w, n);
	}
	return found;
}

static void lint_known_stack(struct lint *L, size_t s, const struct cuvet_dockerfile_instr *in, const char *image,
			     const struct cuvet_imgref *r)
{
	const struct cuvet_kb *kb = L->opts ? L->opts->kb : NULL;
	char cuda[32] = "";
	struct cuvet_kb_image im;
	struct cuvet_error e = {0};
	bool known = false;
	if (kb && r->tag) {
		/* The knowledge base keys rows by "name:tag" without a digest. */
		char *key = xasprintf("%s/%s:%s", r->domain, r->path, r->tag);
		if (!key) {
			L->oom = true;
			return;
		}
		known = cuvet_kb_image(kb, key, &im, &e) == 0;
		free(key);
	}
	if (known && im.cuda.value) {
		struct sbuf b;
		sbuf_init(&b);
		sbuf_addf(&b, "%s%s%s carries", im.image, im.tag ? ":" : "", im.tag ? im.tag : "");
		const struct {
			const char *name;
			const struct cuvet_kb_fact *f;
		} parts[] = {{"CUDA", &im.cuda}, {"cuDNN", &im.cudnn}, {"TensorRT", &im.tensorrt}, {"NCCL", &im.nccl},
			     {"cuBLAS", &im.cublas}};
		const char *sep = " ";
		for (size_t i = 0; i < CUVET_ARRAY_LEN(parts); i++)
			if (parts[i].f->value) {
				sbuf_addf(&b, "%s%s %s%s", sep, parts[i].name, parts[i].f->value,
					  parts[i].f->unverified ? " (unverified)" : "");
				sep = ", ";
			}
		if (im.min_driver.value)
			sbuf_addf(&b, "; driver floor %s%s", im.min_driver.value,
				  im.min_driver.unverified ? " (unverified)" : "");
		sbuf_addf(&b, " (%s)", im.table);
		char *msg = sbuf_steal(&b);
		if (!msg) {
			L->oom = true;
			return;
		}
		add(L, R_KNOWN_STACK, in->line, NULL, "%s", msg);
		free(msg);
		tag_version(im.cuda.value, cuda, sizeof(cuda));
	} else if (is_nvidia_cuda(r) && r->tag) {
		/* nvidia/cuda tags start with the toolkit release; its driver floor is the toolkit's. */
		tag_version(r->tag, cuda, sizeof(cuda));
		struct cuvet_kb_cuda rel;
		if (kb && cuda[0] && cuvet_kb_cuda_releases(kb, cuda, &rel, 1, &e) > 0) {
			char req[64] = "";
			if (known && im.require_cuda)
				snprintf(req, sizeof(req), "; it sets NVIDIA_REQUIRE_CUDA=%.*s…", (int)strcspn(im.require_cuda, " "),
					 im.require_cuda);
			add(L, R_KNOWN_STACK, in->line, NULL,
			    "%s carries CUDA %s (from its tag); driver floor %s%s%s%s (cuda-toolkit-driver.tsv)%s", image,
			    rel.version, rel.min_linux_driver ? rel.min_linux_driver : "unknown",
			    rel.minor_compat_min_driver ? ", or " : "",
			    rel.minor_compat_min_driver ? rel.minor_compat_min_driver : "",
			    rel.minor_compat_min_driver ? " through minor-version compatibility" : "", req);
		}
	}
	if (!cuda[0])
		return;
	unsigned eline = 0;
	char *env = stage_env(L->df, s, "CUDA_VERSION", &eline);
	if (env && !strchr(env, '$') && !versions_agree(cuda, env))
		add(L, R_CUDA_ENV, eline, NULL,
		    "ENV CUDA_VERSION=%s contradicts the base image %s (line %u), which carries CUDA %s", env, image,
		    in->line, cuda);
	free(env);
}

static void lint_from(struct lint *L, size_t s)
{
	const struct cuvet_dockerfile *df = L->df;
	const struct cuvet_dockerfile_stage *sg = &df->stages[s];
	const struct cuvet_dockerfile_instr *in = &df->instrs[sg->instr];
	bool unset = false;
	struct cuvet_error e = {0};
	char *expanded = df_expand(sg->image_text, df->escape, df->args, df->nargs, &unset, &e);
	if (!expanded && e.code == CUVET_E_NOMEM) {
		L->oom = true;
		return;
	}
	free(expanded);
	if (!sg->image || unset) {
		add(L, R_UNSET_VAR, in->line, NULL, "FROM %s: a variable in it has no value%s%s", sg->image_text,
		    sg->image ? ", giving " : " (set a default in the ARG or pass --build-arg)", sg->image ? sg->image : "");
		return;
	}
	if (sg->base_stage >= 0)
		return;
	const char *image = sg->image;
	if (strcasecmp(image, "scratch") == 0)
		return;
	struct cuvet_imgref r;
	struct cuvet_error re = {0};
	if (cuvet_imgref_parse(image, &r, &re) < 0) {
		if (re.code == CUVET_E_NOMEM)
			L->oom = true;
		else
			add(L, R_INVALID_REF, in->line, NULL, "FROM %s: %s", image, re.msg);
		return;
	}
	/* A stage name: defined later, or one edit from an earlier one. */
	if (!r.tag && !r.digest && !r.domain_given && !strchr(image, '/')) {
		char *lower = xstrdup(image);
		if (!lower) {
			L->oom = true;
			goto done;
		}
		str_lower(lower);
		bool hit = false;
		for (size_t k = s + 1; k < df->nstages && !hit; k++)
			if (df->stages[k].name && strcmp(df->stages[k].name, lower) == 0) {
				add(L, R_STAGE_AS_IMAGE, in->line, NULL,
				    "FROM %s: stage %s is defined later (line %u); a stage builds only on an earlier one, so this pulls the image docker.io/%s",
				    image, df->stages[k].name, df->instrs[df->stages[k].instr].line, r.path);
				hit = true;
			}
		for (size_t k = 0; k < df->nstages && !hit; k++) {
			const char *name = df->stages[k].name;
			if (k != s && name && typo_of(name, lower)) {
				add(L, R_STAGE_AS_IMAGE, in->line, NULL,
				    "FROM %s: looks like stage %s (line %u) misspelt; as written it pulls the image docker.io/%s",
				    image, name, df->instrs[df->stages[k].instr].line, r.path);
				hit = true;
			}
		}
		free(lower);
		if (hit)
			goto done;
	}
	if (L->opts && L->opts->trusted_registries) {
		bool trusted = false;
		for (const char *const *t = L->opts->trusted_registries; *t && !trusted; t++) {
			/* "*.example.com" matches any host ending in ".example.com", as hadolint's DL3026 */
			if ((*t)[0] == '*' && (*t)[1] == '.')
				trusted = str_ends(r.domain, *t + 1) && strlen(r.domain) > strlen(*t + 1);
			else
				trusted = strcmp(r.domain, *t) == 0;
		}
		if (!trusted)
			add(L, R_UNTRUSTED, in->line, NULL, "FROM %s: registry %s is not one of the trusted registries", image,
			    r.domain);
	}
	if (!r.tag && !r.digest)
		add(L, R_UNTAGGED, in->line, NULL, "FROM %s: no tag, so latest is implied; name a version", image);
	else if (r.tag && strcmp(r.tag, "latest") == 0)
		add(L, R_LATEST, in->line, NULL, "FROM %s: latest changes under you; name a version", image);
	if (r.tag && !r.digest)
		add(L, R_NO_DIGEST, in->line, NULL, "FROM %s: tag without digest (cuvet dockerfile pin adds it)", image);
	lint_known_stack(L, s, in, image, &r);
done:
	cuvet_imgref_release(&r);
}

/* ------------------------------------------------------------------- RUN ---- */

static bool word_is(const char *w, const char *name)
{
	const char *base = strrchr(w, '/');
	return strcmp(base ? base + 1 : w, name) == 0;
}

/* pip, pip3, pip3.11 */
static bool is_pip(const char *w)
{
	const char *base = strrchr(w, '/');
	base = base ? base + 1 : w;
	return strncmp(base, "pip", 3) == 0 && strspn(base + 3, "0123456789.") == strlen(base + 3);
}

static bool is_python(const char *w)
{
	const char *base = strrchr(w, '/');
	base = base ? base + 1 : w;
	return strncmp(base, "python", 6) == 0 && strspn(base + 6, "0123456789.") == strlen(base + 6);
}

static bool in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

/* apt-get's options that take a value. */
static const char *const apt_valued[] = {"-o", "--option", "-t", "--target-release", "--default-release", "-c",
					 "--config-file", NULL};
static const char *const pip_valued[] = {
	"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links",
	"-t", "--target", "--trusted-host", "--prefix", "--root", "--src", "-e", "--editable", "--platform",
	"--python-version", "--implementation", "--abi", "--progress-bar", "--cache-dir", "--log", "--proxy",
	"--retries", "--timeout", "--exists-action", "--cert", "--client-cert", "--upgrade-strategy", "--no-binary",
	"--only-binary", "--global-option", "--config-settings", "-C", "--report", NULL};

struct reqfile {
	char *path;
	unsigned line;
};

/* One command's words [a, b): apt-get install and pip install. */
static void lint_command(struct lint *L, char **w, size_t a, size_t b, struct sbuf *apt, struct sbuf *pip,
			 struct reqfile **reqs, size_t *nreqs, size_t *capreqs, unsigned line)
{
	for (size_t i = a; i < b; i++) {
		if (word_is(w[i], "apt-get")) {
			size_t k = i + 1;
			while (k < b && (w[k][0] == '-')) {
				k += in_list(w[k], apt_valued) ? 2 : 1;
			}
			if (k >= b || strcmp(w[k], "install") != 0)
				return;
			for (k++; k < b; k++) {
				if (w[k][0] == '-') {
					if (in_list(w[k], apt_valued))
						k++;
					continue;
				}
				if (strchr(w[k], '=') || str_ends(w[k], ".deb") || strchr(w[k], '/'))
					continue;
				sbuf_addf(apt, "%s%s", apt->len ? " " : "", w[k]);
			}
			return;
		}
		size_t k = 0;
		if (is_pip(w[i]))
			k = i + 1;
		else if (is_python(w[i]) && i + 2 < b && strcmp(w[i + 1], "-m") == 0 && is_pip(w[i + 2]))
			k = i + 3;
		else
			continue;
		while (k < b && w[k][0] == '-')
			k += in_list(w[k], pip_valued) ? 2 : 1;
		if (k >= b || strcmp(w[k], "install") != 0)
			return;
		for (k++; k < b; k++) {
			const char *req = NULL;
			if (strcmp(w[k], "-r") == 0 || strcmp(w[k], "--requirement") == 0)
				req = k + 1 < b ? w[++k] : NULL;
			else if (str_starts(w[k], "--requirement="))
				req = w[k] + 14;
			else if (str_starts(w[k], "-r") && w[k][2])
				req = w[k] + 2;
			if (req) {
				if (xgrow(reqs, capreqs, *nreqs, sizeof(**reqs)) < 0 || !((*reqs)[*nreqs].path = xstrdup(req))) {
					L->oom = true;
					return;
				}
				(*reqs)[(*nreqs)++].line = line;
				continue;
			}
			if (w[k][0] == '-') {
				if (in_list(w[k], pip_valued))
					k++;
				continue;
			}
			const char *p = w[k];
			if (strstr(p, "==") || strchr(p, '/') || p[0] == '.' || strchr(p, '@') || str_ends(p, ".whl") ||
			    str_ends(p, ".tar.gz") || str_ends(p, ".zip"))
				continue;
			sbuf_addf(pip, "%s%s", pip->len ? " " : "", p);
		}
		return;
	}
}

static void lint_script(struct lint *L, const char *script, struct sbuf *apt, struct sbuf *pip, struct reqfile **reqs,
			size_t *nreqs, size_t *capreqs, unsigned line)
{
	size_t n;
	char **w = df_shell_words(script, '\\', &n);
	if (!w) {
		L->oom = true;
		return;
	}
	size_t a = 0;
	for (size_t i = 0; i < n; i++)
		if (!w[i]) {
			if (i > a)
				lint_command(L, w, a, i, apt, pip, reqs, nreqs, capreqs, line);
			a = i + 1;
		}
	df_words_free(w, n);
}

/* Reads a requirements file beside the Dockerfile: PATH as the RUN names it, found as the source
 * of a COPY/ADD with the same base name, else by its base name in DIR. */
static char *read_requirements(const struct lint *L, const char *path, char **shown)
{
	const char *dir = L->opts ? L->opts->dir : NULL;
	if (!dir)
		return NULL;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char *rel = NULL;
	for (size_t i = 0; i < L->df->ninstrs && !rel; i++) {
		const struct cuvet_dockerfile_instr *in = &L->df->instrs[i];
		if ((strcmp(in->keyword, "COPY") != 0 && strcmp(in->keyword, "ADD") != 0) || strstr(in->args, "--from="))
			continue;
		size_t n;
		char **w = df_shell_words(in->args, L->df->escape, &n);
		if (!w)
			return NULL;
		size_t cnt = 0;
		while (cnt < n && w[cnt])
			cnt++;
		for (size_t k = 0; k + 1 < cnt && !rel; k++) {
			if (w[k][0] == '-')
				continue;
			const char *b2 = strrchr(w[k], '/');
			if (strcmp(b2 ? b2 + 1 : w[k], base) == 0)
				rel = xstrdup(w[k]);
		}
		df_words_free(w, n);
	}
	if (!rel)
		rel = xstrdup(base);
	if (!rel || rel[0] == '/' || strstr(rel, "..")) {
		free(rel);
		return NULL;
	}
	char *full = strcmp(dir, ".") == 0 ? xstrdup(rel) : xasprintf("%s/%s", dir, rel);
	free(rel);
	if (!full)
		return NULL;
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *text = NULL;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (1 << 20)) {
		size_t sz = (size_t)st.st_size;
		text = malloc(sz + 1);
		size_t got = 0;
		while (text && got < sz) {
			ssize_t r = read(fd, text + got, sz - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (text)
			text[got] = '\0';
	}
	if (fd >= 0)
		close(fd);
	*shown = full;
	if (!text) {
		free(full);
		*shown = NULL;
	}
	return text;
}

static void lint_requirements(struct lint *L, const struct reqfile *rq)
{
	char *shown = NULL;
	char *text = read_requirements(L, rq->path, &shown);
	if (!text)
		return;
	unsigned no = 0;
	for (char *ln = text, *next; ln; ln = next) {
		next = strchr(ln, '\n');
		if (next)
			*next++ = '\0';
		no++;
		if (!*ln && !next)
			break;
		char *hash = strstr(ln, " #");
		if (hash)
			*hash = '\0';
		char *s = str_trim(ln);
		size_t len = strlen(s);
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			s[--len] = '\0';
		if (!*s || *s == '#' || *s == '-' || strchr(s, '/') || *s == '.' || strchr(s, '@'))
			continue;
		if (!strstr(s, "=="))
			add(L, R_REQUIREMENTS, no, shown, "%s (installed by the RUN at line %u) is not pinned with ==", s,
			    rq->line);
	}
	free(text);
	free(shown);
}

static void lint_run(struct lint *L, const struct cuvet_dockerfile_instr *in)
{
	struct sbuf apt, pip;
	sbuf_init(&apt);
	sbuf_init(&pip);
	struct reqfile *reqs = NULL;
	size_t nreqs = 0, capreqs = 0;
	if (in->json) {
		/* ["sh", "-c", "script"] runs the script; other arrays are one command. */
		struct sbuf b;
		sbuf_init(&b);
		for (size_t i = 0; i < in->argc; i++)
			sbuf_addf(&b, "%s'%s'", i ? " " : "", in->argv[i]);
		char *s = sbuf_steal(&b);
		if (!s)
			L->oom = true;
		else
			lint_script(L, s, &apt, &pip, &reqs, &nreqs, &capreqs, in->line);
		free(s);
		if (in->argc == 3 && strcmp(in->argv[1], "-c") == 0)
			lint_script(L, in->argv[2], &apt, &pip, &reqs, &nreqs, &capreqs, in->line);
	} else {
		/* The arguments without the flags (--mount=…, --network=…). */
		const char *s = in->args;
		while (s[0] == '-' && s[1] == '-') {
			s += strcspn(s, " \t");
			s += strspn(s, " \t");
		}
		lint_script(L, s, &apt, &pip, &reqs, &nreqs, &capreqs, in->line);
		for (size_t k = 0; k < in->nheredocs; k++)
			lint_script(L, in->heredocs[k].body, &apt, &pip, &reqs, &nreqs, &capreqs, in->line);
	}
	sbuf_add(&apt, "");
	sbuf_add(&pip, "");
	if (apt.oom || pip.oom)
		L->oom = true;
	else {
		if (apt.len)
			add(L, R_APT, in->line, NULL, "apt-get install without versions: %s (pin as PACKAGE=VERSION)", apt.data);
		if (pip.len)
			add(L, R_PIP, in->line, NULL, "pip install without versions: %s (pin as PACKAGE==VERSION)", pip.data);
	}
	sbuf_release(&apt);
	sbuf_release(&pip);
	for (size_t i = 0; i < nreqs; i++) {
		lint_requirements(L, &reqs[i]);
		free(reqs[i].path);
	}
	free(reqs);
}

/* ------------------------------------------------------------------- ADD ---- */

static bool is_url(const char *s)
{
	return str_starts(s, "http://") || str_starts(s, "https://");
}

/* hadolint's archive extensions (DL3020): ADD unpacks these, so ADD is the right instruction. */
static bool is_archive(const char *s)
{
	static const char *const ext[] = {".tar", ".gz", ".bz2", ".xz", ".zip", ".tgz", ".tb2", ".tbz", ".tbz2",
					  ".lz", ".lzma", ".tlz", ".txz", ".Z", ".tZ", ".zst", NULL};
	for (const char *const *e = ext; *e; e++)
		if (str_ends(s, *e))
			return true;
	return false;
}

static void lint_add(struct lint *L, const struct cuvet_dockerfile_instr *in)
{
	if (in->nheredocs)
		return;
	char **w = NULL;
	size_t n = 0, cnt = 0;
	bool checksum = false;
	const char *const *src;
	if (in->json) {
		src = (const char *const *)in->argv;
		cnt = in->argc;
	} else {
		w = df_shell_words(in->args, L->df->escape, &n);
		if (!w) {
			L->oom = true;
			return;
		}
		while (cnt < n && w[cnt])
			cnt++;
		src = (const char *const *)w;
	}
	size_t first = 0;
	if (!in->json)
		while (first < cnt && str_starts(src[first], "--")) {
			if (str_starts(src[first], "--checksum="))
				checksum = true;
			first++;
		}
	if (in->json)
		checksum = strstr(in->args, "--checksum=") != NULL;
	bool local = false;
	for (size_t i = first; i + 1 < cnt; i++) {
		if (is_url(src[i])) {
			if (!checksum)
				add(L, R_ADD_URL, in->line, NULL, "ADD %s without --checksum=sha256:…: the download is not verified",
				    src[i]);
		} else if (!is_archive(src[i]) && !str_starts(src[i], "git@")) {
			local = true;
		}
	}
	if (local)
		add(L, R_ADD_FILE, in->line, NULL, "ADD of local files or folders: use COPY (ADD is for archives and URLs)");
	df_words_free(w, n);
}

static int cmp_findings(const void *a, const void *b)
{
	const struct cuvet_dockerfile_finding *x = a, *y = b;
	/* The Dockerfile's own lines first, then each requirements file's. */
	if (!x->file != !y->file)
		return x->file ? 1 : -1;
	if (x->file && y->file) {
		int c = strcmp(x->file, y->file);
		if (c)
			return c;
	}
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->id, y->id);
}

struct cuvet_dockerfile_findings *cuvet_dockerfile_lint(const struct cuvet_dockerfile *df,
							const struct cuvet_dockerfile_lint_opts *opts,
							struct cuvet_error *err)
{
	struct lint L = {.df = df, .opts = opts};
	L.out = calloc(1, sizeof(*L.out));
	if (!L.out) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	for (size_t s = 0; s < df->nstages; s++)
		lint_from(&L, s);
	for (size_t i = 0; i < df->ninstrs; i++) {
		const struct cuvet_dockerfile_instr *in = &df->instrs[i];
		if (strcmp(in->keyword, "COPY") == 0 || strcmp(in->keyword, "RUN") == 0)
			lint_copy_from(&L, i);
		if (strcmp(in->keyword, "RUN") == 0)
			lint_run(&L, in);
		else if (strcmp(in->keyword, "ADD") == 0)
			lint_add(&L, in);
	}
	if (L.oom) {
		cuvet_dockerfile_findings_free(L.out);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	/* A finding in the Dockerfile covers its instruction's lines. */
	for (size_t k = 0; k < L.out->count; k++)
		for (size_t i = 0; !L.out->items[k].file && i < df->ninstrs; i++)
			if (df->instrs[i].line == L.out->items[k].line)
				L.out->items[k].end_line = df->instrs[i].end_line;
	if (L.out->count > 1)
		qsort(L.out->items, L.out->count, sizeof(*L.out->items), cmp_findings);
	return L.out;
}
