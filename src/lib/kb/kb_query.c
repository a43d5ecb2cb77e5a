/* Questions answered from the knowledge-base tables (kb.c loads and parses them). Nothing here
 * knows a version number: every answer comes from a table row, and every row names its source. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kb_tables.h"

/* ---------------------------------------------------------------- helpers ---- */

static const char *nz(const struct kb_table *t, size_t row, size_t col)
{
	const char *c = kb_cell(t, row, col);
	return *c ? c : NULL;
}

/* A container-table cell as a fact: its text without the source's marks, and the marks. A cell
 * that only says "unverified" is an unknown, unverified fact. */
static struct cuvet_kb_fact fact(const struct kb_table *t, size_t row, size_t col)
{
	const struct kb_marks *m = kb_marks(t, row, col);
	struct cuvet_kb_fact f = {nz(t, row, col), m->unverified, m->secondary, m->derived_from};
	if (f.value && strcmp(f.value, "unverified") == 0) {
		f.value = NULL;
		f.unverified = true;
	}
	return f;
}

/* Whether the source put "[unverified]" or "[secondary]" on the cell. */
static bool marked_uncertain(const struct kb_table *t, size_t row, size_t col)
{
	const struct kb_marks *m = kb_marks(t, row, col);
	return m->unverified || m->secondary;
}

static bool has_word(const char *s, const char *word)
{
	return s && strstr(s, word) != NULL;
}

static int parse_query(const char *s, const char *what, struct cuvet_version *v, struct cuvet_error *err)
{
	struct cuvet_error e = {0};
	if (!s || cuvet_version_parse(s, v, &e) != 0)
		return err_set(err, CUVET_E_INVALID, "%s: %s", what, s ? e.msg : "no version given");
	return 0;
}

/* Compares the components both versions have: "12.4" and "12.4.1" are equal here, so a short
 * version names every release it prefixes. */
static int cmp_prefix(const struct cuvet_version *a, const struct cuvet_version *b)
{
	unsigned n = a->nparts < b->nparts ? a->nparts : b->nparts;
	for (unsigned i = 0; i < n; i++)
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	return 0;
}

static int cuda_encode(const struct cuvet_version *v)
{
	uint32_t minor = v->nparts > 1 ? v->part[1] : 0;
	if (v->part[0] > 1000 || minor > 99)
		return 0;
	return (int)(v->part[0] * 1000 + minor * 10);
}

/* ------------------------------------------------------------------ branches ---- */

static void fill_branch(const struct kb_table *t, size_t r, struct cuvet_kb_branch *out)
{
	memset(out, 0, sizeof(*out));
	out->branch = kb_branch_number(kb_cell(t, r, BR_BRANCH));
	out->max_cuda = nz(t, r, BR_MAX_CUDA);
	out->max_cuda_text = nz(t, r, BR_MAX_CUDA_TEXT);
	out->evidence = nz(t, r, BR_EVIDENCE);
	out->type = nz(t, r, BR_TYPE);
	out->type_text = nz(t, r, BR_TYPE_TEXT);
	out->end_of_life = nz(t, r, BR_EOL);
	out->end_of_life_text = nz(t, r, BR_EOL_TEXT);
	out->last_for = nz(t, r, BR_LAST_FOR);
	out->notes = nz(t, r, BR_NOTES);
	out->sources = nz(t, r, BR_SOURCES);
	out->uncertain_max_cuda = !out->max_cuda || has_word(out->max_cuda_text, "unverified") ||
				  has_word(out->evidence, "unverified");
	out->uncertain_type = !out->type || has_word(out->type_text, "unverified") ||
			      has_word(out->type_text, "secondary");
	out->uncertain_end_of_life = !out->end_of_life || has_word(out->end_of_life_text, "unverified") ||
				     has_word(out->end_of_life_text, "conflict");
}

static long find_branch_row(const struct kb_table *t, unsigned branch)
{
	for (size_t r = 0; r < t->nrows; r++)
		if (kb_branch_number(kb_cell(t, r, BR_BRANCH)) == branch)
			return (long)r;
	return -1;
}

int cuvet_kb_branch(const struct cuvet_kb *kb, unsigned branch, struct cuvet_kb_branch *out, struct cuvet_error *err)
{
	const struct kb_table *t = kb_table(kb, KB_BRANCHES, err);
	if (!t)
		return -1;
	long r = find_branch_row(t, branch);
	if (r < 0)
		return err_set(err, CUVET_E_NOTFOUND, "driver branch R%u is not in %s", branch, t->label);
	fill_branch(t, (size_t)r, out);
	return 0;
}

int cuvet_kb_branch_ended(const struct cuvet_kb_branch *b, const char *today)
{
	if (!b || !b->end_of_life)
		return -1;
	if (strcmp(b->end_of_life, "ended") == 0)
		return 1;
	if (!today || strlen(today) < 7 || strlen(b->end_of_life) != 7)
		return -1;
	/* Both are YYYY-MM...: the text order is the date order. */
	return strncmp(today, b->end_of_life, 7) > 0 ? 1 : 0;
}

/* ----------------------------------------------------------- driver -> CUDA ---- */

