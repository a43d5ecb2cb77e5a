#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock_cli.h"

enum {
	OPT_LOCK = OPT_HOST_COMMON_LAST + 1,
	OPT_IN,
	OPT_OUT,
	OPT_ASSUME_UNKNOWN,
};

static const struct cli_opt build_opts[] = {
	{"lock", 'l', "FILE", OPT_LOCK, "the lock this host must verify against before the command runs (required)"},
	{"in", 'i', "FILE", OPT_IN, "an input of the build: hashed before the command runs (repeatable)"},
	{"out", 'o', "FILE", OPT_OUT, "an output of the build: gets FILE.cuvet.json beside it (repeatable)"},
	{"assume-unknown", 0, "fail|pass", OPT_ASSUME_UNKNOWN, "a component whose version is unknown: fail (default: refuse, exit 3) or pass (build, and the record says so)"},
	CLI_HOST_OPTS,
	{0},
};

struct build_cli {
	struct host_opts host;
	const char *lock_path;
	const char **in, **out;
	size_t nin, nout;
	struct cuvet_lock_verify_opts vo;
};

static int push(const char ***arr, size_t *n, const char *s)
{
	/* one more slot for the NULL that ends the list */
	const char **t = realloc(*arr, (*n + 2) * sizeof(**arr));
	if (!t)
		return -1;
	t[(*n)++] = s;
	t[*n] = NULL;
	*arr = t;
	return 0;
}

static int build_handle(int id, const char *arg, void *ctx)
{
	struct build_cli *o = ctx;
	switch (id) {
	case OPT_LOCK: o->lock_path = arg; return 0;
	case OPT_IN: return push(&o->in, &o->nin, arg) ? 1 : 0;
	case OPT_OUT: return push(&o->out, &o->nout, arg) ? 1 : 0;
	case OPT_ASSUME_UNKNOWN: return lock_cli_assume("build", arg, &o->vo.unknown_passes) ? 1 : 0;
	default: return host_opts_handle(&o->host, id, arg) == 0 ? 0 : 1;
	}
}

/* Runs ARGV (no shell) and returns its exit status as a shell reports it (128 + signal when killed),
 * or -1 when it could not be started (errno set). */
