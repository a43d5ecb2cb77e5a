/*
 * GPUs without NVML, and which GPUs a workload would see (design §4).
 *
 * When NVML gave no GPUs (no driver loaded, a --root tree, NVML switched off or broken), the
 * GPUs are read from the PCI bus in sysfs (vendor 0x10de, class 0x03xx: VGA or 3D controller;
 * the same boards' HDMI audio and USB functions have other classes), named from the driver's
 * /proc/driver/nvidia/gpus/<bus id>/information where the module is loaded, and given a
 * compute capability from the knowledge base's PCI-id table.
 *
 * Then, in every case, NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES decide gpu->visible.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "probe.h"

#define NVIDIA_VENDOR 0x10deu
#define SYSFS_ATTR_MAX 4096
#define PROC_INFO_MAX 65536

/* ------------------------------------------------------------ bus ids ---- */

/* ------------------------------------------------------ sysfs and /proc ---- */

/* Reads a small sysfs attribute and trims it. NULL when absent or unreadable. */
static char *read_attr(struct cuvet_fs *fs, const char *dir, const char *name)
{
	char path[512];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return NULL;
	char *data = NULL;
	size_t len = 0;
	struct cuvet_error e;
	if (cuvet_fs_read(fs, path, SYSFS_ATTR_MAX, &data, &len, &e) < 0)
		return NULL;
	char *t = str_trim(data);
	if (t != data)
		memmove(data, t, strlen(t) + 1);
	return data;
}

/* The fields of /proc/driver/nvidia/gpus/<bus id>/information the probe uses. */
struct proc_info {
	char *model;
	char *uuid;
	char *bus;
};

static void proc_info_release(struct proc_info *pi)
{
	free(pi->model);
	free(pi->uuid);
	free(pi->bus);
	memset(pi, 0, sizeof(*pi));
}

/* Parses the "Key: \t value" lines of an information file (buffer, NUL-terminated, modified).
 * Returns -1 only when out of memory. */
static int proc_info_parse(char *text, struct proc_info *pi)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"Model", offsetof(struct proc_info, model)},
		{"GPU UUID", offsetof(struct proc_info, uuid)},
		{"Bus Location", offsetof(struct proc_info, bus)},
	};
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *key = str_trim(line), *value = str_trim(colon + 1);
		for (size_t i = 0; i < CUVET_ARRAY_LEN(keys); i++) {
			char **slot = (char **)((char *)pi + keys[i].off);
			if (strcmp(key, keys[i].key) != 0 || *slot || !*value)
				continue;
			if (!(*slot = strdup(value)))
				return -1;
		}
	}
	return 0;
}

/* Reads the information file of the GPU at PCI address NAME ("0000:00:06.0"). Absent: all
 * fields NULL. Returns -1 only when out of memory. */
static int proc_info_read(struct cuvet_fs *fs, const char *name, struct proc_info *pi)
{
	char path[512];
	memset(pi, 0, sizeof(*pi));
	if (snprintf(path, sizeof(path), "%s/%s/information", CUVET_PROC_DRIVER_GPUS, name) >= (int)sizeof(path))
		return 0;
	char *data = NULL;
	size_t len = 0;
	struct cuvet_error e;
	if (cuvet_fs_read(fs, path, PROC_INFO_MAX, &data, &len, &e) < 0)
		return e.code == CUVET_E_NOMEM ? -1 : 0;
	int rc = proc_info_parse(data, pi);
	free(data);
	return rc;
}

/* Name and compute capability from the knowledge base's PCI-id table, for what the driver
 * did not say. */
int probe_gpu_from_kb(struct probe_ctx *pc, struct cuvet_gpu *g)
{
	struct cuvet_kb_gpu kg;
	if (!g->pci_device_id || cuvet_kb_gpu_by_pci(pc->kb, g->pci_device_id >> 16, &kg) < 0)
		return 0;
	if (!g->name && kg.model && !(g->name = strdup(kg.model)))
		return -1;
	if (!g->segment && kg.segment && !(g->segment = strdup(kg.segment)))
		return -1;
	if (g->cc_major < 0 && kg.cc_major >= 0 && kg.cc_minor >= 0) {
		g->cc_major = kg.cc_major;
		g->cc_minor = kg.cc_minor;
		free(g->cc_source);
		if (!(g->cc_source = strdup("kb")))
			return -1;
	}
	return 0;
}

/* Moves the /proc fields into G. */
static void gpu_take_proc(struct cuvet_gpu *g, struct proc_info *pi)
{
	g->name = pi->model;
	g->uuid = pi->uuid;
	pi->model = pi->uuid = NULL;
}

static bool gpu_has_bus(const struct cuvet_facts *f, const char *bus)
{
	for (size_t i = 0; i < f->ngpus; i++)
		if (f->gpus[i].pci_bus_id && strcmp(f->gpus[i].pci_bus_id, bus) == 0)
			return true;
	return false;
}

#define OOM(err) err_set((err), CUVET_E_NOMEM, "out of memory")

