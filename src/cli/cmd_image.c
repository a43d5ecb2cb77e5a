/* cuvet image inspect SRC: what an image carries, from its config and its files (the analysis is
 * the library's cuvet_image_report; this file only formats it: text, cuvet.image/1 JSON, or the
 * Markdown dependency list a repository keeps beside its Dockerfile). */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "image_cli.h"

enum { OPT_MARKDOWN = OPT_IMG_LAST + 1, OPT_KB, OPT_NO_GPU_CODE };

static const struct cli_opt image_opts[] = {
	{"json", 0, NULL, OPT_JSON, "print JSON (schema cuvet.image/1) instead of text"},
	{"markdown", 0, NULL, OPT_MARKDOWN, "print the dependency list as Markdown (component, version, where from)"},
	CLI_IMAGE_OPTS,
	{"no-gpu-code", 0, NULL, OPT_NO_GPU_CODE, "do not read the GPU code (fatbin targets) of the image's libraries"},
	{"kb", 0, "DIR", OPT_KB, "read the knowledge-base tables from DIR instead of the built-in copy"},
	{"quiet", 'q', NULL, OPT_QUIET, "print nothing; only the exit status tells"},
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

struct image_cmd {
	struct image_cli img;
	bool json, markdown, quiet, no_gpu_code;
	const char *kb_dir;
};

static int image_handle(int id, const char *arg, void *ctx)
{
	struct image_cmd *o = ctx;
	int rc = image_cli_handle(&o->img, id, arg);
	if (rc <= 0)
		return rc < 0;
	switch (id) {
	case OPT_JSON: o->json = true; return 0;
	case OPT_MARKDOWN: o->markdown = true; return 0;
	case OPT_QUIET: o->quiet = true; return 0;
	case OPT_NO_GPU_CODE: o->no_gpu_code = true; return 0;
	case OPT_KB: o->kb_dir = arg; return 0;
	default: return 1;
	}
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void print_platform(FILE *out, const struct cuvet_image_info *in)
{
	fprintf(out, "%s/%s%s%s", or_dash(in->os), or_dash(in->architecture), in->variant && *in->variant ? "/" : "",
		in->variant ? in->variant : "");
}

/* Where a component's version comes from, in words. */
static void print_from(FILE *out, const struct cuvet_image_component *c, bool markdown)
{
	const char *q = markdown ? "`" : "";
	if (c->path)
		fprintf(out, "file %s%s%s (%s)", q, c->path, q, or_dash(c->version_source));
	else
		fprintf(out, "%s %s%s%s", c->source, q, or_dash(c->version_source), q);
}

/* The compute capabilities the image's code runs on, grouped by architecture: "Hopper 9.0". */
static void print_ccs(FILE *out, const struct cuvet_image_report *r, int want, const char *sep)
{
	const char *prev = NULL;
	bool any = false;
	for (size_t i = 0; i < r->nccs; i++) {
		const struct cuvet_image_cc *c = &r->ccs[i];
		int kind = c->sass ? 2 : c->runs ? 1 : 0;
		if (kind != want)
			continue;
		const char *arch = c->architecture[0] ? c->architecture : "unknown";
		if (!prev || strcmp(prev, arch) != 0)
			fprintf(out, "%s%s %u.%u", any ? sep : "", arch, c->major, c->minor);
		else
			fprintf(out, " %u.%u", c->major, c->minor);
		prev = arch;
		any = true;
	}
	if (!any)
		fputs("none", out);
}

static void print_kb_facts(FILE *out, const struct cuvet_kb_image *k)
{
	const struct {
		const char *name;
		const struct cuvet_kb_fact *f;
	} facts[] = {{"CUDA", &k->cuda},         {"cuDNN", &k->cudnn}, {"TensorRT", &k->tensorrt},
		     {"cuBLAS", &k->cublas},     {"NCCL", &k->nccl},   {"framework", &k->framework},
		     {"Python", &k->python},     {"Ubuntu", &k->ubuntu}, {"minimum driver", &k->min_driver}};
	bool first = true;
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (!facts[i].f->value)
			continue;
		fprintf(out, "%s%s %s%s", first ? "" : ", ", facts[i].name, facts[i].f->value,
			facts[i].f->unverified ? " [unverified]" : "");
		first = false;
	}
	if (first && k->require_cuda)
		fputs("its NVIDIA_REQUIRE_CUDA only", out);
	else if (first)
		fputs("no versions", out);
}

/* "nvcr.io/nvidia/tensorrt:23.09-py3"; the CUDA images' table names the whole reference as the image. */
static void print_kb_ref(FILE *out, const struct cuvet_kb_image *k)
{
	fprintf(out, "%s%s%s", k->image ? k->image : "", k->tag ? ":" : "", k->tag ? k->tag : "");
}

static void print_text(FILE *out, const struct cuvet_image_report *r)
{
	const struct cuvet_image_info *in = r->info;
	fprintf(out, "image     %s%s%s%s\n", in->source, in->ref ? " (" : "", in->ref ? in->ref : "", in->ref ? ")" : "");
	fputs("platform  ", out);
	print_platform(out, in);
	fputc('\n', out);
	if (in->index_digest)
		fprintf(out, "index     %s\n", in->index_digest);
	if (in->manifest_digest)
		fprintf(out, "manifest  %s\n", in->manifest_digest);
	if (in->config_digest)
		fprintf(out, "config    %s\n", in->config_digest);
	if (in->created)
		fprintf(out, "created   %s\n", in->created);
	fprintf(out, "layers    %zu%s\n", in->nlayers, r->facts ? "" : " (files not read)");

	fputs("\nconfig\n", out);
	if (!r->nclaims)
		fputs("  nothing about NVIDIA components\n", out);
	for (size_t i = 0; i < r->nclaims; i++) {
		char key[256];
		snprintf(key, sizeof(key), "%s%s", r->claims[i].label ? "label " : "", r->claims[i].key);
		fprintf(out, "  %-30s %s\n", key, r->claims[i].value);
	}

	fputs("\ncomponents (the image's files win over its config)\n", out);
	if (!r->ncomponents)
		fputs("  none found\n", out);
	for (size_t i = 0; i < r->ncomponents; i++) {
		const struct cuvet_image_component *c = &r->components[i];
		fprintf(out, "  %-12s %-14s ", c->component, or_dash(c->version));
		print_from(out, c, false);
		if (c->cuda_major)
			fprintf(out, ", CUDA %d", c->cuda_major);
		fputc('\n', out);
	}

	if (r->nmismatches) {
		fputs("\nconfig and files disagree\n", out);
		for (size_t i = 0; i < r->nmismatches; i++) {
			const struct cuvet_image_mismatch *m = &r->mismatches[i];
			fprintf(out, "  %s: %s%s says %s, but %s is %s (%s)\n", m->claim->family, m->claim->label ? "label " : "",
				m->claim->key, m->claim->value, m->lib->path, or_dash(m->lib->version),
				or_dash(m->lib->version_source));
		}
	}

	if (r->kb_known) {
		fputs("\nknowledge base  ", out);
		print_kb_ref(out, &r->kb);
		fprintf(out, " (%s): ", r->kb.table);
		print_kb_facts(out, &r->kb);
		fputc('\n', out);
	}

	if (r->ngpu_libs) {
		fputs("\nGPU code\n", out);
		for (size_t i = 0; i < r->ngpu_libs; i++) {
			const struct cuvet_lib *l = r->gpu_libs[i];
			fprintf(out, "  %s:", l->path);
			for (int pass = 0; pass < 2; pass++)
				for (size_t g = 0; g < l->ngpu_code; g++) {
					const struct cuvet_lib_gpu_code *c = &l->gpu_code[g];
					if ((c->kind == CUVET_FATBIN_ELF) != (pass == 0))
						continue;
					fprintf(out, " %s_%u%s", pass == 0 ? "sm" : "compute", c->sm,
						c->variant == 'a' ? "a" : c->variant == 'f' ? "f" : "");
				}
			fputc('\n', out);
		}
		fputs("  runs from SASS on  ", out);
		print_ccs(out, r, 2, ", ");
		fputs("\n  runs by PTX JIT on ", out);
		print_ccs(out, r, 1, ", ");
		fputs("\n  does not run on    ", out);
		print_ccs(out, r, 0, ", ");
		fputc('\n', out);
	}

	if (r->min_driver)
		fprintf(out, "\nminimum driver  %s\n", r->min_driver->driver);
	else
		fputs("\nminimum driver  unknown (nothing in the image gives one)\n", out);
	for (size_t i = 0; i < r->nfloors; i++)
		fprintf(out, "  %s %-10s %s\n", &r->floors[i] == r->min_driver ? "*" : r->floors[i].jit_only ? "~" : " ",
			r->floors[i].driver, r->floors[i].evidence);
	for (size_t i = 0; i < r->nfloors; i++)
		if (r->floors[i].jit_only) {
			fputs("  (~: only for the GPUs that JIT-compile the image's PTX; not part of the minimum)\n", out);
			break;
		}

	if (r->nnotes) {
		fputs("\nnotes\n", out);
		for (size_t i = 0; i < r->nnotes; i++)
			fprintf(out, "  - %s\n", r->notes[i]);
	}
}

/* Markdown table cells: a '|' inside one would end it. */
static void md_cell(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static void print_markdown(FILE *out, const struct cuvet_image_report *r)
{
	const struct cuvet_image_info *in = r->info;
	fputs("## Dependencies of ", out);
	fputs(in->ref ? in->ref : in->source, out);
	fputs("\n\n", out);
	fputs("Platform `", out);
	print_platform(out, in);
	fputs("`", out);
	if (in->manifest_digest)
		fprintf(out, ", manifest `%s`", in->manifest_digest);
	if (in->config_digest)
		fprintf(out, ", config `%s`", in->config_digest);
	fputs(".\n\n| component | version | from |\n|---|---|---|\n", out);
	for (size_t i = 0; i < r->ncomponents; i++) {
		const struct cuvet_image_component *c = &r->components[i];
		fputs("| ", out);
		md_cell(out, c->component);
		fputs(" | ", out);
		md_cell(out, or_dash(c->version));
		fputs(" | ", out);
		if (c->path) {
			fputs("file `", out);
			md_cell(out, c->path);
			fputs("`", out);
		} else {
			fprintf(out, "%s `", c->source);
			md_cell(out, c->version_source);
			fputs("`", out);
		}
		fputs(" |\n", out);
	}
	for (size_t i = 0; i < r->nclaims; i++)
		if (strncmp(r->claims[i].key, "NVIDIA_REQUIRE_", 15) == 0) {
			fprintf(out, "\n`%s`: `", r->claims[i].key);
			md_cell(out, r->claims[i].value);
			fputs("`\n", out);
		}
	if (r->min_driver)
		fprintf(out, "\nMinimum driver: **%s** (%s).\n", r->min_driver->driver, r->min_driver->evidence);
	if (r->ngpu_libs) {
		fputs("\nGPU code: SASS for ", out);
		print_ccs(out, r, 2, "; ");
		fputs("; PTX JIT on ", out);
		print_ccs(out, r, 1, "; ");
		fputs(".\n", out);
	}
	if (r->kb_known) {
		fprintf(out, "\nKnowledge base (%s), ", r->kb.table);
		print_kb_ref(out, &r->kb);
		fputs(": ", out);
		print_kb_facts(out, &r->kb);
		fputs(".\n", out);
	}
	if (r->nmismatches) {
		fputs("\n**The config and the files disagree:**\n\n", out);
		for (size_t i = 0; i < r->nmismatches; i++) {
			const struct cuvet_image_mismatch *m = &r->mismatches[i];
			fprintf(out, "- %s: %s `%s=%s`, file `%s` is %s\n", m->claim->family, m->claim->label ? "label" : "env",
				m->claim->key, m->claim->value, m->lib->path, or_dash(m->lib->version));
		}
	}
}

static int inspect(struct image_cmd *o, const char *src)
{
	int code = EXIT_OK;
	struct cuvet_ctx *ctx = cli_ctx_new("image", o->kb_dir);
	if (!ctx)
		return EXIT_INPUT;
	struct cuvet_image *img = image_cli_open(&o->img, src, &code);
	if (!img) {
		cuvet_ctx_free(ctx);
		return code;
	}
	struct cuvet_error err = {0};
	struct cuvet_image_report_opts ro = {.gpu_code = !o->no_gpu_code};
	struct cuvet_image_report *r = cuvet_image_report_new(ctx, img, &ro, &err);
	if (!r) {
		cli_error("image", "%s: %s", src, err.msg);
		code = EXIT_INPUT;
		goto out;
	}
	/* The config and the files disagreeing is a problem found (SPEC §2). */
	code = r->nmismatches ? EXIT_PROBLEMS : EXIT_OK;
	if (o->quiet) {
	} else if (o->json) {
		char *s = cuvet_image_report_to_json(r, true, &err);
		if (!s) {
			cli_error("image", "%s", err.msg);
			code = EXIT_INPUT;
		} else {
			puts(s);
			free(s);
		}
	} else if (o->markdown) {
		print_markdown(stdout, r);
	} else {
		print_text(stdout, r);
	}
	cuvet_image_report_free(r);
out:
	cuvet_image_free(img);
	cuvet_ctx_free(ctx);
	return cli_finish(code);
}

static int image_run(int argc, char **argv)
{
	struct image_cmd o;
	memset(&o, 0, sizeof(o));
	image_cli_init(&o.img, "image");
	int code = EXIT_OK;
	int first = cli_parse(&cmd_image, argc, argv, image_handle, &o, &code);
	if (first < 0)
		return code;
	if (first >= argc) {
		cli_error("image", "missing subcommand (see 'cuvet image --help')");
		return EXIT_USAGE;
	}
	if (strcmp(argv[first], "inspect") != 0) {
		cli_error("image", "unknown subcommand '%s' (see 'cuvet image --help')", argv[first]);
		return EXIT_USAGE;
	}
	if (argc - first != 2) {
		cli_error("image", "inspect wants one image source (see 'cuvet image --help')");
		return EXIT_USAGE;
	}
	if (o.json && o.markdown) {
		cli_error("image", "--json and --markdown exclude each other");
		return EXIT_USAGE;
	}
	return inspect(&o, argv[first + 1]);
}

const struct cli_command cmd_image = {
	"image",
	"inspect [OPTIONS] SOURCE",
	"what a container image carries: CUDA, cuDNN, TensorRT, NCCL from its files and config, GPU code, driver floor",
	"SOURCE is named as skopeo names it: docker-archive:FILE (docker save), oci:DIR[:TAG], oci-archive:FILE,\n"
	"docker://REF (a registry: manifest and config only, unless --layers). Nothing is extracted to disk and\n"
	"nothing in the image runs. The image's files win over its config: where NV_CUDNN_VERSION, CUDA_VERSION,\n"
	"NCCL_VERSION, ... or a label claim another version than the file found, both are shown and the exit\n"
	"status is 1. --markdown prints the per-image dependency list to keep in a repository.",
	image_opts,
	image_run,
};
