#!/usr/bin/env bash
# `meson install` into a temporary DESTDIR ships what a user builds against and runs: the command,
# the library, its three headers, cuvet.pc, the man page, the bash and zsh completions and the
# licence. A small program (consumer.c) is then compiled with `pkg-config --cflags --libs cuvet`
# against the installed files only, and run: it probes a root this script makes and checks a
# requirement. Last, the completions: bash completes the commands and each command's options are
# exactly those of `cuvet COMMAND --help`; zsh parses _cuvet.
# usage: test_install.sh BUILD_ROOT SOURCE_ROOT CC SANITIZE
set -u
BUILD=$1 SRC=$2 CC=$3 SANITIZE=$4
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail=0 skipped=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# ---- meson install --------------------------------------------------------------------------
DEST=$WORK/dest
if ! meson install -C "$BUILD" --destdir "$DEST" --no-rebuild >"$WORK/install.log" 2>&1; then
	cat "$WORK/install.log"
	bad "meson install"
	exit 1
fi
prefix=$(meson introspect "$BUILD" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
P=$DEST$prefix
pc=$(find "$P" -name cuvet.pc)
libdir=$(dirname "$(dirname "$pc")")
for f in bin/cuvet include/cuvet.h include/cuvet_readers.h include/cuvet_kb.h share/man/man1/cuvet.1 \
	share/bash-completion/completions/cuvet share/zsh/site-functions/_cuvet share/doc/cuvet/LICENSE; do
	[ -f "$P/$f" ] && ok "installed $f" || bad "not installed: $f"
done
[ -n "$pc" ] && ok "installed ${pc#"$P"/}" || bad "not installed: cuvet.pc"
cmp -s "$P/include/cuvet.h" "$SRC/include/cuvet.h" || bad "installed cuvet.h differs from include/cuvet.h"
cmp -s "$P/share/man/man1/cuvet.1" "$SRC/doc/cuvet.1" || bad "installed man page differs from doc/cuvet.1"
grep -q 'Apache License' "$P/share/doc/cuvet/LICENSE" || bad "LICENSE is not the Apache License"

# ---- a program built with pkg-config against the installed files ------------------------------
export PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST
static=
ls "$libdir"/libcuvet.so >/dev/null 2>&1 || static=--static
flags=$(pkg-config $static --cflags --libs cuvet) || { bad "pkg-config cuvet"; exit 1; }
echo "pkg-config $static --cflags --libs cuvet: $flags"
case $flags in *"-I$P/include"*) ok "pkg-config names the installed include directory" ;;
*) bad "pkg-config --cflags does not name $P/include" ;; esac
san=()
[ "$SANITIZE" != none ] && san=(-fsanitize="$SANITIZE")
# shellcheck disable=SC2086
if "$CC" -std=c11 -Wall -Wextra -Werror "${san[@]}" -o "$WORK/consumer" "$SRC/tests/install/consumer.c" $flags; then
	ok "consumer.c builds with pkg-config's flags"
else
	bad "consumer.c does not build against the installed library"
	exit 1
fi
# (the build tree's include/ must not have been used: the installed headers are the only ones named)

# A root with an H200 (PCI 0x2335, on the knowledge base's list) and driver 580.95.05 loaded.
R=$WORK/root
d=$R/sys/bus/pci/devices/0000:17:00.0
mkdir -p "$d" "$R/proc/driver/nvidia"
echo 0x10de >"$d/vendor"; echo 0x2335 >"$d/device"; echo 0x030200 >"$d/class"
printf 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build  (dvs-builder@U16-I3-B08-1-1)  Fri Aug 15 00:00:00 UTC 2025\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n' >"$R/proc/driver/nvidia/version"

