#!/usr/bin/env python3
"""`cuvet arch` (summary) and `cuvet arch --list` beside NVIDIA's `cuobjdump --list-elf` and
`cuobjdump --list-elf --list-ptx` on the biggest CUDA libraries present; and `cuvet why` beside
`ldd` when this cuvet has a `why` command. Whole-process wall time and peak RSS (wait4 from a
small C parent, bench/spawn.c; os.wait4 from Python when no compiler), medians of N runs each,
interleaved, after one warm-up run per command so every command reads from the page cache.

usage: bench_arch.py CUVET [--cuobjdump PATH] [--n-cuvet N] [--n-cuobjdump N] [--lib PATH]..."""
import argparse
import glob
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import build_spawn, cpu_model, run_once

HERE = os.path.dirname(os.path.abspath(__file__))
LIB_DIRS = ['/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib', '/usr/lib/x86_64-linux-gnu']
# The biggest fatbin carriers of a CUDA install, by base name.
LIB_BASES = ['libcublasLt.so', 'libcufft.so', 'libcusparse.so', 'libnccl.so', 'libcudnn_engines_precompiled.so']

def find_libs(extra):
    libs = list(extra)
    if extra:
        return libs
    for base in LIB_BASES:
        for d in LIB_DIRS:
            # the SONAME-named file (libnccl.so.2), not the link-editor's libX.so
            cands = sorted(p for p in glob.glob(os.path.join(d, base + '.*')) if os.path.isfile(p))
            if cands:
                real = sorted(cands, key=len)[0]
                if real not in libs:
                    libs.append(real)
                break
    return libs


def find_cuobjdump(given):
    for c in [given, shutil.which('cuobjdump'), os.path.expanduser('~/.cache/cuvet-tools/bin/cuobjdump'),
              '/usr/local/cuda/bin/cuobjdump']:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def has_why(cuvet):
    return subprocess.run([cuvet, 'why', '--help'], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def bench(cases, n_for):
    """cases: [(group, name, argv)]; n_for(name) -> runs. Interleaved rounds after one warm-up."""
    results = {(g, name): [] for g, name, _ in cases}
    for g, name, argv in cases:
        run_once(argv)
    rounds = max(n_for(name) for _, name, _ in cases)
    for i in range(rounds):
        for g, name, argv in cases:
            if i < n_for(name):
                results[(g, name)].append(run_once(argv))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('cuvet')
    ap.add_argument('--cuobjdump')
    ap.add_argument('--n-cuvet', type=int, default=10)
    ap.add_argument('--n-cuobjdump', type=int, default=5)
    ap.add_argument('--lib', action='append', default=[])
    a = ap.parse_args()
    build_spawn()
    cuobjdump = find_cuobjdump(a.cuobjdump)
    if not cuobjdump:
        sys.exit('no cuobjdump: pass --cuobjdump PATH (pip install nvidia-cuda-cuobjdump)')
    libs = find_libs(a.lib)
    if not libs:
        sys.exit('no CUDA libraries found; pass --lib PATH')
    cases = []
    for lib in libs:
        g = os.path.basename(lib)
        cases += [(g, 'cuobjdump --list-elf', [cuobjdump, '--list-elf', lib]),
                  (g, 'cuobjdump --list-elf --list-ptx', [cuobjdump, '--list-elf', '--list-ptx', lib]),
                  (g, 'cuvet arch', [a.cuvet, 'arch', lib]),
                  (g, 'cuvet arch --list', [a.cuvet, 'arch', '--list', lib])]
    why = has_why(a.cuvet) and shutil.which('ldd')
    if why:
        for lib in libs:
            g = os.path.basename(lib)
            cases += [(g, 'ldd', ['ldd', lib]), (g, 'cuvet why', [a.cuvet, 'why', lib])]

    def n_for(name):
        return a.n_cuvet if name.startswith('cuvet') else a.n_cuobjdump

    res = bench(cases, n_for)
    ver = subprocess.run([cuobjdump, '--version'], capture_output=True, text=True).stdout.strip().splitlines()
    print(f'machine: {platform.node()} | {cpu_model()} | {os.cpu_count()} CPUs | {platform.system()} '
          f'{platform.release()}')
    print(f'cuobjdump: {cuobjdump} ({ver[-1] if ver else "version unknown"}); '
          f'runs: {a.n_cuvet} per cuvet command, {a.n_cuobjdump} per cuobjdump/ldd command, interleaved, '
          f'after one warm-up run each (page cache warm); medians; RSS by {"a C parent (spawn.c)" if benchlib.SPAWN else "os.wait4"}')
    if not why:
        print('cuvet why: not in this build, skipped')
    print()
    print('| library (size) | command | median wall (ms) | min (ms) | peak RSS (MiB) | exit | vs reference |')
    print('|---|---|---:|---:|---:|---:|---:|')
    refs = {'cuvet arch': 'cuobjdump --list-elf', 'cuvet arch --list': 'cuobjdump --list-elf --list-ptx',
            'cuvet why': 'ldd'}
    for g, name, _ in cases:
        lib = next(l for l in libs if os.path.basename(l) == g)
        rs = res[(g, name)]
        ts = [t for t, _, _ in rs]
        med = statistics.median(ts)
        rss = statistics.median(r for _, r, _ in rs) / 1024
        codes = ','.join(map(str, sorted(set(c for _, _, c in rs))))
        ratio = '-'
        if name in refs:
            ref = statistics.median(t for t, _, _ in res[(g, refs[name])])
            x = ref / med if med < ref else med / ref
            ratio = f'{x:.0f}x' if x >= 10 else f'{x:.1f}x'
            ratio += f' {"faster" if med < ref else "slower"} than {refs[name]}'
        size = os.path.getsize(lib) / (1024 * 1024)
        print(f'| {g} ({size:.0f} MiB) | {name} | {med * 1000:.1f} | {min(ts) * 1000:.1f} | {rss:.1f} | {codes} | {ratio} |')


if __name__ == '__main__':
    main()
