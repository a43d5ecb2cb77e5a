/* The cuvet command: one file per subcommand, each described by a struct cli_command whose
 * option table drives both getopt_long and --help. */
#ifndef CUVET_CLI_H
#define CUVET_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

/* Exit codes (SPEC §2): the library's, the same for every command. */
enum {
	EXIT_OK = CUVET_EXIT_OK,
	EXIT_PROBLEMS = CUVET_EXIT_PROBLEMS,
	EXIT_USAGE = CUVET_EXIT_USAGE,
	EXIT_UNDETERMINED = CUVET_EXIT_UNDETERMINED,
	EXIT_INPUT = CUVET_EXIT_INPUT,
};

struct cli_opt {
	const char *name;     /* long name without "--" */
	int short_name;       /* 0 if none */
	const char *arg;      /* argument name for help, NULL if none */
	int id;               /* value handed to the command's handler */
	const char *help;
};

struct cli_command {
	const char *name;
	const char *usage;    /* "[OPTIONS] FILE..." */
	const char *summary;  /* one line */
	const char *description; /* a paragraph for --help, may be NULL */
	const struct cli_opt *opts; /* terminated by {0} */
	int (*run)(int argc, char **argv);
};

/* Options every command shares. */
enum { OPT_HELP = 1000, OPT_JSON, OPT_ROOT, OPT_QUIET, OPT_COMMON_LAST };

/* Parses argv with the command's table. For each option calls HANDLER(id, optarg, ctx);
 * a handler returning nonzero stops with EXIT_USAGE. Returns the index of the first operand,
 * or -1 (after printing) when the program should exit with *exit_code. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv,
	      int (*handler)(int id, const char *arg, void *ctx), void *ctx, int *exit_code);
void cli_usage(const struct cli_command *cmd, FILE *out);
/* Prints "cuvet CMD: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The context of a command: the knowledge base (built-in, or --kb DIR) and the date
 * (CUVET_TODAY or today). NULL after printing the error. */
struct cuvet_ctx *cli_ctx_new(const char *cmd, const char *kb_dir);

/* Flushes stdout and reports a write error; returns EXIT_INPUT on failure, else CODE. */
int cli_finish(int code);
bool cli_color(FILE *f);

extern const struct cli_command cmd_probe;
extern const struct cli_command cmd_doctor;
extern const struct cli_command cmd_check;
extern const struct cli_command cmd_engine;
/* A TensorRT engine and the provenance record beside it (PATH.cuvet.json), when there is one. */
struct engine_input {
	struct cuvet_trt_engine hdr;
	bool have_prov;
	struct cuvet_engine_provenance prov;
	char *prov_path;
};
/* Reads the TensorRT engine at PATH and its record (cmd_engine.c); the message names the file. */
int engine_input_read(const char *path, struct engine_input *in, struct cuvet_error *err);
void engine_input_release(struct engine_input *in);
/* check --engine: the engine's section of check's text, its member "engine" of check's JSON (DOC
 * is consumed; NULL on failure), and the exit status with its verdict merged into CODE. */
void engine_check_print(FILE *out, const char *path, const struct cuvet_engine_check *ec, bool color);
char *engine_json_add(char *doc, const struct cuvet_engine_check *ec, const char *path, struct cuvet_error *err);
int engine_exit_merge(int code, enum cuvet_verdict v);
extern const struct cli_command cmd_kb;
extern const struct cli_command cmd_arch;
extern const struct cli_command cmd_why;
extern const struct cli_command cmd_lock;
extern const struct cli_command cmd_verify;
extern const struct cli_command cmd_build;
extern const struct cli_command cmd_stamp;
extern const struct cli_command cmd_dockerfile;
extern const struct cli_command cmd_image;

#endif
