/* GPU-code diagnoses (SPEC §6.3: "GPUs whose compute capability the installed libraries were not
 * built for"), over the per-library fatbin targets the probe records (cuvet_lib.gpu_code). Pure
 * over facts: the only other input is the compiled-in knowledge base, for the PTX ISA -> CUDA
 * toolkit -> minimum driver mapping.
 *
 * A cubin sm_XY runs on the same major with minor >= Y; PTX compute_XY is JIT-compiled by the
 * driver for any later GPU, provided the driver knows the PTX ISA version (fatbin.md §5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "rules.h"

static enum cuvet_fatbin_run code_runs_on(const struct cuvet_lib_gpu_code *c, int major, int minor)
{
	struct cuvet_fatbin_entry e = {.kind = c->kind, .sm = c->sm, .variant = c->variant};
	return cuvet_fatbin_entry_runs_on(&e, major, minor);
}

static void target_name(const struct cuvet_lib_gpu_code *c, char *buf, size_t len)
{
	struct cuvet_fatbin_entry e = {.kind = c->kind, .sm = c->sm, .variant = c->variant};
	cuvet_fatbin_target_name(&e, buf, len);
}

/* "sm_80, sm_90 SASS and no PTX", "sm_80 SASS and compute_80 PTX", "no SASS and compute_75 PTX". */
static void describe(struct sbuf *b, const struct cuvet_lib *l)
{
	for (int pass = 0; pass < 2; pass++) {
		int kind = pass == 0 ? CUVET_FATBIN_ELF : CUVET_FATBIN_PTX;
		size_t n = 0;
		if (pass == 1)
			sbuf_add(b, " and ");
		for (size_t i = 0; i < l->ngpu_code; i++) {
			if (l->gpu_code[i].kind != kind)
				continue;
			char t[32];
			target_name(&l->gpu_code[i], t, sizeof(t));
			sbuf_addf(b, "%s%s", n++ ? ", " : "", t);
		}
		sbuf_addf(b, "%s%s", n ? " " : "no ", pass == 0 ? "SASS" : "PTX");
	}
}

static void size_text(char *buf, size_t len, uint64_t bytes)
{
	if (bytes < 1024)
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
}

/* The workload sees G (the host view's visible GPUs). */
static bool gpu_visible(const struct cuvet_host *host, const struct cuvet_gpu *g)
{
	for (size_t i = 0; i < host->nvisible; i++)
		if (host->visible[i] == g)
			return true;
	return false;
}

/* "GPU 0 NVIDIA H200 is sm_90", plus the other visible GPUs of the same compute capability. */
static void gpu_text(struct sbuf *b, const struct cuvet_host *host, size_t gi)
{
	const struct cuvet_facts *f = host->facts;
	const struct cuvet_gpu *g = &f->gpus[gi];
	sbuf_addf(b, "GPU %d %s is sm_%d%d", g->index, g->name ? g->name : "(unknown model)", g->cc_major, g->cc_minor);
	size_t more = 0;
	struct sbuf others;
	sbuf_init(&others);
	for (size_t j = gi + 1; j < f->ngpus; j++) {
		const struct cuvet_gpu *h = &f->gpus[j];
		if (gpu_visible(host, h) && !h->lost && h->cc_major == g->cc_major && h->cc_minor == g->cc_minor)
			sbuf_addf(&others, "%s%d", more++ ? ", " : "", h->index);
	}
	char *o = sbuf_steal(&others);
	if (more && o)
		sbuf_addf(b, " (as %s GPU%s %s)", more == 1 ? "is" : "are", more == 1 ? "" : "s", o);
	free(o);
}

