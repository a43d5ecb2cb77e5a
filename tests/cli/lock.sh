#!/usr/bin/env bash
# cuvet lock / verify / build / stamp: drift cases over facts files that differ from a build host's
# by one component (tests/cli/lock/*.json, written by make_facts.py), rollback verdicts, real builds
# (sh, the C compiler) whose provenance is checked against sha256sum, and lock round trips.
#
# usage: lock.sh CUVET
set -u
C=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
F=$HERE/lock
GOLDEN=$HERE/lock/golden
CC=${CC:-cc}
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
pass=0 fail=0
export SOURCE_DATE_EPOCH=1764892800 # 2025-12-05T00:00:00Z: locks made here are byte-stable

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# run NAME WANT_EXIT CMD...: the exit status, and stdout+stderr against golden/NAME.out when it exists
run() {
	local name=$1 want=$2
	shift 2
	"$@" >"$WORK/out" 2>"$WORK/err"
	local rc=$?
	# MASK: a digest written @DIGEST@; SEDX: more sed commands (what depends on the machine)
	local m="s#${MASK:-@NO-MASK@}#@DIGEST@#g" x="${SEDX:-s#@NO-SEDX@##}"
	{ sed -e "s#$WORK#@WORK@#g" -e "s#$F#@F@#g" -e "$m" -e "$x" "$WORK/out"; sed -e "s#$WORK#@WORK@#g" -e "s#$F#@F@#g" -e "$m" -e "$x" -e 's/^/stderr: /' "$WORK/err"; echo "exit: $rc"; } >"$WORK/got"
	if [ "${UPDATE_GOLDEN:-}" = 1 ] && [ -n "${GOLD:-}" ]; then
		cp "$WORK/got" "$GOLDEN/$name.out"
	fi
	if [ "$rc" != "$want" ]; then
		bad "$name: exit $rc, want $want"
		cat "$WORK/got"
	elif [ -f "$GOLDEN/$name.out" ] && ! diff -u "$GOLDEN/$name.out" "$WORK/got"; then
		bad "$name: output differs from golden/$name.out"
	else
		ok "$name"
	fi
}
# assert NAME CONDITION...: a shell test
assert() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
json() { # FILE PYTHON-EXPRESSION-ON-d: prints the value
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

# ---- the lock of the build host ----------------------------------------------------------
GOLD=1 run lock-facts 0 "$C" lock --facts "$F/base.json" -o base.lock
GOLD=1 run lock-file 0 cat base.lock
# what the lock says, read by Python's json (not cuvet): versions and default policies
assert lock-policies [ "$(json base.lock '" ".join(c["name"]+"="+c["version"]+":"+c["policy"] for c in d["components"])')" = \
	"driver=570.86.10:min compute-capability=9.0:exact cudart=12.8.57:minor cublas=12.8.3.14:minor cudnn=9.7.1.26:exact tensorrt=10.8.0.43:exact nccl=2.25.1:exact glibc=2.35:min" ]
run lock-stdout 0 "$C" lock --facts "$F/base.json" -o -
assert lock-stdout-same cmp -s base.lock "$WORK/out"

# ---- verify: one component differs at a time ---------------------------------------------
GOLD=1 run verify-same 0 "$C" verify base.lock --facts "$F/base.json"
run verify-driver-newer 0 "$C" verify base.lock --facts "$F/driver-newer.json"
GOLD=1 run verify-driver-older 1 "$C" verify base.lock --facts "$F/driver-older.json"
GOLD=1 run verify-cudnn-patch 1 "$C" verify base.lock --facts "$F/cudnn-patch.json"
run verify-tensorrt-build 1 "$C" verify base.lock --facts "$F/tensorrt-build.json"
assert verify-tensorrt-build-why grep -q 'FAIL    tensorrt .*tensorrt 10.8.0.40 (/usr/lib/x86_64-linux-gnu/libnvinfer.so.10); the lock needs exactly 10.8.0.43$' "$WORK/out"
run verify-cudart-patch 0 "$C" verify base.lock --facts "$F/cudart-patch.json"
run verify-cudart-minor 1 "$C" verify base.lock --facts "$F/cudart-minor.json"
assert verify-cudart-minor-why grep -q 'FAIL    cudart .*; the lock needs 12.8.x (locked 12.8.57)$' "$WORK/out"
run verify-cublas-minor 1 "$C" verify base.lock --facts "$F/cublas-minor.json"
run verify-nccl-newer 1 "$C" verify base.lock --facts "$F/nccl-newer.json"
GOLD=1 run verify-gpu-a100 1 "$C" verify base.lock --facts "$F/gpu-a100.json"
GOLD=1 run verify-gpu-cc-unknown 3 "$C" verify base.lock --facts "$F/gpu-cc-unknown.json"
run verify-no-gpu 1 "$C" verify base.lock --facts "$F/no-gpu.json"
assert verify-no-gpu-why grep -q 'FAIL    compute-capability exact  no visible GPU; the lock needs compute capability exactly 9.0$' "$WORK/out"
run verify-no-driver 1 "$C" verify base.lock --facts "$F/no-driver.json"
assert verify-no-driver-why grep -q 'FAIL    driver .*no driver here; the lock needs 570.86.10 or newer$' "$WORK/out"
run verify-cudnn-missing 1 "$C" verify base.lock --facts "$F/cudnn-missing.json"
GOLD=1 run verify-cudnn-soname-only 3 "$C" verify base.lock --facts "$F/cudnn-soname-only.json"
run verify-soname-only-assumed 0 "$C" verify base.lock --facts "$F/cudnn-soname-only.json" --assume-unknown=pass
assert verify-soname-only-assumed-says grep -q '^verdict: PASS (1 undetermined assumed to pass: --assume-unknown=pass)$' "$WORK/out"
assert verify-soname-only-still-unknown grep -q '^  UNKNOWN cudnn ' "$WORK/out"
run verify-assume-bad 2 "$C" verify base.lock --facts "$F/base.json" --assume-unknown=maybe
run verify-assumed-fail-stays 1 "$C" verify base.lock --facts "$F/cudnn-patch.json" --assume-unknown=pass
run verify-glibc-older 1 "$C" verify base.lock --facts "$F/glibc-older.json"
GOLD=1 run verify-extra-cufft 0 "$C" verify base.lock --facts "$F/extra-cufft.json"
GOLD=1 run verify-json 1 "$C" verify base.lock --facts "$F/cudnn-patch.json" --json
assert verify-json-parses [ "$(json "$WORK/out" '[c["verdict"] for c in d["checks"] if c["component"]=="cudnn"][0] + " " + d["verdict"] + " " + str(d["exit"])')" = "FAIL FAIL 1" ]
GOLD=1 run verify-markdown 1 "$C" verify base.lock --facts "$F/cudart-minor.json" --markdown
run verify-quiet 1 "$C" verify -q base.lock --facts "$F/cudart-minor.json"
assert verify-quiet-silent [ ! -s "$WORK/out" ]

# policies relaxed by --policy: the same drift passes
run lock-relaxed 0 "$C" lock --facts "$F/base.json" -o relaxed.lock -p cudnn=minor -p tensorrt=patch -p cudart=major
run verify-relaxed-cudnn 0 "$C" verify relaxed.lock --facts "$F/cudnn-patch.json"
run verify-relaxed-tensorrt 0 "$C" verify relaxed.lock --facts "$F/tensorrt-build.json"
run verify-relaxed-cudart 0 "$C" verify relaxed.lock --facts "$F/cudart-minor.json"
run lock-bad-policy 2 "$C" lock --facts "$F/base.json" -o x.lock -p cudnn=loose
run lock-policy-no-component 2 "$C" lock --facts "$F/base.json" -o x.lock -p cufft=exact
assert lock-failed-writes-nothing [ ! -e x.lock ]

# usage and input errors
run verify-no-lock 2 "$C" verify --facts "$F/base.json"
run verify-missing-lock 4 "$C" verify nosuch.lock --facts "$F/base.json"
printf '{"schema": "cuvet.lock/1", "components": [{"name": "cudnn", "version": "9.1", "policy": "loose"}]}' >badpolicy.lock
GOLD=1 run verify-bad-policy-in-lock 4 "$C" verify badpolicy.lock --facts "$F/base.json"
printf '{"schema": "cuvet.lock/1", "components": [' >torn.lock
run verify-torn-lock 4 "$C" verify torn.lock --facts "$F/base.json"
printf '{"schema": "cuvet.facts/1", "components": []}' >wrongschema.lock
run verify-wrong-schema 4 "$C" verify wrongschema.lock --facts "$F/base.json"

# ---- rollback: which older releases still run on today's node -----------------------------
cp base.lock release-1.lock
"$C" lock --facts "$F/base.json" -o release-2.lock -p cudnn=major -p tensorrt=major -p cudart=major -p cublas=major -p nccl=major >/dev/null
"$C" lock --facts "$F/today.json" -o release-3.lock >/dev/null
# a release locked on a newer driver than the node has
sed 's/"575.51.03"/"580.95.05"/' release-3.lock >release-4.lock
GOLD=1 run rollback-text 1 "$C" verify release-1.lock release-2.lock release-3.lock release-4.lock --facts "$F/today.json"
run rollback-json 1 "$C" verify release-1.lock release-2.lock release-3.lock release-4.lock --facts "$F/today.json" --json
assert rollback-json-verdicts [ "$(json "$WORK/out" '" ".join(l["verdict"] for l in d["locks"])')" = "FAIL PASS PASS FAIL" ]
# over a fleet: a directory of facts files, one node each
mkdir fleet
cp "$F/today.json" "$F/base.json" "$F/gpu-a100.json" "$F/driver-older.json" fleet/
GOLD=1 run rollback-fleet 1 "$C" verify release-1.lock release-2.lock release-3.lock --facts fleet
run rollback-fleet-json 1 "$C" verify release-1.lock release-2.lock release-3.lock --facts fleet --json
assert rollback-fleet-json-verdicts [ "$(json "$WORK/out" '" ".join(n["facts"].split("/")[-1]+":"+"".join(l["verdict"][0] for l in n["locks"]) for n in d["nodes"])')" = \
	"base.json:PPF driver-older.json:FFF gpu-a100.json:FFF today.json:FPP" ]
mkdir empty-fleet
run rollback-fleet-empty 4 "$C" verify release-1.lock --facts empty-fleet
run rollback-two-run 0 "$C" verify release-2.lock release-3.lock --facts "$F/today.json"

# ---- round trip: unknown fields survive --update -------------------------------------------
python3 - base.lock >annotated.lock <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["x-ci"] = {"pipeline": 4711, "approved-by": "release-team"}
d["components"][4]["x-note"] = "pinned for numerics"
d["host"]["x-rack"] = "r12"
json.dump(d, sys.stdout, indent=2)
EOF
cp annotated.lock updated.lock
run lock-update 0 "$C" lock --facts "$F/cudnn-patch.json" -o updated.lock --update
assert lock-update-keeps-unknown [ "$(json updated.lock 'd["x-ci"]["pipeline"], d["host"]["x-rack"], [c.get("x-note") for c in d["components"] if c["name"]=="cudnn"][0], [c["version"] for c in d["components"] if c["name"]=="cudnn"][0]')" = "4711 r12 pinned for numerics 9.7.0.66" ]
"$C" lock --facts "$F/base.json" -o relaxed2.lock -p cudnn=minor >/dev/null
run lock-update-keeps-policy 0 "$C" lock --facts "$F/base.json" -o relaxed2.lock --update
assert lock-update-keeps-policy-value [ "$(json relaxed2.lock '[c["policy"] for c in d["components"] if c["name"]=="cudnn"][0]')" = minor ]
# a rewrite keeps the file's mode (the temporary file's 0600 never shows)
chmod 640 relaxed2.lock
"$C" lock --facts "$F/base.json" -o relaxed2.lock --update >/dev/null
assert lock-update-keeps-mode [ "$(stat -c %a relaxed2.lock)" = 640 ]
umask 022
"$C" lock --facts "$F/base.json" -o fresh.lock >/dev/null
assert lock-new-mode-644 [ "$(stat -c %a fresh.lock)" = 644 ]
# a rewrite without changes is the same document (unknown fields and their order kept) ...
cp annotated.lock same.lock
"$C" lock --facts "$F/base.json" -o same.lock --update >/dev/null
python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a!=b)" annotated.lock same.lock
assert lock-update-same-content [ $? = 0 ]
# ... and byte for byte the same for a lock cuvet wrote
cp base.lock again.lock
"$C" lock --facts "$F/base.json" -o again.lock --update >/dev/null
assert lock-update-same-bytes cmp -s base.lock again.lock

