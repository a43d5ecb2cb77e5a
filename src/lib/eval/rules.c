/* The rule sets "driver" and "libraries" (SPEC §6.3): each rule reads the host view and its facts
 * only and adds findings with an id, a severity, the cause and the fix. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static char *vfmt(const char *fmt, va_list ap) CUVET_PRINTF(1, 0);
static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (!fmt)
		return NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static char *fmt(const char *f, ...) CUVET_PRINTF(1, 2);
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s = vfmt(f, ap);
	va_end(ap);
	return s;
}

static bool is_live(const struct cuvet_facts *f)
{
	return f->root && strcmp(f->root, "/") == 0;
}

/* Two versions conflict only where both say something: "13" and "13.0.96" do not. */
static bool versions_conflict(const char *a, const char *b)
{
	struct cuvet_version x, y;
	if (!a || !b || cuvet_version_parse(a, &x, NULL) < 0 || cuvet_version_parse(b, &y, NULL) < 0)
		return false;
	unsigned n = x.nparts < y.nparts ? x.nparts : y.nparts;
	for (unsigned i = 0; i < n; i++)
		if (x.part[i] != y.part[i])
			return true;
	return false;
}

static bool any_gpu(const struct cuvet_facts *f)
{
	return f->ngpus > 0;
}

static void rule_driver_presence(struct rules *r)
{
	const struct cuvet_facts *f = r->f;
	const struct cuvet_driver *d = &f->driver;
	if (!d->present) {
		if (any_gpu(f))
			rules_add(r, "driver-missing", CUVET_SEV_ERROR, "driver",
			    fmt("%zu NVIDIA GPU%s present but no NVIDIA driver", f->ngpus, f->ngpus == 1 ? "" : "s"),
			    fmt("No /proc/driver/nvidia/version and no libcuda.so.1 or libnvidia-ml.so.1 that the loader can find."),
			    fmt("Install the NVIDIA driver (e.g. the distribution's nvidia-driver or cuda-drivers package) and reboot; "
				"in a container, run it with the NVIDIA container toolkit (--gpus all / runtimeClassName: nvidia)."));
		else
			rules_add(r, "no-driver", CUVET_SEV_ERROR, "driver", fmt("No NVIDIA driver and no NVIDIA GPU found"),
			    fmt("No /proc/driver/nvidia/version, no NVIDIA PCI device and no libcuda.so.1 or libnvidia-ml.so.1 "
				"that the loader can find: nothing here can run CUDA."),
			    fmt("Run on a machine with an NVIDIA GPU and driver; in a container, start it with the NVIDIA "
				"container toolkit (docker run --gpus all, or runtimeClassName: nvidia in Kubernetes)."));
		return;
	}
	if (!d->module_loaded && (is_live(f) || any_gpu(f)) && (d->libcuda_path || d->libnvml_path))
		rules_add(r, "module-not-loaded", CUVET_SEV_ERROR, "driver",
		    fmt("The NVIDIA kernel module is not loaded"),
		    fmt("The driver's user-space libraries are installed (%s) but /proc/driver/nvidia/version does not exist: "
			"CUDA calls will fail with \"no CUDA-capable device is detected\" and NVML with \"Driver Not Loaded\".",
			d->libcuda_path ? d->libcuda_path : d->libnvml_path),
		    fmt("Load the module (modprobe nvidia) and check dmesg for why it failed (Secure Boot signing, a kernel "
			"update without a rebuilt DKMS module, nouveau still bound); reboot if in doubt."));
}

