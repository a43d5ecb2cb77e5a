/* cuvet check: evaluate NVIDIA_REQUIRE-style requirements (SPEC §6) against this host, a --root
 * tree or a facts file, explain every clause, name the smallest fix, and say what the NVIDIA
 * container runtime itself would decide. */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "image_cli.h"

enum {
	OPT_ENV = OPT_HOST_COMMON_LAST + 1,
	OPT_VISIBLE,
	OPT_ASSUME,
	OPT_KB_DIR,
	OPT_ENGINE,
	OPT_IMAGE,
};

static const struct cli_opt check_opts[] = {
	{"env", 0, NULL, OPT_ENV,
	 "also check NVIDIA_REQUIRE_*, NVIDIA_DISABLE_REQUIRE and CUDA_VERSION of the environment (--env-file's, "
	 "else the facts file's, else this process's); implied when no REQ is given"},
	{"facts", 0, "FILE", OPT_FACTS, "check a facts file (cuvet probe --json from another host) instead of probing (without the framework rules: "
	 "they need the files)"},
	{"visible-devices", 0, "LIST", OPT_VISIBLE,
	 "the GPUs that count, as NVIDIA_VISIBLE_DEVICES: all, none, or indices/UUIDs separated by commas"},
	{"assume-unknown", 0, "fail|pass", OPT_ASSUME,
	 "policy for a missing fact: fail (default: the verdict is UNKNOWN) or pass (explicitly assumed)"},
	{"kb", 0, "DIR", OPT_KB_DIR, "read the knowledge-base tables from DIR instead of the built-in copy"},
	{"engine", 0, "FILE", OPT_ENGINE, "also check that this host's TensorRT and GPUs can load the TensorRT engine FILE"},
	{"image", 0, "SOURCE", OPT_IMAGE, "can this host (or --facts' host) run a container of the image: its config's environment and "
	 "requirements, its libraries, this host's driver and GPUs (SOURCE as in 'cuvet image inspect')"},
	CLI_IMAGE_OPTS,
	CLI_HOST_OPTS,
	{0},
};

struct check_opts {
	struct host_opts host;
	bool env;
	bool assume_pass;
	const char *visible;
	const char *kb_dir;
	const char *engine;
	const char *image;
	struct image_cli img;
};

static int check_handle(int id, const char *arg, void *ctx)
{
	struct check_opts *o = ctx;
	int ir = image_cli_handle(&o->img, id, arg);
	if (ir <= 0)
		return ir < 0;
	switch (id) {
	case OPT_IMAGE: o->image = arg; return 0;
	case OPT_ENV: o->env = true; return 0;
	case OPT_VISIBLE: o->visible = arg; return 0;
	case OPT_KB_DIR: o->kb_dir = arg; return 0;
	case OPT_ENGINE: o->engine = arg; return 0;
	case OPT_ASSUME:
		if (strcmp(arg, "pass") == 0)
			o->assume_pass = true;
		else if (strcmp(arg, "fail") == 0)
			o->assume_pass = false;
		else {
			cli_error("check", "--assume-unknown wants 'fail' or 'pass', not '%s'", arg);
			return 1;
		}
		return 0;
	default: return host_opts_handle(&o->host, id, arg) == 0 ? 0 : 1;
	}
}

static const char *vcolor(enum cuvet_verdict v, bool color)
{
	if (!color)
		return "";
	return v == CUVET_PASS ? "\033[32m" : v == CUVET_FAIL || v == CUVET_ERROR ? "\033[31m" : "\033[33m";
}

static void print_clause(FILE *out, const struct cuvet_req_clause *cl, bool color)
{
	const char *off = color ? "\033[0m" : "";
	fprintf(out, "      %s%-7s%s %s", vcolor(cl->verdict, color), cuvet_verdict_name(cl->verdict), off, cl->text);
	if (cl->message)
		fprintf(out, "  — %s", cl->message);
	fputc('\n', out);
}

static bool same_directory(const struct cuvet_check_lib *x, const struct cuvet_check_lib *y)
{
	const char *a = x->real_path ? x->real_path : x->path, *b = y->real_path ? y->real_path : y->path;
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	size_t na = sa ? (size_t)(sa - a) : 0, nb = sb ? (size_t)(sb - b) : 0;
	return na == nb && strncmp(a, b, na) == 0;
}