int cuvet_kb_driver_cuda(const struct cuvet_kb *kb, const char *driver_version, struct cuvet_kb_driver_cuda *out,
			 struct cuvet_error *err)
{
	struct cuvet_version drv;
	memset(out, 0, sizeof(*out));
	if (parse_query(driver_version, "driver version", &drv, err) != 0)
		return -1;
	const struct kb_table *tk = kb_table(kb, KB_TOOLKIT_DRIVER, err);
	const struct kb_table *br = tk ? kb_table(kb, KB_BRANCHES, err) : NULL;
	if (!br)
		return -1;

	/* The newest toolkit whose minimum Linux driver this driver meets. */
	long best = -1;
	for (size_t r = 0; r < tk->nrows; r++) {
		const struct cuvet_version *min = kb_ver(tk, r, TK_LINUX);
		if (!min->nparts || strcmp(kb_cell(tk, r, TK_STATUS), "no-toolkit") == 0)
			continue;
		if (cuvet_version_cmp(&drv, min) < 0)
			continue;
		if (best < 0 || cuvet_version_cmp(kb_ver(tk, r, TK_CUDA), kb_ver(tk, (size_t)best, TK_CUDA)) > 0)
			best = (long)r;
	}
	int tcuda = 0;
	bool tunverified = false;
	if (best >= 0) {
		tcuda = cuda_encode(kb_ver(tk, (size_t)best, TK_CUDA));
		tunverified = strcmp(kb_cell(tk, (size_t)best, TK_STATUS), "unverified") == 0;
		out->toolkit = kb_cell(tk, (size_t)best, TK_CUDA);
	}

	/* What drivers of the branch report: exact for the branch, and it covers CUDA versions with
	 * no toolkit (R565 reports 12.7). */
	int bcuda = 0;
	bool bunverified = false;
	long r = find_branch_row(br, drv.part[0]);
	if (r >= 0 && kb_ver(br, (size_t)r, BR_MAX_CUDA)->nparts) {
		struct cuvet_kb_branch b;
		fill_branch(br, (size_t)r, &b);
		bcuda = cuda_encode(kb_ver(br, (size_t)r, BR_MAX_CUDA));
		bunverified = b.uncertain_max_cuda;
	}
	if (bcuda) {
		out->cuda = bcuda >= tcuda ? bcuda : tcuda;
		out->basis = bcuda >= tcuda ? "branch" : "toolkit";
		out->unverified = bcuda >= tcuda ? bunverified : tunverified;
		return 0;
	}
	if (tcuda) {
		out->cuda = tcuda;
		out->basis = "toolkit";
		out->lower_bound = true;
		out->unverified = tunverified;
		return 0;
	}
	return err_set(err, CUVET_E_NOTFOUND, "driver %s is older than every driver in %s and %s", driver_version,
		       tk->label, br->label);
}

/* ------------------------------------------------------------ driver: more ---- */

static void minor_compat(const struct kb_table *tk, const struct cuvet_version *drv, struct cuvet_kb_driver *out)
{
	/* Per CUDA major: the floor for all of its minors is the highest minimum any of them
	 * states (11.0 runs on 450.36.06 but 11.x as a whole needs 450.80.02). A major has
	 * minor-version compatibility only if some release's floor is below its own minimum. */
	for (size_t r = 0; r < tk->nrows; r++) {
		const struct cuvet_version *cv = kb_ver(tk, r, TK_CUDA);
		const struct cuvet_version *mc = kb_ver(tk, r, TK_MINOR);
		const struct cuvet_version *lin = kb_ver(tk, r, TK_LINUX);
		if (!mc->nparts)
			continue;
		size_t i = 0;
		while (i < out->nminor && out->minor[i].major != cv->part[0])
			i++;
		bool below = lin->nparts && cuvet_version_cmp(mc, lin) < 0;
		if (i == out->nminor) {
			if (!below || out->nminor == CUVET_KB_LIST_MAX)
				continue;
			out->minor[out->nminor++] = (struct cuvet_kb_minor_compat){cv->part[0], kb_cell(tk, r, TK_MINOR), false};
			continue;
		}
		struct cuvet_version cur;
		if (cuvet_version_parse(out->minor[i].min_driver, &cur, NULL) == 0 && cuvet_version_cmp(mc, &cur) > 0)
			out->minor[i].min_driver = kb_cell(tk, r, TK_MINOR);
	}
	for (size_t i = 0; i < out->nminor; i++) {
		struct cuvet_version floor;
		out->minor[i].met = cuvet_version_parse(out->minor[i].min_driver, &floor, NULL) == 0 &&
				    cuvet_version_cmp(drv, &floor) >= 0;
	}
}

