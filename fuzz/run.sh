#!/usr/bin/env bash
# Builds each libFuzzer harness with clang (ASan+UBSan), replays the committed regression inputs
# (fuzz/regressions/TARGET/), then fuzzes for a fixed time from a seed corpus made at run time
# from real files. A crash is copied into fuzz/regressions/TARGET/ (commit it) and fails the test.
#   fuzz/run.sh SECONDS SRC_DIR WORK_DIR [SHARED_DIR] [BUILD_ROOT]
set -u
secs=$1 src=$2 work=$3 shared=${4:-} build=${5:-}
if ! command -v clang >/dev/null; then
	echo "CUVET-SKIP 7 clang not installed: fuzzers skipped"
	exit 77
fi
mkdir -p "$work"
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE
	-I"$src/include")
for d in "$src"/src/lib/*/; do cflags+=(-I"$d"); done
status=0

fuzz() { # TARGET SOURCES... -- LIBS...
	local t=$1
	shift
	local srcs=() libs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in /*) srcs+=("$1") ;; *) srcs+=("$src/$1") ;; esac
		shift
	done
	[ $# -gt 0 ] && shift
	libs=("$@")
	local bin=$work/fuzz_$t corpus=$work/corpus_$t reg=$src/fuzz/regressions/$t
	if ! clang "${cflags[@]}" "$src/fuzz/fuzz_$t.c" "${srcs[@]}" -o "$bin" "${libs[@]}" 2>"$work/$t.build.log"; then
		echo "FAIL $t: does not build"; cat "$work/$t.build.log"; status=1; return
	fi
	mkdir -p "$corpus"
	seed_$t "$corpus"
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		if ! "$bin" "$reg"/* >"$work/$t.replay.log" 2>&1; then
			echo "FAIL $t: a regression input crashes again"; tail -30 "$work/$t.replay.log"; status=1; return
		fi
	fi
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/crash_$t-" \
		"$corpus" >"$work/$t.log" 2>&1; then
		echo "ok   $t: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$work/$t.log" | tail -1)"
	else
		echo "FAIL $t"
		tail -40 "$work/$t.log"
		mkdir -p "$reg"
		cp "$work"/crash_"$t"-* "$reg"/ 2>/dev/null
		status=1
	fi
}

seed_ldcache() {
	cp /etc/ld.so.cache "$1/live" 2>/dev/null
	[ -n "$shared" ] && cp "$shared/fixtures/h200-host/root/etc/ld.so.cache" "$1/h200" 2>/dev/null
	return 0
}
seed_elf() {
	local n=0
	for f in /usr/lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libelf.so.1 /bin/true; do
		[ -f "$f" ] && cp -L "$f" "$1/seed$n" && n=$((n + 1))
	done
	return 0
}

seed_fatbin() {
	# nvcc-built objects of the tests (when they ran first) and the ELF fixtures; else any ELF
	local n=0
	for f in "$work"/../arch/work/fx/*.o "$work"/../arch/work/fx/*.cubin "$work"/../elf/*fatbin*; do
		[ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 1000000 ] && cp "$f" "$1/seed$n" && n=$((n + 1))
	done
	[ "$n" = 0 ] && seed_elf "$1"
	return 0
}

fuzz ldcache src/lib/readers/ldcache.c src/lib/base/util.c
fuzz elf src/lib/readers/elf.c src/lib/base/util.c -- -lelf
fuzz fatbin src/lib/readers/fatbin.c src/lib/base/util.c -- -lelf

seed_trtengine() {
	# the real engines kept as test data, and one of them in Ultralytics' metadata wrapper
	local n=0
	for f in "$src"/tests/data/engines/*.plan "$src"/tests/data/engines/*.engine; do
		[ -f "$f" ] && cp "$f" "$1/seed$n" && n=$((n + 1))
	done
	if [ -f "$src/tests/data/engines/trt8.6.1.6-sm89.plan" ]; then
		{ printf '\x0e\x00\x00\x00{"imgsz": 640}'; cat "$src/tests/data/engines/trt8.6.1.6-sm89.plan"; } >"$1/wrapped"
	fi
	return 0
}
fuzz trtengine src/lib/readers/trtengine.c src/lib/base/util.c

seed_req() {
	printf 'cuda>=12.2 brand=tesla,driver>=470,driver<471' >"$1/image"
	printf 'arch>=8.0,memory>=16000 gpu=*L40S*,count>=2 cudnn>=9.1' >"$1/extra"
	[ -n "$shared" ] && cut -f2 "$shared/kb/nvidia-require-cuda-images.tsv" 2>/dev/null | sed -n 3p >"$1/nvidia"
	return 0
}
seed_facts() {
	local n=0
	for f in "$src"/tests/cli/facts/*.json "$src"/tests/cli/check-facts/*.json; do
		[ -f "$f" ] && cp "$f" "$1/seed$n" && n=$((n + 1))
	done
	return 0
}
seed_lock() {
	local n=0
	for f in "$src"/tests/cli/lock/golden/lock-file.out; do
		[ -f "$f" ] && sed '/^exit: /d' "$f" >"$1/seed$n" && n=$((n + 1))
	done
	printf '{"schema": "cuvet.lock/1", "x": {"y": [1]}, "components": [{"name": "cudnn", "version": "9", "policy": "exact", "source": "soname"}], "artifacts": [{"path": "a", "kind": "file", "size": 1, "sha256": "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}' >"$1/small"
	return 0
}
seed_dockerfile() {
	local n=0
	for f in "$src"/tests/dockerfile/corpus/*.Dockerfile "$src"/tests/dockerfile/corpus/*/Dockerfile; do
		[ -f "$f" ] && cp "$f" "$1/seed$n" && n=$((n + 1))
	done
	return 0
}
seed_image_config() {
	local n=0
	for f in "$src"/tests/unit/image-configs/*.json; do
		[ -f "$f" ] && cp "$f" "$1/seed$n" && n=$((n + 1))
	done
	printf '{"os":"linux","architecture":"amd64","config":{"Env":["CUDA_VERSION=12.4.1","A=b=c"],"Labels":{"b":"1","a":"2"}},"rootfs":{"type":"layers","diff_ids":["sha256:%064d"]}}' 0 >"$1/small"
	return 0
}
seed_manifest() { # the first byte picks the Content-Type (fuzz_manifest.c)
	local d=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	printf '\003{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":7023},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":32654}]}' $d $d >"$1/oci-manifest"
	printf '\001{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":7143,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":7682,"platform":{"architecture":"amd64","os":"linux"}}]}' $d $d >"$1/oci-index"
	printf '\002{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"%s","size":529,"platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}' $d >"$1/docker-list"
	printf '\000{"schemaVersion":1,"name":"x","tag":"y"}' >"$1/schema1"
	return 0
}
fuzz manifest src/lib/image/manifest.c src/lib/base/util.c -- -ljansson

seed_imgref() {
	printf 'nvcr.io/nvidia/pytorch:24.01-py3' >"$1/ngc"
	printf 'ubuntu:22.04@sha256:%064d' 0 >"$1/digest"
	printf '[fc00::1]:5000/docker/docker' >"$1/ipv6"
	printf 'localhost:5000' >"$1/hostport"
	printf 'index.docker.io/library/foo/bar' >"$1/hub"
	return 0
}
fuzz imgref src/lib/image/ref.c src/lib/base/util.c

seed_layer() {
	# small layers: a library, links, a hard link, whiteouts, an opaque marker; plain and gzip
	python3 - "$1" <<'PY' || true
import gzip, io, sys, tarfile
out = sys.argv[1]
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    def add(name, data=None, **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        if data is not None:
            ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
    add("etc/", type=tarfile.DIRTYPE, mode=0o755)
    add("etc/os-release", b"ID=debian\n")
    add("etc/.wh.gone", b"")
    add("opt/.wh..wh..opq", b"")
    for lib in ["/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"]:
        try:
            data = open(lib, "rb").read()
            add("usr/lib/libz.so.1", data, mode=0o755)
            break
        except OSError:
            pass
    add("usr/lib/libz.so", type=tarfile.SYMTYPE, linkname="libz.so.1")
    add("usr/lib/libz-hard.so.1", type=tarfile.LNKTYPE, linkname="usr/lib/libz.so.1")
for name, data in [("plain", b"\x00" + buf.getvalue()), ("gzip", b"\x03" + gzip.compress(buf.getvalue(), mtime=0))]:
    open("%s/%s" % (out, name), "wb").write(data)
PY
	return 0
}
# The whole library: evaluation reaches the knowledge base, whose tables meson generates.
if [ -n "$build" ] && [ -f "$build/src/lib/kb_data.c" ]; then
	cp "$build/src/lib/kb_data.c" "$work/kb_data.c"
	cp "$build/cuvet_config.h" "$work/cuvet_config.h"
	cflags+=(-I"$work")
	# the library is compiled once, in parallel, for the six whole-library harnesses
	mkdir -p "$work/libobj"
	lib=()
	for f in "$src"/src/lib/*/*.c "$work/kb_data.c"; do
		o=$work/libobj/$(basename "$(dirname "$f")")_$(basename "${f%.c}").o
		lib+=("$o")
		printf '%s\t%s\n' "$f" "$o"
	done >"$work/libobj/list"
	export FUZZ_LIB_CFLAGS="${cflags[*]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}"
	if ! xargs -P "$(nproc)" -L 1 sh -c 'clang $FUZZ_LIB_CFLAGS -c "$0" -o "$1"' <"$work/libobj/list" \
		>"$work/libobj/build.log" 2>&1; then
		echo "FAIL the library does not build for the fuzzers"; cat "$work/libobj/build.log"; exit 1
	fi
	# base/sha256.c needs libcrypto; the image layer (src/lib/image/) libarchive and libcurl
	# where the build found them
	# shellcheck disable=SC2207
	imglibs=(-lcrypto $(pkg-config --libs libarchive libcurl 2>/dev/null))
	fuzz req "${lib[@]}" -- -lelf -ljansson -lz -lpthread -ldl "${imglibs[@]}"
	fuzz facts "${lib[@]}" -- -lelf -ljansson -lz -lpthread -ldl "${imglibs[@]}"
	fuzz image_config "${lib[@]}" -- -lelf -ljansson -lz -lpthread -ldl "${imglibs[@]}"
	fuzz dockerfile "${lib[@]}" -- -lelf -ljansson -lz -lpthread -ldl "${imglibs[@]}"
	fuzz lock "${lib[@]}" -- -lelf -ljansson -lz -lpthread -ldl "${imglibs[@]}"
	if grep -q 'CUVET_HAVE_LIBARCHIVE 1' "$work/cuvet_config.h"; then
		fuzz layer "${lib[@]}" -- -lelf -ljansson -lz -lpthread -ldl "${imglibs[@]}"
	else
		echo "CUVET-SKIP 1 layer: built without libarchive"
	fi
else
	echo "CUVET-SKIP 6 req, facts, image_config, dockerfile, lock, layer: no build directory with the generated knowledge base"
fi
exit $status
