/* The in-memory backend of the filesystem view: a tree of nodes built by cuvet_fs_mem_add_*, for
 * a container image whose layers are merged in memory (upper entries replace lower ones,
 * whiteouts remove, opaque directories hide) and never extracted to disk. The view (fsview.c)
 * resolves links and confines paths; this file only answers for canonical paths. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* A sparse file (cuvet_fs_mem_add_sparse): SIZE bytes of which only the extents are held, in
 * one allocation after the extent table. Mapping it builds the full-length buffer in an
 * anonymous mapping (untouched pages cost nothing) that unmap releases. */
struct mem_sparse {
	size_t refs;
	uint64_t size;
	bool complete;           /* every range a reader of the file needs is held */
	size_t n;
	struct cuvet_fs_extent *ext; /* data pointers into BYTES */
	char bytes[];
};

struct mem_entry;

struct mem_node {
	enum cuvet_fs_type type;
	unsigned mode;
	unsigned layer;          /* the layer that put it (cuvet_fs_mem_set_layer) */
	struct mem_blob *blob;   /* CUVET_FS_FILE */
	struct mem_sparse *sparse; /* CUVET_FS_FILE held in part (then BLOB is NULL) */
	char *target;            /* CUVET_FS_LINK */
	struct mem_entry *kids;  /* CUVET_FS_DIR: sorted by strcmp of the names */
	size_t nkids, cap;
};

struct mem_entry {
	char *name;
	struct mem_node *node;
};

/* A live mapping of a sparse file, released by unmap or with the view. */
struct mem_mapping {
	void *addr;
	size_t len;
};

struct fs_mem {
	struct mem_node root;
	unsigned layer;          /* the layer being added; 0: no layers (whiteouts hide everything) */
	pthread_mutex_t lock;    /* guards MAPS: the view may be read from several threads */
	struct mem_mapping *maps;
	size_t nmaps, capmaps;
};

static void mem_node_free(struct mem_node *n);

