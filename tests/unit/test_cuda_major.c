/* The CUDA major of a library copy, from its SONAME, pip wheel, Debian package, toolkit tree or the
 * knowledge base (src/lib/facts/probe_cuda_major.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "probe.h"

static void test_pieces(void **state)
{
	(void)state;
	assert_int_equal(cuda_major_from_soname("libcudart.so.12"), 12);
	assert_int_equal(cuda_major_from_soname("libcudart.so.11.0"), 11);
	assert_int_equal(cuda_major_from_soname("libnvrtc-builtins.so.13.0"), 13);
	assert_int_equal(cuda_major_from_soname("libcudart.so"), 0);
	assert_int_equal(cuda_major_from_soname("libcupti.so.2025.3.1"), 0);
	assert_int_equal(cuda_major_from_soname(NULL), 0);

	assert_int_equal(cuda_major_from_wheel_path("/venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcufft.so.12"), 13);
	assert_int_equal(cuda_major_from_wheel_path("/venv/site-packages/nvidia/cufft/lib/libcufft.so.11"), 0);
	assert_int_equal(cuda_major_from_wheel_path("/venv/site-packages/nvidia/cu12"), 0); /* a directory, not inside one */

	assert_int_equal(cuda_major_from_dist("nvidia_cudnn_cu13"), 13);
	assert_int_equal(cuda_major_from_dist("nvidia_nccl_cu12"), 12);
	assert_int_equal(cuda_major_from_dist("tensorrt_cu12_libs"), 12);
	assert_int_equal(cuda_major_from_dist("nvidia_cufft"), 0);
	assert_int_equal(cuda_major_from_dist("nvidia_curand_cuda"), 0);

	assert_int_equal(cuda_major_from_dpkg_name("libcudnn9-cuda-12"), 12);
	assert_int_equal(cuda_major_from_dpkg_name("libcudnn9-dev-cuda-13"), 13);
	assert_int_equal(cuda_major_from_dpkg_name("cuda-cudart-12-4"), 12);
	assert_int_equal(cuda_major_from_dpkg_name("libcublas-12-4"), 12);
	assert_int_equal(cuda_major_from_dpkg_name("libcufft-dev-11-8"), 11);
	assert_int_equal(cuda_major_from_dpkg_name("libnccl2"), 0);
	assert_int_equal(cuda_major_from_dpkg_name("libnvinfer10"), 0);
	assert_int_equal(cuda_major_from_dpkg_name("nvidia-cuda-toolkit"), 0);
	assert_int_equal(cuda_major_from_dpkg_name("12-4"), 0);

	assert_int_equal(cuda_major_from_dpkg_version("2.28.3-1+cuda13.0"), 13);
	assert_int_equal(cuda_major_from_dpkg_version("2.18.5-1+cuda12.2"), 12);
	assert_int_equal(cuda_major_from_dpkg_version("8.9.7.29-1+cuda12.2"), 12);
	assert_int_equal(cuda_major_from_dpkg_version("9.14.0.64-1"), 0);
	assert_int_equal(cuda_major_from_dpkg_version(NULL), 0);

	char dir[64];
	assert_int_equal(cuda_major_from_toolkit_path("/usr/local/cuda-12.4/targets/x86_64-linux/lib/libcufft.so.11.2.1.3",
						      dir, sizeof(dir)), 12);
	assert_string_equal(dir, "/usr/local/cuda-12.4");
	assert_int_equal(cuda_major_from_toolkit_path("/usr/local/cuda-13.0/lib64/libcurand.so.10", dir, sizeof(dir)), 13);
	assert_int_equal(cuda_major_from_toolkit_path("/usr/local/cuda/lib64/libcurand.so.10", dir, sizeof(dir)), 0);
	assert_int_equal(cuda_major_from_toolkit_path("/usr/local/cuda-x/lib64/libcurand.so.10", dir, sizeof(dir)), 0);
	assert_int_equal(cuda_major_from_toolkit_path("/usr/local/cuda-12.4", dir, sizeof(dir)), 0);
}

struct infer_case {
	struct cuda_major_in in;
	int major;
	const char *source; /* NULL: unknown */
};

