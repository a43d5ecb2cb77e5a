/* Internal view of the knowledge-base tables (kb.c parses them, kb_query.c answers from them). */
#ifndef CUVET_KB_TABLES_H
#define CUVET_KB_TABLES_H

#include "internal.h"

enum kb_table_id {
	KB_GPU,
	KB_TOOLKIT_DRIVER,
	KB_BRANCHES,
	KB_FORWARD_COMPAT,
	KB_ARCH_PTX,
	KB_CUDNN,
	KB_CUDNN_BUILDS,
	KB_TENSORRT,
	KB_NGC_TENSORRT,
	KB_NGC_OTHER,
	KB_REQUIRE_IMAGES,
	KB_DLOPEN_DEPS,
	KB_GPU_PRECISION,
	KB_NTABLES,
};

/* How a cell is checked when its table is parsed. An empty cell means "unknown" and is
 * accepted unless the column is KB_F_REQUIRED. */
enum kb_kind {
	KB_TEXT,     /* free text */
	KB_VERSION,  /* a dotted version: "525.60.13", "12.2", "615" (a branch-only floor) */
	KB_CC,       /* a compute capability MAJOR.MINOR */
	KB_ENUM,     /* one of the '|'-separated values */
	KB_PCI_LIST, /* "0xHHHH[ text]" items joined by "; " */
	KB_BRANCH,   /* a driver branch, "R535" */
	KB_EOL,      /* an end of life: "YYYY-MM" or "ended" */
	KB_SM,       /* a SASS target, "sm_90a" */
	KB_CC_LIST,  /* compute capabilities joined by " ": "8.9 9.0" */
	KB_INT_LIST, /* numbers joined by " ": "12 11" */
	KB_LEADING_VERSION, /* starts with a version ("12.2.1 [sib:triton23.09]", "10.13.x") or says it is
			       unknown ("unverified", "not listed") */
};
#define KB_F_REQUIRED 1u
/* The cell may carry the source's marks, "[unverified]", "[secondary]", "[secondary:X]" and "[sib:X]"
 * (a fact taken from the same month's sibling container X): they are taken off the text when the
 * table is parsed and kept as struct kb_marks, so no answer quotes them. */
#define KB_F_MARKS 2u

struct kb_col {
	const char *name;
	enum kb_kind kind;
	unsigned flags;
	const char *values; /* KB_ENUM */
};

struct kb_schema {
	const char *file;   /* "gpu-compute-capability.tsv" */
	const struct kb_col *cols;
	size_t ncols;       /* a table may carry more columns after these */
	/* When set, the columns after cols are data too: each header names a branch ("r535") and
	 * each cell is one of extra_values. */
	const char *extra_values;
};

extern const struct kb_schema kb_schemas[KB_NTABLES];

/* The marks a KB_F_MARKS cell carried. */
struct kb_marks {
	bool unverified;          /* "[unverified]" */
	bool secondary;           /* "[secondary]", "[secondary:X]": a third-party copy of the source */
	const char *derived_from; /* X of "[sib:X]" or "[secondary:X]" (the first one), or NULL */
};

struct kb_pci_item {
	uint16_t id;
	bool unverified;    /* the item's own text says so */
	size_t row;
	char *text;         /* the item's text after the id ("(H100 PCIe)"), or NULL */
};

struct kb_table {
	const struct kb_schema *schema;
	char *label;              /* "data/x.tsv" (built-in) or "DIR/x.tsv": what errors name */
	const char *text;         /* the file's bytes */
	size_t len;
	char *owned_text;         /* text read from a --kb directory */
	bool parsed, failed;
	struct cuvet_error error; /* why parsing failed, repeated to every caller */
	char *buf;                /* copy of text, split into cells */
	size_t ncols;             /* header columns (>= schema columns) */
	char **header;
	size_t nrows;
	char **cells;             /* nrows * ncols */
	unsigned *lineno;         /* file line of each row */
	struct cuvet_version *ver; /* nrows * schema->ncols; parsed KB_VERSION/KB_CC cells */
	struct kb_marks *marks;   /* nrows * schema->ncols; the marks taken off KB_F_MARKS cells */
	size_t ncomments;
	char **comments;          /* '#' lines, without "# " */
	struct kb_pci_item *pci;  /* KB_PCI_LIST items, in file order */
	size_t npci, pci_cap;
	uint64_t *pci_seen;       /* while parsing: a bit per PCI id already listed (65536 bits) */
};

static inline const char *kb_cell(const struct kb_table *t, size_t row, size_t col)
{
	return t->cells[row * t->ncols + col];
}