# ---- artifacts -----------------------------------------------------------------------------
printf 'ftrt\0\0\0\0' >model.engine
printf 'ir_version' >model.onnx
printf 'int main(void){return 0;}\n' >hello.c
$CC -o hello hello.c
run lock-artifacts 0 "$C" lock --facts "$F/base.json" -o art.lock -a model.engine -a model.onnx -a hello
assert lock-artifact-kinds [ "$(json art.lock '" ".join(a["kind"] for a in d["artifacts"])')" = "tensorrt-engine onnx binary" ]
assert lock-artifact-sha256 [ "$(json art.lock 'd["artifacts"][2]["sha256"]')" = "sha256:$(sha256sum hello | cut -d' ' -f1)" ]
run verify-artifacts-same 0 "$C" verify art.lock --facts "$F/base.json" --artifacts
echo changed >>model.onnx
run verify-artifacts-changed 1 "$C" verify art.lock --facts "$F/base.json" --artifacts
assert verify-artifacts-changed-why grep -q 'FAIL    model.onnx .*model.onnx changed since it was locked' "$WORK/out"

# real engines (tests/data/engines, their README says which TensorRT built them on which GPU): the
# header reader fills in the release and compute capability
E=$HERE/../data/engines
cp "$E/trt8.6.1.6-sm89.plan" "$E/trt10.15.1.29-sm86.engine" "$E/trt7.1.3.4-sm75.plan" .
run lock-engines 0 "$C" lock --facts "$F/base.json" -o engines.lock -a trt8.6.1.6-sm89.plan -a trt10.15.1.29-sm86.engine -a trt7.1.3.4-sm75.plan
assert lock-engine-fields [ "$(json engines.lock '" ".join(a["kind"]+":"+a["tensorrt"]+":"+a["compute_capability"] for a in d["artifacts"])')" = \
	"tensorrt-engine:8.6.1.6:8.9 tensorrt-engine:10.15.1.29:8.6 tensorrt-engine:7.1.3.4:7.5" ]
