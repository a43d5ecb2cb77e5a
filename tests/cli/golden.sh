#!/usr/bin/env bash
# CLI golden tests: each case runs cuvet, normalises what varies between machines (the temporary
# root's path, the probe's duration) and compares stdout plus the exit status with
# golden/NAME.out. UPDATE_GOLDEN=1 rewrites the golden files instead.
#
# usage: golden.sh CUVET SHARED_DIR FAKE_NVML FAKE_CUDA
set -u
CUVET=$1 SHARED=$2 FAKE_NVML=$3 FAKE_CUDA=$4
HERE=$(cd "$(dirname "$0")" && pwd)
GOLDEN=$HERE/golden
CC=${CC:-cc}
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0 fail=0 skip=0

# skip_cases MARKER REASON: count the cases of the block opened by the line holding MARKER (up to
# its `else`) as skipped, and say so in the form the closing line counts (tests/README.md).
skip_cases() {
	local n
	n=$(awk -v m="$1" 'index($0, m) { on = 1; next } on && /^else/ { exit } on && /^[ \t]*check / { n++ } END { print n + 0 }' "$0")
	echo "CUVET-SKIP $n $2"
	skip=$((skip + n))
}

normalise() {
	# the temporary directory, and the probe's duration in JSON
	# and $PLATFORM, which depends on this CPU ("haswell" under glibc < 2.37)
	sed -e "s#$WORK#@WORK@#g" -e "s#$HERE#@HERE@#g" -e 's#"probe_seconds": [0-9.e+-]*#"probe_seconds": 0#' \
		-e 's#"platform": "[a-z0-9_]*"#"platform": "@PLATFORM@"#' \
		-e "s#\"glibc_version\": \"${HOST_GLIBC:-none}\"#\"glibc_version\": \"@HOST-GLIBC@\"#"
}
# A root made here with this machine's ldconfig carries this glibc's version in its cache: those
# cases set HOST_GLIBC (the captured H200 root keeps its own 2.39).
HOST_GLIBC=

# check NAME EXPECTED_EXIT -- ARGS...: compare stdout + exit with golden/NAME.out
check() {
	local name=$1 want=$2
	shift 3
	local out rc
	# the date is pinned: end-of-life findings depend on it
	out=$(env -i PATH=/usr/bin:/bin CUVET_TODAY=2026-11-29 "$@" 2>"$WORK/stderr")
	rc=$?
	{ printf '%s\n' "$out" | normalise; sed -e "s#$WORK#@WORK@#g" "$WORK/stderr" | sed 's/^/stderr: /'; echo "exit: $rc"; } >"$WORK/got"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$WORK/got" "$GOLDEN/$name.out"
	fi
	if [ "$rc" != "$want" ]; then
		echo "FAIL $name: exit $rc, want $want"
		cat "$WORK/got"
		fail=$((fail + 1))
	elif ! diff -u "$GOLDEN/$name.out" "$WORK/got"; then
		echo "FAIL $name: output differs from golden/$name.out"
		fail=$((fail + 1))
	else
		echo "ok   $name"
		pass=$((pass + 1))
	fi
}

# A tiny shared object with a SONAME, as the loader sees real libraries.
mklib() { # PATH SONAME
	mkdir -p "$(dirname "$1")"
	$CC -shared -fPIC -o "$1" -Wl,-soname,"$2" "$WORK/empty.c"
}
printf 'int cuvet_fixture(void) { return 0; }\n' >"$WORK/empty.c"

gpu_sysfs() { # ROOT BUS DEVICE_ID
	local d=$1/sys/bus/pci/devices/$2
	mkdir -p "$d"
	echo 0x10de >"$d/vendor"
	echo "$3" >"$d/device"
	echo 0x030200 >"$d/class"
}

proc_version() { # ROOT VERSION
	mkdir -p "$1/proc/driver/nvidia"
	printf 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  %s  Release Build  (dvs-builder@U16-I3-B08-1-1)  Fri Aug 15 00:00:00 UTC 2025\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n' "$2" >"$1/proc/driver/nvidia/version"
}

driver_libs() { # ROOT VERSION
	local lib=$1/usr/lib/x86_64-linux-gnu
	mklib "$lib/libcuda.so.$2" libcuda.so.1
	mklib "$lib/libnvidia-ml.so.$2" libnvidia-ml.so.1
	ln -sf "libcuda.so.$2" "$lib/libcuda.so.1"
	ln -sf "libnvidia-ml.so.$2" "$lib/libnvidia-ml.so.1"
}

ldconfig_root() { # ROOT DIR...
	local root=$1
	shift
	mkdir -p "$root/etc"
	printf '%s\n' "$@" >"$root/etc/ld.so.conf"
	"$LDCONFIG" -r "$root" 2>/dev/null
}

C="$CUVET"

# ---- the H200 host captured in shared/fixtures ------------------------------------------
if [ -d "$SHARED/fixtures/h200-host" ]; then # cases:h200
	H=$WORK/h200
	python3 "$HERE/../fixtures/mkroot.py" --merged-usr "$SHARED/fixtures/h200-host" "$H" "$CC"
	ENVF=$SHARED/fixtures/h200-host/env.txt
	check h200-probe 0 -- "$C" probe --root "$H" --env-file "$ENVF" --no-nvml
	check h200-probe-json 0 -- "$C" probe --json --root "$H" --env-file "$ENVF" --no-nvml
	check h200-doctor 0 -- "$C" doctor --root "$H" --env-file "$ENVF" --no-nvml
	"$C" probe --json --root "$H" --env-file "$ENVF" --no-nvml >"$WORK/h200-facts.json"
	check h200-doctor-facts 0 -- "$C" doctor --facts "$WORK/h200-facts.json"
	# cuvet check: the image's own NVIDIA_REQUIRE_CUDA holds (CUDA 13.0 inferred from driver 580.159.04);
	# cuda>=13.1 does not, and the fix names a newer branch (never cuda-compat: it does not change the
	# CUDA version nvidia-container-cli compares).
	check check-h200-env 0 -- "$C" check --root "$H" --env-file "$ENVF" --no-nvml
	check check-h200-cuda131 1 -- "$C" check --root "$H" --env-file "$ENVF" --no-nvml 'cuda>=13.1'
	check check-h200-cuda131-json 1 -- "$C" check --json --root "$H" --env-file "$ENVF" --no-nvml 'cuda>=13.1'
	check check-h200-facts 0 -- "$C" check --facts "$WORK/h200-facts.json" --env 'arch>=9.0,cudnn>=9.14'
	check check-h200-brand-unknown 3 -- "$C" check --facts "$WORK/h200-facts.json" 'brand=nvidia'
	check check-h200-assume-pass 0 -- "$C" check --facts "$WORK/h200-facts.json" --assume-unknown=pass 'brand=nvidia'
	check h200-why-cudnn 0 -- "$C" why --root "$H" --env-file "$ENVF" --with-dlopen libcudnn.so.9 libcuda.so.1
else
	skip_cases '# cases:h200' "h200-*: $SHARED/fixtures/h200-host not found"
fi

# ---- hand-built roots, one per finding -------------------------------------------------
R=$WORK/empty; mkdir -p "$R"
check no-driver 1 -- "$C" doctor --root "$R" --no-nvml

R=$WORK/gpu-no-driver; gpu_sysfs "$R" 0000:17:00.0 0x26b9
check driver-missing 1 -- "$C" doctor --root "$R" --no-nvml

R=$WORK/module-not-loaded; gpu_sysfs "$R" 0000:17:00.0 0x26b9; driver_libs "$R" 550.127.05
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
check module-not-loaded 1 -- "$C" doctor --root "$R" --no-nvml

R=$WORK/mismatch; gpu_sysfs "$R" 0000:17:00.0 0x2330; proc_version "$R" 580.95.05; driver_libs "$R" 580.159.04
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
check version-mismatch 1 -- "$C" doctor --root "$R" --no-nvml

R=$WORK/stub; gpu_sysfs "$R" 0000:17:00.0 0x2330; proc_version "$R" 580.95.05
mklib "$R/usr/local/cuda-12.4/targets/x86_64-linux/lib/stubs/libcuda.so" libcuda.so.1
ln -s cuda-12.4 "$R/usr/local/cuda"
ldconfig_root "$R" /usr/local/cuda/targets/x86_64-linux/lib/stubs
check stub-reachable 1 -- "$C" doctor --root "$R" --no-nvml

R=$WORK/compat-old; gpu_sysfs "$R" 0000:17:00.0 0x2330; proc_version "$R" 580.95.05; driver_libs "$R" 580.95.05
mklib "$R/usr/local/cuda-12.8/compat/libcuda.so.570.124.06" libcuda.so.1
ln -s libcuda.so.570.124.06 "$R/usr/local/cuda-12.8/compat/libcuda.so.1"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
echo "LD_LIBRARY_PATH=/usr/local/cuda-12.8/compat" >"$WORK/compat-old.env"
check compat-older-picked 1 -- "$C" doctor --root "$R" --env-file "$WORK/compat-old.env" --no-nvml
check compat-older-present 0 -- "$C" doctor --root "$R" --no-nvml

R=$WORK/compat-geforce; gpu_sysfs "$R" 0000:01:00.0 0x2684; proc_version "$R" 535.104.05; driver_libs "$R" 535.104.05
mklib "$R/usr/local/cuda-12.4/compat/libcuda.so.550.54.15" libcuda.so.1
ln -s libcuda.so.550.54.15 "$R/usr/local/cuda-12.4/compat/libcuda.so.1"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
echo "LD_LIBRARY_PATH=/usr/local/cuda-12.4/compat" >"$WORK/compat-geforce.env"
check compat-consumer-gpu 1 -- "$C" doctor --root "$R" --env-file "$WORK/compat-geforce.env" --no-nvml

