/* Internal view of the knowledge-base tables (kb.c parses them, kb_query.c answers from them). */
#ifndef CUVET_KB_TABLES_H
#define CUVET_KB_TABLES_H

#include "internal.h"

enum kb_table_id {
	KB_GPU,
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
};
#define KB_F_REQUIRED 1u

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
};

extern const struct kb_schema kb_schemas[KB_NTABLES];

struct kb_pci_item {
	uint16_t id;
	bool unverified;    /* the item's own text says so */
	size_t row;
	const char *text;   /* "H100 PCIe" etc. (not NUL-terminated: TEXT_LEN bytes) */
	size_t text_len;
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
	size_t ncomments;
	char **comments;          /* '#' lines, without "# " */
	struct kb_pci_item *pci;  /* KB_PCI_LIST items, in file order */
	size_t npci, pci_cap;
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

#endif
