/* Locks (cuvet.lock/1, doc/lock.md): the model, the policies, a lock made from facts, and the check
 * of facts against a lock. Reading and writing the JSON is lock_json.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "facts.h"
#include "internal.h"
#include "libfamily.h"
#include "lock.h"
#include "sha256.h"

static const char *const policy_names[] = {"exact", "patch", "minor", "major", "min"};

const char *cuvet_lock_policy_name(enum cuvet_lock_policy p)
{
	return (unsigned)p < CUVET_ARRAY_LEN(policy_names) ? policy_names[p] : "?";
}

int cuvet_lock_policy_from_name(const char *name, enum cuvet_lock_policy *out)
{
	for (size_t i = 0; name && i < CUVET_ARRAY_LEN(policy_names); i++)
		if (strcmp(name, policy_names[i]) == 0) {
			*out = (enum cuvet_lock_policy)i;
			return 0;
		}
	return -1;
}

/* Why each default (doc/lock.md repeats it):
 * - TensorRT and cuDNN exact: a different build can pick other kernels or tactics, so a patch
 *   changes numerics, and a TensorRT engine deserialises only on the exact version it was built with.
 * - NCCL exact: every rank of a job must run the same NCCL version.
 * - the driver min: drivers are backward compatible; a newer driver runs what an older one built.
 * - glibc min: binaries need the symbol versions of the glibc they were linked against or newer.
 * - the compute capability exact: cubins and TensorRT engines built on the host target its GPU.
 * - the other CUDA libraries minor: within one major.minor NVIDIA keeps the API and the ABI. */
enum cuvet_lock_policy cuvet_lock_policy_default(const char *component)
{
	static const struct {
		const char *name;
		enum cuvet_lock_policy policy;
	} table[] = {
		{"tensorrt", CUVET_POLICY_EXACT},   {"cudnn", CUVET_POLICY_EXACT},
		{"nccl", CUVET_POLICY_EXACT},       {"compute-capability", CUVET_POLICY_EXACT},
		{"driver", CUVET_POLICY_MIN},       {"glibc", CUVET_POLICY_MIN},
	};
	for (size_t i = 0; component && i < CUVET_ARRAY_LEN(table); i++)
		if (strcmp(component, table[i].name) == 0)
			return table[i].policy;
	return CUVET_POLICY_MINOR;
}

enum cuvet_verdict cuvet_lock_policy_check(enum cuvet_lock_policy p, const char *locked, const char *actual)
{
	struct cuvet_version a, b;
	const char *aend = NULL, *bend = NULL;
	if (!locked || !actual || cuvet_version_parse_prefix(locked, &a, &aend, NULL) != 0 ||
	    cuvet_version_parse_prefix(actual, &b, &bend, NULL) != 0)
		return CUVET_ERROR;
	unsigned parts = 0; /* how many leading parts must be equal */
	switch (p) {
	case CUVET_POLICY_EXACT:
		/* "2.28.3-1+cuda13.0": the text after the numbers is part of the exact version */
		return cuvet_version_cmp(&a, &b) == 0 && strcmp(aend, bend) == 0 ? CUVET_PASS : CUVET_FAIL;
	case CUVET_POLICY_MIN:
		return cuvet_version_cmp(&b, &a) >= 0 ? CUVET_PASS : CUVET_FAIL;
	case CUVET_POLICY_PATCH: parts = 3; break;
	case CUVET_POLICY_MINOR: parts = 2; break;
	case CUVET_POLICY_MAJOR: parts = 1; break;
	default: return CUVET_ERROR;
	}
	for (unsigned i = 0; i < parts; i++) {
		uint32_t x = i < a.nparts ? a.part[i] : 0, y = i < b.nparts ? b.part[i] : 0;
		if (x != y)
			return CUVET_FAIL;
	}
	return CUVET_PASS;
}

/* ---------------------------------------------------------------- model ---- */

void lock_component_release(struct cuvet_lock_component *c)
{
	free(c->name);
	free(c->version);
	free(c->source);
	free(c->path);
}

void lock_artifact_release(struct cuvet_lock_artifact *a)
{
	free(a->path);
	free(a->sha256);
	free(a->kind);
	free(a->tensorrt);
	free(a->compute_capability);
}

void lock_gpu_release(struct cuvet_lock_gpu *g)
{
	free(g->name);
	free(g->compute_capability);
	free(g->uuid);
}