static void forward_compat(const struct kb_table *fc, unsigned branch, struct cuvet_kb_driver *out)
{
	char want[16];
	snprintf(want, sizeof(want), "r%u", branch);
	size_t col = 0;
	for (size_t c = FC_NCOLS; c < fc->ncols; c++)
		if (strcmp(fc->header[c], want) == 0)
			col = c;
	if (!col)
		return;
	out->compat_known = true;
	for (size_t r = 0; r < fc->nrows && out->ncompat < CUVET_KB_LIST_MAX; r++) {
		if (strcmp(kb_cell(fc, r, col), "C") != 0)
			continue;
		unsigned below = kb_branch_number(kb_cell(fc, r, FC_CONTRADICTED_BELOW));
		out->compat[out->ncompat++] = (struct cuvet_kb_compat_package){
			kb_cell(fc, r, FC_PACKAGE), kb_cell(fc, r, FC_CUDA), below && branch < below,
			nz(fc, r, FC_CAVEAT), kb_cell(fc, r, FC_SOURCE)};
	}
}

/* "Blackwell (Ultra)" and "Blackwell" are one architecture. */
static size_t arch_name_len(const char *a)
{
	const char *paren = strchr(a, '(');
	size_t n = paren ? (size_t)(paren - a) : strlen(a);
	while (n && a[n - 1] == ' ')
		n--;
	return n;
}

/* Whether the space-separated list LIST holds ITEM. */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; p && *p;) {
		const char *sp = strchr(p, ' ');
		size_t m = sp ? (size_t)(sp - p) : strlen(p);
		if (m == n && strncmp(p, item, n) == 0)
			return true;
		p = sp ? sp + 1 : p + m;
	}
	return false;
}

/* The branch of the first toolkit that added a SASS target for CC; 0 when the tables start later. */
static unsigned first_branch_for_cc(const struct kb_table *ap, const struct cuvet_version *cc)
{
	char item[24];
	snprintf(item, sizeof(item), "%u.%u", cc->part[0], cc->part[1]);
	long best = -1;
	for (size_t r = 0; r < ap->nrows; r++) {
		if (*kb_cell(ap, r, AP_STATUS) || !list_has(kb_cell(ap, r, AP_NEW_CCS), item))
			continue;
		if (best < 0 || cuvet_version_cmp(kb_ver(ap, r, AP_CUDA), kb_ver(ap, (size_t)best, AP_CUDA)) < 0)
			best = (long)r;
	}
	return best < 0 ? 0 : kb_branch_number(kb_cell(ap, (size_t)best, AP_BRANCH));
}

struct arch_acc {
	const char *name;
	size_t len;
	uint32_t min_cc;        /* 100 * major + minor; UINT32_MAX when no GPU row names it */
	unsigned first, last;
	bool first_unknown;     /* a GPU of it predates the tables */
};

static struct arch_acc *arch_slot(struct arch_acc *acc, size_t *n, const char *name, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (acc[i].len == len && strncmp(acc[i].name, name, len) == 0)
			return &acc[i];
	if (*n == CUVET_KB_LIST_MAX)
		return NULL;
	acc[*n] = (struct arch_acc){name, len, UINT32_MAX, 0, 0, false};
	return &acc[(*n)++];
}

