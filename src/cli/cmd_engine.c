/* cuvet engine inspect FILE...: what a TensorRT engine's header says (the TensorRT release that
 * built it, the GPU it was built on), read without TensorRT. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_opt engine_opts[] = {
	{"json", 0, NULL, OPT_JSON, "machine-readable output (schema cuvet.engine/1; several files: a JSON array)"},
	{"quiet", 'q', NULL, OPT_QUIET, "print nothing; only the exit status"},
	{"help", 'h', NULL, OPT_HELP, "show this help"},
	{0},
};

struct engine_opts {
	bool json, quiet;
};

static int engine_handler(int id, const char *arg, void *ctx)
{
	(void)arg;
	struct engine_opts *o = ctx;
	switch (id) {
	case OPT_JSON: o->json = true; return 0;
	case OPT_QUIET: o->quiet = true; return 0;
	default: return -1;
	}
}

/* The whole file at PATH into a malloc'ed buffer. Returns 0, 1 when it does not exist and
 * MISSING_OK, or -1 with ERR naming the file. */
static int read_whole(const char *path, bool missing_ok, unsigned char **data, size_t *len, struct cuvet_error *err)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (missing_ok && errno == ENOENT)
			return 1;
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
		err->code = CUVET_E_IO;
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		err->code = CUVET_E_IO;
		close(fd);
		return -1;
	}
	size_t n = (size_t)st.st_size;
	unsigned char *buf = malloc(n ? n : 1);
	if (!buf) {
		close(fd);
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
		err->code = CUVET_E_NOMEM;
		return -1;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path, r < 0 ? strerror(errno) : "file shrank while read");
			err->code = CUVET_E_IO;
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*data = buf;
	*len = n;
	return 0;
}

/* "PATH: MESSAGE" in ERR, whatever their lengths. */
static void prefix_path(const char *path, struct cuvet_error *err)
{
	char msg[sizeof(err->msg)];
	memcpy(msg, err->msg, sizeof(msg));
	size_t n = strlen(path);
	if (n > 200)
		n = 200;
	snprintf(err->msg, sizeof(err->msg), "%.*s: %.*s", (int)n, path, (int)(sizeof(err->msg) - n - 3), msg);
}

/* The whole engine is read: the ftrt container's size and the plan's checksum need it, and the
 * provenance record names the engine by its sha256. */
int engine_input_read(const char *path, struct engine_input *in, struct cuvet_error *err)
{
	memset(in, 0, sizeof(*in));
	unsigned char *buf, *rec = NULL;
	size_t len, rlen;
	if (read_whole(path, false, &buf, &len, err) < 0)
		return -1;
	int rc = cuvet_trt_engine_read(buf, len, &in->hdr, err);
	if (rc < 0) {
		prefix_path(path, err);
		free(buf);
		return -1;
	}
	size_t n = strlen(path) + sizeof(".cuvet.json");
	if (!(in->prov_path = malloc(n))) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		err->code = CUVET_E_NOMEM;
		rc = -1;
		goto out;
	}
	snprintf(in->prov_path, n, "%s.cuvet.json", path);
	int r = read_whole(in->prov_path, true, &rec, &rlen, err);
	if (r < 0) {
		rc = -1;
		goto out;
	}
	if (r == 0) {
		if (cuvet_engine_provenance_read((const char *)rec, rlen, buf, len, &in->prov, err) < 0) {
			prefix_path(in->prov_path, err);
			rc = -1;
			goto out;
		}
		in->have_prov = true;
	}
out:
	free(rec);
	free(buf);
	if (rc < 0)
		engine_input_release(in);
	return rc;
}

void engine_input_release(struct engine_input *in)
{
	cuvet_trt_engine_release(&in->hdr);
	cuvet_engine_provenance_release(&in->prov);
	free(in->prov_path);
	in->prov_path = NULL;
	in->have_prov = false;
}

static const char *tri(int v, const char *unknown)
{
	return v < 0 ? unknown : v ? "yes" : "no";
}

