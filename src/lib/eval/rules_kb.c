/* Diagnoses that need the knowledge base (SPEC §6.3): libraries whose CUDA major the driver cannot
 * run, cuDNN/TensorRT built for another CUDA major than the runtime beside them, a driver branch
 * past end of life, GPUs the branch (or a CUDA major) no longer supports, and forward
 * compatibility in effect. Every message names the facts it rests on and the table it came from;
 * a fact the table marks unverified is said to be uncertain and never makes an error by itself. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rules.h"

struct kbr {
	struct rules *base;
	const struct cuvet_host *h;
	const struct cuvet_facts *f;
	const struct cuvet_kb *kb;
	const char *drv;               /* the driver version in use */
	bool kd_ok;
	struct cuvet_kb_driver kd;
	int drv_cuda;                  /* highest CUDA the driver runs natively, 12020; 0 unknown */
	char drv_cuda_src[96];         /* where that came from */
	bool drv_cuda_uncertain;       /* a lower bound or resting on an unverified row */
	const char *today;             /* "YYYY-MM-DD", or NULL */
};

static void kadd(struct kbr *r, const char *id, enum cuvet_severity sev, const char *layer, char *summary,
		 char *cause, char *fix)
{
	rules_add(r->base, id, sev, layer, summary, cause, fix);
}

static bool runtime_lib(const struct cuvet_lib *l)
{
	return !l->stub && !l->compat && l->cuda_major > 0;
}

/* A CUDA major that came from a knowledge-base row marked unverified, or from the knowledge base at
 * all (a release-level fact, not one read from the file's own packaging), is not certain. */
static bool major_uncertain(const struct cuvet_lib *l)
{
	return !l->cuda_major_source || str_starts(l->cuda_major_source, "kb:");
}

static const char *or_q(const char *s)
{
	return s ? s : "?";
}

/* ------------------------------------------------------------------ GPUs ---- */

struct gpu_arch {
	char architecture[32];
	const char *segment;
	bool unverified;
};

static bool gpu_arch(struct kbr *r, const struct cuvet_gpu *g, struct gpu_arch *out)
{
	memset(out, 0, sizeof(*out));
	out->segment = g->segment;
	struct cuvet_kb_gpu k;
	struct cuvet_kb_gpu_row row;
	const struct cuvet_kb_gpu *found = NULL;
	if (g->pci_device_id && cuvet_kb_gpu_by_pci(r->kb, g->pci_device_id >> 16, &k) == 0)
		found = &k;
	else if (g->name && cuvet_kb_gpu_find(r->kb, g->name, &row, 1, NULL) > 0)
		found = &row.gpu;
	if (!found || !found->architecture)
		return false;
	snprintf(out->architecture, sizeof(out->architecture), "%s", found->architecture);
	if (!out->segment)
		out->segment = found->segment;
	out->unverified = found->unverified;
	return true;
}

/* ---------------------------------------------------------------- driver ---- */

static void driver_facts(struct kbr *r)
{
	const struct cuvet_host *h = r->h;
	r->drv = h->driver;
	if (r->drv && cuvet_kb_driver(r->kb, r->drv, &r->kd, NULL) == 0)
		r->kd_ok = true;
	r->drv_cuda = h->cuda;
	if (h->cuda > 0 && strcmp(h->cuda_source, "kb") != 0) {
		snprintf(r->drv_cuda_src, sizeof(r->drv_cuda_src), "reported by %s", h->cuda_source);
	} else if (h->cuda > 0) {
		r->drv_cuda_uncertain = h->cuda_lower_bound || h->cuda_unverified;
		snprintf(r->drv_cuda_src, sizeof(r->drv_cuda_src), "%s%s%s",
			 strcmp(or_q(h->cuda_kb_basis), "branch") == 0 ? "driver-branch-cuda.tsv" : "cuda-toolkit-driver.tsv",
			 h->cuda_lower_bound ? ", a lower bound" : "", h->cuda_unverified ? ", unverified" : "");
	}
}