static void mem_node_clear(struct mem_node *n)
{
	if (n->blob && --n->blob->refs == 0)
		free(n->blob);
	n->blob = NULL;
	if (n->sparse && --n->sparse->refs == 0)
		free(n->sparse);
	n->sparse = NULL;
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
	st->size = n->blob ? n->blob->len : n->sparse ? n->sparse->size : 0;
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
	if (n->sparse)
		return ENODATA; /* only parts held: a reader of text must not see zeros for the rest */
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

/* The full-length bytes of a sparse file: its extents in an anonymous mapping, the holes zero
 * pages that are never touched (MAP_NORESERVE: no memory is committed for them). */
static int mem_map_sparse(struct fs_mem *m, const struct mem_sparse *sp, const void **data, size_t *len)
{
	if (!sp->complete)
		return ENODATA;
	if (sp->size == 0) {
		*data = NULL;
		*len = 0;
		return 0;
	}
	if (sp->size > SIZE_MAX / 2)
		return EFBIG;
	size_t size = (size_t)sp->size;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return ENOMEM;
	for (size_t i = 0; i < sp->n; i++)
		memcpy((char *)p + sp->ext[i].offset, sp->ext[i].data, sp->ext[i].len);
	(void)mprotect(p, size, PROT_READ);
	pthread_mutex_lock(&m->lock);
	int e = xgrow(&m->maps, &m->capmaps, m->nmaps, sizeof(*m->maps));
	if (e == 0)
		m->maps[m->nmaps++] = (struct mem_mapping){p, size};
	pthread_mutex_unlock(&m->lock);
	if (e) {
		munmap(p, size);
		return ENOMEM;
	}
	*data = p;
	*len = size;
	return 0;
}

static int mem_map(void *impl, const char *path, const void **data, size_t *len)
{
	struct mem_node *n;
	int e = mem_file(impl, path, &n);
	if (e)
		return e;
	if (n->sparse)
		return mem_map_sparse(impl, n->sparse, data, len);
	*data = n->blob->len ? n->blob->data : NULL;
	*len = n->blob->len;
	return 0;
}

/* Only sparse files' mappings are released; other files' bytes live as long as their node. */
static void mem_unmap(void *impl, const void *data, size_t len)
{
	struct fs_mem *m = impl;
	void *found = NULL;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nmaps; i++) {
		if (m->maps[i].addr == data && m->maps[i].len == len) {
			found = m->maps[i].addr;
			m->maps[i] = m->maps[--m->nmaps];
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (found)
		munmap(found, len);
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
	for (size_t i = 0; i < m->nmaps; i++)
		munmap(m->maps[i].addr, m->maps[i].len);
	free(m->maps);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static const struct cuvet_fs_ops fs_mem_ops = {
	.name = "(memory)",
	.lstat = mem_lstat,
	.readlink = mem_readlink,
	.read = mem_read,
	.map = mem_map,
	.unmap = mem_unmap,
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
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
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
			d->layer = m->layer;
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
	node->layer = m->layer;
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
			old->layer = node->layer;
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
	n->sparse = old->sparse;
	if (n->sparse)
		n->sparse->refs++;
	return mem_put(fs, path, n, err);
}

/* Whether N comes from a layer below the one being added (everything does without layers). */
static bool mem_lower(const struct fs_mem *m, const struct mem_node *n)
{
	return m->layer == 0 || n->layer < m->layer;
}

/* Drops DIR's entries from lower layers. A lower directory under which this layer put something
 * (a tar need not list the parents of its members) stays, holding only that. */
static void mem_prune_lower(const struct fs_mem *m, struct mem_node *dir)
{
	size_t j = 0;
	for (size_t i = 0; i < dir->nkids; i++) {
		struct mem_node *k = dir->kids[i].node;
		if (k->type == CUVET_FS_DIR)
			mem_prune_lower(m, k);
		if (mem_lower(m, k) && (k->type != CUVET_FS_DIR || k->nkids == 0)) {
			free(dir->kids[i].name);
			mem_node_free(k);
			continue;
		}
		dir->kids[j++] = dir->kids[i];
	}
	dir->nkids = j;
}

int cuvet_fs_mem_set_layer(struct cuvet_fs *fs, unsigned layer, struct cuvet_error *err)
{
	struct fs_mem *m = mem_of(fs, "/", err);
	if (!m)
		return -1;
	if (layer < m->layer)
		return err_set(err, CUVET_E_INVALID, "layer %u after layer %u: layers are added bottom first", layer,
			       m->layer);
	m->layer = layer;
	return 0;
}

int cuvet_fs_mem_add_sparse(struct cuvet_fs *fs, const char *path, uint64_t size, const struct cuvet_fs_extent *ext,
			    size_t n, bool complete, unsigned mode, struct cuvet_error *err)
{
	if (!mem_of(fs, path, err))
		return -1;
	if (n && !ext)
		return err_set(err, CUVET_E_INVALID, "%s: no extents", path);
	size_t held = 0;
	uint64_t end = 0;
	for (size_t i = 0; i < n; i++) {
		if ((ext[i].len && !ext[i].data) || ext[i].offset < end || ext[i].offset > size ||
		    ext[i].len > size - ext[i].offset)
			return err_set(err, CUVET_E_INVALID, "%s: extent %zu (at %llu, %zu bytes) out of order or past the end",
				       path, i, (unsigned long long)ext[i].offset, ext[i].len);
		end = ext[i].offset + ext[i].len;
		held += ext[i].len; /* <= size, and every extent lies in memory: no overflow */
	}
	struct mem_node *node = mem_node_new(CUVET_FS_FILE, mode, path, err);
	if (!node)
		return -1;
	size_t table = n * sizeof(struct cuvet_fs_extent);
	if (n > SIZE_MAX / sizeof(struct cuvet_fs_extent) || held > SIZE_MAX - sizeof(struct mem_sparse) - table ||
	    !(node->sparse = malloc(sizeof(struct mem_sparse) + table + held))) {
		free(node);
		return err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
	}
	struct mem_sparse *sp = node->sparse;
	sp->refs = 1;
	sp->size = size;
	sp->complete = complete;
	sp->n = n;
	sp->ext = (struct cuvet_fs_extent *)(void *)sp->bytes;
	char *at = sp->bytes + table;
	for (size_t i = 0; i < n; i++) {
		sp->ext[i].offset = ext[i].offset;
		sp->ext[i].len = ext[i].len;
		sp->ext[i].data = at;
		if (ext[i].len)
			memcpy(at, ext[i].data, ext[i].len);
		at += ext[i].len;
	}
	return mem_put(fs, path, node, err);
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
	if (!found || !mem_lower(m, dir->kids[i].node))
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
		mem_prune_lower(m, target);
		target->mode = mode & 07777;
		target->layer = m->layer;
		return 0;
	}
	return cuvet_fs_mem_add_dir(fs, path, mode, err);
}

int cuvet_fs_mem_info(struct cuvet_fs *fs, const char *path, struct cuvet_fs_mem_info *out, struct cuvet_error *err)
{
	struct fs_mem *m = mem_of(fs, path, err);
	if (!m)
		return -1;
	struct mem_node *n;
	int e = mem_lookup(m, path, &n);
	if (e == ENOENT || e == ENOTDIR)
		return err_set(err, CUVET_E_NOTFOUND, "%s: No such file or directory", path);
	memset(out, 0, sizeof(*out));
	out->type = n->type;
	out->mode = n->mode;
	if (n->blob) {
		out->size = out->held_bytes = n->blob->len;
		out->held = CUVET_FS_HELD_WHOLE;
	} else if (n->sparse) {
		out->size = n->sparse->size;
		for (size_t i = 0; i < n->sparse->n; i++)
			out->held_bytes += n->sparse->ext[i].len;
		out->held = n->sparse->complete ? CUVET_FS_HELD_PART : CUVET_FS_HELD_NONE;
	}
	return 0;
}
