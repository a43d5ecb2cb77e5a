/* image_report.c — `cuvet image inspect`'s analysis (cuvet_image.h): the config's claims, the
 * libraries of the image's files (the probe on the image's view, never this machine's), where the
 * two disagree, the knowledge base's stack for the tag, the GPU code of the CUDA libraries and the
 * driver floor with its evidence; and the facts of a container of the image on a host, for check. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "cuvet_image.h"
#include "facts.h"
#include "kb_tables.h"
#include "rules.h"

/* The config variables and labels that state a component's version (images.md §7: the CUDA images'
 * Dockerfiles; NGC's framework images for CUDNN_VERSION, TRT_VERSION, CUBLAS_VERSION). PARTS: a
 * toolkit version ("12.4.1") is compared with libcudart's file version ("12.4.127") on MAJOR.MINOR. */
static const struct claim_key {
	const char *key;
	bool label;
	const char *family;
	unsigned parts;
} claim_keys[] = {
	{"CUDA_VERSION", false, "cudart", 2},
	{"NV_CUDA_LIB_VERSION", false, "cudart", 2},
	{"NV_CUDA_CUDART_VERSION", false, "cudart", 0},
	{"NV_CUDNN_VERSION", false, "cudnn", 0},
	{"CUDNN_VERSION", false, "cudnn", 0},
	{"com.nvidia.cudnn.version", true, "cudnn", 0},
	{"NCCL_VERSION", false, "nccl", 0},
	{"NV_LIBNCCL_PACKAGE_VERSION", false, "nccl", 0},
	{"TRT_VERSION", false, "tensorrt", 0},
	{"TENSORRT_VERSION", false, "tensorrt", 0},
	{"NV_TENSORRT_VERSION", false, "tensorrt", 0},
	{"NV_LIBCUBLAS_VERSION", false, "cublas", 0},
	{"CUBLAS_VERSION", false, "cublas", 0},
	{"NV_LIBCUSPARSE_VERSION", false, "cusparse", 0},
	{"CUSPARSE_VERSION", false, "cusparse", 0},
	{"CUFFT_VERSION", false, "cufft", 0},
	{"CURAND_VERSION", false, "curand", 0},
	{"CUSOLVER_VERSION", false, "cusolver", 0},
	{"NVJITLINK_VERSION", false, "nvjitlink", 0},
	{"CUDA_DRIVER_VERSION", false, NULL, 0},
	{"NVIDIA_PYTORCH_VERSION", false, NULL, 0},
	{"PYTORCH_VERSION", false, NULL, 0},
	{"NVIDIA_TENSORFLOW_VERSION", false, NULL, 0},
	{"NVIDIA_DISABLE_REQUIRE", false, NULL, 0},
	{"NVIDIA_VISIBLE_DEVICES", false, NULL, 0},
	{"NVIDIA_DRIVER_CAPABILITIES", false, NULL, 0},
};

/* The leading dotted version of a config value: "9.1.0.70-1" -> "9.1.0.70", "8.9.7.29+cuda12.2" ->
 * "8.9.7.29", "v2.21.5" -> NULL. *OOM is set on an allocation failure. */
static char *claim_version(const char *value, bool *oom)
{
	size_t n = 0;
	while ((value[n] >= '0' && value[n] <= '9') || (n && value[n] == '.'))
		n++;
	while (n && value[n - 1] == '.')
		n--;
	if (!n)
		return NULL;
	char *v = xstrndup(value, n);
	if (!v)
		*oom = true;
	return v;
}

struct builder {
	struct cuvet_image_report *r;
	const struct cuvet_kb *kb;
	size_t claims_cap, comp_cap, mis_cap, floors_cap, notes_cap, gpu_cap;
	bool oom;
};

static void note(struct builder *b, const char *fmt, ...) CUVET_PRINTF(2, 3);
static void note(struct builder *b, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char *t = xstrdup(buf);
	if (!t || xgrow(&b->r->notes, &b->notes_cap, b->r->nnotes, sizeof(char *)) < 0) {
		free(t);
		b->oom = true;
		return;
	}
	b->r->notes[b->r->nnotes++] = t;
}

static int build_environ(struct builder *b)
{
	const struct cuvet_image_info *in = b->r->info;
	b->r->environ = calloc(in->nenv + 1, sizeof(char *));
	if (!b->r->environ)
		return -1;
	for (size_t i = 0; i < in->nenv; i++)
		if (!(b->r->environ[i] = xasprintf("%s=%s", in->env[i].key, in->env[i].value)))
			return -1;
	return 0;
}

static void add_claim(struct builder *b, const struct claim_key *k, const char *key, const char *value)
{
	struct cuvet_image_report *r = b->r;
	if (xgrow(&r->claims, &b->claims_cap, r->nclaims, sizeof(*r->claims)) < 0) {
		b->oom = true;
		return;
	}
	struct cuvet_image_claim *c = &r->claims[r->nclaims++];
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->value = value;
	c->label = k ? k->label : false;
	c->family = k ? k->family : NULL;
	c->compare_parts = k ? k->parts : 0;
	c->version = k && (k->family || strstr(k->key, "VERSION")) ? claim_version(value, &b->oom) : NULL;
}

