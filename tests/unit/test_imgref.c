/* Image references against distribution/reference's own vectors (normalize_test.go,
 * reference_test.go at 4894124: TestValidateReferenceName, TestValidateRemoteName,
 * TestParseRepositoryInfo, TestNormalizedSplitHostname, TestParseReferenceWithTagAndDigest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cuvet_image.h"

#define D64 "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

static void parse_ok(const char *text, const char *domain, const char *path, const char *tag, const char *digest,
		     bool given)
{
	struct cuvet_imgref r;
	struct cuvet_error err = {0};
	if (cuvet_imgref_parse(text, &r, &err) != 0)
		fail_msg("%s: %s", text, err.msg);
	assert_string_equal(r.domain, domain);
	assert_string_equal(r.path, path);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	assert_int_equal(r.domain_given, given);
	cuvet_imgref_release(&r);
}

static void fmt(const char *text, bool familiar, const char *want)
{
	struct cuvet_imgref r;
	struct cuvet_error err = {0};
	char buf[512];
	assert_int_equal(cuvet_imgref_parse(text, &r, &err), 0);
	if (cuvet_imgref_format(&r, familiar, buf, sizeof(buf), &err) != 0)
		fail_msg("%s: %s", text, err.msg);
	assert_string_equal(buf, want);
	cuvet_imgref_release(&r);
}

static void test_split_domain(void **state)
{
	(void)state;
	/* TestNormalizedSplitHostname */
	parse_ok("test.com/foo", "test.com", "foo", NULL, NULL, true);
	parse_ok("test_com/foo", "docker.io", "test_com/foo", NULL, NULL, false);
	parse_ok("docker/migrator", "docker.io", "docker/migrator", NULL, NULL, false);
	parse_ok("test.com:8080/foo", "test.com:8080", "foo", NULL, NULL, true);
	parse_ok("test-com:8080/foo", "test-com:8080", "foo", NULL, NULL, true);
	parse_ok("foo", "docker.io", "library/foo", NULL, NULL, false);
	parse_ok("xn--n3h.com/foo", "xn--n3h.com", "foo", NULL, NULL, true);
	parse_ok("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", NULL, NULL, true);
	parse_ok("docker.io/foo", "docker.io", "library/foo", NULL, NULL, true);
	parse_ok("docker.io/library/foo", "docker.io", "library/foo", NULL, NULL, true);
	parse_ok("docker.io/library/foo/bar", "docker.io", "library/foo/bar", NULL, NULL, true);
	/* TestParseRepositoryInfo (domain and remote name) */
	parse_ok("index.docker.io/fooo/bar", "docker.io", "fooo/bar", NULL, NULL, true);
	parse_ok("library/ubuntu", "docker.io", "library/ubuntu", NULL, NULL, false);
	parse_ok("index.docker.io/debian", "docker.io", "library/debian", NULL, NULL, true);
	parse_ok("127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase", NULL, NULL, true);
	parse_ok("example.com:8000/privatebasee", "example.com:8000", "privatebasee", NULL, NULL, true);
	parse_ok("store/foo/bar", "docker.io", "store/foo/bar", NULL, NULL, false);
	parse_ok("Foo/bar", "Foo", "bar", NULL, NULL, true);
	parse_ok("FOO/bar", "FOO", "bar", NULL, NULL, true);
	parse_ok("localhost/app", "localhost", "app", NULL, NULL, true);
	parse_ok("[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", NULL, NULL, true);
	/* images.md §2 examples */
	parse_ok("nvidia/cuda:12.4.1-base-ubuntu22.04", "docker.io", "nvidia/cuda", "12.4.1-base-ubuntu22.04", NULL,
		 false);
	parse_ok("nvcr.io/nvidia/pytorch:24.01-py3", "nvcr.io", "nvidia/pytorch", "24.01-py3", NULL, true);
	parse_ok("localhost:5000/app", "localhost:5000", "app", NULL, NULL, true);
	parse_ok("myregistry.com:5000/team/app:1.2", "myregistry.com:5000", "team/app", "1.2", NULL, true);
	/* No slash: a host:port alone is a Hub name with a tag (as docker reads it). */
	parse_ok("localhost:5000", "docker.io", "library/localhost", "5000", NULL, false);
	parse_ok("192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", NULL, false);
	parse_ok("redis@sha256:" D64, "docker.io", "library/redis", NULL, "sha256:" D64, false);
	parse_ok("busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", "docker.io",
		 "library/busybox", "latest", "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
		 false);
	/* 63 hex digits is a name, 64 is refused (below); a 64-hex path under a registry is a name. */
	parse_ok("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io",
		 "library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", NULL, NULL, false);
	parse_ok("docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker.io",
		 "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", NULL, NULL, true);
	parse_ok("a:_Tag.-x", "docker.io", "library/a", "_Tag.-x", NULL, false);
}

static void test_valid_names(void **state)
{
	(void)state;
	/* TestValidateReferenceName, TestValidateRemoteName */
	const char *good[] = {"docker/docker", "library/debian", "debian", "docker.io/docker/docker",
			      "docker.io/library/debian", "docker.io/debian", "index.docker.io/docker/docker",
			      "index.docker.io/library/debian", "index.docker.io/debian", "127.0.0.1:5000/docker/docker",
			      "127.0.0.1:5000/library/debian", "127.0.0.1:5000/debian", "192.168.0.1", "192.168.0.1:80",
			      "192.168.0.1:8/debian", "192.168.0.2:25000/debian",
			      "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "[fc00::1]:5000/docker",
			      "[fc00::1]:5000/docker/docker", "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
			      "Docker/docker", "DOCKER/docker", "docker-rules/docker", "docker---rules/docker",
			      "doc/docker", "d/docker", "jess/t", "dock__er/docker"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct cuvet_imgref r;
		struct cuvet_error err = {0};
		if (cuvet_imgref_parse(good[i], &r, &err) != 0)
			fail_msg("%s: %s", good[i], err.msg);
		cuvet_imgref_release(&r);
	}
}

