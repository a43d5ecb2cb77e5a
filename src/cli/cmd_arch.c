/* cuvet arch FILE...: which SASS / PTX targets a binary carries, and whether it can run on a GPU. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
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

/* cuobjdump reports only the executable fatbin (.nv_fatbin) of an ELF file when it has one, else
 * the relocatable one (__nv_relfatbin, -rdc objects); at run time too only .nv_fatbin is loaded.
 * In an archive each member is judged alone. --all keeps both. Returns a per-entry mask. */
static bool *select_entries(const struct cuvet_fatbin *fb, bool all)
{
	bool *sel = calloc(fb->nentries ? fb->nentries : 1, sizeof(*sel));
	size_t groups = fb->nmembers ? fb->nmembers : 1;
	bool *has_exec = calloc(groups, sizeof(*has_exec));
	if (!sel || !has_exec) {
		free(sel);
		free(has_exec);
		return NULL;
	}
	for (size_t i = 0; i < fb->ncontainers; i++) {
		const struct cuvet_fatbin_container *c = &fb->containers[i];
		if (c->section && strcmp(c->section, ".nv_fatbin") == 0 && c->nentries && c->member < groups)
			has_exec[c->member] = true;
	}
	for (size_t i = 0; i < fb->ncontainers; i++) {
		const struct cuvet_fatbin_container *c = &fb->containers[i];
		bool keep = all || !c->section || c->member >= groups || !has_exec[c->member] ||
			    strcmp(c->section, ".nv_fatbin") == 0 || strcmp(c->section, "other sections") == 0;
		for (size_t j = c->first_entry; keep && j < c->first_entry + c->nentries && j < fb->nentries; j++)
			sel[j] = true;
	}
	/* Bare cubins and PTX files have an entry but no container. */
	if (!fb->ncontainers)
		for (size_t j = 0; j < fb->nentries; j++)
			sel[j] = true;
	free(has_exec);
	return sel;
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

/* Distinct targets of one kind, with counts and (PTX) the ISA versions seen. */
struct target_count {
	int kind;
	unsigned sm;
	char variant;
	size_t count;
	unsigned isa_major, isa_minor; /* highest PTX ISA version among the entries */
	size_t compressed;
};

static int variant_rank(char v)
{
	return v == 0 ? 0 : v == 'f' ? 1 : 2;
}

/* SASS, then PTX, then LTO-IR, then anything else. */
static int kind_rank(int kind)
{
	return kind == CUVET_FATBIN_ELF ? 0 : kind == CUVET_FATBIN_PTX ? 1 : kind == CUVET_FATBIN_LTOIR ? 2 : 3 + kind;
}

static int target_cmp(const void *a, const void *b)
{
	const struct target_count *x = a, *y = b;
	if (x->kind != y->kind)
		return kind_rank(x->kind) - kind_rank(y->kind);
	if (x->sm != y->sm)
		return x->sm < y->sm ? -1 : 1;
	return variant_rank(x->variant) - variant_rank(y->variant);
}

static struct target_count *count_targets(const struct cuvet_fatbin *fb, const bool *sel, size_t *n)
{
	struct target_count *t = calloc(fb->nentries ? fb->nentries : 1, sizeof(*t));
	if (!t)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < fb->nentries; i++) {
		if (!sel[i])
			continue;
		const struct cuvet_fatbin_entry *e = &fb->entries[i];
		size_t j;
		for (j = 0; j < *n; j++)
			if (t[j].kind == e->kind && t[j].sm == e->sm && t[j].variant == e->variant)
				break;
		if (j == *n) {
			t[j].kind = e->kind;
			t[j].sm = e->sm;
			t[j].variant = e->variant;
			(*n)++;
		}
		t[j].count++;
		if (e->compression != CUVET_FATBIN_UNCOMPRESSED)
			t[j].compressed++;
		if (e->version_major > t[j].isa_major ||
		    (e->version_major == t[j].isa_major && e->version_minor > t[j].isa_minor)) {
			t[j].isa_major = e->version_major;
			t[j].isa_minor = e->version_minor;
		}
	}
	qsort(t, *n, sizeof(*t), target_cmp);
	return t;
}

static void target_name(const struct target_count *t, char *buf, size_t len)
{
	struct cuvet_fatbin_entry e = {.kind = t->kind, .sm = t->sm, .variant = t->variant};
	cuvet_fatbin_target_name(&e, buf, len);
}

/* What the CUDA runtime would load on MAJOR.MINOR: the best SASS (highest compatible target),
 * else the PTX with the highest compatible target to JIT. */
