/* The knowledge base (SPEC §5): the tables in data/, compiled in verbatim by kb_embed.py or read
 * from a --kb directory, parsed lazily (one table at a time, on first use) into the cuvet_kb
 * object. Nothing here is global and mutable: the exporter may answer scrapes from several
 * threads with one kb, so each table is parsed under the kb's own lock. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "kb_builtin.h"
#include "kb_tables.h"

/* A newer table is text of a few tens of KiB; anything far larger is not a knowledge base. */
#define KB_MAX_FILE (16u << 20)
#define KB_DATE_FILE "DATE"

/* ------------------------------------------------------------- schemas ---- */

#define KB_COLS(a) a, CUVET_ARRAY_LEN(a)

static const struct kb_col gpu_cols[] = {
	{"segment", KB_ENUM, KB_F_REQUIRED, "datacenter|workstation|consumer|embedded|unknown"},
	{"model", KB_TEXT, KB_F_REQUIRED, NULL},
	{"compute_capability", KB_CC, KB_F_REQUIRED, NULL},
	{"architecture", KB_TEXT, 0, NULL},
	{"chip", KB_TEXT, 0, NULL},
	{"pci_device_ids", KB_PCI_LIST, 0, NULL},
	{"status", KB_ENUM, 0, "unverified"},
	{"caveat", KB_TEXT, 0, NULL},
	{"pci_ids_note", KB_TEXT, 0, NULL},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
	{"note", KB_TEXT, 0, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(gpu_cols) == GPU_NCOLS, "gpu columns");

static const struct kb_col toolkit_cols[] = {
	{"cuda_version", KB_VERSION, KB_F_REQUIRED, NULL},
	{"status", KB_ENUM, 0, "unverified|no-toolkit"},
	{"release_label", KB_TEXT, KB_F_REQUIRED, NULL},
	{"min_linux_driver", KB_VERSION, 0, NULL},
	{"min_linux_driver_text", KB_TEXT, 0, NULL},
	{"min_windows_driver", KB_VERSION, 0, NULL},
	{"min_windows_driver_text", KB_TEXT, 0, NULL},
	{"minor_compat_min_driver", KB_VERSION, 0, NULL},
	{"minor_compat_text", KB_TEXT, 0, NULL},
	{"caveat", KB_TEXT, 0, NULL},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(toolkit_cols) == TK_NCOLS, "toolkit columns");

static const struct kb_col branch_cols[] = {
	{"branch", KB_BRANCH, KB_F_REQUIRED, NULL},
	{"max_cuda", KB_VERSION, 0, NULL},
	{"max_cuda_text", KB_TEXT, 0, NULL},
	{"evidence_for_cuda_version", KB_TEXT, 0, NULL},
	{"branch_type", KB_ENUM, 0, "ltsb|production|new-feature|evaluation"},
	{"branch_type_text", KB_TEXT, 0, NULL},
	{"end_of_life", KB_EOL, 0, NULL},
	{"end_of_life_text", KB_TEXT, 0, NULL},
	{"last_for_architectures", KB_TEXT, 0, NULL},
	{"notes", KB_TEXT, 0, NULL},
	{"sources", KB_TEXT, KB_F_REQUIRED, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(branch_cols) == BR_NCOLS, "branch columns");

static const struct kb_col compat_cols[] = {
	{"compat_package", KB_TEXT, KB_F_REQUIRED, NULL},
	{"cuda_version", KB_VERSION, KB_F_REQUIRED, NULL},
	{"contradicted_below_branch", KB_BRANCH, 0, NULL},
	{"caveat", KB_TEXT, 0, NULL},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(compat_cols) == FC_NCOLS, "forward-compat columns");

static const struct kb_col arch_cols[] = {
	{"cuda_version", KB_VERSION, KB_F_REQUIRED, NULL},
	{"status", KB_ENUM, 0, "unverified|no-toolkit"},
	{"ptx_isa", KB_VERSION, 0, NULL},
	{"driver_branch", KB_BRANCH, 0, NULL},
	{"lowest_sm", KB_SM, 0, NULL},
	{"highest_sm", KB_SM, 0, NULL},
	{"new_sass_ccs", KB_CC_LIST, 0, NULL},
	{"new_targets", KB_TEXT, 0, NULL},
	{"removed_targets", KB_TEXT, 0, NULL},
	{"caveat", KB_TEXT, 0, NULL},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(arch_cols) == AP_NCOLS, "arch columns");

static const struct kb_col cudnn_cols[] = {
	{"release", KB_TEXT, KB_F_REQUIRED, NULL},
	{"cudnn_first", KB_VERSION, KB_F_REQUIRED, NULL},
	{"cudnn_last", KB_VERSION, 0, NULL},
	{"status", KB_ENUM, 0, "unverified"},
	{"cuda_majors", KB_INT_LIST, 0, NULL},
	{"cuda_versions", KB_TEXT, KB_F_MARKS, NULL},
	{"min_driver_linux", KB_TEXT, KB_F_MARKS, NULL},
	{"compute_capability", KB_TEXT, KB_F_MARKS, NULL},
	{"library_files_sonames", KB_TEXT, KB_F_MARKS, NULL},
	{"version_encoding", KB_TEXT, KB_F_MARKS, NULL},
	{"source_url", KB_TEXT, KB_F_REQUIRED, NULL},
	{"notes", KB_TEXT, 0, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(cudnn_cols) == CD_NCOLS, "cudnn columns");

static const struct kb_col cudnn_build_cols[] = {
	{"cudnn_build", KB_VERSION, KB_F_REQUIRED, NULL},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
	{"note", KB_TEXT, 0, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(cudnn_build_cols) == CB_NCOLS, "cudnn build columns");

static const struct kb_col tensorrt_cols[] = {
	{"release", KB_TEXT, KB_F_REQUIRED, NULL},
	{"tensorrt_first", KB_VERSION, KB_F_REQUIRED, NULL},
	{"tensorrt_last", KB_VERSION, 0, NULL},
	{"status", KB_ENUM, 0, "unverified"},
	{"cuda_majors", KB_INT_LIST, 0, NULL},
	{"cuda_versions", KB_TEXT, KB_F_MARKS, NULL},
	{"cudnn", KB_TEXT, KB_F_MARKS, NULL},
	{"gpus", KB_TEXT, KB_F_MARKS, NULL},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(tensorrt_cols) == TR_NCOLS, "tensorrt columns");

static const struct kb_col ngc_trt_cols[] = {
	{"image", KB_TEXT, KB_F_REQUIRED, NULL},
	{"tag", KB_TEXT, KB_F_REQUIRED, NULL},
	{"ubuntu", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"cuda", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"cudnn", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"tensorrt", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"cublas", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"nccl", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"python", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"min_driver", KB_TEXT, KB_F_MARKS, NULL},
	{"source_url", KB_TEXT, KB_F_REQUIRED, NULL},
	{"notes", KB_TEXT, 0, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(ngc_trt_cols) == NT_NCOLS, "ngc tensorrt columns");

static const struct kb_col ngc_other_cols[] = {
	{"image", KB_TEXT, KB_F_REQUIRED, NULL},
	{"tag", KB_TEXT, KB_F_REQUIRED, NULL},
	{"cuda", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"cudnn", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"tensorrt", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"nccl", KB_LEADING_VERSION, KB_F_MARKS, NULL},
	{"framework_version", KB_TEXT, KB_F_MARKS, NULL},
	{"min_driver", KB_TEXT, KB_F_MARKS, NULL},
	{"source_url", KB_TEXT, KB_F_REQUIRED, NULL},
	{"notes", KB_TEXT, 0, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(ngc_other_cols) == NP_NCOLS, "ngc columns");

static const struct kb_col require_cols[] = {
	{"image", KB_TEXT, KB_F_REQUIRED, NULL},
	{"NVIDIA_REQUIRE_CUDA", KB_TEXT, KB_F_REQUIRED, NULL},
	{"note", KB_TEXT, 0, NULL},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(require_cols) == RI_NCOLS, "require columns");

static const struct kb_col dlopen_cols[] = {
	{"requester", KB_TEXT, KB_F_REQUIRED, NULL},
	{"loads", KB_TEXT, KB_F_REQUIRED, NULL},
	{"evidence", KB_ENUM, KB_F_REQUIRED, "observed|documented|secondary"},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
	{"notes", KB_TEXT, 0, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(dlopen_cols) == DL_NCOLS, "dlopen columns");

static const struct kb_col precision_cols[] = {
	{"compute_capability", KB_CC, KB_F_REQUIRED, NULL},
	{"architecture", KB_TEXT, 0, NULL},
	{"fast_fp16", KB_ENUM, 0, "yes|no"},
	{"int8", KB_ENUM, 0, "yes|no"},
	{"fp8", KB_ENUM, 0, "yes|no"},
	{"fp4", KB_ENUM, 0, "yes|no"},
	{"status", KB_ENUM, 0, "unverified"},
	{"source", KB_TEXT, KB_F_REQUIRED, NULL},
	{"note", KB_TEXT, 0, NULL},
};
_Static_assert(CUVET_ARRAY_LEN(precision_cols) == GP_NCOLS, "precision columns");

const struct kb_schema kb_schemas[KB_NTABLES] = {
	[KB_GPU] = {"gpu-compute-capability.tsv", KB_COLS(gpu_cols), NULL},
	[KB_TOOLKIT_DRIVER] = {"cuda-toolkit-driver.tsv", KB_COLS(toolkit_cols), NULL},
	[KB_BRANCHES] = {"driver-branch-cuda.tsv", KB_COLS(branch_cols), NULL},
	[KB_FORWARD_COMPAT] = {"forward-compat.tsv", KB_COLS(compat_cols), "C|X|N/A"},
	[KB_ARCH_PTX] = {"cuda-toolkit-arch-ptx.tsv", KB_COLS(arch_cols), NULL},
	[KB_CUDNN] = {"cudnn-support.tsv", KB_COLS(cudnn_cols), NULL},
	[KB_CUDNN_BUILDS] = {"cudnn-builds.tsv", KB_COLS(cudnn_build_cols), NULL},
	[KB_TENSORRT] = {"tensorrt-support.tsv", KB_COLS(tensorrt_cols), NULL},
	[KB_NGC_TENSORRT] = {"ngc-tensorrt.tsv", KB_COLS(ngc_trt_cols), NULL},
	[KB_NGC_OTHER] = {"ngc-pytorch-triton.tsv", KB_COLS(ngc_other_cols), NULL},
	[KB_REQUIRE_IMAGES] = {"nvidia-require-cuda-images.tsv", KB_COLS(require_cols), NULL},
	[KB_DLOPEN_DEPS] = {"dlopen-deps.tsv", KB_COLS(dlopen_cols), NULL},
	[KB_GPU_PRECISION] = {"gpu-precision.tsv", KB_COLS(precision_cols), NULL},
};

const struct kb_schema *kb_schema(enum kb_table_id id)
{
	return id < KB_NTABLES ? &kb_schemas[id] : NULL;
}

/* -------------------------------------------------------------- reading ---- */

static const struct kb_builtin_file *builtin_file(const char *name)
{
	for (size_t i = 0; i < kb_builtin_nfiles; i++)
		if (strcmp(kb_builtin_files[i].name, name) == 0)
			return &kb_builtin_files[i];
	return NULL;
}

/* Reads PATH into a NUL-terminated malloc'ed buffer. ENOENT is reported as CUVET_E_NOTFOUND so
 * the caller can fall back to the built-in copy. */
static int read_file(const char *path, char **data, size_t *len, struct cuvet_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	if (fd < 0)
		return err_sys(err, errno, "%s", path);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		err_sys(err, errno, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, CUVET_E_IO, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > KB_MAX_FILE) {
		err_set(err, CUVET_E_RANGE, "%s: larger than %u bytes", path, KB_MAX_FILE);
		goto fail;
	}
	size_t want = (size_t)st.st_size, have = 0;
	buf = malloc(want + 1);
	if (!buf) {
		err_set(err, CUVET_E_NOMEM, "%s: out of memory", path);
		goto fail;
	}
	while (have < want) {
		ssize_t n = read(fd, buf + have, want - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(err, errno, "%s", path);
			goto fail;
		}
		if (n == 0)
			break; /* the file shrank while we read it: take what is there */
		have += (size_t)n;
	}
	buf[have] = '\0';
	close(fd);
	*data = buf;
	*len = have;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

/* ---------------------------------------------------------------- parsing ---- */

static int cell_error(const struct kb_table *t, unsigned line, const char *col, struct cuvet_error *err,
		      const char *fmt, ...) CUVET_PRINTF(5, 6);

static int cell_error(const struct kb_table *t, unsigned line, const char *col, struct cuvet_error *err,
		      const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(err, CUVET_E_INVALID, "%s:%u: column '%s': %s", t->label, line, col, msg);
}

static bool is_hex(int c)
{
	return isxdigit((unsigned char)c) != 0;
}

/* "0xHHHH[ text]" items joined by "; " (the item text may hold ';' but never "; 0x"). */
static int parse_pci_list(struct kb_table *t, size_t row, const char *cell, const char *col, struct cuvet_error *err)
{
	const char *p = cell;
	while (*p) {
		const char *next = strstr(p, "; 0x");
		size_t n = next ? (size_t)(next - p) : strlen(p);
		if (n < 6 || p[0] != '0' || p[1] != 'x' || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) ||
		    !is_hex(p[5]) || (n > 6 && p[6] != ' ')) {
			char item[64];
			snprintf(item, sizeof(item), "%.*s", (int)(n < 40 ? n : 40), p);
			return cell_error(t, t->lineno[row], col, err,
					  "invalid PCI device id \"%s\" (expected 0xHHHH, items joined by \"; \")", item);
		}
		char hex[5] = {p[2], p[3], p[4], p[5], '\0'};
		unsigned long id = 0;
		if (parse_ulong(hex, 16, 0xffff, &id) != 0)
			return cell_error(t, t->lineno[row], col, err, "invalid PCI device id \"%s\"", hex);
		/* One id, one answer: a duplicate would make a lookup depend on row order. The bitmap
		 * spares a scan of every earlier id for each new one; only a duplicate looks back. */
		if (!t->pci_seen && !(t->pci_seen = calloc(65536 / 64, sizeof(*t->pci_seen))))
			return err_set(err, CUVET_E_NOMEM, "%s: out of memory", t->label);
		uint64_t bit = (uint64_t)1 << (id % 64);
		if (t->pci_seen[id / 64] & bit) {
			for (size_t i = 0; i < t->npci; i++)
				if (t->pci[i].id == id)
					return cell_error(t, t->lineno[row], col, err,
							  "duplicate PCI device id 0x%04lx (also on line %u)", id,
							  t->lineno[t->pci[i].row]);
		}
		t->pci_seen[id / 64] |= bit;
		if (xgrow(&t->pci, &t->pci_cap, t->npci, sizeof(*t->pci)) != 0)
			return err_set(err, CUVET_E_NOMEM, "%s: out of memory", t->label);
		struct kb_pci_item *it = &t->pci[t->npci];
		it->id = (uint16_t)id;
		it->row = row;
		it->text = NULL;
		if (n > 7 && !(it->text = xstrndup(p + 7, n - 7)))
			return err_set(err, CUVET_E_NOMEM, "%s: out of memory", t->label);
		it->unverified = it->text && strstr(it->text, "unverified") != NULL;
		t->npci++;
		p = next ? next + 2 : p + n;
	}
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

static bool valid_branch(const char *cell)
{
	size_t n = strlen(cell);
	return n >= 2 && n <= 6 && cell[0] == 'R' && all_digits(cell + 1, n - 1);
}

unsigned kb_branch_number(const char *cell)
{
	unsigned long n = 0;
	if (!cell || cell[0] != 'R' || parse_ulong(cell + 1, 10, 99999, &n) != 0)
		return 0;
	return (unsigned)n;
}

static bool valid_month(const char *cell)
{
	unsigned long m = 0;
	return strlen(cell) == 7 && all_digits(cell, 4) && cell[4] == '-' && all_digits(cell + 5, 2) &&
	       parse_ulong(cell + 5, 10, 12, &m) == 0 && m >= 1;
}

static bool valid_sm(const char *cell)
{
	if (!str_starts(cell, "sm_"))
		return false;
	size_t n = strlen(cell + 3);
	if (n && (cell[3 + n - 1] == 'a' || cell[3 + n - 1] == 'f'))
		n--;
	return n >= 2 && n <= 4 && all_digits(cell + 3, n);
}

/* Space-separated numbers (KB_INT_LIST) or MAJOR.MINOR capabilities (KB_CC_LIST). */
static int check_list(const struct kb_table *t, unsigned line, const struct kb_col *col, const char *cell,
		      struct cuvet_error *err)
{
	const char *p = cell;
	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);
		char item[32];
		bool ok = n > 0 && n < sizeof(item);
		if (ok) {
			memcpy(item, p, n);
			item[n] = '\0';
			if (col->kind == KB_INT_LIST) {
				unsigned long v = 0;
				ok = all_digits(item, n) && parse_ulong(item, 10, 9999, &v) == 0;
			} else {
				struct cuvet_version v;
				ok = cuvet_version_parse(item, &v, NULL) == 0 && v.nparts == 2;
			}
		}
		if (!ok)
			return cell_error(t, line, col->name, err, "invalid list \"%.60s\" (expected %s joined by single spaces)",
					  cell, col->kind == KB_INT_LIST ? "numbers" : "MAJOR.MINOR values");
		p = sp ? sp + 1 : p + n;
	}
	return 0;
}

static bool enum_allows(const char *values, const char *cell)
{
	size_t n = strlen(cell);
	const char *p = values;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t m = bar ? (size_t)(bar - p) : strlen(p);
		if (m == n && strncmp(p, cell, n) == 0)
			return true;
		if (!bar)
			return false;
		p = bar + 1;
	}
}

/* Which mark "[TEXT]" is: 1 unverified, 2 secondary, 3 sibling container, 0 none (then the brackets
 * are the source's words and stay). */
static int mark_kind(const char *text, size_t n)
{
	if (n == 10 && strncmp(text, "unverified", 10) == 0)
		return 1;
	if (n >= 9 && strncmp(text, "secondary", 9) == 0 && (n == 9 || text[9] == ':' || text[9] == '.'))
		return 2;
	if (n > 4 && strncmp(text, "sib:", 4) == 0)
		return 3;
	return 0;
}

/* Takes the marks off CELL in place (with the blank before each) and records them in M. The
 * derived-from name is kept in the room the marks leave after the cell's new end. */
static void take_marks(char *cell, struct kb_marks *m)
{
	size_t len = strlen(cell);
	char from[128] = "";
	char *w = cell;
	const char *p = cell;
	while (*p) {
		const char *close = *p == '[' ? strchr(p, ']') : NULL;
		int kind = close ? mark_kind(p + 1, (size_t)(close - p - 1)) : 0;
		if (!kind) {
			*w++ = *p++;
			continue;
		}
		if (kind == 1)
			m->unverified = true;
		if (kind == 2)
			m->secondary = true;
		const char *colon = memchr(p + 1, ':', (size_t)(close - p - 1));
		if (colon && !from[0]) {
			const char *f = colon + 1;
			while (*f == ' ')
				f++;
			if (f < close)
				snprintf(from, sizeof(from), "%.*s", (int)(close - f), f);
		}
		while (w > cell && w[-1] == ' ')
			w--;
		p = close + 1;
	}
	*w = '\0';
	size_t flen = strlen(from);
	if (flen && (size_t)(w - cell) + flen + 2 <= len + 1) {
		memcpy(w + 1, from, flen + 1);
		m->derived_from = w + 1;
	}
}

static int check_cell(struct kb_table *t, size_t row, size_t c, struct cuvet_error *err)
{
	const struct kb_col *col = &t->schema->cols[c];
	if (col->flags & KB_F_MARKS)
		take_marks(t->cells[row * t->ncols + c], &t->marks[row * t->schema->ncols + c]);
	const char *cell = kb_cell(t, row, c);
	unsigned line = t->lineno[row];
	if (!*cell) {
		if (col->flags & KB_F_REQUIRED)
			return err_set(err, CUVET_E_INVALID, "%s:%u: column '%s' is empty", t->label, line, col->name);
		return 0;
	}
	struct cuvet_error e = {0};
	switch (col->kind) {
	case KB_TEXT:
		return 0;
	case KB_VERSION:
	case KB_CC: {
		struct cuvet_version *v = &t->ver[row * t->schema->ncols + c];
		if (cuvet_version_parse(cell, v, &e) != 0)
			return cell_error(t, line, col->name, err, "%s", e.msg);
		if (col->kind == KB_CC && v->nparts != 2)
			return cell_error(t, line, col->name, err,
					  "invalid compute capability \"%s\" (expected MAJOR.MINOR)", cell);
		return 0;
	}
	case KB_ENUM:
		if (!enum_allows(col->values, cell))
			return cell_error(t, line, col->name, err, "\"%.60s\" is not one of %s", cell, col->values);
		return 0;
	case KB_PCI_LIST:
		return parse_pci_list(t, row, cell, col->name, err);
	case KB_BRANCH:
		if (!valid_branch(cell))
			return cell_error(t, line, col->name, err, "invalid driver branch \"%.60s\" (expected R and a number)",
					  cell);
		return 0;
	case KB_EOL:
		if (strcmp(cell, "ended") != 0 && !valid_month(cell))
			return cell_error(t, line, col->name, err,
					  "invalid end of life \"%.60s\" (expected YYYY-MM or ended)", cell);
		return 0;
	case KB_SM:
		if (!valid_sm(cell))
			return cell_error(t, line, col->name, err, "invalid SASS target \"%.60s\" (expected sm_XY)", cell);
		return 0;
	case KB_CC_LIST:
	case KB_INT_LIST:
		return check_list(t, line, col, cell, err);
	case KB_LEADING_VERSION: {
		struct cuvet_version v;
		if (str_starts(cell, "unverified") || str_starts(cell, "not listed") ||
		    cuvet_version_parse_prefix(cell, &v, NULL, NULL) == 0)
			return 0;
		return cell_error(t, line, col->name, err,
				  "\"%.60s\" starts with neither a version nor \"unverified\" or \"not listed\"", cell);
	}
	}
	return 0;
}

/* A branch-matrix cell of forward-compat.tsv: its header must name a branch ("r535"). */
static int check_extra(struct kb_table *t, size_t row, size_t c, struct cuvet_error *err)
{
	const char *cell = kb_cell(t, row, c);
	if (!enum_allows(t->schema->extra_values, cell))
		return cell_error(t, t->lineno[row], t->header[c], err, "\"%.60s\" is not one of %s", cell,
				  t->schema->extra_values);
	return 0;
}

/* Splits LINE (NUL-terminated, inside t->buf) at tabs into OUT; returns the number of fields,
 * or counts without storing when OUT is NULL. */
static size_t split_tabs(char *line, char **out, size_t max)
{
	/* strchr, not a byte loop: the tables are parsed on every probe */
	size_t n = 1;
	for (char *p = strchr(line, '\t'); p; p = strchr(p + 1, '\t'))
		n++;
	if (!out || n != max)
		return n;
	size_t i = 0;
	out[i++] = line;
	for (char *p = strchr(line, '\t'); p; p = strchr(p + 1, '\t')) {
		*p = '\0';
		out[i++] = p + 1;
	}
	return n;
}

static void free_pci(struct kb_table *t)
{
	free(t->pci_seen);
	t->pci_seen = NULL;
	for (size_t i = 0; i < t->npci; i++)
		free(t->pci[i].text);
	free(t->pci);
}

void kb_table_release(struct kb_table *t)
{
	free(t->buf);
	free(t->header);
	free(t->cells);
	free(t->lineno);
	free(t->ver);
	free(t->marks);
	free(t->comments);
	free_pci(t);
	free(t->owned_text);
	free(t->label);
	memset(t, 0, sizeof(*t));
}

static void table_reset_parse(struct kb_table *t)
{
	free(t->buf);
	free(t->header);
	free(t->cells);
	free(t->lineno);
	free(t->ver);
	free(t->marks);
	free(t->comments);
	free_pci(t);
	t->buf = NULL;
	t->header = NULL;
	t->cells = NULL;
	t->lineno = NULL;
	t->ver = NULL;
	t->marks = NULL;
	t->comments = NULL;
	t->pci = NULL;
	t->nrows = t->ncols = t->ncomments = t->npci = t->pci_cap = 0;
}

/* Parses t->text (t->len bytes) by t->schema. On failure, ERR names the file and line. */
static int table_parse(struct kb_table *t, struct cuvet_error *err)
{
	const struct kb_schema *s = t->schema;
	size_t maxlines = 1;
	for (const char *q = t->text, *e = t->text + t->len; (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
		maxlines++;
	t->buf = malloc(t->len + 1);
	t->lineno = calloc(maxlines, sizeof(*t->lineno));
	t->comments = calloc(maxlines, sizeof(*t->comments));
	if (!t->buf || !t->lineno || !t->comments)
		goto nomem;
	memcpy(t->buf, t->text, t->len);
	t->buf[t->len] = '\0';
	if (memchr(t->buf, '\0', t->len))
		return err_set(err, CUVET_E_INVALID, "%s: contains a NUL byte", t->label);

	char *p = t->buf, *end = t->buf + t->len;
	unsigned line = 0;
	bool have_header = false;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		*eol = '\0';
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		char *cur = p;
		p = nl ? nl + 1 : end;
		line++;
		if (!*cur)
			continue;
		if (*cur == '#') {
			cur++;
			if (*cur == ' ')
				cur++;
			t->comments[t->ncomments++] = cur;
			continue;
		}
		if (!have_header) {
			size_t n = split_tabs(cur, NULL, 0);
			if (n < s->ncols)
				return err_set(err, CUVET_E_INVALID, "%s:%u: header has %zu columns, expected %zu", t->label,
					       line, n, s->ncols);
			t->header = calloc(n, sizeof(*t->header));
			t->cells = calloc(maxlines * n, sizeof(*t->cells));
			t->ver = calloc(maxlines * s->ncols, sizeof(*t->ver));
			t->marks = calloc(maxlines * s->ncols, sizeof(*t->marks));
			if (!t->header || !t->cells || !t->ver || !t->marks)
				goto nomem;
			split_tabs(cur, t->header, n);
			t->ncols = n;
			for (size_t c = 0; c < s->ncols; c++)
				if (strcmp(t->header[c], s->cols[c].name) != 0)
					return err_set(err, CUVET_E_INVALID, "%s:%u: header column %zu is '%s', expected '%s'",
						       t->label, line, c + 1, t->header[c], s->cols[c].name);
			for (size_t c = s->ncols; s->extra_values && c < n; c++) {
				const char *h = t->header[c];
				if (h[0] != 'r' || !all_digits(h + 1, strlen(h + 1)))
					return err_set(err, CUVET_E_INVALID,
						       "%s:%u: header column %zu is '%s', expected a branch such as 'r580'",
						       t->label, line, c + 1, h);
			}
			have_header = true;
			continue;
		}
		size_t n = split_tabs(cur, t->cells + t->nrows * t->ncols, t->ncols);
		if (n != t->ncols)
			return err_set(err, CUVET_E_INVALID, "%s:%u: expected %zu columns, found %zu", t->label, line,
				       t->ncols, n);
		t->lineno[t->nrows++] = line;
	}
	if (!have_header)
		return err_set(err, CUVET_E_INVALID, "%s: no header line", t->label);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < s->ncols; c++)
			if (check_cell(t, r, c, err) != 0)
				return -1;
		for (size_t c = s->ncols; s->extra_values && c < t->ncols; c++)
			if (check_extra(t, r, c, err) != 0)
				return -1;
	}
	free(t->pci_seen);
	t->pci_seen = NULL;
	return 0;
nomem:
	return err_set(err, CUVET_E_NOMEM, "%s: out of memory", t->label);
}

/* ------------------------------------------------------------------ the kb ---- */

struct kb_state {
	pthread_mutex_t lock;
	struct kb_table tables[KB_NTABLES];
};

struct cuvet_kb {
	struct kb_state *st; /* a pointer, so lazily parsed tables can fill a const kb */
	char *dir;           /* NULL for the built-in copy */
	char date[16];
	char *date_origin;   /* DIR/DATE, or NULL for the built-in one */
};

static int set_date(struct cuvet_kb *kb, const char *text, size_t len, const char *label, struct cuvet_error *err)
{
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	bool ok = len == 10;
	for (size_t i = 0; ok && i < len; i++)
		ok = (i == 4 || i == 7) ? text[i] == '-' : isdigit((unsigned char)text[i]) != 0;
	if (!ok)
		return err_set(err, CUVET_E_INVALID, "%s: expected a date YYYY-MM-DD", label);
	memcpy(kb->date, text, 10);
	kb->date[10] = '\0';
	return 0;
}

static char *join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s", (int)n, dir, name);
}

void cuvet_kb_free(struct cuvet_kb *kb)
{
	if (!kb)
		return;
	if (kb->st) {
		for (size_t i = 0; i < KB_NTABLES; i++)
			kb_table_release(&kb->st->tables[i]);
		pthread_mutex_destroy(&kb->st->lock);
		free(kb->st);
	}
	free(kb->dir);
	free(kb->date_origin);
	free(kb);
}

/* Points table I at its text: DIR's file when there is one, else the built-in copy. */
static int attach_table(struct cuvet_kb *kb, size_t i, bool *from_dir, struct cuvet_error *err)
{
	struct kb_table *t = &kb->st->tables[i];
	const char *name = kb_schemas[i].file;
	t->schema = &kb_schemas[i];
	*from_dir = false;
	if (kb->dir) {
		char *path = join_path(kb->dir, name);
		if (!path)
			return err_set(err, CUVET_E_NOMEM, "out of memory");
		struct cuvet_error e = {0};
		if (read_file(path, &t->owned_text, &t->len, &e) == 0) {
			t->text = t->owned_text;
			t->label = path;
			*from_dir = true;
			return 0;
		}
		free(path);
		if (e.code != CUVET_E_NOTFOUND) {
			*err = e;
			return -1;
		}
	}
	const struct kb_builtin_file *f = builtin_file(name);
	if (!f)
		return err_set(err, CUVET_E_NOTFOUND, "the built-in knowledge base lacks data/%s", name);
	t->text = f->data;
	t->len = f->len;
	t->label = xasprintf("data/%s", name);
	if (!t->label)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	return 0;
}

struct cuvet_kb *cuvet_kb_load(const char *dir, struct cuvet_error *err)
{
	struct cuvet_kb *kb = calloc(1, sizeof(*kb));
	char *date_text = NULL;
	if (!kb || !(kb->st = calloc(1, sizeof(*kb->st)))) {
		free(kb);
		err_set(err, CUVET_E_NOMEM, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&kb->st->lock, NULL) != 0) {
		free(kb->st);
		free(kb);
		err_set(err, CUVET_E_NOMEM, "cannot create a lock");
		return NULL;
	}
	if (dir) {
		struct stat st;
		if (stat(dir, &st) != 0) {
			err_sys(err, errno, "knowledge-base directory %s", dir);
			goto fail;
		}
		if (!S_ISDIR(st.st_mode)) {
			err_set(err, CUVET_E_INVALID, "knowledge-base directory %s: not a directory", dir);
			goto fail;
		}
		if (!(kb->dir = xstrdup(dir))) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
	}
	size_t found = 0;
	for (size_t i = 0; i < KB_NTABLES; i++) {
		bool from_dir = false;
		if (attach_table(kb, i, &from_dir, err) != 0)
			goto fail;
		found += from_dir;
	}

	/* The date: DIR/DATE when the directory has one, else the built-in data's. */
	bool dated = false;
	if (kb->dir) {
		char *path = join_path(kb->dir, KB_DATE_FILE);
		size_t len = 0;
		struct cuvet_error e = {0};
		if (!path) {
			err_set(err, CUVET_E_NOMEM, "out of memory");
			goto fail;
		}
		if (read_file(path, &date_text, &len, &e) == 0) {
			int rc = set_date(kb, date_text, len, path, err);
			kb->date_origin = path;
			if (rc != 0)
				goto fail;
			dated = true;
			found++;
		} else {
			free(path);
			if (e.code != CUVET_E_NOTFOUND) {
				*err = e;
				goto fail;
			}
		}
	}
	if (!dated) {
		const struct kb_builtin_file *f = builtin_file(KB_DATE_FILE);
		if (!f) {
			err_set(err, CUVET_E_NOTFOUND, "the built-in knowledge base lacks data/%s", KB_DATE_FILE);
			goto fail;
		}
		if (set_date(kb, f->data, f->len, "data/" KB_DATE_FILE, err) != 0)
			goto fail;
	}
	if (kb->dir) {
		/* A directory that holds none of the files is almost surely a wrong path. */
		if (found == 0) {
			err_set(err, CUVET_E_NOTFOUND, "knowledge-base directory %s holds none of the tables (e.g. %s)",
				dir, kb_schemas[0].file);
			goto fail;
		}
		/* A table dropped in by hand is checked now, so a mistake surfaces at load with its file
		 * and line rather than in the middle of a later query. */
		if (cuvet_kb_check(kb, err) != 0)
			goto fail;
	}
	free(date_text);
	return kb;
fail:
	free(date_text);
	cuvet_kb_free(kb);
	return NULL;
}

const struct kb_table *kb_table(const struct cuvet_kb *kb, enum kb_table_id id, struct cuvet_error *err)
{
	if (!kb || id >= KB_NTABLES) {
		err_set(err, CUVET_E_INVALID, "no knowledge base");
		return NULL;
	}
	struct kb_state *st = kb->st;
	struct kb_table *t = &st->tables[id];
	pthread_mutex_lock(&st->lock);
	if (!t->parsed && !t->failed) {
		if (table_parse(t, &t->error) == 0) {
			t->parsed = true;
		} else {
			t->failed = true;
			table_reset_parse(t);
		}
	}
	bool ok = t->parsed;
	if (!ok && err)
		*err = t->error;
	pthread_mutex_unlock(&st->lock);
	return ok ? t : NULL;
}

int cuvet_kb_check(const struct cuvet_kb *kb, struct cuvet_error *err)
{
	for (size_t i = 0; i < KB_NTABLES; i++)
		if (!kb_table(kb, (enum kb_table_id)i, err))
			return -1;
	return 0;
}

/* The compiled-in data/DATE (embedded by kb_embed.py with the tables it dates). */
const char *cuvet_kb_date(void)
{
	return kb_builtin_date;
}

const char *cuvet_kb_data_date(const struct cuvet_kb *kb)
{
	return kb ? kb->date : NULL;
}

const char *cuvet_kb_dir(const struct cuvet_kb *kb)
{
	return kb ? kb->dir : NULL;
}

/* ---------------------------------------------------------------------- GPUs ---- */

void kb_gpu_fill(const struct kb_table *t, size_t row, bool item_unverified, struct cuvet_kb_gpu *out)
{
	const struct cuvet_version *cc = kb_ver(t, row, GPU_CC);
	memset(out, 0, sizeof(*out));
	out->model = kb_cell(t, row, GPU_MODEL);
	out->segment = kb_cell(t, row, GPU_SEGMENT);
	out->cc_major = (int)cc->part[0];
	out->cc_minor = (int)cc->part[1];
	out->architecture = kb_cell(t, row, GPU_ARCHITECTURE);
	out->chip = kb_cell(t, row, GPU_CHIP);
	out->source = kb_cell(t, row, GPU_SOURCE);
	out->unverified = item_unverified || strcmp(kb_cell(t, row, GPU_STATUS), "unverified") == 0;
}

static int yes_no(const char *cell)
{
	return !cell || !*cell ? -1 : strcmp(cell, "yes") == 0;
}

int cuvet_kb_precision(const struct cuvet_kb *kb, int cc_major, int cc_minor, struct cuvet_kb_precision *out,
		       struct cuvet_error *err)
{
	memset(out, 0, sizeof(*out));
	out->cc_major = cc_major;
	out->cc_minor = cc_minor;
	out->fast_fp16 = out->int8 = out->fp8 = out->fp4 = -1;
	const struct kb_table *t = kb_table(kb, KB_GPU_PRECISION, err);
	if (!t)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		const struct cuvet_version *cc = kb_ver(t, r, GP_CC);
		if ((int)cc->part[0] != cc_major || (int)cc->part[1] != cc_minor)
			continue;
		out->architecture = kb_cell(t, r, GP_ARCHITECTURE)[0] ? kb_cell(t, r, GP_ARCHITECTURE) : NULL;
		out->fast_fp16 = yes_no(kb_cell(t, r, GP_FP16));
		out->int8 = yes_no(kb_cell(t, r, GP_INT8));
		out->fp8 = yes_no(kb_cell(t, r, GP_FP8));
		out->fp4 = yes_no(kb_cell(t, r, GP_FP4));
		out->unverified = strcmp(kb_cell(t, r, GP_STATUS), "unverified") == 0;
		out->source = kb_cell(t, r, GP_SOURCE);
		out->note = kb_cell(t, r, GP_NOTE)[0] ? kb_cell(t, r, GP_NOTE) : NULL;
		return 0;
	}
	return 1;
}

int cuvet_kb_gpu_by_pci(const struct cuvet_kb *kb, unsigned device_id, struct cuvet_kb_gpu *out)
{
	/* Accept NVML's combined form too (0x233510DE: device << 16 | vendor). */
	if (device_id > 0xffff) {
		if ((device_id & 0xffff) != 0x10de)
			return -1;
		device_id >>= 16;
	}
	const struct kb_table *t = kb_table(kb, KB_GPU, NULL);
	if (!t)
		return -1;
	for (size_t i = 0; i < t->npci; i++) {
		if (t->pci[i].id == device_id) {
			kb_gpu_fill(t, t->pci[i].row, t->pci[i].unverified, out);
			return 0;
		}
	}
	return -1;
}

/* ----------------------------------------------------------------- files ---- */

size_t cuvet_kb_file_count(void)
{
	return KB_NTABLES + 1;
}

const char *cuvet_kb_file_name(size_t i)
{
	return i < KB_NTABLES ? kb_schemas[i].file : i == KB_NTABLES ? KB_DATE_FILE : NULL;
}

int cuvet_kb_file_text(const struct cuvet_kb *kb, const char *name, const char **text, size_t *len,
		       const char **origin, struct cuvet_error *err)
{
	if (!kb || !name)
		return err_set(err, CUVET_E_INVALID, "no knowledge base");
	if (strcmp(name, KB_DATE_FILE) == 0) {
		const struct kb_builtin_file *f = builtin_file(KB_DATE_FILE);
		/* DIR/DATE was checked to be a bare date, so the date itself is its text. */
		if (kb->date_origin || !f) {
			*text = kb->date;
			*len = strlen(kb->date);
		} else {
			*text = f->data;
			*len = f->len;
		}
		if (origin)
			*origin = kb->date_origin ? kb->date_origin : "built-in";
		return 0;
	}
	for (size_t i = 0; i < KB_NTABLES; i++) {
		if (strcmp(kb_schemas[i].file, name) != 0)
			continue;
		const struct kb_table *t = &kb->st->tables[i];
		*text = t->text;
		*len = t->len;
		if (origin)
			*origin = t->owned_text ? t->label : "built-in";
		return 0;
	}
	return err_set(err, CUVET_E_NOTFOUND, "%s is not a knowledge-base file", name);
}
