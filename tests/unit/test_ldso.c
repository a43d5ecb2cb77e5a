/* The loader model (src/lib/loader): the search order inside one directory (glibc-hwcaps, then
 * the legacy hwcap subdirectories for a root whose glibc is older than 2.37, then the directory),
 * candidates of another ELF class skipped, the root's glibc version from its libc.
 * cuvet_why_*: the loader emulation's result structure on a root built here with the compiler
 * (objects with no libc, so the root needs nothing from this machine): breadth-first load
 * order, rules and who found what, the RPATH chain, RUNPATH not inherited, the considered
 * directories of a missing library, and the errors for unreadable inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"
#include "ldmodel.h"

static char root[256];

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static const char *cc(void)
{
	const char *c = getenv("CC");
	return c && *c ? c : "cc";
}

/* R/bin/app (RPATH $ORIGIN/../lib1:$ORIGIN/../lib2) -> libone.so (RUNPATH /nowhere) -> libtwo.so (not found:
 * RUNPATH is the requester's, RPATH is skipped when it has one); app -> libthree.so -> libtwo.so
 * is then already "not found"; app -> libfour.so (no paths) -> libfive.so via "rpath of app". */
static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/cuvet-test-ldso-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	run("cd %s && printf 'int f(void){return 0;}\\n' >f.c && mkdir -p lib1 lib2 lib64 build && "
	    "%s -shared -fPIC -nostdlib -o lib64/ld-linux-x86-64.so.2 -Wl,-soname,ld-linux-x86-64.so.2 f.c && "
	    "%s -shared -fPIC -nostdlib -o build/libtwo.so -Wl,-soname,libtwo.so f.c && "
	    "%s -shared -fPIC -nostdlib -o lib2/libfive.so -Wl,-soname,libfive.so f.c && "
	    "%s -shared -fPIC -nostdlib -o lib1/libone.so -Wl,-soname,libone.so -Wl,--no-as-needed build/libtwo.so "
	    "-Wl,--enable-new-dtags -Wl,-rpath,/nowhere f.c && "
	    "%s -shared -fPIC -nostdlib -o lib1/libthree.so -Wl,-soname,libthree.so -Wl,--no-as-needed build/libtwo.so f.c && "
	    "%s -shared -fPIC -nostdlib -o lib1/libfour.so -Wl,-soname,libfour.so -Wl,--no-as-needed lib2/libfive.so f.c && "
	    "printf 'int _start(void){return 0;}\\n' >m.c && "
	    "mkdir -p bin && %s -nostdlib -fPIE -pie -o bin/app m.c -Wl,--no-as-needed -Wl,--disable-new-dtags "
	    "-Wl,-rpath,'$ORIGIN/../lib1:$ORIGIN/../lib2' lib1/libone.so lib1/libthree.so lib1/libfour.so",
	    root, cc(), cc(), cc(), cc(), cc(), cc(), cc());
	/* a process: p/liba.so (RUNPATH $ORIGIN/wheel) and p/libb.so (RPATH $ORIGIN/wheel) both need
	 * libsev.so, of which p/sys holds another copy */
	run("cd %s && mkdir -p p/sys p/wheel && "
	    "%s -shared -fPIC -nostdlib -o p/sys/libsev.so -Wl,-soname,libsev.so f.c && "
	    "%s -shared -fPIC -nostdlib -o p/wheel/libsev.so -Wl,-soname,libsev.so f.c && "
	    "%s -shared -fPIC -nostdlib -o p/liba.so -Wl,-soname,liba.so -Wl,--no-as-needed p/wheel/libsev.so "
	    "-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/wheel' f.c && "
	    "%s -shared -fPIC -nostdlib -o p/libb.so -Wl,-soname,libb.so -Wl,--no-as-needed p/wheel/libsev.so "
	    "-Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/wheel' f.c",
	    root, cc(), cc(), cc(), cc());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	run("rm -rf %s", root);
	return 0;
}

static size_t edge(const struct cuvet_why *w, size_t from, const char *name)
{
	for (size_t k = 0; k < w->objects[from].nneeded; k++)
		if (strcmp(w->objects[from].needed[k].name, name) == 0)
			return w->objects[from].needed[k].object;
	fail_msg("no edge %s from %zu", name, from);
	return CUVET_WHY_NONE;
}

