#!/usr/bin/env bash
# cuvet dockerfile lint|pin: golden outputs with exit codes (tests/dockerfile/golden/NAME.out;
# UPDATE_GOLDEN=1 rewrites them), and pin's rewrite checked against the original byte for byte
# by an independent comparison (python: the new file is the old one with only "@DIGEST" inserted
# after the image of the FROM lines named), the mode kept, no temporary file left behind.
#
# usage: test_dockerfile.sh CUVET SRC_DIR
set -u
CUVET=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") SRC=$(cd "$2" && pwd)
HERE=$SRC/tests/dockerfile
GOLDEN=$HERE/golden
CORPUS=$HERE/corpus
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0 fail=0

# check NAME EXPECTED_EXIT -- ARGS...: stdout, stderr and exit status against golden/NAME.out,
# run from the corpus so that paths print relative.
check() {
	local name=$1 want=$2
	shift 3
	local out rc
	out=$(cd "$CORPUS" && env -i PATH=/usr/bin:/bin CUVET_TODAY=2026-11-29 "$@" 2>"$WORK/stderr")
	rc=$?
	{ printf '%s\n' "$out" | sed -e "s#$WORK#@WORK@#g"; sed -e "s#$WORK#@WORK@#g" "$WORK/stderr" | sed 's/^/stderr: /'; echo "exit: $rc"; } >"$WORK/got"
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

# assert NAME COMMAND...: a condition that must hold.
assert() {
	local name=$1
	shift
	if "$@"; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		fail=$((fail + 1))
	fi
}

# ---------------------------------------------------------------------- lint
for f in add args copy-from cuda-env-mismatch cuda-runtime heredoc heredoc-last localhost-latest multistage registry-port \
	windows-escape; do
	check "lint-$f" 1 -- "$CUVET" dockerfile lint "$f.Dockerfile"
done
# the requirements file beside the Dockerfile is read (lines of ngc/requirements.txt)
check lint-ngc 1 -- "$CUVET" dockerfile lint ngc/Dockerfile
check lint-ngc-json 1 -- "$CUVET" dockerfile lint --json ngc/Dockerfile
# --build-arg overrides an ARG's default; one that no ARG declares changes nothing
check lint-build-arg 1 -- "$CUVET" dockerfile lint --build-arg PYTORCH_TAG=23.09-py3 --build-arg TRT_TAG=24.01-py3 \
	--build-arg UNDECLARED=x args.Dockerfile
check lint-trusted-registry 1 -- "$CUVET" dockerfile lint --trusted-registry nvcr.io --trusted-registry '*.example.com:8443' \
	trusted-registry.Dockerfile
# --platform is TARGETPLATFORM, which FROM sees without an ARG
printf 'FROM alpine:3.19-${TARGETARCH}\nFROM --platform=$BUILDPLATFORM golang:1.22-${TARGETOS}\n' >"$WORK/platform.Dockerfile"
check lint-platform 0 -- "$CUVET" dockerfile lint --json --platform linux/arm64/v8 "$WORK/platform.Dockerfile"
check lint-quiet 1 -- "$CUVET" dockerfile lint -q multistage.Dockerfile

printf 'FROM ubuntu:22.04@sha256:%064d\nRUN apt-get install -y curl=7.81.0-1ubuntu1.16\n' 0 >"$WORK/clean.Dockerfile"
check lint-clean 0 -- "$CUVET" dockerfile lint "$WORK/clean.Dockerfile"
# notes alone (a tag without digest) do not fail
printf 'FROM ubuntu:22.04\n' >"$WORK/notes.Dockerfile"
check lint-notes-only 0 -- "$CUVET" dockerfile lint "$WORK/notes.Dockerfile"

# bad input: exit 4 with the line, the other files still linted
printf 'FROM ubuntu:22.04\nRUN <<EOF\necho never closed\n' >"$WORK/heredoc-open.Dockerfile"
printf 'FROM ubuntu:22.04\nFROBNICATE x\n' >"$WORK/unknown.Dockerfile"
printf '# a comment\nARG X=1\n' >"$WORK/no-from.Dockerfile"
printf '# escape=x\nFROM ubuntu:22.04\n' >"$WORK/bad-escape.Dockerfile"
printf 'RUN true\nFROM ubuntu:22.04\n' >"$WORK/run-first.Dockerfile"
printf 'FROM ubuntu:22.04 AS\n' >"$WORK/from-two.Dockerfile"
check lint-bad-input 4 -- "$CUVET" dockerfile lint "$WORK/heredoc-open.Dockerfile" "$WORK/unknown.Dockerfile" \
	"$WORK/no-from.Dockerfile" "$WORK/bad-escape.Dockerfile" "$WORK/run-first.Dockerfile" "$WORK/from-two.Dockerfile" \
	"$WORK/missing.Dockerfile" "$WORK" multistage.Dockerfile
check lint-bad-input-json 4 -- "$CUVET" dockerfile lint --json "$WORK/unknown.Dockerfile" "$WORK/notes.Dockerfile"

# usage errors
check lint-usage-no-file 2 -- "$CUVET" dockerfile lint
check lint-usage-json-sarif 2 -- "$CUVET" dockerfile lint --json --sarif args.Dockerfile
check dockerfile-usage-none 2 -- "$CUVET" dockerfile
check dockerfile-usage-unknown 2 -- "$CUVET" dockerfile frob

# SARIF 2.1.0: structure (and the schema when CUVET_SARIF_SCHEMA names it; tests/dockerfile/sarif_check.py)
(cd "$CORPUS" && "$CUVET" dockerfile lint --sarif multistage.Dockerfile ngc/Dockerfile "$WORK/unknown.Dockerfile" \
	>"$WORK/out.sarif" 2>/dev/null)
assert sarif-structure python3 "$HERE/sarif_check.py" "$WORK/out.sarif" 9

# ----------------------------------------------------------------------- pin
digests=$WORK/digests
cat >"$digests" <<'EOF'
# echo "REF $(skopeo inspect --format '{{.Digest}}' docker://REF)"
docker.io/library/golang:1.22-bookworm sha256:1111111111111111111111111111111111111111111111111111111111111111
docker.io/library/debian:bookworm-slim sha256:2222222222222222222222222222222222222222222222222222222222222222
ubuntu:latest sha256:3333333333333333333333333333333333333333333333333333333333333333
docker.io/library/alpine:latest sha256:4444444444444444444444444444444444444444444444444444444444444444
registry.example.com:8443/ml/cuda-base:12.4 sha256:5555555555555555555555555555555555555555555555555555555555555555
localhost:5000/tools:latest sha256:6666666666666666666666666666666666666666666666666666666666666666
EOF
check pin-check-unpinned 1 -- "$CUVET" dockerfile pin --check multistage.Dockerfile
check pin-dry-run 1 -- "$CUVET" dockerfile pin --dry-run --digests "$digests" multistage.Dockerfile
check pin-json-dry-run 0 -- "$CUVET" dockerfile pin --json -n --digests "$digests" registry-port.Dockerfile

# A CRLF file with tabs, comments, continuations, a digest already there, a stage, an ARG-made image.
printf '# syntax=docker/dockerfile:1\r\nARG V=3.19\r\n\tFROM   golang:1.22-bookworm   AS builder  \r\n# comment\r\nFROM \\\r\n  registry.example.com:8443/ml/cuda-base:12.4 AS b\r\nFROM alpine:${V}\r\nFROM builder\r\nFROM ubuntu:latest@sha256:%064d\r\nRUN echo "FROM ubuntu:latest" \\\r\n\t&& true\r\nFROM localhost:5000/tools' 7 >"$WORK/Dockerfile"
chmod 640 "$WORK/Dockerfile"
cp "$WORK/Dockerfile" "$WORK/Dockerfile.orig"
check pin-write 1 -- "$CUVET" dockerfile pin --digests "$digests" "$WORK/Dockerfile"
assert pin-bytes python3 - "$WORK/Dockerfile.orig" "$WORK/Dockerfile" <<'EOF'
import sys
old, new = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
# what must have changed: these tokens, each followed by @DIGEST; nothing else
want = {b"golang:1.22-bookworm": b"1" * 64, b"registry.example.com:8443/ml/cuda-base:12.4": b"5" * 64,
        b"localhost:5000/tools": b"6" * 64}
exp = old
for tok, hexd in want.items():
    i = exp.index(tok)
    suffix = b":latest" if tok == b"localhost:5000/tools" else b""
    exp = exp[:i + len(tok)] + suffix + b"@sha256:" + hexd + exp[i + len(tok):]
sys.exit(0 if exp == new else 1)
EOF
assert pin-mode-kept test "$(stat -c %a "$WORK/Dockerfile")" = 640
assert pin-no-temp-left test -z "$(find "$WORK" -name '.Dockerfile.cuvet-*')"
cp "$WORK/Dockerfile" "$WORK/Dockerfile.once"
# again: nothing more to pin but the ARG-made one; the file is not rewritten
check pin-again 1 -- "$CUVET" dockerfile pin --digests "$digests" "$WORK/Dockerfile"
assert pin-idempotent cmp -s "$WORK/Dockerfile" "$WORK/Dockerfile.once"
check pin-check-after 1 -- "$CUVET" dockerfile pin --check "$WORK/Dockerfile"
printf 'FROM ubuntu:22.04@sha256:%064d AS a\nFROM a\nFROM scratch\n' 9 >"$WORK/pinned.Dockerfile"
check pin-check-clean 0 -- "$CUVET" dockerfile pin --check "$WORK/pinned.Dockerfile"
# a symbolic link: its target is rewritten, the link kept
printf 'FROM alpine\n' >"$WORK/target.Dockerfile"
ln -s target.Dockerfile "$WORK/link.Dockerfile"
check pin-symlink 0 -- "$CUVET" dockerfile pin --digests "$digests" "$WORK/link.Dockerfile"
assert pin-symlink-kept test -L "$WORK/link.Dockerfile"
assert pin-symlink-target grep -q "^FROM alpine:latest@sha256:4444" "$WORK/target.Dockerfile"

# bad digests file, bad Dockerfile: exit 4, the file untouched
printf 'ubuntu:22.04 sha256:abc\n' >"$WORK/bad-digests"
cp "$WORK/notes.Dockerfile" "$WORK/notes.orig"
check pin-bad-digests 4 -- "$CUVET" dockerfile pin --digests "$WORK/bad-digests" "$WORK/notes.Dockerfile"
check pin-bad-dockerfile 4 -- "$CUVET" dockerfile pin --digests "$digests" "$WORK/unknown.Dockerfile"
assert pin-untouched cmp -s "$WORK/notes.Dockerfile" "$WORK/notes.orig"
check pin-usage-two 2 -- "$CUVET" dockerfile pin a b
# a read-only directory: the temporary file cannot be made; the file is left as it was (not as root)
if [ "$(id -u)" != 0 ]; then
	mkdir "$WORK/ro" && cp "$WORK/notes.Dockerfile" "$WORK/ro/Dockerfile" && chmod 555 "$WORK/ro"
	check pin-read-only-dir 4 -- "$CUVET" dockerfile pin --digests "$digests" "$WORK/ro/Dockerfile"
	chmod 755 "$WORK/ro"
else
	echo "CUVET-SKIP 1 running as root: a read-only directory does not stop root"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