/* The oldest driver running CUDA MAJOR.x through minor-version compatibility, "" when unknown. */
static const char *minor_floor(struct kbr *r, int major)
{
	for (size_t i = 0; r->kd_ok && i < r->kd.nminor; i++)
		if ((int)r->kd.minor[i].major == major && r->kd.minor[i].min_driver)
			return r->kd.minor[i].min_driver;
	char v[16];
	snprintf(v, sizeof(v), "%d.0", major);
	struct cuvet_kb_cuda rel[8];
	int n = cuvet_kb_cuda_releases(r->kb, v, rel, 8, NULL);
	if (n > 0 && n <= 8) {
		const struct cuvet_kb_cuda *ga = &rel[n - 1];
		if (ga->minor_compat_min_driver)
			return ga->minor_compat_min_driver;
		if (ga->min_linux_driver)
			return ga->min_linux_driver;
	}
	return "";
}

/* The forward-compat packages the matrix documents for the driver's branch for CUDA MAJOR. */
static void forward_compat_text(struct kbr *r, struct sbuf *b, int major)
{
	const struct cuvet_gpu *c = r->h->consumer;
	if (c) {
		sbuf_addf(b, " Forward compatibility (cuda-compat) is no way out here: GPU %d (%s) is a consumer GPU, on which "
			     "it fails with error 804 (CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE).", c->index, or_q(c->name));
		return;
	}
	if (!r->kd_ok)
		return;
	if (!r->kd.compat_known) {
		sbuf_addf(b, " Whether a cuda-compat-%d-x package works on R%u is not known: forward-compat.tsv has no column "
			     "for that branch.", major, r->kd.branch);
		return;
	}
	const struct cuvet_kb_compat_package *best = NULL;
	for (size_t i = 0; i < r->kd.ncompat; i++) {
		const struct cuvet_kb_compat_package *p = &r->kd.compat[i];
		struct cuvet_version v;
		if (p->cuda_version && cuvet_version_parse(p->cuda_version, &v, NULL) == 0 && (int)v.part[0] == major &&
		    (!best || (best->contradicted && !p->contradicted)))
			best = p;
	}
	const char *where = r->h->all_datacenter ? "on these data-center GPUs" :
			    "on a data-center GPU (also NGC-ready RTX and Jetson; never GeForce, error 804)";
	if (!best) {
		sbuf_addf(b, " The forward-compat matrix (forward-compat.tsv) lists no cuda-compat-%d-x package for R%u.", major,
			  r->kd.branch);
		return;
	}
	sbuf_addf(b, " Forward compatibility: %s, %s (installs under /usr/local/cuda-%s/compat), %s on R%u per "
		     "forward-compat.tsv",
		  where, best->package, or_q(best->cuda_version), best->contradicted ? "documented but contradicted" : "supported",
		  r->kd.branch);
	if (best->contradicted && best->caveat)
		sbuf_addf(b, " (%s)", best->caveat);
	sbuf_addf(b, ".");
}

/* ---------------------------------------------------------- (a) majors ---- */