void rules_ptx_need(const struct cuvet_kb *kb, unsigned isa_major, unsigned isa_minor, struct ptx_need *out)
{
	memset(out, 0, sizeof(*out));
	if (!kb)
		return;
	char isa[16];
	snprintf(isa, sizeof(isa), "%u.%u", isa_major, isa_minor);
	/* Toolkits 7.0 .. 19.9, oldest first: the first whose PTX ISA matches is the oldest that
	 * writes it (12.5 and 12.6 both write 8.5). */
	for (unsigned maj = 7; maj < 20 && !out->toolkit[0]; maj++) {
		for (unsigned min = 0; min < 10; min++) {
			char v[16];
			struct cuvet_kb_cuda_arch a;
			snprintf(v, sizeof(v), "%u.%u", maj, min);
			if (cuvet_kb_cuda_arch(kb, v, &a, NULL) < 0 || !a.ptx_isa)
				continue;
			int cmp = 2;
			if (cuvet_version_compare_str(a.ptx_isa, isa, &cmp, NULL) < 0 || cmp != 0)
				continue;
			snprintf(out->toolkit, sizeof(out->toolkit), "%s", v);
			out->cuda = (int)(maj * 1000 + min * 10);
			out->branch = a.driver_branch;
			out->uncertain = a.status != NULL;
			struct cuvet_kb_cuda rel[16];
			int n = cuvet_kb_cuda_releases(kb, v, rel, CUVET_ARRAY_LEN(rel), NULL);
			if (n > 0) {
				/* newest first: the last one is X.Y.0 */
				const struct cuvet_kb_cuda *r = &rel[(n < (int)CUVET_ARRAY_LEN(rel) ? n : (int)CUVET_ARRAY_LEN(rel)) - 1];
				out->min_driver = r->min_linux_driver;
				out->uncertain = out->uncertain || r->status != NULL;
			}
			break;
		}
	}
}