void cuvet_lock_free(struct cuvet_lock *lock)
{
	if (!lock)
		return;
	free(lock->created);
	free(lock->generator);
	free(lock->source);
	free(lock->hostname);
	free(lock->base_image);
	free(lock->base_digest);
	free(lock->driver_cuda);
	for (size_t i = 0; i < lock->ngpus; i++)
		lock_gpu_release(&lock->gpus[i]);
	free(lock->gpus);
	for (size_t i = 0; i < lock->ncomponents; i++)
		lock_component_release(&lock->components[i]);
	free(lock->components);
	for (size_t i = 0; i < lock->nartifacts; i++)
		lock_artifact_release(&lock->artifacts[i]);
	free(lock->artifacts);
	lock_doc_free(lock->doc);
	free(lock);
}

/* Copies S into *DST; false when out of memory (S NULL gives NULL). */
static bool dup_into(char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return true;
	*dst = xstrdup(s);
	return *dst != NULL;
}

int lock_add_component(struct cuvet_lock *lock, size_t *cap, const char *name, const char *version, const char *source,
		       const char *path, enum cuvet_lock_policy policy)
{
	if (xgrow(&lock->components, cap, lock->ncomponents, sizeof(*lock->components)) != 0)
		return -1;
	struct cuvet_lock_component *c = &lock->components[lock->ncomponents];
	memset(c, 0, sizeof(*c));
	c->policy = policy;
	if (!dup_into(&c->name, name) || !dup_into(&c->version, version) || !dup_into(&c->source, source) ||
	    !dup_into(&c->path, path)) {
		lock_component_release(c);
		return -1;
	}
	lock->ncomponents++;
	return 0;
}

const struct cuvet_lock_component *lock_find_component(const struct cuvet_lock *lock, const char *name)
{
	for (size_t i = 0; i < lock->ncomponents; i++)
		if (strcmp(lock->components[i].name, name) == 0)
			return &lock->components[i];
	return NULL;
}

int cuvet_time_rfc3339(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	if (now == (time_t)-1 || !gmtime_r(&now, &tm) || len < 21)
		return -1;
	return strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0 ? 0 : -1;
}

/* ----------------------------------------------------- the stack of facts ---- */

/* The length of a library file name's base ("libcublasLt.so.13" -> 11): a family's main library
 * has the shortest (libcublas before libcublasLt, libcudnn before libcudnn_graph, libnvinfer
 * before libnvinfer_plugin). */
static size_t base_len(const char *name)
{
	const char *so = strstr(name, ".so");
	return so ? (size_t)(so - name) : strlen(name);
}

/* Whether L is a copy a process loads and a lock should name: a plain dlopen's pick, neither a
 * stub nor a forward-compat copy, with a version. */
static bool lib_counts(const struct cuvet_lib *l)
{
	return l->family && l->name && l->version && l->default_pick && !l->stub && !l->compat &&
	       strcmp(l->family, "cuda") != 0 && strcmp(l->family, "nvml") != 0;
}

/* The library copy that stands for FAMILY: the main library's pick, the newest when several are. */
static const struct cuvet_lib *family_pick(const struct cuvet_facts *f, const char *family)
{
	const struct cuvet_lib *best = NULL;
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *l = &f->libs[i];
		if (!lib_counts(l) || strcmp(l->family, family) != 0)
			continue;
		if (!best) {
			best = l;
			continue;
		}
		size_t lb = base_len(l->name), bb = base_len(best->name);
		if (lb < bb || (lb == bb && version_cmp_loose(l->version, best->version) > 0))
			best = l;
	}
	return best;
}

/* The compute capabilities of the visible GPUs: "9.0" when they share one, "8.0,9.0" (sorted,
 * distinct) when not; NULL with *UNKNOWN when one is unknown, NULL when no GPU is visible. */
static char *visible_cc(const struct cuvet_facts *f, bool *unknown)
{
	struct sbuf b;
	sbuf_init(&b);
	*unknown = false;
	size_t n = 0;
	/* at most a handful of distinct values: a quadratic scan in ascending order */
	int last = -1;
	for (;;) {
		int next = -1;
		for (size_t i = 0; i < f->ngpus; i++) {
			const struct cuvet_gpu *g = &f->gpus[i];
			if (!g->visible)
				continue;
			if (g->cc_major < 0 || g->cc_minor < 0) {
				*unknown = true;
				continue;
			}
			int v = g->cc_major * 100 + g->cc_minor;
			if (v > last && (next < 0 || v < next))
				next = v;
		}
		if (next < 0)
			break;
		sbuf_addf(&b, "%s%d.%d", n ? "," : "", next / 100, next % 100);
		n++;
		last = next;
	}
	if (*unknown || n == 0) {
		sbuf_release(&b);
		return NULL;
	}
	return sbuf_steal(&b);
}

