/* cuvet dockerfile lint FILE... / cuvet dockerfile pin FILE: findings with stable ids (text, JSON,
 * SARIF 2.1.0) and base images pinned by digest, written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cuvet_image.h"

enum {
	OPT_SARIF = OPT_COMMON_LAST,
	OPT_BUILD_ARG,
	OPT_KB,
	OPT_DIGESTS,
	OPT_CHECK,
	OPT_DRY_RUN,
	OPT_PLATFORM,
	OPT_TRUSTED,
};

static const struct cli_opt lint_opts[] = {
	{"json", 0, NULL, OPT_JSON, "print JSON (schema cuvet.dockerfile-lint/1)"},
	{"sarif", 0, NULL, OPT_SARIF, "print SARIF 2.1.0 for code-review tools"},
	{"build-arg", 0, "NAME[=VALUE]", OPT_BUILD_ARG, "as docker build --build-arg: a value for an ARG before FROM (NAME alone takes it from the environment); repeatable"},
	{"platform", 0, "OS/ARCH[/VARIANT]", OPT_PLATFORM, "as docker build --platform: TARGETPLATFORM, TARGETOS, TARGETARCH for FROM (default: this machine's)"},
	{"trusted-registry", 0, "REGISTRY", OPT_TRUSTED, "FROM may name images only from REGISTRY (nvcr.io, *.example.com, docker.io for Docker Hub); repeatable"},
	{"kb", 0, "DIR", OPT_KB, "read the knowledge base from DIR instead of the built-in one"},
	{"quiet", 'q', NULL, OPT_QUIET, "print nothing; only the exit status tells"},
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

static const struct cli_opt pin_opts[] = {
	{"digests", 0, "FILE", OPT_DIGESTS, "take digests from FILE, offline: lines \"REF DIGEST\" (DIGEST as skopeo inspect prints {{.Digest}} of docker://REF); without it, each registry is asked"},
	{"check", 0, NULL, OPT_CHECK, "change nothing; exit 1 when a FROM names an image without a digest"},
	{"dry-run", 'n', NULL, OPT_DRY_RUN, "change nothing; print the change as a unified diff"},
	{"platform", 0, "OS/ARCH", OPT_PLATFORM, "as docker build --platform: TARGETPLATFORM for FROM, and the platform asked of a registry (a multi-platform tag is pinned to its index either way)"},
	{"build-arg", 0, "NAME[=VALUE]", OPT_BUILD_ARG, "as docker build --build-arg; repeatable"},
	{"json", 0, NULL, OPT_JSON, "print what was done as JSON (schema cuvet.dockerfile-pin/1)"},
	{"quiet", 'q', NULL, OPT_QUIET, "print nothing; only the exit status tells"},
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

static const struct cli_opt dockerfile_opts[] = {
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

static int dockerfile_run(int argc, char **argv);

const struct cli_command cmd_dockerfile = {
	"dockerfile", "lint FILE... | pin FILE",
	"lint a Dockerfile, or pin its base images by digest",
	"'cuvet dockerfile lint --help' and 'cuvet dockerfile pin --help' give each one's options.",
	dockerfile_opts, dockerfile_run,
};
static const struct cli_command cmd_lint = {
	"dockerfile lint", "[OPTIONS] FILE...",
	"flag unpinned base images and packages, stage names taken for images, ADD without checksum, and CUDA stacks",
	"Each finding has a stable id (CV-D001...) and, where hadolint has the same rule, its id (DL3006...).\n"
	"A requirements file that a RUN installs with pip -r is read from beside the Dockerfile.\n"
	"Exit 1 when a finding is a warning or an error; notes (info) do not count.",
	lint_opts, NULL,
};
static const struct cli_command cmd_pin = {
	"dockerfile pin", "[OPTIONS] FILE",
	"rewrite FROM lines to image:tag@sha256:... and change nothing else",
	"The file is written atomically (a temporary file beside it, renamed over it; its mode kept).\n"
	"Exit 1 when a FROM naming an image is left without a digest.",
	pin_opts, NULL,
};

struct df_opts {
	bool json, sarif, quiet, check, dry_run;
	const char *kb_dir, *digests, *platform;
	char **build_args; /* NULL-terminated */
	size_t nbuild;
	const char **trusted; /* NULL-terminated; NULL: no --trusted-registry */
	size_t ntrusted;
};

