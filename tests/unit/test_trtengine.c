/* readers/trtengine.c on real engines (tests/data/engines/README.md says where each came from)
 * and on damaged copies of them: every field the header gives, and the exact errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cuvet.h"
#include "cuvet_readers.h"

static unsigned char *load(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", CUVET_ENGINES_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	unsigned char *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void expect_error(const void *buf, size_t len, const char *msg)
{
	struct cuvet_trt_engine e;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_trt_engine_read(buf, len, &e, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, msg);
	cuvet_trt_engine_release(&e);
}

/* TensorRT 8.6.1.6 on an RTX 4090 (the repository's nsys report names both). */
static void trt86(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load("trt8.6.1.6-sm89.plan", &len);
	struct cuvet_trt_engine e;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_trt_engine_read(buf, len, &e, &err), 0);
	assert_int_equal(e.family, CUVET_TRT_FAMILY_CONTAINER);
	assert_null(e.wrapper);
	assert_true(e.version_known);
	assert_int_equal(e.version[0], 8);
	assert_int_equal(e.version[1], 6);
	assert_int_equal(e.version[2], 1);
	assert_int_equal(e.version[3], 6);
	assert_int_equal(e.container_version, 0);
	assert_int_equal(e.nsections, 1);
	assert_string_equal(e.sections[0], "ENGN");
	assert_string_equal(e.container_tag, "");
	assert_true(e.trailer_ok);
	assert_int_equal(e.plan_offset, 56);
	assert_int_equal(e.plan_size, 3167);
	assert_int_equal(e.plan_layout, CUVET_TRT_PLAN_C);
	assert_int_equal(e.serialization_version, 236);
	assert_int_equal(e.crc_ok, -1);
	assert_true(e.plan_trailer);
	assert_true(e.device.known);
	assert_int_equal(e.device.layout, 1);
	assert_int_equal(e.device.cc_major, 8);
	assert_int_equal(e.device.cc_minor, 9);
	assert_int_equal(e.device.sm_count, 128);
	assert_int_equal(e.device.integrated, 0);
	assert_int_equal(e.device.total_memory, 25756696576ULL);
	assert_int_equal(e.device.l2_cache, 75497472);
	assert_int_equal(e.device.memory_bus_width, 384);
	assert_int_equal(e.device.clock_khz, 2520000);
	assert_int_equal(e.device.memory_clock_khz, 10501000);
	assert_int_equal(e.version_compatible, -1);
	assert_int_equal(e.hardware_compatible, -1);
	cuvet_trt_engine_release(&e);

	/* cut short, inside the header and after it */
	expect_error(buf, 20, "truncated: the ftrt container at offset 0 has 20 bytes, its header needs 32");
	expect_error(buf, 1000, "truncated: the ftrt container says 3228 bytes, there are 1000");
	expect_error(buf, 7, "truncated: 7 bytes, shorter than any TensorRT engine header");

	unsigned char *c = malloc(len + 8);
	assert_non_null(c);
	/* data after the container's end */
	memcpy(c, buf, len);
	memset(c + len, 0, 8);
	expect_error(c, len + 8, "corrupt: the ftrt container says 3228 bytes, there are 3236 (data after its end)");
	/* the ENGN section pointing past the end */
	memcpy(c, buf, len);
	put64(c + 40, 4000);
	expect_error(c, len, "corrupt: section ENGN (offset 4000, 3167 bytes) runs past the container's end (3228 bytes)");
	/* no ENGN section */
	memcpy(c, buf, len);
	memcpy(c + 32, "XXXX", 4);
	expect_error(c, len, "corrupt: the ftrt container has no ENGN section");
	/* a section count nobody writes */
	memcpy(c, buf, len);
	c[8] = 0;
	expect_error(c, len, "corrupt: the ftrt container lists 0 sections");
	/* the container and its plan disagree on the release */
	memcpy(c, buf, len);
	c[26] = 2;
	expect_error(c, len, "corrupt: the ftrt container says TensorRT 8.6.2.6, its plan 8.6.1.6");
	/* the plan's payload size larger than its section */
	memcpy(c, buf, len);
	put64(c + 56 + 16, 5000);
	expect_error(c, len, "truncated: the plan at offset 56 says 5000 bytes follow its header, there are 3143");
	/* the ENGN section not a plan */
	memcpy(c, buf, len);
	memcpy(c + 56, "qtrt", 4);
	expect_error(c, len, "corrupt: the ENGN section at offset 56 is not a ptrt plan");

	/* a container version nobody has described: read, everything unknown */
	memcpy(c, buf, len);
	c[4] = 1;
	assert_int_equal(cuvet_trt_engine_read(c, len, &e, &err), 0);
	assert_int_equal(e.family, CUVET_TRT_FAMILY_CONTAINER);
	assert_int_equal(e.container_version, 1);
	assert_false(e.version_known);
	assert_false(e.device.known);
	assert_int_equal(e.version_compatible, -1);
	cuvet_trt_engine_release(&e);

	/* a plan header seen in no release: the container's version stays, the rest is unknown */
	memcpy(c, buf, len);
	c[56 + 24] = 0x33;
	assert_int_equal(cuvet_trt_engine_read(c, len, &e, &err), 0);
	assert_true(e.version_known);
	assert_int_equal(e.version[0], 8);
	assert_int_equal(e.plan_layout, CUVET_TRT_PLAN_UNKNOWN);
	assert_false(e.device.known);
	cuvet_trt_engine_release(&e);

	/* the device block's first field of another type: no device, no guess */
	memcpy(c, buf, len);
	assert_int_equal(c[56 + 24 + 20 + 4 + 4 + 4 + 4 + 4], 0x07); /* 80e5 {u32}, 8012, 8010, first tag */
	c[56 + 24 + 20 + 4 + 4 + 4 + 4 + 4] = 0x0b;
	assert_int_equal(cuvet_trt_engine_read(c, len, &e, &err), 0);
	assert_true(e.version_known);
	assert_false(e.device.known);
	assert_int_equal(e.device.integrated, -1);
	cuvet_trt_engine_release(&e);

	/* Ultralytics' wrapper: u32 length, JSON, engine */
	const char *meta = "{\"imgsz\": [640, 640]}";
	size_t ml = strlen(meta);
	unsigned char *w = malloc(4 + ml + len);
	assert_non_null(w);
	w[0] = (unsigned char)ml;
	w[1] = w[2] = w[3] = 0;
	memcpy(w + 4, meta, ml);
	memcpy(w + 4 + ml, buf, len);
	assert_int_equal(cuvet_trt_engine_read(w, 4 + ml + len, &e, &err), 0);
	assert_string_equal(e.wrapper, "ultralytics");
	assert_string_equal(e.wrapper_metadata, meta);
	assert_int_equal(e.engine_offset, 4 + ml);
	assert_int_equal(e.plan_offset, 4 + ml + 56);
	assert_int_equal(e.device.cc_minor, 9);
	cuvet_trt_engine_release(&e);
	w[0] = 200;
	expect_error(w, 30, "truncated: the Ultralytics metadata (200 bytes at offset 4) runs past the end (30 bytes)");
	free(w);
	free(c);
	free(buf);
}

