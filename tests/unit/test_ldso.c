/* cuvet_why_*: the loader emulation's result structure on a root built here with the compiler
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_soname),
		cmocka_unit_test(test_max_objects),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
