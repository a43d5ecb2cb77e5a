/* Knowledge-base answers as JSON (schema cuvet.kb/1): one document per question, with the date
 * and directory of the tables and the question asked, then the answer as the query returned it.
 * Every string the tables leave empty is null; facts marked unverified keep their flags. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Appends V (NULL when its allocation failed) and remembers a failure. */
static void jadd(json_t *a, json_t *v, bool *ok)
{
	if (!a || json_array_append_new(a, v) != 0)
		*ok = false;
}

/* The cuvet.kb/1 envelope around RESULT (consumed; NULL or !OK: allocation failed). */
static char *kb_doc(const struct cuvet_kb *kb, const char *kind, const char *arg, json_t *result, bool ok, bool pretty,
		    struct cuvet_error *err)
{
	if (!kb || !kind || !arg) {
		json_decref(result);
		err_set(err, CUVET_E_INVALID, "no knowledge base or question given");
		return NULL;
	}
	if (!result || !ok) {
		json_decref(result);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	json_t *root = json_pack("{s:s, s:s, s:o, s:{s:s, s:s}, s:o}", "schema", "cuvet.kb/1", "kb_date",
				 cuvet_kb_data_date(kb), "kb_dir", jstr(cuvet_kb_dir(kb)), "query", "kind", kind, "arg", arg,
				 "result", result);
	char *s = root ? json_dumps(root, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (!s)
		err_set(err, CUVET_E_NOMEM, "out of memory");
	return s;
}

/* ------------------------------------------------------------------ driver ---- */

static json_t *branch_json(const struct cuvet_kb_branch *b, const char *now)
{
	int ended = cuvet_kb_branch_ended(b, now);
	return json_pack("{s:i, s:o, s:o, s:b, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:s}",
			 "branch", (int)b->branch, "max_cuda", jstr(b->max_cuda), "max_cuda_text", jstr(b->max_cuda_text),
			 "max_cuda_uncertain", b->uncertain_max_cuda, "evidence", jstr(b->evidence), "type", jstr(b->type),
			 "type_text", jstr(b->type_text), "type_uncertain", b->uncertain_type, "end_of_life",
			 jstr(b->end_of_life), "end_of_life_text", jstr(b->end_of_life_text), "ended",
			 ended < 0 ? json_null() : json_boolean(ended), "end_of_life_uncertain", b->uncertain_end_of_life,
			 "last_for_architectures", jstr(b->last_for), "notes", jstr(b->notes), "sources", jstr(b->sources),
			 "today", now);
}

static void cuda_str(int v, char *buf, size_t len)
{
	snprintf(buf, len, "%d.%d", v / 1000, v % 1000 / 10);
}

char *cuvet_kb_driver_to_json(const struct cuvet_kb *kb, const char *driver_version, const struct cuvet_kb_driver *d,
			      const char *today, bool pretty, struct cuvet_error *err)
{
	if (!d || !today) {
		err_set(err, CUVET_E_INVALID, "no driver answer or date given");
		return NULL;
	}
	bool ok = true;
	char cuda[32];
	cuda_str(d->cuda.cuda, cuda, sizeof(cuda));
	json_t *minor = json_array(), *compat = json_array(), *arch = json_array();
	for (size_t i = 0; i < d->nminor; i++)
		jadd(minor, json_pack("{s:i, s:s, s:b}", "major", (int)d->minor[i].major, "min_driver", d->minor[i].min_driver,
				      "met", d->minor[i].met), &ok);
	for (size_t i = 0; i < d->ncompat; i++)
		jadd(compat, json_pack("{s:s, s:s, s:b, s:o, s:o}", "package", d->compat[i].package, "cuda_version",
				       d->compat[i].cuda_version, "contradicted", d->compat[i].contradicted, "caveat",
				       jstr(d->compat[i].caveat), "source", jstr(d->compat[i].source)), &ok);
	for (size_t i = 0; i < d->narch; i++) {
		const struct cuvet_kb_arch_support *a = &d->arch[i];
		char first[16], last[16];
		snprintf(first, sizeof(first), "R%u", a->first_branch);
		snprintf(last, sizeof(last), "R%u", a->last_branch);
		jadd(arch, json_pack("{s:s, s:b, s:o, s:o}", "architecture", a->architecture, "supported", a->supported,
				     "first_branch", a->first_branch ? json_string(first) : json_null(), "last_branch",
				     a->last_branch ? json_string(last) : json_null()), &ok);
	}
	json_t *r = minor && compat && arch
		? json_pack("{s:s, s:i, s:b, s:o, s:{s:o, s:o, s:b, s:b, s:o}, s:o, s:b, s:o, s:o}", "driver",
			    driver_version ? driver_version : "", "branch", (int)d->branch, "branch_known", d->branch_known,
			    "branch_info", d->branch_known ? branch_json(&d->info, today) : json_null(), "cuda", "version",
			    d->cuda.cuda ? json_string(cuda) : json_null(), "basis", jstr(d->cuda.basis), "lower_bound",
			    d->cuda.lower_bound, "unverified", d->cuda.unverified, "toolkit", jstr(d->cuda.toolkit),
			    "minor_version_compat", minor, "forward_compat_known", d->compat_known, "forward_compat", compat,
			    "architectures", arch)
		: NULL;
	if (!r) {
		/* json_pack took the arrays only if it succeeded */
		json_decref(minor);
		json_decref(compat);
		json_decref(arch);
	}
	return kb_doc(kb, "driver", driver_version, r, ok, pretty, err);
}

/* -------------------------------------------------------------------- CUDA ---- */

char *cuvet_kb_cuda_to_json(const struct cuvet_kb *kb, const char *version, const struct cuvet_kb_cuda *releases,
			    size_t n, const struct cuvet_kb_cuda_arch *arch, bool pretty, struct cuvet_error *err)
{
	if (n && !releases) {
		err_set(err, CUVET_E_INVALID, "no releases given");
		return NULL;
	}
	bool ok = true;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct cuvet_kb_cuda *c = &releases[i];
		jadd(arr, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "version", c->version,
				    "status", jstr(c->status), "label", jstr(c->label), "min_linux_driver",
				    jstr(c->min_linux_driver), "min_linux_driver_text", jstr(c->min_linux_driver_text),
				    "min_windows_driver", jstr(c->min_windows_driver), "min_windows_driver_text",
				    jstr(c->min_windows_driver_text), "minor_compat_min_driver",
				    jstr(c->minor_compat_min_driver), "minor_compat_text", jstr(c->minor_compat_text),
				    "caveat", jstr(c->caveat), "source", jstr(c->source)), &ok);
	}
	json_t *ja = json_null();
	if (arch) {
		char br[16];
		snprintf(br, sizeof(br), "R%u", arch->driver_branch);
		ja = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "cuda_version", arch->cuda_version,
			       "status", jstr(arch->status), "ptx_isa", jstr(arch->ptx_isa), "driver_branch",
			       arch->driver_branch ? json_string(br) : json_null(), "lowest_sm", jstr(arch->lowest_sm),
			       "highest_sm", jstr(arch->highest_sm), "new_sass_ccs", jstr(arch->new_sass_ccs), "new_targets",
			       jstr(arch->new_targets), "removed_targets", jstr(arch->removed_targets), "caveat",
			       jstr(arch->caveat), "source", jstr(arch->source));
	}
	json_t *r = arr && ja ? json_pack("{s:o, s:o}", "releases", arr, "arch", ja) : NULL;
	if (!r) {
		json_decref(arr);
		json_decref(ja);
	}
	return kb_doc(kb, "cuda", version, r, ok, pretty, err);
}