/* Appends NAME=VALUE (or NAME when it holds the '=') to the build args. */
static int push_build_arg(struct df_opts *o, const char *name, const char *value)
{
	size_t n = strlen(name) + (value ? strlen(value) + 1 : 0) + 1;
	char *v = malloc(n);
	char **b = realloc(o->build_args, (o->nbuild + 2) * sizeof(*b));
	if (b)
		o->build_args = b;
	if (!v || !b) {
		free(v);
		cli_error("dockerfile", "out of memory");
		return -1;
	}
	snprintf(v, n, "%s%s%s", name, value ? "=" : "", value ? value : "");
	b[o->nbuild++] = v;
	b[o->nbuild] = NULL;
	return 0;
}

static int df_handler(int id, const char *arg, void *ctx)
{
	struct df_opts *o = ctx;
	switch (id) {
	case OPT_JSON: o->json = true; return 0;
	case OPT_SARIF: o->sarif = true; return 0;
	case OPT_QUIET: o->quiet = true; return 0;
	case OPT_CHECK: o->check = true; return 0;
	case OPT_DRY_RUN: o->dry_run = true; return 0;
	case OPT_KB: o->kb_dir = arg; return 0;
	case OPT_DIGESTS: o->digests = arg; return 0;
	case OPT_PLATFORM:
		/* as docker build --platform: the stages see it as TARGETPLATFORM */
		o->platform = arg;
		return push_build_arg(o, "TARGETPLATFORM", arg);
	case OPT_TRUSTED: {
		const char **t = realloc(o->trusted, (o->ntrusted + 2) * sizeof(*t));
		if (!t) {
			cli_error("dockerfile", "out of memory");
			return -1;
		}
		o->trusted = t;
		t[o->ntrusted++] = arg;
		t[o->ntrusted] = NULL;
		return 0;
	}
	case OPT_BUILD_ARG: {
		if (!*arg || *arg == '=') {
			cli_error("dockerfile", "--build-arg '%s': expected NAME=VALUE or NAME", arg);
			return -1;
		}
		if (strchr(arg, '='))
			return push_build_arg(o, arg, NULL);
		/* docker build: NAME alone takes the value from the environment, or is ignored. */
		const char *env = getenv(arg);
		return env ? push_build_arg(o, arg, env) : 0;
	}
	}
	return 0;
}

static void df_opts_release(struct df_opts *o)
{
	for (size_t i = 0; i < o->nbuild; i++)
		free(o->build_args[i]);
	free(o->build_args);
	free(o->trusted);
}

