/* Requirement grammar and evaluation: one table row per case (requirement, facts, cuvet's
 * verdict, nvidia-container-cli's decision, a fragment of the explanation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cuvet.h"

/* Evaluates C against F through a host view, as cuvet check does. */
static int eval_facts(struct cuvet_check *c, const struct cuvet_facts *f, const struct cuvet_check_opts *o,
		      struct cuvet_error *err)
{
	struct cuvet_ctx_opts co;
	cuvet_ctx_opts_init(&co);
	co.today = "2026-11-29";
	struct cuvet_ctx *ctx = cuvet_ctx_new(&co, err);
	if (!ctx)
		return -1;
	struct cuvet_host *h = cuvet_host_new(ctx, f, NULL, err);
	int rc = h ? cuvet_check_eval(c, h, o, err) : -1;
	cuvet_host_free(h);
	cuvet_ctx_free(ctx);
	return rc;
}

/* ------------------------------------------------------------- facts in C ---- */

enum fx { H200, H200_INFER, A100_525, GEFORCE_535, MIXED_550, NO_GPU, HIDDEN, NOTHING, H200_NOBRAND, T4_470, H100_535, H200_PROBE_INFERRED, P100_384, NFX };

static struct cuvet_gpu gpu(int index, const char *name, int ccM, int ccm, const char *brand, const char *segment,
			    uint64_t mib, bool visible)
{
	struct cuvet_gpu g;
	memset(&g, 0, sizeof(g));
	g.index = index;
	g.name = (char *)name;
	g.cc_major = ccM;
	g.cc_minor = ccm;
	g.brand = (char *)brand;
	g.segment = (char *)segment;
	g.memory_mib = mib;
	g.visible = visible;
	g.mig_mode = g.persistence_mode = -1;
	char uuid[64];
	snprintf(uuid, sizeof(uuid), "GPU-%d", index);
	g.uuid = strdup(uuid);
	return g;
}

static struct cuvet_lib lib(const char *family, const char *name, const char *version, bool pick)
{
	struct cuvet_lib l;
	memset(&l, 0, sizeof(l));
	l.family = (char *)family;
	l.name = (char *)name;
	l.path = (char *)name;
	l.version = (char *)version;
	l.default_pick = pick;
	return l;
}

static struct cuvet_gpu gpus_store[NFX][4];
static struct cuvet_lib libs_store[8];
static struct cuvet_facts facts_store[NFX];

static void driver(struct cuvet_facts *f, const char *version, int cuda)
{
	f->driver.present = f->driver.module_loaded = true;
	f->driver.kernel_version = (char *)version;
	f->driver.cuda_driver_version = cuda;
	f->driver.cuda_driver_source = cuda ? (char *)"nvml" : NULL;
}

static void build_facts(void)
{
	memset(facts_store, 0, sizeof(facts_store));
	struct cuvet_facts *f;

	f = &facts_store[H200];
	driver(f, "580.159.04", 13000);
	gpus_store[H200][0] = gpu(0, "NVIDIA H200", 9, 0, "nvidia", "datacenter", 143771, true);
	f->ngpus = 1;
	f->gpus = gpus_store[H200];
	libs_store[0] = lib("cudart", "libcudart.so.13", "13.0.96", true);
	libs_store[1] = lib("cudart", "libcudart.so.13", "13.1.80", false);
	libs_store[2] = lib("cudnn", "libcudnn.so.9", "9.14.0.64", true);
	libs_store[3] = lib("cudnn", "libcudnn_adv.so.9", "9.19.0.56", true);
	libs_store[4] = lib("nccl", "libnccl.so.2", "2.28.3", true);
	libs_store[5] = lib("cublas", "libcublas.so.13", "13.1.0.3", true);
	f->nlibs = 6;
	f->libs = libs_store;

	f = &facts_store[H200_INFER];
	driver(f, "580.159.04", 0);
	gpus_store[H200_INFER][0] = gpu(0, "NVIDIA H200", 9, 0, "nvidia", "datacenter", 143771, true);
	f->ngpus = 1;
	f->gpus = gpus_store[H200_INFER];

	f = &facts_store[H200_PROBE_INFERRED];
	driver(f, "580.159.04", 13000);
	f->driver.cuda_driver_source = (char *)"inferred";
	gpus_store[H200_PROBE_INFERRED][0] = gpu(0, "NVIDIA H200", 9, 0, "nvidia", "datacenter", 143771, true);
	f->ngpus = 1;
	f->gpus = gpus_store[H200_PROBE_INFERRED];

	f = &facts_store[H200_NOBRAND];
	driver(f, "580.159.04", 13000);
	gpus_store[H200_NOBRAND][0] = gpu(0, "NVIDIA H200", 9, 0, NULL, "datacenter", 0, true);
	f->ngpus = 1;
	f->gpus = gpus_store[H200_NOBRAND];

	f = &facts_store[A100_525];
	driver(f, "525.85.12", 12000);
	gpus_store[A100_525][0] = gpu(0, "NVIDIA A100-SXM4-80GB", 8, 0, "tesla", "datacenter", 81920, true);
	f->ngpus = 1;
	f->gpus = gpus_store[A100_525];

	f = &facts_store[GEFORCE_535];
	driver(f, "535.104.05", 12020);
	gpus_store[GEFORCE_535][0] = gpu(0, "NVIDIA GeForce RTX 4090", 8, 9, "geforce", "consumer", 24564, true);
	f->ngpus = 1;
	f->gpus = gpus_store[GEFORCE_535];

	f = &facts_store[MIXED_550];
	driver(f, "550.54.15", 12040);
	gpus_store[MIXED_550][0] = gpu(0, "Tesla T4", 7, 5, "tesla", "datacenter", 15360, true);
	gpus_store[MIXED_550][1] = gpu(1, "NVIDIA L40S", 8, 9, "nvidia", "datacenter", 46068, true);
	f->ngpus = 2;
	f->gpus = gpus_store[MIXED_550];

	f = &facts_store[NO_GPU];
	driver(f, "580.95.05", 13000);

	f = &facts_store[HIDDEN];
	driver(f, "580.95.05", 13000);
	gpus_store[HIDDEN][0] = gpu(0, "NVIDIA H100 80GB HBM3", 9, 0, "nvidia", "datacenter", 81559, false);
	gpus_store[HIDDEN][1] = gpu(1, "NVIDIA H100 80GB HBM3", 9, 0, "nvidia", "datacenter", 81559, false);
	f->ngpus = 2;
	f->gpus = gpus_store[HIDDEN];
	/* the workload's environment hides both */
	static struct cuvet_kv hidden_env[] = {{(char *)"CUDA_VISIBLE_DEVICES", (char *)""}};
	f->env = hidden_env;
	f->nenv = 1;

	f = &facts_store[H100_535];
	driver(f, "535.104.05", 12020);
	gpus_store[H100_535][0] = gpu(0, "NVIDIA H100 80GB HBM3", 9, 0, "nvidia", "datacenter", 81559, true);
	f->ngpus = 1;
	f->gpus = gpus_store[H100_535];

	/* NOTHING: no driver, no GPU: every fact unknown */

	f = &facts_store[P100_384];
	driver(f, "384.81", 9000);
	gpus_store[P100_384][0] = gpu(0, "Tesla P100-PCIE-16GB", 6, 0, "tesla", "datacenter", 16280, true);
	f->ngpus = 1;
	f->gpus = gpus_store[P100_384];

	f = &facts_store[T4_470];
	driver(f, "470.256.02", 11040);
	gpus_store[T4_470][0] = gpu(0, "Tesla T4", 7, 5, "tesla", "datacenter", 15360, true);
	f->ngpus = 1;
	f->gpus = gpus_store[T4_470];
}

