/* SHA-256 for digests (image blobs, locks, provenance records), through OpenSSL's libcrypto.
 * Internal to libcuvet. */
#ifndef CUVET_SHA256_H
#define CUVET_SHA256_H

#include <stddef.h>

#include "cuvet.h"

struct sha256 {
	void *ctx; /* EVP_MD_CTX */
};

/* "sha256:" + 64 lower-case hex digits + NUL. */
#define SHA256_DIGEST_STR 72

int sha256_init(struct sha256 *h, struct cuvet_error *err);
int sha256_update(struct sha256 *h, const void *data, size_t len, struct cuvet_error *err);
/* Writes "sha256:<hex>" to OUT and releases the context. */
int sha256_final(struct sha256 *h, char out[SHA256_DIGEST_STR], struct cuvet_error *err);
/* Releases a context not finished (after an error); safe on a released or zeroed one. */
void sha256_abort(struct sha256 *h);
/* The digest of LEN bytes at DATA. */
int sha256_buf(const void *data, size_t len, char out[SHA256_DIGEST_STR], struct cuvet_error *err);
/* The digest of the file at PATH (on this machine, read in 1 MiB pieces). */
int sha256_file(const char *path, char out[SHA256_DIGEST_STR], struct cuvet_error *err);
/* Whether TEXT is "sha256:" and 64 lower-case hex digits. */
int sha256_valid(const char *text);

#endif