/* The image's own value of KEY: the last config.Env entry, as the runtime builds the environment. */
static void collect_claims(struct builder *b)
{
	const struct cuvet_image_info *in = b->r->info;
	/* NVIDIA_REQUIRE_* first, in name order (the order nvidia-container-toolkit evaluates them). */
	for (size_t i = 0; i < in->nenv; i++) {
		const struct cuvet_image_kv *e = &in->env[i];
		if (!str_starts(e->key, "NVIDIA_REQUIRE_"))
			continue;
		bool later = false;
		for (size_t j = i + 1; j < in->nenv; j++)
			later |= strcmp(in->env[j].key, e->key) == 0;
		if (!later)
			add_claim(b, NULL, e->key, e->value);
	}
	for (size_t k = 0; k < CUVET_ARRAY_LEN(claim_keys); k++) {
		const struct claim_key *ck = &claim_keys[k];
		if (ck->label) {
			for (size_t i = 0; i < in->nlabels; i++)
				if (strcmp(in->labels[i].key, ck->key) == 0)
					add_claim(b, ck, in->labels[i].key, in->labels[i].value);
			continue;
		}
		for (size_t i = in->nenv; i-- > 0;)
			if (strcmp(in->env[i].key, ck->key) == 0) {
				add_claim(b, ck, in->env[i].key, in->env[i].value);
				break;
			}
	}
}

/* A copy of a library family (not a stub, not a file a GPU-code scan found). */
static bool lib_counts(const struct cuvet_lib *l)
{
	return l->family && !l->stub && strcmp(l->family, "scanned") != 0;
}

/* Where an image keeps CUDA libraries: the toolkit, the distribution's library directories, pip's
 * and NGC's trees. The GPU-code scan reads the libraries the probe found there in place, and adds
 * other ELF files with GPU code (a framework's own CUDA libraries). Only those the image has. */
static const char *const gpu_scan_dirs[] = {
	"/usr/local/cuda", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
	"/usr/local/lib", "/opt/nvidia", "/opt/tensorrt", "/opt/conda/lib",
};

static const char *component_name(const struct cuvet_lib *l)
{
	return strcmp(l->family, "cuda") == 0 && l->compat ? "cuda-compat" : l->family;
}

/* The copy of FAMILY that speaks for the image: a plain dlopen's pick, else the first one found. */
static const struct cuvet_lib *family_lib(const struct cuvet_facts *f, const char *family)
{
	const struct cuvet_lib *first = NULL;
	for (size_t i = 0; f && i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!lib_counts(l) || l->compat || strcmp(l->family, family) != 0 || !l->version)
			continue;
		if (l->default_pick)
			return l;
		if (!first)
			first = l;
	}
	return first;
}

static int component_cmp(const void *a, const void *b)
{
	const struct cuvet_image_component *x = a, *y = b;
	int c = strcmp(x->component, y->component);
	if (c)
		return c;
	if (!x->path != !y->path)
		return x->path ? -1 : 1;
	c = version_cmp_loose(x->version, y->version);
	return c == 2 ? strcmp(x->version ? x->version : "", y->version ? y->version : "") : c;
}

static struct cuvet_image_component *add_component(struct builder *b)
{
	struct cuvet_image_report *r = b->r;
	if (xgrow(&r->components, &b->comp_cap, r->ncomponents, sizeof(*r->components)) < 0) {
		b->oom = true;
		return NULL;
	}
	struct cuvet_image_component *c = &r->components[r->ncomponents++];
	memset(c, 0, sizeof(*c));
	return c;
}

static void collect_components(struct builder *b)
{
	struct cuvet_image_report *r = b->r;
	const struct cuvet_facts *f = r->facts;
	/* One line per component and version found in files; a plain dlopen's pick speaks for it. */
	for (size_t i = 0; f && i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!lib_counts(l))
			continue;
		const char *name = component_name(l);
		struct cuvet_image_component *same = NULL;
		for (size_t j = 0; j < r->ncomponents && !same; j++) {
			struct cuvet_image_component *c = &r->components[j];
			if (strcmp(c->component, name) == 0 && c->lib &&
			    ((!c->version && !l->version) || (c->version && l->version && strcmp(c->version, l->version) == 0)))
				same = c;
		}
		if (same) {
			if (l->default_pick && !same->lib->default_pick) {
				same->lib = l;
				same->path = l->path;
				same->version_source = l->version_source;
				same->cuda_major = l->cuda_major;
			}
			continue;
		}
		struct cuvet_image_component *c = add_component(b);
		if (!c)
			return;
		*c = (struct cuvet_image_component){name, l->version, "file", l->path, l->version_source, l->cuda_major, l};
	}
	/* The config's claims where no file of the family was found (a toolkit version always: no file
	 * names it, libcudart's version is its own). */
	for (size_t i = 0; i < r->nclaims; i++) {
		const struct cuvet_image_claim *cl = &r->claims[i];
		if (!cl->family || !cl->version)
			continue;
		bool toolkit = strcmp(cl->key, "CUDA_VERSION") == 0;
		const char *name = toolkit ? "cuda" : cl->family;
		bool have = false;
		for (size_t j = 0; j < r->ncomponents && !have; j++)
			have = strcmp(r->components[j].component, name) == 0;
		if (have)
			continue;
		struct cuvet_image_component *c = add_component(b);
		if (!c)
			return;
		c->component = name;
		c->version = cl->version;
		c->source = cl->label ? "label" : "env";
		c->version_source = cl->key;
	}
	if (r->ncomponents > 1)
		qsort(r->components, r->ncomponents, sizeof(*r->components), component_cmp);
}

/* Whether a claimed version and a file's agree on the parts both state (at most PARTS of them). */
static bool versions_agree(const char *claim, const char *file, unsigned parts)
{
	struct cuvet_version a, f;
	if (cuvet_version_parse(claim, &a, NULL) < 0 || cuvet_version_parse(file, &f, NULL) < 0)
		return true; /* nothing to compare: not a finding */
	unsigned n = a.nparts < f.nparts ? a.nparts : f.nparts;
	if (parts && parts < n)
		n = parts;
	for (unsigned i = 0; i < n; i++)
		if (a.part[i] != f.part[i])
			return false;
	return true;
}