static const char *gpu_cc_source(const struct cuvet_facts *f)
{
	for (size_t i = 0; i < f->ngpus; i++)
		if (f->gpus[i].visible && f->gpus[i].cc_source)
			return f->gpus[i].cc_source;
	return NULL;
}

/* The families in the order a lock lists them. */
static const char *const lock_families[] = {
	"cudart", "cublas", "cudnn", "tensorrt", "nccl", "cufft", "curand", "cusparse", "cusparselt",
	"cusolver", "nvrtc", "nvjitlink", "cupti",
};

struct cuvet_lock *cuvet_lock_from_facts(const struct cuvet_facts *facts, const struct cuvet_lock_opts *opts,
					 struct cuvet_error *err)
{
	if (!facts)
		return err_set(err, CUVET_E_INVALID, "no facts to lock"), NULL;
	struct cuvet_lock *lock = calloc(1, sizeof(*lock));
	char *cc = NULL;
	if (!lock)
		goto oom;
	char now[32];
	const char *created = opts && opts->created ? opts->created : NULL;
	if (!created) {
		if (cuvet_time_rfc3339(now, sizeof(now)) != 0) {
			err_set(err, CUVET_E_IO, "cannot read the clock");
			goto fail;
		}
		created = now;
	}
	char gen[64];
	snprintf(gen, sizeof(gen), "cuvet %s", cuvet_library_version());
	if (!dup_into(&lock->created, created) || !dup_into(&lock->generator, gen) ||
	    !dup_into(&lock->source, opts && opts->source ? opts->source : "host") ||
	    !dup_into(&lock->hostname, facts->hostname))
		goto oom;
	if (opts && opts->base_image) {
		const char *at = strchr(opts->base_image, '@');
		if (!at || !sha256_valid(at + 1)) {
			err_set(err, CUVET_E_INVALID, "base image '%s': give it by digest, REF@sha256:<64 hex digits>",
				opts->base_image);
			goto fail;
		}
		lock->base_image = xstrndup(opts->base_image, (size_t)(at - opts->base_image));
		lock->base_digest = xstrdup(at + 1);
		if (!lock->base_image || !lock->base_digest)
			goto oom;
	}
	if (facts->driver.cuda_driver_version > 0) {
		lock->driver_cuda = xasprintf("%d.%d", facts->driver.cuda_driver_version / 1000,
					      facts->driver.cuda_driver_version % 1000 / 10);
		if (!lock->driver_cuda)
			goto oom;
	}
	size_t gcap = 0, ccap = 0;
	for (size_t i = 0; i < facts->ngpus; i++) {
		const struct cuvet_gpu *g = &facts->gpus[i];
		if (!g->visible)
			continue;
		if (xgrow(&lock->gpus, &gcap, lock->ngpus, sizeof(*lock->gpus)) != 0)
			goto oom;
		struct cuvet_lock_gpu *lg = &lock->gpus[lock->ngpus++];
		memset(lg, 0, sizeof(*lg));
		if (!dup_into(&lg->name, g->name) || !dup_into(&lg->uuid, g->uuid))
			goto oom;
		if (g->cc_major >= 0 && g->cc_minor >= 0 &&
		    !(lg->compute_capability = xasprintf("%d.%d", g->cc_major, g->cc_minor)))
			goto oom;
	}
	const char *dsrc = NULL;
	const char *driver = facts_driver_version(facts, &dsrc);
	if (driver && lock_add_component(lock, &ccap, "driver", driver, dsrc, NULL,
					 cuvet_lock_policy_default("driver")) != 0)
		goto oom;
	bool cc_unknown = false;
	cc = visible_cc(facts, &cc_unknown);
	/* several distinct compute capabilities make no single version: the GPUs stay listed, and the
	 * component is left out rather than guessed */
	if (cc && !strchr(cc, ',') &&
	    lock_add_component(lock, &ccap, "compute-capability", cc, gpu_cc_source(facts), NULL,
			       cuvet_lock_policy_default("compute-capability")) != 0)
		goto oom;
	for (size_t i = 0; i < CUVET_ARRAY_LEN(lock_families); i++) {
		const struct cuvet_lib *l = family_pick(facts, lock_families[i]);
		if (l && lock_add_component(lock, &ccap, lock_families[i], l->version, l->version_source,
					    l->real_path ? l->real_path : l->path,
					    cuvet_lock_policy_default(lock_families[i])) != 0)
			goto oom;
	}
	if (facts->glibc_version && lock_add_component(lock, &ccap, "glibc", facts->glibc_version, "facts", NULL,
						       cuvet_lock_policy_default("glibc")) != 0)
		goto oom;
	free(cc);
	return lock;
oom:
	err_set(err, CUVET_E_NOMEM, "out of memory");
fail:
	free(cc);
	cuvet_lock_free(lock);
	return NULL;
}

