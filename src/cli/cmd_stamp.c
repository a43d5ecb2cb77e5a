#include <stdlib.h>
#include <string.h>

#include "lock_cli.h"

enum {
	OPT_LOCK = OPT_HOST_COMMON_LAST + 1,
	OPT_IN,
	OPT_PROBE,
};

static const struct cli_opt stamp_opts[] = {
	{"lock", 'l', "FILE", OPT_LOCK, "the lock the artifact was built under (required)"},
	{"in", 'i', "FILE", OPT_IN, "an input the artifact was built from (repeatable)"},
	{"facts", 0, "FILE", OPT_FACTS, "record the stack of this facts file (the build host's) and verify it against the lock"},
	{"probe", 0, NULL, OPT_PROBE, "record this host's stack (probed) and verify it against the lock"},
	CLI_HOST_OPTS,
	{0},
};

struct stamp_cli {
	struct host_opts host;
	const char *lock_path;
	const char **in;
	size_t nin;
	bool probe;
};

static int stamp_handle(int id, const char *arg, void *ctx)
{
	struct stamp_cli *o = ctx;
	switch (id) {
	case OPT_LOCK: o->lock_path = arg; return 0;
	case OPT_PROBE: o->probe = true; return 0;
	case OPT_IN: {
		const char **t = realloc(o->in, (o->nin + 2) * sizeof(*o->in));
		if (!t)
			return 1;
		t[o->nin++] = arg;
		t[o->nin] = NULL;
		o->in = t;
		return 0;
	}
	default: return host_opts_handle(&o->host, id, arg) == 0 ? 0 : 1;
	}
}

static int stamp_run(int argc, char **argv)
{
	struct stamp_cli o = {0};
	host_opts_init(&o.host, "stamp");
	int code = EXIT_OK;
	struct cuvet_facts *f = NULL;
	struct cuvet_lock *lock = NULL;
	struct cuvet_lock_report *rep = NULL;
	int first = cli_parse(&cmd_stamp, argc, argv, stamp_handle, &o, &code);
	if (first < 0)
		goto out;
	if (!o.lock_path) {
		cli_error("stamp", "--lock FILE is required");
		code = EXIT_USAGE;
		goto out;
	}
	if (first >= argc) {
		cli_error("stamp", "which file? (cuvet stamp FILE... --lock LOCK)");
		code = EXIT_USAGE;
		goto out;
	}
	if (o.host.probe_option && !o.probe) {
		cli_error("stamp", "%s steers a probe: add --probe", o.host.probe_option);
		code = EXIT_USAGE;
		goto out;
	}
	if ((code = host_opts_finish(&o.host)) != EXIT_OK)
		goto out;
	for (int i = first; i < argc; i++)
		if ((code = cli_check_path("stamp", "FILE", argv[i], CLI_PATH_REGULAR)) != EXIT_OK)
			goto out;
	for (size_t i = 0; i < o.nin; i++)
		if ((code = cli_check_path("stamp", "--in", o.in[i], CLI_PATH_REGULAR)) != EXIT_OK)
			goto out;
	if (!(lock = lock_cli_read("stamp", o.lock_path))) {
		code = EXIT_INPUT;
		goto out;
	}
	struct cuvet_error err = {0};
	if (o.probe || o.host.facts_file) {
		if ((code = lock_cli_facts(&o.host, &f)) != EXIT_OK)
			goto out;
		if (!(rep = cuvet_lock_verify(lock, f, NULL, &err))) {
			cli_error("stamp", "%s", err.msg);
			code = EXIT_INPUT;
			goto out;
		}
	}
	char now[32];
	if (lock_cli_time(now, sizeof(now)) != 0) {
		cli_error("stamp", "cannot tell the time");
		code = EXIT_INPUT;
		goto out;
	}
	/* an artifact built elsewhere: the time is the stamp's, not the build's */
	struct cuvet_provenance p = {
		.builder = "cuvet stamp", .lock = lock, .lock_path = o.lock_path, .facts = f,
		.verified = rep ? rep->verdict : CUVET_UNKNOWN, .inputs = o.in, .finished = now,
	};
	for (int i = first; i < argc; i++) {
		char *rec = NULL;
		if (cuvet_provenance_write(&p, argv[i], &rec, &err) != 0) {
			cli_error("stamp", "%s: %s", argv[i], err.msg);
			code = EXIT_INPUT;
			goto out;
		}
		code = lock_cli_report_record(&o.host, rec);
		free(rec);
		if (code != EXIT_OK)
			goto out;
	}
	/* the record is written either way; a stack that does not verify is said by the exit status */
	if (rep && rep->verdict != CUVET_PASS) {
		cli_error("stamp", "the stack recorded does not verify against %s (%s)", o.lock_path,
			  cuvet_verdict_name(rep->verdict));
		code = cli_finish(cuvet_verdict_exit(rep->verdict));
		goto out;
	}
	code = cli_finish(EXIT_OK);
out:
	cuvet_lock_report_free(rep);
	cuvet_lock_free(lock);
	cuvet_facts_free(f);
	host_opts_release(&o.host);
	free(o.in);
	return code;
}

const struct cli_command cmd_stamp = {
	"stamp",
	"FILE... --lock LOCK [OPTIONS]",
	"write a provenance record (FILE.cuvet.json) for an artifact built elsewhere under a lock",
	"The record names the artifact's sha256 and kind, the lock (with its sha256) and the stack: the\n"
	"lock's own, or with --facts FILE / --probe the one given, verified against the lock.",
	stamp_opts,
	stamp_run,
};
