#!/usr/bin/env python3
"""`cuvet image inspect` of a multi-GB image against what a user would otherwise do, side by side in
one run (bench/README.md, "image inspect against skopeo + umoci + probe").

usage: bench_image_inspect.py BUILD_DIR [--libs DIR] [--layers 2] [--work DIR] [--no-registry]

BUILD_DIR/src/cli/cuvet is the CLI (release build). Builds the OCI layout of bench_image.py (each layer a copy of DIR, default /usr/local/cuda/lib64),
then for the images of its first 1, 2, 4 ... layers times, each under /usr/bin/time (wall, peak RSS):
  (a) cuvet image inspect oci:LAYOUT:nN
  (b) skopeo copy oci:LAYOUT:nN oci:COPY:nN; umoci unpack --rootless --image COPY:nN BUNDLE;
      cuvet probe --root BUNDLE/rootfs --no-nvml
and prints each step, the total of (b) and (b)/(a). Then, unless --no-registry, starts
docker-registry on 127.0.0.1, pushes the 1-layer image and times `cuvet image inspect docker://...`
(manifest and config only) against `skopeo inspect docker://...`: median of 5."""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no bench/__pycache__ from the import below
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_image import build  # noqa: E402


def timed(argv, env=None):
    """Runs ARGV under /usr/bin/time; returns (wall s, peak RSS MB, exit code, stdout)."""
    p = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=env)
    wall, rss = p.stderr.split()[-2:]
    if p.returncode not in (0, 1):
        print("  %s: exit %d: %s" % (argv[0], p.returncode, p.stderr.strip()[-400:]), flush=True)
    return float(wall), int(rss) / 1024, p.returncode, p.stdout


def rm(path):
    if os.path.exists(path):
        subprocess.run(["chmod", "-R", "u+w", path], stderr=subprocess.DEVNULL)
        shutil.rmtree(path, ignore_errors=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def registry(cuvet, layout, work):
    port = free_port()
    conf = os.path.join(work, "registry.yml")
    with open(conf, "w") as f:
        f.write("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n"
                "http:\n  addr: 127.0.0.1:%d\n" % (os.path.join(work, "regdata"), port))
    log = open(os.path.join(work, "registry.log"), "w")
    reg = subprocess.Popen(["docker-registry", "serve", conf], stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        ref = "127.0.0.1:%d/bench/cuda:n1" % port
        t0 = time.monotonic()
        subprocess.run(["skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:%s:n1" % layout,
                        "docker://" + ref], check=True)
        print("pushed oci:%s:n1 to docker://%s in %.1f s" % (layout, ref, time.monotonic() - t0))
        rows = {}
        for name, argv in (("cuvet image inspect docker://", [cuvet, "image", "inspect", "docker://" + ref]),
                           ("skopeo inspect docker://", ["skopeo", "inspect", "--tls-verify=false",
                                                         "docker://" + ref])):
            runs = [timed(argv) for _ in range(5)]
            codes = sorted({r[2] for r in runs})
            rows[name] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), codes)
        print("%-32s %12s %12s %s" % ("registry, 127.0.0.1", "median s", "peak RSS MB", "exit"))
        for name, (w, m, codes) in rows.items():
            print("%-32s %12.3f %12.1f %s" % (name, w, m, ",".join(map(str, codes))))
    finally:
        reg.terminate()
        reg.wait()
        log.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--libs", default="/usr/local/cuda/lib64")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--work")
    ap.add_argument("--no-registry", action="store_true")
    a = ap.parse_args()
    cuvet = os.path.abspath(os.path.join(a.build, "src", "cli", "cuvet"))
    for t in ("skopeo", "umoci"):
        if not shutil.which(t):
            sys.exit("need %s" % t)
    if not os.path.exists(cuvet) or not os.path.isdir(a.libs):
        sys.exit("need %s and %s" % (cuvet, a.libs))
    work = a.work or tempfile.mkdtemp(prefix="cuvet-bench-inspect-", dir="/tmp")
    layout = os.path.join(work, "layout")
    try:
        if os.path.exists(os.path.join(layout, "index.json")):
            print("reusing %s" % layout)
        else:
            print("building %s (%d layer(s) of %s)" % (layout, a.layers, a.libs), flush=True)
            build(layout, a.libs, a.layers, False)
        print("load average before: %s" % open("/proc/loadavg").read().split()[0])
        print("%-7s %-28s %8s %12s %5s" % ("layers", "step", "wall s", "peak RSS MB", "exit"), flush=True)
        n = 1
        while n <= a.layers:
            copy, bundle = os.path.join(work, "copy"), os.path.join(work, "bundle")
            rm(copy)
            rm(bundle)
            steps = [("cuvet image inspect oci:", [cuvet, "image", "inspect", "oci:%s:n%d" % (layout, n)]),
                     ("skopeo copy oci: oci:", ["skopeo", "copy", "-q", "oci:%s:n%d" % (layout, n),
                                                "oci:%s:n%d" % (copy, n)]),
                     ("umoci unpack --rootless", ["umoci", "unpack", "--rootless", "--image",
                                                  "%s:n%d" % (copy, n), bundle]),
                     ("cuvet probe --root", [cuvet, "probe", "--root", os.path.join(bundle, "rootfs"),
                                             "--no-nvml"])]
            res = []
            for name, argv in steps:
                wall, rss, code, _ = timed(argv)
                res.append((wall, rss))
                print("%-7d %-28s %8.1f %12.1f %5d" % (n, name, wall, rss, code), flush=True)
            bw = sum(r[0] for r in res[1:])
            bm = max(r[1] for r in res[1:])
            print("%-7d %-28s %8.1f %12.1f   (x%.1f wall, x%.1f peak RSS against inspect)"
                  % (n, "skopeo+umoci+probe", bw, bm, bw / res[0][0], bm / res[0][1]), flush=True)
            rm(copy)
            rm(bundle)
            n *= 2
        if not a.no_registry and shutil.which("docker-registry"):
            registry(cuvet, layout, work)
    finally:
        if not a.work:
            rm(work)


if __name__ == "__main__":
    main()