static void free_facts(void)
{
	for (size_t i = 0; i < NFX; i++)
		for (size_t g = 0; g < 4; g++)
			free(gpus_store[i][g].uuid);
}

/* Everything the check says, in one string, for fragment matching. */
static char *explain(const struct cuvet_check *c)
{
	size_t cap = 1 << 16, len = 0;
	char *s = calloc(1, cap);
	assert_non_null(s);
#define ADD(x)                                                                                                      \
	do {                                                                                                        \
		if (x)                                                                                              \
			len += (size_t)snprintf(s + len, cap - len, "%s\n", (x));                                 \
		if (len >= cap)                                                                                     \
			len = cap - 1;                                                                              \
	} while (0)
	for (size_t e = 0; e < c->nexprs; e++) {
		ADD(c->exprs[e].error);
		ADD(c->exprs[e].fix);
		ADD(c->exprs[e].runtime_note);
		for (size_t g = 0; g < c->exprs[e].ngroups; g++)
			for (size_t i = 0; i < c->exprs[e].groups[g].nclauses; i++) {
				ADD(c->exprs[e].groups[g].clauses[i].fact);
				ADD(c->exprs[e].groups[g].clauses[i].message);
				ADD(c->exprs[e].groups[g].clauses[i].fix);
			}
	}
	for (size_t i = 0; i < c->nnotes; i++)
		ADD(c->notes[i]);
#undef ADD
	return s;
}

/* -------------------------------------------------------------- the table ---- */

#define P CUVET_PASS
#define F CUVET_FAIL
#define U CUVET_UNKNOWN
#define E CUVET_ERROR

struct row {
	const char *req;
	enum fx facts;
	enum cuvet_verdict want;
	enum cuvet_verdict runtime;
	const char *fragment; /* NULL: none checked */
	const char *absent;   /* must not be in the expression's fix; NULL: none checked */
};

