/* A read-only view of a filesystem under a root directory, resolved like a chroot.
 *
 * Two ways to resolve a path:
 *  - the kernel: for the root "/" plain openat()/fstatat() already have chroot semantics, and for
 *    any other root openat2(RESOLVE_IN_ROOT) does the whole walk in one syscall (Linux >= 5.6);
 *  - fs_resolve(), a component-by-component walk with readlinkat(), which works everywhere and
 *    yields the canonical in-root path and a precise error (which component was missing, which
 *    path looped). It runs for realpath/readlink, when openat2 is unavailable (old kernels,
 *    seccomp profiles that answer ENOSYS/EPERM), and on every failure, so that the error
 *    message is the same whichever way the lookup went.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <unistd.h>

#ifdef SYS_openat2
#include <linux/openat2.h>
#endif

#include "internal.h"

/* The kernel's MAXSYMLINKS: a walk may follow 40 links, the 41st is ELOOP. */
#define FS_MAX_LINKS 40
#define FS_DEFAULT_MAX ((size_t)64 << 20)

struct cuvet_fs {
	int rootfd;       /* O_PATH|O_DIRECTORY descriptor of the root */
	bool host;        /* the root is "/": the kernel's own resolution is already exact */
	bool no_openat2;  /* openat2 answered ENOSYS/EPERM once: use the walker */
	size_t rootlen;
	char root[];      /* canonical host path of the root, "" for "/" */
};

/* Test hook: force the portable walker, as on a kernel without openat2. Not in the public
 * header on purpose; tests declare it themselves. */
void fs_test_disable_openat2(struct cuvet_fs *fs);
void fs_test_disable_openat2(struct cuvet_fs *fs)
{
	if (fs)
		fs->no_openat2 = true;
}

/* The in-root path as a name relative to rootfd ("." for the root itself). */
static const char *fs_rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

struct cuvet_fs *cuvet_fs_open(const char *root, struct cuvet_error *err)
{
	char canon[PATH_MAX];
	struct cuvet_fs *fs = NULL;
	int fd = -1;

	if (!root || !*root)
		root = "/";
	if (strcmp(root, "/") == 0) {
		canon[0] = '/';
		canon[1] = '\0';
	} else if (!realpath(root, canon)) {
		err_sys(err, errno, "cannot open root %s", root);
		return NULL;
	}
	fd = open(canon, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_sys(err, errno, "cannot open root %s", root);
		return NULL;
	}
	bool host = strcmp(canon, "/") == 0;
	size_t rootlen = host ? 0 : strlen(canon);
	fs = malloc(sizeof(*fs) + rootlen + 1);
	if (!fs) {
		close(fd);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	fs->rootfd = fd;
	fs->host = host;
	fs->no_openat2 = false;
	fs->rootlen = rootlen;
	memcpy(fs->root, canon, rootlen);
	fs->root[rootlen] = '\0';
	return fs;
}

void cuvet_fs_free(struct cuvet_fs *fs)
{
	if (!fs)
		return;
	close(fs->rootfd);
	free(fs);
}

const char *cuvet_fs_root(const struct cuvet_fs *fs)
{
	return fs ? fs->root : NULL;
}

/* Error for PATH whose walk stopped at the in-root path AT. Names AT only when it differs
 * from PATH, e.g. for a dangling link: "/lib/x (at /opt/gone): No such file or directory". */
static int fs_fail(struct cuvet_error *err, int errnum, const char *path, const char *at)
{
	const char *a = fs_rel(path), *b = fs_rel(at);
	size_t la = strlen(a), lb = strlen(b);
	while (la > 1 && a[la - 1] == '/')
		la--;
	if (la == lb && memcmp(a, b, la) == 0)
		return err_sys(err, errnum, "%s", path);
	return err_sys(err, errnum, "%s (at %s)", path, at);
}

/* Drops the last component of the canonical path OUT (length *LEN); "/" stays "/", which is
 * what makes ".." unable to climb above the root. */
static void fs_pop(char *out, size_t *len)
{
	size_t n = *len;
	while (n > 1 && out[n - 1] != '/')
		n--;
	if (n > 1)
		n--;
	out[n] = '\0';
	*len = n;
}

/* Resolves PATH inside the root into OUT (PATH_MAX bytes), the canonical in-root path beginning
 * with '/'. Every component but the last must exist; the last is checked (and followed when it
 * is a link) only when FOLLOW_LAST is set or it is followed by a '/'. */
static int fs_resolve(struct cuvet_fs *fs, const char *path, bool follow_last, char *out,
		      struct cuvet_error *err)
{
	char rest[PATH_MAX];   /* what is left to walk */
	char target[PATH_MAX]; /* a link's target, then target + the rest */
	size_t olen = 1, pos = 0;
	unsigned links = 0;
	bool want_dir = false; /* the last component had a '/' after it */

