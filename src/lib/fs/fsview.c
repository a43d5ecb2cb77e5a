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

/* One path string's remembered answers (fs_cache_begin). */
struct fs_centry {
	char *path;          /* the path as asked; NULL: a free slot */
	char *real;          /* cuvet_fs_realpath's answer, when has_real */
	int real_err;        /* cuvet_fs_realpath failed with this errno (ENOENT, ENOTDIR), when has_real */
	bool has_real;
	signed char type[2]; /* cuvet_fs_type's answer + 1 without [0] and with [1] following; 0: not asked */
	size_t map;          /* 1 + the index in cache.maps of this path's mapping; 0: none */
	char **names;        /* cuvet_fs_list's answer, one block: each name's NUL is followed by its
				type + 1 as the directory entry said (1: not said) */
	size_t nnames, nbytes;
	bool listed;
	bool typed;          /* the listing's names carry their types */
};

/* A mapping kept by the cache; refs counts the callers that have not unmapped it yet. */
struct fs_cmap {
	const void *data;
	size_t len;
	unsigned refs;
};

struct fs_cache {
	unsigned depth;      /* nested fs_cache_begin calls; 0: caching nothing */
	bool maps_on;
	size_t cap, count;   /* cap: a power of two, or 0 */
	struct fs_centry *e;
	struct fs_cmap *maps;
	size_t nmaps, maps_cap;
};

struct cuvet_fs {
	const struct cuvet_fs_ops *ops;
	void *impl;
	struct fs_dir *dir; /* impl when it is the directory backend (the kernel's fast path), else NULL */
	struct fs_cache cache;
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
	memset(&fs->cache, 0, sizeof(fs->cache));
	return fs;
}

static void fs_cache_drop(struct cuvet_fs *fs, bool all_maps);

void cuvet_fs_free(struct cuvet_fs *fs)
{
	if (!fs)
		return;
	fs_cache_drop(fs, true);
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

/* Hands every name in the directory open on FD (closed here) to ADD, and with ADD_TYPED its
 * entry's type too (CUVET_FS_NONE where the filesystem does not say); 0 or an errno value. */
static int fd_list_typed(int fd, int (*add)(void *ctx, const char *name),
			 int (*add_typed)(void *ctx, const char *name, enum cuvet_fs_type type), void *ctx)
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
			if (add_typed) {
				enum cuvet_fs_type t = de->d_type == DT_REG ? CUVET_FS_FILE
						       : de->d_type == DT_DIR ? CUVET_FS_DIR
						       : de->d_type == DT_LNK ? CUVET_FS_LINK
						       : de->d_type == DT_UNKNOWN ? CUVET_FS_NONE : CUVET_FS_OTHER;
				e = add_typed(ctx, name, t);
			} else {
				e = add(ctx, name);
			}
		}
		if (e)
			break;
	}
	close(fd);
	return e;
}

