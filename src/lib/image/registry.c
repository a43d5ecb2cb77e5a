/* registry.c — docker:// over the distribution API (distribution-spec spec.md; formats/images.md §8,
 * §9) with libcurl: the /v2/ ping decides the scheme and the authentication (anonymous or Basic
 * credentials, a Bearer token from the challenge's realm, or plain Basic), then the manifest (an
 * index picks the platform), the config, and with opts->layers each layer blob streamed into
 * image_layer_apply. Every manifest and config is checked against its digest.
 *
 * Plain HTTP: like docker, a loopback registry (localhost, 127.0.0.0/8, ::1) is "insecure" by
 * default: HTTPS without certificate checks, then plain HTTP when the server does not speak TLS
 * (docker's registry config puts 127.0.0.0/8 in InsecureRegistryCIDRs). Any other registry is
 * HTTPS with verification unless opts->tls_verify_off, which allows the same fallback (skopeo's
 * --tls-verify=false). */
#include "cuvet_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../base/internal.h"
#include "image_internal.h"
#include "../base/sha256.h"

#if CUVET_HAVE_LIBCURL
#include <curl/curl.h>
#include <jansson.h>

#define REG_ACCEPT                                                                                          \
	"Accept: " IMAGE_MT_OCI_INDEX ", " IMAGE_MT_DOCKER_LIST ", " IMAGE_MT_OCI_MANIFEST ", " IMAGE_MT_DOCKER_MANIFEST
#define REG_USER_AGENT "cuvet/" CUVET_VERSION
#define REG_TOKEN_MAX ((size_t)1 << 20)   /* a token response */
#define REG_ERRBODY_MAX ((size_t)16 << 10) /* an error body kept for its message */
#define REG_INDEX_DEPTH 4

struct reg {
	const struct cuvet_image_opts *opts;
	const char *text; /* the reference as given, for messages */
	struct cuvet_imgref ref;
	CURL *curl;       /* one handle: connections are reused */
	char *host;       /* the API host: "registry-1.docker.io" for docker.io */
	char *base;       /* "https://HOST" or "http://HOST" */
	bool insecure;    /* no certificate checks; plain HTTP allowed */
	long timeout_ms;
	uint64_t max_json;
	char *authz;      /* "Authorization: …" header, or NULL */
	char *user, *pass; /* credentials from the auth file, or NULL */
	char *auth_file;  /* the file they came from (for messages) */
	bool auth_read;   /* it exists and was read */
	char *cred_note;  /* why no credentials were used although the file names this registry */
	char *realm, *service; /* the Bearer challenge, to renew the token */
	time_t token_at;
	long token_ttl;
};

struct reg_resp {
	long status;
	char *body;
	size_t len, cap, max;
	bool over;
	char content_type[128];
	char digest[160];
	char *challenge; /* WWW-Authenticate */
};

/* ---------------------------------------------------------------- helpers ---- */

#define IMAGE_DIGEST_LEN SHA256_DIGEST_STR

static void resp_release(struct reg_resp *r)
{
	free(r->body);
	free(r->challenge);
	memset(r, 0, sizeof(*r));
}