/* Reads a whole file (at most 16 MiB). NULL after filling ERR. */
static char *read_file(const char *path, size_t *len, struct cuvet_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
		close(fd);
		return NULL;
	}
	size_t cap = 4096, n = 0, max = 16u << 20;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
			close(fd);
			return NULL;
		}
		if (n == cap) {
			if (cap >= max) {
				snprintf(err->msg, sizeof(err->msg), "%s: larger than 16 MiB", path);
				free(buf);
				close(fd);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
			continue;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

/* "PATH: message" (the library's message names the line, not the file). */
static void prefix_error(struct cuvet_error *err, const char *path)
{
	char m[sizeof(err->msg)];
	snprintf(m, sizeof(m), "%.200s: %.300s", path, err->msg);
	memcpy(err->msg, m, sizeof(m));
}

/* ------------------------------------------------------------------- lint ---- */

static const char *sarif_level(enum cuvet_severity s)
{
	return s == CUVET_SEV_ERROR ? "error" : s == CUVET_SEV_WARNING ? "warning" : "note";
}

static json_t *finding_json(const struct cuvet_dockerfile_finding *f)
{
	return json_pack("{s:s, s:s?, s:s, s:s, s:I, s:I, s:s?, s:s}", "id", f->id, "hadolint", f->hadolint, "rule",
			 f->name, "severity", cuvet_severity_name(f->severity), "line", (json_int_t)f->line,
			 "end_line", (json_int_t)f->end_line, "file", f->file, "message", f->message);
}

static json_t *sarif_result(const char *path, const struct cuvet_dockerfile_finding *f, size_t rule_index)
{
	return json_pack("{s:s, s:I, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:{s:I}}}]}", "ruleId", f->id,
			 "ruleIndex", (json_int_t)rule_index, "level", sarif_level(f->severity), "message", "text",
			 f->message, "locations", "physicalLocation", "artifactLocation", "uri", f->file ? f->file : path,
			 "region", "startLine", (json_int_t)f->line);
}

static json_t *sarif_run(void)
{
	json_t *rules = json_array();
	const struct cuvet_dockerfile_rule *r = cuvet_dockerfile_rules();
	for (; rules && r->id; r++) {
		json_t *props = r->hadolint ? json_pack("{s:s}", "hadolint", r->hadolint) : json_object();
		json_array_append_new(rules, json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:o}", "id", r->id, "name", r->name,
						       "shortDescription", "text", r->summary, "defaultConfiguration",
						       "level", sarif_level(r->severity), "properties", props));
	}
	return json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:[], s:[]}", "tool", "driver", "name", "cuvet", "version",
			 cuvet_library_version(), "informationUri", "https://github.com/cuvet/cuvet", "rules", rules,
			 "results", "artifacts");
}

static size_t rule_index(const char *id)
{
	const struct cuvet_dockerfile_rule *r = cuvet_dockerfile_rules();
	for (size_t i = 0; r[i].id; i++)
		if (strcmp(r[i].id, id) == 0)
			return i;
	return 0;
}

