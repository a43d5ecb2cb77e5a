/* cuvet_fs_*: one tree built at run time both under mkdtemp() and in memory, read through openat2,
 * through the portable walker and through the in-memory backend with the same expectations;
 * then the in-memory backend's layering, a backend given as a table of operations, a probe of an
 * in-memory tree, and a few reads of this machine's own "/". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

/* Internal test hook in fsview.c. */
void fs_test_disable_openat2(struct cuvet_fs *fs);
#include "fs_internal.h" /* fs_cache_begin/end: the probe's per-run cache */

#include "tree.h"


enum mode { KERNEL, WALKER, MEM };

struct fixture {
	struct cuvet_fs *fs;
	enum mode mode;
};


static int group_setup(void **state)
{
	(void)state;
	if (tree_create("/tmp/cuvet-fsview-XXXXXX") < 0)
		return -1;
	tree_mem = cuvet_fs_mem_new(NULL);
	if (!tree_mem)
		return -1;
	dir("etc");
	put_bytes("etc/x", "inside\n", 7);
	link_("/etc/x", "abs");                    /* absolute: must stay in the root */
	link_("/etc/passwd", "hostonly");          /* exists on the host, not in the root */
	dir("dir");
	dir("dir/sub");
	link_("../../etc/x", "dir/sub/rel");
	link_("../../../../etc/x", "dir/esc");    /* climbs past the root: stays at the root */
	link_("../../../..", "dir/escdir");
	link_("dir", "linkdir");
	link_("loop_b", "loop_a");
	link_("loop_a", "loop_b");
	link_("self", "self");
	link_("/nowhere/file", "dangling");
	dir("deep");
	dir("deep/a");
	dir("deep/a/b");
	dir("deep/a/b/c");
	dir("deep/a/b/c/d");
	dir("deep/a/b/c/d/e");
	dir("deep/a/b/c/d/e/f");
	dir("deep/a/b/c/d/e/f/g");
	dir("deep/a/b/c/d/e/f/g/h");
	put_bytes("deep/a/b/c/d/e/f/g/h/file", "deep", 4);
	link_("deep/a/b/c", "linkdeep");
	/* chain1 -> chain2 -> ... -> chain40 -> etc/x: 40 links, the most a walk may follow;
	 * chain0 adds the 41st. */
	for (int i = 0; i <= 40; i++) {
		char name[32], target[32];
		snprintf(name, sizeof(name), "chain%d", i);
		if (i == 40)
			snprintf(target, sizeof(target), "etc/x");
		else
			snprintf(target, sizeof(target), "chain%d", i + 1);
		link_(target, name);
	}
	char big[200];
	memset(big, 'b', sizeof(big));
	put_bytes("big", big, sizeof(big));
	put_bytes("empty", "", 0);
	dir("listme");
	put_bytes("listme/b", "", 0);
	put_bytes("listme/a", "", 0);
	put_bytes("listme/C", "", 0);
	put_bytes("listme/_z", "", 0);
	put_bytes("listme/.hidden", "", 0);
	put_bytes("listme/a.conf", "", 0);
	dir("listme/sub");
	/* More names than one 16 KiB getdents64 buffer holds, created in reverse order. */
	dir("many");
	for (int i = 599; i >= 0; i--) {
		char name[80];
		snprintf(name, sizeof(name), "many/file-%04d-padding-padding-padding-padding", i);
		put_bytes(name, "", 0);
	}
	link_("/dir/sub/../../etc/x", "abs2");
	fifo_("fifo");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	cuvet_fs_free(tree_mem);
	tree_mem = NULL;
	return tree_remove();
}

static int setup(void **state)
{
	struct fixture *f = *state;
	struct cuvet_error err = {0};
	if (f->mode == MEM) {
		f->fs = tree_mem;
		return 0;
	}
	f->fs = cuvet_fs_open(tree_root, &err);
	if (!f->fs)
		return -1;
	if (f->mode == WALKER)
		fs_test_disable_openat2(f->fs);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->mode != MEM)
		cuvet_fs_free(f->fs);
	f->fs = NULL;
	return 0;
}

static void expect_real(struct cuvet_fs *fs, const char *path, const char *want)
{
	char out[PATH_MAX];
	struct cuvet_error err = {0};
	int rc = cuvet_fs_realpath(fs, path, out, sizeof(out), &err);
	if (rc != 0)
		fail_msg("realpath %s: %s", path, err.msg);
	assert_string_equal(out, want);
}

static void expect_real_err(struct cuvet_fs *fs, const char *path, int code, const char *msg)
{
	char out[PATH_MAX];
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_fs_realpath(fs, path, out, sizeof(out), &err), -1);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, msg);
}

