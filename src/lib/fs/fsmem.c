/* The in-memory backend of the filesystem view: a tree of nodes built by cuvet_fs_mem_add_*, for
 * a container image whose layers are merged in memory (upper entries replace lower ones,
 * whiteouts remove, opaque directories hide) and never extracted to disk. The view (fsview.c)
 * resolves links and confines paths; this file only answers for canonical paths. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "fs_internal.h"

/* A regular file's bytes, shared by its hard links: a copy kept in COPY, or the caller's bytes
 * (cuvet_fs_mem_add_file_ref, e.g. inside a mapped layer archive). */
struct mem_blob {
	size_t refs;
	size_t len;
	const char *data;
	char copy[];
};

struct mem_entry;

struct mem_node {
	enum cuvet_fs_type type;
	unsigned mode;
	struct mem_blob *blob;   /* CUVET_FS_FILE */
	char *target;            /* CUVET_FS_LINK */
	struct mem_entry *kids;  /* CUVET_FS_DIR: sorted by strcmp of the names */
	size_t nkids, cap;
};

struct mem_entry {
	char *name;
	struct mem_node *node;
};

struct fs_mem {
	struct mem_node root;
};

static void mem_node_free(struct mem_node *n);

static void mem_node_clear(struct mem_node *n)
{
	if (n->blob && --n->blob->refs == 0)
		free(n->blob);
	n->blob = NULL;
	free(n->target);
	n->target = NULL;
	for (size_t i = 0; i < n->nkids; i++) {
		free(n->kids[i].name);
		mem_node_free(n->kids[i].node);
	}
	free(n->kids);
	n->kids = NULL;
	n->nkids = n->cap = 0;
}

static void mem_node_free(struct mem_node *n)
{
	if (!n)
		return;
	mem_node_clear(n);
	free(n);
}

/* Index of NAME (LEN bytes) in DIR's children, or where it would go (*FOUND false). */
static size_t mem_find(const struct mem_node *dir, const char *name, size_t len, bool *found)
{
	size_t lo = 0, hi = dir->nkids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = dir->kids[mid].name;
		int c = strncmp(k, name, len);
		if (c == 0)
			c = k[len] ? 1 : 0;
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* The node at a canonical PATH; 0 or an errno value. */
static int mem_lookup(struct fs_mem *m, const char *path, struct mem_node **out)
{
	struct mem_node *n = &m->root;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (n->type != CUVET_FS_DIR)
			return ENOTDIR;
		bool found;
		size_t i = mem_find(n, p, len, &found);
		if (!found)
			return ENOENT;
		n = n->kids[i].node;
		p += len;
	}
	*out = n;
	return 0;
}

/* ---------------------------------------------------------- operations ---- */

static int mem_lstat(void *impl, const char *path, struct cuvet_fs_stat *st)
{
	struct mem_node *n;
	int e = mem_lookup(impl, path, &n);
	if (e)
		return e;
	st->type = n->type;
	st->size = n->blob ? n->blob->len : 0;
	return 0;
}

static int mem_readlink(void *impl, const char *path, char *buf, size_t len)
{
	struct mem_node *n;
	int e = mem_lookup(impl, path, &n);
	if (e)
		return e;
	if (n->type != CUVET_FS_LINK)
		return EINVAL;
	size_t tlen = strlen(n->target);
	if (tlen >= len)
		return ENAMETOOLONG;
	memcpy(buf, n->target, tlen + 1);
	return 0;
}

static int mem_file(void *impl, const char *path, struct mem_node **n)
{
	int e = mem_lookup(impl, path, n);
	if (e)
		return e;
	if ((*n)->type == CUVET_FS_DIR)
		return EISDIR;
	return (*n)->type == CUVET_FS_FILE ? 0 : EINVAL;
}

static int mem_read(void *impl, const char *path, size_t max, char **data, size_t *len)
{
	struct mem_node *n;
	int e = mem_file(impl, path, &n);
	if (e)
		return e;
	if (n->blob->len > max)
		return EFBIG;
	char *buf = malloc(n->blob->len + 1);
	if (!buf)
		return ENOMEM;
	if (n->blob->len)
		memcpy(buf, n->blob->data, n->blob->len);
	buf[n->blob->len] = '\0';
	*data = buf;
	*len = n->blob->len;
	return 0;
}