static void rule_version_mismatch(struct rules *r)
{
	const struct cuvet_driver *d = &r->f->driver;
	const char *kv = d->kernel_version;
	const char *mismatch = NULL, *what = NULL;
	bool compat = r->h->compat_picked;
	if (kv && d->libnvml_version && version_cmp_loose(kv, d->libnvml_version) != 0) {
		mismatch = d->libnvml_version;
		what = "libnvidia-ml.so.1";
	} else if (kv && d->libcuda_version && !compat && version_cmp_loose(kv, d->libcuda_version) != 0) {
		mismatch = d->libcuda_version;
		what = "libcuda.so.1";
	}
	if (!mismatch && d->nvml_status == 18) {
		rules_add(r, "driver-version-mismatch", CUVET_SEV_ERROR, "driver",
		    fmt("Kernel module and user-space driver versions differ"),
		    fmt("NVML reports NVML_ERROR_LIB_RM_VERSION_MISMATCH (\"Failed to initialize NVML: Driver/library "
			"version mismatch\"): the driver packages were upgraded but the old kernel module is still loaded%s%s.",
			kv ? "; kernel module " : "", kv ? kv : ""),
		    fmt("Reboot, or unload and reload the modules (rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia; modprobe "
			"nvidia) once no process uses the GPU; then hold the driver packages (apt-mark hold / dnf versionlock) "
			"so unattended upgrades cannot do this again."));
		return;
	}
	if (!mismatch)
		return;
	rules_add(r, "driver-version-mismatch", CUVET_SEV_ERROR, "driver",
	    fmt("Kernel module %s but user-space driver %s", kv, mismatch),
	    fmt("/proc/driver/nvidia/version says the loaded kernel module is %s, while %s is version %s. This is the "
		"cause of \"Failed to initialize NVML: Driver/library version mismatch\" and of CUDA error 803; it "
		"happens when driver packages are upgraded without a reboot.", kv, what, mismatch),
	    fmt("Reboot, or unload and reload the modules (rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia; modprobe "
		"nvidia) once no process uses the GPU; then hold the driver packages (apt-mark hold / dnf versionlock)."));
}

static void rule_nvml(struct rules *r)
{
	const struct cuvet_driver *d = &r->f->driver;
	int s = d->nvml_status;
	if (s == 0 || s == -1 || s == 18)
		return;
	const char *why = d->nvml_error ? d->nvml_error : "unknown error";
	switch (s) {
	case -4: /* the library the invocation named (--nvml-lib) cannot be loaded or is not NVML */
		rules_add(r, "nvml-missing", CUVET_SEV_WARNING, "driver", fmt("The NVML library given cannot be used"),
		    fmt("%s. This is about the library cuvet was told to load, not a fault of the GPU or the driver; "
			"without NVML, GPU facts come from /sys and /proc and the driver's CUDA version is inferred.", why),
		    fmt("Give --nvml-lib the driver's libnvidia-ml.so.1 (ldconfig -p | grep libnvidia-ml), or leave "
			"--nvml-lib and CUVET_NVML_LIBRARY unset so the loader finds it."));
		return;
	case -2:
		rules_add(r, "nvml-hung", CUVET_SEV_ERROR, "driver", fmt("NVML did not answer in time"),
		    fmt("%s. A GPU that has fallen off the bus or a wedged driver makes NVML (and nvidia-smi) hang.", why),
		    fmt("Check dmesg for Xid errors and \"GPU has fallen off the bus\"; drain the node and reset the GPU "
			"(nvidia-smi -r) or reboot."));
		return;
	case 9:
		if (!d->present || !d->module_loaded)
			return; /* said by driver-missing / module-not-loaded */
		break;
	case 12:
		if (!d->present)
			return;
		rules_add(r, "nvml-missing", CUVET_SEV_WARNING, "driver", fmt("libnvidia-ml.so.1 cannot be loaded"),
		    fmt("%s. Without NVML, GPU facts come from /sys and /proc and the driver's CUDA version is inferred.", why),
		    fmt("Install the driver's NVML library (libnvidia-ml, part of the driver packages); in a container, "
			"include \"utility\" in NVIDIA_DRIVER_CAPABILITIES."));
		return;
	case 4:
		rules_add(r, "nvml-no-permission", CUVET_SEV_ERROR, "driver", fmt("NVML: insufficient permissions"),
		    fmt("%s: the process cannot open the /dev/nvidia* device files.", why),
		    fmt("Run as a user in the group that owns /dev/nvidia* (often \"video\"), or fix the device permissions "
			"(NVreg_DeviceFileMode); in a container, use the NVIDIA container toolkit to inject the devices."));
		return;
	default:
		break;
	}
	rules_add(r, "nvml-failed", CUVET_SEV_ERROR, "driver", fmt("NVML failed: %s", why),
	    fmt("NVML returned status %d (%s).", s, why),
	    fmt("Check dmesg for NVIDIA Xid errors; reload the driver or reboot."));
}

