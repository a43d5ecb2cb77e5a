/* probe_gpus: GPUs from sysfs and /proc over fixture roots, and the visibility rules of
 * NVIDIA_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "probe.h"

struct ctx {
	struct cuvet_kb *kb;
	struct cuvet_probe_opts opts;
	struct probe_ctx pc;
	struct cuvet_error err;
	char *env[64];
};

static void ctx_init(struct ctx *c, const char *root)
{
	memset(c, 0, sizeof(*c));
	c->pc.opts = &c->opts;
	c->pc.env = c->env;
	/* the built-in knowledge base, as cuvet_probe() loads it */
	c->kb = cuvet_kb_load(NULL, &c->err);
	assert_non_null(c->kb);
	c->pc.kb = c->kb;
	c->pc.facts = calloc(1, sizeof(*c->pc.facts));
	assert_non_null(c->pc.facts);
	c->pc.fb.facts = c->pc.facts;
	if (root) {
		c->pc.fs = cuvet_fs_open(root, &c->err);
		assert_non_null(c->pc.fs);
	}
}

static void ctx_release(struct ctx *c)
{
	cuvet_facts_free(c->pc.facts);
	cuvet_fs_free(c->pc.fs);
	cuvet_kb_free(c->kb);
	for (size_t i = 0; c->env[i]; i++)
		free(c->env[i]);
	memset(c, 0, sizeof(*c));
}

static void ctx_setenv(struct ctx *c, const char *key, const char *value)
{
	size_t i = 0;
	while (c->env[i])
		i++;
	assert_true(i + 1 < sizeof(c->env) / sizeof(c->env[0]));
	size_t n = strlen(key) + strlen(value) + 2;
	c->env[i] = malloc(n);
	assert_non_null(c->env[i]);
	snprintf(c->env[i], n, "%s=%s", key, value);
}

/* ------------------------------------------------------------ tree building ---- */

static void mkdirs(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			assert_true(mkdir(buf, 0755) == 0 || errno == EEXIST);
			*p = '/';
		}
	}
	assert_true(mkdir(buf, 0755) == 0 || errno == EEXIST);
}

