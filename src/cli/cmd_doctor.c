#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "image_cli.h"

enum { OPT_SCAN = OPT_HOST_COMMON_LAST + 1, OPT_KB_DIR, OPT_IMAGE };

static const struct cli_opt doctor_opts[] = {
	{"facts", 0, "FILE", OPT_FACTS, "diagnose a facts file (cuvet probe --json from another host) instead of probing (without the framework "
	 "rules: they need the files)"},
	{"scan", 0, "DIR", OPT_SCAN, "also check the GPU code of every ELF file under DIR (inside the root; repeatable)"},
	{"kb", 0, "DIR", OPT_KB_DIR, "read the knowledge-base tables from DIR instead of the built-in copy"},
	{"image", 0, "SOURCE", OPT_IMAGE, "run the library rules on a container image's files instead (SOURCE as in 'cuvet image inspect')"},
	CLI_IMAGE_OPTS,
	CLI_HOST_OPTS,
	{0},
};

struct doctor_opts {
	struct host_opts host;
	const char **scan;   /* NULL-terminated --scan directories */
	size_t nscan;
	const char *kb_dir;
	const char *image;
	struct image_cli img;
};

static int doctor_handle(int id, const char *arg, void *ctx)
{
	struct doctor_opts *d = ctx;
	int ir = image_cli_handle(&d->img, id, arg);
	if (ir <= 0)
		return ir < 0;
	if (id == OPT_IMAGE) {
		d->image = arg;
		return 0;
	}
	if (id == OPT_KB_DIR) {
		d->kb_dir = arg;
		return 0;
	}
	if (id == OPT_SCAN) {
		const char **p = realloc(d->scan, (d->nscan + 2) * sizeof(*p));
		if (!p) {
			cli_error("doctor", "out of memory");
			return 1;
		}
		d->scan = p;
		d->scan[d->nscan++] = arg;
		d->scan[d->nscan] = NULL;
		return 0;
	}
	return host_opts_handle(&d->host, id, arg) == 0 ? 0 : 1;
}

static const char *const layers[] = {"driver", "gpu", "libraries", "environment"};
static const char *const layer_titles[] = {"Driver", "GPUs", "Libraries", "Environment"};

/* The workload's LD_LIBRARY_PATH: the env file's when one is given, else the facts'. */
static const char *workload_llp(const struct cuvet_facts *f, char *const *env)
{
	if (!env)
		return cuvet_facts_env(f, "LD_LIBRARY_PATH");
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], "LD_LIBRARY_PATH=", 16) == 0)
			return env[i] + 16;
	return NULL;
}

static void print_text(FILE *out, const struct cuvet_host *h, const struct cuvet_findings *fs, const char *facts_file,
		       char *const *env, bool color, bool image)
{
	const struct cuvet_facts *f = h->facts;
	const char *red = color ? "\033[31m" : "", *yel = color ? "\033[33m" : "", *grn = color ? "\033[32m" : "",
		   *off = color ? "\033[0m" : "";
	const struct cuvet_driver *d = &f->driver;
	if (facts_file)
		fprintf(out, "cuvet doctor — facts %s (root %s)\n\n", facts_file, f->root ? f->root : "unknown");
	else
		fprintf(out, "cuvet doctor — %s\n\n", f->root && strcmp(f->root, "/") ? f->root : "this host");
	/* An image has no driver and no GPU of its own: only its libraries and environment. */
	for (size_t li = image ? 2 : 0; li < sizeof(layers) / sizeof(layers[0]); li++) {
		int worst = -1;
		for (size_t i = 0; i < fs->count; i++)
			if (strcmp(fs->items[i].layer, layers[li]) == 0 && (int)fs->items[i].severity > worst)
				worst = (int)fs->items[i].severity;
		const char *v = worst == CUVET_SEV_ERROR ? "FAIL" : worst == CUVET_SEV_WARNING ? "WARN" : "ok";
		const char *c = worst == CUVET_SEV_ERROR ? red : worst == CUVET_SEV_WARNING ? yel : grn;
		char detail[256] = "";
		if (li == 0) {
			if (d->kernel_version)
				snprintf(detail, sizeof(detail), "%s (%s kernel module)", d->kernel_version,
					 d->kernel_flavour ? d->kernel_flavour : "?");
			else
				snprintf(detail, sizeof(detail), "%s", d->present ? "kernel module not loaded" : "none");
			if (h->cuda > 0) {
				/* the host view's: a compat libcuda's answer is not the driver's CUDA */
				size_t n = strlen(detail);
				snprintf(detail + n, sizeof(detail) - n, ", CUDA %d.%d (%s)", h->cuda / 1000, (h->cuda % 1000) / 10,
					 strcmp(h->cuda_source, "kb") == 0 ? cuda_source_text(h->cuda_lower_bound ? "inferred-lower-bound"
														   : "inferred")
					 : strcmp(h->cuda_source, "facts") == 0 ? "from the facts"
										: cuda_source_text(d->cuda_driver_source));
			}
		} else if (li == 1) {
			size_t vis = h->nvisible;
			if (f->ngpus)
				snprintf(detail, sizeof(detail), "%zu GPU%s (%zu visible), first %s", f->ngpus,
					 f->ngpus == 1 ? "" : "s", vis, f->gpus[0].name ? f->gpus[0].name : "unknown");
			else
				snprintf(detail, sizeof(detail), "none found");
		} else if (li == 2) {
			snprintf(detail, sizeof(detail), "%zu NVIDIA library file%s", f->nlibs, f->nlibs == 1 ? "" : "s");
		} else {
			const char *llp = workload_llp(f, env);
			snprintf(detail, sizeof(detail), "LD_LIBRARY_PATH %s", llp && *llp ? "set" : "not set");
		}
		fprintf(out, "  %-12s %s%-4s%s  %s\n", layer_titles[li], c, v, off, detail);
	}
	if (!fs->count) {
		fprintf(out, "\nNo problems found.\n");
		return;
	}
	fprintf(out, "\nProblems (%zu)\n", fs->count);
	for (size_t i = 0; i < fs->count; i++) {
		const struct cuvet_finding *x = &fs->items[i];
		const char *c = x->severity == CUVET_SEV_ERROR ? red : x->severity == CUVET_SEV_WARNING ? yel : "";
		fprintf(out, "\n%zu. %s%s%s [%s] %s\n", i + 1, c, cuvet_severity_name(x->severity), off, x->id, x->summary);
		fprintf(out, "   cause: %s\n", x->cause);
		fprintf(out, "   fix:   %s\n", x->fix);
	}
}

