#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cuvet.h"
#include "cuvet_kb.h"
#include "cuvet_readers.h"

/* ------------------------------------------------------------ helpers ---- */

static const char GPU_HEADER[] =
	"segment\tmodel\tcompute_capability\tarchitecture\tchip\tpci_device_ids\tstatus\tcaveat\tpci_ids_note\tsource\tnote\n";

struct tmpdir {
	char path[64];
	char files[16][64];
	size_t nfiles;
};

static void tmp_make(struct tmpdir *d)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->path, "/tmp/cuvet-kb-test-XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static void tmp_write(struct tmpdir *d, const char *name, const char *text)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	for (size_t i = 0; i < d->nfiles; i++)
		if (strcmp(d->files[i], name) == 0)
			return;
	assert_true(d->nfiles < 16);
	snprintf(d->files[d->nfiles++], sizeof(d->files[0]), "%s", name);
}

static void tmp_remove(struct tmpdir *d)
{
	char path[160];
	for (size_t i = 0; i < d->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->path, d->files[i]);
		unlink(path);
	}
	rmdir(d->path);
}

/* Loads a directory holding one file and returns the error message (or "" on success). */
static const char *load_one(const char *name, const char *text, char *msg, size_t len, char *dir, size_t dirlen)
{
	struct tmpdir d;
	struct cuvet_error err = {0};
	tmp_make(&d);
	tmp_write(&d, name, text);
	struct cuvet_kb *kb = cuvet_kb_load(d.path, &err);
	snprintf(msg, len, "%s", kb ? "" : err.msg);
	snprintf(dir, dirlen, "%s", d.path);
	cuvet_kb_free(kb);
	tmp_remove(&d);
	return msg;
}

/* The error must be exactly the directory followed by SUFFIX. */
static void expect_error(const char *name, const char *text, const char *suffix)
{
	char msg[512], dir[64], want[600];
	load_one(name, text, msg, sizeof(msg), dir, sizeof(dir));
	snprintf(want, sizeof(want), "%s%s", dir, suffix);
	assert_string_equal(msg, want);
}

/* ------------------------------------------------------------ loading ---- */

static void test_builtin_loads(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, &err);
	assert_non_null(kb);
	assert_null(cuvet_kb_dir(kb));
	assert_string_equal(cuvet_kb_data_date(kb), "2026-11-29");
	/* The date compiled in from the meson option must be the data's own date. */
	assert_string_equal(cuvet_kb_date(), cuvet_kb_data_date(kb));
	assert_int_equal(cuvet_kb_check(kb, &err), 0);
	cuvet_kb_free(kb);
	cuvet_kb_free(NULL);
	assert_null(cuvet_kb_data_date(NULL));
}

/* ---------------------------------------------------------------- GPUs ---- */

static void test_gpu_by_pci(void **state)
{
	(void)state;
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	assert_non_null(kb);
	struct cuvet_kb_gpu g;

	/* Observed on the real H200 host (shared/fixtures/h200-host: pci.device_id 0x233510DE). */
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x2335, &g), 0);
	assert_string_equal(g.model, "NVIDIA H200");
	assert_string_equal(g.segment, "datacenter");
	assert_int_equal(g.cc_major, 9);
	assert_int_equal(g.cc_minor, 0);
	assert_string_equal(g.architecture, "Hopper");
	assert_string_equal(g.chip, "GH100");
	assert_non_null(strstr(g.source, "observed: nvidia-smi on a real H200 host (pci.device_id 0x233510DE), "
					 "cuvet shared/fixtures/h200-host"));
	assert_false(g.unverified);

	/* NVML's combined form (device << 16 | vendor). */
	memset(&g, 0, sizeof(g));
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x233510DEu, &g), 0);
	assert_string_equal(g.model, "NVIDIA H200");
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x23351002u, &g), -1); /* not NVIDIA's vendor id */

	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x2330, &g), 0);
	assert_string_equal(g.model, "NVIDIA H100");
	assert_false(g.unverified);
	/* pci.ids (Version 2026.08.22) names 0x2336 plainly 'GH100 [H100]'. */
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x2336, &g), 0);
	assert_string_equal(g.model, "NVIDIA H100");
	assert_false(g.unverified);
	/* The whole row is unverified (compute capability not on NVIDIA's list). */
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x2322, &g), 0);
	assert_string_equal(g.model, "NVIDIA H800");
	assert_true(g.unverified);

	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x20b5, &g), 0);
	assert_string_equal(g.model, "NVIDIA A100");
	assert_int_equal(g.cc_major, 8);
	assert_int_equal(g.cc_minor, 0);
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x1eb8, &g), 0);
	assert_string_equal(g.model, "NVIDIA T4");
	assert_int_equal(g.cc_minor, 5);
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x26b9, &g), 0);
	assert_string_equal(g.model, "NVIDIA L40S");
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x2901, &g), 0);
	assert_string_equal(g.model, "NVIDIA B200");
	assert_int_equal(g.cc_major, 10);
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x2b85, &g), 0);
	assert_string_equal(g.model, "GeForce RTX 5090");
	assert_string_equal(g.segment, "consumer");
	assert_int_equal(g.cc_major, 12);

	/* Every SKU of a row, each id as pci.ids names it (Version 2026.08.22, vendor 10de):
	 * id, the row it belongs to, compute capability from NVIDIA's CUDA GPUs page. */
	static const struct {
		unsigned id;
		const char *model;
		int major, minor;
	} skus[] = {
		{0x20b0, "NVIDIA A100", 8, 0},  /* GA100 [A100 SXM4 40GB] */
		{0x20f1, "NVIDIA A100", 8, 0},  /* GA100 [A100 PCIe 40GB] */
		{0x20b2, "NVIDIA A100", 8, 0},  /* GA100 [A100 SXM4 80GB] */
		{0x27b8, "NVIDIA L4", 8, 9},    /* AD104GL [L4] */
		{0x2236, "NVIDIA A10", 8, 6},   /* GA102GL [A10] */
		{0x2237, "NVIDIA A10", 8, 6},   /* GA102GL [A10G] */
		{0x26b5, "NVIDIA L40", 8, 9},   /* AD102GL [L40] */
		{0x2321, "NVIDIA H100", 9, 0},  /* GH100 [H100L 94GB], the H100 NVL */
		{0x233b, "NVIDIA H200", 9, 0},  /* GH100 [H200 NVL] */
		{0x1db1, "NVIDIA V100", 7, 0},  /* GV100GL [Tesla V100 SXM2 16GB] */
		{0x1db4, "NVIDIA V100", 7, 0},  /* GV100GL [Tesla V100 PCIe 16GB] */
		{0x102d, "Tesla K80", 3, 7},    /* GK210GL [Tesla K80] */
		{0x2782, "GeForce RTX 4080 / 4070 Ti / 4070 / 4060 Ti / 4060 / 4050", 8, 9}, /* AD104 [GeForce RTX 4070 Ti] */
		{0x2206, "GeForce RTX 3090 / 3090 Ti / 3080 / 3070 / 3060 (RTX 30 series)", 8, 6}, /* GA102 [GeForce RTX 3080] */
		{0x2230, "NVIDIA RTX A6000 / A5000 / A4000 / A3000 / A2000", 8, 6}, /* GA102GL [RTX A6000] */
		{0x27b2, "NVIDIA RTX 6000 Ada / 5000 Ada / 4500 Ada / 4000 Ada / 2000 Ada", 8, 9}, /* [RTX 4000 Ada Generation] */
		{0x1380, "GeForce GTX 750 Ti / 750; GTX 960M / 950M; 940M / 930M / 840M / 830M", 5, 0}, /* GM107 */
	};
	for (size_t i = 0; i < sizeof(skus) / sizeof(skus[0]); i++) {
		memset(&g, 0, sizeof(g));
		assert_int_equal(cuvet_kb_gpu_by_pci(kb, skus[i].id, &g), 0);
		assert_string_equal(g.model, skus[i].model);
		assert_int_equal(g.cc_major, skus[i].major);
		assert_int_equal(g.cc_minor, skus[i].minor);
	}
	/* pci.ids has 'GK106 [GeForce GTX 750 Ti]': a Kepler part under a Maxwell name is not put on the
	 * Maxwell row; 0x25b6 'GA107GL [A2 / A16]' names two rows and is left out. */
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x11c7, &g), -1);
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x25b6, &g), -1);

	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x1234, &g), -1);
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0, &g), -1);
	assert_int_equal(cuvet_kb_gpu_by_pci(NULL, 0x2335, &g), -1);
	cuvet_kb_free(kb);
}

