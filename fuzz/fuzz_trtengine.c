/* libFuzzer harness for the TensorRT engine header reader: cuvet_trt_engine_read on arbitrary
 * bytes (an ftrt container, a bare ptrt plan, TensorRT 5's FlatBuffer, Ultralytics' wrapper).
 * Seeds: the real engines of tests/data/engines/ (fuzz/run.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet.h"
#include "cuvet_readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1); /* exact size: overreads trip ASan */
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct cuvet_error err;
	struct cuvet_trt_engine e;
	if (cuvet_trt_engine_read(buf, size, &e, &err) == 0) {
		/* what the reader promises whatever the bytes */
		if (e.device.known && (e.device.cc_major < 1 || e.device.cc_major > 15 || e.device.cc_minor > 9))
			abort();
		if (e.plan_offset > size || e.plan_size > size - e.plan_offset || e.engine_offset > size)
			abort();
		if (e.nsections > 64 || (e.wrapper && !e.wrapper_metadata))
			abort();
		for (unsigned i = 0; i < e.nsections && i < 8; i++)
			if (strlen(e.sections[i]) != 4)
				abort();
		cuvet_trt_engine_release(&e);
	}
	free(buf);
	return 0;
}