static const struct row rows[] = {
	/* every operator on cuda (H200: CUDA 13.0) */
	{"cuda>=13.0", H200, P, P, "the driver's CUDA 13.0 is >= 13.0", NULL},
	{"cuda>=13", H200, P, P, NULL, NULL},
	{"cuda=13", H200, P, P, "is = 13", NULL},
	{"cuda=13.0.0", H200, P, P, NULL, NULL},
	{"cuda!=13.0", H200, F, F, "is not != 13.0", NULL},
	{"cuda!=12.9", H200, P, P, NULL, NULL},
	{"cuda<13.0", H200, F, F, "use a driver of an older branch", NULL},
	{"cuda<=13.0", H200, P, P, NULL, NULL},
	{"cuda>12.9", H200, P, P, NULL, NULL},
	{"cuda>13.0", H200, F, F, NULL, NULL},
	{"cuda<13.1", H200, P, P, NULL, NULL},
	{"CUDA>=13.0", H200, P, P, NULL, NULL},
	{"Cuda>=12.10", H200, P, P, NULL, NULL},
	/* partial versions and numeric components */
	{"cuda=12", A100_525, P, P, NULL, NULL},
	{"cuda=12.0", A100_525, P, P, NULL, NULL},
	{"cuda>=12.2", A100_525, F, F, "driver 525.85.12 supports CUDA ≤ 12.0; this needs 12.2: upgrade to ≥ 535.54.03 (R535, LTSB", NULL},
	/* never cuda-compat for a cuda clause: check_cuda_version() (libnvidia-container
	 * src/cli/configure.c) compares the host driver's CUDA, which a compat package does not change */
	{"cuda>=12.2", A100_525, F, F, "is no fix for this requirement", "install cuda-compat"},
	{"cuda>=12.4", H100_535, F, F, "is no fix for this requirement", "install cuda-compat"},
	{"cuda>=12.4", H100_535, F, F, "upgrade to ≥ 550.54.14 (R550", NULL},
	{"cuda>=12.2", A100_525, F, F, "by minor-version compatibility this driver already runs CUDA 12.x applications", NULL},
	{"cuda>=12.2", A100_525, F, F, "PTX from a newer toolkit cannot be JIT-compiled by an older driver", NULL},
	{"cuda>=12.2", GEFORCE_535, P, P, NULL, NULL},
	{"cuda>=12.4", GEFORCE_535, F, F, "upgrade to ≥ 550.54.14", NULL},
	{"cuda>=12.10", GEFORCE_535, F, F, NULL, NULL},
	{"cuda<12.10", GEFORCE_535, P, P, NULL, NULL},
	{"cuda>12.9", GEFORCE_535, F, F, NULL, NULL},
	{"cuda>=13.1", H200, F, F, "upgrade to ≥ 590.44.01", "cuda-compat-13-1"},
	{"cuda>=13.1", H200, F, F, "upgrade to ≥ 590.44.01", NULL},
	{"cuda>=13.0", GEFORCE_535, F, F, "minor-version compatibility needs driver ≥ 580 for CUDA 13.x", NULL},
	/* a consumer GPU never gets the compat package */
	{"cuda>=12.4", GEFORCE_535, F, F, "R550", NULL},
	{"cuda>=12.4", GEFORCE_535, F, F, "upgrade to ≥ 550.54.14", "cuda-compat"},
	/* > needs the next CUDA the knowledge base knows a driver for, not the named one */
	{"cuda>12.2", GEFORCE_535, F, F, "this needs 12.3: upgrade to ≥ 545.23.06", "this needs 12.2"},
	{"cuda>12.9", GEFORCE_535, F, F, "this needs 13.0: upgrade to ≥ 580.65.06", NULL},
	{"cuda>12.2.1", GEFORCE_535, F, F, "this needs 12.3", NULL},
	/* CUDA 9.x minimum drivers (data/cuda-toolkit-driver.tsv, NVIDIA's "CUDA Toolkit and Corresponding
	 * Driver Versions" table): before, "the knowledge base has no minimum driver for it" */
	{"cuda>=9.2", P100_384, F, F, "this needs 9.2: upgrade to ≥ 396.26 (R396", "no minimum driver"},
	{"cuda>9.0", P100_384, F, F, "this needs 9.1: upgrade to ≥ 390.46 (R390", NULL},
	{"cuda>=9.0", P100_384, P, P, NULL, NULL},
	/* R470 takes cuda-compat-12-x (forward-compat.tsv r470), but that is still no fix for a cuda clause */
	{"cuda>=12.2", T4_470, F, F, "upgrade to ≥ 535.54.03 (R535", "cuda-compat-12"},
	/* = on a newer host: no upgrade helps */
	{"cuda=12", H200, F, F, "no upgrade meets it; nvidia-container-cli compares = exactly, so it takes a driver of a branch that reports CUDA 12.0 (R525", "upgrade to"},
	{"cuda=12.2", H200, F, F, "a branch that reports CUDA 12.2 (R535", "upgrade to"},
	{"cuda=12.2", A100_525, F, F, "upgrade to ≥ 535.54.03 (R535, LTSB until June 2026), and no newer branch: R535 reports CUDA 12.2", NULL},
	{"cuda<12.0", H200, F, F, "use a driver of an older branch", "upgrade to"},
	/* one fix per expression: the cheapest failed group's (the lowest driver that meets a group) */
	{"cuda>=13.1 driver>=999", H200, F, F, "upgrade to ≥ 590.44.01", "install a driver >= 999"},
	{"driver>=999 cuda>=13.1", H200, F, F, "upgrade to ≥ 590.44.01", "install a driver >= 999"},
	{"cuda>=13.1,driver>=600 brand=tesla", H200, F, F, "upgrade the driver to ≥ 600, which meets cuda>=13.1 and driver>=600", NULL},
	{"cuda>=12.2 brand=tesla,driver>=470,driver<471", A100_525, F, F, "upgrade to ≥ 535.54.03", "install a driver < 471"},
	{"cuda>=12.2,driver<530 brand=tesla,driver>=470,driver<471", A100_525, F, F, "install a driver < 471", NULL},
	/* driver versions */
	{"driver>=580", H200, P, P, "driver 580.159.04 is >= 580", NULL},
	{"driver>=580.159.04", H200, P, P, NULL, NULL},
	{"driver>580.159.04", H200, F, F, "install a driver > 580.159.04", NULL},
	{"driver<581", H200, P, P, NULL, NULL},
	{"driver<=580.159", H200, F, F, NULL, NULL},
	{"driver=580.159.4", H200, P, P, NULL, NULL},
	{"driver>=535,driver<536", H200, F, F, "install a driver < 536", NULL},
	{"driver>=590", H200, F, F, "install a driver >= 590", NULL},
	/* arch */
	{"arch>=9.0", H200, P, P, "GPU 0 (NVIDIA H200) has compute capability 9.0", NULL},
	{"arch>=9", H200, P, P, NULL, NULL},
	{"arch=9.0", H200, P, P, NULL, NULL},
	{"arch<8.0", H200, F, F, "run on GPUs whose compute capability is < 8.0", NULL},
	{"arch!=9.0", H200, F, F, NULL, NULL},
	{"ARCH>8.9", H200, P, P, NULL, NULL},
	/* brands, any case */
	{"brand=nvidia", H200, P, P, "has brand nvidia", NULL},
	{"brand=NVIDIA", H200, P, P, NULL, NULL},
	{"BRAND=Nvidia", H200, P, P, NULL, NULL},
	{"brand=tesla", H200, F, F, "schedule the workload on GPUs with brand=tesla", NULL},
	{"brand!=geforce", H200, P, P, NULL, NULL},
	/* an unsatisfied clause longer than libnvidia-container's 128-byte EXPR_MAX is an error there */
	{"brand=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", H200, F, E, NULL, NULL},
	{"brand!=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", H200, P, P, NULL, NULL},
	{"brand!=GeForce", GEFORCE_535, F, F, NULL, NULL},
	{"brand=unknown", H200_NOBRAND, U, U, "brand unknown", NULL},
	/* several GPUs with different compute capabilities */
	{"arch>=7.5", MIXED_550, P, P, NULL, NULL},
	{"arch>=8.0", MIXED_550, F, F, "GPU 0 (Tesla T4) has compute capability 7.5, not >= 8.0", NULL},
	{"arch>=8.0 brand=tesla", MIXED_550, P, P, NULL, NULL},
	{"brand=tesla", MIXED_550, F, F, "GPU 1 (NVIDIA L40S) has brand nvidia, not = tesla", NULL},
	{"brand=tesla brand=nvidia", MIXED_550, P, P, NULL, NULL},
	{"gpu=*T4", MIXED_550, F, E, "GPU 1 (NVIDIA L40S) does not match", NULL},
	{"count=2", MIXED_550, P, E, "2 visible GPUs", NULL},
	{"count>=4", MIXED_550, F, E, "make >= 4 GPUs visible", NULL},
	/* no visible GPU: cuvet does not know; the runtime assumes arch/brand hold */
	{"arch>=9.0", NO_GPU, U, P, "takes arch and brand clauses as satisfied when no GPU is visible", NULL},
	{"brand=tesla", NO_GPU, U, P, "no GPU is visible", NULL},
	/* CUDA_VISIBLE_DEVICES="" hides both GPUs: whatever the clauses say (UNKNOWN, PASS), the
	 * workload finds no GPU, and check's workload section FAILs (test_host.c, golden no-visible-gpu) */
	{"brand=tesla", HIDDEN, F, P, NULL, NULL},
	{"cuda>=12.0,arch>=8.0", HIDDEN, F, P, NULL, NULL},
	{"count=0", HIDDEN, F, E, NULL, NULL},
	{"brand>tesla", NO_GPU, E, P, "position 6: brand takes only = and !=, not '>'", NULL},
	/* missing facts */
	{"cuda>=12.0", NOTHING, U, U, "the driver's CUDA version is unknown", NULL},
	{"driver>=535", NOTHING, U, U, "the driver version is unknown", NULL},
	{"cuda>=12.0 driver>=1", NOTHING, U, U, NULL, NULL},
	/* inferred CUDA */
	{"cuda>=13.0", H200_INFER, P, P, "inferred from driver 580.159.04", NULL},
	{"cuda>=13.1", H200_INFER, F, F, "driver 580.159.04 supports CUDA ≤ 13.0; this needs 13.1", NULL},
	{"cuda>=13.0", H200_PROBE_INFERRED, P, P, "the driver's CUDA 13.0 (inferred from driver 580.159.04) is >= 13.0", NULL},
	{"cuda=13.0", H200_PROBE_INFERRED, P, P, "through the knowledge base", NULL},
	/* cuvet's own keys */
	{"cudart>=13.0", H200, P, E, "cudart 13.0.96 (the copy the loader picks) is >= 13.0", NULL},
	{"cudart>=13.1", H200, F, E, "install cudart >= 13.1", NULL},
	{"cudnn>=9.14", H200, P, E, "cudnn 9.14.0.64", NULL},
	{"cudnn>=9.19", H200, F, E, NULL, NULL},
	{"nccl=2.28.3", H200, P, E, NULL, NULL},
	{"cublas>=13", H200, P, E, NULL, NULL},
	{"tensorrt>=10", H200, F, E, "no tensorrt library that the loader would pick was found", NULL},
	{"tensorrt<10", H200, U, E, NULL, NULL},
	{"gpu=H200", H200, P, E, "matches 'H200'", NULL},
	{"gpu=*h200*", H200, P, E, NULL, NULL},
	{"gpu=NVIDIA?H200", H200, P, E, NULL, NULL},
	{"gpu!=*A100*", H200, P, E, NULL, NULL},
	{"gpu=A100*", A100_525, P, E, NULL, NULL},
	{"memory>=80000", H200, P, E, "143771 MiB", NULL},
	{"memory>=200000", H200, F, E, NULL, NULL},
	{"memory>=1", H200_NOBRAND, U, E, "memory size unknown", NULL},
	{"cuda>=12.0 cudnn>=99", H200, P, P, "cudnn 9.14.0.64 (the copy the loader picks) is not >= 99", NULL},
	{"cudnn>=99 cuda>=12.0", H200, P, E, "knows only the keys cuda, driver, arch and brand", NULL},
	/* OR/AND structure */
	{"cuda>=99 driver>=580", H200, P, P, NULL, NULL},
	{"cuda>=99 driver>=999", H200, F, F, NULL, NULL},
	{"cuda>=12,driver>=999 arch=9.0", H200, P, P, NULL, NULL},
	{"  cuda>=13.0  ", H200, P, P, NULL, NULL},
	/* a tab is no separator: dsl_evaluate() (libnvidia-container src/cli/dsl.c) splits on ' ' only,
	 * so the value runs on past it and dsl_compare_version() rejects it */
	{"cuda>=13.0\tdriver>=1", H200, E, E, "position 11: a tab is not a separator", NULL},
	{"cuda>=12.0\tbrand=tesla", H200, E, E, "'cuda>=12.0\tbrand=tesla' is one clause there", NULL},
	{"\tcuda>=13.0", H200, E, E, "position 1: a tab", NULL},
	{"cuda>=13.0 driver>=1\n", H200, E, P, "a newline is not a separator", NULL},
	/* numbers: dsl_compare_version() reads components with strtoumax(); UINTMAX_MAX (its overflow
	 * value) or more is an invalid expression, but only where the comparison reaches it */
	{"cuda>=18446744073709551615", H200, E, E, "a component is too large", NULL},
	{"cuda>=18446744073709551616", H200, E, E, NULL, NULL},
	{"cuda>=99999999999999999999999999", H200, E, E, NULL, NULL},
	{"cuda>=18446744073709551614", H200, E, F, NULL, NULL},
	{"cuda>=12.99999999999999999999999", H200, E, P, NULL, NULL},
	{"cuda>=13.99999999999999999999999", H200, E, E, NULL, NULL},
	{"driver>=580.99999999999999999999", H200, E, E, NULL, NULL},
	{"driver>=581.99999999999999999999", H200, E, F, NULL, NULL},
	{"arch>=9.18446744073709551615", H200, E, E, NULL, NULL},
	{"", H200, P, P, NULL, NULL},
	/* libnvidia-container: a group of only commas ends the loop with the previous group's result */
	{"cuda>=99 , cuda>=1", H200, E, F, "position 10: empty clause", NULL},
	{",", H200, E, P, "position 1: empty clause", NULL},
	{"cuda>=1,,", H200, E, P, "skips empty clauses", NULL},
	/* malformed: exact positions */
	{"cuda", H200, E, E, "position 5: expected an operator (= != < <= > >=) after 'cuda'", NULL},
	{">=12", H200, E, E, "position 1: expected a key before '>=12'", NULL},
	{"cuda>=", H200, E, E, "position 7: missing value after 'cuda>='", NULL},
	{"cuda=>12", H200, E, E, "position 5: unknown operator '=>'", NULL},
	{"cuda==12", H200, E, E, "position 5: unknown operator '=='", NULL},
	{"cuda>>12", H200, E, E, "position 5: unknown operator '>>'", NULL},
	{"cuda!12", H200, E, P, "position 5: unknown operator '!'", NULL},
	{"cuda!12", H200, E, P, "reads a lone '!' as '!='", NULL},
	{"cuda>=12.x", H200, E, E, "position 7: invalid version '12.x' for cuda", NULL},
	{"cuda>=v12", H200, E, E, "position 7: invalid version 'v12' for cuda", NULL},
	{"driver>=535,,arch=9.0", H200, E, P, "position 13: empty clause", NULL},
	{"driver>=535,", H200, E, P, "position 13: empty clause after ','", NULL},
	{",driver>=535", H200, E, P, "position 1: empty clause", NULL},
	{"foo>=1", H200, E, E, "position 1: unknown key 'foo'", NULL},
	{"cuda>=12 foo>=1", H200, E, P, "position 10: unknown key 'foo'", NULL},
	{"cuda>=12 foo>=1", H200, E, P, "stops at the first satisfied group", NULL},
	{"cuda>=99 foo>=1", H200, E, E, NULL, NULL},
	{"cuda>=99,foo>=1 driver>=1", H200, E, P, NULL, NULL},
	{"memory>=lots", H200, E, E, "position 9: invalid number 'lots' for memory", NULL},
	{"count>=-1", H200, E, E, "position 8: invalid number '-1' for count", NULL},
	{"gpu<H200", H200, E, E, "position 4: gpu takes only = and !=, not '<'", NULL},
	{"brand<=tesla", H200, E, E, "position 6: brand takes only = and !=, not '<='", NULL},
	{"cuda>=12 arch>=8.0,brand", H200, E, P, "position 25: expected an operator", NULL},
};

