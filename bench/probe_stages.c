/* Where the time of a probe goes, stage by stage, on this machine's root (no NVML): medians of N
 * rounds. Built beside cuvet for bench/README.md; uses libcuvet's internal probe modules.
 *   probe_stages [N] [ROOT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paths.h"
#include "probe.h"
#include "fs_internal.h"

extern char **environ;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

enum { S_OPEN, S_CACHE, S_CONF, S_ENV, S_DRIVER, S_LIBS, S_TOOLKITS, S_GPUS, S_TOTAL, S_N };
static const char *const names[S_N] = {"fs+kb open", "ld.so.cache", "ld.so.conf", "env/os", "driver",
				       "libraries", "toolkits", "gpus (sysfs)", "total"};

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20;
	const char *root = argc > 2 ? argv[2] : "/";
	if (n < 1 || n > 10000)
		n = 20;
	double *t[S_N];
	for (int s = 0; s < S_N; s++)
		t[s] = calloc((size_t)n, sizeof(double));
	size_t nlibs = 0;
	for (int i = 0; i < n; i++) {
		struct cuvet_probe_opts opts;
		cuvet_probe_opts_init(&opts);
		opts.use_nvml = false;
		struct probe_ctx pc = {0};
		pc.opts = &opts;
		pc.env = environ;
		pc.nvml_pid = pc.nvml_fd = -1;
		pc.facts = calloc(1, sizeof(*pc.facts));
		pc.fb.facts = pc.facts;
		double a = now(), b;
		pc.fs = cuvet_fs_open(root, NULL);
		fs_cache_begin(pc.fs, FS_CACHE_PATHS); /* as cuvet_probe does */
		struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
		pc.kb = kb;
		pc.live = cuvet_fs_is_host_root(pc.fs);
		b = now(); t[S_OPEN][i] = b - a; a = b;
		const void *data = NULL;
		size_t len = 0;
		if (cuvet_fs_map(pc.fs, CUVET_LD_SO_CACHE, &data, &len, NULL) == 0) {
			pc.cache = cuvet_ldcache_parse(data, len, NULL);
			cuvet_fs_unmap(pc.fs, data, len);
		}
		b = now(); t[S_CACHE][i] = b - a; a = b;
		cuvet_ldconf_read(pc.fs, CUVET_LD_SO_CONF, &pc.conf, NULL);
		b = now(); t[S_CONF][i] = b - a; a = b;
		probe_env(&pc, NULL);
		b = now(); t[S_ENV][i] = b - a; a = b;
		probe_driver(&pc, NULL);
		b = now(); t[S_DRIVER][i] = b - a; a = b;
		probe_libs(&pc, NULL);
		b = now(); t[S_LIBS][i] = b - a; a = b;
		probe_toolkits(&pc, NULL);
		b = now(); t[S_TOOLKITS][i] = b - a; a = b;
		probe_gpus(&pc, NULL);
		b = now(); t[S_GPUS][i] = b - a;
		double total = 0;
		for (int s = 0; s < S_TOTAL; s++)
			total += t[s][i];
		t[S_TOTAL][i] = total;
		nlibs = pc.facts->nlibs;
		cuvet_ldcache_free(pc.cache);
		cuvet_ldconf_release(&pc.conf);
		facts_lib_index_free(&pc);
		cuvet_fs_free(pc.fs);
		cuvet_kb_free(kb);
		cuvet_facts_free(pc.facts);
	}
	printf("probe stages on %s, %d rounds, %zu library files; median ms (first round, cold-ish, in brackets)\n",
	       root, n, nlibs);
	for (int s = 0; s < S_N; s++) {
		double first = t[s][0];
		qsort(t[s], (size_t)n, sizeof(double), dcmp);
		printf("  %-14s %8.3f  [%.3f]\n", names[s], t[s][n / 2], first);
	}
	return 0;
}
