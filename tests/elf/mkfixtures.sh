#!/bin/sh
# Builds the ELF fixtures for test_elf into OUTDIR; writes STAMP last.
# Usage: mkfixtures.sh SRCDIR OUTDIR STAMP   (compiler in $CC, default cc)
set -eu
src=$1 out=$2 stamp=$3
cc=${CC:-cc}
mkdir -p "$out" "$(dirname "$stamp")"
stamp=$(cd "$(dirname "$stamp")" && pwd)/$(basename "$stamp")
cd "$out"
rm -f fatbin_host.o libfatbin_host.so libbar.so.2 libqux.so.3 libfoo.so.1 libfoo-runpath.so libfoo-sysv.so app libfoo32.so libbar32.so "$stamp"
$cc -shared -fPIC -o libbar.so.2 "$src/bar.c" -Wl,-soname,libbar.so.2 -Wl,--version-script="$src/bar.map"
$cc -shared -fPIC -o libqux.so.3 "$src/qux.c" -Wl,-soname,libqux.so.3
# RPATH (old tags), nodefaultlib, versioned exports, four NEEDED in link order.
$cc -shared -fPIC -o libfoo.so.1 "$src/foo.c" -Wl,-soname,libfoo.so.1 \
	-Wl,-rpath,'$ORIGIN/../lib' -Wl,--disable-new-dtags -Wl,-z,nodefaultlib \
	-Wl,--version-script="$src/foo.map" -Wl,--no-as-needed ./libbar.so.2 ./libqux.so.3 -lm
# RUNPATH (new tags, the default), no SONAME, DT_HASH only.
$cc -shared -fPIC -o libfoo-runpath.so "$src/foo.c" -Wl,-rpath,/opt/a:/opt/b -Wl,--enable-new-dtags \
	-Wl,--version-script="$src/foo.map" -Wl,--no-as-needed ./libbar.so.2 ./libqux.so.3 -lm
$cc -shared -fPIC -o libfoo-sysv.so "$src/foo.c" -Wl,--hash-style=sysv -Wl,-soname,libfoo-sysv.so \
	-Wl,--version-script="$src/foo.map" -Wl,--no-as-needed ./libbar.so.2 ./libqux.so.3 -lm
printf 'int main(void) { return 0; }\n' > app.c
$cc -o app app.c
# 32-bit, only where the toolchain can (no 32-bit libc needed with -nostdlib).
if $cc -m32 -shared -fPIC -nostdlib -o libbar32.so "$src/qux.c" -Wl,-soname,libbar32.so 2>/dev/null; then
	$cc -m32 -shared -fPIC -nostdlib -o libfoo32.so "$src/qux.c" -Wl,-soname,libfoo32.so.1 \
		-Wl,-rpath,/opt/x32 -Wl,--no-as-needed ./libbar32.so || rm -f libfoo32.so
fi
# Host ELF files carrying a hand-made fatbin (tests/elf/fatbin_blob.h) in .nv_fatbin / __nv_relfatbin.
$cc -c -I"$src" -o fatbin_host.o "$src/fatbin_host.c"
$cc -shared -fPIC -I"$src" -o libfatbin_host.so "$src/fatbin_host.c"
touch "$stamp"
