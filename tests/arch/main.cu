// Host program with its own kernel, linked against kern.cu (tests/arch/diff_cuobjdump.sh).
__global__ void scale(float *y, int n)
{
	int i = threadIdx.x;
	if (i < n)
		y[i] *= 2.0f;
}

void launch_axpy(float a, const float *x, float *y, int n);

int main(void)
{
	float *y = 0;
	scale<<<1, 32>>>(y, 0);
	launch_axpy(1.0f, y, y, 0);
	return 0;
}