static void rule_driver_cannot_run(struct kbr *r)
{
	const struct cuvet_facts *f = r->f;
	if (!r->drv || r->drv_cuda <= 0)
		return;
	const struct cuvet_host *h = r->h;
	/* Forward compatibility in effect lifts the limit to the compat libcuda's CUDA. */
	int have = (h->forward_compat ? h->cuda_effective : h->cuda) / 1000;
	int minor = (r->drv_cuda % 1000) / 10;
	for (int major = have + 1; major < 100; major++) {
		size_t n = 0;
		bool certain = false;
		const struct cuvet_lib *first = NULL;
		struct sbuf names;
		sbuf_init(&names);
		for (size_t i = 0; i < f->nlibs; i++) {
			const struct cuvet_lib *l = &f->libs[i];
			const struct cuvet_host_lib *hl = &h->libs[i];
			/* the host view's verdict: cannot run, or (a driver CUDA known only as a lower
			 * bound) may not run, said as uncertain */
			if (!hl->checked || l->cuda_major != major ||
			    !(hl->run == CUVET_LIB_RUN_NO || (hl->run == CUVET_LIB_RUN_UNKNOWN && h->cuda_lower_bound)))
				continue;
			if (n < 4)
				sbuf_addf(&names, "%s%s (%s, CUDA %d from %s)", n ? "; " : "", l->path, l->found_via, major,
					  or_q(l->cuda_major_source));
			if (!first || (l->default_pick && !first->default_pick))
				first = l;
			certain |= !major_uncertain(l);
			n++;
		}
		if (n > 4)
			sbuf_addf(&names, "; and %zu more", n - 4);
		char *list = sbuf_steal(&names);
		if (!n) {
			free(list);
			continue;
		}
		const char *floor = minor_floor(r, major);
		bool uncertain = !certain || r->drv_cuda_uncertain;
		struct sbuf cause, fix;
		sbuf_init(&cause);
		sbuf_init(&fix);
		sbuf_addf(&cause, "The driver %s supports CUDA up to %d.%d (%s). These libraries are built for CUDA %d: %s. "
				  "Minor-version compatibility runs CUDA %d.x only on drivers >= %s (cuda-toolkit-driver.tsv), "
				  "and forward compatibility is not in effect, so loading them fails with cudaErrorInsufficientDriver "
				  "(35, \"CUDA driver version is insufficient for CUDA runtime version\").",
			  r->drv, r->drv_cuda / 1000, minor, r->drv_cuda_src, major, list ? list : "?", major,
			  *floor ? floor : "an unknown floor");
		if (uncertain)
			sbuf_addf(&cause, " This is uncertain: %s.",
				  !certain ? "the CUDA major of these copies comes only from the knowledge base"
					   : "the driver's CUDA version is inferred from a table row that is a lower bound or unverified");
		sbuf_addf(&fix, "Upgrade the driver to >= %s", *floor ? floor : "one whose branch reports CUDA");
		if (!*floor)
			sbuf_addf(&fix, " %d.x", major);
		sbuf_addf(&fix, ", or use builds of these libraries for CUDA %d (e.g. the _cu%d pip wheels or cuda-*-%d-* packages).",
			  r->drv_cuda / 1000, r->drv_cuda / 1000, r->drv_cuda / 1000);
		forward_compat_text(r, &fix, major);
		free(list);
		char more[48] = "";
		if (n > 1)
			snprintf(more, sizeof(more), " and %zu more librar%s", n - 1, n == 2 ? "y" : "ies");
		kadd(r, "library-needs-newer-driver", uncertain ? CUVET_SEV_WARNING : CUVET_SEV_ERROR, "libraries",
		     xasprintf("%s (CUDA %d)%s cannot run on driver %s (CUDA %d.%d): needs driver >= %s", first->name, major,
			       more, r->drv, r->drv_cuda / 1000, minor, *floor ? floor : "?"),
		     sbuf_steal(&cause), sbuf_steal(&fix));
	}
}

/* Same major, newer minor than the driver reports: runs through minor-version compatibility. The
 * runtime's version (libcudart) is the CUDA release; other libraries have their own numbering. */