static size_t resp_write(char *data, size_t size, size_t nmemb, void *user)
{
	struct reg_resp *r = user;
	size_t n = size * nmemb;
	if (r->len + n > r->max) {
		r->over = true;
		return 0; /* aborts the transfer (CURLE_WRITE_ERROR) */
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *b = realloc(r->body, cap);
		if (!b)
			return 0;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static void header_value(const char *line, size_t n, size_t name_len, char *out, size_t outlen)
{
	size_t i = name_len;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t end = n;
	while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
		end--;
	size_t len = end - i < outlen - 1 ? end - i : outlen - 1;
	memcpy(out, line + i, len);
	out[len] = '\0';
}

static size_t resp_header(char *line, size_t size, size_t nmemb, void *user)
{
	struct reg_resp *r = user;
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new response (after a redirect): forget the last */
		r->content_type[0] = r->digest[0] = '\0';
		free(r->challenge);
		r->challenge = NULL;
	} else if (n > 13 && strncasecmp(line, "Content-Type:", 13) == 0) {
		header_value(line, n, 13, r->content_type, sizeof(r->content_type));
	} else if (n > 22 && strncasecmp(line, "Docker-Content-Digest:", 22) == 0) {
		header_value(line, n, 22, r->digest, sizeof(r->digest));
	} else if (n > 17 && strncasecmp(line, "WWW-Authenticate:", 17) == 0 && !r->challenge && n < 8192) {
		char buf[8192];
		header_value(line, n, 17, buf, sizeof(buf));
		r->challenge = xstrdup(buf);
	}
	return n;
}

static bool host_is_loopback(const char *domain)
{
	char host[256];
	size_t n = strlen(domain);
	if (domain[0] == '[') {
		const char *e = strchr(domain, ']');
		return e && (size_t)(e - domain) == 4 && strncmp(domain, "[::1]", 5) == 0;
	}
	const char *colon = strchr(domain, ':');
	if (colon)
		n = (size_t)(colon - domain);
	if (n >= sizeof(host))
		return false;
	memcpy(host, domain, n);
	host[n] = '\0';
	str_lower(host);
	if (strcmp(host, "localhost") == 0 || str_ends(host, ".localhost"))
		return true;
	/* 127.0.0.0/8 written as a dotted quad */
	unsigned a, b, c, d;
	char extra;
	return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) == 4 && a == 127 && b < 256 && c < 256 &&
	       d < 256;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 (padding optional, no whitespace); NULL when malformed or out of memory. */
static char *b64_decode(const char *in, size_t *outlen)
{
	size_t n = strlen(in);
	while (n && in[n - 1] == '=')
		n--;
	char *out = malloc(n * 3 / 4 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = in[i] ? strchr(b64_alphabet, in[i]) : NULL;
		if (!p) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)(p - b64_alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (n % 4 == 1) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static char *b64_encode(const char *in, size_t n)
{
	char *out = malloc((n + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* ------------------------------------------------------------ credentials ---- */

/* An auths key names REG's registry: "docker.io", "https://index.docker.io/v1/", "localhost:5000",
 * "http://localhost:5000/v2/" — the scheme and any path are dropped, hosts compare case-blind. */
static bool auth_key_matches(const struct reg *r, const char *key)
{
	if (str_starts(key, "https://"))
		key += 8;
	else if (str_starts(key, "http://"))
		key += 7;
	size_t n = strcspn(key, "/");
	const char *domain = r->ref.domain;
	if (strlen(domain) == n && strncasecmp(key, domain, n) == 0)
		return true;
	if (strcmp(domain, "docker.io") == 0) {
		static const char *const hub[] = {"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"};
		for (size_t i = 0; i < CUVET_ARRAY_LEN(hub); i++)
			if (strlen(hub[i]) == n && strncasecmp(key, hub[i], n) == 0)
				return true;
	}
	return false;
}

static int creds_from_entry(struct reg *r, json_t *e, struct cuvet_error *err)
{
	json_t *auth = json_object_get(e, "auth");
	json_t *user = json_object_get(e, "username"), *pass = json_object_get(e, "password");
	if (json_is_string(auth) && json_string_length(auth) > 0) {
		size_t n = 0;
		char *plain = b64_decode(json_string_value(auth), &n);
		char *colon = plain ? memchr(plain, ':', n) : NULL;
		if (!colon || strlen(plain) != n) {
			free(plain);
			return err_set(err, CUVET_E_INVALID, "%s: the \"auth\" entry for %s is not base64 of USER:PASSWORD",
				       r->auth_file, r->ref.domain);
		}
		*colon = '\0';
		r->user = xstrdup(plain);
		r->pass = xstrdup(colon + 1);
		free(plain);
	} else if (json_is_string(user) && json_is_string(pass)) {
		r->user = xstrdup(json_string_value(user));
		r->pass = xstrdup(json_string_value(pass));
	} else {
		if (json_is_string(json_object_get(e, "identitytoken")) && !r->cred_note)
			r->cred_note = xasprintf("%s holds an identity token for %s, which cuvet does not use",
						 r->auth_file, r->ref.domain);
		return 0;
	}
	if (!r->user || !r->pass)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	return 0;
}

/* Credentials for REG's registry: opts->auth_file, else $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json,
 * ~/.docker/config.json. A file named explicitly must be readable; a default one may be absent.
 * Credential helpers (credHelpers, credsStore) are never run: they are external programs. */
static int creds_load(struct reg *r, struct cuvet_error *err)
{
	const char *env;
	bool explicit = true;
	if (r->opts->auth_file)
		r->auth_file = xstrdup(r->opts->auth_file);
	else if ((env = getenv("REGISTRY_AUTH_FILE")) && *env)
		r->auth_file = xstrdup(env);
	else if ((env = getenv("DOCKER_CONFIG")) && *env)
		explicit = false, r->auth_file = xasprintf("%s/config.json", env);
	else if ((env = getenv("HOME")) && *env)
		explicit = false, r->auth_file = xasprintf("%s/.docker/config.json", env);
	else
		return 0;
	if (!r->auth_file)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	json_error_t jerr;
	FILE *f = fopen(r->auth_file, "rb");
	if (!f)
		return explicit ? err_sys(err, errno, "%s", r->auth_file) : 0;
	r->auth_read = true;
	json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root)
		return err_set(err, CUVET_E_INVALID, "%s: line %d: %s", r->auth_file, jerr.line, jerr.text);
	int rc = 0;
	json_t *auths = json_object_get(root, "auths");
	const char *key;
	json_t *val;
	if (json_is_object(auths)) {
		json_object_foreach(auths, key, val) {
			if (!json_is_object(val) || !auth_key_matches(r, key))
				continue;
			rc = creds_from_entry(r, val, err);
			if (rc < 0 || r->user)
				goto out;
		}
	}
	json_t *helpers = json_object_get(root, "credHelpers"), *store = json_object_get(root, "credsStore");
	if (json_is_object(helpers)) {
		json_object_foreach(helpers, key, val) {
			if (json_is_string(val) && auth_key_matches(r, key)) {
				free(r->cred_note);
				r->cred_note = xasprintf("credentials for %s are kept by docker-credential-%s (credHelpers in %s), "
							 "which cuvet does not run: put an \"auth\" entry in an auth file",
							 r->ref.domain, json_string_value(val), r->auth_file);
				goto out;
			}
		}
	}
	if (json_is_string(store) && !r->cred_note)
		r->cred_note = xasprintf("credentials may be kept by docker-credential-%s (credsStore in %s), which "
					 "cuvet does not run: put an \"auth\" entry in an auth file",
					 json_string_value(store), r->auth_file);
out:
	json_decref(root);
	return rc;
}

/* ------------------------------------------------------------------- HTTP ---- */

static void reg_release(struct reg *r)
{
	if (r->curl)
		curl_easy_cleanup(r->curl);
	cuvet_imgref_release(&r->ref);
	free(r->host);
	free(r->base);
	free(r->authz);
	free(r->user);
	free(r->pass);
	free(r->auth_file);
	free(r->cred_note);
	free(r->realm);
	free(r->service);
	memset(r, 0, sizeof(*r));
}

/* Common options of every request on CURL (also a blob stream's own handle). */
static int reg_curl_setup(const struct reg *r, CURL *c, const char *url, char *errbuf)
{
	CURLcode e = CURLE_OK;
#define SET(opt, val)                                                                                              \
	do {                                                                                                       \
		if (e == CURLE_OK)                                                                                 \
			e = curl_easy_setopt(c, opt, val);                                                        \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, REG_USER_AGENT);
	SET(CURLOPT_FOLLOWLOCATION, 1L); /* blobs are redirected to storage */
	SET(CURLOPT_MAXREDIRS, 10L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms);
	if (r->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
#undef SET
	errbuf[0] = '\0';
	return e == CURLE_OK ? 0 : -1;
}

static int reg_curl_error(const char *url, CURLcode rc, const char *errbuf, struct cuvet_error *err)
{
	int code = rc == CURLE_OPERATION_TIMEDOUT ? CUVET_E_TIMEOUT : CUVET_E_IO;
	return err_set(err, code, "%s: %s", url, *errbuf ? errbuf : curl_easy_strerror(rc));
}

/* One request on R's handle. AUTH: send R's Authorization header. USERPWD: Basic credentials
 * (the token endpoint). A failure to talk HTTP at all is an error; any status is returned. */
static int reg_request(struct reg *r, const char *url, const char *accept, bool auth, bool userpwd, size_t max,
		       struct reg_resp *resp, struct cuvet_error *err)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL, *t;
	resp_release(resp);
	resp->max = max;
	curl_easy_reset(r->curl);
	if (reg_curl_setup(r, r->curl, url, errbuf) < 0)
		return err_set(err, CUVET_E_NOMEM, "%s: cannot set up the request", url);
	CURLcode e = CURLE_OK;
	const char *want[2] = {accept, auth ? r->authz : NULL};
	for (size_t i = 0; i < 2; i++) {
		if (!want[i])
			continue;
		if (!(t = curl_slist_append(hdrs, want[i]))) {
			curl_slist_free_all(hdrs);
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
		hdrs = t;
	}
	if (hdrs)
		e = curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdrs);
	if (e == CURLE_OK && userpwd && r->user) {
		e = curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		if (e == CURLE_OK)
			e = curl_easy_setopt(r->curl, CURLOPT_USERNAME, r->user);
		if (e == CURLE_OK)
			e = curl_easy_setopt(r->curl, CURLOPT_PASSWORD, r->pass);
	}
	if (e == CURLE_OK)
		e = curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	if (e == CURLE_OK)
		e = curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, resp_write);
	if (e == CURLE_OK)
		e = curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, resp);
	if (e == CURLE_OK)
		e = curl_easy_setopt(r->curl, CURLOPT_HEADERFUNCTION, resp_header);
	if (e == CURLE_OK)
		e = curl_easy_setopt(r->curl, CURLOPT_HEADERDATA, resp);
	if (e != CURLE_OK) {
		curl_slist_free_all(hdrs);
		return err_set(err, CUVET_E_IO, "%s: %s", url, curl_easy_strerror(e));
	}
	e = curl_easy_perform(r->curl);
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (resp->over)
		return err_set(err, CUVET_E_RANGE, "%s: the response is over the limit of %zu bytes", url, max);
	if (e != CURLE_OK)
		return reg_curl_error(url, e, errbuf, err);
	return 0;
}

/* The first error of a distribution-spec error body: "CODE: message". */
static void error_body(const struct reg_resp *resp, char *out, size_t len)
{
	out[0] = '\0';
	if (!resp->body || !resp->len)
		return;
	json_t *root = json_loadb(resp->body, resp->len, 0, NULL);
	json_t *e0 = json_array_get(json_object_get(root, "errors"), 0);
	const char *code = json_string_value(json_object_get(e0, "code"));
	const char *msg = json_string_value(json_object_get(e0, "message"));
	if (code)
		snprintf(out, len, "%s%s%.200s", code, msg ? ": " : "", msg ? msg : "");
	json_decref(root);
}

/* --------------------------------------------------------- authentication ---- */

/* Reads the next auth-param of a challenge (RFC 7235: token "=" (token / quoted-string)) from *P. */
static bool challenge_param(const char **p, char *name, size_t nlen, char *val, size_t vlen)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	size_t n = 0;
	while (*s && *s != '=' && *s != ' ' && *s != ',' && n + 1 < nlen)
		name[n++] = *s++;
	name[n] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	if (!n || *s != '=')
		return false;
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t v = 0;
	if (*s == '"') {
		s++;
		while (*s && *s != '"') {
			if (*s == '\\' && s[1])
				s++;
			if (v + 1 < vlen)
				val[v++] = *s;
			s++;
		}
		if (*s != '"')
			return false;
		s++;
	} else {
		while (*s && *s != ',' && *s != ' ' && *s != '\t') {
			if (v + 1 < vlen)
				val[v++] = *s;
			s++;
		}
	}
	val[v] = '\0';
	*p = s;
	return true;
}

static int reg_unauthorized(struct reg *r, const char *url, const char *why, struct cuvet_error *err)
{
	if (r->cred_note)
		return err_set(err, CUVET_E_IO, "%s: unauthorized (%s); %s", url, why, r->cred_note);
	if (r->user)
		return err_set(err, CUVET_E_IO, "%s: unauthorized (%s) with the credentials for %s in %s", url, why,
			       r->ref.domain, r->auth_file);
	if (r->auth_read)
		return err_set(err, CUVET_E_IO, "%s: unauthorized (%s); no credentials for %s in %s", url, why,
			       r->ref.domain, r->auth_file);
	return err_set(err, CUVET_E_IO, "%s: unauthorized (%s); no credentials for %s (no auth file at %s)", url, why,
		       r->ref.domain, r->auth_file ? r->auth_file : "$HOME/.docker/config.json: HOME is not set");
}

static int reg_token(struct reg *r, struct cuvet_error *err)
{
	char *esc_service = curl_easy_escape(r->curl, r->service ? r->service : "", 0);
	char *scope = xasprintf("repository:%s:pull", r->ref.path);
	char *esc_scope = scope ? curl_easy_escape(r->curl, scope, 0) : NULL;
	char *url = NULL;
	struct reg_resp resp = {0};
	json_t *root = NULL;
	int rc = -1;
	if (!esc_service || !esc_scope) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	/* the realm may hold a query already (nvcr.io: "…/proxy_auth?scope=…"); no service, no parameter */
	url = xasprintf("%s%s%s%s%sscope=%s", r->realm, strchr(r->realm, '?') ? "&" : "?", r->service ? "service=" : "",
			r->service ? esc_service : "", r->service ? "&" : "", esc_scope);
	if (!url) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	if (reg_request(r, url, "Accept: application/json", false, true, REG_TOKEN_MAX, &resp, err) < 0)
		goto out;
	if (resp.status == 401 || resp.status == 403) {
		char why[256];
		error_body(&resp, why, sizeof(why));
		reg_unauthorized(r, r->realm, *why ? why : (resp.status == 401 ? "HTTP 401" : "HTTP 403"), err);
		goto out;
	}
	if (resp.status != 200) {
		err_set(err, CUVET_E_IO, "%s: HTTP %ld from the token service", r->realm, resp.status);
		goto out;
	}
	root = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	json_t *tok = json_object_get(root, "token");
	if (!json_is_string(tok) || !json_string_length(tok))
		tok = json_object_get(root, "access_token");
	if (!json_is_string(tok) || !json_string_length(tok)) {
		err_set(err, CUVET_E_INVALID, "%s: the token service answered no token", r->realm);
		goto out;
	}
	const char *t = json_string_value(tok);
	for (const char *c = t; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 127) {
			err_set(err, CUVET_E_INVALID, "%s: the token holds a character not allowed in a header", r->realm);
			goto out;
		}
	json_t *exp = json_object_get(root, "expires_in");
	/* token.md: expires_in defaults to 60 s and is never less */
	r->token_ttl = json_is_integer(exp) && json_integer_value(exp) > 60 ? (long)json_integer_value(exp) : 60;
	r->token_at = time(NULL);
	free(r->authz);
	r->authz = xasprintf("Authorization: Bearer %s", t);
	if (!r->authz) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	resp_release(&resp);
	curl_free(esc_service);
	curl_free(esc_scope);
	free(scope);
	free(url);
	return rc;
}

/* Answers CHALLENGE (a 401's WWW-Authenticate from URL): a Bearer token, or Basic credentials. */
static int reg_authenticate(struct reg *r, const char *url, const char *challenge, struct cuvet_error *err)
{
	if (!challenge)
		return reg_unauthorized(r, url, "HTTP 401 without a WWW-Authenticate challenge", err);
	const char *p = challenge;
	while (*p == ' ')
		p++;
	if (strncasecmp(p, "Bearer", 6) == 0 && (p[6] == ' ' || p[6] == '\0')) {
		char name[32], val[2048];
		p += 6;
		free(r->realm);
		free(r->service);
		r->realm = r->service = NULL;
		while (challenge_param(&p, name, sizeof(name), val, sizeof(val))) {
			char **dst = strcasecmp(name, "realm") == 0 ? &r->realm
				     : strcasecmp(name, "service") == 0 ? &r->service
									 : NULL;
			if (dst && !*dst && !(*dst = xstrdup(val)))
				return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
		if (!r->realm || !(str_starts(r->realm, "https://") || str_starts(r->realm, "http://")))
			return err_set(err, CUVET_E_INVALID, "%s: the Bearer challenge names no http(s) realm: %.200s", url,
				       challenge);
		return reg_token(r, err);
	}
	if (strncasecmp(p, "Basic", 5) == 0 && (p[5] == ' ' || p[5] == '\0')) {
		if (!r->user)
			return reg_unauthorized(r, url, "the registry asks for a user and password", err);
		char *plain = xasprintf("%s:%s", r->user, r->pass);
		char *enc = plain ? b64_encode(plain, strlen(plain)) : NULL;
		free(plain);
		free(r->authz);
		r->authz = enc ? xasprintf("Authorization: Basic %s", enc) : NULL;
		free(enc);
		return r->authz ? 0 : err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	return err_set(err, CUVET_E_INVALID, "%s: unsupported authentication challenge: %.200s", url, challenge);
}

/* A request with R's authorization; a 401 is answered once (a new or wider token) and retried. */
static int reg_fetch(struct reg *r, const char *url, const char *accept, size_t max, struct reg_resp *resp,
		     struct cuvet_error *err)
{
	for (int attempt = 0;; attempt++) {
		if (reg_request(r, url, accept, true, false, max, resp, err) < 0)
			return -1;
		if (resp->status != 401 || attempt > 0)
			return 0;
		char *ch = resp->challenge ? xstrdup(resp->challenge) : NULL;
		int rc = reg_authenticate(r, url, ch, err);
		free(ch);
		if (rc < 0)
			return -1;
	}
}

/* The /v2/ ping: the scheme (HTTPS; plain HTTP only where allowed) and the first authentication. */
static int reg_ping(struct reg *r, struct cuvet_error *err)
{
	struct reg_resp resp = {0};
	struct cuvet_error e1 = {0};
	char *url = xasprintf("%s/v2/", r->base);
	if (!url)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	int rc = reg_request(r, url, NULL, false, false, REG_ERRBODY_MAX, &resp, &e1);
	if (rc < 0 && r->insecure && e1.code == CUVET_E_IO) {
		/* no TLS there: the same host over plain HTTP (docker's fallback for insecure registries) */
		char *base = xasprintf("http://%s", r->host), *url2 = xasprintf("http://%s/v2/", r->host);
		if (!base || !url2) {
			free(base);
			free(url2);
			free(url);
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		}
		free(r->base);
		r->base = base;
		free(url);
		url = url2;
		rc = reg_request(r, url, NULL, false, false, REG_ERRBODY_MAX, &resp, err);
	} else if (rc < 0) {
		*err = e1;
		if (!r->insecure && e1.code == CUVET_E_IO)
			snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
				 " (a registry without TLS or with a self-signed certificate needs tls_verify_off)");
	}
	if (rc == 0) {
		if (resp.status == 401)
			rc = reg_authenticate(r, url, resp.challenge, err);
		else if (resp.status != 200)
			rc = err_set(err, CUVET_E_IO, "%s: HTTP %ld: not a registry (distribution API v2)", url, resp.status);
	}
	resp_release(&resp);
	free(url);
	return rc;
}

static int reg_open(struct reg *r, const char *text, const struct cuvet_image_opts *opts, struct cuvet_error *err)
{
	memset(r, 0, sizeof(*r));
	r->opts = opts;
	r->text = text;
	if (cuvet_imgref_parse(text, &r->ref, err) < 0)
		return -1;
	struct cuvet_image_limits lim = opts->limits;
	image_limits_defaults(&lim);
	r->max_json = lim.max_json;
	r->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	r->insecure = opts->tls_verify_off || host_is_loopback(r->ref.domain);
	/* Docker Hub's API lives on registry-1.docker.io (docker's IndexServer / DefaultV2Registry) */
	r->host = xstrdup(strcmp(r->ref.domain, "docker.io") == 0 ? "registry-1.docker.io" : r->ref.domain);
	r->base = r->host ? xasprintf("https://%s", r->host) : NULL;
	r->curl = curl_easy_init();
	if (!r->host || !r->base || !r->curl)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	if (creds_load(r, err) < 0)
		return -1;
	return reg_ping(r, err);
}

/* GET a manifest (tag or digest REFERENCE); its sha256 into DIGEST, checked against the
 * Docker-Content-Digest header and, when REFERENCE is a digest, against it. */
static int reg_manifest(struct reg *r, const char *reference, struct reg_resp *resp, char digest[IMAGE_DIGEST_LEN],
			struct cuvet_error *err)
{
	char *url = xasprintf("%s/v2/%s/manifests/%s", r->base, r->ref.path, reference);
	int rc = -1;
	if (!url)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	size_t max = r->max_json > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)r->max_json;
	if (reg_fetch(r, url, REG_ACCEPT, max, resp, err) < 0)
		goto out;
	if (resp->status != 200) {
		char why[256];
		error_body(resp, why, sizeof(why));
		if (resp->status == 404)
			err_set(err, CUVET_E_NOTFOUND, "docker://%s: %s %s not found in %s (%s)", r->text,
				str_starts(reference, "sha256:") ? "manifest" : "tag", reference, url,
				*why ? why : "HTTP 404");
		else if (resp->status == 401 || resp->status == 403) {
			/* Docker Hub answers so for a repository that does not exist, as for a private one */
			char why2[320];
			snprintf(why2, sizeof(why2), "%s: the repository does not exist or needs credentials",
				 *why ? why : "HTTP 401");
			reg_unauthorized(r, url, why2, err);
		}
		else
			err_set(err, CUVET_E_IO, "%s: HTTP %ld%s%s", url, resp->status, *why ? ": " : "", why);
		goto out;
	}
	if (sha256_buf(resp->body ? resp->body : "", resp->len, digest, err) < 0)
		goto out;
	if (resp->digest[0] && strcmp(resp->digest, digest) != 0) {
		err_set(err, CUVET_E_INVALID, "%s: Docker-Content-Digest %.80s, but the manifest's bytes are %s", url,
			resp->digest, digest);
		goto out;
	}
	if (image_digest_valid(reference) && strcmp(reference, digest) != 0) {
		err_set(err, CUVET_E_INVALID, "%s: the manifest's bytes are %s, not the %s asked for", url, digest,
			reference);
		goto out;
	}
	rc = 0;
out:
	free(url);
	return rc;
}

/* ------------------------------------------------------------ blob stream ---- */

struct reg_blob {
	struct reg *r;
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	char *url;
	char errbuf[CURL_ERROR_SIZE];
	unsigned char *buf; /* the bytes handed out by the last read, or waiting for the next */
	size_t len, cap;
	bool pending, paused, done, added;
	CURLcode result;
	uint64_t bytes, size; /* read so far; the manifest's size */
	struct reg_resp errbody; /* a non-200 body, for its message */
};

static size_t blob_write(char *data, size_t size, size_t nmemb, void *user)
{
	struct reg_blob *b = user;
	size_t n = size * nmemb;
	long status = 0;
	curl_easy_getinfo(b->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		if (status >= 300 && status < 400)
			return n; /* a redirect's own body */
		size_t keep = b->errbody.len + n > REG_ERRBODY_MAX ? 0 : n;
		b->errbody.max = REG_ERRBODY_MAX;
		if (keep)
			resp_write(data, 1, keep, &b->errbody);
		return n;
	}
	if (b->pending) {
		b->paused = true;
		return CURL_WRITEFUNC_PAUSE; /* delivered again when unpaused */
	}
	if (n > b->cap) {
		unsigned char *nb = realloc(b->buf, n);
		if (!nb)
			return 0;
		b->buf = nb;
		b->cap = n;
	}
	memcpy(b->buf, data, n);
	b->len = n;
	b->pending = true;
	b->bytes += n;
	if (b->size && b->bytes > b->size)
		return 0; /* more than the manifest says: refused (checked again at the end) */
	return n;
}

static long long blob_read(void *impl, const void **out, struct cuvet_error *err)
{
	struct reg_blob *b = impl;
	b->pending = false;
	b->len = 0;
	if (b->paused) {
		b->paused = false;
		curl_easy_pause(b->easy, CURLPAUSE_CONT); /* may call blob_write at once */
	}
	for (;;) {
		if (b->pending) {
			*out = b->buf;
			return (long long)b->len;
		}
		if (b->done)
			break;
		int running = 0;
		CURLMcode mc = curl_multi_perform(b->multi, &running);
		if (mc != CURLM_OK)
			return err_set(err, CUVET_E_IO, "%s: %s", b->url, curl_multi_strerror(mc));
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(b->multi, &left)))
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == b->easy) {
				b->done = true;
				b->result = msg->data.result;
			}
		if (b->pending || b->done)
			continue;
		mc = curl_multi_poll(b->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK)
			return err_set(err, CUVET_E_IO, "%s: %s", b->url, curl_multi_strerror(mc));
	}
	long status = 0;
	curl_easy_getinfo(b->easy, CURLINFO_RESPONSE_CODE, &status);
	if (b->size && b->bytes > b->size)
		return err_set(err, CUVET_E_INVALID, "%s: more than the %llu bytes the manifest says", b->url,
			       (unsigned long long)b->size);
	if (b->result != CURLE_OK)
		return reg_curl_error(b->url, b->result, b->errbuf, err);
	if (status != 200) {
		char why[256];
		error_body(&b->errbody, why, sizeof(why));
		return err_set(err, status == 404 ? CUVET_E_NOTFOUND : CUVET_E_IO, "%s: HTTP %ld%s%s", b->url, status,
			       *why ? ": " : "", why);
	}
	if (b->size && b->bytes != b->size)
		return err_set(err, CUVET_E_INVALID, "%s: %llu bytes, the manifest says %llu", b->url,
			       (unsigned long long)b->bytes, (unsigned long long)b->size);
	return 0;
}

