/* Every copy of each NVIDIA library family reachable on the probed root: through the loader's
 * cache and search path, CUDA toolkit trees, pip wheels and conda environments; with the
 * SONAME read from the file, the version and where that version came from, and whether a
 * plain dlopen() of the SONAME picks this copy. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libfamily.h"
#include "ldmodel.h"
#include "paths.h"
#include "probe.h"
#include "fs_internal.h"

/* ------------------------------------------------------------------ dpkg ---- */

struct dpkg_pkg {
	char *name;
	char *version;  /* upstream part, before the Debian revision */
	char *full_version; /* as dpkg has it ("2.28.3-1+cuda13.0"): the suffix names the CUDA build */
	char *arch;
	char *list;     /* contents of info/<name>.list, read when first needed */
	bool list_tried;
};

struct dpkg_db {
	size_t count, cap;
	struct dpkg_pkg *pkgs;
	bool loaded;
};

static bool dpkg_relevant(const char *name, size_t len)
{
	static const char *const words[] = {"cuda", "cudnn", "nccl", "cublas", "nvinfer", "tensorrt", "cufft",
					    "curand", "cusparse", "cusolver", "nvrtc", "nvjitlink", "cupti",
					    "nvidia", "nvonnxparser"};
	/* One pass over the name, trying only the words that start with the letter at hand: the
	 * status file of a desktop lists thousands of packages, and fifteen memmem() calls for
	 * each cost more than the rest of the probe. Every word starts with 'c', 'n' or 't'. */
	for (size_t p = 0; p < len; p++) {
		char c = name[p];
		if (c != 'c' && c != 'n' && c != 't')
			continue;
		for (size_t i = 0; i < CUVET_ARRAY_LEN(words); i++) {
			size_t wl = strlen(words[i]);
			if (words[i][0] == c && wl <= len - p && memcmp(name + p, words[i], wl) == 0)
				return true;
		}
	}
	return false;
}

/* The value of FIELD ("Version: ") inside one stanza [s, e), or NULL. */
static const char *stanza_field(const char *s, const char *e, const char *field, size_t *len)
{
	size_t flen = strlen(field);
	for (const char *p = s; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *end = nl ? nl : e;
		if ((size_t)(end - p) >= flen && memcmp(p, field, flen) == 0) {
			*len = (size_t)(end - p) - flen;
			return p + flen;
		}
		p = end + 1;
	}
	return NULL;
}

/* dpkg's status file holds every package of the system (thousands of lines); only the NVIDIA
 * ones matter, so each stanza is judged by its first line and skipped whole otherwise. */
static void dpkg_load(struct probe_ctx *pc, struct dpkg_db *db)
{
	db->loaded = true;
	char *text = NULL;
	size_t len;
	if (cuvet_fs_read(pc->fs, CUVET_DPKG_STATUS, 0, &text, &len, NULL) < 0)
		return;
	/* A stanza runs from its "Package:" line to the next one (stanzas are separated by blank
	 * lines in dpkg's file, but captured excerpts may join them otherwise). */
	const char *end = text + len;
	for (const char *s = text; s < end;) {
		const char *e = strstr(s + 1, "\nPackage: "); /* text is NUL-terminated */
		e = e ? e + 1 : end;
		size_t nlen, vlen, slen, alen = 0;
		const char *name = stanza_field(s, e, "Package: ", &nlen);
		if (name && dpkg_relevant(name, nlen)) {
			const char *ver = stanza_field(s, e, "Version: ", &vlen);
			const char *st = stanza_field(s, e, "Status: ", &slen);
			const char *arch = stanza_field(s, e, "Architecture: ", &alen);
			bool installed = st && slen >= 10 && memcmp(st + slen - 10, " installed", 10) == 0;
			if (ver && installed && xgrow(&db->pkgs, &db->cap, db->count, sizeof(*db->pkgs)) == 0) {
				struct dpkg_pkg *p = &db->pkgs[db->count++];
				memset(p, 0, sizeof(*p));
				p->name = xstrndup(name, nlen);
				/* the upstream version: "9.14.0.64-1" -> "9.14.0.64", "2.28.3-1+cuda13.0" -> "2.28.3" */
				char *v = xstrndup(ver, vlen);
				p->version = v ? xstrndup(v, strcspn(v, "-~+")) : NULL;
				p->full_version = v;
				p->arch = arch ? xstrndup(arch, alen) : NULL;
				if (!p->name || !p->version)
					db->count--;
			}
		}
		s = e;
	}
	free(text);
}