/* One line per (family, CUDA major, how it runs), then each copy that cannot run or does not
 * match the runtime beside it, with what to do. */
static void print_libraries(FILE *out, const struct cuvet_host *h, const struct cuvet_check *c, bool color)
{
	if (!c->nlibs)
		return;
	const char *off = color ? "\033[0m" : "";
	fprintf(out, "\nLibraries: %s%s%s   (the CUDA major each copy was built for, and how this driver runs it)\n",
		vcolor(c->libs_verdict, color), cuvet_verdict_name(c->libs_verdict), off);
	bool *done = calloc(c->nlibs, sizeof(bool));
	if (!done)
		return;
	for (size_t i = 0; i < c->nlibs; i++) {
		if (done[i])
			continue;
		const struct cuvet_check_lib *a = &c->libs[i];
		/* A copy is an installation: one directory, however many files the family has there
		 * (cuDNN 9 alone is eight libraries). */
		size_t n = 0;
		for (size_t j = i; j < c->nlibs; j++) {
			const struct cuvet_check_lib *b = &c->libs[j];
			if (done[j] || strcmp(a->family, b->family) != 0 || a->cuda_major != b->cuda_major || a->run != b->run)
				continue;
			done[j] = true;
			bool same_dir = false;
			for (size_t k = i; k < j && !same_dir; k++) {
				const struct cuvet_check_lib *x = &c->libs[k];
				same_dir = strcmp(x->family, b->family) == 0 && x->cuda_major == b->cuda_major && x->run == b->run &&
					   same_directory(x, b);
			}
			n += !same_dir;
		}
		char major[16] = "CUDA ?";
		if (a->cuda_major > 0)
			snprintf(major, sizeof(major), "CUDA %d", a->cuda_major);
		fprintf(out, "  %-9s %3zu cop%s  %-8s  %s\n", a->family, n, n == 1 ? "y  " : "ies", major,
			a->run == CUVET_LIB_RUN_UNKNOWN ? "unknown (CUDA major or driver CUDA not known)" : cuvet_lib_run_name(a->run));
	}
	free(done);
	for (size_t i = 0; i < c->nlibs; i++) {
		const struct cuvet_check_lib *l = &c->libs[i];
		if (l->run == CUVET_LIB_RUN_NO)
			fprintf(out, "  FAIL    %s (%s) is built for CUDA %d, which this driver (CUDA %d.%d) cannot run: upgrade "
				     "the driver to a branch of CUDA %d (cuvet kb cuda %d.0)%s\n",
				l->name, l->path, l->cuda_major, c->cuda / 1000, (c->cuda % 1000) / 10, l->cuda_major,
				l->cuda_major,
				h->all_datacenter ? ", or on these data-center GPUs install the cuda-compat package of that CUDA"
						  : "");
		else if (l->run == CUVET_LIB_RUN_FORWARD_COMPAT)
			fprintf(out, "  note    %s (%s) is built for CUDA %d: it runs through the forward-compat libcuda %s "
				     "in effect\n",
				l->name, l->path, l->cuda_major, h->compat_version ? h->compat_version : "");
		if (l->major_mismatch)
			fprintf(out, "  FAIL    %s (%s) is built for CUDA %d, but the cudart a program loads is of another "
				     "CUDA major: install the %s build for the runtime's CUDA major\n",
				l->name, l->path, l->cuda_major, l->family);
	}
}

/* What the workload will hit whatever it requires; nothing is printed when there is nothing. */
static void print_workload(FILE *out, const struct cuvet_check *c, bool color)
{
	if (!c->nworkload)
		return;
	const char *off = color ? "\033[0m" : "";
	fprintf(out, "\nWorkload: %s%s%s   (what a CUDA program started here will hit)\n",
		vcolor(c->workload_verdict, color), cuvet_verdict_name(c->workload_verdict), off);
	for (size_t i = 0; i < c->nworkload; i++) {
		const struct cuvet_check_problem *p = &c->workload[i];
		fprintf(out, "  %sFAIL%s    [%s] %s\n", vcolor(CUVET_FAIL, color), off, p->id, p->summary);
		fprintf(out, "          cause: %s\n", p->cause);
		fprintf(out, "          fix:   %s\n", p->fix);
	}
}

