#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lock_cli.h"

int lock_cli_assume(const char *cmd, const char *arg, bool *pass)
{
	if (strcmp(arg, "pass") == 0 || strcmp(arg, "fail") == 0) {
		*pass = strcmp(arg, "pass") == 0;
		return 0;
	}
	cli_error(cmd, "--assume-unknown wants 'fail' or 'pass', not '%s'", arg);
	return -1;
}

int lock_cli_facts(struct host_opts *o, struct cuvet_facts **f)
{
	struct cuvet_error err = {0};
	*f = o->facts_file ? facts_read_file(o->facts_file, &err) : cuvet_probe(&o->probe, &err);
	if (!*f) {
		cli_error(o->cmd, "%s", err.msg[0] ? err.msg : "out of memory");
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

int lock_cli_image_facts(struct host_opts *o, const struct image_cli *ic, const char *src,
			 struct cuvet_facts **f, char *base, size_t baselen)
{
	struct cuvet_error err = {0};
	struct cuvet_ctx *ctx = NULL;
	struct cuvet_image *img = NULL;
	struct cuvet_image_report *rep = NULL;
	struct cuvet_facts *hf = NULL;
	int code = EXIT_INPUT;
	*f = NULL;
	base[0] = '\0';
	if (!(ctx = cli_ctx_new(o->cmd, NULL)))
		goto out;
	if (!(img = image_cli_open(ic, src, &code)))
		goto out;
	code = EXIT_INPUT;
	if (!(rep = cuvet_image_report_new(ctx, img, &(struct cuvet_image_report_opts){0}, &err)))
		goto fail;
	if (!rep->facts) {
		cli_error(o->cmd, "%s: its files were not read (--no-layers, or a registry without --layers): "
				  "a lock of an image needs its libraries", src);
		code = EXIT_USAGE;
		goto out;
	}
	hf = o->facts_file ? facts_read_file(o->facts_file, &err) : cuvet_probe(&o->probe, &err);
	if (!hf || !(*f = cuvet_image_container_facts(hf, rep->facts, rep->info, &err)))
		goto fail;
	const struct cuvet_image_info *info = rep->info;
	const char *digest = info->index_digest ? info->index_digest : info->manifest_digest;
	if (digest)
		snprintf(base, baselen, "%s@%s", info->ref ? info->ref : src, digest);
	code = EXIT_OK;
	goto out;
fail:
	cli_error(o->cmd, "%s", err.msg[0] ? err.msg : "out of memory");
	code = EXIT_INPUT;
out:
	cuvet_facts_free(hf);
	cuvet_image_report_free(rep);
	cuvet_image_free(img);
	cuvet_ctx_free(ctx);
	return code;
}

void lock_cli_source(const struct host_opts *o, char *buf, size_t len)
{
	if (o->facts_file)
		snprintf(buf, len, "facts:%s", o->facts_file);
	else if (o->probe.root && strcmp(o->probe.root, "/") != 0)
		snprintf(buf, len, "root:%s", o->probe.root);
	else
		snprintf(buf, len, "host");
}

int lock_cli_time(char *buf, size_t len)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(sde, &end, 10);
		struct tm tm;
		time_t t = (time_t)v;
		if (errno || !end || *end || v < 0 || !gmtime_r(&t, &tm))
			return -1;
		return strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0 ? 0 : -1;
	}
	return cuvet_time_rfc3339(buf, len);
}

struct cuvet_lock *lock_cli_read(const char *cmd, const char *path)
{
	struct cuvet_error err = {0};
	struct cuvet_lock *lock = cuvet_lock_read(path, &err);
	if (!lock)
		cli_error(cmd, "%s", err.msg[0] ? err.msg : "out of memory");
	return lock;
}

static const char *verdict_color(enum cuvet_verdict v)
{
	switch (v) {
	case CUVET_PASS: return "\033[32m";
	case CUVET_FAIL: return "\033[31m";
	default: return "\033[33m";
	}
}