int cuvet_lock_set_policy(struct cuvet_lock *lock, const char *name, enum cuvet_lock_policy p, struct cuvet_error *err)
{
	for (size_t i = 0; lock && name && i < lock->ncomponents; i++)
		if (strcmp(lock->components[i].name, name) == 0) {
			lock->components[i].policy = p;
			return 0;
		}
	return err_set(err, CUVET_E_NOTFOUND, "the lock has no component '%s'", name ? name : "");
}

/* ------------------------------------------------------------- artifacts ---- */

int cuvet_file_sha256(const char *path, char out[72], struct cuvet_error *err)
{
	return sha256_file(path, out, err);
}

const char *artifact_kind_bytes(const unsigned char *b, size_t n, const char *name)
{
	/* TensorRT plans: 'ptrt' bare (7.0-8.5) or 'ftrt' container (8.6+), ../shared/formats/trt-engine.md */
	if (n >= 4 && (memcmp(b, "ptrt", 4) == 0 || memcmp(b, "ftrt", 4) == 0))
		return "tensorrt-engine";
	/* a fatbin's magic 0xBA55ED50, little-endian */
	if (n >= 4 && b[0] == 0x50 && b[1] == 0xED && b[2] == 0x55 && b[3] == 0xBA)
		return "fatbin";
	if (n >= 20 && memcmp(b, "\177ELF", 4) == 0 && (b[5] == 1 || b[5] == 2)) {
		bool le = b[5] == 1;
		unsigned type = le ? (unsigned)(b[16] | b[17] << 8) : (unsigned)(b[16] << 8 | b[17]);
		unsigned machine = le ? (unsigned)(b[18] | b[19] << 8) : (unsigned)(b[18] << 8 | b[19]);
		if (machine == 190) /* EM_CUDA */
			return "cubin";
		if (type == 1)
			return "object";
		if (type == 2)
			return "binary";
		if (type == 3) /* ET_DYN: a PIE executable or a shared library; the name tells them apart */
			return name && strstr(name, ".so") ? "shared-library" : "binary";
		return "elf";
	}
	if (name && str_ends(name, ".onnx"))
		return "onnx";
	return "file";
}

const char *cuvet_artifact_kind(const char *path, struct cuvet_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "%s", path), NULL;
	unsigned char b[64];
	ssize_t n;
	do
		n = read(fd, b, sizeof(b));
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0)
		return err_sys(err, e, "%s", path), NULL;
	const char *slash = strrchr(path, '/');
	return artifact_kind_bytes(b, (size_t)n, slash ? slash + 1 : path);
}

int artifact_engine_info(const char *path, bool *is_engine, char **tensorrt, char **cc, struct cuvet_error *err)
{
	*is_engine = false;
	*tensorrt = *cc = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "%s", path);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return err_sys(err, e, "%s", path);
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 8) {
		close(fd);
		return 0;
	}
	/* mapped, not read: engines run to gigabytes and the reader looks at a few places */
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return err_sys(err, e, "%s: mmap", path);
	struct cuvet_trt_engine eng;
	struct cuvet_error rerr = {0};
	int rc = 0;
	if (cuvet_trt_engine_read(map, (size_t)st.st_size, &eng, &rerr) == 0) {
		*is_engine = true;
		if (eng.version_known &&
		    !(*tensorrt = xasprintf("%u.%u.%u.%u", eng.version[0], eng.version[1], eng.version[2], eng.version[3])))
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
		if (rc == 0 && eng.device.known && !(*cc = xasprintf("%d.%d", eng.device.cc_major, eng.device.cc_minor)))
			rc = err_set(err, CUVET_E_NOMEM, "out of memory");
		cuvet_trt_engine_release(&eng);
	} else if (rerr.code == CUVET_E_NOMEM) {
		rc = err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	/* a file the reader refuses is simply not an engine: its kind stays what its bytes say */
	munmap(map, (size_t)st.st_size);
	if (rc != 0) {
		free(*tensorrt);
		free(*cc);
		*tensorrt = *cc = NULL;
	}
	return rc;
}

