/* cuvet_probe(): reads the facts of a root in a fixed order, each module filling its part. */
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "paths.h"
#include "ldmodel.h"
#include "probe.h"
#include "fs_internal.h"

extern char **environ;

void cuvet_probe_opts_init(struct cuvet_probe_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->use_nvml = true;
	opts->timeout = 5.0;
	opts->load_libs = true;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void load_cache(struct probe_ctx *pc)
{
	const void *data = NULL;
	size_t len = 0;
	struct cuvet_error err = {0};
	if (cuvet_fs_map(pc->fs, CUVET_LD_SO_CACHE, &data, &len, &err) < 0) {
		if (err.code != CUVET_E_NOTFOUND)
			probe_note(pc, "%s", err.msg);
		return;
	}
	pc->cache = cuvet_ldcache_parse(data, len, &err);
	if (!pc->cache)
		probe_note(pc, "%s: %s", CUVET_LD_SO_CACHE, err.msg);
	cuvet_fs_unmap(pc->fs, data, len);
}

/* The knowledge base knows each PCI id's class (data-center, consumer, ...), which decides
 * forward-compatibility support, and the compute capability when NVML could not say. */
static void classify_gpus(struct probe_ctx *pc)
{
	for (size_t i = 0; i < pc->facts->ngpus; i++)
		if (probe_gpu_from_kb(pc, &pc->facts->gpus[i]) < 0)
			pc->fb.oom = true;
}

/* Without an answer from NVML or libcuda, the driver's version still tells the highest CUDA
 * it supports, through the knowledge base; the source says it was inferred. */
static void infer_cuda(struct probe_ctx *pc)
{
	struct cuvet_driver *d = &pc->facts->driver;
	const char *v = facts_driver_version(pc->facts, NULL);
	if (d->cuda_driver_version > 0 || !v)
		return;
	struct cuvet_kb_driver_cuda k;
	if (!v || cuvet_kb_driver_cuda(pc->kb, v, &k, NULL) < 0 || k.cuda <= 0)
		return;
	d->cuda_driver_version = k.cuda;
	free(d->cuda_driver_source);
	if (!(d->cuda_driver_source = xstrdup(k.lower_bound ? "inferred-lower-bound" : "inferred")))
		pc->fb.oom = true;
}

struct cuvet_facts *cuvet_probe(const struct cuvet_probe_opts *opts, struct cuvet_error *err)
{
	struct cuvet_probe_opts defaults;
	if (!opts) {
		cuvet_probe_opts_init(&defaults);
		opts = &defaults;
	}
	double t0 = now();
	const char *root = opts->root && *opts->root ? opts->root : "/";
	if (opts->fs && !(opts->root && *opts->root))
		root = *cuvet_fs_root(opts->fs) ? cuvet_fs_root(opts->fs) : "/";
	struct probe_ctx pc = {0};
	struct cuvet_kb *own_kb = NULL;
	bool cache_scope = false;
	pc.opts = opts;
	pc.env = opts->env ? opts->env : environ;
	static char *const empty_env[] = {NULL};
	if (!pc.env)
		pc.env = empty_env;
	pc.facts = calloc(1, sizeof(*pc.facts));
	if (!pc.facts) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	pc.fb.facts = pc.facts;
	pc.facts->root = xstrdup(root);
	pc.fs = opts->fs ? opts->fs : cuvet_fs_open(root, err);
	if (!pc.fs)
		goto fail;
	/* The probe takes the tree as unchanged while it runs: each path is resolved, typed and
	 * (while the libraries are read) mapped once, whichever step asks again. */
	fs_cache_begin(pc.fs, FS_CACHE_PATHS);
	cache_scope = true;
	pc.live = cuvet_fs_is_host_root(pc.fs);
	pc.kb = opts->kb;
	if (!pc.kb) {
		pc.kb = own_kb = cuvet_kb_load(NULL, err);
		if (!pc.kb)
			goto fail;
	}

	pc.nvml_pid = pc.nvml_fd = -1;
	/* NVML takes tens of milliseconds to initialise: let it work while the files are read. */
	if (probe_nvml_start(&pc, err) < 0)
		goto fail;
	load_cache(&pc);
	struct cuvet_error cerr = {0};
	if (cuvet_ldconf_read(pc.fs, CUVET_LD_SO_CONF, &pc.conf, &cerr) < 0 && cerr.code != CUVET_E_NOTFOUND)
		probe_note(&pc, "%s", cerr.msg);
	else if (pc.conf.note)
		probe_note(&pc, "%s", pc.conf.note);

	if (probe_env(&pc, err) < 0 || probe_driver(&pc, err) < 0 || probe_libs(&pc, err) < 0 || probe_gpu_code(&pc, err) < 0 ||
	    probe_toolkits(&pc, err) < 0 || probe_nvml_collect(&pc, err) < 0 || probe_gpus(&pc, err) < 0)
		goto fail;
	infer_cuda(&pc);
	classify_gpus(&pc);
	if (pc.fb.oom) {
		err_set(err, CUVET_E_NOMEM, "out of memory while probing");
		goto fail;
	}
	pc.facts->probe_seconds = now() - t0;
	cuvet_ldcache_free(pc.cache);
	cuvet_ldconf_release(&pc.conf);
	if (cache_scope)
		fs_cache_end(pc.fs);
	if (pc.fs != opts->fs)
		cuvet_fs_free(pc.fs);
	cuvet_kb_free(own_kb);
	facts_lib_index_free(&pc);
	ldmodel_free(pc.ldm);
	return pc.facts;
fail:
	if (pc.nvml_pid > 0) {
		/* an error cut the probe short: do not leave the child behind */
		kill(pc.nvml_pid, SIGKILL);
		waitpid(pc.nvml_pid, NULL, 0);
		close(pc.nvml_fd);
	}
	cuvet_kb_free(own_kb);
	facts_lib_index_free(&pc);
	ldmodel_free(pc.ldm);
	cuvet_ldcache_free(pc.cache);
	cuvet_ldconf_release(&pc.conf);
	if (cache_scope)
		fs_cache_end(pc.fs);
	if (pc.fs != opts->fs)
		cuvet_fs_free(pc.fs);
	cuvet_facts_free(pc.facts);
	return NULL;
}
