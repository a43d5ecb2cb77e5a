#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cuvet.h"

static int cmp(const char *a, const char *b)
{
	int r = 99;
	struct cuvet_error err;
	assert_int_equal(cuvet_version_compare_str(a, b, &r, &err), 0);
	return r;
}

static void test_parse_and_compare(void **state)
{
	(void)state;
	assert_int_equal(cmp("580.159.04", "580.159.4"), 0);
	assert_int_equal(cmp("580.159.04", "580.65.06"), 1);
	assert_int_equal(cmp("535.54.03", "535.104.05"), -1);
	assert_int_equal(cmp("12", "12.0"), 0);
	assert_int_equal(cmp("12.10", "12.9"), 1);
	assert_int_equal(cmp("12.2", "12.2.140"), -1);
	assert_int_equal(cmp("9.14.0.64", "9.14.0"), 1);
	assert_int_equal(cmp("23.09", "23.9"), 0);
	assert_int_equal(cmp("23.09", "23.10"), -1);
	assert_int_equal(cmp("525.60.13", "525.60.12"), 1);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	const char *bad[] = {"", "a", "12.", ".12", "12..2", "1.2.3.4.5.6.7", "12.x", "-1", "12 ", " 12",
			     "99999999999", "1.2-3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cuvet_version v;
		struct cuvet_error err = {0};
		assert_int_equal(cuvet_version_parse(bad[i], &v, &err), -1);
		assert_true(err.code == CUVET_E_INVALID || err.code == CUVET_E_RANGE);
		assert_non_null(strstr(err.msg, "invalid version"));
	}
	struct cuvet_version v;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_version_parse("12.x", &v, &err), -1);
	assert_string_equal(err.msg, "invalid version \"12.x\": expected a number after '.' at position 4");
}

static void test_prefix(void **state)
{
	(void)state;
	struct cuvet_version v;
	const char *end = NULL;
	char buf[32];
	assert_int_equal(cuvet_version_parse_prefix("2.28.3-1+cuda13.0", &v, &end, NULL), 0);
	cuvet_version_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, "2.28.3");
	assert_string_equal(end, "-1+cuda13.0");
	assert_int_equal(cuvet_version_parse_prefix("13.0.96-1", &v, &end, NULL), 0);
	assert_int_equal(v.nparts, 3);
}

struct enc_case {
	enum cuvet_encoding enc;
	long code;
	const char *text;
};

static void test_encodings(void **state)
{
	(void)state;
	static const struct enc_case cases[] = {
		{CUVET_ENC_CUDA, 12020, "12.2"},       {CUVET_ENC_CUDA, 13000, "13.0"},
		{CUVET_ENC_CUDA, 9020, "9.2"},         {CUVET_ENC_CUDA, 12090, "12.9"},
		{CUVET_ENC_CUDNN, 8902, "8.9.2"},      {CUVET_ENC_CUDNN, 90100, "9.1.0"},
		{CUVET_ENC_CUDNN, 91900, "9.19.0"},    {CUVET_ENC_CUDNN, 7605, "7.6.5"},
		{CUVET_ENC_TENSORRT, 8601, "8.6.1"},   {CUVET_ENC_TENSORRT, 100001, "10.0.1"},
		{CUVET_ENC_TENSORRT, 100900, "10.9.0"}, {CUVET_ENC_NCCL, 2708, "2.7.8"},
		{CUVET_ENC_NCCL, 21805, "2.18.5"},     {CUVET_ENC_NCCL, 22809, "2.28.9"},
		{CUVET_ENC_CUBLAS, 120902, "12.9.2"},  {CUVET_ENC_CUBLAS, 110902, "11.9.2"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cuvet_version v;
		char buf[32];
		struct cuvet_error err = {0};
		assert_int_equal(cuvet_version_decode(cases[i].enc, cases[i].code, &v, &err), 0);
		cuvet_version_format(&v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
		long back = 0;
		struct cuvet_version pv;
		assert_int_equal(cuvet_version_parse(cases[i].text, &pv, NULL), 0);
		assert_int_equal(cuvet_version_encode(cases[i].enc, &pv, &back, &err), 0);
		assert_int_equal(back, cases[i].code);
	}
}

static void test_encodings_reject(void **state)
{
	(void)state;
	struct cuvet_version v;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_version_decode(CUVET_ENC_CUDA, 12021, &v, &err), -1);
	assert_string_equal(err.msg, "invalid cuda version code 12021 (expected 1000*major + 10*minor)");
	assert_int_equal(cuvet_version_decode(CUVET_ENC_CUDA, 0, &v, &err), -1);
	assert_int_equal(cuvet_version_decode(CUVET_ENC_CUDNN, 50000, &v, &err), -1);
	assert_int_equal(cuvet_version_decode(CUVET_ENC_NCCL, 5000, &v, &err), -1);
	assert_int_equal(cuvet_version_decode(CUVET_ENC_CUBLAS, -5, &v, &err), -1);
	long out;
	assert_int_equal(cuvet_version_parse("12.2.1", &v, NULL), 0);
	assert_int_equal(cuvet_version_encode(CUVET_ENC_CUDA, &v, &out, &err), -1);
	assert_int_equal(cuvet_version_parse("12.100", &v, NULL), 0);
	assert_int_equal(cuvet_version_encode(CUVET_ENC_CUDA, &v, &out, &err), -1);
	enum cuvet_encoding e;
	assert_int_equal(cuvet_encoding_from_name("NCCL", &e), 0);
	assert_int_equal(e, CUVET_ENC_NCCL);
	assert_int_equal(cuvet_encoding_from_name("bogus", &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_compare), cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_prefix),            cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_encodings_reject),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