static void rule_minor_compat(struct kbr *r)
{
	const struct cuvet_facts *f = r->f;
	if (!r->drv || r->drv_cuda <= 0 || r->h->forward_compat)
		return; /* with forward compatibility in effect, the compat libcuda runs it */
	int dmaj = r->drv_cuda / 1000, dmin = (r->drv_cuda % 1000) / 10;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		struct cuvet_version v;
		/* the host view says it runs by minor-version compatibility; a version read from the
		 * SONAME alone ("13") says too little to name */
		if (r->h->libs[i].run != CUVET_LIB_RUN_MINOR_COMPAT || !l->version ||
		    !l->version_source || strcmp(l->version_source, "soname") == 0 ||
		    cuvet_version_parse(l->version, &v, NULL) < 0 || v.nparts < 2 || (int)v.part[0] != dmaj ||
		    (int)v.part[1] <= dmin)
			continue;
		const char *floor = minor_floor(r, dmaj);
		bool met = *floor && version_cmp_loose(r->drv, floor) >= 0;
		if (!met)
			continue; /* below the floor: the driver is older than CUDA 12.0 etc., said by the rule above */
		kadd(r, "minor-version-compat", CUVET_SEV_INFO, "libraries",
		     xasprintf("%s %s (CUDA %d.%u) runs on driver %s (CUDA %d.%d) through minor-version compatibility",
			       l->name, l->version, dmaj, v.part[1], r->drv, dmaj, dmin),
		     xasprintf("%s in %s is CUDA %d.%u (version from %s); the driver supports CUDA %d.%d (%s). CUDA %d.x "
			       "applications run on any driver >= %s (cuda-toolkit-driver.tsv), with caveats: PTX produced by "
			       "the newer toolkit cannot be JIT-compiled by this driver (CUDA_ERROR_UNSUPPORTED_PTX_VERSION, 222), "
			       "so kernels need SASS for the GPU; APIs that need a newer driver fail with "
			       "cudaErrorCallRequiresNewerDriver.",
			       l->name, l->path, dmaj, v.part[1], l->version_source, dmaj, dmin, r->drv_cuda_src, dmaj, floor),
		     xasprintf("Nothing to do if it works; make sure the programs carry SASS for the GPUs here (not only PTX), "
			       "or upgrade the driver to one that reports CUDA %d.%u or newer.", dmaj, v.part[1]));
		return; /* once is enough */
	}
}

/* ----------------------------------------------------------- (b) mixing ---- */

static void rule_major_mismatch(struct kbr *r)
{
	const struct cuvet_facts *f = r->f;
	const struct cuvet_lib *rt = r->h->runtime;
	if (!rt)
		return;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		bool cudnn = strcmp(l->family, "cudnn") == 0, trt = strcmp(l->family, "tensorrt") == 0;
		if (!r->h->libs[i].major_mismatch)
			continue;
		/* one finding per library, through its main file */
		if (!str_starts(l->name, cudnn ? "libcudnn.so" : "libnvinfer.so"))
			continue;
		const char *what = cudnn ? "cuDNN" : "TensorRT";
		bool uncertain = major_uncertain(l);
		kadd(r, "cuda-major-mismatch", uncertain ? CUVET_SEV_WARNING : CUVET_SEV_ERROR, "libraries",
		     xasprintf("%s %s is built for CUDA %d but the CUDA runtime beside it is CUDA %d (%s)", what, l->name,
			       l->cuda_major, rt->cuda_major, rt->name),
		     xasprintf("A plain dlopen gets %s %s from %s (CUDA %d, from %s) and %s %s from %s (CUDA %d, from %s). "
			       "%s for CUDA %d needs that major's runtime libraries (libcublasLt, libnvrtc%s); a program built "
			       "against the CUDA %d runtime either fails to load it or ends up with two CUDA runtimes in one "
			       "process.%s",
			       l->name, or_q(l->version), l->path, l->cuda_major, or_q(l->cuda_major_source), rt->name,
			       or_q(rt->version), rt->path, rt->cuda_major, or_q(rt->cuda_major_source), what, l->cuda_major,
			       trt ? ", cuDNN" : "", rt->cuda_major,
			       uncertain ? " This is uncertain: the CUDA major of this copy comes only from the knowledge base." : ""),
		     cudnn ? xasprintf("Install the cuDNN build for CUDA %d (the libcudnn9-cuda-%d package or the "
				       "nvidia-cudnn-cu%d wheel), or use the CUDA %d runtime throughout.",
				       rt->cuda_major, rt->cuda_major, rt->cuda_major, l->cuda_major)
			   : xasprintf("Install the TensorRT build for CUDA %d (the tensorrt-cu%d wheels, or packages whose "
				       "version ends in +cuda%d.x), or use the CUDA %d runtime throughout.",
				       rt->cuda_major, rt->cuda_major, rt->cuda_major, l->cuda_major));
	}
}

