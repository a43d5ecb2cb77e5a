/* A read-only view of a filesystem, resolved like a chroot, over a table of operations.
 *
 * The view (struct cuvet_fs) is generic: a backend (struct cuvet_fs_ops) answers only for
 * canonical in-root paths, and fs_resolve() below, a component-by-component walk over the
 * backend's readlink, turns any path into one. The walk is what confines every backend to its
 * root ("/.." stays at the root, an absolute link target starts again at the root) and what
 * reports loops, so a new backend (an image's merged layers, fsmem.c) gets both for free.
 *
 * The directory backend (cuvet_fs_open) has a fast path besides: for the root "/" plain
 * openat()/fstatat() already have chroot semantics, and for any other root openat2
 * (RESOLVE_IN_ROOT) does the whole walk in one syscall (Linux >= 5.6). The walk still runs for
 * realpath/readlink, when openat2 is unavailable (old kernels, seccomp profiles that answer
 * ENOSYS/EPERM), and on every failure, so that the error message is the same whichever way the
 * lookup went, and the same for every backend.
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
#include "fs_internal.h"

/* The kernel's MAXSYMLINKS: a walk may follow 40 links, the 41st is ELOOP. */
#define FS_MAX_LINKS 40
#define FS_DEFAULT_MAX ((size_t)64 << 20)

/* The directory backend's state (the impl behind fs_dir_ops). */
struct fs_dir {
	int rootfd;       /* O_PATH|O_DIRECTORY descriptor of the root */
	bool host;        /* the root is "/": the kernel's own resolution is already exact */
	bool no_openat2;  /* openat2 answered ENOSYS/EPERM once: use the walker */
	size_t rootlen;
	char root[];      /* canonical host path of the root, "" for "/" */
};

struct cuvet_fs {
	const struct cuvet_fs_ops *ops;
	void *impl;
	struct fs_dir *dir; /* impl when it is the directory backend (the kernel's fast path), else NULL */
};

void *fs_impl(const struct cuvet_fs *fs, const struct cuvet_fs_ops *ops)
{
	return fs && fs->ops == ops ? fs->impl : NULL;
}

/* Test hook: force the portable walker, as on a kernel without openat2. Not in the public
 * header on purpose; tests declare it themselves. */
void fs_test_disable_openat2(struct cuvet_fs *fs);
void fs_test_disable_openat2(struct cuvet_fs *fs)
{
	if (fs && fs->dir)
		fs->dir->no_openat2 = true;
}

/* The in-root path as a name relative to rootfd ("." for the root itself). */
static const char *fs_rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* ------------------------------------------------------------ the view ---- */

