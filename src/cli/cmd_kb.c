/* cuvet kb: ask the knowledge base (SPEC §5). Every answer names its source; facts the sources
 * mark unverified are printed as such. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_KB = OPT_COMMON_LAST + 1 };

static const struct cli_opt kb_opts[] = {
	{"json", 0, NULL, OPT_JSON, "print JSON (schema cuvet.kb/1) instead of text"},
	{"kb", 0, "DIR", OPT_KB, "read the knowledge-base tables from DIR instead of the built-in copy"},
	{"quiet", 'q', NULL, OPT_QUIET, "print nothing; only the exit status tells"},
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

static int cmd_kb_run(int argc, char **argv);

const struct cli_command cmd_kb = {
	"kb",
	"[OPTIONS] driver VERSION | cuda VERSION | gpu NAME|PCI-ID | image REF | tensorrt VERSION | cudnn VERSION | "
	"files | show FILE",
	"ask the knowledge base about a driver, CUDA toolkit, GPU, NGC image, TensorRT or cuDNN release",
	"Examples: 'cuvet kb driver 535.104.05', 'cuvet kb cuda 12.4', 'cuvet kb gpu L40S', 'cuvet kb gpu 0x2335',\n"
	"'cuvet kb image nvcr.io/nvidia/tensorrt:23.09-py3', 'cuvet kb tensorrt 8.6.1', 'cuvet kb cudnn 9.5'.\n"
	"'gpu' also says which reduced precisions the GPU runs well (fast FP16, INT8, FP8, FP4; TensorRT's\n"
	"platformHasFastFp16), so a build enables only those.\n"
	"'files' lists the tables and where each came from; 'show FILE' prints one (to edit and pass back with --kb).\n"
	"Facts marked unverified in the sources are shown as such. End of life is judged against today's date\n"
	"(CUVET_TODAY=YYYY-MM-DD overrides it). Exit status 3 when the knowledge base has no answer.",
	kb_opts,
	cmd_kb_run,
};

struct kb_cli {
	bool json, quiet;
	const char *dir;
};

static int kb_handle(int id, const char *arg, void *ctx)
{
	struct kb_cli *o = ctx;
	switch (id) {
	case OPT_JSON: o->json = true; return 0;
	case OPT_QUIET: o->quiet = true; return 0;
	case OPT_KB: o->dir = arg; return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ text output ---- */

static void field(const char *name, const char *value)
{
	if (value)
		printf("  %-26s %s\n", name, value);
}

static const char *or_unknown(const char *s)
{
	return s ? s : "unknown";
}

static void cuda_str(int v, char *buf, size_t len)
{
	if (v > 0)
		snprintf(buf, len, "%d.%d", v / 1000, v % 1000 / 10);
	else
		snprintf(buf, len, "unknown");
}

/* TEXT is exactly ">=" followed by VERSION. */
static bool str_is_ge(const char *text, const char *version)
{
	return strncmp(text, ">=", 2) == 0 && strcmp(text + 2, version) == 0;
}

/* ------------------------------------------------------------- JSON output ---- */

/* Prints a document the library rendered (NULL: ERR says why). */
static int emit_json(char *doc, const struct cuvet_error *err)
{
	if (!doc) {
		cli_error("kb", "%s", err->msg);
		return EXIT_INPUT;
	}
	puts(doc);
	free(doc);
	return EXIT_OK;
}

/* ------------------------------------------------------------------ driver ---- */

static const char *type_words(const char *type)
{
	if (!type)
		return NULL;
	if (strcmp(type, "ltsb") == 0)
		return "long-term support branch (LTSB)";
	if (strcmp(type, "production") == 0)
		return "production branch";
	if (strcmp(type, "new-feature") == 0)
		return "new feature branch";
	if (strcmp(type, "evaluation") == 0)
		return "evaluation/developer branch";
	return type;
}