/* The number of distinct ids found equals the number of ids in the data (duplicates are
 * refused when the table is parsed). */
static void test_gpu_pci_ids_unique(void **state)
{
	(void)state;
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	struct cuvet_kb_gpu g;
	size_t found = 0;
	for (unsigned id = 1; id <= 0xffff; id++)
		if (cuvet_kb_gpu_by_pci(kb, id, &g) == 0)
			found++;
	/* Ids in the data: the items of the pci_device_ids column, counted apart from cuvet with
	 * awk -F'\t' '!/^#/ && $1 != "segment" && $6 != "" {n += split($6, a, "; ")} END {print n}'. */
	assert_int_equal(found, 340);
	cuvet_kb_free(kb);
}

/* ------------------------------------------------------------ --kb DIR ---- */

static void test_dir_override(void **state)
{
	(void)state;
	struct tmpdir d;
	struct cuvet_error err = {0};
	char text[1024];
	tmp_make(&d);
	snprintf(text, sizeof(text),
		 "# a newer table dropped in by hand\n%s"
		 "datacenter\tNVIDIA Test GPU\t9.0\tHopper\tGH100\t0x1234 (Test SXM); 0x1235 (Test PCIe, unverified)"
		 "\t\t\t\tobserved in a test\t\n",
		 GPU_HEADER);
	tmp_write(&d, "gpu-compute-capability.tsv", text);
	tmp_write(&d, "DATE", "2027-01-02\n");
	struct cuvet_kb *kb = cuvet_kb_load(d.path, &err);
	assert_non_null(kb);
	assert_string_equal(cuvet_kb_dir(kb), d.path);
	assert_string_equal(cuvet_kb_data_date(kb), "2027-01-02");
	struct cuvet_kb_gpu g;
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x1234, &g), 0);
	assert_string_equal(g.model, "NVIDIA Test GPU");
	assert_string_equal(g.source, "observed in a test");
	assert_false(g.unverified);
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x1235, &g), 0);
	assert_true(g.unverified);
	/* The directory's table replaces the built-in one entirely. */
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x2335, &g), -1);
	cuvet_kb_free(kb);

	/* Without a DATE file the built-in date stays. */
	char path[160];
	snprintf(path, sizeof(path), "%s/DATE", d.path);
	unlink(path);
	kb = cuvet_kb_load(d.path, &err);
	assert_non_null(kb);
	assert_string_equal(cuvet_kb_data_date(kb), "2026-11-29");
	cuvet_kb_free(kb);
	tmp_remove(&d);
}

/* The source's cell marks in a table dropped in with --kb: taken off wherever they stand, several
 * per cell, the first named container kept; brackets that are not marks stay text. */
static void test_cell_marks(void **state)
{
	(void)state;
	struct tmpdir d;
	struct cuvet_error err = {0};
	tmp_make(&d);
	tmp_write(&d, "ngc-pytorch-triton.tsv",
		  "image\ttag\tcuda\tcudnn\ttensorrt\tnccl\tframework_version\tmin_driver\tsource_url\tnotes\n"
		  "nvcr.io/nvidia/pytorch\t99.01-py3\t12.2.1 [sib:triton99.01] [unverified]\t9.1.0 [secondary]\t"
		  "10.0 [see notes]\t2.21 [unverified\tPyTorch 2.4 [sib:]\t[unverified]\ttest\t\n");
	struct cuvet_kb *kb = cuvet_kb_load(d.path, &err);
	assert_non_null(kb);
	struct cuvet_kb_image im;
	assert_int_equal(cuvet_kb_image(kb, "nvcr.io/nvidia/pytorch:99.01-py3", &im, &err), 0);
	assert_string_equal(im.cuda.value, "12.2.1");
	assert_string_equal(im.cuda.derived_from, "triton99.01");
	assert_true(im.cuda.unverified);
	assert_false(im.cuda.secondary);
	assert_string_equal(im.cudnn.value, "9.1.0");
	assert_true(im.cudnn.secondary);
	assert_null(im.cudnn.derived_from);
	assert_string_equal(im.tensorrt.value, "10.0 [see notes]");
	assert_false(im.tensorrt.unverified);
	assert_string_equal(im.nccl.value, "2.21 [unverified"); /* unterminated: text */
	assert_string_equal(im.framework.value, "PyTorch 2.4 [sib:]");
	assert_null(im.min_driver.value);
	assert_true(im.min_driver.unverified);
	cuvet_kb_free(kb);
	tmp_remove(&d);
}

static void test_dir_errors(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct tmpdir d;
	tmp_make(&d);
	assert_null(cuvet_kb_load(d.path, &err));
	char want[256];
	snprintf(want, sizeof(want), "knowledge-base directory %s holds none of the tables (e.g. gpu-compute-capability.tsv)",
		 d.path);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	tmp_remove(&d);

	assert_null(cuvet_kb_load("/nonexistent/cuvet-kb", &err));
	assert_string_equal(err.msg, "knowledge-base directory /nonexistent/cuvet-kb: No such file or directory");
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_null(cuvet_kb_load("/dev/null", &err));
	assert_string_equal(err.msg, "knowledge-base directory /dev/null: not a directory");

	expect_error("DATE", "29.11.2026\n", "/DATE: expected a date YYYY-MM-DD");
}