/* --------------------------------------------------------------------- GPU ---- */

/* 1 true, 0 false, -1 null (unknown) */
static json_t *tri_json(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

char *cuvet_kb_gpu_to_json(const struct cuvet_kb *kb, const char *query, const struct cuvet_kb_gpu_row *rows, size_t n,
			   bool pretty, struct cuvet_error *err)
{
	if (n && !rows) {
		err_set(err, CUVET_E_INVALID, "no GPU rows given");
		return NULL;
	}
	bool ok = true;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct cuvet_kb_gpu_row *g = &rows[i];
		char cc[16];
		snprintf(cc, sizeof(cc), "%d.%d", g->gpu.cc_major, g->gpu.cc_minor);
		struct cuvet_kb_precision p;
		int pr = cuvet_kb_precision(kb, g->gpu.cc_major, g->gpu.cc_minor, &p, err);
		if (pr < 0) {
			json_decref(arr);
			return NULL;
		}
		json_t *prec = pr == 1 ? json_null()
				       : json_pack("{s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "fast_fp16", tri_json(p.fast_fp16),
						   "int8", tri_json(p.int8), "fp8", tri_json(p.fp8), "fp4", tri_json(p.fp4),
						   "unverified", p.unverified, "note", jstr(p.note), "source", jstr(p.source));
		jadd(arr, json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "model", g->gpu.model,
				    "segment", g->gpu.segment, "compute_capability", cc, "architecture",
				    jstr(g->gpu.architecture), "chip", jstr(g->gpu.chip), "unverified", g->gpu.unverified,
				    "pci_device_ids", jstr(g->pci_device_ids), "pci_variant", jstr(g->pci_variant), "caveat",
				    jstr(g->caveat), "pci_ids_note", jstr(g->pci_ids_note), "note", jstr(g->note), "source",
				    jstr(g->gpu.source), "precision", prec), &ok);
	}
	return kb_doc(kb, "gpu", query, arr, ok, pretty, err);
}