static void collect_mismatches(struct builder *b)
{
	struct cuvet_image_report *r = b->r;
	for (size_t i = 0; r->facts && i < r->nclaims; i++) {
		const struct cuvet_image_claim *cl = &r->claims[i];
		if (!cl->family || !cl->version)
			continue;
		const struct cuvet_lib *l = family_lib(r->facts, cl->family);
		if (!l) {
			note(b, "%s%s says %s, but the image's files hold no %s library", cl->label ? "label " : "",
			     cl->key, cl->value, cl->family);
			continue;
		}
		if (versions_agree(cl->version, l->version, cl->compare_parts))
			continue;
		if (xgrow(&r->mismatches, &b->mis_cap, r->nmismatches, sizeof(*r->mismatches)) < 0) {
			b->oom = true;
			return;
		}
		r->mismatches[r->nmismatches++] = (struct cuvet_image_mismatch){cl, l};
	}
}

static const char *info_env(const struct cuvet_image_info *in, const char *key)
{
	for (size_t i = in->nenv; i-- > 0;)
		if (strcmp(in->env[i].key, key) == 0)
			return in->env[i].value;
	return NULL;
}

static int lookup_kb(struct builder *b, struct cuvet_error *err)
{
	struct cuvet_image_report *r = b->r;
	const char *ref = r->info->ref;
	if (!ref && r->info->source && str_starts(r->info->source, "docker://"))
		ref = r->info->source + strlen("docker://");
	if (!ref)
		return 0;
	struct cuvet_error kerr = {0};
	if (cuvet_kb_image(b->kb, ref, &r->kb, &kerr) == 0) {
		r->kb_known = true;
		/* NVIDIA republishes images with other lists (the table's comment): a difference is worth
		 * saying, not an error. */
		const char *mine = info_env(r->info, "NVIDIA_REQUIRE_CUDA");
		if (r->kb.require_cuda && mine && strcmp(mine, r->kb.require_cuda) != 0)
			note(b, "NVIDIA_REQUIRE_CUDA differs from the value the knowledge base has for %s (%s)",
			     ref, r->kb.table);
		return 0;
	}
	memset(&r->kb, 0, sizeof(r->kb));
	if (kerr.code == CUVET_E_NOTFOUND || kerr.code == CUVET_E_INVALID)
		return 0;
	*err = kerr;
	return -1;
}

/* ------------------------------------------------------------ GPU code ---- */

/* Whether a target runs on CC MAJOR.MINOR (cuvet_fatbin_entry_runs_on's rules). */
static bool target_runs(const struct cuvet_lib_gpu_code *g, unsigned major, unsigned minor)
{
	unsigned tm = g->sm / 10, tn = g->sm % 10;
	if (g->variant == 'a')
		return major == tm && minor == tn;
	if (g->variant == 'f' || g->kind == CUVET_FATBIN_ELF)
		return major == tm && minor >= tn;
	return major > tm || (major == tm && minor >= tn); /* PTX: JIT for any newer GPU */
}

static void collect_gpu_code(struct builder *b, struct cuvet_error *err)
{
	struct cuvet_image_report *r = b->r;
	const struct cuvet_facts *f = r->facts;
	for (size_t i = 0; f && i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (l->stub || !l->gpu_code_read || !l->ngpu_code)
			continue;
		/* cuFFT's .nv_fatbin is a lone sm_75 stub, its kernels in other sections: it says nothing
		 * about the GPUs the library runs on (doctor does not judge it either). */
		if (gpu_code_is_placeholder(l)) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = f->libs[j].real_path && l->real_path && strcmp(f->libs[j].real_path, l->real_path) == 0;
			if (!seen)
				note(b, "%s: its .nv_fatbin holds only a placeholder (sm_75), its kernels are elsewhere "
					"('cuvet arch --deep'): not counted in the GPU code", l->path);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < r->ngpu_libs && !dup; j++)
			dup = l->real_path && r->gpu_libs[j]->real_path && strcmp(l->real_path, r->gpu_libs[j]->real_path) == 0;
		if (dup)
			continue;
		if (xgrow(&r->gpu_libs, &b->gpu_cap, r->ngpu_libs, sizeof(*r->gpu_libs)) < 0) {
			b->oom = true;
			return;
		}
		r->gpu_libs[r->ngpu_libs++] = l;
	}
	if (!r->ngpu_libs)
		return;
	struct cuvet_error kerr = {0};
	const struct kb_table *t = kb_table(b->kb, KB_GPU, &kerr);
	if (!t) {
		note(b, "GPU generations unknown: %s", kerr.msg);
		CUVET_UNUSED(err);
		return;
	}
	size_t cap = 0;
	for (size_t row = 0; row < t->nrows; row++) {
		const struct cuvet_version *cc = kb_ver(t, row, GPU_CC);
		if (cc->nparts < 2)
			continue;
		/* "Hopper", not "Hopper (GH100)"; a cell the table marks unverified names none */
		const char *a = kb_cell(t, row, GPU_ARCHITECTURE);
		size_t n = strcspn(a, "(");
		while (n && a[n - 1] == ' ')
			n--;
		if (n >= sizeof(r->ccs[0].architecture))
			n = sizeof(r->ccs[0].architecture) - 1;
		if (str_starts(a, "unverified"))
			n = 0;
		struct cuvet_image_cc *seen = NULL;
		for (size_t k = 0; k < r->nccs && !seen; k++)
			if (r->ccs[k].major == cc->part[0] && r->ccs[k].minor == cc->part[1])
				seen = &r->ccs[k];
		if (seen) {
			if (!seen->architecture[0] && n)
				memcpy(seen->architecture, a, n);
			continue;
		}
		if (xgrow(&r->ccs, &cap, r->nccs, sizeof(*r->ccs)) < 0) {
			b->oom = true;
			return;
		}
		struct cuvet_image_cc *c = &r->ccs[r->nccs++];
		memset(c, 0, sizeof(*c));
		c->major = cc->part[0];
		c->minor = cc->part[1];
		memcpy(c->architecture, a, n);
		c->sass = c->runs = true;
		for (size_t li = 0; li < r->ngpu_libs; li++) {
			const struct cuvet_lib *l = r->gpu_libs[li];
			bool sass = false, any = false;
			for (size_t g = 0; g < l->ngpu_code; g++) {
				if (!target_runs(&l->gpu_code[g], c->major, c->minor))
					continue;
				any = true;
				sass |= l->gpu_code[g].kind == CUVET_FATBIN_ELF;
			}
			c->sass &= sass;
			c->runs &= any;
		}
	}
	for (size_t i = 1; i < r->nccs; i++)
		for (size_t j = i; j > 0 && r->ccs[j - 1].major * 100 + r->ccs[j - 1].minor > r->ccs[j].major * 100 + r->ccs[j].minor; j--) {
			struct cuvet_image_cc tmp = r->ccs[j];
			r->ccs[j] = r->ccs[j - 1];
			r->ccs[j - 1] = tmp;
		}
}