static void print_engine(const char *path, const struct cuvet_trt_engine *e)
{
	printf("%s: TensorRT engine", path);
	switch (e->family) {
	case CUVET_TRT_FAMILY_CONTAINER: printf(" (ftrt container, TensorRT 8.6 or later)\n"); break;
	case CUVET_TRT_FAMILY_PLAN: printf(" (ptrt plan, TensorRT 7.0 - 8.5)\n"); break;
	case CUVET_TRT_FAMILY_FLATBUFFER: printf(" (length-prefixed FlatBuffer, TensorRT 5 or 6)\n"); break;
	default: printf(" (unknown layout)\n"); break;
	}
	if (e->wrapper)
		printf("  %-21s %s, %zu bytes of metadata; the engine starts at offset %llu\n", "wrapper:", e->wrapper,
		       e->wrapper_metadata ? strlen(e->wrapper_metadata) : 0, (unsigned long long)e->engine_offset);
	if (e->version_known)
		printf("  %-21s %u.%u.%u.%u (%s)\n", "TensorRT:", e->version[0], e->version[1], e->version[2], e->version[3],
		       e->version_compatible == 0 ? "only a runtime of exactly this release loads it"
						  : "exactly this release loads it, unless the engine is version-compatible");
	else if (e->family == CUVET_TRT_FAMILY_CONTAINER && e->container_version != 0)
		printf("  %-21s UNKNOWN (container version %u: a layout not yet described)\n", "TensorRT:", e->container_version);
	else
		printf("  %-21s UNKNOWN (not recorded in a known field)\n", "TensorRT:");
	const struct cuvet_trt_device *d = &e->device;
	if (d->known) {
		printf("  %-21s compute capability %d.%d, %d SM%s", "built on GPU:", d->cc_major, d->cc_minor, d->sm_count,
		       d->sm_count == 1 ? "" : "s");
		if (d->total_memory)
			printf(", %llu MiB", (unsigned long long)(d->total_memory >> 20));
		printf(", %d-bit memory bus, L2 %llu KiB, %s\n", d->memory_bus_width, (unsigned long long)(d->l2_cache >> 10),
		       d->integrated == 1 ? "integrated (Jetson/Tegra)" : d->integrated == 0 ? "discrete" : "integrated: unknown");
	} else {
		printf("  %-21s UNKNOWN (the device block was not found)\n", "built on GPU:");
	}
	const char *unk = "UNKNOWN (not recorded in a known field)";
	printf("  %-21s %s\n", "version-compatible:", tri(e->version_compatible, unk));
	printf("  %-21s %s\n", "hardware-compatible:", tri(e->hardware_compatible, unk));
	if (e->family == CUVET_TRT_FAMILY_CONTAINER || e->family == CUVET_TRT_FAMILY_PLAN) {
		if (e->plan_layout)
			printf("  %-21s layout %s, serialization version %u, %llu bytes at offset %llu%s\n", "plan:",
			       cuvet_trt_plan_layout_name(e->plan_layout), e->serialization_version,
			       (unsigned long long)e->plan_size, (unsigned long long)e->plan_offset,
			       e->crc_ok == 1 ? ", CRC-32 ok" : e->crc_ok == 0 ? ", CRC-32 MISMATCH" : "");
		else
			printf("  %-21s layout UNKNOWN, %llu bytes at offset %llu\n", "plan:", (unsigned long long)e->plan_size,
			       (unsigned long long)e->plan_offset);
	}
	if (e->family == CUVET_TRT_FAMILY_CONTAINER && e->container_version == 0) {
		printf("  %-21s version 0, sections", "container:");
		for (unsigned i = 0; i < e->nsections && i < 8; i++)
			printf("%s %s", i ? "," : "", e->sections[i]);
		printf(", trailer %s\n", e->trailer_ok ? "ok" : "MISSING");
	}
}

static void print_provenance(const struct engine_input *in)
{
	const struct cuvet_engine_provenance *p = &in->prov;
	printf("  %-21s %s (%s)\n", "provenance:", in->prov_path,
	       p->subject_matches ? "about this engine" : "about other bytes: its subject's sha256 differs");
	if (!p->subject_matches)
		return;
	if (p->tensorrt)
		printf("    %-19s TensorRT %s%s%s%s\n", "built with:", p->tensorrt, p->tensorrt_source ? " (" : "",
		       p->tensorrt_source ? p->tensorrt_source : "", p->tensorrt_source ? ")" : "");
	if (p->driver)
		printf("    %-19s %s\n", "driver:", p->driver);
	if (p->gpu || p->compute_capability)
		printf("    %-19s %s%s%s%s\n", "GPU:", p->gpu ? p->gpu : "", p->gpu && p->compute_capability ? " " : "",
		       p->compute_capability ? "compute capability " : "", p->compute_capability ? p->compute_capability : "");
}

