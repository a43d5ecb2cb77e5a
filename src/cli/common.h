/* Options and output shared by the commands that probe a host (probe, doctor). */
#ifndef CUVET_CLI_COMMON_H
#define CUVET_CLI_COMMON_H

#include "cli.h"

enum {
	OPT_ENV_FILE = OPT_COMMON_LAST + 1,
	OPT_NO_NVML,
	OPT_TIMEOUT,
	OPT_NVML_LIB,
	OPT_NO_LOAD,
	OPT_FACTS,
	OPT_HOST_COMMON_LAST,
};

#define CLI_HOST_OPTS                                                                                              \
	{"json", 0, NULL, OPT_JSON, "print JSON instead of text"},                                                 \
	{"root", 0, "DIR", OPT_ROOT, "read the filesystem under DIR (a container rootfs, a fixture) instead of /"}, \
	{"env-file", 0, "FILE", OPT_ENV_FILE, "take the environment from FILE (Docker's --env-file rules; a NAME alone takes cuvet's own value) instead of this process's"}, \
	{"no-nvml", 0, NULL, OPT_NO_NVML, "do not ask NVML; GPU facts come from /sys and /proc"},                  \
	{"timeout", 0, "SECONDS", OPT_TIMEOUT, "deadline for NVML (default 5)"},                                  \
	{"nvml-lib", 0, "PATH", OPT_NVML_LIB, "load NVML from PATH (default libnvidia-ml.so.1)"},                  \
	{"no-load", 0, NULL, OPT_NO_LOAD, "load no host library for a version call: no libcuda cuDriverGetVersion (NVML: see --no-nvml)"}, \
	{"quiet", 'q', NULL, OPT_QUIET, "print nothing; only the exit status tells"},                              \
	{"help", 'h', NULL, OPT_HELP, "show this help"}

struct host_opts {
	struct cuvet_probe_opts probe;
	bool json, quiet;
	const char *probe_option; /* the last option that only a probe uses (--root, --no-nvml, ...) */
	char *env_file;
	const char *facts_file; /* --facts: read facts instead of probing */
	char **env;       /* from --env-file, NULL-terminated */
	const char *cmd;
};

void host_opts_init(struct host_opts *o, const char *cmd);
/* Handles the CLI_HOST_OPTS ids; returns 1 when ID is not one of them, -1 on a bad value. */
int host_opts_handle(struct host_opts *o, int id, const char *arg);
/* Reads --env-file; returns an exit code (EXIT_OK when fine). */
int host_opts_finish(struct host_opts *o);
void host_opts_release(struct host_opts *o);
/* Reads KEY=VALUE lines into a NULL-terminated array. */
char **env_file_read(const char *path, struct cuvet_error *err);
void env_free(char **env);

enum cli_path_kind {
	CLI_PATH_DIR,     /* a directory */
	CLI_PATH_FILE,    /* anything readable that is not a directory (a pipe, /dev/stdin) */
	CLI_PATH_REGULAR, /* a regular file */
};
/* Checks the path an option names; prints "cuvet CMD: OPTION PATH: why" and returns EXIT_INPUT
 * when it is missing or of the wrong kind, else EXIT_OK. */
int cli_check_path(const char *cmd, const char *option, const char *path, enum cli_path_kind kind);

void print_facts_text(FILE *out, const struct cuvet_facts *f);
/* "from NVML", "inferred from the driver version ..." for facts->driver.cuda_driver_source. */
const char *cuda_source_text(const char *source);
/* Reads a cuvet.facts/1 JSON file ("-" for standard input). */
struct cuvet_facts *facts_read_file(const char *path, struct cuvet_error *err);

/* The processes of the frameworks installed in the root O probed (today `import torch`,
 * cuvet_why_resolve_python), in O's environment, for cuvet_host_opts.frameworks. Asked only when
 * the facts F list a pip or conda library copy (a framework's wheels bring them); a framework that
 * is not installed is left out. Returns EXIT_OK with *OUT (free with frameworks_free) and *N, or
 * EXIT_INPUT after saying why. */
int frameworks_resolve(const struct host_opts *o, const struct cuvet_facts *f, const struct cuvet_kb *kb,
		       struct cuvet_why ***out, size_t *n);
void frameworks_free(struct cuvet_why **w, size_t n);

#endif
