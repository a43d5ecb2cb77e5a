/* cuvet.lock/1 read and written (doc/lock.md, doc/cuvet.lock.schema.json), atomic writes, the
 * verify report's JSON and provenance records (cuvet.provenance/1, doc/provenance.md). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "internal.h"
#include "lock.h"
#include "sha256.h"

#define LOCK_SCHEMA "cuvet.lock/1"
#define PROVENANCE_SCHEMA "cuvet.provenance/1"

void lock_doc_free(void *doc)
{
	json_decref(doc);
}

/* ------------------------------------------------------------------ read ---- */

/* *OUT gets a copy of the string member KEY of OBJ, NULL when absent or null. -1 (ERR filled) when
 * it is of another type or memory runs out. */
static int get_str(const json_t *obj, const char *key, const char *where, char **out, bool required,
		   struct cuvet_error *err)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			return err_set(err, CUVET_E_INVALID, "lock: %s has no \"%s\"", where, key);
		return 0;
	}
	if (!json_is_string(v))
		return err_set(err, CUVET_E_INVALID, "lock: %s \"%s\" is not a string", where, key);
	*out = xstrdup(json_string_value(v));
	return *out ? 0 : err_set(err, CUVET_E_NOMEM, "out of memory");
}

/* The array member KEY of OBJ (NULL when absent); -1 when it is something else. */
static int get_array(const json_t *obj, const char *key, json_t **out, struct cuvet_error *err)
{
	*out = json_object_get(obj, key);
	if (*out && json_is_null(*out))
		*out = NULL;
	if (*out && !json_is_array(*out))
		return err_set(err, CUVET_E_INVALID, "lock: \"%s\" is not an array", key);
	return 0;
}

static int parse_component(const json_t *o, size_t i, struct cuvet_lock_component *c, struct cuvet_error *err)
{
	char where[48];
	snprintf(where, sizeof(where), "components[%zu]", i);
	if (!json_is_object(o))
		return err_set(err, CUVET_E_INVALID, "lock: %s is not an object", where);
	char *policy = NULL;
	if (get_str(o, "name", where, &c->name, true, err) || get_str(o, "version", where, &c->version, true, err) ||
	    get_str(o, "source", where, &c->source, false, err) || get_str(o, "path", where, &c->path, false, err) ||
	    get_str(o, "policy", where, &policy, true, err))
		goto fail;
	if (!*c->name) {
		err_set(err, CUVET_E_INVALID, "lock: %s has an empty name", where);
		goto fail;
	}
	if (cuvet_lock_policy_from_name(policy, &c->policy) != 0) {
		err_set(err, CUVET_E_INVALID, "lock: %s (%s): unknown policy '%s' (exact, patch, minor, major, min)",
			where, c->name, policy);
		goto fail;
	}
	if (cuvet_version_parse_prefix(c->version, &(struct cuvet_version){0}, &(const char *){NULL}, NULL) != 0) {
		err_set(err, CUVET_E_INVALID, "lock: %s (%s): '%s' is not a version", where, c->name, c->version);
		goto fail;
	}
	free(policy);
	return 0;
fail:
	free(policy);
	return -1;
}

static int parse_artifact(const json_t *o, size_t i, struct cuvet_lock_artifact *a, struct cuvet_error *err)
{
	char where[48];
	snprintf(where, sizeof(where), "artifacts[%zu]", i);
	if (!json_is_object(o))
		return err_set(err, CUVET_E_INVALID, "lock: %s is not an object", where);
	if (get_str(o, "path", where, &a->path, true, err) || get_str(o, "sha256", where, &a->sha256, true, err) ||
	    get_str(o, "kind", where, &a->kind, true, err) || get_str(o, "tensorrt", where, &a->tensorrt, false, err) ||
	    get_str(o, "compute_capability", where, &a->compute_capability, false, err))
		return -1;
	if (!sha256_valid(a->sha256))
		return err_set(err, CUVET_E_INVALID, "lock: %s (%s): sha256 is not \"sha256:\" and 64 lower-case hex digits",
			       where, a->path);
	json_t *size = json_object_get(o, "size");
	if (size && !json_is_null(size)) {
		if (!json_is_integer(size) || json_integer_value(size) < 0)
			return err_set(err, CUVET_E_INVALID, "lock: %s \"size\" is not a non-negative integer", where);
		a->size = (uint64_t)json_integer_value(size);
	}
	return 0;
}