static int mem_map(void *impl, const char *path, const void **data, size_t *len)
{
	struct mem_node *n;
	int e = mem_file(impl, path, &n);
	if (e)
		return e;
	*data = n->blob->len ? n->blob->data : NULL;
	*len = n->blob->len;
	return 0;
}

static int mem_list(void *impl, const char *path, int (*add)(void *ctx, const char *name), void *ctx)
{
	struct mem_node *n;
	int e = mem_lookup(impl, path, &n);
	if (e)
		return e;
	if (n->type != CUVET_FS_DIR)
		return ENOTDIR;
	for (size_t i = 0; i < n->nkids && !e; i++)
		e = add(ctx, n->kids[i].name);
	return e;
}

static void mem_free(void *impl)
{
	struct fs_mem *m = impl;
	if (!m)
		return;
	mem_node_clear(&m->root);
	free(m);
}

static const struct cuvet_fs_ops fs_mem_ops = {
	.name = "(memory)",
	.lstat = mem_lstat,
	.readlink = mem_readlink,
	.read = mem_read,
	.map = mem_map,
	.unmap = NULL, /* the bytes live as long as the node */
	.list = mem_list,
	.free = mem_free,
};

struct cuvet_fs *cuvet_fs_mem_new(struct cuvet_error *err)
{
	struct fs_mem *m = calloc(1, sizeof(*m));
	if (!m) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	m->root.type = CUVET_FS_DIR;
	m->root.mode = 0755;
	return cuvet_fs_new(&fs_mem_ops, m, err);
}

/* ------------------------------------------------------------ building ---- */

static struct fs_mem *mem_of(struct cuvet_fs *fs, const char *path, struct cuvet_error *err)
{
	struct fs_mem *m = fs_impl(fs, &fs_mem_ops);
	if (!path) {
		err_set(err, CUVET_E_INVALID, "no path");
		return NULL;
	}
	if (!m) {
		err_set(err, CUVET_E_INVALID, "%s: not an in-memory filesystem view", path);
		return NULL;
	}
	/* The view could not reach a longer path; the limit also bounds the tree's depth. */
	if (strlen(path) >= PATH_MAX) {
		err_set(err, CUVET_E_RANGE, "%.64s...: path too long", path);
		return NULL;
	}
	return m;
}

/* Finds the directory that holds PATH's last component, creating missing directories when
 * CREATE is set. *DIR is NULL (and 0 returned) when a parent is missing and CREATE is not set;
 * *NAME and *NLEN give the last component, empty for the root itself. */
static int mem_parent(struct fs_mem *m, const char *path, bool create, struct mem_node **dir,
		      const char **name, size_t *nlen, struct cuvet_error *err)
{
	struct mem_node *n = &m->root;
	const char *p = path;
	*dir = NULL;
	*name = "";
	*nlen = 0;
	for (;;) {
		while (*p == '/' || (p[0] == '.' && (p[1] == '/' || !p[1])))
			p++;
		if (!*p) {
			*dir = n;
			return 0;
		}
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return err_set(err, CUVET_E_INVALID, "%s: \"..\" in a path to add", path);
		const char *q = p + len;
		while (*q == '/' || (q[0] == '.' && (q[1] == '/' || !q[1])))
			q++;
		if (!*q) {
			*dir = n;
			*name = p;
			*nlen = len;
			return 0;
		}
		bool found;
		size_t i = mem_find(n, p, len, &found);
		if (!found) {
			if (!create)
				return 0;
			struct mem_node *d = calloc(1, sizeof(*d));
			char *nm = strndup(p, len);
			if (!d || !nm || xgrow(&n->kids, &n->cap, n->nkids, sizeof(*n->kids)) < 0) {
				free(d);
				free(nm);
				return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
			}
			d->type = CUVET_FS_DIR;
			d->mode = 0755;
			memmove(n->kids + i + 1, n->kids + i, (n->nkids - i) * sizeof(*n->kids));
			n->kids[i].name = nm;
			n->kids[i].node = d;
			n->nkids++;
		}
		n = n->kids[i].node;
		if (n->type != CUVET_FS_DIR)
			return err_set(err, CUVET_E_INVALID, "%s: %.*s is not a directory", path,
				       (int)(p + len - path), path);
		p += len;
	}
}

