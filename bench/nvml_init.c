/* The reference point for `cuvet probe` with NVML: a process that only dlopens NVML, runs
 * nvmlInit_v2 and nvmlShutdown, as any NVML client must. */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	void *h = dlopen("libnvidia-ml.so.1", RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	int (*init)(void) = (int (*)(void))dlsym(h, "nvmlInit_v2");
	int (*shutdown)(void) = (int (*)(void))dlsym(h, "nvmlShutdown");
	if (!init || !shutdown || init() != 0)
		return 1;
	return shutdown() == 0 ? 0 : 1;
}