static void rule_gpus(struct rules *r)
{
	const struct cuvet_facts *f = r->f;
	for (size_t i = 0; i < f->ngpus; i++) {
		const struct cuvet_gpu *g = &f->gpus[i];
		if (!g->lost)
			continue;
		rules_add(r, "gpu-lost", CUVET_SEV_ERROR, "gpu", fmt("GPU %d (%s) is lost", g->index, g->pci_bus_id ? g->pci_bus_id : "?"),
		    fmt("NVML reports NVML_ERROR_GPU_IS_LOST: the GPU stopped responding (fell off the bus, overheated, or "
			"hit a fatal Xid)."),
		    fmt("Drain the node, check dmesg for Xid 79/48/119, reset the GPU (nvidia-smi -r -i %d) or reboot; "
			"replace the board if it recurs.", g->index));
	}
}

/* The facts have GPUs but CUDA_VISIBLE_DEVICES leaves the workload none (host view: gpus_hidden).
 * NVIDIA_VISIBLE_DEVICES=none asks for no GPU on purpose and is not a finding. */
static void rule_no_visible_gpu(struct rules *r)
{
	const struct cuvet_host *h = r->h;
	if (!h->gpus_hidden)
		return;
	rules_add(r, "no-visible-gpu", CUVET_SEV_ERROR, "gpu",
	    fmt("CUDA_VISIBLE_DEVICES=%s leaves no GPU of the %zu here", h->cuda_visible_devices, r->f->ngpus),
	    fmt("CUDA_VISIBLE_DEVICES=\"%s\" names no GPU the process has (CUDA stops at the first entry that names "
		"none), so cudaGetDeviceCount returns 0 / CUDA_ERROR_NO_DEVICE and frameworks fail (PyTorch: \"No CUDA "
		"GPUs are available\").",
		h->cuda_visible_devices),
	    fmt("Unset CUDA_VISIBLE_DEVICES or set it to GPUs this process has (indices from 0 among the GPUs "
		"NVIDIA_VISIBLE_DEVICES leaves, or GPU UUIDs); to run without a GPU on purpose, set "
		"NVIDIA_VISIBLE_DEVICES=none instead."));
}

static void rule_stub(struct rules *r)
{
	const struct cuvet_facts *f = r->f;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!l->stub || !l->default_pick || !l->family ||
		    (strcmp(l->family, "cuda") != 0 && strcmp(l->family, "nvml") != 0))
			continue;
		rules_add(r, "stub-reachable", CUVET_SEV_ERROR, "libraries",
		    fmt("The loader picks a stub %s", l->soname ? l->soname : l->name),
		    fmt("%s is a link-time stub from the CUDA toolkit, not the driver; a program that loads it fails with "
			"CUDA_ERROR_STUB_LIBRARY (34) or \"CUDA driver version is insufficient\". It is reached through %s.",
			l->path, l->found_via),
		    fmt("Remove the stubs directory from %s (it belongs only in the linker's -L path or LIBRARY_PATH at "
			"build time) and run ldconfig.",
			strcmp(l->found_via, "LD_LIBRARY_PATH") == 0 ? "LD_LIBRARY_PATH" : "/etc/ld.so.conf.d"));
	}
}