static void arch_support(const struct kb_table *gpu, const struct kb_table *ap, const struct kb_table *br,
			 unsigned branch, struct cuvet_kb_driver *out)
{
	struct arch_acc acc[CUVET_KB_LIST_MAX];
	size_t n = 0;
	for (size_t r = 0; r < gpu->nrows; r++) {
		const char *a = kb_cell(gpu, r, GPU_ARCHITECTURE);
		size_t len = arch_name_len(a);
		if (!len || strcmp(a, "unverified") == 0)
			continue;
		struct arch_acc *s = arch_slot(acc, &n, a, len);
		if (!s)
			continue;
		const struct cuvet_version *cc = kb_ver(gpu, r, GPU_CC);
		uint32_t ccn = cc->part[0] * 100 + cc->part[1];
		if (ccn < s->min_cc)
			s->min_cc = ccn;
		unsigned first = first_branch_for_cc(ap, cc);
		if (!first)
			s->first_unknown = true;
		else if (!s->first || first < s->first)
			s->first = first;
	}
	/* Last branches, from "last_for_architectures"; an architecture named only there (Fermi)
	 * predates every GPU row. */
	for (size_t r = 0; r < br->nrows; r++) {
		const char *p = kb_cell(br, r, BR_LAST_FOR);
		while (*p) {
			const char *comma = strstr(p, ", ");
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			struct arch_acc *s = arch_slot(acc, &n, p, len);
			if (s) {
				s->last = kb_branch_number(kb_cell(br, r, BR_BRANCH));
				if (s->min_cc == UINT32_MAX)
					s->first_unknown = true;
			}
			p = comma ? comma + 2 : p + len;
		}
	}
	/* Oldest first: architectures without a GPU row are older than every row. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			uint32_t x = acc[j - 1].min_cc == UINT32_MAX ? 0 : acc[j - 1].min_cc;
			uint32_t y = acc[j].min_cc == UINT32_MAX ? 0 : acc[j].min_cc;
			if (x <= y)
				break;
			struct arch_acc tmp = acc[j - 1];
			acc[j - 1] = acc[j];
			acc[j] = tmp;
		}
	for (size_t i = 0; i < n; i++) {
		struct cuvet_kb_arch_support *s = &out->arch[out->narch++];
		unsigned first = acc[i].first_unknown ? 0 : acc[i].first;
		snprintf(s->architecture, sizeof(s->architecture), "%.*s", (int)acc[i].len, acc[i].name);
		s->first_branch = first;
		s->last_branch = acc[i].last;
		s->supported = (!first || branch >= first) && (!acc[i].last || branch <= acc[i].last);
	}
}

int cuvet_kb_driver(const struct cuvet_kb *kb, const char *driver_version, struct cuvet_kb_driver *out,
		    struct cuvet_error *err)
{
	struct cuvet_version drv;
	memset(out, 0, sizeof(*out));
	if (parse_query(driver_version, "driver version", &drv, err) != 0)
		return -1;
	const struct kb_table *tk = kb_table(kb, KB_TOOLKIT_DRIVER, err);
	const struct kb_table *br = tk ? kb_table(kb, KB_BRANCHES, err) : NULL;
	const struct kb_table *fc = br ? kb_table(kb, KB_FORWARD_COMPAT, err) : NULL;
	const struct kb_table *gpu = fc ? kb_table(kb, KB_GPU, err) : NULL;
	const struct kb_table *ap = gpu ? kb_table(kb, KB_ARCH_PTX, err) : NULL;
	if (!ap)
		return -1;
	out->branch = drv.part[0];
	long r = find_branch_row(br, out->branch);
	if (r >= 0) {
		out->branch_known = true;
		fill_branch(br, (size_t)r, &out->info);
	}
	struct cuvet_error e = {0};
	if (cuvet_kb_driver_cuda(kb, driver_version, &out->cuda, &e) != 0 && e.code != CUVET_E_NOTFOUND) {
		*err = e;
		return -1;
	}
	minor_compat(tk, &drv, out);
	forward_compat(fc, out->branch, out);
	arch_support(gpu, ap, br, out->branch, out);
	return 0;
}

/* ---------------------------------------------------------------------- CUDA ---- */

int cuvet_kb_cuda_releases(const struct cuvet_kb *kb, const char *version, struct cuvet_kb_cuda *out, size_t max,
			   struct cuvet_error *err)
{
	struct cuvet_version q;
	if (parse_query(version, "CUDA version", &q, err) != 0)
		return -1;
	const struct kb_table *t = kb_table(kb, KB_TOOLKIT_DRIVER, err);
	if (!t)
		return -1;
	int n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		if (cmp_prefix(&q, kb_ver(t, r, TK_CUDA)) != 0)
			continue;
		if ((size_t)n < max) {
			struct cuvet_kb_cuda *c = &out[n];
			c->version = kb_cell(t, r, TK_CUDA);
			c->status = nz(t, r, TK_STATUS);
			c->label = nz(t, r, TK_LABEL);
			c->min_linux_driver = nz(t, r, TK_LINUX);
			c->min_linux_driver_text = nz(t, r, TK_LINUX_TEXT);
			c->min_windows_driver = nz(t, r, TK_WINDOWS);
			c->min_windows_driver_text = nz(t, r, TK_WINDOWS_TEXT);
			c->minor_compat_min_driver = nz(t, r, TK_MINOR);
			c->minor_compat_text = nz(t, r, TK_MINOR_TEXT);
			c->caveat = nz(t, r, TK_CAVEAT);
			c->source = nz(t, r, TK_SOURCE);
		}
		n++;
	}
	if (!n)
		err_set(err, CUVET_E_NOTFOUND, "CUDA %s is not in %s", version, t->label);
	return n;
}

int cuvet_kb_cuda_arch(const struct cuvet_kb *kb, const char *version, struct cuvet_kb_cuda_arch *out,
		       struct cuvet_error *err)
{
	struct cuvet_version q;
	memset(out, 0, sizeof(*out));
	if (parse_query(version, "CUDA version", &q, err) != 0)
		return -1;
	const struct kb_table *t = kb_table(kb, KB_ARCH_PTX, err);
	if (!t)
		return -1;
	/* The table has one row per MAJOR.MINOR. */
	struct cuvet_version mm = q;
	if (mm.nparts > 2)
		mm.nparts = 2;
	for (size_t r = 0; r < t->nrows; r++) {
		if (cuvet_version_cmp(&mm, kb_ver(t, r, AP_CUDA)) != 0)
			continue;
		out->cuda_version = kb_cell(t, r, AP_CUDA);
		out->status = nz(t, r, AP_STATUS);
		out->ptx_isa = nz(t, r, AP_PTX);
		out->driver_branch = kb_branch_number(kb_cell(t, r, AP_BRANCH));
		out->lowest_sm = nz(t, r, AP_LOWEST);
		out->highest_sm = nz(t, r, AP_HIGHEST);
		out->new_sass_ccs = nz(t, r, AP_NEW_CCS);
		out->new_targets = nz(t, r, AP_NEW_TARGETS);
		out->removed_targets = nz(t, r, AP_REMOVED);
		out->caveat = nz(t, r, AP_CAVEAT);
		out->source = nz(t, r, AP_SOURCE);
		return 0;
	}
	return err_set(err, CUVET_E_NOTFOUND, "CUDA %s is not in %s", version, t->label);
}