static void test_corrupt_gpu_table(void **state)
{
	(void)state;
	char text[2048];
	const char *row_ok = "datacenter\tNVIDIA H200\t9.0\tHopper\tGH100\t0x2335\t\t\t\tsrc\t\n";

	/* A row with two cells missing. */
	snprintf(text, sizeof(text), "# comment\n%s%sdatacenter\tNVIDIA X\t9.0\tHopper\tGH100\t\t\t\tsrc\n", GPU_HEADER,
		 row_ok);
	expect_error("gpu-compute-capability.tsv", text, "/gpu-compute-capability.tsv:4: expected 11 columns, found 9");

	/* A compute capability that is not a version. */
	snprintf(text, sizeof(text), "%s\n%sdatacenter\tNVIDIA X\t9.x\tHopper\tGH100\t\t\t\t\tsrc\t\n", GPU_HEADER, row_ok);
	expect_error("gpu-compute-capability.tsv", text,
		     "/gpu-compute-capability.tsv:4: column 'compute_capability': invalid version \"9.x\": "
		     "expected a number after '.' at position 3");
	snprintf(text, sizeof(text), "%sdatacenter\tNVIDIA X\t9\tHopper\tGH100\t\t\t\t\tsrc\t\n", GPU_HEADER);
	expect_error("gpu-compute-capability.tsv", text,
		     "/gpu-compute-capability.tsv:2: column 'compute_capability': invalid compute capability \"9\" "
		     "(expected MAJOR.MINOR)");

	/* PCI ids in the source's 10de: form, not the table's 0x form. */
	snprintf(text, sizeof(text), "%sdatacenter\tNVIDIA X\t9.0\tHopper\tGH100\t10de:2335\t\t\t\tsrc\t\n", GPU_HEADER);
	expect_error("gpu-compute-capability.tsv", text,
		     "/gpu-compute-capability.tsv:2: column 'pci_device_ids': invalid PCI device id \"10de:2335\" "
		     "(expected 0xHHHH, items joined by \"; \")");
	snprintf(text, sizeof(text), "%sdatacenter\tNVIDIA X\t9.0\tHopper\tGH100\t0x2335;0x2336\t\t\t\tsrc\t\n",
		 GPU_HEADER);
	expect_error("gpu-compute-capability.tsv", text,
		     "/gpu-compute-capability.tsv:2: column 'pci_device_ids': invalid PCI device id \"0x2335;0x2336\" "
		     "(expected 0xHHHH, items joined by \"; \")");

	snprintf(text, sizeof(text), "%s%sdatacenter\tNVIDIA X\t9.0\tHopper\tGH100\t0x2330; 0x2335 (again)\t\t\t\tsrc\t\n",
		 GPU_HEADER, row_ok);
	expect_error("gpu-compute-capability.tsv", text,
		     "/gpu-compute-capability.tsv:3: column 'pci_device_ids': duplicate PCI device id 0x2335 (also on line 2)");

	/* Values outside the documented sets, missing sources. */
	snprintf(text, sizeof(text), "%sgeforce\tNVIDIA X\t9.0\tHopper\tGH100\t\t\t\t\tsrc\t\n", GPU_HEADER);
	expect_error("gpu-compute-capability.tsv", text,
		     "/gpu-compute-capability.tsv:2: column 'segment': \"geforce\" is not one of "
		     "datacenter|workstation|consumer|embedded|unknown");
	snprintf(text, sizeof(text), "%sdatacenter\tNVIDIA X\t9.0\tHopper\tGH100\t\tmaybe\t\t\tsrc\t\n", GPU_HEADER);
	expect_error("gpu-compute-capability.tsv", text,
		     "/gpu-compute-capability.tsv:2: column 'status': \"maybe\" is not one of unverified");
	snprintf(text, sizeof(text), "%sdatacenter\tNVIDIA X\t9.0\tHopper\tGH100\t\t\t\t\t\t\n", GPU_HEADER);
	expect_error("gpu-compute-capability.tsv", text, "/gpu-compute-capability.tsv:2: column 'source' is empty");

	/* Header problems. */
	expect_error("gpu-compute-capability.tsv", "# only a comment\n", "/gpu-compute-capability.tsv: no header line");
	expect_error("gpu-compute-capability.tsv", "segment\tmodel\n",
		     "/gpu-compute-capability.tsv:1: header has 2 columns, expected 11");
	expect_error("gpu-compute-capability.tsv",
		     "segment\tname\tcompute_capability\tarchitecture\tchip\tpci_device_ids\tstatus\tcaveat\tpci_ids_note\tsource\tnote\n",
		     "/gpu-compute-capability.tsv:1: header column 2 is 'name', expected 'model'");
}

/* Extra trailing columns (a newer table) and CRLF line ends are accepted. */
static void test_tolerant_parse(void **state)
{
	(void)state;
	char text[2048], msg[512], dir[64];
	snprintf(text, sizeof(text),
		 "segment\tmodel\tcompute_capability\tarchitecture\tchip\tpci_device_ids\tstatus\tcaveat\tpci_ids_note\tsource\tnote\textra\r\n"
		 "\r\n"
		 "datacenter\tNVIDIA X\t9.0\tHopper\tGH100\t0x2335\t\t\t\tsrc\t\tmore\r\n");
	load_one("gpu-compute-capability.tsv", text, msg, sizeof(msg), dir, sizeof(dir));
	assert_string_equal(msg, "");
}


/* --------------------------------------------------------- precision ---- */

/* gpu-precision.tsv, retyped from its sources: the CUDA guide's throughput table (6.1 runs FP16
 * at 2 results per clock per SM against 128 for FP32), the TensorRT support matrices (FP8 from
 * 8.9, FP4 on Blackwell), and what no source here states stays unknown. */
static void test_precision(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, &err);
	assert_non_null(kb);
	struct cuvet_kb_precision p;
	assert_int_equal(cuvet_kb_precision(kb, 6, 1, &p, &err), 0);
	assert_int_equal(p.fast_fp16, 0);
	assert_int_equal(p.int8, 1);
	assert_int_equal(p.fp8, 0);
	assert_false(p.unverified);
	assert_string_equal(p.architecture, "Pascal");
	assert_non_null(strstr(p.source, "Throughput of Native Arithmetic Instructions"));
	assert_int_equal(cuvet_kb_precision(kb, 6, 0, &p, &err), 0); /* P100: fast FP16 */
	assert_int_equal(p.fast_fp16, 1);
	assert_true(p.unverified);                                   /* its INT8 "no" is inferred */
	assert_int_equal(cuvet_kb_precision(kb, 5, 3, &p, &err), 0); /* Jetson Nano */
	assert_int_equal(p.fast_fp16, 1);
	assert_int_equal(cuvet_kb_precision(kb, 6, 2, &p, &err), 0); /* TX2: INT8 not stated */
	assert_int_equal(p.int8, -1);
	assert_int_equal(cuvet_kb_precision(kb, 8, 6, &p, &err), 0);
	assert_int_equal(p.fp8, 0);
	assert_int_equal(cuvet_kb_precision(kb, 8, 9, &p, &err), 0);
	assert_int_equal(p.fast_fp16, 1);
	assert_int_equal(p.int8, 1);
	assert_int_equal(p.fp8, 1);
	assert_int_equal(p.fp4, 0);
	assert_int_equal(cuvet_kb_precision(kb, 9, 0, &p, &err), 0);
	assert_int_equal(p.fp8, 1);
	assert_int_equal(p.fp4, 0);
	assert_int_equal(cuvet_kb_precision(kb, 10, 0, &p, &err), 0);
	assert_int_equal(p.fp4, 1);
	assert_int_equal(p.int8, -1);
	assert_int_equal(cuvet_kb_precision(kb, 12, 0, &p, &err), 0);
	assert_int_equal(p.fp4, 1);
	assert_int_equal(p.fp8, 1);
	/* no row: everything unknown */
	assert_int_equal(cuvet_kb_precision(kb, 4, 0, &p, &err), 1);
	assert_int_equal(p.fast_fp16, -1);
	assert_int_equal(p.fp4, -1);
	assert_null(p.source);
	cuvet_kb_free(kb);
}

/* ------------------------------------------------------------- files ---- */

static void test_files(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, &err);
	assert_int_equal(cuvet_kb_file_count(), 14);
	assert_string_equal(cuvet_kb_file_name(0), "gpu-compute-capability.tsv");
	assert_string_equal(cuvet_kb_file_name(11), "dlopen-deps.tsv");
	assert_string_equal(cuvet_kb_file_name(12), "gpu-precision.tsv");
	assert_string_equal(cuvet_kb_file_name(13), "DATE");
	assert_null(cuvet_kb_file_name(14));
	const char *text = NULL, *origin = NULL;
	size_t len = 0;
	for (size_t i = 0; i < cuvet_kb_file_count(); i++) {
		assert_int_equal(cuvet_kb_file_text(kb, cuvet_kb_file_name(i), &text, &len, &origin, &err), 0);
		assert_true(len > 0);
		assert_string_equal(origin, "built-in");
	}
	assert_int_equal(cuvet_kb_file_text(kb, "DATE", &text, &len, &origin, &err), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(text, "2026-11-29\n", 11);
	assert_int_equal(cuvet_kb_file_text(kb, "nope.tsv", &text, &len, &origin, &err), -1);
	assert_string_equal(err.msg, "nope.tsv is not a knowledge-base file");
	cuvet_kb_free(kb);
}

/* Every version cell that is not marked unknown parses, in every row: the tables are checked
 * when parsed, and here through the query API that reads them. */
