// Device code for the cuobjdump differential test (tests/arch/diff_cuobjdump.sh).
__global__ void axpy(float a, const float *x, float *y, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		y[i] += a * x[i];
}

void launch_axpy(float a, const float *x, float *y, int n)
{
	axpy<<<(n + 255) / 256, 256>>>(a, x, y, n);
}
