/*
 * A test double for libcuda: only cuDriverGetVersion, which cuvet asks when NVML cannot say
 * which CUDA the driver supports.
 *
 * CUVET_FAKE_CUDA_VERSION  the version to report (1000*major + 10*minor), default 12040;
 *                          "error" makes the call return CUDA_ERROR_UNKNOWN (999).
 */
#include <stdlib.h>
#include <string.h>

#define CUDA_SUCCESS 0
#define CUDA_ERROR_INVALID_VALUE 1
#define CUDA_ERROR_UNKNOWN 999

__attribute__((visibility("default"))) int cuDriverGetVersion(int *version);

int cuDriverGetVersion(int *version)
{
	const char *v = getenv("CUVET_FAKE_CUDA_VERSION");
	if (!version)
		return CUDA_ERROR_INVALID_VALUE;
	if (!v)
		v = "12040";
	if (strcmp(v, "error") == 0)
		return CUDA_ERROR_UNKNOWN;
	char *end = NULL;
	long x = strtol(v, &end, 10);
	if (!*v || *end || x < 0 || x > 1000000)
		return CUDA_ERROR_INVALID_VALUE;
	*version = (int)x;
	return CUDA_SUCCESS;
}