R=$WORK/dup; gpu_sysfs "$R" 0000:17:00.0 0x2330; proc_version "$R" 580.95.05; driver_libs "$R" 580.95.05
mklib "$R/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.7" libcudnn.so.8
ln -s libcudnn.so.8.9.7 "$R/usr/lib/x86_64-linux-gnu/libcudnn.so.8"
SP=$R/usr/local/lib/python3.11/dist-packages
mklib "$SP/nvidia/cudnn/lib/libcudnn.so.8" libcudnn.so.8
mkdir -p "$SP/nvidia_cudnn_cu12-8.9.2.26.dist-info"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
check duplicate-library 0 -- "$C" doctor --root "$R" --no-nvml

R=$WORK/shadow; gpu_sysfs "$R" 0000:17:00.0 0x2330; proc_version "$R" 580.95.05; driver_libs "$R" 580.95.05
mklib "$R/usr/local/cuda-12.2/targets/x86_64-linux/lib/libcudart.so.12.2.140" libcudart.so.12
ln -s libcudart.so.12.2.140 "$R/usr/local/cuda-12.2/targets/x86_64-linux/lib/libcudart.so.12"
mklib "$R/opt/app/lib/libcudart.so.12.4.127" libcudart.so.12
ln -s libcudart.so.12.4.127 "$R/opt/app/lib/libcudart.so.12"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu /usr/local/cuda-12.2/targets/x86_64-linux/lib
echo "LD_LIBRARY_PATH=/opt/app/lib" >"$WORK/shadow.env"
check ld-library-path-shadows 0 -- "$C" doctor --root "$R" --env-file "$WORK/shadow.env" --no-nvml

# A CUDA 13 pip wheel on an R535 driver: the probe infers each copy's CUDA major (SONAME for
# cudart, the nvidia/cu13 wheel layout for cuFFT, the toolkit tree and a "+cuda12.2" dpkg version
# for the system copies) and doctor says which cannot run.
R=$WORK/kb-newer; gpu_sysfs "$R" 0000:17:00.0 0x2330; proc_version "$R" 535.104.05; driver_libs "$R" 535.104.05
SP=$R/usr/local/lib/python3.11/dist-packages
mklib "$SP/nvidia/cu13/lib/libcudart.so.13" libcudart.so.13
mklib "$SP/nvidia/cu13/lib/libcufft.so.12" libcufft.so.12
mkdir -p "$SP/nvidia_cuda_runtime-13.0.96.dist-info" "$SP/nvidia_cufft-12.0.0.61.dist-info"
TK=$R/usr/local/cuda-12.2/targets/x86_64-linux/lib
mklib "$TK/libcufft.so.11.0.8.103" libcufft.so.11
ln -s libcufft.so.11.0.8.103 "$TK/libcufft.so.11"
mklib "$R/usr/lib/x86_64-linux-gnu/libnccl.so.2.18.5" libnccl.so.2
ln -s libnccl.so.2.18.5 "$R/usr/lib/x86_64-linux-gnu/libnccl.so.2"
mkdir -p "$R/var/lib/dpkg/info"
printf 'Package: libnccl2\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.18.5-1+cuda12.2\n' >"$R/var/lib/dpkg/status"
printf '/usr/lib/x86_64-linux-gnu/libnccl.so.2.18.5\n/usr/lib/x86_64-linux-gnu/libnccl.so.2\n' >"$R/var/lib/dpkg/info/libnccl2.list"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu /usr/local/cuda-12.2/targets/x86_64-linux/lib
check kb-library-needs-newer-driver 1 -- "$C" doctor --root "$R" --no-nvml
HOST_GLIBC=$(ldd --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9.]*\)$/\1/p')
check kb-cuda-majors-probed 0 -- "$C" probe --json --root "$R" --no-nvml
HOST_GLIBC=
# GPUs known by PCI id only (sysfs under --root, no NVML): the KB's pci.ids-derived ids give each its compute
# capability (reference: pci.ids names 0x20b0 'GA100 [A100 SXM4 40GB]', 0x27b8 'AD104GL [L4]', 0x1db4
# 'GV100GL [Tesla V100 PCIe 16GB]'; NVIDIA's CUDA GPUs page: A100 8.0, L4 8.9, V100 7.0).
R=$WORK/kb-pci-ids; proc_version "$R" 535.104.05; driver_libs "$R" 535.104.05
gpu_sysfs "$R" 0000:17:00.0 0x20b0; gpu_sysfs "$R" 0000:18:00.0 0x27b8
check kb-pci-ids-a100-l4-arch 0 -- "$C" check --root "$R" --no-nvml 'arch>=8.0'
gpu_sysfs "$R" 0000:19:00.0 0x1db4
check kb-pci-ids-v100-arch 1 -- "$C" check --root "$R" --no-nvml 'arch>=8.0'
# ---- GPU code: libraries built with nvcc, judged against an H200 (9.0) from sysfs -------------
# The texts name PTX sizes and the PTX ISA version, which depend on the compiler: only nvcc 13.0.
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
if [ -x "$NVCC" ] && "$NVCC" --version 2>/dev/null | grep -q 'release 13\.0,'; then # cases:gpu-code
	printf '__global__ void cuvet_k(float *x) { x[threadIdx.x] = 1.0f; }\nvoid cuvet_launch(float *x) { cuvet_k<<<1, 32>>>(x); }\n' >"$WORK/k.cu"
	nvlib() { # PATH SONAME GENCODE...
		local out=$1 so=$2
		shift 2
		mkdir -p "$(dirname "$out")"
		"$NVCC" -shared -Xcompiler -fPIC "$@" -Xlinker -soname="$so" -o "$out" "$WORK/k.cu"
	}
	R=$WORK/gpucode; gpu_sysfs "$R" 0000:17:00.0 0x2335; proc_version "$R" 580.95.05; driver_libs "$R" 580.95.05
	# sm_80 SASS does not run on 9.0 (SASS runs only within its major), and there is no PTX.
	nvlib "$R/usr/lib/x86_64-linux-gnu/libcublasLt.so.12.9.1.4" libcublasLt.so.12 -gencode arch=compute_80,code=sm_80
	ln -s libcublasLt.so.12.9.1.4 "$R/usr/lib/x86_64-linux-gnu/libcublasLt.so.12"
	# compute_80 PTX only: the driver JIT-compiles it for 9.0.
	nvlib "$R/opt/app/lib/libkern_ptx.so" libkern_ptx.so -gencode arch=compute_80,code=compute_80
	# sm_90 SASS: runs as is, no finding.
	nvlib "$R/opt/app/lib/libkern_sm90.so" libkern_sm90.so -gencode arch=compute_90,code=sm_90
	ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
	check gpu-code-doctor 1 -- "$C" doctor --root "$R" --no-nvml
	check gpu-code-doctor-scan 1 -- "$C" doctor --root "$R" --no-nvml --scan /opt/app
	HOST_GLIBC=$(ldd --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9.]*\)$/\1/p')
	check gpu-code-probe 0 -- "$C" probe --json --root "$R" --no-nvml --gpu-code
	HOST_GLIBC=
	# The same judgement from the facts file: the targets survive the JSON round trip.
	env -i PATH=/usr/bin:/bin "$C" probe --json --root "$R" --no-nvml --gpu-code >"$WORK/gpucode-facts.json"
	check gpu-code-doctor-facts 1 -- "$C" doctor --facts "$WORK/gpucode-facts.json"
else
	skip_cases '# cases:gpu-code' "gpu-code-*: no nvcc 13.0 at $NVCC (set NVCC)"
fi
# ---- cuvet why: a hand-built root with no libc of its own (-nostdlib objects) ----------
nlib() { # PATH SONAME [LDFLAGS...]: a shared object that needs no libc
	local path=$1 soname=$2
	shift 2
	mkdir -p "$(dirname "$path")"
	$CC -shared -fPIC -nostdlib -o "$path" -Wl,-soname,"$soname" -Wl,--no-as-needed "$WORK/empty.c" "$@"
}
R=$WORK/why; L=$R/usr/lib/x86_64-linux-gnu; CU=$R/usr/local/cuda-12.4/targets/x86_64-linux/lib
SP=$R/usr/local/lib/python3.11/dist-packages; B=$WORK/why-build
nlib "$R/lib64/ld-linux-x86-64.so.2" ld-linux-x86-64.so.2
nlib "$L/libc.so.6" libc.so.6
nlib "$CU/libcudart.so.12.4.127" libcudart.so.12; ln -s libcudart.so.12.4.127 "$CU/libcudart.so.12"
nlib "$CU/libcublas.so.12.4.5.8" libcublas.so.12; ln -s libcublas.so.12.4.5.8 "$CU/libcublas.so.12"
nlib "$SP/nvidia/cuda_runtime/lib/libcudart.so.12" libcudart.so.12
mkdir -p "$SP/nvidia_cuda_runtime_cu12-12.1.105.dist-info" "$SP/nvidia_cudnn_cu12-8.9.7.29.dist-info"
nlib "$SP/nvidia/cudnn/lib/libcudnn.so.8" libcudnn.so.8
nlib "$R/opt/app/lib2/libbar.so.1" libbar.so.1
nlib "$R/opt/app/lib/libfoo.so.1" libfoo.so.1 "$R/opt/app/lib2/libbar.so.1"
# nvJitLink: the program is linked against 12.4 (which defines __nvJitLinkComplete_12_4), the root has 12.1
printf 'libnvJitLink.so.12 { global: __nvJitLinkCreate_12_0; __nvJitLinkComplete_12_4; local: *; };\n' >"$WORK/jl-new.map"
printf 'libnvJitLink.so.12 { global: __nvJitLinkCreate_12_0; local: *; };\n' >"$WORK/jl-old.map"
printf 'int __nvJitLinkCreate_12_0(void) { return 0; }\nint __nvJitLinkComplete_12_4(void) { return 0; }\n' >"$WORK/jl-new.c"
printf 'int __nvJitLinkCreate_12_0(void) { return 0; }\n' >"$WORK/jl-old.c"
mkdir -p "$B"
$CC -shared -fPIC -nostdlib -o "$B/libnvJitLink.so.12" -Wl,-soname,libnvJitLink.so.12 -Wl,--version-script="$WORK/jl-new.map" "$WORK/jl-new.c"
$CC -shared -fPIC -nostdlib -o "$CU/libnvJitLink.so.12.1.105" -Wl,-soname,libnvJitLink.so.12 -Wl,--version-script="$WORK/jl-old.map" "$WORK/jl-old.c"
ln -s libnvJitLink.so.12.1.105 "$CU/libnvJitLink.so.12"
nlib "$B/libcudnn.so.8" libcudnn.so.8
nlib "$B/libcublas.so.11" libcublas.so.11
printf 'int __nvJitLinkComplete_12_4(void);\nint _start(void) { return __nvJitLinkComplete_12_4(); }\n' >"$WORK/app.c"
mkdir -p "$R/opt/app/bin"
$CC -nostdlib -fPIE -pie -o "$R/opt/app/bin/app" "$WORK/app.c" -Wl,--no-as-needed -Wl,--disable-new-dtags \
	-Wl,-rpath,'$ORIGIN/../lib:$ORIGIN/../lib2' "$R/opt/app/lib/libfoo.so.1" "$CU/libcudart.so.12" \
	"$B/libcudnn.so.8" "$B/libcublas.so.11" "$B/libnvJitLink.so.12" "$L/libc.so.6"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu /usr/local/cuda-12.4/targets/x86_64-linux/lib
