#!/usr/bin/env bash
# The plain test suite on the GPU machine (an Intel CPU, another glibc): that machine has gcc,
# meson and ninja but none of Debian's -dev packages and no network, so the headers and static
# libraries of jansson, libelf, zlib, zstd and cmocka (and pkgconf to find them) travel in a
# sysroot made here from Debian's packages:
#   mkdir -p .carry/devroot && cd /tmp && apt-get download libjansson-dev libjansson4 libelf-dev \
#     libelf1 zlib1g-dev libzstd-dev libcmocka-dev libcmocka0 pkgconf pkgconf-bin libpkgconf3 &&
#     for f in *.deb; do dpkg -x "$f" /work/main/.carry/devroot; done
# and shared/ (the captured H200 host the fixture tests read) travels as .carry/shared.
# Container images need libarchive and libcurl, which the sysroot does not carry: the build
# turns them off (-Dimage=disabled -Dregistry=disabled), so the image tests that merge layers
# (image_layers, images) are not defined there and the fuzz run skips the layer fuzzer.
#   tests/device/suite.sh [OUT_DIR]
set -u
R=$(pwd)
OUT=${1:-/tmp/cuvet-suite}
mkdir -p "$OUT"
DEV=$R/.carry/devroot
LIB=$DEV/usr/lib/x86_64-linux-gnu
[ -d "$DEV" ] || { echo "no $DEV: see the comment at the top"; exit 2; }
# pkgconf from the sysroot, finding only the sysroot's .pc files, with paths inside it
cat >"$OUT/pkg-config" <<EOF
#!/bin/sh
LD_LIBRARY_PATH="$LIB" PKG_CONFIG_LIBDIR="$LIB/pkgconfig:$DEV/usr/share/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEV" exec "$DEV/usr/bin/pkgconf" "\$@"
EOF
chmod +x "$OUT/pkg-config"
export PKG_CONFIG="$OUT/pkg-config"
# the tests read ../shared beside the checkout
[ -e "$R/../shared" ] || ln -s "$R/.carry/shared" "$R/../shared"
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) / $(ldd --version | head -1)"
rm -rf build-intel
meson setup build-intel -Dstatic_deps=true -Dimage=disabled -Dregistry=disabled -Dc_link_args="-Wl,-rpath,$LIB" >"$OUT/setup.log" 2>&1 ||
	{ tail -30 "$OUT/setup.log"; exit 1; }
ninja -C build-intel >"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }
# every test but 'install', whose pkg-config consumer needs the Debian -dev packages installed
# for real (it runs in CI and here on the development machine)
tests=$(meson test -C build-intel --list 2>/dev/null | sed -n 's/^cuvet:[a-z]* \/ //p; s/^[a-z]* - cuvet:\(.*\)$/\1/p' | grep -vx install)
# shellcheck disable=SC2086
meson test -C build-intel --num-processes 8 --print-errorlogs $tests >"$OUT/test.log" 2>&1
rc=$?
grep -E '^ *[0-9]+/[0-9]+ ' "$OUT/test.log"
grep -E '^(Ok|Fail|Skipped|Timeout):' "$OUT/test.log"
[ $rc -eq 0 ] || grep -E '^FAIL|^--- |^\+\+\+ |^[-+][^-+]' "$OUT/test.log" | head -60
cp build-intel/meson-logs/testlog.txt "$OUT/testlog.txt" 2>/dev/null
exit $rc
