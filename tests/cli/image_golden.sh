#!/usr/bin/env bash
# CLI golden tests of the image commands (image inspect, check --image, doctor --image) on a real image
# built here without a daemon (tests/cli/image/mkimage.sh: umoci, skopeo), in four forms: an OCI
# layout, an oci-archive, a docker save of Docker >= 25, and skopeo's docker-archive. What varies
# between builds (digests, creation time, compressed sizes) is normalised; the digests themselves are
# compared with what skopeo reports. UPDATE_GOLDEN=1 rewrites the golden files.
#   image_golden.sh CUVET
set -u
CUVET=$1
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
GOLDEN=$HERE/golden
for t in umoci skopeo python3; do
	if ! command -v "$t" >/dev/null; then
		echo "CUVET-SKIP 24 $t not installed: the image tests need it to build their image"
		exit 77
	fi
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0 fail=0
if ! "$HERE/image/mkimage.sh" "$WORK" "${CC:-cc}" "$SRC" >"$WORK/mkimage.log" 2>&1; then
	echo "FAIL the test image could not be built"
	cat "$WORK/mkimage.log"
	exit 1
fi

normalise() {
	sed -E -e "s#$WORK#@WORK@#g" -e "s#$HERE#@HERE@#g" -e 's#sha256:[0-9a-f]{64}#sha256:@DIGEST@#g' -e 's#sha256:[0-9a-f]{12}\b#sha256:@SHORT@#g' \
		-e 's#[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z#@CREATED@#g' -e 's#"size": [0-9]+#"size": @SIZE@#' \
		-e 's#"probe_seconds": [0-9.e+-]*#"probe_seconds": 0#'
}

# check NAME EXPECTED_EXIT -- ARGS...: compare stdout + stderr + exit with golden/NAME.out
check() {
	local name=$1 want=$2
	shift 3
	local out rc
	out=$(env -i PATH=/usr/bin:/bin CUVET_TODAY=2026-11-29 "$@" 2>"$WORK/stderr")
	rc=$?
	{ printf '%s\n' "$out" | normalise; normalise <"$WORK/stderr" | sed 's/^/stderr: /'; echo "exit: $rc"; } >"$WORK/got"
	[ "${UPDATE_GOLDEN:-}" = 1 ] && cp "$WORK/got" "$GOLDEN/$name.out"
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
# same NAME WANT GOT: a value compared with another tool's
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		echo "ok   $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: '$3', want '$2'"
		fail=$((fail + 1))
	fi
}
W=$WORK
OCI=oci:$W/oci:cuda

# image inspect: text, Markdown, JSON; the files win over the config (cuDNN 9.1.0 against 9.2.0.82:
# exit 1); a whiteout removed NCCL; the tag's row in the knowledge base (docker save names it).
check image-inspect-oci 1 -- "$CUVET" image inspect "$OCI"
check image-inspect-docker25-markdown 1 -- "$CUVET" image inspect --markdown "docker-archive:$W/cuda-docker25.tar"
check image-inspect-oci-archive-json 1 -- "$CUVET" image inspect --json "oci-archive:$W/cuda-oci.tar"
check image-inspect-docker-archive 1 -- "$CUVET" image inspect "docker-archive:$W/cuda.tar"
check image-inspect-ngc-tag 1 -- "$CUVET" image inspect --no-gpu-code "docker-archive:$W/trt.tar"
check image-inspect-no-layers 0 -- "$CUVET" image inspect --no-layers "$OCI"
check image-inspect-no-gpu-code 1 -- "$CUVET" image inspect --no-gpu-code "docker-archive:$W/cuda-docker25.tar"
check image-inspect-quiet 1 -- "$CUVET" image inspect -q "$OCI"
# limits and bad input: nothing printed on stdout, exit 4; usage errors exit 2
check image-inspect-limit-entries 4 -- "$CUVET" image inspect --limit-entries 3 "$OCI"
check image-inspect-other-platform 4 -- "$CUVET" image inspect --platform linux/arm64 "$OCI"
check image-inspect-platform-alias 0 -- "$CUVET" image inspect -q --no-layers --platform linux/x86_64 "$OCI"
check image-inspect-missing 4 -- "$CUVET" image inspect "oci:$W/nothing:cuda"
check image-inspect-no-transport 2 -- "$CUVET" image inspect "$W/cuda.tar"
check image-inspect-json-markdown 2 -- "$CUVET" image inspect --json --markdown "$OCI"
check image-unknown-subcommand 2 -- "$CUVET" image pull "$OCI"
check image-inspect-bad-limit 2 -- "$CUVET" image inspect --limit-ratio 0 "$OCI"

# the digests cuvet reports are those skopeo reports
json=$("$CUVET" image inspect --json --no-layers "$OCI")
same "manifest digest = skopeo inspect's Digest" "$(skopeo inspect "$OCI" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')" \
	"$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["digests"]["manifest"])')"
same "config digest = sha256 of skopeo inspect --config --raw" "sha256:$(skopeo inspect --config --raw "$OCI" | sha256sum | cut -d' ' -f1)" \
	"$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["digests"]["config"])')"

# check --image: a container of the image on a 580 host with an H100 (passes: CUDA 13.0, sm_90a SASS);
# on a 550 host (CUDA 12.4: the requirement holds) whose T4 (7.5) has no code in cuBLASLt (sm_90a,
# compute_80) and whose L40S (8.9) would JIT PTX ISA 9.0, which needs a CUDA 13 driver: the workload
# fails; on a 535 one (cuda>=12.4 fails, no brand=nvidia group for 535 either). doctor --image: the
# library rules on its files.
check check-image-580 0 -- "$CUVET" check --image "$OCI" --facts "$HERE/image/host-580.json"
check check-image-550 1 -- "$CUVET" check --image "$OCI" --facts "$SRC/tests/cli/check-facts/t4-l40s-550.json"
check check-image-535 1 -- "$CUVET" check --image "docker-archive:$W/cuda-docker25.tar" --facts "$HERE/image/host-535.json"
check check-image-535-json 1 -- "$CUVET" check --json --image "$OCI" --facts "$HERE/image/host-535.json"
check check-image-root 2 -- "$CUVET" check --image "$OCI" --root /
check doctor-image 0 -- "$CUVET" doctor --image "$OCI"
# why inside the image: its merged layers are the root, its config's Env the environment; NCCL,
# deleted by the second layer's whiteout, is not found
check why-image-cudnn 0 -- "$CUVET" why --image "$OCI" libcudnn.so.9
check why-image-nccl-whiteout 1 -- "$CUVET" why --image "$OCI" libnccl.so.2
check why-image-root 2 -- "$CUVET" why --image "$OCI" --root / libc.so.6

echo "done: $pass passed, $fail failed"
[ "$fail" = 0 ]