int cuvet_lock_add_artifact(struct cuvet_lock *lock, const char *path, struct cuvet_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return err_sys(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return err_set(err, CUVET_E_INVALID, "%s: not a regular file", path);
	char digest[SHA256_DIGEST_STR];
	if (sha256_file(path, digest, err) != 0)
		return -1;
	const char *kind = cuvet_artifact_kind(path, err);
	if (!kind)
		return -1;
	struct cuvet_lock_artifact a = {0};
	a.size = (uint64_t)st.st_size;
	/* the engine header reader (readers/trtengine.c) also knows engines behind a wrapper, and gives the
	 * TensorRT release and the build GPU's compute capability when the header records them */
	bool engine = false;
	if ((strcmp(kind, "tensorrt-engine") == 0 || strcmp(kind, "file") == 0) &&
	    artifact_engine_info(path, &engine, &a.tensorrt, &a.compute_capability, err) != 0)
		return -1;
	if (engine)
		kind = "tensorrt-engine";
	if (!dup_into(&a.path, path) || !dup_into(&a.sha256, digest) || !dup_into(&a.kind, kind)) {
		lock_artifact_release(&a);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < lock->nartifacts; i++)
		if (strcmp(lock->artifacts[i].path, path) == 0) {
			lock_artifact_release(&lock->artifacts[i]);
			lock->artifacts[i] = a;
			return 0;
		}
	size_t cap = lock->nartifacts;
	if (xgrow(&lock->artifacts, &cap, lock->nartifacts, sizeof(*lock->artifacts)) != 0) {
		lock_artifact_release(&a);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	lock->artifacts[lock->nartifacts++] = a;
	return 0;
}

/* ----------------------------------------------------------------- verify ---- */

void cuvet_lock_report_free(struct cuvet_lock_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nchecks; i++) {
		free(r->checks[i].actual);
		free(r->checks[i].reason);
	}
	free(r->checks);
	for (size_t i = 0; i < r->nextra; i++)
		free(r->extra[i]);
	free(r->extra);
	free(r);
}

/* What a policy asks of LOCKED, in words: "exactly 9.7.1.26", "12.8.x (locked 12.8.57)",
 * "570.86.10 or newer". Malloc'ed. */
static char *policy_need(enum cuvet_lock_policy p, const char *locked)
{
	struct cuvet_version v;
	const char *end;
	unsigned keep = p == CUVET_POLICY_PATCH ? 3 : p == CUVET_POLICY_MINOR ? 2 : 1;
	if (p == CUVET_POLICY_EXACT)
		return xasprintf("exactly %s", locked);
	if (p == CUVET_POLICY_MIN)
		return xasprintf("%s or newer", locked);
	if (cuvet_version_parse_prefix(locked, &v, &end, NULL) != 0)
		return xasprintf("%s (%s)", locked, cuvet_lock_policy_name(p));
	struct sbuf b;
	sbuf_init(&b);
	for (unsigned i = 0; i < keep; i++)
		sbuf_addf(&b, "%s%u", i ? "." : "", i < v.nparts ? v.part[i] : 0);
	sbuf_addf(&b, ".x (locked %s)", locked);
	return sbuf_steal(&b);
}

/* What the stack has for component NAME: its version (malloc'ed into *ACTUAL, NULL when it has
 * none), *UNKNOWN when the facts cannot say, *WHERE where it came from. -1 out of memory. */
static int stack_actual(const struct cuvet_facts *f, const char *name, char **actual, bool *unknown,
			const char **where, const char **vsource)
{
	*vsource = NULL;
	*actual = NULL;
	*unknown = false;
	*where = NULL;
	if (strcmp(name, "driver") == 0) {
		const char *v = facts_driver_version(f, where);
		if (v)
			return (*actual = xstrdup(v)) ? 0 : -1;
		/* a facts file of a host with no driver at all says so; one that says nothing is unknown */
		*unknown = f->driver.present;
		return 0;
	}
	if (strcmp(name, "compute-capability") == 0) {
		*actual = visible_cc(f, unknown);
		*where = gpu_cc_source(f);
		if (!*actual && !*unknown) {
			for (size_t i = 0; i < f->ngpus; i++)
				if (f->gpus[i].visible)
					return -1; /* a visible GPU, yet no string: out of memory */
		}
		return 0;
	}
	if (strcmp(name, "glibc") == 0) {
		*unknown = !f->glibc_version;
		return f->glibc_version && !(*actual = xstrdup(f->glibc_version)) ? -1 : 0;
	}
	const struct cuvet_lib *l = family_pick(f, name);
	if (l) {
		*where = l->real_path ? l->real_path : l->path;
		*vsource = l->version_source;
		return (*actual = xstrdup(l->version)) ? 0 : -1;
	}
	/* a copy of the family found without a version: it is there, but which one is unknown */
	for (size_t i = 0; i < f->nlibs; i++) {
		const struct cuvet_lib *c = &f->libs[i];
		if (c->family && strcmp(c->family, name) == 0 && c->default_pick && !c->stub && !c->compat &&
		    !c->version)
			*unknown = true;
	}
	return 0;
}

/* A version read from a SONAME alone ("libcudnn.so.9" -> "9") says only the major. */
static bool major_only(const char *source)
{
	return source && strcmp(source, "soname") == 0;
}

/* A policy checked when one side knows only its major: the majors decide when they differ (or the
 * policy pins only the major); otherwise it cannot be told. */
static enum cuvet_verdict check_major_only(enum cuvet_lock_policy p, const char *locked, const char *actual)
{
	struct cuvet_version a, b;
	const char *end;
	if (cuvet_version_parse_prefix(locked, &a, &end, NULL) != 0 || cuvet_version_parse_prefix(actual, &b, &end, NULL) != 0)
		return CUVET_ERROR;
	uint32_t x = a.part[0], y = b.part[0];
	if (p == CUVET_POLICY_MIN)
		return y > x ? CUVET_PASS : y < x ? CUVET_FAIL : CUVET_UNKNOWN;
	if (x != y)
		return CUVET_FAIL;
	return p == CUVET_POLICY_MAJOR ? CUVET_PASS : CUVET_UNKNOWN;
}

static int check_artifact(const struct cuvet_lock_artifact *a, struct cuvet_lock_check *c, struct cuvet_error *err)
{
	char digest[SHA256_DIGEST_STR];
	struct cuvet_error e = {0};
	c->expected = a->sha256;
	c->policy = CUVET_POLICY_EXACT;
	if (sha256_file(a->path, digest, &e) != 0) {
		if (e.code == CUVET_E_NOMEM)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		c->verdict = CUVET_UNKNOWN;
		c->reason = xasprintf("cannot hash %s: %s", a->path, e.msg);
	} else {
		c->actual = xstrdup(digest);
		c->verdict = strcmp(digest, a->sha256 ? a->sha256 : "") == 0 ? CUVET_PASS : CUVET_FAIL;
		c->reason = c->verdict == CUVET_PASS ? xasprintf("%s is the file locked", a->path)
						     : xasprintf("%s changed since it was locked", a->path);
		if (!c->actual)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	return c->reason ? 0 : err_set(err, CUVET_E_NOMEM, "out of memory");
}

static int verdict_rank(enum cuvet_verdict v)
{
	switch (v) {
	case CUVET_PASS: return 0;
	case CUVET_UNKNOWN: return 1;
	case CUVET_ERROR: return 2;
	case CUVET_FAIL: return 3;
	}
	return 3;
}

struct cuvet_lock_report *cuvet_lock_verify(const struct cuvet_lock *lock, const struct cuvet_facts *facts,
					    const struct cuvet_lock_verify_opts *opts, struct cuvet_error *err)
{
	if (!lock || !facts)
		return err_set(err, CUVET_E_INVALID, "verify needs a lock and facts"), NULL;
	struct cuvet_lock_report *r = calloc(1, sizeof(*r));
	size_t nart = opts && opts->artifacts ? lock->nartifacts : 0;
	if (!r || !(r->checks = calloc(lock->ncomponents + nart + 1, sizeof(*r->checks))))
		goto oom;
	r->verdict = CUVET_PASS;
	for (size_t i = 0; i < lock->ncomponents; i++) {
		const struct cuvet_lock_component *lc = &lock->components[i];
		struct cuvet_lock_check *c = &r->checks[r->nchecks++];
		c->component = lc->name;
		c->policy = lc->policy;
		c->expected = lc->version;
		bool unknown;
		const char *where, *vsource;
		if (stack_actual(facts, lc->name, &c->actual, &unknown, &where, &vsource) != 0)
			goto oom;
		bool is_cc = strcmp(lc->name, "compute-capability") == 0;
		const char *what = is_cc ? "compute capability" : lc->name;
		char *need = policy_need(lc->policy, lc->version);
		char from[4200] = "";
		if (!need)
			goto oom;
		if (where)
			snprintf(from, sizeof(from), " (%s)", where);
		if (!c->actual && unknown) {
			c->verdict = CUVET_UNKNOWN;
			c->reason = is_cc ? xasprintf("a visible GPU's compute capability is unknown; the lock needs %s", need)
					  : xasprintf("%s is there but its version is unknown; the lock needs %s", what, need);
		} else if (!c->actual) {
			c->verdict = CUVET_FAIL;
			c->reason = is_cc ? xasprintf("no visible GPU; the lock needs compute capability %s", need)
					  : xasprintf("no %s here; the lock needs %s", what, need);
		} else if (strchr(c->actual, ',')) {
			/* GPUs of several compute capabilities: every one must satisfy the policy */
			c->verdict = CUVET_PASS;
			char *save = NULL, *copy = xstrdup(c->actual);
			if (!copy) {
				free(need);
				goto oom;
			}
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				enum cuvet_verdict v = cuvet_lock_policy_check(lc->policy, lc->version, t);
				if (verdict_rank(v) > verdict_rank(c->verdict))
					c->verdict = v;
			}
			free(copy);
			c->reason = xasprintf("GPUs of compute capability %s; the lock needs %s on every one", c->actual, need);
		} else if (major_only(lc->source) || major_only(vsource)) {
			c->verdict = check_major_only(lc->policy, lc->version, c->actual);
			c->reason = xasprintf("%s %s%s: only its major is known (%s has no version beyond its SONAME); "
					      "the lock needs %s",
					      what, c->actual, from, major_only(vsource) ? "this copy" : "the locked copy", need);
		} else {
			c->verdict = cuvet_lock_policy_check(lc->policy, lc->version, c->actual);
			if (c->verdict == CUVET_ERROR)
				c->reason = xasprintf("'%s' or '%s' is not a version", lc->version, c->actual);
			else
				c->reason = xasprintf("%s %s%s%s %s", what, c->actual, from,
						      c->verdict == CUVET_PASS ? ": fits" : "; the lock needs", need);
		}
		free(need);
		if (!c->reason)
			goto oom;
		if (c->verdict == CUVET_UNKNOWN && opts && opts->unknown_passes)
			r->nassumed++;
		else if (verdict_rank(c->verdict) > verdict_rank(r->verdict))
			r->verdict = c->verdict;
	}
	for (size_t i = 0; i < nart; i++) {
		struct cuvet_lock_check *c = &r->checks[r->nchecks++];
		c->component = lock->artifacts[i].path;
		if (check_artifact(&lock->artifacts[i], c, err) != 0)
			goto fail;
		if (c->verdict == CUVET_UNKNOWN && opts->unknown_passes)
			r->nassumed++;
		else if (verdict_rank(c->verdict) > verdict_rank(r->verdict))
			r->verdict = c->verdict;
	}
	/* families this stack has and the lock does not: new, not drift, but worth a line */
	size_t xcap = 0;
	for (size_t i = 0; i < CUVET_ARRAY_LEN(lock_families); i++) {
		const struct cuvet_lib *l = family_pick(facts, lock_families[i]);
		if (!l || lock_find_component(lock, lock_families[i]))
			continue;
		if (xgrow(&r->extra, &xcap, r->nextra, sizeof(*r->extra)) != 0 ||
		    !(r->extra[r->nextra] = xasprintf("%s %s", lock_families[i], l->version)))
			goto oom;
		r->nextra++;
	}
	return r;
oom:
	err_set(err, CUVET_E_NOMEM, "out of memory");
fail:
	cuvet_lock_report_free(r);
	return NULL;
}