static void print_branch(const struct cuvet_kb_branch *b, const char *now)
{
	char buf[512];
	if (b->type)
		snprintf(buf, sizeof(buf), "%s%s%s%s", type_words(b->type), b->uncertain_type ? " [uncertain: " : "",
			 b->uncertain_type ? or_unknown(b->type_text) : "", b->uncertain_type ? "]" : "");
	else
		snprintf(buf, sizeof(buf), "unknown%s%s%s", b->type_text ? " [" : "", b->type_text ? b->type_text : "",
			 b->type_text ? "]" : "");
	field("branch type:", buf);
	int ended = cuvet_kb_branch_ended(b, now);
	if (b->end_of_life)
	{
		bool dated = strcmp(b->end_of_life, "ended") != 0;
		snprintf(buf, sizeof(buf), "%s%s%s", dated ? b->end_of_life : "ended (date unknown)",
			 !dated ? "" : ended == 1 ? ", past as of " : ended == 0 ? ", not yet as of " : "",
			 dated && ended >= 0 ? now : "");
	}
	else
		snprintf(buf, sizeof(buf), "unknown");
	field("end of life:", buf);
	if (b->end_of_life_text && (b->uncertain_end_of_life || !b->end_of_life))
		field("  source says:", b->end_of_life_text);
	field("last branch for:", b->last_for);
}

static void print_driver(const char *ver, const struct cuvet_kb_driver *d, const char *now)
{
	char buf[1024], cuda[32];
	printf("Driver %s (branch R%u)%s\n", ver, d->branch, d->branch_known ? "" : ": branch not in the knowledge base");
	cuda_str(d->cuda.cuda, cuda, sizeof(cuda));
	if (d->cuda.cuda && strcmp(d->cuda.basis, "branch") == 0)
		snprintf(buf, sizeof(buf), "%s (what R%u drivers report)%s", cuda, d->branch,
			 d->cuda.unverified ? " (unverified)" : "");
	else if (d->cuda.cuda)
		snprintf(buf, sizeof(buf), "%s%s (newest toolkit whose minimum driver it meets: %s)%s",
			 d->cuda.lower_bound ? "at least " : "", cuda, or_unknown(d->cuda.toolkit),
			 d->cuda.unverified ? " (unverified)" : "");
	else
		snprintf(buf, sizeof(buf), "unknown (older than every driver in the tables)");
	field("highest CUDA (native):", buf);
	if (d->branch_known && d->info.max_cuda_text)
		field("  branch table says:", d->info.max_cuda_text);
	if (d->branch_known) {
		if (d->info.evidence)
			field("  evidence:", d->info.evidence);
		print_branch(&d->info, now);
	}
	buf[0] = '\0';
	for (size_t i = 0; i < d->nminor; i++) {
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, "%s%u.x %s (driver >= %s)", i ? "; " : "", d->minor[i].major,
			 d->minor[i].met ? "yes" : "no", d->minor[i].min_driver);
	}
	field("minor-version compat:", d->nminor ? buf : "none known");
	if (!d->compat_known) {
		snprintf(buf, sizeof(buf), "unknown: the forward-compat matrix has no column for R%u", d->branch);
		field("forward-compat packages:", buf);
	} else if (!d->ncompat) {
		field("forward-compat packages:", "none documented for this branch");
	} else {
		field("forward-compat packages:", "(data-center GPUs, NGC-ready RTX and Jetson only; error 804 elsewhere)");
		const char *caveat = NULL;
		for (size_t i = 0; i < d->ncompat; i++) {
			snprintf(buf, sizeof(buf), "%s (CUDA %s)%s", d->compat[i].package, d->compat[i].cuda_version,
				 d->compat[i].contradicted ? " [documented but contradicted *]" : "");
			field("", buf);
			if (d->compat[i].contradicted && d->compat[i].caveat)
				caveat = d->compat[i].caveat;
		}
		if (caveat) {
			snprintf(buf, sizeof(buf), "* %s", caveat);
			field("", buf);
		}
	}
	char yes[512] = "", no[512] = "";
	for (size_t i = 0; i < d->narch; i++) {
		const struct cuvet_kb_arch_support *a = &d->arch[i];
		if (a->supported) {
			size_t n = strlen(yes);
			snprintf(yes + n, sizeof(yes) - n, "%s%s", n ? ", " : "", a->architecture);
		} else {
			size_t n = strlen(no);
			if (a->last_branch && d->branch > a->last_branch)
				snprintf(no + n, sizeof(no) - n, "%s%s (last branch R%u)", n ? ", " : "", a->architecture,
					 a->last_branch);
			else
				snprintf(no + n, sizeof(no) - n, "%s%s (from R%u)", n ? ", " : "", a->architecture,
					 a->first_branch);
		}
	}
	field("GPU architectures driven:", *yes ? yes : "none known");
	field("not driven:", *no ? no : NULL);
	if (d->branch_known) {
		field("notes:", d->info.notes);
		field("sources:", d->info.sources);
	}
}

