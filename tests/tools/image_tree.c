/* image_tree SOURCE [PLATFORM]: opens an image source with its layers merged (cuvet_image_open)
 * and prints what the view holds, one entry a line, sorted by path:
 *   PATH d MODE
 *   PATH l MODE -> TARGET
 *   PATH o MODE
 *   PATH f MODE SIZE whole sha256:HEX | part HELD | none
 * after "#" lines with the manifest, config and layer digests. On an error: "error CODE: MSG" on
 * stderr, exit 1. Used by tests/image/build_images.py against umoci unpack's rootfs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuvet_image.h"
#include "sha256.h"

static int walk(struct cuvet_fs *fs, const char *dir)
{
	struct cuvet_fs_dir d;
	struct cuvet_error err = {0};
	if (cuvet_fs_list(fs, dir, &d, &err) < 0) {
		fprintf(stderr, "error %d: %s\n", err.code, err.msg);
		return -1;
	}
	for (size_t i = 0; i < d.count; i++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, d.names[i]);
		struct cuvet_fs_mem_info mi;
		if (cuvet_fs_mem_info(fs, path, &mi, &err) < 0) {
			fprintf(stderr, "error %d: %s\n", err.code, err.msg);
			cuvet_fs_dir_release(&d);
			return -1;
		}
		switch (mi.type) {
		case CUVET_FS_DIR:
			printf("%s d %04o\n", path, mi.mode);
			if (walk(fs, path) < 0) {
				cuvet_fs_dir_release(&d);
				return -1;
			}
			break;
		case CUVET_FS_LINK: {
			char t[8192];
			if (cuvet_fs_readlink(fs, path, t, sizeof(t), &err) < 0)
				snprintf(t, sizeof(t), "(%s)", err.msg);
			printf("%s l %04o -> %s\n", path, mi.mode, t);
			break;
		}
		case CUVET_FS_FILE:
			printf("%s f %04o %llu ", path, mi.mode, (unsigned long long)mi.size);
			if (mi.held == CUVET_FS_HELD_WHOLE) {
				char *data;
				size_t len;
				if (cuvet_fs_read(fs, path, SIZE_MAX / 2, &data, &len, &err) < 0) {
					printf("unreadable %s\n", err.msg);
					break;
				}
				char hex[SHA256_DIGEST_STR];
				if (sha256_buf(data, len, hex, &err) < 0) {
					printf("unhashable %s\n", err.msg);
					free(data);
					break;
				}
				printf("whole %s\n", hex);
				free(data);
			} else if (mi.held == CUVET_FS_HELD_PART) {
				printf("part %llu\n", (unsigned long long)mi.held_bytes);
			} else {
				printf("none\n");
			}
			break;
		default:
			printf("%s o %04o\n", path, mi.mode);
		}
	}
	cuvet_fs_dir_release(&d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: image_tree SOURCE [PLATFORM]\n");
		return 2;
	}
	struct cuvet_image_opts opts = {.layers = true, .platform = argc > 2 ? argv[2] : NULL};
	const char *lim = getenv("IMAGE_TREE_LIMITS"); /* "entries bytes ratio path" for the hostile tests */
	if (lim) {
		unsigned long long a, b, c, d;
		if (sscanf(lim, "%llu %llu %llu %llu", &a, &b, &c, &d) == 4) {
			opts.limits.max_entries = a;
			opts.limits.max_bytes = b;
			opts.limits.max_ratio = (uint32_t)c;
			opts.limits.max_path = (uint32_t)d;
		}
	}
	struct cuvet_error err = {0};
	struct cuvet_image *img = cuvet_image_open(argv[1], &opts, &err);
	if (!img) {
		fprintf(stderr, "error %d: %s\n", err.code, err.msg);
		return 1;
	}
	const struct cuvet_image_info *in = cuvet_image_info(img);
	printf("# ref %s\n# index %s\n# manifest %s\n# config %s\n", in->ref ? in->ref : "-",
	       in->index_digest ? in->index_digest : "-", in->manifest_digest ? in->manifest_digest : "-",
	       in->config_digest ? in->config_digest : "-");
	for (size_t i = 0; i < in->nlayers; i++)
		printf("# layer %s %s %llu %s\n", in->layers[i].digest ? in->layers[i].digest : "-",
		       in->layers[i].media_type[0] ? in->layers[i].media_type : "-", (unsigned long long)in->layers[i].size,
		       in->layers[i].diff_id ? in->layers[i].diff_id : "-");
	int rc = walk(cuvet_image_fs(img), "/") < 0 ? 1 : 0;
	cuvet_image_free(img);
	return rc;
}
