/* A stand-in for a CUDA library in the image tests: built with the SONAME of the library it plays
 * (tests/meson.build), so the probe reads a real ELF SONAME and the loader model picks it. */
int cuvet_image_test_symbol(void);
int cuvet_image_test_symbol(void)
{
	return 42;
}
