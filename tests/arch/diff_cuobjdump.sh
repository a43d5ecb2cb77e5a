#!/bin/sh
# Differential test: `cuvet arch --list` against NVIDIA's cuobjdump -lelf / -lptx, on nvcc-built
# fixtures (many -gencode targets, -rdc, -G, LTO-IR, compression modes, executable, shared
# library, static library, bare cubins and fatbins) and a few real libraries. Each listing must be identical
# line for line (same entries, same order, same cuobjdump-style names).
#
# Usage: diff_cuobjdump.sh CUVET SRCDIR WORKDIR
# Environment: NVCC (else CUVET_PYPI_NVCC, the nvcc scripts/bootstrap.sh installs from PyPI),
# CUOBJDUMP (else found in PATH, /usr/local/cuda/bin or a pip nvidia-cuda-cuobjdump wheel); CUVET_DIFF_ALL_LIBS=1 checks every library in the CUDA lib64
# directory instead of a small sample (slow: cuobjdump needs seconds per large library).
# Exit 77 (skipped) when nvcc or cuobjdump is missing.
set -u
cuvet=$1 src=$2 work=$3

find_tool() { # NAME ENVVALUE
	if [ -n "$2" ]; then echo "$2"; return; fi
	if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
	for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
		if [ -x "$d/$1" ]; then echo "$d/$1"; return; fi
	done
	if [ "$1" = cuobjdump ] && command -v python3 >/dev/null 2>&1; then
		python3 - <<'PY' 2>/dev/null
import glob, site, sys
dirs = site.getsitepackages() + [site.getusersitepackages()]
for d in dirs:
    for p in sorted(glob.glob(d + "/nvidia/cu*/bin/cuobjdump")) + sorted(glob.glob(d + "/nvidia/cuda_cuobjdump/bin/cuobjdump")):
        print(p); sys.exit(0)
PY
	fi
}
nvcc=$(find_tool nvcc "${NVCC:-${CUVET_PYPI_NVCC:-}}")
cuobjdump=$(find_tool cuobjdump "${CUOBJDUMP:-}")
if [ -z "$nvcc" ] || [ ! -x "$nvcc" ]; then echo "SKIP: nvcc not found (set NVCC, or run scripts/bootstrap.sh test)"; exit 77; fi
if [ -z "$cuobjdump" ] || [ ! -x "$cuobjdump" ]; then
	echo "SKIP: cuobjdump not found (set CUOBJDUMP, or pip install nvidia-cuda-cuobjdump)"; exit 77
fi
echo "nvcc: $nvcc ($("$nvcc" --version | tail -1))"
echo "cuobjdump: $cuobjdump ($("$cuobjdump" --version | tail -1))"

mkdir -p "$work" || exit 1
# nvcc is slow (seconds per file on two cores): build once, again only when nvcc or the sources change.
key=$( { "$nvcc" --version; cat "$src/kern.cu" "$src/main.cu" "$0"; } | cksum | cut -d' ' -f1)
if [ "$(cat "$work/.key" 2>/dev/null)" != "$key" ]; then
	rm -rf "$work/fx" && mkdir -p "$work/fx" || exit 1
	(
		run() { "$@" || { echo "FAIL: $*"; exit 1; }; }
		cd "$work/fx" || exit 1
		g() { echo "-gencode arch=compute_$1,code=$2"; }
		# Every SASS target the toolkit offers, arch-specific and family ones, PTX for a few.
		run "$nvcc" -c "$src/kern.cu" -o multi.o $(g 75 sm_75) $(g 80 sm_80) $(g 86 sm_86) $(g 89 sm_89) \
			$(g 90 sm_90) $(g 90a sm_90a) $(g 80 compute_80) $(g 90 compute_90)
		# (nvcc refuses sm_XY next to sm_XYf: same code.)
		run "$nvcc" -fatbin "$src/kern.cu" -o blackwell.fatbin --compress-mode=speed $(g 100a sm_100a) \
			$(g 100f sm_100f) $(g 103 sm_103) $(g 110f sm_110f) $(g 120 sm_120) $(g 121a sm_121a) \
			$(g 100f compute_100f) $(g 120a compute_120a) $(g 120 compute_120)
		# Relocatable device code with debug info (identifiers in the entry headers).
		run "$nvcc" -c -rdc=true -G "$src/kern.cu" -o kern_rdc_g.o $(g 80 sm_80) $(g 90 compute_90)
		run "$nvcc" -c -rdc=true "$src/main.cu" -o main_rdc.o --compress-mode=size $(g 80 sm_80) $(g 90 sm_90)
		# LTO-IR (listed by neither tool) next to SASS.
		run "$nvcc" -c -rdc=true "$src/kern.cu" -o lto.o $(g 89 lto_89) $(g 90 sm_90)
		# A device-linked executable: .nv_fatbin and __nv_relfatbin both present.
		run "$nvcc" -rdc=true main_rdc.o kern_rdc_g.o -o app_rdc $(g 80 sm_80) $(g 90 sm_90)
		# A shared library without compression, and a plain executable.
		run "$nvcc" -shared -Xcompiler -fPIC "$src/kern.cu" -o libkern.so.1 -no-compress $(g 86 sm_86) \
			$(g 89 compute_89)
		run "$nvcc" "$src/main.cu" "$src/kern.cu" -o app $(g 75 sm_75) $(g 120 sm_120) $(g 75 compute_75)
		# Bare cubins: arch-specific, family and plain.
		run "$nvcc" -cubin -arch=sm_90a "$src/kern.cu" -o k90a.cubin
		run "$nvcc" -cubin -arch=sm_100f "$src/kern.cu" -o k100f.cubin
		run "$nvcc" -cubin -arch=sm_89 "$src/kern.cu" -o k89.cubin
		# A static library: members with and without device code, rdc and not.
		printf 'int host_only(void) { return 1; }\n' > host.c
		run cc -c host.c -o host.o
		run ar rcs libkern.a multi.o host.o kern_rdc_g.o lto.o
	) || exit 1
	echo "$key" > "$work/.key"
