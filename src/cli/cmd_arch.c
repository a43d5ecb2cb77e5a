/* cuvet arch FILE...: which SASS / PTX targets a binary carries, and whether it can run on a GPU. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_LIST = OPT_COMMON_LAST, OPT_GPU, OPT_ALL, OPT_DEEP };

static const struct cli_opt arch_opts[] = {
	{"list", 'l', NULL, OPT_LIST, "one line per entry, named as cuobjdump -lelf -lptx names them"},
	{"gpu", 'g', "CC", OPT_GPU, "can each file run on compute capability CC (9.0, 90, sm_90)? exit 1 if any cannot (a file without GPU code cannot)"},
	{"all", 'a', NULL, OPT_ALL, "also count __nv_relfatbin (unlinked -rdc code) when .nv_fatbin exists"},
	{"deep", 0, NULL, OPT_DEEP, "also find fatbins kept in other data sections (cuFFT keeps its kernels there); counted separately"},
	{"json", 0, NULL, OPT_JSON, "machine-readable output (schema cuvet.arch/1)"},
	{"quiet", 'q', NULL, OPT_QUIET, "print nothing; only the exit status"},
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

struct arch_opts {
	bool list, json, quiet, all, deep, have_gpu;
	int gpu_major, gpu_minor;
};

/* Digits only (no sign, no blanks), at most MAX. */
static int parse_ulong_cli(const char *s, unsigned long max, unsigned long *out)
{
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "9.0", "10.3", "90", "sm_90", "100", "sm_120": the last digit of a bare number is the minor. */
static int parse_cc(const char *s, int *major, int *minor)
{
	unsigned long a, b;
	char buf[16];
	if (strncmp(s, "sm_", 3) == 0 || strncmp(s, "SM_", 3) == 0)
		s += 3;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	char *dot = strchr(buf, '.');
	if (dot) {
		*dot = '\0';
		if (parse_ulong_cli(buf, 99, &a) < 0 || parse_ulong_cli(dot + 1, 9, &b) < 0)
			return -1;
	} else {
		unsigned long n;
		if (strlen(buf) < 2 || parse_ulong_cli(buf, 999, &n) < 0)
			return -1;
		a = n / 10;
		b = n % 10;
	}
	*major = (int)a;
	*minor = (int)b;
	return 0;
}

static int arch_handler(int id, const char *arg, void *ctx)
{
	struct arch_opts *o = ctx;
	switch (id) {
	case OPT_LIST: o->list = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_QUIET: o->quiet = true; return 0;
	case OPT_ALL: o->all = true; return 0;
	case OPT_DEEP: o->deep = true; return 0;
	case OPT_GPU:
		if (parse_cc(arg, &o->gpu_major, &o->gpu_minor) < 0) {
			cli_error("arch", "invalid compute capability '%s' (examples: 9.0, 90, sm_90)", arg);
			return -1;
		}
		o->have_gpu = true;
		return 0;
	default:
		return -1;
	}
}

/* The name stem cuobjdump uses: the base name without its last extension. */
static char *name_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char *s = strdup(base);
	if (!s)
		return NULL;
	char *dot = strrchr(s, '.');
	if (dot && dot != s)
		*dot = '\0';
	return s;
}

static const char *kind_word(int kind)
{
	switch (kind) {
	case CUVET_FATBIN_ELF: return "ELF";
	case CUVET_FATBIN_PTX: return "PTX";
	case CUVET_FATBIN_LTOIR: return "LTO-IR";
	default: return "OTHER";
	}
}

static const char *kind_ext(int kind)
{
	switch (kind) {
	case CUVET_FATBIN_ELF: return "cubin";
	case CUVET_FATBIN_PTX: return "ptx";
	case CUVET_FATBIN_LTOIR: return "ltoir";
	default: return "bin";
	}
}

/* cuobjdump writes PTX (and LTO-IR) targets as sm_XY too, keeps 'a' and 'f' on them, but drops
 * 'f' from cubins (an f cubin lists as plain sm_XY; checked with cuobjdump 13.5). */
static void list_arch(const struct cuvet_fatbin_entry *e, char *buf, size_t len)
{
	char v = e->variant;
	if (e->kind == CUVET_FATBIN_ELF && v == 'f')
		v = 0;
	if (v)
		snprintf(buf, len, "sm_%u%c", e->sm, v);
	else
		snprintf(buf, len, "sm_%u", e->sm);
}

