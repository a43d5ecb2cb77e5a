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

/* Parses a PCI address "DDDD:BB:SS.F" (sysfs, /proc, libnvidia-container) or NVML's
 * "DDDDDDDD:BB:SS.F" into NVML's form, upper-case hex with an 8-digit domain, which is what
 * nvidia-smi prints and what NVML and sysfs GPUs are compared by. */
static int bus_id_normalize(const char *s, char *out, size_t outlen)
{
	unsigned long part[4];
	const char seps[] = {':', ':', '.', '\0'};
	const size_t maxlen[] = {8, 2, 2, 1};
	const unsigned long maxval[] = {0xffffffffUL, 0xff, 0x1f, 0x7};
	for (size_t i = 0; i < 4; i++) {
		const char *end = strchr(s, seps[i]);
		if (!seps[i])
			end = s + strlen(s);
		if (!end || end == s || (size_t)(end - s) > maxlen[i])
			return -1;
		char num[16];
		memcpy(num, s, (size_t)(end - s));
		num[end - s] = '\0';
		for (char *p = num; *p; p++)
			if (!isxdigit((unsigned char)*p))
				return -1;
		if (parse_ulong(num, 16, maxval[i], &part[i]) < 0)
			return -1;
		s = *end ? end + 1 : end;
	}
	int n = snprintf(out, outlen, "%08lX:%02lX:%02lX.%lX", part[0], part[1], part[2], part[3]);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

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
static int gpu_from_kb(struct probe_ctx *pc, struct cuvet_gpu *g, unsigned device_id)
{
	struct cuvet_kb_gpu kg;
	const struct cuvet_kb *kb = pc->kb;
	if (cuvet_kb_gpu_by_pci(kb, device_id, &kg) < 0)
		return 0;
	if (!g->name && kg.model && !(g->name = strdup(kg.model)))
		return -1;
	if (kg.cc_major >= 0 && kg.cc_minor >= 0) {
		g->cc_major = kg.cc_major;
		g->cc_minor = kg.cc_minor;
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
		if (bus_id_normalize(dir.names[i], bus, sizeof(bus)) < 0)
			continue;
		vendor = read_attr(pc->fs, path, "vendor");
		klass = read_attr(pc->fs, path, "class");
		device = read_attr(pc->fs, path, "device");
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

		struct cuvet_gpu *g = facts_add_gpu(pc);
		if (!g || !(g->pci_bus_id = strdup(bus)) || !(g->source = strdup("sysfs")))
			goto oom;
		g->pci_device_id = (uint32_t)devid << 16 | NVIDIA_VENDOR;
		if (proc_info_read(pc->fs, dir.names[i], &pi) < 0)
			goto oom;
		gpu_take_proc(g, &pi);
		proc_info_release(&pi);
		if (gpu_from_kb(pc, g, (unsigned)devid) < 0)
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
		if (bus_id_normalize(dir.names[i], bus, sizeof(bus)) < 0 || gpu_has_bus(pc->facts, bus))
			continue;
		if (proc_info_read(pc->fs, dir.names[i], &pi) < 0)
			goto oom;
		if (!pi.model && !pi.uuid) {
			proc_info_release(&pi);
			continue; /* not a GPU directory the driver filled */
		}
		struct cuvet_gpu *g = facts_add_gpu(pc);
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

/* --------------------------------------------------------------- visibility ---- */

/*
 * How the two variables are read (see also the tests, which are the table of cases):
 *
 * NVIDIA_VISIBLE_DEVICES is read by the NVIDIA container runtime when it starts a container,
 * to choose the GPUs it puts in; a process never reads it. Its values: unset, "" or "void" —
 * the runtime does nothing, so it restricts nothing; "all"; "none" — no GPU; otherwise a comma
 * list of host indices, GPU UUIDs (full, or a unique prefix such as "GPU-7dbb"), PCI bus ids
 * and MIG devices ("MIG-GPU-<uuid>/<gi>/<ci>" and "<gpu>:<mig>" name their parent GPU; a bare
 * "MIG-<uuid>" cannot be traced to its parent without NVML's MIG calls, so it keeps every GPU
 * whose MIG mode is on or unknown). Entries that match nothing select nothing.
 *
 * The rule against filtering twice: inside a container the runtime has already applied the
 * variable, and NVML shows only the injected GPUs, renumbered from 0 — host index 2 may now
 * be index 0. So when the GPUs came from NVML and either a container was detected or the list
 * names an index that is not there, the variable is taken as already applied and does not
 * filter. GPUs read from sysfs are the host's whole PCI bus even in a container (sysfs is
 * not namespaced), so there the list is always applied with host indices: that gives the
 * same set the runtime injected.
 *
 * CUDA_VISIBLE_DEVICES is read by the CUDA driver in the process, over the GPUs the process
 * has (after the runtime). Unset: no restriction. Otherwise a comma list of indices into
 * those GPUs, "GPU-" UUIDs or unique prefixes, and MIG devices (as above); like CUDA, the
 * first invalid entry (not a number or UUID, out of range, unknown or ambiguous UUID, "-1",
 * an empty entry) ends the list and later entries are ignored, so "" and "-1" mean no GPU.
 * Indices are taken in PCI bus order, which is CUDA's with CUDA_DEVICE_ORDER=PCI_BUS_ID and
 * on hosts of one GPU model; CUDA's default "fastest first" order can differ on mixed hosts.
 */

/* A comma-separated entry, with surrounding blanks removed, copied into BUF. */
static const char *next_entry(const char **cursor, char *buf, size_t buflen, bool *truncated)
{
	const char *s = *cursor;
	if (!s)
		return NULL;
	const char *comma = strchr(s, ',');
	size_t n = comma ? (size_t)(comma - s) : strlen(s);
	*cursor = comma ? comma + 1 : NULL;
	*truncated = n >= buflen;
	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *t = str_trim(buf);
	if (t != buf)
		memmove(buf, t, strlen(t) + 1);
	return buf;
}

static bool is_decimal(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* The GPUs a list can name, in index order. */
struct gpu_set {
	size_t n;
	struct cuvet_gpu **g;
};

/* Position in SET of the GPU whose UUID is ID or starts with it (case-insensitive, as UUIDs
 * are printed in lower case but typed either way). -1 none, -2 ambiguous. */
static long find_uuid(const struct gpu_set *set, const char *id)
{
	size_t n = strlen(id);
	long found = -1;
	for (size_t i = 0; i < set->n; i++) {
		const char *u = set->g[i]->uuid;
		if (!u || strncasecmp(u, id, n) != 0)
			continue;
		if (u[n] == '\0')
			return (long)i; /* an exact match wins over prefixes */
		found = found == -1 ? (long)i : -2;
	}
	return found;
}

static long find_bus(const struct gpu_set *set, const char *id)
{
	char bus[32];
	if (bus_id_normalize(id, bus, sizeof(bus)) < 0)
		return -1;
	for (size_t i = 0; i < set->n; i++)
		if (set->g[i]->pci_bus_id && strcasecmp(set->g[i]->pci_bus_id, bus) == 0)
			return (long)i;
	return -1;
}

/* Marks in SEL what ENTRY names. Returns false when the entry names nothing. */
static bool select_entry(const struct gpu_set *set, const char *entry, bool *sel)
{
	unsigned long v;
	long at;

	if (is_decimal(entry)) {
		if (parse_ulong(entry, 10, (unsigned long)set->n, &v) < 0 || v >= set->n)
			return false;
		sel[v] = true;
		return true;
	}
	if (strncasecmp(entry, "GPU-", 4) == 0 && entry[4]) {
		at = find_uuid(set, entry);
		if (at < 0)
			return false;
		sel[at] = true;
		return true;
	}
	if (strncasecmp(entry, "MIG-GPU-", 8) == 0) {
		/* the older MIG form names its parent: MIG-GPU-<uuid>/<gi>/<ci> */
		char parent[128];
		const char *slash = strchr(entry, '/');
		size_t n = slash ? (size_t)(slash - entry) - 4 : strlen(entry) - 4;
		if (!slash || n >= sizeof(parent))
			return false;
		memcpy(parent, entry + 4, n);
		parent[n] = '\0';
		at = find_uuid(set, parent);
		if (at < 0)
			return false;
		sel[at] = true;
		return true;
	}
	if (strncasecmp(entry, "MIG-", 4) == 0 && entry[4]) {
		bool any = false;
		for (size_t i = 0; i < set->n; i++) {
			if (set->g[i]->mig_mode != 0) {
				sel[i] = true;
				any = true;
			}
		}
		return any;
	}
	const char *colon = strchr(entry, ':');
	if (colon && !strchr(colon + 1, ':') && !strchr(entry, '.')) {
		/* <gpu index>:<mig index> */
		char idx[16];
		size_t n = (size_t)(colon - entry);
		if (n == 0 || n >= sizeof(idx) || !is_decimal(colon + 1))
			return false;
		memcpy(idx, entry, n);
		idx[n] = '\0';
		if (!is_decimal(idx) || parse_ulong(idx, 10, (unsigned long)set->n, &v) < 0 || v >= set->n)
			return false;
		sel[v] = true;
		return true;
	}
	at = find_bus(set, entry);
	if (at < 0)
		return false;
	sel[at] = true;
	return true;
}

/* True when the NVIDIA_VISIBLE_DEVICES list names an index that SET does not have. */
static bool names_missing_index(const char *list, size_t ngpus)
{
	char buf[256];
	bool truncated;
	const char *cursor = list, *e;
	while ((e = next_entry(&cursor, buf, sizeof(buf), &truncated)) != NULL) {
		unsigned long v;
		if (!is_decimal(e))
			continue;
		if (parse_ulong(e, 10, ULONG_MAX, &v) < 0 || v >= ngpus)
			return true;
	}
	return false;
}

/* VALUE, blanks around it ignored, equals WORD (case-insensitive)? */
static bool value_is(const char *value, const char *word)
{
	while (isspace((unsigned char)*value))
		value++;
	size_t n = strlen(word);
	if (strncasecmp(value, word, n) != 0)
		return false;
	for (value += n; *value; value++)
		if (!isspace((unsigned char)*value))
			return false;
	return true;
}

/* Applies NVIDIA_VISIBLE_DEVICES to SET (all selected in SEL on entry). -1: out of memory. */
static int apply_nvidia_visible(const struct probe_ctx *pc, const struct gpu_set *set, bool *sel)
{
	const char *v = probe_getenv(pc, "NVIDIA_VISIBLE_DEVICES");
	if (!v || value_is(v, "") || value_is(v, "void"))
		return 0;

	bool from_nvml = set->n > 0;
	for (size_t i = 0; i < set->n; i++)
		from_nvml &= set->g[i]->source && strcmp(set->g[i]->source, "nvml") == 0;
	if (from_nvml && (pc->facts->container || names_missing_index(v, set->n)))
		return 0; /* already applied by the runtime that started us */

	if (value_is(v, "none")) {
		memset(sel, 0, set->n * sizeof(*sel));
		return 0;
	}
	bool *pick = calloc(set->n, sizeof(*pick));
	if (!pick)
		return -1;
	char buf[256];
	bool truncated, all = false;
	const char *cursor = v, *e;
	while ((e = next_entry(&cursor, buf, sizeof(buf), &truncated)) != NULL) {
		if (!*e || truncated)
			continue; /* the runtime skips empty entries */
		if (strcasecmp(e, "all") == 0) {
			all = true;
			break;
		}
		select_entry(set, e, pick);
	}
	if (!all)
		memcpy(sel, pick, set->n * sizeof(*sel));
	free(pick);
	return 0;
}

/* Applies CUDA_VISIBLE_DEVICES over the GPUs still selected in SEL. -1: out of memory. */
static int apply_cuda_visible(const struct probe_ctx *pc, const struct gpu_set *all, bool *sel)
{
	const char *v = probe_getenv(pc, "CUDA_VISIBLE_DEVICES");
	if (!v)
		return 0;
	int rc = -1;
	struct gpu_set set = {0, calloc(all->n, sizeof(struct cuvet_gpu *))};
	size_t *back = calloc(all->n, sizeof(*back));
	bool *pick = calloc(all->n, sizeof(*pick));
	if (!set.g || !back || !pick)
		goto out;
	/* CUDA numbers the GPUs the process has, after the runtime's choice. */
	for (size_t i = 0; i < all->n; i++) {
		if (sel[i]) {
			back[set.n] = i;
			set.g[set.n++] = all->g[i];
		}
	}
	char buf[256];
	bool truncated;
	const char *cursor = v, *e;
	while ((e = next_entry(&cursor, buf, sizeof(buf), &truncated)) != NULL) {
		if (truncated || !select_entry(&set, e, pick))
			break; /* CUDA stops at the first invalid entry */
	}
	memset(sel, 0, all->n * sizeof(*sel));
	for (size_t i = 0; i < set.n; i++)
		sel[back[i]] = pick[i];
	rc = 0;
out:
	free(set.g);
	free(back);
	free(pick);
	return rc;
}

static int apply_visibility(struct probe_ctx *pc, struct cuvet_error *err)
{
	struct cuvet_facts *f = pc->facts;
	struct gpu_set set = {0, NULL};
	bool *sel = NULL;
	int rc = -1;

	if (!f->ngpus)
		return 0;
	set.g = calloc(f->ngpus, sizeof(*set.g));
	sel = calloc(f->ngpus, sizeof(*sel));
	if (!set.g || !sel)
		goto out;
	/* Indices are NVML's (or enumeration order); the list is in that order already, but a
	 * GPU lost before its index was known must not shift the others. */
	for (size_t i = 0; i < f->ngpus; i++) {
		set.g[set.n++] = &f->gpus[i];
		sel[i] = true;
	}
	for (size_t i = 1; i < set.n; i++) {
		for (size_t j = i; j > 0 && set.g[j - 1]->index > set.g[j]->index; j--) {
			struct cuvet_gpu *t = set.g[j];
			set.g[j] = set.g[j - 1];
			set.g[j - 1] = t;
		}
	}
	if (apply_nvidia_visible(pc, &set, sel) < 0 || apply_cuda_visible(pc, &set, sel) < 0)
		goto out;
	for (size_t i = 0; i < set.n; i++)
		set.g[i]->visible = sel[i];
	rc = 0;
out:
	if (rc < 0)
		OOM(err);
	free(set.g);
	free(sel);
	return rc;
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
	return apply_visibility(pc, err);
}