static void rule_compat(struct rules *r)
{
	const struct cuvet_facts *f = r->f;
	const char *drv = r->h->driver;
	const struct cuvet_gpu *consumer = r->h->consumer;
	bool said_stale = false, said_unsupported = false;
	for (size_t i = 0; i < f->ntoolkits; i++) {
		const struct cuvet_toolkit *t = &f->toolkits[i];
		if (!t->compat_libcuda_version || !t->compat_dir)
			continue;
		/* Is this compat libcuda the one a process loads? */
		const struct cuvet_lib *lc = r->h->libcuda;
		bool picked = r->h->compat_picked && lc && lc->real_path && str_starts(lc->real_path, t->compat_dir);
		/* The package that installed it: from dpkg when known, else named after the toolkit
		 * directory as NVIDIA's packages are (cuda-13.0 -> cuda-compat-13-0). */
		char compat_pkg[128] = "";
		for (size_t j = 0; j < f->nlibs && !compat_pkg[0]; j++) {
			const struct cuvet_lib *l = &f->libs[j];
			if (l->compat && l->version_source && str_starts(l->version_source, "dpkg:") &&
			    str_starts(l->real_path, t->compat_dir))
				snprintf(compat_pkg, sizeof(compat_pkg), "apt-get remove %s", l->version_source + 5);
		}
		if (!compat_pkg[0]) {
			const char *base = t->path ? strrchr(t->path, '/') : NULL;
			snprintf(compat_pkg, sizeof(compat_pkg), "apt-get remove cuda-compat-%s", base && str_starts(base, "/cuda-") ? base + 6 : "X.Y");
			for (char *p = compat_pkg; *p; p++)
				if (*p == '.')
					*p = '-';
		}
		int c = version_cmp_loose(t->compat_libcuda_version, drv);
		/* The copy a process loads is judged by the host view, as check judges it. */
		said_stale |= picked && r->h->compat_stale;
		said_unsupported |= picked && r->h->compat_unsupported;
		if (picked ? r->h->compat_stale : drv && c < 0) {
			rules_add(r, "compat-older-than-driver", picked ? CUVET_SEV_ERROR : CUVET_SEV_WARNING, "driver",
			    fmt("Forward-compat libcuda %s in %s is older than the driver %s", t->compat_libcuda_version,
				t->compat_dir, drv),
			    fmt("A cuda-compat package is only for running a newer CUDA on an older driver. This one "
				"(libcuda %s) is older than the installed driver %s, so it must not be loaded: if it is (through "
				"LD_LIBRARY_PATH, an ld.so.conf entry, or an image entrypoint that enables forward compatibility), "
				"CUDA fails with error 803, \"system has unsupported display driver / cuda driver combination\".%s",
				t->compat_libcuda_version, drv,
				picked ? " The loader picks it now." : " The loader does not pick it now."),
			    fmt("Keep %s out of LD_LIBRARY_PATH and ld.so.conf, or remove the package (%s); forward "
				"compatibility is for running a CUDA newer than the driver supports, with the cuda-compat package "
				"of that CUDA.", t->compat_dir, compat_pkg));
		}
		if (picked ? r->h->compat_unsupported : consumer != NULL)
			rules_add(r, "compat-unsupported-gpu", picked ? CUVET_SEV_ERROR : CUVET_SEV_WARNING, "driver",
			    fmt("Forward-compat libcuda in %s on a consumer GPU (%s)", t->compat_dir,
				consumer->name ? consumer->name : "unknown model"),
			    fmt("CUDA forward compatibility works only on data-center GPUs, selected NGC-ready RTX boards and "
				"Jetson. On GPU %d (%s, %s) a program that loads the compat libcuda fails with error 804, "
				"\"forward compatibility was attempted on non supported HW\".%s",
				consumer->index, consumer->name ? consumer->name : "unknown model",
				consumer->brand ? consumer->brand : "consumer class per the knowledge base",
				picked ? " The loader picks it now." : ""),
			    fmt("Do not load %s on this machine: upgrade the driver instead to run a newer CUDA.", t->compat_dir));
	}

	/* A compat libcuda the loader picks outside any toolkit's compat directory (copied into an
	 * application's lib directory): the same condition, from the host view. */
	const struct cuvet_lib *lc = r->h->libcuda;
	const char *lcp = lc && lc->path ? lc->path : "the libcuda.so.1 the loader picks";
	if (r->h->compat_stale && !said_stale)
		rules_add(r, "compat-older-than-driver", CUVET_SEV_ERROR, "driver",
		    fmt("Forward-compat libcuda %s (%s) is older than the driver %s", r->h->compat_version, lcp, drv),
		    fmt("%s is a cuda-compat libcuda %s, older than the installed driver %s: CUDA fails with error 803, "
			"\"system has unsupported display driver / cuda driver combination\". The loader picks it now.",
			lcp, r->h->compat_version, drv),
		    fmt("Take the directory of %s out of LD_LIBRARY_PATH and ld.so.conf, or delete that copy: the driver's "
			"own libcuda.so.1 is the one to load.",
			lcp));
	if (r->h->compat_unsupported && !said_unsupported && consumer)
		rules_add(r, "compat-unsupported-gpu", CUVET_SEV_ERROR, "driver",
		    fmt("Forward-compat libcuda %s on a consumer GPU (%s)", lcp, consumer->name ? consumer->name : "unknown model"),
		    fmt("CUDA forward compatibility works only on data-center GPUs, selected NGC-ready RTX boards and "
			"Jetson. On GPU %d a program that loads %s fails with error 804, \"forward compatibility was attempted "
			"on non supported HW\". The loader picks it now.",
			consumer->index, lcp),
		    fmt("Do not load %s on this machine: upgrade the driver instead to run a newer CUDA.", lcp));
}