static void test_realpath(void **state)
{
	struct cuvet_fs *fs = ((struct fixture *)*state)->fs;
	expect_real(fs, "/", "/");
	expect_real(fs, "", "/");
	expect_real(fs, "/etc/x", "/etc/x");
	expect_real(fs, "etc/x", "/etc/x");
	expect_real(fs, "//etc///x", "/etc/x");
	expect_real(fs, "/abs", "/etc/x");
	expect_real(fs, "/dir/sub/rel", "/etc/x");
	expect_real(fs, "/dir/esc", "/etc/x");
	expect_real(fs, "/dir/escdir", "/");
	expect_real(fs, "/dir/escdir/etc/x", "/etc/x");
	expect_real(fs, "/../../etc/./x", "/etc/x");
	expect_real(fs, "/..", "/");
	expect_real(fs, "/linkdir/sub/rel", "/etc/x");
	expect_real(fs, "/linkdir/sub", "/dir/sub");
	/* ".." after a link is taken from the link's target (physical walk). */
	expect_real(fs, "/linkdeep/..", "/deep/a/b");
	expect_real(fs, "/linkdeep/d/e/f/g/h/file", "/deep/a/b/c/d/e/f/g/h/file");
	expect_real(fs, "/deep/a/b/c/d/e/f/g/h/file", "/deep/a/b/c/d/e/f/g/h/file");
	expect_real(fs, "/chain1", "/etc/x");
	expect_real(fs, "/abs2", "/etc/x");
	expect_real(fs, "/dir/sub/", "/dir/sub");
	expect_real(fs, "/linkdir/", "/dir");
	expect_real_err(fs, "/dir/sub/rel/", CUVET_E_NOTFOUND, "/dir/sub/rel/ (at /etc/x): Not a directory");
	expect_real_err(fs, "/etc/x/", CUVET_E_NOTFOUND, "/etc/x/: Not a directory");

	expect_real_err(fs, "/chain0", CUVET_E_LOOP, "/chain0: too many levels of symbolic links (more than 40)");
	expect_real_err(fs, "/loop_a", CUVET_E_LOOP, "/loop_a: too many levels of symbolic links (more than 40)");
	expect_real_err(fs, "/self", CUVET_E_LOOP, "/self: too many levels of symbolic links (more than 40)");
	expect_real_err(fs, "/dir/self/x", CUVET_E_NOTFOUND, "/dir/self/x (at /dir/self): No such file or directory");
	expect_real_err(fs, "/missing", CUVET_E_NOTFOUND, "/missing: No such file or directory");
	expect_real_err(fs, "/dangling", CUVET_E_NOTFOUND, "/dangling (at /nowhere): No such file or directory");
	expect_real_err(fs, "/hostonly", CUVET_E_NOTFOUND, "/hostonly (at /etc/passwd): No such file or directory");
	expect_real_err(fs, "/etc/x/y", CUVET_E_NOTFOUND, "/etc/x/y: Not a directory");

	char small[7];
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_fs_realpath(fs, "/abs", small, 6, &err), -1);
	assert_int_equal(err.code, CUVET_E_RANGE);
	assert_string_equal(err.msg, "/abs: resolved path longer than the buffer");
	assert_int_equal(cuvet_fs_realpath(fs, "/abs", small, 7, &err), 0);
	assert_string_equal(small, "/etc/x");
}

