#!/usr/bin/env bash
# The README's examples must stay valid commands: each `cuvet ...` line of its Examples block is
# run (in a scratch directory, with the files it names made up) and must not end in a usage error
# (exit 2) or a crash. Exit 0, 1, 3 or 4 are answers about this machine and the made-up inputs.
#   readme_examples.sh CUVET README
set -u
CUVET=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
README=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
# what the examples refer to
printf 'CUDA_VERSION=12.4.1\n' >image.env
"$CUVET" probe --json --no-nvml >facts.json 2>/dev/null
cp facts.json node.json
cp "$CUVET" ./my_app
pass=0 fail=0
while IFS= read -r line; do
	# drop the comment, what it is piped to and a redirection (all set off by spaces)
	cmd=$(printf '%s\n' "$line" | sed -e 's/  *# .*//' -e 's/ | .*//' -e 's/ > [^ ]*//' -e 's/[[:space:]]*$//')
	[ -n "$cmd" ] || continue
	eval "set -- ${cmd#cuvet }"
	timeout 60 "$CUVET" "$@" >/dev/null 2>"$WORK/err"
	rc=$?
	if [ "$rc" = 2 ] || [ "$rc" -ge 124 ]; then
		echo "FAIL $cmd: exit $rc"
		cat "$WORK/err"
		fail=$((fail + 1))
	else
		echo "ok   $cmd (exit $rc)"
		pass=$((pass + 1))
	fi
done < <(sed -n '/^### Examples/,/^`--root DIR`/p' "$README" | sed -n 's/^    \(cuvet .*\)/\1/p')
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] && [ "$fail" = 0 ]