static const char *where(const struct cuvet_lib *l)
{
	if (strcmp(l->found_via, "pip") == 0)
		return "pip wheel";
	if (strcmp(l->found_via, "conda") == 0)
		return "conda";
	if (strcmp(l->found_via, "cuda-dir") == 0)
		return "CUDA toolkit";
	if (strcmp(l->found_via, "LD_LIBRARY_PATH") == 0)
		return "LD_LIBRARY_PATH";
	return "system";
}

/* The libraries grouped by a string key (SONAME, family) in one sort, so that the rules below
 * find every copy of a SONAME without a scan of all libraries per library: a host with tens of
 * thousands of library files (many conda/pip environments) or a 20000-entry LD_LIBRARY_PATH must
 * not take seconds. order[] holds the indices of the libraries that have the key, sorted by
 * (key, index); pos[i] is library i's place in order[] (SIZE_MAX without a key); end[p] is one past
 * the last place of p's group and start[p] its first. */
struct lib_groups {
	size_t *order, *pos, *start, *end;
	size_t n;
};

struct lib_key {
	const char *key;
	size_t index;
};

static int lib_key_cmp(const void *x, const void *y)
{
	const struct lib_key *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->index > b->index) - (a->index < b->index);
}

static void lib_groups_release(struct lib_groups *g)
{
	free(g->order);
	free(g->pos);
	free(g->start);
	free(g->end);
	memset(g, 0, sizeof(*g));
}

/* BY_FAMILY: the key is the family, else the SONAME. Returns -1 when out of memory. */
static int lib_groups_build(const struct cuvet_facts *f, bool by_family, struct lib_groups *g)
{
	size_t n = f->nlibs ? f->nlibs : 1;
	memset(g, 0, sizeof(*g));
	struct lib_key *keys = calloc(n, sizeof(*keys));
	g->order = calloc(n, sizeof(size_t));
	g->pos = calloc(n, sizeof(size_t));
	g->start = calloc(n, sizeof(size_t));
	g->end = calloc(n, sizeof(size_t));
	if (!keys || !g->order || !g->pos || !g->start || !g->end) {
		free(keys);
		lib_groups_release(g);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < f->nlibs; i++) {
		const char *k = by_family ? f->libs[i].family : f->libs[i].soname;
		g->pos[i] = SIZE_MAX;
		if (k)
			keys[m++] = (struct lib_key){k, i};
	}
	qsort(keys, m, sizeof(*keys), lib_key_cmp);
	for (size_t p = 0; p < m;) {
		size_t q = p + 1;
		while (q < m && strcmp(keys[q].key, keys[p].key) == 0)
			q++;
		for (size_t k = p; k < q; k++) {
			g->order[k] = keys[k].index;
			g->pos[keys[k].index] = k;
			g->start[k] = p;
			g->end[k] = q;
		}
		p = q;
	}
	g->n = m;
	free(keys);
	return 0;
}

/* find_pick() over a SONAME group: the first copy (in facts order) the loader picks. */
static const struct cuvet_lib *group_pick(const struct cuvet_facts *f, const struct lib_groups *g, size_t i,
					  bool cache)
{
	size_t p = g->pos[i];
	if (p == SIZE_MAX)
		return NULL;
	for (size_t q = g->start[p]; q < g->end[p]; q++) {
		const struct cuvet_lib *l = &f->libs[g->order[q]];
		if (cache ? l->cache_pick : l->default_pick)
			return l;
	}
	return NULL;
}

/* Two copies of one library with conflicting versions: a plain dlopen gets one, a pip-installed
 * framework (PyTorch, JAX, TensorFlow) gets the wheel's copy through its RPATH, and a process that
 * ends up with both crashes or fails in odd ways. One finding per SONAME's family. */
