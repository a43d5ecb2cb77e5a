/* ref.c — image references as distribution/reference parses and normalises them
 * (reference.go, normalize.go; formats/images.md §2):
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path-component ("/" path-component)*
 *   domain    := host [":" port]; host: DNS labels ([a-zA-Z0-9] with inner '-') joined by '.', or "[ipv6]"
 *   path-component := [a-z0-9]+ (([._]|__|-+) [a-z0-9]+)*
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := sha256:<64 hex> | sha384:<96> | sha512:<128> (go-digest's algorithms, lower-case hex)
 * Domain detection is splitDockerDomain's: the first component names a registry when it is
 * "localhost", contains '.' or ':', or has an upper-case letter; otherwise the name is Docker Hub's
 * ("docker.io"), and a single-component Hub name gets "library/". "index.docker.io" is "docker.io".
 * One deliberate difference: a registry part that is no valid host ("a_b.com/x") is an error here,
 * where reference.go silently reads the whole text as a path on no registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/internal.h"
#include "image_internal.h"

#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_LEGACY_DOMAIN "index.docker.io"
#define REF_OFFICIAL_PREFIX "library/"
#define REF_NAME_MAX 255 /* NameTotalLengthMax: domain "/" path */
#define REF_TAG_MAX 128

static bool ref_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool ref_alnum(char c)
{
	return ref_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool ref_word(char c)
{
	return ref_alnum(c) || c == '_';
}

static bool ref_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* One path component S[0..N): alphanumerics joined by '.', '_', "__" or runs of '-'. */
static bool ref_component_ok(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !ref_lower_alnum(s[0]) || !ref_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (ref_lower_alnum(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		if (s[i] == '.') {
			j = i + 1;
		} else if (s[i] == '_') {
			j = (i + 1 < n && s[i + 1] == '_') ? i + 2 : i + 1;
		} else if (s[i] == '-') {
			while (j < n && s[j] == '-')
				j++;
		} else {
			return false;
		}
		if (j >= n || !ref_lower_alnum(s[j]))
			return false;
		i = j;
	}
	return true;
}

/* host [":" port]; host is DNS labels joined by '.' or a bracketed IPv6 address. */
static bool ref_domain_ok(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0)
		return false;
	if (s[0] == '[') {
		i = 1;
		while (i < n && (ref_hex(s[i]) || (s[i] >= 'A' && s[i] <= 'F') || s[i] == ':'))
			i++;
		if (i == 1 || i >= n || s[i] != ']')
			return false;
		i++;
	} else {
		for (;;) {
			size_t start = i;
			while (i < n && (ref_alnum(s[i]) || s[i] == '-'))
				i++;
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return false;
			if (i < n && s[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i == n)
		return true;
	if (s[i] != ':' || i + 1 == n)
		return false;
	for (i++; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int ref_digest_check(const char *d, const char *text, struct cuvet_error *err)
{
	static const struct {
		const char *alg;
		size_t hexlen;
	} algs[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
	const char *colon = strchr(d, ':');
	if (!colon)
		return err_set(err, CUVET_E_INVALID, "invalid reference \"%s\": digest \"%s\" is not ALGORITHM:HEX", text, d);
	size_t alen = (size_t)(colon - d);
	const char *hex = colon + 1;
	size_t hlen = strlen(hex);
	for (size_t i = 0; i < CUVET_ARRAY_LEN(algs); i++) {
		if (strlen(algs[i].alg) != alen || strncmp(d, algs[i].alg, alen) != 0)
			continue;
		if (hlen != algs[i].hexlen)
			return err_set(err, CUVET_E_INVALID,
				       "invalid reference \"%s\": a %s digest has %zu hex digits, not %zu", text,
				       algs[i].alg, algs[i].hexlen, hlen);
		for (size_t k = 0; k < hlen; k++)
			if (!ref_hex(hex[k]))
				return err_set(err, CUVET_E_INVALID,
					       "invalid reference \"%s\": digest \"%s\" must be lower-case hex", text, d);
		return 0;
	}
	return err_set(err, CUVET_E_INVALID,
		       "invalid reference \"%s\": unsupported digest algorithm \"%.*s\" (sha256, sha384, sha512)", text,
		       (int)(alen > 32 ? 32 : alen), d);
}

void cuvet_imgref_release(struct cuvet_imgref *ref)
{
	if (!ref)
		return;
	free(ref->domain);
	free(ref->path);
	free(ref->tag);
	free(ref->digest);
	memset(ref, 0, sizeof(*ref));
}

int cuvet_imgref_parse(const char *text, struct cuvet_imgref *out, struct cuvet_error *err)
{
	struct cuvet_imgref r = {0};
	const char *domain = REF_DEFAULT_DOMAIN, *rest = text;
	size_t domain_len = strlen(REF_DEFAULT_DOMAIN);
	bool library = false;

	if (!out)
		return err_set(err, CUVET_E_INVALID, "image reference: no output");
	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return err_set(err, CUVET_E_INVALID, "invalid reference: empty image name");
	size_t tlen = strlen(text);
	if (tlen > 4096)
		return err_set(err, CUVET_E_INVALID, "invalid reference: %zu characters", tlen);
	if (tlen == 64) {
		bool allhex = true;
		for (size_t i = 0; i < 64 && allhex; i++)
			allhex = ref_hex(text[i]);
		if (allhex)
			return err_set(err, CUVET_E_INVALID,
				       "invalid repository name \"%s\": cannot specify 64-byte hexadecimal strings", text);
	}

	/* splitDockerDomain */
	const char *slash = strchr(text, '/');
	if (!slash) {
		library = true;
	} else {
		size_t n = (size_t)(slash - text);
		bool is_domain = (n == 9 && strncmp(text, "localhost", 9) == 0);
		for (size_t i = 0; i < n && !is_domain; i++)
			is_domain = text[i] == '.' || text[i] == ':' || (text[i] >= 'A' && text[i] <= 'Z');
		if (is_domain) {
			r.domain_given = true;
			domain = text;
			domain_len = n;
			rest = slash + 1;
			if (n == strlen(REF_LEGACY_DOMAIN) && strncmp(text, REF_LEGACY_DOMAIN, n) == 0) {
				domain = REF_DEFAULT_DOMAIN;
				domain_len = strlen(REF_DEFAULT_DOMAIN);
			}
			if (!ref_domain_ok(text, n))
				return err_set(err, CUVET_E_INVALID,
					       "invalid reference \"%s\": \"%.*s\" is not a registry host[:port]", text,
					       (int)(n > 255 ? 255 : n), text);
			if (domain_len == strlen(REF_DEFAULT_DOMAIN) && strncmp(domain, REF_DEFAULT_DOMAIN, domain_len) == 0 &&
			    !strchr(rest, '/'))
				library = true;
		}
	}

	/* The path: lower-case components up to ':' (tag), '@' (digest) or the end. */
	size_t plen = 0;
	while (rest[plen] && rest[plen] != ':' && rest[plen] != '@')
		plen++;
	for (size_t i = 0; i < plen; i++)
		if (rest[i] >= 'A' && rest[i] <= 'Z')
			return err_set(err, CUVET_E_INVALID,
				       "invalid reference \"%s\": repository name \"%.*s\" must be lower-case", text,
				       (int)(plen > 255 ? 255 : plen), rest);
	if (plen == 0)
		return err_set(err, CUVET_E_INVALID, "invalid reference \"%s\": no repository name", text);
	for (size_t start = 0; start <= plen;) {
		size_t end = start;
		while (end < plen && rest[end] != '/')
			end++;
		if (!ref_component_ok(rest + start, end - start))
			return err_set(err, CUVET_E_INVALID,
				       "invalid reference \"%s\": path component \"%.*s\" is not [a-z0-9] joined by '.', '_', '__' or '-'",
				       text, (int)(end - start > 255 ? 255 : end - start), rest + start);
		start = end + 1;
	}
	size_t name_len = domain_len + 1 + (library ? strlen(REF_OFFICIAL_PREFIX) : 0) + plen;
	if (name_len > REF_NAME_MAX)
		return err_set(err, CUVET_E_INVALID,
			       "invalid reference \"%.64s…\": repository name must not be more than %d characters", text,
			       REF_NAME_MAX);

	const char *p = rest + plen;
	const char *tag = NULL, *dig = NULL;
	size_t tag_len = 0;
	if (*p == ':') {
		tag = p + 1;
		while (tag[tag_len] && tag[tag_len] != '@')
			tag_len++;
		if (tag_len == 0)
			return err_set(err, CUVET_E_INVALID, "invalid reference \"%s\": empty tag", text);
		if (tag_len > REF_TAG_MAX)
			return err_set(err, CUVET_E_INVALID, "invalid reference \"%s\": tag longer than %d characters", text,
				       REF_TAG_MAX);
		for (size_t i = 0; i < tag_len; i++)
			if (!ref_word(tag[i]) && (i == 0 || (tag[i] != '.' && tag[i] != '-')))
				return err_set(err, CUVET_E_INVALID,
					       "invalid reference \"%s\": tag \"%.*s\" is not [A-Za-z0-9_][A-Za-z0-9_.-]*", text,
					       (int)tag_len, tag);
		p = tag + tag_len;
	}
	if (*p == '@') {
		dig = p + 1;
		if (ref_digest_check(dig, text, err) < 0)
			return -1;
	} else if (*p) {
		return err_set(err, CUVET_E_INVALID, "invalid reference \"%s\": unexpected \"%c\"", text, *p);
	}

	r.domain = xstrndup(domain, domain_len);
	r.path = library ? xasprintf("%s%.*s", REF_OFFICIAL_PREFIX, (int)plen, rest) : xstrndup(rest, plen);
	r.tag = tag ? xstrndup(tag, tag_len) : NULL;
	r.digest = dig ? xstrdup(dig) : NULL;
	if (!r.domain || !r.path || (tag && !r.tag) || (dig && !r.digest)) {
		cuvet_imgref_release(&r);
		return err_set(err, CUVET_E_NOMEM, "image reference: out of memory");
	}
	*out = r;
	return 0;
}

int cuvet_imgref_format(const struct cuvet_imgref *ref, bool familiar, char *buf, size_t len,
			struct cuvet_error *err)
{
	if (!ref || !ref->domain || !ref->path || !buf)
		return err_set(err, CUVET_E_INVALID, "image reference: nothing to format");
	const char *domain = ref->domain, *path = ref->path;
	/* familiarizeName: Docker Hub's domain dropped, and "library/" when nothing nests below it.
	 * Unlike familiarizeName, the domain stays when the path's first component would read as a
	 * registry ("docker.io/a.b/c" is not "a.b/c"): the short form must name the same image. */
	if (familiar && strcmp(domain, REF_DEFAULT_DOMAIN) == 0) {
		size_t first = strcspn(path, "/");
		bool looks_like_domain = path[first] == '/' && ((first == 9 && strncmp(path, "localhost", 9) == 0) ||
								 memchr(path, '.', first) != NULL);
		if (!looks_like_domain)
			domain = NULL;
		if (str_starts(path, REF_OFFICIAL_PREFIX) && !strchr(path + strlen(REF_OFFICIAL_PREFIX), '/')) {
			/* a bare 64-hex name reads as an image ID: "library/" stays then */
			const char *rest = path + strlen(REF_OFFICIAL_PREFIX);
			bool id_like = !ref->tag && !ref->digest && strlen(rest) == 64;
			for (size_t i = 0; id_like && i < 64; i++)
				id_like = ref_hex(rest[i]);
			if (!id_like)
				path = rest;
		}
	}
	int n = snprintf(buf, len, "%s%s%s%s%s%s%s", domain ? domain : "", domain ? "/" : "", path,
			 ref->tag ? ":" : "", ref->tag ? ref->tag : "", ref->digest ? "@" : "",
			 ref->digest ? ref->digest : "");
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return err_set(err, CUVET_E_RANGE, "image reference: %d characters do not fit in %zu", n, len);
	}
	return 0;
}