static int parse_gpu(const json_t *o, size_t i, struct cuvet_lock_gpu *g, struct cuvet_error *err)
{
	char where[48];
	snprintf(where, sizeof(where), "host.gpus[%zu]", i);
	if (!json_is_object(o))
		return err_set(err, CUVET_E_INVALID, "lock: %s is not an object", where);
	if (get_str(o, "name", where, &g->name, false, err) ||
	    get_str(o, "compute_capability", where, &g->compute_capability, false, err) ||
	    get_str(o, "uuid", where, &g->uuid, false, err))
		return -1;
	return 0;
}

struct cuvet_lock *cuvet_lock_parse(const char *text, size_t len, struct cuvet_error *err)
{
	if (!text)
		return err_set(err, CUVET_E_INVALID, "lock: no text"), NULL;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(err, CUVET_E_INVALID, "lock: line %d: %s", jerr.line, jerr.text), NULL;
	struct cuvet_lock *lock = calloc(1, sizeof(*lock));
	if (!lock) {
		json_decref(root);
		return err_set(err, CUVET_E_NOMEM, "out of memory"), NULL;
	}
	lock->doc = root;
	if (!json_is_object(root)) {
		err_set(err, CUVET_E_INVALID, "lock: not a JSON object");
		goto fail;
	}
	json_t *schema = json_object_get(root, "schema");
	if (!json_is_string(schema)) {
		err_set(err, CUVET_E_INVALID, "lock: no \"schema\" (a cuvet.lock/1 file says \"schema\": \"%s\")",
			LOCK_SCHEMA);
		goto fail;
	}
	if (strcmp(json_string_value(schema), LOCK_SCHEMA) != 0) {
		err_set(err, CUVET_E_INVALID, "lock: schema \"%s\" is not %s", json_string_value(schema), LOCK_SCHEMA);
		goto fail;
	}
	if (get_str(root, "created", "the lock", &lock->created, false, err) ||
	    get_str(root, "generator", "the lock", &lock->generator, false, err) ||
	    get_str(root, "source", "the lock", &lock->source, false, err) ||
	    get_str(root, "hostname", "the lock", &lock->hostname, false, err))
		goto fail;
	json_t *base = json_object_get(root, "base_image");
	if (base && !json_is_null(base)) {
		if (!json_is_object(base)) {
			err_set(err, CUVET_E_INVALID, "lock: \"base_image\" is not an object");
			goto fail;
		}
		if (get_str(base, "reference", "base_image", &lock->base_image, true, err) ||
		    get_str(base, "digest", "base_image", &lock->base_digest, false, err))
			goto fail;
		if (lock->base_digest && !sha256_valid(lock->base_digest)) {
			err_set(err, CUVET_E_INVALID, "lock: base_image digest is not \"sha256:\" and 64 hex digits");
			goto fail;
		}
	}
	json_t *host = json_object_get(root, "host"), *arr;
	if (host && !json_is_null(host)) {
		if (!json_is_object(host)) {
			err_set(err, CUVET_E_INVALID, "lock: \"host\" is not an object");
			goto fail;
		}
		if (get_str(host, "driver_cuda", "host", &lock->driver_cuda, false, err) ||
		    get_array(host, "gpus", &arr, err))
			goto fail;
		size_t n = arr ? json_array_size(arr) : 0;
		if (n && !(lock->gpus = calloc(n, sizeof(*lock->gpus))))
			goto oom;
		for (size_t i = 0; i < n; i++) {
			lock->ngpus++;
			if (parse_gpu(json_array_get(arr, i), i, &lock->gpus[i], err) != 0)
				goto fail;
		}
	}
	if (get_array(root, "components", &arr, err) != 0)
		goto fail;
	if (!arr) {
		err_set(err, CUVET_E_INVALID, "lock: no \"components\"");
		goto fail;
	}
	size_t n = json_array_size(arr);
	if (n && !(lock->components = calloc(n, sizeof(*lock->components))))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		lock->ncomponents++;
		if (parse_component(json_array_get(arr, i), i, &lock->components[i], err) != 0)
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (strcmp(lock->components[j].name, lock->components[i].name) == 0) {
				err_set(err, CUVET_E_INVALID, "lock: component '%s' appears twice", lock->components[i].name);
				goto fail;
			}
	}
	if (get_array(root, "artifacts", &arr, err) != 0)
		goto fail;
	n = arr ? json_array_size(arr) : 0;
	if (n && !(lock->artifacts = calloc(n, sizeof(*lock->artifacts))))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		lock->nartifacts++;
		if (parse_artifact(json_array_get(arr, i), i, &lock->artifacts[i], err) != 0)
			goto fail;
	}
	return lock;