static void test_read(void **state)
{
	struct cuvet_fs *fs = ((struct fixture *)*state)->fs;
	struct cuvet_error err = {0};
	char *data = NULL;
	size_t len = 99;

	assert_int_equal(cuvet_fs_read(fs, "/abs", 0, &data, &len, &err), 0);
	assert_int_equal(len, 7);
	assert_string_equal(data, "inside\n");
	free(data);
	assert_int_equal(cuvet_fs_read(fs, "/dir/esc", 0, &data, &len, &err), 0);
	assert_string_equal(data, "inside\n");
	free(data);
	assert_int_equal(cuvet_fs_read(fs, "/linkdeep/d/e/f/g/h/file", 0, &data, &len, &err), 0);
	assert_int_equal(len, 4);
	assert_string_equal(data, "deep");
	free(data);
	assert_int_equal(cuvet_fs_read(fs, "/chain1", 0, &data, &len, &err), 0);
	assert_string_equal(data, "inside\n");
	free(data);

	assert_int_equal(cuvet_fs_read(fs, "/empty", 0, &data, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);

	assert_int_equal(cuvet_fs_read(fs, "/big", 200, &data, &len, &err), 0);
	assert_int_equal(len, 200);
	assert_int_equal(data[199], 'b');
	assert_int_equal(data[200], '\0');
	free(data);

	data = (char *)1;
	assert_int_equal(cuvet_fs_read(fs, "/big", 199, &data, &len, &err), -1);
	assert_null(data);
	assert_int_equal(err.code, CUVET_E_RANGE);
	assert_string_equal(err.msg, "/big: larger than the limit of 199 bytes");

	assert_int_equal(cuvet_fs_read(fs, "/dir", 0, &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_IO);
	assert_string_equal(err.msg, "/dir: Is a directory");
	assert_int_equal(cuvet_fs_read(fs, "/linkdir", 0, &data, &len, &err), -1);
	assert_string_equal(err.msg, "/linkdir: Is a directory");

	assert_int_equal(cuvet_fs_read(fs, "/loop_a", 0, &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_LOOP);
	assert_string_equal(err.msg, "/loop_a: too many levels of symbolic links (more than 40)");
	assert_int_equal(cuvet_fs_read(fs, "/chain0", 0, &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_LOOP);

	assert_int_equal(cuvet_fs_read(fs, "/hostonly", 0, &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "/hostonly (at /etc/passwd): No such file or directory");
	assert_int_equal(cuvet_fs_read(fs, "/missing", 0, &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "/missing: No such file or directory");

	/* A FIFO must not block the reader. */
	assert_int_equal(cuvet_fs_read(fs, "/fifo", 0, &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "/fifo: not a regular file");
}

static void test_map(void **state)
{
	struct cuvet_fs *fs = ((struct fixture *)*state)->fs;
	struct cuvet_error err = {0};
	const void *data = NULL;
	size_t len = 0;

	assert_int_equal(cuvet_fs_map(fs, "/abs", &data, &len, &err), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "inside\n", 7);
	cuvet_fs_unmap(fs, data, len);

	data = (const void *)1;
	len = 5;
	assert_int_equal(cuvet_fs_map(fs, "/empty", &data, &len, &err), 0);
	assert_null(data);
	assert_int_equal(len, 0);
	cuvet_fs_unmap(fs, data, len);

	assert_int_equal(cuvet_fs_map(fs, "/dir", &data, &len, &err), -1);
	assert_string_equal(err.msg, "/dir: Is a directory");
	assert_int_equal(cuvet_fs_map(fs, "/dangling", &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
}

static void test_list(void **state)
{
	struct cuvet_fs *fs = ((struct fixture *)*state)->fs;
	struct cuvet_error err = {0};
	struct cuvet_fs_dir d;
	const char *want[] = {".hidden", "C", "_z", "a", "a.conf", "b", "sub"};

	assert_int_equal(cuvet_fs_list(fs, "/listme", &d, &err), 0);
	assert_int_equal(d.count, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < d.count; i++)
		assert_string_equal(d.names[i], want[i]);
	cuvet_fs_dir_release(&d);
	assert_null(d.names);

	assert_int_equal(cuvet_fs_list(fs, "/linkdir/sub", &d, &err), 0);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.names[0], "rel");
	cuvet_fs_dir_release(&d);

	assert_int_equal(cuvet_fs_list(fs, "/listme/sub", &d, &err), 0);
	assert_int_equal(d.count, 0);
	assert_null(d.names);
	cuvet_fs_dir_release(&d);

	assert_int_equal(cuvet_fs_list(fs, "/many", &d, &err), 0);
	assert_int_equal(d.count, 600);
	for (size_t i = 0; i < d.count; i++) {
		char name[80];
		snprintf(name, sizeof(name), "file-%04zu-padding-padding-padding-padding", i);
		assert_string_equal(d.names[i], name);
	}
	cuvet_fs_dir_release(&d);

	/* The root through a link that climbs out of it. */
	assert_int_equal(cuvet_fs_list(fs, "/dir/escdir", &d, &err), 0);
	assert_true(d.count > 50);
	assert_string_equal(d.names[0], "abs");
	cuvet_fs_dir_release(&d);

	assert_int_equal(cuvet_fs_list(fs, "/etc/x", &d, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "/etc/x: Not a directory");
	assert_int_equal(cuvet_fs_list(fs, "/missing", &d, &err), -1);
	assert_string_equal(err.msg, "/missing: No such file or directory");
	assert_int_equal(cuvet_fs_list(fs, "/self", &d, &err), -1);
	assert_int_equal(err.code, CUVET_E_LOOP);
}

static void test_type(void **state)
{
	struct cuvet_fs *fs = ((struct fixture *)*state)->fs;
	assert_int_equal(cuvet_fs_type(fs, "/abs", true), CUVET_FS_FILE);
	assert_int_equal(cuvet_fs_type(fs, "/abs", false), CUVET_FS_LINK);
	assert_int_equal(cuvet_fs_type(fs, "/dir", true), CUVET_FS_DIR);
	assert_int_equal(cuvet_fs_type(fs, "/", true), CUVET_FS_DIR);
	assert_int_equal(cuvet_fs_type(fs, "/linkdir", true), CUVET_FS_DIR);
	assert_int_equal(cuvet_fs_type(fs, "/linkdir", false), CUVET_FS_LINK);
	assert_int_equal(cuvet_fs_type(fs, "/linkdir/sub/rel", false), CUVET_FS_LINK);
	assert_int_equal(cuvet_fs_type(fs, "/linkdir/sub/rel", true), CUVET_FS_FILE);
	assert_int_equal(cuvet_fs_type(fs, "/dir/escdir", true), CUVET_FS_DIR);
	assert_int_equal(cuvet_fs_type(fs, "/dangling", true), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_type(fs, "/dangling", false), CUVET_FS_LINK);
	assert_int_equal(cuvet_fs_type(fs, "/hostonly", true), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_type(fs, "/loop_a", true), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_type(fs, "/loop_a", false), CUVET_FS_LINK);
	assert_int_equal(cuvet_fs_type(fs, "/missing", true), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_type(fs, "/missing", false), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_type(fs, "/fifo", true), CUVET_FS_OTHER);
	assert_int_equal(cuvet_fs_type(fs, "/chain1", true), CUVET_FS_FILE);
	assert_int_equal(cuvet_fs_type(fs, "/chain0", true), CUVET_FS_NONE);
}

static void test_readlink(void **state)
{
	struct cuvet_fs *fs = ((struct fixture *)*state)->fs;
	struct cuvet_error err = {0};
	char out[PATH_MAX];

	assert_int_equal(cuvet_fs_readlink(fs, "/abs", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/etc/x");
	assert_int_equal(cuvet_fs_readlink(fs, "/linkdir/sub/rel", out, sizeof(out), &err), 0);
	assert_string_equal(out, "../../etc/x");
	assert_int_equal(cuvet_fs_readlink(fs, "/dangling", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/nowhere/file");
	assert_int_equal(cuvet_fs_readlink(fs, "/etc/x", out, sizeof(out), &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "/etc/x: not a symbolic link");
	assert_int_equal(cuvet_fs_readlink(fs, "/missing", out, sizeof(out), &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "/missing: No such file or directory");
	char small[6];
	assert_int_equal(cuvet_fs_readlink(fs, "/abs", small, sizeof(small), &err), -1);
	assert_int_equal(err.code, CUVET_E_RANGE);
}

static void test_root(void **state)
{
	struct fixture *f = *state;
	char canon[PATH_MAX];
	assert_false(cuvet_fs_is_host_root(f->fs));
	if (f->mode == MEM) {
		assert_string_equal(cuvet_fs_root(f->fs), "(memory)");
		return;
	}
	assert_non_null(realpath(tree_root, canon));
	assert_string_equal(cuvet_fs_root(f->fs), canon);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	assert_null(cuvet_fs_open("/nonexistent-cuvet-root", &err));
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "cannot open root /nonexistent-cuvet-root: No such file or directory");

	char file[PATH_MAX + 8];
	snprintf(file, sizeof(file), "%s/etc/x", tree_root);
	assert_null(cuvet_fs_open(file, &err));
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_non_null(strstr(err.msg, "Not a directory"));

	/* A root named through a link and with a trailing slash is canonicalised. */
	char via[PATH_MAX + 16], canon[PATH_MAX];
	snprintf(via, sizeof(via), "%s/linkdir/", tree_root);
	struct cuvet_fs *fs = cuvet_fs_open(via, &err);
	assert_non_null(fs);
	snprintf(via, sizeof(via), "%s/dir", tree_root);
	assert_non_null(realpath(via, canon));
	assert_string_equal(cuvet_fs_root(fs), canon);
	char out[PATH_MAX];
	assert_int_equal(cuvet_fs_realpath(fs, "/sub/rel", out, sizeof(out), &err), -1);
	assert_string_equal(err.msg, "/sub/rel (at /etc): No such file or directory");
	cuvet_fs_free(fs);
	cuvet_fs_free(NULL);
}

/* The machine's own root: the kernel's resolution, /proc and /sys sizes. */
static void test_host_root(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_open("/tmp/..", &err);
	assert_non_null(fs);
	assert_string_equal(cuvet_fs_root(fs), "");
	assert_true(cuvet_fs_is_host_root(fs));

	char out[PATH_MAX], want[PATH_MAX];
	if (realpath("/etc/os-release", want)) {
		assert_int_equal(cuvet_fs_realpath(fs, "/etc/os-release", out, sizeof(out), &err), 0);
		assert_string_equal(out, want);
		assert_int_equal(cuvet_fs_realpath(fs, "/../../etc/os-release", out, sizeof(out), &err), 0);
		assert_string_equal(out, want);
	}

	/* /proc: st_size 0, read to EOF. */
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(cuvet_fs_read(fs, "/proc/self/status", 0, &data, &len, &err), 0);
	assert_true(len > 0);
	assert_int_equal(strlen(data), len);
	assert_true(strncmp(data, "Name:\t", 6) == 0);
	free(data);
	assert_int_equal(cuvet_fs_read(fs, "/proc/self/status", 10, &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_RANGE);
	assert_string_equal(err.msg, "/proc/self/status: larger than the limit of 10 bytes");
	/* More than the first 4096-byte buffer. */
	assert_int_equal(cuvet_fs_read(fs, "/proc/self/smaps", 0, &data, &len, &err), 0);
	assert_true(len > 4096);
	assert_int_equal(strlen(data), len);
	free(data);

	/* sysfs: st_size 4096 whatever the contents. */
	struct stat st;
	if (stat("/sys/devices/system/cpu/online", &st) == 0) {
		assert_int_equal(cuvet_fs_read(fs, "/sys/devices/system/cpu/online", 0, &data, &len, &err), 0);
		assert_true(len > 0 && len < 4096);
		assert_int_equal(data[len - 1], '\n');
		assert_int_equal(strlen(data), len);
		free(data);
	}

	assert_int_equal(cuvet_fs_type(fs, "/proc/self", false), CUVET_FS_LINK);
	assert_int_equal(cuvet_fs_type(fs, "/proc/self", true), CUVET_FS_DIR);
	assert_int_equal(cuvet_fs_type(fs, "/nonexistent-cuvet", true), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_read(fs, "/etc", 0, &data, &len, &err), -1);
	assert_string_equal(err.msg, "/etc: Is a directory");
	assert_int_equal(cuvet_fs_read(fs, "/nonexistent-cuvet/x", 0, &data, &len, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "/nonexistent-cuvet/x (at /nonexistent-cuvet): No such file or directory");

	snprintf(out, sizeof(out), "%s", tree_root + 1); /* "tmp/cuvet-fsview-..." */
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "/%s/abs", out);
	assert_int_equal(cuvet_fs_readlink(fs, p, want, sizeof(want), &err), 0);
	assert_string_equal(want, "/etc/x");
	struct cuvet_fs_dir d;
	snprintf(p, sizeof(p), "/%s/listme", out);
	assert_int_equal(cuvet_fs_list(fs, p, &d, &err), 0);
	assert_int_equal(d.count, 7);
	assert_string_equal(d.names[0], ".hidden");
	cuvet_fs_dir_release(&d);
	cuvet_fs_free(fs);
}

static void expect_text(struct cuvet_fs *fs, const char *path, const char *want)
{
	struct cuvet_error err = {0};
	char *data = NULL;
	size_t len = 0;
	if (cuvet_fs_read(fs, path, 0, &data, &len, &err) != 0)
		fail_msg("read %s: %s", path, err.msg);
	assert_int_equal(len, strlen(want));
	assert_string_equal(data, want);
	free(data);
}

static void expect_names(struct cuvet_fs *fs, const char *path, const char *const *want, size_t n)
{
	struct cuvet_error err = {0};
	struct cuvet_fs_dir d;
	if (cuvet_fs_list(fs, path, &d, &err) != 0)
		fail_msg("list %s: %s", path, err.msg);
	assert_int_equal(d.count, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(d.names[i], want[i]);
	cuvet_fs_dir_release(&d);
}

#define NAMES(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)

/* Layers applied in order, as an image reader does: upper entries replace lower ones, whiteouts
 * remove, opaque directories hide, directories merge. */
static void test_mem_layers(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
	assert_non_null(fs);
	assert_false(cuvet_fs_is_host_root(fs));

	/* layer 1 (parents created on the way) */
	assert_int_equal(cuvet_fs_mem_add_file(fs, "usr/lib/libx.so.1", "lower", 5, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_symlink(fs, "lib", "usr/lib", &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "etc/keep", "k", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "etc/gone", "g", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "opt/app/old/deep", "o", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "opt/app/old2", "o", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "bin/a", "AAA", 3, 0755, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_hardlink(fs, "bin/b", "bin/a", &err), 0);
	assert_int_equal(cuvet_fs_mem_add_symlink(fs, "bin/l", "a", &err), 0);
	assert_int_equal(cuvet_fs_mem_add_hardlink(fs, "bin/l2", "/bin/l", &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "./var/./x", "x", 1, 0644, &err), 0);
	expect_text(fs, "/lib/libx.so.1", "lower");
	expect_names(fs, "/", NAMES("bin", "etc", "lib", "opt", "usr", "var"));
	expect_names(fs, "/var", NAMES("x"));

	/* layer 2: whiteouts and opaque markers first, then the entries */
	assert_int_equal(cuvet_fs_mem_remove(fs, "/etc/gone", &err), 0);
	assert_int_equal(cuvet_fs_mem_remove(fs, "/etc/never", &err), 0);
	assert_int_equal(cuvet_fs_mem_remove(fs, "/no/such/parent", &err), 0);
	assert_int_equal(cuvet_fs_mem_remove(fs, "/bin/a", &err), 0);
	assert_int_equal(cuvet_fs_mem_make_opaque(fs, "/opt/app", 0755, &err), 0);
	assert_int_equal(cuvet_fs_mem_make_opaque(fs, "/srv/new", 0755, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/opt/app/new", "n", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/usr/lib/libx.so.1", "upper", 5, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_dir(fs, "/etc", 0700, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_dir(fs, "/var/x", 0755, &err), 0);    /* dir over file */
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/opt", "f", 1, 0644, &err), 0); /* file over dir */

	expect_text(fs, "/lib/libx.so.1", "upper");
	expect_names(fs, "/etc", NAMES("keep"));
	assert_int_equal(cuvet_fs_type(fs, "/etc/gone", false), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_type(fs, "/bin/a", false), CUVET_FS_NONE);
	expect_text(fs, "/bin/b", "AAA"); /* the hard link keeps the bytes */
	char out[PATH_MAX];
	assert_int_equal(cuvet_fs_readlink(fs, "/bin/l2", out, sizeof(out), &err), 0);
	assert_string_equal(out, "a");
	assert_int_equal(cuvet_fs_type(fs, "/bin/l2", true), CUVET_FS_NONE); /* a is gone */
	assert_int_equal(cuvet_fs_type(fs, "/var/x", true), CUVET_FS_DIR);
	expect_names(fs, "/var/x", NULL, 0);
	expect_names(fs, "/srv/new", NULL, 0);
	expect_text(fs, "/opt", "f");
	assert_int_equal(cuvet_fs_type(fs, "/opt/app", true), CUVET_FS_NONE);

	/* the opaque directory, before a file replaced its parent */
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/opt2/app/old", "o", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_make_opaque(fs, "/opt2/app", 0755, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/opt2/app/new", "n", 1, 0644, &err), 0);
	expect_names(fs, "/opt2/app", NAMES("new"));
	/* over a file, an opaque marker makes a directory */
	assert_int_equal(cuvet_fs_mem_make_opaque(fs, "/opt", 0755, &err), 0);
	assert_int_equal(cuvet_fs_type(fs, "/opt", true), CUVET_FS_DIR);

	/* a symlink replaced by a file, and links resolved across what the layers left */
	assert_int_equal(cuvet_fs_mem_add_symlink(fs, "/usr/lib64", "/usr/lib/../../lib", &err), 0);
	assert_int_equal(cuvet_fs_realpath(fs, "/usr/lib64/libx.so.1", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/usr/lib/libx.so.1");
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/lib", "plain", 5, 0644, &err), 0);
	assert_int_equal(cuvet_fs_type(fs, "/lib", false), CUVET_FS_FILE);
	assert_int_equal(cuvet_fs_realpath(fs, "/usr/lib64/libx.so.1", out, sizeof(out), &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "/usr/lib64/libx.so.1 (at /lib/libx.so.1): Not a directory");

	/* a mapping points at the node's bytes; unmap is a no-op */
	const void *data = NULL;
	size_t len = 0;
	assert_int_equal(cuvet_fs_map(fs, "/usr/lib64/../lib/libx.so.1", &data, &len, &err), -1);
	assert_int_equal(cuvet_fs_map(fs, "/usr/lib/libx.so.1", &data, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "upper", 5);
	cuvet_fs_unmap(fs, data, len);

	/* borrowed bytes: read and mapped in place, shared by a hard link, never freed by the view */
	static const char borrowed[] = "in a mapped layer";
	assert_int_equal(cuvet_fs_mem_add_file_ref(fs, "/ref", borrowed, 17, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_hardlink(fs, "/ref2", "/ref", &err), 0);
	expect_text(fs, "/ref2", "in a mapped layer");
	assert_int_equal(cuvet_fs_map(fs, "/ref", &data, &len, &err), 0);
	assert_ptr_equal(data, borrowed);
	assert_int_equal(len, 17);
	cuvet_fs_unmap(fs, data, len);
	assert_int_equal(cuvet_fs_mem_add_file_ref(fs, "/ref", NULL, 0, 0644, &err), 0);
	assert_int_equal(cuvet_fs_map(fs, "/ref", &data, &len, &err), 0);
	assert_null(data);
	assert_int_equal(len, 0);
	expect_text(fs, "/ref", "");

	/* the root's mode can be set, not replaced */
	assert_int_equal(cuvet_fs_mem_add_dir(fs, "/", 0755, &err), 0);
	assert_int_equal(cuvet_fs_mem_make_opaque(fs, "/", 0755, &err), 0);
	expect_names(fs, "/", NULL, 0);
	cuvet_fs_free(fs);
}

static void test_mem_errors(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
	assert_non_null(fs);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/etc/f", "x", 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_symlink(fs, "/link", "etc", &err), 0);

	assert_int_equal(cuvet_fs_mem_add_file(fs, "/etc/f/x", "x", 1, 0644, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "/etc/f/x: /etc/f is not a directory");
	/* a link is not followed while building: an image reader applies paths literally */
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/link/x", "x", 1, 0644, &err), -1);
	assert_string_equal(err.msg, "/link/x: /link is not a directory");
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/etc/../x", "x", 1, 0644, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "/etc/../x: \"..\" in a path to add");
	assert_int_equal(cuvet_fs_type(fs, "/x", false), CUVET_FS_NONE);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/", "x", 1, 0644, &err), -1);
	assert_string_equal(err.msg, "/: the root is a directory");
	assert_int_equal(cuvet_fs_mem_remove(fs, "/", &err), -1);
	assert_string_equal(err.msg, "/: cannot remove the root");
	assert_int_equal(cuvet_fs_mem_add_symlink(fs, "/l2", "", &err), -1);
	assert_string_equal(err.msg, "/l2: empty link target");
	assert_int_equal(cuvet_fs_mem_add_hardlink(fs, "/h", "/etc/none", &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "/h: link to /etc/none: No such file or directory");
	assert_int_equal(cuvet_fs_mem_add_hardlink(fs, "/h", "/etc", &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/n", NULL, 3, 0644, &err), -1);
	assert_int_equal(cuvet_fs_mem_add_file(fs, NULL, "x", 1, 0644, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);

	char *longp = malloc(PATH_MAX + 1);
	assert_non_null(longp);
	memset(longp, 'a', PATH_MAX);
	longp[PATH_MAX] = '\0';
	assert_int_equal(cuvet_fs_mem_add_dir(fs, longp, 0755, &err), -1);
	assert_int_equal(err.code, CUVET_E_RANGE);
	free(longp);

	/* a hard link over itself keeps the bytes */
	assert_int_equal(cuvet_fs_mem_add_hardlink(fs, "/etc/f", "/etc/f", &err), 0);
	expect_text(fs, "/etc/f", "x");

	/* the builders refuse a view that is not in memory */
	struct cuvet_fs *dfs = cuvet_fs_open("/", &err);
	assert_non_null(dfs);
	assert_int_equal(cuvet_fs_mem_add_dir(dfs, "/x", 0755, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "/x: not an in-memory filesystem view");
	cuvet_fs_free(dfs);
	cuvet_fs_free(fs);
}

/* A backend of its own, given as operations: a flat table, no map (reads stand in), and the
 * view's resolution keeping it inside its root and catching its loops. */
struct flat_entry {
	const char *path;
	enum cuvet_fs_type type;
	const char *text; /* contents or link target */
};

static const struct flat_entry flat_entries[] = {
	{"/", CUVET_FS_DIR, NULL},
	{"/etc", CUVET_FS_DIR, NULL},
	{"/etc/os-release", CUVET_FS_FILE, "ID=flat\n"},
	{"/up", CUVET_FS_LINK, "../../../etc/os-release"},
	{"/loop", CUVET_FS_LINK, "/loop"},
};

static const struct flat_entry *flat_find(const char *path)
{
	for (size_t i = 0; i < sizeof(flat_entries) / sizeof(flat_entries[0]); i++)
		if (strcmp(flat_entries[i].path, path) == 0)
			return &flat_entries[i];
	return NULL;
}

static int flat_lstat(void *impl, const char *path, struct cuvet_fs_stat *st)
{
	(void)impl;
	const struct flat_entry *e = flat_find(path);
	if (!e)
		return ENOENT;
	st->type = e->type;
	st->size = e->type == CUVET_FS_FILE ? strlen(e->text) : 0;
	return 0;
}

static int flat_readlink(void *impl, const char *path, char *buf, size_t len)
{
	(void)impl;
	const struct flat_entry *e = flat_find(path);
	if (!e)
		return ENOENT;
	if (e->type != CUVET_FS_LINK)
		return EINVAL;
	if (strlen(e->text) >= len)
		return ENAMETOOLONG;
	strcpy(buf, e->text);
	return 0;
}

static int flat_read(void *impl, const char *path, size_t max, char **data, size_t *len)
{
	(void)impl;
	const struct flat_entry *e = flat_find(path);
	if (!e)
		return ENOENT;
	if (e->type == CUVET_FS_DIR)
		return EISDIR;
	if (strlen(e->text) > max)
		return EFBIG;
	*data = strdup(e->text);
	*len = strlen(e->text);
	return *data ? 0 : ENOMEM;
}

static int flat_list(void *impl, const char *path, int (*add)(void *ctx, const char *name), void *ctx)
{
	(void)impl;
	size_t plen = strcmp(path, "/") == 0 ? 0 : strlen(path);
	for (size_t i = 1; i < sizeof(flat_entries) / sizeof(flat_entries[0]); i++) {
		const char *p = flat_entries[i].path;
		if (strncmp(p, path, plen) == 0 && p[plen] == '/' && !strchr(p + plen + 1, '/')) {
			int e = add(ctx, p + plen + 1);
			if (e)
				return e;
		}
	}
	return 0;
}

static int flat_freed;

static void flat_free(void *impl)
{
	(void)impl;
	flat_freed++;
}

static void test_backend_ops(void **state)
{
	(void)state;
	static const struct cuvet_fs_ops ops = {
		.name = "flat", .lstat = flat_lstat, .readlink = flat_readlink, .read = flat_read,
		.list = flat_list, .free = flat_free,
	};
	struct cuvet_error err = {0};
	flat_freed = 0;
	struct cuvet_fs *fs = cuvet_fs_new(&ops, NULL, &err);
	assert_non_null(fs);
	assert_string_equal(cuvet_fs_root(fs), "flat");
	assert_false(cuvet_fs_is_host_root(fs));
	expect_text(fs, "/up", "ID=flat\n");
	expect_names(fs, "/", NAMES("etc", "loop", "up"));
	char out[PATH_MAX];
	assert_int_equal(cuvet_fs_realpath(fs, "/etc/../../up", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/etc/os-release");
	expect_real_err(fs, "/loop", CUVET_E_LOOP, "/loop: too many levels of symbolic links (more than 40)");
	assert_int_equal(cuvet_fs_type(fs, "/loop", false), CUVET_FS_LINK);
	assert_int_equal(cuvet_fs_type(fs, "/loop", true), CUVET_FS_NONE);

	/* no map operation: the bytes are read, and unmap frees them (ASan checks) */
	const void *data = NULL;
	size_t len = 0;
	assert_int_equal(cuvet_fs_map(fs, "/up", &data, &len, &err), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "ID=flat\n", 8);
	cuvet_fs_unmap(fs, data, len);
	assert_int_equal(cuvet_fs_map(fs, "/etc", &data, &len, &err), -1);
	assert_string_equal(err.msg, "/etc: Is a directory");

	assert_int_equal(flat_freed, 0);
	cuvet_fs_free(fs);
	assert_int_equal(flat_freed, 1);

	/* a table without a required operation is refused, and its impl released */
	static const struct cuvet_fs_ops partial = {.name = "partial", .lstat = flat_lstat, .free = flat_free};
	assert_null(cuvet_fs_new(&partial, NULL, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_int_equal(flat_freed, 2);
}

/* The probe reads an in-memory tree through opts.fs: no host path, no live-host question. */
static void test_probe_mem(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_mem_new(&err);
	assert_non_null(fs);
	static const char version[] =
		"NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build  (dvs-builder@U16-I3-B03-4-3)  Sun Jul 27 06:54:38 UTC 2025\n"
		"GCC version:  gcc version 13.3.0 (Ubuntu 13.3.0-6ubuntu2~24.04)\n";
	static const char os[] = "PRETTY_NAME=\"Ubuntu 24.04.2 LTS\"\nID=ubuntu\nVERSION_ID=\"24.04\"\n";
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/proc/driver/nvidia/version", version, sizeof(version) - 1,
					       0444, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_file(fs, "/usr/lib/os-release", os, sizeof(os) - 1, 0644, &err), 0);
	assert_int_equal(cuvet_fs_mem_add_symlink(fs, "/etc/os-release", "../usr/lib/os-release", &err), 0);

	struct cuvet_probe_opts opts;
	cuvet_probe_opts_init(&opts);
	static char *const env[] = {NULL};
	opts.env = env;
	opts.fs = fs;
	struct cuvet_facts *f = cuvet_probe(&opts, &err);
	if (!f)
		fail_msg("probe: %s", err.msg);
	assert_string_equal(f->driver.kernel_version, "580.65.06");
	assert_string_equal(f->os_id, "ubuntu");
	assert_string_equal(f->os_version, "24.04");
	assert_string_equal(f->os_pretty, "Ubuntu 24.04.2 LTS");
	assert_string_equal(f->root, "(memory)");
	assert_int_equal(f->ngpus, 0);
	cuvet_facts_free(f);
	/* the probe did not free the view */
	expect_text(fs, "/etc/os-release", os);
	cuvet_fs_free(fs);

	/* a directory view given the same way: the facts name its root */
	char canon[PATH_MAX];
	assert_non_null(realpath(tree_root, canon));
	opts.fs = fs = cuvet_fs_open(tree_root, &err);
	assert_non_null(fs);
	f = cuvet_probe(&opts, &err);
	if (!f)
		fail_msg("probe: %s", err.msg);
	assert_string_equal(f->root, canon);
	assert_null(f->driver.kernel_version);
	cuvet_facts_free(f);
	assert_int_equal(cuvet_fs_type(fs, "/etc/x", true), CUVET_FS_FILE);
	cuvet_fs_free(fs);
}

/* Copies everything under PATH in view FROM into the in-memory view TO, through the public calls. */
static void copy_tree(struct cuvet_fs *from, struct cuvet_fs *to, const char *path)
{
	struct cuvet_error err = {0};
	struct cuvet_fs_dir d;
	if (cuvet_fs_list(from, path, &d, &err) != 0)
		fail_msg("list %s: %s", path, err.msg);
	for (size_t i = 0; i < d.count; i++) {
		char p[PATH_MAX], target[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", strcmp(path, "/") == 0 ? "" : path, d.names[i]);
		char *data = NULL;
		size_t len = 0;
		switch (cuvet_fs_type(from, p, false)) {
		case CUVET_FS_DIR:
			assert_int_equal(cuvet_fs_mem_add_dir(to, p, 0755, &err), 0);
			copy_tree(from, to, p);
			break;
		case CUVET_FS_LINK:
			assert_int_equal(cuvet_fs_readlink(from, p, target, sizeof(target), &err), 0);
			assert_int_equal(cuvet_fs_mem_add_symlink(to, p, target, &err), 0);
			break;
		case CUVET_FS_FILE:
			if (cuvet_fs_read(from, p, 0, &data, &len, &err) != 0)
				fail_msg("read %s: %s", p, err.msg);
			assert_int_equal(cuvet_fs_mem_add_file(to, p, data, len, 0644, &err), 0);
			free(data);
			break;
		default:
			assert_int_equal(cuvet_fs_mem_add_other(to, p, 0644, &err), 0);
			break;
		}
	}
	cuvet_fs_dir_release(&d);
}

static char *probe_json(struct cuvet_fs *fs)
{
	struct cuvet_probe_opts opts;
	cuvet_probe_opts_init(&opts);
	static char *env[] = {"LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib",
			      "PATH=/opt/torch/.venv/bin:/usr/bin:/bin", "NVIDIA_VISIBLE_DEVICES=0", NULL};
	opts.env = env;
	opts.fs = fs;
	opts.read_gpu_code = true;
	struct cuvet_error err = {0};
	struct cuvet_facts *f = cuvet_probe(&opts, &err);
	if (!f)
		fail_msg("probe: %s", err.msg);
	free(f->root); /* the one fact that names the view */
	f->root = strdup("/");
	f->probe_seconds = 0;
	char *json = cuvet_facts_to_json(f, true, &err);
	assert_non_null(json);
	cuvet_facts_free(f);
	return json;
}

/* The H200 fixture root (built at test time), probed from its directory and from a copy in
 * memory: the same facts, every library, link and cache entry, whichever backend read them. */
static void test_probe_h200_mem(void **state)
{
	(void)state;
	const char *root = getenv("CUVET_TEST_H200_ROOT");
	if (!root || !*root)
		skip();
	struct cuvet_error err = {0};
	struct cuvet_fs *dfs = cuvet_fs_open(root, &err);
	assert_non_null(dfs);
	struct cuvet_fs *mfs = cuvet_fs_mem_new(&err);
	assert_non_null(mfs);
	copy_tree(dfs, mfs, "/");
	char *a = probe_json(dfs), *b = probe_json(mfs);
	assert_non_null(strstr(a, "\"kernel_version\": \"")); /* the fixture has a driver */
	assert_string_equal(a, b);
	free(a);
	free(b);
	cuvet_fs_free(mfs);
	cuvet_fs_free(dfs);
}


/* The probe's cache (fs_cache_begin): inside a scope a path asked again gets the first answer,
 * also after the file changed on disk; after the scope the view sees the disk again. Every
 * answer inside the scope equals the uncached one. */
static void test_cache(void **state)
{
	struct cuvet_fs *fs = ((struct fixture *)*state)->fs;
	enum mode mode = ((struct fixture *)*state)->mode;
	struct cuvet_error err = {0};
	char out[PATH_MAX];
	static const char *const paths[] = {"/abs", "/dir/sub/rel", "/linkdir/sub", "/dangling", "/loop_a",
					    "/etc", "/etc/x", "/nope/x", "/chain1", "/dir/esc", "/dir/sub",
					    "/linkdir/esc", "/linkdir/escdir", "/listme/a", "/listme/missing", "/fifo"};
	enum { NPATHS = sizeof(paths) / sizeof(paths[0]) };
	char want_real[NPATHS][PATH_MAX];
	int want_rc[NPATHS];
	enum cuvet_fs_type want_type[NPATHS][2];
	for (size_t i = 0; i < NPATHS; i++) {
		want_rc[i] = cuvet_fs_realpath(fs, paths[i], want_real[i], PATH_MAX, NULL);
		want_type[i][0] = cuvet_fs_type(fs, paths[i], false);
		want_type[i][1] = cuvet_fs_type(fs, paths[i], true);
	}
	fs_cache_begin(fs, FS_CACHE_PATHS | FS_CACHE_MAPS);
	/* listings kept in the scope answer for their names' types (and give the same names again) */
	static const char *const dirs[] = {"/", "/dir", "/linkdir", "/listme", "/etc"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct cuvet_fs_dir d1, d2;
		assert_int_equal(cuvet_fs_list(fs, dirs[i], &d1, &err), 0);
		assert_int_equal(cuvet_fs_list(fs, dirs[i], &d2, &err), 0);
		assert_int_equal(d1.count, d2.count);
		for (size_t k = 0; k < d1.count; k++)
			assert_string_equal(d1.names[k], d2.names[k]);
		cuvet_fs_dir_release(&d1);
		cuvet_fs_dir_release(&d2);
	}
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < NPATHS; i++) {
			/* the order differs per round: a type first, or a realpath first */
			if (round == 1) {
				assert_int_equal(cuvet_fs_type(fs, paths[i], true), want_type[i][1]);
				assert_int_equal(cuvet_fs_type(fs, paths[i], false), want_type[i][0]);
			}
			int rc = cuvet_fs_realpath(fs, paths[i], out, sizeof(out), NULL);
			assert_int_equal(rc, want_rc[i]);
			if (rc == 0)
				assert_string_equal(out, want_real[i]);
			assert_int_equal(cuvet_fs_type(fs, paths[i], false), want_type[i][0]);
			assert_int_equal(cuvet_fs_type(fs, paths[i], true), want_type[i][1]);
		}
	}
	/* a message is still given for a missing path asked with ERR */
	assert_int_equal(cuvet_fs_realpath(fs, "/nope/x", out, sizeof(out), &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);

	/* one mapping for the file, whichever name maps it; unmapped at the scope's end */
	const void *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	assert_int_equal(cuvet_fs_map(fs, "/abs", &a, &la, &err), 0);
	assert_int_equal(cuvet_fs_map(fs, "/etc/x", &b, &lb, &err), 0);
	assert_int_equal(la, 7);
	assert_memory_equal(a, "inside\n", 7);
	if (mode != MEM) /* fsmem hands out its own bytes: no mapping to keep */
		assert_ptr_equal(a, b);
	cuvet_fs_unmap(fs, a, la);
	cuvet_fs_unmap(fs, b, lb);

	if (mode != MEM) {
		/* a change on disk is not seen inside the scope, and is after it */
		put_bytes("cached", "12345", 5);
		assert_int_equal(cuvet_fs_realpath(fs, "/cached", out, sizeof(out), NULL), 0);
		assert_int_equal(cuvet_fs_type(fs, "/cached", false), CUVET_FS_FILE);
		assert_int_equal(cuvet_fs_map(fs, "/cached", &a, &la, &err), 0);
		char p[PATH_MAX];
		tree_path(p, sizeof(p), "cached");
		assert_int_equal(unlink(p), 0);
		assert_int_equal(cuvet_fs_realpath(fs, "/cached", out, sizeof(out), NULL), 0);
		assert_string_equal(out, "/cached");
		assert_int_equal(cuvet_fs_type(fs, "/cached", false), CUVET_FS_FILE);
		/* held past the scope's end: still readable until unmapped */
		fs_cache_end(fs);
		assert_memory_equal(a, "12345", 5);
		cuvet_fs_unmap(fs, a, la);
		assert_int_equal(cuvet_fs_realpath(fs, "/cached", out, sizeof(out), NULL), -1);
		assert_int_equal(cuvet_fs_type(fs, "/cached", false), CUVET_FS_NONE);
	} else {
		fs_cache_end(fs);
	}
}

#define FS_TESTS(mode)                                                                     \
	cmocka_unit_test_prestate_setup_teardown(test_realpath, setup, teardown, &mode),   \
	cmocka_unit_test_prestate_setup_teardown(test_read, setup, teardown, &mode),       \
	cmocka_unit_test_prestate_setup_teardown(test_map, setup, teardown, &mode),        \
	cmocka_unit_test_prestate_setup_teardown(test_list, setup, teardown, &mode),       \
	cmocka_unit_test_prestate_setup_teardown(test_type, setup, teardown, &mode),       \
	cmocka_unit_test_prestate_setup_teardown(test_readlink, setup, teardown, &mode),   \
	cmocka_unit_test_prestate_setup_teardown(test_root, setup, teardown, &mode),       \
	cmocka_unit_test_prestate_setup_teardown(test_cache, setup, teardown, &mode)

int main(void)
{
	static struct fixture kernel = {NULL, KERNEL}, walker = {NULL, WALKER}, mem = {NULL, MEM};
	const struct CMUnitTest tests[] = {
		FS_TESTS(kernel),
		FS_TESTS(walker),
		FS_TESTS(mem),
		cmocka_unit_test(test_mem_layers),
		cmocka_unit_test(test_mem_errors),
		cmocka_unit_test(test_backend_ops),
		cmocka_unit_test(test_probe_mem),
		cmocka_unit_test(test_probe_h200_mem),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_host_root),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
