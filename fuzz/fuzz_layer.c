/* libFuzzer harness for the archive reader: image_layer_apply (layers.c) on arbitrary bytes as a
 * layer blob (gzip, zstd or a plain tar, told from its bytes), merged twice into one view so that
 * whiteouts, opaque directories and hard links meet a lower layer; the ELF keeper (elfkeep.c)
 * runs on every member that starts like an ELF file. The stream hands out the bytes in pieces
 * whose size the first input byte picks, so chunk boundaries move. Limits are low so that bombs
 * stop fast. Built and run by fuzz/run.sh with the whole library; seeds: small layer tars made
 * there (a library, links, whiteouts), plain and gzip. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet.h"
#include "cuvet_readers.h"
#include "image_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_stream {
	const uint8_t *data;
	size_t len, pos, step;
};

static long long fz_read(void *impl, const void **buf, struct cuvet_error *err)
{
	(void)err;
	struct fz_stream *s = impl;
	size_t n = s->len - s->pos < s->step ? s->len - s->pos : s->step;
	*buf = s->data + s->pos;
	s->pos += n;
	return (long long)n;
}

static void walk(struct cuvet_fs *fs, const char *dir, int depth)
{
	struct cuvet_fs_dir d;
	if (depth > 8 || cuvet_fs_list(fs, dir, &d, NULL) < 0)
		return;
	for (size_t i = 0; i < d.count; i++) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", strcmp(dir, "/") ? dir : "", d.names[i]);
		struct cuvet_fs_mem_info mi;
		if (cuvet_fs_mem_info(fs, p, &mi, NULL) < 0)
			continue;
		if (mi.type == CUVET_FS_DIR) {
			walk(fs, p, depth + 1);
		} else {
			/* read what the readers would: the mapped bytes, through links too */
			const void *b;
			size_t len;
			if (cuvet_fs_map(fs, p, &b, &len, NULL) == 0) {
				struct cuvet_elf_info info;
				if (cuvet_elf_read(b, len, &info, NULL) == 0)
					cuvet_elf_info_release(&info);
				cuvet_fs_unmap(fs, b, len);
			}
		}
	}
	cuvet_fs_dir_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const size_t steps[] = {1, 7, 512, 4096, 65536, 1 << 20};
	struct cuvet_image_opts opts = {.limits = {.max_entries = 10000, .max_bytes = 64u << 20, .max_ratio = 200}};
	struct cuvet_error err;
	struct cuvet_image *img = image_new("fuzz", &opts, &err);
	if (!img)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		struct fz_stream s = {data + 1, size - 1, 0, steps[data[0] % 6]};
		struct image_stream st = {&s, fz_read, NULL};
		if (image_layer_apply(img, &st, NULL, &err) < 0)
			break;
	}
	struct cuvet_fs *fs = cuvet_image_fs(img);
	if (fs)
		walk(fs, "/", 0);
	cuvet_image_free(img);
	return 0;
}