check why-app 1 -- "$C" why --root "$R" /opt/app/bin/app
check why-app-json 1 -- "$C" why --json --root "$R" /opt/app/bin/app
check why-soname 0 -- "$C" why --root "$R" libcudart.so.12
check why-soname-llp 0 -- "$C" why --root "$R" --ld-library-path /usr/local/lib/python3.11/dist-packages/nvidia/cuda_runtime/lib libcudart.so.12
check why-soname-missing 1 -- "$C" why --root "$R" --no-explain libnothere.so.1
# cuDNN 9's shim and its dlopen'ed sub-libraries (one of them missing)
nlib "$CU/libcudnn.so.9.1.0" libcudnn.so.9 -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN'; ln -s libcudnn.so.9.1.0 "$CU/libcudnn.so.9"
for s in graph engines_precompiled engines_runtime_compiled heuristic ops cnn; do
	nlib "$CU/libcudnn_$s.so.9.1.0" "libcudnn_$s.so.9"; ln -s "libcudnn_$s.so.9.1.0" "$CU/libcudnn_$s.so.9"
done
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu /usr/local/cuda-12.4/targets/x86_64-linux/lib
check why-dlopen 0 -- "$C" why --root "$R" --with-dlopen libcudnn.so.9
check why-no-dlopen 0 -- "$C" why --root "$R" libcudnn.so.9
# a library installed into a directory ld.so.conf lists, after ldconfig last ran
nlib "$R/opt/late/libcudnn.so.8" libcudnn.so.8
printf '/usr/lib/x86_64-linux-gnu\n/usr/local/cuda-12.4/targets/x86_64-linux/lib\n/opt/late\n' >"$R/etc/ld.so.conf"
check why-stale-cache 1 -- "$C" why --root "$R" /opt/app/bin/app
check why-usage 2 -- "$C" why
check why-input-missing 4 -- "$C" why --root "$R" /opt/app/bin/nothere
printf 'not an ELF file\n' >"$R/opt/app/bin/text"
check why-input-not-elf 4 -- "$C" why --root "$R" /opt/app/bin/text

# Libraries but no driver: how they would run is unknown, and check says so (exit 3).
R=$WORK/libs-no-driver
mklib "$R/usr/lib/x86_64-linux-gnu/libcudart.so.12.4.127" libcudart.so.12
ln -s libcudart.so.12.4.127 "$R/usr/lib/x86_64-linux-gnu/libcudart.so.12"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
check check-libs-no-driver 3 -- "$C" check --root "$R" --no-nvml 'count>=0'

# ---- facts files: what only NVML can say -----------------------------------------------
for f in "$HERE"/facts/*.json; do
	n=$(basename "$f" .json)
	want=$(sed -n 's/.*"_expect_exit": *\([0-9]\).*/\1/p' "$f")
	check "facts-$n" "${want:-1}" -- "$C" doctor --facts "$f"
done

# ---- cuvet check on facts files ---------------------------------------------------------
cp "$HERE/check-facts/t4-l40s-550.json" "$WORK/t4-l40s-550.json"; CF=$WORK/t4-l40s-550.json
check check-facts-env 0 -- "$C" check --facts "$CF"
check check-facts-two-gpus 1 -- "$C" check --facts "$CF" 'arch>=8.0' 'cuda>=12.6'
check check-facts-per-gpu 0 -- "$C" check --facts "$CF" 'brand=tesla brand=nvidia,arch>=8.9'
check check-facts-visible 0 -- "$C" check --facts "$CF" --visible-devices GPU-66666666-7777-8888-9999-000000000000 'arch>=8.0'
check check-facts-no-gpu 3 -- "$C" check --facts "$CF" --visible-devices none 'arch>=8.0'
check check-facts-syntax-after-pass 2 -- "$C" check --facts "$CF" 'cuda>=12 foo>=1'
check check-facts-json-invalid 2 -- "$C" check --json --facts "$CF" 'cuda=>12'
check check-facts-gpu-glob 1 -- "$C" check --facts "$CF" 'gpu=*L40[Ss]*'
check check-facts-gpu-glob-invalid 2 -- "$C" check --facts "$CF" 'gpu=*L40[S'
# The libraries themselves: a CUDA 13 wheel and a cuDNN for CUDA 13 on an R535 driver (CUDA 12.2)
# with a consumer GPU: neither can run, and cuDNN does not match the CUDA 12 cudart a program loads.
cp "$HERE/check-facts/libs-cuda13-on-535.json" "$WORK/libs13.json"
check check-libs-cannot-run 1 -- "$C" check --facts "$WORK/libs13.json" 'cuda>=12.0'
check check-libs-cannot-run-json 1 -- "$C" check --json --facts "$WORK/libs13.json" 'cuda>=12.0'
printf 'NVIDIA_REQUIRE_CUDA=cuda>=12.0,\n' >"$WORK/check-bad.env"
check check-input-invalid-env 4 -- "$C" check --facts "$CF" --env-file "$WORK/check-bad.env"
printf 'NVIDIA_REQUIRE_CUDA=cuda>=99\nNVIDIA_DISABLE_REQUIRE=True\n' >"$WORK/check-disabled.env"
check check-disabled 0 -- "$C" check --facts "$CF" --env-file "$WORK/check-disabled.env"
printf 'CUDA_VERSION=12.6.3\nNVIDIA_REQUIRE_JETPACK=csv-mode\n' >"$WORK/check-legacy.env"
check check-legacy-cuda-version 1 -- "$C" check --facts "$CF" --env-file "$WORK/check-legacy.env"
# --kb: a newer table dropped in without a rebuild (here with an edited minimum driver for 12.6.0)
mkdir -p "$WORK/kb"
sed 's/560\.28\.03/560.99.99/g' "$HERE/../../data/cuda-toolkit-driver.tsv" >"$WORK/kb/cuda-toolkit-driver.tsv"
check check-kb-dir 1 -- "$C" check --facts "$CF" --kb "$WORK/kb" 'cuda>=12.6'
check check-kb-missing 4 -- "$C" check --facts "$CF" --kb "$WORK/no-such-kb" 'cuda>=12.6'
check check-usage-assume 2 -- "$C" check --facts "$CF" --assume-unknown=maybe 'cuda>=12'
check check-usage-visible 2 -- "$C" check --facts "$CF" --visible-devices 7 'cuda>=12'

# ---- cuvet kb: the knowledge base's answers, text and JSON ---------------------------------
check kb-driver-535 0 -- "$C" kb driver 535.104.05
check kb-driver-535-json 0 -- "$C" kb driver 535.104.05 --json
check kb-driver-580-boundary 0 -- "$C" kb driver 580.65.06
check kb-cuda-12.4 0 -- "$C" kb cuda 12.4
check kb-cuda-12.4-json 0 -- "$C" kb cuda 12.4 --json
check kb-gpu-l40s 0 -- "$C" kb gpu L40S
# precision per GPU: Pascal consumer parts run FP16 at 1/64 of FP32 (CUDA's throughput table)
check kb-gpu-gtx1080-precision 0 -- "$C" kb gpu "GeForce GTX 1080"
check kb-gpu-b200-precision-json 0 -- "$C" kb gpu B200 --json
check kb-gpu-pci 0 -- "$C" kb gpu 0x2335 --json
check kb-gpu-pci-a100-40gb 0 -- "$C" kb gpu 10de:20b0
check kb-gpu-unverified 0 -- "$C" kb gpu 0x2324
check kb-image-trt 0 -- "$C" kb image nvcr.io/nvidia/tensorrt:23.09-py3
check kb-tensorrt 0 -- "$C" kb tensorrt 8.6.1
check kb-cudnn 0 -- "$C" kb cudnn 8.9.7
# --version's knowledge-base date is data/DATE's, the file compiled in with the tables (reference: the file)
kb_date_want=$(cat "$HERE/../../data/DATE")
if [ "$("$C" --version | sed -n 's/^knowledge base: //p')" = "$kb_date_want" ]; then
	echo "ok   kb-version-date"
	pass=$((pass + 1))
