#include "cuvet_config.h"
#include "internal.h"

const char *cuvet_library_version(void)
{
	return CUVET_VERSION;
}

const char *cuvet_build_flags(void)
{
	return CUVET_BUILD_FLAGS;
}