static void put(const char *root, const char *rel, const char *content)
{
	char path[1024], dir[1024];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

/* A PCI function as the kernel shows it: the device under /sys/devices, and the
 * /sys/bus/pci/devices entry a relative symlink to it. */
static void pci_function(const char *root, const char *host_bridge, const char *addr, const char *vendor,
			 const char *device, const char *klass)
{
	char rel[512], link[1024], target[512], content[64];
	snprintf(rel, sizeof(rel), "sys/devices/%s/%s/vendor", host_bridge, addr);
	snprintf(content, sizeof(content), "%s\n", vendor);
	put(root, rel, content);
	snprintf(rel, sizeof(rel), "sys/devices/%s/%s/device", host_bridge, addr);
	snprintf(content, sizeof(content), "%s\n", device);
	put(root, rel, content);
	snprintf(rel, sizeof(rel), "sys/devices/%s/%s/class", host_bridge, addr);
	snprintf(content, sizeof(content), "%s\n", klass);
	put(root, rel, content);
	snprintf(link, sizeof(link), "%s/sys/bus/pci/devices", root);
	mkdirs(link);
	snprintf(link, sizeof(link), "%s/sys/bus/pci/devices/%s", root, addr);
	snprintf(target, sizeof(target), "../../../devices/%s/%s", host_bridge, addr);
	assert_int_equal(symlink(target, link), 0);
}

static void proc_gpu(const char *root, const char *addr, const char *model, const char *uuid)
{
	char rel[512], content[1024];
	snprintf(rel, sizeof(rel), "proc/driver/nvidia/gpus/%s/information", addr);
	snprintf(content, sizeof(content),
		 "Model: \t\t %s\nIRQ:   \t\t 41\nGPU UUID: \t %s\nVideo BIOS: \t 96.00.a5.00.1a\n"
		 "Bus Type: \t PCIe\nBus Location: \t %s\nDevice Minor: \t 0\nGPU Excluded:\t No\n",
		 model, uuid, addr);
	put(root, rel, content);
}

static char *make_root(void)
{
	char *root = strdup("/tmp/cuvet-probe-gpu-XXXXXX");
	assert_non_null(root);
	assert_non_null(mkdtemp(root));
	return root;
}

static void remove_root(char *root)
{
	char cmd[1100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static void assert_gpu(const struct cuvet_gpu *g, int index, const char *name, const char *uuid, const char *bus,
		       uint32_t devid, int ccmaj, int ccmin, const char *cc_source, const char *source)
{
	assert_int_equal(g->index, index);
	if (name)
		assert_string_equal(g->name, name);
	else
		assert_null(g->name);
	if (uuid)
		assert_string_equal(g->uuid, uuid);
	else
		assert_null(g->uuid);
	assert_string_equal(g->pci_bus_id, bus);
	assert_int_equal(g->pci_device_id, devid);
	assert_int_equal(g->cc_major, ccmaj);
	assert_int_equal(g->cc_minor, ccmin);
	if (cc_source)
		assert_string_equal(g->cc_source, cc_source);
	else
		assert_null(g->cc_source);
	assert_string_equal(g->source, source);
	/* what only NVML knows stays unknown */
	assert_null(g->brand);
	assert_int_equal(g->memory_mib, 0);
	assert_int_equal(g->mig_mode, -1);
	assert_int_equal(g->persistence_mode, -1);
	assert_false(g->lost);
	assert_true(g->visible);
}

/* ------------------------------------------------------------- enumeration ---- */

static void test_fixture_h200(void **state)
{
	(void)state;
	const char *fixtures = getenv("CUVET_TEST_FIXTURES");
	char root[1024], envfile[1100];
	snprintf(root, sizeof(root), "%s/h200-host/root", fixtures ? fixtures : "");
	struct stat st;
	if (!fixtures || !*fixtures || stat(root, &st) < 0) {
		print_message("fixture %s missing\n", root);
		skip();
	}
	struct ctx c;
	ctx_init(&c, root);
	/* the environment the host had (NVIDIA_VISIBLE_DEVICES=0 among others) */
	snprintf(envfile, sizeof(envfile), "%s/h200-host/env.txt", fixtures);
	FILE *f = fopen(envfile, "r");
	assert_non_null(f);
	char line[8192];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		ctx_setenv(&c, line, eq + 1);
	}
	fclose(f);
	assert_string_equal(probe_getenv(&c.pc, "NVIDIA_VISIBLE_DEVICES"), "0");

	assert_int_equal(probe_gpus(&c.pc, &c.err), 0);
	assert_int_equal(c.pc.facts->ngpus, 1);
	/* expected/nvidia-smi-query.csv: 0, NVIDIA H200, GPU-7dbb00bd-..., 00000000:00:06.0, 0x233510DE, 9.0 */
	assert_gpu(&c.pc.facts->gpus[0], 0, "NVIDIA H200", "GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208",
		   "00000000:00:06.0", 0x233510DEu, 9, 0, "kb", "sysfs");
	ctx_release(&c);
}

/* A host with a chipset device, two NVIDIA GPUs and one GPU's HDMI audio function, plus a
 * GPU the knowledge base does not know; the driver's /proc knows only one GPU. */
static void test_handbuilt_root(void **state)
{
	(void)state;
	char *root = make_root();
	pci_function(root, "pci0000:00", "0000:00:01.0", "0x8086", "0x1237", "0x060000");
	pci_function(root, "pci0000:3a", "0000:3b:00.0", "0x10de", "0x26b9", "0x030200");
	pci_function(root, "pci0000:3a", "0000:3b:00.1", "0x10de", "0x22ba", "0x040300");
	pci_function(root, "pci0000:16", "0000:17:00.0", "0x10de", "0x20b2", "0x030200");
	pci_function(root, "pci0000:ae", "0000:af:00.0", "0x10de", "0x1fff", "0x030000");
	pci_function(root, "pci0000:c0", "0000:c1:00.0", "0x1002", "0x740f", "0x038000"); /* not NVIDIA */
	proc_gpu(root, "0000:3b:00.0", "NVIDIA L40S", "GPU-3b3b3b3b-0000-1111-2222-333333333333");

	struct ctx c;
	ctx_init(&c, root);
	assert_int_equal(probe_gpus(&c.pc, &c.err), 0);
	assert_int_equal(c.pc.facts->ngpus, 3);
	/* in PCI bus order, NVML's form of the address (8-digit domain, upper-case hex) */
	assert_gpu(&c.pc.facts->gpus[0], 0, "NVIDIA A100", NULL, "00000000:17:00.0", 0x20B210DEu, 8, 0, "kb",
		   "sysfs");
	assert_gpu(&c.pc.facts->gpus[1], 1, "NVIDIA L40S", "GPU-3b3b3b3b-0000-1111-2222-333333333333",
		   "00000000:3B:00.0", 0x26B910DEu, 8, 9, "kb", "sysfs");
	assert_gpu(&c.pc.facts->gpus[2], 2, NULL, NULL, "00000000:AF:00.0", 0x1FFF10DEu, -1, -1, NULL, "sysfs");
	ctx_release(&c);
	remove_root(root);
}

/* The driver's /proc without sysfs (a copied tree): the GPU is still listed. */
static void test_proc_only(void **state)
{
	(void)state;
	char *root = make_root();
	proc_gpu(root, "0000:00:06.0", "NVIDIA H200", "GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208");
	put(root, "proc/driver/nvidia/gpus/0000:00:07.0/unrelated", "x\n"); /* no information file */
	struct ctx c;
	ctx_init(&c, root);
	assert_int_equal(probe_gpus(&c.pc, &c.err), 0);
	assert_int_equal(c.pc.facts->ngpus, 1);
	assert_gpu(&c.pc.facts->gpus[0], 0, "NVIDIA H200", "GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208",
		   "00000000:00:06.0", 0, -1, -1, NULL, "proc");
	ctx_release(&c);
	remove_root(root);
}

static void test_empty_root(void **state)
{
	(void)state;
	char *root = make_root();
	struct ctx c;
	ctx_init(&c, root);
	assert_int_equal(probe_gpus(&c.pc, &c.err), 0);
	assert_int_equal(c.pc.facts->ngpus, 0);
	ctx_release(&c);
	remove_root(root);
}

/* Malformed attribute files: a GPU whose device id is not a number is not guessed at. */
static void test_malformed_sysfs(void **state)
{
	(void)state;
	char *root = make_root();
	pci_function(root, "pci0000:00", "0000:00:06.0", "0x10de", "zz", "0x030200");
	pci_function(root, "pci0000:00", "0000:00:07.0", "0x10de", "0x233500", "0x030200");
	pci_function(root, "pci0000:00", "0000:00:08.0", "0x10de", "0x2335", "");
	pci_function(root, "pci0000:00", "0000:00:09.0", "0x10DE", "0x2335", "0x0302");
	put(root, "sys/bus/pci/devices/not-an-address/vendor", "0x10de\n");
	struct ctx c;
	ctx_init(&c, root);
	assert_int_equal(probe_gpus(&c.pc, &c.err), 0);
	assert_int_equal(c.pc.facts->ngpus, 1);
	assert_gpu(&c.pc.facts->gpus[0], 0, "NVIDIA H200", NULL, "00000000:00:09.0", 0x233510DEu, 9, 0, "kb",
		   "sysfs");
	ctx_release(&c);
	remove_root(root);
}

/* GPUs from NVML are not read again from sysfs. */
static void test_nvml_gpus_kept(void **state)
{
	(void)state;
	char *root = make_root();
	pci_function(root, "pci0000:00", "0000:00:06.0", "0x10de", "0x2335", "0x030200");
	struct ctx c;
	ctx_init(&c, root);
	struct cuvet_gpu *g = facts_add_gpu(&c.pc.fb);
	assert_non_null(g);
	g->index = 0;
	g->name = strdup("NVIDIA H100 80GB HBM3");
	g->source = strdup("nvml");
	assert_int_equal(probe_gpus(&c.pc, &c.err), 0);
	assert_int_equal(c.pc.facts->ngpus, 1);
	assert_string_equal(c.pc.facts->gpus[0].name, "NVIDIA H100 80GB HBM3");
	assert_true(c.pc.facts->gpus[0].visible);
	ctx_release(&c);
	remove_root(root);
}

/* -------------------------------------------------------------- visibility ---- */

static const struct {
	const char *uuid, *bus;
	int mig;
} four[] = {
	{"GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208", "00000000:00:06.0", 0},
	{"GPU-7dbc1111-0000-0000-0000-000000000001", "00000000:17:00.0", 0},
	{"GPU-a2000000-0000-0000-0000-000000000002", "00000000:3B:00.0", 1},
	{"GPU-b3000000-0000-0000-0000-000000000003", "00000000:AF:00.0", -1},
};

static const struct vis_case {
	const char *source;      /* "nvml" or "sysfs" */
	const char *container;   /* facts->container, or NULL */
	const char *nvidia;      /* NVIDIA_VISIBLE_DEVICES, NULL unset */
	const char *cuda;        /* CUDA_VISIBLE_DEVICES, NULL unset */
	const char *want;        /* visible flags of GPUs 0..3 */
} vis_cases[] = {
	/* NVIDIA_VISIBLE_DEVICES: the runtime's choice, applied with host indices */
	{"sysfs", NULL, NULL, NULL, "1111"},
	{"sysfs", NULL, "", NULL, "1111"},
	{"sysfs", NULL, "void", NULL, "1111"},
	{"sysfs", NULL, "all", NULL, "1111"},
	{"sysfs", NULL, "ALL", NULL, "1111"},
	{"sysfs", NULL, "none", NULL, "0000"},
	{"sysfs", NULL, "0", NULL, "1000"},
	{"sysfs", NULL, "0,2", NULL, "1010"},
	{"sysfs", NULL, "2,0", NULL, "1010"},
	{"sysfs", NULL, " 1 , 3 ", NULL, "0101"},
	{"sysfs", NULL, "0,,3", NULL, "1001"},
	{"sysfs", NULL, "1,all", NULL, "1111"},
	{"sysfs", NULL, "GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208", NULL, "1000"},
	{"sysfs", NULL, "gpu-7DBB00BD-66d6-a352-4e16-cfd67bf41208", NULL, "1000"},
	{"sysfs", NULL, "GPU-7dbb", NULL, "1000"},
	{"sysfs", NULL, "GPU-7db", NULL, "0000"},   /* ambiguous prefix */
	{"sysfs", NULL, "GPU-7db,3", NULL, "0001"},
	{"sysfs", NULL, "GPU-ffff", NULL, "0000"},
	{"sysfs", NULL, "00000000:17:00.0", NULL, "0100"},
	{"sysfs", NULL, "0000:3b:00.0", NULL, "0010"},
	{"sysfs", NULL, "MIG-GPU-a2000000-0000-0000-0000-000000000002/1/0", NULL, "0010"},
	{"sysfs", NULL, "2:0", NULL, "0010"},
	{"sysfs", NULL, "MIG-0f1e2d3c-0000-0000-0000-000000000000", NULL, "0011"}, /* MIG on or unknown */
	{"sysfs", NULL, "7", NULL, "0000"},
	{"sysfs", NULL, "bogus,1", NULL, "0100"},
	/* from NVML: a host index that is not there means the runtime already applied it */
	{"nvml", NULL, "1", NULL, "0100"},
	{"nvml", NULL, "7", NULL, "1111"},
	{"nvml", NULL, "0,5", NULL, "1111"},
	{"nvml", NULL, "GPU-b3000000-0000-0000-0000-000000000003", NULL, "0001"},
	{"nvml", "docker", "1", NULL, "1111"},
	{"nvml", "docker", "none", NULL, "1111"},
	{"sysfs", "docker", "1", NULL, "0100"}, /* sysfs is the host's whole bus */
	/* CUDA_VISIBLE_DEVICES: the first invalid entry ends the list */
	{"sysfs", NULL, NULL, "", "0000"},
	{"sysfs", NULL, NULL, "-1", "0000"},
	{"sysfs", NULL, NULL, "0", "1000"},
	{"sysfs", NULL, NULL, "2,0", "1010"},
	{"sysfs", NULL, NULL, "0,-1,2", "1000"},
	{"sysfs", NULL, NULL, "1,7,2", "0100"},
	{"sysfs", NULL, NULL, "1,,2", "0100"},
	{"sysfs", NULL, NULL, "x,0", "0000"},
	{"sysfs", NULL, NULL, " 3", "0001"},
	{"sysfs", NULL, NULL, "0,0", "1000"},
	{"sysfs", NULL, NULL, "GPU-b3", "0001"},
	{"sysfs", NULL, NULL, "GPU-7db,2", "0000"},
	{"sysfs", NULL, NULL, "GPU-a2000000-0000-0000-0000-000000000002,0", "1010"},
	{"sysfs", NULL, NULL, "GPU-a2000000-0000-0000-0000-000000000002x,0", "0000"},
	{"sysfs", NULL, NULL, "MIG-GPU-7dbb00bd-66d6-a352-4e16-cfd67bf41208/0/0", "1000"},
	{"sysfs", NULL, NULL, "MIG-0f1e2d3c-0000-0000-0000-000000000000,0", "1011"},
	{"nvml", "docker", NULL, "1", "0100"},
	/* both: CUDA numbers what the runtime left */
	{"sysfs", NULL, "1,3", "1", "0001"},
	{"sysfs", NULL, "2,3", "0,2", "0010"},
	{"sysfs", NULL, "none", "0", "0000"},
	{"sysfs", NULL, "GPU-7dbc", "GPU-7dbb", "0000"},
	{"nvml", "docker", "GPU-b3000000-0000-0000-0000-000000000003", "1", "0100"},
};

static void test_visibility_table(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(vis_cases) / sizeof(vis_cases[0]); k++) {
		const struct vis_case *vc = &vis_cases[k];
		struct ctx c;
		ctx_init(&c, NULL);
		if (vc->container)
			c.pc.facts->container = strdup(vc->container);
		if (vc->nvidia)
			ctx_setenv(&c, "NVIDIA_VISIBLE_DEVICES", vc->nvidia);
		if (vc->cuda)
			ctx_setenv(&c, "CUDA_VISIBLE_DEVICES", vc->cuda);
		for (int i = 0; i < 4; i++) {
			struct cuvet_gpu *g = facts_add_gpu(&c.pc.fb);
			assert_non_null(g);
			g->index = i;
			g->uuid = strdup(four[i].uuid);
			g->pci_bus_id = strdup(four[i].bus);
			g->mig_mode = four[i].mig;
			g->source = strdup(vc->source);
		}
		assert_int_equal(probe_gpus(&c.pc, &c.err), 0);
		char got[5];
		for (int i = 0; i < 4; i++)
			got[i] = c.pc.facts->gpus[i].visible ? '1' : '0';
		got[4] = '\0';
		if (strcmp(got, vc->want) != 0)
			fail_msg("case %zu (%s, container %s, NVIDIA_VISIBLE_DEVICES=%s, CUDA_VISIBLE_DEVICES=%s): "
				 "visible %s, want %s",
				 k, vc->source, vc->container ? vc->container : "-", vc->nvidia ? vc->nvidia : "(unset)",
				 vc->cuda ? vc->cuda : "(unset)", got, vc->want);
		ctx_release(&c);
	}
}

/* Visibility follows the GPUs' indices, not where they sit in the list. */
static void test_visibility_by_index(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c, NULL);
	ctx_setenv(&c, "CUDA_VISIBLE_DEVICES", "0");
	for (int i = 0; i < 2; i++) {
		struct cuvet_gpu *g = facts_add_gpu(&c.pc.fb);
		assert_non_null(g);
		g->index = 1 - i;
		g->source = strdup("nvml");
	}
	assert_int_equal(probe_gpus(&c.pc, &c.err), 0);
	assert_int_equal(c.pc.facts->gpus[0].index, 1);
	assert_false(c.pc.facts->gpus[0].visible);
	assert_int_equal(c.pc.facts->gpus[1].index, 0);
	assert_true(c.pc.facts->gpus[1].visible);
	ctx_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_h200),
		cmocka_unit_test(test_handbuilt_root),
		cmocka_unit_test(test_proc_only),
		cmocka_unit_test(test_empty_root),
		cmocka_unit_test(test_malformed_sysfs),
		cmocka_unit_test(test_nvml_gpus_kept),
		cmocka_unit_test(test_visibility_table),
		cmocka_unit_test(test_visibility_by_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
