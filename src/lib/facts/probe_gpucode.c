/* Which GPU code the libraries a program would use carry: the SASS and PTX targets of their fat
 * binaries, read from the entry headers only (nothing is decompressed), so that the rules in
 * rules_arch.c can tell, from facts alone, whether the host's GPUs can run them. Also walks the
 * caller's scan directories for other ELF files with GPU code (framework libraries, applications).
 *
 * Only the copies that programs load are read: what a plain dlopen picks, and pip / conda copies
 * that frameworks load through their RPATH. Stubs and compat libcuda carry no kernels, and the
 * driver's own libraries (libcuda, libnvidia-ml) are not compiled per GPU. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

/* A scan directory tree deeper than this is a loop through bind mounts or a mistake. */
#define SCAN_MAX_DEPTH 24
/* Stop listing a scan tree after this many entries (a scan of "/" by accident). */
#define SCAN_MAX_ENTRIES 200000u

static int code_cmp(const void *a, const void *b)
{
	const struct cuvet_lib_gpu_code *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind == CUVET_FATBIN_ELF ? -1 : 1;
	if (x->sm != y->sm)
		return x->sm < y->sm ? -1 : 1;
	return (int)(unsigned char)x->variant - (int)(unsigned char)y->variant;
}

/* CUDA's own libraries that register their kernels themselves (cuFFT 12 keeps ~24,000 containers
 * in .ldata) or only wrap another library (cuFFTW) carry a placeholder in .nv_fatbin: one sm_75
 * cubin of under 2 KB, seen in CUDA 13.0's libcufft.so.12 and libcufftw.so.12. Such a file says
 * nothing about the GPUs it supports, and doctor does not judge it; reading the other sections
 * (cuvet_fatbin_parse_deep, `cuvet arch --deep`) would show cuFFT's real targets but costs tens of
 * milliseconds per copy, too much for every doctor run. */
#define GPU_CODE_PLACEHOLDER_BYTES 8192u
#define GPU_CODE_PLACEHOLDER_SM 75u

bool gpu_code_is_placeholder(const struct cuvet_lib *l)
{
	return l->ngpu_code == 1 && l->gpu_code[0].entries == 1 && l->gpu_code[0].kind == CUVET_FATBIN_ELF &&
	       l->gpu_code[0].sm == GPU_CODE_PLACEHOLDER_SM && l->gpu_code[0].uncompressed_bytes <= GPU_CODE_PLACEHOLDER_BYTES;
}

/* Folds FB's entries into one record per (kind, SM, variant). */
static int summarise(const struct cuvet_fatbin *fb, struct cuvet_lib *l)
{
	size_t cap = 0;
	for (size_t i = 0; i < fb->nentries; i++) {
		const struct cuvet_fatbin_entry *e = &fb->entries[i];
		if (e->kind != CUVET_FATBIN_ELF && e->kind != CUVET_FATBIN_PTX)
			continue;
		struct cuvet_lib_gpu_code *c = NULL;
		for (size_t j = 0; j < l->ngpu_code && !c; j++)
			if (l->gpu_code[j].kind == e->kind && l->gpu_code[j].sm == e->sm &&
			    l->gpu_code[j].variant == e->variant)
				c = &l->gpu_code[j];
		if (!c) {
			if (xgrow(&l->gpu_code, &cap, l->ngpu_code, sizeof(*l->gpu_code)) < 0)
				return -1;
			c = &l->gpu_code[l->ngpu_code++];
			memset(c, 0, sizeof(*c));
			c->kind = e->kind;
			c->sm = e->sm;
			c->variant = e->variant;
		}
		c->entries++;
		c->bytes += e->payload_size;
		c->uncompressed_bytes += e->compression != CUVET_FATBIN_UNCOMPRESSED ? e->uncompressed_size : e->payload_size;
		if (e->kind == CUVET_FATBIN_PTX &&
		    (e->version_major > c->ptx_isa_major ||
		     (e->version_major == c->ptx_isa_major && e->version_minor > c->ptx_isa_minor))) {
			c->ptx_isa_major = e->version_major;
			c->ptx_isa_minor = e->version_minor;
		}
	}
	if (l->ngpu_code > 1)
		qsort(l->gpu_code, l->ngpu_code, sizeof(*l->gpu_code), code_cmp);
	return 0;
}

/* Reads L's file; a file that cannot be read or parsed keeps gpu_code_read false and says why. */
static int read_lib(struct probe_ctx *pc, struct cuvet_lib *l, const void *data, size_t len)
{
	struct cuvet_error e = {0};
	struct cuvet_fatbin *fb = cuvet_fatbin_parse(data, len, &e);
	if (!fb) {
		if (e.code == CUVET_E_NOMEM)
			return -1;
		free(l->gpu_code_error);
		l->gpu_code_error = xstrdup(e.msg);
		probe_note(pc, "%s: GPU code: %s", l->real_path, e.msg);
		return 0;
	}
	int rc = summarise(fb, l);
	cuvet_fatbin_free(fb);
	if (rc < 0)
		return -1;
	l->gpu_code_read = true;
	return 0;
}

