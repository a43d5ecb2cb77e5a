/* base/sha256.c against FIPS 180-2's test vectors and a file hashed in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sha256.h"

static void vectors(void **state)
{
	(void)state;
	char out[SHA256_DIGEST_STR];
	struct cuvet_error err = {0};
	assert_int_equal(sha256_buf("abc", 3, out, &err), 0);
	assert_string_equal(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(sha256_buf("", 0, out, &err), 0);
	assert_string_equal(out, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_true(sha256_valid(out));
	assert_false(sha256_valid("sha256:E3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_false(sha256_valid("sha256:e3b0"));
	assert_false(sha256_valid("md5:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

/* A million 'a's (FIPS 180-2 appendix B.3), in uneven pieces and through a file. */
static void million(void **state)
{
	(void)state;
	size_t n = 1000000;
	char *a = malloc(n);
	assert_non_null(a);
	memset(a, 'a', n);
	const char *want = "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	struct sha256 h;
	struct cuvet_error err = {0};
	char out[SHA256_DIGEST_STR];
	assert_int_equal(sha256_init(&h, &err), 0);
	for (size_t off = 0, step = 1; off < n; off += step, step = step * 3 + 1)
		assert_int_equal(sha256_update(&h, a + off, off + step > n ? n - off : step, &err), 0);
	assert_int_equal(sha256_final(&h, out, &err), 0);
	assert_string_equal(out, want);

	char path[] = "/tmp/cuvet-sha256-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, a, n), (ssize_t)n);
	close(fd);
	assert_int_equal(sha256_file(path, out, &err), 0);
	assert_string_equal(out, want);
	unlink(path);
	assert_int_equal(sha256_file(path, out, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vectors),
		cmocka_unit_test(million),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