/* Puts NODE (owned from here on, freed on failure) at PATH, replacing what was there; a
 * directory put over a directory keeps the old one's contents and takes the new mode. */
static int mem_put(struct cuvet_fs *fs, const char *path, struct mem_node *node, struct cuvet_error *err)
{
	struct fs_mem *m = mem_of(fs, path, err);
	struct mem_node *dir;
	const char *name;
	size_t nlen;
	if (!m || mem_parent(m, path, true, &dir, &name, &nlen, err) < 0) {
		mem_node_free(node);
		return -1;
	}
	if (nlen == 0) {
		/* the root: it stays a directory */
		if (node->type != CUVET_FS_DIR) {
			mem_node_free(node);
			return err_set(err, CUVET_E_INVALID, "%s: the root is a directory", path);
		}
		dir->mode = node->mode;
		mem_node_free(node);
		return 0;
	}
	bool found;
	size_t i = mem_find(dir, name, nlen, &found);
	if (found) {
		struct mem_node *old = dir->kids[i].node;
		if (old->type == CUVET_FS_DIR && node->type == CUVET_FS_DIR) {
			old->mode = node->mode;
			mem_node_free(node);
		} else {
			dir->kids[i].node = node;
			mem_node_free(old);
		}
		return 0;
	}
	char *nm = strndup(name, nlen);
	if (!nm || xgrow(&dir->kids, &dir->cap, dir->nkids, sizeof(*dir->kids)) < 0) {
		free(nm);
		mem_node_free(node);
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	}
	memmove(dir->kids + i + 1, dir->kids + i, (dir->nkids - i) * sizeof(*dir->kids));
	dir->kids[i].name = nm;
	dir->kids[i].node = node;
	dir->nkids++;
	return 0;
}

static struct mem_node *mem_node_new(enum cuvet_fs_type type, unsigned mode, const char *path,
				     struct cuvet_error *err)
{
	struct mem_node *n = calloc(1, sizeof(*n));
	if (!n) {
		err_set(err, CUVET_E_NOMEM, "%s: out of memory", path ? path : "(null)");
		return NULL;
	}
	n->type = type;
	n->mode = mode & 07777;
	return n;
}

static int mem_add_file(struct cuvet_fs *fs, const char *path, const void *data, size_t len,
			unsigned mode, bool copy, struct cuvet_error *err)
{
	if (!mem_of(fs, path, err))
		return -1;
	if (len && !data)
		return err_set(err, CUVET_E_INVALID, "%s: no data", path);
	struct mem_node *n = mem_node_new(CUVET_FS_FILE, mode, path, err);
	if (!n)
		return -1;
	size_t extra = copy ? len + 1 : 0;
	if (extra > SIZE_MAX - sizeof(struct mem_blob) || !(n->blob = malloc(sizeof(struct mem_blob) + extra))) {
		free(n);
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	}
	n->blob->refs = 1;
	n->blob->len = len;
	if (copy) {
		if (len)
			memcpy(n->blob->copy, data, len);
		n->blob->copy[len] = '\0';
		n->blob->data = n->blob->copy;
	} else {
		n->blob->data = data;
	}
	return mem_put(fs, path, n, err);
}

int cuvet_fs_mem_add_file(struct cuvet_fs *fs, const char *path, const void *data, size_t len,
			  unsigned mode, struct cuvet_error *err)
{
	return mem_add_file(fs, path, data, len, mode, true, err);
}

int cuvet_fs_mem_add_file_ref(struct cuvet_fs *fs, const char *path, const void *data, size_t len,
			      unsigned mode, struct cuvet_error *err)
{
	return mem_add_file(fs, path, data, len, mode, false, err);
}