/* ------------------------------------------------------------- (c) EOL ---- */

/* Does the branch drive every GPU's architecture? */
static bool branch_drives_gpus(struct kbr *r, unsigned branch)
{
	char v[16];
	snprintf(v, sizeof(v), "%u.0", branch);
	struct cuvet_kb_driver k;
	if (cuvet_kb_driver(r->kb, v, &k, NULL) < 0)
		return false;
	for (size_t i = 0; i < r->f->ngpus; i++) {
		struct gpu_arch a;
		if (!gpu_arch(r, &r->f->gpus[i], &a))
			continue;
		for (size_t j = 0; j < k.narch; j++)
			if (strcmp(k.arch[j].architecture, a.architecture) == 0 && !k.arch[j].supported)
				return false;
	}
	return true;
}

/* The oldest newer branch that is a long-term or production branch, not past its end of life,
 * and drives the GPUs here: the smallest move. 0 when the tables know none. */
static unsigned branch_to_move_to(struct kbr *r, struct cuvet_kb_branch *out)
{
	for (unsigned b = r->kd.branch + 1; b < 1000; b++) {
		struct cuvet_kb_branch k;
		if (cuvet_kb_branch(r->kb, b, &k, NULL) < 0 || !k.type || k.uncertain_type ||
		    (strcmp(k.type, "ltsb") != 0 && strcmp(k.type, "production") != 0) ||
		    cuvet_kb_branch_ended(&k, r->today) != 0 || !branch_drives_gpus(r, b))
			continue;
		*out = k;
		return b;
	}
	return 0;
}

static void rule_branch_eol(struct kbr *r)
{
	if (!r->kd_ok || !r->kd.branch_known || !r->today)
		return;
	const struct cuvet_kb_branch *b = &r->kd.info;
	int ended = cuvet_kb_branch_ended(b, r->today);
	if (ended == 0)
		return;
	if (ended < 0) {
		kadd(r, "driver-branch-eol-unknown", CUVET_SEV_INFO, "driver",
		     xasprintf("End of life of driver branch R%u is not known", b->branch),
		     xasprintf("driver-branch-cuda.tsv has no confirmed end-of-life date for R%u (driver %s): the source says "
			       "\"%s\"; branch type: %s.",
			       b->branch, r->drv, or_q(b->end_of_life_text), b->type_text ? b->type_text : or_q(b->type)),
		     xasprintf("Check NVIDIA's data-center driver documentation for R%u; prefer a long-term support or "
			       "production branch for machines that must stay supported.", b->branch));
		return;
	}
	struct cuvet_kb_branch to;
	unsigned move = branch_to_move_to(r, &to);
	bool dated = b->end_of_life && strcmp(b->end_of_life, "ended") != 0;
	struct sbuf fix;
	sbuf_init(&fix);
	if (move)
		sbuf_addf(&fix, "Move to R%u (%s, end of life %s%s), the oldest supported branch after R%u that drives the GPUs "
				"here (driver-branch-cuda.tsv).",
			  move, to.type_text ? to.type_text : to.type, or_q(to.end_of_life),
			  to.uncertain_end_of_life ? ", uncertain" : "", b->branch);
	else
		sbuf_addf(&fix, "The knowledge base names no supported long-term or production branch after R%u that drives "
				"the GPUs here: plan to replace them, or stay on R%u knowingly.", b->branch, b->branch);
	kadd(r, "driver-branch-eol", CUVET_SEV_WARNING, "driver",
	     xasprintf("Driver branch R%u is past its end of life (%s%s)", b->branch,
		       dated ? b->end_of_life : "date unknown", b->uncertain_end_of_life ? "; uncertain" : ""),
	     xasprintf("Driver %s is of branch R%u (%s), whose end of life is %s (driver-branch-cuda.tsv: \"%s\"%s; "
		       "today is %s): it gets no more security or bug fixes.",
		       r->drv, b->branch, b->type_text ? b->type_text : or_q(b->type),
		       dated ? b->end_of_life : "past, date unknown", or_q(b->end_of_life_text),
		       b->uncertain_end_of_life ? ", which the source marks uncertain" : "", r->today),
	     sbuf_steal(&fix));
}

