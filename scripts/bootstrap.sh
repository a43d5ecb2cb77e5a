#!/usr/bin/env bash
# The set-up promise: on a fresh Debian 12 machine, as root,
#   scripts/bootstrap.sh doctor   installs what is needed, builds, and runs `cuvet doctor` here
#   scripts/bootstrap.sh test     installs what is needed, builds (plain and ASan+UBSan), runs every test
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
doctor|test) ;;
*) echo "usage: $0 doctor|test" >&2; exit 2 ;;
esac

# Debian packages: the build (meson, ninja, a C compiler), the libraries cuvet links
# (libelf from elfutils, jansson), cmocka for the unit tests, ldconfig/readelf for fixtures.
pkgs=(meson ninja-build gcc pkg-config libelf-dev libjansson-dev zlib1g-dev libzstd-dev binutils libc-bin python3)
if [ "$mode" = test ]; then
	pkgs+=(libcmocka-dev clang libclang-rt-14-dev python3-venv)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$mode" = doctor ]; then
	[ -d build ] || meson setup build -Dtests=false >/dev/null
	ninja -C build >/dev/null
	exec ./build/src/cli/cuvet doctor
fi

# The tests compare `cuvet arch` with NVIDIA's real cuobjdump, from PyPI, kept in a
# virtual environment outside the repository.
tools=${CUVET_TOOLS_DIR:-$HOME/.cache/cuvet-tools}
if [ ! -x "$tools/bin/cuobjdump" ]; then
	if python3 -m venv "$tools/venv" >/dev/null 2>&1 &&
		"$tools/venv/bin/pip" install -q nvidia-cuda-cuobjdump >/dev/null 2>&1; then
		mkdir -p "$tools/bin"
		found=$(find "$tools/venv" -type f -name cuobjdump | head -n 1)
		[ -n "$found" ] && chmod +x "$found" && ln -sf "$found" "$tools/bin/cuobjdump"
	else
		echo "note: could not install nvidia-cuda-cuobjdump from PyPI; the cuobjdump comparison will be skipped" >&2
	fi
fi
export PATH="$tools/bin:$PATH"

status=0
[ -d build ] || meson setup build >/dev/null
ninja -C build
meson test -C build --print-errorlogs --num-processes 2 || status=1

[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --num-processes 2 --suite unit --suite cli || status=1

# The same code through clang (warnings are errors there too), unit and CLI tests.
[ -d build-clang ] || CC=clang meson setup build-clang -Dwerror=true >/dev/null
ninja -C build-clang
meson test -C build-clang --print-errorlogs --num-processes 2 --suite unit --suite cli || status=1

# One closing line for CI: every test of the three builds.
python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json build-clang/meson-logs/testlog.json <<'PY' || status=1
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        r = json.loads(line).get('result')
        if r in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif r == 'SKIP':
            skipped += 1
        else:
            failed += 1
print(f'{passed} passed, {failed} failed, {skipped} skipped')
sys.exit(1 if failed else 0)
PY
exit $status
