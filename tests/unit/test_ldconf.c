/* cuvet_ldconf_read: the H200 fixture's configuration and trees built under mkdtemp(). */
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

#ifndef CUVET_SHARED_DIR
#define CUVET_SHARED_DIR "../shared"
#endif

#include "tree.h"





static int group_setup(void **state)
{
	(void)state;
	if (tree_create("/tmp/cuvet-ldconf-XXXXXX") < 0)
		return -1;
	dir("etc");
	put_text("etc/ld.so.conf",
	    "# comment line\n"
	    "   # indented comment\n"
	    "\n"
	    "   \t\n"
	    "/usr/lib/a   # trailing comment\n"
	    "/usr/lib/b/\n"
	    "/usr/lib/a\n"
	    "include conf.d/*.conf\n"
	    "include /etc/missing/*.conf   /etc/nope.conf\n"
	    "hwcap 0 nosegneg\n"
	    "HWCAP 1 foo\n"
	    "hwcapdir\n"
	    "/usr/lib/c=libc6\n"
	    "\t/usr/lib/d  \n"
	    "/\n"
	    "//\n"
	    "include\t/etc/multi/*/z.conf\n"
	    "includes\n"
	    "include\t/etc/extra.conf");          /* no newline at the end */
	dir("etc/conf.d");
	put_text("etc/conf.d/b.conf", "/b\n");
	put_text("etc/conf.d/a.conf", "/a\ninclude ../sub/*.conf\n");
	put_text("etc/conf.d/.hidden.conf", "/hidden\n");
	put_text("etc/conf.d/e.txt", "/txt\n");
	dir("etc/conf.d/c.conf");                    /* matches, cannot be read: skipped */
	link_("/nowhere", "etc/conf.d/d.conf");      /* dangling: skipped */
	link_("/etc/real.conf", "etc/conf.d/f.conf"); /* absolute link inside the root */
	put_text("etc/real.conf", "/real\n");
	dir("etc/sub");
	put_text("etc/sub/x.conf", "/x\n");
	dir("etc/multi");
	dir("etc/multi/q");
	dir("etc/multi/p");
	dir("etc/multi/s");
	put_text("etc/multi/q/z.conf", "/q\n");
	put_text("etc/multi/p/z.conf", "/p\n");
	put_text("etc/multi/r", "not a directory\n");
	put_text("etc/extra.conf", "/extra\n/usr/lib/b\n");

	/* Loops. */
	dir("loop");
	put_text("loop/top.conf", "include /loop/a.conf\n");
	put_text("loop/a.conf", "/la\ninclude b.conf\n");
	put_text("loop/b.conf", "/lb\ninclude a.conf\n");
	dir("self");
	put_text("self/top.conf", "include /self/*.conf\n");
	/* Deep but not looping: n1 -> n2 -> ... -> n20. */
	dir("nest");
	for (int i = 1; i <= 20; i++) {
		char name[32], body[64];
		snprintf(name, sizeof(name), "nest/n%d.conf", i);
		snprintf(body, sizeof(body), "/d%d\ninclude n%d.conf\n", i, i + 1);
		put_text(name, body);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return tree_remove();
}

static void expect_conf(const struct cuvet_ldconf *c, const char *const *want, size_t n)
{
	for (size_t i = 0; i < c->count; i++)
		printf("  %s\t(%s)\n", c->dirs[i], c->from[i]);
	assert_int_equal(c->count, n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		assert_string_equal(c->dirs[i], want[2 * i]);
		assert_string_equal(c->from[i], want[2 * i + 1]);
	}
}

static void test_tree(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_open(tree_root, &err);
	assert_non_null(fs);
	struct cuvet_ldconf c;
	assert_int_equal(cuvet_ldconf_read(fs, "/etc/ld.so.conf", &c, &err), 0);
	static const char *const want[] = {
		"/usr/lib/a", "/etc/ld.so.conf",
		"/usr/lib/b", "/etc/ld.so.conf",
		"/a", "/etc/conf.d/a.conf",
		"/x", "/etc/conf.d/../sub/x.conf",
		"/b", "/etc/conf.d/b.conf",
		"/real", "/etc/conf.d/f.conf",
		"hwcapdir", "/etc/ld.so.conf",
		"/usr/lib/c", "/etc/ld.so.conf",
		"/usr/lib/d", "/etc/ld.so.conf",
		"/", "/etc/ld.so.conf",
		"/p", "/etc/multi/p/z.conf",
		"/q", "/etc/multi/q/z.conf",
		"includes", "/etc/ld.so.conf",
		"/extra", "/etc/extra.conf",
	};
	expect_conf(&c, want, sizeof(want) / sizeof(want[0]));
	cuvet_ldconf_release(&c);
	assert_int_equal(c.count, 0);
	assert_null(c.dirs);
	cuvet_ldconf_release(NULL);

	/* Missing top file: an error, and OUT is left empty. */
	assert_int_equal(cuvet_ldconf_read(fs, "/etc/nothere.conf", &c, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "/etc/nothere.conf: No such file or directory");
	assert_int_equal(c.count, 0);
	assert_int_equal(cuvet_ldconf_read(fs, "/etc/conf.d", &c, &err), -1);
	assert_string_equal(err.msg, "/etc/conf.d: Is a directory");
	cuvet_fs_free(fs);
}

static void test_loops(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_open(tree_root, &err);
	assert_non_null(fs);
	struct cuvet_ldconf c;

	/* A loop is skipped, said in the note, and the directories of every file stay. */
	assert_int_equal(cuvet_ldconf_read(fs, "/loop/top.conf", &c, &err), 0);
	assert_string_equal(c.note, "/loop/a.conf: include loop: /loop/b.conf includes it again (skipped)");
	assert_int_equal(c.count, 2);
	assert_string_equal(c.dirs[0], "/la");
	assert_string_equal(c.dirs[1], "/lb");
	cuvet_ldconf_release(&c);

	assert_int_equal(cuvet_ldconf_read(fs, "/self/top.conf", &c, &err), 0);
	assert_string_equal(c.note, "/self/top.conf: include loop: /self/top.conf includes it again (skipped)");
	cuvet_ldconf_release(&c);

	/* A chain deeper than the limit, without a loop: the first 16 files are read. */
	assert_int_equal(cuvet_ldconf_read(fs, "/nest/n1.conf", &c, &err), 0);
	assert_string_equal(c.note, "/nest/n17.conf: includes nested more than 16 deep (skipped)");
	assert_int_equal(c.count, 16);
	cuvet_ldconf_release(&c);
	/* Within the limit it reads, and the missing n21.conf at the end is skipped. */
	assert_int_equal(cuvet_ldconf_read(fs, "/nest/n5.conf", &c, &err), 0);
	assert_int_equal(c.count, 16);
	assert_string_equal(c.dirs[0], "/d5");
	assert_string_equal(c.dirs[15], "/d20");
	assert_string_equal(c.from[15], "/nest/n20.conf");
	cuvet_ldconf_release(&c);
	cuvet_fs_free(fs);
}

static void test_fixture(void **state)
{
	(void)state;
	const char *shared = getenv("CUVET_SHARED_DIR");
	if (!shared || !*shared)
		shared = CUVET_SHARED_DIR;
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s/fixtures/h200-host/root", shared);
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_open(root, &err);
	if (!fs) {
		printf("fixture not found (%s); set CUVET_SHARED_DIR\n", err.msg);
		skip();
	}
	struct cuvet_ldconf c;
	assert_int_equal(cuvet_ldconf_read(fs, "/etc/ld.so.conf", &c, &err), 0);
	static const char *const want[] = {
		"/usr/local/cuda/targets/x86_64-linux/lib", "/etc/ld.so.conf.d/000_cuda.conf",
		"/usr/local/cuda-13/targets/x86_64-linux/lib", "/etc/ld.so.conf.d/987_cuda-13.conf",
		"/usr/local/cuda-13.0/targets/x86_64-linux/lib", "/etc/ld.so.conf.d/gds-13-0.conf",
		"/usr/local/lib", "/etc/ld.so.conf.d/libc.conf",
		"/usr/local/nvidia/lib64", "/etc/ld.so.conf.d/nvidia-folders.conf",
		"/usr/local/nvidia/lib", "/etc/ld.so.conf.d/nvidia-folders.conf",
		"/usr/local/cuda/lib64", "/etc/ld.so.conf.d/nvidia.conf",
		"/usr/local/lib/x86_64-linux-gnu", "/etc/ld.so.conf.d/x86_64-linux-gnu.conf",
		"/lib/x86_64-linux-gnu", "/etc/ld.so.conf.d/x86_64-linux-gnu.conf",
		"/usr/lib/x86_64-linux-gnu", "/etc/ld.so.conf.d/x86_64-linux-gnu.conf",
	};
	expect_conf(&c, want, sizeof(want) / sizeof(want[0]));
	cuvet_ldconf_release(&c);
	cuvet_fs_free(fs);
}

/* This machine's own configuration must at least parse. */
static void test_live(void **state)
{
	(void)state;
	struct stat st;
	if (stat("/etc/ld.so.conf", &st) != 0)
		skip();
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_open("/", &err);
	assert_non_null(fs);
	struct cuvet_ldconf c;
	assert_int_equal(cuvet_ldconf_read(fs, "/etc/ld.so.conf", &c, &err), 0);
	for (size_t i = 0; i < c.count; i++) {
		assert_true(c.dirs[i][0] != '\0');
		assert_true(c.from[i][0] == '/');
	}
	cuvet_ldconf_release(&c);
	cuvet_fs_free(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