/* doctor --image SOURCE: the library rules on the image's files, in its config's environment. */
static int doctor_image(struct doctor_opts *d)
{
	struct host_opts *op = &d->host;
	int need = image_cli_check(&d->img, d->image);
	if (need != EXIT_OK)
		return need;
	if (op->facts_file || op->probe.root || op->env_file || d->scan) {
		cli_error("doctor", "--image reads the image's files and environment: it cannot be combined with %s",
			  op->facts_file ? "--facts" : op->probe.root ? "--root" : op->env_file ? "--env-file" : "--scan");
		return EXIT_USAGE;
	}
	int code = EXIT_INPUT;
	struct cuvet_error err = {0};
	struct cuvet_image *img = NULL;
	struct cuvet_image_report *rep = NULL;
	struct cuvet_host *host = NULL;
	struct cuvet_findings *fs = NULL;
	struct cuvet_ctx *cx = cli_ctx_new("doctor", d->kb_dir);
	if (!cx)
		goto out;
	if (!(img = image_cli_open(&d->img, d->image, &code)))
		goto out;
	if (!(rep = cuvet_image_report_new(cx, img, NULL, &err))) {
		cli_error("doctor", "%s: %s", d->image, err.msg);
		code = EXIT_INPUT;
		goto out;
	}
	if (!rep->facts) {
		cli_error("doctor", "%s: the image's files were not read (--no-layers, or a registry without --layers): "
				    "the library rules need them", d->image);
		code = EXIT_UNDETERMINED;
		goto out;
	}
	static const char *const sets[] = {"libraries", NULL};
	struct cuvet_doctor_opts dopts;
	cuvet_doctor_opts_init(&dopts);
	dopts.rule_sets = sets;
	struct cuvet_host_opts ho = {.env = rep->environ};
	if (!(host = cuvet_host_new(cx, rep->facts, &ho, &err)) || !(fs = cuvet_doctor(host, &dopts, &err))) {
		cli_error("doctor", "%s", err.msg);
		code = EXIT_INPUT;
		goto out;
	}
	code = cuvet_severity_exit(fs->count ? (int)fs->items[0].severity : -1);
	if (!op->quiet) {
		if (op->json) {
			char *s = cuvet_findings_to_json(rep->facts, fs, true, &err);
			if (s) {
				puts(s);
				free(s);
			} else {
				cli_error("doctor", "%s", err.msg);
				code = EXIT_INPUT;
			}
		} else {
			print_text(stdout, host, fs, NULL, rep->environ, cli_color(stdout), true);
		}
	}
	code = cli_finish(code);
out:
	cuvet_findings_free(fs);
	cuvet_host_free(host);
	cuvet_image_report_free(rep);
	cuvet_image_free(img);
	cuvet_ctx_free(cx);
	return code;
}