static int lint_run(int argc, char **argv)
{
	struct df_opts o = {0};
	int code = EXIT_OK;
	int first = cli_parse(&cmd_lint, argc, argv, df_handler, &o, &code);
	if (first < 0) {
		df_opts_release(&o);
		return code;
	}
	if (first >= argc) {
		cli_error("dockerfile lint", "no FILE given (see 'cuvet dockerfile lint --help')");
		df_opts_release(&o);
		return EXIT_USAGE;
	}
	if (o.json && o.sarif) {
		cli_error("dockerfile lint", "--json and --sarif exclude each other");
		df_opts_release(&o);
		return EXIT_USAGE;
	}
	struct cuvet_ctx *ctx = cli_ctx_new("dockerfile lint", o.kb_dir);
	if (!ctx) {
		df_opts_release(&o);
		return EXIT_INPUT;
	}
	json_t *doc = NULL, *files = NULL, *run = NULL;
	if (o.json) {
		files = json_array();
		doc = json_pack("{s:s, s:o}", "schema", "cuvet.dockerfile-lint/1", "files", files);
	} else if (o.sarif) {
		run = sarif_run();
		doc = json_pack("{s:s, s:s, s:[o]}", "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version",
				"2.1.0", "runs", run);
	}
	if ((o.json || o.sarif) && !doc) {
		cli_error("dockerfile lint", "out of memory");
		cuvet_ctx_free(ctx);
		df_opts_release(&o);
		return EXIT_INPUT;
	}
	bool problems = false, input_error = false;
	size_t counts[3] = {0};
	for (int i = first; i < argc; i++) {
		const char *path = argv[i];
		struct cuvet_error err = {0};
		size_t len = 0;
		char *buf = read_file(path, &len, &err);
		struct cuvet_dockerfile *df = NULL;
		struct cuvet_dockerfile_findings *fs = NULL;
		if (buf) {
			df = cuvet_dockerfile_parse(buf, len, (const char *const *)o.build_args, &err);
			if (df) {
				char *copy = strdup(path);
				struct cuvet_dockerfile_lint_opts lo = {.kb = cuvet_ctx_kb(ctx), .dir = copy ? dirname(copy) : NULL,
									.trusted_registries = o.trusted};
				fs = cuvet_dockerfile_lint(df, &lo, &err);
				free(copy);
			} else {
				/* err.msg has the line; name the file too */
				prefix_error(&err, path);
			}
		}
		if (!fs) {
			input_error = true;
			if (o.json)
				json_array_append_new(files, json_pack("{s:s, s:s}", "file", path, "error", err.msg));
			else
				cli_error("dockerfile lint", "%s", err.msg);
			/* SARIF: a tool notification for the file. */
			if (o.sarif)
				json_array_append_new(json_object_get(run, "artifacts"),
						      json_pack("{s:{s:s}, s:{s:s}}", "location", "uri", path, "description",
								"text", err.msg));
		} else {
			json_t *jf = NULL, *jfind = NULL, *stages = NULL;
			if (o.json) {
				jfind = json_array();
				stages = json_array();
				for (size_t s = 0; s < df->nstages; s++) {
					const struct cuvet_dockerfile_stage *sg = &df->stages[s];
					json_array_append_new(stages, json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:o?}", "line",
										(json_int_t)df->instrs[sg->instr].line, "image_text",
										sg->image_text, "image", sg->image, "name", sg->name,
										"platform", sg->platform, "base_stage",
										sg->base_stage >= 0 ? json_integer(sg->base_stage) : NULL));
				}
				jf = json_pack("{s:s, s:o, s:o}", "file", path, "stages", stages, "findings", jfind);
				json_array_append_new(files, jf);
			}
			if (o.sarif)
				json_array_append_new(json_object_get(run, "artifacts"),
						      json_pack("{s:{s:s}}", "location", "uri", path));
			for (size_t k = 0; k < fs->count; k++) {
				const struct cuvet_dockerfile_finding *f = &fs->items[k];
				counts[f->severity]++;
				if (f->severity >= CUVET_SEV_WARNING)
					problems = true;
				if (o.json)
					json_array_append_new(jfind, finding_json(f));
				else if (o.sarif)
					json_array_append_new(json_object_get(run, "results"),
							      sarif_result(path, f, rule_index(f->id)));
				else if (!o.quiet)
					printf("%s:%u: %s %s%s%s%s: %s\n", f->file ? f->file : path, f->line,
					       cuvet_severity_name(f->severity), f->id, f->hadolint ? " (" : "",
					       f->hadolint ? f->hadolint : "", f->hadolint ? ")" : "", f->message);
			}
		}
		cuvet_dockerfile_findings_free(fs);
		cuvet_dockerfile_free(df);
		free(buf);
	}
	if (doc) {
		char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(doc);
		if (!s) {
			cli_error("dockerfile lint", "out of memory");
			input_error = true;
		} else if (!o.quiet) {
			printf("%s\n", s);
		}
		free(s);
	} else if (!o.quiet && (counts[0] || counts[1] || counts[2])) {
		printf("%zu error%s, %zu warning%s, %zu note%s\n", counts[2], counts[2] == 1 ? "" : "s", counts[1],
		       counts[1] == 1 ? "" : "s", counts[0], counts[0] == 1 ? "" : "s");
	}
	cuvet_ctx_free(ctx);
	df_opts_release(&o);
	return cli_finish(input_error ? EXIT_INPUT : problems ? EXIT_PROBLEMS : EXIT_OK);
}

/* -------------------------------------------------------------------- pin ---- */

static const char *state_name(enum cuvet_pin_state s)
{
	switch (s) {
	case CUVET_PIN_PINNED: return "pinned";
	case CUVET_PIN_REWRITTEN: return "rewritten";
	case CUVET_PIN_STAGE: return "stage";
	case CUVET_PIN_UNRESOLVED: return "unresolved";
	case CUVET_PIN_VARIABLE: return "variable";
	}
	return "?";
}

