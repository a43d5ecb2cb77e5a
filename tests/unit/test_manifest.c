/* Manifests and indexes from bytes (manifest.c), and the index entry picked for a platform with
 * containerd's normalisation (platforms.Normalize: x86_64 -> amd64, aarch64 -> arm64, arm64's v8 and
 * amd64's v1 are the default variant, 32-bit arm defaults to v7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "image_internal.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define D4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"
#define D5 "sha256:5555555555555555555555555555555555555555555555555555555555555555"

static const char index_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_DOCKER_LIST "\",\"manifests\":["
	"{\"mediaType\":\"" IMAGE_MT_DOCKER_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
	"{\"mediaType\":\"" IMAGE_MT_DOCKER_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":2,"
	"\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
	"{\"mediaType\":\"" IMAGE_MT_DOCKER_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":3,"
	"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
	"{\"mediaType\":\"" IMAGE_MT_DOCKER_MANIFEST "\",\"digest\":\"" D4 "\",\"size\":4,"
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\",\"variant\":\"v3\"}},"
	"{\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\",\"digest\":\"" D5 "\",\"size\":5,"
	"\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";

static long pick(const struct image_manifest *m, const char *platform, struct cuvet_error *err)
{
	memset(err, 0, sizeof(*err));
	return image_index_pick(m, platform, err);
}

static void test_index_pick(void **state)
{
	(void)state;
	struct image_manifest m;
	struct cuvet_error err = {0};
	assert_int_equal(image_manifest_parse(index_json, strlen(index_json), IMAGE_MT_DOCKER_LIST, &m, &err), 0);
	assert_int_equal(m.kind, IMAGE_INDEX);
	assert_int_equal(m.nitems, 5);
	assert_string_equal(m.items[2].variant, "v8");
	assert_int_equal(m.items[4].size, 5);
	assert_int_equal(pick(&m, "linux/amd64", &err), 0);
	assert_int_equal(pick(&m, "linux/x86_64", &err), 0);
	assert_int_equal(pick(&m, "linux/amd64/v1", &err), 0);
	assert_int_equal(pick(&m, "linux/amd64/v3", &err), 3);
	assert_int_equal(pick(&m, "linux/arm64", &err), 2);
	assert_int_equal(pick(&m, "linux/aarch64", &err), 2);
	assert_int_equal(pick(&m, "linux/arm64/v8", &err), 2);
	assert_int_equal(pick(&m, "linux/arm", &err), 1);
	assert_int_equal(pick(&m, "linux/arm/v7", &err), 1);
	assert_int_equal(pick(&m, "linux/armhf", &err), 1);
	assert_int_equal(pick(&m, "linux/arm/v6", &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "no linux/arm/v6 image in the index; it has linux/amd64, linux/arm/v7, "
				     "linux/arm64/v8, linux/amd64/v3, unknown/unknown");
	assert_int_equal(pick(&m, "windows/amd64", &err), -1);
	assert_int_equal(pick(&m, "linux", &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_int_equal(pick(&m, "linux/amd64/v1/x", &err), -1);
	assert_int_equal(pick(&m, "/amd64", &err), -1);
	assert_int_equal(pick(&m, "linux/amd64/", &err), -1);
#if defined(__x86_64__)
	assert_int_equal(pick(&m, NULL, &err), 0);
#endif
	image_manifest_release(&m);
}

static void test_manifest(void **state)
{
	(void)state;
	static const char json[] = "{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\","
				   "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1
				   "\",\"size\":7023},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
				   "\"digest\":\"" D2 "\",\"size\":32654},{\"digest\":\"" D3 "\",\"size\":0}]}";
	struct image_manifest m;
	struct cuvet_error err = {0};
	/* a Content-Type with parameters, or none at all, names the same kind */
	assert_int_equal(image_manifest_parse(json, strlen(json), IMAGE_MT_OCI_MANIFEST "; charset=utf-8", &m, &err), 0);
	image_manifest_release(&m);
	assert_int_equal(image_manifest_parse(json, strlen(json), NULL, &m, &err), 0);
	assert_int_equal(m.kind, IMAGE_MANIFEST);
	assert_string_equal(m.config.digest, D1);
	assert_int_equal(m.config.size, 7023);
	assert_int_equal(m.nitems, 2);
	assert_string_equal(m.items[0].digest, D2);
	assert_int_equal(m.items[0].size, 32654);
	assert_string_equal(m.items[1].media_type, "");
	image_manifest_release(&m);
	/* the members decide when neither side names a type */
	static const char bare[] = "{\"schemaVersion\":2,\"manifests\":[]}";
	assert_int_equal(image_manifest_parse(bare, strlen(bare), "application/json", &m, &err), 0);
	assert_int_equal(m.kind, IMAGE_INDEX);
	assert_int_equal(m.nitems, 0);
	image_manifest_release(&m);
}

static void bad(const char *json, const char *ct, const char *msg)
{
	struct image_manifest m;
	struct cuvet_error err = {0};
	assert_int_equal(image_manifest_parse(json, strlen(json), ct, &m, &err), -1);
	if (!strstr(err.msg, msg))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, msg);
	assert_null(m.items);
}

static void test_refused(void **state)
{
	(void)state;
	static const char man[] = "{\"schemaVersion\":2,\"mediaType\":\"" IMAGE_MT_OCI_MANIFEST "\",\"config\":{\"digest\":\"" D1
				  "\",\"size\":1},\"layers\":[]}";
	bad(man, IMAGE_MT_OCI_INDEX, "Content-Type " IMAGE_MT_OCI_INDEX " but mediaType " IMAGE_MT_OCI_MANIFEST);
	bad("{\"schemaVersion\":1,\"name\":\"x\"}", NULL, "schema 1");
	bad("{\"schemaVersion\":3,\"layers\":[]}", NULL, "schemaVersion is not 2");
	bad("[]", NULL, "not a JSON object");
	bad("{\"schemaVersion\":2", NULL, "manifest: line 1");
	bad("{\"schemaVersion\":2,\"mediaType\":\"text/plain\",\"layers\":[]}", NULL, "unsupported mediaType");
	bad("{\"schemaVersion\":2}", NULL, "neither an image manifest nor an index");
	bad("{\"schemaVersion\":2,\"layers\":{}}", IMAGE_MT_OCI_MANIFEST, "\"layers\" is not an array");
	bad("{\"schemaVersion\":2,\"layers\":[]}", IMAGE_MT_OCI_MANIFEST, "manifest config: not an object");
	bad("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:abc\",\"size\":1},\"layers\":[]}", NULL,
	    "digest \"sha256:abc\" is not sha256");
	bad("{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}", NULL,
	    "\"size\" is not a non-negative integer");
	bad("{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":1},\"layers\":[{\"digest\":\"" D2
	    "\",\"size\":\"5\"}]}",
	    NULL, "manifest layers[0]: \"size\" is not");
	bad("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D2 "\",\"size\":5,\"platform\":[]}]}", NULL,
	    "manifest manifests[0]: \"platform\" is not an object");
	bad("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D2 "\",\"size\":5,\"platform\":{\"os\":7}}]}", NULL,
	    "\"os\" is not a string");
	bad("{\"schemaVersion\":2,\"schemaVersion\":2,\"manifests\":[]}", NULL, "duplicate");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_pick),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
