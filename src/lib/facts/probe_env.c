/* OS, C library, container and the NVIDIA/CUDA environment. */
#include <gnu/libc-version.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "paths.h"
#include "probe.h"

/* The variables that decide what a GPU workload loads and sees. */
static bool env_interesting(const char *kv)
{
	static const char *const exact[] = {"LD_LIBRARY_PATH", "LD_PRELOAD", "PATH", "CONDA_PREFIX",
					    "VIRTUAL_ENV", "LIBRARY_PATH", "PYTHONPATH"};
	static const char *const prefix[] = {"NVIDIA_", "CUDA_", "NV_", "CUDNN_", "NCCL_", "TORCH_CUDA",
					     "TENSORRT_", "TRT_"};
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < CUVET_ARRAY_LEN(exact); i++)
		if (strlen(exact[i]) == klen && strncmp(kv, exact[i], klen) == 0)
			return true;
	for (size_t i = 0; i < CUVET_ARRAY_LEN(prefix); i++)
		if (strncmp(kv, prefix[i], strlen(prefix[i])) == 0)
			return true;
	return false;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cuvet_kv *)a)->key, ((const struct cuvet_kv *)b)->key);
}

/* os-release values may be quoted: ID="ubuntu" or ID=debian. */
static char *os_release_value(const char *text, const char *key)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
			const char *v = line + klen + 1;
			size_t vlen = len - klen - 1;
			if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0]) {
				v++;
				vlen -= 2;
			}
			return xstrndup(v, vlen);
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static void probe_os(struct probe_ctx *pc)
{
	struct cuvet_facts *f = pc->facts;
	char *text = NULL;
	size_t len = 0;
	if (cuvet_fs_read(pc->fs, CUVET_OS_RELEASE, 1 << 16, &text, &len, NULL) < 0 &&
	    cuvet_fs_read(pc->fs, CUVET_OS_RELEASE_ALT, 1 << 16, &text, &len, NULL) < 0)
		return;
	f->os_id = os_release_value(text, "ID");
	f->os_version = os_release_value(text, "VERSION_ID");
	f->os_pretty = os_release_value(text, "PRETTY_NAME");
	free(text);
}

/* ldconfig writes its glibc version into the cache: "... stable release version 2.39". */
static char *glibc_from_generator(const char *gen)
{
	const char *p = gen ? strstr(gen, "release version ") : NULL;
	if (!p)
		return NULL;
	p += strlen("release version ");
	struct cuvet_version v;
	const char *end;
	if (cuvet_version_parse_prefix(p, &v, &end, NULL) < 0)
		return NULL;
	return xstrndup(p, (size_t)(end - p));
}

static bool file_contains(struct probe_ctx *pc, const char *path, const char *const *needles)
{
	char *text = NULL;
	size_t len;
	if (cuvet_fs_read(pc->fs, path, 1 << 20, &text, &len, NULL) < 0)
		return false;
	bool hit = false;
	for (; *needles && !hit; needles++)
		hit = strstr(text, *needles) != NULL;
	free(text);
	return hit;
}

static const char *detect_container(struct probe_ctx *pc)
{
	if (probe_getenv(pc, "KUBERNETES_SERVICE_HOST") ||
	    cuvet_fs_type(pc->fs, CUVET_K8S_SA_TOKEN, true) == CUVET_FS_DIR)
		return "kubernetes";
	if (cuvet_fs_type(pc->fs, CUVET_CONTAINERENV, true) == CUVET_FS_FILE)
		return "podman";
	if (cuvet_fs_type(pc->fs, CUVET_DOCKERENV, true) == CUVET_FS_FILE)
		return "docker";
	const char *c = probe_getenv(pc, "container");
	if (c && *c)
		return c;
	static const char *const k8s[] = {"kubepods", NULL};
	static const char *const docker[] = {"/docker/", "docker-", NULL};
	static const char *const other[] = {"containerd", "/lxc/", "libpod", NULL};
	if (file_contains(pc, CUVET_PROC_1_CGROUP, k8s))
		return "kubernetes";
	if (file_contains(pc, CUVET_PROC_1_CGROUP, docker))
		return "docker";
	if (file_contains(pc, CUVET_PROC_1_CGROUP, other))
		return "container";
	return NULL;
}

int probe_env(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_facts *f = pc->facts;
	for (char *const *e = pc->env; *e; e++) {
		if (!env_interesting(*e))
			continue;
		size_t klen = strcspn(*e, "=");
		char key[256];
		if (klen >= sizeof(key) || (*e)[klen] != '=')
			continue;
		memcpy(key, *e, klen);
		key[klen] = '\0';
		if (facts_add_env(&pc->fb, key, *e + klen + 1) < 0)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	if (f->nenv > 1)
		qsort(f->env, f->nenv, sizeof(*f->env), kv_cmp);

	probe_os(pc);
	if (pc->live) {
		struct utsname u;
		if (uname(&u) == 0) {
			f->arch = xstrdup(u.machine);
			f->hostname = xstrdup(u.nodename);
		}
		f->glibc_version = xstrdup(gnu_get_libc_version());
	} else {
		char *h = NULL;
		size_t len;
		if (cuvet_fs_read(pc->fs, "/etc/hostname", 256, &h, &len, NULL) == 0) {
			f->hostname = xstrdup(str_trim(h));
			free(h);
		}
		if (pc->cache) {
			f->glibc_version = glibc_from_generator(pc->cache->generator);
			/* Every x86-64 libc6 entry carries 0x303, AArch64 0xa03. */
			for (size_t i = 0; i < pc->cache->count && !f->arch; i++) {
				if (pc->cache->entries[i].flags == 0x303)
					f->arch = xstrdup("x86_64");
				else if (pc->cache->entries[i].flags == 0xa03)
					f->arch = xstrdup("aarch64");
			}
		}
	}
	const char *c = detect_container(pc);
	f->container = c ? xstrdup(c) : NULL;
	return 0;
}
