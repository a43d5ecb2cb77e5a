#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

static void seterr(struct cuvet_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(struct cuvet_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void host_opts_init(struct host_opts *o, const char *cmd)
{
	memset(o, 0, sizeof(*o));
	cuvet_probe_opts_init(&o->probe);
	o->cmd = cmd;
}

int host_opts_handle(struct host_opts *o, int id, const char *arg)
{
	switch (id) {
	case OPT_JSON: o->json = true; return 0;
	case OPT_QUIET: o->quiet = true; return 0;
	case OPT_ROOT: o->probe.root = arg; o->probe_option = "--root"; return 0;
	case OPT_ENV_FILE: o->env_file = (char *)arg; return 0;
	case OPT_NO_NVML: o->probe.use_nvml = false; o->probe_option = "--no-nvml"; return 0;
	case OPT_FACTS: o->facts_file = arg; return 0;
	case OPT_NVML_LIB: o->probe.nvml_library = arg; o->probe_option = "--nvml-lib"; return 0;
	case OPT_NO_LOAD: o->probe.load_libs = false; return 0;
	case OPT_TIMEOUT: {
		char *end = NULL;
		errno = 0;
		double t = strtod(arg, &end);
		if (errno || !end || *end || !(t > 0) || t > 3600) {
			cli_error(o->cmd, "--timeout wants a number of seconds between 0 and 3600, not '%s'", arg);
			return -1;
		}
		o->probe.timeout = t;
		o->probe_option = "--timeout";
		return 0;
	}
	default: return 1;
	}
}

void env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

static int env_push(char ***env, size_t *n, size_t *cap, char *entry)
{
	if (!entry)
		return -1;
	if (*n + 1 >= *cap) {
		char **p = realloc(*env, *cap * 2 * sizeof(char *));
		if (!p) {
			free(entry);
			return -1;
		}
		*env = p;
		*cap *= 2;
	}
	(*env)[(*n)++] = entry;
	(*env)[*n] = NULL;
	return 0;
}

/* Docker's --env-file rules (docker/cli opts/file.go, parseKeyValueFile): a UTF-8 byte-order mark
 * before the first line is dropped; leading whitespace is trimmed; empty lines and lines starting
 * with '#' are skipped; the name is what precedes the first '=' and must be non-empty and free of
 * spaces and tabs; the value after '=' is kept as is (no trimming, no quote processing). A line
 * with a name only takes its value from cuvet's own environment (docker run's, in Docker) and is
 * left out when that has no such variable. */
char **env_file_read(const char *path, struct cuvet_error *err)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		seterr(err, CUVET_E_IO, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t n = 0, cap = 16;
	char **env = calloc(cap, sizeof(char *));
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	unsigned lineno = 0;
	if (!env)
		seterr(err, CUVET_E_NOMEM, "out of memory reading %s", path);
	while (env && (len = getline(&line, &lcap, fp)) >= 0) {
		lineno++;
		/* bufio.Scanner's lines: "\n" or "\r\n" ends one */
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		char *s = line;
		if (lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		if (strlen(s) != (size_t)(len - (s - line))) {
			seterr(err, CUVET_E_INVALID, "%s:%u: a NUL byte in the line", path, lineno);
			goto bad;
		}
		/* Go's unicode.IsSpace for ASCII: tab, newline, vertical tab, form feed, CR, space */
		while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		size_t klen = strcspn(s, "=");
		if (klen == 0) {
			seterr(err, CUVET_E_INVALID, "%s:%u: no variable name before '='", path, lineno);
			goto bad;
		}
		if (strcspn(s, " \t") < klen) {
			seterr(err, CUVET_E_INVALID, "%s:%u: variable name '%.*s' contains whitespace", path, lineno,
			       (int)klen, s);
			goto bad;
		}
		if (s[klen] == '=') {
			if (env_push(&env, &n, &cap, strdup(s)) < 0)
				goto oom;
			continue;
		}
		/* a name alone: the value from cuvet's own environment, or nothing */
		const char *v = getenv(s);
		if (!v)
			continue;
		size_t need = klen + strlen(v) + 2;
		char *e = malloc(need);
		if (e)
			snprintf(e, need, "%s=%s", s, v);
		if (env_push(&env, &n, &cap, e) < 0)
			goto oom;
	}
	if (env && ferror(fp)) {
		seterr(err, CUVET_E_IO, "error reading %s: %s", path, strerror(errno));
		goto bad;
	}
	free(line);
	fclose(fp);
	return env;
oom:
	seterr(err, CUVET_E_NOMEM, "out of memory reading %s", path);
bad:
	env_free(env);
	free(line);
	fclose(fp);
	return NULL;
}

int cli_check_path(const char *cmd, const char *option, const char *path, enum cli_path_kind kind)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		cli_error(cmd, "%s %s: %s", option, path, strerror(errno));
		return EXIT_INPUT;
	}
	if (kind == CLI_PATH_DIR && !S_ISDIR(st.st_mode)) {
		cli_error(cmd, "%s %s: not a directory", option, path);
		return EXIT_INPUT;
	}
	if (kind == CLI_PATH_FILE && S_ISDIR(st.st_mode)) {
		cli_error(cmd, "%s %s: is a directory, not a file", option, path);
		return EXIT_INPUT;
	}
	if (kind == CLI_PATH_REGULAR && !S_ISREG(st.st_mode)) {
		cli_error(cmd, "%s %s: %s", option, path, S_ISDIR(st.st_mode) ? "is a directory, not a file" : "not a regular file");
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

int host_opts_finish(struct host_opts *o)
{
	/* A facts file is read, not probed: options that steer a probe would be silently ignored. */
	if (o->facts_file && o->probe_option) {
		cli_error(o->cmd, "%s has no effect with --facts (the facts were probed elsewhere)", o->probe_option);
		return EXIT_USAGE;
	}
	/* Every path an option names is checked before anything runs: a typo must not read as an
	 * empty root, an empty environment or a directory with nothing in it (exit 4, naming it). */
	int rc;
	if (o->probe.root && (rc = cli_check_path(o->cmd, "--root", o->probe.root, CLI_PATH_DIR)) != EXIT_OK)
		return rc;
	if (o->facts_file && strcmp(o->facts_file, "-") != 0 &&
	    (rc = cli_check_path(o->cmd, "--facts", o->facts_file, CLI_PATH_FILE)) != EXIT_OK)
		return rc;
	if (o->env_file && (rc = cli_check_path(o->cmd, "--env-file", o->env_file, CLI_PATH_FILE)) != EXIT_OK)
		return rc;
	/* A name without '/' is looked up by dlopen's search; a path must be a library file. */
	if (o->probe.nvml_library && strchr(o->probe.nvml_library, '/') &&
	    (rc = cli_check_path(o->cmd, "--nvml-lib", o->probe.nvml_library, CLI_PATH_REGULAR)) != EXIT_OK)
		return rc;
	if (o->probe.scan_dirs) {
		struct cuvet_error ferr = {0};
		struct cuvet_fs *fs = cuvet_fs_open(o->probe.root ? o->probe.root : "/", &ferr);
		if (!fs) {
			cli_error(o->cmd, "%s", ferr.msg[0] ? ferr.msg : "out of memory");
			return EXIT_INPUT;
		}
		for (const char *const *d = o->probe.scan_dirs; *d; d++) {
			enum cuvet_fs_type t = cuvet_fs_type(fs, *d, true);
			if (t != CUVET_FS_DIR) {
				cli_error(o->cmd, "--scan %s: %s%s%s", *d, t == CUVET_FS_NONE ? "no such directory" : "not a directory",
					  o->probe.root ? " under " : "", o->probe.root ? o->probe.root : "");
				cuvet_fs_free(fs);
				return EXIT_INPUT;
			}
		}
		cuvet_fs_free(fs);
	}
	if (o->env_file) {
		struct cuvet_error err = {0};
		o->env = env_file_read(o->env_file, &err);
		if (!o->env) {
			cli_error(o->cmd, "%s", err.msg[0] ? err.msg : "out of memory");
			return EXIT_INPUT;
		}
		o->probe.env = o->env;
	}
	return EXIT_OK;
}

void host_opts_release(struct host_opts *o)
{
	env_free(o->env);
	o->env = NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

const char *cuda_source_text(const char *source)
{
	if (str_eq(source, "nvml"))
		return "from NVML";
	if (str_eq(source, "libcuda"))
		return "from libcuda cuDriverGetVersion";
	if (str_eq(source, "inferred") || str_eq(source, "inferred-lower-bound"))
		return "inferred from the driver version by the knowledge base";
	return source ? source : "source unknown";
}

static const char *s_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static const char *tri(int v, const char *yes, const char *no)
{
	return v < 0 ? "unknown" : v ? yes : no;
}

void print_facts_text(FILE *out, const struct cuvet_facts *f)
{
	const struct cuvet_driver *d = &f->driver;
	fprintf(out, "Host\n");
	fprintf(out, "  root              %s\n", s_or(f->root, "/"));
	fprintf(out, "  os                %s\n", s_or(f->os_pretty, "unknown"));
	fprintf(out, "  glibc             %s\n", s_or(f->glibc_version, "unknown"));
	fprintf(out, "  arch              %s\n", s_or(f->arch, "unknown"));
	fprintf(out, "  container         %s\n", s_or(f->container, "none detected"));

	fprintf(out, "\nDriver\n");
	if (d->kernel_version)
		fprintf(out, "  kernel module     %s (%s)\n", d->kernel_version, s_or(d->kernel_flavour, "?"));
	else
		fprintf(out, "  kernel module     %s\n", d->module_loaded ? "loaded, version unreadable" : "not loaded");
	fprintf(out, "  libcuda.so.1      %s%s%s\n", s_or(d->libcuda_version, d->libcuda_path ? "version unknown" : "not found"),
		d->libcuda_path ? "  " : "", s_or(d->libcuda_path, ""));
	fprintf(out, "  libnvidia-ml.so.1 %s%s%s\n", s_or(d->libnvml_version, d->libnvml_path ? "version unknown" : "not found"),
		d->libnvml_path ? "  " : "", s_or(d->libnvml_path, ""));
	if (d->cuda_driver_version > 0)
		fprintf(out, "  CUDA (driver)     %s%d.%d (%s)\n",
			str_eq(d->cuda_driver_source, "inferred-lower-bound") ? "at least " : "", d->cuda_driver_version / 1000,
			(d->cuda_driver_version % 1000) / 10, cuda_source_text(d->cuda_driver_source));
	else
		fprintf(out, "  CUDA (driver)     unknown\n");
	if (d->nvml_status == -1)
		fprintf(out, "  NVML              not asked\n");
	else if (d->nvml_status == 0)
		fprintf(out, "  NVML              ok (NVML %s, driver %s)\n", s_or(d->nvml_version, "?"),
			s_or(d->nvml_driver_version, "?"));
	else
		fprintf(out, "  NVML              failed: %s\n", s_or(d->nvml_error, "unknown error"));

	fprintf(out, "\nGPUs (%zu)\n", f->ngpus);
	for (size_t i = 0; i < f->ngpus; i++) {
		const struct cuvet_gpu *g = &f->gpus[i];
		char cc[16] = "?";
		if (g->cc_major >= 0)
			snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
		fprintf(out, "  %d  %s  cc %s (%s)  %s  %s", g->index, s_or(g->name, "unknown GPU"), cc,
			s_or(g->cc_source, "?"), s_or(g->uuid, "-"), s_or(g->pci_bus_id, "-"));
		if (g->memory_mib)
			fprintf(out, "  %llu MiB", (unsigned long long)g->memory_mib);
		fprintf(out, "  brand %s  MIG %s  persistence %s  [%s]%s%s\n", s_or(g->brand, "unknown"),
			tri(g->mig_mode, "on", "off"), tri(g->persistence_mode, "on", "off"), s_or(g->source, "?"),
			g->visible ? "" : "  (not visible)", g->lost ? "  LOST" : "");
	}

	fprintf(out, "\nLibraries (%zu; * = a plain dlopen picks it)\n", f->nlibs);
	size_t wname = 4, wver = 7, wsrc = 6, wvia = 3;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		size_t a = strlen(l->name), b = strlen(s_or(l->version, "?")), c = strlen(s_or(l->version_source, "-")),
		       e = strlen(s_or(l->found_via, "-"));
		wname = a > wname ? a : wname;
		wver = b > wver ? b : wver;
		wsrc = c > wsrc ? c : wsrc;
		wvia = e > wvia ? e : wvia;
	}
	if (f->nlibs)
		fprintf(out, "    %-10s %-*s %-*s %-*s %-*s %s\n", "FAMILY", (int)wname, "NAME", (int)wver, "VERSION",
			(int)wsrc, "SOURCE", (int)wvia, "VIA", "PATH");
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		fprintf(out, "  %c %-10s %-*s %-*s %-*s %-*s %s\n", l->default_pick ? '*' : ' ', l->family, (int)wname,
			l->name, (int)wver, s_or(l->version, "?"), (int)wsrc, s_or(l->version_source, "-"), (int)wvia,
			s_or(l->found_via, "-"), l->path);
	}

	fprintf(out, "\nToolkits (%zu)\n", f->ntoolkits);
	for (size_t i = 0; i < f->ntoolkits; i++) {
		const struct cuvet_toolkit *t = &f->toolkits[i];
		fprintf(out, "  %s  %s (%s)", t->path, s_or(t->version, "?"), s_or(t->version_source, "?"));
		if (t->nvcc_version)
			fprintf(out, "  nvcc %s", t->nvcc_version);
		if (t->compat_dir)
			fprintf(out, "  compat libcuda %s", s_or(t->compat_libcuda_version, "none"));
		fputc('\n', out);
	}

	fprintf(out, "\nEnvironment\n");
	if (!f->nenv)
		fprintf(out, "  (no NVIDIA, CUDA or loader variables set)\n");
	for (size_t i = 0; i < f->nenv; i++) {
		const char *v = f->env[i].value;
		size_t n = strlen(v);
		if (n > 100)
			fprintf(out, "  %s=%.97s... (%zu characters)\n", f->env[i].key, v, n);
		else
			fprintf(out, "  %s=%s\n", f->env[i].key, v);
	}
	if (f->nnotes) {
		fprintf(out, "\nNotes\n");
		for (size_t i = 0; i < f->nnotes; i++)
			fprintf(out, "  %s\n", f->notes[i]);
	}
}

struct cuvet_facts *facts_read_file(const char *path, struct cuvet_error *err)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!fp) {
		seterr(err, CUVET_E_IO, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 65536 > cap) {
			if (cap > (size_t)256 << 20) {
				seterr(err, CUVET_E_RANGE, "%s: larger than 256 MiB", path);
				goto fail;
			}
			char *p = realloc(buf, cap = cap ? cap * 2 : 131072);
			if (!p) {
				seterr(err, CUVET_E_NOMEM, "out of memory reading %s", path);
				goto fail;
			}
			buf = p;
		}
		size_t n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		seterr(err, CUVET_E_IO, "error reading %s", path);
		goto fail;
	}
	if (fp != stdin)
		fclose(fp);
	struct cuvet_facts *f = cuvet_facts_from_json(buf, len, err);
	if (!f) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		seterr(err, err->code, "%s: %s", path, msg);
	}
	free(buf);
	return f;
