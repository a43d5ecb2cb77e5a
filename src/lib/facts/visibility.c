/* Which GPUs a workload sees (NVIDIA_VISIBLE_DEVICES, CUDA_VISIBLE_DEVICES): one derivation for
 * the probe (the probed environment) and the host view (the workload's environment). */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "facts.h"

/* Parses a PCI address "DDDD:BB:SS.F" (sysfs, /proc, libnvidia-container) or NVML's
 * "DDDDDDDD:BB:SS.F" into NVML's form, upper-case hex with an 8-digit domain, which is what
 * nvidia-smi prints and what NVML and sysfs GPUs are compared by. */
int facts_bus_id_normalize(const char *s, char *out, size_t outlen)
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
	const struct cuvet_gpu **g;
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
	if (facts_bus_id_normalize(id, bus, sizeof(bus)) < 0)
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

/* Applies NVIDIA_VISIBLE_DEVICES (V) to SET (all selected in SEL on entry). -1: out of memory,
 * or (STRICT) an entry that names no GPU. */
static int apply_nvidia_visible(const char *v, bool in_container, bool strict, const struct gpu_set *set, bool *sel,
				struct cuvet_error *err)
{
	if (!v || value_is(v, "") || value_is(v, "void"))
		return 0;

	bool from_nvml = set->n > 0;
	for (size_t i = 0; i < set->n; i++)
		from_nvml &= set->g[i]->source && strcmp(set->g[i]->source, "nvml") == 0;
	if (!strict && from_nvml && (in_container || names_missing_index(v, set->n)))
		return 0; /* already applied by the runtime that started us */

	if (value_is(v, "none")) {
		memset(sel, 0, set->n * sizeof(*sel));
		return 0;
	}
	bool *pick = calloc(set->n ? set->n : 1, sizeof(*pick));
	if (!pick)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
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
		if (!select_entry(set, e, pick) && strict) {
			free(pick);
			return err_set(err, CUVET_E_INVALID, "no GPU '%s' in the facts (%zu GPU%s)", e, set->n,
				       set->n == 1 ? "" : "s");
		}
	}
	if (!all)
		memcpy(sel, pick, set->n * sizeof(*sel));
	free(pick);
	return 0;
}

/* Applies CUDA_VISIBLE_DEVICES (V) over the GPUs still selected in SEL. -1: out of memory. */
static int apply_cuda_visible(const char *v, const struct gpu_set *all, bool *sel, struct cuvet_error *err)
{
	if (!v)
		return 0;
	int rc = -1;
	size_t slots = all->n ? all->n : 1;
	struct gpu_set set = {0, calloc(slots, sizeof(struct cuvet_gpu *))};
	size_t *back = calloc(slots, sizeof(*back));
	bool *pick = calloc(slots, sizeof(*pick));
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
	if (rc < 0)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	free(set.g);
	free(back);
	free(pick);
	return rc;
}

int facts_gpu_visibility(const struct cuvet_gpu *gpus, size_t n, const char *nvidia_visible,
			 const char *cuda_visible, bool in_container, bool strict, bool *sel, struct cuvet_error *err)
{
	if (!n && !strict)
		return 0;
	struct gpu_set set = {n, calloc(n ? n : 1, sizeof(*set.g))};
	bool *in_order = calloc(n ? n : 1, sizeof(*in_order));
	if (!set.g || !in_order) {
		free(set.g);
		free(in_order);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	/* The lists name GPUs by index: take them in index order (a GPU lost before its index was
	 * known must not shift the others). */
	for (size_t i = 0; i < n; i++) {
		set.g[i] = &gpus[i];
		in_order[i] = true;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && set.g[j - 1]->index > set.g[j]->index; j--) {
			const struct cuvet_gpu *t = set.g[j];
			set.g[j] = set.g[j - 1];
			set.g[j - 1] = t;
		}
	int rc = apply_nvidia_visible(nvidia_visible, in_container, strict, &set, in_order, err);
	if (rc == 0)
		rc = apply_cuda_visible(cuda_visible, &set, in_order, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		sel[set.g[i] - gpus] = in_order[i];
	free(set.g);
	free(in_order);
	return rc;
}
