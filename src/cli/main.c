#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int cmd_help_run(int argc, char **argv);
static int cmd_version_run(int argc, char **argv);

static const struct cli_opt no_opts[] = {
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

static const struct cli_command cmd_help = {
	"help", "[COMMAND]", "show help for cuvet or one command", NULL, no_opts, cmd_help_run,
};
static const struct cli_command cmd_version = {
	"version", "", "print version, build flags and knowledge-base date", NULL, no_opts, cmd_version_run,
};

static const struct cli_command *const commands[] = {
	&cmd_doctor,
	&cmd_probe,
	&cmd_check,
	&cmd_kb,
	&cmd_arch,
	&cmd_why,
	&cmd_engine,
	&cmd_lock,
	&cmd_verify,
	&cmd_build,
	&cmd_stamp,
	&cmd_dockerfile,
	&cmd_image,
	&cmd_version,
	&cmd_help,
};

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "cuvet%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cli_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f));
}

int cli_finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "cuvet: error writing output: %s\n", strerror(errno));
		return EXIT_INPUT;
	}
	return code;
}

void cli_usage(const struct cli_command *cmd, FILE *out)
{
	fprintf(out, "Usage: cuvet %s %s\n\n%s.\n", cmd->name, cmd->usage, cmd->summary);
	if (cmd->description)
		fprintf(out, "\n%s\n", cmd->description);
	fprintf(out, "\nOptions:\n");
	for (const struct cli_opt *o = cmd->opts; o->name; o++) {
		char left[64];
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-28s %s\n", left, o->help);
	}
	fprintf(out, "\nExit status: 0 ok, 1 problems found, 2 usage error, 3 undetermined, 4 input or I/O error.\n");
}

/* Long options carry LONG_BASE + their table index as getopt_long's val, so that an error about
 * a long option (an argument given to one that takes none, a missing argument) names it exactly:
 * getopt_long reports such errors through optopt, which for a long option holds its val. */
#define LONG_BASE 0x10000

/* The message for getopt_long's '?': an unknown or ambiguous long option, a long option that
 * takes no argument given "=VALUE", or an unknown short option. */
static void parse_error(const struct cli_command *cmd, const char *arg, int bad)
{
	const struct cli_opt *opts = cmd->opts;
	if (bad >= LONG_BASE) {
		cli_error(cmd->name, "option '--%s' doesn't allow an argument (see 'cuvet %s --help')",
			  opts[bad - LONG_BASE].name, cmd->name);
		return;
	}
	if (bad > 0 && bad < 128 && bad != '?') {
		cli_error(cmd->name, "unknown option '-%c' (see 'cuvet %s --help')", bad, cmd->name);
		return;
	}
	if (arg && strncmp(arg, "--", 2) == 0) {
		const char *name = arg + 2;
		size_t n = strcspn(name, "=");
		size_t matches = 0;
		for (const struct cli_opt *o = opts; o->name; o++)
			matches += strncmp(o->name, name, n) == 0;
		if (matches > 1) {
			cli_error(cmd->name, "option '--%.*s' is ambiguous (see 'cuvet %s --help')", (int)n, name, cmd->name);
			return;
		}
		cli_error(cmd->name, "unknown option '--%.*s' (see 'cuvet %s --help')", (int)n, name, cmd->name);
		return;
	}
	cli_error(cmd->name, "unknown option '%s' (see 'cuvet %s --help')", arg ? arg : "?", cmd->name);
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv,
	      int (*handler)(int id, const char *arg, void *ctx), void *ctx, int *exit_code)
{
	struct option lopts[64];
	char sopts[128];
	size_t n = 0, s = 0;
	sopts[s++] = ':';
	for (const struct cli_opt *o = cmd->opts; o->name && n < 63; o++, n++) {
		lopts[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, LONG_BASE + (int)n};
		if (o->short_name && s + 3 < sizeof(sopts)) {
			sopts[s++] = (char)o->short_name;
			if (o->arg)
				sopts[s++] = ':';
		}
	}
	lopts[n] = (struct option){0};
	sopts[s] = '\0';
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		if (c == '?') {
			parse_error(cmd, optind > 0 && optind <= argc ? argv[optind - 1] : NULL, optopt);
			*exit_code = EXIT_USAGE;
			return -1;
		}
		if (c == ':') {
			if (optopt >= LONG_BASE)
				cli_error(cmd->name, "option '--%s' needs an argument", cmd->opts[optopt - LONG_BASE].name);
			else
				cli_error(cmd->name, "option '-%c' needs an argument", optopt);
			*exit_code = EXIT_USAGE;
			return -1;
		}
		int id = 0;
		if (c >= LONG_BASE && (size_t)(c - LONG_BASE) < n) {
			id = cmd->opts[c - LONG_BASE].id;
		} else {
			for (const struct cli_opt *o = cmd->opts; o->name; o++)
				if (o->short_name && o->short_name == c)
					id = o->id;
		}
		if (id == OPT_HELP) {
			cli_usage(cmd, stdout);
			*exit_code = cli_finish(EXIT_OK);
			return -1;
		}
		if (handler && handler(id, optarg, ctx) != 0) {
			*exit_code = EXIT_USAGE;
			return -1;
		}
	}
	return optind;
}

static void usage_all(FILE *out)
{
	fprintf(out, "Usage: cuvet COMMAND [OPTIONS]\n\n"
		     "cuvet vets NVIDIA GPU software stacks: driver, GPUs, CUDA libraries and what the loader picks.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\nRun 'cuvet COMMAND --help' for a command's options. 'cuvet --version' prints the version.\n"
		     "Exit status: 0 ok, 1 problems found, 2 usage error, 3 undetermined, 4 input or I/O error.\n");
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int cmd_help_run(int argc, char **argv)
{
	int code = EXIT_OK;
	int first = cli_parse(&cmd_help, argc, argv, NULL, NULL, &code);
	if (first < 0)
		return code;
	if (first < argc) {
		const struct cli_command *c = find_command(argv[first]);
		if (!c) {
			cli_error(NULL, "unknown command '%s' (see 'cuvet help')", argv[first]);
			return EXIT_USAGE;
		}
		cli_usage(c, stdout);
	} else {
		usage_all(stdout);
	}
	return cli_finish(EXIT_OK);
}

static int cmd_version_run(int argc, char **argv)
{
	int code = EXIT_OK;
	if (argv && cli_parse(&cmd_version, argc, argv, NULL, NULL, &code) < 0)
		return code;
	printf("cuvet %s\nlibrary: %s\nbuild: %s\nknowledge base: %s\n", cuvet_library_version(),
	       cuvet_library_version(), cuvet_build_flags(), cuvet_kb_date());
	return cli_finish(EXIT_OK);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage_all(stdout);
		return cli_finish(EXIT_OK);
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
		return cmd_version_run(1, NULL);
	const struct cli_command *c = find_command(name);
	if (!c) {
		cli_error(NULL, "unknown command '%s' (see 'cuvet help')", name);
		return EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
