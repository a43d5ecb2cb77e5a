/* Pinning a Dockerfile's base images by digest: only the bytes of each FROM's image token change
 * (the parser records where the token lies in the buffer); everything else (CRLF, tabs, comments,
 * continuations) is copied as it is. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"

struct digest_entry {
	char *key;    /* "docker.io/library/ubuntu:22.04" */
	char *digest; /* "sha256:…" */
};
struct cuvet_digests {
	struct digest_entry *items;
	size_t count, cap;
};

void cuvet_digests_free(struct cuvet_digests *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->count; i++) {
		free(d->items[i].key);
		free(d->items[i].digest);
	}
	free(d->items);
	free(d);
}

/* "domain/path:tag" with the tag latest when none is written; NULL on allocation failure. */
static char *ref_key(const struct cuvet_imgref *r)
{
	return xasprintf("%s/%s:%s", r->domain, r->path, r->tag ? r->tag : "latest");
}

/* sha256:<64 lower-case hex> or sha512:<128>, as the OCI image spec's registered algorithms. */
static bool digest_valid(const char *d)
{
	size_t hex;
	if (str_starts(d, "sha256:"))
		hex = 64;
	else if (str_starts(d, "sha512:"))
		hex = 128;
	else
		return false;
	const char *h = d + 7;
	if (strlen(h) != hex)
		return false;
	for (size_t i = 0; i < hex; i++)
		if (!isdigit((unsigned char)h[i]) && !(h[i] >= 'a' && h[i] <= 'f'))
			return false;
	return true;
}

struct cuvet_digests *cuvet_digests_parse(const char *buf, size_t len, struct cuvet_error *err)
{
	struct cuvet_digests *d = calloc(1, sizeof(*d));
	char *line = NULL;
	if (!d)
		goto nomem;
	if (memchr(buf, '\0', len)) {
		err_set(err, CUVET_E_INVALID, "digests file: it holds a NUL byte");
		goto fail;
	}
	unsigned no = 0;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		no++;
		if (!(line = xstrndup(buf + pos, end - pos)))
			goto nomem;
		pos = nl ? end + 1 : len;
		char *s = str_trim(line);
		size_t n = strlen(s);
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			s[--n] = '\0';
		if (!*s || *s == '#') {
			free(line);
			line = NULL;
			continue;
		}
		char *sp = s + strcspn(s, " \t");
		if (!*sp) {
			err_set(err, CUVET_E_INVALID, "digests line %u: expected \"REF DIGEST\"", no);
			goto fail;
		}
		*sp++ = '\0';
		char *dg = sp + strspn(sp, " \t");
		if (!digest_valid(dg)) {
			err_set(err, CUVET_E_INVALID, "digests line %u: %.80s is not a digest (sha256:<64 hex>)", no, dg);
			goto fail;
		}
		struct cuvet_imgref r;
		struct cuvet_error re = {0};
		if (cuvet_imgref_parse(s, &r, &re) < 0) {
			if (re.code == CUVET_E_NOMEM)
				goto nomem;
			err_set(err, CUVET_E_INVALID, "digests line %u: %.300s", no, re.msg);
			goto fail;
		}
		char *key = ref_key(&r);
		cuvet_imgref_release(&r);
		if (!key || xgrow(&d->items, &d->cap, d->count, sizeof(*d->items)) < 0) {
			free(key);
			goto nomem;
		}
		d->items[d->count].key = key;
		if (!(d->items[d->count].digest = xstrdup(dg))) {
			free(key);
			goto nomem;
		}
		d->count++;
		free(line);
		line = NULL;
	}
	return d;
nomem:
	err_set(err, CUVET_E_NOMEM, "out of memory");
fail:
	free(line);
	cuvet_digests_free(d);
	return NULL;
}

static const char *digests_find(const struct cuvet_digests *d, const char *key)
{
	/* The last line for a reference wins, as a file appended to. */
	for (size_t i = d ? d->count : 0; i-- > 0;)
		if (strcmp(d->items[i].key, key) == 0)
			return d->items[i].digest;
	return NULL;
}

void cuvet_pin_result_free(struct cuvet_pin_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nlines; i++) {
		free(r->lines[i].image);
		free(r->lines[i].pinned);
		free(r->lines[i].why);
	}
	free(r->lines);
	free(r->text);
	free(r);
}