static void rule_duplicates(struct rules *r)
{
	const struct cuvet_facts *f = r->f;
	struct lib_groups so, fam;
	if (lib_groups_build(f, false, &so) < 0) {
		r->oom = true;
		return;
	}
	if (lib_groups_build(f, true, &fam) < 0) {
		lib_groups_release(&so);
		r->oom = true;
		return;
	}
	/* family_done[start of the family's group]: a finding was made for the family, so no later
	 * library of it repeats it. no_conflict[start of a SONAME's group]: the version of a copy that
	 * conflicts with no later copy; a later copy with the same version cannot either (its later
	 * copies are a subset), which keeps many identical copies linear. */
	bool *family_done = calloc(f->nlibs ? f->nlibs : 1, sizeof(bool));
	const char **no_conflict = calloc(f->nlibs ? f->nlibs : 1, sizeof(char *));
	if (!family_done || !no_conflict) {
		r->oom = true;
		goto out;
	}
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *a = &f->libs[i];
		if (a->stub || a->compat || !a->soname || !a->version || fam.pos[i] == SIZE_MAX ||
		    family_done[fam.start[fam.pos[i]]])
			continue;
		size_t p = so.pos[i], g0 = so.start[p], gend = so.end[p];
		if (no_conflict[g0] && strcmp(no_conflict[g0], a->version) == 0)
			continue;
		/* Report the family once, through its first SONAME that has conflicting copies. */
		bool conflicts = false;
		for (size_t q = p + 1; q < gend && !conflicts; q++) {
			const struct cuvet_lib *b = &f->libs[so.order[q]];
			conflicts = !b->stub && !b->compat && versions_conflict(a->version, b->version);
		}
		if (!conflicts) {
			no_conflict[g0] = a->version;
			continue;
		}
		struct sbuf cause;
		sbuf_init(&cause);
		const struct cuvet_lib *pick = group_pick(f, &so, i, false), *pip = NULL;
		size_t ncopies = 0;
		for (size_t q = p; q < gend; q++) {
			const struct cuvet_lib *b = &f->libs[so.order[q]];
			if (b->stub || b->compat)
				continue;
			ncopies++;
			if (strcmp(b->found_via, "pip") == 0 && !pip)
				pip = b;
			sbuf_addf(&cause, "%s%s %s in %s (%s, version from %s)%s", ncopies > 1 ? "; " : "", a->soname,
				  b->version ? b->version : "?", b->path, where(b), b->version_source ? b->version_source : "?",
				  b->default_pick ? " <- a plain dlopen picks this one" : "");
		}
		/* Mark the family so its sub-libraries do not repeat the finding. */
		family_done[fam.start[fam.pos[i]]] = true;
		sbuf_addf(&cause, ". ");
		if (pip)
			sbuf_addf(&cause, "Frameworks installed with pip (PyTorch, JAX, TensorFlow) load %s through their "
					  "RPATH ($ORIGIN/../../nvidia/...), while programs without one get %s. ",
				  pip->path, pick ? pick->path : "whatever the loader finds first");
		sbuf_addf(&cause, "Two versions in one process (one loaded by a framework, one by a plugin or by "
				  "LD_LIBRARY_PATH) cause symbol clashes, wrong results or crashes.");
		char *c = sbuf_steal(&cause);
		rules_add(r, "duplicate-library", CUVET_SEV_WARNING, "libraries",
		    fmt("%zu copies of %s (%s) with different versions", ncopies, a->soname, a->family), c,
		    fmt("Keep one %s: remove the copy you do not use (pip uninstall, or apt-get remove), or make sure each "
			"program loads only the one it was built for (no LD_LIBRARY_PATH pointing at the other copy).",
			a->family));
	}
out:
	free(family_done);
	free(no_conflict);
	lib_groups_release(&so);
	lib_groups_release(&fam);
}

/* LD_LIBRARY_PATH taking the loader to other copies than the cache names: one finding for all of
 * them. A warning listing the SONAMEs whose versions differ; when every shadowing copy is of the
 * same version as the cache's (a second installation of the same release), one note. */