else
	echo "FAIL kb-version-date: --version does not print data/DATE ($kb_date_want)"
	"$C" --version
	fail=$((fail + 1))
fi
check kb-cudnn-9.1.0 0 -- "$C" kb cudnn 9.1.0
check kb-cudnn-9.2.1 0 -- "$C" kb cudnn 9.2.1
check kb-cudnn-8.9.2 0 -- "$C" kb cudnn 8.9.2
check kb-cudnn-9.7.0 0 -- "$C" kb cudnn 9.7.0 --json
check kb-cudnn-not-in-table 3 -- "$C" kb cudnn 9.25.0
check kb-unknown-gpu 3 -- "$C" kb gpu "NVIDIA Imaginary 9000"
check kb-bad-version 2 -- "$C" kb driver 535.x
check kb-bad-question 2 -- "$C" kb frobnicate 1

# ---- usage and input errors ------------------------------------------------------------
check usage-unknown-option 2 -- "$C" doctor --frobnicate
check usage-unknown-command 2 -- "$C" frobnicate
check usage-bad-timeout 2 -- "$C" probe --timeout abc
check usage-extra-arg 2 -- "$C" probe extra
check input-missing-env-file 4 -- "$C" probe --env-file "$WORK/does-not-exist"
printf 'NOT A VALID LINE\n' >"$WORK/bad.env"
check input-bad-env-file 4 -- "$C" probe --env-file "$WORK/bad.env"
printf '{"schema": "cuvet.facts/9"}' >"$WORK/bad-facts.json"
check input-bad-facts 4 -- "$C" doctor --facts "$WORK/bad-facts.json"
printf '{"schema": "cuvet.facts/1", "driver": {"kernel_version": 5}}' >"$WORK/bad-type.json"
check input-bad-facts-type 4 -- "$C" doctor --facts "$WORK/bad-type.json"
check usage-facts-with-root 2 -- "$C" doctor --facts "$WORK/bad-type.json" --root /
printf '{"schema": "cuvet.facts/1", "gpus": [1, 2]}' >"$WORK/bad-gpus.json"
check input-bad-facts-gpus 4 -- "$C" doctor --facts "$WORK/bad-gpus.json"
printf '{"schema": "cuvet.facts/1", "libraries": [{"family": "cublas", "name": "libcublasLt.so.12", "path": "/x/libcublasLt.so.12", "gpu_code": [{"target": "sm_80"}, {"target": "sm_9x"}]}]}' >"$WORK/bad-target.json"
check input-bad-gpu-code-target 4 -- "$C" doctor --facts "$WORK/bad-target.json"
printf '{"schema": "cuvet.facts/1", "libraries": [{"family": "cublas", "name": "libcublasLt.so.12", "path": "/x/libcublasLt.so.12", "gpu_code": [{"target": "compute_80", "ptx_isa": "eight"}]}]}' >"$WORK/bad-isa.json"
check input-bad-gpu-code-isa 4 -- "$C" doctor --facts "$WORK/bad-isa.json"
check usage-scan-with-facts 2 -- "$C" doctor --facts "$WORK/bad-isa.json" --scan /opt

# ---- NVML through the test double, on this machine's root -------------------------------
nvml_case() { # NAME MODE GPUS EXPECT(python expression over facts j)
	local out
	out=$(env -i PATH=/usr/bin:/bin CUVET_FAKE_NVML_MODE="$2" CUVET_FAKE_NVML_GPUS="$3" \
		"$C" probe --json --nvml-lib "$FAKE_NVML" --timeout 1 2>"$WORK/stderr")
	if printf '%s' "$out" | python3 -c "import json,sys; j=json.load(sys.stdin); d=j['driver']; g=j['gpus']; sys.exit(0 if ($4) else 1)"; then
		echo "ok   nvml-$1"
		pass=$((pass + 1))
	else
		echo "FAIL nvml-$1: expected $4"
		printf '%s\n' "$out" | head -40
		fail=$((fail + 1))
	fi
}
nvml_case ok ok "NVIDIA H200,9.0,nvidia,143771,pci=0x2335,bus=00000000:00:06.0" \
	"d['nvml_status']==0 and d['cuda']=='13.0' and d['cuda_source']=='nvml' and len(g)==1 and g[0]['compute_capability']=='9.0' and g[0]['memory_mib']==143771 and g[0]['brand']=='nvidia' and g[0]['pci_device_id']=='0x233510DE' and g[0]['segment']=='datacenter'"
nvml_case two-gpus ok "NVIDIA H100 80GB HBM3,9.0,nvidia,81559,pci=0x2330;NVIDIA L40S,8.9,nvidia,46068,pci=0x26b9,mig=-" \
	"[x['compute_capability'] for x in g]==['9.0','8.9'] and g[1]['mig_mode'] is None"
nvml_case rm-mismatch rm_mismatch "" \
	"d['nvml_status']==18 and 'Driver/library version mismatch' in d['nvml_error']"
nvml_case hang hang "" "d['nvml_status']==-2"
nvml_case crash crash "" "d['nvml_status']==-3"

# judge_json NAME WANT EXPECT OUT RC: the exit status and a Python condition over the JSON j.
judge_json() {
	local name=$1 want=$2 expect=$3 out=$4 rc=$5
	if [ "$rc" = "$want" ] && printf '%s' "$out" | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($expect) else 1)"; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name: exit $rc (want $want), expected $expect"
		printf '%s\n' "$out" | head -30
		cat "$WORK/stderr"
		fail=$((fail + 1))
	fi
}

# Several GPUs through the NVML double (issue: several GPUs): a requirement one GPU meets and the
# other does not, then visible-device subsets by index and by UUID, as check and probe see them.
multi_case() { # NAME EXPECTED_EXIT GPUS EXTRA_ENV -- ARGS... ; then a python check of the JSON
	local name=$1 want=$2 gpus=$3 extra=$4 expect=$5
	shift 6
	local out rc
	out=$(env -i PATH=/usr/bin:/bin CUVET_FAKE_NVML_MODE=ok CUVET_FAKE_NVML_GPUS="$gpus" $extra \
		"$C" "$@" --json --nvml-lib "$FAKE_NVML" --timeout 2 2>"$WORK/stderr")
	rc=$?
	judge_json "$name" "$want" "$expect" "$out" "$rc"
}
TWO="NVIDIA H100 80GB HBM3,9.0,nvidia,81559,pci=0x2330,uuid=GPU-aaaaaaaa-0000-0000-0000-000000000000;Tesla T4,7.5,tesla,15360,pci=0x1eb8,mig=1,uuid=GPU-bbbbbbbb-0000-0000-0000-000000000000;NVIDIA H100 80GB HBM3,9.0,nvidia,81559,pci=0x2330,lost"
multi_case multi-probe 0 "$TWO" "" "[g['compute_capability'] for g in j['gpus']]==['9.0','7.5',None] and j['gpus'][1]['mig_mode'] is True and j['gpus'][2]['lost'] is True" -- probe
multi_case multi-check-one-fails 1 "$TWO" "" "j['verdict']=='FAIL' and j['visible_gpus']==3" -- check 'arch>=8.0'
multi_case multi-check-subset-index 0 "$TWO" "" "j['verdict']=='PASS' and j['visible_gpus']==1" -- check --visible-devices 0 'arch>=8.0'
multi_case multi-check-subset-uuid 1 "$TWO" "" "j['verdict']=='FAIL' and j['visible_gpus']==1" -- check --visible-devices GPU-bbbbbbbb-0000-0000-0000-000000000000 'arch>=8.0'
multi_case multi-check-cuda-visible 0 "$TWO" "CUDA_VISIBLE_DEVICES=0" "j['verdict']=='PASS' and j['visible_gpus']==1" -- check 'arch>=8.0'
multi_case multi-doctor-lost 1 "$TWO" "" "any(x['id']=='gpu-lost' for x in j['findings'])" -- doctor

# ---- paths that options name: missing or of the wrong kind is an input error naming them (exit 4)
check input-root-missing 4 -- "$C" probe --root "$WORK/no-such-root" --no-nvml
check input-root-not-dir 4 -- "$C" doctor --root "$WORK/bad.env" --no-nvml
check input-env-file-dir 4 -- "$C" probe --env-file "$WORK/empty" --no-nvml
check input-facts-dir 4 -- "$C" check --facts "$WORK/empty" 'cuda>=12'
check input-facts-missing 4 -- "$C" doctor --facts "$WORK/no-such-facts.json"
check input-scan-missing 4 -- "$C" doctor --root "$WORK/empty" --no-nvml --scan /nonexistent
check input-scan-not-dir 4 -- "$C" doctor --root "$WORK/shadow" --no-nvml --scan /opt/app/lib/libcudart.so.12
check input-nvml-lib-missing 4 -- "$C" probe --nvml-lib "$WORK/no-such-dir/libnvidia-ml.so.1"
check input-kb-not-dir 4 -- "$C" check --facts "$CF" --kb "$WORK/bad.env" 'cuda>=12'
# ---- option syntax: an argument given to an option that takes none, an ambiguous prefix (exit 2)
check usage-json-with-value 2 -- "$C" probe --json=true
check usage-quiet-with-value 2 -- "$C" doctor --quiet=yes
check usage-ambiguous-option 2 -- "$C" doctor --no
check usage-missing-argument 2 -- "$C" check --kb
# ---- --env-file in Docker's format (docker/cli opts/file.go): leading whitespace trimmed, '#'
# comments and empty lines skipped, values kept as written, a UTF-8 BOM dropped, and a name alone
# taking its value from cuvet's own environment (NVIDIA_DRIVER_CAPABILITIES, set below) or left out
# when that has none (NVIDIA_VISIBLE_DEVICES, unset).
printf '\357\273\277# a comment\n\n   CUDA_VISIBLE_DEVICES=0\nNVIDIA_DRIVER_CAPABILITIES\nNVIDIA_VISIBLE_DEVICES\n\tLD_LIBRARY_PATH=/opt/a b:/opt/c  \nNVIDIA_REQUIRE_CUDA="cuda>=12"\n' >"$WORK/docker.env"
check env-file-docker-rules 0 -- env NVIDIA_DRIVER_CAPABILITIES=compute,utility "$C" probe --root "$WORK/empty" --no-nvml --env-file "$WORK/docker.env"
check env-file-name-unset 0 -- "$C" probe --root "$WORK/empty" --no-nvml --env-file "$WORK/docker.env"
printf 'CUDA_VISIBLE_DEVICES =0\n' >"$WORK/space-name.env"
check input-env-file-name-space 4 -- "$C" probe --root "$WORK/empty" --no-nvml --env-file "$WORK/space-name.env"
printf '# only a value\n=0\n' >"$WORK/no-name.env"
check input-env-file-no-name 4 -- "$C" probe --root "$WORK/empty" --no-nvml --env-file "$WORK/no-name.env"