assert lock-engine-sha256 [ "$(json engines.lock 'd["artifacts"][0]["sha256"]')" = "sha256:$(sha256sum trt8.6.1.6-sm89.plan | cut -d' ' -f1)" ]

# ---- build and stamp on a fixture root ------------------------------------------------------
# A root whose libraries carry their full versions in their file names, as the loader finds them.
R=$WORK/root
printf 'int cuvet_fixture(void) { return 0; }\n' >empty.c
mklib() { # PATH SONAME
	mkdir -p "$(dirname "$1")"
	$CC -shared -fPIC -o "$1" -Wl,-soname,"$2" empty.c
	ln -sf "$(basename "$1")" "$(dirname "$1")/$2"
}
mklib "$R/usr/lib/x86_64-linux-gnu/libcudnn.so.9.7.1" libcudnn.so.9
mklib "$R/usr/lib/x86_64-linux-gnu/libnccl.so.2.25.1" libnccl.so.2
mkdir -p "$R/proc/driver/nvidia" "$R/etc"
printf 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.10  Release Build  (dvs-builder@U16-I3-B08-1-1)  Fri Aug 15 00:00:00 UTC 2025\n' >"$R/proc/driver/nvidia/version"
printf '/usr/lib/x86_64-linux-gnu\n' >"$R/etc/ld.so.conf"
"$LDCONFIG" -r "$R" 2>/dev/null
H=(--root "$R" --no-nvml --no-load)
run lock-root 0 "$C" lock "${H[@]}" -o root.lock
assert lock-root-components [ "$(json root.lock '" ".join(c["name"]+"="+c["version"] for c in d["components"])' | sed 's/ glibc=[0-9.]*//')" = "driver=570.86.10 cudnn=9.7.1 nccl=2.25.1" ]
printf 'weights\n' >in.txt
GOLD=1 run build-cp 0 "$C" build "${H[@]}" --lock root.lock --in in.txt --out out.txt -- sh -c 'cp in.txt out.txt'
assert build-cp-output cmp -s in.txt out.txt
P=out.txt.cuvet.json
assert build-record-subject [ "$(json $P 'd["subject"][0]["name"] + " " + d["subject"][0]["digest"]["sha256"]')" = "out.txt $(sha256sum out.txt | cut -d' ' -f1)" ]
assert build-record-input [ "$(json $P 'd["predicate"]["buildDefinition"]["resolvedDependencies"][0]["digest"]["sha256"]')" = "$(sha256sum in.txt | cut -d' ' -f1)" ]
assert build-record-lock [ "$(json $P 'd["predicate"]["buildDefinition"]["resolvedDependencies"][1]["digest"]["sha256"]')" = "$(sha256sum root.lock | cut -d' ' -f1)" ]
assert build-record-command [ "$(json $P '"|".join(d["predicate"]["buildDefinition"]["externalParameters"]["command"])')" = "sh|-c|cp in.txt out.txt" ]
assert build-record-stack [ "$(json $P '" ".join(c["name"]+"="+c["version"] for c in d["predicate"]["buildDefinition"]["internalParameters"]["environment"]["stack"])' | sed 's/ glibc=[0-9.]*//')" = "driver=570.86.10 cudnn=9.7.1 nccl=2.25.1" ]
assert build-record-driver [ "$(json $P 'd["predicate"]["buildDefinition"]["internalParameters"]["environment"]["driver"]["version"]')" = 570.86.10 ]
assert build-record-time [ "$(json $P 'd["predicate"]["runDetails"]["metadata"]["startedOn"]')" = 2025-12-05T00:00:00Z ]
assert build-record-types [ "$(json $P 'd["_type"] + " " + d["predicateType"] + " " + d["schema"]')" = "https://in-toto.io/Statement/v1 https://slsa.dev/provenance/v1 cuvet.provenance/1" ]
# the C compiler as the build: the output is a binary
run build-cc 0 "$C" build "${H[@]}" --lock root.lock --in hello.c --out hello2 -- "$CC" -o hello2 hello.c
assert build-cc-kind [ "$(json hello2.cuvet.json 'd["subject"][0]["kind"] + " " + d["subject"][0]["digest"]["sha256"]')" = "binary $(sha256sum hello2 | cut -d' ' -f1)" ]
assert build-cc-runs ./hello2
# the command's exit status is passed on, and no record is written
rm -f fail.out.cuvet.json
run build-exit-7 7 "$C" build "${H[@]}" --lock root.lock --out fail.out -- sh -c 'touch fail.out; exit 7'
assert build-exit-7-no-record [ ! -e fail.out.cuvet.json ]
run build-not-found 127 "$C" build "${H[@]}" --lock root.lock -- ./no-such-command
run build-killed 137 "$C" build "${H[@]}" --lock root.lock -- sh -c 'kill -9 $$'
run build-missing-out 4 "$C" build "${H[@]}" --lock root.lock --out never.txt -- true
# drift: the lock of another host; the command must not run
GOLD=1 run build-drift 1 "$C" build "${H[@]}" --lock base.lock --out ran.txt -- sh -c 'touch ran.txt'
assert build-drift-not-run [ ! -e ran.txt ]
sed 's/"9.7.1"/"9.7.0"/' root.lock >root-cudnn.lock
run build-drift-cudnn 1 "$C" build "${H[@]}" --lock root-cudnn.lock -- sh -c 'touch ran.txt'
assert build-drift-cudnn-why grep -q 'FAIL    cudnn: cudnn 9.7.1 (.*/libcudnn.so.9.7.1); the lock needs exactly 9.7.0$' "$WORK/err"
assert build-drift-cudnn-not-run [ ! -e ran.txt ]
# a library whose version only its SONAME tells: UNKNOWN refuses (exit 3); --assume-unknown=pass builds and says so
R2=$WORK/root2
mkdir -p "$R2/usr/lib/x86_64-linux-gnu" "$R2/proc/driver/nvidia" "$R2/etc"
$CC -shared -fPIC -o "$R2/usr/lib/x86_64-linux-gnu/libcudnn.so.9" -Wl,-soname,libcudnn.so.9 empty.c
cp "$R/proc/driver/nvidia/version" "$R2/proc/driver/nvidia/version"
cp "$R/etc/ld.so.conf" "$R2/etc/"
"$LDCONFIG" -r "$R2" 2>/dev/null
H2=(--root "$R2" --no-nvml --no-load)
"$C" lock "${H2[@]}" -o root2.lock >/dev/null
assert lock-soname-source [ "$(json root2.lock '[c["version"]+":"+c["source"] for c in d["components"] if c["name"]=="cudnn"][0]')" = 9:soname ]
run build-unknown-refused 3 "$C" build "${H2[@]}" --lock root2.lock -- sh -c 'touch ran.txt'
assert build-unknown-not-run [ ! -e ran.txt ]
run build-unknown-assumed 0 "$C" build "${H2[@]}" --lock root2.lock --assume-unknown=pass --out assumed.txt -- sh -c 'echo x >assumed.txt'
assert build-unknown-assumed-recorded [ "$(json assumed.txt.cuvet.json 'd["predicate"]["buildDefinition"]["internalParameters"]["environment"]["unknown_assumed_pass"]')" = 1 ]
run build-no-lock 2 "$C" build "${H[@]}" -- true
run build-no-command 2 "$C" build "${H[@]}" --lock root.lock
run build-facts-refused 2 "$C" build --facts "$F/base.json" --lock base.lock -- true
run build-missing-in 4 "$C" build "${H[@]}" --lock root.lock --in nosuch -- true
# stamp: an artifact built elsewhere
GOLD=1 run stamp 0 "$C" stamp model.engine --lock base.lock --in model.onnx
assert stamp-record [ "$(json model.engine.cuvet.json 'd["subject"][0]["kind"] + " " + d["predicate"]["runDetails"]["builder"]["id"] + " " + str("command" in d["predicate"]["buildDefinition"]["externalParameters"] and d["predicate"]["buildDefinition"]["externalParameters"]["command"])')" = "tensorrt-engine cuvet stamp None" ]
assert stamp-stack-from-lock [ "$(json model.engine.cuvet.json 'd["predicate"]["buildDefinition"]["internalParameters"]["environment"]["stack"][4]["version"]')" = 9.7.1.26 ]
run stamp-facts-drift 1 "$C" stamp model.engine --lock base.lock --facts "$F/cudnn-patch.json"
assert stamp-facts-drift-verified [ "$(json model.engine.cuvet.json 'd["predicate"]["buildDefinition"]["internalParameters"]["environment"]["verified"]')" = FAIL ]
run stamp-no-lock 2 "$C" stamp model.engine
# a stamped real engine: the record carries its header's release, and the engine reader (engine
# inspect) finds the record beside it and says it is about these bytes
run stamp-engine 0 "$C" stamp trt8.6.1.6-sm89.plan --lock base.lock
assert stamp-engine-subject [ "$(json trt8.6.1.6-sm89.plan.cuvet.json 'd["subject"][0]["tensorrt"] + " " + d["subject"][0]["compute_capability"]')" = "8.6.1.6 8.9" ]
run engine-inspect-stamped 0 "$C" engine inspect --json trt8.6.1.6-sm89.plan
assert engine-inspect-reads-record [ "$(json "$WORK/out" 'd["provenance"]["subject_matches"]')" = True ]

