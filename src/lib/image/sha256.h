/* SHA-256 for the image layer's digests (sha256.c). */
#ifndef CUVET_SHA256_H
#define CUVET_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX 65 /* 64 hex digits and a NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Finishes C (which is spent) into lower-case hex. */
void sha256_hex(struct sha256 *c, char out[SHA256_HEX]);

#endif