/* ---------------------------------------------------------- driver floor ---- */

static void add_floor(struct builder *b, const char *driver, const char *cuda, bool minor_compat, const char *fmt, ...)
	CUVET_PRINTF(5, 6);
static void add_floor(struct builder *b, const char *driver, const char *cuda, bool minor_compat, const char *fmt, ...)
{
	struct cuvet_image_report *r = b->r;
	if (xgrow(&r->floors, &b->floors_cap, r->nfloors, sizeof(*r->floors)) < 0) {
		b->oom = true;
		return;
	}
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	struct cuvet_image_floor *fl = &r->floors[r->nfloors++];
	fl->driver = xstrdup(driver);
	fl->cuda = xstrdup(cuda);
	fl->evidence = xstrdup(buf);
	fl->minor_compat = minor_compat;
	if (!fl->driver || !fl->cuda || !fl->evidence)
		b->oom = true;
}

/* The oldest toolkit release VERSION names ("12.4" -> 12.4.0), whose minimum driver a CUDA of that
 * version needs natively. NULL when the knowledge base has no row (or no driver for it). */
static const struct cuvet_kb_cuda *oldest_release(struct builder *b, const char *version, struct cuvet_kb_cuda *rel,
						  size_t max)
{
	int n = cuvet_kb_cuda_releases(b->kb, version, rel, max, NULL);
	if (n <= 0)
		return NULL;
	if ((size_t)n > max)
		n = (int)max;
	for (int i = n; i-- > 0;)
		if (rel[i].min_linux_driver && *rel[i].min_linux_driver)
			return &rel[i];
	return NULL;
}

static int floors_from_requirements(struct builder *b, struct cuvet_error *err)
{
	struct cuvet_check *c = cuvet_check_new(err);
	if (!c)
		return -1;
	struct cuvet_error cerr = {0};
	if (cuvet_check_add_env(c, b->r->environ, &cerr) < 0) {
		if (cerr.code == CUVET_E_NOMEM) {
			cuvet_check_free(c);
			*err = cerr;
			return -1;
		}
		note(b, "%s", cerr.msg);
	}
	/* A group is a way to pass; the lowest CUDA any group accepts gives the floor (groups without a
	 * cuda clause, such as "brand=tesla,driver>=470,driver<471", are forward-compatibility
	 * exceptions on data-center GPUs, said as a note). */
	for (size_t e = 0; !c->disabled && e < c->nexprs; e++) {
		const struct cuvet_req_expr *x = &c->exprs[e];
		const struct cuvet_req_clause *best = NULL;
		size_t exceptions = 0;
		for (size_t g = 0; g < x->ngroups; g++) {
			const struct cuvet_req_clause *cuda = NULL;
			for (size_t k = 0; k < x->groups[g].nclauses; k++) {
				const struct cuvet_req_clause *cl = &x->groups[g].clauses[k];
				if (cl->key == CUVET_REQ_CUDA && (cl->op == CUVET_OP_GE || cl->op == CUVET_OP_GT || cl->op == CUVET_OP_EQ))
					cuda = cl;
			}
			if (!cuda) {
				exceptions++;
				continue;
			}
			if (!best || version_cmp_loose(cuda->value, best->value) < 0)
				best = cuda;
		}
		if (!best)
			continue;
		struct cuvet_kb_cuda rel[16];
		const struct cuvet_kb_cuda *t = oldest_release(b, best->value, rel, CUVET_ARRAY_LEN(rel));
		if (!t)
			note(b, "%s: the knowledge base has no minimum driver for CUDA %s", x->source, best->value);
		else
			add_floor(b, t->min_linux_driver, best->value, false, "%s: %s (CUDA %s needs driver >= %s)",
				  x->source, best->text, t->version, t->min_linux_driver);
		if (exceptions)
			note(b, "%s: %zu more group%s accept%s older drivers without CUDA %s (forward compatibility on "
				"data-center GPUs)", x->source, exceptions, exceptions == 1 ? "" : "s",
			     exceptions == 1 ? "s" : "", best->value);
	}
	if (c->disabled)
		note(b, "NVIDIA_DISABLE_REQUIRE=%s: the runtime checks none of the image's requirements",
		     c->disabled_by ? c->disabled_by : "");
	cuvet_check_free(c);
	return 0;
}

