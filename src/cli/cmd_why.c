/* cuvet why FILE|SONAME...: the dependency tree as glibc's loader would resolve it, without
 * executing anything; then the problems (missing, unsearched copies, other majors, symbol
 * versions, several copies). */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "image_cli.h"

enum { OPT_LLP = OPT_HOST_COMMON_LAST + 1, OPT_WITH_DLOPEN, OPT_NO_EXPLAIN, OPT_PROCESS, OPT_PYTHON, OPT_IMAGE };

static const struct cli_opt why_opts[] = {
	{"json", 0, NULL, OPT_JSON, "print JSON (cuvet.why/1) instead of text"},
	{"root", 0, "DIR", OPT_ROOT, "resolve inside DIR (a container rootfs, a fixture) instead of /"},
	{"env-file", 0, "FILE", OPT_ENV_FILE, "take LD_LIBRARY_PATH from FILE (KEY=VALUE lines) instead of this process"},
	{"ld-library-path", 0, "LIST", OPT_LLP, "use LIST as LD_LIBRARY_PATH (overrides the environment)"},
	{"with-dlopen", 0, NULL, OPT_WITH_DLOPEN, "also follow the libraries NVIDIA components load with dlopen"},
	{"no-explain", 0, NULL, OPT_NO_EXPLAIN, "do not look for other copies to explain problems (faster)"},
	{"process", 0, NULL, OPT_PROCESS, "load every FILE|SONAME, in order, into one process (one report)"},
	{"python", 0, "PKG", OPT_PYTHON, "the process of 'import PKG' for a pip-installed framework (torch)"},
	{"image", 0, "SOURCE", OPT_IMAGE, "resolve inside a container image's files (its layers merged), in its config's "
	 "environment (SOURCE as in 'cuvet image inspect')"},
	CLI_IMAGE_OPTS,
	{"quiet", 'q', NULL, OPT_QUIET, "print nothing; only the exit status tells"},
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

struct why_cli {
	struct host_opts host;
	struct cuvet_why_opts why;
	bool process;
	const char *python;
	const char *image;
	struct image_cli img;
};

static int why_handle(int id, const char *arg, void *ctx)
{
	struct why_cli *w = ctx;
	int ir = image_cli_handle(&w->img, id, arg);
	if (ir <= 0)
		return ir < 0;
	switch (id) {
	case OPT_IMAGE: w->image = arg; return 0;
	case OPT_LLP: w->why.ld_library_path = arg; return 0;
	case OPT_WITH_DLOPEN: w->why.with_dlopen = true; return 0;
	case OPT_NO_EXPLAIN: w->why.explain = false; return 0;
	case OPT_PROCESS: w->process = true; return 0;
	case OPT_PYTHON: w->python = arg; return 0;
	default: return host_opts_handle(&w->host, id, arg) == 0 ? 0 : 1;
	}
}

static void print_line(FILE *out, const struct cuvet_why *w, size_t depth, const char *name, size_t idx, bool dlopen,
		       bool listed, bool above)
{
	const struct cuvet_why_object *o = &w->objects[idx];
	fprintf(out, "%*s%s", (int)(2 * depth), "", name);
	if (o->rule == CUVET_WHY_NOT_FOUND) {
		fprintf(out, " => not found%s\n", dlopen ? " [dlopen]" : "");
		return;
	}
	if (listed) {
		fprintf(out, " => %s (see %s)%s\n", o->path, above ? "above" : "below", dlopen ? " [dlopen]" : "");
		return;
	}
	char rule[160];
	cuvet_why_rule_text(w, idx, rule, sizeof(rule));
	fprintf(out, " => %s [%s%s]", o->path, rule, dlopen ? ", dlopen" : "");
	if (o->version)
		fprintf(out, " %s", o->version);
	if (o->error)
		fprintf(out, " (cannot load: %s)", o->error);
	fputc('\n', out);
}

struct frame {
	size_t obj, edge, depth;
};

/* Depth-first over the edges from input object RI; each object's children are printed once
 * (SHOWN is shared by the inputs of a process). An explicit stack (N + 1 frames) keeps very deep
 * trees from exhausting the C stack. */
static void print_root(FILE *out, const struct cuvet_why *w, size_t ri, const char *title, bool *shown,
		       struct frame *stack)
{
	size_t n = w->nobjects;
	const struct cuvet_why_object *root = &w->objects[ri];
	if (shown[ri]) {
		fprintf(out, "%s => %s (already loaded, see above)\n", title, root->path ? root->path : "?");
		return;
	}
	fprintf(out, "%s", title);
	if (root->rule == CUVET_WHY_INPUT)
		fprintf(out, "%s%s\n", root->soname ? " soname " : "", root->soname ? root->soname : "");
	else
		print_line(out, w, 0, "", ri, false, false, false);
	shown[ri] = true;
	/* the interpreter the kernel maps with the program */
	for (size_t i = 1; i < n; i++)
		if (w->objects[i].rule == CUVET_WHY_INTERP && w->objects[i].loader == ri && !shown[i]) {
			print_line(out, w, 1, "(interpreter)", i, false, false, false);
			shown[i] = true;
		}
	size_t sp = 0;
	stack[sp++] = (struct frame){ri, 0, 1};
	while (sp) {
		struct frame *f = &stack[sp - 1];
		const struct cuvet_why_object *o = &w->objects[f->obj];
		if (f->edge >= o->nneeded) {
			sp--;
			continue;
		}
		const struct cuvet_why_edge *e = &o->needed[f->edge++];
		const struct cuvet_why_object *t = &w->objects[e->object];
		/* a library is expanded under the object that loaded it, and listed elsewhere */
		bool expand = !shown[e->object] && (t->loader == f->obj || t->loader == CUVET_WHY_NONE);
		print_line(out, w, f->depth, e->name, e->object, e->dlopen, !expand && t->rule != CUVET_WHY_NOT_FOUND,
			   shown[e->object]);
		if (expand && sp <= n) {
			shown[e->object] = true;
			stack[sp] = (struct frame){e->object, 0, f->depth + 1};
			sp++;
		}
	}
}

/* One tree, or for a process one per input in load order (what an earlier input loaded is
 * listed "see above" under a later one). */
static void print_tree(FILE *out, const struct cuvet_why *w)
{
	size_t n = w->nobjects;
	bool *shown = calloc(n ? n : 1, sizeof(bool));
	struct frame *stack = calloc(n + 1, sizeof(*stack));
	if (!shown || !stack) {
		free(shown);
		free(stack);
		fprintf(out, "(out of memory)\n");
		return;
	}
	if (w->ntargets <= 1 && !w->python) {
		print_root(out, w, 0, w->target, shown, stack);
	} else {
		if (w->python)
			fprintf(out, "import %s (%s) loads, in order:\n", w->python, w->python_dist ? w->python_dist : "no dist-info");
		else
			fprintf(out, "one process loads, in order:\n");
		for (size_t k = 0; k < w->ntargets; k++) {
			size_t ri = w->target_objects[k];
			if (ri == CUVET_WHY_NONE || ri >= n)
				continue;
			fprintf(out, "%s%zu. ", k ? "\n" : "", k + 1);
			print_root(out, w, ri, w->targets[k], shown, stack);
		}
	}
	free(shown);
	free(stack);
}

static void print_problems(FILE *out, const struct cuvet_why *w, bool color)
{
	const char *red = color ? "\033[31m" : "", *yel = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";
	if (!w->nproblems) {
		fprintf(out, "\nNo problems found.\n");
		return;
	}
	fprintf(out, "\nProblems (%zu)\n", w->nproblems);
	for (size_t i = 0; i < w->nproblems; i++) {
		const struct cuvet_why_problem *p = &w->problems[i];
		const char *c = p->severity == CUVET_SEV_ERROR ? red : p->severity == CUVET_SEV_WARNING ? yel : "";
		fprintf(out, "%zu. %s%s%s [%s] %s\n", i + 1, c, cuvet_severity_name(p->severity), off, p->id, p->message);
		const struct cuvet_why_object *o = &w->objects[p->object];
		if ((p->kind == CUVET_WHY_P_NOT_FOUND || p->kind == CUVET_WHY_P_DLOPEN_MISSING) && o->nsearched) {
			fprintf(out, "   paths considered, in order:\n");
			for (size_t k = 0; k < o->nsearched; k++)
				fprintf(out, "     %s\n", o->searched[k]);
		}
	}
}

extern char **environ;

/* The library copies on the root, to explain problems: one probe without NVML, seeing the
 * LD_LIBRARY_PATH the resolution uses. NULL when it fails (the report then has fewer hints). */
static struct cuvet_facts *why_probe(const struct why_cli *w)
{
	struct cuvet_probe_opts po = w->host.probe;
	po.use_nvml = false;
	po.load_libs = false;
	char **env = NULL;
	char *mine = NULL;
	if (w->why.ld_library_path) {
		char *const *src = w->host.env ? w->host.env : environ;
		size_t n = 0;
		while (src[n])
			n++;
		env = calloc(n + 2, sizeof(char *));
		if (!env)
			return NULL;
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (strncmp(src[i], "LD_LIBRARY_PATH=", 16) != 0)
				env[k++] = src[i];
		size_t len = strlen(w->why.ld_library_path) + 17;
		if (!(mine = malloc(len))) {
			free(env);
			return NULL;
		}
		snprintf(mine, len, "LD_LIBRARY_PATH=%s", w->why.ld_library_path);
		env[k] = mine;
		po.env = env;
	} else {
		po.env = w->host.env;
	}
	struct cuvet_error err = {0};
	struct cuvet_facts *f = cuvet_probe(&po, &err);
	if (!f)
		cli_error("why", "note: the library copies that explain problems could not be listed: %s",
			  err.msg[0] ? err.msg : "out of memory");
	free(mine);
	free(env);
	return f;
}

/* The probe runs once, and only when the library asks (an NVIDIA library or a missing one
 * needs explaining): the resolution is not done twice. It starts in a thread as soon as the
 * library says it will ask (facts_soon), so that it runs beside the rest of the resolution and
 * the symbol-version checks. The thread reads W (not changed while it runs) and writes only
 * FACTS, which the main thread reads after joining it. */
struct why_facts {
	const struct why_cli *w;
	struct cuvet_facts *facts;
	bool probed;
	bool running;
	pthread_t thread;
};

static void *why_probe_thread(void *arg)
{
	struct why_facts *f = arg;
	f->facts = why_probe(f->w);
	return NULL;
}

static void why_facts_soon(void *arg)
{
	struct why_facts *f = arg;
	if (f->probed || f->running)
		return;
	/* no thread: the probe runs when the facts are asked for */
	f->running = pthread_create(&f->thread, NULL, why_probe_thread, f) == 0;
}

static void why_facts_join(struct why_facts *f)
{
	if (!f->running)
		return;
	pthread_join(f->thread, NULL);
	f->running = false;
	f->probed = true;
}

static const struct cuvet_facts *why_facts_fn(void *arg)
{
	struct why_facts *f = arg;
	why_facts_join(f);
	if (!f->probed) {
		f->probed = true;
		f->facts = why_probe(f->w);
	}
	return f->facts;
}

/* A relative FILE is relative to this process's directory on the live root (the library takes
 * relative paths from the root's "/"). */
static const char *why_target(const struct why_cli *w, const char *arg, char *buf, size_t len)
{
	if (!strchr(arg, '/') || arg[0] == '/' || w->image ||
	    (w->host.probe.root && strcmp(w->host.probe.root, "/") != 0))
		return arg;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return arg;
	int n = snprintf(buf, len, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, arg);
	return n > 0 && (size_t)n < len ? buf : arg;
}

static struct cuvet_why *why_resolve(const struct why_cli *w, const char *const *targets, size_t n,
				     struct cuvet_error *err)
{
	if (w->python)
		return cuvet_why_resolve_python(&w->why, w->python, err);
	if (w->process)
		return cuvet_why_resolve_process(&w->why, targets, n, err);
	return cuvet_why_resolve(&w->why, targets[0], err);
}

/* Reports each input as the user typed it (the library got absolute paths). */
static void why_typed_names(struct cuvet_why *r, char *const *typed, size_t n)
{
	if (r->python)
		return;
	for (size_t k = 0; k < n && k < r->ntargets; k++) {
		if (strcmp(r->targets[k], typed[k]) == 0)
			continue;
		size_t o = r->target_objects[k];
		char *t = strdup(typed[k]), *t2 = strdup(typed[k]);
		if (t && t2 && o < r->nobjects && r->objects[o].rule == CUVET_WHY_INPUT &&
		    strcmp(r->objects[o].name, r->targets[k]) == 0) {
			free(r->targets[k]);
			free(r->objects[o].name);
			r->targets[k] = t;
			r->objects[o].name = t2;
		} else {
			free(t);
			free(t2);
		}
	}
	/* the target line: the inputs as typed, joined */
	size_t len = 1;
	for (size_t k = 0; k < r->ntargets; k++)
		len += strlen(r->targets[k]) + 1;
	char *joined = malloc(len);
	if (!joined)
		return;
	joined[0] = '\0';
	for (size_t k = 0; k < r->ntargets; k++) {
		if (k)
			strcat(joined, " ");
		strcat(joined, r->targets[k]);
	}
	free(r->target);
	r->target = joined;
}

/* What --image opened: the environment made of its config (not the host options' to free) and
 * the image with its view. */
static void why_image_release(struct why_cli *w, struct cuvet_image *img, char **env)
{
	if (w->host.env == env)
		w->host.env = NULL;
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
	cuvet_image_free(img);
}

static int why_run(int argc, char **argv)
{
	struct why_cli w = {.process = false, .python = NULL};
	host_opts_init(&w.host, "why");
	image_cli_init(&w.img, "why");
	cuvet_why_opts_init(&w.why);
	int code = EXIT_OK;
	int first = cli_parse(&cmd_why, argc, argv, why_handle, &w, &code);
	if (first < 0)
		return code;
	if (first >= argc && !w.python) {
		cli_error("why", "no FILE or SONAME given (see 'cuvet why --help')");
		return EXIT_USAGE;
	}
	if (first < argc && w.python) {
		cli_error("why", "--python PKG takes no FILE or SONAME (the package's files are the inputs)");
		return EXIT_USAGE;
	}
	if ((code = host_opts_finish(&w.host)) != EXIT_OK)
		return code;
	w.why.root = w.host.probe.root;
	w.why.env = w.host.env;
	/* --image: the image's merged layers are the root, its config's Env the environment */
	struct cuvet_image *img = NULL;
	char **img_env = NULL;
	if ((code = image_cli_check(&w.img, w.image)) != EXIT_OK) {
		host_opts_release(&w.host);
		return code;
	}
	if (w.image) {
		if (w.host.probe.root || w.host.env_file) {
			cli_error("why", "--image resolves inside the image in its config's environment: it cannot be "
					 "combined with %s", w.host.probe.root ? "--root" : "--env-file");
			host_opts_release(&w.host);
			return EXIT_USAGE;
		}
		if (w.img.layers < 0)
			w.img.layers = 1;
		if (!(img = image_cli_open(&w.img, w.image, &code))) {
			host_opts_release(&w.host);
			return code;
		}
		struct cuvet_fs *ifs = cuvet_image_fs(img);
		const struct cuvet_image_info *ii = cuvet_image_info(img);
		img_env = ifs ? calloc(ii->nenv + 1, sizeof(char *)) : NULL;
		for (size_t i = 0; img_env && i < ii->nenv; i++)
			if (asprintf(&img_env[i], "%s=%s", ii->env[i].key, ii->env[i].value) < 0) {
				img_env[i] = NULL;
				break;
			}
		if (!ifs || !img_env || (ii->nenv && !img_env[ii->nenv - 1])) {
			cli_error("why", ifs ? "out of memory" : "%s: the image's files were not read (--no-layers)", w.image);
			for (size_t i = 0; img_env && img_env[i]; i++)
				free(img_env[i]);
			free(img_env);
			cuvet_image_free(img);
			host_opts_release(&w.host);
			return ifs ? EXIT_INPUT : EXIT_USAGE;
		}
		w.why.fs = ifs;
		w.why.root = NULL;
		w.why.env = img_env;
		w.host.probe.fs = ifs;
		w.host.env = img_env;
	}
	/* the knowledge base (the dlopen table, library families), loaded once for the probe and
	 * every resolution */
	struct cuvet_ctx *ctx = cli_ctx_new("why", NULL);
	if (!ctx) {
		why_image_release(&w, img, img_env);
		host_opts_release(&w.host);
		return EXIT_INPUT;
	}
	w.why.kb = cuvet_ctx_kb(ctx);
	w.host.probe.kb = cuvet_ctx_kb(ctx);
	struct why_facts wf = {.w = &w};
	w.why.facts_fn = why_facts_fn;
	/* an image's view is not shared between threads: its probe runs when asked */
	w.why.facts_soon = img ? NULL : why_facts_soon;
	w.why.facts_arg = &wf;
	/* with --json the results are kept and rendered as one document at the end */
	struct cuvet_why **results = NULL;
	size_t nresults = 0;
	/* a process (--process, --python) is one report over every argument */
	bool one = w.process || w.python;
	size_t nargs = (size_t)(argc - first);
	const char **targets = calloc(nargs ? nargs : 1, sizeof(char *));
	char (*abs)[PATH_MAX + 2] = calloc(nargs ? nargs : 1, sizeof(*abs));
	if (!targets || !abs || (w.host.json && !(results = calloc(nargs ? nargs : 1, sizeof(*results))))) {
		free(targets);
		free(abs);
		cli_error("why", "out of memory");
		cuvet_ctx_free(ctx);
		why_image_release(&w, img, img_env);
		host_opts_release(&w.host);
		return EXIT_INPUT;
	}
	for (size_t k = 0; k < nargs; k++)
		targets[k] = why_target(&w, argv[first + (int)k], abs[k], sizeof(abs[k]));
	code = EXIT_OK;
	for (size_t k = 0; k < (one ? 1 : nargs); k++) {
		struct cuvet_error err = {0};
		const char *const *tk = one ? targets : &targets[k];
		size_t nk = one ? nargs : 1;
		struct cuvet_why *r = why_resolve(&w, tk, nk, &err);
		if (!r) {
			cli_error("why", "%s", err.msg);
			code = EXIT_INPUT;
			continue;
		}
		why_typed_names(r, one ? &argv[first] : &argv[first + (int)k], nk);
		if (code == EXIT_OK)
			code = cuvet_severity_exit(cuvet_why_worst(r));
		if (results) {
			results[nresults++] = r;
			continue;
		}
		if (!w.host.quiet) {
			if (k > 0)
				fputc('\n', stdout);
			print_tree(stdout, r);
			print_problems(stdout, r, cli_color(stdout));
		}
		cuvet_why_free(r);
	}
	if (results) {
		if (!w.host.quiet) {
			struct cuvet_error err = {0};
			char *s = cuvet_why_to_json((const struct cuvet_why *const *)results, nresults, true, &err);
			if (s) {
				puts(s);
				free(s);
			} else {
				cli_error("why", "%s", err.msg);
				code = EXIT_INPUT;
			}
		}
		for (size_t k = 0; k < nresults; k++)
			cuvet_why_free(results[k]);
		free(results);
	}
	free(targets);
	free(abs);
	why_facts_join(&wf);
	cuvet_facts_free(wf.facts);
	cuvet_ctx_free(ctx);
	why_image_release(&w, img, img_env);
	host_opts_release(&w.host);
	return cli_finish(code);
}

const struct cli_command cmd_why = {
	"why",
	"[OPTIONS] [--process] FILE|SONAME... | --python PKG",
	"resolve shared-library dependencies as glibc's loader would, without running anything",
	"Prints the dependency tree (each library once: the name asked for, the file the loader maps,\n"
	"[the rule that found it] and its version when known), then the problems: libraries not found\n"
	"(with the directories considered, in order), copies in places nothing searches, other majors,\n"
	"symbol versions the resolved copy lacks, and libraries with several copies. A SONAME (no '/')\n"
	"is resolved as if dlopen'ed by a program without RPATH; write ./NAME for a file here.\n"
	"Several arguments are separate reports. With --process they are loaded, in order, into one\n"
	"process (the first may be a program; later ones are dlopen'ed): the first copy of a SONAME\n"
	"loaded serves every later request for it, and \"preloaded-copy\" names a library a later object\n"
	"gets from an earlier one although its own RPATH/RUNPATH would find another copy (an error when\n"
	"the versions differ). --python PKG is that process for 'import PKG' of a pip-installed\n"
	"framework, from its installed files (torch: torch/lib/libtorch_global_deps.so, then\n"
	"torch/_C*.so, as torch/__init__.py loads them), and \"pinned-version\" names a library copy\n"
	"it loads whose version differs from the one its dist-info pins (Requires-Dist: ...==...).\n"
	"Exit status 1 when a library is missing or cannot be loaded (or a copy conflicts), 4 when an\n"
	"input cannot be read.",
	why_opts,
	why_run,
};
