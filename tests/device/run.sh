#!/usr/bin/env bash
# Everything cuvet must prove on a real GPU machine, in one go (the device tool's machine has
# no network and none of Debian's -dev packages: carry a build made with -Dstatic_deps=true).
#   tests/device/run.sh BUILD_DIR [OUT_DIR]
set -u
B=${1:-build-dev}
OUT=${2:-/tmp/cuvet-device}
mkdir -p "$OUT"
C=$B/src/cli/cuvet
exec > >(tee "$OUT/device.log") 2>&1
echo "== machine"; uname -a; nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader
echo "== cuvet --version"; $C --version
echo "== compare with nvidia-smi"; python3 tests/device/compare_nvidia_smi.py "$C"; echo "exit: $?"
echo "== cuvet probe"; $C probe; echo "exit: $?"
echo "== cuvet probe --json"; $C probe --json >"$OUT/probe.json"; echo "exit: $?"
echo "== cuvet doctor"; $C doctor; echo "exit: $?"
echo "== cuvet doctor --no-nvml"; $C doctor --no-nvml >/dev/null; echo "exit: $?"
echo "== nvidia-smi"; nvidia-smi
