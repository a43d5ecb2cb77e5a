/* cuvet_dockerfile_parse, cuvet_dockerfile_lint and cuvet_dockerfile_pin over buffers: the
 * cases BuildKit's parser tests cover (frontend/dockerfile/parser/testfiles: continuations,
 * comments inside them, escape directives, heredocs, JSON form) with the expected values retyped
 * from BuildKit's behaviour, and the rewrite's bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cuvet.h"
#include "cuvet_image.h"

static struct cuvet_dockerfile *parse(const char *text, const char *const *args)
{
	struct cuvet_error err = {0};
	struct cuvet_dockerfile *df = cuvet_dockerfile_parse(text, strlen(text), args, &err);
	if (!df)
		fail_msg("parse failed: %s", err.msg);
	return df;
}

static void parse_fails(const char *text, const char *msg)
{
	struct cuvet_error err = {0};
	struct cuvet_dockerfile *df = cuvet_dockerfile_parse(text, strlen(text), NULL, &err);
	assert_null(df);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, msg);
}

static void test_continuations(void **state)
{
	(void)state;
	const char *text = "FROM ubuntu:22.04\n"
			   "RUN apt-get update \\\n"
			   "# a comment inside is skipped\n"
			   "\n"
			   "    && apt-get install -y curl \\  \n"
			   "    && true\n"
			   "run echo lower-case keyword\n";
	struct cuvet_dockerfile *df = parse(text, NULL);
	assert_int_equal(df->ninstrs, 3);
	assert_string_equal(df->instrs[1].keyword, "RUN");
	assert_string_equal(df->instrs[1].args, "apt-get update     && apt-get install -y curl     && true");
	assert_int_equal(df->instrs[1].line, 2);
	assert_int_equal(df->instrs[1].end_line, 6);
	assert_string_equal(df->instrs[2].keyword, "RUN");
	assert_int_equal(df->instrs[2].line, 7);
	cuvet_dockerfile_free(df);
}

static void test_directives(void **state)
{
	(void)state;
	/* escape=` makes the backslash literal and ` the continuation */
	struct cuvet_dockerfile *df = parse("# syntax=docker/dockerfile:1\r\n# escape=`\r\nFROM windows\r\n"
					    "RUN dir C:\\ `\r\n  && echo x\r\n", NULL);
	assert_int_equal(df->escape, '`');
	assert_string_equal(df->syntax, "docker/dockerfile:1");
	assert_string_equal(df->instrs[1].args, "dir C:\\   && echo x");
	cuvet_dockerfile_free(df);
	/* a directive after a comment is a comment */
	df = parse("# hello\n# escape=`\nFROM a:1\nRUN x \\\n y\n", NULL);
	assert_int_equal(df->escape, '\\');
	assert_string_equal(df->instrs[1].args, "x  y");
	cuvet_dockerfile_free(df);
	parse_fails("# escape=\\\n# escape=`\nFROM a\n", "line 2: only one escape parser directive can be used");
	parse_fails("# escape=x\nFROM a\n", "line 1: invalid escape token 'x' does not match ` or \\");
}

static void test_heredocs(void **state)
{
	(void)state;
	struct cuvet_dockerfile *df = parse("FROM a:1\n"
					    "RUN <<EOF bash && cat <<-'END'\n"
					    "echo $HOME\n"
					    "EOF\n"
					    "\tindented\n"
					    "\tEND\n"
					    "COPY <<\"X\" /f\n"
					    "FROM b\n"
					    "X\n"
					    "RUN echo \"<<NOT\" a<<b\n",
					    NULL);
	assert_int_equal(df->ninstrs, 4);
	assert_int_equal(df->nstages, 1);
	const struct cuvet_dockerfile_instr *run = &df->instrs[1];
	assert_int_equal(run->nheredocs, 2);
	assert_string_equal(run->heredocs[0].name, "EOF");
	assert_string_equal(run->heredocs[0].body, "echo $HOME\n");
	assert_false(run->heredocs[0].quoted);
	assert_string_equal(run->heredocs[1].name, "END");
	assert_string_equal(run->heredocs[1].body, "indented\n");
	assert_true(run->heredocs[1].strip_tabs);
	assert_true(run->heredocs[1].quoted);
	assert_int_equal(run->line, 2);
	assert_int_equal(run->end_line, 6);
	assert_string_equal(df->instrs[2].heredocs[0].body, "FROM b\n");
	assert_int_equal(df->instrs[3].nheredocs, 0);
	cuvet_dockerfile_free(df);
	parse_fails("FROM a\nRUN <<EOF\nx\n", "line 2: heredoc <<EOF is not terminated");
}

