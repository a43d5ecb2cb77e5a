#!/usr/bin/env python3
"""Wall time of `cuvet why` beside `ldd` on the same files: a deep dependency chain built here
with gcc (trusted test binaries; ldd runs them under the loader, cuvet reads them), and the
biggest CUDA libraries under /usr/local/cuda/lib64. Medians of N runs each (default 10),
interleaved, after one warm-up run, on one machine; the machine is printed.

cuvet is run twice per file: as a user runs it (problems explained, which adds a library
discovery when an NVIDIA library is involved) and with --no-explain (the resolution alone).

When a virtual environment with a pip-installed torch exists (--venv, default
~/.cache/cuvet-bench: `python3 -m venv ~/.cache/cuvet-bench && ~/.cache/cuvet-bench/bin/pip install
torch`), torch/lib/libtorch_cuda.so is one more file, and `cuvet why --python torch` (the process of
`import torch`, with VIRTUAL_ENV set to the venv) runs beside `ldd` on torch/_C*.so; without it
those rows are skipped with a message.

usage: bench_why.py CUVET [N] [--cuda-dir DIR] [--depth D] [--venv DIR]"""
import glob
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import cpu_model


def run_once(argv, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0, p.returncode


def build_deep(work, depth):
    """prog -> libdeep1 -> ... -> libdeepD, each in its own directory found through the
    program's RPATH (inherited down the chain), so every lookup walks the RPATH list."""
    src = os.path.join(work, 'f.c')
    with open(src, 'w') as f:
        f.write('int f(void) { return 0; }\n')
    dirs = [os.path.join(work, 'd%d' % i) for i in range(1, depth + 1)]
    prev = []
    for i in range(depth, 0, -1):
        os.makedirs(dirs[i - 1], exist_ok=True)
        out = os.path.join(dirs[i - 1], 'libdeep%d.so' % i)
        subprocess.run(['cc', '-shared', '-fPIC', '-o', out, src, '-Wl,-soname,libdeep%d.so' % i,
                        '-Wl,--no-as-needed'] + prev, check=True)
        prev = [out]
    main = os.path.join(work, 'main.c')
    with open(main, 'w') as f:
        f.write('int main(void) { return 0; }\n')
    prog = os.path.join(work, 'deep')
    subprocess.run(['cc', '-o', prog, main, '-Wl,--no-as-needed', '-Wl,--disable-new-dtags',
                    '-Wl,-rpath,' + ':'.join(dirs)] + prev, check=True)
    return prog


def main():
    argv = sys.argv[1:]
    cuda_dir, depth = '/usr/local/cuda/lib64', 100
    if '--cuda-dir' in argv:
        i = argv.index('--cuda-dir')
        cuda_dir = argv[i + 1]
        del argv[i:i + 2]
    venv = os.path.expanduser('~/.cache/cuvet-bench')
    if '--venv' in argv:
        i = argv.index('--venv')
        venv = argv[i + 1]
        del argv[i:i + 2]
    if '--depth' in argv:
        i = argv.index('--depth')
        depth = int(argv[i + 1])
        del argv[i:i + 2]
    if not argv:
        sys.exit(__doc__)
    cuvet = os.path.abspath(argv[0])
    n = int(argv[1]) if len(argv) > 1 else 10
    work = tempfile.mkdtemp(prefix='bench-why-')
    try:
        files = [('deep chain (%d libs, %d-dir RPATH)' % (depth, depth), build_deep(work, depth))]
        libs = sorted((p for p in glob.glob(os.path.join(cuda_dir, '*.so.*')) if not os.path.islink(p)),
                      key=os.path.getsize, reverse=True)[:3]
        for p in libs:
            files.append(('%s (%d MB)' % (os.path.basename(p), os.path.getsize(p) // 1000000), p))
        sites = sorted(glob.glob(os.path.join(venv, 'lib', 'python3*', 'site-packages', 'torch')))
        torch_c = sorted(glob.glob(os.path.join(sites[0], '_C*.so'))) if sites else []
        cuda_lib = os.path.join(sites[0], 'lib', 'libtorch_cuda.so') if sites else ''
        skipped = []
        if cuda_lib and os.path.isfile(cuda_lib):
            files.append(('torch libtorch_cuda.so (%d MB)' % (os.path.getsize(cuda_lib) // 1000000), cuda_lib))
        else:
            skipped.append('libtorch_cuda.so: no torch in %s, skipped' % venv)
        cases = []
        for label, path in files:
            cases.append((label, 'cuvet why', [cuvet, 'why', '-q', path], None))
            cases.append((label, 'cuvet why --no-explain', [cuvet, 'why', '-q', '--no-explain', path], None))
            cases.append((label, 'ldd', ['ldd', path], None))
        if torch_c:
            label = 'import torch (why --python torch; ldd on %s)' % os.path.basename(torch_c[0])
            env = dict(os.environ, VIRTUAL_ENV=venv)
            files.append((label, None))
            cases.append((label, 'cuvet why', [cuvet, 'why', '-q', '--python', 'torch'], env))
            cases.append((label, 'cuvet why --no-explain', [cuvet, 'why', '-q', '--no-explain', '--python', 'torch'],
                          env))
            cases.append((label, 'ldd', ['ldd', torch_c[0]], None))
        else:
            skipped.append('--python torch: no torch/_C*.so in %s, skipped' % venv)
        times = {(l, t): [] for l, t, _, _ in cases}
        for l, t, a, e in cases:
            run_once(a, e)
        for _ in range(n):
            for l, t, a, e in cases:
                times[(l, t)].append(run_once(a, e)[0])
        print('machine: %s, %d CPUs, %s, %s' % (cpu_model(), os.cpu_count() or 0, platform.platform(),
                                                  subprocess.run(['ldd', '--version'], capture_output=True,
                                                                 text=True).stdout.splitlines()[0]))
        print('runs: %d each (median wall time, ms)' % n)
        for m in skipped:
            print(m)
        print()
        print('| file | cuvet why | cuvet why --no-explain | ldd | ldd / cuvet why | ldd / --no-explain |')
        print('|---|---:|---:|---:|---:|---:|')
        for label, _ in files:
            a = statistics.median(times[(label, 'cuvet why')]) * 1000
            b = statistics.median(times[(label, 'cuvet why --no-explain')]) * 1000
            c = statistics.median(times[(label, 'ldd')]) * 1000
            print('| %s | %.1f | %.1f | %.1f | %.2f | %.2f |' % (label, a, b, c, c / a, c / b))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