struct cuvet_fs *cuvet_fs_new(const struct cuvet_fs_ops *ops, void *impl, struct cuvet_error *err)
{
	if (!ops || !ops->lstat || !ops->readlink || !ops->read || !ops->list || !ops->name || !*ops->name) {
		if (ops && ops->free)
			ops->free(impl);
		err_set(err, CUVET_E_INVALID, "filesystem backend lacks a required operation");
		return NULL;
	}
	struct cuvet_fs *fs = malloc(sizeof(*fs));
	if (!fs) {
		if (ops->free)
			ops->free(impl);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	fs->ops = ops;
	fs->impl = impl;
	fs->dir = NULL;
	return fs;
}

void cuvet_fs_free(struct cuvet_fs *fs)
{
	if (!fs)
		return;
	if (fs->ops->free)
		fs->ops->free(fs->impl);
	free(fs);
}

const char *cuvet_fs_root(const struct cuvet_fs *fs)
{
	if (!fs)
		return NULL;
	return fs->dir ? fs->dir->root : fs->ops->name;
}

bool cuvet_fs_is_host_root(const struct cuvet_fs *fs)
{
	return fs && fs->dir && fs->dir->host;
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

/* Error for a backend's answer E about PATH (see cuvet_fs_ops). */
static int fs_op_fail(struct cuvet_error *err, int e, const char *path, size_t max)
{
	switch (e) {
	case EINVAL:
		return err_set(err, CUVET_E_INVALID, "%s: not a regular file", path);
	case EFBIG:
		return err_set(err, CUVET_E_RANGE, "%s: larger than the limit of %zu bytes", path, max);
	case ENOMEM:
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	case ENODATA: /* an in-memory sparse file (cuvet_fs_mem_add_sparse) */
		return err_set(err, CUVET_E_IO, "%s: contents not held (only parts of the file were kept)", path);
	default:
		return err_sys(err, e, "%s", path);
	}
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
 * is a link) only when FOLLOW_LAST is set or it is followed by a '/'. Uses only the backend's
 * readlink (EINVAL: not a link) and lstat. */
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

		int e = fs->ops->readlink(fs->impl, out, target, sizeof(target));
		if (e == EINVAL) /* exists and is not a link */
			continue;
		if (e == ENAMETOOLONG)
			return err_set(err, CUVET_E_RANGE, "%s: symbolic link %s: target too long", path, out);
		if (e)
			return fs_fail(err, e, path, out);
		if (++links > FS_MAX_LINKS)
			return err_set(err, CUVET_E_LOOP, "%s: too many levels of symbolic links (more than %d)",
				       path, FS_MAX_LINKS);
		/* Continue with the target in place of the link; an absolute target starts again at
		 * the root, never at the host's "/". */
		size_t n = strlen(target);
		size_t tail = strlen(rest + pos);
		if (n + tail >= sizeof(target))
			return err_set(err, CUVET_E_RANGE, "%s: path too long", path);
		memcpy(target + n, rest + pos, tail + 1);
		memcpy(rest, target, n + tail + 1);
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
		struct cuvet_fs_stat st;
		int e = fs->ops->lstat(fs->impl, out, &st);
		if (e)
			return fs_fail(err, e, path, out);
		if (st.type != CUVET_FS_DIR)
			return fs_fail(err, ENOTDIR, path, out);
	}
	return 0;
}

/* ---------------------------------------------------- directory backend ---- */

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

/* The fast path: opens PATH (unresolved) inside the root with FLAGS by the kernel's own walk.
 * Returns -1 (errno set) when it failed or is not available; the caller then walks, which
 * also gives the precise message. */
static int dir_open_fast(struct fs_dir *d, const char *path, int flags)
{
	const char *rel = fs_rel(path);
	flags |= O_CLOEXEC;
	if (d->host)
		return openat(d->rootfd, rel, flags);
#ifdef SYS_openat2
	if (!d->no_openat2) {
		int fd = fs_openat2(d->rootfd, rel, flags);
		if (fd < 0 && (errno == ENOSYS || errno == EPERM))
			d->no_openat2 = true;
		return fd;
	}
#endif
	errno = ENOSYS;
	return -1;
}

/* Opens the canonical PATH. The walk resolved every link, so the last component cannot be one
 * unless it was swapped meanwhile: O_NOFOLLOW keeps such a race from leaving the root. */