/* ---------------------------------------------------------------------- GPUs ---- */

static void fill_gpu_row(const struct kb_table *t, size_t r, const struct kb_pci_item *item,
			 struct cuvet_kb_gpu_row *out)
{
	memset(out, 0, sizeof(*out));
	kb_gpu_fill(t, r, item && item->unverified, &out->gpu);
	out->pci_device_ids = nz(t, r, GPU_PCI_IDS);
	out->pci_variant = item ? item->text : NULL;
	out->caveat = nz(t, r, GPU_CAVEAT);
	out->pci_ids_note = nz(t, r, GPU_PCI_NOTE);
	out->note = nz(t, r, GPU_NOTE);
}

/* "0x2335", "0X2335", "10de:2335", "0x233510DE": the device id, or -1 for a name. */
static long pci_query(const char *q)
{
	unsigned long v = 0;
	if ((q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) && parse_ulong(q + 2, 16, 0xffffffffUL, &v) == 0) {
		if (v > 0xffff)
			return (v & 0xffff) == 0x10de ? (long)(v >> 16) : -2;
		return (long)v;
	}
	if (strncasecmp(q, "10de:", 5) == 0 && parse_ulong(q + 5, 16, 0xffff, &v) == 0)
		return (long)v;
	return -1;
}

#define NAME_MAX_LEN 256

static bool name_sep(char c)
{
	return c == ' ' || c == '-' || c == '/' || c == ';' || c == ',' || c == '(' || c == ')' || c == '_';
}

/* Lower case, separators folded to single spaces, a leading "nvidia " dropped (NVML names
 * carry it, the table's GeForce/Quadro names do not). */
static void name_fold(const char *in, size_t len, char *out)
{
	size_t o = 0;
	bool sep = true;
	for (size_t i = 0; i < len && o + 1 < NAME_MAX_LEN; i++) {
		char c = in[i];
		if (name_sep(c)) {
			if (!sep)
				out[o++] = ' ';
			sep = true;
			continue;
		}
		out[o++] = (char)tolower((unsigned char)c);
		sep = false;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (strncmp(out, "nvidia ", 7) == 0)
		memmove(out, out + 7, strlen(out + 7) + 1);
}

/* NEEDLE occurs in HAY as whole words. */
static bool word_in(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return false;
	for (const char *p = hay; (p = strstr(p, needle)); p++) {
		bool left = p == hay || p[-1] == ' ';
		bool right = p[n] == '\0' || p[n] == ' ';
		if (left && right)
			return true;
	}
	return false;
}

static bool has_digit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)s[i]))
			return true;
	return false;
}

/* Scores how well folded query Q names one model alternative ALT (folded): 3 the same, 2 the
 * alternative within the query (an NVML name with extra words), 1 the query within it. */
static int alt_score(const char *q, const char *alt)
{
	if (!*alt)
		return 0;
	if (strcmp(q, alt) == 0)
		return 3;
	if (word_in(q, alt))
		return 2;
	if (word_in(alt, q))
		return 1;
	return 0;
}

/* A model cell lists several products: "NVIDIA RTX A6000 / A5000 / A4000", "Quadro RTX 8000 /
 * 6000; T1000 / T600", "GeForce RTX 3090 / 3090 Ti / 3080 (RTX 30 series)". Groups are split at
 * ';', alternatives at '/', and a bare model number ("A5000", "3090 Ti") inherits the words of
 * its group's first alternative before that one's model number ("NVIDIA RTX"). */
static int model_score(const char *q, const char *model, size_t *best_len)
{
	char full[NAME_MAX_LEN];
	name_fold(model, strlen(model), full);
	int best = strcmp(q, full) == 0 ? 4 : 0;
	*best_len = best ? strlen(full) : 0;
	const char *g = model;
	while (*g) {
		const char *gend = strchr(g, ';');
		size_t glen = gend ? (size_t)(gend - g) : strlen(g);
		char prefix[NAME_MAX_LEN] = "";
		bool first = true;
		const char *a = g;
		while (a < g + glen) {
			const char *slash = memchr(a, '/', (size_t)(g + glen - a));
			size_t alen = slash ? (size_t)(slash - a) : (size_t)(g + glen - a);
			/* Leave out a parenthetical ("(24GB)", "(RTX 30 series)"). */
			const char *paren = memchr(a, '(', alen);
			size_t keep = paren ? (size_t)(paren - a) : alen;
			char alt[NAME_MAX_LEN], cand[2 * NAME_MAX_LEN];
			name_fold(a, keep, alt);
			if (first) {
				/* The words before the first one holding a digit, or all but the last two. */
				char words[NAME_MAX_LEN];
				snprintf(words, sizeof(words), "%s", alt);
				size_t cut = 0, nwords = 0, spaces[32];
				for (size_t i = 0; words[i] && nwords < 32; i++)
					if (words[i] == ' ')
						spaces[nwords++] = i;
				const char *w = words;
				bool found = false;
				for (size_t k = 0; k <= nwords; k++) {
					size_t start = k ? spaces[k - 1] + 1 : 0;
					size_t end = k < nwords ? spaces[k] : strlen(words);
					if (has_digit(w + start, end - start)) {
						cut = start;
						found = true;
						break;
					}
				}
				if (!found)
					cut = nwords >= 2 ? spaces[nwords - 2] + 1 : 0;
				snprintf(prefix, sizeof(prefix), "%.*s", (int)cut, words);
				snprintf(cand, sizeof(cand), "%s", alt);
				first = false;
			} else {
				snprintf(cand, sizeof(cand), "%s%s", prefix, alt);
			}
			int s = alt_score(q, cand);
			if (s < 3 && !first && alt_score(q, alt) > s)
				s = alt_score(q, alt);
			size_t clen = strlen(cand);
			if (s > best || (s == best && s && clen > *best_len)) {
				best = s;
				*best_len = clen;
			}
			a = slash ? slash + 1 : a + alen;
		}
		g = gend ? gend + 1 : g + glen;
		while (*g == ' ')
			g++;
	}
	return best;
}

