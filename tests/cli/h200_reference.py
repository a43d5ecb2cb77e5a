#!/usr/bin/env python3
"""cuvet's facts of the H200 fixture root against what the real host itself printed.

The fixture (shared/fixtures/h200-host) was captured on a machine with one NVIDIA H200; its
expected/ directory holds nvidia-smi's answers and PyTorch's. `cuvet probe --root` reads no NVML:
the driver comes from /proc and the library file names, the GPU from sysfs, /proc and the
knowledge base. Every fact nvidia-smi or torch printed is compared with cuvet's; a fact the root
cannot tell (memory, MIG and persistence modes need NVML) must be null, never a guess.
(ld.so.cache is compared with `ldconfig -p` by tests/unit/ldcache_golden.sh.)

usage: h200_reference.py CUVET SHARED_DIR ROOT   (ROOT: the fixture root tests/fixtures/mkroot.py made)
Exit 77 (skipped) when the fixture is absent.
"""
import csv
import json
import os
import re
import subprocess
import sys

cuvet, shared, root = sys.argv[1:4]
fx = os.path.join(shared, 'fixtures', 'h200-host')
exp = os.path.join(fx, 'expected')
if not os.path.isdir(exp) or not os.path.isdir(os.path.join(root, 'proc')):
    print(f'SKIP: no H200 fixture ({exp}) or root ({root})')
    sys.exit(77)

p = subprocess.run([cuvet, 'probe', '--json', '--root', root, '--env-file', os.path.join(fx, 'env.txt'),
                    '--no-nvml'], capture_output=True, text=True, env={'PATH': '/usr/bin:/bin'})
if p.returncode != 0:
    print(f'FAIL: cuvet probe exited {p.returncode}: {p.stderr}')
    sys.exit(1)
facts = json.loads(p.stdout)
failures = 0


def same(what, ours, theirs):
    global failures
    if ours == theirs:
        print(f'ok   {what}: {ours!r}')
    else:
        print(f'FAIL {what}: cuvet says {ours!r}, the host said {theirs!r}')
        failures += 1


def unknown_or(what, ours, theirs):
    """A fact --root cannot read: null is honest, any value must be the host's."""
    if ours is None:
        print(f'ok   {what}: unknown without NVML (the host said {theirs!r})')
    else:
        same(what, ours, theirs)


# nvidia-smi --query-gpu=... --format=csv
with open(os.path.join(exp, 'nvidia-smi-query.csv'), newline='') as f:
    rows = [{k.strip(): v.strip() for k, v in r.items()} for r in csv.DictReader(f, skipinitialspace=True)]
same('number of GPUs', len(facts['gpus']), len(rows))
drv = facts['driver']
for r in rows:
    same('driver version (kernel module, /proc)', drv['kernel_version'], r['driver_version'])
    same('driver version (libcuda file name)', drv['libcuda_version'], r['driver_version'])
    same('driver version (libnvidia-ml file name)', drv['libnvml_version'], r['driver_version'])
    gpus = [g for g in facts['gpus'] if g['pci_bus_id'] == r['pci.bus_id']]
    same(f'GPU at {r["pci.bus_id"]} found', len(gpus), 1)
    if not gpus:
        continue
    g = gpus[0]
    same('GPU index', g['index'], int(r['index']))
    same('GPU name', g['name'], r['name'])
    same('GPU UUID', g['uuid'], r['uuid'])
    same('PCI device id', g['pci_device_id'], r['pci.device_id'])
    same('compute capability', g['compute_capability'], r['compute_cap'])
    mem = re.fullmatch(r'(\d+) MiB', r['memory.total [MiB]'])
    unknown_or('memory (MiB)', g['memory_mib'], int(mem.group(1)))
    unknown_or('MIG mode', g['mig_mode'], {'Enabled': True, 'Disabled': False}[r['mig.mode.current']])
    unknown_or('persistence mode', g['persistence_mode'], {'Enabled': True, 'Disabled': False}[r['persistence_mode']])

# nvidia-smi's banner: driver version and the highest CUDA the driver supports
banner = open(os.path.join(exp, 'nvidia-smi.txt')).read()
m = re.search(r'Driver Version: (\S+)\s+CUDA Version: (\S+)', banner)
same('driver version (nvidia-smi banner)', drv['kernel_version'], m.group(1))
same("driver's CUDA (nvidia-smi banner)", drv['cuda'], m.group(2))

# torch.txt: torch.__version__, torch.version.cuda, torch.backends.cudnn.version(),
# torch.cuda.get_arch_list(), torch.cuda.nccl.version(). torch loads the pip wheels' copies.
t = re.fullmatch(r"(\S+) (\d+)\.(\d+) (\d+) \[.*\] \((\d+), (\d+), (\d+)\)\s*", open(os.path.join(exp, 'torch.txt')).read())
pip = [l for l in facts['libraries'] if l['found_via'] == 'pip']


def pip_versions(family, name):
    return sorted({l['version'] for l in pip if l['family'] == family and l['name'] == name and l['version']})


cudnn = int(t.group(4))  # 91900: major * 10000 + minor * 100 + patch (cuDNN 9)
want = f'{cudnn // 10000}.{cudnn % 10000 // 100}.{cudnn % 100}'
same("pip cuDNN (torch's cudnn.version())", [v.rsplit('.', 1)[0] for v in pip_versions('cudnn', 'libcudnn.so.9')], [want])
same("pip NCCL (torch's nccl.version())", pip_versions('nccl', 'libnccl.so.2'), ['.'.join(t.group(5, 6, 7))])
same("pip CUDA runtime major.minor (torch.version.cuda)",
     ['.'.join(v.split('.')[:2]) for v in pip_versions('cudart', 'libcudart.so.13')], [f'{t.group(2)}.{t.group(3)}'])
print(f'{failures} failed')
sys.exit(1 if failures else 0)