static void test_table(void **state)
{
	(void)state;
	build_facts();
	size_t failures = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct cuvet_error err = {0};
		struct cuvet_check *c = cuvet_check_new(&err);
		assert_non_null(c);
		int rc = cuvet_check_add(c, "t", r->req, false, &err);
		assert_int_equal(rc, r->want == CUVET_ERROR ? -1 : 0);
		struct cuvet_check_opts o = {0};
		assert_int_equal(eval_facts(c, &facts_store[r->facts], &o, &err), 0);
		char *s = explain(c);
		/* ABSENT is looked for in the fixes the user is given: one per expression */
		bool said = false;
		for (size_t e = 0; e < c->nexprs && r->absent; e++)
			said |= c->exprs[e].fix && strstr(c->exprs[e].fix, r->absent);
		if (c->verdict != r->want || c->runtime != r->runtime || (r->fragment && !strstr(s, r->fragment)) || said) {
			print_error("row %zu '%s': verdict %s (want %s), runtime %s (want %s), fragment '%s' in:\n%s\n", i,
				    r->req, cuvet_verdict_name(c->verdict), cuvet_verdict_name(r->want),
				    cuvet_verdict_name(c->runtime), cuvet_verdict_name(r->runtime),
				    r->fragment ? r->fragment : "", s);
			failures++;
		}
		free(s);
		cuvet_check_free(c);
	}
	free_facts();
	assert_int_equal(failures, 0);
}

static void test_error_message(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "argument 1", "cuda>=12 arch=>8", false, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "argument 1: invalid requirement \"cuda>=12 arch=>8\": position 14: unknown operator '=>'");
	assert_int_equal(c->exprs[0].error_pos, 14);
	cuvet_check_free(c);
}