int cuvet_kb_gpu_find(const struct cuvet_kb *kb, const char *query, struct cuvet_kb_gpu_row *out, size_t max,
		      struct cuvet_error *err)
{
	if (!query || !*query)
		return err_set(err, CUVET_E_INVALID, "GPU: no name or PCI device id given");
	const struct kb_table *t = kb_table(kb, KB_GPU, err);
	if (!t)
		return -1;
	long id = pci_query(query);
	if (id == -2) {
		err_set(err, CUVET_E_NOTFOUND, "PCI id %s is not an NVIDIA (0x10de) device", query);
		return 0;
	}
	if (id >= 0) {
		for (size_t i = 0; i < t->npci; i++) {
			if (t->pci[i].id != (uint16_t)id)
				continue;
			if (max)
				fill_gpu_row(t, t->pci[i].row, &t->pci[i], out);
			return 1;
		}
		err_set(err, CUVET_E_NOTFOUND, "PCI device id 0x%04lx is not in %s", id, t->label);
		return 0;
	}

	char q[NAME_MAX_LEN];
	name_fold(query, strlen(query), q);
	if (!*q)
		return err_set(err, CUVET_E_INVALID, "GPU: no name or PCI device id given");
	struct hit {
		size_t row;
		int score;
		size_t len;
	} *hits = calloc(t->nrows ? t->nrows : 1, sizeof(*hits));
	if (!hits)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		size_t len = 0;
		int s = model_score(q, kb_cell(t, r, GPU_MODEL), &len);
		if (s)
			hits[n++] = (struct hit){r, s, len};
	}
	/* Best score first; among equals the more specific (longer) name, then table order. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			struct hit *x = &hits[j - 1], *y = &hits[j];
			if (x->score > y->score || (x->score == y->score && x->len >= y->len))
				break;
			struct hit tmp = *x;
			*x = *y;
			*y = tmp;
		}
	for (size_t i = 0; i < n && i < max; i++)
		fill_gpu_row(t, hits[i].row, NULL, &out[i]);
	free(hits);
	if (!n)
		err_set(err, CUVET_E_NOTFOUND, "no GPU named \"%s\" in %s", query, t->label);
	return (int)n;
}

/* -------------------------------------------------------------------- images ---- */

/* Whether table image NAME is the image the user named (QNAME, registry optional). */
static bool image_matches(const char *name, size_t nlen, const char *qname, size_t qlen)
{
	if (nlen == qlen)
		return strncmp(name, qname, nlen) == 0;
	return nlen > qlen && name[nlen - qlen - 1] == '/' && strncmp(name + nlen - qlen, qname, qlen) == 0;
}

/* Splits "REPO[:TAG][@DIGEST]" into repository and tag; strips a Docker Hub registry prefix. */
static int split_ref(const char *ref, const char **name, size_t *nlen, const char **tag, size_t *tlen)
{
	size_t len = strlen(ref);
	const char *at = strchr(ref, '@');
	if (at)
		len = (size_t)(at - ref);
	const char *slash = NULL;
	for (size_t i = 0; i < len; i++)
		if (ref[i] == '/')
			slash = ref + i;
	const char *colon = NULL;
	for (const char *p = slash ? slash : ref; p < ref + len; p++)
		if (*p == ':')
			colon = p;
	if (!colon || colon + 1 == ref + len)
		return -1;
	*name = ref;
	*nlen = (size_t)(colon - ref);
	*tag = colon + 1;
	*tlen = (size_t)(ref + len - colon - 1);
	static const char *const hub[] = {"docker.io/", "index.docker.io/", "registry-1.docker.io/"};
	for (size_t i = 0; i < CUVET_ARRAY_LEN(hub); i++) {
		size_t h = strlen(hub[i]);
		if (*nlen > h && strncmp(*name, hub[i], h) == 0) {
			*name += h;
			*nlen -= h;
		}
	}
	if (*nlen > 8 && strncmp(*name, "library/", 8) == 0) {
		*name += 8;
		*nlen -= 8;
	}
	return 0;
}

