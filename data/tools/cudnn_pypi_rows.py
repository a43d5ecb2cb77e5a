#!/usr/bin/env python3
"""Lists the cuDNN releases that NVIDIA published as PyPI wheels, with the CUDA majors their names fix.

Usage: cudnn_pypi_rows.py CU11.txt CU12.txt CU13.txt
  Each file holds the versions of one wheel, one per line, as `pip index versions nvidia-cudnn-cuNN`
  prints them (4-part package builds such as 9.1.0.70). A wheel named nvidia-cudnn-cu12 is built
  for CUDA 12, so a release (the first three parts) gets CUDA major 12 when a cu12 build of it exists.

Prints, for review against data/cudnn-support.tsv and data/cudnn-builds.tsv: one line per release
(release, CUDA majors newest first, the builds per wheel), then the builds.
"""
import sys


def read(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def key(v):
    return tuple(int(p) for p in v.split("."))


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    wheels = {11: read(argv[1]), 12: read(argv[2]), 13: read(argv[3])}
    releases = {}
    for major, builds in wheels.items():
        for b in builds:
            rel = ".".join(b.split(".")[:3])
            releases.setdefault(rel, {})[major] = b
    for rel in sorted(releases, key=key):
        per = releases[rel]
        majors = " ".join(str(m) for m in sorted(per, reverse=True))
        print("%s\t%s\t%s" % (rel, majors, ", ".join("nvidia-cudnn-cu%d %s" % (m, per[m])
                                                      for m in sorted(per, reverse=True))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
