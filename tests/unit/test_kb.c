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
	/* The row is sound but this one id is marked unverified in the source. */
	assert_int_equal(cuvet_kb_gpu_by_pci(kb, 0x2336, &g), 0);
	assert_string_equal(g.model, "NVIDIA H100");
	assert_true(g.unverified);
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
	/* Ids in the data: P100, T4, A100 x3, A2, L40S, H100 x3, H800, H200, B100, B200, RTX PRO 6000
	 * Server, RTX 4000 SFF Ada x2, RTX 5090, RTX 4090 x2, RTX 3090 x2. */
	assert_int_equal(found, 22);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