static int read_path(struct probe_ctx *pc, struct cuvet_lib *l)
{
	const void *data = NULL;
	size_t len = 0;
	struct cuvet_error e = {0};
	if (cuvet_fs_map(pc->fs, l->real_path, &data, &len, &e) < 0) {
		l->gpu_code_error = xstrdup(e.msg);
		probe_note(pc, "%s", e.msg);
		return 0;
	}
	int rc = read_lib(pc, l, data, len);
	cuvet_fs_unmap(pc->fs, data, len);
	return rc;
}

static bool used_copy(const struct cuvet_lib *l)
{
	if (l->stub || l->compat || !l->family || strcmp(l->family, "cuda") == 0 || strcmp(l->family, "nvml") == 0)
		return false;
	return l->default_pick || (l->found_via && (strcmp(l->found_via, "pip") == 0 || strcmp(l->found_via, "conda") == 0));
}


struct walk {
	struct probe_ctx *pc;
	size_t entries;
	bool oom, truncated;
};

/* A regular file under a scan directory: kept when it is an ELF file with GPU code. */
static void scan_file(struct walk *w, const char *path, const char *name)
{
	struct probe_ctx *pc = w->pc;
	char real[PATH_MAX];
	if (probe_realpath(pc, path, real, sizeof(real)) < 0)
		return;
	struct cuvet_lib *known = facts_lib_by_real(pc, real);
	if (known && known->gpu_code_read)
		return;
	const void *data = NULL;
	size_t len = 0;
	if (cuvet_fs_map(pc->fs, real, &data, &len, NULL) < 0)
		return;
	if (len < 4 || memcmp(data, "\177ELF", 4) != 0) {
		cuvet_fs_unmap(pc->fs, data, len);
		return;
	}
	/* A library the probe already found (a scan of a CUDA lib directory) is read in place. */
	struct cuvet_lib tmp = {.real_path = real};
	struct cuvet_lib *l = known ? known : &tmp;
	if (read_lib(pc, l, data, len) < 0)
		w->oom = true;
	char *soname = NULL;
	struct cuvet_elf_info info;
	bool keep = !known && tmp.gpu_code_read && tmp.ngpu_code;
	if (keep && cuvet_elf_read(data, len, &info, NULL) == 0) {
		soname = info.soname;
		info.soname = NULL;
		cuvet_elf_info_release(&info);
	}
	cuvet_fs_unmap(pc->fs, data, len);
	if (!keep) {
		tmp.real_path = NULL;
		facts_lib_release(&tmp);
		return;
	}
	l = facts_add_lib(&pc->fb);
	if (!l) {
		tmp.real_path = NULL;
		facts_lib_release(&tmp);
		free(soname);
		w->oom = true;
		return;
	}
	l->family = xstrdup("scanned");
	l->name = xstrdup(name);
	l->path = xstrdup(path);
	l->real_path = xstrdup(real);
	l->soname = soname;
	l->found_via = xstrdup("scan");
	l->gpu_code_read = true;
	l->ngpu_code = tmp.ngpu_code;
	l->gpu_code = tmp.gpu_code;
}

static void scan_tree(struct walk *w, const char *dir, int depth)
{
	struct cuvet_fs_dir d;
	if (depth > SCAN_MAX_DEPTH || w->oom || w->truncated)
		return;
	if (cuvet_fs_list(w->pc->fs, dir, &d, NULL) < 0)
		return;
	for (size_t i = 0; i < d.count && !w->oom; i++) {
		char path[PATH_MAX];
		if (++w->entries > SCAN_MAX_ENTRIES) {
			w->truncated = true;
			break;
		}
		if (!pathf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, d.names[i]))
			continue;
		/* Directories only as themselves, so symlinked trees cannot loop; files through links. */
		enum cuvet_fs_type t = cuvet_fs_type(w->pc->fs, path, false);
		if (t == CUVET_FS_DIR)
			scan_tree(w, path, depth + 1);
		else if (t == CUVET_FS_FILE || (t == CUVET_FS_LINK && cuvet_fs_type(w->pc->fs, path, true) == CUVET_FS_FILE))
			scan_file(w, path, d.names[i]);
	}
	cuvet_fs_dir_release(&d);
}

int probe_gpu_code(struct probe_ctx *pc, struct cuvet_error *err)
{
	const struct cuvet_probe_opts *o = pc->opts;
	if (!o->read_gpu_code)
		return 0;
	for (size_t i = 0; i < pc->facts->nlibs; i++)
		if (used_copy(&pc->facts->libs[i]) && read_path(pc, &pc->facts->libs[i]) < 0)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
	struct walk w = {.pc = pc};
	for (const char *const *d = o->scan_dirs; d && *d && !w.oom; d++) {
		if (cuvet_fs_type(pc->fs, *d, true) != CUVET_FS_DIR) {
			probe_note(pc, "scan directory %s: not a directory", *d);
			continue;
		}
		w.truncated = false;
		w.entries = 0;
		scan_tree(&w, *d, 0);
		if (w.truncated)
			probe_note(pc, "scan directory %s: stopped after %u entries", *d, SCAN_MAX_ENTRIES);
	}
	if (w.oom)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	return 0;
}
