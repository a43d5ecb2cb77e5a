/* SHA-256 through OpenSSL's libcrypto (EVP): see sha256.h. */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"

int sha256_init(struct sha256 *h, struct cuvet_error *err)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return err_set(err, CUVET_E_INVALID, "sha256: the digest could not be initialised");
	}
	h->ctx = c;
	return 0;
}

int sha256_update(struct sha256 *h, const void *data, size_t len, struct cuvet_error *err)
{
	if (len && EVP_DigestUpdate(h->ctx, data, len) != 1)
		return err_set(err, CUVET_E_INVALID, "sha256: update failed");
	return 0;
}

int sha256_final(struct sha256 *h, char out[SHA256_DIGEST_STR], struct cuvet_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int ok = EVP_DigestFinal_ex(h->ctx, md, &n) == 1 && n == 32;
	sha256_abort(h);
	if (!ok)
		return err_set(err, CUVET_E_INVALID, "sha256: final failed");
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
	return 0;
}

void sha256_abort(struct sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int sha256_buf(const void *data, size_t len, char out[SHA256_DIGEST_STR], struct cuvet_error *err)
{
	struct sha256 h;
	if (sha256_init(&h, err) != 0)
		return -1;
	if (sha256_update(&h, data, len, err) != 0) {
		sha256_abort(&h);
		return -1;
	}
	return sha256_final(&h, out, err);
}

int sha256_file(const char *path, char out[SHA256_DIGEST_STR], struct cuvet_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "%s", path);
	struct sha256 h;
	if (sha256_init(&h, err) != 0) {
		close(fd);
		return -1;
	}
	size_t cap = 1u << 20;
	char *buf = malloc(cap);
	if (!buf) {
		sha256_abort(&h);
		close(fd);
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_sys(err, errno, "%s", path);
			break;
		}
		if (n == 0)
			break;
		if (sha256_update(&h, buf, (size_t)n, err) != 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	close(fd);
	if (rc != 0) {
		sha256_abort(&h);
		return -1;
	}
	return sha256_final(&h, out, err);
}

int sha256_valid(const char *text)
{
	if (!text || strncmp(text, "sha256:", 7) != 0 || strlen(text) != 71)
		return 0;
	for (const char *p = text + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}
