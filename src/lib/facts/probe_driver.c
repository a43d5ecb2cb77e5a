/* The NVIDIA driver as the filesystem shows it: the kernel module's version and flavour, and
 * the user-space libraries the loader would pick. NVML (probe_nvml) adds what only the
 * running driver can tell. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ldmodel.h"
#include "paths.h"
#include "probe.h"

/* "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build ..."
 * "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023"
 * The version is the first whitespace-separated token after "Module" that is a dotted number. */
int driver_parse_proc_version(const char *text, char **version, char **flavour)
{
	*version = *flavour = NULL;
	const char *line = strstr(text, "NVRM version:");
	if (!line)
		return -1;
	const char *eol = strchr(line, '\n');
	size_t linelen = eol ? (size_t)(eol - line) : strlen(line);
	char buf[512];
	if (linelen >= sizeof(buf))
		linelen = sizeof(buf) - 1;
	memcpy(buf, line, linelen);
	buf[linelen] = '\0';
	char *mod = strstr(buf, "Kernel Module");
	if (!mod)
		return -1;
	bool open = strstr(buf, "Open Kernel Module") != NULL;
	char *save = NULL;
	for (char *tok = strtok_r(mod + strlen("Kernel Module"), " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (strcmp(tok, "for") == 0)
			continue;
		struct cuvet_version v;
		if (cuvet_version_parse(tok, &v, NULL) == 0 && v.nparts >= 2) {
			*version = xstrdup(tok);
			*flavour = xstrdup(open ? "open" : "proprietary");
			return *version && *flavour ? 0 : -1;
		}
	}
	return -1;
}

/* "libcuda.so.580.159.04" -> "580.159.04" for a file whose name is BASE ".so." VERSION. */
char *driver_version_from_name(const char *path, const char *base)
{
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	size_t blen = strlen(base);
	if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".so.", 4) != 0)
		return NULL;
	const char *v = name + blen + 4;
	struct cuvet_version ver;
	if (cuvet_version_parse(v, &ver, NULL) < 0 || ver.nparts < 2)
		return NULL;
	return xstrdup(v);
}

static int pick_driver_lib(struct probe_ctx *pc, const char *soname, const char *base, char **path_out,
			   char **version_out, struct cuvet_error *err)
{
	char real[PATH_MAX];
	struct ldmodel *m = probe_ldmodel(pc, err);
	struct ldmodel_query q = {.name = soname};
	struct ldmodel_result r;
	if (!m || ldmodel_search(m, &q, &r, err) < 0)
		return -1;
	/* a corrupt copy is still the one the loader reaches (and fails on) */
	if (r.status != LDMODEL_NOT_FOUND) {
		if (!(*path_out = xstrdup(r.path)))
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		if (probe_realpath(pc, r.path, real, sizeof(real)) == 0)
			*version_out = driver_version_from_name(real, base);
	}
	ldmodel_result_release(&r);
	return 0;
}

int probe_driver(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_driver *d = &pc->facts->driver;
	char *text = NULL;
	size_t len = 0;
	struct cuvet_error rerr = {0};
	if (cuvet_fs_read(pc->fs, CUVET_PROC_DRIVER_VERSION, 1 << 16, &text, &len, &rerr) == 0) {
		d->module_loaded = true;
		if (driver_parse_proc_version(text, &d->kernel_version, &d->kernel_flavour) < 0)
			probe_note(pc, "%s: no driver version found in \"%.60s\"", CUVET_PROC_DRIVER_VERSION, text);
		free(text);
	} else if (rerr.code != CUVET_E_NOTFOUND) {
		probe_note(pc, "%s", rerr.msg);
	}
	if (pick_driver_lib(pc, "libcuda.so.1", "libcuda", &d->libcuda_path, &d->libcuda_version, err) < 0 ||
	    pick_driver_lib(pc, "libnvidia-ml.so.1", "libnvidia-ml", &d->libnvml_path, &d->libnvml_version, err) < 0)
		return -1;
	d->present = d->module_loaded || d->libcuda_path || d->libnvml_path;
	return 0;
}
