#!/usr/bin/env python3
"""`cuvet check --env` as a whole process (with NVML, and with the facts from /proc and the
knowledge base) beside the usual four-branch preflight script (bench/check_four_branch.sh, which
runs nvidia-smi) and NVML's own initialisation. Medians of N interleaved runs, on one machine.

usage: bench_check.py CUVET [N]"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bp  # noqa: E402


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cuvet = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    here = os.path.dirname(os.path.abspath(__file__))
    bp.build_spawn()
    cases = [
        ('cuvet check --env --no-nvml', [cuvet, 'check', '--env', '--no-nvml', '-q']),
        ('cuvet check --env (NVML)', [cuvet, 'check', '--env', '-q']),
        # a clause the knowledge base answers from the kernel module's version: no NVML child
        ("cuvet check 'cuda>=12.0'", [cuvet, 'check', '-q', 'cuda>=12.0']),
        ('four-branch script (nvidia-smi)', ['bash', os.path.join(here, 'check_four_branch.sh'), '13.0']),
    ]
    nvml_init = os.path.join(here, 'nvml_init')
    if os.path.exists(nvml_init):
        cases.append(('NVML init+shutdown only', [nvml_init]))
    results = {name: [] for name, _ in cases}
    for _, argv in cases:
        bp.run_once(argv)
    for _ in range(n):
        for name, argv in cases:
            results[name].append(bp.run_once(argv))
    print(f'machine: {os.uname().nodename} | {bp.cpu_model()} | {os.cpu_count()} CPUs')
    print(f'runs: {n} per command, interleaved; medians\n')
    ref = statistics.median(t for t, _, _ in results['four-branch script (nvidia-smi)'])
    print('| command | median wall (ms) | min (ms) | max (ms) | peak RSS (MiB) | exit | vs script |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for name, _ in cases:
        ts = [t for t, _, _ in results[name]]
        med = statistics.median(ts)
        rss = statistics.median(r for _, r, _ in results[name]) / 1024
        codes = ','.join(map(str, sorted(set(c for _, _, c in results[name]))))
        ratio = f'{ref / med:.1f}x faster' if med < ref else f'{med / ref:.1f}x slower'
        print(f'| {name} | {med * 1000:.2f} | {min(ts) * 1000:.2f} | {max(ts) * 1000:.2f} | {rss:.1f} | {codes} | {ratio} |')


if __name__ == '__main__':
    main()