struct run_pick {
	enum cuvet_fatbin_run how;
	const struct cuvet_fatbin_entry *entry;
};

static struct run_pick pick_run(const struct cuvet_fatbin *fb, const bool *sel, int major, int minor)
{
	struct run_pick best = {CUVET_RUN_NO, NULL};
	for (size_t i = 0; i < fb->nentries; i++) {
		if (!sel[i])
			continue;
		const struct cuvet_fatbin_entry *e = &fb->entries[i];
		enum cuvet_fatbin_run how = cuvet_fatbin_entry_runs_on(e, major, minor);
		if (how == CUVET_RUN_NO)
			continue;
		bool better = !best.entry || (how == CUVET_RUN_SASS && best.how != CUVET_RUN_SASS) ||
			      (how == best.how && (e->sm > best.entry->sm ||
						   (e->sm == best.entry->sm &&
						    variant_rank(e->variant) > variant_rank(best.entry->variant))));
		if (better) {
			best.how = how;
			best.entry = e;
		}
	}
	return best;
}

static size_t selected_count(const struct cuvet_fatbin *fb, const bool *sel, int kind)
{
	size_t n = 0;
	for (size_t i = 0; i < fb->nentries; i++)
		if (sel[i] && (kind < 0 || fb->entries[i].kind == kind))
			n++;
	return n;
}

static void print_summary(const char *path, const struct cuvet_fatbin *fb, const bool *sel)
{
	size_t nt = 0;
	struct target_count *t = count_targets(fb, sel, &nt);
	size_t total = selected_count(fb, sel, -1);
	if (!total) {
		printf("%s: no GPU code\n", path);
		free(t);
		return;
	}
	size_t nsass = selected_count(fb, sel, CUVET_FATBIN_ELF), nptx = selected_count(fb, sel, CUVET_FATBIN_PTX);
	size_t nlto = selected_count(fb, sel, CUVET_FATBIN_LTOIR);
	printf("%s: %zu SASS, %zu PTX", path, nsass, nptx);
	if (nlto)
		printf(", %zu LTO-IR", nlto);
	if (total > nsass + nptx + nlto)
		printf(", %zu other", total - nsass - nptx - nlto);
	if (fb->source == CUVET_FATBIN_SRC_CUBIN || fb->source == CUVET_FATBIN_SRC_PTX) {
		printf(fb->source == CUVET_FATBIN_SRC_CUBIN ? " (bare cubin)" : " (PTX file)");
	} else {
		size_t nc = 0;
		for (size_t i = 0; i < fb->ncontainers; i++) {
			const struct cuvet_fatbin_container *c = &fb->containers[i];
			if (c->nentries && sel[c->first_entry])
				nc++;
		}
		size_t deep = 0;
		for (size_t i = 0; i < fb->ncontainers; i++) {
			const struct cuvet_fatbin_container *c = &fb->containers[i];
			if (c->section && strcmp(c->section, "other sections") == 0 && c->nentries && sel[c->first_entry])
				deep++;
		}
		printf(" in %zu fatbin%s", nc, nc == 1 ? "" : "s");
		if (deep)
			printf(" (%zu of them in other sections)", deep);
		if (fb->source == CUVET_FATBIN_SRC_ARCHIVE)
			printf(" (archive of %zu object%s)", fb->nmembers, fb->nmembers == 1 ? "" : "s");
	}
	printf("\n");
	static const int kinds[] = {CUVET_FATBIN_ELF, CUVET_FATBIN_PTX, CUVET_FATBIN_LTOIR};
	static const char *labels[] = {"SASS", "PTX", "LTO-IR"};
	for (size_t k = 0; k < 3; k++) {
		bool first = true;
		for (size_t i = 0; i < nt; i++) {
			if (t[i].kind != kinds[k])
				continue;
			char name[32];
			target_name(&t[i], name, sizeof(name));
			if (first)
				printf("  %-7s", labels[k]);
			printf("%s%s", first ? "" : ", ", name);
			if (t[i].count > 1)
				printf(" x%zu", t[i].count);
			if (kinds[k] == CUVET_FATBIN_PTX)
				printf(" (ISA %u.%u)", t[i].isa_major, t[i].isa_minor);
			first = false;
		}
		if (!first)
			printf("\n");
	}
	size_t comp = 0;
	for (size_t i = 0; i < nt; i++)
		comp += t[i].compressed;
	if (comp)
		printf("  %zu of %zu entries compressed\n", comp, total);
	free(t);
}

