/* Locks: what lock.c (model, policies, verify) and lock_json.c (cuvet.lock/1, provenance records)
 * share. Internal to libcuvet. */
#ifndef CUVET_LOCK_H
#define CUVET_LOCK_H

#include "internal.h"

/* Largest lock file read (a lock is a few kilobytes; an artifact list of thousands stays far below). */
#define LOCK_MAX_BYTES (16u << 20)

void lock_component_release(struct cuvet_lock_component *c);
void lock_artifact_release(struct cuvet_lock_artifact *a);
void lock_gpu_release(struct cuvet_lock_gpu *g);
/* Appends a component (strings copied); -1 out of memory. CAP is the components' capacity. */
int lock_add_component(struct cuvet_lock *lock, size_t *cap, const char *name, const char *version,
		       const char *source, const char *path, enum cuvet_lock_policy policy);
const struct cuvet_lock_component *lock_find_component(const struct cuvet_lock *lock, const char *name);
/* Releases the private document (a json_t) a lock keeps. */
void lock_doc_free(void *doc);
/* The kind of an artifact from its first N bytes and its file NAME (cuvet_artifact_kind). */
const char *artifact_kind_bytes(const unsigned char *b, size_t n, const char *name);

/* Whether the file at PATH is a TensorRT engine by its header (cuvet_trt_engine_read), and then the
 * TensorRT release ("8.6.1.6") and build GPU's compute capability ("8.9") it records, each malloc'ed
 * or NULL when the header does not say. -1 only for an unreadable file or no memory. */
int artifact_engine_info(const char *path, bool *is_engine, char **tensorrt, char **cc, struct cuvet_error *err);

#endif
