#!/bin/sh
# ldcache_dump of the H200 host fixture's cache must equal the `ldconfig -p` output recorded on
# that host (expected/ldconfig-p.txt) byte for byte.
# usage: ldcache_golden.sh LDCACHE_DUMP SHARED_DIR   ($CUVET_SHARED_DIR overrides SHARED_DIR)
set -u
dump=$1
shared=${CUVET_SHARED_DIR:-$2}
fx=$shared/fixtures/h200-host
if [ ! -r "$fx/root/etc/ld.so.cache" ] || [ ! -r "$fx/expected/ldconfig-p.txt" ]; then
	echo "SKIP: fixture not found under $shared (set CUVET_SHARED_DIR)"
	exit 77
fi
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
"$dump" -n /etc/ld.so.cache "$fx/root/etc/ld.so.cache" >"$tmp" || { echo "FAIL: ldcache_dump failed"; exit 1; }
if ! cmp -s "$fx/expected/ldconfig-p.txt" "$tmp"; then
	echo "FAIL: ldcache_dump differs from expected/ldconfig-p.txt"
	diff "$fx/expected/ldconfig-p.txt" "$tmp" | head -20
	exit 1
fi
echo "OK: $(head -n 1 "$tmp")"