static void print_list(const char *path, const struct cuvet_fatbin *fb, const bool *sel)
{
	char *stem = name_stem(path);
	/* cuobjdump names the archive on "member" lines as getcwd() + "/" + the path given, unless
	 * the path is absolute (no symlink resolution, no "./" clean-up). */
	char *abs = NULL;
	if (fb->nmembers && path[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (cwd) {
			size_t n = strlen(cwd) + strlen(path) + 2;
			abs = malloc(n);
			if (abs)
				snprintf(abs, n, "%s/%s", cwd, path);
			free(cwd);
		}
	}
	unsigned counter[4] = {0}; /* ELF, PTX, LTO-IR, other: separate 1-based counters */
	size_t next_member = 0;
	for (size_t i = 0; i <= fb->nentries; i++) {
		/* Archives: a "member" line for each ELF member, with or without device code, as
		 * cuobjdump prints it; the counters run on across members. */
		size_t upto = fb->nmembers;
		if (i < fb->nentries && fb->nmembers)
			upto = fb->containers[fb->entries[i].container].member + 1;
		for (; next_member < upto && next_member < fb->nmembers; next_member++)
			printf("\nmember %s:%s:\n", abs ? abs : path, fb->members[next_member]);
		if (i == fb->nentries)
			break;
		if (!sel[i])
			continue;
		const struct cuvet_fatbin_entry *e = &fb->entries[i];
		int slot = e->kind == CUVET_FATBIN_ELF ? 0 : e->kind == CUVET_FATBIN_PTX ? 1 :
			   e->kind == CUVET_FATBIN_LTOIR ? 2 : 3;
		unsigned n = ++counter[slot];
		char arch[32];
		list_arch(e, arch, sizeof(arch));
		/* Entries that carry an identifier (nvcc -G) are named after it, without an index;
		 * so are bare cubins. */
		char *id_stem = e->identifier && *e->identifier ? name_stem(e->identifier) : NULL;
		if (id_stem)
			printf("%s file %4u: %s.%s.%s\n", kind_word(e->kind), n, id_stem, arch, kind_ext(e->kind));
		else if (fb->source == CUVET_FATBIN_SRC_CUBIN || fb->source == CUVET_FATBIN_SRC_PTX)
			printf("%s file %4u: %s.%s.%s\n", kind_word(e->kind), n, stem ? stem : path, arch,
			       kind_ext(e->kind));
		else
			printf("%s file %4u: %s.%u.%s.%s\n", kind_word(e->kind), n, stem ? stem : path, n, arch,
			       kind_ext(e->kind));
		free(id_stem);
	}
	free(abs);
	free(stem);
}

static void print_summary(const char *path, const struct cuvet_arch_report *r)
{
	const struct cuvet_fatbin *fb = r->fatbin;
	if (!r->nselected) {
		printf("%s: no GPU code\n", path);
		return;
	}
	printf("%s: %zu SASS, %zu PTX", path, r->nsass, r->nptx);
	if (r->nltoir)
		printf(", %zu LTO-IR", r->nltoir);
	if (r->nother)
		printf(", %zu other", r->nother);
	if (fb->source == CUVET_FATBIN_SRC_CUBIN || fb->source == CUVET_FATBIN_SRC_PTX) {
		printf(fb->source == CUVET_FATBIN_SRC_CUBIN ? " (bare cubin)" : " (PTX file)");
	} else {
		printf(" in %zu fatbin%s", r->nfatbins, r->nfatbins == 1 ? "" : "s");
		if (r->nfatbins_deep)
			printf(" (%zu of them in other sections)", r->nfatbins_deep);
		if (fb->source == CUVET_FATBIN_SRC_ARCHIVE)
			printf(" (archive of %zu object%s)", fb->nmembers, fb->nmembers == 1 ? "" : "s");
	}
	printf("\n");
	static const int kinds[] = {CUVET_FATBIN_ELF, CUVET_FATBIN_PTX, CUVET_FATBIN_LTOIR};
	static const char *labels[] = {"SASS", "PTX", "LTO-IR"};
	for (size_t k = 0; k < 3; k++) {
		bool first = true;
		for (size_t i = 0; i < r->ntargets; i++) {
			const struct cuvet_arch_target *t = &r->targets[i];
			if (t->kind != kinds[k])
				continue;
			if (first)
				printf("  %-7s", labels[k]);
			printf("%s%s", first ? "" : ", ", t->name);
			if (t->count > 1)
				printf(" x%zu", t->count);
			if (kinds[k] == CUVET_FATBIN_PTX)
				printf(" (ISA %u.%u)", t->isa_major, t->isa_minor);
			first = false;
		}
		if (!first)
			printf("\n");
	}
	if (r->ncompressed)
		printf("  %zu of %zu entries compressed\n", r->ncompressed, r->nselected);
}

static void print_gpu(const char *path, const struct cuvet_arch_report *r)
{
	char name[32];
	int major = r->opts.gpu_major, minor = r->opts.gpu_minor;
	if (!r->nselected) {
		printf("%s: cannot run on %d.%d: it has no GPU code\n", path, major, minor);
		return;
	}
	if (r->run == CUVET_RUN_SASS) {
		cuvet_fatbin_target_name(r->run_entry, name, sizeof(name));
		printf("%s: runs on %d.%d: SASS %s\n", path, major, minor, name);
		return;
	}
	if (r->run == CUVET_RUN_PTX_JIT) {
		cuvet_fatbin_target_name(r->run_entry, name, sizeof(name));
		printf("%s: runs on %d.%d through PTX JIT from %s (needs a driver that knows PTX ISA %u.%u)\n", path,
		       major, minor, name, r->run_entry->version_major, r->run_entry->version_minor);
		return;
	}
	printf("%s: cannot run on %d.%d: it has", path, major, minor);
	for (size_t i = 0; i < r->ntargets; i++)
		printf("%s %s", i ? "," : "", r->targets[i].name);
	printf("\n");
}

static int map_file(const char *path, const void **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	*len = (size_t)st.st_size;
	if (*len == 0) {
		*data = NULL;
		close(fd);
		return 0;
	}
	void *m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (m == MAP_FAILED) {
		errno = e;
		return -1;
	}
	*data = m;
	return 0;
}

static int arch_run(int argc, char **argv)
{
	struct arch_opts o = {0};
	int code = EXIT_OK;
	int first = cli_parse(&cmd_arch, argc, argv, arch_handler, &o, &code);
	if (first < 0)
		return code;
	if (first >= argc) {
		cli_error("arch", "no FILE given (see 'cuvet arch --help')");
		return EXIT_USAGE;
	}
	bool input_error = false, cannot_run = false;
	struct cuvet_arch_opts ao = {.all = o.all, .have_gpu = o.have_gpu, .gpu_major = o.gpu_major,
				     .gpu_minor = o.gpu_minor, .entries = o.list};
	/* with --json every file's report (or error) is kept for one document at the end */
	size_t nfiles = 0, cap = o.json ? (size_t)(argc - first) : 0;
	struct cuvet_arch_file *files = cap ? calloc(cap, sizeof(*files)) : NULL;
	struct cuvet_fatbin **fbs = cap ? calloc(cap, sizeof(*fbs)) : NULL;
	struct cuvet_arch_report **reps = cap ? calloc(cap, sizeof(*reps)) : NULL;
	char (*errors)[sizeof(((struct cuvet_error *)0)->msg)] = cap ? calloc(cap, sizeof(*errors)) : NULL;
	if (cap && (!files || !fbs || !reps || !errors)) {
		free(files);
		free(fbs);
		free(reps);
		free(errors);
		cli_error("arch", "out of memory");
		return EXIT_INPUT;
	}
	for (int i = first; i < argc; i++) {
		const char *path = argv[i];
		const void *data = NULL;
		size_t len = 0;
		struct cuvet_error err = {0};
		struct cuvet_fatbin *fb = NULL;
		if (map_file(path, &data, &len) < 0) {
			snprintf(err.msg, sizeof(err.msg), "%s", strerror(errno));
		} else {
			fb = o.deep ? cuvet_fatbin_parse_deep(data, len, &err) : cuvet_fatbin_parse(data, len, &err);
			if (data)
				munmap((void *)(uintptr_t)data, len);
		}
		struct cuvet_arch_report *r = fb ? cuvet_arch_report_new(fb, &ao, &err) : NULL;
		if (!r) {
			cli_error("arch", "%s: %s", path, err.msg);
			input_error = true;
			cuvet_fatbin_free(fb);
			if (files) {
				memcpy(errors[nfiles], err.msg, sizeof(err.msg));
				files[nfiles] = (struct cuvet_arch_file){.path = path, .error = errors[nfiles]};
				nfiles++;
			}
			continue;
		}
		/* A file with no GPU code has nothing that runs on the GPU: it cannot run there. */
		if (o.have_gpu && r->run == CUVET_RUN_NO)
			cannot_run = true;
		if (files) {
			fbs[nfiles] = fb;
			reps[nfiles] = r;
			files[nfiles] = (struct cuvet_arch_file){.path = path, .report = r};
			nfiles++;
			continue;
		}
		if (!o.quiet) {
			if (o.list)
				print_list(path, fb, r->selected);
			else if (o.have_gpu)
				print_gpu(path, r);
			else
				print_summary(path, r);
		}
		cuvet_arch_report_free(r);
		cuvet_fatbin_free(fb);
	}
	if (files && !o.quiet) {
		struct cuvet_error err = {0};
		char *doc = cuvet_arch_report_to_json(files, nfiles, true, &err);
		if (doc) {
			puts(doc);
			free(doc);
		} else {
			cli_error("arch", "%s", err.msg);
			input_error = true;
		}
	}
	for (size_t k = 0; k < nfiles; k++) {
		cuvet_arch_report_free(reps[k]);
		cuvet_fatbin_free(fbs[k]);
	}
	free(files);
	free(fbs);
	free(reps);
	free(errors);
	return cli_finish(input_error ? EXIT_INPUT : cannot_run ? EXIT_PROBLEMS : EXIT_OK);
}

const struct cli_command cmd_arch = {
	"arch",
	"[OPTIONS] FILE...",
	"list the SASS and PTX targets in executables, libraries, objects, cubins, fatbins and PTX files",
	"Reads the fat binaries in .nv_fatbin (and __nv_relfatbin) without running NVIDIA tools or\n"
	"decompressing anything. With --gpu, says whether each file can run on that compute capability:\n"
	"SASS sm_XY runs on X.Y and later minors of major X, sm_XYa only on X.Y, sm_XYf on the X family;\n"
	"PTX compute_XY is JIT-compiled on any later GPU by a driver that knows its PTX ISA version.",
	arch_opts,
	arch_run,
};