static void test_assume_unknown(void **state)
{
	(void)state;
	build_facts();
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "t", "brand=nvidia,arch>=9.0", false, &err), 0);
	struct cuvet_check_opts o = {.assume_unknown_pass = true};
	assert_int_equal(eval_facts(c, &facts_store[H200_NOBRAND], &o, &err), 0);
	assert_int_equal(c->verdict, CUVET_PASS);
	assert_true(c->exprs[0].groups[0].clauses[0].assumed);
	assert_false(c->exprs[0].groups[0].clauses[1].assumed);
	assert_non_null(strstr(c->exprs[0].groups[0].clauses[0].message, "assumed to pass"));
	o.assume_unknown_pass = false;
	assert_int_equal(eval_facts(c, &facts_store[H200_NOBRAND], &o, &err), 0);
	assert_int_equal(c->verdict, CUVET_UNKNOWN);
	cuvet_check_free(c);
	free_facts();
}

/* ---------------------------------------------------------------- environment ---- */

struct env_row {
	const char *env[6];
	enum fx facts;
	bool disabled;
	size_t nexprs;
	enum cuvet_verdict want;
	const char *first_source;
	const char *first_text;
};

static const struct env_row env_rows[] = {
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", NULL}, H200, false, 1, F, "NVIDIA_REQUIRE_CUDA", "cuda>=13.1"},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=1", NULL}, H200, true, 0, P, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=t", NULL}, H200, true, 0, P, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=T", NULL}, H200, true, 0, P, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=TRUE", NULL}, H200, true, 0, P, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=true", NULL}, H200, true, 0, P, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=True", NULL}, H200, true, 0, P, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=yes", NULL}, H200, false, 1, F, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=tRUE", NULL}, H200, false, 1, F, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=false", NULL}, H200, false, 1, F, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", "NVIDIA_DISABLE_REQUIRE=0", NULL}, H200, false, 1, F, NULL, NULL},
	/* JETPACK is ignored, others AND-ed in name order */
	{{"NVIDIA_REQUIRE_JETPACK=garbage", "NVIDIA_REQUIRE_CUDA=cuda>=12", NULL}, H200, false, 1, P, "NVIDIA_REQUIRE_CUDA", NULL},
	{{"NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS=x", NULL}, H200, false, 0, P, NULL, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=12", "NVIDIA_REQUIRE_ARCH=arch>=10.0", NULL}, H200, false, 2, F, "NVIDIA_REQUIRE_ARCH", "arch>=10.0"},
	{{"NVIDIA_REQUIRE_CUDA=cuda>=12", "NVIDIA_REQUIRE_BRAND=brand=nvidia", NULL}, H200, false, 2, P, NULL, NULL},
	/* the legacy rule */
	{{"CUDA_VERSION=13.0.2", NULL}, H200, false, 1, P, "CUDA_VERSION (legacy rule)", "cuda>=13.0"},
	{{"CUDA_VERSION=13.1.0", NULL}, H200, false, 1, F, "CUDA_VERSION (legacy rule)", "cuda>=13.1"},
	{{"CUDA_VERSION=12.2", NULL}, A100_525, false, 1, F, NULL, "cuda>=12.2"},
	{{"CUDA_VERSION=12", NULL}, A100_525, false, 1, P, NULL, "cuda>=12.0"},
	{{"CUDA_VERSION=v12.0.1", NULL}, A100_525, false, 1, P, NULL, "cuda>=12.0"},
	{{"CUDA_VERSION=13.1.0", "NVIDIA_REQUIRE_CUDA=cuda>=12.0", NULL}, H200, false, 1, P, "NVIDIA_REQUIRE_CUDA", NULL},
	{{"CUDA_VERSION=13.1.0", "NVIDIA_REQUIRE_CUDA=", NULL}, H200, false, 2, F, "NVIDIA_REQUIRE_CUDA", ""},
	{{"PATH=/bin", NULL}, H200, false, 0, P, NULL, NULL},
};

static void test_env(void **state)
{
	(void)state;
	build_facts();
	for (size_t i = 0; i < sizeof(env_rows) / sizeof(env_rows[0]); i++) {
		const struct env_row *r = &env_rows[i];
		struct cuvet_error err = {0};
		struct cuvet_check *c = cuvet_check_new(&err);
		assert_int_equal(cuvet_check_add_env(c, (char *const *)r->env, &err), 0);
		struct cuvet_check_opts o = {0};
		assert_int_equal(eval_facts(c, &facts_store[r->facts], &o, &err), 0);
		if (c->disabled != r->disabled || c->nexprs != r->nexprs || c->verdict != r->want ||
		    (r->first_source && strcmp(c->exprs[0].source, r->first_source) != 0) ||
		    (r->first_text && strcmp(c->exprs[0].text, r->first_text) != 0)) {
			print_error("env row %zu: disabled %d, %zu expressions, verdict %s, first %s '%s'\n", i, c->disabled,
				    c->nexprs, cuvet_verdict_name(c->verdict), c->nexprs ? c->exprs[0].source : "-",
				    c->nexprs ? c->exprs[0].text : "-");
			fail();
		}
		cuvet_check_free(c);
	}
	free_facts();
}

static void test_env_invalid(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	char *env[] = {"NVIDIA_REQUIRE_CUDA=cuda>=12.0,", NULL};
	assert_int_equal(cuvet_check_add_env(c, env, &err), -1);
	assert_string_equal(err.msg,
			    "NVIDIA_REQUIRE_CUDA: invalid requirement \"cuda>=12.0,\": position 12: empty clause after ','");
	cuvet_check_free(c);
	c = cuvet_check_new(&err);
	char *env2[] = {"CUDA_VERSION=twelve", NULL};
	assert_int_equal(cuvet_check_add_env(c, env2, &err), -1);
	assert_string_equal(err.msg, "CUDA_VERSION (legacy rule): invalid CUDA version 'twelve'");
	assert_int_equal(c->nexprs, 1);
	assert_int_equal(c->exprs[0].verdict, CUVET_ERROR);
	cuvet_check_free(c);
}

static void test_disable_keeps_arguments(void **state)
{
	(void)state;
	build_facts();
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	char *env[] = {"NVIDIA_DISABLE_REQUIRE=true", "NVIDIA_REQUIRE_CUDA=cuda>=99", NULL};
	assert_int_equal(cuvet_check_add(c, "argument 1", "cuda>=13.1", false, &err), 0);
	assert_int_equal(cuvet_check_add_env(c, env, &err), 0);
	assert_true(c->disabled);
	assert_int_equal(c->nexprs, 1);
	struct cuvet_check_opts o = {0};
	assert_int_equal(eval_facts(c, &facts_store[H200], &o, &err), 0);
	assert_int_equal(c->verdict, CUVET_FAIL);
	assert_string_equal(c->driver, "580.159.04");
	cuvet_check_free(c);
	free_facts();
}