/* TensorRT 10.15.1.29: layout D and device layout 2, two sections, an RTX 3060 12 GB. */
static void trt10(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load("trt10.15.1.29-sm86.engine", &len);
	struct cuvet_trt_engine e;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_trt_engine_read(buf, len, &e, &err), 0);
	assert_int_equal(e.family, CUVET_TRT_FAMILY_CONTAINER);
	assert_int_equal(e.version[0], 10);
	assert_int_equal(e.version[1], 15);
	assert_int_equal(e.version[2], 1);
	assert_int_equal(e.version[3], 29);
	assert_int_equal(e.nsections, 2);
	assert_string_equal(e.sections[0], "ENGN");
	assert_string_equal(e.sections[1], "WGHT");
	assert_string_equal(e.container_tag, "72747274");
	assert_true(e.trailer_ok);
	assert_int_equal(e.plan_layout, CUVET_TRT_PLAN_D);
	assert_int_equal(e.serialization_version, 240);
	assert_int_equal(e.plan_offset, 80);
	assert_true(e.device.known);
	assert_int_equal(e.device.layout, 2);
	assert_int_equal(e.device.cc_major, 8);
	assert_int_equal(e.device.cc_minor, 6);
	assert_int_equal(e.device.sm_count, 28);
	assert_int_equal(e.device.integrated, 0);
	assert_int_equal(e.device.total_memory, 12496666624ULL);
	assert_int_equal(e.device.memory_bus_width, 192);
	assert_int_equal(e.device.l2_cache, 2359296);
	assert_int_equal(e.version_compatible, -1);
	cuvet_trt_engine_release(&e);
	free(buf);
}

