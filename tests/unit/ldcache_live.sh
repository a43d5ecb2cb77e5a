#!/bin/sh
# ldcache_dump of this machine's /etc/ld.so.cache must equal `ldconfig -p` byte for byte.
# usage: ldcache_live.sh LDCACHE_DUMP
set -u
dump=$1
ldconfig=$(command -v ldconfig 2>/dev/null || true)
for c in /sbin/ldconfig /usr/sbin/ldconfig; do
	[ -n "$ldconfig" ] && break
	[ -x "$c" ] && ldconfig=$c
done
if [ -z "$ldconfig" ]; then
	echo "SKIP: ldconfig not found"
	exit 77
fi
if [ ! -r /etc/ld.so.cache ]; then
	echo "SKIP: no readable /etc/ld.so.cache"
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# C locale: ldconfig translates its header line otherwise.
LC_ALL=C "$ldconfig" -p >"$tmp/want" || { echo "FAIL: $ldconfig -p failed"; exit 1; }
"$dump" /etc/ld.so.cache >"$tmp/got" || { echo "FAIL: ldcache_dump failed"; exit 1; }
if ! cmp -s "$tmp/want" "$tmp/got"; then
	echo "FAIL: ldcache_dump differs from $ldconfig -p"
	diff "$tmp/want" "$tmp/got" | head -20
	exit 1
fi
echo "OK: $(head -n 1 "$tmp/got")"
