#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lock_cli.h"

enum {
	OPT_OUTPUT = OPT_HOST_COMMON_LAST + 1,
	OPT_ARTIFACT,
	OPT_POLICY,
	OPT_BASE_IMAGE,
	OPT_UPDATE,
	OPT_IMAGE,
};

static const struct cli_opt lock_opts[] = {
	{"output", 'o', "FILE", OPT_OUTPUT, "write the lock to FILE (default cuvet.lock; - for standard output)"},
	{"artifact", 'a', "FILE", OPT_ARTIFACT, "record FILE's sha256 and kind (repeatable)"},
	{"policy", 'p', "NAME=POLICY", OPT_POLICY, "policy of a component: exact, patch, minor, major or min (repeatable)"},
	{"base-image", 0, "REF@DIGEST", OPT_BASE_IMAGE, "record the base image the stack comes from, by digest"},
	{"update", 'u', NULL, OPT_UPDATE, "refresh an existing lock: keep its policies, artifacts and unknown fields"},
	{"facts", 0, "FILE", OPT_FACTS, "lock the stack of a facts file (cuvet probe --json) instead of probing"},
	{"image", 0, "SOURCE", OPT_IMAGE, "lock a container of the image: its files' libraries, this host's (or --facts') "
	 "driver and GPUs, the image's reference and digest as the base image (SOURCE as in 'cuvet image inspect')"},
	CLI_HOST_OPTS,
	CLI_IMAGE_OPTS,
	{0},
};

struct lock_cli {
	struct host_opts host;
	const char *output;
	const char *base_image;
	const char *image;
	struct image_cli img;
	bool update;
	const char **artifacts;
	size_t nartifacts;
	const char **policies;
	size_t npolicies;
};

static int push(const char ***arr, size_t *n, const char *s)
{
	const char **t = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!t)
		return -1;
	t[(*n)++] = s;
	*arr = t;
	return 0;
}

static int lock_handle(int id, const char *arg, void *ctx)
{
	struct lock_cli *o = ctx;
	int ir = image_cli_handle(&o->img, id, arg);
	if (ir <= 0)
		return ir < 0;
	switch (id) {
	case OPT_IMAGE: o->image = arg; return 0;
	case OPT_OUTPUT: o->output = arg; return 0;
	case OPT_BASE_IMAGE: o->base_image = arg; return 0;
	case OPT_UPDATE: o->update = true; return 0;
	case OPT_ARTIFACT: return push(&o->artifacts, &o->nartifacts, arg) ? 1 : 0;
	case OPT_POLICY: {
		const char *eq = strchr(arg, '=');
		enum cuvet_lock_policy p;
		if (!eq || eq == arg || cuvet_lock_policy_from_name(eq + 1, &p) != 0) {
			cli_error("lock", "--policy wants NAME=POLICY with POLICY one of exact, patch, minor, major, min, not '%s'",
				  arg);
			return 1;
		}
		return push(&o->policies, &o->npolicies, arg) ? 1 : 0;
	}
	default: return host_opts_handle(&o->host, id, arg) == 0 ? 0 : 1;
	}
}

/* With --update: the old lock's document (unknown fields), policies and artifacts carried into NEW. */
static int carry_old(struct cuvet_lock *lock, struct cuvet_lock *old)
{
	struct cuvet_error err = {0};
	for (size_t i = 0; i < old->ncomponents; i++)
		cuvet_lock_set_policy(lock, old->components[i].name, old->components[i].policy, NULL);
	for (size_t i = 0; i < old->nartifacts; i++)
		if (cuvet_lock_add_artifact(lock, old->artifacts[i].path, &err) != 0) {
			cli_error("lock", "artifact %s: %s", old->artifacts[i].path, err.msg);
			return EXIT_INPUT;
		}
	lock->doc = old->doc;
	old->doc = NULL;
	if (!lock->base_image && old->base_image) {
		lock->base_image = old->base_image;
		lock->base_digest = old->base_digest;
		old->base_image = old->base_digest = NULL;
	}
	return EXIT_OK;
}

