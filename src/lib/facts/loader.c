#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"

/* Debian and Ubuntu patch the multiarch directories in front of /lib and /usr/lib; RHEL-style
 * systems use /lib64 and /usr/lib64. Listing both covers either layout: the loader only
 * reaches this step when the cache did not know the name. */
const char *const loader_default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", NULL,
};

const char *loader_via_name(enum loader_via via)
{
	switch (via) {
	case LOADER_LD_LIBRARY_PATH: return "LD_LIBRARY_PATH";
	case LOADER_CACHE: return "ld.so.cache";
	case LOADER_DEFAULT: return "default-dirs";
	case LOADER_NONE: break;
	}
	return "none";
}

int32_t loader_native_flags(const struct probe_ctx *pc)
{
	const char *arch = pc->facts->arch;
	if (arch && (strcmp(arch, "aarch64") == 0 || strcmp(arch, "arm64") == 0))
		return 0xa03;
	return 0x303;
}

void loader_each_ld_library_path(const char *value, void (*fn)(const char *dir, size_t len, void *ctx), void *ctx)
{
	for (const char *p = value; p && *p;) {
		size_t n = strcspn(p, ":;");
		if (n > 0)
			fn(p, n, ctx);
		p += n;
		if (*p)
			p++;
	}
}

struct llp_search {
	struct probe_ctx *pc;
	const char *soname;
	char *out;
	size_t outlen;
	bool found;
};

static void llp_try(const char *dir, size_t len, void *ctx)
{
	struct llp_search *s = ctx;
	if (s->found || dir[0] != '/')
		return;
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%.*s/%s", (int)len, dir, s->soname);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	if (cuvet_fs_type(s->pc->fs, path, true) == CUVET_FS_FILE) {
		snprintf(s->out, s->outlen, "%s", path);
		s->found = true;
	}
}

enum loader_via loader_pick(struct probe_ctx *pc, const char *soname, char *out, size_t outlen)
{
	struct llp_search s = {pc, soname, out, outlen, false};
	loader_each_ld_library_path(probe_getenv(pc, "LD_LIBRARY_PATH"), llp_try, &s);
	if (s.found)
		return LOADER_LD_LIBRARY_PATH;
	if (pc->cache) {
		const struct cuvet_ldcache_entry *e = cuvet_ldcache_lookup(pc->cache, soname, loader_native_flags(pc));
		if (e && cuvet_fs_type(pc->fs, e->path, true) == CUVET_FS_FILE) {
			snprintf(out, outlen, "%s", e->path);
			return LOADER_CACHE;
		}
	}
	for (const char *const *d = loader_default_dirs; *d; d++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", *d, soname);
		if (cuvet_fs_type(pc->fs, path, true) == CUVET_FS_FILE) {
			snprintf(out, outlen, "%s", path);
			return LOADER_DEFAULT;
		}
	}
	return LOADER_NONE;
}
