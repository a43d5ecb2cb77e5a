#include <stdlib.h>

#include "common.h"

enum { OPT_GPU_CODE = OPT_HOST_COMMON_LAST + 1 };

static const struct cli_opt probe_opts[] = {
	{"gpu-code", 0, NULL, OPT_GPU_CODE, "also read the GPU code (fatbin targets) of the libraries programs would load"},
	CLI_HOST_OPTS,
	{0},
};

static int probe_handle(int id, const char *arg, void *ctx)
{
	struct host_opts *o = ctx;
	if (id == OPT_GPU_CODE) {
		o->probe.read_gpu_code = true;
		return 0;
	}
	return host_opts_handle(o, id, arg) == 0 ? 0 : 1;
}

static int probe_run(int argc, char **argv)
{
	struct host_opts o;
	host_opts_init(&o, "probe");
	int code = EXIT_OK;
	int first = cli_parse(&cmd_probe, argc, argv, probe_handle, &o, &code);
	if (first < 0)
		return code;
	if (first < argc) {
		cli_error("probe", "unexpected argument '%s' (see 'cuvet probe --help')", argv[first]);
		return EXIT_USAGE;
	}
	if ((code = host_opts_finish(&o)) != EXIT_OK)
		return code;
	struct cuvet_error err = {0};
	struct cuvet_facts *f = cuvet_probe(&o.probe, &err);
	if (!f) {
		cli_error("probe", "%s", err.msg);
		host_opts_release(&o);
		return EXIT_INPUT;
	}
	code = EXIT_OK;
	if (!o.quiet) {
		if (o.json) {
			char *s = cuvet_facts_to_json(f, true, &err);
			if (!s) {
				cli_error("probe", "%s", err.msg);
				code = EXIT_INPUT;
			} else {
				puts(s);
				free(s);
			}
		} else {
			print_facts_text(stdout, f);
		}
	}
	cuvet_facts_free(f);
	host_opts_release(&o);
	return cli_finish(code);
}

const struct cli_command cmd_probe = {
	"probe",
	"[OPTIONS]",
	"print the facts of this host: driver, GPUs, CUDA libraries, toolkits, environment",
	"Facts only, with where each came from; `cuvet doctor` judges them. --json prints the\n"
	"cuvet.facts/1 document that `cuvet check --facts` reads (doc/facts.md).",
	probe_opts,
	probe_run,
};