int cuvet_kb_image(const struct cuvet_kb *kb, const char *ref, struct cuvet_kb_image *out, struct cuvet_error *err)
{
	const char *qn, *qt;
	size_t qnl, qtl;
	memset(out, 0, sizeof(*out));
	if (!ref || split_ref(ref, &qn, &qnl, &qt, &qtl) != 0)
		return err_set(err, CUVET_E_INVALID, "image reference \"%s\" has no tag (expected REPOSITORY:TAG)",
			       ref ? ref : "");
	const struct kb_table *nt = kb_table(kb, KB_NGC_TENSORRT, err);
	const struct kb_table *np = nt ? kb_table(kb, KB_NGC_OTHER, err) : NULL;
	const struct kb_table *ri = np ? kb_table(kb, KB_REQUIRE_IMAGES, err) : NULL;
	if (!ri)
		return -1;
	for (size_t r = 0; r < nt->nrows; r++) {
		const char *img = kb_cell(nt, r, NT_IMAGE), *tag = kb_cell(nt, r, NT_TAG);
		if (strlen(tag) != qtl || strncmp(tag, qt, qtl) != 0 || !image_matches(img, strlen(img), qn, qnl))
			continue;
		out->image = img;
		out->tag = tag;
		out->ubuntu = fact(nt, r, NT_UBUNTU);
		out->cuda = fact(nt, r, NT_CUDA);
		out->cudnn = fact(nt, r, NT_CUDNN);
		out->tensorrt = fact(nt, r, NT_TENSORRT);
		out->cublas = fact(nt, r, NT_CUBLAS);
		out->nccl = fact(nt, r, NT_NCCL);
		out->python = fact(nt, r, NT_PYTHON);
		out->min_driver = fact(nt, r, NT_DRIVER);
		out->source = nz(nt, r, NT_SOURCE);
		out->notes = nz(nt, r, NT_NOTES);
		out->table = nt->schema->file;
		return 0;
	}
	for (size_t r = 0; r < np->nrows; r++) {
		const char *img = kb_cell(np, r, NP_IMAGE), *tag = kb_cell(np, r, NP_TAG);
		if (strlen(tag) != qtl || strncmp(tag, qt, qtl) != 0 || !image_matches(img, strlen(img), qn, qnl))
			continue;
		out->image = img;
		out->tag = tag;
		out->cuda = fact(np, r, NP_CUDA);
		out->cudnn = fact(np, r, NP_CUDNN);
		out->tensorrt = fact(np, r, NP_TENSORRT);
		out->nccl = fact(np, r, NP_NCCL);
		out->framework = fact(np, r, NP_FRAMEWORK);
		out->min_driver = fact(np, r, NP_DRIVER);
		out->source = nz(np, r, NP_SOURCE);
		out->notes = nz(np, r, NP_NOTES);
		out->table = np->schema->file;
		return 0;
	}
	for (size_t r = 0; r < ri->nrows; r++) {
		const char *cell = kb_cell(ri, r, RI_IMAGE), *rn, *rt;
		size_t rnl, rtl;
		if (split_ref(cell, &rn, &rnl, &rt, &rtl) != 0 || rtl != qtl || strncmp(rt, qt, qtl) != 0 ||
		    !image_matches(rn, rnl, qn, qnl))
			continue;
		out->image = cell;
		out->require_cuda = nz(ri, r, RI_REQUIRE);
		out->notes = nz(ri, r, RI_NOTE);
		out->source = nz(ri, r, RI_SOURCE);
		out->table = ri->schema->file;
		return 0;
	}
	return err_set(err, CUVET_E_NOTFOUND, "image %s is not in %s, %s or %s", ref, nt->schema->file,
		       np->schema->file, ri->schema->file);
}

/* ------------------------------------------------------- TensorRT and cuDNN ---- */

struct cover {
	size_t row;
	unsigned parts;
	bool build;
};

/* Whether the row's range [FIRST, LAST] covers Q, each compared on the components both have. */
static bool covers(const struct cuvet_version *q, const struct cuvet_version *first, const struct cuvet_version *last)
{
	if (cmp_prefix(q, first) < 0)
		return false;
	return cmp_prefix(q, last->nparts ? last : first) <= 0;
}

static void sort_covers(struct cover *c, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && c[j - 1].parts < c[j].parts; j--) {
			struct cover tmp = c[j - 1];
			c[j - 1] = c[j];
			c[j] = tmp;
		}
}