void engine_check_print(FILE *out, const char *path, const struct cuvet_engine_check *ec, bool color)
{
	const char *off = color ? "\033[0m" : "";
	fprintf(out, "\nEngine %s: %s%s%s\n", path, color ? (ec->verdict == CUVET_PASS ? "\033[32m" : ec->verdict == CUVET_UNKNOWN ? "\033[33m" : "\033[31m") : "",
		cuvet_verdict_name(ec->verdict), off);
	for (size_t i = 0; i < ec->nitems; i++) {
		const struct cuvet_engine_item *it = &ec->items[i];
		fprintf(out, "  %-9s %-7s needs %s; here: %s\n", it->name, it->warning ? "WARNING" : cuvet_verdict_name(it->verdict),
			it->needs, it->have ? it->have : "none");
		fprintf(out, "            %s\n", it->message);
	}
}

char *engine_json_add(char *doc, const struct cuvet_engine_check *ec, const char *path, struct cuvet_error *err)
{
	char *e = cuvet_engine_check_to_json(ec, path, false, err);
	char *s = e ? cuvet_json_add_member(doc, "engine", e, true, err) : NULL;
	free(e);
	free(doc);
	return s;
}

/* FAIL outweighs UNKNOWN outweighs PASS; an input or usage error stays. */
int engine_exit_merge(int code, enum cuvet_verdict v)
{
	int ev = cuvet_verdict_exit(v);
	if (code == EXIT_INPUT || code == EXIT_USAGE || ev == EXIT_OK)
		return code;
	if (ev == EXIT_PROBLEMS || code == EXIT_OK || ev == EXIT_INPUT)
		return ev;
	return code; /* both undetermined, or PROBLEMS already */
}

static int engine_run(int argc, char **argv)
{
	struct engine_opts o = {0};
	int code = EXIT_OK;
	int first = cli_parse(&cmd_engine, argc, argv, engine_handler, &o, &code);
	if (first < 0)
		return code;
	if (first >= argc || strcmp(argv[first], "inspect") != 0) {
		if (first < argc)
			cli_error("engine", "unknown subcommand '%s' (engine inspect FILE...)", argv[first]);
		else
			cli_error("engine", "missing subcommand (engine inspect FILE...)");
		return EXIT_USAGE;
	}
	first++;
	if (first >= argc) {
		cli_error("engine", "inspect: missing FILE");
		return EXIT_USAGE;
	}
	bool many = argc - first > 1, printed = false;
	if (o.json && many && !o.quiet)
		printf("[\n");
	for (int i = first; i < argc; i++) {
		struct cuvet_error err = {0};
		struct engine_input in;
		if (engine_input_read(argv[i], &in, &err) < 0) {
			cli_error("engine", "%s", err.msg);
			code = EXIT_INPUT;
			continue;
		}
		if (!o.quiet) {
			if (o.json) {
				char *s = cuvet_trt_engine_to_json(&in.hdr, argv[i], true, &err);
				if (s && in.have_prov) {
					char *p = cuvet_engine_provenance_to_json(&in.prov, in.prov_path, &err);
					char *t = p ? cuvet_json_add_member(s, "provenance", p, true, &err) : NULL;
					free(p);
					free(s);
					s = t;
				}
				if (!s) {
					cli_error("engine", "%s", err.msg);
					code = EXIT_INPUT;
				} else {
					printf("%s%s\n", printed ? ",\n" : "", s);
					printed = true;
					free(s);
				}
			} else {
				if (i > first)
					printf("\n");
				print_engine(argv[i], &in.hdr);
				if (in.have_prov)
					print_provenance(&in);
			}
		}
		engine_input_release(&in);
	}
	if (o.json && many && !o.quiet)
		printf("]\n");
	return cli_finish(code);
}

const struct cli_command cmd_engine = {
	"engine",
	"inspect [OPTIONS] FILE...",
	"what a TensorRT engine's header says: the TensorRT that built it, the GPU it was built on",
	"Reads the header of serialized TensorRT engines (.engine, .plan, .trt; also inside Ultralytics'\n"
	"metadata wrapper) without TensorRT: the exact release a runtime must be (unless the engine was\n"
	"built version-compatible), and the compute capability, SM count and memory of the GPU it was\n"
	"built on (a GPU of another compute capability cannot load it unless it was built hardware-\n"
	"compatible). Neither flag is recorded in a known field, so both are reported UNKNOWN for\n"
	"TensorRT 8.6 and later. Whether this host can load an engine: cuvet check --engine FILE.\n"
	"Exit status: 0, or 4 when a file cannot be read or is not a TensorRT engine.",
	engine_opts,
	engine_run,
};