static int dir_open_canon(struct fs_dir *d, const char *path, int flags)
{
	return openat(d->rootfd, fs_rel(path), flags | O_NOFOLLOW | O_CLOEXEC);
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

/* Checks that FD is a regular file; 0 or an errno value (EISDIR, EINVAL: not a regular file). */
static int fd_check_file(int fd, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return errno;
	if (S_ISDIR(st->st_mode))
		return EISDIR;
	if (!S_ISREG(st->st_mode))
		return EINVAL;
	return 0;
}

/* Reads the file open on FD (closed here) whole; 0 or an errno value (EFBIG: more than MAX). */
static int fd_read(int fd, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t total = 0, cap;
	int e = fd_check_file(fd, &st);
	if (e)
		goto out;
	/* /proc reports st_size 0 and sysfs 4096 whatever the contents; both have no blocks. A file
	 * with blocks has a real size, which lets us refuse a big file without reading it and stop
	 * after one read() instead of probing for EOF. */
	bool sized = st.st_blocks > 0 && st.st_size > 0;
	if (sized && (uint64_t)st.st_size > max) {
		e = EFBIG;
		goto out;
	}
	if (st.st_size > 0 && (uint64_t)st.st_size <= max)
		cap = (size_t)st.st_size;
	else
		cap = 4096;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		e = ENOMEM;
		goto out;
	}
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
			if (!nbuf) {
				e = ENOMEM;
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + total, cap - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	if (total > max) {
		e = EFBIG;
		goto out;
	}
	buf[total] = '\0';
	*data = buf;
	*len = total;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return e;
}

/* Maps the file open on FD (closed here); 0 or an errno value. An empty file gives NULL, 0. */
static int fd_map(int fd, const void **data, size_t *len)
{
	struct stat st;
	int e = fd_check_file(fd, &st);
	if (!e && st.st_size > 0) {
		if ((uint64_t)st.st_size > SIZE_MAX) {
			e = EFBIG;
		} else {
			void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (p == MAP_FAILED) {
				e = errno;
			} else {
				*data = p;
				*len = (size_t)st.st_size;
			}
		}
	}
	close(fd);
	return e;
}

/* Hands every name in the directory open on FD (closed here) to ADD; 0 or an errno value. */
static int fd_list(int fd, int (*add)(void *ctx, const char *name), void *ctx)
{
	char dents[16384];
	int e = 0;
	for (;;) {
		ssize_t n = getdents64(fd, dents, sizeof(dents));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		if (n == 0)
			break;
		for (size_t off = 0; off < (size_t)n && !e;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(dents + off);
			off += de->d_reclen;
			const char *name = de->d_name;
			if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			e = add(ctx, name);
		}
		if (e)
			break;
	}
	close(fd);
	return e;
}

static int dir_lstat(void *impl, const char *path, struct cuvet_fs_stat *out)
{
	struct fs_dir *d = impl;
	struct stat st;
	if (fstatat(d->rootfd, fs_rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno;
	out->type = fs_mode_type(st.st_mode);
	out->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

static int dir_readlink(void *impl, const char *path, char *buf, size_t len)
{
	struct fs_dir *d = impl;
	ssize_t n = readlinkat(d->rootfd, fs_rel(path), buf, len);
	if (n < 0)
		return errno;
	if ((size_t)n >= len)
		return ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

static int dir_read(void *impl, const char *path, size_t max, char **data, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
	int fd = dir_open_canon(impl, path, O_RDONLY | O_NONBLOCK);
	return fd < 0 ? errno : fd_read(fd, max, data, len);
}

static int dir_map(void *impl, const char *path, const void **data, size_t *len)
{
	int fd = dir_open_canon(impl, path, O_RDONLY | O_NONBLOCK);
	return fd < 0 ? errno : fd_map(fd, data, len);
}

static void dir_unmap(void *impl, const void *data, size_t len)
{
	(void)impl;
	munmap((void *)(uintptr_t)data, len);
}

static int dir_list(void *impl, const char *path, int (*add)(void *ctx, const char *name), void *ctx)
{
	int fd = dir_open_canon(impl, path, O_RDONLY | O_DIRECTORY);
	return fd < 0 ? errno : fd_list(fd, add, ctx);
}

static void dir_free(void *impl)
{
	struct fs_dir *d = impl;
	if (!d)
		return;
	close(d->rootfd);
	free(d);
}

static const struct cuvet_fs_ops fs_dir_ops = {
	.name = "(directory)", /* not shown: cuvet_fs_root() gives the directory */
	.lstat = dir_lstat,
	.readlink = dir_readlink,
	.read = dir_read,
	.map = dir_map,
	.unmap = dir_unmap,
	.list = dir_list,
	.free = dir_free,
};

struct cuvet_fs *cuvet_fs_open(const char *root, struct cuvet_error *err)
{
	char canon[PATH_MAX];
	struct fs_dir *d = NULL;
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
	d = malloc(sizeof(*d) + rootlen + 1);
	if (!d) {
		close(fd);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	d->rootfd = fd;
	d->host = host;
	d->no_openat2 = false;
	d->rootlen = rootlen;
	memcpy(d->root, canon, rootlen);
	d->root[rootlen] = '\0';
	struct cuvet_fs *fs = cuvet_fs_new(&fs_dir_ops, d, err);
	if (fs)
		fs->dir = d;
	return fs;
}

/* The kernel already knows the canonical path of an open file: one open (which resolves
 * inside the root) and one readlink of /proc/self/fd/N replace a readlink per component.
 * Returns false when that is not available (no /proc, no openat2), or the answer does not lie
 * under the root; the caller then walks. */
static bool dir_realpath_fast(struct fs_dir *d, const char *path, char *canon)
{
	if (!d->host && d->no_openat2)
		return false;
	int fd = dir_open_fast(d, path, O_PATH);
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
	if (d->host) {
		memcpy(canon, host, (size_t)n + 1);
		return true;
	}
	if ((size_t)n < d->rootlen || memcmp(host, d->root, d->rootlen) != 0 ||
	    (host[d->rootlen] != '/' && host[d->rootlen] != '\0'))
		return false;
	const char *tail = host + d->rootlen;
	if (!*tail)
		tail = "/";
	memcpy(canon, tail, strlen(tail) + 1);
	return true;
}

/* --------------------------------------------------- the public calls ---- */

int cuvet_fs_realpath(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
		      struct cuvet_error *err)
{
	char canon[PATH_MAX];
	if (!fs->dir || !dir_realpath_fast(fs->dir, path, canon)) {
		/* A caller that wants no message only needs to know the path is missing. */
		if (fs->dir && !err && (errno == ENOENT || errno == ENOTDIR) &&
		    (fs->dir->host || !fs->dir->no_openat2))
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

int cuvet_fs_read(struct cuvet_fs *fs, const char *path, size_t max, char **data, size_t *len,
		  struct cuvet_error *err)
{
	char canon[PATH_MAX];
	size_t n = 0;
	int e;

	*data = NULL;
	if (len)
		*len = 0;
	if (max == 0)
		max = FS_DEFAULT_MAX;
	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2;
	int fd = fs->dir ? dir_open_fast(fs->dir, path, O_RDONLY | O_NONBLOCK) : -1;
	if (fd >= 0) {
		e = fd_read(fd, max, data, &n);
	} else {
		if (fs_resolve(fs, path, true, canon, err) < 0)
			return -1;
		e = fs->ops->read(fs->impl, canon, max, data, &n);
	}
	if (e) {
		*data = NULL;
		return fs_op_fail(err, e, path, max);
	}
	if (len)
		*len = n;
	return 0;
}

int cuvet_fs_map(struct cuvet_fs *fs, const char *path, const void **data, size_t *len,
		 struct cuvet_error *err)
{
	char canon[PATH_MAX];
	int e;
	*data = NULL;
	*len = 0;
	int fd = fs->dir ? dir_open_fast(fs->dir, path, O_RDONLY | O_NONBLOCK) : -1;
	if (fd >= 0) {
		e = fd_map(fd, data, len);
	} else {
		if (fs_resolve(fs, path, true, canon, err) < 0)
			return -1;
		if (fs->ops->map) {
			e = fs->ops->map(fs->impl, canon, data, len);
		} else {
			/* Without a map operation the bytes are read; cuvet_fs_unmap frees them. */
			char *buf = NULL;
			e = fs->ops->read(fs->impl, canon, SIZE_MAX / 2, &buf, len);
			if (!e && *len == 0) {
				free(buf);
				buf = NULL;
			}
			*data = e ? NULL : buf;
		}
	}
	if (e) {
		*data = NULL;
		*len = 0;
		if (e == EFBIG)
			return err_set(err, CUVET_E_RANGE, "%s: too large to map", path);
		return fs_op_fail(err, e, path, 0);
	}
	if (*len == 0)
		*data = NULL;
	return 0;
}

void cuvet_fs_unmap(struct cuvet_fs *fs, const void *data, size_t len)
{
	if (!fs || !data || !len)
		return;
	if (!fs->ops->map)
		free((void *)(uintptr_t)data);
	else if (fs->ops->unmap)
		fs->ops->unmap(fs->impl, data, len);
}

int cuvet_fs_readlink(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
		      struct cuvet_error *err)
{
	char canon[PATH_MAX];
	int e;
	if (outlen == 0)
		return err_set(err, CUVET_E_RANGE, "%s: link target longer than the buffer", path);
	if (fs->dir && fs->dir->host) {
		e = dir_readlink(fs->dir, path, out, outlen);
		/* On "/" the kernel walked the parents: walk again for the precise message. */
		if (e && e != EINVAL && e != ENAMETOOLONG && fs_resolve(fs, path, false, canon, err) < 0)
			return -1;
	} else {
		if (fs_resolve(fs, path, false, canon, err) < 0)
			return -1;
		e = fs->ops->readlink(fs->impl, canon, out, outlen);
	}
	if (e == EINVAL)
		return err_set(err, CUVET_E_INVALID, "%s: not a symbolic link", path);
	if (e == ENAMETOOLONG)
		return err_set(err, CUVET_E_RANGE, "%s: link target longer than the buffer", path);
	if (e)
		return err_sys(err, e, "%s", path);
	return 0;
}

enum cuvet_fs_type cuvet_fs_type(struct cuvet_fs *fs, const char *path, bool follow)
{
	if (!fs || !path)
		return CUVET_FS_NONE;
	struct fs_dir *d = fs->dir;
	if (d && d->host) {
		struct stat st;
		if (fstatat(d->rootfd, fs_rel(path), &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
			return CUVET_FS_NONE;
		return fs_mode_type(st.st_mode);
	}
	if (d) {
		int fd = dir_open_fast(d, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
		if (fd >= 0) {
			struct stat st;
			int rc = fstat(fd, &st);
			close(fd);
			return rc < 0 ? CUVET_FS_NONE : fs_mode_type(st.st_mode);
		}
		if (errno == ENOENT || errno == ENOTDIR)
			return CUVET_FS_NONE;
	}
	char canon[PATH_MAX];
	struct cuvet_fs_stat st;
	if (fs_resolve(fs, path, follow, canon, NULL) < 0 || fs->ops->lstat(fs->impl, canon, &st) != 0)
		return CUVET_FS_NONE;
	return st.type;
}

/* Names gathered into one arena (name\0name\0...), which then grows to hold the pointer array
 * in front: a listing is a single allocation, freed by one free(). */
struct fs_names {
	char *arena;
	size_t alen, acap, count;
};

static int fs_names_add(void *ctx, const char *name)
{
	struct fs_names *a = ctx;
	size_t nlen = strlen(name) + 1;
	if (a->alen + nlen > a->acap) {
		size_t ncap = a->acap ? a->acap * 2 : 1024;
		while (ncap < a->alen + nlen)
			ncap *= 2;
		char *p = realloc(a->arena, ncap);
		if (!p)
			return ENOMEM;
		a->arena = p;
		a->acap = ncap;
	}
	memcpy(a->arena + a->alen, name, nlen);
	a->alen += nlen;
	a->count++;
	return 0;
}

static int fs_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cuvet_fs_list(struct cuvet_fs *fs, const char *path, struct cuvet_fs_dir *out, struct cuvet_error *err)
{
	struct fs_names a = {NULL, 0, 0, 0};
	int e;

	out->count = 0;
	out->names = NULL;
	int fd = fs->dir ? dir_open_fast(fs->dir, path, O_RDONLY | O_DIRECTORY) : -1;
	if (fd >= 0) {
		e = fd_list(fd, fs_names_add, &a);
	} else {
		char canon[PATH_MAX];
		if (fs_resolve(fs, path, true, canon, err) < 0)
			return -1;
		e = fs->ops->list(fs->impl, canon, fs_names_add, &a);
	}
	if (e) {
		free(a.arena);
		return fs_op_fail(err, e, path, 0);
	}
	if (a.count == 0) {
		free(a.arena);
		return 0;
	}
	size_t ptrs = a.count * sizeof(char *);
	char *block = realloc(a.arena, ptrs + a.alen);
	if (!block) {
		free(a.arena);
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	}
	memmove(block + ptrs, block, a.alen);
	char **names = (char **)(void *)block;
	char *s = block + ptrs;
	for (size_t i = 0; i < a.count; i++) {
		names[i] = s;
		s += strlen(s) + 1;
	}
	qsort(names, a.count, sizeof(char *), fs_namecmp);
	out->names = names;
	out->count = a.count;
	return 0;
}

void cuvet_fs_dir_release(struct cuvet_fs_dir *dir)
{
	if (!dir)
		return;
	free(dir->names); /* one block holding the pointers and the names */
	dir->names = NULL;
	dir->count = 0;
}
