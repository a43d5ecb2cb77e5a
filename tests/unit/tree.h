/* Building a small filesystem tree under a mkdtemp() root for a test (static inline functions: each test
 * program includes this once and sets tree_root in its group setup). When tree_mem is set (an
 * in-memory view, cuvet_fs_mem_new), every entry is added to it too, so one setup builds the same
 * tree on disk and in memory. */
#ifndef CUVET_TEST_TREE_H
#define CUVET_TEST_TREE_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cuvet_readers.h"

static char tree_root[PATH_MAX];
static struct cuvet_fs *tree_mem;

/* Creates the root from a template such as "/tmp/cuvet-x-XXXXXX"; 0 or -1. */
static inline int tree_create(const char *template_)
{
	snprintf(tree_root, sizeof(tree_root), "%s", template_);
	return mkdtemp(tree_root) ? 0 : -1;
}

static inline void tree_path(char *out, size_t len, const char *rel)
{
	int n = snprintf(out, len, "%s/%s", tree_root, rel);
	assert_true(n >= 0 && (size_t)n < len);
}

static inline void put_bytes(const char *rel, const char *content, size_t len)
{
	char p[PATH_MAX + 64];
	tree_path(p, sizeof(p), rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	if (tree_mem)
		assert_int_equal(cuvet_fs_mem_add_file(tree_mem, rel, content, len, 0644, NULL), 0);
}

static inline void put_text(const char *rel, const char *content)
{
	put_bytes(rel, content, strlen(content));
}

static inline void dir(const char *rel)
{
	char p[PATH_MAX + 64];
	tree_path(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0755), 0);
	if (tree_mem)
		assert_int_equal(cuvet_fs_mem_add_dir(tree_mem, rel, 0755, NULL), 0);
}

static inline void link_(const char *target, const char *rel)
{
	char p[PATH_MAX + 64];
	tree_path(p, sizeof(p), rel);
	assert_int_equal(symlink(target, p), 0);
	if (tree_mem)
		assert_int_equal(cuvet_fs_mem_add_symlink(tree_mem, rel, target, NULL), 0);
}

static inline void fifo_(const char *rel)
{
	char p[PATH_MAX + 64];
	tree_path(p, sizeof(p), rel);
	assert_int_equal(mkfifo(p, 0644), 0);
	if (tree_mem)
		assert_int_equal(cuvet_fs_mem_add_other(tree_mem, rel, 0644, NULL), 0);
}

static inline int tree_remove(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree_root);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