static int fd_list(int fd, int (*add)(void *ctx, const char *name), void *ctx)
{
	return fd_list_typed(fd, add, NULL, ctx);
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
static bool dir_realpath_fast(struct fs_dir *d, const char *path, char *canon, enum cuvet_fs_type *type)
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
	/* The cache keeps the type too: the file's own type, whichever way it is asked next. */
	struct stat st;
	if (type && n > 0 && fstat(fd, &st) == 0)
		*type = fs_mode_type(st.st_mode);
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

/* ----------------------------------------------------------- the cache ---- */

/* Eight bytes at a time (paths are long and every call hashes one): a multiply-xorshift mix. */
static size_t fs_hash(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	for (; n >= 8; n -= 8, s += 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	uint64_t w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (size_t)h;
}

/* The entry of PATH, or NULL when no scope is open or PATH was never asked. */
static struct fs_centry *fs_cache_find(struct cuvet_fs *fs, const char *path)
{
	struct fs_cache *c = &fs->cache;
	if (!c->depth || !c->count)
		return NULL;
	for (size_t i = fs_hash(path) & (c->cap - 1); c->e[i].path; i = (i + 1) & (c->cap - 1))
		if (strcmp(c->e[i].path, path) == 0)
			return &c->e[i];
	return NULL;
}

static struct fs_centry *fs_cache_slot(struct fs_cache *c, const char *path)
{
	size_t i = fs_hash(path) & (c->cap - 1);
	while (c->e[i].path && strcmp(c->e[i].path, path) != 0)
		i = (i + 1) & (c->cap - 1);
	return &c->e[i];
}

/* The entry of PATH, made when missing; NULL when no scope is open or memory ran out (the
 * caller then simply does not remember). */
static struct fs_centry *fs_cache_get(struct cuvet_fs *fs, const char *path)
{
	struct fs_cache *c = &fs->cache;
	if (!c->depth)
		return NULL;
	if ((c->count + 1) * 2 > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct fs_centry *ne = calloc(ncap, sizeof(*ne));
		if (!ne)
			return NULL;
		struct fs_cache n = *c;
		n.cap = ncap;
		n.e = ne;
		for (size_t i = 0; i < c->cap; i++)
			if (c->e[i].path)
				*fs_cache_slot(&n, c->e[i].path) = c->e[i];
		free(c->e);
		c->e = ne;
		c->cap = ncap;
	}
	struct fs_centry *e = fs_cache_slot(c, path);
	if (!e->path) {
		e->path = strdup(path);
		if (!e->path)
			return NULL;
		c->count++;
	}
	return e;
}

/* Frees the entries; the mappings nobody holds are unmapped, and with ALL_MAPS (the view is
 * being freed) every one. A held mapping stays listed until its cuvet_fs_unmap. */
static void fs_cache_drop(struct cuvet_fs *fs, bool all_maps)
{
	struct fs_cache *c = &fs->cache;
	for (size_t i = 0; i < c->cap; i++) {
		free(c->e[i].path);
		free(c->e[i].real);
		free(c->e[i].names);
	}
	free(c->e);
	c->e = NULL;
	c->cap = c->count = 0;
	size_t kept = 0;
	for (size_t i = 0; i < c->nmaps; i++) {
		struct fs_cmap *m = &c->maps[i];
		if (!m->data)
			continue;
		if (m->refs && !all_maps)
			c->maps[kept++] = *m;
		else if (fs->ops->unmap)
			fs->ops->unmap(fs->impl, m->data, m->len);
	}
	c->nmaps = kept;
	if (!kept) {
		free(c->maps);
		c->maps = NULL;
		c->maps_cap = 0;
	}
}

void fs_cache_begin(struct cuvet_fs *fs, unsigned flags)
{
	if (!fs)
		return;
	if (fs->cache.depth++ == 0)
		fs->cache.maps_on = (flags & FS_CACHE_MAPS) != 0;
}

void fs_cache_end(struct cuvet_fs *fs)
{
	if (!fs || !fs->cache.depth)
		return;
	if (--fs->cache.depth == 0) {
		fs->cache.maps_on = false;
		fs_cache_drop(fs, false);
	}
}

void fs_cache_maps(struct cuvet_fs *fs, bool on)
{
	if (fs && fs->cache.depth)
		fs->cache.maps_on = on;
}

/* The entry that holds what is known of PATH's file: its canonical path's entry when the
 * realpath is known (several links, one file), else PATH's own. */
static struct fs_centry *fs_cache_file(struct cuvet_fs *fs, const char *path)
{
	struct fs_centry *e = fs_cache_find(fs, path);
	if (e && e->has_real && !e->real_err && e->real) {
		struct fs_centry *r = fs_cache_find(fs, e->real);
		if (r)
			return r;
	}
	return e;
}

/* --------------------------------------------------- the public calls ---- */

static int fs_cache_listed_type(struct cuvet_fs *fs, const char *path);

/* Remembers that PATH resolves to CANON (a file of type TYPE when not CUVET_FS_NONE), or with
 * CANON NULL that it does not resolve (errno E). */
static void fs_cache_real(struct cuvet_fs *fs, const char *path, const char *canon, int e,
			  enum cuvet_fs_type type)
{
	struct fs_centry *c = canon ? fs_cache_get(fs, canon) : NULL;
	if (c && !c->has_real && (c->real = strdup(canon)) != NULL)
		c->has_real = true;
	if (c && type != CUVET_FS_NONE)
		c->type[0] = c->type[1] = (signed char)(type + 1);
	struct fs_centry *p = fs_cache_get(fs, path);
	if (!p || p->has_real)
		return;
	if (canon && !(p->real = strdup(canon)))
		return;
	p->real_err = canon ? 0 : e;
	p->has_real = true;
}

/* PATH's canonical path from what the cache knows, without a system call: PATH is DIR/NAME,
 * NAME is no link (its directory's listing or an earlier answer says so) and DIR's canonical
 * path is known, so PATH's is that and NAME. */
static bool fs_cache_compose(struct cuvet_fs *fs, const char *path, char *canon, enum cuvet_fs_type *type)
{
	if (!fs->cache.depth || !fs->cache.count)
		return false;
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1] || strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
		return false;
	struct fs_centry *e = fs_cache_find(fs, path);
	int t = e && e->type[0] ? e->type[0] - 1 : fs_cache_listed_type(fs, path);
	if (t < 0 || t == CUVET_FS_NONE || t == CUVET_FS_LINK)
		return false;
	size_t n = (size_t)(slash - path);
	const char *pr = "/";
	if (n) {
		char parent[PATH_MAX];
		if (n >= sizeof(parent))
			return false;
		memcpy(parent, path, n);
		parent[n] = '\0';
		struct fs_centry *d = fs_cache_find(fs, parent);
		if (!d || !d->has_real || !d->real)
			return false;
		pr = d->real;
	}
	size_t plen = strcmp(pr, "/") == 0 ? 0 : strlen(pr), nlen = strlen(slash + 1);
	if (plen + 1 + nlen >= PATH_MAX)
		return false;
	memcpy(canon, pr, plen);
	canon[plen] = '/';
	memcpy(canon + plen + 1, slash + 1, nlen + 1);
	*type = (enum cuvet_fs_type)t;
	return true;
}

int cuvet_fs_realpath(struct cuvet_fs *fs, const char *path, char *out, size_t outlen,
		      struct cuvet_error *err)
{
	char canon[PATH_MAX];
	enum cuvet_fs_type ctype = CUVET_FS_NONE;
	struct fs_centry *e = fs_cache_find(fs, path);
	if (e && e->has_real && (e->real || !err)) {
		if (!e->real) {
			errno = e->real_err;
			return -1;
		}
		memcpy(canon, e->real, strlen(e->real) + 1);
	} else if (fs_cache_compose(fs, path, canon, &ctype)) {
		fs_cache_real(fs, path, canon, 0, ctype);
	} else {
		enum cuvet_fs_type type = CUVET_FS_NONE;
		if (!fs->dir || !dir_realpath_fast(fs->dir, path, canon, fs->cache.depth ? &type : NULL)) {
			/* A caller that wants no message only needs to know the path is missing. */
			if (fs->dir && !err && (errno == ENOENT || errno == ENOTDIR) &&
			    (fs->dir->host || !fs->dir->no_openat2)) {
				int saved = errno;
				fs_cache_real(fs, path, NULL, saved, CUVET_FS_NONE);
				errno = saved;
				return -1;
			}
			if (fs_resolve(fs, path, true, canon, err) < 0)
				return -1;
		}
		fs_cache_real(fs, path, canon, 0, type);
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
	} else if (fs->dir && !err && (errno == ENOENT || errno == ENOTDIR) &&
		   (fs->dir->host || !fs->dir->no_openat2)) {
		/* the kernel's walk is exact; only the message would need ours */
		return -1;
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
	struct fs_cache *c = &fs->cache;
	if (c->maps_on) {
		struct fs_centry *f = fs_cache_file(fs, path);
		if (f && f->map) {
			struct fs_cmap *m = &c->maps[f->map - 1];
			m->refs++;
			*data = m->data;
			*len = m->len;
			return 0;
		}
	}
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
	if (*len == 0) {
		*data = NULL;
	} else if (c->maps_on && fs->ops->map) {
		/* kept under the file's canonical path when known, so its other names find it */
		struct fs_centry *pe = fs_cache_find(fs, path);
		const char *key = pe && pe->has_real && pe->real ? pe->real : path;
		struct fs_centry *f = fs_cache_get(fs, key);
		if (f && !f->map && c->nmaps == c->maps_cap) {
			size_t ncap = c->maps_cap ? c->maps_cap * 2 : 64;
			struct fs_cmap *nm = realloc(c->maps, ncap * sizeof(*nm));
			if (nm) {
				c->maps = nm;
				c->maps_cap = ncap;
			}
		}
		if (f && !f->map && c->nmaps < c->maps_cap) {
			c->maps[c->nmaps] = (struct fs_cmap){*data, *len, 1};
			f->map = ++c->nmaps;
		}
	}
	return 0;
}

void cuvet_fs_unmap(struct cuvet_fs *fs, const void *data, size_t len)
{
	if (!fs || !data || !len)
		return;
	struct fs_cache *c = &fs->cache;
	for (size_t i = c->nmaps; i-- > 0;) {
		struct fs_cmap *m = &c->maps[i];
		if (m->data != data)
			continue;
		if (m->refs)
			m->refs--;
		if (!c->depth && !m->refs) {
			/* the scope ended while a caller held it */
			if (fs->ops->unmap)
				fs->ops->unmap(fs->impl, m->data, m->len);
			m->data = NULL;
		}
		return;
	}
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

static enum cuvet_fs_type fs_type_uncached(struct cuvet_fs *fs, const char *path, bool follow);

enum cuvet_fs_type cuvet_fs_type(struct cuvet_fs *fs, const char *path, bool follow)
{
	if (!fs || !path)
		return CUVET_FS_NONE;
	int k = follow ? 1 : 0;
	struct fs_centry *ce = fs_cache_find(fs, path);
	if (ce) {
		if (ce->type[k])
			return (enum cuvet_fs_type)(ce->type[k] - 1);
		if (follow && ce->has_real && !ce->real)
			return CUVET_FS_NONE;
		struct fs_centry *f = follow ? fs_cache_file(fs, path) : NULL;
		if (f && f->type[1])
			return (enum cuvet_fs_type)(f->type[1] - 1);
	}
	/* the directory's listing said what the entry is; one that is not a link is the same followed */
	int lt = fs->cache.depth ? fs_cache_listed_type(fs, path) : -1;
	enum cuvet_fs_type t = lt >= 0 && (!follow || lt == CUVET_FS_NONE || lt != CUVET_FS_LINK)
				       ? (enum cuvet_fs_type)lt
				       : fs_type_uncached(fs, path, follow);
	if (fs->cache.depth && (ce = fs_cache_get(fs, path)) != NULL)
		ce->type[k] = (signed char)(t + 1);
	return t;
}

static enum cuvet_fs_type fs_type_uncached(struct cuvet_fs *fs, const char *path, bool follow)
{
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
	bool typed; /* each name's NUL is followed by one byte: its type + 1 */
};

static int fs_names_put(struct fs_names *a, const char *name, int type)
{
	size_t nlen = strlen(name) + 1 + (a->typed ? 1 : 0);
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
	memcpy(a->arena + a->alen, name, strlen(name) + 1);
	if (a->typed)
		a->arena[a->alen + nlen - 1] = (char)(type + 1);
	a->alen += nlen;
	a->count++;
	return 0;
}

static int fs_names_add(void *ctx, const char *name)
{
	return fs_names_put(ctx, name, CUVET_FS_NONE);
}

static int fs_names_add_typed(void *ctx, const char *name, enum cuvet_fs_type type)
{
	return fs_names_put(ctx, name, (int)type);
}

static int fs_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A copy of the listing block NAMES (COUNT names, BYTES bytes), its pointers moved along. */
static char **fs_names_copy(char *const *names, size_t count, size_t bytes)
{
	char *block = malloc(bytes);
	if (!block)
		return NULL;
	memcpy(block, names, bytes);
	char **out = (char **)(void *)block;
	for (size_t i = 0; i < count; i++)
		out[i] = block + (names[i] - (const char *)names);
	return out;
}

int cuvet_fs_list(struct cuvet_fs *fs, const char *path, struct cuvet_fs_dir *out, struct cuvet_error *err)
{
	struct fs_names a = {NULL, 0, 0, 0, false};
	int e;

	out->count = 0;
	out->names = NULL;
	struct fs_centry *ce = fs_cache_find(fs, path);
	if (ce && ce->listed) {
		if (ce->nnames) {
			out->names = fs_names_copy(ce->names, ce->nnames, ce->nbytes);
			if (!out->names)
				return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
			out->count = ce->nnames;
		}
		return 0;
	}
	int fd = fs->dir ? dir_open_fast(fs->dir, path, O_RDONLY | O_DIRECTORY) : -1;
	if (fd >= 0) {
		/* in a cache scope the entries' types are kept: the names are often asked for next */
		a.typed = fs->cache.depth > 0;
		e = fd_list_typed(fd, fs_names_add, a.typed ? fs_names_add_typed : NULL, &a);
	} else if (fs->dir && !err && (errno == ENOENT || errno == ENOTDIR) &&
		   (fs->dir->host || !fs->dir->no_openat2)) {
		return -1; /* the kernel's walk is exact; only the message would need ours */
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
	size_t ptrs = a.count * sizeof(char *);
	char **names = NULL;
	if (a.count) {
		char *block = realloc(a.arena, ptrs + a.alen);
		if (!block) {
			free(a.arena);
			return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
		}
		memmove(block + ptrs, block, a.alen);
		names = (char **)(void *)block;
		char *s = block + ptrs;
		for (size_t i = 0; i < a.count; i++) {
			names[i] = s;
			s += strlen(s) + 1 + (a.typed ? 1 : 0);
		}
		qsort(names, a.count, sizeof(char *), fs_namecmp);
	} else {
		free(a.arena);
	}
	if (fs->cache.depth && (ce = fs_cache_get(fs, path)) != NULL && !ce->listed) {
		ce->names = a.count ? fs_names_copy(names, a.count, ptrs + a.alen) : NULL;
		if (ce->names || !a.count) {
			ce->nnames = a.count;
			ce->nbytes = ptrs + a.alen;
			ce->listed = true;
			ce->typed = a.typed;
		}
	}
	out->names = names;
	out->count = a.count;
	return 0;
}

/* The type of PATH itself (not followed) as the kept listing of its directory gave it:
 * CUVET_FS_NONE when the listing has no such name; -1 when not known that way. */
static int fs_cache_listed_type(struct cuvet_fs *fs, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1] || (size_t)(slash - path) >= PATH_MAX)
		return -1;
	const char *name = slash + 1;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -1;
	char parent[PATH_MAX];
	size_t n = (size_t)(slash - path);
	memcpy(parent, path, n);
	parent[n] = '\0';
	struct fs_centry *d = fs_cache_find(fs, n ? parent : "/");
	if (!d || !d->listed || !d->typed)
		return -1;
	size_t lo = 0, hi = d->nnames;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->names[mid], name);
		if (c == 0) {
			unsigned char t = (unsigned char)d->names[mid][strlen(name) + 1];
			return t > 1 ? (int)t - 1 : -1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CUVET_FS_NONE;
}

void cuvet_fs_dir_release(struct cuvet_fs_dir *dir)
{
	if (!dir)
		return;
	free(dir->names); /* one block holding the pointers and the names */
	dir->names = NULL;
	dir->count = 0;
}
