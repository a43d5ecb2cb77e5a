#!/bin/sh
# Golden tests for `cuvet arch` on the host-ELF fixtures of tests/elf (a hand-made fatbin in
# .nv_fatbin twice and in __nv_relfatbin once; libfoo.so.1 without device code): output and
# exit status of each command must match exactly.
# Usage: cli_arch.sh CUVET FIXTURE_DIR
set -u
cuvet=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$2" || exit 1
fail=0
check() { # EXPECTED_EXIT EXPECTED_OUTPUT ARGS...
	want_rc=$1 want=$2
	shift 2
	got=$("$cuvet" "$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want_rc" ] || [ "$got" != "$want" ]; then
		echo "FAIL: cuvet $* (exit $rc, wanted $want_rc)"
		printf '%s\n' "$want" > want.txt
		printf '%s\n' "$got" > got.txt
		diff want.txt got.txt | sed 's/^/  /'
		fail=1
	else
		echo "ok: cuvet $*"
	fi
}

check 0 "libfatbin_host.so: 2 SASS, 2 PTX in 2 fatbins
  SASS   sm_90a x2
  PTX    compute_80 x2 (ISA 9.0)
  2 of 4 entries compressed" arch libfatbin_host.so
check 0 "libfatbin_host.so: 3 SASS, 3 PTX in 3 fatbins
  SASS   sm_90a x3
  PTX    compute_80 x3 (ISA 9.0)
  3 of 6 entries compressed" arch --all libfatbin_host.so
check 0 "PTX file    1: libfatbin_host.1.sm_80.ptx
ELF file    1: libfatbin_host.1.sm_90a.cubin
PTX file    2: libfatbin_host.2.sm_80.ptx
ELF file    2: libfatbin_host.2.sm_90a.cubin" arch --list libfatbin_host.so
check 0 "PTX file    1: fatbin_host.1.sm_80.ptx
ELF file    1: fatbin_host.1.sm_90a.cubin
PTX file    2: fatbin_host.2.sm_80.ptx
ELF file    2: fatbin_host.2.sm_90a.cubin
PTX file    3: fatbin_host.3.sm_80.ptx
ELF file    3: fatbin_host.3.sm_90a.cubin" arch -l -a fatbin_host.o
check 0 "libfatbin_host.so: runs on 9.0: SASS sm_90a" arch --gpu 9.0 libfatbin_host.so
check 0 "libfatbin_host.so: runs on 8.6 through PTX JIT from compute_80 (needs a driver that knows PTX ISA 9.0)" \
	arch --gpu sm_86 libfatbin_host.so
check 1 "libfatbin_host.so: cannot run on 7.5: it has sm_90a, compute_80" arch --gpu 75 libfatbin_host.so
check 1 "" arch -q --gpu 7.5 libfatbin_host.so
# A file without GPU code has nothing that runs on the GPU: exit 1, as --help says, also when
# another file runs.
check 1 "libfatbin_host.so: runs on 10.0 through PTX JIT from compute_80 (needs a driver that knows PTX ISA 9.0)
libfoo.so.1: cannot run on 10.0: it has no GPU code" arch --gpu 100 libfatbin_host.so libfoo.so.1
check 1 "libfoo.so.1: cannot run on 9.0: it has no GPU code" arch --gpu 9.0 libfoo.so.1
check 0 "libfatbin_host.so: runs on 9.0: SASS sm_90a
libfatbin_host.so: runs on 9.0: SASS sm_90a" arch --gpu 9.0 libfatbin_host.so libfatbin_host.so
check 0 "libfoo.so.1: no GPU code" arch libfoo.so.1
check 0 "" arch --list libfoo.so.1
check 4 "cuvet arch: nonexistent: No such file or directory
libfoo.so.1: no GPU code" arch nonexistent libfoo.so.1
check 4 "cuvet arch: app.c: not an ELF file, fat binary or PTX file" arch app.c
check 2 "cuvet arch: invalid compute capability '9' (examples: 9.0, 90, sm_90)" arch --gpu 9 libfoo.so.1
check 2 "cuvet arch: no FILE given (see 'cuvet arch --help')" arch
check 4 'cuvet arch: app.c: not an ELF file, fat binary or PTX file
{
  "schema": "cuvet.arch/1",
  "files": [
    {
      "path": "libfatbin_host.so",
      "source": "host-elf",
      "sass": 2,
      "ptx": 2,
      "ltoir": 0,
      "targets": [
        {
          "target": "sm_90a",
          "kind": "sass",
          "sm": 90,
          "variant": "a",
          "count": 2,
          "compressed": 0
        },
        {
          "target": "compute_80",
          "kind": "ptx",
          "sm": 80,
          "variant": null,
          "count": 2,
          "compressed": 2,
          "ptx_isa": "9.0"
        }
      ],
      "gpu": {
        "cc": "7.5",
        "runs": false,
        "how": "none"
      }
    },
    {
      "path": "app.c",
      "error": "not an ELF file, fat binary or PTX file"
    }
  ]
}' arch --json --gpu 7.5 libfatbin_host.so app.c
# Fatbins outside .nv_fatbin (as cuFFT keeps its kernels in .ldata): found only with --deep.
if command -v objcopy >/dev/null 2>&1 && objcopy --rename-section .nv_fatbin=.ldata libfatbin_host.so libdeep.so 2>/dev/null; then
	check 0 "libdeep.so: 1 SASS, 1 PTX in 1 fatbin
  SASS   sm_90a
  PTX    compute_80 (ISA 9.0)
  1 of 2 entries compressed" arch libdeep.so
	check 0 "libdeep.so: 3 SASS, 3 PTX in 3 fatbins (2 of them in other sections)
  SASS   sm_90a x3
  PTX    compute_80 x3 (ISA 9.0)
  3 of 6 entries compressed" arch --deep libdeep.so
	rm -f libdeep.so
else
	echo "CUVET-SKIP 2 libdeep.so: objcopy not available for the --deep cases"
fi
exit $fail