static void floors_from_libraries(struct builder *b)
{
	const struct cuvet_facts *f = b->r->facts;
	for (int major = 1; f && major < 100; major++) {
		const struct cuvet_lib *l = NULL;
		for (size_t i = 0; i < f->nlibs; i++) {
			const struct cuvet_lib *x = &f->libs[i];
			if (!lib_counts(x) || x->compat || x->cuda_major != major || strcmp(x->family, "cuda") == 0 ||
			    strcmp(x->family, "nvml") == 0)
				continue;
			if (!l || (strcmp(x->family, "cudart") == 0 && strcmp(l->family, "cudart") != 0))
				l = x;
		}
		if (!l)
			continue;
		char v[16];
		snprintf(v, sizeof(v), "%d.0", major);
		struct cuvet_kb_cuda rel[16];
		int n = cuvet_kb_cuda_releases(b->kb, v, rel, CUVET_ARRAY_LEN(rel), NULL);
		const char *min = NULL;
		for (int i = (n > 16 ? 16 : n); i-- > 0 && !min;)
			if (rel[i].minor_compat_min_driver && *rel[i].minor_compat_min_driver)
				min = rel[i].minor_compat_min_driver;
		char maj[8];
		snprintf(maj, sizeof(maj), "%d", major);
		if (!min) {
			note(b, "%s: the knowledge base has no minimum driver for CUDA %d", l->name, major);
			continue;
		}
		add_floor(b, min, maj, true, "%s %s (CUDA %d, %s): minor-version compatibility needs driver >= %s",
			  l->name, l->version ? l->version : "", major,
			  l->cuda_major_source ? l->cuda_major_source : "?", min);
	}
}

/* The GPUs that run the image's code only by JIT-compiling its PTX need a driver that knows the
 * highest PTX ISA they compile (its toolkit's minimum driver): a floor for those GPUs only. */
static void floors_from_ptx(struct builder *b)
{
	struct cuvet_image_report *r = b->r;
	unsigned isa_major = 0, isa_minor = 0;
	const struct cuvet_lib *from = NULL;
	struct sbuf ccs;
	sbuf_init(&ccs);
	for (size_t i = 0; i < r->nccs; i++) {
		const struct cuvet_image_cc *c = &r->ccs[i];
		if (c->sass || !c->runs)
			continue;
		sbuf_addf(&ccs, "%s%u.%u", ccs.len ? " " : "", c->major, c->minor);
		for (size_t li = 0; li < r->ngpu_libs; li++) {
			const struct cuvet_lib *l = r->gpu_libs[li];
			bool sass = false;
			for (size_t g = 0; g < l->ngpu_code; g++)
				sass |= l->gpu_code[g].kind == CUVET_FATBIN_ELF && target_runs(&l->gpu_code[g], c->major, c->minor);
			for (size_t g = 0; !sass && g < l->ngpu_code; g++) {
				const struct cuvet_lib_gpu_code *x = &l->gpu_code[g];
				if (x->kind != CUVET_FATBIN_PTX || !target_runs(x, c->major, c->minor))
					continue;
				if (x->ptx_isa_major * 100 + x->ptx_isa_minor > isa_major * 100 + isa_minor) {
					isa_major = x->ptx_isa_major;
					isa_minor = x->ptx_isa_minor;
					from = l;
				}
			}
		}
	}
	if (ccs.oom)
		b->oom = true;
	if (from && !ccs.oom) {
		struct ptx_need need;
		rules_ptx_need(b->kb, isa_major, isa_minor, &need);
		if (!need.min_driver)
			note(b, "%s carries PTX ISA %u.%u, which the knowledge base does not place: the driver the GPUs that "
				"JIT it (%s) need is unknown", from->name, isa_major, isa_minor, ccs.data);
		else {
			char cuda[16];
			snprintf(cuda, sizeof(cuda), "%d.%d", need.cuda / 1000, (need.cuda % 1000) / 10);
			add_floor(b, need.min_driver, cuda, false,
				  "GPUs without SASS in the image (%s) JIT its PTX: ISA %u.%u (%s) comes with CUDA %s, which needs "
				  "driver >= %s%s", ccs.data, isa_major, isa_minor, from->name, need.toolkit, need.min_driver,
				  need.uncertain ? " [unverified]" : "");
			if (!b->oom)
				r->floors[r->nfloors - 1].jit_only = true;
		}
	}
	sbuf_release(&ccs);
}

static void floors_from_kb(struct builder *b)
{
	const struct cuvet_image_report *r = b->r;
	if (!r->kb_known || !r->kb.min_driver.value)
		return;
	/* The cell is the release notes' text ("535+; datacenter may use 450.51+ (R450), ..."): its
	 * leading version is the floor, the rest stays in the knowledge base's own answer. */
	char *v = claim_version(r->kb.min_driver.value, &b->oom);
	if (!v)
		return;
	add_floor(b, v, r->kb.cuda.value ? r->kb.cuda.value : "", false,
		  "knowledge base (%s): %s%s%s needs driver >= %s%s", r->kb.table, r->kb.image ? r->kb.image : "",
		  r->kb.tag ? ":" : "", r->kb.tag ? r->kb.tag : "", v, r->kb.min_driver.unverified ? " [unverified]" : "");
	free(v);
}