static void test_parse_bool(void **state)
{
	(void)state;
	const char *yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	const char *no[] = {"0", "f", "F", "FALSE", "false", "False"};
	const char *bad[] = {"", "yes", "on", "tRUE", "2", " true"};
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(cuvet_parse_bool(yes[i]), 1);
		assert_int_equal(cuvet_parse_bool(no[i]), 0);
		assert_int_equal(cuvet_parse_bool(bad[i]), -1);
	}
}

/* ------------------------------------------------- NVIDIA's CUDA image strings ---- */

static char *read_images_tsv(void)
{
	const char *candidates[3] = {getenv("CUVET_SHARED_DIR"), CUVET_SHARED_DIR, NULL};
	char path[1024];
	for (size_t i = 0; i < 2; i++) {
		if (!candidates[i])
			continue;
		snprintf(path, sizeof(path), "%s/kb/nvidia-require-cuda-images.tsv", candidates[i]);
		FILE *fp = fopen(path, "r");
		if (!fp)
			continue;
		char *buf = calloc(1, 1 << 20);
		assert_non_null(buf);
		size_t n = fread(buf, 1, (1 << 20) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

static void test_images(void **state)
{
	(void)state;
	char *buf = read_images_tsv();
	if (!buf) {
		print_message("SKIP: shared/kb/nvidia-require-cuda-images.tsv not found (set CUVET_SHARED_DIR)\n");
		skip();
	}
	size_t rowsdone = 0;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || strncmp(line, "image\t", 6) == 0)
			continue;
		char *tab = strchr(line, '\t');
		assert_non_null(tab);
		const char *req = tab + 1;
		/* cuda>=MAJOR.MINOR opens every list */
		unsigned major = 0, minor = 0;
		assert_int_equal(sscanf(req, "cuda>=%u.%u", &major, &minor), 2);
		/* the branches listed: driver>=NNN */
		unsigned branches[16];
		size_t nb = 0;
		for (const char *p = strstr(req, "driver>="); p && nb < 16; p = strstr(p + 1, "driver>=")) {
			unsigned b = 0;
			assert_int_equal(sscanf(p, "driver>=%u", &b), 1);
			bool seen = false;
			for (size_t k = 0; k < nb; k++)
				seen |= branches[k] == b;
			if (!seen)
				branches[nb++] = b;
		}
		assert_true(nb >= 2);
		int too_old = (int)(major * 1000 + (minor ? minor - 1 : 0) * 10);
		if (!minor)
			too_old = (int)((major - 1) * 1000 + 90);
		for (size_t k = 0; k <= nb; k++) {
			char drv[32];
			/* on each listed branch, then on a branch the list leaves out */
			snprintf(drv, sizeof(drv), "%u.100.01", k < nb ? branches[k] : 999);
			const char *brands[] = {"tesla", "TESLA", "nvidia", "geforce"};
			for (size_t bi = 0; bi < 4; bi++) {
				struct cuvet_gpu g;
				memset(&g, 0, sizeof(g));
				g.name = (char *)"GPU";
				g.cc_major = 8;
				g.brand = (char *)brands[bi];
				g.visible = true;
				g.segment = (char *)"datacenter";
				struct cuvet_facts f;
				memset(&f, 0, sizeof(f));
				f.driver.kernel_version = drv;
				f.driver.cuda_driver_version = too_old;
				f.ngpus = 1;
				f.gpus = &g;
				struct cuvet_error err = {0};
				struct cuvet_check *c = cuvet_check_new(&err);
				assert_int_equal(cuvet_check_add(c, "NVIDIA_REQUIRE_CUDA", req, true, &err), 0);
				struct cuvet_check_opts o = {0};
				assert_int_equal(eval_facts(c, &f, &o, &err), 0);
				char pat[64];
				snprintf(pat, sizeof(pat), "brand=%s,driver>=%u,", brands[bi], k < nb ? branches[k] : 999);
				for (char *q = pat; *q; q++)
					*q = (char)(*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
				enum cuvet_verdict want = k < nb && strstr(req, pat) ? CUVET_PASS : CUVET_FAIL;
				if (c->verdict != want || c->runtime != want) {
					print_error("%s on %s/%s: verdict %s runtime %s, want %s\n", line, drv, brands[bi],
						    cuvet_verdict_name(c->verdict), cuvet_verdict_name(c->runtime),
						    cuvet_verdict_name(want));
					fail();
				}
				cuvet_check_free(c);
				/* and with the driver's CUDA high enough, the first group passes */
				c = cuvet_check_new(&err);
				f.driver.cuda_driver_version = (int)(major * 1000 + minor * 10);
				assert_int_equal(cuvet_check_add(c, "NVIDIA_REQUIRE_CUDA", req, true, &err), 0);
				assert_int_equal(eval_facts(c, &f, &o, &err), 0);
				assert_int_equal(c->verdict, CUVET_PASS);
				assert_int_equal(c->runtime, CUVET_PASS);
				cuvet_check_free(c);
			}
		}
		rowsdone++;
	}
	assert_true(rowsdone >= 4);
	free(buf);
}

/* ------------------------------------------------ what nvidia-container-cli refuses ---- */

struct refusal_row {
	const char *env[4];
	enum fx facts;
	enum cuvet_verdict want;     /* the check's verdict */
	enum cuvet_verdict expr;     /* the first expression's verdict */
	enum cuvet_verdict runtime;  /* the first expression's runtime decision */
	bool refused;
	const char *note;            /* fragment of the first expression's runtime_note, or NULL */
};

/* A requirement from the environment that nvidia-container-cli refuses (its evaluate_rule() in
 * libnvidia-container src/cli/dsl.c knows only cuda, driver, arch and brand; dsl_evaluate() splits
 * on ' ' only) keeps the container from starting: the verdict is FAIL (exit 1), not a note. */
static const struct refusal_row refusal_rows[] = {
	{{"NVIDIA_REQUIRE_CUDA=cudart>=13.0", NULL}, H200, F, F, E, true, "the container will not start"},
	{{"NVIDIA_REQUIRE_CUDA=cudart>=13.0", NULL}, H200, F, F, E, true, "knows only the keys cuda, driver, arch and brand"},
	{{"NVIDIA_REQUIRE_X=gpu=H200", NULL}, H200, F, F, E, true, NULL},
	{{"NVIDIA_REQUIRE_X=memory>=1", NULL}, H200, F, F, E, true, NULL},
	{{"NVIDIA_REQUIRE_X=count=1", NULL}, H200, F, F, E, true, NULL},
	{{"NVIDIA_REQUIRE_X=cudnn>=9", NULL}, H200, F, F, E, true, NULL},
	{{"NVIDIA_REQUIRE_X=nccl>=2", NULL}, H200, F, F, E, true, NULL},
	{{"NVIDIA_REQUIRE_X=cublas>=13", NULL}, H200, F, F, E, true, NULL},
	{{"NVIDIA_REQUIRE_X=tensorrt<10", NULL}, H200, F, F, E, true, NULL},
	/* the runtime stops at the first satisfied group and never reads cuvet's key */
	{{"NVIDIA_REQUIRE_CUDA=cuda>=12.0 cudnn>=99", NULL}, H200, P, P, P, false, NULL},
	{{"NVIDIA_REQUIRE_CUDA=cudnn>=99 cuda>=12.0", NULL}, H200, F, F, E, true, NULL},
	/* cuvet's own verdict FAIL stays FAIL, refused either way */
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.1", NULL}, H200, F, F, F, true, NULL},
	/* invalid to both: the expression stays ERROR, the check is FAIL (the container will not start) */
	{{"NVIDIA_REQUIRE_CUDA=cuda>=13.0\tdriver>=1", NULL}, H200, F, E, E, true, NULL},
	{{"NVIDIA_REQUIRE_CUDA=foo>=1", NULL}, H200, F, E, E, true, NULL},
	/* invalid to cuvet, accepted by the runtime: not a refusal */
	{{"NVIDIA_REQUIRE_CUDA=cuda>=1,,", NULL}, H200, E, E, P, false, NULL},
	/* no GPU visible: the runtime takes brand as satisfied; no refusal */
	{{"NVIDIA_REQUIRE_CUDA=brand=tesla", NULL}, NO_GPU, U, U, P, false, NULL},
};

static void test_refusal(void **state)
{
	(void)state;
	build_facts();
	for (size_t i = 0; i < sizeof(refusal_rows) / sizeof(refusal_rows[0]); i++) {
		const struct refusal_row *r = &refusal_rows[i];
		struct cuvet_error err = {0};
		struct cuvet_check *c = cuvet_check_new(&err);
		cuvet_check_add_env(c, (char *const *)r->env, &err);
		assert_int_equal(c->nexprs, 1);
		struct cuvet_check_opts o = {0};
		assert_int_equal(eval_facts(c, &facts_store[r->facts], &o, &err), 0);
		const struct cuvet_req_expr *e = &c->exprs[0];
		if (c->verdict != r->want || e->verdict != r->expr || e->runtime != r->runtime || e->refused != r->refused ||
		    c->refused != r->refused ||
		    (r->note && (!e->runtime_note || !strstr(e->runtime_note, r->note)))) {
			print_error("refusal row %zu '%s': verdict %s (want %s), expression %s (want %s), runtime %s (want %s), "
				    "refused %d, note %s\n",
				    i, r->env[0], cuvet_verdict_name(c->verdict), cuvet_verdict_name(r->want),
				    cuvet_verdict_name(e->verdict), cuvet_verdict_name(r->expr), cuvet_verdict_name(e->runtime),
				    cuvet_verdict_name(r->runtime), e->refused, e->runtime_note ? e->runtime_note : "(none)");
			fail();
		}
		cuvet_check_free(c);
	}
	/* the same text as a command-line argument is cuvet's own requirement: not a refusal */
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "argument 1", "cudart>=13.0", false, &err), 0);
	struct cuvet_check_opts o = {0};
	assert_int_equal(eval_facts(c, &facts_store[H200], &o, &err), 0);
	assert_int_equal(c->verdict, CUVET_PASS);
	assert_int_equal(c->runtime, CUVET_ERROR);
	assert_false(c->refused);
	cuvet_check_free(c);
	free_facts();
}