/* ---------------------------------------------------------- (d) GPUs ---- */

static char *last_branch_fix(struct kbr *r, unsigned last, const char *arch)
{
	struct cuvet_kb_branch b;
	if (cuvet_kb_branch(r->kb, last, &b, NULL) == 0 && cuvet_kb_branch_ended(&b, r->today) == 1)
		return xasprintf("Install a driver of branch R%u (the last for %s); R%u is itself past its end of life "
				 "(driver-branch-cuda.tsv: \"%s\"), so plan to replace the GPU.",
				 last, arch, last, or_q(b.end_of_life_text));
	return xasprintf("Install a driver of branch R%u (the last for %s), or replace the GPU.", last, arch);
}

static void rule_gpu_support(struct kbr *r)
{
	const struct cuvet_facts *f = r->f;
	for (size_t i = 0; r->kd_ok && i < f->ngpus; i++) {
		const struct cuvet_gpu *g = &f->gpus[i];
		struct gpu_arch a;
		if (!gpu_arch(r, g, &a))
			continue;
		for (size_t j = 0; j < r->kd.narch; j++) {
			const struct cuvet_kb_arch_support *s = &r->kd.arch[j];
			if (strcmp(s->architecture, a.architecture) != 0 || s->supported)
				continue;
			if (s->last_branch && r->kd.branch > s->last_branch)
				kadd(r, "gpu-unsupported-by-branch", CUVET_SEV_ERROR, "gpu",
				     xasprintf("Driver branch R%u does not support GPU %d (%s, %s): R%u is the last branch for %s",
					       r->kd.branch, g->index, or_q(g->name), a.architecture, s->last_branch, a.architecture),
				     xasprintf("Driver %s is of branch R%u; driver-branch-cuda.tsv says R%u is the last branch "
					       "supporting %s GPUs (GPU %d, %s, architecture from gpu-compute-capability.tsv%s). The "
					       "driver does not drive it: no CUDA device, or the kernel module refuses to load.",
					       r->drv, r->kd.branch, s->last_branch, a.architecture, g->index, or_q(g->name),
					       a.unverified ? ", a row marked unverified" : ""),
				     last_branch_fix(r, s->last_branch, a.architecture));
			else if (s->first_branch && r->kd.branch < s->first_branch)
				kadd(r, "gpu-unsupported-by-branch", CUVET_SEV_ERROR, "gpu",
				     xasprintf("Driver branch R%u is too old for GPU %d (%s, %s): needs R%u or newer", r->kd.branch,
					       g->index, or_q(g->name), a.architecture, s->first_branch),
				     xasprintf("Driver %s is of branch R%u; %s GPUs are first driven by R%u (derived from the "
					       "toolkit that added their first SASS target: cuda-toolkit-arch-ptx.tsv, "
					       "cuda-toolkit-driver.tsv; GPU %d, %s%s).",
					       r->drv, r->kd.branch, a.architecture, s->first_branch, g->index, or_q(g->name),
					       a.unverified ? ", a row marked unverified" : ""),
				     xasprintf("Upgrade the driver to branch R%u or newer.", s->first_branch));
		}
	}
}

/* A CUDA major whose toolkit no longer builds for a GPU's compute capability (CUDA 12.0 dropped
 * sm_35/37; CUDA 13.0 dropped sm_50-sm_72): its libraries carry no code the GPU can run. */
