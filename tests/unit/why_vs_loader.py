#!/usr/bin/env python3
"""cuvet why against the real loader.

Builds small trees of trusted test programs with gcc (RPATH vs RUNPATH, $ORIGIN through a
symlink, $LIB, inherited RPATH, RUNPATH not inherited, LD_LIBRARY_PATH, NODEFLIB, duplicates,
wrong-class candidates, a DT_NEEDED with '/', symbol versions, loops, a deep chain, glibc-hwcaps and
the legacy hwcap subdirectories, $PLATFORM as glibc derives it from the CPU vendor and its version), runs them
under LD_TRACE_LOADED_OBJECTS=1 (what ldd does; these are our own binaries) and checks that
`cuvet why --json` maps every name to the same path, or to "not found" where the loader says so.
Then the probe's pick: `cuvet probe --json` marks as default_pick the copy of libcudart.so.12 the
loader loads (a glibc-hwcaps copy in LD_LIBRARY_PATH), and `cuvet check` decides on that copy.
cuvet itself executes nothing.

usage: why_vs_loader.py CUVET
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

CUVET = os.path.abspath(sys.argv[1])
CC = os.environ.get("CC", "cc")
W = tempfile.mkdtemp(prefix="cuvet-why-")
failures = []
passes = 0
skips = []


def sh(*args, **kw):
    subprocess.run(args, check=True, **kw)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def lib(path, soname, needed=(), ldflags=(), src=None):
    """A shared object PATH with SONAME, linked against the libraries NEEDED (paths)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    c = os.path.join(W, "src", soname + ".c")
    write(c, src or "int fn_%s(void) { return 1; }\n" % soname.replace(".", "_").replace("-", "_"))
    sh(CC, "-shared", "-fPIC", "-o", path, c, "-Wl,-soname," + soname, "-Wl,--no-as-needed", *needed, *ldflags)


