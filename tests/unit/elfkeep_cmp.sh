#!/bin/sh
# The image view keeps large ELF files sparse (src/lib/image/elfkeep.c). Every reader's answer on
# the sparse copy must equal its answer on the real file: gcc-built fixtures (one with an nvcc
# fatbin), this system's libraries, and the CUDA libraries when the machine has them
# ($CUVET_TEST_CUDA_LIBS, default /usr/local/cuda/lib64). usage: elfkeep_cmp.sh TOOL FIXTURES
set -eu
tool=$1 fixtures=$2
cuda=${CUVET_TEST_CUDA_LIBS:-/usr/local/cuda/lib64}
set -- "$fixtures"/*.so* "$fixtures"/app
for f in /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libelf.so.1; do
	[ -e "$f" ] && set -- "$@" "$(readlink -f "$f")"
done
ncuda=0
if [ -d "$cuda" ]; then
	for f in "$cuda"/lib*.so.*; do
		[ -f "$f" ] && [ ! -L "$f" ] && { set -- "$@" "$f"; ncuda=$((ncuda + 1)); }
	done
fi
out=$("$tool" "$@") || { echo "$out"; echo "FAIL: an answer differs on a sparse copy"; exit 1; }
echo "$out"
# every file here must be answered, not only refused as "not held"
if echo "$out" | grep -q '^held-'; then
	echo "FAIL: a file was stored not held"
	exit 1
fi
n=$(echo "$out" | grep -c '^same')
[ "$n" -eq "$#" ] || { echo "FAIL: $n of $# files compared"; exit 1; }
# the fatbin fixture must have GPU code to compare (else the comparison proves nothing for fatbins)
echo "$out" | grep -q "^same  $fixtures/libfatbin_host.so " || { echo "FAIL: fatbin fixture missing"; exit 1; }
echo "ok: $n files ($ncuda from $cuda) answer the same on their sparse copies"
