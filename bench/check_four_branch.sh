#!/bin/sh
# check_four_branch.sh — THE BASELINE cuvet is compared against, NOT SOMETHING TO USE.
#
# This is "the usual preflight script": it asks nvidia-smi for the driver version, maps four driver
# branches to one CUDA version each, and fails unless the CUDA version the workload asks for is
# exactly that one. It is written faithfully, mistakes included, so that bench/ can show what it
# gets wrong next to `cuvet check`:
#   - a CUDA 12.x image on a 535 driver is refused unless it is exactly 12.2, though minor-version
#     compatibility runs all of 12.x on drivers >= 525 (and 12.0 runs natively);
#   - any branch outside the four (550, 570, 580, ...) is refused outright;
#   - forward compatibility (cuda-compat on data-center GPUs) is unknown to it;
#   - versions are compared as strings ("12.2" vs "12.2.0");
#   - GPUs, compute capability and the libraries actually installed are never looked at;
#   - when nvidia-smi hangs (a GPU fallen off the bus) the script hangs with it.
#
# usage: check_four_branch.sh CUDA_VERSION      e.g. check_four_branch.sh 12.2
set -u

REQUESTED_CUDA=${1:?usage: check_four_branch.sh CUDA_VERSION}

DRIVER=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n 1)
BRANCH=${DRIVER%%.*}

case "$BRANCH" in
535) DRIVER_CUDA=12.2 ;;
525) DRIVER_CUDA=12.0 ;;
515) DRIVER_CUDA=11.7 ;;
470) DRIVER_CUDA=11.4 ;;
*)
	echo "ERROR: unsupported driver version '$DRIVER'"
	exit 1
	;;
esac

if [ "$REQUESTED_CUDA" != "$DRIVER_CUDA" ]; then
	echo "ERROR: driver $DRIVER supports CUDA $DRIVER_CUDA, but CUDA $REQUESTED_CUDA was requested"
	exit 1
fi

echo "OK: driver $DRIVER supports CUDA $REQUESTED_CUDA"
exit 0
