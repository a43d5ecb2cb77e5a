#!/usr/bin/env bash
# What a real PyTorch on the real GPU hits, next to what cuvet says beforehand, under the same
# environment (issue "Preflight truth"): the healthy host, a stale forward-compat libcuda first on
# LD_LIBRARY_PATH (803), the system's older cuDNN first on LD_LIBRARY_PATH (PyTorch's "cuDNN
# version incompatibility"), and CUDA_VISIBLE_DEVICES naming no GPU. For each: PyTorch's own
# outcome, then `cuvet check --env`, `cuvet doctor` and (for the cuDNN case) `cuvet why --python
# torch`, with their exit statuses. cuvet must exit non-zero exactly where PyTorch fails.
#   tests/device/preflight.sh CUVET [PYTHON]
set -u
C=$1
PY=${2:-python3}
status=0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# a small CUDA workload with cuDNN, as a serving process would start
cat >"$WORK/workload.py" <<'EOF'
import torch
x = torch.randn(1, 3, 8, 8, device="cuda")
w = torch.randn(4, 3, 3, 3, device="cuda")
torch.nn.functional.conv2d(x, w)
torch.cuda.synchronize()
print("torch ok: cuDNN", torch.backends.cudnn.version(), "on", torch.cuda.get_device_name(0))
EOF

case_run() { # NAME WANT_TORCH(ok|fail) ENV... : runs torch and cuvet under ENV
	local name=$1 want=$2
	shift 2
	echo "=================== $name"
	local out rc_torch
	out=$(env "$@" "$PY" "$WORK/workload.py" 2>&1 | tail -3)
	if printf '%s' "$out" | grep -q '^torch ok'; then rc_torch=ok; else rc_torch=fail; fi
	echo "-- PyTorch ($rc_torch):"
	printf '%s\n' "$out" | sed 's/^/   /'
	local rc_check rc_doctor
	env "$@" "$C" check --env >"$WORK/check" 2>&1
	rc_check=$?
	env "$@" "$C" doctor >"$WORK/doctor" 2>&1
	rc_doctor=$?
	echo "-- cuvet check --env: exit $rc_check"
	grep -E 'FAIL|Verdict' "$WORK/check" | head -6 | sed 's/^/   /'
	echo "-- cuvet doctor: exit $rc_doctor"
	grep -E '^[0-9]+\. (error|warning)' "$WORK/doctor" | head -6 | sed 's/^/   /'
	local rc_why=
	if [ "$name" = cudnn-first-on-llp ] || [ "$name" = healthy ]; then
		env "$@" "$C" why --python torch --with-dlopen >"$WORK/why" 2>&1
		rc_why=$?
		echo "-- cuvet why --python torch --with-dlopen: exit $rc_why"
		grep -E 'error|preloaded|pinned' "$WORK/why" | head -4 | sed 's/^/   /'
	fi
	local verdict=agree
	if [ "$want" != "$rc_torch" ]; then
		verdict="PyTorch did not do what this case expects ($rc_torch, want $want)"
	elif [ "$rc_torch" = ok ] && { [ "$rc_check" != 0 ] || [ "$rc_doctor" != 0 ] || { [ -n "$rc_why" ] && [ "$rc_why" != 0 ]; }; }; then
		verdict="cuvet reports a failure PyTorch does not have"
	elif [ "$rc_torch" = fail ] && [ "$rc_check" = 0 ]; then
		verdict="cuvet check passes a workload that fails"
	elif [ "$rc_torch" = fail ] && [ "$rc_doctor" = 0 ] && [ "${rc_why:-0}" = 0 ]; then
		verdict="cuvet doctor (and why) see nothing wrong with a workload that fails"
	fi
	echo "-- $verdict"
	[ "$verdict" = agree ] || status=1
}

compat=$(ls -d /usr/local/cuda*/compat 2>/dev/null | head -1)
mkdir -p "$WORK/cudnn"
for f in /usr/lib/x86_64-linux-gnu/libcudnn*.so.9; do
	[ -e "$f" ] && ln -s "$(readlink -f "$f")" "$WORK/cudnn/$(basename "$f")"
done

case_run healthy ok PATH="$PATH"
[ -n "$compat" ] && case_run stale-compat-first-on-llp fail PATH="$PATH" LD_LIBRARY_PATH="$compat"
[ -n "$(ls "$WORK/cudnn")" ] && case_run cudnn-first-on-llp fail PATH="$PATH" LD_LIBRARY_PATH="$WORK/cudnn"
case_run no-visible-gpu fail PATH="$PATH" CUDA_VISIBLE_DEVICES=7
echo "=================== $([ $status = 0 ] && echo 'all cases agree' || echo 'DISAGREEMENT')"
exit $status
