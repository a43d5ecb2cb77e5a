#!/usr/bin/env python3
"""Whole-process wall time and peak RSS of `cuvet probe` (with and without NVML) beside what a
user would otherwise run: nvidia-smi --query-gpu, NVML's own initialisation, and PyTorch's
collect_env. Medians of N runs each, interleaved, in one run on one machine.

usage: bench_probe.py CUVET [N] [--no-torch]"""
import os
import platform
import shutil
import statistics
import subprocess
import sys

import benchlib
from benchlib import build_spawn, cpu_model, run_once


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if not args:
        sys.exit(__doc__)
    cuvet = args[0]
    build_spawn()
    n = int(args[1]) if len(args) > 1 else 10
    cases = [
        ('cuvet probe --no-nvml', [cuvet, 'probe', '--no-nvml', '-q']),
        ('cuvet probe (NVML)', [cuvet, 'probe', '-q']),
        ('cuvet doctor (NVML)', [cuvet, 'doctor', '-q']),
    ]
    here = os.path.dirname(os.path.abspath(__file__))
    nvml_init = os.path.join(here, 'nvml_init')
    if os.path.exists(nvml_init):
        cases.append(('NVML init+shutdown only', [nvml_init]))
    if shutil.which('nvidia-smi'):
        cases.append(('nvidia-smi --query-gpu', ['nvidia-smi', '--query-gpu=driver_version,name,compute_cap',
                                                 '--format=csv']))
    if '--no-torch' not in sys.argv:
        cases.append(('python3 -m torch.utils.collect_env', [sys.executable, '-m', 'torch.utils.collect_env']))
    results = {name: [] for name, _ in cases}
    for name, argv in cases:  # warm the page cache once
        run_once(argv)
    for _ in range(n):
        for name, argv in cases:
            results[name].append(run_once(argv))
    gpu = subprocess.run(['nvidia-smi', '--query-gpu=name,driver_version', '--format=csv,noheader'],
                         capture_output=True, text=True).stdout.strip() if shutil.which('nvidia-smi') else 'no GPU'
    print(f'machine: {platform.node()} | {cpu_model()} | {os.cpu_count()} CPUs | GPU: {gpu}')
    print(f'runs: {n} per command, interleaved; medians; measured by {"bench/spawn.c" if benchlib.SPAWN else "Python (RSS includes the forked interpreter)"}\n')
    ref = statistics.median(t for t, _, _ in results['nvidia-smi --query-gpu']) if 'nvidia-smi --query-gpu' in results else None
    print('| command | median wall (ms) | min (ms) | max (ms) | peak RSS (MiB) | exit | vs nvidia-smi |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for name, _ in cases:
        ts = [t for t, _, _ in results[name]]
        rss = statistics.median(r for _, r, _ in results[name]) / 1024
        codes = sorted(set(c for _, _, c in results[name]))
        med = statistics.median(ts)
        ratio = f'{ref / med:.1f}x faster' if ref and med < ref else (f'{med / ref:.1f}x slower' if ref else '-')
        print(f'| {name} | {med * 1000:.2f} | {min(ts) * 1000:.2f} | {max(ts) * 1000:.2f} | {rss:.1f} | '
              f'{",".join(map(str, codes))} | {ratio} |')


if __name__ == '__main__':
    main()
