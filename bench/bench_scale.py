#!/usr/bin/env python3
"""Scaling of cuvet on large inputs (no timed test: a benchmark). Generates, in a temporary
directory, facts files and an env file of the sizes a user reported as slow, and times cuvet on
them:

  libs N     `doctor --facts` with N library copies (families x SONAMEs x copies, some in pip,
             some through LD_LIBRARY_PATH, versions that conflict), as a host with many
             environments (conda, pip, toolkits) gives
  llp N      `doctor --facts` whose LD_LIBRARY_PATH has N entries, and N libraries found through it
  envllp N   `probe`/`doctor --root R --env-file F`: F sets an N-entry LD_LIBRARY_PATH whose
             directories exist under R

usage: bench_scale.py CUVET [ROUNDS] [--keep DIR]
"""
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

FAMILIES = ['cudart', 'cublas', 'cudnn', 'nccl', 'cufft', 'curand', 'cusparse', 'cusolver', 'nvrtc', 'nvjitlink',
            'cupti', 'nvinfer']


def lib(family, soname, path, version, via, pick=False, cache=False):
    return {"family": family, "name": soname, "path": path, "real_path": path, "soname": soname,
            "version": version, "version_source": "filename", "found_via": via, "default_pick": pick,
            "cache_pick": cache, "stub": False, "compat": False}


def base_facts(libs, env):
    return {"schema": "cuvet.facts/1", "root": "/",
            "driver": {"present": True, "module_loaded": True, "kernel_version": "580.95.05",
                       "kernel_flavour": "open", "libcuda_version": "580.95.05", "nvml_status": -1,
                       "cuda_driver_version": 13000, "cuda_source": "inferred"},
            "gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0",
                      "segment": "datacenter", "source": "sysfs", "visible": True}],
            "libraries": libs, "toolkits": [], "environment": env, "notes": []}


def facts_many_libs(n):
    """N copies: mostly one copy per SONAME (lib<family>_<k>.so.12, as a host with many
    environments and plugins has), every tenth SONAME in two places with conflicting versions."""
    libs = []
    k = 0
    while len(libs) < n:
        fam = FAMILIES[k % len(FAMILIES)]
        so = 'lib%s_%d.so.12' % (fam, k)
        libs.append(lib(fam, so, '/opt/env/lib/' + so, '12.0.%d' % k, 'ld.so.cache', pick=True, cache=True))
        if k % 10 == 0 and len(libs) < n:
            libs.append(lib(fam, so, '/opt/pip/nvidia/lib/' + so, '12.1.%d' % k, 'pip'))
        k += 1
    return base_facts(libs, {})


def facts_long_llp(n):
    """An N-entry LD_LIBRARY_PATH, one library found through each entry, each shadowing the cache."""
    dirs = ['/opt/llp/d%d' % i for i in range(n)]
    libs = []
    for i, d in enumerate(dirs):
        fam = FAMILIES[i % len(FAMILIES)]
        so = 'lib%s_%d.so.12' % (fam, i)
        libs.append(lib(fam, so, d + '/' + so, '12.4.%d' % i, 'LD_LIBRARY_PATH', pick=True))
        libs.append(lib(fam, so, '/usr/lib/x86_64-linux-gnu/' + so, '12.2.%d' % i, 'ld.so.cache', cache=True))
    return base_facts(libs, {"LD_LIBRARY_PATH": ':'.join(dirs)})


def main():
    args = sys.argv[1:]
    keep = None
    if '--keep' in args:
        i = args.index('--keep')
        keep = args[i + 1]
        del args[i:i + 2]
    cuvet = os.path.abspath(args[0])
    rounds = int(args[1]) if len(args) > 1 else 3
    work = keep or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    benchlib.build_spawn()
    cases = []
    f = os.path.join(work, 'libs-66000.json')
    json.dump(facts_many_libs(66000), open(f, 'w'))
    cases.append(('doctor --facts, 66000 libraries', [cuvet, 'doctor', '--facts', f, '-q']))
    f = os.path.join(work, 'llp-20000.json')
    json.dump(facts_long_llp(20000), open(f, 'w'))
    cases.append(('doctor --facts, 20000-entry LD_LIBRARY_PATH', [cuvet, 'doctor', '--facts', f, '-q']))
    envf = os.path.join(work, 'llp-20000.env')
    with open(envf, 'w') as e:
        e.write('LD_LIBRARY_PATH=%s\n' % ':'.join('/opt/llp/d%d' % i for i in range(20000)))
    # the same LD_LIBRARY_PATH over a root where its 20000 directories exist
    root = os.path.join(work, 'llp-root')
    for i in range(20000):
        os.makedirs(os.path.join(root, 'opt/llp/d%d' % i), exist_ok=True)
    cases.append(('probe --root R, 20000-entry LD_LIBRARY_PATH (directories exist)',
                  [cuvet, 'probe', '--root', root, '--no-nvml', '--env-file', envf, '-q']))
    cases.append(('doctor --root R, 20000-entry LD_LIBRARY_PATH (directories exist)',
                  [cuvet, 'doctor', '--root', root, '--no-nvml', '--env-file', envf, '-q']))
    print('machine: %s, %d CPUs' % (benchlib.cpu_model(), os.cpu_count()))
    print('runs: %d per command; medians\n' % rounds)
    print('| command | median wall (s) | min (s) | peak RSS (MiB) | exit |')
    print('|---|---:|---:|---:|---:|')
    for name, argv in cases:
        res = [benchlib.run_once(argv) for _ in range(rounds)]
        walls = [r[0] for r in res]
        print('| %s | %.3f | %.3f | %.1f | %d |' % (name, statistics.median(walls), min(walls),
                                                   max(r[1] for r in res) / 1024, res[-1][2]))
        sys.stdout.flush()


if __name__ == '__main__':
    main()
