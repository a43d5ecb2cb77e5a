/* A program built against the installed libcuvet (pkg-config cuvet): probes a root, then checks a
 * requirement against its facts. tests/install/test_install.sh builds and runs it.
 * usage: consumer ROOT REQUIREMENT */
#include <stdio.h>
#include <stdlib.h>

#include <cuvet.h>
#include <cuvet_kb.h>
#include <cuvet_readers.h>

int main(int argc, char **argv)
{
	struct cuvet_error err = {0};
	struct cuvet_probe_opts opts;
	struct cuvet_facts *facts = NULL;
	struct cuvet_check *check = NULL;
	struct cuvet_ctx *ctx = NULL;
	struct cuvet_host *host = NULL;
	int status = 4;

	if (argc != 3) {
		fprintf(stderr, "usage: consumer ROOT REQUIREMENT\n");
		return 2;
	}
	cuvet_probe_opts_init(&opts);
	opts.root = argv[1];
	opts.use_nvml = false;
	opts.load_libs = false;
	facts = cuvet_probe(&opts, &err);
	if (!facts) {
		fprintf(stderr, "consumer: probe: %s\n", err.msg);
		goto out;
	}
	printf("libcuvet %s\n", cuvet_library_version());
	printf("driver %s\n", facts->driver.kernel_version ? facts->driver.kernel_version : "none");
	for (size_t i = 0; i < facts->ngpus; i++)
		printf("gpu %d %s %d.%d\n", facts->gpus[i].index, facts->gpus[i].name ? facts->gpus[i].name : "?",
		       facts->gpus[i].cc_major, facts->gpus[i].cc_minor);
	/* one context (the knowledge base, loaded once) and the host view the check reads */
	ctx = cuvet_ctx_new(NULL, &err);
	host = ctx ? cuvet_host_new(ctx, facts, NULL, &err) : NULL;
	check = host ? cuvet_check_new(&err) : NULL;
	if (!check || cuvet_check_add(check, "argv", argv[2], false, &err) != 0 ||
	    cuvet_check_eval(check, host, NULL, &err) != 0) {
		fprintf(stderr, "consumer: check: %s\n", err.msg);
		goto out;
	}
	printf("check %s: %s\n", argv[2], cuvet_verdict_name(check->verdict));
	status = cuvet_verdict_exit(check->verdict);
out:
	cuvet_check_free(check);
	cuvet_host_free(host);
	cuvet_ctx_free(ctx);
	cuvet_facts_free(facts);
	return status;
}