static void print_text(FILE *out, const struct cuvet_host *h, const struct cuvet_check *c, const char *where,
		       bool color)
{
	const char *off = color ? "\033[0m" : "";
	const struct cuvet_facts *f = h->facts;
	fprintf(out, "cuvet check — %s\n", where);
	fprintf(out, "  driver   %s\n", h->driver ? h->driver : "unknown");
	if (c->cuda > 0)
		fprintf(out, "  CUDA     %d.%d (%s)\n", c->cuda / 1000, (c->cuda % 1000) / 10,
			c->cuda_source ? c->cuda_source : "?");
	else
		fprintf(out, "  CUDA     unknown\n");
	fprintf(out, "  GPUs     %zu visible of %zu\n", c->nvisible, f->ngpus);
	for (size_t i = 0; i < h->nvisible; i++) {
		const struct cuvet_gpu *g = h->visible[i];
		char cc[16] = "?";
		if (g->cc_major >= 0)
			snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
		fprintf(out, "           %d  %s  cc %s  brand %s  %s", g->index, g->name ? g->name : "unknown model", cc,
			g->brand ? g->brand : "unknown", g->segment ? g->segment : "class unknown");
		if (g->memory_mib)
			fprintf(out, "  %llu MiB", (unsigned long long)g->memory_mib);
		fputc('\n', out);
	}
	if (c->disabled) {
		fprintf(out, "\nNVIDIA_DISABLE_REQUIRE=%s: requirement checking is disabled (as the NVIDIA container "
			     "runtime does)\n",
			c->disabled_by ? c->disabled_by : "true");
	}
	if (!c->nexprs)
		fprintf(out, "\nNo requirements to check.\n");
	for (size_t ei = 0; ei < c->nexprs; ei++) {
		const struct cuvet_req_expr *e = &c->exprs[ei];
		fprintf(out, "\n%s: %s%s%s   (nvidia-container-cli: %s)\n", e->source, vcolor(e->verdict, color),
			cuvet_verdict_name(e->verdict), off, cuvet_verdict_name(e->runtime));
		size_t tl = strlen(e->text);
		if (tl > 200 && !e->error)
			fprintf(out, "  %.160s... (%zu characters)\n", e->text, tl);
		else
			fprintf(out, "  %s\n", e->text);
		if (e->error)
			fprintf(out, "  %*s^ %s\n", (int)(e->error_pos - 1), "", e->error);
		if (e->runtime_note)
			fprintf(out, "  note: %s\n", e->runtime_note);
		if (e->error)
			continue;
		if (e->ngroups > 1)
			fprintf(out, "  any one of %zu groups must hold for every visible GPU\n", e->ngroups);
		size_t hidden = 0;
		/* Long image lists (NVIDIA's CUDA images carry 30-60 groups): one line per group. */
		bool compact = e->ngroups > 6 && e->verdict != CUVET_PASS;
		for (size_t gi = 0; gi < e->ngroups; gi++) {
			const struct cuvet_req_group *g = &e->groups[gi];
			/* When the expression holds, the groups that did not are beside the point. */
			if (e->verdict == CUVET_PASS && g->verdict != CUVET_PASS && !g->npass) {
				hidden++;
				continue;
			}
			if (!compact) {
				fprintf(out, "  %zu. %s%s%s", gi + 1, vcolor(g->verdict, color), cuvet_verdict_name(g->verdict),
					off);
				if (g->verdict != CUVET_PASS && g->npass)
					fprintf(out, " (holds for %zu of %zu visible GPUs)", g->npass, c->nvisible);
				fputc('\n', out);
				for (size_t ci = 0; ci < g->nclauses; ci++)
					print_clause(out, &g->clauses[ci], color);
				continue;
			}
			const struct cuvet_req_clause *why = NULL;
			for (size_t ci = 0; ci < g->nclauses && !why; ci++)
				if (g->clauses[ci].verdict == CUVET_FAIL)
					why = &g->clauses[ci];
			for (size_t ci = 0; ci < g->nclauses && !why; ci++)
				if (g->clauses[ci].verdict != CUVET_PASS)
					why = &g->clauses[ci];
			fprintf(out, "  %zu. %s%-7s%s", gi + 1, vcolor(g->verdict, color), cuvet_verdict_name(g->verdict), off);
			for (size_t ci = 0; ci < g->nclauses; ci++)
				fprintf(out, "%s%s", ci ? "," : " ", g->clauses[ci].text);
			if (why && why->message)
				fprintf(out, "  — %s", why->message);
			fputc('\n', out);
		}
		/* One fix for the expression (any one group holding is enough): the library's cheapest. */
		if (e->fix)
			fprintf(out, "  fix: %s\n", e->fix);
		if (hidden)
			fprintf(out, "  (%zu other group%s not needed)\n", hidden, hidden == 1 ? "" : "s");
	}
	print_libraries(out, h, c, color);
	print_workload(out, c, color);
	for (size_t i = 0; i < c->nnotes; i++)
		fprintf(out, "\nnote: %s\n", c->notes[i]);
	fprintf(out, "\nVerdict: %s%s%s", vcolor(c->verdict, color), cuvet_verdict_name(c->verdict), off);
	fprintf(out, "   nvidia-container-cli would %s%s\n",
		c->too_many                   ? "refuse to start the container (too many requirements)"
		: c->runtime == CUVET_PASS    ? "start the container"
		: c->runtime == CUVET_FAIL    ? "refuse to start the container (unsatisfied condition)"
		: c->runtime == CUVET_ERROR   ? "refuse to start the container (invalid expression)"
					      : "decide on facts missing here",
		c->refused ? ": the environment's requirements keep the container from starting" : "");
}

