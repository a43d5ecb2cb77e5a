#!/bin/sh
# Builds the CUDA-like test image with umoci (no daemon): an OCI layout WORK/oci:cuda and, with skopeo,
# the same image as docker-archive WORK/cuda.tar and oci-archive WORK/cuda-oci.tar, named
# nvidia/cuda:12.4.1-base-ubuntu22.04 (a tag the knowledge base knows). Its libraries are ELF stand-ins
# with real SONAMEs (tests/unit/image_lib.c) and, for cuBLASLt, a real fatbin (tests/elf/fatbin_host.c:
# sm_90a SASS, compute_80 PTX); an ld.so.cache made by this machine's ldconfig. Layer 1 holds an NCCL
# that layer 2 deletes (a whiteout), so NCCL_VERSION names a library the image no longer has; cuDNN is
# 9.1.0 where the env and label claim 9.2.0.82.
#   mkimage.sh WORK CC SRC_DIR
set -eu
work=$1 cc=$2 src=$3
lay=$work/oci b=$work/bundle
rm -rf "$lay" "$b"
umoci init --layout "$lay"
umoci new --image "$lay:cuda"
umoci unpack --rootless --image "$lay:cuda" "$b" >/dev/null
r=$b/rootfs
L=$r/usr/local/cuda-12.4/targets/x86_64-linux/lib
G=$r/usr/lib/x86_64-linux-gnu
mkdir -p "$L" "$G" "$r/etc/ld.so.conf.d"
lib() { # OUT SONAME [SOURCE]
	# the stand-ins call nothing from libc (-nostdlib: no DT_NEEDED on it, whichever compiler links
	# them; the image has no libc, and `why --image` would report it missing)
	$cc -shared -fPIC -nostdlib -I"$src/tests/elf" -Wl,-soname,"$2" -o "$1" "${3:-$src/tests/unit/image_lib.c}"
}
lib "$L/libcudart.so.12.4.127" libcudart.so.12
ln -s libcudart.so.12.4.127 "$L/libcudart.so.12"
lib "$L/libcublasLt.so.12.4.5.8" libcublasLt.so.12 "$src/tests/elf/fatbin_host.c"
ln -s libcublasLt.so.12.4.5.8 "$L/libcublasLt.so.12"
ln -s targets/x86_64-linux/lib "$r/usr/local/cuda-12.4/lib64"
ln -s cuda-12.4 "$r/usr/local/cuda"
lib "$G/libcudnn.so.9.1.0" libcudnn.so.9
ln -s libcudnn.so.9.1.0 "$G/libcudnn.so.9"
lib "$G/libnccl.so.2.18.1" libnccl.so.2
ln -s libnccl.so.2.18.1 "$G/libnccl.so.2"
echo /usr/local/cuda/lib64 >"$r/etc/ld.so.conf.d/000_cuda.conf"
echo /usr/lib/x86_64-linux-gnu >"$r/etc/ld.so.conf.d/x86_64-linux-gnu.conf"
echo 'include /etc/ld.so.conf.d/*.conf' >"$r/etc/ld.so.conf"
printf 'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n' >"$r/etc/os-release"
ldconfig -r "$r"
umoci repack --image "$lay:cuda" "$b" >/dev/null
# layer 2 (from a fresh unpack: a repack stacks on the manifest the bundle was unpacked from): NCCL
# removed (whiteouts), the cache made again
rm -rf "$b"
umoci unpack --rootless --image "$lay:cuda" "$b" >/dev/null
rm -f "$G/libnccl.so.2.18.1" "$G/libnccl.so.2"
ldconfig -r "$r"
umoci repack --image "$lay:cuda" "$b" >/dev/null
umoci config --image "$lay:cuda" --os linux --architecture amd64 \
	--config.env "PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	--config.env "NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=tesla,driver>=525,driver<526 brand=tesla,driver>=535,driver<536" \
	--config.env "NV_CUDA_CUDART_VERSION=12.4.127-1" --config.env "CUDA_VERSION=12.4.1" \
	--config.env "LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64" \
	--config.env "NVIDIA_VISIBLE_DEVICES=all" --config.env "NVIDIA_DRIVER_CAPABILITIES=compute,utility" \
	--config.env "NV_CUDNN_VERSION=9.2.0.82-1" --config.env "NCCL_VERSION=2.21.5-1" \
	--config.label "maintainer=NVIDIA CORPORATION <cudatools@nvidia.com>" \
	--config.label "com.nvidia.cudnn.version=9.2.0.82-1" >/dev/null
rm -rf "$b"
rm -f "$work/cuda.tar" "$work/cuda-oci.tar" "$work/cuda-docker25.tar" "$work/trt.tar"
skopeo copy -q "oci:$lay:cuda" "docker-archive:$work/cuda.tar:nvidia/cuda:12.4.1-base-ubuntu22.04"
skopeo copy -q "oci:$lay:cuda" "oci-archive:$work/cuda-oci.tar:cuda"
# the same files under an NGC tag the knowledge base has a full row for
skopeo copy -q "oci:$lay:cuda" "docker-archive:$work/trt.tar:nvcr.io/nvidia/tensorrt:23.09-py3"
# docker save of Docker >= 25 (moby PR #44598): the OCI layout plus manifest.json naming blobs/sha256/...
python3 - "$lay" <<'PY'
import json, sys
lay = sys.argv[1]
index = json.load(open(lay + "/index.json"))
desc = [d for d in index["manifests"] if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == "cuda"][0]
man = json.load(open(lay + "/blobs/" + desc["digest"].replace(":", "/")))
blob = lambda d: "blobs/" + d.replace(":", "/")
json.dump([{"Config": blob(man["config"]["digest"]), "RepoTags": ["nvidia/cuda:12.4.1-base-ubuntu22.04"],
            "Layers": [blob(l["digest"]) for l in man["layers"]]}], open(lay + "/manifest.json", "w"))
PY
tar -C "$lay" -cf "$work/cuda-docker25.tar" oci-layout index.json manifest.json blobs
rm -f "$lay/manifest.json"