/* -------------------------------------------------------------------- CUDA ---- */

/* ">= 550.54.15", with the source's words when they say more than that. */
static void driver_line(const char *name, const char *clean, const char *text)
{
	char buf[1024];
	if (!clean && !text)
		return;
	if (clean && (!text || (str_is_ge(text, clean))))
		snprintf(buf, sizeof(buf), ">= %s", clean);
	else if (clean)
		snprintf(buf, sizeof(buf), ">= %s (source: %s)", clean, text);
	else
		snprintf(buf, sizeof(buf), "unknown (source: %s)", text);
	field(name, buf);
}

static void print_cuda(const char *ver, const struct cuvet_kb_cuda *rel, int n, const struct cuvet_kb_cuda_arch *a,
		       bool have_arch)
{
	char buf[1024];
	printf("CUDA %s\n", ver);
	for (int i = 0; i < n; i++) {
		const struct cuvet_kb_cuda *c = &rel[i];
		printf("  %s%s%s%s\n", c->version, c->label ? ": " : "", c->label ? c->label : "",
		       c->status ? (strcmp(c->status, "no-toolkit") == 0 ? " (no such toolkit)" : " (unverified)") : "");
		driver_line("  min driver, Linux:", c->min_linux_driver, c->min_linux_driver_text);
		driver_line("  min driver, Windows:", c->min_windows_driver, c->min_windows_driver_text);
		driver_line("  by minor-version compat:", c->minor_compat_min_driver, c->minor_compat_text);
		field("  caveat:", c->caveat);
		field("  source:", c->source);
	}
	if (have_arch) {
		printf("  CUDA %s compiles for%s\n", a->cuda_version,
		       a->status ? (strcmp(a->status, "no-toolkit") == 0 ? " (no such toolkit)" : " (unverified)") : "");
		field("  PTX ISA:", or_unknown(a->ptx_isa));
		if (a->driver_branch) {
			snprintf(buf, sizeof(buf), "R%u", a->driver_branch);
			field("  PTX ISA driver branch:", buf);
		}
		snprintf(buf, sizeof(buf), "%s .. %s", or_unknown(a->lowest_sm), or_unknown(a->highest_sm));
		field("  SASS targets:", a->lowest_sm || a->highest_sm ? buf : NULL);
		field("  new SASS CCs:", a->new_sass_ccs);
		field("  new targets:", a->new_targets);
		field("  removed targets:", a->removed_targets);
		field("  caveat:", a->caveat);
		field("  source:", a->source);
	}
}

/* --------------------------------------------------------------------- GPU ---- */

static const char *yes_no_unknown(int v)
{
	return v < 0 ? "unknown" : v ? "yes" : "no";
}

/* gpu-precision.tsv's row for the GPU's compute capability, in one line plus its source. */
static int print_precision(const struct cuvet_kb *kb, int major, int minor, struct cuvet_error *err)
{
	struct cuvet_kb_precision p;
	int r = cuvet_kb_precision(kb, major, minor, &p, err);
	if (r < 0)
		return -1;
	if (r == 1) {
		field("precision:", "unknown (no row for this compute capability)");
		return 0;
	}
	char line[256];
	snprintf(line, sizeof(line), "fast FP16 %s, INT8 %s, FP8 %s, FP4 %s%s", yes_no_unknown(p.fast_fp16),
		 yes_no_unknown(p.int8), yes_no_unknown(p.fp8), yes_no_unknown(p.fp4), p.unverified ? " (unverified)" : "");
	field("precision:", line);
	field("  note:", p.note);
	field("  source:", p.source);
	return 0;
}