# ---- --no-load and a bad --nvml-lib, through the NVML and libcuda test doubles --------------
# json_case NAME EXPECTED_EXIT "ENV..." EXPECT(python over the JSON j) -- ARGS...
# EXPECTED_EXIT "findings": doctor on the live host, whose other findings depend on the machine
# (no driver here, a real one on a GPU machine): the exit must be 1 exactly when a finding is an error.
json_case() {
	local name=$1 want=$2 extra=$3 expect=$4
	shift 5
	local out rc
	out=$(env -i PATH=/usr/bin:/bin CUVET_TODAY=2026-11-29 $extra "$C" "$@" 2>"$WORK/stderr")
	rc=$?
	if [ "$want" = findings ]; then
		want=$(printf '%s' "$out" | python3 -c "import json,sys; j=json.load(sys.stdin); print(1 if any(x['severity']=='error' for x in j['findings']) else 0)" 2>/dev/null)
	fi
	judge_json "$name" "$want" "$expect" "$out" "$rc"
}
# NVML answers but cannot say the driver's CUDA, so the probe asks libcuda's cuDriverGetVersion
# (the double says 12.4) ...
LC="CUVET_FAKE_NVML_MODE=init_ok_no_cuda CUVET_CUDA_LIBRARY=$FAKE_CUDA CUVET_FAKE_CUDA_VERSION=12040"
json_case load-libcuda 0 "$LC" "j['driver']['cuda_source']=='libcuda' and j['driver']['cuda']=='12.4'" -- \
	probe --json --nvml-lib "$FAKE_NVML" --timeout 2
# ... but not with --no-load, in probe, doctor and check alike: probe and check both infer the
# driver's CUDA from NVML's driver version (580.159.04 -> 13.0) through the knowledge base, the
# one rule for the driver in effect. NVML is still asked (--no-nvml governs it).
json_case no-load-probe 0 "$LC" "j['driver']['cuda_source']=='inferred' and j['driver']['cuda']=='13.0' and j['driver']['nvml_status']==0 and len(j['gpus'])==1" -- \
	probe --json --nvml-lib "$FAKE_NVML" --timeout 2 --no-load
json_case no-load-check 0 "$LC" "j['cuda_source']=='kb, inferred from driver 580.159.04' and j['cuda']=='13.0' and j['verdict']=='PASS'" -- \
	check --json --nvml-lib "$FAKE_NVML" --timeout 2 --no-load 'arch>=8.0'
# check probes without NVML when every clause is answered without it (cuda, driver, library keys),
# and asks NVML after all when that probe cannot decide: with no kernel module here, the driver is
# NVML's (the double's) alone, so the answer must be the one a probe with NVML gives.
[ -e /proc/driver/nvidia/version ] || json_case check-lazy-nvml-fallback 0 "CUVET_FAKE_NVML_MODE=ok CUVET_NVML_LIBRARY=$FAKE_NVML" \
	"j['cuda_source']=='nvml' and j['cuda']=='13.0' and j['driver']=='580.159.04' and j['verdict']=='PASS'" -- \
	check --json --timeout 2 'cuda>=12.0'
# the same with brand groups beside (CUDA images' NVIDIA_REQUIRE_CUDA): the cuda group alone may
# decide it, so the probe starts without NVML; undecided here, it asks NVML after all
[ -e /proc/driver/nvidia/version ] || json_case check-lazy-brand-fallback 0 "CUVET_FAKE_NVML_MODE=ok CUVET_NVML_LIBRARY=$FAKE_NVML" \
	"j['cuda_source']=='nvml' and j['cuda']=='13.0' and j['verdict']=='PASS' and j['requirements'][0]['groups'][1]['clauses'][0]['verdict']!='UNKNOWN'" -- \
	check --json --timeout 2 'cuda>=12.0 brand=tesla,driver>=535,driver<536'
json_case no-load-doctor 1 "CUVET_FAKE_NVML_MODE=rm_mismatch CUVET_CUDA_LIBRARY=$FAKE_CUDA CUVET_FAKE_CUDA_VERSION=12040" \
	"j['facts']['driver']['cuda_source']!='libcuda' and any(x['id']=='driver-version-mismatch' for x in j['findings'])" -- \
	doctor --json --nvml-lib "$FAKE_NVML" --timeout 2 --no-load
# A library that is not NVML given as --nvml-lib: the invocation's problem, named as such (nvml_status
# -4, finding nvml-missing naming the path), never nvml-failed with advice to check dmesg for Xid.
json_case nvml-lib-not-nvml 0 "" "j['driver']['nvml_status']==-4 and j['driver']['nvml_error']=='the NVML library given ($FAKE_CUDA) is not NVML: it has neither nvmlInit_v2 nor nvmlInit'" -- \
	probe --json --nvml-lib "$FAKE_CUDA" --timeout 2
json_case nvml-lib-not-nvml-doctor findings "" "[x['id'] for x in j['findings'] if x['id'].startswith('nvml')]==['nvml-missing'] and '$FAKE_CUDA' in [x for x in j['findings'] if x['id']=='nvml-missing'][0]['cause'] and 'Xid' not in json.dumps(j['findings'])" -- \
	doctor --json --nvml-lib "$FAKE_CUDA" --timeout 2

# ---- one host view: check and doctor read the same derived facts (tests/cli/host-facts/) -----
HF=$HERE/host-facts
# a CUDA 13 runtime on driver 535 with no compat libcuda in effect: check FAILs, doctor errs, alike
check host-cuda13-on-535-check 1 -- "$C" check --facts "$HF/cuda13-on-535.json" 'cuda>=12.0'
check host-cuda13-on-535-doctor 1 -- "$C" doctor --facts "$HF/cuda13-on-535.json"
# two cudart SONAMEs of different majors each picked: no single runtime to mismatch cuDNN against
check host-two-runtimes-check 0 -- "$C" check --facts "$HF/two-runtimes.json" 'cuda>=12.0'
check host-two-runtimes-doctor 0 -- "$C" doctor --facts "$HF/two-runtimes.json"
# libcuda.so.1 in a library directory resolving into cuda-12.8/compat: its version is not the driver's
check host-compat-symlink-check 3 -- "$C" check --facts "$HF/compat-libcuda-symlink.json" 'driver>=560'
# the facts' own visibility (GPU 1 hidden when probed) counts when no environment is given
check host-one-gpu-hidden-check 3 -- "$C" check --facts "$HF/one-gpu-hidden.json" 'brand=nvidia'
# a compat libcuda answered cuDriverGetVersion: doctor and check both show the driver's own CUDA
check host-compat-answered-doctor 0 -- "$C" doctor --facts "$HF/compat-libcuda-answered.json"
check host-compat-answered-check 0 -- "$C" check --facts "$HF/compat-libcuda-answered.json" 'cuda>=12.0'
# a toolkit with a compat libcuda but no path (hand-written facts): a finding, not a crash
check host-toolkit-without-path-doctor 0 -- "$C" doctor --facts "$HF/toolkit-without-path.json"