static int doctor_run(int argc, char **argv)
{
	struct doctor_opts d = {0};
	struct host_opts *op = &d.host;
	host_opts_init(op, "doctor");
	image_cli_init(&d.img, "doctor");
	/* Doctor judges the GPU code of the libraries programs would load (rules_arch.c). */
	op->probe.read_gpu_code = true;
	int code = EXIT_OK;
	int first = cli_parse(&cmd_doctor, argc, argv, doctor_handle, &d, &code);
	if (first < 0) {
		free(d.scan);
		return code;
	}
	if (first < argc) {
		cli_error("doctor", "unexpected argument '%s' (see 'cuvet doctor --help')", argv[first]);
		free(d.scan);
		return EXIT_USAGE;
	}
	if (d.scan && op->facts_file) {
		cli_error("doctor", "--scan reads files of this host; it cannot be combined with --facts");
		free(d.scan);
		return EXIT_USAGE;
	}
	if (d.image || d.img.given) {
		code = doctor_image(&d);
		host_opts_release(op);
		free(d.scan);
		return code;
	}
	op->probe.scan_dirs = d.scan;
	if ((code = host_opts_finish(op)) != EXIT_OK) {
		free(d.scan);
		return code;
	}
	struct cuvet_error err = {0};
	struct cuvet_ctx *cx = cli_ctx_new("doctor", d.kb_dir);
	if (!cx) {
		host_opts_release(op);
		free(d.scan);
		return EXIT_INPUT;
	}
	op->probe.kb = cuvet_ctx_kb(cx);
	struct cuvet_facts *f = op->facts_file ? facts_read_file(op->facts_file, &err) : cuvet_probe(&op->probe, &err);
	/* the frameworks' rules need the root's files: a facts file does not have them */
	struct cuvet_why **fw = NULL;
	size_t nfw = 0;
	if (f && !op->facts_file && frameworks_resolve(op, f, cuvet_ctx_kb(cx), &fw, &nfw) != EXIT_OK) {
		cuvet_facts_free(f);
		cuvet_ctx_free(cx);
		host_opts_release(op);
		free(d.scan);
		return EXIT_INPUT;
	}
	struct cuvet_host_opts ho = {.env = op->env, .frameworks = (const struct cuvet_why *const *)fw, .nframeworks = nfw};
	struct cuvet_host *host = f ? cuvet_host_new(cx, f, &ho, &err) : NULL;
	struct cuvet_findings *fs = host ? cuvet_doctor(host, NULL, &err) : NULL;
	if (!fs) {
		cli_error("doctor", "%s", err.msg);
		cuvet_host_free(host);
		frameworks_free(fw, nfw);
		cuvet_facts_free(f);
		cuvet_ctx_free(cx);
		host_opts_release(op);
		free(d.scan);
		return EXIT_INPUT;
	}
	/* the library orders them, errors first */
	code = cuvet_severity_exit(fs->count ? (int)fs->items[0].severity : -1);
	if (!op->quiet) {
		if (op->json) {
			char *s = cuvet_findings_to_json(f, fs, true, &err);
			if (s) {
				puts(s);
				free(s);
			} else {
				cli_error("doctor", "%s", err.msg);
				code = EXIT_INPUT;
			}
		} else {
			print_text(stdout, host, fs, op->facts_file, op->env, cli_color(stdout), false);
		}
	}
	cuvet_findings_free(fs);
	cuvet_host_free(host);
	frameworks_free(fw, nfw);
	cuvet_facts_free(f);
	cuvet_ctx_free(cx);
	host_opts_release(op);
	free(d.scan);
	return cli_finish(code);
}

const struct cli_command cmd_doctor = {
	"doctor",
	"[OPTIONS]",
	"probe this host, diagnose it and explain each problem with its cause and fix",
	"Prints a verdict per layer (driver, GPUs, libraries, environment) and a numbered list of\n"
	"problems. Exit status 1 when any problem has error severity. The GPU code (fatbin targets)\n"
	"of the libraries programs would load is checked against the visible GPUs; --scan adds\n"
	"framework libraries and applications. When the probed root has pip or conda libraries, the\n"
	"process of `import torch` is modelled (as `cuvet why --python torch`): a cuDNN other than the\n"
	"one torch pins is an error. These framework rules need the files: --facts has none.\n"
	"--image SOURCE runs the library rules on a container image's files in its config's environment\n"
	"(stub libraries, duplicate copies, LD_LIBRARY_PATH shadowing), without a driver or GPU.",
	doctor_opts,
	doctor_run,
};
