#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <errno.h>

#include "lock_cli.h"

enum {
	OPT_MARKDOWN = OPT_HOST_COMMON_LAST + 1,
	OPT_ARTIFACTS,
	OPT_ASSUME_UNKNOWN,
	OPT_IMAGE,
};

static const struct cli_opt verify_opts[] = {
	{"facts", 0, "FILE|DIR", OPT_FACTS, "verify a facts file (cuvet probe --json from another host) instead of probing; a directory: every *.json in it, one fleet node each"},
	{"markdown", 0, NULL, OPT_MARKDOWN, "print Markdown for a pull request: a table and a diff of what drifted"},
	{"artifacts", 0, NULL, OPT_ARTIFACTS, "also hash the lock's artifacts at their paths and compare"},
	{"assume-unknown", 0, "fail|pass", OPT_ASSUME_UNKNOWN, "policy for a component whose version is unknown: fail (default: the verdict is UNKNOWN) or pass (explicitly assumed)"},
	{"image", 0, "SOURCE", OPT_IMAGE, "verify a container of the image: its files' libraries, this host's (or --facts FILE's) "
	 "driver and GPUs (SOURCE as in 'cuvet image inspect')"},
	CLI_HOST_OPTS,
	CLI_IMAGE_OPTS,
	{0},
};

struct verify_cli {
	struct host_opts host;
	const char *fleet;      /* --facts DIR */
	const char *image;
	struct image_cli img;
	bool markdown;
	struct cuvet_lock_verify_opts vo;
};