/* Writes LEN bytes to PATH atomically: a temporary file in the same directory with PATH's mode,
 * fsync, rename over PATH, fsync of the directory. A symbolic link is followed (its target is
 * replaced, the link kept). */
static int write_atomic(const char *path, const char *buf, size_t len, struct cuvet_error *err)
{
	char real[PATH_MAX];
	if (!realpath(path, real)) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat(real, &st) != 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
		return -1;
	}
	char dir[PATH_MAX], tmp[PATH_MAX + 32];
	snprintf(dir, sizeof(dir), "%s", real);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	const char *base = strrchr(real, '/') + 1;
	snprintf(tmp, sizeof(tmp), "%s/.%s.cuvet-XXXXXX", strcmp(dir, "/") == 0 ? "" : dir, base);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: cannot create a temporary file beside it: %s", path, strerror(errno));
		return -1;
	}
	size_t off = 0;
	int saved = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			saved = w < 0 ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	if (!saved && fchmod(fd, st.st_mode & 07777) != 0)
		saved = errno;
	if (!saved && fsync(fd) != 0)
		saved = errno;
	if (close(fd) != 0 && !saved)
		saved = errno;
	if (!saved && rename(tmp, real) != 0)
		saved = errno;
	if (saved) {
		unlink(tmp);
		snprintf(err->msg, sizeof(err->msg), "%s: %s (left unchanged)", path, strerror(saved));
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		int r = fsync(dfd);
		int e = errno;
		close(dfd);
		if (r != 0 && e != EINVAL) {
			snprintf(err->msg, sizeof(err->msg), "%s: written, but syncing its directory failed: %s", path, strerror(e));
			return -1;
		}
	}
	return 0;
}

/* A unified diff (no context) of the lines that differ; both texts have the same line count,
 * since only image tokens change. */
static void print_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen)
{
	bool header = false;
	size_t pa = 0, pb = 0;
	unsigned no = 0;
	while (pa < alen || pb < blen) {
		const char *ea = memchr(a + pa, '\n', alen - pa), *eb = memchr(b + pb, '\n', blen - pb);
		size_t la = ea ? (size_t)(ea - (a + pa)) + 1 : alen - pa, lb = eb ? (size_t)(eb - (b + pb)) + 1 : blen - pb;
		no++;
		if (la != lb || memcmp(a + pa, b + pb, la) != 0) {
			if (!header) {
				printf("--- a/%s\n+++ b/%s\n", path, path);
				header = true;
			}
			printf("@@ -%u +%u @@\n-%.*s%s+%.*s%s", no, no, (int)la, a + pa, ea ? "" : "\n\\ No newline at end of file\n",
			       (int)lb, b + pb, eb ? "" : "\n\\ No newline at end of file\n");
		}
		pa += la;
		pb += lb;
	}
}