# ---- the workload, not only the runtime's strings: check and doctor say what a CUDA program
# started here will hit (803 from a stale compat libcuda, no GPU left by CUDA_VISIBLE_DEVICES) -----
# A forward-compat libcuda 580.95.05 (cuda-compat-13-0) first on LD_LIBRARY_PATH, kernel module
# 580.159.04 on an H200: PyTorch fails with error 803. The image's requirement holds; check FAILs.
R=$WORK/stale-compat; gpu_sysfs "$R" 0000:17:00.0 0x2335; proc_version "$R" 580.159.04; driver_libs "$R" 580.159.04
mklib "$R/usr/local/cuda-13.0/compat/libcuda.so.580.95.05" libcuda.so.1
ln -s libcuda.so.580.95.05 "$R/usr/local/cuda-13.0/compat/libcuda.so.1"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
printf 'LD_LIBRARY_PATH=/usr/local/cuda-13.0/compat\nNVIDIA_REQUIRE_CUDA=cuda>=13.0\n' >"$WORK/stale-compat.env"
printf 'NVIDIA_REQUIRE_CUDA=cuda>=13.0\n' >"$WORK/require-13.env"
check workload-compat-stale-check 1 -- "$C" check --root "$R" --env-file "$WORK/stale-compat.env" --no-nvml
check workload-compat-stale-check-json 1 -- "$C" check --json --root "$R" --env-file "$WORK/stale-compat.env" --no-nvml
check workload-compat-stale-doctor 1 -- "$C" doctor --root "$R" --env-file "$WORK/stale-compat.env" --no-nvml
# without the compat directory on LD_LIBRARY_PATH the same host passes
check workload-compat-present-check 0 -- "$C" check --root "$R" --env-file "$WORK/require-13.env" --no-nvml
# From facts: the facts probed with the compat directory on LD_LIBRARY_PATH FAIL as they are...
"$C" probe --json --root "$R" --env-file "$WORK/stale-compat.env" --no-nvml >"$WORK/stale-compat.json"
check workload-compat-stale-facts-check 1 -- "$C" check --facts "$WORK/stale-compat.json"
check workload-compat-stale-facts-doctor 1 -- "$C" doctor --facts "$WORK/stale-compat.json"
# ... and pass for a workload whose environment (--env-file) has no LD_LIBRARY_PATH: its loader
# takes the driver's libcuda.so.1 that /etc/ld.so.cache names
check workload-compat-facts-env-clean-check 0 -- "$C" check --facts "$WORK/stale-compat.json" --env-file "$WORK/require-13.env"
# facts probed without LD_LIBRARY_PATH, the workload's env file putting the compat directory first:
# the libcuda the workload's loader picks is the compat copy the facts list (803), check and doctor alike
env -i PATH=/usr/bin:/bin "$C" probe --json --root "$R" --no-nvml >"$WORK/compat-present.json"
check workload-compat-facts-env-stale-check 1 -- "$C" check --facts "$WORK/compat-present.json" --env-file "$WORK/stale-compat.env"
check workload-compat-facts-env-stale-doctor 1 -- "$C" doctor --facts "$WORK/compat-present.json" --env-file "$WORK/stale-compat.env"
# A cuda-compat 12.4 libcuda first on LD_LIBRARY_PATH of a GeForce RTX 4090 (root built above):
# error 804; check FAILs as doctor's compat-consumer-gpu case errs.
check workload-compat-consumer-check 1 -- "$C" check --root "$WORK/compat-geforce" --env-file "$WORK/compat-geforce.env" --no-nvml 'cuda>=12.0'

# CUDA_VISIBLE_DEVICES=7 on a one-GPU host: PyTorch says "No CUDA GPUs are available". The facts
# were probed without it; the workload's environment comes from --env-file.
R=$WORK/one-gpu; gpu_sysfs "$R" 0000:17:00.0 0x2335; proc_version "$R" 580.159.04; driver_libs "$R" 580.159.04
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
env -i PATH=/usr/bin:/bin "$C" probe --json --root "$R" --no-nvml >"$WORK/one-gpu.json"
printf 'CUDA_VISIBLE_DEVICES=7\nNVIDIA_REQUIRE_CUDA=cuda>=13.0\n' >"$WORK/cvd7.env"
printf 'NVIDIA_VISIBLE_DEVICES=none\nCUDA_VISIBLE_DEVICES=7\n' >"$WORK/nvd-none.env"
check workload-cvd7-facts-check 1 -- "$C" check --facts "$WORK/one-gpu.json" --env-file "$WORK/cvd7.env"
check workload-cvd7-facts-doctor 1 -- "$C" doctor --facts "$WORK/one-gpu.json" --env-file "$WORK/cvd7.env"
check workload-cvd7-root-check 1 -- "$C" check --root "$R" --env-file "$WORK/cvd7.env" --no-nvml 'driver>=580'
# NVIDIA_VISIBLE_DEVICES=none asks for no GPU on purpose: neither check nor doctor complains
check workload-nvd-none-facts-check 0 -- "$C" check --facts "$WORK/one-gpu.json" --env-file "$WORK/nvd-none.env"
check workload-nvd-none-facts-doctor 0 -- "$C" doctor --facts "$WORK/one-gpu.json" --env-file "$WORK/nvd-none.env"
# the facts alone (no env file): the GPU is visible, nothing to say
check workload-one-gpu-facts-check 0 -- "$C" check --facts "$WORK/one-gpu.json" 'cuda>=13.0'