static int verify_handle(int id, const char *arg, void *ctx)
{
	struct verify_cli *o = ctx;
	int ir = image_cli_handle(&o->img, id, arg);
	if (ir <= 0)
		return ir < 0;
	switch (id) {
	case OPT_IMAGE: o->image = arg; return 0;
	case OPT_MARKDOWN: o->markdown = true; return 0;
	case OPT_ARTIFACTS: o->vo.artifacts = true; return 0;
	case OPT_ASSUME_UNKNOWN: return lock_cli_assume("verify", arg, &o->vo.unknown_passes) ? 1 : 0;
	case OPT_FACTS: {
		struct stat st;
		if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
			o->fleet = arg;
			o->host.facts_file = NULL;
			return 0;
		}
		o->fleet = NULL;
		return host_opts_handle(&o->host, id, arg) == 0 ? 0 : 1;
	}
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The facts files of a fleet directory: its *.json entries, sorted. NULL (after saying why) on error. */
static char **fleet_files(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	char **files = NULL;
	size_t cap = 0;
	*n = 0;
	if (!d) {
		cli_error("verify", "--facts %s: %s", dir, strerror(errno));
		return NULL;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || e->d_name[0] == '.' || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (*n + 2 > cap) {
			char **t = realloc(files, (cap = cap ? cap * 2 : 16) * sizeof(*files));
			if (!t)
				goto oom;
			files = t;
		}
		size_t plen = strlen(dir) + len + 2;
		if (!(files[*n] = malloc(plen)))
			goto oom;
		snprintf(files[*n], plen, "%s/%s", dir, e->d_name);
		files[++*n] = NULL;
	}
	closedir(d);
	if (!*n) {
		cli_error("verify", "--facts %s: no *.json facts files in it", dir);
		free(files);
		return NULL;
	}
	qsort(files, *n, sizeof(*files), cmp_str);
	return files;
oom:
	closedir(d);
	cli_error("verify", "out of memory");
	for (size_t i = 0; i < *n; i++)
		free(files[i]);
	free(files);
	*n = 0;
	return NULL;
}

/* Rollback over a fleet: every lock against every node's facts. Per lock, on how many nodes it
 * would run, and for each node where not, what stops it. */
static int verify_fleet(struct verify_cli *o, char **paths, struct cuvet_lock **locks, size_t nlocks)
{
	size_t nnodes = 0;
	char **files = fleet_files(o->fleet, &nnodes);
	if (!files)
		return EXIT_INPUT;
	int code = EXIT_OK;
	struct cuvet_lock_report **reps = calloc(nlocks * nnodes, sizeof(*reps));
	struct cuvet_facts *f = NULL;
	enum cuvet_verdict worst = CUVET_PASS;
	if (!reps) {
		cli_error("verify", "out of memory");
		code = EXIT_INPUT;
		goto out;
	}
	for (size_t j = 0; j < nnodes; j++) {
		struct cuvet_error err = {0};
		if (!(f = facts_read_file(files[j], &err))) {
			cli_error("verify", "%s", err.msg);
			code = EXIT_INPUT;
			goto out;
		}
		for (size_t i = 0; i < nlocks; i++) {
			struct cuvet_lock_report *r = reps[i * nnodes + j] = cuvet_lock_verify(locks[i], f, &o->vo, &err);
			if (!r) {
				cli_error("verify", "%s: %s", paths[i], err.msg);
				code = EXIT_INPUT;
				goto out;
			}
			if (rank(r->verdict) > rank(worst))
				worst = r->verdict;
		}
		cuvet_facts_free(f);
		f = NULL;
	}
	if (!o->host.quiet && o->host.json) {
		printf("{\n  \"schema\": \"cuvet.rollback/1\",\n  \"verdict\": \"%s\",\n  \"nodes\": [\n",
		       cuvet_verdict_name(worst));
		for (size_t j = 0; j < nnodes; j++) {
			printf("    {\"facts\": \"%s\", \"locks\": [\n", files[j]);
			for (size_t i = 0; i < nlocks; i++) {
				struct cuvet_error err = {0};
				char *s = cuvet_lock_report_to_json(reps[i * nnodes + j], paths[i], &err);
				if (!s) {
					cli_error("verify", "%s", err.msg);
					code = EXIT_INPUT;
					goto out;
				}
				fputs(s, stdout);
				free(s);
				fputs(i + 1 < nlocks ? ",\n" : "\n", stdout);
			}
			printf("    ]}%s\n", j + 1 < nnodes ? "," : "");
		}
		printf("  ]\n}\n");
	} else if (!o->host.quiet) {
		for (size_t i = 0; i < nlocks; i++) {
			size_t run = 0;
			for (size_t j = 0; j < nnodes; j++)
				run += reps[i * nnodes + j]->verdict == CUVET_PASS;
			printf("%-7s %s  would run on %zu of %zu nodes\n", run == nnodes ? "PASS" : "FAIL", paths[i], run, nnodes);
			for (size_t j = 0; j < nnodes; j++) {
				const struct cuvet_lock_report *r = reps[i * nnodes + j];
				if (r->verdict == CUVET_PASS)
					continue;
				printf("          %s %s:", cuvet_verdict_name(r->verdict), files[j]);
				const char *sep = " ";
				for (size_t k = 0; k < r->nchecks; k++)
					if (r->checks[k].verdict != CUVET_PASS) {
						printf("%s%s %s (lock: %s %s)", sep, r->checks[k].component,
						       r->checks[k].actual ? r->checks[k].actual : "none",
						       cuvet_lock_policy_name(r->checks[k].policy), r->checks[k].expected);
						sep = ", ";
					}
				printf("\n");
			}
		}
	}
	if (code == EXIT_OK)
		code = cli_finish(cuvet_verdict_exit(worst));
out:
	cuvet_facts_free(f);
	for (size_t i = 0; reps && i < nlocks * nnodes; i++)
		cuvet_lock_report_free(reps[i]);
	free(reps);
	for (size_t j = 0; j < nnodes; j++)
		free(files[j]);
	free(files);
	return code;
}

static int verify_run(int argc, char **argv)
{
	struct verify_cli o = {0};
	host_opts_init(&o.host, "verify");
	image_cli_init(&o.img, "verify");
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
	if ((code = image_cli_check(&o.img, o.image)) != EXIT_OK)
		goto out;
	if (o.image && (o.host.probe.root || o.host.env_file || o.fleet)) {
		cli_error("verify", "--image verifies the image's files: it cannot be combined with %s",
			  o.host.probe.root ? "--root" : o.host.env_file ? "--env-file" : "--facts DIR");
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
	if (o.fleet) {
		if (o.markdown) {
			cli_error("verify", "--markdown takes one facts file, not a fleet directory");
			code = EXIT_USAGE;
			goto out;
		}
		code = verify_fleet(&o, argv + first, locks, n);
		goto out;
	}
	char base[4200];
	if ((code = o.image ? lock_cli_image_facts(&o.host, &o.img, o.image, &f, base, sizeof(base))
			    : lock_cli_facts(&o.host, &f)) != EXIT_OK)
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
	"--image SOURCE verifies a container of the image: its libraries, this host's driver and GPUs.\n"
	"Exit 0 when every lock verifies, 1 on drift, 3 when a fact is missing, 4 for an unreadable lock.",
	verify_opts,
	verify_run,
};