static int lock_run(int argc, char **argv)
{
	struct lock_cli o = {0};
	host_opts_init(&o.host, "lock");
	image_cli_init(&o.img, "lock");
	o.output = "cuvet.lock";
	int code = EXIT_OK;
	struct cuvet_facts *f = NULL;
	struct cuvet_lock *lock = NULL, *old = NULL;
	int first = cli_parse(&cmd_lock, argc, argv, lock_handle, &o, &code);
	if (first < 0)
		goto out;
	if (first < argc) {
		cli_error("lock", "unexpected argument '%s' (see 'cuvet lock --help')", argv[first]);
		code = EXIT_USAGE;
		goto out;
	}
	if (o.update && strcmp(o.output, "-") == 0) {
		cli_error("lock", "--update reads the lock it rewrites: give it with -o FILE");
		code = EXIT_USAGE;
		goto out;
	}
	if ((code = image_cli_check(&o.img, o.image)) != EXIT_OK)
		goto out;
	if (o.image && (o.host.probe.root || o.host.env_file)) {
		cli_error("lock", "--image locks the image's files: it cannot be combined with %s",
			  o.host.probe.root ? "--root" : "--env-file");
		code = EXIT_USAGE;
		goto out;
	}
	if ((code = host_opts_finish(&o.host)) != EXIT_OK)
		goto out;
	for (size_t i = 0; i < o.nartifacts; i++)
		if ((code = cli_check_path("lock", "--artifact", o.artifacts[i], CLI_PATH_REGULAR)) != EXIT_OK)
			goto out;
	if (o.update && !(old = lock_cli_read("lock", o.output))) {
		code = EXIT_INPUT;
		goto out;
	}
	char source[4200], created[32], base[4200] = "";
	if (o.image) {
		if ((code = lock_cli_image_facts(&o.host, &o.img, o.image, &f, base, sizeof(base))) != EXIT_OK)
			goto out;
		snprintf(source, sizeof(source), "image:%s", o.image);
		if (!o.base_image && base[0])
			o.base_image = base;
	} else {
		if ((code = lock_cli_facts(&o.host, &f)) != EXIT_OK)
			goto out;
		lock_cli_source(&o.host, source, sizeof(source));
	}
	if (lock_cli_time(created, sizeof(created)) != 0) {
		cli_error("lock", "cannot tell the time (SOURCE_DATE_EPOCH must be seconds since 1970)");
		code = EXIT_INPUT;
		goto out;
	}
	struct cuvet_error err = {0};
	struct cuvet_lock_opts lo = {.source = source, .created = created, .base_image = o.base_image};
	if (!(lock = cuvet_lock_from_facts(f, &lo, &err))) {
		cli_error("lock", "%s", err.msg);
		code = err.code == CUVET_E_INVALID ? EXIT_USAGE : EXIT_INPUT;
		goto out;
	}
	if (old && (code = carry_old(lock, old)) != EXIT_OK)
		goto out;
	for (size_t i = 0; i < o.npolicies; i++) {
		const char *eq = strchr(o.policies[i], '=');
		char name[128];
		enum cuvet_lock_policy p = CUVET_POLICY_EXACT;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - o.policies[i]), o.policies[i]);
		cuvet_lock_policy_from_name(eq + 1, &p);
		if (cuvet_lock_set_policy(lock, name, p, &err) != 0) {
			cli_error("lock", "--policy %s: %s", o.policies[i], err.msg);
			code = EXIT_USAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < o.nartifacts; i++)
		if (cuvet_lock_add_artifact(lock, o.artifacts[i], &err) != 0) {
			cli_error("lock", "--artifact %s: %s", o.artifacts[i], err.msg);
			code = EXIT_INPUT;
			goto out;
		}
	if (strcmp(o.output, "-") == 0) {
		char *s = cuvet_lock_to_json(lock, &err);
		if (!s) {
			cli_error("lock", "%s", err.msg);
			code = EXIT_INPUT;
			goto out;
		}
		puts(s);
		free(s);
	} else {
		if (cuvet_lock_write(lock, o.output, &err) != 0) {
			cli_error("lock", "%s", err.msg);
			code = EXIT_INPUT;
			goto out;
		}
		char *s = o.host.json && !o.host.quiet ? cuvet_lock_to_json(lock, &err) : NULL;
		if (s)
			puts(s);
		else if (o.host.json && !o.host.quiet) {
			cli_error("lock", "%s", err.msg);
			code = EXIT_INPUT;
			goto out;
		} else if (!o.host.quiet)
			printf("wrote %s: %zu components, %zu GPUs, %zu artifacts\n", o.output, lock->ncomponents,
			       lock->ngpus, lock->nartifacts);
		free(s);
	}
	code = cli_finish(EXIT_OK);
out:
	cuvet_lock_free(lock);
	cuvet_lock_free(old);
	cuvet_facts_free(f);
	host_opts_release(&o.host);
	free(o.artifacts);
	free(o.policies);
	return code;
}

const struct cli_command cmd_lock = {
	"lock",
	"[OPTIONS] [-o FILE]",
	"write a lock (cuvet.lock/1) of this host's stack: driver, GPUs, CUDA libraries, artifacts",
	"Each component gets its exact version, where it came from and a policy: how much of the version\n"
	"another stack must share to still verify (exact, patch, minor, major, min). Defaults: TensorRT,\n"
	"cuDNN, NCCL and the compute capability exact, the driver and glibc min, other libraries minor\n"
	"(doc/lock.md). --image SOURCE locks a container of the image: the libraries are the image's,\n"
	"the driver and GPUs this host's (or --facts'), the base image the image's reference and digest.\n"
	"The file is written atomically: a crash leaves the old lock or the new one, whole.",
	lock_opts,
	lock_run,
};