void lock_report_text(FILE *out, const char *lock_path, const struct cuvet_lock *lock,
		      const struct cuvet_lock_report *r, bool color)
{
	fprintf(out, "lock %s", lock_path);
	if (lock->created || lock->hostname || lock->base_image) {
		fprintf(out, " (");
		const char *sep = "";
		if (lock->base_image) {
			fprintf(out, "image %s@%s", lock->base_image, lock->base_digest ? lock->base_digest : "?");
			sep = ", ";
		}
		if (lock->hostname) {
			fprintf(out, "%shost %s", sep, lock->hostname);
			sep = ", ";
		}
		if (lock->created)
			fprintf(out, "%screated %s", sep, lock->created);
		fprintf(out, ")");
	}
	fprintf(out, "\n");
	size_t w = 9;
	for (size_t i = 0; i < r->nchecks; i++) {
		size_t n = strlen(r->checks[i].component);
		if (n > w && n <= 40)
			w = n;
	}
	size_t failed = 0, undetermined = 0;
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct cuvet_lock_check *c = &r->checks[i];
		failed += c->verdict == CUVET_FAIL;
		undetermined += c->verdict == CUVET_UNKNOWN || c->verdict == CUVET_ERROR;
		fprintf(out, "  %s%-7s%s %-*s %-5s  %s\n", color ? verdict_color(c->verdict) : "",
			cuvet_verdict_name(c->verdict), color ? "\033[0m" : "", (int)w, c->component,
			cuvet_lock_policy_name(c->policy), c->reason ? c->reason : "");
	}
	for (size_t i = 0; i < r->nextra; i++)
		fprintf(out, "  %-7s %-*s        not in the lock (not drift)\n", "NEW", (int)w, r->extra[i]);
	fprintf(out, "verdict: %s", cuvet_verdict_name(r->verdict));
	if (r->nassumed)
		fprintf(out, " (%zu undetermined assumed to pass: --assume-unknown=pass)", r->nassumed);
	else
	if (failed && undetermined)
		fprintf(out, " (%zu of %zu drifted, %zu undetermined)", failed, r->nchecks, undetermined);
	else if (failed || undetermined)
		fprintf(out, " (%zu of %zu %s)", failed + undetermined, r->nchecks, failed ? "drifted" : "undetermined");
	fprintf(out, "\n");
}

static const char *verdict_mark(enum cuvet_verdict v)
{
	switch (v) {
	case CUVET_PASS: return "✅ PASS";
	case CUVET_FAIL: return "❌ FAIL";
	case CUVET_UNKNOWN: return "❔ UNKNOWN";
	case CUVET_ERROR: return "⚠️ ERROR";
	}
	return "?";
}

/* Markdown table cells: a '|' would end the cell, a newline the row. */
static void md_cell(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

void lock_report_markdown(FILE *out, const char *lock_path, const struct cuvet_lock *lock,
			  const struct cuvet_lock_report *r)
{
	(void)lock;
	fprintf(out, "### cuvet verify `");
	md_cell(out, lock_path);
	fprintf(out, "`: %s\n\n", verdict_mark(r->verdict));
	fprintf(out, "| component | policy | locked | here | verdict |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct cuvet_lock_check *c = &r->checks[i];
		fputs("| ", out);
		md_cell(out, c->component);
		fprintf(out, " | %s | ", cuvet_lock_policy_name(c->policy));
		md_cell(out, c->expected);
		fputs(" | ", out);
		md_cell(out, c->actual ? c->actual : "—");
		fprintf(out, " | %s |\n", verdict_mark(c->verdict));
	}
	size_t bad = 0;
	for (size_t i = 0; i < r->nchecks; i++)
		bad += r->checks[i].verdict != CUVET_PASS;
	if (bad) {
		fprintf(out, "\n```diff\n");
		for (size_t i = 0; i < r->nchecks; i++) {
			const struct cuvet_lock_check *c = &r->checks[i];
			if (c->verdict == CUVET_PASS)
				continue;
			fprintf(out, "- %s %s (%s)\n", c->component, c->expected ? c->expected : "",
				cuvet_lock_policy_name(c->policy));
			fprintf(out, "+ %s %s\n", c->component, c->actual ? c->actual : "(none)");
		}
		fprintf(out, "```\n\n");
		for (size_t i = 0; i < r->nchecks; i++)
			if (r->checks[i].verdict != CUVET_PASS) {
				fprintf(out, "- **%s**: ", r->checks[i].component);
				md_cell(out, r->checks[i].reason);
				fputc('\n', out);
			}
	}
	for (size_t i = 0; i < r->nextra; i++) {
		if (i == 0)
			fprintf(out, "\nNot in the lock (not drift):");
		fprintf(out, " %s`%s`", i ? ", " : "", r->extra[i]);
		if (i + 1 == r->nextra)
			fputc('\n', out);
	}
}

int lock_cli_report_record(const struct host_opts *o, const char *path)
{
	if (o->quiet)
		return EXIT_OK;
	if (!o->json) {
		printf("wrote %s\n", path);
		return EXIT_OK;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		cli_error(o->cmd, "%s: %s", path, strerror(errno));
		return EXIT_INPUT;
	}
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		cli_error(o->cmd, "%s: read error", path);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}