# ---- lock and verify of a container image (tests/cli/image/mkimage.sh: umoci, skopeo) ------------
# The image's libraries are its files'; the driver, GPUs and hostname those of --facts' host; the
# base image its name and manifest digest. A second image differs by its cuDNN (9.3.0 for 9.1.0).
IMGLOCKS=
if command -v umoci >/dev/null && command -v skopeo >/dev/null &&
	"$HERE/image/mkimage.sh" "$WORK/img" "$CC" "$HERE/../.." >"$WORK/mkimage.log" 2>&1 &&
	umoci tag --image "$WORK/img/oci:cuda" cudnn93 && umoci unpack --rootless --image "$WORK/img/oci:cudnn93" "$WORK/b93" >/dev/null &&
	G93=$WORK/b93/rootfs/usr/lib/x86_64-linux-gnu && mv "$G93/libcudnn.so.9.1.0" "$G93/libcudnn.so.9.3.0" &&
	ln -sf libcudnn.so.9.3.0 "$G93/libcudnn.so.9" && $LDCONFIG -r "$WORK/b93/rootfs" &&
	umoci repack --image "$WORK/img/oci:cudnn93" "$WORK/b93" >/dev/null; then
	IMG=oci:$WORK/img/oci:cuda
	DIGEST=$(skopeo inspect "$IMG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
	MASK=$DIGEST GOLD=1 run lock-image 0 "$C" lock --image "$IMG" --facts "$F/base.json" -o image.lock
	assert lock-image-base [ "$(json image.lock 'd["base_image"]["reference"] + "@" + d["base_image"]["digest"]')" = "cuda@$DIGEST" ]
	assert lock-image-source [ "$(json image.lock 'd["source"]')" = "image:$IMG" ]
	GV=$(json image.lock '[c["version"] for c in d["components"] if c["name"] == "glibc"][0]')
	export SEDX="s#glibc $GV#glibc @GLIBC@#;s#fits $GV or newer#fits @GLIBC@ or newer#;s#\"$GV\"#\"@GLIBC@\"#g"
	# the libraries are the image's (cuDNN 9.1.0 from its files, not base.json's 9.7.1.26), the
	# driver and GPUs the host's; no TensorRT nor NCCL (the image has none: layer 2 deleted NCCL)
	assert lock-image-components [ "$(json image.lock '" ".join(c["name"]+"="+c["version"]+":"+c["policy"] for c in d["components"] if c["name"] != "glibc")')" = \
		"driver=570.86.10:min compute-capability=9.0:exact cudart=12.4.127:minor cublas=12.4.5.8:minor cudnn=9.1.0:exact" ]
	MASK=$DIGEST GOLD=1 run verify-image-same 0 "$C" verify image.lock --image "$IMG" --facts "$F/base.json"
	# the same image as docker save writes it verifies too (a docker-archive has no manifest digest:
	# its lock records no base image)
	run verify-image-archive 0 "$C" verify image.lock --image "docker-archive:$WORK/img/cuda.tar" --facts "$F/base.json"
	run lock-image-archive 0 "$C" lock --image "docker-archive:$WORK/img/cuda.tar" --facts "$F/base.json" -o archive.lock
	assert lock-image-archive-no-base [ "$(json archive.lock '"base_image" in d')" = False ]
	MASK=$DIGEST GOLD=1 run verify-image-cudnn 1 "$C" verify image.lock --image "oci:$WORK/img/oci:cudnn93" --facts "$F/base.json"
	MASK=$DIGEST GOLD=1 run verify-image-cudnn-json 1 "$C" verify --json image.lock --image "oci:$WORK/img/oci:cudnn93" --facts "$F/base.json"
	# the driver stays the host's: an older one on the node fails, named
	MASK=$DIGEST GOLD=1 run verify-image-driver-older 1 "$C" verify image.lock --image "$IMG" --facts "$F/driver-older.json"
	# a lock of the image made where there is no driver has none, and checks none
	run lock-image-no-driver 0 "$C" lock --image "$IMG" --facts "$F/no-driver.json" -o nodriver.lock
	assert lock-image-no-driver-components [ "$(json nodriver.lock '" ".join(c["name"] for c in d["components"])')" = \
		"compute-capability cudart cublas cudnn glibc" ]
	MASK=$DIGEST GOLD=1 run verify-image-no-driver 0 "$C" verify nodriver.lock --image "$IMG" --facts "$F/base.json"
	# the image's files against a host lock: it carries none of the host's library versions
	GOLD=1 run verify-image-host-lock 1 "$C" verify base.lock --image "$IMG" --facts "$F/base.json"
	# a base image given on the command line wins over the image's own
	run lock-image-base-given 0 "$C" lock --image "$IMG" --facts "$F/base.json" --base-image reg/x:1@sha256:0000000000000000000000000000000000000000000000000000000000000000 -o given.lock
	assert lock-image-base-given-kept [ "$(json given.lock 'd["base_image"]["reference"]')" = reg/x:1 ]
	GOLD=1 run lock-image-root 2 "$C" lock --image "$IMG" --root "$WORK" -o x.lock
	GOLD=1 run lock-image-opt-alone 2 "$C" lock --no-layers -o x.lock
	GOLD=1 run lock-image-no-layers 2 "$C" lock --image "$IMG" --no-layers --facts "$F/base.json" -o x.lock
	GOLD=1 run verify-image-fleet 2 "$C" verify image.lock --image "$IMG" --facts "$F"
	GOLD=1 run verify-image-bad-source 2 "$C" verify image.lock --image "$WORK/img/cuda.tar"
	unset SEDX
	IMGLOCKS="image.lock given.lock archive.lock nodriver.lock"
else
	echo "CUVET-SKIP 22 umoci/skopeo missing or the test image could not be built: image locks not tested"
	cat "$WORK/mkimage.log" 2>/dev/null
fi

# ---- every lock and record written here validates against the JSON Schemas in doc/ (python3-jsonschema)
if python3 -c 'import jsonschema' 2>/dev/null; then
	validate() { # SCHEMA FILE...
		python3 - "$@" <<'PYEOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
for f in sys.argv[2:]:
    jsonschema.validate(json.load(open(f)), schema, cls=jsonschema.Draft202012Validator)
PYEOF
	}
	assert schema-locks validate "$HERE/../../doc/cuvet.lock.schema.json" base.lock relaxed.lock art.lock root.lock updated.lock release-4.lock $IMGLOCKS
	assert schema-provenance validate "$HERE/../../doc/cuvet.provenance.schema.json" out.txt.cuvet.json hello2.cuvet.json model.engine.cuvet.json
	# the schema can fail: a lock with an unknown policy does not validate
	invalid() { ! validate "$@" 2>/dev/null; }
	assert schema-refuses invalid "$HERE/../../doc/cuvet.lock.schema.json" badpolicy.lock
else
	echo "CUVET-SKIP 3 python3-jsonschema not installed: schema validation skipped"
fi

echo "lock tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