static int print_gpu(const struct cuvet_kb *kb, const struct cuvet_kb_gpu_row *g, int n, size_t shown,
		     struct cuvet_error *err)
{
	for (size_t i = 0; i < shown; i++) {
		char cc[16];
		snprintf(cc, sizeof(cc), "%d.%d", g[i].gpu.cc_major, g[i].gpu.cc_minor);
		printf("%s%s%s\n", i ? "\n" : "", g[i].gpu.model, g[i].gpu.unverified ? " (unverified)" : "");
		field("compute capability:", cc);
		field("architecture:", g[i].gpu.architecture);
		field("chip:", g[i].gpu.chip);
		field("segment:", g[i].gpu.segment);
		field("PCI device ids:", g[i].pci_device_ids);
		field("PCI id matched:", g[i].pci_variant);
		field("PCI ids:", g[i].pci_ids_note);
		field("caveat:", g[i].caveat);
		field("note:", g[i].note);
		field("source:", g[i].gpu.source);
		if (print_precision(kb, g[i].gpu.cc_major, g[i].gpu.cc_minor, err) < 0)
			return -1;
	}
	if ((size_t)n > shown)
		printf("(%d more matches)\n", n - (int)shown);
	return 0;
}

/* ------------------------------------------------------------------- image ---- */

/* A fact in plain words: "12.2.1 (taken from the triton23.09 container of the same month)". */
static void fact_field(const char *name, const struct cuvet_kb_fact *f)
{
	if (!f->value && !f->unverified)
		return;
	printf("  %-26s %s", name, f->value ? f->value : "unknown");
	if (f->secondary)
		printf(" (from a third-party copy of the release notes%s%s)", f->derived_from ? ": " : "",
		       f->derived_from ? f->derived_from : "");
	else if (f->derived_from)
		printf(" (taken from the %s container of the same month)", f->derived_from);
	if (f->unverified)
		printf(" (unverified)");
	printf("\n");
}

static void print_image(const struct cuvet_kb_image *im)
{
	if (im->tag)
		printf("%s:%s\n", im->image, im->tag);
	else
		printf("%s\n", im->image);
	fact_field("Ubuntu:", &im->ubuntu);
	fact_field("CUDA:", &im->cuda);
	fact_field("cuDNN:", &im->cudnn);
	fact_field("TensorRT:", &im->tensorrt);
	fact_field("cuBLAS:", &im->cublas);
	fact_field("NCCL:", &im->nccl);
	fact_field("Python:", &im->python);
	fact_field("framework:", &im->framework);
	fact_field("driver:", &im->min_driver);
	field("NVIDIA_REQUIRE_CUDA:", im->require_cuda);
	field("notes:", im->notes);
	field("source:", im->source);
	field("table:", im->table);
}

/* ------------------------------------------------------- TensorRT / cuDNN ---- */

/* A cell the source marks unverified: "unknown (unverified)" when it says nothing else. */
static void field_marked(const char *name, const char *value, bool uncertain)
{
	if (value || uncertain)
		printf("  %-26s %s%s\n", name, value ? value : "unknown", uncertain ? " (unverified)" : "");
}

static void print_releases(const char *what, const char *ver, const struct cuvet_kb_release *r, size_t shown)
{
	printf("%s %s\n", what, ver);
	for (size_t i = 0; i < shown; i++) {
		if (strcmp(r[i].kind, "build") == 0) {
			printf("  package build %s (listed at %s)\n", r[i].release, or_unknown(r[i].source));
			continue;
		}
		printf("  %s%s\n", r[i].release, r[i].unverified ? " (unverified)" : "");
		field("  CUDA majors:", r[i].cuda_majors);
		field("  CUDA versions:", r[i].cuda_versions);
		field_marked("  cuDNN:", r[i].cudnn, r[i].uncertain_cudnn);
		field_marked("  min driver:", r[i].min_driver, r[i].uncertain_min_driver);
		field_marked(strcmp(what, "TensorRT") == 0 ? "  GPUs:" : "  compute capability:", r[i].gpus,
			     r[i].uncertain_gpus);
		field_marked("  library files:", r[i].library_files, r[i].uncertain_library_files);
		field("  version encoding:", r[i].version_encoding);
		field("  notes:", r[i].notes);
		field("  source:", r[i].source);
	}
}