static void bad(const char *text, const char *msg_part)
{
	struct cuvet_imgref r;
	struct cuvet_error err = {0};
	if (cuvet_imgref_parse(text, &r, &err) == 0)
		fail_msg("accepted: %s", text);
	assert_int_equal(err.code, CUVET_E_INVALID);
	if (!strstr(err.msg, msg_part))
		fail_msg("%s: \"%s\" lacks \"%s\"", text, err.msg, msg_part);
	assert_null(r.domain);
}

static void test_invalid(void **state)
{
	(void)state;
	bad("", "empty");
	bad("https://github.com/docker/docker", "not a registry");
	bad("docker/Docker", "must be lower-case");
	bad("docker.io/docker/Docker", "must be lower-case");
	bad("-docker", "path component \"-docker\"");
	bad("-docker/docker", "path component");
	bad("-docker.io/docker/docker", "not a registry");
	bad("docker///docker", "path component \"\"");
	bad("docker.io/docker///docker", "path component");
	bad("[fc00::1]", "path component");
	bad("[fc00::1]:5000", "path component");
	bad("fc00::1:5000/debian", "not a registry");
	bad("[fe80::1%eth0]:5000/debian", "not a registry");
	bad("[2001:db8:3:4::192.0.2.33]:5000/debian", "not a registry");
	bad("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "64-byte hexadecimal");
	bad("docker-/docker", "path component");
	bad("-docker-/docker", "path component");
	bad("____/____", "path component");
	bad("_docker/_docker", "path component");
	bad("dock..er/docker", "not a registry"); /* has a dot: read as a registry */
	bad("dock..er/docker", "not a registry"); /* has a dot: read as a registry */
	bad("dock..er/docker", "not a registry"); /* has a dot: read as a registry */
	bad("docker/", "path component \"\"");
	bad("this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_"
	    "because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_"
	    "255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker",
	    "more than 255");
	bad("ubuntu:", "empty tag");
	bad("ubuntu:-x", "tag \"-x\"");
	bad("ubuntu:a/b", "not a registry");
	bad("ubuntu:a+b", "tag \"a+b\"");
	bad("ubuntu:"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaa",
	    "longer than 128");
	bad("ubuntu@sha256:abc", "64 hex digits, not 3");
	bad("ubuntu@sha256:" "DBCC1C35AC38DF41FD2F5E4130B32FFDB93EBAE8B3DBE638C23575912276FC9C", "lower-case hex");
	bad("ubuntu@md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported digest algorithm \"md5\"");
	bad("ubuntu@" D64, "not ALGORITHM:HEX");
	bad("@sha256:" D64, "no repository name");
	bad("ubuntu@sha256:" D64 "x", "64 hex digits");
	bad("ubuntu:22.04:x", "tag");
}

static void test_format(void **state)
{
	(void)state;
	/* TestParseRepositoryInfo: FamiliarName and FullName from each spelling */
	fmt("fooo/bar", false, "docker.io/fooo/bar");
	fmt("index.docker.io/fooo/bar", true, "fooo/bar");
	fmt("library/ubuntu", true, "ubuntu");
	fmt("library/ubuntu", false, "docker.io/library/ubuntu");
	fmt("docker.io/foo", true, "foo");
	fmt("other/library", true, "other/library");
	fmt("docker.io/library/foo/bar", true, "library/foo/bar");
	fmt("127.0.0.1:8000/privatebase", true, "127.0.0.1:8000/privatebase");
	fmt("example.com:8000/private/moonbase", false, "example.com:8000/private/moonbase");
	fmt("Foo/bar", true, "Foo/bar");
	fmt("ubuntu-12.04-base", false, "docker.io/library/ubuntu-12.04-base");
	/* TestParseReferenceWithTagAndDigest */
	fmt("busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", false,
	    "docker.io/library/busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
	fmt("busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", true,
	    "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
	/* found by fuzz_imgref: a short form that would read as another registry keeps docker.io */
	fmt("index.docker.io/libr.docker.io/library/fary/foo/bar", true, "docker.io/libr.docker.io/library/fary/foo/bar");
	fmt("docker.io/localhost/x", true, "docker.io/localhost/x");
	fmt("docker.io/localhostx/x", true, "localhostx/x");
	fmt("docker.io/a.b", true, "a.b");
	/* No tag stays no tag (latest is implied by the user, not written by us). */
	fmt("ubuntu", false, "docker.io/library/ubuntu");

	struct cuvet_imgref r;
	struct cuvet_error err = {0};
	char small[8];
	assert_int_equal(cuvet_imgref_parse("nvidia/cuda:12.4.1", &r, &err), 0);
	assert_int_equal(cuvet_imgref_format(&r, true, small, sizeof(small), &err), -1);
	assert_int_equal(err.code, CUVET_E_RANGE);
	assert_string_equal(small, "");
	cuvet_imgref_release(&r);
	cuvet_imgref_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_domain),
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