fail:
	free(buf);
	if (fp != stdin)
		fclose(fp);
	return NULL;
}

struct cuvet_ctx *cli_ctx_new(const char *cmd, const char *kb_dir)
{
	struct cuvet_error err = {0};
	struct cuvet_ctx_opts o;
	cuvet_ctx_opts_init(&o);
	o.kb_dir = kb_dir;
	/* CUVET_TODAY=YYYY-MM-DD pins the date the end-of-life rules compare with (reproducible reports). */
	o.today = getenv("CUVET_TODAY");
	struct cuvet_ctx *ctx = cuvet_ctx_new(&o, &err);
	if (!ctx)
		cli_error(cmd, "%s%s", o.today && err.code == CUVET_E_INVALID && !kb_dir ? "CUVET_TODAY: " : "", err.msg);
	return ctx;
}

int frameworks_resolve(const struct host_opts *o, const struct cuvet_facts *f, const struct cuvet_kb *kb,
		       struct cuvet_why ***out, size_t *n)
{
	/* the frameworks cuvet_why_resolve_python has a row for */
	static const char *const pkgs[] = {"torch"};
	*out = NULL;
	*n = 0;
	bool pip = false;
	for (size_t i = 0; i < f->nlibs && !pip; i++)
		pip = f->libs[i].found_via &&
		      (strcmp(f->libs[i].found_via, "pip") == 0 || strcmp(f->libs[i].found_via, "conda") == 0);
	if (!pip)
		return EXIT_OK;
	struct cuvet_why **w = calloc(sizeof(pkgs) / sizeof(pkgs[0]), sizeof(*w));
	if (!w) {
		cli_error(o->cmd, "out of memory");
		return EXIT_INPUT;
	}
	struct cuvet_why_opts wo;
	cuvet_why_opts_init(&wo);
	wo.root = o->probe.root;
	wo.env = o->env;
	wo.kb = kb;
	/* the libraries NVIDIA components dlopen count: cuDNN 9 loads its sub-libraries (where
	 * cudnnGetVersion answers from) by SONAME, so an older cuDNN first on LD_LIBRARY_PATH is
	 * the one PyTorch's version check finds */
	wo.with_dlopen = true;
	/* only which copy the process loads matters here: no symbol-version pass over torch's
	 * libraries, no search for other copies (an init container's check must stay fast) */
	wo.symbol_versions = false;
	wo.explain = false;
	for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
		struct cuvet_error err = {0};
		w[*n] = cuvet_why_resolve_python(&wo, pkgs[i], &err);
		if (w[*n]) {
			(*n)++;
		} else if (err.code != CUVET_E_NOTFOUND) {
			cli_error(o->cmd, "import %s: %s", pkgs[i], err.msg);
			frameworks_free(w, *n);
			*n = 0;
			return EXIT_INPUT;
		}
	}
	*out = w;
	return EXIT_OK;
}

void frameworks_free(struct cuvet_why **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cuvet_why_free(w[i]);
	free(w);
}