oom:
	err_set(err, CUVET_E_NOMEM, "out of memory");
fail:
	cuvet_lock_free(lock);
	return NULL;
}

/* Reads a whole file of at most MAX bytes; *LEN gets its length. */
static char *read_small_file(const char *path, size_t max, size_t *len, struct cuvet_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "%s", path), NULL;
	struct stat st;
	char *buf = NULL;
	size_t have = 0, cap = 0;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		err_set(err, CUVET_E_INVALID, "%s: is a directory", path);
		goto fail;
	}
	for (;;) {
		if (have + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				err_set(err, CUVET_E_NOMEM, "out of memory");
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + have, cap - have - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_sys(err, errno, "%s", path);
			goto fail;
		}
		if (r == 0)
			break;
		have += (size_t)r;
		if (have > max) {
			err_set(err, CUVET_E_RANGE, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
	}
	close(fd);
	buf[have] = '\0';
	*len = have;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

struct cuvet_lock *cuvet_lock_read(const char *path, struct cuvet_error *err)
{
	size_t len;
	char *text = read_small_file(path, LOCK_MAX_BYTES, &len, err);
	if (!text)
		return NULL;
	struct cuvet_lock *lock = cuvet_lock_parse(text, len, err);
	free(text);
	if (!lock && err && strncmp(err->msg, "lock:", 5) == 0) {
		/* name the file: "cuvet.lock: line 3: ..." */
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s:%s", path, err->msg + 5);
		memcpy(err->msg, msg, sizeof(msg));
	}
	return lock;
}

/* ----------------------------------------------------------------- write ---- */

/* Sets KEY of OBJ to the string S, or removes KEY when S is NULL. */
static int set_str(json_t *obj, const char *key, const char *s)
{
	if (!s) {
		json_object_del(obj, key);
		return 0;
	}
	return json_object_set_new(obj, key, json_string(s));
}

/* A copy of the element of OLD (an array, may be NULL) whose string KEY equals VALUE, so that
 * its unknown fields survive; a new object when there is none. */
static json_t *carry_over(const json_t *old, const char *key, const char *value)
{
	size_t i;
	json_t *e;
	if (value && json_is_array(old))
		json_array_foreach(old, i, e) {
			json_t *k = json_object_get(e, key);
			if (json_is_object(e) && json_is_string(k) && strcmp(json_string_value(k), value) == 0)
				return json_deep_copy(e);
		}
	return json_object();
}

/* The object member KEY of ROOT, made (or replaced, when it is not an object) if needed. */
static json_t *member_object(json_t *root, const char *key)
{
	json_t *o = json_object_get(root, key);
	if (json_is_object(o))
		return o;
	o = json_object();
	if (!o || json_object_set_new(root, key, o) != 0)
		return NULL;
	return o;
}

static json_t *lock_to_jansson(const struct cuvet_lock *lock)
{
	const json_t *doc = lock->doc;
	json_t *root = json_is_object(doc) ? json_deep_copy(doc) : json_object();
	json_t *arr = NULL;
	if (!root)
		return NULL;
	/* "schema" first in a new document; a rewritten one keeps its order */
	if (json_object_set_new(root, "schema", json_string(LOCK_SCHEMA)) || set_str(root, "created", lock->created) ||
	    set_str(root, "generator", lock->generator) || set_str(root, "source", lock->source) ||
	    set_str(root, "hostname", lock->hostname))
		goto fail;
	if (lock->base_image) {
		json_t *b = member_object(root, "base_image");
		if (!b || set_str(b, "reference", lock->base_image) || set_str(b, "digest", lock->base_digest))
			goto fail;
	} else {
		json_object_del(root, "base_image");
	}
	json_t *host = member_object(root, "host");
	if (!host || set_str(host, "driver_cuda", lock->driver_cuda))
		goto fail;
	const json_t *old = json_object_get(host, "gpus");
	if (!(arr = json_array()))
		goto fail;
	for (size_t i = 0; i < lock->ngpus; i++) {
		const struct cuvet_lock_gpu *g = &lock->gpus[i];
		json_t *o = g->uuid ? carry_over(old, "uuid", g->uuid) : json_deep_copy(json_array_get(old, i));
		if (!o && !(o = json_object()))
			goto fail;
		if (json_array_append_new(arr, o) || set_str(o, "name", g->name) ||
		    set_str(o, "compute_capability", g->compute_capability) || set_str(o, "uuid", g->uuid))
			goto fail;
	}
	if (json_object_set_new(host, "gpus", arr)) {
		arr = NULL;
		goto fail;
	}
	old = json_object_get(root, "components");
	if (!(arr = json_array()))
		goto fail;
	for (size_t i = 0; i < lock->ncomponents; i++) {
		const struct cuvet_lock_component *c = &lock->components[i];
		json_t *o = carry_over(old, "name", c->name);
		if (!o || json_array_append_new(arr, o) || set_str(o, "name", c->name) ||
		    set_str(o, "version", c->version) || set_str(o, "source", c->source) || set_str(o, "path", c->path) ||
		    set_str(o, "policy", cuvet_lock_policy_name(c->policy)))
			goto fail;
	}
	if (json_object_set_new(root, "components", arr)) {
		arr = NULL;
		goto fail;
	}
	old = json_object_get(root, "artifacts");
	if (!(arr = json_array()))
		goto fail;
	for (size_t i = 0; i < lock->nartifacts; i++) {
		const struct cuvet_lock_artifact *a = &lock->artifacts[i];
		json_t *o = carry_over(old, "path", a->path);
		if (!o || json_array_append_new(arr, o) || set_str(o, "path", a->path) || set_str(o, "sha256", a->sha256) ||
		    set_str(o, "kind", a->kind) || json_object_set_new(o, "size", json_integer((json_int_t)a->size)) ||
		    set_str(o, "tensorrt", a->tensorrt) || set_str(o, "compute_capability", a->compute_capability))
			goto fail;
	}
	if (json_object_set_new(root, "artifacts", arr)) {
		arr = NULL;
		goto fail;
	}
	return root;
fail:
	json_decref(arr);
	json_decref(root);
	return NULL;
}

static char *dump(json_t *j, struct cuvet_error *err)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return s;
}

char *cuvet_lock_to_json(const struct cuvet_lock *lock, struct cuvet_error *err)
{
	if (!lock)
		return err_set(err, CUVET_E_INVALID, "no lock"), NULL;
	return dump(lock_to_jansson(lock), err);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int cuvet_file_write_atomic(const char *path, const char *text, size_t len, struct cuvet_error *err)
{
	char *dcopy = xstrdup(path), *tmp = NULL;
	int fd = -1, dfd = -1, rc = -1;
	if (!dcopy)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	const char *dir = dirname(dcopy);
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!*base) {
		err_set(err, CUVET_E_INVALID, "%s: names a directory", path);
		goto out;
	}
	/* the temporary file lives beside the target: rename(2) is atomic only within one file system */
	if (!(tmp = xasprintf("%s/.%s.tmp.XXXXXX", dir, base))) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err_sys(err, errno, "%s: cannot create a temporary file in %s", path, dir);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkstemp makes 0600; a lock is read by others (CI, deploy hooks): the mode of the file replaced,
	 * else 0644 less the umask */
	struct stat st;
	mode_t mode;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		mode = st.st_mode & 07777;
	} else {
		mode_t um = umask(0);
		umask(um);
		mode = 0644 & ~um;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		err_sys(err, errno, "%s: writing %s", path, tmp);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		err_sys(err, errno, "%s: writing %s", path, tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		err_sys(err, errno, "%s: rename", path);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* the rename itself is durable only once the directory is */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		err_sys(err, errno, "%s: fsync of the directory %s", path, dir);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dcopy);
	return rc;
}

int cuvet_lock_write(const struct cuvet_lock *lock, const char *path, struct cuvet_error *err)
{
	char *s = cuvet_lock_to_json(lock, err);
	if (!s)
		return -1;
	size_t n = strlen(s);
	/* files end with a newline */
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	int rc = cuvet_file_write_atomic(path, t, n + 1, err);
	free(t);
	return rc;
}

/* ---------------------------------------------------------- verify report ---- */

char *cuvet_lock_report_to_json(const struct cuvet_lock_report *r, const char *lock_path, struct cuvet_error *err)
{
	if (!r)
		return err_set(err, CUVET_E_INVALID, "no report"), NULL;
	json_t *root = json_object(), *checks = json_array(), *extra = json_array();
	if (!root || !checks || !extra)
		goto oom;
	if (json_object_set_new(root, "schema", json_string("cuvet.verify/1")) ||
	    (lock_path && json_object_set_new(root, "lock", json_string(lock_path))) ||
	    json_object_set_new(root, "verdict", json_string(cuvet_verdict_name(r->verdict))) ||
	    json_object_set_new(root, "exit", json_integer(cuvet_verdict_exit(r->verdict))) ||
	    (r->nassumed && json_object_set_new(root, "unknown_assumed_pass", json_integer((json_int_t)r->nassumed))))
		goto oom;
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct cuvet_lock_check *c = &r->checks[i];
		json_t *o = json_pack("{s:s?, s:s, s:s?, s:s?, s:s, s:s?}", "component", c->component, "policy",
				      cuvet_lock_policy_name(c->policy), "expected", c->expected, "actual", c->actual,
				      "verdict", cuvet_verdict_name(c->verdict), "reason", c->reason);
		if (!o || json_array_append_new(checks, o))
			goto oom;
	}
	for (size_t i = 0; i < r->nextra; i++)
		if (json_array_append_new(extra, json_string(r->extra[i])))
			goto oom;
	if (json_object_set(root, "checks", checks) || json_object_set(root, "not_locked", extra))
		goto oom;
	json_decref(checks);
	json_decref(extra);
	return dump(root, err);
oom:
	json_decref(root);
	json_decref(checks);
	json_decref(extra);
	return err_set(err, CUVET_E_NOMEM, "out of memory"), NULL;
}

