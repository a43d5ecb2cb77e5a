#!/usr/bin/env bash
# cuvet check on a real GPU machine: the machine's own environment must pass, a requirement above
# the driver must fail and name both fixes, and an old requirement in a legacy-style environment
# (CUDA_VERSION only, as images before NVIDIA_REQUIRE_CUDA) must pass.
#   tests/device/check.sh CUVET
set -u
C=$1
status=0
expect() { # WANT_EXIT DESCRIPTION -- CMD...
	local want=$1 what=$2
	shift 3
	echo "\$ $*"
	"$@"
	local rc=$?
	echo "exit: $rc (want $want) — $what"
	[ "$rc" = "$want" ] || status=1
	echo
}
expect 0 "the machine's own NVIDIA_REQUIRE_CUDA" -- "$C" check --env
expect 1 "a CUDA newer than the driver supports" -- "$C" check 'cuda>=13.1'
printf 'CUDA_VERSION=11.8.0\n' >/tmp/legacy.env
expect 0 "legacy CUDA_VERSION rule, old CUDA" -- "$C" check --env --env-file /tmp/legacy.env
expect 0 "JSON of the machine's check" -- sh -c "\"$C\" check --env --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j[\"schema\"], j[\"verdict\"]); sys.exit(0 if j[\"verdict\"]==\"PASS\" else 1)'"
exit $status