/* nvidia-container-cli keeps the --require arguments in `char *reqs[32]` (libnvidia-container
 * src/cli/cli.h) and configure_parser() (src/cli/configure.c) stops at a 33rd with "too many
 * requirements"; the toolkit passes one --require per NVIDIA_REQUIRE_* variable. */
static void test_too_many(void **state)
{
	(void)state;
	build_facts();
	for (size_t n = 31; n <= 34; n++) {
		char *env[40] = {0};
		for (size_t i = 0; i < n; i++) {
			char buf[64];
			snprintf(buf, sizeof(buf), "NVIDIA_REQUIRE_R%02zu=cuda>=12.0", i);
			env[i] = strdup(buf);
			assert_non_null(env[i]);
		}
		/* JETPACK ones are not passed to the runtime, so they do not count */
		env[n] = (char *)"NVIDIA_REQUIRE_JETPACK=csv-mounts=all";
		struct cuvet_error err = {0};
		struct cuvet_check *c = cuvet_check_new(&err);
		assert_int_equal(cuvet_check_add_env(c, env, &err), 0);
		assert_int_equal(c->nexprs, n);
		struct cuvet_check_opts o = {0};
		assert_int_equal(eval_facts(c, &facts_store[H200], &o, &err), 0);
		bool over = n > CUVET_RUNTIME_MAX_REQS;
		assert_int_equal(c->too_many, over);
		assert_int_equal(c->refused, over);
		assert_int_equal(c->verdict, over ? CUVET_FAIL : CUVET_PASS);
		assert_int_equal(c->runtime, over ? CUVET_ERROR : CUVET_PASS);
		bool noted = false;
		for (size_t i = 0; i < c->nnotes; i++)
			noted |= strstr(c->notes[i], "too many requirements") != NULL;
		assert_int_equal(noted, over);
		cuvet_check_free(c);
		for (size_t i = 0; i < n; i++)
			free(env[i]);
	}
	free_facts();
}

/* configure_command() (libnvidia-container src/cli/configure.c) loops over the visible GPUs and,
 * inside, over the requirements, and stops at the first refusal. Which refusal that is can differ
 * from a requirements-first order: on a T4 (GPU 0, tesla, 7.5) and an L40S (GPU 1, nvidia, 8.9),
 * A = "brand=tesla" holds on GPU 0 and B = "arch>=8.0 foo>=1" reaches the unknown key on GPU 0, so
 * the runtime stops there with "invalid expression" (ERROR); requirements first, A would fail on
 * GPU 1 first ("unsatisfied condition", FAIL). */
static void test_gpu_outer_loop(void **state)
{
	(void)state;
	build_facts();
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "NVIDIA_REQUIRE_A", "brand=tesla", true, &err), 0);
	assert_int_equal(cuvet_check_add(c, "NVIDIA_REQUIRE_B", "arch>=8.0 foo>=1", true, &err), -1);
	struct cuvet_check_opts o = {0};
	assert_int_equal(eval_facts(c, &facts_store[MIXED_550], &o, &err), 0);
	assert_int_equal(c->exprs[0].runtime, CUVET_FAIL);  /* GPU 1 */
	assert_int_equal(c->exprs[1].runtime, CUVET_ERROR); /* GPU 0 */
	assert_int_equal(c->runtime, CUVET_ERROR);          /* GPU 0 comes first */
	assert_true(c->refused);
	assert_int_equal(c->verdict, CUVET_FAIL);
	cuvet_check_free(c);
	/* the other way round, GPU 0 refuses A first: FAIL */
	c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "NVIDIA_REQUIRE_A", "brand=nvidia", true, &err), 0);
	assert_int_equal(cuvet_check_add(c, "NVIDIA_REQUIRE_B", "arch<8.0 foo>=1", true, &err), -1);
	assert_int_equal(eval_facts(c, &facts_store[MIXED_550], &o, &err), 0);
	assert_int_equal(c->exprs[0].runtime, CUVET_FAIL);
	assert_int_equal(c->exprs[1].runtime, CUVET_ERROR);
	assert_int_equal(c->runtime, CUVET_FAIL);
	cuvet_check_free(c);
	free_facts();
}