int cuvet_kb_tensorrt_find(const struct cuvet_kb *kb, const char *version, struct cuvet_kb_release *out, size_t max,
			   struct cuvet_error *err)
{
	struct cuvet_version q;
	if (parse_query(version, "TensorRT version", &q, err) != 0)
		return -1;
	const struct kb_table *t = kb_table(kb, KB_TENSORRT, err);
	if (!t)
		return -1;
	struct cover *c = calloc(t->nrows ? t->nrows : 1, sizeof(*c));
	if (!c)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++)
		if (covers(&q, kb_ver(t, r, TR_FIRST), kb_ver(t, r, TR_LAST)))
			c[n++] = (struct cover){r, kb_ver(t, r, TR_FIRST)->nparts, false};
	sort_covers(c, n);
	for (size_t i = 0; i < n && i < max; i++) {
		size_t r = c[i].row;
		struct cuvet_kb_release *o = &out[i];
		memset(o, 0, sizeof(*o));
		o->kind = "release";
		o->release = kb_cell(t, r, TR_RELEASE);
		o->first = kb_cell(t, r, TR_FIRST);
		o->last = nz(t, r, TR_LAST);
		o->unverified = strcmp(kb_cell(t, r, TR_STATUS), "unverified") == 0 || marked_uncertain(t, r, TR_CUDA);
		o->uncertain_cudnn = marked_uncertain(t, r, TR_CUDNN);
		o->uncertain_gpus = marked_uncertain(t, r, TR_GPUS);
		o->cuda_majors = nz(t, r, TR_MAJORS);
		o->cuda_versions = nz(t, r, TR_CUDA);
		o->cudnn = nz(t, r, TR_CUDNN);
		o->gpus = nz(t, r, TR_GPUS);
		o->source = nz(t, r, TR_SOURCE);
	}
	free(c);
	if (!n)
		err_set(err, CUVET_E_NOTFOUND, "TensorRT %s is not in %s", version, t->label);
	return (int)n;
}

int cuvet_kb_cudnn_find(const struct cuvet_kb *kb, const char *version, struct cuvet_kb_release *out, size_t max,
			struct cuvet_error *err)
{
	struct cuvet_version q;
	if (parse_query(version, "cuDNN version", &q, err) != 0)
		return -1;
	const struct kb_table *t = kb_table(kb, KB_CUDNN, err);
	const struct kb_table *b = t ? kb_table(kb, KB_CUDNN_BUILDS, err) : NULL;
	if (!b)
		return -1;
	struct cover *c = calloc(t->nrows + b->nrows + 1, sizeof(*c));
	if (!c)
		return err_set(err, CUVET_E_NOMEM, "out of memory");
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++)
		if (covers(&q, kb_ver(t, r, CD_FIRST), kb_ver(t, r, CD_LAST)))
			c[n++] = (struct cover){r, kb_ver(t, r, CD_FIRST)->nparts, false};
	sort_covers(c, n);
	/* Package builds come after the releases: they say a build exists, not what it supports. */
	size_t nrel = n;
	for (size_t r = 0; r < b->nrows; r++)
		if (cmp_prefix(&q, kb_ver(b, r, CB_BUILD)) == 0)
			c[n++] = (struct cover){r, kb_ver(b, r, CB_BUILD)->nparts, true};
	for (size_t i = 0; i < n && i < max; i++) {
		size_t r = c[i].row;
		struct cuvet_kb_release *o = &out[i];
		memset(o, 0, sizeof(*o));
		if (i >= nrel) {
			o->kind = "build";
			o->release = o->first = kb_cell(b, r, CB_BUILD);
			o->source = nz(b, r, CB_SOURCE);
			o->notes = nz(b, r, CB_NOTE);
			continue;
		}
		o->kind = "release";
		o->release = kb_cell(t, r, CD_RELEASE);
		o->first = kb_cell(t, r, CD_FIRST);
		o->last = nz(t, r, CD_LAST);
		o->unverified = strcmp(kb_cell(t, r, CD_STATUS), "unverified") == 0 || marked_uncertain(t, r, CD_CUDA);
		o->uncertain_min_driver = marked_uncertain(t, r, CD_DRIVER);
		o->uncertain_gpus = marked_uncertain(t, r, CD_CC);
		o->uncertain_library_files = marked_uncertain(t, r, CD_FILES);
		o->cuda_majors = nz(t, r, CD_MAJORS);
		o->cuda_versions = nz(t, r, CD_CUDA);
		o->min_driver = nz(t, r, CD_DRIVER);
		o->gpus = nz(t, r, CD_CC);
		o->library_files = nz(t, r, CD_FILES);
		o->version_encoding = nz(t, r, CD_ENCODING);
		o->source = nz(t, r, CD_SOURCE);
		o->notes = nz(t, r, CD_NOTES);
	}
	free(c);
	if (!n)
		err_set(err, CUVET_E_NOTFOUND, "cuDNN %s is not in %s or %s", version, t->label, b->label);
	return (int)n;
}

/* ---------------------------------------------------------- dlopen deps ---- */

int cuvet_kb_dlopen_deps(const struct cuvet_kb *kb, const char *requester, struct cuvet_kb_dlopen_dep *out,
			 size_t max, struct cuvet_error *err)
{
	const struct kb_table *t = kb_table(kb, KB_DLOPEN_DEPS, err);
	if (!t)
		return -1;
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		if (strcmp(kb_cell(t, r, DL_REQUESTER), requester) != 0)
			continue;
		if (n < max)
			out[n] = (struct cuvet_kb_dlopen_dep){kb_cell(t, r, DL_REQUESTER), kb_cell(t, r, DL_LOADS),
							      kb_cell(t, r, DL_EVIDENCE), nz(t, r, DL_SOURCE),
							      nz(t, r, DL_NOTES)};
		n++;
	}
	return n > INT32_MAX ? INT32_MAX : (int)n;
}