/* ------------------------------------------------------------- provenance ---- */

/* {"sha256": "<hex>"}: in-toto's digest set carries the algorithm as the key. */
static json_t *digest_set(const char *digest)
{
	return json_pack("{s:s}", "sha256", digest + strlen("sha256:"));
}

static json_t *file_entry(const char *path, const char *known, struct cuvet_error *err)
{
	char digest[SHA256_DIGEST_STR];
	if (known && sha256_valid(known))
		snprintf(digest, sizeof(digest), "%s", known);
	else if (sha256_file(path, digest, err) != 0)
		return NULL;
	const char *kind = cuvet_artifact_kind(path, err);
	if (!kind)
		return NULL;
	struct stat st;
	if (stat(path, &st) != 0)
		return err_sys(err, errno, "%s", path), NULL;
	bool engine = false;
	char *trt = NULL, *cc = NULL;
	if ((strcmp(kind, "tensorrt-engine") == 0 || strcmp(kind, "file") == 0) &&
	    artifact_engine_info(path, &engine, &trt, &cc, err) != 0)
		return NULL;
	json_t *o = json_pack("{s:s, s:o, s:s, s:I}", "name", path, "digest", digest_set(digest), "kind",
			      engine ? "tensorrt-engine" : kind, "size", (json_int_t)st.st_size);
	/* an engine's own header: the TensorRT release and compute capability it was built for */
	if (o && ((trt && json_object_set_new(o, "tensorrt", json_string(trt))) ||
		  (cc && json_object_set_new(o, "compute_capability", json_string(cc))))) {
		json_decref(o);
		o = NULL;
	}
	free(trt);
	free(cc);
	if (!o)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return o;
}