# Thirteen CUDA libraries in /opt/app/lib, each the same release as the toolkit's copy the cache
# names: one note, not thirteen; one of another version: one warning naming it.
R=$WORK/shadow-same; gpu_sysfs "$R" 0000:17:00.0 0x2335; proc_version "$R" 580.159.04; driver_libs "$R" 580.159.04
TL=/usr/local/cuda-13.0/targets/x86_64-linux/lib
for so in libcudart.so.13:13.0.96 libcublas.so.13:13.1.0.3 libcublasLt.so.13:13.1.0.3 libcufft.so.12:12.0.0.61 \
	libcurand.so.10:10.4.0.35 libcusparse.so.12:12.6.3.3 libcusolver.so.12:12.0.4.66 libnvrtc.so.13:13.0.88 \
	libnvJitLink.so.13:13.0.88 libcupti.so.13:13.0.85 libcufftw.so.12:12.0.0.61 \
	libcusolverMg.so.12:12.0.4.66 libnvrtc-builtins.so.13.0:13.0.88; do
	name=${so%%:*} ver=${so#*:} base=${name%%.so*}
	for d in "$R$TL" "$R/opt/app/lib"; do
		mklib "$d/$base.so.$ver" "$name"
		ln -sf "$base.so.$ver" "$d/$name"
	done
done
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu "$TL"
echo "LD_LIBRARY_PATH=/opt/app/lib" >"$WORK/shadow-same.env"
check workload-shadow-same-doctor 0 -- "$C" doctor --root "$R" --env-file "$WORK/shadow-same.env" --no-nvml
rm "$R/opt/app/lib/libcurand.so.10" "$R/opt/app/lib/libcurand.so.10.4.0.35"
mklib "$R/opt/app/lib/libcurand.so.10.3.10.19" libcurand.so.10
ln -s libcurand.so.10.3.10.19 "$R/opt/app/lib/libcurand.so.10"
check workload-shadow-one-differs-doctor 0 -- "$C" doctor --root "$R" --env-file "$WORK/shadow-same.env" --no-nvml

# ---- what nvidia-container-cli refuses keeps the container from starting: exit 1 ------------
# Checked against libnvidia-container: src/cli/dsl.c (dsl_evaluate splits groups on ' ' only;
# evaluate_rule knows cuda, driver, arch, brand; dsl_compare_version reads numbers with strtoumax),
# src/cli/cli.h (reqs[32]) and src/cli/configure.c (GPUs outer, requirements inner).
# cuvet's own key in the environment (count=2 holds here): cuvet's reading passes, the runtime finds
# no rule for it, so the container does not start.
printf 'NVIDIA_REQUIRE_CUDA=cuda>=12.0 brand=tesla\nNVIDIA_REQUIRE_COUNT=count=2\n' >"$WORK/refuse-key.env"
check check-refused-cuvet-key 1 -- "$C" check --facts "$CF" --env-file "$WORK/refuse-key.env"
json_case check-refused-cuvet-key-json 1 "" "j['verdict']=='FAIL' and j['refused'] is True and j['runtime']=='ERROR' and [(r['source'], r['verdict'], r['runtime'], r['refused']) for r in j['requirements']]==[('NVIDIA_REQUIRE_COUNT', 'FAIL', 'ERROR', True), ('NVIDIA_REQUIRE_CUDA', 'PASS', 'PASS', False)] and j['requirements'][0]['fix'].startswith('write it in nvidia-container-cli')" -- \
	check --json --facts "$CF" --env-file "$WORK/refuse-key.env"
# a tab is no separator: one clause whose value is not a version, invalid to both
printf 'NVIDIA_REQUIRE_CUDA=cuda>=12.0\tbrand=tesla\n' >"$WORK/refuse-tab.env"
check check-refused-tab 1 -- "$C" check --facts "$CF" --env-file "$WORK/refuse-tab.env"
# the same on the command line is a usage error, as before
check check-tab-argument 2 -- "$C" check --facts "$CF" "$(printf 'cuda>=12.0\tbrand=tesla')"
# a number of UINTMAX_MAX or more where the comparison reaches it
printf 'NVIDIA_REQUIRE_CUDA=driver>=550.18446744073709551616\n' >"$WORK/refuse-uintmax.env"
check check-refused-uintmax 1 -- "$C" check --facts "$CF" --env-file "$WORK/refuse-uintmax.env"
# GPUs outer, requirements inner: on GPU 0 (T4) A=brand=tesla holds and B reaches its unknown key, so
# the runtime stops with "invalid expression"; requirements first, A would fail on GPU 1 (L40S) first
printf 'NVIDIA_REQUIRE_A=brand=tesla\nNVIDIA_REQUIRE_B=arch>=8.0 foo>=1\n' >"$WORK/refuse-order.env"
check check-refused-gpu-order 1 -- "$C" check --facts "$CF" --env-file "$WORK/refuse-order.env"
# 33 NVIDIA_REQUIRE_* variables, each satisfied: "too many requirements"; 32 pass
for i in $(seq -w 1 33); do echo "NVIDIA_REQUIRE_R$i=cuda>=12.0"; done >"$WORK/refuse-33.env"
check check-refused-too-many 1 -- "$C" check -q --facts "$CF" --env-file "$WORK/refuse-33.env"
head -32 "$WORK/refuse-33.env" >"$WORK/refuse-32.env"
json_case check-32-requirements 0 "" "j['verdict']=='PASS' and j['runtime']=='PASS' and len(j['requirements'])==32" -- \
	check --json --facts "$CF" --env-file "$WORK/refuse-32.env"
# One fix per requirement: NVIDIA's CUDA 12.4 image string (31 groups) on driver 545 (CUDA 12.3),
# a branch it does not list: one fix line, the lowest driver that meets a group (cuda>=12.4).
python3 - "$CF" "$WORK/r545.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j['driver'].update(kernel_version='545.23.08', libcuda_version='545.23.08', cuda_driver_version=12030)
json.dump(j, open(sys.argv[2], 'w'))
PY
awk -F'\t' '$1 == "nvidia/cuda:12.4.1-base-ubuntu22.04" { print "NVIDIA_REQUIRE_CUDA=" $2 }' \
	"$HERE/../../data/nvidia-require-cuda-images.tsv" >"$WORK/image-12.4.env"
check check-image-one-fix 1 -- "$C" check --facts "$WORK/r545.json" --env-file "$WORK/image-12.4.env"
# cuda>12.2 and cuda=12 on a newer host: no upgrade advised; never cuda-compat for a cuda clause
check check-fix-gt-next-minor 1 -- "$C" check --facts "$WORK/r545.json" 'cuda>12.3'
check check-fix-eq-newer-host 1 -- "$C" check --facts "$CF" 'cuda=12'
# the knowledge-base gap the fixes exposed: CUDA 9.x minimum drivers (396.26 for 9.2 on an R384 host)
python3 - "$CF" "$WORK/r384.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j['driver'].update(kernel_version='384.81', libcuda_version='384.81', cuda_driver_version=9000)
json.dump(j, open(sys.argv[2], 'w'))
PY
check check-fix-cuda92-on-384 1 -- "$C" check --facts "$WORK/r384.json" 'cuda>=9.2'

# torch's own libraries in site-packages SP, as the wheel links them against the cuDNN wheel:
# libtorch_global_deps.so (RUNPATH), libtorch_cuda.so (RPATH) and _C (RPATH $ORIGIN/lib).
torch_libs() { # SP
	local SP=$1
	$CC -shared -fPIC -nostdlib -o "$SP/torch/lib/libtorch_global_deps.so" -Wl,-soname,libtorch_global_deps.so "$WORK/empty.c" \
		-Wl,--no-as-needed "$SP/nvidia/cudnn/lib/libcudnn.so.9" -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../../nvidia/cudnn/lib'
	$CC -shared -fPIC -nostdlib -o "$SP/torch/lib/libtorch_cuda.so" -Wl,-soname,libtorch_cuda.so "$WORK/empty.c" \
		-Wl,--no-as-needed "$SP/nvidia/cudnn/lib/libcudnn.so.9" -Wl,--disable-new-dtags,-rpath,'$ORIGIN/../../nvidia/cudnn/lib'
	$CC -shared -fPIC -nostdlib -o "$SP/torch/_C.cpython-312-x86_64-linux-gnu.so" "$WORK/empty.c" \
		-Wl,--no-as-needed "$SP/torch/lib/libtorch_cuda.so" -Wl,--disable-new-dtags,-rpath,'$ORIGIN/lib'
}
# ---- one process: `import torch` from a pip install (cuvet why --python, --process) ------------
# torch/__init__.py loads torch/lib/libtorch_global_deps.so (RUNPATH to the cuDNN wheel) before
# torch/_C*.so (RPATH $ORIGIN/lib -> libtorch_cuda.so, RPATH to the wheel). With the system's
# cuDNN 9.14 first on LD_LIBRARY_PATH, global deps loads 9.14 and every later libcudnn.so.9 is
# that copy: PyTorch says "compiled against (9, 19, 0) but found runtime version (9, 14, 0)".
PY=$WORK/pyroot
SP=$PY/usr/lib/python3.12/site-packages
mkdir -p "$SP/nvidia/cudnn/lib" "$SP/torch/lib" "$PY/opt/cudnn914" "$SP/nvidia_cudnn_cu13-9.19.0.56.dist-info" \
	"$SP/torch-2.11.0.dist-info"
mklib "$SP/nvidia/cudnn/lib/libcudnn.so.9" libcudnn.so.9
mklib "$PY/opt/cudnn914/libcudnn.so.9.14.0" libcudnn.so.9
ln -s libcudnn.so.9.14.0 "$PY/opt/cudnn914/libcudnn.so.9"
torch_libs "$SP"
printf 'Metadata-Version: 2.1\nName: torch\nVersion: 2.11.0\nRequires-Dist: filelock\nRequires-Dist: nvidia-cudnn-cu13==9.19.0.56; platform_system == "Linux"\nRequires-Dist: opt-einsum>=3.3; extra == "opt-einsum"\n\nRequires-Dist: nvidia-cudnn-cu13==1.0; this is the description\n' \
	>"$SP/torch-2.11.0.dist-info/METADATA"
printf 'LD_LIBRARY_PATH=/opt/cudnn914\n' >"$WORK/cudnn914.env"
check why-python-torch-llp 1 -- "$C" why --root "$PY" --env-file "$WORK/cudnn914.env" --python torch
check why-python-torch-llp-json 1 -- "$C" why --json --root "$PY" --env-file "$WORK/cudnn914.env" --python torch
check why-python-torch 0 -- "$C" why --root "$PY" --python torch
# the same files named by hand: one process, in the order given
check why-process-torch 1 -- "$C" why --root "$PY" --env-file "$WORK/cudnn914.env" --process \
	/usr/lib/python3.12/site-packages/torch/lib/libtorch_global_deps.so \
	/usr/lib/python3.12/site-packages/torch/_C.cpython-312-x86_64-linux-gnu.so
# _C alone: the wheel's copy by RPATH (what `why` on one file says)
check why-torch-c-alone 0 -- "$C" why --root "$PY" --env-file "$WORK/cudnn914.env" \
	/usr/lib/python3.12/site-packages/torch/_C.cpython-312-x86_64-linux-gnu.so
# a cuDNN wheel other than the one torch pins, no LD_LIBRARY_PATH: one process, one copy, but not
# the pinned version
cp -a "$PY" "$WORK/pyroot2"
mv "$WORK/pyroot2/usr/lib/python3.12/site-packages/nvidia_cudnn_cu13-9.19.0.56.dist-info" \
	"$WORK/pyroot2/usr/lib/python3.12/site-packages/nvidia_cudnn_cu13-9.18.1.3.dist-info"
check why-python-torch-other-wheel 1 -- "$C" why --root "$WORK/pyroot2" --python torch
check why-python-unknown 4 -- "$C" why --root "$PY" --python tensorflow
check why-python-absent 4 -- "$C" why --root "$WORK/empty" --python torch
check why-python-and-file 2 -- "$C" why --root "$PY" --python torch libcudnn.so.9

# ---- check and doctor judge the same process (the framework rules) -----------------------------
# The torch tree above on a host with a driver (H200, 580.95.05): without LD_LIBRARY_PATH torch
# loads the cuDNN it pins and both pass; with the system's cuDNN 9.14 first on it, check's workload
# and doctor's libraries fail with why's problems (preloaded-copy, pinned-version).
R=$WORK/pyhost; cp -a "$PY" "$R"
gpu_sysfs "$R" 0000:17:00.0 0x2335; proc_version "$R" 580.95.05; driver_libs "$R" 580.95.05
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
check check-torch-llp 1 -- "$C" check --root "$R" --no-nvml --env-file "$WORK/cudnn914.env"
check check-torch-llp-json 1 -- "$C" check --json --root "$R" --no-nvml --env-file "$WORK/cudnn914.env"
check check-torch 0 -- "$C" check --root "$R" --no-nvml
check doctor-torch-llp 1 -- "$C" doctor --root "$R" --no-nvml --env-file "$WORK/cudnn914.env"
check doctor-torch 0 -- "$C" doctor --root "$R" --no-nvml
# a facts file has no files to model the import with: the framework rules are not run
"$C" probe --json --root "$R" --no-nvml --env-file "$WORK/cudnn914.env" >"$WORK/pyhost-facts.json"
check doctor-torch-llp-facts 0 -- "$C" doctor --facts "$WORK/pyhost-facts.json"
# a cuDNN wheel other than the pinned one, no LD_LIBRARY_PATH: pinned-version alone
cp -a "$R" "$WORK/pyhost2"
mv "$WORK/pyhost2/usr/lib/python3.12/site-packages/nvidia_cudnn_cu13-9.19.0.56.dist-info" \
	"$WORK/pyhost2/usr/lib/python3.12/site-packages/nvidia_cudnn_cu13-9.18.1.3.dist-info"
check check-torch-other-wheel 1 -- "$C" check --root "$WORK/pyhost2" --no-nvml
check doctor-torch-other-wheel 1 -- "$C" doctor --root "$WORK/pyhost2" --no-nvml


# ---- a cuDNN sub-library found through LD_LIBRARY_PATH (what the real H200 showed) --------------
# On the H200 (PyTorch 2.11 cu130 wheel; torch's METADATA pins nvidia-cudnn-cu13==9.19.0.56), a
# directory holding the system's cuDNN 9.14 libraries first on LD_LIBRARY_PATH makes `import torch`
# fail with "cuDNN version incompatibility ... found runtime version (9, 14, 0)". libcudnn.so.9
# itself comes from the wheel (torch's RPATH/RUNPATH), but it dlopens libcudnn_graph.so.9 by SONAME
# (data/dlopen-deps.tsv) and its own RUNPATH ($ORIGIN) loses to LD_LIBRARY_PATH, so the 9.14
# sub-library is loaded. check and doctor model the import with the dlopen'ed libraries.
R=$WORK/pysub
SP=$R/usr/lib/python3.12/site-packages
mkdir -p "$SP/nvidia/cudnn/lib" "$SP/torch/lib" "$R/opt/sys" "$SP/nvidia_cudnn_cu13-9.19.0.56.dist-info" \
	"$SP/torch-2.11.0.dist-info"
$CC -shared -fPIC -o "$SP/nvidia/cudnn/lib/libcudnn.so.9" -Wl,-soname,libcudnn.so.9 "$WORK/empty.c" \
	-Wl,--enable-new-dtags,-rpath,'$ORIGIN'
mklib "$SP/nvidia/cudnn/lib/libcudnn_graph.so.9" libcudnn_graph.so.9
mklib "$R/opt/sys/libcudnn_graph.so.9.14.0" libcudnn_graph.so.9
ln -s libcudnn_graph.so.9.14.0 "$R/opt/sys/libcudnn_graph.so.9"
torch_libs "$SP"
printf 'Metadata-Version: 2.1\nName: torch\nVersion: 2.11.0\nRequires-Dist: nvidia-cudnn-cu13==9.19.0.56; platform_system == "Linux"\n' \
	>"$SP/torch-2.11.0.dist-info/METADATA"
gpu_sysfs "$R" 0000:17:00.0 0x2335; proc_version "$R" 580.95.05; driver_libs "$R" 580.95.05
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
printf 'LD_LIBRARY_PATH=/opt/sys\n' >"$WORK/cudnn-sub.env"
check check-torch-sublib-llp 1 -- "$C" check --root "$R" --no-nvml --env-file "$WORK/cudnn-sub.env"
check doctor-torch-sublib-llp 1 -- "$C" doctor --root "$R" --no-nvml --env-file "$WORK/cudnn-sub.env"
check why-python-torch-sublib-llp 1 -- "$C" why --root "$R" --env-file "$WORK/cudnn-sub.env" --python torch --with-dlopen
check check-torch-sublib 0 -- "$C" check --root "$R" --no-nvml
check doctor-torch-sublib 0 -- "$C" doctor --root "$R" --no-nvml

# ---- TensorRT engines (tests/data/engines/README.md: real engines, where each came from) ---------
# What each header says is known independently for the 8.6.1.6 engine (the repository's Nsight
# report names TensorRT-8.6.1.6 and an RTX 4090) and the 7.1.3.4 one (its CRC-32 and a T4's figures).
E=$HERE/../data/engines
check engine-inspect-trt86 0 -- "$C" engine inspect "$E/trt8.6.1.6-sm89.plan"
check engine-inspect-trt10-json 0 -- "$C" engine inspect --json "$E/trt10.15.1.29-sm86.engine"
check engine-inspect-all 0 -- "$C" engine inspect "$E/trt7.1.3.4-sm75.plan" "$E/trt8.6.1.6-sm89.plan" "$E/trt10.15.1.29-sm86.engine"
cp "$E/README.md" "$WORK/README.md"
check engine-inspect-json-many 4 -- "$C" engine inspect --json "$E/trt7.1.3.4-sm75.plan" "$WORK/README.md"
head -c 1000 "$E/trt8.6.1.6-sm89.plan" >"$WORK/cut.plan"
check engine-inspect-truncated 4 -- "$C" engine inspect "$WORK/cut.plan"
check engine-inspect-missing 4 -- "$C" engine inspect "$WORK/no-such.plan"
check engine-usage 2 -- "$C" engine model.plan
# A host with TensorRT 8.6.1 (dpkg: 8.6.1.6) and an RTX 4090 (CC 8.9).
R=$WORK/trt86
gpu_sysfs "$R" 0000:17:00.0 0x2684; proc_version "$R" 535.183.01; driver_libs "$R" 535.183.01
L=$R/usr/lib/x86_64-linux-gnu
mklib "$L/libnvinfer.so.8.6.1" libnvinfer.so.8
ln -s libnvinfer.so.8.6.1 "$L/libnvinfer.so.8"
ldconfig_root "$R" /usr/lib/x86_64-linux-gnu
# the file name gives 8.6.1: the build number the engine needs (.6) is not known
check check-engine-build-unknown 3 -- "$C" check --root "$R" --no-nvml --engine "$E/trt8.6.1.6-sm89.plan"
mkdir -p "$R/var/lib/dpkg/info"
printf 'Package: libnvinfer8\nStatus: install ok installed\nArchitecture: amd64\nVersion: 8.6.1.6-1+cuda12.0\n\n' >"$R/var/lib/dpkg/status"
printf '/usr/lib/x86_64-linux-gnu/libnvinfer.so.8\n/usr/lib/x86_64-linux-gnu/libnvinfer.so.8.6.1\n' \
	>"$R/var/lib/dpkg/info/libnvinfer8:amd64.list"
check check-engine-pass 0 -- "$C" check --root "$R" --no-nvml --engine "$E/trt8.6.1.6-sm89.plan"
check check-engine-pass-json 0 -- "$C" check --root "$R" --no-nvml --json --engine "$E/trt8.6.1.6-sm89.plan"
# 7.1 on 8.6 and CC 7.5 on 8.9: both fail (no version or hardware compatibility before 8.6)
check check-engine-trt7-fail 1 -- "$C" check --root "$R" --no-nvml --engine "$E/trt7.1.3.4-sm75.plan"
# 10.15 needs a newer TensorRT (FAIL); CC 8.6 on 8.9 loads only if built ampere+ (UNKNOWN)
check check-engine-trt10-fail 1 -- "$C" check --root "$R" --no-nvml --engine "$E/trt10.15.1.29-sm86.engine"
check check-engine-not-engine 4 -- "$C" check --root "$R" --no-nvml --engine "$WORK/README.md"
# The 8.6 engine on an H200 (CC 9.0): UNKNOWN, an ampere+ build would load; the same engine marked
# built on an integrated GPU (its device block's bool at byte 220 set): FAIL, since JetPack has no
# hardware compatibility.
RH=$WORK/trt86-h200
gpu_sysfs "$RH" 0000:17:00.0 0x2335; proc_version "$RH" 580.95.05; driver_libs "$RH" 580.95.05
mklib "$RH/usr/lib/x86_64-linux-gnu/libnvinfer.so.8.6.1" libnvinfer.so.8
ln -s libnvinfer.so.8.6.1 "$RH/usr/lib/x86_64-linux-gnu/libnvinfer.so.8"
ldconfig_root "$RH" /usr/lib/x86_64-linux-gnu
check check-engine-gpu-ampere-plus 3 -- "$C" check --root "$RH" --no-nvml --engine "$E/trt8.6.1.6-sm89.plan"
cp "$E/trt8.6.1.6-sm89.plan" "$WORK/igpu.plan"
printf '\001' | dd of="$WORK/igpu.plan" bs=1 seek=220 conv=notrunc status=none
check check-engine-gpu-integrated 1 -- "$C" check --root "$RH" --no-nvml --engine "$WORK/igpu.plan"
# the same host as a facts file (another machine's probe): its libraries and GPUs decide
env -i PATH=/usr/bin:/bin "$C" probe --root "$R" --no-nvml --json >"$WORK/trt86-facts.json"
check check-engine-facts 0 -- "$C" check --facts "$WORK/trt86-facts.json" --engine "$E/trt8.6.1.6-sm89.plan"
# The provenance record beside an engine (FILE.cuvet.json, cuvet.provenance/1 as cuvet build and
# stamp write it): the build host's driver, and what the header does not say. The subject's digest
# comes from sha256sum, not from cuvet.
provenance() { # ENGINE SHA256 TENSORRT CC DRIVER
	printf '{"schema": "cuvet.provenance/1", "_type": "https://in-toto.io/Statement/v1",\n "subject": [{"name": "%s", "digest": {"sha256": "%s"}, "kind": "tensorrt-engine"}],\n "predicateType": "https://slsa.dev/provenance/v1",\n "predicate": {"buildDefinition": {"buildType": "https://cuvet.dev/build/v1", "internalParameters": {"environment": {"verified": "PASS", "driver": {"version": "%s", "source": "kernel-module"}, "stack": [{"name": "cudart", "version": "12.0.146"}, {"name": "tensorrt", "version": "%s", "source": "dpkg:libnvinfer8"}], "gpus": [{"name": "NVIDIA GeForce RTX 4090", "compute_capability": "%s"}]}}}}}\n' \
		"$(basename "$1")" "$2" "$5" "$3" "$4" >"$1.cuvet.json"
}
cp "$E/trt8.6.1.6-sm89.plan" "$WORK/model.plan"
provenance "$WORK/model.plan" "$(sha256sum "$WORK/model.plan" | cut -d' ' -f1)" 8.6.1.6 8.9 550.54.15
check engine-inspect-provenance 0 -- "$C" engine inspect "$WORK/model.plan"
check engine-inspect-provenance-json 0 -- "$C" engine inspect --json "$WORK/model.plan"
# built on driver 550.54.15, here 535.183.01: a warning, not a failure
check check-engine-provenance-older-driver 0 -- "$C" check --root "$R" --no-nvml --engine "$WORK/model.plan"
provenance "$WORK/model.plan" 0000000000000000000000000000000000000000000000000000000000000000 8.6.1.6 8.9 550.54.15
check check-engine-provenance-other-bytes 0 -- "$C" check --root "$R" --no-nvml --engine "$WORK/model.plan"
# a header that records neither (TensorRT 5's FlatBuffer: a u64 file size first): the record answers
printf '\x40\x00\x00\x00\x00\x00\x00\x00' >"$WORK/lenet.engine"
head -c 56 /dev/zero >>"$WORK/lenet.engine"
provenance "$WORK/lenet.engine" "$(sha256sum "$WORK/lenet.engine" | cut -d' ' -f1)" 5.0.2.6 6.2 32.1.0
check check-engine-provenance-fallback 1 -- "$C" check --root "$R" --no-nvml --engine "$WORK/lenet.engine"
printf 'not json' >"$WORK/lenet.engine.cuvet.json"
check check-engine-provenance-invalid 4 -- "$C" check --root "$R" --no-nvml --engine "$WORK/lenet.engine"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
