#!/usr/bin/env python3
"""Real images, built without a daemon, merged by cuvet and compared with umoci's unpack.

usage: build_images.py IMAGE_TREE [FATBIN_LIB]

IMAGE_TREE is tests/tools/image_tree (it prints the merged view). The script builds tiny ELF
libraries with gcc (real SONAMEs and version scripts), makes an OCI layout with umoci (two
layers: files, links, a hard link, a FIFO, a device; then deletions, which umoci writes as
whiteouts), copies it with skopeo to docker-archive: and oci-archive:, and asserts that the view
of every source lists exactly what `umoci unpack` puts on disk: type, mode bits, link targets,
sizes, and the bytes of the files the view keeps whole. Hand-made layouts (python's tarfile)
cover what umoci does not write: an opaque directory after same-layer entries, a hard link to a
lower layer, absolute member names, zstd and plain layers. Hostile layers must be refused with
the exact message. Exit 77 (skip) when umoci, skopeo or gcc is missing."""
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile

TOOL = os.path.abspath(sys.argv[1])
FATBIN = sys.argv[2] if len(sys.argv) > 2 and os.path.exists(sys.argv[2]) else None
FAILS = []


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw).stdout


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def tree(source, limits=None):
    env = dict(os.environ)
    if limits:
        env["IMAGE_TREE_LIMITS"] = limits
    p = subprocess.run([TOOL, source], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return p.returncode, p.stdout, p.stderr.strip()


def listing(out):
    """image_tree's lines as {path: fields}, and the '#' header lines."""
    entries, head = {}, {}
    for line in out.splitlines():
        if line.startswith("# "):
            k, _, v = line[2:].partition(" ")
            head.setdefault(k, []).append(v)
            continue
        path, rest = line.split(" ", 1)
        entries[path] = rest.split(" ")
    return entries, head


def reference(rootfs):
    """What umoci unpack wrote, in image_tree's terms (sha256 of every regular file)."""
    ref = {}
    for dirpath, dirnames, filenames in os.walk(rootfs):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            path = "/" + os.path.relpath(full, rootfs)
            st = os.lstat(full)
            mode = "%04o" % stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                ref[path] = ["d", mode]
            elif stat.S_ISLNK(st.st_mode):
                ref[path] = ["l", mode, "->", os.readlink(full)]
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
                ref[path] = ["f", mode, str(st.st_size), "sha256:" + h]
            else:
                ref[path] = ["o", mode]
    return ref


def compare(source, rootfs, expect_held):
    rc, out, err = tree(source)
    check(rc == 0, "%s opens (%s)" % (source, err))
    if rc != 0:
        return None
    got, head = listing(out)
    ref = reference(rootfs)
    missing = sorted(set(ref) - set(got))
    extra = sorted(set(got) - set(ref))
    check(not missing and not extra, "%s lists what umoci unpacks (missing %s, extra %s)" % (source, missing[:5], extra[:5]))
    bad = []
    for path in sorted(set(ref) & set(got)):
        r, g = ref[path], got[path]
        if r[0] != g[0] or r[1] != g[1]:
            # symbolic links: umoci keeps the mode the tar gives, cuvet reports 0777 as the kernel does
            if not (r[0] == g[0] == "l" and g[1] == "0777"):
                bad.append((path, r, g))
                continue
        if r[0] == "l" and r[3] != g[3]:
            bad.append((path, r, g))
        if r[0] == "f":
            if r[2] != g[2]:
                bad.append((path, r, g))
            elif g[3] == "whole" and g[4] != r[3]:
                bad.append((path, r, g))
    check(not bad, "%s: types, modes, targets, sizes and kept bytes match (%s)" % (source, bad[:3]))
    for path, held in expect_held.items():
        check(path in got and got[path][3] == held, "%s: %s is held %s (%s)" % (source, path, held, got.get(path)))
    return head


def elf_libs(work):
    src = os.path.join(work, "src")
    os.makedirs(src)
    with open(os.path.join(src, "foo.c"), "w") as f:
        # a table large enough that the library is kept sparse, not whole (layers.c: 16 KiB)
        f.write("const char foo_table[65536] = {1};\nint foo(void) { return foo_table[7]; }\n")
    with open(os.path.join(src, "foo.map"), "w") as f:
        f.write("FOO_1.0 { global: foo; local: *; };\n")
    with open(os.path.join(src, "bar.c"), "w") as f:
        f.write("extern int foo(void);\nint bar(void) { return foo() + 1; }\n")
    run("gcc", "-shared", "-fPIC", "-o", os.path.join(src, "libfoo.so.1"), os.path.join(src, "foo.c"),
        "-Wl,-soname,libfoo.so.1", "-Wl,--version-script=" + os.path.join(src, "foo.map"))
    run("gcc", "-shared", "-fPIC", "-o", os.path.join(src, "libbar.so.2"), os.path.join(src, "bar.c"),
        "-Wl,-soname,libbar.so.2", "-L" + src, "-l:libfoo.so.1")
    return src


def umoci_images(work, libs):
    lay = os.path.join(work, "L")
    run("umoci", "init", "--layout", lay)
    run("umoci", "new", "--image", lay + ":t1")
    b = os.path.join(work, "B")
    run("umoci", "unpack", "--image", lay + ":t1", b)
    r = os.path.join(b, "rootfs")
    for d in ["etc/ld.so.conf.d", "usr/lib/x86_64-linux-gnu", "var/lib/dpkg", "opt/gone", "dev",
              "usr/local/cuda-13.0", "usr/lib/python3/dist-packages/foo-1.0.dist-info"]:
        os.makedirs(os.path.join(r, d), exist_ok=True)
    files = {
        "etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n",
        "etc/ld.so.conf": "include /etc/ld.so.conf.d/*.conf\n",
        "etc/ld.so.conf.d/cuda.conf": "/usr/local/cuda/lib64\n",
        "var/lib/dpkg/status": "Package: libfoo1\nStatus: install ok installed\nVersion: 1.0-1\n\n",
        "usr/local/cuda-13.0/version.json": "{\"cuda\": {\"name\": \"CUDA SDK\", \"version\": \"13.0.1\"}}\n",
        "usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA": "Name: foo\nVersion: 1.0\n",
        "opt/data.bin": "x" * 100000,
        "opt/gone/a": "a\n",
        "opt/gone/b": "b\n",
        "etc/removed": "bye\n",
    }
    for p, text in files.items():
        with open(os.path.join(r, p), "w") as f:
            f.write(text)
    lib = os.path.join(r, "usr/lib/x86_64-linux-gnu")
    shutil.copy(os.path.join(libs, "libfoo.so.1"), lib)
    os.symlink("libfoo.so.1", os.path.join(lib, "libfoo.so"))
    os.link(os.path.join(lib, "libfoo.so.1"), os.path.join(lib, "libfoo-hard.so.1"))
    os.symlink("/usr/local/cuda-13.0", os.path.join(r, "usr/local/cuda"))
    os.symlink("loop-b", os.path.join(r, "opt/loop-a"))
    os.symlink("loop-a", os.path.join(r, "opt/loop-b"))
    os.mkfifo(os.path.join(r, "dev/fifo"))
    os.mknod(os.path.join(r, "dev/null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.chmod(os.path.join(r, "opt/data.bin"), 0o640)
    if FATBIN:
        shutil.copy(FATBIN, os.path.join(lib, "libfatbin_host.so"))
    run("umoci", "repack", "--image", lay + ":t1", b)
    # the second layer: deletions (whiteouts), a replaced directory, a new library, a mode change
    b2 = os.path.join(work, "B2")
    run("umoci", "unpack", "--image", lay + ":t1", b2)
    r2 = os.path.join(b2, "rootfs")
    os.unlink(os.path.join(r2, "etc/removed"))
    shutil.rmtree(os.path.join(r2, "opt/gone"))
    os.makedirs(os.path.join(r2, "opt/gone"))
    with open(os.path.join(r2, "opt/gone/c"), "w") as f:
        f.write("c\n")
    shutil.copy(os.path.join(libs, "libbar.so.2"), os.path.join(r2, "usr/lib/x86_64-linux-gnu"))
    os.chmod(os.path.join(r2, "etc/os-release"), 0o600)
    run("umoci", "repack", "--image", lay + ":t2", b2)
    ref = os.path.join(work, "ref-t2")
    run("umoci", "unpack", "--image", lay + ":t2", ref)
    return lay, os.path.join(ref, "rootfs")


# ------------------------------------------------------------ hand-made layouts ----

def tar_bytes(members):
    """members: (TarInfo fields dict, data bytes or None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            ti = tarfile.TarInfo(info["name"])
            ti.type = info.get("type", tarfile.REGTYPE)
            ti.mode = info.get("mode", 0o644)
            ti.linkname = info.get("linkname", "")
            ti.mtime = 1700000000
            if data is not None:
                ti.size = len(data)
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def make_layout(layout, layers, compress="gzip", tag="t", diff_ids=None, tweak=None, platform=("amd64", None)):
    """An OCI layout of LAYERS (tar bytes each). TWEAK(layout, manifest digest, layer digests) may
    spoil it afterwards."""
    shutil.rmtree(layout, ignore_errors=True)
    os.makedirs(layout)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    descs, ids = [], []
    for t in layers:
        ids.append("sha256:" + hashlib.sha256(t).hexdigest())
        if compress == "gzip":
            data, mt = gzip.compress(t, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
        elif compress == "zstd":
            data = subprocess.run(["zstd", "-q", "-c"], input=t, stdout=subprocess.PIPE, check=True).stdout
            mt = "application/vnd.oci.image.layer.v1.tar+zstd"
        else:
            data, mt = t, "application/vnd.oci.image.layer.v1.tar"
        descs.append({"mediaType": mt, "digest": blob(layout, data), "size": len(data)})
    cfg = {"architecture": platform[0], "os": "linux", "config": {"Env": ["CUDA_VERSION=13.0.1"]},
           "rootfs": {"type": "layers", "diff_ids": diff_ids or ids}}
    if platform[1]:
        cfg["variant"] = platform[1]
    config = json.dumps(cfg).encode()
    cd = blob(layout, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd,
                                      "size": len(config)}, "layers": descs}).encode()
    md = blob(layout, manifest)
    index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                "digest": md, "size": len(manifest),
                                                "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    if tweak:
        tweak(layout, md, [d["digest"] for d in descs])
    return md


def reg(name, data=b"", mode=0o644):
    return ({"name": name, "mode": mode}, data)


def dirm(name, mode=0o755):
    return ({"name": name, "type": tarfile.DIRTYPE, "mode": mode}, None)


def sym(name, target):
    return ({"name": name, "type": tarfile.SYMTYPE, "linkname": target, "mode": 0o777}, None)


def hard(name, target):
    return ({"name": name, "type": tarfile.LNKTYPE, "linkname": target}, None)


def handmade(work):
    lower = tar_bytes([dirm("etc"), reg("etc/keep", b"keep\n"), reg("etc/gone", b"gone\n"), dirm("opt"),
                       dirm("opt/d"), reg("opt/d/lower1", b"1"), dirm("opt/d/sub"), reg("opt/d/sub/lower2", b"2"),
                       reg("usr/bin/tool", b"tool", 0o755)])
    # the opaque marker after the layer's own entries in the same directory: they stay
    upper = tar_bytes([dirm("opt/d"), reg("opt/d/upper", b"u"), dirm("opt/d/sub"), reg("opt/d/sub/upper2", b"u2"),
                       reg("opt/d/.wh..wh..opq"), reg("etc/.wh.gone"), hard("usr/bin/tool-link", "usr/bin/tool"),
                       reg("/abs/file", b"abs"), reg("./etc/dot", b"dot"), reg("etc/.wh..wh.plnk")])
    expect = {
        "/abs": ["d"], "/abs/file": ["f", "0644", "3"], "/etc": ["d"], "/etc/dot": ["f", "0644", "3"],
        "/etc/keep": ["f", "0644", "5"], "/opt": ["d"], "/opt/d": ["d"], "/opt/d/sub": ["d"],
        "/opt/d/sub/upper2": ["f", "0644", "2"], "/opt/d/upper": ["f", "0644", "1"], "/usr": ["d"],
        "/usr/bin": ["d"], "/usr/bin/tool": ["f", "0755", "4"], "/usr/bin/tool-link": ["f", "0755", "4"],
    }
    for comp in ["gzip", "zstd", "plain"]:
        lay = os.path.join(work, "hand-" + comp)
        make_layout(lay, [lower, upper], compress=comp)
        rc, out, err = tree("oci:%s:t" % lay)
        check(rc == 0, "hand-made %s layout opens (%s)" % (comp, err))
        got, _ = listing(out)
        ok = sorted(got) == sorted(expect) and all(got[p][:len(v)] == v for p, v in expect.items())
        check(ok, "hand-made %s: opaque dir keeps its layer's entries, whiteout, hard link to a lower layer, "
                  "absolute and ./ names (%s)" % (comp, sorted(got.items())[:20] if not ok else ""))
    return lower, upper


def layouts(work):
    """Indexes: a nested index picked by platform, two tags, Docker >= 25's docker save layout."""
    # os-release: a file the view keeps whole, so the listing shows whose bytes it holds
    amd = tar_bytes([reg("etc/os-release", b"amd64")])
    arm = tar_bytes([reg("etc/os-release", b"arm64")])
    lay = os.path.join(work, "multi")
    md_amd = make_layout(lay, [amd], tag="amd")
    idx_amd = json.load(open(os.path.join(lay, "index.json")))["manifests"][0]
    keep = os.path.join(work, "multi-amd")
    shutil.copytree(lay, keep)
    md_arm = make_layout(lay, [arm], tag="arm", platform=("arm64", "v8"))
    for f in os.listdir(os.path.join(keep, "blobs", "sha256")):
        shutil.copy(os.path.join(keep, "blobs", "sha256", f), os.path.join(lay, "blobs", "sha256"))
    idx_arm = json.load(open(os.path.join(lay, "index.json")))["manifests"][0]
    idx_amd["platform"] = {"os": "linux", "architecture": "amd64"}
    idx_arm["platform"] = {"os": "linux", "architecture": "arm64", "variant": "v8"}
    for d in (idx_amd, idx_arm):
        d.pop("annotations")
    nested = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                         "manifests": [idx_arm, idx_amd]}).encode()
    nd = blob(lay, nested)
    top = {"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": nd, "size": len(nested),
         "annotations": {"org.opencontainers.image.ref.name": "multi"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md_amd, "size": 1,
         "annotations": {"org.opencontainers.image.ref.name": "plain"}}]}
    json.dump(top, open(os.path.join(lay, "index.json"), "w"))
    for plat, want_md, want in [("linux/amd64", md_amd, "amd64"), ("linux/arm64", md_arm, "arm64"),
                                ("linux/arm64/v8", md_arm, "arm64")]:
        p = subprocess.run([TOOL, "oci:%s:multi" % lay, plat], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        got, head = listing(p.stdout)
        check(p.returncode == 0 and head.get("index") == [nd] and head.get("manifest") == [want_md]
              and got.get("/etc/os-release", [""])[-1] == "sha256:" + hashlib.sha256(want.encode()).hexdigest(),
              "nested index: %s picks the %s manifest (%s)" % (plat, want, p.stderr.strip()))
    p = subprocess.run([TOOL, "oci:%s:multi" % lay, "linux/s390x"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    check(p.returncode == 1 and p.stderr.strip() == "error 3: oci:%s:multi: no manifest for platform linux/s390x" % lay,
          "nested index: no manifest for the platform (%s)" % p.stderr.strip())
    rc, out, err = tree("oci:%s:plain" % lay)
    check(rc == 0 and listing(out)[1].get("manifest") == [md_amd], "tag picked by ref.name (%s)" % err)
    rc, out, err = tree("oci:%s" % lay)
    check(rc == 1 and err == "error 1: oci:%s: index.json holds 2 images: name one (oci:%s:TAG, the ref.name "
          "annotation)" % (lay, lay), "two images and no tag: refused (%s)" % err)
    rc, out, err = tree("oci:%s:nope" % lay)
    check(rc == 1 and err == "error 3: oci:%s:nope: no image tagged \"nope\" in index.json" % lay,
          "unknown tag: refused (%s)" % err)
    # Docker >= 25's docker save: the OCI layout plus manifest.json naming blobs/sha256/... paths
    d25 = os.path.join(work, "d25")
    md = make_layout(d25, [amd, arm], tag="latest")
    man = json.load(open(os.path.join(d25, "blobs", "sha256", md[7:])))
    mf = [{"Config": "blobs/sha256/" + man["config"]["digest"][7:], "RepoTags": ["example/app:1"],
           "Layers": ["blobs/sha256/" + l["digest"][7:] for l in man["layers"]]}]
    json.dump(mf, open(os.path.join(d25, "manifest.json"), "w"))
    tarpath = os.path.join(work, "d25.tar")
    with tarfile.open(tarpath, "w") as t:
        for name in sorted(os.listdir(d25)):
            t.add(os.path.join(d25, name), arcname=name)
    rc, out, err = tree("docker-archive:" + tarpath)
    got, head = listing(out)
    check(rc == 0 and head.get("manifest") == [md] and head.get("ref") == ["example/app:1"] and
          all(" application/vnd.oci.image.layer.v1.tar+gzip " in l for l in head.get("layer", [])) and
          got.get("/etc/os-release", [""])[-1] == "sha256:" + hashlib.sha256(b"arm64").hexdigest(),
          "Docker >= 25 docker-archive: manifest.json's layers, index.json's manifest digest and media types (%s)" % err)
    rc, out, err = tree("docker-archive:%s:example/app:2" % tarpath)
    check(rc == 1 and err == "error 3: docker-archive:%s:example/app:2: no image tagged \"example/app:2\" in "
          "manifest.json" % tarpath, "docker-archive: unknown RepoTag refused (%s)" % err)


def hostile(work):
    """Each hostile layout must be refused with exactly the message given. In WANT, {L} is the
    label of layer 1 ("layer 1 (sha256:<12 hex>)"), {LD} its full digest, {MD} the manifest's;
    {H} the sha256 the spoiled bytes hash to, which the tweak records."""
    import re
    base = [dirm("etc"), reg("etc/ok", b"ok")]

    def expect_error(name, layers, want, limits=None, regex=False, **kw):
        lay = os.path.join(work, "bad-" + name)
        state = {}
        tweak = kw.pop("tweak", None)
        md = make_layout(lay, layers, tweak=(lambda l, m, d: tweak(l, m, d, state)) if tweak else None, **kw)
        idx = json.load(open(os.path.join(lay, "index.json")))
        md = idx["manifests"][0]["digest"]
        ld = json.load(open(os.path.join(lay, "blobs", "sha256", md[7:])))["layers"][0]["digest"] \
            if name != "manifest-digest" else state["ld"]
        esc = re.escape if regex else (lambda x: x)
        want = want.format(L=esc("layer 1 (%s)" % ld[:19]), LD=ld, MD=state.get("md", md), H=state.get("h", ""))
        rc, out, err = tree("oci:%s:t" % lay, limits)
        msg = err.replace(lay, "LAYOUT")
        ok = rc == 1 and (re.fullmatch(want, msg) if regex else msg == want)
        check(ok, "hostile %s: refused: %r (want %r)" % (name, msg, want))

    expect_error("dotdot", [tar_bytes(base + [reg("../evil", b"x")])],
                 "error 5: {L}: member \"../evil\" leaves the image's root")
    expect_error("dotdot-deep", [tar_bytes(base + [reg("etc/../../evil", b"x")])],
                 "error 5: {L}: member \"etc/../../evil\" leaves the image's root")
    expect_error("hardlink-out", [tar_bytes(base + [hard("etc/h", "../../etc/shadow")])],
                 "error 5: {L}: /etc/h: hard link target \"../../etc/shadow\" leaves the image's root")
    expect_error("hardlink-nothing", [tar_bytes(base + [hard("etc/h", "etc/none")])],
                 "error 1: {L}: /etc/h: hard link to \"etc/none\", which no earlier member is")
    expect_error("hardlink-dir", [tar_bytes(base + [hard("etc/h", "etc")])],
                 "error 1: {L}: /etc/h: hard link to the directory \"etc\"")
    expect_error("long-name", [tar_bytes(base + [reg("a" * 5000, b"x")])],
                 "error 8: {L}: member name of 5000 bytes (limit 4096): \"" + "a" * 64 + "...\"")
    big_pax = io.BytesIO()
    with tarfile.open(fileobj=big_pax, mode="w", format=tarfile.PAX_FORMAT) as t:
        ti = tarfile.TarInfo("big")
        ti.pax_headers = {"comment": "x" * (8 << 20)}
        ti.size = 1
        t.addfile(ti, io.BytesIO(b"1"))
    expect_error("oversized-pax", [big_pax.getvalue()], "error 8: {L}: oversized tar header: Special header too large")
    expect_error("through-link", [tar_bytes(base + [sym("etc/l", "/tmp"), reg("etc/l/x", b"x")])],
                 "error 1: /etc/l/x: /etc/l is not a directory")
    # how far the stream got when the limit tripped depends on libarchive's buffering: the
    # numbers are matched as numbers, the rest exactly
    bomb = tar_bytes(base + [reg("zeros", bytes(20 << 20))])
    expect_error("bomb-ratio", [bomb],
                 r"error 8: {L}: a compression ratio above the limit \(a decompression bomb\?\) \(\d+ bytes from \d+; limits: 274877906944 bytes, ratio 100\)", limits="0 0 100 0", regex=True)
    expect_error("too-many-entries", [tar_bytes(base + [reg("f%d" % i) for i in range(20)])],
                 "error 8: {L}: more tar members than the limit of 10", limits="10 0 0 0")
    expect_error("too-many-bytes", [tar_bytes(base + [reg("big", bytes(3 << 20))])],
                 r"error 8: {L}: more uncompressed bytes than the limit \(\d+ bytes from \d+; limits: 1000000 bytes, ratio 1000\)", limits="0 1000000 0 0", regex=True)

    good = tar_bytes(base + [reg("etc/more", b"m" * 100000)])

    def respin_blob(lay, md, lds, data):
        os.unlink(os.path.join(lay, "blobs", "sha256", lds[0][7:]))
        _respin(lay, md, lds[0], blob(lay, data))

    def truncate(lay, md, lds, state):
        data = open(os.path.join(lay, "blobs", "sha256", lds[0][7:]), "rb").read()
        # the manifest names the cut blob, so the reader meets the truncation itself
        respin_blob(lay, md, lds, data[: len(data) // 2])

    expect_error("truncated", [good], "error 1: {L}: corrupt compressed stream: truncated gzip input", tweak=truncate)

    def corrupt_tar(lay, md, lds, state):
        data = bytearray(open(os.path.join(lay, "blobs", "sha256", lds[0][7:]), "rb").read())
        data[600] ^= 0xFF  # inside the second header: its checksum fails
        respin_blob(lay, md, lds, bytes(data))

    expect_error("corrupt-tar", [good], "error 1: {L}: corrupt or truncated tar: Damaged tar archive",
                 compress="plain", tweak=corrupt_tar)

    def cut_tar(lay, md, lds, state):
        data = open(os.path.join(lay, "blobs", "sha256", lds[0][7:]), "rb").read()
        respin_blob(lay, md, lds, data[:2048])

    expect_error("truncated-tar", [good], "error 1: {L}: /etc/more: corrupt or truncated tar: Truncated tar archive",
                 compress="plain", tweak=cut_tar)

    def swap_layer(lay, md, lds, state):
        other = gzip.compress(tar_bytes(base), mtime=0)
        with open(os.path.join(lay, "blobs", "sha256", lds[0][7:]), "wb") as f:
            f.write(other)
        state["h"] = hashlib.sha256(other).hexdigest()

    expect_error("layer-digest", [good], "error 1: {L}: digest mismatch: expected {LD}, the bytes hash to sha256:{H}",
                 tweak=swap_layer)

    def spoil_manifest(lay, md, lds, state):
        p = os.path.join(lay, "blobs", "sha256", md[7:])
        data = open(p, "rb").read().replace(b'"schemaVersion": 2', b'"schemaVersion":  2')
        with open(p, "wb") as f:
            f.write(data)
        state.update(md=md, ld=lds[0], h=hashlib.sha256(data).hexdigest())

    expect_error("manifest-digest", [good], "error 1: oci:LAYOUT:t: manifest {MD}: digest mismatch: its bytes hash to "
                 "sha256:{H}", tweak=spoil_manifest)
    expect_error("diff-id", [good], "error 1: {L}: diff_id mismatch: expected sha256:" + "0" * 64 +
                 ", the bytes hash to sha256:" + hashlib.sha256(good).hexdigest(), diff_ids=["sha256:" + "0" * 64])


def _respin(lay, md, old, new):
    """Rewrites the manifest (and index.json) after a layer blob changed name."""
    mp = os.path.join(lay, "blobs", "sha256", md[7:])
    m = json.load(open(mp))
    for d in m["layers"]:
        if d["digest"] == old:
            d["digest"] = new
            d["size"] = os.path.getsize(os.path.join(lay, "blobs", "sha256", new[7:]))
    os.unlink(mp)
    nmd = blob(lay, json.dumps(m).encode())
    idx = json.load(open(os.path.join(lay, "index.json")))
    idx["manifests"][0]["digest"] = nmd
    json.dump(idx, open(os.path.join(lay, "index.json"), "w"))


def main():
    for tool in ["umoci", "skopeo", "gcc"]:
        if not shutil.which(tool):
            print("SKIP: %s is not installed (bootstrap installs it)" % tool)
            sys.exit(77)
    work = tempfile.mkdtemp(prefix="cuvet-images-")
    try:
        libs = elf_libs(work)
        lay, rootfs = umoci_images(work, libs)
        held = {"/etc/os-release": "whole", "/etc/ld.so.conf.d/cuda.conf": "whole", "/var/lib/dpkg/status": "whole",
                "/usr/local/cuda-13.0/version.json": "whole", "/usr/lib/x86_64-linux-gnu/libfoo.so.1": "part",
                "/usr/lib/x86_64-linux-gnu/libfoo-hard.so.1": "part", "/usr/lib/x86_64-linux-gnu/libbar.so.2": "whole",
                "/opt/data.bin": "none",
                "/usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA": "whole"}
        oci_head = compare("oci:%s:t2" % lay, rootfs, held)
        da = os.path.join(work, "img-docker.tar")
        oa = os.path.join(work, "img-oci.tar")
        run("skopeo", "copy", "-q", "oci:%s:t2" % lay, "docker-archive:%s:test/img:t2" % da)
        run("skopeo", "copy", "-q", "oci:%s:t2" % lay, "oci-archive:%s:t2" % oa)
        d_head = compare("docker-archive:%s" % da, rootfs, held)
        o_head = compare("oci-archive:%s:t2" % oa, rootfs, held)
        if oci_head and d_head and o_head:
            raw = json.loads(run("skopeo", "inspect", "--raw", "oci:%s:t2" % lay))
            mdig = "sha256:" + hashlib.sha256(run("skopeo", "inspect", "--raw", "oci:%s:t2" % lay).encode()).hexdigest()
            check(oci_head["manifest"] == [mdig] and o_head["manifest"] == [mdig],
                  "oci and oci-archive: the manifest digest is skopeo's (%s)" % mdig)
            check(oci_head["config"] == [raw["config"]["digest"]] == o_head["config"],
                  "oci and oci-archive: the config digest is the manifest's")
            check(d_head["ref"] == ["docker.io/test/img:t2"], "docker-archive: the RepoTag (%s)" % d_head["ref"])
            dl = [l.split(" ")[3] for l in d_head["layer"]]
            ol = [l.split(" ")[3] for l in oci_head["layer"]]
            check(dl == ol, "docker-archive: the same diff_ids as the OCI layout")
        # the whiteouts umoci wrote: the view must not show what they hide
        handmade(work)
        layouts(work)
        hostile(work)
    finally:
        if not os.environ.get("KEEP_IMAGES"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept", work)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