static void rule_major_drops_gpu(struct kbr *r)
{
	const struct cuvet_facts *f = r->f;
	bool seen[100] = {false};
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!runtime_lib(l) || l->cuda_major >= 100 || seen[l->cuda_major])
			continue;
		seen[l->cuda_major] = true;
		char v[16];
		snprintf(v, sizeof(v), "%d.0", l->cuda_major);
		struct cuvet_kb_cuda_arch ca;
		unsigned long low = 0;
		if (cuvet_kb_cuda_arch(r->kb, v, &ca, NULL) < 0 || !ca.lowest_sm || !str_starts(ca.lowest_sm, "sm_"))
			continue;
		char digits[8] = "";
		size_t nd = strspn(ca.lowest_sm + 3, "0123456789");
		if (nd == 0 || nd >= sizeof(digits))
			continue;
		memcpy(digits, ca.lowest_sm + 3, nd);
		if (parse_ulong(digits, 10, 1000, &low) < 0)
			continue;
		bool uncertain = (ca.status && strcmp(ca.status, "unverified") == 0) || major_uncertain(l);
		for (size_t j = 0; j < f->ngpus; j++) {
			const struct cuvet_gpu *g = &f->gpus[j];
			if (g->cc_major < 0 || (unsigned long)(g->cc_major * 10 + g->cc_minor) >= low)
				continue;
			kadd(r, "cuda-major-drops-gpu", uncertain ? CUVET_SEV_WARNING : CUVET_SEV_ERROR, "gpu",
			     xasprintf("CUDA %d libraries cannot run on GPU %d (%s, compute capability %d.%d)", l->cuda_major,
				       g->index, or_q(g->name), g->cc_major, g->cc_minor),
			     xasprintf("%s (CUDA %d, from %s) and any other CUDA %d library carry code for %s and newer only "
				       "(cuda-toolkit-arch-ptx.tsv, CUDA %s: lowest SASS target %s; removed: %s%s). GPU %d has compute "
				       "capability %d.%d (from %s), so kernels fail with \"no kernel image is available for execution "
				       "on the device\" (cudaErrorNoKernelImageForDevice).",
				       l->path, l->cuda_major, or_q(l->cuda_major_source), l->cuda_major, ca.lowest_sm,
				       or_q(ca.cuda_version), ca.lowest_sm, or_q(ca.removed_targets),
				       uncertain ? "; uncertain: the table row or this copy's CUDA major is not verified" : "",
				       g->index, g->cc_major, g->cc_minor, g->cc_source ? g->cc_source : "the facts"),
			     xasprintf("Use builds for an older CUDA major that still supports compute capability %d.%d "
				       "(e.g. the _cu12 wheels), or move the workload to a newer GPU.", g->cc_major, g->cc_minor));
		}
	}
}

/* ----------------------------------------------------- (e) forward compat ---- */

