/* A host object carrying the test fatbin twice in .nv_fatbin (with zero padding between, as a
 * linker may leave) and once in __nv_relfatbin. */
#include "fatbin_blob.h"
__attribute__((section(".nv_fatbin"), aligned(8), used)) static const unsigned char fatbin1[] = {
	CUVET_TEST_FATBIN_BLOB, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
__attribute__((section(".nv_fatbin"), aligned(8), used)) static const unsigned char fatbin2[] = {
	CUVET_TEST_FATBIN_BLOB,
};
__attribute__((section("__nv_relfatbin"), aligned(8), used)) static const unsigned char relfatbin[] = {
	CUVET_TEST_FATBIN_BLOB,
};
int host_function(void);
int host_function(void) { return 0; }