/* The keys a probe without NVML answers exactly as one with it: the driver comes from the kernel
 * module, its CUDA from the knowledge base (exact rows only, checked after), the library keys
 * from the files. arch, brand, memory, count and gpu read GPU facts that NVML knows best. */
static bool key_without_nvml(enum cuvet_req_key k)
{
	switch (k) {
	case CUVET_REQ_CUDA: case CUVET_REQ_DRIVER: case CUVET_REQ_CUDART: case CUVET_REQ_CUDNN:
	case CUVET_REQ_CUBLAS: case CUVET_REQ_NCCL: case CUVET_REQ_TENSORRT:
		return true;
	default:
		return false;
	}
}

/* A visible-devices value that names GPUs by UUID needs NVML's UUIDs to match them. */
static bool visible_plain(const char *v)
{
	if (!v || !*v || strcmp(v, "all") == 0 || strcmp(v, "none") == 0 || strcmp(v, "void") == 0)
		return true;
	return strspn(v, "0123456789, ") == strlen(v);
}

static const char *env_value(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* Whether every clause of the group is answered without NVML. */
static bool group_without_nvml(const struct cuvet_req_group *g)
{
	for (size_t ci = 0; ci < g->nclauses; ci++)
		if (!key_without_nvml(g->clauses[ci].key))
			return false;
	return true;
}

/* NVML takes tens of milliseconds to start (SPEC §4): a check that may be decided without it
 * probes without it, unless --no-nvml already said never or --nvml-lib asked for it. The groups
 * of an expression are OR-ed, so one group answered without NVML may decide it: CUDA images'
 * NVIDIA_REQUIRE_CUDA is "cuda>=13.0 brand=tesla,driver>=535,driver<536 ...", whose first group
 * holds on any driver new enough whatever the brand. Whether it did is known only after the
 * evaluation (lazy_verdict_certain: an expression left UNKNOWN by a brand group probes again
 * with NVML). */
static bool check_can_skip_nvml(const struct check_opts *o, const struct cuvet_check *c, char *const *env)
{
	const char *root = o->host.probe.root;
	if (o->host.facts_file || !o->host.probe.use_nvml || o->host.probe.nvml_library || o->visible ||
	    (root && *root && strcmp(root, "/") != 0))
		return false;
	if (!visible_plain(env_value(env, "NVIDIA_VISIBLE_DEVICES")) ||
	    !visible_plain(env_value(env, "CUDA_VISIBLE_DEVICES")))
		return false;
	for (size_t ei = 0; ei < c->nexprs; ei++) {
		bool one = c->exprs[ei].ngroups == 0;
		for (size_t gi = 0; gi < c->exprs[ei].ngroups && !one; gi++)
			one = group_without_nvml(&c->exprs[ei].groups[gi]);
		if (!one)
			return false;
	}
	return true;
}

/* A verdict reached without NVML stands only when it is certain: nothing UNKNOWN, the driver's
 * CUDA from an exact knowledge-base row, no forward-compat libcuda (whose CUDA libcuda reports). */
static bool lazy_verdict_certain(const struct cuvet_host *h, const struct cuvet_check *c)
{
	if (c->verdict == CUVET_UNKNOWN || c->runtime == CUVET_UNKNOWN || c->libs_verdict == CUVET_UNKNOWN ||
	    c->workload_verdict == CUVET_UNKNOWN)
		return false;
	if (!h->driver || h->cuda <= 0 || h->cuda_lower_bound || h->cuda_unverified || h->compat_picked)
		return false;
	for (size_t ei = 0; ei < c->nexprs; ei++)
		if (c->exprs[ei].verdict == CUVET_UNKNOWN || c->exprs[ei].runtime == CUVET_UNKNOWN)
			return false;
	return true;
}

/* Whether a probe with NVML could tell more: the NVML child dlopens the library named by
 * $CUVET_NVML_LIBRARY, else libnvidia-ml.so.1 as this process's loader finds it, which the probe
 * without NVML modelled (driver.libnvml_path) unless an env file gave it another environment.
 * Without one, NVML cannot start, and a second probe would only double the time on a host
 * without the driver. */
static bool nvml_could_answer(const struct check_opts *o, const struct cuvet_facts *f)
{
	const char *named = getenv("CUVET_NVML_LIBRARY");
	return f->driver.libnvml_path || (named && *named) || o->host.env;
}

/* The host view the check reads: EXIT_OK, EXIT_USAGE for a --visible-devices naming no GPU
 * (said here), -1 for another error (in ERR). */
static int make_host(struct cuvet_ctx *ctx, const struct cuvet_facts *f, const struct cuvet_host_opts *ho,
		     struct cuvet_host **out, struct cuvet_error *err)
{
	if ((*out = cuvet_host_new(ctx, f, ho, err)))
		return EXIT_OK;
	if (err->code != CUVET_E_INVALID)
		return -1;
	cli_error("check", "--visible-devices: %s", err->msg);
	return EXIT_USAGE;
}

static int check_image(struct check_opts *o, int argc, char **argv, int first);

static int check_run(int argc, char **argv)
{
	struct check_opts o;
	memset(&o, 0, sizeof(o));
	host_opts_init(&o.host, "check");
	image_cli_init(&o.img, "check");
	int code = EXIT_OK;
	int first = cli_parse(&cmd_check, argc, argv, check_handle, &o, &code);
	if (first < 0)
		return code;
	if (o.image || o.img.given)
		return check_image(&o, argc, argv, first);
	if ((code = host_opts_finish(&o.host)) != EXIT_OK)
		return code;
	if (o.kb_dir && (code = cli_check_path("check", "--kb", o.kb_dir, CLI_PATH_DIR)) != EXIT_OK) {
		host_opts_release(&o.host);
		return code;
	}
	struct cuvet_error err = {0};
	struct cuvet_ctx *ctx = NULL;
	struct cuvet_host *host = NULL;
	struct cuvet_facts *f = NULL;
	struct cuvet_check *c = NULL;
	char **env_copy = NULL;
	struct cuvet_why **fw = NULL;
	size_t nfw = 0;
	int invalid = EXIT_OK;
	struct engine_input eng = {0};
	struct cuvet_engine_check *ec = NULL;
	code = EXIT_INPUT;
	if (!(ctx = cli_ctx_new("check", o.kb_dir)))
		goto out;
	if (o.engine && engine_input_read(o.engine, &eng, &err) < 0)
		goto fail;
	o.host.probe.kb = cuvet_ctx_kb(ctx);
	if (!(c = cuvet_check_new(&err)))
		goto fail;
	for (int i = first; i < argc; i++) {
		char src[32];
		snprintf(src, sizeof(src), "argument %d", i - first + 1);
		if (cuvet_check_add(c, src, argv[i], false, &err) < 0) {
			if (err.code != CUVET_E_INVALID)
				goto fail;
			cli_error("check", "%s", err.msg);
			invalid = EXIT_USAGE;
		}
	}
	/* Decided on the command line's requirements and, below, the environment's: the probe
	 * comes after both are read when it may skip NVML. */
	bool with_env = o.env || first == argc;
	char *const *run_env = o.host.env;
	extern char **environ;
	if (!run_env && !o.host.facts_file)
		run_env = environ;
	bool lazy = false;
	if (!o.host.facts_file && with_env) {
		if (cuvet_check_add_env(c, run_env, &err) < 0) {
			if (err.code != CUVET_E_INVALID)
				goto fail;
			cli_error("check", "%s", err.msg);
			if (invalid == EXIT_OK)
				invalid = EXIT_INPUT;
		}
		with_env = false;
	}
	if (!o.host.facts_file && !o.engine && check_can_skip_nvml(&o, c, run_env)) {
		o.host.probe.use_nvml = false;
		lazy = true;
	}
	f = o.host.facts_file ? facts_read_file(o.host.facts_file, &err) : cuvet_probe(&o.host.probe, &err);
	if (lazy)
		o.host.probe.use_nvml = true;
	if (!f)
		goto fail;
	if (with_env) {
		char *const *env = o.host.env;
		if (!env && o.host.facts_file) {
			/* the facts file's recorded environment (NVIDIA_*, CUDA_* as probed there) */
			env_copy = calloc(f->nenv + 1, sizeof(char *));
			if (!env_copy)
				goto fail;
			for (size_t i = 0; i < f->nenv; i++) {
				size_t n = strlen(f->env[i].key) + strlen(f->env[i].value) + 2;
				if (!(env_copy[i] = malloc(n)))
					goto fail;
				snprintf(env_copy[i], n, "%s=%s", f->env[i].key, f->env[i].value);
			}
			env = env_copy;
		} else if (!env) {
			env = environ;
		}
		if (cuvet_check_add_env(c, env, &err) < 0) {
			if (err.code != CUVET_E_INVALID)
				goto fail;
			cli_error("check", "%s", err.msg);
			if (invalid == EXIT_OK)
				invalid = EXIT_INPUT;
		}
	}
	/* the frameworks' rules need the root's files: a facts file does not have them */
	if (!o.host.facts_file && frameworks_resolve(&o.host, f, cuvet_ctx_kb(ctx), &fw, &nfw) != EXIT_OK)
		goto out;
	struct cuvet_host_opts ho = {.env = o.host.env,
				     .visible_devices = o.visible,
				     .frameworks = (const struct cuvet_why *const *)fw,
				     .nframeworks = nfw};
	if ((code = make_host(ctx, f, &ho, &host, &err)) != EXIT_OK) {
		if (code < 0)
			goto fail;
		goto out;
	}
	struct cuvet_check_opts co = {.assume_unknown_pass = o.assume_pass};
	if (cuvet_check_eval(c, host, &co, &err) < 0)
		goto fail;
	if (lazy && !lazy_verdict_certain(host, c) && nvml_could_answer(&o, f)) {
		/* Correctness first: what NVML would have told may decide it. The requirements read
		 * stay; the evaluation starts afresh (cuvet_check_eval drops its previous notes). */
		cuvet_host_free(host);
		host = NULL;
		cuvet_facts_free(f);
		if (!(f = cuvet_probe(&o.host.probe, &err)))
			goto fail;
		if ((code = make_host(ctx, f, &ho, &host, &err)) != EXIT_OK) {
			if (code < 0)
				goto fail;
			goto out;
		}
		if (cuvet_check_eval(c, host, &co, &err) < 0)
			goto fail;
	}
	code = cuvet_verdict_exit(c->verdict);
	/* An invalid requirement of the environment that the runtime refuses too is an incompatibility
	 * (exit 1: the container will not start), not an input error: c->refused made the verdict FAIL. */
	if (invalid == EXIT_USAGE || (invalid != EXIT_OK && !c->refused))
		code = invalid;
	if (o.engine) {
		if (!(ec = cuvet_engine_check_new(host, &eng.hdr, eng.have_prov ? &eng.prov : NULL, &err)))
			goto fail;
		code = engine_exit_merge(code, ec->verdict);
	}
	if (!o.host.quiet) {
		if (o.host.json) {
			char *s = cuvet_check_to_json(c, true, &err);
			if (s && ec)
				s = engine_json_add(s, ec, o.engine, &err);
			if (!s)
				goto fail;
			puts(s);
			free(s);
		} else {
			char where[4096];
			if (o.host.facts_file)
				snprintf(where, sizeof(where), "facts %s", o.host.facts_file);
			else if (f->root && strcmp(f->root, "/") != 0)
				snprintf(where, sizeof(where), "%s", f->root);
			else
				snprintf(where, sizeof(where), "this host");
			print_text(stdout, host, c, where, cli_color(stdout));
			if (ec)
				engine_check_print(stdout, o.engine, ec, cli_color(stdout));
		}
	}
	code = cli_finish(code);
	goto out;
fail:
	cli_error("check", "%s", err.msg[0] ? err.msg : "out of memory");
	code = EXIT_INPUT;
out:
	cuvet_engine_check_free(ec);
	engine_input_release(&eng);
	env_free(env_copy);
	cuvet_check_free(c);
	cuvet_host_free(host);
	frameworks_free(fw, nfw);
	cuvet_facts_free(f);
	cuvet_ctx_free(ctx);
	host_opts_release(&o.host);
	return code;
}

/* check --image SOURCE: a container of the image on this host (or --facts' host). The workload's
 * environment is the image's config.Env, its libraries the image's; the kernel module, the driver's
 * libraries (the runtime mounts them in) and the GPUs are the host's (cuvet_image_container_facts). */
static int check_image(struct check_opts *o, int argc, char **argv, int first)
{
	int code = image_cli_check(&o->img, o->image);
	if (code != EXIT_OK)
		return code;
	if (o->host.probe.root || o->host.env_file) {
		cli_error("check", "--image takes the image's files and environment: it cannot be combined with %s",
			  o->host.probe.root ? "--root" : "--env-file");
		return EXIT_USAGE;
	}
	code = host_opts_finish(&o->host);
	if (code != EXIT_OK)
		return code;
	if (o->kb_dir && (code = cli_check_path("check", "--kb", o->kb_dir, CLI_PATH_DIR)) != EXIT_OK) {
		host_opts_release(&o->host);
		return code;
	}
	struct cuvet_error err = {0};
	struct cuvet_ctx *ctx = NULL;
	struct cuvet_image *img = NULL;
	struct cuvet_image_report *rep = NULL;
	struct cuvet_facts *hf = NULL, *cf = NULL;
	struct cuvet_host *host = NULL;
	struct cuvet_check *c = NULL;
	int invalid = EXIT_OK;
	code = EXIT_INPUT;
	if (!(ctx = cli_ctx_new("check", o->kb_dir)))
		goto out;
	o->host.probe.kb = cuvet_ctx_kb(ctx);
	if (!(c = cuvet_check_new(&err)))
		goto fail;
	for (int i = first; i < argc; i++) {
		char src[32];
		snprintf(src, sizeof(src), "argument %d", i - first + 1);
		if (cuvet_check_add(c, src, argv[i], false, &err) < 0) {
			if (err.code != CUVET_E_INVALID)
				goto fail;
			cli_error("check", "%s", err.msg);
			invalid = EXIT_USAGE;
		}
	}
	if (!(img = image_cli_open(&o->img, o->image, &code)))
		goto out;
	struct cuvet_image_report_opts ro = {.gpu_code = true};
	if (!(rep = cuvet_image_report_new(ctx, img, &ro, &err)))
		goto fail;
	/* The image's requirements are always checked: the runtime checks them when it starts it. */
	if (cuvet_check_add_env(c, rep->environ, &err) < 0) {
		if (err.code != CUVET_E_INVALID)
			goto fail;
		cli_error("check", "%s", err.msg);
		if (invalid == EXIT_OK)
			invalid = EXIT_INPUT;
	}
	hf = o->host.facts_file ? facts_read_file(o->host.facts_file, &err) : cuvet_probe(&o->host.probe, &err);
	if (!hf || !(cf = cuvet_image_container_facts(hf, rep->facts, rep->info, &err)))
		goto fail;
	struct cuvet_host_opts ho = {.env = rep->environ, .visible_devices = o->visible};
	if ((code = make_host(ctx, cf, &ho, &host, &err)) != EXIT_OK) {
		if (code < 0)
			goto fail;
		goto out;
	}
	struct cuvet_check_opts co = {.assume_unknown_pass = o->assume_pass};
	if (cuvet_check_eval(c, host, &co, &err) < 0 || cuvet_image_check_gpu_code(c, host, &err) < 0)
		goto fail;
	code = cuvet_verdict_exit(c->verdict);
	if (invalid == EXIT_USAGE || (invalid != EXIT_OK && !c->refused))
		code = invalid;
	if (!o->host.quiet) {
		if (o->host.json) {
			char *s = cuvet_check_to_json(c, true, &err);
			if (!s)
				goto fail;
			puts(s);
			free(s);
		} else {
			char where[4096];
			snprintf(where, sizeof(where), "image %s%s on %s%s", o->image,
				 rep->facts ? "" : " (config only: its files were not read, its libraries not checked)",
				 o->host.facts_file ? "facts " : "this host", o->host.facts_file ? o->host.facts_file : "");
			print_text(stdout, host, c, where, cli_color(stdout));
		}
	}
	code = cli_finish(code);
	goto out;
fail:
	cli_error("check", "%s", err.msg[0] ? err.msg : "out of memory");
	code = EXIT_INPUT;
out:
	cuvet_check_free(c);
	cuvet_host_free(host);
	cuvet_facts_free(cf);
	cuvet_facts_free(hf);
	cuvet_image_report_free(rep);
	cuvet_image_free(img);
	cuvet_ctx_free(ctx);
	host_opts_release(&o->host);
	return code;
}

const struct cli_command cmd_check = {
	"check",
	"[OPTIONS] [REQ...]",
	"evaluate NVIDIA_REQUIRE requirements against this host and name the smallest fix",
	"Each REQ is a requirement in the NVIDIA_REQUIRE_* grammar ('cuda>=12.2 brand=tesla,driver>=535'):\n"
	"groups separated by spaces are OR-ed, clauses separated by commas are AND-ed; keys cuda, driver,\n"
	"arch, brand, and cuvet's cudart, cudnn, cublas, nccl, tensorrt, gpu (name glob), memory (MiB) and\n"
	"count (visible GPUs). Several REQs, and the environment's requirements with --env, are AND-ed.\n"
	"Without REQ, the environment's requirements are checked. Beside cuvet's verdict, the output says\n"
	"what nvidia-container-cli would decide when starting a container.\n"
	"Exit status: 0 PASS, 1 FAIL, 3 UNKNOWN (a fact is missing); 2 for a usage error, including an\n"
	"invalid REQ on the command line. A requirement read from the environment or an env file that\n"
	"nvidia-container-cli refuses (unsatisfied, an invalid expression to it such as cuvet's own keys or\n"
	"a tab, or more than 32 NVIDIA_REQUIRE_* variables) means the container will not start: FAIL, exit\n"
	"1, even where cuvet's own reading passes. 4 for an input error, including a requirement of the\n"
	"environment invalid to cuvet that the runtime accepts.\n"
	"When the probed root has pip or conda libraries, the process of `import torch` is modelled (as\n"
	"`cuvet why --python torch`): a cuDNN other than the one torch pins, or than its own libraries would\n"
	"load, fails the workload (pinned-version, preloaded-copy). These framework rules need the files:\n"
	"--facts has none.\n"
	"--image SOURCE checks a container of the image instead: the image's NVIDIA_REQUIRE_* and\n"
	"CUDA_VERSION, the CUDA majors of its libraries against this driver, their GPU code against these\n"
	"GPUs; the environment is the image's config.Env (--env-file and --root do not apply).",
	check_opts,
	check_run,
};