static void rule_forward_compat(struct kbr *r)
{
	const struct cuvet_lib *c = r->h->forward_compat ? r->h->libcuda : NULL;
	if (!c || !c->version || r->h->compat_stale || r->h->compat_unsupported)
		return; /* said by compat-older-than-driver / compat-unsupported-gpu (rules.c), from the same host view */
	/* The package: from dpkg when known, else the CUDA its branch reports (cuda-compat-12-4 for 550.x). */
	char pkg[64] = "";
	if (c->version_source && str_starts(c->version_source, "dpkg:cuda-compat-"))
		snprintf(pkg, sizeof(pkg), "%s", c->version_source + 5);
	struct cuvet_kb_driver_cuda cc;
	if (!pkg[0] && cuvet_kb_driver_cuda(r->kb, c->version, &cc, NULL) == 0 && cc.cuda > 0 && !cc.lower_bound)
		snprintf(pkg, sizeof(pkg), "cuda-compat-%d-%d", cc.cuda / 1000, (cc.cuda % 1000) / 10);
	const struct cuvet_kb_compat_package *p = NULL;
	for (size_t i = 0; r->kd_ok && pkg[0] && i < r->kd.ncompat; i++)
		if (strcmp(r->kd.compat[i].package, pkg) == 0)
			p = &r->kd.compat[i];
	bool nfb = r->kd_ok && r->kd.branch_known && r->kd.info.type && strcmp(r->kd.info.type, "new-feature") == 0;
	bool dc = r->h->all_datacenter;
	struct sbuf cause;
	sbuf_init(&cause);
	sbuf_addf(&cause, "The loader picks %s (libcuda %s, %s) while the kernel driver is %s", c->path, c->version,
		  or_q(c->version_source), r->drv);
	if (r->kd_ok)
		sbuf_addf(&cause, " (R%u)", r->kd.branch);
	sbuf_addf(&cause, ": CUDA programs run with the newer user-space driver from %s. ", pkg[0] ? pkg : "a cuda-compat package");
	enum cuvet_severity sev = CUVET_SEV_INFO;
	if (nfb) {
		sev = CUVET_SEV_WARNING;
		sbuf_addf(&cause, "R%u is a new-feature branch (driver-branch-cuda.tsv: \"%s\"), and new-feature branches are "
				  "not supported forward-compatibility targets.", r->kd.branch, or_q(r->kd.info.type_text));
	} else if (!r->kd_ok || !r->kd.compat_known) {
		sev = CUVET_SEV_WARNING;
		sbuf_addf(&cause, "Whether that works on this branch is not known: forward-compat.tsv has no column for it.");
	} else if (!p) {
		sev = CUVET_SEV_WARNING;
		sbuf_addf(&cause, "The forward-compat matrix (forward-compat.tsv) does not list %s as supported on R%u.",
			  pkg[0] ? pkg : "this package", r->kd.branch);
	} else if (p->contradicted) {
		sev = CUVET_SEV_WARNING;
		sbuf_addf(&cause, "forward-compat.tsv documents %s on R%u, but the same page contradicts it (%s): uncertain.",
			  p->package, r->kd.branch, or_q(p->caveat));
	} else {
		sbuf_addf(&cause, "forward-compat.tsv lists %s as supported on R%u (%s).", p->package, r->kd.branch, or_q(p->source));
	}
	if (!dc) {
		sev = CUVET_SEV_WARNING;
		sbuf_addf(&cause, " Forward compatibility works only on data-center GPUs, NGC-ready RTX and Jetson; the GPU "
				  "class here is not known to be data-center (gpu-compute-capability.tsv), and elsewhere it fails "
				  "with error 804.");
	}
	kadd(r, "forward-compat-in-effect", sev, "driver",
	     xasprintf("Forward compatibility in effect: %s (libcuda %s) on driver %s%s", pkg[0] ? pkg : "compat libcuda",
		       c->version, r->drv, sev == CUVET_SEV_INFO ? "" : ", not a supported combination"),
	     sbuf_steal(&cause),
	     xasprintf(sev == CUVET_SEV_INFO ? "Nothing to do; upgrading the driver to a branch that supports the CUDA in "
					       "use natively removes the need for %s."
					     : "Upgrade the driver to a branch that supports this CUDA natively and remove %s, or "
					       "move to a supported LTSB/production branch that the forward-compat matrix lists.",
		       pkg[0] ? pkg : "the compat package"));
}

void rules_kb(struct rules *base)
{
	struct kbr r = {.base = base, .h = base->h, .f = base->f};
	r.kb = cuvet_ctx_kb(base->h->ctx);
	r.today = cuvet_ctx_today(base->h->ctx);
	driver_facts(&r);
	rule_driver_cannot_run(&r);
	rule_minor_compat(&r);
	rule_major_mismatch(&r);
	rule_branch_eol(&r);
	rule_gpu_support(&r);
	rule_major_drops_gpu(&r);
	rule_forward_compat(&r);
}