/* The tag's stack as the knowledge base has it against the image's files: a difference is a note
 * (a retagged or rebuilt image), the files being what runs. */
static void kb_against_files(struct builder *b)
{
	const struct cuvet_image_report *r = b->r;
	if (!r->kb_known || !r->facts)
		return;
	const struct {
		const char *name, *family;
		const struct cuvet_kb_fact *f;
		unsigned parts;
	} rows[] = {
		{"CUDA", "cudart", &r->kb.cuda, 2}, {"cuDNN", "cudnn", &r->kb.cudnn, 0},
		{"TensorRT", "tensorrt", &r->kb.tensorrt, 0}, {"cuBLAS", "cublas", &r->kb.cublas, 0},
		{"NCCL", "nccl", &r->kb.nccl, 0},
	};
	for (size_t i = 0; i < CUVET_ARRAY_LEN(rows); i++) {
		const struct cuvet_lib *l = rows[i].f->value ? family_lib(r->facts, rows[i].family) : NULL;
		if (l && !versions_agree(rows[i].f->value, l->version, rows[i].parts))
			note(b, "the knowledge base has %s %s for %s%s%s (%s); the image's %s is %s", rows[i].name,
			     rows[i].f->value, r->kb.image ? r->kb.image : "", r->kb.tag ? ":" : "", r->kb.tag ? r->kb.tag : "",
			     r->kb.table, l->path, l->version);
	}
}

/* ------------------------------------------------------------------ new ---- */

struct cuvet_image_report *cuvet_image_report_new(const struct cuvet_ctx *ctx, struct cuvet_image *img,
						  const struct cuvet_image_report_opts *opts, struct cuvet_error *err)
{
	if (!ctx || !img) {
		err_set(err, CUVET_E_INVALID, "image report: no context or no image");
		return NULL;
	}
	struct cuvet_image_report *r = calloc(1, sizeof(*r));
	if (!r) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	struct builder b = {.r = r, .kb = cuvet_ctx_kb(ctx)};
	r->info = cuvet_image_info(img);
	if (build_environ(&b) < 0) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto fail;
	}
	struct cuvet_fs *fs = cuvet_image_fs(img);
	if (fs) {
		/* The image's view, with the image's environment: a non-host view, so the probe reads no
		 * NVML, /proc, /sys or uname of this machine (probe.c: pc.live). */
		struct cuvet_probe_opts po;
		cuvet_probe_opts_init(&po);
		po.fs = fs;
		po.env = r->environ;
		po.use_nvml = false;
		po.load_libs = false;
		po.kb = b.kb;
		po.read_gpu_code = opts && opts->gpu_code;
		const char *scan[CUVET_ARRAY_LEN(gpu_scan_dirs) + 1];
		size_t nscan = 0;
		for (size_t i = 0; po.read_gpu_code && i < CUVET_ARRAY_LEN(gpu_scan_dirs); i++)
			if (cuvet_fs_type(fs, gpu_scan_dirs[i], true) == CUVET_FS_DIR)
				scan[nscan++] = gpu_scan_dirs[i];
		scan[nscan] = NULL;
		po.scan_dirs = nscan ? scan : NULL;
		if (!(r->facts = cuvet_probe(&po, err)))
			goto fail;
		char *root = xstrdup(r->info->source);
		if (!root) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
		free(r->facts->root);
		r->facts->root = root;
	}
	collect_claims(&b);
	collect_components(&b);
	collect_mismatches(&b);
	if (lookup_kb(&b, err) < 0)
		goto fail;
	collect_gpu_code(&b, err);
	if (floors_from_requirements(&b, err) < 0)
		goto fail;
	floors_from_libraries(&b);
	floors_from_kb(&b);
	floors_from_ptx(&b);
	kb_against_files(&b);
	for (size_t i = 0; i < r->nfloors; i++)
		if (!r->floors[i].jit_only &&
		    (!r->min_driver || version_cmp_loose(r->floors[i].driver, r->min_driver->driver) > 0))
			r->min_driver = &r->floors[i];
	if (b.oom) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto fail;
	}
	return r;
fail:
	cuvet_image_report_free(r);
	return NULL;
}

void cuvet_image_report_free(struct cuvet_image_report *r)
{
	if (!r)
		return;
	for (char **e = r->environ; e && *e; e++)
		free(*e);
	free(r->environ);
	cuvet_facts_free(r->facts);
	for (size_t i = 0; i < r->nclaims; i++)
		free(r->claims[i].version);
	free(r->claims);
	free(r->components);
	free(r->mismatches);
	free(r->gpu_libs);
	free(r->ccs);
	for (size_t i = 0; i < r->nfloors; i++) {
		free(r->floors[i].driver);
		free(r->floors[i].evidence);
		free(r->floors[i].cuda);
	}
	free(r->floors);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r);
}

/* ----------------------------------------------------------------- JSON ---- */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *kb_fact_json(const struct cuvet_kb_fact *f)
{
	return f->value ? json_string(f->value) : json_null();
}

static json_t *gpu_code_json(const struct cuvet_lib *l)
{
	json_t *sass = json_array(), *ptx = json_array();
	for (size_t i = 0; i < l->ngpu_code; i++) {
		const struct cuvet_lib_gpu_code *g = &l->gpu_code[i];
		char name[32];
		snprintf(name, sizeof(name), "%s_%u%s", g->kind == CUVET_FATBIN_ELF ? "sm" : "compute", g->sm,
			 g->variant == 'a' ? "a" : g->variant == 'f' ? "f" : "");
		json_array_append_new(g->kind == CUVET_FATBIN_ELF ? sass : ptx, json_string(name));
	}
	return json_pack("{s:o, s:o, s:o, s:o}", "path", jstr(l->path), "family", jstr(l->family), "sass", sass,
			 "ptx", ptx);
}