static json_t *environment(const struct cuvet_provenance *p)
{
	const struct cuvet_lock *lock = p->lock;
	json_t *env = json_object(), *stack = json_array(), *gpus = json_array();
	if (!env || !stack || !gpus)
		goto fail;
	if (p->facts) {
		if (json_object_set_new(env, "verified", json_string(cuvet_verdict_name(p->verified))) ||
		    (p->unknown_assumed &&
		     json_object_set_new(env, "unknown_assumed_pass", json_integer((json_int_t)p->unknown_assumed))))
			goto fail;
		const char *src = NULL, *driver = facts_driver_version(p->facts, &src);
		if ((p->facts->hostname && json_object_set_new(env, "hostname", json_string(p->facts->hostname))) ||
		    (driver && json_object_set_new(env, "driver", json_pack("{s:s, s:s?}", "version", driver, "source", src))))
			goto fail;
		for (size_t i = 0; i < p->facts->ngpus; i++) {
			const struct cuvet_gpu *g = &p->facts->gpus[i];
			if (!g->visible)
				continue;
			char cc[24] = "";
			if (g->cc_major >= 0 && g->cc_minor >= 0)
				snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
			json_t *o = json_pack("{s:s?, s:s?, s:s?}", "name", g->name, "compute_capability", cc[0] ? cc : NULL,
					      "uuid", g->uuid);
			if (!o || json_array_append_new(gpus, o))
				goto fail;
		}
		/* the stack as this host has it, each component as the lock names it */
		struct cuvet_error e = {0};
		struct cuvet_lock *now = cuvet_lock_from_facts(p->facts, &(struct cuvet_lock_opts){.created = "-"}, &e);
		if (!now)
			goto fail;
		for (size_t i = 0; i < now->ncomponents; i++) {
			const struct cuvet_lock_component *c = &now->components[i];
			json_t *o = json_pack("{s:s, s:s, s:s?, s:s?}", "name", c->name, "version", c->version, "source",
					      c->source, "path", c->path);
			if (!o || json_array_append_new(stack, o)) {
				cuvet_lock_free(now);
				goto fail;
			}
		}
		cuvet_lock_free(now);
	} else {
		/* a stamp without facts: the stack is the lock's */
		for (size_t i = 0; i < lock->ncomponents; i++) {
			const struct cuvet_lock_component *c = &lock->components[i];
			json_t *o = json_pack("{s:s, s:s, s:s?, s:s?}", "name", c->name, "version", c->version, "source",
					      c->source, "path", c->path);
			if (!o || json_array_append_new(stack, o))
				goto fail;
		}
		for (size_t i = 0; i < lock->ngpus; i++) {
			const struct cuvet_lock_gpu *g = &lock->gpus[i];
			json_t *o = json_pack("{s:s?, s:s?, s:s?}", "name", g->name, "compute_capability",
					      g->compute_capability, "uuid", g->uuid);
			if (!o || json_array_append_new(gpus, o))
				goto fail;
		}
	}
	if (json_object_set(env, "stack", stack) || json_object_set(env, "gpus", gpus))
		goto fail;
	json_decref(stack);
	json_decref(gpus);
	return env;
fail:
	json_decref(env);
	json_decref(stack);
	json_decref(gpus);
	return NULL;
}