struct cuvet_pin_result *cuvet_dockerfile_pin(const char *buf, size_t len, const struct cuvet_dockerfile *df,
					      const struct cuvet_digests *digests,
					      const struct cuvet_image_opts *registry, struct cuvet_error *err)
{
	struct cuvet_pin_result *r = calloc(1, sizeof(*r));
	struct sbuf out;
	sbuf_init(&out);
	if (!r || !(r->lines = calloc(df->nstages ? df->nstages : 1, sizeof(*r->lines))))
		goto nomem;
	size_t copied = 0;
	for (size_t s = 0; s < df->nstages; s++) {
		const struct cuvet_dockerfile_stage *sg = &df->stages[s];
		struct cuvet_pin_line *pl = &r->lines[r->nlines++];
		pl->line = df->instrs[sg->instr].line;
		if (!(pl->image = xstrdup(sg->image ? sg->image : sg->image_text)))
			goto nomem;
		if (sg->base_stage >= 0 || (sg->image && strcmp(sg->image, "scratch") == 0)) {
			pl->state = CUVET_PIN_STAGE;
			continue;
		}
		struct cuvet_imgref ref;
		if (!sg->image) {
			pl->state = CUVET_PIN_VARIABLE;
			if (!(pl->why = xstrdup("the image is a variable without a value")))
				goto nomem;
			r->unpinned++;
			continue;
		}
		struct cuvet_error re = {0};
		if (cuvet_imgref_parse(sg->image, &ref, &re) < 0) {
			if (re.code == CUVET_E_NOMEM)
				goto nomem;
			pl->state = CUVET_PIN_UNRESOLVED;
			r->unpinned++;
			if (!(pl->why = xstrdup(re.msg)))
				goto nomem;
			continue;
		}
		if (ref.digest) {
			pl->state = CUVET_PIN_PINNED;
			cuvet_imgref_release(&ref);
			continue;
		}
		r->unpinned++;
		if (strpbrk(sg->image_text, "$\"'") || sg->image_len == 0 || sg->image_offset < copied ||
		    sg->image_offset + sg->image_len > len) {
			pl->state = CUVET_PIN_VARIABLE;
			pl->why = xstrdup(sg->image_len == 0 ? "the image is split by a line continuation"
							     : "the image is written with a variable or quotes: pin the ARG's default instead");
			cuvet_imgref_release(&ref);
			if (!pl->why)
				goto nomem;
			continue;
		}
		char *key = ref_key(&ref);
		bool tagged = ref.tag != NULL;
		cuvet_imgref_release(&ref);
		if (!key)
			goto nomem;
		const char *digest = digests_find(digests, key);
		char resolved[160];
		if (!digest && registry) {
			struct cuvet_error rerr = {0};
			if (cuvet_registry_resolve(key, registry, resolved, sizeof(resolved), &rerr) == 0) {
				digest = resolved;
			} else {
				if (rerr.code == CUVET_E_NOMEM) {
					free(key);
					goto nomem;
				}
				pl->state = CUVET_PIN_UNRESOLVED;
				pl->why = xstrdup(rerr.msg);
				free(key);
				if (!pl->why)
					goto nomem;
				continue;
			}
		}
		free(key);
		if (!digest) {
			pl->state = CUVET_PIN_UNRESOLVED;
			if (!(pl->why = xstrdup("not in the digests file")))
				goto nomem;
			continue;
		}
		pl->state = CUVET_PIN_REWRITTEN;
		pl->pinned = xasprintf("%s%s@%s", sg->image_text, tagged ? "" : ":latest",
				       digest);
		if (!pl->pinned)
			goto nomem;
		r->unpinned--;
		sbuf_addf(&out, "%.*s%s", (int)(sg->image_offset - copied), buf + copied, pl->pinned);
		copied = sg->image_offset + sg->image_len;
	}
	/* The rest verbatim (it has no NUL: the parser refused one). */
	sbuf_addf(&out, "%.*s", (int)(len - copied), buf + copied);
	if (out.oom)
		goto nomem;
	r->len = out.len;
	if (!(r->text = sbuf_steal(&out)))
		goto nomem;
	return r;
nomem:
	err_set(err, CUVET_E_NOMEM, "out of memory");
	sbuf_release(&out);
	cuvet_pin_result_free(r);
	return NULL;
}