static void blob_close(void *impl)
{
	struct reg_blob *b = impl;
	if (!b)
		return;
	if (b->multi && b->easy && b->added)
		curl_multi_remove_handle(b->multi, b->easy);
	if (b->easy)
		curl_easy_cleanup(b->easy);
	if (b->multi)
		curl_multi_cleanup(b->multi);
	curl_slist_free_all(b->hdrs);
	resp_release(&b->errbody);
	free(b->buf);
	free(b->url);
	free(b);
}

/* A pull stream of blob DIGEST (SIZE bytes, 0: unknown). The token is renewed first when it is
 * about to expire: a big image's layers outlast a 60-second token. */
static int reg_blob_open(struct reg *r, const char *digest, uint64_t size, struct image_stream *s,
			 struct cuvet_error *err)
{
	if (r->realm && r->token_at && time(NULL) - r->token_at >= r->token_ttl - 10 && reg_token(r, err) < 0)
		return -1;
	struct reg_blob *b = calloc(1, sizeof(*b));
	if (!b)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	b->r = r;
	b->size = size;
	b->url = xasprintf("%s/v2/%s/blobs/%s", r->base, r->ref.path, digest);
	b->multi = curl_multi_init();
	b->easy = curl_easy_init();
	if (r->authz)
		b->hdrs = curl_slist_append(NULL, r->authz);
	if (!b->url || !b->multi || !b->easy || (r->authz && !b->hdrs) || reg_curl_setup(r, b->easy, b->url, b->errbuf) < 0)
		goto nomem;
	CURLcode e = curl_easy_setopt(b->easy, CURLOPT_HTTPHEADER, b->hdrs);
	/* no total timeout for a layer of many GB: a stall (under 1 byte/s for the timeout) ends it */
	if (e == CURLE_OK)
		e = curl_easy_setopt(b->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	if (e == CURLE_OK)
		e = curl_easy_setopt(b->easy, CURLOPT_LOW_SPEED_TIME, (r->timeout_ms + 999) / 1000);
	/* bigger reads than curl's 16 KiB: fewer trips through the pull loop, memory still flat */
	if (e == CURLE_OK)
		e = curl_easy_setopt(b->easy, CURLOPT_BUFFERSIZE, 256L << 10);
	if (e == CURLE_OK)
		e = curl_easy_setopt(b->easy, CURLOPT_WRITEFUNCTION, blob_write);
	if (e == CURLE_OK)
		e = curl_easy_setopt(b->easy, CURLOPT_WRITEDATA, b);
	if (e != CURLE_OK || curl_multi_add_handle(b->multi, b->easy) != CURLM_OK)
		goto nomem;
	b->added = true;
	s->impl = b;
	s->read = blob_read;
	s->close = blob_close;
	return 0;
nomem:
	blob_close(b);
	return err_set(err, CUVET_E_NOMEM, "%s: cannot set up the request", digest);
}

/* A small blob (a config) read whole, checked against DIGEST and SIZE. */
static int reg_blob_small(struct reg *r, const struct image_descriptor *d, struct reg_resp *resp,
			  struct cuvet_error *err)
{
	if (d->size > r->max_json)
		return err_set(err, CUVET_E_RANGE, "docker://%s: config %s: %llu bytes, over the limit of %llu", r->text,
			       d->digest, (unsigned long long)d->size, (unsigned long long)r->max_json);
	char *url = xasprintf("%s/v2/%s/blobs/%s", r->base, r->ref.path, d->digest);
	char got[IMAGE_DIGEST_LEN];
	int rc = -1;
	if (!url)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	if (reg_fetch(r, url, NULL, (size_t)r->max_json, resp, err) < 0)
		goto out;
	if (resp->status != 200) {
		char why[256];
		error_body(resp, why, sizeof(why));
		err_set(err, resp->status == 404 ? CUVET_E_NOTFOUND : CUVET_E_IO, "%s: HTTP %ld%s%s", url, resp->status,
			*why ? ": " : "", why);
		goto out;
	}
	if (sha256_buf(resp->body ? resp->body : "", resp->len, got, err) < 0)
		goto out;
	if (strcmp(got, d->digest) != 0 || resp->len != d->size) {
		err_set(err, CUVET_E_INVALID, "%s: %zu bytes with digest %s, the manifest says %llu bytes, %s", url,
			resp->len, got, (unsigned long long)d->size, d->digest);
		goto out;
	}
	rc = 0;
out:
	free(url);
	return rc;
}

/* ---------------------------------------------------------------- the API ---- */

static const char *err_msg(const struct cuvet_error *err)
{
	return err ? err->msg : "";
}

/* "PREFIXREF: " before ERR's message. */
static void err_prefix(struct cuvet_error *err, const char *prefix, const char *ref)
{
	if (!err)
		return;
	char msg[sizeof(err->msg)];
	memcpy(msg, err->msg, sizeof(msg));
	err_set(err, err->code, "%s%.200s: %s", prefix, ref, msg);
}

static const char *strip_transport(const char *ref)
{
	return str_starts(ref, "docker://") ? ref + strlen("docker://") : ref;
}

static char *ref_string(const struct cuvet_imgref *ref)
{
	char buf[1024];
	return cuvet_imgref_format(ref, false, buf, sizeof(buf), NULL) == 0 ? xstrdup(buf) : NULL;
}

static int fill_layers(struct cuvet_image *img, const struct image_manifest *m, struct cuvet_error *err)
{
	if (!m->nitems)
		return 0;
	img->info.layers = calloc(m->nitems, sizeof(*img->info.layers));
	if (!img->info.layers)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	img->info.nlayers = m->nitems;
	for (size_t i = 0; i < m->nitems; i++) {
		struct cuvet_image_layer *l = &img->info.layers[i];
		l->digest = xstrdup(m->items[i].digest);
		l->media_type = xstrdup(m->items[i].media_type);
		l->size = m->items[i].size;
		if (!l->digest || !l->media_type)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
	}
	return 0;
}

struct cuvet_image *image_open_registry(const char *ref, const struct cuvet_image_opts *opts,
					struct cuvet_error *err)
{
	struct cuvet_image_opts defaults = {0};
	struct reg r;
	struct reg_resp resp = {0};
	struct image_manifest m = {0};
	struct cuvet_image *img = NULL;
	char digest[IMAGE_DIGEST_LEN];
	char *source = NULL;