static void test_tree(void **state)
{
	(void)state;
	struct cuvet_why_opts o;
	cuvet_why_opts_init(&o);
	o.root = root;
	o.ld_library_path = "";
	o.explain = false;
	struct cuvet_error err = {0};
	struct cuvet_why *w = cuvet_why_resolve(&o, "/bin/app", &err);
	assert_non_null(w);
	/* breadth first: app, its interpreter, its three DT_NEEDED, then their dependencies */
	assert_int_equal(w->nobjects, 7);
	assert_string_equal(w->objects[0].name, "/bin/app");
	assert_int_equal(w->objects[0].rule, CUVET_WHY_INPUT);
	assert_int_equal(w->objects[1].rule, CUVET_WHY_INTERP);
	assert_string_equal(w->objects[1].path, "/lib64/ld-linux-x86-64.so.2");
	assert_string_equal(w->objects[2].name, "libone.so");
	assert_string_equal(w->objects[2].path, "/bin/../lib1/libone.so");
	assert_int_equal(w->objects[2].rule, CUVET_WHY_RPATH);
	assert_string_equal(w->objects[3].name, "libthree.so");
	assert_string_equal(w->objects[4].name, "libfour.so");
	assert_string_equal(w->objects[5].name, "libtwo.so");
	assert_int_equal(w->objects[5].rule, CUVET_WHY_NOT_FOUND);
	assert_int_equal(w->objects[5].loader, 2);
	assert_int_equal(edge(w, 3, "libtwo.so"), 5); /* resolved once */
	/* libone has a RUNPATH: no RPATH at all, its own RUNPATH, no cache, the default path */
	assert_int_equal(w->objects[5].nsearched, 4);
	assert_string_equal(w->objects[5].searched[0], "runpath: /nowhere");
	assert_string_equal(w->objects[5].searched[1], "ld.so.cache: none readable");
	assert_string_equal(w->objects[5].searched[2], "default path: /lib64");
	assert_string_equal(w->objects[5].searched[3], "default path: /usr/lib64");
	assert_string_equal(w->objects[6].name, "libfive.so");
	assert_string_equal(w->objects[6].path, "/bin/../lib2/libfive.so");
	assert_int_equal(w->objects[6].rule, CUVET_WHY_RPATH_PARENT);
	assert_int_equal(w->objects[6].rule_from, 0);
	assert_int_equal(w->objects[6].depth, 2);
	/* RHEL-style layout: no /usr/lib/x86_64-linux-gnu in this root */
	assert_string_equal(w->lib, "lib64");
	assert_int_equal(w->nproblems, 1);
	assert_string_equal(w->problems[0].id, "not-found");
	assert_int_equal(w->problems[0].object, 5);
	assert_string_equal(w->problems[0].message, "libtwo.so not found (needed by libone.so)");
	assert_int_equal(cuvet_why_worst(w), CUVET_SEV_ERROR);
	cuvet_why_free(w);
}

static void test_soname(void **state)
{
	(void)state;
	struct cuvet_why_opts o;
	cuvet_why_opts_init(&o);
	o.root = root;
	o.ld_library_path = "/lib2:/lib1";
	o.explain = false;
	struct cuvet_error err = {0};
	struct cuvet_why *w = cuvet_why_resolve(&o, "libfour.so", &err);
	assert_non_null(w);
	assert_string_equal(w->objects[0].path, "/lib1/libfour.so");
	assert_int_equal(w->objects[0].rule, CUVET_WHY_LD_LIBRARY_PATH);
	assert_int_equal(w->objects[edge(w, 0, "libfive.so")].rule, CUVET_WHY_LD_LIBRARY_PATH);
	assert_int_equal(w->nproblems, 0);
	assert_int_equal(cuvet_why_worst(w), -1);
	cuvet_why_free(w);
}

static void test_max_objects(void **state)
{
	(void)state;
	struct cuvet_why_opts o;
	cuvet_why_opts_init(&o);
	o.root = root;
	o.explain = false;
	o.max_objects = 4;
	struct cuvet_error err = {0};
	struct cuvet_why *w = cuvet_why_resolve(&o, "/bin/app", &err);
	assert_non_null(w);
	assert_int_equal(w->nobjects, 4);
	assert_int_equal(w->nproblems, 1);
	assert_string_equal(w->problems[0].id, "too-many-objects");
	assert_string_equal(w->problems[0].message, "more than 4 objects: the dependency tree is not followed further");
	cuvet_why_free(w);
}