/* ------------------------------------------------------------------- image ---- */

static json_t *fact_json(const struct cuvet_kb_fact *f)
{
	if (!f->value && !f->unverified)
		return json_null();
	return json_pack("{s:o, s:b, s:b, s:o}", "value", jstr(f->value), "unverified", f->unverified, "secondary",
			 f->secondary, "derived_from", jstr(f->derived_from));
}

char *cuvet_kb_image_to_json(const struct cuvet_kb *kb, const char *ref, const struct cuvet_kb_image *im, bool pretty,
			     struct cuvet_error *err)
{
	if (!im) {
		err_set(err, CUVET_E_INVALID, "no image answer given");
		return NULL;
	}
	json_t *r = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "image",
			      im->image, "tag", jstr(im->tag), "ubuntu", fact_json(&im->ubuntu), "cuda", fact_json(&im->cuda),
			      "cudnn", fact_json(&im->cudnn), "tensorrt", fact_json(&im->tensorrt), "cublas",
			      fact_json(&im->cublas), "nccl", fact_json(&im->nccl), "python", fact_json(&im->python),
			      "framework", fact_json(&im->framework), "min_driver", fact_json(&im->min_driver),
			      "require_cuda", jstr(im->require_cuda), "notes", jstr(im->notes), "source", jstr(im->source),
			      "table", im->table);
	return kb_doc(kb, "image", ref, r, true, pretty, err);
}

/* ------------------------------------------------------- TensorRT / cuDNN ---- */

static char *releases_doc(const struct cuvet_kb *kb, const char *kind, const char *version,
			  const struct cuvet_kb_release *r, size_t n, bool pretty, struct cuvet_error *err)
{
	if (n && !r) {
		err_set(err, CUVET_E_INVALID, "no releases given");
		return NULL;
	}
	bool ok = true;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		jadd(arr, json_pack("{s:s, s:s, s:s, s:o, s:b, s:{s:b, s:b, s:b, s:b}, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
				    "s:o, s:o}",
				    "kind", r[i].kind, "release", r[i].release, "first", r[i].first, "last", jstr(r[i].last),
				    "unverified", r[i].unverified, "uncertain", "cudnn", r[i].uncertain_cudnn, "min_driver",
				    r[i].uncertain_min_driver, "gpus", r[i].uncertain_gpus, "library_files",
				    r[i].uncertain_library_files, "cuda_majors", jstr(r[i].cuda_majors), "cuda_versions",
				    jstr(r[i].cuda_versions), "cudnn", jstr(r[i].cudnn), "min_driver", jstr(r[i].min_driver),
				    "gpus", jstr(r[i].gpus), "library_files", jstr(r[i].library_files), "version_encoding",
				    jstr(r[i].version_encoding), "source", jstr(r[i].source), "notes", jstr(r[i].notes)),
		     &ok);
	return kb_doc(kb, kind, version, arr, ok, pretty, err);
}

char *cuvet_kb_tensorrt_to_json(const struct cuvet_kb *kb, const char *version, const struct cuvet_kb_release *rows,
				size_t n, bool pretty, struct cuvet_error *err)
{
	return releases_doc(kb, "tensorrt", version, rows, n, pretty, err);
}

char *cuvet_kb_cudnn_to_json(const struct cuvet_kb *kb, const char *version, const struct cuvet_kb_release *rows,
			     size_t n, bool pretty, struct cuvet_error *err)
{
	return releases_doc(kb, "cudnn", version, rows, n, pretty, err);
}

/* ------------------------------------------------------------------- files ---- */

char *cuvet_kb_files_to_json(const struct cuvet_kb *kb, bool pretty, struct cuvet_error *err)
{
	if (!kb) {
		err_set(err, CUVET_E_INVALID, "no knowledge base given");
		return NULL;
	}
	bool ok = true;
	json_t *arr = json_array();
	for (size_t i = 0; i < cuvet_kb_file_count(); i++) {
		const char *name = cuvet_kb_file_name(i), *text = NULL, *origin = NULL;
		size_t len = 0;
		if (cuvet_kb_file_text(kb, name, &text, &len, &origin, err) != 0) {
			json_decref(arr);
			return NULL;
		}
		jadd(arr, json_pack("{s:s, s:s, s:I}", "file", name, "origin", origin, "bytes", (json_int_t)len), &ok);
	}
	return kb_doc(kb, "files", "", arr, ok, pretty, err);
}
