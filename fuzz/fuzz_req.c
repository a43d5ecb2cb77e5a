/* libFuzzer harness for the requirement grammar and its evaluation: the input is one
 * NVIDIA_REQUIRE expression, checked against a fixed two-GPU facts set. Any input must give a
 * verdict or an error, never a crash, a hang or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char facts_json[] =
	"{\"schema\": \"cuvet.facts/1\", \"root\": \"/\","
	" \"driver\": {\"present\": true, \"kernel_version\": \"535.104.05\", \"cuda_driver_version\": 12020,"
	"  \"cuda_source\": \"nvml\", \"nvml_status\": 0},"
	" \"gpus\": [{\"index\": 0, \"name\": \"Tesla T4\", \"compute_capability\": \"7.5\", \"brand\": \"tesla\","
	"  \"memory_mib\": 15360, \"segment\": \"datacenter\"},"
	"  {\"index\": 1, \"name\": \"NVIDIA L40S\", \"compute_capability\": \"8.9\", \"brand\": \"nvidia\"}],"
	" \"libraries\": [{\"family\": \"cudnn\", \"name\": \"libcudnn.so.9\", \"path\": \"/usr/lib/libcudnn.so.9\","
	"  \"version\": \"9.1.0\", \"default_pick\": true, \"cuda_major\": 12}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cuvet_facts *facts;
	static struct cuvet_ctx *ctx;
	static struct cuvet_host *host;
	if (!facts) {
		facts = cuvet_facts_from_json(facts_json, sizeof(facts_json) - 1, NULL);
		ctx = cuvet_ctx_new(NULL, NULL);
		host = facts && ctx ? cuvet_host_new(ctx, facts, NULL, NULL) : NULL;
		if (!host)
			abort();
	}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct cuvet_error err;
	struct cuvet_check *c = cuvet_check_new(&err);
	if (c) {
		cuvet_check_add(c, "fuzz", text, false, &err);
		struct cuvet_check_opts opts = {.assume_unknown_pass = size % 2 == 1};
		if (cuvet_check_eval(c, host, &opts, &err) == 0) {
			char *j = cuvet_check_to_json(c, false, &err);
			free(j);
		}
		cuvet_check_free(c);
	}
	free(text);
	return 0;
}