static int run_command(char **argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		/* the parent reads 127 as "not started", as a shell does */
		fprintf(stderr, "cuvet build: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

static int build_run(int argc, char **argv)
{
	struct build_cli o = {0};
	host_opts_init(&o.host, "build");
	int code = EXIT_OK;
	struct cuvet_facts *f = NULL;
	struct cuvet_lock *lock = NULL;
	struct cuvet_lock_report *rep = NULL;
	char **digests = NULL;
	int first = cli_parse(&cmd_build, argc, argv, build_handle, &o, &code);
	if (first < 0)
		goto out;
	if (!o.lock_path) {
		cli_error("build", "--lock FILE is required: a build runs only on a stack that verifies against a lock");
		code = EXIT_USAGE;
		goto out;
	}
	if (first >= argc) {
		cli_error("build", "no command: cuvet build --lock LOCK [--in F] [--out F] -- CMD [ARG...]");
		code = EXIT_USAGE;
		goto out;
	}
	if (o.host.facts_file) {
		cli_error("build", "--facts cannot stand for the host a command runs on");
		code = EXIT_USAGE;
		goto out;
	}
	if ((code = host_opts_finish(&o.host)) != EXIT_OK)
		goto out;
	for (size_t i = 0; i < o.nin; i++)
		if ((code = cli_check_path("build", "--in", o.in[i], CLI_PATH_REGULAR)) != EXIT_OK)
			goto out;
	if (!(lock = lock_cli_read("build", o.lock_path))) {
		code = EXIT_INPUT;
		goto out;
	}
	if ((code = lock_cli_facts(&o.host, &f)) != EXIT_OK)
		goto out;
	struct cuvet_error err = {0};
	if (!(rep = cuvet_lock_verify(lock, f, &o.vo, &err))) {
		cli_error("build", "%s", err.msg);
		code = EXIT_INPUT;
		goto out;
	}
	if (rep->verdict != CUVET_PASS) {
		cli_error("build", "refusing to run: this host does not verify against %s (%s)", o.lock_path,
			  cuvet_verdict_name(rep->verdict));
		for (size_t i = 0; i < rep->nchecks; i++)
			if (rep->checks[i].verdict != CUVET_PASS)
				fprintf(stderr, "  %-7s %s: %s\n", cuvet_verdict_name(rep->checks[i].verdict),
					rep->checks[i].component, rep->checks[i].reason);
		code = cuvet_verdict_exit(rep->verdict);
		goto out;
	}
	if (o.nin && !(digests = calloc(o.nin + 1, sizeof(*digests)))) {
		cli_error("build", "out of memory");
		code = EXIT_INPUT;
		goto out;
	}
	for (size_t i = 0; i < o.nin; i++) {
		char d[72];
		if (cuvet_file_sha256(o.in[i], d, &err) != 0 || !(digests[i] = strdup(d))) {
			cli_error("build", "--in %s: %s", o.in[i], err.msg[0] ? err.msg : "out of memory");
			code = EXIT_INPUT;
			goto out;
		}
	}
	char started[32], finished[32];
	if (lock_cli_time(started, sizeof(started)) != 0) {
		cli_error("build", "cannot tell the time");
		code = EXIT_INPUT;
		goto out;
	}
	fflush(stdout);
	int status = run_command(argv + first);
	if (status < 0) {
		cli_error("build", "cannot run %s: %s", argv[first], strerror(errno));
		code = EXIT_INPUT;
		goto out;
	}
	if (status != 0) {
		cli_error("build", "%s exited with status %d: no provenance written", argv[first], status);
		code = status;
		goto out;
	}
	if (lock_cli_time(finished, sizeof(finished)) != 0)
		snprintf(finished, sizeof(finished), "%s", started);
	struct cuvet_provenance p = {
		.builder = "cuvet build", .lock = lock, .lock_path = o.lock_path, .facts = f, .verified = rep->verdict,
		.unknown_assumed = rep->nassumed, .command = argv + first, .exit_status = status, .inputs = o.in, .input_digests = (const char *const *)digests,
		.started = started, .finished = finished,
	};
	for (size_t i = 0; i < o.nout; i++) {
		char *rec = NULL;
		if (cuvet_provenance_write(&p, o.out[i], &rec, &err) != 0) {
			cli_error("build", "--out %s: %s", o.out[i], err.msg);
			code = EXIT_INPUT;
			goto out;
		}
		code = lock_cli_report_record(&o.host, rec);
		free(rec);
		if (code != EXIT_OK)
			goto out;
	}
	code = cli_finish(EXIT_OK);
out:
	for (size_t i = 0; digests && i < o.nin; i++)
		free(digests[i]);
	free(digests);
	cuvet_lock_report_free(rep);
	cuvet_lock_free(lock);
	cuvet_facts_free(f);
	host_opts_release(&o.host);
	free(o.in);
	free(o.out);
	return code;
}

const struct cli_command cmd_build = {
	"build",
	"--lock LOCK [--in FILE]... [--out FILE]... [OPTIONS] -- COMMAND [ARG...]",
	"run a build only on a stack that verifies against a lock, then write provenance for its outputs",
	"The host is verified first; on drift nothing runs and the drift is explained (exit 1; 3 when a\n"
	"fact is missing). COMMAND runs without a shell and its exit status is passed on. For each --out,\n"
	"FILE.cuvet.json records the command, the stack, the GPUs, the driver, the inputs and outputs\n"
	"with their sha256 and the time (cuvet.provenance/1, an in-toto statement with an SLSA v1 predicate).",
	build_opts,
	build_run,
};