def prog(path, needed=(), ldflags=(), src=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    c = os.path.join(W, "src", os.path.basename(path) + ".c")
    write(c, src or "int main(void) { return 0; }\n")
    sh(CC, "-o", path, c, "-Wl,--no-as-needed", *needed, *ldflags)


def loader_view(exe, llp=None):
    """name -> path (or None) as the real loader reports it."""
    env = {"PATH": "/usr/bin:/bin", "LD_TRACE_LOADED_OBJECTS": "1"}
    if llp is not None:
        env["LD_LIBRARY_PATH"] = llp
    out = subprocess.run([exe], env=env, capture_output=True, text=True).stdout
    seen = {}
    for line in out.splitlines():
        line = line.strip()
        if "=>" not in line:
            # linux-vdso and the interpreter line; a DT_NEEDED with '/' prints its path alone
            path = line.rsplit(" (", 1)[0].strip()
            if path.startswith("/") and "/ld-linux" not in path:
                seen[path] = path
            continue
        name, rest = [x.strip() for x in line.split("=>", 1)]
        if rest.startswith("not found"):
            seen[name] = None
        else:
            seen[name] = rest.rsplit(" (", 1)[0].strip()
    return seen


def cuvet_view(exe, llp=None, extra=()):
    args = [CUVET, "why", "--json", "--no-explain"]
    if llp is not None:
        args += ["--ld-library-path", llp]
    r = subprocess.run(args + list(extra) + [exe], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    doc = json.loads(r.stdout)
    res = doc["results"][0]
    seen = {}
    for o in res["objects"][1:]:
        if o["rule"] in ("interpreter",):
            continue
        seen[o["name"]] = o["path"]
    return seen, res, r.returncode


def check(name, exe, llp=None, expect=None):
    """Compares the two views; EXPECT maps names to what both must say (a path suffix or None)."""
    global passes
    ld = loader_view(exe, llp)
    cv, res, rc = cuvet_view(exe, llp)
    ok = ld == cv
    if ok and expect:
        for k, v in expect.items():
            got = ld.get(k, "absent")
            if v is None:
                ok &= got is None
            else:
                ok &= isinstance(got, str) and got.endswith(v)
    if ok:
        print("ok   %s" % name)
        passes += 1
    else:
        print("FAIL %s\n  loader: %s\n  cuvet:  %s\n  expect: %s" % (name, ld, cv, expect))
        failures.append(name)
    return res, rc


def rules(res):
    return {o["name"]: o["rule_text"] for o in res["objects"]}


def expect_eq(name, got, want):
    global passes
    if got == want:
        print("ok   %s" % name)
        passes += 1
    else:
        print("FAIL %s: got %r, want %r" % (name, got, want))
        failures.append(name)


def glibc_version():
    """(major, minor) of this machine's glibc, as the C library reports it."""
    v = os.confstr("CS_GNU_LIBC_VERSION").split()[1]
    return tuple(int(x) for x in v.split(".")[:2])


def cpu_facts():
    """vendor_id and the flag set of the first CPU in /proc/cpuinfo (the kernel's cpuid view)."""
    vendor, flags = "", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            k = k.strip()
            if k == "vendor_id" and not vendor:
                vendor = v.strip()
            elif k == "flags" and not flags:
                flags = set(v.split())
    return vendor, flags


def glibc_platform():
    """$PLATFORM as glibc sets it: "haswell" (or "xeon_phi") only on Intel CPUs
    (sysdeps/x86/cpu-features.c, under arch_kind_intel, in 2.36 as in 2.39); else the kernel's
    AT_PLATFORM."""
    vendor, fl = cpu_facts()
    if vendor == "GenuineIntel":
        if {"avx512cd", "avx512er", "avx512pf"} <= fl:
            return "xeon_phi"
        # /proc/cpuinfo calls LZCNT "abm"
        if {"avx2", "fma", "bmi1", "bmi2", "abm", "movbe", "popcnt"} <= fl:
            return "haswell"
    return os.uname().machine


def hwcaps_levels():
    """The glibc-hwcaps subdirectories the real loader searches, best first (ld.so --help)."""
    out = subprocess.run(["/lib64/ld-linux-x86-64.so.2", "--help"], capture_output=True, text=True).stdout
    levels, inside = [], False
    for line in out.splitlines():
        if line.startswith("Subdirectories of glibc-hwcaps"):
            inside = True
        elif not line.startswith("  "):
            inside = False
        elif inside and "(supported, searched)" in line:
            levels.append(line.split()[0])
    return levels


try:
    T = W
    # -- RPATH inherited through a child without RUNPATH ------------------------------------
    lib(f"{T}/t1/libb/libb.so", "libb.so")
    lib(f"{T}/t1/liba/liba.so", "liba.so", [f"{T}/t1/libb/libb.so"])
    prog(f"{T}/t1/bin/p", [f"{T}/t1/liba/liba.so"],
         ["-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../liba:$ORIGIN/../libb"])
    res, rc = check("rpath-inherited", f"{T}/t1/bin/p", expect={"liba.so": "/t1/bin/../liba/liba.so",
                                                                 "libb.so": "/t1/bin/../libb/libb.so"})
    expect_eq("rpath-inherited rules", (rules(res)["liba.so"], rules(res)["libb.so"], rc), ("rpath", "rpath of p", 0))
    # the child's own RPATH first, then the parent's: libb via "rpath of p"
    lib(f"{T}/t1/liba2/liba.so", "liba.so", [f"{T}/t1/libb/libb.so"], ["-Wl,--disable-new-dtags", "-Wl,-rpath,/nonexistent"])
    prog(f"{T}/t1/bin/p2", [f"{T}/t1/liba2/liba.so"],
         ["-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../liba2:$ORIGIN/../libb"])
    res, rc = check("rpath-of-parent", f"{T}/t1/bin/p2")
    expect_eq("rpath-of-parent rule", rules(res)["libb.so"], "rpath of p2")

    # -- RUNPATH is not inherited ------------------------------------------------------------
    prog(f"{T}/t1/bin/q", [f"{T}/t1/liba/liba.so"],
         ["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../liba:$ORIGIN/../libb"])
    res, rc = check("runpath-not-inherited", f"{T}/t1/bin/q", expect={"liba.so": "/liba/liba.so", "libb.so": None})
    expect_eq("runpath-not-inherited exit", rc, 1)

    # -- RPATH beats LD_LIBRARY_PATH, RUNPATH does not ---------------------------------------
    lib(f"{T}/t2/r/libc1.so", "libc1.so")
    lib(f"{T}/t2/l/libc1.so", "libc1.so")
    prog(f"{T}/t2/bin/rp", [f"{T}/t2/r/libc1.so"], ["-Wl,--disable-new-dtags", f"-Wl,-rpath,{T}/t2/r"])
    prog(f"{T}/t2/bin/ru", [f"{T}/t2/r/libc1.so"], ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{T}/t2/r"])
    check("rpath-before-llp", f"{T}/t2/bin/rp", llp=f"{T}/t2/l", expect={"libc1.so": "/t2/r/libc1.so"})
    res, _ = check("llp-before-runpath", f"{T}/t2/bin/ru", llp=f"{T}/t2/l", expect={"libc1.so": "/t2/l/libc1.so"})
    expect_eq("llp rule", rules(res)["libc1.so"], "LD_LIBRARY_PATH")
    check("llp-semicolon", f"{T}/t2/bin/ru", llp=f"/nonexistent;{T}/t2/l", expect={"libc1.so": "/t2/l/libc1.so"})
    check("runpath-without-llp", f"{T}/t2/bin/ru", expect={"libc1.so": "/t2/r/libc1.so"})

    # -- duplicates: one SONAME in two places is mapped once ----------------------------------
    lib(f"{T}/t3/d1/libdup.so", "libdup.so")
    lib(f"{T}/t3/d2/libdup.so", "libdup.so")
    lib(f"{T}/t3/d2/libuser.so", "libuser.so", [f"{T}/t3/d2/libdup.so"],
        ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{T}/t3/d2"])
    prog(f"{T}/t3/p", [f"{T}/t3/d1/libdup.so", f"{T}/t3/d2/libuser.so"],
         ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{T}/t3/d1:{T}/t3/d2"])
    check("duplicate-once", f"{T}/t3/p", expect={"libdup.so": "/t3/d1/libdup.so"})

    # -- $ORIGIN is the directory as found, not the symlink's target -------------------------
    # (a symlinked file, not directory: "L2/.." after a directory symlink is resolved by the kernel)
    lib(f"{T}/t4/dep/libd.so", "libd.so")
    lib(f"{T}/t4/real/L1/libo.so", "libo.so", [f"{T}/t4/dep/libd.so"],
        ["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../dep"])
    os.makedirs(f"{T}/t4/L2")
    os.symlink("../real/L1/libo.so", f"{T}/t4/L2/libo.so")
    prog(f"{T}/t4/bin/p", [f"{T}/t4/real/L1/libo.so"], ["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../L2"])
    check("origin-through-symlink", f"{T}/t4/bin/p", expect={"libd.so": "/t4/bin/../L2/../dep/libd.so"})
    # ... while the executable's own $ORIGIN is its resolved directory
    os.makedirs(f"{T}/t4/linkbin")
    os.symlink(f"{T}/t4/bin/p", f"{T}/t4/linkbin/p")
    check("origin-of-executable-resolved", f"{T}/t4/linkbin/p", expect={"libo.so": "/t4/bin/../L2/libo.so"})

    # -- $LIB and $PLATFORM -------------------------------------------------------------------
    probe = subprocess.run([CUVET, "why", "--json", "--no-explain", "/bin/sh"], capture_output=True, text=True)
    libdir = json.loads(probe.stdout)["results"][0]["loader"]["lib"]
    plat = json.loads(probe.stdout)["results"][0]["loader"]["platform"]
    expect_eq("platform as glibc sets it", plat, glibc_platform())
    plat = glibc_platform()
    lib(f"{T}/t5/{libdir}/libl.so", "libl.so")
    lib(f"{T}/t5/{plat}/libpl.so", "libpl.so")
    prog(f"{T}/t5/bin/p", [f"{T}/t5/{libdir}/libl.so", f"{T}/t5/{plat}/libpl.so"],
         ["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../$LIB:${ORIGIN}/../${PLATFORM}"])
    check("lib-and-platform", f"{T}/t5/bin/p", expect={"libl.so": f"/t5/bin/../{libdir}/libl.so",
                                                        "libpl.so": f"/t5/bin/../{plat}/libpl.so"})

    # -- NODEFLIB: cache hits in system directories and the default path are ignored ---------
    lib(f"{T}/t6/l/libn.so", "libn.so")
    prog(f"{T}/t6/p", [f"{T}/t6/l/libn.so"], ["-Wl,-z,nodefaultlib"])
    # Under LD_TRACE_LOADED_OBJECTS glibc 2.36 lists libc from the cache anyway, but a real run
    # fails ("libc.so.6: cannot open shared object file"): compare with the real run.
    real = subprocess.run([f"{T}/t6/p"], env={"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": f"{T}/t6/l"},
                          capture_output=True, text=True)
    cv, res, rc = cuvet_view(f"{T}/t6/p", f"{T}/t6/l")
    expect_eq("nodeflib like a real run",
              ("libc.so.6: cannot open shared object file" in real.stderr, cv.get("libc.so.6", "absent"),
               cv.get("libn.so", "").endswith("/t6/l/libn.so"), rc), (True, None, True, 1))

    # -- a candidate of the wrong class or machine is skipped --------------------------------
    os.makedirs(f"{T}/t7/w32")
    sh(CC, "-m32", "-shared", "-nostdlib", "-fPIC", "-o", f"{T}/t7/w32/libw.so", f"{W}/src/libn.so.c", "-Wl,-soname,libw.so")
    lib(f"{T}/t7/arm/libw.so", "libw.so")
    with open(f"{T}/t7/arm/libw.so", "r+b") as f:  # e_machine = EM_AARCH64
        f.seek(18)
        f.write(bytes([183, 0]))
    lib(f"{T}/t7/ok/libw.so", "libw.so")
    prog(f"{T}/t7/p", [f"{T}/t7/ok/libw.so"], ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{T}/t7/w32:{T}/t7/arm:{T}/t7/ok"])
    check("wrong-class-skipped", f"{T}/t7/p", expect={"libw.so": "/t7/ok/libw.so"})

    # -- a DT_NEEDED with '/' is opened as given ---------------------------------------------
    os.makedirs(f"{T}/t8")
    sh(CC, "-shared", "-fPIC", "-o", f"{T}/t8/libnos.so", f"{W}/src/libn.so.c")
    prog(f"{T}/t8/p", [f"{T}/t8/libnos.so"])
    res, _ = check("direct-path", f"{T}/t8/p", expect={f"{T}/t8/libnos.so": f"{T}/t8/libnos.so"})
    expect_eq("direct rule", rules(res)[f"{T}/t8/libnos.so"], "direct")

    # -- dependency loop ------------------------------------------------------------------------
    lib(f"{T}/t9/liby.so", "liby.so")
    lib(f"{T}/t9/libx.so", "libx.so", [f"{T}/t9/liby.so"])
    lib(f"{T}/t9/liby.so", "liby.so", [f"{T}/t9/libx.so"])
    prog(f"{T}/t9/p", [f"{T}/t9/libx.so"], ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{T}/t9"])
    lib(f"{T}/t9/libx.so", "libx.so", [f"{T}/t9/liby.so"], ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{T}/t9"])
    check("loop", f"{T}/t9/p", expect={"libx.so": "/t9/libx.so"})

    # -- a deep chain (each library needs the next; the RPATH of the program serves all) -----
    depth = 150
    prev = []
    for i in range(depth, 0, -1):
        lib(f"{T}/t10/libdeep{i}.so", f"libdeep{i}.so", prev)
        prev = [f"{T}/t10/libdeep{i}.so"]
    prog(f"{T}/t10/p", prev, ["-Wl,--disable-new-dtags", f"-Wl,-rpath,{T}/t10"])
    res, rc = check("deep-chain", f"{T}/t10/p", expect={f"libdeep{depth}.so": f"/t10/libdeep{depth}.so"})
    expect_eq("deep-chain rule", rules(res)[f"libdeep{depth}.so"], "rpath of p")

    # -- symbol versions: a version node missing, a versioned symbol missing -----------------
    write(f"{W}/src/v.map", "V_1 { global: foo; baz; local: *; };\nV_2 { global: bar; } V_1;\n")
    write(f"{W}/src/v_old.map", "V_1 { global: foo; local: *; };\n")
    write(f"{W}/src/v.c", "int foo(void){return 1;} int bar(void){return 2;} int baz(void){return 3;}\n")
    write(f"{W}/src/v_old.c", "int foo(void){return 1;}\n")
    os.makedirs(f"{T}/t11/new")
    os.makedirs(f"{T}/t11/old")
    sh(CC, "-shared", "-fPIC", "-o", f"{T}/t11/new/libv.so", f"{W}/src/v.c", "-Wl,-soname,libv.so",
       f"-Wl,--version-script={W}/src/v.map")
    sh(CC, "-shared", "-fPIC", "-o", f"{T}/t11/old/libv.so", f"{W}/src/v_old.c", "-Wl,-soname,libv.so",
       f"-Wl,--version-script={W}/src/v_old.map")
    prog(f"{T}/t11/pbar", [f"{T}/t11/new/libv.so"], src="int bar(void); int main(void){return bar();}\n")
    prog(f"{T}/t11/pbaz", [f"{T}/t11/new/libv.so"], src="int baz(void); int main(void){return baz();}\n")
    for p, want in (("pbar", "symbol-version"), ("pbaz", "undefined-symbol")):
        env = {"PATH": "/usr/bin:/bin", "LD_TRACE_LOADED_OBJECTS": "1", "LD_WARN": "yes", "LD_BIND_NOW": "yes",
               "LD_LIBRARY_PATH": f"{T}/t11/old"}
        real = subprocess.run([f"{T}/t11/{p}"], env=env, capture_output=True, text=True)
        real_says = (real.stdout + real.stderr)
        cv, res, rc = cuvet_view(f"{T}/t11/{p}", f"{T}/t11/old")
        ids = [x["id"] for x in res["problems"]]
        msgs = " | ".join(x["message"] for x in res["problems"])
        if want == "symbol-version":
            ok = "version `V_2' not found" in real_says and want in ids and "version `V_2' not found" in msgs
        else:
            ok = "undefined symbol: baz, version V_1" in real_says and want in ids and \
                "undefined symbol: baz, version V_1" in msgs
        expect_eq(f"{want} like the loader", (ok, rc), (True, 1))
        cv, res, rc = cuvet_view(f"{T}/t11/{p}", f"{T}/t11/new")
        expect_eq(f"{want} absent with the new copy", ([x["id"] for x in res["problems"]], rc), ([], 0))

    # -- glibc-hwcaps subdirectories come first in every directory (for levels this CPU has) --
    lib(f"{T}/t13/d/libh.so", "libh.so")
    for lvl in ("x86-64-v2", "x86-64-v3", "x86-64-v4"):
        lib(f"{T}/t13/d/glibc-hwcaps/{lvl}/libh.so", "libh.so")
    prog(f"{T}/t13/p", [f"{T}/t13/d/libh.so"], ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{T}/t13/d"])
    check("glibc-hwcaps", f"{T}/t13/p")

    # -- legacy hwcap subdirectories (glibc < 2.37): tls/, $PLATFORM/, x86_64/ and their combinations
    # come after glibc-hwcaps and before the directory itself; from 2.37 there are none
    legacy = glibc_version() < (2, 37) and os.uname().machine == "x86_64"
    plat = glibc_platform()
    # (case, name, subdirectories holding a copy, the one glibc 2.36's _dl_important_hwcaps order
    # picks: tls first, then $PLATFORM, then the hwcap string, the longest combination first)
    cases = [("tls", "libleg1.so", ["tls"], "tls"),
             ("x86_64", "libleg2.so", ["x86_64"], "x86_64"),
             ("tls-x86_64-first", "libleg3.so", ["x86_64", "tls/x86_64", "tls"], "tls/x86_64"),
             ("platform", "libleg4.so", [plat, "x86_64"], plat),
             ("platform-over-x86_64", "libleg5.so", ["x86_64", f"{plat}/x86_64"], f"{plat}/x86_64"),
             ("haswell", "libleg7.so", ["haswell"], "haswell" if plat == "haswell" else "")]
    for cname, so, subs, pick in cases:
        d = f"{T}/t14/{cname}"
        lib(f"{d}/{so}", so)
        for sub in subs:
            lib(f"{d}/{sub}/{so}", so)
        prog(f"{T}/t14/p-{cname}", [f"{d}/{so}"], ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{d}"])
        # what glibc 2.36's _dl_important_hwcaps order picks: the deepest combination listed first
        want = f"/{cname}/{pick}/{so}" if legacy and pick else f"/{cname}/{so}"
        check(f"legacy hwcaps {cname}", f"{T}/t14/p-{cname}", expect={so: want})
    # glibc-hwcaps before the legacy subdirectories
    levels = hwcaps_levels()
    if levels:
        d = f"{T}/t14/both"
        lib(f"{d}/libleg6.so", "libleg6.so")
        lib(f"{d}/tls/libleg6.so", "libleg6.so")
        lib(f"{d}/glibc-hwcaps/{levels[-1]}/libleg6.so", "libleg6.so")
        prog(f"{T}/t14/p-both", [f"{d}/libleg6.so"], ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{d}"])
        check("glibc-hwcaps before legacy", f"{T}/t14/p-both", expect={"libleg6.so": f"/glibc-hwcaps/{levels[-1]}/libleg6.so"})
    else:
        print("skip glibc-hwcaps before legacy (this loader searches no glibc-hwcaps level)")
        skips.append("glibc-hwcaps before legacy")
    # through LD_LIBRARY_PATH too
    prog(f"{T}/t14/p-llp", [f"{T}/t14/tls/libleg1.so"])
    check("legacy hwcaps in LD_LIBRARY_PATH", f"{T}/t14/p-llp", llp=f"{T}/t14/tls",
          expect={"libleg1.so": "/tls/tls/libleg1.so" if legacy else "/t14/tls/libleg1.so"})

    # -- the probe's pick is the real loader's: LD_LIBRARY_PATH=/opt/x holds libcudart.so.12 12.4.127
    # and, in its best glibc-hwcaps level, 12.8.90; a program linked with it loads the latter
    if levels:
        R = f"{T}/t20"
        x = f"{R}/opt/x"
        hw = f"{x}/glibc-hwcaps/{'x86-64-v3' if 'x86-64-v3' in levels else levels[-1]}"
        write(f"{W}/src/cudart.c", "int cudaRuntimeGetVersion(int *v) { *v = 12000; return 0; }\n")
        for d, ver in ((x, "12.4.127"), (hw, "12.8.90")):
            os.makedirs(d, exist_ok=True)
            sh(CC, "-shared", "-fPIC", "-o", f"{d}/libcudart.so.{ver}", f"{W}/src/cudart.c", "-Wl,-soname,libcudart.so.12")
            os.symlink(f"libcudart.so.{ver}", f"{d}/libcudart.so.12")
        prog(f"{R}/p", [f"{x}/libcudart.so.12"])
        real = loader_view(f"{R}/p", llp=x).get("libcudart.so.12")
        expect_eq("probe pick: the loader loads the hwcaps copy", real, f"{hw}/libcudart.so.12")
        env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": x}
        r = subprocess.run([CUVET, "probe", "--json", "--no-nvml"], env=env, capture_output=True, text=True)
        picks = [l for l in json.loads(r.stdout)["libraries"]
                 if l.get("soname") == "libcudart.so.12" and l.get("default_pick")]
        expect_eq("probe pick like the loader", [(os.path.realpath(l["path"]), l["version"]) for l in picks],
                  [(os.path.realpath(real or "?"), "12.8.90")])
        expect_eq("probe cache_pick is not an LD_LIBRARY_PATH copy",
                  [l["path"] for l in json.loads(r.stdout)["libraries"]
                   if l.get("cache_pick") and l["path"].startswith(x)], [])
        # the same tree as a root: check's verdict rests on the copy the loader picks
        write(f"{W}/t20.env", "LD_LIBRARY_PATH=/opt/x\n")
        r = subprocess.run([CUVET, "check", "--json", "--root", R, "--env-file", f"{W}/t20.env", "cudart>=12.8"],
                           capture_output=True, text=True)
        req = json.loads(r.stdout)["requirements"][0]
        expect_eq("check cudart>=12.8 on the loader's copy", (req["verdict"], req["groups"][0]["clauses"][0]["message"]),
                  ("PASS", "cudart 12.8.90 (the copy the loader picks) is >= 12.8"))
        # why: one pick in one report
        r = subprocess.run([CUVET, "why", "--json", "--ld-library-path", x, "libcudart.so.12"],
                           env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
        res = json.loads(r.stdout)["results"][0]
        msgs = [p["message"] for p in res["problems"]]
        expect_eq("why picks the loader's copy", (res["objects"][0]["path"], [m for m in msgs if "a plain dlopen" in m]),
                  (real, []))
    else:
        print("skip probe pick (this loader searches no glibc-hwcaps level)")
        skips.append("probe pick")

    # -- one process: the first copy of a SONAME loaded serves every later DT_NEEDED --------------
    # What import torch does: python dlopens torch/lib/libtorch_global_deps.so (RUNPATH to the
    # wheel's cuDNN; LD_LIBRARY_PATH comes first), then torch/_C*.so (RPATH to the wheel: alone it
    # would get 9.19). glibc matches the loaded libcudnn.so.9 by SONAME before searching, so _C
    # gets 9.14. A real program dlopens the two in that order and prints every object it maps.
    P = f"{T}/t30"
    write(f"{W}/src/dnn.c", "int cudnnGetVersion(void) { return 9; }\n")
    for d, ver in (("wheel", "9.19.0"), ("sys", "9.14.0")):
        os.makedirs(f"{P}/{d}", exist_ok=True)
        sh(CC, "-shared", "-fPIC", "-o", f"{P}/{d}/libcudnn.so.{ver}", f"{W}/src/dnn.c", "-Wl,-soname,libcudnn.so.9")
        os.symlink(f"libcudnn.so.{ver}", f"{P}/{d}/libcudnn.so.9")
    lib(f"{P}/lib/libglobal.so", "libglobal.so", [f"{P}/wheel/libcudnn.so.9"],
        ["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../wheel"])
    lib(f"{P}/lib/libC.so", "libC.so", [f"{P}/wheel/libcudnn.so.9"],
        ["-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../wheel"])
    prog(f"{P}/bin/py", ldflags=["-ldl"], src=r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
static int each(struct dl_phdr_info *i, size_t n, void *d) {
  (void)n; (void)d;
  char r[4096];
  if (i->dlpi_name[0] && realpath(i->dlpi_name, r)) printf("%s\n", r);
  return 0;
}
int main(int argc, char **argv) {
  for (int k = 1; k < argc; k++)
    if (!dlopen(argv[k], RTLD_NOW | RTLD_GLOBAL)) { printf("dlopen: %s\n", dlerror()); return 1; }
  dl_iterate_phdr(each, NULL);
  return 0;
}
""")
    inputs = [f"{P}/lib/libglobal.so", f"{P}/lib/libC.so"]

    def process_maps(llp):
        env = {"PATH": "/usr/bin:/bin"}
        if llp:
            env["LD_LIBRARY_PATH"] = llp
        out = subprocess.run([f"{P}/bin/py"] + inputs, env=env, capture_output=True, text=True).stdout
        return sorted(x for x in out.split() if x.startswith(P + "/"))

    def process_cuvet(llp, order=inputs):
        args = [CUVET, "why", "--json", "--no-explain", "--process"]
        if llp:
            args += ["--ld-library-path", llp]
        r = subprocess.run(args + order, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
        res = json.loads(r.stdout)["results"][0]
        mapped = sorted(os.path.realpath(o["real_path"]) for o in res["objects"]
                        if o["real_path"] and o["real_path"].startswith(P + "/"))
        return res, mapped, r.returncode

    real = process_maps(f"{P}/sys")
    res, mapped, rc = process_cuvet(f"{P}/sys")
    expect_eq("process: the loader maps the LD_LIBRARY_PATH copy once",
              real, sorted([f"{P}/lib/libglobal.so", f"{P}/lib/libC.so", f"{P}/sys/libcudnn.so.9.14.0"]))
    expect_eq("process: cuvet maps what the loader maps", mapped, real)
    pre = [p for p in res["problems"] if p["id"] == "preloaded-copy"]
    objs = res["objects"]
    expect_eq("process: preloaded-copy names both copies and who loaded which",
              [(p["severity"], objs[p["object"]]["real_path"], objs[p["object"]]["version"],
                objs[objs[p["object"]]["loader"]]["name"], objs[p["object"]]["input"],
                objs[p["requester"]]["name"], objs[p["requester"]]["input"],
                os.path.realpath(p["other_path"]), p["other_version"]) for p in pre],
              [("error", f"{P}/sys/libcudnn.so.9.14.0", "9.14.0", f"{P}/lib/libglobal.so", 0,
                f"{P}/lib/libC.so", 1, f"{P}/wheel/libcudnn.so.9.19.0", "9.19.0")])
    expect_eq("process: inputs and exit", ([i["name"] for i in res["inputs"]], rc), (inputs, 1))
    # the program itself as the first input: every object the process maps, libc and ld.so included
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": f"{P}/sys"}
    out = subprocess.run([f"{P}/bin/py"] + inputs, env=env, capture_output=True, text=True).stdout
    real_all = sorted(set(x for x in out.split() if x.startswith("/")))
    r = subprocess.run([CUVET, "why", "--json", "--no-explain", "--process", "--ld-library-path", f"{P}/sys",
                        f"{P}/bin/py"] + inputs, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    resp = json.loads(r.stdout)["results"][0]
    cv_all = sorted(set(os.path.realpath(o["real_path"]) for o in resp["objects"][1:] if o["real_path"]))
    expect_eq("process: program first, every mapped object like the loader", (cv_all, r.returncode),
              (real_all, 1))
    expect_eq("process: program first, the same conflict",
              [(p["id"], p["other_version"]) for p in resp["problems"]], [("preloaded-copy", "9.19.0")])
    # one file alone: _C gets its RPATH copy (what `why` on _C said); the process is what runs
    cv, res1, rc1 = cuvet_view(f"{P}/lib/libC.so", f"{P}/sys")
    expect_eq("process: libC alone resolves the wheel's copy", (cv.get("libcudnn.so.9"), rc1),
              (f"{P}/lib/../wheel/libcudnn.so.9", 0))
    # without LD_LIBRARY_PATH both find the wheel's copy: no problem, like the loader
    real = process_maps(None)
    res, mapped, rc = process_cuvet(None)
    expect_eq("process: without LD_LIBRARY_PATH, the wheel's copy, no problem",
              (mapped == real, f"{P}/wheel/libcudnn.so.9.19.0" in real, [p["id"] for p in res["problems"]], rc),
              (True, True, [], 0))
    # the other order: _C first (its RPATH wins over LD_LIBRARY_PATH), then global deps reuses 9.19;
    # its own RUNPATH search would get 9.14 through LD_LIBRARY_PATH, a difference reported too
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": f"{P}/sys"}
    out = subprocess.run([f"{P}/bin/py"] + inputs[::-1], env=env, capture_output=True, text=True).stdout
    real = sorted(x for x in out.split() if x.startswith(P + "/"))
    res, mapped, rc = process_cuvet(f"{P}/sys", inputs[::-1])
    expect_eq("process: the other order maps the wheel's copy, like the loader",
              (mapped == real, f"{P}/wheel/libcudnn.so.9.19.0" in real,
               [(p["id"], p["other_version"]) for p in res["problems"]], rc),
              (True, True, [("preloaded-copy", "9.14.0")], 1))

    # -- hostile input: errors, not crashes ----------------------------------------------------
    os.makedirs(f"{T}/t12")
    with open(f"{T}/t12/notelf", "wb") as f:
        f.write(b"#!/bin/sh\necho hi\n")
    shutil.copy(f"{T}/t1/liba/liba.so", f"{T}/t12/trunc.so")
    with open(f"{T}/t12/trunc.so", "r+b") as f:
        f.truncate(200)
    r = subprocess.run([CUVET, "why", f"{T}/t12/notelf"], capture_output=True, text=True)
    expect_eq("input not ELF", (r.returncode, r.stderr.strip()), (4, f"cuvet why: {T}/t12/notelf: not an ELF file"))
    r = subprocess.run([CUVET, "why", f"{T}/t12/trunc.so"], capture_output=True, text=True)
    expect_eq("input truncated exits 4", r.returncode, 4)
    r = subprocess.run([CUVET, "why", f"{T}/t12/absent"], capture_output=True, text=True)
    expect_eq("input missing exits 4", r.returncode, 4)
    # a corrupt dependency: the loader stops there, cuvet reports it
    lib(f"{T}/t12/libgood.so", "libbad.so")
    prog(f"{T}/t12/p", [f"{T}/t12/libgood.so"], ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{T}/t12/d"])
    os.makedirs(f"{T}/t12/d")
    shutil.copy(f"{T}/t12/trunc.so", f"{T}/t12/d/libbad.so")
    cv, res, rc = cuvet_view(f"{T}/t12/p")
    expect_eq("corrupt dependency", ([x["id"] for x in res["problems"]], rc), (["bad-file"], 1))
finally:
    shutil.rmtree(W, ignore_errors=True)

print("%d passed, %d failed, %d skipped" % (passes, len(failures), len(skips)))
sys.exit(1 if failures else 0)