int cuvet_provenance_write(const struct cuvet_provenance *p, const char *output, char **record_path,
			   struct cuvet_error *err)
{
	if (record_path)
		*record_path = NULL;
	if (!p || !p->lock || !output)
		return err_set(err, CUVET_E_INVALID, "a provenance record needs a lock and an output");
	json_t *root = NULL, *subject = NULL, *deps = NULL, *cmd = NULL, *env = NULL;
	char *text = NULL, *path = NULL;
	int rc = -1;
	char lock_digest[SHA256_DIGEST_STR] = "";
	if (!(subject = json_array()) || !(deps = json_array()) || !(cmd = json_array()))
		goto oom;
	json_t *s = file_entry(output, NULL, err);
	if (!s || json_array_append_new(subject, s))
		goto fail;
	for (size_t i = 0; p->inputs && p->inputs[i]; i++) {
		json_t *d = file_entry(p->inputs[i], p->input_digests ? p->input_digests[i] : NULL, err);
		if (!d || json_array_append_new(deps, d))
			goto fail;
	}
	if (p->lock_path) {
		if (sha256_file(p->lock_path, lock_digest, err) != 0)
			goto fail;
		json_t *d = json_pack("{s:s, s:o, s:s}", "name", p->lock_path, "digest", digest_set(lock_digest), "kind",
				      "cuvet-lock");
		if (!d || json_array_append_new(deps, d))
			goto oom;
	}
	for (size_t i = 0; p->command && p->command[i]; i++)
		if (json_array_append_new(cmd, json_string(p->command[i])))
			goto oom;
	if (!(env = environment(p)))
		goto oom;
	char gen[64];
	snprintf(gen, sizeof(gen), "%s", cuvet_library_version());
	root = json_pack("{s:s, s:s, s:O, s:s, s:{s:{s:s, s:{s:O?, s:s?, s:i}, s:{s:O}, s:O}, s:{s:{s:s, s:{s:s}}, "
			 "s:{s:s?, s:s?}}}}",
			 "schema", PROVENANCE_SCHEMA, "_type", "https://in-toto.io/Statement/v1", "subject", subject,
			 "predicateType", "https://slsa.dev/provenance/v1", "predicate",
			 "buildDefinition",
			 "buildType", p->command ? "https://cuvet.dev/build/v1" : "https://cuvet.dev/stamp/v1",
			 "externalParameters", "command", p->command ? cmd : NULL, "lock", p->lock_path,
			 "exit_status", p->exit_status,
			 "internalParameters", "environment", env,
			 "resolvedDependencies", deps,
			 "runDetails", "builder", "id", p->builder ? p->builder : "cuvet", "version", "cuvet", gen,
			 "metadata", "startedOn", p->started, "finishedOn", p->finished);
	if (!root)
		goto oom;
	if (!p->command)
		json_object_del(json_object_get(json_object_get(json_object_get(root, "predicate"), "buildDefinition"),
						"externalParameters"),
				"exit_status");
	if (!(text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) || !(path = xasprintf("%s.cuvet.json", output)))
		goto oom;
	size_t n = strlen(text);
	char *t = realloc(text, n + 2);
	if (!t)
		goto oom;
	text = t;
	text[n] = '\n';
	text[n + 1] = '\0';
	if (cuvet_file_write_atomic(path, text, n + 1, err) != 0)
		goto fail;
	if (record_path) {
		*record_path = path;
		path = NULL;
	}
	rc = 0;
	goto fail;
oom:
	err_set(err, CUVET_E_NOMEM, "out of memory");
fail:
	json_decref(root);
	json_decref(subject);
	json_decref(deps);
	json_decref(cmd);
	json_decref(env);
	free(text);
	free(path);
	return rc;
}
