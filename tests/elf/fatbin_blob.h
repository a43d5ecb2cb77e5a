/* A small hand-made fat binary container, shared by the host-ELF fixture (fatbin_host.c, built
 * by mkfixtures.sh) and test_fatbin.c. Layout as nvcc 13.0 writes it (shared/formats/fatbin.md):
 * container {magic 0xBA55ED50, version 1, header 0x10, fat_size 0xC0}, then
 *   PTX entry: header 0x50 (options record at 0x40 -> "-O3" at 0x48), payload 0x10, ISA 9.0,
 *              sm 80, flags 0x8011 (zstd | linux | 64-bit), compressed 0x0d, uncompressed 0x40
 *   ELF entry: header 0x40, payload 0x20, cubin format 1.8, sm 90, flags 0x100011 (sm_90a). */
#define CUVET_TEST_FATBIN_BLOB \
	/* container */ \
	0x50, 0xED, 0x55, 0xBA, 0x01, 0x00, 0x10, 0x00, 0xC0, 0, 0, 0, 0, 0, 0, 0, \
	/* PTX entry header */ \
	0x01, 0x00, 0x01, 0x01, 0x50, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, \
	0x0d, 0, 0, 0, 0x40, 0, 0, 0, 0x00, 0x00, 0x09, 0x00, 80, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x80, 0, 0, 0, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, \
	0x48, 0, 0, 0, 0x04, 0, 0, 0, '-', 'O', '3', 0, 0, 0, 0, 0, \
	/* PTX payload (stands in for a zstd frame) */ \
	0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, \
	/* ELF entry header */ \
	0x02, 0x00, 0x01, 0x01, 0x40, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0x01, 0x00, 90, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x00, 0x10, 0, 0, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
	/* ELF payload (the start of a cubin) */ \
	0x7F, 'E', 'L', 'F', 2, 1, 1, 0x41, 8, 0, 0, 0, 0, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