run_consumer() { # EXPECTED_EXIT EXPECTED_OUTPUT REQUIREMENT
	local got rc
	got=$(LD_LIBRARY_PATH=$libdir "$WORK/consumer" "$R" "$3" 2>&1)
	rc=$?
	if [ "$rc" = "$1" ] && [ "$got" = "$2" ]; then
		ok "consumer $3"
	else
		bad "consumer $3: exit $rc (want $1)"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$got") | sed 's/^/  /'
	fi
}
version=$(meson introspect "$BUILD" --projectinfo | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
run_consumer 0 "libcuvet $version
driver 580.95.05
gpu 0 NVIDIA H200 9.0
check arch>=9.0,driver>=580: PASS" 'arch>=9.0,driver>=580'
run_consumer 1 "libcuvet $version
driver 580.95.05
gpu 0 NVIDIA H200 9.0
check arch>=10.0: FAIL" 'arch>=10.0'
# the shared library it ran with is the installed one
if [ -z "$static" ]; then
	LD_LIBRARY_PATH=$libdir ldd "$WORK/consumer" | grep -q "=> $libdir/libcuvet.so" &&
		ok "consumer loads the installed libcuvet.so" || bad "consumer does not load $libdir/libcuvet.so"
fi

# ---- completions -------------------------------------------------------------------------------
CUVET=$P/bin/cuvet
complete_bash() { # WORDS...: what bash completion offers for the last word
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cuvet; echo "${COMPREPLY[*]}"' - \
		"$P/share/bash-completion/completions/cuvet" "$@"
}
expect_bash() { # EXPECTED WORDS...
	local want=$1 got
	shift
	got=$(complete_bash "$@")
	[ "$got" = "$want" ] && ok "bash: $* -> $want" || bad "bash: $*: got '$got', want '$want'"
}
expect_bash "doctor dockerfile" cuvet d
expect_bash "check" cuvet ch
expect_bash "doctor probe check kb arch why engine lock verify build stamp dockerfile image version help --help --version" cuvet ""
expect_bash "inspect" cuvet engine ""
expect_bash "cudnn=minor cudnn=min" cuvet lock -p cudnn=mi
expect_bash "lint pin" cuvet dockerfile ""
expect_bash "--sarif" cuvet dockerfile lint --sa
expect_bash "inspect" cuvet image ""
expect_bash "oci: oci-archive:" cuvet image inspect oci
expect_bash "fail pass" cuvet check --assume-unknown ""
expect_bash "cuda cudnn" cuvet kb --json cu
expect_bash "--gpu-code" cuvet probe --gp
# Each command's options are those its --help lists (the option tables of src/cli/cmd_*.c).
for cmd in doctor probe check why arch kb engine lock verify build stamp image version "dockerfile lint" "dockerfile pin"; do
	# shellcheck disable=SC2086 # "dockerfile lint" is two words
	want=$(LD_LIBRARY_PATH=$libdir "$CUVET" $cmd --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | tr -d ' ,' |
		sed -E 's/^(-[a-zA-Z])(--)/\1\n\2/' | sort | tr '\n' ' ')
	# shellcheck disable=SC2086
	got=$(complete_bash cuvet $cmd - | tr ' ' '\n' | sort | tr '\n' ' ')
	[ -n "$want" ] && [ "$got" = "$want" ] && ok "bash: cuvet $cmd - offers its --help options" ||
		bad "bash: cuvet $cmd -: offers '$got', --help lists '$want'"
done
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$P/share/zsh/site-functions/_cuvet" && ok "zsh parses _cuvet" || bad "zsh -n _cuvet"
	# every long option of every command appears in _cuvet
	for cmd in doctor probe check why arch kb engine lock verify build stamp image "dockerfile lint" "dockerfile pin"; do
		# shellcheck disable=SC2086
		for o in $(LD_LIBRARY_PATH=$libdir "$CUVET" $cmd --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
			grep -q -- "$o" "$P/share/zsh/site-functions/_cuvet" || bad "zsh: _cuvet lacks $cmd $o"
		done
	done
else
	echo "CUVET-SKIP 1 zsh not installed: _cuvet not parsed"
	skipped=1
fi
echo "done: fail=$fail skipped=$skipped"
exit $fail