static void test_every_row_parses(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, &err);
	struct cuvet_version v;
	size_t total = 0;
	const char *majors[] = {"10", "11", "12", "13"};
	for (size_t m = 0; m < 4; m++) {
		struct cuvet_kb_cuda rel[32];
		int n = cuvet_kb_cuda_releases(kb, majors[m], rel, 32, &err);
		assert_true(n > 0 && n <= 32);
		for (int i = 0; i < n; i++) {
			assert_int_equal(cuvet_version_parse(rel[i].version, &v, &err), 0);
			assert_non_null(rel[i].source);
			if (rel[i].status)
				continue; /* unverified or not a toolkit: may lack the driver */
			assert_int_equal(cuvet_version_parse(rel[i].min_linux_driver, &v, &err), 0);
			assert_int_equal(cuvet_version_parse(rel[i].minor_compat_min_driver, &v, &err), 0);
			if (rel[i].min_windows_driver)
				assert_int_equal(cuvet_version_parse(rel[i].min_windows_driver, &v, &err), 0);
		}
		total += (size_t)n;
	}
	assert_int_equal(total, 64); /* every row of cuda-toolkit-driver.tsv */

	size_t branches = 0;
	for (unsigned b = 300; b < 1000; b++) {
		struct cuvet_kb_branch br;
		if (cuvet_kb_branch(kb, b, &br, &err) != 0) {
			assert_int_equal(err.code, CUVET_E_NOTFOUND);
			continue;
		}
		branches++;
		assert_int_equal(br.branch, b);
		assert_non_null(br.sources);
		if (!br.uncertain_max_cuda)
			assert_int_equal(cuvet_version_parse(br.max_cuda, &v, &err), 0);
	}
	assert_int_equal(branches, 31);
	cuvet_kb_free(kb);
}

/* ------------------------------------------------------ driver -> CUDA ---- */

static int drv_cuda(const struct cuvet_kb *kb, const char *ver, struct cuvet_kb_driver_cuda *out)
{
	struct cuvet_error err = {0};
	if (cuvet_kb_driver_cuda(kb, ver, out, &err) != 0)
		return -1;
	return out->cuda;
}