char *cuvet_image_report_to_json(const struct cuvet_image_report *r, bool pretty, struct cuvet_error *err)
{
	if (!r) {
		err_set(err, CUVET_E_INVALID, "no image report");
		return NULL;
	}
	const struct cuvet_image_info *in = r->info;
	json_t *layers = json_array(), *env = json_array(), *labels = json_array(), *claims = json_array(),
	       *comps = json_array(), *mis = json_array(), *libs = json_array(), *ccs = json_array(),
	       *floors = json_array(), *notes = json_array();
	for (size_t i = 0; i < in->nlayers; i++) {
		const struct cuvet_image_layer *l = &in->layers[i];
		json_array_append_new(layers, json_pack("{s:o, s:o, s:I, s:o}", "digest", jstr(l->digest), "media_type",
							jstr(l->media_type), "size", (json_int_t)l->size, "diff_id",
							jstr(l->diff_id)));
	}
	for (size_t i = 0; i < in->nenv; i++)
		json_array_append_new(env, json_pack("{s:s, s:s}", "name", in->env[i].key, "value", in->env[i].value));
	for (size_t i = 0; i < in->nlabels; i++)
		json_array_append_new(labels,
				      json_pack("{s:s, s:s}", "name", in->labels[i].key, "value", in->labels[i].value));
	for (size_t i = 0; i < r->nclaims; i++) {
		const struct cuvet_image_claim *c = &r->claims[i];
		json_array_append_new(claims, json_pack("{s:s, s:s, s:s, s:o, s:o}", "name", c->key, "from",
							c->label ? "label" : "env", "value", c->value, "family",
							jstr(c->family), "version", jstr(c->version)));
	}
	for (size_t i = 0; i < r->ncomponents; i++) {
		const struct cuvet_image_component *c = &r->components[i];
		json_array_append_new(comps, json_pack("{s:s, s:o, s:s, s:o, s:o, s:o}", "component", c->component,
						       "version", jstr(c->version), "source", c->source, "path",
						       jstr(c->path), "version_source", jstr(c->version_source),
						       "cuda_major", c->cuda_major ? json_integer(c->cuda_major) : json_null()));
	}
	for (size_t i = 0; i < r->nmismatches; i++) {
		const struct cuvet_image_mismatch *m = &r->mismatches[i];
		json_array_append_new(mis, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", "env-file-mismatch",
						     "family", m->claim->family, "name", m->claim->key, "from",
						     m->claim->label ? "label" : "env", "value", m->claim->value, "file",
						     jstr(m->lib->path), "file_version", jstr(m->lib->version),
						     "version_source", jstr(m->lib->version_source)));
	}
	for (size_t i = 0; i < r->ngpu_libs; i++)
		json_array_append_new(libs, gpu_code_json(r->gpu_libs[i]));
	for (size_t i = 0; i < r->nccs; i++) {
		const struct cuvet_image_cc *c = &r->ccs[i];
		char cc[16];
		snprintf(cc, sizeof(cc), "%u.%u", c->major, c->minor);
		json_array_append_new(ccs, json_pack("{s:s, s:s, s:s}", "cc", cc, "architecture", c->architecture, "runs",
						     c->sass ? "sass" : c->runs ? "ptx-jit" : "no"));
	}
	for (size_t i = 0; i < r->nfloors; i++) {
		const struct cuvet_image_floor *f = &r->floors[i];
		json_array_append_new(floors, json_pack("{s:s, s:s, s:s, s:b, s:b}", "driver", f->driver, "cuda", f->cuda,
							"evidence", f->evidence, "minor_version_compat", f->minor_compat,
							"jit_only", f->jit_only));
	}
	for (size_t i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	json_t *kb = json_null();
	if (r->kb_known)
		kb = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "image", jstr(r->kb.image),
			       "tag", jstr(r->kb.tag), "ubuntu", kb_fact_json(&r->kb.ubuntu), "cuda", kb_fact_json(&r->kb.cuda),
			       "cudnn", kb_fact_json(&r->kb.cudnn), "tensorrt", kb_fact_json(&r->kb.tensorrt), "cublas",
			       kb_fact_json(&r->kb.cublas), "nccl", kb_fact_json(&r->kb.nccl), "python",
			       kb_fact_json(&r->kb.python), "framework", kb_fact_json(&r->kb.framework), "min_driver",
			       kb_fact_json(&r->kb.min_driver), "require_cuda", jstr(r->kb.require_cuda), "table",
			       r->kb.table ? r->kb.table : "");
	json_t *min = json_null();
	if (r->min_driver)
		min = json_pack("{s:s, s:s}", "driver", r->min_driver->driver, "evidence", r->min_driver->evidence);
	json_t *root = json_pack(
		"{s:s, s:o, s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, "
		"s:{s:o, s:o}, s:{s:o, s:o}, s:o}",
		"schema", "cuvet.image/1", "source", jstr(in->source), "ref", jstr(in->ref), "platform", "os", jstr(in->os),
		"architecture", jstr(in->architecture), "variant", jstr(in->variant), "digests", "index",
		jstr(in->index_digest), "manifest", jstr(in->manifest_digest), "config", jstr(in->config_digest), "created",
		jstr(in->created), "layers", layers, "files_read", r->facts != NULL, "env", env, "labels", labels,
		"claims", claims, "components", comps, "mismatches", mis, "knowledge_base", kb, "gpu_code", "libraries",
		libs, "compute_capabilities", ccs, "driver", "minimum", min, "floors", floors, "notes", notes);
	if (!root) {
		err_set(err, CUVET_E_NOMEM, "out of memory building JSON");
		return NULL;
	}
	char *s = json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory building JSON");
	return s;
}