/* ------------------------------------------------------------------- files ---- */

static int kb_files(const struct cuvet_kb *kb, const struct kb_cli *o)
{
	struct cuvet_error err = {0};
	if (o->json) {
		char *doc = cuvet_kb_files_to_json(kb, true, &err);
		if (doc && o->quiet) {
			free(doc);
			return EXIT_OK;
		}
		return emit_json(doc, &err);
	}
	if (!o->quiet)
		printf("knowledge base of %s\n", cuvet_kb_data_date(kb));
	for (size_t i = 0; i < cuvet_kb_file_count(); i++) {
		const char *name = cuvet_kb_file_name(i), *text = NULL, *origin = NULL;
		size_t len = 0;
		if (cuvet_kb_file_text(kb, name, &text, &len, &origin, &err) != 0) {
			cli_error("kb", "%s", err.msg);
			return EXIT_INPUT;
		}
		if (!o->quiet)
			printf("  %-32s %7zu bytes  %s\n", name, len, origin);
	}
	return EXIT_OK;
}

/* --------------------------------------------------------------------- run ---- */

static int not_found(const struct kb_cli *o, const struct cuvet_error *err)
{
	if (!o->quiet)
		cli_error("kb", "%s", err->msg);
	return err->code == CUVET_E_NOTFOUND ? EXIT_UNDETERMINED : err->code == CUVET_E_INVALID ? EXIT_USAGE : EXIT_INPUT;
}

