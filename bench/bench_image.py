#!/usr/bin/env python3
"""Merging a multi-GB image's layers into the in-memory view: wall time and peak RSS as the image
grows (bench/README.md, "image layers").

usage: bench_image.py BUILD_DIR [--libs DIR] [--layers 1,2,4] [--gzip] [--work DIR]

Builds an OCI layout whose layers each hold a copy of DIR (default /usr/local/cuda/lib64: this
machine's real CUDA 13 libraries, 2.4 GB) under /opt/copyK/lib64, then times BUILD_DIR/tests/
image_tree over images of the first 1, 2, 4 … layers: it opens the layout, checks every digest,
merges every layer (elfkeep keeps the ELF readers' ranges, nothing else) and prints the tree.
Memory must stay flat as the image grows: what it holds is the libraries' headers and tables,
not their bytes. With --gzip the layers are gzip -1 compressed (slow to build)."""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile



class HashWriter:
    def __init__(self, f):
        self.f, self.h, self.n = f, hashlib.sha256(), 0

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        return self.f.write(b)


def write_blob(layout, produce, gz):
    """Writes a blob from PRODUCE(fileobj); returns (digest, size, diff_id)."""
    tmp = os.path.join(layout, "blobs", "sha256", "tmp")
    with open(tmp, "wb") as out:
        if gz:
            p = subprocess.Popen(["gzip", "-1", "-n"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            blob = HashWriter(out)
            import threading

            def pump():
                for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
                    blob.write(chunk)
            t = threading.Thread(target=pump)
            t.start()
            tar = HashWriter(p.stdin)
            produce(tar)
            p.stdin.close()
            t.join()
            p.wait()
        else:
            blob = tar = HashWriter(out)
            produce(tar)
    d = blob.h.hexdigest()
    os.rename(tmp, os.path.join(layout, "blobs", "sha256", d))
    return "sha256:" + d, blob.n, "sha256:" + tar.h.hexdigest()


def small_blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def build(layout, libs, nlayers, gz):
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    layers = []
    for k in range(nlayers):
        def produce(fobj, k=k):
            with tarfile.open(fileobj=fobj, mode="w|", format=tarfile.PAX_FORMAT) as t:
                t.add(os.path.realpath(libs), arcname="opt/copy%d/lib64" % k)
        layers.append(write_blob(layout, produce, gz))
        print("  layer %d: %s, %.2f GB" % (k + 1, layers[-1][0][:19], layers[-1][1] / 1e9), flush=True)
    index = {"schemaVersion": 2, "manifests": []}
    mt = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if gz else "")
    n = 1
    while n <= nlayers:
        config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                             "rootfs": {"type": "layers", "diff_ids": [l[2] for l in layers[:n]]}}).encode()
        cd = small_blob(layout, config)
        man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd,
                                     "size": len(config)},
                          "layers": [{"mediaType": mt, "digest": l[0], "size": l[1]} for l in layers[:n]]}).encode()
        md = small_blob(layout, man)
        index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
                                   "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "n%d" % n}})
        n *= 2
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    return sum(l[1] for l in layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--libs", default="/usr/local/cuda/lib64")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--work")
    a = ap.parse_args()
    tool = os.path.join(a.build, "tests", "image_tree")
    if not os.path.exists(tool) or not os.path.isdir(a.libs):
        sys.exit("need %s and %s" % (tool, a.libs))
    work = a.work or tempfile.mkdtemp(prefix="cuvet-bench-image-", dir="/var/tmp")
    layout = os.path.join(work, "layout")
    try:
        if os.path.exists(os.path.join(layout, "index.json")):
            print("reusing %s" % layout)
        else:
            print("building %s (%d layer(s) of %s%s)" % (layout, a.layers, a.libs, ", gzip -1" if a.gzip else ""))
            build(layout, a.libs, a.layers, a.gzip)
        print("load average before: %s" % open("/proc/loadavg").read().split()[0])
        print("%-8s %10s %8s %8s %12s %10s" % ("layers", "blob GB", "wall s", "CPU s", "peak RSS MB", "held MB"))
        n = 1
        while n <= a.layers:
            src = "oci:%s:n%d" % (layout, n)
            # /usr/bin/time: wall, user+system CPU (the machine is shared: CPU time is the steadier
            # number) and peak RSS of the tool alone
            p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", tool, src], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            wall, user, sys_, rss = p.stderr.split()[-4:]
            wall, cpu, rss, code = float(wall), float(user) + float(sys_), int(rss), p.returncode
            out = p.stdout
            held = sum(int(l.split()[5]) for l in out.splitlines() if " part " in l)
            held += sum(int(l.split()[3]) for l in out.splitlines() if " whole " in l)
            size = sum(int(l.split()[4]) for l in out.splitlines() if l.startswith("# layer"))
            print("%-8d %10.2f %8.1f %8.1f %12.1f %10.1f%s" % (n, size / 1e9, wall, cpu, rss / 1024, held / 1e6,
                                                         "" if code == 0 else "  (exit %d)" % code), flush=True)
            n *= 2
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
