#!/usr/bin/env python3
"""On a machine with NVIDIA GPUs: compare every fact `cuvet probe --json` reports (with NVML,
and without it from /sys and /proc) with what nvidia-smi says. Prints one line per fact and
exits 1 on any difference.

usage: compare_nvidia_smi.py CUVET [extra cuvet args...]"""
import json
import re
import subprocess
import sys

FIELDS = ['index', 'name', 'uuid', 'driver_version', 'pci.bus_id', 'pci.device_id', 'compute_cap',
          'memory.total', 'mig.mode.current', 'persistence_mode']


def smi():
    out = subprocess.run(['nvidia-smi', '--query-gpu=' + ','.join(FIELDS), '--format=csv,noheader,nounits'],
                         capture_output=True, text=True, check=True).stdout
    gpus = [dict(zip(FIELDS, [c.strip() for c in line.split(',')])) for line in out.strip().splitlines()]
    q = subprocess.run(['nvidia-smi', '-q'], capture_output=True, text=True, check=True).stdout
    m = re.search(r'CUDA (?:UMD )?Version\s*:\s*(\S+)', q)
    return gpus, m.group(1) if m else None


def tri(v):
    return {'Enabled': True, 'Disabled': False}.get(v)


def main():
    cuvet = sys.argv[1]
    extra = sys.argv[2:]
    gpus, cuda = smi()
    bad = 0

    def cmp(what, ours, theirs):
        nonlocal bad
        ok = ours == theirs
        bad += not ok
        print(f'{"ok  " if ok else "DIFF"} {what:42} cuvet={ours!r:45} nvidia-smi={theirs!r}')

    for mode, args in (('nvml', []), ('no-nvml', ['--no-nvml'])):
        facts = json.loads(subprocess.run([cuvet, 'probe', '--json'] + args + extra, capture_output=True,
                                          text=True, check=True).stdout)
        d = facts['driver']
        print(f'--- cuvet probe --json {" ".join(args)} ({len(facts["gpus"])} GPUs, {len(facts["libraries"])} libraries)')
        drv = gpus[0]['driver_version'] if gpus else None
        cmp('driver: kernel module version', d['kernel_version'], drv)
        cmp('driver: libcuda.so.1 version', d['libcuda_version'], drv)
        cmp('driver: libnvidia-ml.so.1 version', d['libnvml_version'], drv)
        if mode == 'nvml':
            cmp('driver: NVML driver version', d['nvml_driver_version'], drv)
            cmp('driver: CUDA version', d['cuda'], cuda)
        cmp('GPU count', len(facts['gpus']), len(gpus))
        for ours, theirs in zip(facts['gpus'], gpus):
            i = theirs['index']
            cmp(f'gpu {i}: name', ours['name'], theirs['name'])
            cmp(f'gpu {i}: uuid', ours['uuid'], theirs['uuid'])
            cmp(f'gpu {i}: pci bus id', ours['pci_bus_id'], theirs['pci.bus_id'])
            cmp(f'gpu {i}: pci device id', ours['pci_device_id'], theirs['pci.device_id'])
            cmp(f'gpu {i}: compute capability ({ours["compute_capability_source"]})', ours['compute_capability'],
                theirs['compute_cap'])
            if mode == 'nvml':
                cmp(f'gpu {i}: index', ours['index'], int(i))
                cmp(f'gpu {i}: memory MiB', ours['memory_mib'], int(theirs['memory.total']))
                cmp(f'gpu {i}: MIG mode', ours['mig_mode'], tri(theirs['mig.mode.current']))
                cmp(f'gpu {i}: persistence mode', ours['persistence_mode'], tri(theirs['persistence_mode']))
    print(f'{"all facts agree" if not bad else f"{bad} differences"}')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