/* -------------------------------------------------- container facts ---- */

static bool host_driver_lib(json_t *lib)
{
	const char *fam = json_string_value(json_object_get(lib, "family"));
	return fam && (strcmp(fam, "nvml") == 0 || (strcmp(fam, "cuda") == 0 && !json_is_true(json_object_get(lib, "compat")) &&
						     !json_is_true(json_object_get(lib, "stub"))));
}

struct cuvet_facts *cuvet_image_container_facts(const struct cuvet_facts *host, const struct cuvet_facts *image_facts,
						const struct cuvet_image_info *info, struct cuvet_error *err)
{
	if (!host || !info) {
		err_set(err, CUVET_E_INVALID, "container facts: no host facts or no image");
		return NULL;
	}
	/* Through the facts JSON both ways: one serialisation of every field, so none is forgotten. */
	json_t *h = facts_to_jansson(host), *im = image_facts ? facts_to_jansson(image_facts) : NULL;
	json_t *libs = json_array(), *env = json_object();
	char *text = NULL;
	struct cuvet_facts *out = NULL;
	if (!h || (image_facts && !im) || !libs || !env)
		goto oom;
	/* The runtime mounts the host's driver libraries (libcuda, NVML) into the container; every
	 * other library is the image's. */
	json_t *l;
	size_t i;
	json_array_foreach(json_object_get(h, "libraries"), i, l)
		if (host_driver_lib(l) && json_array_append(libs, l) < 0)
			goto oom;
	json_array_foreach(im ? json_object_get(im, "libraries") : NULL, i, l)
		if (!host_driver_lib(l) && json_array_append(libs, l) < 0)
			goto oom;
	/* The workload's environment is the image's config.Env. */
	for (size_t k = 0; k < info->nenv; k++)
		if (json_object_set_new(env, info->env[k].key, json_string(info->env[k].value)) < 0)
			goto oom;
	if (json_object_set_new(h, "libraries", libs) < 0) {
		libs = NULL;
		goto oom;
	}
	libs = NULL;
	if (json_object_set_new(h, "environment", env) < 0) {
		env = NULL;
		goto oom;
	}
	env = NULL;
	json_t *tks = im ? json_incref(json_object_get(im, "toolkits")) : json_array();
	if (!tks || json_object_set_new(h, "toolkits", tks) < 0)
		goto oom;
	json_t *hh = json_object_get(h, "host");
	json_t *ih = im ? json_object_get(im, "host") : NULL;
	static const char *const os_keys[] = {"os_id", "os_version", "os_pretty", "glibc_version"};
	for (size_t k = 0; hh && k < CUVET_ARRAY_LEN(os_keys); k++) {
		json_t *v = ih ? json_object_get(ih, os_keys[k]) : NULL;
		if (json_object_set(hh, os_keys[k], v ? v : json_null()) < 0)
			goto oom;
	}
	if (hh && json_object_set_new(hh, "container", json_string("image")) < 0)
		goto oom;
	if (json_object_set_new(h, "root", json_string(info->source ? info->source : "")) < 0)
		goto oom;
	text = json_dumps(h, JSON_COMPACT);
	if (!text)
		goto oom;
	out = cuvet_facts_from_json(text, strlen(text), err);
	goto done;
oom:
	err_set(err, CUVET_E_NOMEM, "out of memory");
done:
	free(text);
	json_decref(libs);
	json_decref(env);
	json_decref(h);
	json_decref(im);
	return out;
}

/* --------------------------------------------------- check: GPU code ---- */

int cuvet_image_check_gpu_code(struct cuvet_check *c, const struct cuvet_host *host, struct cuvet_error *err)
{
	if (!c || !host)
		return err_set(err, CUVET_E_INVALID, "no check or no host view");
	static const char *const sets[] = {"gpu-code", NULL};
	/* the workload problems' ids are static strings: doctor's ids for the same conditions */
	static const char *const ids[] = {"gpu-code-missing", "gpu-code-ptx-unsupported"};
	struct cuvet_doctor_opts o;
	cuvet_doctor_opts_init(&o);
	o.rule_sets = sets;
	struct cuvet_findings *fs = cuvet_doctor(host, &o, err);
	if (!fs)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < fs->count && rc == 0; i++) {
		const struct cuvet_finding *f = &fs->items[i];
		const char *id = NULL;
		for (size_t k = 0; k < CUVET_ARRAY_LEN(ids) && !id; k++)
			if (strcmp(f->id, ids[k]) == 0)
				id = ids[k];
		if (!id || f->severity != CUVET_SEV_ERROR)
			continue;
		struct cuvet_check_problem *p = realloc(c->workload, (c->nworkload + 1) * sizeof(*p));
		char *summary = xstrdup(f->summary), *cause = xstrdup(f->cause), *fix = xstrdup(f->fix);
		if (p)
			c->workload = p;
		if (!p || !summary || !cause || !fix) {
			free(summary);
			free(cause);
			free(fix);
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
			break;
		}
		p[c->nworkload++] = (struct cuvet_check_problem){id, summary, cause, fix};
		c->workload_verdict = CUVET_FAIL;
		c->verdict = CUVET_FAIL;
	}
	cuvet_findings_free(fs);
	return rc;
}
