#!/usr/bin/env python3
"""On a real machine: for each file, compare the library paths `cuvet why --json` resolves with
what `ldd` (the real loader, LD_TRACE_LOADED_OBJECTS) reports. Prints one line per file and every
difference; exits 1 on any.
usage: why_vs_ldd.py CUVET FILE..."""
import json
import os
import re
import subprocess
import sys


def ldd(path):
    out = subprocess.run(['ldd', path], capture_output=True, text=True).stdout
    libs = {}
    for line in out.splitlines():
        m = re.match(r'\s*(\S+) => (\S+) \(0x', line)
        if m:
            libs[m.group(1)] = os.path.realpath(m.group(2))
        m = re.match(r'\s*(\S+) => not found', line)
        if m:
            libs[m.group(1)] = None
    return libs


def why(cuvet, path):
    r = subprocess.run([cuvet, 'why', '--json', '--no-explain', path], capture_output=True, text=True)
    j = json.loads(r.stdout)
    libs = {}
    for res in j.get('results', []):
        objs = res.get('objects', [])
        for o in objs:
            for d in o.get('needed', []):
                name, idx = d.get('name'), d.get('object')
                if not name or name in libs:
                    continue
                target = objs[idx] if isinstance(idx, int) and 0 <= idx < len(objs) else None
                p = target.get('path') if target else None
                libs[name] = os.path.realpath(p) if p else None
    return libs, j


def main():
    cuvet, files = sys.argv[1], sys.argv[2:]
    bad = 0
    for f in files:
        if not os.path.exists(f):
            print(f'skip {f}: not here')
            continue
        want = ldd(f)
        got, j = why(cuvet, f)
        if not got and not want:
            print(f'ok   {f}: no shared-library dependencies for either')
            continue
        if not got:
            print(f'{f}: cuvet why found no dependencies, ldd {len(want)}')
            bad += 1
            continue
        diffs = [(k, got.get(k, 'absent'), v) for k, v in want.items() if got.get(k, 'absent') != v]
        extra = [k for k in got if k not in want and not k.startswith('ld-linux')]  # ldd prints the interpreter without '=>'
        print(f'{"ok  " if not diffs else "DIFF"} {f}: {len(want)} libraries from ldd, {len(want) - len(diffs)} resolved alike'
              + (f', {len(extra)} only in cuvet (listed below)' if extra else ''))
        for k, g, w in diffs:
            print(f'     {k}: cuvet {g}  ldd {w}')
        for k in extra:
            print(f'     only in cuvet: {k} -> {got[k]}')
        bad += bool(diffs)
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