static int run_query(const struct cuvet_ctx *ctx, const struct kb_cli *o, const char *kind, const char *arg)
{
	const struct cuvet_kb *kb = cuvet_ctx_kb(ctx);
	struct cuvet_error err = {0};
	const char *now = cuvet_ctx_today(ctx) ? cuvet_ctx_today(ctx) : "";
	char *doc = NULL; /* the JSON answer, with --json */
	bool json = o->json && !o->quiet;

	if (strcmp(kind, "driver") == 0) {
		struct cuvet_kb_driver *d = calloc(1, sizeof(*d));
		if (!d) {
			cli_error("kb", "out of memory");
			return EXIT_INPUT;
		}
		if (cuvet_kb_driver(kb, arg, d, &err) != 0) {
			free(d);
			return not_found(o, &err);
		}
		if (!d->branch_known && !d->cuda.cuda) {
			free(d);
			err.code = CUVET_E_NOTFOUND;
			snprintf(err.msg, sizeof(err.msg), "driver %s: neither its branch nor any older toolkit is in the "
				 "knowledge base", arg);
			return not_found(o, &err);
		}
		if (json)
			doc = cuvet_kb_driver_to_json(kb, arg, d, now, true, &err);
		else if (!o->quiet)
			print_driver(arg, d, now);
		free(d);
	} else if (strcmp(kind, "cuda") == 0) {
		struct cuvet_kb_cuda rel[16];
		struct cuvet_kb_cuda_arch a;
		struct cuvet_error aerr = {0};
		int n = cuvet_kb_cuda_releases(kb, arg, rel, 16, &err);
		if (n < 0)
			return not_found(o, &err);
		bool have_arch = cuvet_kb_cuda_arch(kb, arg, &a, &aerr) == 0;
		if (aerr.code && aerr.code != CUVET_E_NOTFOUND)
			return not_found(o, &aerr);
		if (n == 0 && !have_arch)
			return not_found(o, &err);
		if (n > 16)
			n = 16;
		if (json)
			doc = cuvet_kb_cuda_to_json(kb, arg, rel, (size_t)n, have_arch ? &a : NULL, true, &err);
		else if (!o->quiet)
			print_cuda(arg, rel, n, &a, have_arch);
	} else if (strcmp(kind, "gpu") == 0) {
		struct cuvet_kb_gpu_row g[16];
		int n = cuvet_kb_gpu_find(kb, arg, g, 16, &err);
		if (n <= 0)
			return not_found(o, &err);
		size_t shown = n > 16 ? 16 : (size_t)n;
		if (json)
			doc = cuvet_kb_gpu_to_json(kb, arg, g, shown, true, &err);
		else if (!o->quiet && print_gpu(kb, g, n, shown, &err) < 0) {
			cli_error("kb", "%s", err.msg);
			return EXIT_INPUT;
		}
	} else if (strcmp(kind, "image") == 0) {
		struct cuvet_kb_image im;
		if (cuvet_kb_image(kb, arg, &im, &err) != 0)
			return not_found(o, &err);
		if (json)
			doc = cuvet_kb_image_to_json(kb, arg, &im, true, &err);
		else if (!o->quiet)
			print_image(&im);
	} else if (strcmp(kind, "tensorrt") == 0 || strcmp(kind, "cudnn") == 0) {
		struct cuvet_kb_release r[32];
		bool trt = strcmp(kind, "tensorrt") == 0;
		int n = trt ? cuvet_kb_tensorrt_find(kb, arg, r, 32, &err) : cuvet_kb_cudnn_find(kb, arg, r, 32, &err);
		if (n <= 0)
			return not_found(o, &err);
		size_t shown = n > 32 ? 32 : (size_t)n;
		if (json)
			doc = trt ? cuvet_kb_tensorrt_to_json(kb, arg, r, shown, true, &err)
				  : cuvet_kb_cudnn_to_json(kb, arg, r, shown, true, &err);
		else if (!o->quiet)
			print_releases(trt ? "TensorRT" : "cuDNN", arg, r, shown);
	} else if (strcmp(kind, "show") == 0) {
		const char *text = NULL;
		size_t len = 0;
		if (cuvet_kb_file_text(kb, arg, &text, &len, NULL, &err) != 0)
			return not_found(o, &err);
		if (!o->quiet)
			fwrite(text, 1, len, stdout);
		return cli_finish(EXIT_OK);
	} else {
		cli_error("kb", "unknown question '%s' (see 'cuvet kb --help')", kind);
		return EXIT_USAGE;
	}
	if (json) {
		int rc = emit_json(doc, &err);
		if (rc != EXIT_OK)
			return rc;
	}
	return cli_finish(EXIT_OK);
}

static int cmd_kb_run(int argc, char **argv)
{
	struct kb_cli o = {0};
	int code = EXIT_OK;
	const char *operands[3] = {0};
	size_t nops = 0;
	/* Options may follow the operands ("kb driver 535.104.05 --json"): parse again after each. */
	for (;;) {
		int first = cli_parse(&cmd_kb, argc, argv, kb_handle, &o, &code);
		if (first < 0)
			return code;
		if (first >= argc)
			break;
		if (nops == 3) {
			cli_error("kb", "too many arguments (see 'cuvet kb --help')");
			return EXIT_USAGE;
		}
		operands[nops++] = argv[first];
		argc -= first;
		argv += first;
	}
	bool files = nops >= 1 && strcmp(operands[0], "files") == 0;
	if (nops == 0 || (files && nops != 1) || (!files && nops != 2)) {
		cli_error("kb", "expected a question and its argument, e.g. 'cuvet kb driver 535.104.05' (see 'cuvet kb --help')");
		return EXIT_USAGE;
	}
	struct cuvet_ctx *ctx = cli_ctx_new("kb", o.dir);
	if (!ctx)
		return EXIT_INPUT;
	int rc = files ? kb_files(cuvet_ctx_kb(ctx), &o) : run_query(ctx, &o, operands[0], operands[1]);
	cuvet_ctx_free(ctx);
	return rc == EXIT_OK ? cli_finish(rc) : rc;
}