int cuvet_fs_mem_add_dir(struct cuvet_fs *fs, const char *path, unsigned mode, struct cuvet_error *err)
{
	if (!mem_of(fs, path, err))
		return -1;
	struct mem_node *n = mem_node_new(CUVET_FS_DIR, mode, path, err);
	return n ? mem_put(fs, path, n, err) : -1;
}

int cuvet_fs_mem_add_symlink(struct cuvet_fs *fs, const char *path, const char *target,
			     struct cuvet_error *err)
{
	if (!mem_of(fs, path, err))
		return -1;
	if (!target || !*target)
		return err_set(err, CUVET_E_INVALID, "%s: empty link target", path);
	struct mem_node *n = mem_node_new(CUVET_FS_LINK, 0777, path, err);
	if (!n)
		return -1;
	if (!(n->target = strdup(target))) {
		free(n);
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	}
	return mem_put(fs, path, n, err);
}

int cuvet_fs_mem_add_other(struct cuvet_fs *fs, const char *path, unsigned mode, struct cuvet_error *err)
{
	if (!mem_of(fs, path, err))
		return -1;
	struct mem_node *n = mem_node_new(CUVET_FS_OTHER, mode, path, err);
	return n ? mem_put(fs, path, n, err) : -1;
}

int cuvet_fs_mem_add_hardlink(struct cuvet_fs *fs, const char *path, const char *existing,
			      struct cuvet_error *err)
{
	struct fs_mem *m = mem_of(fs, path, err);
	if (!m || !mem_of(fs, existing, err))
		return -1;
	struct mem_node *dir, *old = NULL;
	const char *name;
	size_t nlen;
	if (mem_parent(m, existing, false, &dir, &name, &nlen, err) < 0)
		return -1;
	if (dir && nlen) {
		bool found;
		size_t i = mem_find(dir, name, nlen, &found);
		if (found)
			old = dir->kids[i].node;
	}
	if (!old)
		return err_set(err, CUVET_E_NOTFOUND, "%s: link to %s: No such file or directory", path, existing);
	if (old->type == CUVET_FS_DIR)
		return err_set(err, CUVET_E_INVALID, "%s: link to %s: a directory", path, existing);
	struct mem_node *n = mem_node_new(old->type, old->mode, path, err);
	if (!n)
		return -1;
	if (old->target && !(n->target = strdup(old->target))) {
		free(n);
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	}
	n->blob = old->blob;
	if (n->blob)
		n->blob->refs++;
	return mem_put(fs, path, n, err);
}

int cuvet_fs_mem_remove(struct cuvet_fs *fs, const char *path, struct cuvet_error *err)
{
	struct fs_mem *m = mem_of(fs, path, err);
	struct mem_node *dir;
	const char *name;
	size_t nlen;
	if (!m || mem_parent(m, path, false, &dir, &name, &nlen, err) < 0)
		return -1;
	if (!dir)
		return 0;
	if (nlen == 0)
		return err_set(err, CUVET_E_INVALID, "%s: cannot remove the root", path);
	bool found;
	size_t i = mem_find(dir, name, nlen, &found);
	if (!found)
		return 0;
	free(dir->kids[i].name);
	mem_node_free(dir->kids[i].node);
	memmove(dir->kids + i, dir->kids + i + 1, (dir->nkids - i - 1) * sizeof(*dir->kids));
	dir->nkids--;
	return 0;
}

int cuvet_fs_mem_make_opaque(struct cuvet_fs *fs, const char *path, unsigned mode, struct cuvet_error *err)
{
	struct fs_mem *m = mem_of(fs, path, err);
	struct mem_node *dir;
	const char *name;
	size_t nlen;
	if (!m || mem_parent(m, path, true, &dir, &name, &nlen, err) < 0)
		return -1;
	struct mem_node *target = dir;
	if (nlen) {
		bool found;
		size_t i = mem_find(dir, name, nlen, &found);
		target = found ? dir->kids[i].node : NULL;
	}
	if (target && target->type == CUVET_FS_DIR) {
		mem_node_clear(target);
		target->type = CUVET_FS_DIR;
		target->mode = mode & 07777;
		return 0;
	}
	return cuvet_fs_mem_add_dir(fs, path, mode, err);
}