static void check_lib_gpu(struct rules *r, const struct cuvet_kb *kb, const struct cuvet_lib *l, size_t gi)
{
	const struct cuvet_facts *f = r->f;
	const struct cuvet_gpu *g = &f->gpus[gi];
	const struct cuvet_lib_gpu_code *jit = NULL;
	if (gpu_code_is_placeholder(l))
		return;
	for (size_t i = 0; i < l->ngpu_code; i++) {
		enum cuvet_fatbin_run run = code_runs_on(&l->gpu_code[i], g->cc_major, g->cc_minor);
		if (run == CUVET_RUN_SASS)
			return;
		/* The driver JITs the PTX closest to the GPU: the highest runnable target. */
		if (run == CUVET_RUN_PTX_JIT) {
			if (!jit || l->gpu_code[i].sm >= jit->sm)
				jit = &l->gpu_code[i];
		}
	}
	const char *name = l->name ? l->name : l->path;
	struct sbuf carries, gpu;
	sbuf_init(&carries);
	sbuf_init(&gpu);
	describe(&carries, l);
	gpu_text(&gpu, r->h, gi);
	char *c = sbuf_steal(&carries), *gt = sbuf_steal(&gpu);
	if (!c || !gt) {
		free(c);
		free(gt);
		r->oom = true;
		return;
	}
	char cc[16];
	snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
	if (!jit) {
		rules_add(r, "gpu-code-missing", CUVET_SEV_ERROR, "libraries",
			  xasprintf("%s has no code that GPU %d (%s, compute capability %s) can run", name, g->index,
				    g->name ? g->name : "unknown model", cc),
			  xasprintf("%s (%s) carries %s; %s: no SASS in it runs on that compute capability and "
				    "no PTX can be JIT-compiled for it, so its kernels fail with 'no kernel image is available "
				    "for execution on the device' (cudaErrorNoKernelImageForDevice).",
				    name, l->path, c, gt),
			  xasprintf("Install a build of %s made for compute capability %s: one with sm_%d%d SASS%s or with "
				    "PTX of compute_%d%d or lower; newer releases add newer GPUs. Check a candidate with "
				    "`cuvet arch --gpu %s FILE`.",
				    l->family && strcmp(l->family, "scanned") != 0 ? l->family : name, cc, g->cc_major,
				    g->cc_minor, g->cc_minor > 0 ? " (or SASS of an earlier minor of the same major)" : "",
				    g->cc_major, g->cc_minor, cc));
		free(c);
		free(gt);
		return;
	}
	char jt[32], sz[32];
	target_name(jit, jt, sizeof(jt));
	size_text(sz, sizeof(sz), jit->uncompressed_bytes);
	struct ptx_need need;
	rules_ptx_need(kb, jit->ptx_isa_major, jit->ptx_isa_minor, &need);
	int drv = r->h->cuda_effective; /* the CUDA whose PTX JIT a process gets (a compat libcuda's in effect) */
	bool too_old = need.toolkit[0] && drv > 0 && drv < need.cuda;
	struct sbuf why;
	sbuf_init(&why);
	sbuf_addf(&why, "%s (%s) carries %s; %s, so no SASS runs there and the driver must JIT-compile %s "
			"(PTX ISA %u.%u, %s in %zu entr%s). ",
		  name, l->path, c, gt, jt, jit->ptx_isa_major, jit->ptx_isa_minor, sz,
		  jit->entries, jit->entries == 1 ? "y" : "ies");
	if (need.toolkit[0]) {
		sbuf_addf(&why, "PTX ISA %u.%u comes with CUDA %s", jit->ptx_isa_major, jit->ptx_isa_minor, need.toolkit);
		if (need.min_driver)
			sbuf_addf(&why, ", so the driver must be at least %s", need.min_driver);
		else if (need.branch)
			sbuf_addf(&why, ", so the driver must be of branch R%u or later", need.branch);
		sbuf_addf(&why, "%s", need.uncertain ? " (knowledge-base row marked unverified)" : "");
		if (drv > 0)
			sbuf_addf(&why, "; this driver supports CUDA %d.%d%s", drv / 1000, (drv % 1000) / 10,
				  too_old ? ", so the JIT fails with CUDA_ERROR_UNSUPPORTED_PTX_VERSION ('the provided PTX "
					    "was compiled with an unsupported toolchain')" : "");
		sbuf_add(&why, ".");
	} else {
		sbuf_addf(&why, "The knowledge base does not know which CUDA release writes PTX ISA %u.%u; the driver must "
				"know that version.", jit->ptx_isa_major, jit->ptx_isa_minor);
	}
	if (!too_old) {
		sbuf_add(&why, " Every process that loads these kernels JIT-compiles them at its cold start unless the "
			       "driver's JIT cache (CUDA_CACHE_PATH, default ~/.nv/ComputeCache) already holds them and is "
			       "large enough (CUDA_CACHE_MAXSIZE) to keep them");
		const char *dis = cuvet_facts_env(f, "CUDA_CACHE_DISABLE");
		const char *max = cuvet_facts_env(f, "CUDA_CACHE_MAXSIZE");
		if (dis && strcmp(dis, "1") == 0)
			sbuf_add(&why, "; CUDA_CACHE_DISABLE=1 is set, so every start compiles again");
		else if (max)
			sbuf_addf(&why, "; CUDA_CACHE_MAXSIZE is %s here", max);
		sbuf_add(&why, ".");
	}
	char *w = sbuf_steal(&why);
	if (too_old)
		rules_add(r, "gpu-code-ptx-unsupported", CUVET_SEV_ERROR, "libraries",
			  xasprintf("%s can run on GPU %d (%s, compute capability %s) only through PTX this driver is too old "
				    "to compile", name, g->index, g->name ? g->name : "unknown model", cc),
			  w,
			  xasprintf("Upgrade the driver to %s%s or later, or install a build of %s with SASS for sm_%d%d.",
				    need.min_driver ? need.min_driver : "the branch of CUDA ",
				    need.min_driver ? "" : need.toolkit, l->family && strcmp(l->family, "scanned") != 0 ? l->family : name,
				    g->cc_major, g->cc_minor));
	else
		rules_add(r, "gpu-code-ptx-jit", CUVET_SEV_WARNING, "libraries",
			  xasprintf("%s runs on GPU %d (%s, compute capability %s) only through PTX JIT compilation", name,
				    g->index, g->name ? g->name : "unknown model", cc), w,
			  xasprintf("Prefer a build of %s with sm_%d%d SASS; otherwise keep the JIT cache on persistent "
				    "storage (CUDA_CACHE_PATH) with CUDA_CACHE_MAXSIZE large enough for %s of PTX compiled, "
				    "and warm it once per node.",
				    l->family && strcmp(l->family, "scanned") != 0 ? l->family : name, g->cc_major,
				    g->cc_minor, sz));
	free(c);
	free(gt);
}

void rules_arch(struct rules *r)
{
	const struct cuvet_facts *f = r->f;
	const struct cuvet_kb *kb = cuvet_ctx_kb(r->h->ctx);
	bool any = false;
	for (size_t i = 0; i < f->nlibs && !any; i++)
		any = f->libs[i].gpu_code_read && f->libs[i].ngpu_code;
	if (!any)
		return;
	for (size_t i = 0; i < f->nlibs && !r->oom; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!l->gpu_code_read || !l->ngpu_code)
			continue;
		for (size_t gi = 0; gi < f->ngpus; gi++) {
			const struct cuvet_gpu *g = &f->gpus[gi];
			if (!gpu_visible(r->h, g) || g->lost || g->cc_major < 0)
				continue;
			/* One finding per compute capability: later GPUs of the same one are named in it. */
			bool seen = false;
			for (size_t j = 0; j < gi && !seen; j++)
				seen = gpu_visible(r->h, &f->gpus[j]) && f->gpus[j].cc_major == g->cc_major &&
				       f->gpus[j].cc_minor == g->cc_minor;
			if (!seen)
				check_lib_gpu(r, kb, l, gi);
		}
	}
}