/* TensorRT 7.1.3.4: a bare plan, layout A with its CRC-32, a T4 (40 SMs, 15109 MiB). */
static void trt7(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load("trt7.1.3.4-sm75.plan", &len);
	struct cuvet_trt_engine e;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_trt_engine_read(buf, len, &e, &err), 0);
	assert_int_equal(e.family, CUVET_TRT_FAMILY_PLAN);
	assert_int_equal(e.version[0], 7);
	assert_int_equal(e.version[1], 1);
	assert_int_equal(e.version[2], 3);
	assert_int_equal(e.version[3], 4);
	assert_int_equal(e.plan_layout, CUVET_TRT_PLAN_A);
	assert_int_equal(e.serialization_version, 97);
	assert_int_equal(e.crc_ok, 1);
	assert_false(e.plan_trailer);
	assert_int_equal(e.nsections, 0);
	assert_true(e.device.known);
	assert_int_equal(e.device.cc_major, 7);
	assert_int_equal(e.device.cc_minor, 5);
	assert_int_equal(e.device.sm_count, 40);
	assert_int_equal(e.device.total_memory, 15843721216ULL);
	assert_int_equal(e.device.memory_bus_width, 256);
	assert_int_equal(e.version_compatible, 0);
	assert_int_equal(e.hardware_compatible, 0);
	cuvet_trt_engine_release(&e);

	/* a changed byte in the stream: still read, the checksum says so */
	buf[len - 100] ^= 0x40;
	assert_int_equal(cuvet_trt_engine_read(buf, len, &e, &err), 0);
	assert_int_equal(e.crc_ok, 0);
	cuvet_trt_engine_release(&e);
	expect_error(buf, 5000, "truncated: the plan at offset 0 says 120725 bytes follow its header, there are 4976");
	expect_error(buf, 30, "truncated: the ptrt plan at offset 0 has 30 bytes, its version tokens end at 44");
	expect_error(buf, 27, "truncated: the ptrt plan at offset 0 has 27 bytes, its header needs 28");
	free(buf);
}

static void not_engines(void **state)
{
	(void)state;
	expect_error("\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00", 12,
		     "not a TensorRT engine: unknown magic 7f 45 4c 46 at offset 0");
	expect_error("", 0, "truncated: 0 bytes, shorter than any TensorRT engine header");
	/* TensorRT 5's FlatBuffer: a u64 file size first, nothing else known */
	unsigned char fb[64] = {0};
	put64(fb, sizeof(fb));
	struct cuvet_trt_engine e;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_trt_engine_read(fb, sizeof(fb), &e, &err), 0);
	assert_int_equal(e.family, CUVET_TRT_FAMILY_FLATBUFFER);
	assert_false(e.version_known);
	assert_false(e.device.known);
	assert_int_equal(e.version_compatible, 0);
	cuvet_trt_engine_release(&e);
	put64(fb, 65);
	expect_error(fb, sizeof(fb), "not a TensorRT engine: unknown magic 41 00 00 00 at offset 0");
}

