#!/usr/bin/env bash
# cuvet dockerfile pin through the registry API: Debian's docker-registry on 127.0.0.1 (a free
# port, plain HTTP), images made by umoci (one single-platform, and a two-platform OCI index)
# pushed by `skopeo copy`; pin must write exactly the digests `skopeo inspect` reports (for the
# index: the index's digest, as docker pins a multi-platform tag), leave what it cannot resolve,
# and give the same bytes as --digests with a file made from skopeo's answers.
#   pin_registry.sh CUVET SRC_DIR
set -u
CUVET=$(realpath "$1") SRC=$(realpath "$2")
for t in docker-registry skopeo umoci; do
	if ! command -v "$t" >/dev/null; then
		echo "CUVET-SKIP 1 $t not installed (Debian packages docker-registry, skopeo, umoci; scripts/bootstrap.sh)"
		exit 77
	fi
done
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	chmod -R u+w "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fails=0 checks=0
expect_eq() { # WHAT GOT WANT
	checks=$((checks + 1))
	if [ "$2" = "$3" ]; then echo "ok   $1"; else fails=$((fails + 1)); echo "FAIL $1: got '$2', want '$3'"; fi
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/data
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/config.yml" >"$work/registry.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
	sleep 0.1
done
R=127.0.0.1:$port

cd "$work" || exit 1
mk() { # TAG ARCH
	umoci new --image lay:"$1" && umoci config --image lay:"$1" --os linux --architecture "$2" \
		--config.env CUDA_VERSION=12.4.1 >/dev/null || { echo "umoci failed"; exit 1; }
}
umoci init --layout lay || exit 1
mk one amd64
mk amd amd64
mk arm arm64
python3 "$SRC/tests/registry/oci_layout.py" index lay multi amd arm || exit 1
skopeo copy -q --dest-tls-verify=false oci:lay:one docker://$R/test/img:1 || exit 1
skopeo copy -q --dest-tls-verify=false --all oci:lay:multi docker://$R/test/multi:2.0 || exit 1
want1=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://$R/test/img:1)
want2=$(skopeo inspect --tls-verify=false --raw docker://$R/test/multi:2.0 | sha256sum | cut -d' ' -f1)

# tabs, CRLF, a stage, a continuation, a tag the registry does not have
printf 'FROM\t%s/test/img:1 AS a\r\nFROM a\r\nFROM \\\r\n  %s/test/multi:2.0\r\nFROM %s/test/img:missing\r\n' "$R" "$R" "$R" >Dockerfile
cp Dockerfile Dockerfile.orig
"$CUVET" dockerfile pin --platform linux/arm64 Dockerfile >pin.out 2>pin.err
expect_eq "pin exit (one tag missing)" "$?" 1
expect_eq "pin: img:1 digest = skopeo's" "$(sed -n "1s/.*@\(sha256:[0-9a-f]*\).*/\1/p" Dockerfile)" "$want1"
expect_eq "pin: multi:2.0 digest = sha256 of the index skopeo reads" "$(sed -n "4s/.*@sha256:\([0-9a-f]*\).*/\1/p" Dockerfile | tr -d '\r')" "$want2"
expect_eq "pin: the missing tag named" "$(grep -c "img:missing left unpinned: .*MANIFEST_UNKNOWN" pin.out)" 1
want_bytes=$(printf 'FROM\t%s/test/img:1@%s AS a\r\nFROM a\r\nFROM \\\r\n  %s/test/multi:2.0@sha256:%s\r\nFROM %s/test/img:missing\r\n' "$R" "$want1" "$R" "$want2" "$R" | od -c)
expect_eq "pin: only the image tokens changed" "$(od -c <Dockerfile)" "$want_bytes"

# --digests from skopeo's answers gives the same file, without asking the registry
for r in "$R/test/img:1" "$R/test/multi:2.0"; do
	echo "$r $(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$r")"
done >digests
cp Dockerfile.orig Dockerfile2
kill "$pid" && wait "$pid" 2>/dev/null
pid=
"$CUVET" dockerfile pin --digests digests Dockerfile2 >/dev/null 2>&1
expect_eq "--digests exit (missing tag not in the file)" "$?" 1
expect_eq "--digests: same bytes as the registry path" "$(od -c <Dockerfile2)" "$(od -c <Dockerfile)"
"$CUVET" dockerfile pin --check Dockerfile >/dev/null
expect_eq "--check after: one FROM still unpinned" "$?" 1
sed -i '5d' Dockerfile
"$CUVET" dockerfile pin --check Dockerfile >/dev/null
expect_eq "--check without it: all pinned" "$?" 0

echo "$checks checks, $fails failed"
[ "$fails" = 0 ]