static void rule_ld_library_path(struct rules *r)
{
	const struct cuvet_facts *f = r->f;
	struct lib_groups so;
	if (lib_groups_build(f, false, &so) < 0) {
		r->oom = true;
		return;
	}
	struct sbuf names, cause, same_names;
	sbuf_init(&names);
	sbuf_init(&cause);
	sbuf_init(&same_names);
	size_t ndiff = 0, nsame = 0;
	const struct cuvet_lib *first = NULL, *first_cache = NULL;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!l->default_pick || !l->soname || strcmp(l->found_via, "LD_LIBRARY_PATH") != 0)
			continue;
		const struct cuvet_lib *c = group_pick(f, &so, i, true);
		if (!c || c == l || strcmp(c->real_path, l->real_path) == 0)
			continue;
		if (!versions_conflict(l->version, c->version)) {
			sbuf_addf(&same_names, "%s%s", nsame ? ", " : "", l->soname);
			nsame++;
			continue;
		}
		if (!ndiff) {
			first = l;
			first_cache = c;
		}
		sbuf_addf(&names, "%s%s", ndiff ? ", " : "", l->soname);
		sbuf_addf(&cause, "%s%s (%s) instead of %s (%s)", ndiff ? "; " : "", l->path,
			  l->version ? l->version : "version unknown", c->path, c->version ? c->version : "version unknown");
		ndiff++;
	}
	char *n = sbuf_steal(&names), *c = sbuf_steal(&cause), *sn = sbuf_steal(&same_names);
	if (!n || !c || !sn) {
		r->oom = true;
	} else if (ndiff == 1) {
		rules_add(r, "ld-library-path-shadows", CUVET_SEV_WARNING, "environment",
		    fmt("LD_LIBRARY_PATH shadows the cache for %s", first->soname),
		    fmt("LD_LIBRARY_PATH makes the loader take %s (%s) instead of %s (%s), which /etc/ld.so.cache names.%s%s%s "
			"LD_LIBRARY_PATH is inherited by every child process and applies to every program.",
			first->path, first->version ? first->version : "version unknown", first_cache->path,
			first_cache->version ? first_cache->version : "version unknown",
			nsame ? " It also shadows copies of the same version (" : "", nsame ? sn : "", nsame ? ")." : ""),
		    fmt("Remove the directory of %s from LD_LIBRARY_PATH, or set it only for the one program that needs it.",
			first->path));
	} else if (ndiff > 1) {
		rules_add(r, "ld-library-path-shadows", CUVET_SEV_WARNING, "environment",
		    fmt("LD_LIBRARY_PATH shadows the cache for %zu libraries of other versions: %s", ndiff, n),
		    fmt("LD_LIBRARY_PATH makes the loader take %s, which /etc/ld.so.cache does not name.%s%s%s "
			"LD_LIBRARY_PATH is inherited by every child process and applies to every program.",
			c, nsame ? " It also shadows copies of the same version (" : "", nsame ? sn : "", nsame ? ")." : ""),
		    fmt("Remove those directories from LD_LIBRARY_PATH (the first is that of %s), or set it only for the one "
			"program that needs it.",
			first->path));
	} else if (nsame) {
		rules_add(r, "ld-library-path-shadows", CUVET_SEV_INFO, "environment",
		    fmt("LD_LIBRARY_PATH shadows the cache for %zu librar%s of the same version%s", nsame,
			nsame == 1 ? "y" : "ies", nsame == 1 ? "" : "s"),
		    fmt("LD_LIBRARY_PATH makes the loader take other copies of %s than /etc/ld.so.cache names, each of the "
			"same version as the cache's: harmless as long as the copies stay the same release.",
			sn),
		    fmt("Nothing to do now; if one of the two installations is upgraded alone, the process gets the "
			"LD_LIBRARY_PATH copy."));
	}
	free(n);
	free(c);
	free(sn);
	lib_groups_release(&so);
}

/* The frameworks' processes as the host view keeps them (cuvet_why_resolve_python): the copy an
 * import loads is not the one the framework pins, or not the one its own libraries would find. */
static void rule_frameworks(struct rules *r)
{
	const struct cuvet_host *h = r->h;
	for (size_t i = 0; i < h->nframework_problems; i++) {
		const struct cuvet_host_framework_problem *fp = &h->framework_problems[i];
		rules_add(r, fp->problem->kind == CUVET_WHY_P_PIN ? "pinned-version" : "preloaded-copy", fp->problem->severity,
		    "libraries", fmt("%s", fp->problem->message), fmt("%s", fp->cause), fmt("%s", fp->fix));
	}
}

void rules_driver(struct rules *r)
{
	rule_driver_presence(r);
	rule_version_mismatch(r);
	rule_nvml(r);
	rule_gpus(r);
	rule_no_visible_gpu(r);
}

void rules_libraries(struct rules *r)
{
	rule_stub(r);
	rule_compat(r);
	rule_duplicates(r);
	rule_ld_library_path(r);
	rule_frameworks(r);
}