static void test_infer(void **state)
{
	(void)state;
	static const struct infer_case cases[] = {
		/* SONAME major is the CUDA major */
		{{"cudart", "libcudart.so.13", "/usr/lib/x86_64-linux-gnu/libcudart.so.13", NULL, "libcudart.so.13", "13.0.96",
		  "file-name", NULL}, 13, "soname:libcudart.so.13"},
		{{"cublas", "libcublasLt.so.12", "/opt/lib/libcublasLt.so.12", NULL, "libcublasLt.so.12", NULL, NULL, NULL}, 12,
		  "soname:libcublasLt.so.12"},
		{{"cudart", "libcudart.so.11.0", "/opt/lib/libcudart.so.11.0", NULL, NULL, NULL, NULL, NULL}, 11,
		  "soname:libcudart.so.11.0"},
		/* ... but not for cuFFT, cuRAND, cuSPARSE, cuSOLVER */
		{{"cufft", "libcufft.so.12", "/opt/lib/libcufft.so.12", NULL, "libcufft.so.12", "12.0.0.61", "file-name", NULL}, 0,
		  NULL},
		{{"curand", "libcurand.so.10", "/opt/lib/libcurand.so.10", NULL, "libcurand.so.10", NULL, NULL, NULL}, 0, NULL},
		/* pip wheels */
		{{"cufft", "libcufft.so.12", "/v/site-packages/nvidia/cu13/lib/libcufft.so.12", NULL, "libcufft.so.12",
		  "12.0.0.61", "dist-info:nvidia_cufft", NULL}, 13, "pip:nvidia/cu13"},
		{{"cusparse", "libcusparse.so.12", "/v/site-packages/nvidia/cusparse/lib/libcusparse.so.12", NULL,
		  "libcusparse.so.12", "12.3.1.170", "dist-info:nvidia_cusparse_cu12", NULL}, 12,
		  "dist-info:nvidia_cusparse_cu12"},
		{{"nccl", "libnccl.so.2", "/v/site-packages/nvidia/nccl/lib/libnccl.so.2", NULL, "libnccl.so.2", "2.21.5",
		  "dist-info:nvidia_nccl_cu12", NULL}, 12, "dist-info:nvidia_nccl_cu12"},
		/* Debian packages */
		{{"cufft", "libcufft.so.11", "/usr/lib/x86_64-linux-gnu/libcufft.so.11", NULL, "libcufft.so.11", "11.2.1.3",
		  "dpkg:libcufft-12-4", "11.2.1.3-1"}, 12, "dpkg:libcufft-12-4"},
		{{"cudnn", "libcudnn.so.9", "/usr/lib/x86_64-linux-gnu/libcudnn.so.9", NULL, "libcudnn.so.9", "9.14.0.64",
		  "dpkg:libcudnn9-cuda-12", "9.14.0.64-1"}, 12, "dpkg:libcudnn9-cuda-12"},
		{{"nccl", "libnccl.so.2", "/usr/lib/x86_64-linux-gnu/libnccl.so.2", NULL, "libnccl.so.2", "2.18.5",
		  "dpkg:libnccl2", "2.18.5-1+cuda12.2"}, 12, "dpkg-version:libnccl2 2.18.5-1+cuda12.2"},
		{{"nccl", "libnccl.so.2", "/usr/lib/x86_64-linux-gnu/libnccl.so.2", NULL, "libnccl.so.2", "2.18.5",
		  "dpkg:libnccl2", "2.18.5-1"}, 0, NULL},
		/* toolkit trees, through the resolved path */
		{{"curand", "libcurand.so.10", "/usr/local/cuda/lib64/libcurand.so.10",
		  "/usr/local/cuda-12.4/targets/x86_64-linux/lib/libcurand.so.10.3.5.147", "libcurand.so.10", "10.3.5.147",
		  "file-name", NULL}, 12, "toolkit-dir:/usr/local/cuda-12.4"},
		/* the knowledge base: cuDNN 8.9.7 was built for CUDA 11 and 12 (ambiguous), 7.6.5 too */
		{{"cudnn", "libcudnn.so.8", "/opt/lib/libcudnn.so.8", NULL, "libcudnn.so.8", "8.9.7", "file-name", NULL}, 0, NULL},
		/* a bare SONAME version is not enough to ask the knowledge base */
		{{"cudnn", "libcudnn.so.9", "/opt/lib/libcudnn.so.9", NULL, "libcudnn.so.9", "9", "soname", NULL}, 0, NULL},
		/* the driver's libraries are not built for a CUDA major */
		{{"cuda", "libcuda.so.1", "/usr/local/cuda-12.4/compat/libcuda.so.1", NULL, "libcuda.so.1", "550.54.15",
		  "dpkg:cuda-compat-12-4", NULL}, 0, NULL},
	};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	assert_non_null(kb);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int m = -1;
		char *src = NULL;
		assert_int_equal(cuda_major_infer(&cases[i].in, kb, &m, &src), 0);
		if (m != cases[i].major)
			fail_msg("case %zu (%s): major %d, want %d", i, cases[i].in.name, m, cases[i].major);
		if (cases[i].source)
			assert_string_equal(src, cases[i].source);
		else
			assert_null(src);
		free(src);
	}
	cuvet_kb_free(kb);
}

/* Releases the knowledge base ties to a single CUDA major; unverified rows say so. */
static void test_infer_kb(void **state)
{
	(void)state;
	static const struct infer_case cases[] = {
		{{"tensorrt", "libnvinfer.so.9", "/opt/trt/lib/libnvinfer.so.9", NULL, "libnvinfer.so.9", "9.2.0.5", "file-name",
		  NULL}, 12, "kb:tensorrt-support.tsv 9.0\u20139.3 (unverified)"},
		{{"tensorrt", "libnvinfer.so.5", "/opt/trt/lib/libnvinfer.so.5", NULL, "libnvinfer.so.5", "5.0.2", "file-name",
		  NULL}, 10, "kb:tensorrt-support.tsv 5.0.x"},
		/* two builds (CUDA 11.8 and 12.0) */
		{{"tensorrt", "libnvinfer.so.8", "/opt/trt/lib/libnvinfer.so.8", NULL, "libnvinfer.so.8", "8.6.1.6", "file-name",
		  NULL}, 0, NULL},
		/* a row about one package of the release */
		{{"cudnn", "libcudnn.so.9", "/opt/lib/libcudnn.so.9", NULL, "libcudnn.so.9", "9.4.0.58", "file-name", NULL}, 0, NULL},
	};
	struct cuvet_kb *kb = cuvet_kb_load(NULL, NULL);
	assert_non_null(kb);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int m = -1;
		char *src = NULL;
		assert_int_equal(cuda_major_infer(&cases[i].in, kb, &m, &src), 0);
		if (m != cases[i].major)
			fail_msg("case %zu (%s %s): major %d, want %d", i, cases[i].in.name, cases[i].in.version, m, cases[i].major);
		if (cases[i].source)
			assert_string_equal(src, cases[i].source);
		else
			assert_null(src);
		free(src);
	}
	cuvet_kb_free(kb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_infer),
		cmocka_unit_test(test_infer_kb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