static void test_errors(void **state)
{
	(void)state;
	struct cuvet_why_opts o;
	cuvet_why_opts_init(&o);
	o.root = root;
	struct cuvet_error err = {0};
	assert_null(cuvet_why_resolve(&o, "", &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "no file or SONAME given");
	assert_null(cuvet_why_resolve(&o, "/f.c", &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "/f.c: not an ELF file");
	assert_null(cuvet_why_resolve(&o, "/absent", &err));
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(cuvet_why_rule_name(CUVET_WHY_RPATH_PARENT), "rpath of parent");
	assert_string_equal(cuvet_why_rule_name(CUVET_WHY_CACHE), "ld.so.cache");
	cuvet_why_free(NULL);
}

/* A model of ROOT (RUNPATH-style query of /d) and what it picks for NAME. */
static void pick(const char *mroot, const char *name, char *out, size_t outlen, char **searched_skip, size_t *nskipped,
		 unsigned *glibc, size_t *nhwcaps, size_t *nlegacy)
{
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_open(mroot, &err);
	assert_non_null(fs);
	struct ldmodel_opts o;
	ldmodel_opts_init(&o, LDMODEL_EM_X86_64);
	struct ldmodel *m = ldmodel_new(fs, NULL, &o, &err);
	assert_non_null(m);
	*glibc = ldmodel_glibc(m);
	ldmodel_hwcaps(m, nhwcaps);
	ldmodel_legacy_subdirs(m, nlegacy);
	struct ldmodel_query q = {.name = name, .runpath = "/d", .want_searched = true};
	struct ldmodel_result r;
	assert_int_equal(ldmodel_search(m, &q, &r, &err), 0);
	snprintf(out, outlen, "%s", r.status == LDMODEL_NOT_FOUND ? "not found" : r.path);
	if (r.status != LDMODEL_NOT_FOUND)
		assert_int_equal(r.rule, CUVET_WHY_RUNPATH);
	*searched_skip = NULL;
	*nskipped = 0;
	for (size_t k = 0; k < r.nsearched; k++)
		if (strstr(r.searched[k], "skipped: wrong ELF class") && !(*nskipped)++)
			*searched_skip = strdup(r.searched[k]);
	ldmodel_result_release(&r);
	ldmodel_free(m);
	cuvet_fs_free(fs);
}

/* Two inputs in one process: LD_LIBRARY_PATH gives liba (RUNPATH loses to it) p/sys's libsev.so;
 * libb (RPATH wins over it) would find p/wheel's alone, but gets the loaded copy. */
static void test_process(void **state)
{
	(void)state;
	struct cuvet_why_opts o;
	cuvet_why_opts_init(&o);
	o.root = root;
	o.ld_library_path = "/p/sys";
	o.explain = false;
	struct cuvet_error err = {0};
	const char *t[] = {"/p/liba.so", "/p/libb.so"};
	struct cuvet_why *w = cuvet_why_resolve_process(&o, t, 2, &err);
	assert_non_null(w);
	assert_string_equal(w->target, "/p/liba.so /p/libb.so");
	assert_int_equal(w->ntargets, 2);
	/* liba, the interpreter of the program that loads it, libsev, then libb */
	assert_int_equal(w->nobjects, 4);
	assert_int_equal(w->target_objects[0], 0);
	assert_int_equal(w->target_objects[1], 3);
	size_t sev = edge(w, 0, "libsev.so");
	assert_string_equal(w->objects[sev].path, "/p/sys/libsev.so");
	assert_int_equal(w->objects[sev].rule, CUVET_WHY_LD_LIBRARY_PATH);
	assert_int_equal(w->objects[sev].input, 0);
	assert_int_equal(w->objects[3].input, 1);
	assert_int_equal(w->objects[3].rule, CUVET_WHY_INPUT);
	assert_int_equal(edge(w, 3, "libsev.so"), sev);
	assert_int_equal(w->nproblems, 1);
	assert_string_equal(w->problems[0].id, "preloaded-copy");
	assert_int_equal(w->problems[0].kind, CUVET_WHY_P_PRELOADED);
	/* no version known on either side: a warning, not an error */
	assert_int_equal(w->problems[0].severity, CUVET_SEV_WARNING);
	assert_int_equal(w->problems[0].object, sev);
	assert_int_equal(w->problems[0].requester, 3);
	assert_string_equal(w->problems[0].other_path, "/p/wheel/libsev.so");
	assert_null(w->problems[0].other_version);
	cuvet_why_free(w);

	/* one input alone is cuvet_why_resolve's answer: libb gets p/wheel's copy by RPATH */
	w = cuvet_why_resolve_process(&o, &t[1], 1, &err);
	assert_non_null(w);
	assert_string_equal(w->objects[edge(w, 0, "libsev.so")].path, "/p/wheel/libsev.so");
	assert_int_equal(w->nproblems, 0);
	cuvet_why_free(w);

	/* a later input already loaded (by path or as a SONAME) is that object; the SONAME's own
	 * search (LD_LIBRARY_PATH) finds the same file: no problem */
	const char *again[] = {"/p/liba.so", "/p/sys/libsev.so", "libsev.so"};
	w = cuvet_why_resolve_process(&o, again, 3, &err);
	assert_non_null(w);
	assert_int_equal(w->nobjects, 3);
	assert_int_equal(w->target_objects[1], edge(w, 0, "libsev.so"));
	assert_int_equal(w->target_objects[2], edge(w, 0, "libsev.so"));
	assert_int_equal(w->nproblems, 0);
	cuvet_why_free(w);

	/* a program only first; no inputs; an unreadable later input */
	const char *prog_later[] = {"/p/liba.so", "/bin/app"};
	assert_null(cuvet_why_resolve_process(&o, prog_later, 2, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_null(cuvet_why_resolve_process(&o, t, 0, &err));
	assert_int_equal(err.code, CUVET_E_INVALID);
	const char *absent[] = {"/p/liba.so", "/p/absent.so"};
	assert_null(cuvet_why_resolve_process(&o, absent, 2, &err));
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
}

static void test_model_order(void **state)
{
	(void)state;
	char mroot[64] = "/tmp/cuvet-test-ldmodel-XXXXXX";
	assert_non_null(mkdtemp(mroot));
	struct ldmodel_cpu cpu;
	ldmodel_cpu_read(&cpu);
	/* glibc 2.36 names these (elf/dl-hwcaps.c, the power set of x86_64 [avx512_1], $PLATFORM, tls) */
	const char *plat = cpu.intel ? (cpu.xeon_phi ? "xeon_phi" : cpu.haswell ? "haswell" : "x86_64") : "x86_64";
	run("cd %s && printf 'int f(void){return 0;}\\n' >f.c && mkdir -p lib64 d/glibc-hwcaps/x86-64-v2 d/tls/x86_64 && "
	    "printf 'GNU C Library (test) stable release version 2.36.\\n' >lib64/libc.so.6 && "
	    "for n in libq libr; do %s -shared -fPIC -nostdlib -o d/$n.so -Wl,-soname,$n.so f.c; done && "
	    "cp d/libq.so d/glibc-hwcaps/x86-64-v2/libq.so && cp d/libq.so d/tls/libq.so && cp d/libr.so d/tls/libr.so && "
	    "%s -m32 -shared -fPIC -nostdlib -o d/tls/x86_64/libr.so f.c",
	    mroot, cc(), cc());
	char got[4096], want[4096];
	char *skip = NULL;
	size_t nskip;
	unsigned glibc;
	size_t nhw, nleg;
	/* glibc 2.36: glibc-hwcaps first (when this CPU has x86-64-v2), then the legacy tls/ */
	pick(mroot, "libq.so", got, sizeof(got), &skip, &nskip, &glibc, &nhw, &nleg);
	assert_int_equal(glibc, 2036);
	assert_int_equal(nleg, cpu.intel && cpu.avx512_1 ? 15 : 7);
	assert_string_equal(got, cpu.isa_level >= 2 ? "/d/glibc-hwcaps/x86-64-v2/libq.so" : "/d/tls/libq.so");
	free(skip);
	/* tls/x86_64 comes before tls, but its copy is 32-bit: skipped, the search goes on */
	pick(mroot, "libr.so", got, sizeof(got), &skip, &nskip, &glibc, &nhw, &nleg);
	assert_string_equal(got, "/d/tls/libr.so");
	assert_non_null(skip);
	assert_string_equal(skip, "runpath: /d/tls/x86_64/libr.so skipped: wrong ELF class or machine");
	/* where $PLATFORM is x86_64 too, tls/x86_64 is in the list twice, and glibc tries it twice */
	assert_int_equal(nskip, strcmp(plat, "x86_64") == 0 ? 2 : 1);
	free(skip);
	/* glibc 2.38: no legacy subdirectories */
	run("cd %s && printf 'GNU C Library (test) stable release version 2.38.\\n' >lib64/libc.so.6", mroot);
	pick(mroot, "libr.so", got, sizeof(got), &skip, &nskip, &glibc, &nhw, &nleg);
	assert_int_equal(glibc, 2038);
	assert_int_equal(nleg, 0);
	assert_string_equal(got, "/d/libr.so");
	free(skip);
	/* glibc 2.31 (libc-2.31.so): legacy subdirectories, no glibc-hwcaps (2.33) */
	run("cd %s && rm lib64/libc.so.6 && : >lib64/libc-2.31.so && ln -s libc-2.31.so lib64/libc.so.6", mroot);
	pick(mroot, "libq.so", got, sizeof(got), &skip, &nskip, &glibc, &nhw, &nleg);
	assert_int_equal(glibc, 2031);
	assert_int_equal(nhw, 0);
	assert_string_equal(got, "/d/tls/libq.so");
	free(skip);
	/* no libc to tell: glibc >= 2.37 assumed */
	run("cd %s && rm lib64/libc.so.6", mroot);
	pick(mroot, "libq.so", got, sizeof(got), &skip, &nskip, &glibc, &nhw, &nleg);
	assert_int_equal(glibc, 0);
	assert_int_equal(nleg, 0);
	assert_string_equal(got, cpu.isa_level >= 2 ? "/d/glibc-hwcaps/x86-64-v2/libq.so" : "/d/libq.so");
	free(skip);
	/* the legacy order itself, for this CPU */
	struct cuvet_error err = {0};
	struct cuvet_fs *fs = cuvet_fs_open(mroot, &err);
	run("cd %s && printf 'GNU C Library (test) stable release version 2.36.\\n' >lib64/libc.so.6", mroot);
	struct ldmodel_opts o;
	ldmodel_opts_init(&o, LDMODEL_EM_X86_64);
	struct ldmodel *m = ldmodel_new(fs, NULL, &o, &err);
	assert_non_null(m);
	assert_string_equal(ldmodel_platform(m), plat);
	size_t n;
	const char *const *l = ldmodel_legacy_subdirs(m, &n);
	want[0] = '\0';
	got[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s:", l[i]);
	if (cpu.intel && cpu.avx512_1)
		snprintf(want, sizeof(want), "tls/%s/avx512_1/x86_64:tls/%s/avx512_1:tls/%s/x86_64:tls/%s:tls/avx512_1/x86_64:"
			 "tls/avx512_1:tls/x86_64:tls:%s/avx512_1/x86_64:%s/avx512_1:%s/x86_64:%s:avx512_1/x86_64:avx512_1:x86_64:",
			 plat, plat, plat, plat, plat, plat, plat, plat);
	else
		snprintf(want, sizeof(want), "tls/%s/x86_64:tls/%s:tls/x86_64:tls:%s/x86_64:%s:x86_64:", plat, plat, plat, plat);
	assert_string_equal(got, want);
	ldmodel_free(m);
	cuvet_fs_free(fs);
	run("rm -rf %s", mroot);
}

/* facts_fn / facts_soon: asked once, after the hint, when the tree has a missing (or NVIDIA)
 * library; never when it has none, when EXPLAIN is off or when FACTS is given. */
struct facts_calls {
	int soon, fn;
	int soon_before_fn;
	const struct cuvet_facts *give;
};

static void count_soon(void *arg)
{
	struct facts_calls *c = arg;
	c->soon++;
	c->soon_before_fn += c->fn == 0;
}

static const struct cuvet_facts *count_fn(void *arg)
{
	struct facts_calls *c = arg;
	c->fn++;
	return c->give;
}

static void test_facts_fn(void **state)
{
	(void)state;
	static const char json[] = "{\"schema\": \"cuvet.facts/1\"}";
	struct cuvet_error err = {0};
	struct cuvet_facts *facts = cuvet_facts_from_json(json, sizeof(json) - 1, &err);
	assert_non_null(facts);
	struct cuvet_why_opts o;
	cuvet_why_opts_init(&o);
	o.root = root;
	o.ld_library_path = "";
	struct facts_calls calls = {0, 0, 0, facts};
	o.facts_fn = count_fn;
	o.facts_soon = count_soon;
	o.facts_arg = &calls;
	/* libtwo.so is missing */
	struct cuvet_why *w = cuvet_why_resolve(&o, "/bin/app", &err);
	assert_non_null(w);
	assert_int_equal(calls.soon, 1);
	assert_int_equal(calls.fn, 1);
	assert_int_equal(calls.soon_before_fn, 1);
	assert_int_equal(w->nproblems, 1);
	assert_string_equal(w->problems[0].id, "not-found");
	cuvet_why_free(w);
	/* everything found, no NVIDIA library: no probe needed */
	memset(&calls, 0, sizeof(calls));
	w = cuvet_why_resolve(&o, "/p/liba.so", &err);
	assert_non_null(w);
	assert_int_equal(w->nproblems, 0);
	assert_int_equal(calls.soon, 0);
	assert_int_equal(calls.fn, 0);
	cuvet_why_free(w);
	/* facts given, or no explanations: the callbacks are not used */
	o.facts = facts;
	w = cuvet_why_resolve(&o, "/bin/app", &err);
	assert_non_null(w);
	cuvet_why_free(w);
	o.facts = NULL;
	o.explain = false;
	w = cuvet_why_resolve(&o, "/bin/app", &err);
	assert_non_null(w);
	cuvet_why_free(w);
	assert_int_equal(calls.soon, 0);
	assert_int_equal(calls.fn, 0);
	/* a facts_fn without facts_soon is enough */
	o.explain = true;
	o.facts_soon = NULL;
	calls.give = NULL;
	w = cuvet_why_resolve(&o, "/bin/app", &err);
	assert_non_null(w);
	assert_int_equal(calls.fn, 1);
	assert_int_equal(w->nproblems, 1);
	cuvet_why_free(w);
	cuvet_facts_free(facts);
}

/* The probe asks the same model: with LD_LIBRARY_PATH=/opt/x, the glibc-hwcaps copy of
 * libcudart.so.12 is the default pick (and a copy, though discovery does not look there), and a
 * 32-bit libcuda.so.1 in /opt/x is skipped for the 64-bit one in /lib64. */
static void test_probe_pick(void **state)
{
	(void)state;
	char proot[64] = "/tmp/cuvet-test-ldpick-XXXXXX";
	assert_non_null(mkdtemp(proot));
	struct ldmodel_cpu cpu;
	ldmodel_cpu_read(&cpu);
	const char *hw = cpu.isa_level >= 3 ? "x86-64-v3" : cpu.isa_level >= 2 ? "x86-64-v2" : "";
	run("cd %s && printf 'int f(void){return 0;}\\n' >f.c && mkdir -p opt/x/glibc-hwcaps/%s lib64 && "
	    "%s -shared -fPIC -nostdlib -o opt/x/libcudart.so.12.4.127 -Wl,-soname,libcudart.so.12 f.c && "
	    "ln -s libcudart.so.12.4.127 opt/x/libcudart.so.12 && "
	    "%s -shared -fPIC -nostdlib -o opt/x/glibc-hwcaps/%s/libcudart.so.12.8.90 -Wl,-soname,libcudart.so.12 f.c && "
	    "ln -s libcudart.so.12.8.90 opt/x/glibc-hwcaps/%s/libcudart.so.12 && "
	    "%s -m32 -shared -fPIC -nostdlib -o opt/x/libcuda.so.1 -Wl,-soname,libcuda.so.1 f.c && "
	    "%s -shared -fPIC -nostdlib -o lib64/libcuda.so.570.86.10 -Wl,-soname,libcuda.so.1 f.c && "
	    "ln -s libcuda.so.570.86.10 lib64/libcuda.so.1",
	    proot, hw, cc(), cc(), hw, hw, cc(), cc());
	struct cuvet_probe_opts po;
	cuvet_probe_opts_init(&po);
	char *env[] = {"LD_LIBRARY_PATH=/opt/x", NULL};
	po.root = proot;
	po.env = env;
	po.use_nvml = false;
	po.load_libs = false;
	struct cuvet_error err = {0};
	struct cuvet_facts *f = cuvet_probe(&po, &err);
	assert_non_null(f);
	size_t picks = 0, copies = 0;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!l->soname || strcmp(l->soname, "libcudart.so.12") != 0)
			continue;
		copies++;
		if (!l->default_pick)
			continue;
		picks++;
		assert_string_equal(l->version, hw[0] ? "12.8.90" : "12.4.127");
		assert_false(l->cache_pick);
	}
	assert_int_equal(copies, hw[0] ? 2 : 1);
	assert_int_equal(picks, 1);
	assert_non_null(f->driver.libcuda_path);
	assert_string_equal(f->driver.libcuda_path, "/lib64/libcuda.so.1");
	assert_string_equal(f->driver.libcuda_version, "570.86.10");
	cuvet_facts_free(f);
	run("rm -rf %s", proot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_soname),
		cmocka_unit_test(test_max_objects),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_facts_fn),
		cmocka_unit_test(test_model_order),
		cmocka_unit_test(test_probe_pick),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