	size_t plen = strlen(path);
	if (plen >= sizeof(rest))
		return err_set(err, CUVET_E_RANGE, "%s: path too long", path);
	memcpy(rest, path, plen + 1);
	out[0] = '/';
	out[1] = '\0';

	for (;;) {
		while (rest[pos] == '/')
			pos++;
		if (!rest[pos])
			break;
		size_t start = pos;
		while (rest[pos] && rest[pos] != '/')
			pos++;
		size_t clen = pos - start;
		bool slash_after = rest[pos] == '/';
		size_t q = pos;
		while (rest[q] == '/')
			q++;
		bool last = rest[q] == '\0';

		want_dir = false;
		if (clen == 1 && rest[start] == '.')
			continue;
		if (clen == 2 && rest[start] == '.' && rest[start + 1] == '.') {
			fs_pop(out, &olen);
			continue;
		}
		want_dir = last && slash_after;
		size_t prev = olen;
		if (olen + 1 + clen >= PATH_MAX)
			return err_set(err, CUVET_E_RANGE, "%s: path too long", path);
		if (olen > 1)
			out[olen++] = '/';
		memcpy(out + olen, rest + start, clen);
		olen += clen;
		out[olen] = '\0';
		if (last && !follow_last && !slash_after)
			break;

		ssize_t n = readlinkat(fs->rootfd, out + 1, target, sizeof(target));
		if (n < 0) {
			if (errno == EINVAL) /* exists and is not a link */
				continue;
			return fs_fail(err, errno, path, out);
		}
		if ((size_t)n >= sizeof(target))
			return err_set(err, CUVET_E_RANGE, "%s: symbolic link %s: target too long", path, out);
		if (++links > FS_MAX_LINKS)
			return err_set(err, CUVET_E_LOOP, "%s: too many levels of symbolic links (more than %d)",
				       path, FS_MAX_LINKS);
		/* Continue with the target in place of the link; an absolute target starts again at
		 * the root, never at the host's "/". */
		size_t tail = strlen(rest + pos);
		if ((size_t)n + tail >= sizeof(target))
			return err_set(err, CUVET_E_RANGE, "%s: path too long", path);
		memcpy(target + n, rest + pos, tail + 1);
		memcpy(rest, target, (size_t)n + tail + 1);
		pos = 0;
		if (target[0] == '/') {
			olen = 1;
			out[1] = '\0';
		} else {
			olen = prev;
			out[olen] = '\0';
		}
	}
	/* "file/" is ENOTDIR, as for the kernel and realpath(3). */
	if (want_dir && olen > 1) {
		struct stat st;
		if (fstatat(fs->rootfd, out + 1, &st, 0) < 0)
			return fs_fail(err, errno, path, out);
		if (!S_ISDIR(st.st_mode))
			return fs_fail(err, ENOTDIR, path, out);
	}
	return 0;
}

#ifdef SYS_openat2
static int fs_openat2(int dirfd, const char *rel, int flags)
{
	struct open_how how;
	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(unsigned)flags;
	how.resolve = RESOLVE_IN_ROOT;
	return (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
}
#endif

/* Opens PATH inside the root with FLAGS (O_NOFOLLOW: do not follow the last component).
 * With QUIET, a missing path fails at once without a message (for probing existence). */
static int fs_open(struct cuvet_fs *fs, const char *path, int flags, bool quiet, struct cuvet_error *err)
{
	const char *rel = fs_rel(path);
	int fd = -1;
	flags |= O_CLOEXEC;

	if (fs->host) {
		fd = openat(fs->rootfd, rel, flags);
		if (fd >= 0)
			return fd;
		if (quiet)
			return -1;
	}
#ifdef SYS_openat2
	else if (!fs->no_openat2) {
		fd = fs_openat2(fs->rootfd, rel, flags);
		if (fd >= 0)
			return fd;
		if (errno == ENOSYS || errno == EPERM)
			fs->no_openat2 = true;
		else if (quiet && (errno == ENOENT || errno == ENOTDIR))
			return -1;
	}
#endif
	char canon[PATH_MAX];
	if (fs_resolve(fs, path, !(flags & O_NOFOLLOW), canon, err) < 0)
		return -1;
	/* The walk resolved every link, so the last component cannot be one unless it was swapped
	 * meanwhile: O_NOFOLLOW keeps such a race from leaving the root. */
	fd = openat(fs->rootfd, fs_rel(canon), flags | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(err, errno, "%s", path);
	return fd;
}

/* The kernel already knows the canonical path of an open file: one open (which resolves
 * inside the root) and one readlink of /proc/self/fd/N replace a readlink per component.
 * Returns false when that is not available (no /proc, no openat2), or the answer does not lie
 * under the root; the caller then walks. */
static bool fs_realpath_fast(struct cuvet_fs *fs, const char *path, char *canon)
{
	if (!fs->host && fs->no_openat2)
		return false;
	int fd;
	if (fs->host)
		fd = openat(fs->rootfd, fs_rel(path), O_PATH | O_CLOEXEC);
#ifdef SYS_openat2
	else
		fd = fs_openat2(fs->rootfd, fs_rel(path), O_PATH | O_CLOEXEC);
#else
	else
		return false;
#endif
	if (fd < 0)
		return false;
	errno = 0;
	char link[64], host[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, host, sizeof(host) - 1);
	close(fd);
	if (n <= 0 || host[0] != '/')
		return false;
	host[n] = '\0';
	if (fs->host) {
		memcpy(canon, host, (size_t)n + 1);
		return true;
	}
	if ((size_t)n < fs->rootlen || memcmp(host, fs->root, fs->rootlen) != 0 ||
	    (host[fs->rootlen] != '/' && host[fs->rootlen] != '\0'))
		return false;
	const char *tail = host + fs->rootlen;
	if (!*tail)
		tail = "/";
	memcpy(canon, tail, strlen(tail) + 1);
	return true;
}

int cuvet_fs_realpath(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
		      struct cuvet_error *err)
{
	char canon[PATH_MAX];
	if (!fs_realpath_fast(fs, path, canon)) {
		/* A caller that wants no message only needs to know the path is missing. */
		if (!err && (errno == ENOENT || errno == ENOTDIR) && (fs->host || !fs->no_openat2))
			return -1;
		if (fs_resolve(fs, path, true, canon, err) < 0)
			return -1;
	}
	size_t n = strlen(canon);
	if (n >= outlen)
		return err_set(err, CUVET_E_RANGE, "%s: resolved path longer than the buffer", path);
	memcpy(out, canon, n + 1);
	return 0;
}

int cuvet_fs_host_path(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
		       struct cuvet_error *err)
{
	char canon[PATH_MAX];
	if (fs_resolve(fs, path, true, canon, err) < 0)
		return -1;
	const char *tail = canon;
	if (!fs->host && strcmp(canon, "/") == 0)
		tail = "";
	size_t tlen = strlen(tail);
	if (fs->rootlen + tlen >= outlen)
		return err_set(err, CUVET_E_RANGE, "%s: host path longer than the buffer", path);
	memcpy(out, fs->root, fs->rootlen);
	memcpy(out + fs->rootlen, tail, tlen + 1);
	return 0;
}

/* Opens PATH for reading and checks that it is a regular file. */
static int fs_open_file(struct cuvet_fs *fs, const char *path, struct stat *st, struct cuvet_error *err)
{
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
	int fd = fs_open(fs, path, O_RDONLY | O_NONBLOCK, false, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		int e = errno;
		close(fd);
		return err_sys(err, e, "%s", path);
	}
	if (S_ISDIR(st->st_mode)) {
		close(fd);
		return err_sys(err, EISDIR, "%s", path);
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return err_set(err, CUVET_E_INVALID, "%s: not a regular file", path);
	}
	return fd;
}

int cuvet_fs_read(struct cuvet_fs *fs, const char *path, size_t max, char **data, size_t *len,
		  struct cuvet_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t total = 0, cap;

	*data = NULL;
	if (len)
		*len = 0;
	if (max == 0)
		max = FS_DEFAULT_MAX;
	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2;

	int fd = fs_open_file(fs, path, &st, err);
	if (fd < 0)
		return -1;
	/* /proc reports st_size 0 and sysfs 4096 whatever the contents; both have no blocks. A file
	 * with blocks has a real size, which lets us refuse a big file without reading it and stop
	 * after one read() instead of probing for EOF. */
	bool sized = st.st_blocks > 0 && st.st_size > 0;
	if (sized && (uint64_t)st.st_size > max) {
		close(fd);
		return err_set(err, CUVET_E_RANGE, "%s: larger than the limit of %zu bytes", path, max);
	}
	if (st.st_size > 0 && (uint64_t)st.st_size <= max)
		cap = (size_t)st.st_size;
	else
		cap = 4096;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf)
		goto nomem;
	for (;;) {
		if (total == cap) {
			if (sized && total == (size_t)st.st_size)
				break;
			if (total > max)
				break;
			size_t ncap = cap * 2;
			if (ncap > max + 1)
				ncap = max + 1;
			char *nbuf = realloc(buf, ncap + 1);
			if (!nbuf)
				goto nomem;
			buf = nbuf;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + total, cap - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return err_sys(err, e, "%s", path);
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	close(fd);
	if (total > max) {
		free(buf);
		return err_set(err, CUVET_E_RANGE, "%s: larger than the limit of %zu bytes", path, max);
	}
	buf[total] = '\0';
	*data = buf;
	if (len)
		*len = total;
	return 0;
nomem:
	free(buf);
	close(fd);
	return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
}

int cuvet_fs_map(struct cuvet_fs *fs, const char *path, const void **data, size_t *len,
		 struct cuvet_error *err)
{
	struct stat st;
	*data = NULL;
	*len = 0;
	int fd = fs_open_file(fs, path, &st, err);
	if (fd < 0)
		return -1;
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return err_set(err, CUVET_E_RANGE, "%s: too large to map", path);
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (p == MAP_FAILED)
		return err_sys(err, e, "%s: mmap", path);
	*data = p;
	*len = (size_t)st.st_size;
	return 0;
}

void cuvet_fs_unmap(const void *data, size_t len)
{
	if (data && len)
		munmap((void *)(uintptr_t)data, len);
}

int cuvet_fs_readlink(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
		      struct cuvet_error *err)
{
	char canon[PATH_MAX];
	const char *rel;
	if (fs->host) {
		rel = fs_rel(path);
	} else {
		if (fs_resolve(fs, path, false, canon, err) < 0)
			return -1;
		rel = fs_rel(canon);
	}
	if (outlen == 0)
		return err_set(err, CUVET_E_RANGE, "%s: link target longer than the buffer", path);
	ssize_t n = readlinkat(fs->rootfd, rel, out, outlen);
	if (n < 0) {
		if (errno == EINVAL)
			return err_set(err, CUVET_E_INVALID, "%s: not a symbolic link", path);
		int e = errno;
		/* On "/" the kernel walked the parents: walk again for the precise message. */
		if (fs->host && fs_resolve(fs, path, false, canon, err) < 0)
			return -1;
		return err_sys(err, e, "%s", path);
	}
	if ((size_t)n >= outlen)
		return err_set(err, CUVET_E_RANGE, "%s: link target longer than the buffer", path);
	out[n] = '\0';
	return 0;
}

static enum cuvet_fs_type fs_mode_type(mode_t m)
{
	if (S_ISREG(m))
		return CUVET_FS_FILE;
	if (S_ISDIR(m))
		return CUVET_FS_DIR;
	if (S_ISLNK(m))
		return CUVET_FS_LINK;
	return CUVET_FS_OTHER;
}

enum cuvet_fs_type cuvet_fs_type(struct cuvet_fs *fs, const char *path, bool follow)
{
	struct stat st;
	if (!fs || !path)
		return CUVET_FS_NONE;
	if (fs->host) {
		if (fstatat(fs->rootfd, fs_rel(path), &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
			return CUVET_FS_NONE;
		return fs_mode_type(st.st_mode);
	}
	int fd = fs_open(fs, path, O_PATH | (follow ? 0 : O_NOFOLLOW), true, NULL);
	if (fd < 0)
		return CUVET_FS_NONE;
	int rc = fstat(fd, &st);
	close(fd);
	return rc < 0 ? CUVET_FS_NONE : fs_mode_type(st.st_mode);
}

static int fs_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cuvet_fs_list(struct cuvet_fs *fs, const char *path, struct cuvet_fs_dir *out, struct cuvet_error *err)
{
	/* Names are gathered into one arena (name\0name\0...), which then grows to hold the
	 * pointer array in front: a listing is a single allocation, freed by one free(). */
	char dents[16384];
	char *arena = NULL;
	size_t alen = 0, acap = 0, count = 0;

	out->count = 0;
	out->names = NULL;
	int fd = fs_open(fs, path, O_RDONLY | O_DIRECTORY, false, err);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = getdents64(fd, dents, sizeof(dents));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(arena);
			close(fd);
			return err_sys(err, e, "%s", path);
		}
		if (n == 0)
			break;
		for (size_t off = 0; off < (size_t)n;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(dents + off);
			off += d->d_reclen;
			const char *name = d->d_name;
			if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			size_t nlen = strlen(name) + 1;
			if (alen + nlen > acap) {
				size_t ncap = acap ? acap * 2 : 1024;
				while (ncap < alen + nlen)
					ncap *= 2;
				char *p = realloc(arena, ncap);
				if (!p)
					goto nomem;
				arena = p;
				acap = ncap;
			}
			memcpy(arena + alen, name, nlen);
			alen += nlen;
			count++;
		}
	}
	close(fd);
	fd = -1;
	if (count == 0) {
		free(arena);
		return 0;
	}
	size_t ptrs = count * sizeof(char *);
	char *block = realloc(arena, ptrs + alen);
	if (!block)
		goto nomem;
	memmove(block + ptrs, block, alen);
	char **names = (char **)(void *)block;
	char *s = block + ptrs;
	for (size_t i = 0; i < count; i++) {
		names[i] = s;
		s += strlen(s) + 1;
	}
	qsort(names, count, sizeof(char *), fs_namecmp);
	out->names = names;
	out->count = count;
	return 0;
nomem:
	free(arena);
	if (fd >= 0)
		close(fd);
	return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
}

void cuvet_fs_dir_release(struct cuvet_fs_dir *dir)
{
	if (!dir)
		return;
	free(dir->names); /* one block holding the pointers and the names */
	dir->names = NULL;
	dir->count = 0;
}