/* The parsed version of a KB_VERSION/KB_CC cell; nparts == 0 when the cell is empty. */
static inline const struct cuvet_version *kb_ver(const struct kb_table *t, size_t row, size_t col)
{
	return &t->ver[row * t->schema->ncols + col];
}

/* The marks the source put on a cell (all false/NULL for a cell without KB_F_MARKS). */
static inline const struct kb_marks *kb_marks(const struct kb_table *t, size_t row, size_t col)
{
	return &t->marks[row * t->schema->ncols + col];
}

/* The table, parsed on first use. NULL (with ERR filled) if it does not parse. */
const struct kb_table *kb_table(const struct cuvet_kb *kb, enum kb_table_id id, struct cuvet_error *err);
const struct kb_schema *kb_schema(enum kb_table_id id);
void kb_table_release(struct kb_table *t);

/* gpu-compute-capability.tsv */
enum {
	GPU_SEGMENT, GPU_MODEL, GPU_CC, GPU_ARCHITECTURE, GPU_CHIP, GPU_PCI_IDS, GPU_STATUS, GPU_CAVEAT,
	GPU_PCI_NOTE, GPU_SOURCE, GPU_NOTE, GPU_NCOLS
};
void kb_gpu_fill(const struct kb_table *t, size_t row, bool item_unverified, struct cuvet_kb_gpu *out);

/* cuda-toolkit-driver.tsv */
enum {
	TK_CUDA, TK_STATUS, TK_LABEL, TK_LINUX, TK_LINUX_TEXT, TK_WINDOWS, TK_WINDOWS_TEXT, TK_MINOR, TK_MINOR_TEXT,
	TK_CAVEAT, TK_SOURCE, TK_NCOLS
};
/* driver-branch-cuda.tsv */
enum {
	BR_BRANCH, BR_MAX_CUDA, BR_MAX_CUDA_TEXT, BR_EVIDENCE, BR_TYPE, BR_TYPE_TEXT, BR_EOL, BR_EOL_TEXT, BR_LAST_FOR,
	BR_NOTES, BR_SOURCES, BR_NCOLS
};
/* forward-compat.tsv (then one column per branch) */
enum { FC_PACKAGE, FC_CUDA, FC_CONTRADICTED_BELOW, FC_CAVEAT, FC_SOURCE, FC_NCOLS };
/* cuda-toolkit-arch-ptx.tsv */
enum {
	AP_CUDA, AP_STATUS, AP_PTX, AP_BRANCH, AP_LOWEST, AP_HIGHEST, AP_NEW_CCS, AP_NEW_TARGETS, AP_REMOVED, AP_CAVEAT,
	AP_SOURCE, AP_NCOLS
};
/* cudnn-support.tsv */
enum {
	CD_RELEASE, CD_FIRST, CD_LAST, CD_STATUS, CD_MAJORS, CD_CUDA, CD_DRIVER, CD_CC, CD_FILES, CD_ENCODING, CD_SOURCE,
	CD_NOTES, CD_NCOLS
};
/* cudnn-builds.tsv */
enum { CB_BUILD, CB_SOURCE, CB_NOTE, CB_NCOLS };
/* tensorrt-support.tsv */
enum { TR_RELEASE, TR_FIRST, TR_LAST, TR_STATUS, TR_MAJORS, TR_CUDA, TR_CUDNN, TR_GPUS, TR_SOURCE, TR_NCOLS };
/* ngc-tensorrt.tsv */
enum {
	NT_IMAGE, NT_TAG, NT_UBUNTU, NT_CUDA, NT_CUDNN, NT_TENSORRT, NT_CUBLAS, NT_NCCL, NT_PYTHON, NT_DRIVER, NT_SOURCE,
	NT_NOTES, NT_NCOLS
};
/* ngc-pytorch-triton.tsv */
enum {
	NP_IMAGE, NP_TAG, NP_CUDA, NP_CUDNN, NP_TENSORRT, NP_NCCL, NP_FRAMEWORK, NP_DRIVER, NP_SOURCE, NP_NOTES, NP_NCOLS
};
/* nvidia-require-cuda-images.tsv */
enum { RI_IMAGE, RI_REQUIRE, RI_NOTE, RI_SOURCE, RI_NCOLS };
/* dlopen-deps.tsv */
enum { DL_REQUESTER, DL_LOADS, DL_EVIDENCE, DL_SOURCE, DL_NOTES, DL_NCOLS };
/* gpu-precision.tsv */
enum { GP_CC, GP_ARCHITECTURE, GP_FP16, GP_INT8, GP_FP8, GP_FP4, GP_STATUS, GP_SOURCE, GP_NOTE, GP_NCOLS };

/* The number in "R535" (the cell is checked when parsed). */
unsigned kb_branch_number(const char *cell);

#endif
