#!/bin/sh
# deploy/: the Kubernetes manifests parse as YAML and have the shape the README describes, and the
# entrypoint wrapper runs the command only when `cuvet check --env` passes, else exits with its status.
# usage: test_deploy.sh SOURCE_ROOT
set -u
SRC=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# ---- YAML --------------------------------------------------------------------------------
if python3 -c 'import yaml' 2>/dev/null; then
	for f in "$SRC"/deploy/k8s/*.yaml; do
		if python3 - "$f" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
assert docs, "no documents"
for d in docs:
    assert "apiVersion" in d and "kind" in d, "apiVersion/kind missing"
    if d["kind"] == "Pod" and sys.argv[1].endswith("preflight-init-container.yaml"):
        init = d["spec"]["initContainers"]
        pre = [c for c in init if c["name"] == "cuvet-preflight"][0]
        assert pre["command"][1:] == ["check", "--env"], pre["command"]
        main = d["spec"]["containers"][0]
        assert pre["image"] == main["image"], "the preflight must run the application image"
PY
		then ok "yaml $(basename "$f")"; else bad "yaml $(basename "$f")"; fi
	done
else
	# (one case per manifest; the form the closing line counts: tests/README.md)
	echo "CUVET-SKIP $(ls "$SRC"/deploy/k8s/*.yaml | wc -l) yaml: python3 has no yaml module"
fi

# ---- entrypoint --------------------------------------------------------------------------
EP=$SRC/deploy/entrypoint/cuvet-entrypoint.sh
# A stand-in for cuvet: records its arguments, exits with $FAKE_STATUS.
cat >"$WORK/cuvet" <<'SH'
#!/bin/sh
echo "$*" >"$FAKE_LOG"
echo "fake cuvet report"
exit "$FAKE_STATUS"
SH
chmod +x "$WORK/cuvet"
run() { # STATUS ARGS... -> sets out, rc
	st=$1
	shift
	out=$(CUVET="$WORK/cuvet" FAKE_LOG="$WORK/args" FAKE_STATUS=$st "$EP" "$@" 2>"$WORK/err")
	rc=$?
}
run 0 echo started
[ "$rc" = 0 ] && [ "$out" = "fake cuvet report
started" ] && [ "$(cat "$WORK/args")" = "check --env" ] && ok "entrypoint pass runs the command" || bad "entrypoint pass: rc=$rc out=$out"
run 1 echo started
[ "$rc" = 1 ] && [ "$out" = "fake cuvet report" ] && grep -q "exited with status 1; not starting: echo started" "$WORK/err" \
	&& ok "entrypoint FAIL exits 1 without running" || bad "entrypoint fail: rc=$rc out=$out err=$(cat "$WORK/err")"
run 3 echo started
[ "$rc" = 3 ] && ok "entrypoint UNKNOWN exits 3" || bad "entrypoint unknown: rc=$rc"
run 0 sh -c 'exit 7'
[ "$rc" = 7 ] && ok "entrypoint passes the command's status through" || bad "entrypoint exec status: rc=$rc"
out=$(CUVET="$WORK/cuvet" FAKE_LOG="$WORK/args" FAKE_STATUS=0 CUVET_CHECK_ARGS="--assume-unknown pass" "$EP" true 2>&1)
[ "$(cat "$WORK/args")" = "check --env --assume-unknown pass" ] && ok "entrypoint CUVET_CHECK_ARGS" || bad "entrypoint args: $(cat "$WORK/args")"
rm -f "$WORK/args"
out=$(CUVET="$WORK/cuvet" FAKE_LOG="$WORK/args" FAKE_STATUS=1 CUVET_PREFLIGHT=0 "$EP" echo skipped 2>&1)
[ "$out" = skipped ] && [ ! -e "$WORK/args" ] && ok "entrypoint CUVET_PREFLIGHT=0 skips the check" || bad "entrypoint skip: $out"
exit $fail