static void print_gpu(const char *path, const struct cuvet_fatbin *fb, const bool *sel, const struct arch_opts *o,
		      struct run_pick pick)
{
	char name[32];
	if (!selected_count(fb, sel, -1)) {
		printf("%s: cannot run on %d.%d: it has no GPU code\n", path, o->gpu_major, o->gpu_minor);
		return;
	}
	if (pick.how == CUVET_RUN_SASS) {
		cuvet_fatbin_target_name(pick.entry, name, sizeof(name));
		printf("%s: runs on %d.%d: SASS %s\n", path, o->gpu_major, o->gpu_minor, name);
		return;
	}
	if (pick.how == CUVET_RUN_PTX_JIT) {
		cuvet_fatbin_target_name(pick.entry, name, sizeof(name));
		printf("%s: runs on %d.%d through PTX JIT from %s (needs a driver that knows PTX ISA %u.%u)\n", path,
		       o->gpu_major, o->gpu_minor, name, pick.entry->version_major, pick.entry->version_minor);
		return;
	}
	size_t nt = 0;
	struct target_count *t = count_targets(fb, sel, &nt);
	printf("%s: cannot run on %d.%d: it has", path, o->gpu_major, o->gpu_minor);
	for (size_t i = 0; t && i < nt; i++) {
		target_name(&t[i], name, sizeof(name));
		printf("%s %s", i ? "," : "", name);
	}
	printf("\n");
	free(t);
}

static const char *source_name(enum cuvet_fatbin_source s)
{
	switch (s) {
	case CUVET_FATBIN_SRC_HOST: return "host-elf";
	case CUVET_FATBIN_SRC_FATBIN: return "fatbin";
	case CUVET_FATBIN_SRC_CUBIN: return "cubin";
	case CUVET_FATBIN_SRC_PTX: return "ptx";
	case CUVET_FATBIN_SRC_ARCHIVE: return "archive";
	}
	return "unknown";
}

static const char *compression_name(enum cuvet_fatbin_compression c)
{
	return c == CUVET_FATBIN_LZ4 ? "lz4" : c == CUVET_FATBIN_ZSTD ? "zstd" : NULL;
}

