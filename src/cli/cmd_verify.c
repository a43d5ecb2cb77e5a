#include <stdlib.h>
#include <string.h>

#include "lock_cli.h"

enum {
	OPT_MARKDOWN = OPT_HOST_COMMON_LAST + 1,
	OPT_ARTIFACTS,
};

static const struct cli_opt verify_opts[] = {
	{"facts", 0, "FILE", OPT_FACTS, "verify a facts file (cuvet probe --json from another host or a fleet node) instead of probing"},
	{"markdown", 0, NULL, OPT_MARKDOWN, "print Markdown for a pull request: a table and a diff of what drifted"},
	{"artifacts", 0, NULL, OPT_ARTIFACTS, "also hash the lock's artifacts at their paths and compare"},
	CLI_HOST_OPTS,
	{0},
};

struct verify_cli {
	struct host_opts host;
	bool markdown;
	struct cuvet_lock_verify_opts vo;
};

static int verify_handle(int id, const char *arg, void *ctx)
{
	struct verify_cli *o = ctx;
	switch (id) {
	case OPT_MARKDOWN: o->markdown = true; return 0;
	case OPT_ARTIFACTS: o->vo.artifacts = true; return 0;
	default: return host_opts_handle(&o->host, id, arg) == 0 ? 0 : 1;
	}
}

static int rank(enum cuvet_verdict v)
{
	return v == CUVET_PASS ? 0 : v == CUVET_UNKNOWN ? 1 : v == CUVET_ERROR ? 2 : 3;
}

/* Several locks: the rollback question, which of these releases would still run here. One line per
 * lock, and for one that would not, the components that stop it. */
static void rollback_text(FILE *out, char **paths, struct cuvet_lock **locks, struct cuvet_lock_report **reps, size_t n)
{
	size_t w = 4;
	for (size_t i = 0; i < n; i++)
		if (strlen(paths[i]) > w && strlen(paths[i]) <= 48)
			w = strlen(paths[i]);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cuvet_lock_report *r = reps[i];
		run += r->verdict == CUVET_PASS;
		fprintf(out, "%-7s %-*s  %s%s%s\n", cuvet_verdict_name(r->verdict), (int)w, paths[i],
			r->verdict == CUVET_PASS ? "would run here" : r->verdict == CUVET_FAIL ? "would not run here" : "cannot tell",
			locks[i]->created ? ", locked " : "", locks[i]->created ? locks[i]->created : "");
		for (size_t j = 0; j < r->nchecks; j++)
			if (r->checks[j].verdict != CUVET_PASS)
				fprintf(out, "          %s: %s\n", r->checks[j].component, r->checks[j].reason);
	}
	fprintf(out, "%zu of %zu locked releases would run here\n", run, n);
}

static int verify_run(int argc, char **argv)
{
	struct verify_cli o = {0};
	host_opts_init(&o.host, "verify");
	int code = EXIT_OK;
	struct cuvet_facts *f = NULL;
	struct cuvet_lock **locks = NULL;
	struct cuvet_lock_report **reps = NULL;
	size_t n = 0;
	int first = cli_parse(&cmd_verify, argc, argv, verify_handle, &o, &code);
	if (first < 0)
		goto out;
	if (first >= argc) {
		cli_error("verify", "which lock? (cuvet verify LOCK [LOCK...]; see 'cuvet verify --help')");
		code = EXIT_USAGE;
		goto out;
	}
	if (o.markdown && o.host.json) {
		cli_error("verify", "--markdown and --json exclude each other");
		code = EXIT_USAGE;
		goto out;
	}
	if ((code = host_opts_finish(&o.host)) != EXIT_OK)
		goto out;
	size_t want = (size_t)(argc - first);
	if (!(locks = calloc(want, sizeof(*locks))) || !(reps = calloc(want, sizeof(*reps)))) {
		cli_error("verify", "out of memory");
		code = EXIT_INPUT;
		goto out;
	}
	for (; n < want; n++)
		if (!(locks[n] = lock_cli_read("verify", argv[first + (int)n]))) {
			code = EXIT_INPUT;
			goto out;
		}
	if ((code = lock_cli_facts(&o.host, &f)) != EXIT_OK)
		goto out;
	enum cuvet_verdict worst = CUVET_PASS;
	for (size_t i = 0; i < n; i++) {
		struct cuvet_error err = {0};
		if (!(reps[i] = cuvet_lock_verify(locks[i], f, &o.vo, &err))) {
			cli_error("verify", "%s: %s", argv[first + (int)i], err.msg);
			code = EXIT_INPUT;
			goto out;
		}
		if (rank(reps[i]->verdict) > rank(worst))
			worst = reps[i]->verdict;
	}
	if (!o.host.quiet) {
		if (o.host.json) {
			/* one lock: its report; several: {"schema": "cuvet.rollback/1", "locks": [reports]} */
			if (n > 1)
				printf("{\n  \"schema\": \"cuvet.rollback/1\",\n  \"verdict\": \"%s\",\n  \"locks\": [\n",
				       cuvet_verdict_name(worst));
			for (size_t i = 0; i < n; i++) {
				struct cuvet_error err = {0};
				char *s = cuvet_lock_report_to_json(reps[i], argv[first + (int)i], &err);
				if (!s) {
					cli_error("verify", "%s", err.msg);
					code = EXIT_INPUT;
					goto out;
				}
				fputs(s, stdout);
				free(s);
				fputs(n > 1 && i + 1 < n ? ",\n" : "\n", stdout);
			}
			if (n > 1)
				printf("  ]\n}\n");
		} else if (o.markdown) {
			for (size_t i = 0; i < n; i++) {
				if (i)
					putchar('\n');
				lock_report_markdown(stdout, argv[first + (int)i], locks[i], reps[i]);
			}
		} else if (n == 1) {
			lock_report_text(stdout, argv[first], locks[0], reps[0], cli_color(stdout));
		} else {
			rollback_text(stdout, argv + first, locks, reps, n);
		}
	}
	code = cli_finish(cuvet_verdict_exit(worst));
out:
	for (size_t i = 0; i < n; i++) {
		cuvet_lock_free(locks[i]);
		if (reps)
			cuvet_lock_report_free(reps[i]);
	}
	free(locks);
	free(reps);
	cuvet_facts_free(f);
	host_opts_release(&o.host);
	return code;
}

const struct cli_command cmd_verify = {
	"verify",
	"[OPTIONS] LOCK [LOCK...]",
	"verify this host (or a facts file) against a lock: PASS, FAIL or UNKNOWN per component",
	"Each component of the lock is checked under its policy. With several locks (the releases kept for\n"
	"a rollback), one line per lock says whether that release would still run here, and why not.\n"
	"Exit 0 when every lock verifies, 1 on drift, 3 when a fact is missing, 4 for an unreadable lock.",
	verify_opts,
	verify_run,
};