static void test_driver_cuda_boundaries(void **state)
{
	(void)state;
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	struct cuvet_kb_driver_cuda d;
	assert_int_equal(drv_cuda(kb, "525.60.13", &d), 12000);
	assert_string_equal(d.basis, "branch");
	assert_false(d.lower_bound);
	assert_string_equal(d.toolkit, "12.0.0");
	assert_int_equal(drv_cuda(kb, "525.85.12", &d), 12000);
	assert_string_equal(d.toolkit, "12.0.1");
	assert_int_equal(drv_cuda(kb, "535.54.03", &d), 12020);
	assert_string_equal(d.toolkit, "12.2.0");
	assert_int_equal(drv_cuda(kb, "535.104.05", &d), 12020);
	assert_string_equal(d.toolkit, "12.2.2");
	assert_int_equal(drv_cuda(kb, "580.65.06", &d), 13000);
	assert_int_equal(drv_cuda(kb, "580.159.04", &d), 13000); /* the H200 host */
	assert_string_equal(d.toolkit, "13.0.2");
	/* R565 reports 12.7, a CUDA version with no toolkit. */
	assert_int_equal(drv_cuda(kb, "565.57.01", &d), 12070);
	assert_string_equal(d.basis, "branch");
	assert_string_equal(d.toolkit, "12.6.3");
	assert_int_equal(drv_cuda(kb, "520.61.05", &d), 11080);
	assert_int_equal(drv_cuda(kb, "470.42.01", &d), 11040);
	assert_int_equal(drv_cuda(kb, "610.43.02", &d), 13030);
	assert_int_equal(drv_cuda(kb, "615.71.09", &d), 13040);
	/* R620's own CUDA version is unknown: what its toolkits allow is only a lower bound. */
	assert_int_equal(drv_cuda(kb, "620.10", &d), 13040);
	assert_string_equal(d.basis, "toolkit");
	assert_true(d.lower_bound);
	assert_string_equal(d.toolkit, "13.4.2");
	/* The oldest toolkit row: CUDA 9.0.76 (>= 384.81). */
	assert_int_equal(drv_cuda(kb, "384.81", &d), 9000);
	assert_string_equal(d.toolkit, "9.0.76");

	struct cuvet_error err = {0};
	assert_int_equal(cuvet_kb_driver_cuda(kb, "375.26", &d, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	assert_string_equal(err.msg, "driver 375.26 is older than every driver in data/cuda-toolkit-driver.tsv and "
				     "data/driver-branch-cuda.tsv");
	assert_int_equal(d.cuda, 0);
	assert_int_equal(cuvet_kb_driver_cuda(kb, "abc", &d, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_string_equal(err.msg, "driver version: invalid version \"abc\": expected a number at position 1");
	cuvet_kb_free(kb);
}

/* Without the branch table the toolkit minimums alone decide, exactly at their boundaries. */
static void test_driver_cuda_from_toolkits(void **state)
{
	(void)state;
	struct tmpdir d;
	struct cuvet_error err = {0};
	tmp_make(&d);
	tmp_write(&d, "driver-branch-cuda.tsv",
		  "branch\tmax_cuda\tmax_cuda_text\tevidence_for_cuda_version\tbranch_type\tbranch_type_text\tend_of_life\t"
		  "end_of_life_text\tlast_for_architectures\tnotes\tsources\n");
	struct cuvet_kb *kb = cuvet_kb_load(d.path, &err);
	assert_non_null(kb);
	struct cuvet_kb_driver_cuda c;
	assert_int_equal(drv_cuda(kb, "525.60.13", &c), 12000);
	assert_string_equal(c.basis, "toolkit");
	assert_true(c.lower_bound);
	assert_int_equal(drv_cuda(kb, "525.60.12", &c), 11080);
	assert_int_equal(drv_cuda(kb, "535.54.02", &c), 12010);
	assert_int_equal(drv_cuda(kb, "535.54.03", &c), 12020);
	assert_int_equal(drv_cuda(kb, "580.65.05", &c), 12090);
	assert_int_equal(drv_cuda(kb, "580.65.06", &c), 13000);
	/* A branch-only floor ("R615 branch"): every 615 driver meets it, no 610 driver does. */
	assert_int_equal(drv_cuda(kb, "615.00", &c), 13040);
	assert_int_equal(drv_cuda(kb, "614.99.99", &c), 13030);
	/* 565 has no toolkit of its own; the toolkits say at least 12.6. */
	assert_int_equal(drv_cuda(kb, "565.57.01", &c), 12060);
	cuvet_kb_free(kb);
	tmp_remove(&d);
}

/* ------------------------------------------------------------- drivers ---- */

static void test_driver(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	struct cuvet_kb_driver *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	assert_int_equal(cuvet_kb_driver(kb, "535.104.05", d, &err), 0);
	assert_int_equal(d->branch, 535);
	assert_true(d->branch_known);
	assert_string_equal(d->info.type, "ltsb");
	assert_false(d->info.uncertain_type);
	assert_string_equal(d->info.end_of_life, "2026-06");
	assert_int_equal(cuvet_kb_branch_ended(&d->info, "2026-06-30"), 0);
	assert_int_equal(cuvet_kb_branch_ended(&d->info, "2026-07-01"), 1);
	assert_int_equal(cuvet_kb_branch_ended(&d->info, NULL), -1);
	assert_int_equal(d->cuda.cuda, 12020);

	assert_int_equal(d->nminor, 3);
	assert_int_equal(d->minor[0].major, 13);
	assert_string_equal(d->minor[0].min_driver, "580");
	assert_false(d->minor[0].met);
	assert_int_equal(d->minor[1].major, 12);
	assert_string_equal(d->minor[1].min_driver, "525");
	assert_true(d->minor[1].met);
	assert_int_equal(d->minor[2].major, 11);
	assert_string_equal(d->minor[2].min_driver, "450.80.02"); /* not 11.0's own 450.36.06 */
	assert_true(d->minor[2].met);

	assert_true(d->compat_known);
	assert_int_equal(d->ncompat, 11);
	assert_string_equal(d->compat[0].package, "cuda-compat-13-4");
	assert_true(d->compat[0].contradicted);
	assert_string_equal(d->compat[10].package, "cuda-compat-12-3");
	assert_string_equal(d->compat[10].cuda_version, "12.3");
	assert_false(d->compat[10].contradicted);

	/* Architectures, oldest first: Fermi (only named as R390's last), Kepler, Maxwell, ... */
	assert_string_equal(d->arch[0].architecture, "Fermi");
	assert_int_equal(d->arch[0].last_branch, 390);
	assert_false(d->arch[0].supported);
	assert_string_equal(d->arch[1].architecture, "Kepler");
	assert_int_equal(d->arch[1].last_branch, 470);
	assert_false(d->arch[1].supported);
	const char *want[] = {"Maxwell", "Pascal", "Volta", "Turing", "Ampere", "Ada Lovelace", "Hopper"};
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(d->arch[2 + i].architecture, want[i]);
		assert_true(d->arch[2 + i].supported);
	}
	assert_int_equal(d->arch[4].first_branch, 384);  /* Volta: sm_70 came with CUDA 9.0 (r384) */
	assert_int_equal(d->arch[4].last_branch, 580);
	assert_int_equal(d->arch[8].first_branch, 520);  /* Hopper: sm_90 with CUDA 11.8 */
	assert_string_equal(d->arch[9].architecture, "Blackwell");
	assert_int_equal(d->arch[9].first_branch, 570);
	assert_false(d->arch[9].supported);
	assert_string_equal(d->arch[10].architecture, "Rubin");
	assert_int_equal(d->arch[10].first_branch, 615);
	assert_int_equal(d->narch, 11);

	/* R470 still drives Kepler, and takes cuda-compat-12-2 .. 12-6 (forward-compat.tsv's r470 column). */
	assert_int_equal(cuvet_kb_driver(kb, "470.82.01", d, &err), 0);
	assert_true(d->arch[1].supported);
	assert_true(d->compat_known);
	assert_int_equal(d->ncompat, 5);
	assert_string_equal(d->compat[0].package, "cuda-compat-12-6");
	assert_string_equal(d->compat[4].package, "cuda-compat-12-2");
	/* R550 has no column in the forward-compat matrix. */
	assert_int_equal(cuvet_kb_driver(kb, "550.54.15", d, &err), 0);
	assert_false(d->compat_known);
	assert_int_equal(cuvet_kb_driver(kb, "580.159.04", d, &err), 0);
	assert_true(d->minor[0].met);
	assert_true(d->arch[9].supported);   /* Blackwell */
	assert_false(d->arch[10].supported); /* Rubin */
	assert_int_equal(d->ncompat, 4);     /* cuda-compat-13-4 .. 13-1 (13-0 is its own) */
	assert_false(d->compat[0].contradicted);
	assert_string_equal(d->info.end_of_life, "2028-06");
	assert_true(d->info.uncertain_end_of_life); /* the sources conflict */

	/* A branch the tables do not know, newer than every driver. */
	assert_int_equal(cuvet_kb_driver(kb, "999.1", d, &err), 0);
	assert_false(d->branch_known);
	assert_int_equal(d->cuda.cuda, 13040);
	assert_true(d->cuda.lower_bound);
	assert_int_equal(cuvet_kb_driver(kb, "5x5", d, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);

	struct cuvet_kb_branch b;
	assert_int_equal(cuvet_kb_branch(kb, 565, &b, &err), 0);
	assert_string_equal(b.max_cuda, "12.7");
	assert_string_equal(b.end_of_life, "ended");
	assert_int_equal(cuvet_kb_branch_ended(&b, "2020-01-01"), 1);
	assert_true(b.uncertain_type); /* "(secondary)" */
	assert_int_equal(cuvet_kb_branch(kb, 620, &b, &err), 0);
	assert_null(b.max_cuda);
	assert_true(b.uncertain_max_cuda);
	assert_int_equal(cuvet_kb_branch(kb, 540, &b, &err), -1);
	assert_string_equal(err.msg, "driver branch R540 is not in data/driver-branch-cuda.tsv");
	free(d);
	cuvet_kb_free(kb);
}

/* --------------------------------------------------------------- CUDA ---- */

static void test_cuda(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	struct cuvet_kb_cuda rel[8];
	assert_int_equal(cuvet_kb_cuda_releases(kb, "12.4", rel, 8, &err), 2);
	assert_string_equal(rel[0].version, "12.4.1");
	assert_string_equal(rel[0].min_linux_driver, "550.54.15");
	assert_string_equal(rel[0].min_windows_driver, "551.78");
	assert_string_equal(rel[0].minor_compat_min_driver, "525");
	assert_string_equal(rel[1].version, "12.4.0");
	assert_string_equal(rel[1].min_linux_driver, "550.54.14");
	assert_null(rel[1].status);
	assert_int_equal(cuvet_kb_cuda_releases(kb, "12.4.1", rel, 8, &err), 1);
	assert_int_equal(cuvet_kb_cuda_releases(kb, "13.4", rel, 1, &err), 3); /* OUT holds only the first */
	assert_string_equal(rel[0].version, "13.4.2");
	assert_string_equal(rel[0].min_linux_driver, "615");
	assert_string_equal(rel[0].min_linux_driver_text,
			    "R615 branch (no patch-level floor published; Linux driver no longer bundled from 13.4)");
	assert_int_equal(cuvet_kb_cuda_releases(kb, "12.7", rel, 8, &err), 1);
	assert_string_equal(rel[0].status, "no-toolkit");
	assert_null(rel[0].min_linux_driver);
	assert_int_equal(cuvet_kb_cuda_releases(kb, "13.3.1", rel, 8, &err), 1);
	assert_string_equal(rel[0].status, "unverified");
	assert_string_equal(rel[0].caveat, "version patch number assumed, unverified");
	assert_int_equal(cuvet_kb_cuda_releases(kb, "12.10", rel, 8, &err), 0);
	assert_string_equal(err.msg, "CUDA 12.10 is not in data/cuda-toolkit-driver.tsv");
	assert_int_equal(cuvet_kb_cuda_releases(kb, "12.", rel, 8, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);

	struct cuvet_kb_cuda_arch a;
	assert_int_equal(cuvet_kb_cuda_arch(kb, "12.4", &a, &err), 0);
	assert_string_equal(a.ptx_isa, "8.4");
	assert_int_equal(a.driver_branch, 550);
	assert_string_equal(a.lowest_sm, "sm_50");
	assert_string_equal(a.highest_sm, "sm_90a");
	assert_int_equal(cuvet_kb_cuda_arch(kb, "13.0.2", &a, &err), 0);
	assert_string_equal(a.cuda_version, "13.0");
	assert_string_equal(a.lowest_sm, "sm_75");
	assert_string_equal(a.new_sass_ccs, "11.0");
	assert_int_equal(cuvet_kb_cuda_arch(kb, "13.5", &a, &err), 0);
	assert_string_equal(a.status, "unverified");
	assert_null(a.ptx_isa);
	assert_int_equal(cuvet_kb_cuda_arch(kb, "8.0", &a, &err), -1);
	assert_string_equal(err.msg, "CUDA 8.0 is not in data/cuda-toolkit-arch-ptx.tsv");
	cuvet_kb_free(kb);
}

/* ---------------------------------------------------------- GPU names ---- */

static const char *first_gpu(const struct cuvet_kb *kb, const char *q, int *n)
{
	static struct cuvet_kb_gpu_row rows[8];
	struct cuvet_error err = {0};
	*n = cuvet_kb_gpu_find(kb, q, rows, 8, &err);
	return *n > 0 ? rows[0].gpu.model : NULL;
}

static void test_gpu_find(void **state)
{
	(void)state;
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	int n = 0;
	assert_string_equal(first_gpu(kb, "L40S", &n), "NVIDIA L40S");
	assert_int_equal(n, 1);
	assert_string_equal(first_gpu(kb, "l40s", &n), "NVIDIA L40S");
	assert_string_equal(first_gpu(kb, "NVIDIA L40S", &n), "NVIDIA L40S");
	assert_string_equal(first_gpu(kb, "L40", &n), "NVIDIA L40");
	assert_int_equal(n, 1);
	assert_string_equal(first_gpu(kb, "H100", &n), "NVIDIA H100");
	assert_string_equal(first_gpu(kb, "h200", &n), "NVIDIA H200");
	assert_int_equal(n, 1);
	/* NVML's names. */
	assert_string_equal(first_gpu(kb, "NVIDIA A100-SXM4-80GB", &n), "NVIDIA A100");
	assert_string_equal(first_gpu(kb, "NVIDIA H100 80GB HBM3", &n), "NVIDIA H100");
	assert_string_equal(first_gpu(kb, "Tesla T4", &n), "NVIDIA T4");
	assert_string_equal(first_gpu(kb, "NVIDIA GeForce RTX 3080", &n),
			    "GeForce RTX 3090 / 3090 Ti / 3080 / 3070 / 3060 (RTX 30 series)");
	assert_string_equal(first_gpu(kb, "NVIDIA GeForce RTX 4090", &n), "GeForce RTX 4090");
	assert_string_equal(first_gpu(kb, "NVIDIA RTX A4000", &n), "NVIDIA RTX A6000 / A5000 / A4000 / A3000 / A2000");
	assert_string_equal(first_gpu(kb, "Quadro RTX 5000", &n), "Quadro RTX 8000 / 6000 / 5000 / 4000; T1000 / T600 / T400");
	assert_string_equal(first_gpu(kb, "NVIDIA RTX 4000 SFF Ada Generation", &n), "NVIDIA RTX 4000 SFF Ada");
	assert_string_equal(first_gpu(kb, "Quadro P4000", &n),
			    "Quadro P6000/P5200/P5000/P4200/P4000/P3200/P3000/P2200/P2000/P1000/P620/P600/P500/P400");
	/* Two products named "RTX 6000": both come back. */
	assert_non_null(first_gpu(kb, "RTX 6000", &n));
	assert_int_equal(n, 2);
	assert_null(first_gpu(kb, "Radeon RX 7900", &n));
	assert_int_equal(n, 0);

	struct cuvet_kb_gpu_row r[2];
	struct cuvet_error err = {0};
	assert_int_equal(cuvet_kb_gpu_find(kb, "0x2331", r, 2, &err), 1);
	assert_string_equal(r[0].gpu.model, "NVIDIA H100");
	assert_string_equal(r[0].pci_variant, "(H100 PCIe)");
	assert_false(r[0].gpu.unverified);
	assert_int_equal(cuvet_kb_gpu_find(kb, "10de:2336", r, 2, &err), 1);
	assert_false(r[0].gpu.unverified);
	/* A GPU found by id shows its SKU, as pci.ids names it. */
	assert_int_equal(cuvet_kb_gpu_find(kb, "0x20b0", r, 2, &err), 1);
	assert_string_equal(r[0].gpu.model, "NVIDIA A100");
	assert_string_equal(r[0].pci_variant, "(A100 SXM4 40GB)");
	assert_int_equal(cuvet_kb_gpu_find(kb, "10de:2321", r, 2, &err), 1);
	assert_string_equal(r[0].pci_variant, "(H100L 94GB)");
	assert_int_equal(cuvet_kb_gpu_find(kb, "0x2237", r, 2, &err), 1);
	assert_string_equal(r[0].gpu.model, "NVIDIA A10");
	assert_string_equal(r[0].pci_variant, "(A10G)");
	/* The H800 row is unverified (compute capability not on NVIDIA's list), whatever its id. */
	assert_int_equal(cuvet_kb_gpu_find(kb, "0x2324", r, 2, &err), 1);
	assert_true(r[0].gpu.unverified);
	assert_int_equal(cuvet_kb_gpu_find(kb, "0x233510DE", r, 2, &err), 1);
	assert_string_equal(r[0].gpu.model, "NVIDIA H200");
	assert_int_equal(cuvet_kb_gpu_find(kb, "0x1eb8", r, 2, &err), 1);
	assert_string_equal(r[0].pci_variant, "(Tesla T4)");
	assert_int_equal(cuvet_kb_gpu_find(kb, "0x23351002", r, 2, &err), 0);
	assert_string_equal(err.msg, "PCI id 0x23351002 is not an NVIDIA (0x10de) device");
	assert_int_equal(cuvet_kb_gpu_find(kb, "0x1234", r, 2, &err), 0);
	assert_string_equal(err.msg, "PCI device id 0x1234 is not in data/gpu-compute-capability.tsv");
	assert_int_equal(cuvet_kb_gpu_find(kb, "  ", r, 2, &err), -1);
	cuvet_kb_free(kb);
}

/* ------------------------------------------------------------- images ---- */

static void test_image(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	struct cuvet_kb_image im;
	assert_int_equal(cuvet_kb_image(kb, "nvcr.io/nvidia/tensorrt:23.09-py3", &im, &err), 0);
	assert_string_equal(im.image, "nvcr.io/nvidia/tensorrt");
	assert_string_equal(im.tag, "23.09-py3");
	/* The source's cell "12.2.1 [sib:triton23.09]": the mark becomes provenance, not text. */
	assert_string_equal(im.cuda.value, "12.2.1");
	assert_string_equal(im.cuda.derived_from, "triton23.09");
	assert_false(im.cuda.secondary);
	assert_false(im.cuda.unverified);
	/* "8.9.5 [secondary:pytorch23.09 NVIDIA Megatron-LM README + copies]" */
	assert_string_equal(im.cudnn.value, "8.9.5");
	assert_true(im.cudnn.secondary);
	assert_string_equal(im.cudnn.derived_from, "pytorch23.09 NVIDIA Megatron-LM README + copies");
	assert_string_equal(im.table, "ngc-tensorrt.tsv");
	assert_null(im.framework.value);
	assert_false(im.framework.unverified);
	/* No answer carries the source's research notes. */
	assert_null(strstr(im.notes, "SEED"));
	assert_null(strstr(im.notes, "file id"));
	assert_int_equal(cuvet_kb_image(kb, "nvidia/tensorrt:23.09-py3", &im, &err), 0);
	assert_string_equal(im.image, "nvcr.io/nvidia/tensorrt");
	assert_int_equal(cuvet_kb_image(kb, "nvcr.io/nvidia/tritonserver:24.10-py3", &im, &err), 0);
	assert_string_equal(im.cuda.value, "12.6.2");
	assert_null(im.cuda.derived_from);
	assert_string_equal(im.table, "ngc-pytorch-triton.tsv");
	assert_int_equal(cuvet_kb_image(kb, "nvcr.io/nvidia/pytorch:23.09-py3", &im, &err), 0);
	assert_string_equal(im.framework.value, "PyTorch 2.1.0a0+32f93b1");
	assert_string_equal(im.framework.derived_from, "NVIDIA Megatron-LM README");
	assert_true(im.framework.secondary);
	/* "12.2.2 [unverified]"; a cell that only says "unverified" is an unknown, unverified fact. */
	assert_int_equal(cuvet_kb_image(kb, "nvcr.io/nvidia/pytorch:23.10-py3", &im, &err), 0);
	assert_string_equal(im.cuda.value, "12.2.2");
	assert_true(im.cuda.unverified);
	assert_null(im.nccl.value);
	assert_true(im.nccl.unverified);
	assert_null(strstr(im.source, "file id"));
	assert_int_equal(cuvet_kb_image(kb, "docker.io/nvidia/cuda:12.4.1-base-ubuntu22.04@sha256:0123", &im, &err), 0);
	assert_string_equal(im.table, "nvidia-require-cuda-images.tsv");
	assert_true(strncmp(im.require_cuda, "cuda>=12.4 brand=tesla,driver>=470,driver<471 ", 46) == 0);
	assert_int_equal(cuvet_kb_image(kb, "nvidia/cuda:13.0.2", &im, &err), 0);
	assert_string_equal(im.notes, "ubuntu24.04, from a running container");
	assert_int_equal(cuvet_kb_image(kb, "nvcr.io/nvidia/tensorrt", &im, &err), -1);
	assert_string_equal(err.msg, "image reference \"nvcr.io/nvidia/tensorrt\" has no tag (expected REPOSITORY:TAG)");
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_int_equal(cuvet_kb_image(kb, "localhost:5000/tensorrt", &im, &err), -1);
	assert_int_equal(err.code, CUVET_E_INVALID);
	assert_int_equal(cuvet_kb_image(kb, "nvcr.io/nvidia/tensorrt:99.01-py3", &im, &err), -1);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	/* "other/tensorrt" is not NVIDIA's image. */
	assert_int_equal(cuvet_kb_image(kb, "other/tensorrt:23.09-py3", &im, &err), -1);
	cuvet_kb_free(kb);
}

/* --------------------------------------------------- TensorRT, cuDNN ---- */

static void test_releases(void **state)
{
	(void)state;
	struct cuvet_error err = {0};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	struct cuvet_kb_release r[8];
	assert_int_equal(cuvet_kb_tensorrt_find(kb, "8.6.1.6", r, 8, &err), 1);
	assert_string_equal(r[0].release, "8.6.1");
	assert_string_equal(r[0].cuda_majors, "12 11");
	assert_false(r[0].unverified);
	assert_int_equal(cuvet_kb_tensorrt_find(kb, "8.2.5", r, 8, &err), 1);
	assert_string_equal(r[0].release, "8.2.x (8.2.4/8.2.5)");
	assert_int_equal(cuvet_kb_tensorrt_find(kb, "9.2.0", r, 8, &err), 1);
	assert_true(r[0].unverified);
	/* 10.3.0 has its own row and the 10.x overview: the specific one first. */
	assert_int_equal(cuvet_kb_tensorrt_find(kb, "10.3.0", r, 8, &err), 2);
	assert_string_equal(r[0].release, "10.3.0");
	assert_string_equal(r[1].release, "10.x overview");
	assert_int_equal(cuvet_kb_tensorrt_find(kb, "10.8.0", r, 8, &err), 2);
	assert_string_equal(r[0].release, "10.8.0.43 / 10.9.0.34");
	assert_int_equal(cuvet_kb_tensorrt_find(kb, "3.0", r, 8, &err), 0);
	assert_string_equal(err.msg, "TensorRT 3.0 is not in data/tensorrt-support.tsv");

	assert_int_equal(cuvet_kb_cudnn_find(kb, "8.9.5.29", r, 8, &err), 1);
	assert_string_equal(r[0].release, "8.9.5");
	assert_string_equal(r[0].kind, "release");
	assert_string_equal(r[0].cuda_majors, "12 11");
	assert_int_equal(cuvet_kb_cudnn_find(kb, "7.6.5", r, 8, &err), 1);
	assert_string_equal(r[0].release, "7.6.4 - 7.6.5");
	/* 8.9.0 … 8.9.7 (eight releases) and seven package builds (no 8.9.3 wheel). */
	assert_int_equal(cuvet_kb_cudnn_find(kb, "8.9", r, 8, &err), 15);
	assert_int_equal(cuvet_kb_cudnn_find(kb, "9.10.2", r, 8, &err), 2);
	assert_string_equal(r[0].kind, "release");
	assert_string_equal(r[0].cuda_majors, "12 11");
	assert_non_null(strstr(r[0].min_driver, ">=570.26"));
	assert_string_equal(r[1].kind, "build");
	assert_string_equal(r[1].release, "9.10.2.21");
	/* The cuDNN that PyTorch 2.3/2.4 wheels ship: NVIDIA's 9.1.0 matrix (12.x and 11.x builds). */
	assert_int_equal(cuvet_kb_cudnn_find(kb, "9.1.0", r, 8, &err), 2);
	assert_string_equal(r[0].release, "9.1.0");
	assert_string_equal(r[0].cuda_majors, "12 11");
	assert_false(r[0].unverified);
	assert_non_null(strstr(r[0].min_driver, "12.x >=525.60.13"));
	assert_string_equal(r[1].release, "9.1.0.70");
	/* Releases known from PyPI's wheels only: their names fix the CUDA majors. */
	assert_int_equal(cuvet_kb_cudnn_find(kb, "9.2.1", r, 8, &err), 2);
	assert_string_equal(r[0].cuda_majors, "12 11");
	assert_null(r[0].min_driver);
	assert_int_equal(cuvet_kb_cudnn_find(kb, "9.11.0", r, 8, &err), 2);
	assert_string_equal(r[0].cuda_majors, "12"); /* no nvidia-cudnn-cu11 9.11 */
	assert_int_equal(cuvet_kb_cudnn_find(kb, "9.28.1", r, 8, &err), 2);
	assert_string_equal(r[0].cuda_majors, "13"); /* only nvidia-cudnn-cu13 9.28.1.4 */
	assert_true(r[0].unverified);
	/* 8.9.3: named in NVIDIA's release notes, no wheel: majors carried over, unverified. */
	assert_int_equal(cuvet_kb_cudnn_find(kb, "8.9.3", r, 8, &err), 1);
	assert_true(r[0].unverified);
	assert_int_equal(cuvet_kb_cudnn_find(kb, "9.25.0", r, 8, &err), 0);
	/* The source's cell marks are flags, never text: "[unverified]" alone -> unknown, uncertain. */
	assert_int_equal(cuvet_kb_cudnn_find(kb, "8.7.0", r, 8, &err), 2);
	assert_true(r[0].unverified);
	assert_null(r[0].min_driver);
	assert_true(r[0].uncertain_min_driver);
	assert_false(r[0].uncertain_library_files);
	assert_int_equal(cuvet_kb_tensorrt_find(kb, "7.0.0", r, 8, &err), 1);
	assert_string_equal(r[0].gpus, "Kepler(3.x)…Turing");
	assert_true(r[0].uncertain_gpus);
	assert_false(r[0].uncertain_cudnn);
	assert_string_equal(r[0].cuda_versions, "9.0, 10.0, 10.2; NGC 20.01–20.03 pair it with CUDA 10.2.89");
	assert_true(r[0].unverified); /* its CUDA versions are marked */
	struct cuvet_kb_release all[128];
	const char *majors[] = {"7", "8", "9"};
	for (size_t m = 0; m < 3; m++) {
		int n = cuvet_kb_cudnn_find(kb, majors[m], all, 128, &err);
		assert_true(n > 0 && n <= 128);
		for (int i = 0; i < n; i++) {
			const char *cells[] = {all[i].cuda_versions, all[i].min_driver, all[i].gpus, all[i].library_files,
					       all[i].version_encoding, all[i].notes, all[i].source};
			for (size_t c = 0; c < sizeof(cells) / sizeof(cells[0]); c++) {
				assert_null(cells[c] ? strstr(cells[c], "[unverified]") : NULL);
				assert_null(cells[c] ? strstr(cells[c], "[sib") : NULL);
				assert_null(cells[c] ? strstr(cells[c], "[secondary") : NULL);
				assert_null(cells[c] ? strstr(cells[c], "excerpt") : NULL);
			}
		}
	}
	assert_int_equal(cuvet_kb_cudnn_find(kb, "9.17.0", r, 8, &err), 2);
	assert_string_equal(r[0].release, "9.17.0");
	assert_string_equal(r[0].cuda_majors, "13 12");
	assert_string_equal(r[1].release, "9.17.0.29");
	assert_int_equal(cuvet_kb_cudnn_find(kb, "6.0", r, 8, &err), 0);
	assert_int_equal(err.code, CUVET_E_NOTFOUND);
	cuvet_kb_free(kb);
}

/* ------------------------------------------------ corrupt copies of data/ ---- */

/* Writes the built-in NAME with line LINE (1-based) replaced by REPLACEMENT. */
static void write_edited(struct tmpdir *d, const struct cuvet_kb *kb, const char *name, unsigned line,
			 const char *replacement)
{
	const char *text = NULL;
	size_t len = 0;
	assert_int_equal(cuvet_kb_file_text(kb, name, &text, &len, NULL, NULL), 0);
	char *out = malloc(len + strlen(replacement) + 2);
	assert_non_null(out);
	size_t o = 0;
	unsigned cur = 1;
	for (size_t i = 0; i < len; i++) {
		if (cur == line) {
			if (text[i] == '\n') {
				o += (size_t)sprintf(out + o, "%s\n", replacement);
				cur++;
			}
			continue;
		}
		out[o++] = text[i];
		if (text[i] == '\n')
			cur++;
	}
	out[o] = '\0';
	tmp_write(d, name, out);
	free(out);
}

static void expect_edit_error(const char *name, unsigned line, const char *replacement, const char *suffix)
{
	struct cuvet_kb *builtin = cuvet_kb_load(NULL, NULL);
	struct tmpdir d;
	struct cuvet_error err = {0};
	char want[600];
	tmp_make(&d);
	write_edited(&d, builtin, name, line, replacement);
	assert_null(cuvet_kb_load(d.path, &err));
	snprintf(want, sizeof(want), "%s/%s%s", d.path, name, suffix);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, CUVET_E_INVALID);
	tmp_remove(&d);
	cuvet_kb_free(builtin);
}

static void test_corrupt_tables(void **state)
{
	(void)state;
	/* Line 12 of driver-branch-cuda.tsv is R390's row. */
	expect_edit_error("driver-branch-cuda.tsv", 12, "R390\t9.1\t\tderived\t\tunverified\tended\tEOL\t",
			  ":12: expected 11 columns, found 9");
	expect_edit_error("driver-branch-cuda.tsv", 12, "390\t9.1\t\tderived\t\tunverified\tended\tEOL\t\t\tsrc",
			  ":12: column 'branch': invalid driver branch \"390\" (expected R and a number)");
	expect_edit_error("driver-branch-cuda.tsv", 12, "R390\t9.1\t\tderived\t\tunverified\tJune 2026\tEOL\t\t\tsrc",
			  ":12: column 'end_of_life': invalid end of life \"June 2026\" (expected YYYY-MM or ended)");
	expect_edit_error("driver-branch-cuda.tsv", 12, "R390\t9.1\t\tderived\tlts\tunverified\tended\tEOL\t\t\tsrc",
			  ":12: column 'branch_type': \"lts\" is not one of ltsb|production|new-feature|evaluation");
	/* Line 14 of cuda-toolkit-driver.tsv is 13.4.2's row. */
	expect_edit_error("cuda-toolkit-driver.tsv", 14, "13.4.2\t\tCUDA 13.4 Update 1\t>=615\t\t\t\t580\t\t\tsrc",
			  ":14: column 'min_linux_driver': invalid version \">=615\": expected a number at position 1");
	expect_edit_error("cuda-toolkit-driver.tsv", 14, "13.4.2\tmaybe\tCUDA 13.4 Update 1\t615\t\t\t\t580\t\t\tsrc",
			  ":14: column 'status': \"maybe\" is not one of unverified|no-toolkit");
	expect_edit_error("cuda-toolkit-arch-ptx.tsv", 10, "9.0\t\t6.0\tR384\tsm30\tsm_70\t7.0\t\t\t\tsrc",
			  ":10: column 'lowest_sm': invalid SASS target \"sm30\" (expected sm_XY)");
	expect_edit_error("cuda-toolkit-arch-ptx.tsv", 10, "9.0\t\t6.0\tR384\tsm_30\tsm_70\t7.0,7.2\t\t\t\tsrc",
			  ":10: column 'new_sass_ccs': invalid list \"7.0,7.2\" (expected MAJOR.MINOR values joined by "
			  "single spaces)");
	expect_edit_error("forward-compat.tsv", 16, "cuda-compat-13-4\t13.4\tR580\t\tsrc\tX\tC\tC\tC\tC\tC\tC\tY",
			  ":16: column 'r615': \"Y\" is not one of C|X|N/A");
	expect_edit_error("forward-compat.tsv", 15,
			  "compat_package\tcuda_version\tcontradicted_below_branch\tcaveat\tsource\tr470\tr535\tr570\tr580\t"
			  "r590\tr595\tr610\tR615",
			  ":15: header column 13 is 'R615', expected a branch such as 'r580'");
	expect_edit_error("cudnn-support.tsv", 16, "7.6.0\t7.6.0\t\t\t10 nine\tx\tx\tx\tx\tx\tsrc\t",
			  ":16: column 'cuda_majors': invalid list \"10 nine\" (expected numbers joined by single spaces)");
	expect_edit_error("ngc-tensorrt.tsv", 8,
			  "nvcr.io/nvidia/tensorrt\t18.10-py3\t16.04\tten\t7.4.0\t5.0.0 RC\t10.0.130\t2.3.6\t3.5\t410\tsrc\t",
			  ":8: column 'cuda': \"ten\" starts with neither a version nor \"unverified\" or \"not listed\"");
}

/* Lookups from several threads on one knowledge base parse each table once, under its lock. */
#include <pthread.h>

static void *lookup_thread(void *arg)
{
	const struct cuvet_kb *kb = arg;
	for (int i = 0; i < 50; i++) {
		struct cuvet_kb_gpu g;
		struct cuvet_kb_driver_cuda c;
		struct cuvet_kb_release r[4];
		if (cuvet_kb_gpu_by_pci(kb, 0x2335, &g) != 0 || cuvet_kb_driver_cuda(kb, "535.54.03", &c, NULL) != 0 ||
		    c.cuda != 12020 || cuvet_kb_tensorrt_find(kb, "8.6.1", r, 4, NULL) != 1)
			return (void *)1;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, lookup_thread, kb), 0);
	for (int i = 0; i < 4; i++) {
		void *rc = (void *)1;
		assert_int_equal(pthread_join(th[i], &rc), 0);
		assert_null(rc);
	}
	cuvet_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_loads),
		cmocka_unit_test(test_gpu_by_pci),
		cmocka_unit_test(test_gpu_pci_ids_unique),
		cmocka_unit_test(test_dir_override),
		cmocka_unit_test(test_dir_errors),
		cmocka_unit_test(test_corrupt_gpu_table),
		cmocka_unit_test(test_tolerant_parse),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_every_row_parses),
		cmocka_unit_test(test_driver_cuda_boundaries),
		cmocka_unit_test(test_driver_cuda_from_toolkits),
		cmocka_unit_test(test_driver),
		cmocka_unit_test(test_cuda),
		cmocka_unit_test(test_gpu_find),
		cmocka_unit_test(test_cell_marks),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_releases),
		cmocka_unit_test(test_corrupt_tables),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