	if (!opts)
		opts = &defaults;
	ref = strip_transport(ref ? ref : "");
	if (reg_open(&r, ref, opts, err) < 0)
		goto fail;
	source = xasprintf("docker://%s", ref);
	if (!source || !(img = image_new(source, opts, err))) {
		if (!source)
			err_set(err, CUVET_E_NOMEM, "out of memory");
		goto fail;
	}
	img->info.ref = ref_string(&r.ref);
	if (!img->info.ref) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto fail;
	}
	/* digest wins over tag (reference.md: the tag is then informational) */
	const char *reference = r.ref.digest ? r.ref.digest : r.ref.tag ? r.ref.tag : "latest";
	char pick[IMAGE_DIGEST_LEN + 64];
	for (int depth = 0;; depth++) {
		if (reg_manifest(&r, reference, &resp, digest, err) < 0 ||
		    image_manifest_parse(resp.body, resp.len, resp.content_type, &m, err) < 0) {
			if (!strstr(err_msg(err), "://"))
				err_prefix(err, "docker://", ref);
			goto fail;
		}
		if (m.kind == IMAGE_MANIFEST)
			break;
		if (depth == 0 && !(img->info.index_digest = xstrdup(digest))) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
		if (depth == REG_INDEX_DEPTH) {
			err_set(err, CUVET_E_INVALID, "docker://%s: indexes nested more than %d deep", ref, REG_INDEX_DEPTH);
			goto fail;
		}
		long i = image_index_pick(&m, opts->platform, err);
		if (i < 0) {
			err_prefix(err, "docker://", ref);
			goto fail;
		}
		snprintf(pick, sizeof(pick), "%s", m.items[i].digest);
		reference = pick;
		image_manifest_release(&m);
	}
	img->info.manifest_digest = xstrdup(digest);
	img->info.config_digest = xstrdup(m.config.digest);
	if (!img->info.manifest_digest || !img->info.config_digest) {
		err_set(err, CUVET_E_NOMEM, "out of memory");
		goto fail;
	}
	if (fill_layers(img, &m, err) < 0 || reg_blob_small(&r, &m.config, &resp, err) < 0 ||
	    image_parse_config(img, resp.body ? resp.body : "", resp.len, err) < 0)
		goto fail;
	resp_release(&resp);
	if (opts->layers) {
		for (size_t i = 0; i < m.nitems; i++) {
			struct image_stream s = {0};
			if (reg_blob_open(&r, m.items[i].digest, m.items[i].size, &s, err) < 0)
				goto fail;
			int rc = image_layer_apply(img, &s, m.items[i].digest, err);
			s.close(s.impl);
			if (rc < 0)
				goto fail;
		}
	}
	image_manifest_release(&m);
	reg_release(&r);
	free(source);
	return img;
fail:
	image_manifest_release(&m);
	resp_release(&resp);
	reg_release(&r);
	cuvet_image_free(img);
	free(source);
	return NULL;
}