static const char *dpkg_list(struct probe_ctx *pc, struct dpkg_pkg *p)
{
	if (p->list_tried)
		return p->list;
	p->list_tried = true;
	char path[PATH_MAX];
	size_t l;
	if (pathf(path, sizeof(path), "/var/lib/dpkg/info/%s.list", p->name) &&
	    cuvet_fs_read(pc->fs, path, 0, &p->list, &l, NULL) == 0)
		return p->list;
	p->list = NULL;
	if (p->arch && pathf(path, sizeof(path), "/var/lib/dpkg/info/%s:%s.list", p->name, p->arch) &&
	    cuvet_fs_read(pc->fs, path, 0, &p->list, &l, NULL) < 0)
		p->list = NULL;
	return p->list;
}

static void dpkg_release(struct dpkg_db *db)
{
	for (size_t i = 0; i < db->count; i++) {
		free(db->pkgs[i].name);
		free(db->pkgs[i].version);
		free(db->pkgs[i].arch);
		free(db->pkgs[i].full_version);
		free(db->pkgs[i].list);
	}
	free(db->pkgs);
}

static bool list_has(const char *list, const char *path)
{
	size_t n = strlen(path);
	for (const char *p = list; p && (p = strstr(p, path)); p += n)
		if ((p == list || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* "cuda-compat-13-0" ships libcuda; "libcudnn9-cuda-13" ships cuDNN; and so on. */
static bool dpkg_family_match(const char *pkg, const char *family)
{
	if (strcmp(family, "cuda") == 0)
		return strstr(pkg, "cuda-compat") || strstr(pkg, "libnvidia-compute") || strstr(pkg, "nvidia-driver") ||
		       strstr(pkg, "cuda-driver-dev");
	if (strcmp(family, "nvml") == 0)
		return strstr(pkg, "nvml") || strstr(pkg, "libnvidia-compute") || strstr(pkg, "nvidia-driver");
	if (strcmp(family, "tensorrt") == 0)
		return strstr(pkg, "nvinfer") || strstr(pkg, "nvonnxparser") || strstr(pkg, "tensorrt");
	if (strcmp(family, "cusparse") == 0)
		return strstr(pkg, "cusparse") && !strstr(pkg, "cusparselt");
	if (strcmp(family, "nvjitlink") == 0)
		return strstr(pkg, "nvjitlink") != NULL;
	return strstr(pkg, family) != NULL;
}

/* A package owns a library when its file list names the path; without file lists, when it is
 * of the same family and its version begins with the version in the file name. Only the
 * packages of the library's family are asked, and each list is read once. */
static const struct dpkg_pkg *dpkg_owner(struct probe_ctx *pc, struct dpkg_db *db, const char *path,
					 const char *real, const char *family, const char *name_version)
{
	if (!db->loaded)
		dpkg_load(pc, db);
	bool any_list = false;
	for (size_t i = 0; i < db->count; i++) {
		struct dpkg_pkg *p = &db->pkgs[i];
		if (!dpkg_family_match(p->name, family))
			continue;
		const char *list = dpkg_list(pc, p);
		any_list |= list != NULL;
		if (list && (list_has(list, path) || list_has(list, real)))
			return p;
	}
	if (!name_version || any_list)
		return NULL;
	/* Runtime packages before -dev ones, which carry the same version. */
	size_t n = strlen(name_version);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < db->count; i++) {
			const struct dpkg_pkg *p = &db->pkgs[i];
			if (!dpkg_family_match(p->name, family) || (strstr(p->name, "-dev") != NULL) != (pass == 1))
				continue;
			if (strncmp(p->version, name_version, n) == 0 && (p->version[n] == '\0' || p->version[n] == '.'))
				return p;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------- scanning ---- */

struct scan {
	struct probe_ctx *pc;
	struct dpkg_db dpkg;
	char **site_packages;   /* site-packages dirs scanned, for dist-info lookups */
	size_t nsite, site_cap;
	char **dirs_seen;
	size_t ndirs, dirs_cap;
	size_t *dir_slots;        /* hash table over dirs_seen: index + 1, 0 for an empty slot */
	size_t nslots;            /* a power of two, at least twice ndirs */
	char *dist_site;          /* the site-packages whose dist-info names are in dist */
	struct cuvet_fs_dir dist;
};

static size_t dir_hash(const char *str)
{
	size_t h = 14695981039346656037u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)str; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

/* The slot of REAL in the hash table: where it is, or the empty one where it would go. */
static size_t *dir_slot(const struct scan *s, const char *real)
{
	size_t mask = s->nslots - 1;
	for (size_t k = dir_hash(real) & mask;; k = (k + 1) & mask)
		if (!s->dir_slots[k] || strcmp(s->dirs_seen[s->dir_slots[k] - 1], real) == 0)
			return &s->dir_slots[k];
}

/* Each directory is scanned once, however often LD_LIBRARY_PATH and the other sources name it:
 * a hash set, since an LD_LIBRARY_PATH of 20000 entries made a list search quadratic. Out of
 * memory, a directory counts as not seen (scanned again), as before. */
static bool seen_dir(struct scan *s, const char *real)
{
	if (s->nslots && *dir_slot(s, real))
		return true;
	if ((s->ndirs + 1) * 2 > s->nslots) {
		size_t n = s->nslots ? s->nslots * 2 : 64;
		size_t *slots = calloc(n, sizeof(size_t));
		if (!slots)
			return false;
		free(s->dir_slots);
		s->dir_slots = slots;
		s->nslots = n;
		for (size_t i = 0; i < s->ndirs; i++)
			*dir_slot(s, s->dirs_seen[i]) = i + 1;
	}
	char *copy = xstrdup(real);
	if (!copy || xgrow(&s->dirs_seen, &s->dirs_cap, s->ndirs, sizeof(char *)) < 0) {
		free(copy);
		return false;
	}
	s->dirs_seen[s->ndirs++] = copy;
	*dir_slot(s, copy) = s->ndirs;
	return false;
}


/* Version from a wheel's dist-info directory name: "nvidia_cudnn_cu13-9.19.0.56.dist-info". */
static char *wheel_version(struct scan *s, const char *site, const char *wheel, char **dist)
{
	/* Every wheel library of one site-packages asks: list it once. */
	if (!s->dist_site || strcmp(s->dist_site, site) != 0) {
		free(s->dist_site);
		cuvet_fs_dir_release(&s->dist);
		s->dist_site = xstrdup(site);
		if (cuvet_fs_list(s->pc->fs, site, &s->dist, NULL) < 0)
			memset(&s->dist, 0, sizeof(s->dist));
	}
	return libfamily_wheel_version(&s->dist, wheel, dist);
}

static void set_version(struct scan *s, struct cuvet_lib *l, const struct libfamily *fam, const char *sover,
			const char *real_name, const char *site)
{
	/* The real file's name carries the full version when it is longer than the SONAME's. */
	char *name_version = libfamily_name_version(fam, l->soname, real_name);
	if (site && fam->wheel) {
		char *dist = NULL;
		char *wv = wheel_version(s, site, fam->wheel, &dist);
		if (wv) {
			l->version = wv;
			l->version_source = xasprintf("dist-info:%s", dist);
			free(dist);
			free(name_version);
			return;
		}
	}
	const struct dpkg_pkg *p = dpkg_owner(s->pc, &s->dpkg, l->path, l->real_path, fam->family, name_version);
	if (p) {
		l->version = xstrdup(p->version);
		l->version_source = xasprintf("dpkg:%s", p->name);
		free(name_version);
		return;
	}
	if (name_version) {
		l->version = name_version;
		l->version_source = xstrdup("file-name");
		return;
	}
	if (*sover) {
		/* Only the SONAME's major is known. */
		l->version = xstrdup(sover);
		l->version_source = xstrdup("soname");
	}
}

static void read_soname(struct probe_ctx *pc, struct cuvet_lib *l)
{
	const void *data = NULL;
	size_t len = 0;
	struct cuvet_error err = {0};
	if (cuvet_fs_map(pc->fs, l->real_path, &data, &len, &err) < 0) {
		probe_note(pc, "%s", err.msg);
		return;
	}
	struct cuvet_elf_info info;
	if (cuvet_elf_read(data, len, &info, &err) == 0) {
		l->soname = info.soname;
		info.soname = NULL;
		cuvet_elf_info_release(&info);
	} else {
		probe_note(pc, "%s: %s", l->real_path, err.msg);
	}
	cuvet_fs_unmap(pc->fs, data, len);
}

/* Adds the library at DIR/NAME unless its real file was already found. */
static void add_candidate(struct scan *s, const char *dir, const char *name, const char *via, const char *site)
{
	struct probe_ctx *pc = s->pc;
	const char *sover = NULL;
	const struct libfamily *fam = libfamily_match(name, &sover);
	if (!fam)
		return;
	char path[PATH_MAX], real[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	/* "libX.so" links are for the link editor; the loader opens SONAMEs. A regular file of that
	 * name (a toolkit stub) still counts. */
	if (!*sover && cuvet_fs_type(pc->fs, path, false) == CUVET_FS_LINK)
		return;
	if (probe_realpath(pc, path, real, sizeof(real)) < 0)
		return;
	/* A copy already listed was a regular file when it was added: asking again costs an open
	 * and a stat for each of its links (lib64 -> targets/.../lib, cuda -> cuda-13.0). */
	struct cuvet_lib *l = facts_lib_by_real(pc, real);
	if (!l && cuvet_fs_type(pc->fs, real, false) != CUVET_FS_FILE)
		return;
	if (l) {
		/* Prefer the SONAME-named link as the reported path (libcudnn.so.9 over libcudnn.so). */
		if (l->soname && strcmp(name, l->soname) == 0 && strcmp(l->name, l->soname) != 0) {
			free(l->name);
			free(l->path);
			l->name = xstrdup(name);
			l->path = xstrdup(path);
		}
		return;
	}
	l = facts_add_lib(&pc->fb);
	if (!l)
		return;
	l->family = xstrdup(fam->family);
	l->name = xstrdup(name);
	l->path = xstrdup(path);
	l->real_path = xstrdup(real);
	l->stub = strstr(real, "/stubs/") != NULL;
	l->compat = facts_path_is_compat(real);
	l->found_via = xstrdup(l->stub ? "stubs" : l->compat ? "compat" : via);
	read_soname(pc, l);
	if (l->soname && strcmp(name, l->soname) != 0) {
		/* Report the SONAME-named entry when it sits beside the file. */
		char alt[PATH_MAX];
		char altreal[PATH_MAX];
		if (pathf(alt, sizeof(alt), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, l->soname) &&
		    probe_realpath(pc, alt, altreal, sizeof(altreal)) == 0 && strcmp(altreal, real) == 0) {
			free(l->name);
			free(l->path);
			l->name = xstrdup(l->soname);
			l->path = xstrdup(alt);
		}
	}
	const char *rn = strrchr(real, '/');
	set_version(s, l, fam, sover, rn ? rn + 1 : real, site);
}

static void scan_dir(struct scan *s, const char *dir, const char *via, const char *site)
{
	char real[PATH_MAX];
	if (probe_realpath(s->pc, dir, real, sizeof(real)) < 0)
		return;
	if (seen_dir(s, real))
		return;
	struct cuvet_fs_dir d;
	if (cuvet_fs_list(s->pc->fs, dir, &d, NULL) < 0)
		return;
	for (size_t i = 0; i < d.count; i++)
		add_candidate(s, dir, d.names[i], via, site);
	cuvet_fs_dir_release(&d);
}

static void llp_scan(const char *dir, size_t len, void *ctx)
{
	char buf[PATH_MAX];
	if (dir[0] != '/' || len >= sizeof(buf))
		return;
	memcpy(buf, dir, len);
	buf[len] = '\0';
	scan_dir(ctx, buf, "LD_LIBRARY_PATH", NULL);
}

static void scan_cache(struct scan *s)
{
	struct cuvet_ldcache *c = s->pc->cache;
	int32_t flags = ldmodel_cache_flags(s->pc->ldm);
	for (size_t i = 0; c && i < c->count; i++) {
		const struct cuvet_ldcache_entry *e = &c->entries[i];
		const char *sover;
		if (e->flags != flags || !libfamily_match(e->name, &sover))
			continue;
		char dir[PATH_MAX];
		const char *slash = strrchr(e->path, '/');
		if (!slash)
			continue;
		if (!pathf(dir, sizeof(dir), "%.*s", (int)(slash - e->path), e->path))
			continue;
		add_candidate(s, dir[0] ? dir : "/", slash + 1, "ld.so.cache", NULL);
	}
}

/* /usr/local/cuda, /usr/local/cuda-13, /usr/local/cuda-13.0: their lib dirs, stubs and compat. */
static void scan_cuda_dirs(struct scan *s)
{
	struct cuvet_fs_dir d;
	if (cuvet_fs_list(s->pc->fs, CUVET_USR_LOCAL, &d, NULL) < 0)
		return;
	static const char *const subdirs[] = {"lib64", "lib", "lib64/stubs", "lib/stubs", "compat", NULL};
	for (size_t i = 0; i < d.count; i++) {
		if (!str_starts(d.names[i], "cuda"))
			continue;
		char base[PATH_MAX];
		if (!pathf(base, sizeof(base), "/usr/local/%s", d.names[i]))
			continue;
		if (cuvet_fs_type(s->pc->fs, base, true) != CUVET_FS_DIR)
			continue;
		for (const char *const *sd = subdirs; *sd; sd++) {
			char p[PATH_MAX];
			if (!pathf(p, sizeof(p), "%s/%s", base, *sd))
				continue;
			scan_dir(s, p, "cuda-dir", NULL);
		}
		char targets[PATH_MAX];
		if (!pathf(targets, sizeof(targets), "%s/targets", base))
			continue;
		struct cuvet_fs_dir t;
		if (cuvet_fs_list(s->pc->fs, targets, &t, NULL) == 0) {
			for (size_t j = 0; j < t.count; j++) {
				char p[PATH_MAX];
				if (!pathf(p, sizeof(p), "%s/%s/lib", targets, t.names[j]))
					continue;
				scan_dir(s, p, "cuda-dir", NULL);
				if (!pathf(p, sizeof(p), "%s/%s/lib/stubs", targets, t.names[j]))
					continue;
				scan_dir(s, p, "cuda-dir", NULL);
			}
			cuvet_fs_dir_release(&t);
		}
	}
	cuvet_fs_dir_release(&d);
}

static void scan_site_packages(struct scan *s, const char *site)
{
	char real[PATH_MAX];
	if (probe_realpath(s->pc, site, real, sizeof(real)) < 0 ||
	    cuvet_fs_type(s->pc->fs, real, false) != CUVET_FS_DIR)
		return;
	for (size_t i = 0; i < s->nsite; i++)
		if (strcmp(s->site_packages[i], real) == 0)
			return;
	if (xgrow(&s->site_packages, &s->site_cap, s->nsite, sizeof(char *)) == 0)
		s->site_packages[s->nsite++] = xstrdup(real);
	char p[PATH_MAX];
	/* nvidia/<component>/lib: NVIDIA's wheels; tensorrt_libs: TensorRT's; torch/lib and
	 * *.libs: libraries vendored into framework wheels by auditwheel. */
	struct cuvet_fs_dir d;
	if (pathf(p, sizeof(p), "%s/nvidia", real) && cuvet_fs_list(s->pc->fs, p, &d, NULL) == 0) {
		for (size_t i = 0; i < d.count; i++) {
			char lib[PATH_MAX];
			if (!pathf(lib, sizeof(lib), "%s/nvidia/%s/lib", real, d.names[i]))
				continue;
			scan_dir(s, lib, "pip", real);
		}
		cuvet_fs_dir_release(&d);
	}
	if (pathf(p, sizeof(p), "%s/tensorrt_libs", real))
		scan_dir(s, p, "pip", real);
	if (pathf(p, sizeof(p), "%s/torch/lib", real))
		scan_dir(s, p, "pip", NULL);
	if (cuvet_fs_list(s->pc->fs, real, &d, NULL) == 0) {
		for (size_t i = 0; i < d.count; i++) {
			if (!str_ends(d.names[i], ".libs"))
				continue;
			if (!pathf(p, sizeof(p), "%s/%s", real, d.names[i]))
				continue;
			scan_dir(s, p, "pip", NULL);
		}
		cuvet_fs_dir_release(&d);
	}
}

/* PREFIX/lib/python3.*\/{site,dist}-packages */
static void scan_python_prefix(struct scan *s, const char *prefix)
{
	char lib[PATH_MAX];
	struct cuvet_fs_dir d;
	if (!pathf(lib, sizeof(lib), "%s/lib", prefix) || cuvet_fs_list(s->pc->fs, lib, &d, NULL) < 0)
		return;
	for (size_t i = 0; i < d.count; i++) {
		if (!str_starts(d.names[i], "python3"))
			continue;
		char p[PATH_MAX];
		if (!pathf(p, sizeof(p), "%s/%s/site-packages", lib, d.names[i]))
			continue;
		scan_site_packages(s, p);
		if (!pathf(p, sizeof(p), "%s/%s/dist-packages", lib, d.names[i]))
			continue;
		scan_site_packages(s, p);
	}
	cuvet_fs_dir_release(&d);
}

static void path_prefix_scan(const char *dir, size_t len, void *ctx)
{
	/* A PATH entry ".../bin" names a Python prefix (a venv's or conda's) at "...". */
	if (dir[0] != '/' || len < 5 || strncmp(dir + len - 4, "/bin", 4) != 0)
		return;
	char prefix[PATH_MAX];
	if (len - 4 >= sizeof(prefix))
		return;
	memcpy(prefix, dir, len - 4);
	prefix[len - 4] = '\0';
	scan_python_prefix(ctx, prefix[0] ? prefix : "/");
}

static void scan_python(struct scan *s)
{
	static const char *const prefixes[] = {"/usr", "/usr/local", "/opt/conda", NULL};
	const char *venv = probe_getenv(s->pc, "VIRTUAL_ENV");
	if (venv && *venv)
		scan_python_prefix(s, venv);
	const char *conda = probe_getenv(s->pc, "CONDA_PREFIX");
	if (conda && *conda)
		scan_python_prefix(s, conda);
	ldmodel_each_elem(probe_getenv(s->pc, "PATH"), ":;", path_prefix_scan, s);
	for (const char *const *p = prefixes; *p; p++)
		scan_python_prefix(s, *p);
	/* Virtual environments kept under /opt (/opt/NAME/.venv, /opt/NAME/venv, /opt/venv). */
	struct cuvet_fs_dir d;
	if (cuvet_fs_list(s->pc->fs, "/opt", &d, NULL) == 0) {
		for (size_t i = 0; i < d.count; i++) {
			char p[PATH_MAX];
			if (!pathf(p, sizeof(p), "/opt/%s", d.names[i]))
				continue;
			scan_python_prefix(s, p);
			if (!pathf(p, sizeof(p), "/opt/%s/.venv", d.names[i]))
				continue;
			scan_python_prefix(s, p);
			if (!pathf(p, sizeof(p), "/opt/%s/venv", d.names[i]))
				continue;
			scan_python_prefix(s, p);
		}
		cuvet_fs_dir_release(&d);
	}
}

static void scan_conda(struct scan *s)
{
	const char *conda = probe_getenv(s->pc, "CONDA_PREFIX");
	char p[PATH_MAX];
	if (conda && *conda) {
		if (pathf(p, sizeof(p), "%s/lib", conda))
			scan_dir(s, p, "conda", NULL);
	}
	scan_dir(s, "/opt/conda/lib", "conda", NULL);
	struct cuvet_fs_dir d;
	if (cuvet_fs_list(s->pc->fs, "/opt/conda/envs", &d, NULL) == 0) {
		for (size_t i = 0; i < d.count; i++) {
			if (!pathf(p, sizeof(p), "/opt/conda/envs/%s/lib", d.names[i]))
				continue;
			scan_dir(s, p, "conda", NULL);
		}
		cuvet_fs_dir_release(&d);
	}
}

struct ldmodel *probe_ldmodel(struct probe_ctx *pc, struct cuvet_error *err)
{
	if (pc->ldm)
		return pc->ldm;
	const char *arch = pc->facts->arch;
	bool arm = arch && (strcmp(arch, "aarch64") == 0 || strcmp(arch, "arm64") == 0);
	struct ldmodel_opts o;
	ldmodel_opts_init(&o, arm ? LDMODEL_EM_AARCH64 : LDMODEL_EM_X86_64);
	o.cache_given = true;
	o.cache = pc->cache;
	pc->ldm = ldmodel_new(pc->fs, probe_getenv(pc, "LD_LIBRARY_PATH"), &o, err);
	return pc->ldm;
}

static const char *pick_via(enum cuvet_why_rule rule)
{
	switch (rule) {
	case CUVET_WHY_LD_LIBRARY_PATH: return "LD_LIBRARY_PATH";
	case CUVET_WHY_CACHE: return "ld.so.cache";
	case CUVET_WHY_DEFAULT: return "default-dirs";
	default: return "loader";
	}
}

/* The real path of the file a plain dlopen(SO) opens (NO_LLP: with the cache alone, nothing
 * else); "" when none. A copy the loader finds where discovery does not look (a glibc-hwcaps
 * subdirectory) becomes one of the copies. */
static int loader_pick(struct scan *s, const char *so, bool no_llp, char *real, size_t reallen,
		       enum cuvet_why_rule *rule, struct cuvet_error *err)
{
	struct ldmodel_query q = {.name = so, .no_llp = no_llp};
	struct ldmodel_result r;
	real[0] = '\0';
	if (ldmodel_search(s->pc->ldm, &q, &r, err) < 0)
		return -1;
	*rule = r.rule;
	/* a corrupt copy is still what the loader reaches (and fails on) */
	if (r.status != LDMODEL_NOT_FOUND && (!no_llp || r.rule == CUVET_WHY_CACHE) &&
	    probe_realpath(s->pc, r.path, real, reallen) == 0) {
		const char *slash = strrchr(r.path, '/');
		if (!no_llp && r.dir[0])
			add_candidate(s, r.dir, slash ? slash + 1 : r.path, pick_via(r.rule), NULL);
	} else {
		real[0] = '\0';
	}
	ldmodel_result_release(&r);
	return 0;
}

struct soname_ref {
	const char *so;             /* the copy's own SONAME string (stays valid when f->libs grows) */
	size_t i;
};

static int soname_ref_cmp(const void *a, const void *b)
{
	const struct soname_ref *x = a, *y = b;
	int c = strcmp(x->so, y->so);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static void mark_pick(struct cuvet_lib *l, const char *dflt, const char *cache)
{
	if (!l->real_path)
		return;
	l->default_pick |= dflt[0] && strcmp(dflt, l->real_path) == 0;
	l->cache_pick |= cache[0] && strcmp(cache, l->real_path) == 0;
}

/* default_pick and cache_pick, asked once per SONAME: the copies sorted by SONAME, one search
 * per group (a search may add the copy it finds where the scan did not look). */
static int mark_default_picks(struct scan *s, struct cuvet_error *err)
{
	struct cuvet_facts *f = s->pc->facts;
	size_t n0 = f->nlibs, n = 0;
	struct soname_ref *refs = malloc((n0 ? n0 : 1) * sizeof(*refs));
	if (!refs)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n0; i++)
		if (f->libs[i].soname)
			refs[n++] = (struct soname_ref){f->libs[i].soname, i};
	qsort(refs, n, sizeof(*refs), soname_ref_cmp);
	int rc = 0;
	for (size_t g = 0; g < n && rc == 0;) {
		const char *so = refs[g].so;
		size_t end = g + 1;
		while (end < n && strcmp(refs[end].so, so) == 0)
			end++;
		char dflt[PATH_MAX], cache[PATH_MAX];
		enum cuvet_why_rule rule;
		size_t before = f->nlibs;
		if (loader_pick(s, so, false, dflt, sizeof(dflt), &rule, err) < 0) {
			rc = -1;
			break;
		}
		/* without LD_LIBRARY_PATH the cache alone picks what the whole search picked from it */
		const char *llp = ldmodel_llp(s->pc->ldm);
		if (llp && *llp) {
			if (loader_pick(s, so, true, cache, sizeof(cache), &rule, err) < 0) {
				rc = -1;
				break;
			}
		} else {
			snprintf(cache, sizeof(cache), "%s", rule == CUVET_WHY_CACHE ? dflt : "");
		}
		for (size_t k = g; k < end; k++)
			mark_pick(&f->libs[refs[k].i], dflt, cache);
		for (size_t k = before; k < f->nlibs; k++)
			if (f->libs[k].soname && strcmp(f->libs[k].soname, so) == 0)
				mark_pick(&f->libs[k], dflt, cache);
		g = end;
	}
	free(refs);
	return rc;
}

/* ------------------------------------------------------- CUDA majors ---- */

/* Each copy's CUDA major (probe_cuda_major.c), with the owning package's full Debian version at
 * hand for the "+cudaNN.M" suffix that libnccl2 and libnvinfer carry. */
static void set_cuda_majors(struct scan *s)
{
	struct cuvet_facts *f = s->pc->facts;
	for (size_t i = 0; i < f->nlibs; i++) {
		struct cuvet_lib *l = &f->libs[i];
		const char *dv = NULL;
		for (size_t j = 0; l->version_source && str_starts(l->version_source, "dpkg:") && j < s->dpkg.count; j++)
			if (strcmp(s->dpkg.pkgs[j].name, l->version_source + 5) == 0)
				dv = s->dpkg.pkgs[j].full_version;
		struct cuda_major_in in = {l->family, l->name, l->path, l->real_path, l->soname, l->version,
					   l->version_source, dv};
		cuda_major_infer(&in, s->pc->kb, &l->cuda_major, &l->cuda_major_source);
	}
}

static int lib_cmp(const void *a, const void *b)
{
	const struct cuvet_lib *x = a, *y = b;
	int c = strcmp(x->family, y->family);
	if (c)
		return c;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return strcmp(x->path, y->path);
}

int probe_libs(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct scan s = {.pc = pc};
	if (!probe_ldmodel(pc, err))
		return -1;
	/* Each library file is read for its SONAME here and again for its ELF header where the
	 * loader model tries it: keep the mappings until the probe ends (a few pages each). */
	fs_cache_maps(pc->fs, true);
	ldmodel_each_elem(probe_getenv(pc, "LD_LIBRARY_PATH"), ":;", llp_scan, &s);
	scan_cache(&s);
	/* Without a cache the loader falls back to its default directories; ld.so.conf
	 * directories count only once ldconfig has put them into the cache. */
	if (!pc->cache) {
		for (size_t i = 0; i < pc->conf.count; i++)
			scan_dir(&s, pc->conf.dirs[i], "ld.so.conf", NULL);
		/* both layouts (Debian multiarch and lib64): the loader only reaches them when the
		 * cache does not know the name, and looking in more places finds no wrong copy */
		static const char *const default_dirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
							    "/lib64", "/usr/lib64", "/lib", "/usr/lib"};
		for (size_t i = 0; i < CUVET_ARRAY_LEN(default_dirs); i++)
			scan_dir(&s, default_dirs[i], "default-dirs", NULL);
	}
	scan_cuda_dirs(&s);
	scan_python(&s);
	scan_conda(&s);
	int rc = mark_default_picks(&s, err);
	if (rc == 0) {
		set_cuda_majors(&s);
		if (pc->facts->nlibs > 1)
			qsort(pc->facts->libs, pc->facts->nlibs, sizeof(*pc->facts->libs), lib_cmp);
		facts_libs_reordered(pc);
	}
	dpkg_release(&s.dpkg);
	for (size_t i = 0; i < s.nsite; i++)
		free(s.site_packages[i]);
	free(s.site_packages);
	for (size_t i = 0; i < s.ndirs; i++)
		free(s.dirs_seen[i]);
	free(s.dirs_seen);
	free(s.dir_slots);
	free(s.dist_site);
	cuvet_fs_dir_release(&s.dist);
	fs_cache_maps(pc->fs, false);
	return rc;
}

/* ------------------------------------------------------------- toolkits ---- */

static char *json_version(const char *text, size_t len, const char *key)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	char *out = NULL;
	if (root) {
		const char *v = json_string_value(json_object_get(json_object_get(root, key), "version"));
		out = xstrdup(v);
		json_decref(root);
	}
	return out;
}

int probe_toolkits(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_fs_dir d;
	if (cuvet_fs_list(pc->fs, CUVET_USR_LOCAL, &d, NULL) < 0)
		return 0;
	for (size_t i = 0; i < d.count; i++) {
		const char *n = d.names[i];
		/* Real toolkit trees are "cuda-X.Y"; "cuda" and "cuda-X" are alternatives links to them. */
		struct cuvet_version dv;
		if (!str_starts(n, "cuda-") || cuvet_version_parse(n + 5, &dv, NULL) < 0 || dv.nparts != 2)
			continue;
		char base[PATH_MAX];
		if (!pathf(base, sizeof(base), "/usr/local/%s", n))
			continue;
		if (cuvet_fs_type(pc->fs, base, false) != CUVET_FS_DIR)
			continue;
		struct cuvet_toolkit *t = facts_add_toolkit(&pc->fb);
		if (!t)
			break;
		t->path = xstrdup(base);
		char p[PATH_MAX];
		char *text = NULL;
		size_t len;
		if (!pathf(p, sizeof(p), "%s/version.json", base))
			continue;
		if (cuvet_fs_read(pc->fs, p, 1 << 20, &text, &len, NULL) == 0) {
			t->version = json_version(text, len, "cuda");
			t->nvcc_version = json_version(text, len, "cuda_nvcc");
			if (t->version)
				t->version_source = xstrdup("version.json");
			free(text);
		}
		if (!t->version) {
			t->version = xstrdup(n + 5);
			t->version_source = xstrdup("directory-name");
		}
		if (!pathf(p, sizeof(p), "%s/compat", base))
			continue;
		struct cuvet_fs_dir c;
		if (cuvet_fs_list(pc->fs, p, &c, NULL) == 0) {
			t->compat_dir = xstrdup(p);
			for (size_t j = 0; j < c.count && !t->compat_libcuda_version; j++)
				t->compat_libcuda_version = driver_version_from_name(c.names[j], "libcuda");
			cuvet_fs_dir_release(&c);
		}
	}
	cuvet_fs_dir_release(&d);
	CUVET_UNUSED(err);
	return 0;
}
