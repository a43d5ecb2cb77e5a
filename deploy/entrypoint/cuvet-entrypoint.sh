#!/bin/sh
# cuvet-entrypoint.sh — an image entrypoint that checks the host before starting the real command.
#
#   ENTRYPOINT ["/usr/local/bin/cuvet-entrypoint.sh"]
#   CMD ["python3", "serve.py"]
#
# It runs `cuvet check --env`, which evaluates the image's NVIDIA_REQUIRE_* variables (and
# CUDA_VERSION when NVIDIA_REQUIRE_CUDA is absent; NVIDIA_DISABLE_REQUIRE turns the check off) against
# the driver and GPUs the container sees. When the check does not pass, cuvet's report (with the
# smallest fix) is on stderr/stdout and the container exits with cuvet's status: 1 FAIL, 3 UNKNOWN
# (a fact is missing), 4 an invalid requirement in the environment. Otherwise the command replaces
# this shell (exec), so signals reach it directly and its exit status is the container's.
#
# Environment:
#   CUVET             the cuvet binary (default: cuvet on PATH)
#   CUVET_CHECK_ARGS  extra arguments for `cuvet check`, e.g. "--assume-unknown pass" (split on spaces)
#   CUVET_PREFLIGHT=0 skip the check (for debugging a container that would not start)
set -u

cuvet=${CUVET:-cuvet}

if [ "${CUVET_PREFLIGHT:-1}" != 0 ]; then
	# shellcheck disable=SC2086 # CUVET_CHECK_ARGS is a list of words on purpose
	"$cuvet" check --env ${CUVET_CHECK_ARGS:-}
	status=$?
	if [ "$status" -ne 0 ]; then
		echo "cuvet-entrypoint: preflight failed: 'cuvet check --env' exited with status $status; not starting${1+: $*}" >&2
		exit "$status"
	fi
fi

if [ "$#" -eq 0 ]; then
	exit 0 # only the check was asked for
fi
exec "$@"