fi

files="$work/fx/multi.o $work/fx/blackwell.fatbin $work/fx/kern_rdc_g.o $work/fx/main_rdc.o $work/fx/lto.o
$work/fx/app_rdc $work/fx/libkern.so.1 $work/fx/app $work/fx/k90a.cubin $work/fx/k100f.cubin $work/fx/k89.cubin
$work/fx/libkern.a"
libdir=$(dirname "$(dirname "$nvcc")")/lib64
# (nvcc from PyPI keeps its libraries in lib/, beside bin/)
[ -d "$libdir" ] || libdir=$(dirname "$(dirname "$nvcc")")/lib
if [ "${CUVET_DIFF_ALL_LIBS:-0}" = 1 ]; then
	libs=$(ls "$libdir"/*.so* 2>/dev/null)
else
	# Small and quick for cuobjdump, yet real: many containers, zstd, sm_100f..sm_121, no device code.
	libs=$(ls "$libdir"/libcurand.so.* "$libdir"/libcufft.so.* "$libdir"/libcudnn_engines_runtime_compiled.so.* \
		"$libdir"/libcudart.so.* "$libdir"/libcudadevrt.a 2>/dev/null)
fi

fail=0 n=0
for f in $files $libs; do
	[ -L "$f" ] && continue
	n=$((n + 1))
	"$cuvet" arch --list "$f" > "$work/ours" 2> "$work/ours.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL: cuvet arch --list $f exited $rc: $(cat "$work/ours.err")"; fail=1; continue
	fi
	"$cuobjdump" -lelf "$f" > "$work/elf" 2>/dev/null
	"$cuobjdump" -lptx "$f" > "$work/ptx" 2>/dev/null
	# Archives add a blank line and a "member" line per object to both listings.
	grep -v -E '^(PTX|LTO-IR|OTHER) file' "$work/ours" > "$work/ours.elf"
	grep -v -E '^(ELF|LTO-IR|OTHER) file' "$work/ours" > "$work/ours.ptx"
	if cmp -s "$work/ours.elf" "$work/elf" && cmp -s "$work/ours.ptx" "$work/ptx"; then
		echo "ok   $(basename "$f"): $(grep -c '^ELF' "$work/ours.elf") ELF, $(grep -c '^PTX' "$work/ours.ptx") PTX"
	else
		fail=1
		echo "FAIL $(basename "$f"): listings differ (< cuvet, > cuobjdump)"
		# Per kind and target counts first, then the first differing lines.
		for k in elf ptx; do
			grep ' file ' "$work/ours.$k" | sed 's/.*\.\(sm_[0-9]*[af]*\)\.[a-z]*$/\1/' | sort | uniq -c > "$work/c1"
			grep ' file ' "$work/$k" | sed 's/.*\.\(sm_[0-9]*[af]*\)\.[a-z]*$/\1/' | sort | uniq -c > "$work/c2"
			diff "$work/c1" "$work/c2" | sed "s/^/  $k counts: /"
			diff "$work/ours.$k" "$work/$k" | head -10 | sed "s/^/  /"
		done
	fi
done
echo "$n files compared"
exit $fail