static int gpus_from_sysfs(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_fs_dir dir = {0, NULL};
	struct cuvet_error e;
	struct proc_info pi = {NULL, NULL, NULL};
	char *vendor = NULL, *klass = NULL, *device = NULL;
	int rc = -1;

	if (cuvet_fs_list(pc->fs, CUVET_SYS_PCI_DEVICES, &dir, &e) < 0) {
		if (e.code == CUVET_E_NOMEM)
			return OOM(err);
		return 0; /* no sysfs in this tree: /proc may still know */
	}
	for (size_t i = 0; i < dir.count; i++) {
		char path[512], bus[32];
		unsigned long devid;
		if (snprintf(path, sizeof(path), "%s/%s", CUVET_SYS_PCI_DEVICES, dir.names[i]) >= (int)sizeof(path))
			continue;
		if (facts_bus_id_normalize(dir.names[i], bus, sizeof(bus)) < 0)
			continue;
		/* vendor first: the other devices of the bus (dozens in a VM) cost one read each */
		vendor = read_attr(pc->fs, path, "vendor");
		if (vendor && strcasecmp(vendor, "0x10de") == 0) {
			klass = read_attr(pc->fs, path, "class");
			device = klass ? read_attr(pc->fs, path, "device") : NULL;
		}
		/* Vendor and class as the kernel prints them: "0x10de", "0x030200". */
		bool gpu = vendor && klass && device && strcasecmp(vendor, "0x10de") == 0 &&
			   str_starts(klass, "0x03") && str_starts(device, "0x") &&
			   parse_ulong(device, 16, 0xffff, &devid) == 0;
		free(vendor);
		free(klass);
		free(device);
		vendor = klass = device = NULL;
		if (!gpu || gpu_has_bus(pc->facts, bus))
			continue;

		struct cuvet_gpu *g = facts_add_gpu(&pc->fb);
		if (!g || !(g->pci_bus_id = strdup(bus)) || !(g->source = strdup("sysfs")))
			goto oom;
		g->pci_device_id = (uint32_t)devid << 16 | NVIDIA_VENDOR;
		if (proc_info_read(pc->fs, dir.names[i], &pi) < 0)
			goto oom;
		gpu_take_proc(g, &pi);
		proc_info_release(&pi);
		if (probe_gpu_from_kb(pc, g) < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	rc = OOM(err);
out:
	proc_info_release(&pi);
	cuvet_fs_dir_release(&dir);
	return rc;
}

/* GPUs the driver lists in /proc but sysfs did not show (a tree with /proc and no /sys).
 * No PCI device id there, so no knowledge-base lookup. */
static int gpus_from_proc(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_fs_dir dir = {0, NULL};
	struct cuvet_error e;
	struct proc_info pi = {NULL, NULL, NULL};
	int rc = -1;

	if (cuvet_fs_list(pc->fs, CUVET_PROC_DRIVER_GPUS, &dir, &e) < 0)
		return e.code == CUVET_E_NOMEM ? OOM(err) : 0;
	for (size_t i = 0; i < dir.count; i++) {
		char bus[32];
		if (facts_bus_id_normalize(dir.names[i], bus, sizeof(bus)) < 0 || gpu_has_bus(pc->facts, bus))
			continue;
		if (proc_info_read(pc->fs, dir.names[i], &pi) < 0)
			goto oom;
		if (!pi.model && !pi.uuid) {
			proc_info_release(&pi);
			continue; /* not a GPU directory the driver filled */
		}
		struct cuvet_gpu *g = facts_add_gpu(&pc->fb);
		if (!g || !(g->pci_bus_id = strdup(bus)) || !(g->source = strdup("proc")))
			goto oom;
		gpu_take_proc(g, &pi);
		proc_info_release(&pi);
	}
	rc = 0;
	goto out;
oom:
	rc = OOM(err);
out:
	proc_info_release(&pi);
	cuvet_fs_dir_release(&dir);
	return rc;
}

static int gpu_cmp_bus(const void *a, const void *b)
{
	const struct cuvet_gpu *x = a, *y = b;
	return strcmp(x->pci_bus_id ? x->pci_bus_id : "", y->pci_bus_id ? y->pci_bus_id : "");
}

int probe_gpus(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_facts *f = pc->facts;

	if (f->ngpus == 0 && pc->fs) {
		if (gpus_from_sysfs(pc, err) < 0 || gpus_from_proc(pc, err) < 0)
			return -1;
		/* NVML and nvidia-smi number GPUs in PCI bus order; so does this list. */
		if (f->ngpus > 1)
			qsort(f->gpus, f->ngpus, sizeof(*f->gpus), gpu_cmp_bus);
		for (size_t i = 0; i < f->ngpus; i++)
			f->gpus[i].index = (int)i;
	}
	if (!f->ngpus)
		return 0;
	bool *sel = calloc(f->ngpus, sizeof(*sel));
	if (!sel)
		return OOM(err);
	int rc = facts_gpu_visibility(f->gpus, f->ngpus, probe_getenv(pc, "NVIDIA_VISIBLE_DEVICES"),
				      probe_getenv(pc, "CUDA_VISIBLE_DEVICES"), f->container != NULL, false, sel, err);
	for (size_t i = 0; rc == 0 && i < f->ngpus; i++)
		f->gpus[i].visible = sel[i];
	free(sel);
	return rc;
}