/* One fix per expression: NVIDIA's CUDA 12.4 image string (31 groups) on a driver of a branch it
 * does not list (R545, CUDA 12.3, a data-center GPU) fails every group; the one fix is the lowest
 * driver that meets a group: cuda>=12.4's 550.54.14. */
static void test_expr_fix(void **state)
{
	(void)state;
	char *buf = read_images_tsv();
	if (!buf) {
		print_message("SKIP: shared/kb/nvidia-require-cuda-images.tsv not found (set CUVET_SHARED_DIR)\n");
		skip();
	}
	const char *line = strstr(buf, "nvidia/cuda:12.4.1-base-ubuntu22.04\t");
	assert_non_null(line);
	const char *req = strchr(line, '\t') + 1;
	char *text = strndup(req, strcspn(req, "\t\n"));
	assert_non_null(text);
	struct cuvet_gpu g;
	memset(&g, 0, sizeof(g));
	g.name = (char *)"NVIDIA A100-SXM4-80GB";
	g.cc_major = 8;
	g.brand = (char *)"tesla";
	g.segment = (char *)"datacenter";
	g.visible = true;
	struct cuvet_facts f;
	memset(&f, 0, sizeof(f));
	f.driver.kernel_version = (char *)"545.23.08";
	f.driver.cuda_driver_version = 12030;
	f.driver.cuda_driver_source = (char *)"nvml";
	f.ngpus = 1;
	f.gpus = &g;
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "NVIDIA_REQUIRE_CUDA", text, true, &err), 0);
	struct cuvet_check_opts o = {0};
	assert_int_equal(eval_facts(c, &f, &o, &err), 0);
	const struct cuvet_req_expr *e = &c->exprs[0];
	assert_int_equal(e->ngroups, 31);
	assert_int_equal(e->verdict, CUVET_FAIL);
	assert_non_null(e->fix);
	const char *want = "driver 545.23.08 supports CUDA ≤ 12.3; this needs 12.4: upgrade to ≥ 550.54.14 (R550";
	if (strncmp(e->fix, want, strlen(want)) != 0)
		fail_msg("fix: %s", e->fix);
	assert_null(strstr(e->fix, "cuda-compat-"));
	/* the clause fixes stay, one per failed clause; the expression has one */
	size_t nclause_fixes = 0;
	for (size_t gi = 0; gi < e->ngroups; gi++)
		for (size_t ci = 0; ci < e->groups[gi].nclauses; ci++)
			nclause_fixes += e->groups[gi].clauses[ci].fix != NULL;
	assert_true(nclause_fixes > 1);
	cuvet_check_free(c);
	/* on R535 (listed: brand=tesla,driver>=535,driver<536 holds) nothing fails and there is no fix */
	f.driver.kernel_version = (char *)"535.104.05";
	f.driver.cuda_driver_version = 12020;
	c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "NVIDIA_REQUIRE_CUDA", text, true, &err), 0);
	assert_int_equal(eval_facts(c, &f, &o, &err), 0);
	assert_int_equal(c->exprs[0].verdict, CUVET_PASS);
	assert_null(c->exprs[0].fix);
	cuvet_check_free(c);
	free(text);
	free(buf);
}

static void test_json(void **state)
{
	(void)state;
	build_facts();
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "argument 1", "cuda>=12.2", false, &err), 0);
	struct cuvet_check_opts o = {0};
	assert_int_equal(eval_facts(c, &facts_store[A100_525], &o, &err), 0);
	char *s = cuvet_check_to_json(c, false, &err);
	assert_non_null(s);
	assert_non_null(strstr(s, "\"schema\":\"cuvet.check/1\",\"verdict\":\"FAIL\",\"runtime\":\"FAIL\""));
	assert_non_null(strstr(s, "\"key\":\"cuda\",\"op\":\">=\",\"value\":\"12.2\",\"verdict\":\"FAIL\""));
	assert_non_null(strstr(s, "\"refused\":false,\"too_many\":false,"));
	assert_non_null(strstr(s, "\"refused\":false,\"fix\":\"driver 525.85.12 supports CUDA ≤ 12.0; this needs 12.2: "
				  "upgrade to ≥ 535.54.03 (R535"));
	free(s);
	cuvet_check_free(c);
	free_facts();
}


/* check's NVML fallback evaluates the same check again against a second host view: the answer
 * (verdicts, notes, JSON) is the one a fresh check gives, the reading's notes kept once and the
 * first evaluation's notes gone. */
static char *fresh_json(const char *const *env, const char *arg, enum fx which)
{
	struct cuvet_error err = {0};
	struct cuvet_check *c = cuvet_check_new(&err);
	assert_int_equal(cuvet_check_add(c, "argument 1", arg, false, &err), 0);
	assert_int_equal(cuvet_check_add_env(c, (char *const *)env, &err), 0);
	struct cuvet_check_opts o = {0};
	assert_int_equal(eval_facts(c, &facts_store[which], &o, &err), 0);
	char *s = cuvet_check_to_json(c, false, &err);
	assert_non_null(s);
	cuvet_check_free(c);
	return s;
}

static void test_eval_again(void **state)
{
	(void)state;
	build_facts();
	static const char *const env[] = {"NVIDIA_DISABLE_REQUIRE=maybe", "NVIDIA_REQUIRE_CUDA=cuda>=12.0 brand=tesla", NULL};
	const enum fx order[][2] = {{H200_INFER, H200}, {H200, H200_INFER}, {A100_525, H200_INFER}};
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		struct cuvet_error err = {0};
		struct cuvet_check *c = cuvet_check_new(&err);
		assert_int_equal(cuvet_check_add(c, "argument 1", "driver>=525", false, &err), 0);
		assert_int_equal(cuvet_check_add_env(c, (char *const *)env, &err), 0);
		assert_int_equal(c->nnotes_read, 1); /* NVIDIA_DISABLE_REQUIRE=maybe is read as false */
		struct cuvet_check_opts o = {0};
		assert_int_equal(eval_facts(c, &facts_store[order[k][0]], &o, &err), 0);
		assert_int_equal(eval_facts(c, &facts_store[order[k][1]], &o, &err), 0);
		char *again = cuvet_check_to_json(c, false, &err);
		char *fresh = fresh_json(env, "driver>=525", order[k][1]);
		assert_non_null(again);
		assert_string_equal(again, fresh);
		free(again);
		free(fresh);
		cuvet_check_free(c);
	}
	free_facts();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),     cmocka_unit_test(test_error_message), cmocka_unit_test(test_assume_unknown),
		cmocka_unit_test(test_env),       cmocka_unit_test(test_env_invalid),   cmocka_unit_test(test_parse_bool), cmocka_unit_test(test_disable_keeps_arguments),
		cmocka_unit_test(test_images),    cmocka_unit_test(test_json),          cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_too_many),  cmocka_unit_test(test_gpu_outer_loop), cmocka_unit_test(test_expr_fix), cmocka_unit_test(test_eval_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