static void json(void **state)
{
	(void)state;
	size_t len;
	unsigned char *buf = load("trt7.1.3.4-sm75.plan", &len);
	struct cuvet_trt_engine e;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_trt_engine_read(buf, len, &e, &err), 0);
	char *s = cuvet_trt_engine_to_json(&e, "x.plan", false, &err);
	assert_non_null(s);
	assert_string_equal(s, "{\"schema\":\"cuvet.engine/1\",\"path\":\"x.plan\",\"family\":\"plan\",\"wrapper\":null,"
			       "\"tensorrt\":\"7.1.3.4\",\"version_compatible\":false,\"hardware_compatible\":false,"
			       "\"container\":null,\"plan\":{\"offset\":0,\"size\":120749,\"layout\":\"A\","
			       "\"serialization_version\":97,\"crc_ok\":true,\"trailer\":false},\"device\":{"
			       "\"compute_capability\":\"7.5\",\"sm_count\":40,\"integrated\":false,\"memory_bytes\":15843721216,"
			       "\"l2_cache_bytes\":4194304,\"memory_bus_width\":256,\"clock_khz\":1590000,"
			       "\"memory_clock_khz\":5001000,\"layout\":1}}");
	free(s);
	cuvet_trt_engine_release(&e);
	free(buf);
}

/* The provenance record beside an engine: what it says, and whether it is about these bytes.
 * sha256("abc") is FIPS 180-2's first vector. */
static void provenance(void **state)
{
	(void)state;
	const char *rec =
		"{\"schema\": \"cuvet.provenance/1\", \"subject\": [{\"name\": \"x\", \"digest\": {\"sha256\": "
		"\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"}}], \"predicate\": {\"buildDefinition\": "
		"{\"internalParameters\": {\"environment\": {\"driver\": {\"version\": \"580.95.05\"}, \"gpus\": "
		"[{\"name\": \"NVIDIA H200\", \"compute_capability\": \"9.0\"}], \"stack\": [{\"name\": \"cudnn\", "
		"\"version\": \"9.14.0\"}, {\"name\": \"tensorrt\", \"version\": \"10.13.3.9\", \"source\": \"pip\"}]}}}}}";
	struct cuvet_engine_provenance p;
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_engine_provenance_read(rec, strlen(rec), "abc", 3, &p, &err), 0);
	assert_true(p.subject_matches);
	assert_string_equal(p.subject_digest, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(p.tensorrt, "10.13.3.9");
	assert_string_equal(p.tensorrt_source, "pip");
	assert_string_equal(p.compute_capability, "9.0");
	assert_string_equal(p.gpu, "NVIDIA H200");
	assert_string_equal(p.driver, "580.95.05");
	cuvet_engine_provenance_release(&p);
	/* other bytes */
	assert_int_equal(cuvet_engine_provenance_read(rec, strlen(rec), "abd", 3, &p, &err), 0);
	assert_false(p.subject_matches);
	cuvet_engine_provenance_release(&p);
	const char *lock = "{\"schema\": \"cuvet.lock/1\"}";
	assert_int_equal(cuvet_engine_provenance_read(lock, strlen(lock), "abc", 3, &p, &err), -1);
	assert_string_equal(err.msg, "not a cuvet.provenance/1 record (schema \"cuvet.lock/1\")");
	assert_int_equal(cuvet_engine_provenance_read("{}", 2, "abc", 3, &p, &err), -1);
	assert_string_equal(err.msg, "not a cuvet.provenance/1 record (schema missing)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trt86), cmocka_unit_test(trt10), cmocka_unit_test(trt7),
		cmocka_unit_test(not_engines), cmocka_unit_test(json), cmocka_unit_test(provenance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