static json_t *json_file(const char *path, const struct cuvet_fatbin *fb, const bool *sel,
			 const struct arch_opts *o, struct run_pick pick)
{
	json_t *f = json_object();
	json_object_set_new(f, "path", json_string(path));
	json_object_set_new(f, "source", json_string(source_name(fb->source)));
	json_object_set_new(f, "sass", json_integer((json_int_t)selected_count(fb, sel, CUVET_FATBIN_ELF)));
	json_object_set_new(f, "ptx", json_integer((json_int_t)selected_count(fb, sel, CUVET_FATBIN_PTX)));
	json_object_set_new(f, "ltoir", json_integer((json_int_t)selected_count(fb, sel, CUVET_FATBIN_LTOIR)));
	size_t nt = 0;
	struct target_count *t = count_targets(fb, sel, &nt);
	json_t *targets = json_array();
	for (size_t i = 0; t && i < nt; i++) {
		char name[32], isa[16];
		target_name(&t[i], name, sizeof(name));
		json_t *j = json_object();
		json_object_set_new(j, "target", json_string(name));
		json_object_set_new(j, "kind", json_string(t[i].kind == CUVET_FATBIN_ELF ? "sass" :
							   t[i].kind == CUVET_FATBIN_PTX ? "ptx" :
							   t[i].kind == CUVET_FATBIN_LTOIR ? "ltoir" : "other"));
		json_object_set_new(j, "sm", json_integer(t[i].sm));
		json_object_set_new(j, "variant", t[i].variant ? json_stringn(&t[i].variant, 1) : json_null());
		json_object_set_new(j, "count", json_integer((json_int_t)t[i].count));
		json_object_set_new(j, "compressed", json_integer((json_int_t)t[i].compressed));
		if (t[i].kind == CUVET_FATBIN_PTX) {
			snprintf(isa, sizeof(isa), "%u.%u", t[i].isa_major, t[i].isa_minor);
			json_object_set_new(j, "ptx_isa", json_string(isa));
		}
		json_array_append_new(targets, j);
	}
	free(t);
	json_object_set_new(f, "targets", targets);
	if (o->list) {
		json_t *entries = json_array();
		for (size_t i = 0; i < fb->nentries; i++) {
			if (!sel[i])
				continue;
			const struct cuvet_fatbin_entry *e = &fb->entries[i];
			char name[32], ver[24];
			cuvet_fatbin_target_name(e, name, sizeof(name));
			snprintf(ver, sizeof(ver), "%u.%u", e->version_major, e->version_minor);
			const char *comp = compression_name(e->compression);
			const char *sec = fb->ncontainers ? fb->containers[e->container].section : NULL;
			json_t *j = json_object();
			json_object_set_new(j, "target", json_string(name));
			json_object_set_new(j, "version", json_string(ver));
			json_object_set_new(j, "is64", json_boolean(e->is64));
			json_object_set_new(j, "debug", json_boolean(e->debug));
			json_object_set_new(j, "compression", comp ? json_string(comp) : json_null());
			json_object_set_new(j, "offset", json_integer((json_int_t)e->offset));
			json_object_set_new(j, "size", json_integer((json_int_t)e->payload_size));
			json_object_set_new(j, "section", sec ? json_string(sec) : json_null());
			json_object_set_new(j, "member", fb->nmembers ? json_string(fb->members[fb->containers[e->container].member])
								      : json_null());
			json_object_set_new(j, "identifier", e->identifier ? json_string(e->identifier) : json_null());
			json_object_set_new(j, "options", e->options ? json_string(e->options) : json_null());
			json_array_append_new(entries, j);
		}
		json_object_set_new(f, "entries", entries);
	}
	if (o->have_gpu) {
		json_t *g = json_object();
		char cc[16], name[32];
		snprintf(cc, sizeof(cc), "%d.%d", o->gpu_major, o->gpu_minor);
		json_object_set_new(g, "cc", json_string(cc));
		bool no_code = selected_count(fb, sel, -1) == 0;
		json_object_set_new(g, "runs", json_boolean(pick.how != CUVET_RUN_NO));
		json_object_set_new(g, "how", json_string(no_code ? "no-gpu-code" : pick.how == CUVET_RUN_SASS ? "sass" :
							  pick.how == CUVET_RUN_PTX_JIT ? "ptx-jit" : "none"));
		if (pick.entry) {
			cuvet_fatbin_target_name(pick.entry, name, sizeof(name));
			json_object_set_new(g, "target", json_string(name));
		}
		json_object_set_new(f, "gpu", g);
	}
	return f;
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
	json_t *files = o.json ? json_array() : NULL;
	for (int i = first; i < argc; i++) {
		const char *path = argv[i];
		const void *data = NULL;
		size_t len = 0;
		if (map_file(path, &data, &len) < 0) {
			const char *msg = strerror(errno);
			cli_error("arch", "%s: %s", path, msg);
			input_error = true;
			if (files) {
				json_t *f = json_object();
				json_object_set_new(f, "path", json_string(path));
				json_object_set_new(f, "error", json_string(msg));
				json_array_append_new(files, f);
			}
			continue;
		}
		struct cuvet_error err = {0};
		struct cuvet_fatbin *fb = o.deep ? cuvet_fatbin_parse_deep(data, len, &err) : cuvet_fatbin_parse(data, len, &err);
		if (data)
			munmap((void *)(uintptr_t)data, len);
		if (!fb) {
			cli_error("arch", "%s: %s", path, err.msg);
			input_error = true;
			if (files) {
				json_t *f = json_object();
				json_object_set_new(f, "path", json_string(path));
				json_object_set_new(f, "error", json_string(err.msg));
				json_array_append_new(files, f);
			}
			continue;
		}
		bool *sel = select_entries(fb, o.all);
		if (!sel) {
			cli_error("arch", "out of memory");
			cuvet_fatbin_free(fb);
			input_error = true;
			continue;
		}
		struct run_pick pick = {CUVET_RUN_NO, NULL};
		if (o.have_gpu) {
			pick = pick_run(fb, sel, o.gpu_major, o.gpu_minor);
			/* A file with no GPU code has nothing that runs on the GPU: it cannot run there. */
			if (pick.how == CUVET_RUN_NO)
				cannot_run = true;
		}
		if (files) {
			json_array_append_new(files, json_file(path, fb, sel, &o, pick));
		} else if (!o.quiet) {
			if (o.list)
				print_list(path, fb, sel);
			else if (o.have_gpu)
				print_gpu(path, fb, sel, &o, pick);
			else
				print_summary(path, fb, sel);
		}
		free(sel);
		cuvet_fatbin_free(fb);
	}
	if (files) {
		json_t *root = json_object();
		json_object_set_new(root, "schema", json_string("cuvet.arch/1"));
		json_object_set_new(root, "files", files);
		if (!o.quiet) {
			json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			fputc('\n', stdout);
		}
		json_decref(root);
	}
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