static int pin_run(int argc, char **argv)
{
	struct df_opts o = {0};
	int code = EXIT_OK;
	int first = cli_parse(&cmd_pin, argc, argv, df_handler, &o, &code);
	if (first < 0) {
		df_opts_release(&o);
		return code;
	}
	if (first + 1 != argc) {
		cli_error("dockerfile pin", "%s (see 'cuvet dockerfile pin --help')",
			  first >= argc ? "no FILE given" : "one FILE at a time");
		df_opts_release(&o);
		return EXIT_USAGE;
	}
	const char *path = argv[first];
	struct cuvet_error err = {0};
	size_t len = 0, dlen = 0;
	char *buf = NULL, *dbuf = NULL;
	struct cuvet_dockerfile *df = NULL;
	struct cuvet_digests *dg = NULL;
	struct cuvet_pin_result *res = NULL;
	code = EXIT_INPUT;
	if (!(buf = read_file(path, &len, &err)))
		goto out;
	if (!(df = cuvet_dockerfile_parse(buf, len, (const char *const *)o.build_args, &err))) {
		prefix_error(&err, path);
		goto out;
	}
	if (o.digests) {
		if (!(dbuf = read_file(o.digests, &dlen, &err)))
			goto out;
		if (!(dg = cuvet_digests_parse(dbuf, dlen, &err))) {
			prefix_error(&err, o.digests);
			goto out;
		}
	}
	struct cuvet_image_opts ro = {.platform = o.platform};
	/* --check looks at the file as it is: resolve nothing. */
	if (!(res = cuvet_dockerfile_pin(buf, len, df, o.check ? NULL : dg, o.check || o.digests ? NULL : &ro, &err)))
		goto out;
	size_t unpinned = 0;
	for (size_t i = 0; i < res->nlines; i++)
		if (res->lines[i].state != CUVET_PIN_PINNED && res->lines[i].state != CUVET_PIN_STAGE)
			unpinned++;
	if (!o.check && !o.dry_run && (res->len != len || memcmp(res->text, buf, len) != 0) &&
	    write_atomic(path, res->text, res->len, &err) < 0)
		goto out;
	if (o.json && !o.quiet) {
		json_t *lines = json_array();
		for (size_t i = 0; i < res->nlines; i++) {
			const struct cuvet_pin_line *pl = &res->lines[i];
			json_array_append_new(lines, json_pack("{s:I, s:s, s:s, s:s?, s:s?}", "line", (json_int_t)pl->line,
							       "state", o.check && pl->state == CUVET_PIN_UNRESOLVED ? "unpinned" : state_name(pl->state),
							       "image", pl->image, "pinned", pl->pinned, "why", o.check ? NULL : pl->why));
		}
		json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:I}", "schema", "cuvet.dockerfile-pin/1", "file", path, "mode",
					o.check ? "check" : o.dry_run ? "dry-run" : "write", "from", lines, "unpinned",
					(json_int_t)(o.check ? unpinned : res->unpinned));
		char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(doc);
		if (!s) {
			snprintf(err.msg, sizeof(err.msg), "out of memory");
			goto out;
		}
		printf("%s\n", s);
		free(s);
	} else if (!o.quiet) {
		if (o.dry_run)
			print_diff(path, buf, len, res->text, res->len);
		for (size_t i = 0; i < res->nlines; i++) {
			const struct cuvet_pin_line *pl = &res->lines[i];
			FILE *f = o.dry_run ? stderr : stdout;
			if (o.check) {
				if (pl->state != CUVET_PIN_PINNED && pl->state != CUVET_PIN_STAGE)
					fprintf(f, "%s:%u: %s is not pinned by digest\n", path, pl->line, pl->image);
			} else if (pl->state == CUVET_PIN_REWRITTEN) {
				fprintf(f, "%s:%u: %s -> %s\n", path, pl->line, pl->image, pl->pinned);
			} else if (pl->state == CUVET_PIN_UNRESOLVED || pl->state == CUVET_PIN_VARIABLE) {
				fprintf(f, "%s:%u: %s left unpinned: %s\n", path, pl->line, pl->image, pl->why);
			}
		}
	}
	code = (o.check ? unpinned : res->unpinned) ? EXIT_PROBLEMS : EXIT_OK;
	err.msg[0] = '\0';
out:
	if (err.msg[0])
		cli_error("dockerfile pin", "%s", err.msg);
	cuvet_pin_result_free(res);
	cuvet_digests_free(dg);
	cuvet_dockerfile_free(df);
	free(dbuf);
	free(buf);
	df_opts_release(&o);
	return cli_finish(code);
}

static int dockerfile_run(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "lint") == 0)
		return lint_run(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "pin") == 0)
		return pin_run(argc - 1, argv + 1);
	int code = EXIT_OK;
	int first = cli_parse(&cmd_dockerfile, argc, argv, NULL, NULL, &code);
	if (first < 0)
		return code;
	if (first < argc)
		cli_error("dockerfile", "unknown subcommand '%s' (lint or pin; see 'cuvet dockerfile --help')", argv[first]);
	else
		cli_error("dockerfile", "lint or pin? (see 'cuvet dockerfile --help')");
	return EXIT_USAGE;
}