static void test_json_form(void **state)
{
	(void)state;
	struct cuvet_dockerfile *df = parse("FROM a:1\nCMD [\"sh\", \"-c\", \"echo hi\"]\n"
					    "ENTRYPOINT [\"a\", 1]\nRUN [ \"x\" ] trailing\n", NULL);
	assert_true(df->instrs[1].json);
	assert_int_equal(df->instrs[1].argc, 3);
	assert_string_equal(df->instrs[1].argv[2], "echo hi");
	/* not an array of strings, or text after it: the shell form, as BuildKit falls back */
	assert_false(df->instrs[2].json);
	assert_false(df->instrs[3].json);
	cuvet_dockerfile_free(df);
}

static void test_args_and_stages(void **state)
{
	(void)state;
	const char *text = "ARG REG=nvcr.io\n"
			   "ARG TAG\n"
			   "ARG IMG=${REG}/nvidia/pytorch\n"
			   "FROM --platform=linux/amd64 ${IMG}:${TAG:-24.01-py3} AS Build\n"
			   "FROM build\n"
			   "FROM \"$REG/x:${TAG:+set}\"\n"
			   "FROM ${NOPE}\n"
			   "ARG AFTER=1\n";
	struct cuvet_dockerfile *df = parse(text, NULL);
	assert_int_equal(df->nargs, 8 + 3); /* BuildKit's automatic platform ARGs first */
	assert_string_equal(df->args[8].key, "REG");
	assert_int_equal(df->nstages, 4);
	assert_string_equal(df->stages[0].image, "nvcr.io/nvidia/pytorch:24.01-py3");
	assert_string_equal(df->stages[0].name, "build");
	assert_string_equal(df->stages[0].platform, "linux/amd64");
	assert_int_equal(df->stages[0].base_stage, -1);
	assert_int_equal(df->stages[1].base_stage, 0);
	assert_string_equal(df->stages[2].image, "nvcr.io/x:");
	assert_null(df->stages[3].image);
	/* the token's place in the buffer */
	const char *tok = strstr(text, "${IMG}");
	assert_int_equal(df->stages[0].image_offset, (size_t)(tok - text));
	assert_int_equal(df->stages[0].image_len, strlen("${IMG}:${TAG:-24.01-py3}"));
	cuvet_dockerfile_free(df);
	/* --build-arg overrides a declared ARG, and later ARGs see it */
	const char *const args[] = {"TAG=23.09-py3", "REG=localhost:5000", "UNDECLARED=x", NULL};
	df = parse(text, args);
	assert_string_equal(df->stages[0].image, "localhost:5000/nvidia/pytorch:23.09-py3");
	assert_string_equal(df->stages[2].image, "localhost:5000/x:set");
	cuvet_dockerfile_free(df);
	/* TARGETARCH without a declaration, from the target platform */
	const char *const arm[] = {"TARGETPLATFORM=linux/arm64/v8", NULL};
	df = parse("FROM alpine:3.19-${TARGETARCH}${TARGETVARIANT}\n", arm);
	assert_string_equal(df->stages[0].image, "alpine:3.19-arm64v8");
	cuvet_dockerfile_free(df);
	parse_fails("FROM a b\n", "line 1: FROM requires either one or three arguments");
	parse_fails("FROM --network=none a\n", "line 1: unknown flag: --network=none");
	parse_fails("ENV A=1\nFROM a\n", "line 1: ENV before the first FROM (only ARG may come before it)");
	parse_fails("FROM a\nFOO bar\n", "line 2: unknown instruction: FOO");
	parse_fails("ARG A=1\n", "the Dockerfile has no FROM");
	struct cuvet_error err = {0};
	assert_null(cuvet_dockerfile_parse("FROM a\n\0", 8, NULL, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
}

/* The ids of the findings, "CV-D001@3 CV-D003@5". */
static void lint_ids(const char *text, char *out, size_t len)
{
	struct cuvet_dockerfile *df = parse(text, NULL);
	struct cuvet_error err = {0};
	struct cuvet_dockerfile_lint_opts o = {0};
	struct cuvet_dockerfile_findings *f = cuvet_dockerfile_lint(df, &o, &err);
	assert_non_null(f);
	out[0] = '\0';
	for (size_t i = 0; i < f->count; i++) {
		size_t n = strlen(out);
		snprintf(out + n, len - n, "%s%s@%u", n ? " " : "", f->items[i].id, f->items[i].line);
	}
	cuvet_dockerfile_findings_free(f);
	cuvet_dockerfile_free(df);
}

static void test_lint_rules(void **state)
{
	(void)state;
	char got[512];
	lint_ids("FROM ubuntu\nFROM ubuntu:latest\nFROM ubuntu@sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
		 "FROM scratch\n", got, sizeof(got));
	assert_string_equal(got, "CV-D001@1 CV-D002@2 CV-D003@2");
	lint_ids("FROM a:1 AS builder\nFROM biulder\nFROM later\nFROM b:2 AS later\n", got, sizeof(got));
	assert_string_equal(got, "CV-D003@1 CV-D004@2 CV-D004@3 CV-D003@4");
	/* a typo of a later stage; COPY --from a later stage, a typo, an index, an image, an earlier stage */
	lint_ids("FROM a:1 AS first\nFROM b:1\nCOPY --from=runtime /a /a\nCOPY --from=frist /b /b\nCOPY --from=0 /c /c\n"
		 "COPY --from=nginx:1.25 /d /d\nRUN --mount=type=cache,from=first,target=/x tool --from=runtime\nFROM runtme\n"
		 "FROM c:1 AS runtime\nRUN --mount=type=bind,from=runtim,target=/y true\n",
		 got, sizeof(got));
	assert_string_equal(got, "CV-D003@1 CV-D003@2 CV-D015@3 CV-D015@4 CV-D004@8 CV-D003@9 CV-D015@10");
	lint_ids("FROM a:1\nRUN apt-get -o X=1 install -y a=1 b ./c.deb && apt-get -y install d\n"
		 "RUN pip3 install -i http://x --no-cache-dir e f==1 ./g git+https://h/i -r r.txt\n"
		 "RUN [\"python3\", \"-m\", \"pip\", \"install\", \"j\"]\n",
		 got, sizeof(got));
	assert_string_equal(got, "CV-D003@1 CV-D006@2 CV-D007@3 CV-D007@4");
	lint_ids("FROM a:1\nADD https://x/y /y\nADD --checksum=sha256:00 https://x/z /z\nADD a.tar.gz b /\n"
		 "ADD c.tgz /\n", got, sizeof(got));
	assert_string_equal(got, "CV-D003@1 CV-D010@2 CV-D009@4");
	lint_ids("FROM ${X}\n", got, sizeof(got));
	assert_string_equal(got, "CV-D012@1");
	/* distribution/reference: a repository name is lower-case */
	lint_ids("FROM Ubuntu:22.04\nFROM ubuntu:bad!tag\n", got, sizeof(got));
	assert_string_equal(got, "CV-D013@1 CV-D013@2");
}

static void test_pin_bytes(void **state)
{
	(void)state;
	const char *text = "# c\r\nFROM \tubuntu:22.04 AS a\r\nFROM a\r\nFROM ${X:-alpine}\r\nFROM \\\r\n  busybox\r\n";
	struct cuvet_dockerfile *df = parse(text, NULL);
	const char *dg = "ubuntu:22.04 sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
			 "docker.io/library/busybox:latest sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n";
	struct cuvet_error err = {0};
	struct cuvet_digests *d = cuvet_digests_parse(dg, strlen(dg), &err);
	assert_non_null(d);
	struct cuvet_pin_result *r = cuvet_dockerfile_pin(text, strlen(text), df, d, NULL, &err);
	assert_non_null(r);
	assert_string_equal(r->text, "# c\r\nFROM \tubuntu:22.04@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa AS a\r\n"
				     "FROM a\r\nFROM ${X:-alpine}\r\nFROM \\\r\n  busybox:latest@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n");
	assert_int_equal(r->len, strlen(r->text));
	assert_int_equal(r->nlines, 4);
	assert_int_equal(r->lines[0].state, CUVET_PIN_REWRITTEN);
	assert_int_equal(r->lines[1].state, CUVET_PIN_STAGE);
	assert_int_equal(r->lines[2].state, CUVET_PIN_VARIABLE);
	assert_int_equal(r->lines[3].state, CUVET_PIN_REWRITTEN);
	assert_int_equal(r->unpinned, 1);
	cuvet_pin_result_free(r);
	cuvet_digests_free(d);
	cuvet_dockerfile_free(df);
	assert_null(cuvet_digests_parse("x sha256:12\n", 12, &err));
	assert_string_equal(err.msg, "digests line 1: sha256:12 is not a digest (sha256:<64 hex>)");
	assert_null(cuvet_digests_parse("justone\n", 8, &err));
	assert_string_equal(err.msg, "digests line 1: expected \"REF DIGEST\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_continuations),
		cmocka_unit_test(test_directives),
		cmocka_unit_test(test_heredocs),
		cmocka_unit_test(test_json_form),
		cmocka_unit_test(test_args_and_stages),
		cmocka_unit_test(test_lint_rules),
		cmocka_unit_test(test_pin_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