int cuvet_registry_resolve(const char *ref, const struct cuvet_image_opts *opts, char *digest, size_t len,
			   struct cuvet_error *err)
{
	struct cuvet_image_opts defaults = {0};
	struct reg r;
	struct reg_resp resp = {0};
	char got[IMAGE_DIGEST_LEN];
	int rc = -1;
	if (!digest || !len)
		return err_set(err, CUVET_E_INVALID, "registry resolve: no output buffer");
	digest[0] = '\0';
	if (!opts)
		opts = &defaults;
	ref = strip_transport(ref ? ref : "");
	if (reg_open(&r, ref, opts, err) < 0)
		goto out;
	if (reg_manifest(&r, r.ref.digest ? r.ref.digest : r.ref.tag ? r.ref.tag : "latest", &resp, got, err) < 0)
		goto out;
	if (strlen(got) >= len) {
		err_set(err, CUVET_E_RANGE, "registry resolve: %zu bytes do not hold a digest", len);
		goto out;
	}
	memcpy(digest, got, strlen(got) + 1);
	rc = 0;
out:
	resp_release(&resp);
	reg_release(&r);
	return rc;
}

#else /* !CUVET_HAVE_LIBCURL */

struct cuvet_image *image_open_registry(const char *ref, const struct cuvet_image_opts *opts,
					struct cuvet_error *err)
{
	CUVET_UNUSED(opts);
	err_set(err, CUVET_E_INVALID, "docker://%s: registries are not supported by this build (no libcurl)",
		ref ? ref : "");
	return NULL;
}

int cuvet_registry_resolve(const char *ref, const struct cuvet_image_opts *opts, char *digest, size_t len,
			   struct cuvet_error *err)
{
	CUVET_UNUSED(opts);
	if (digest && len)
		digest[0] = '\0';
	return err_set(err, CUVET_E_INVALID, "%s: registries are not supported by this build (no libcurl)",
		       ref ? ref : "");
}

#endif
