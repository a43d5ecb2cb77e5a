#!/usr/bin/env python3
"""Checks a SARIF 2.1.0 log from `cuvet dockerfile lint --sarif`: the structure the standard
requires (sarif-2.1.0 §3: version, runs[].tool.driver.name, results[].message.text, locations with
artifactLocation.uri and region.startLine >= 1, ruleId/ruleIndex naming a rule of the driver,
level one of none/note/warning/error), and, when CUVET_SARIF_SCHEMA names the OASIS schema file
(sarif-schema-2.1.0.json) and python's jsonschema is importable, validates against it too.

usage: sarif_check.py FILE [MIN_RESULTS]
"""
import json
import os
import sys


def fail(msg):
    print("FAIL", msg)
    sys.exit(1)


def main():
    doc = json.load(open(sys.argv[1]))
    want = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if doc.get("version") != "2.1.0":
        fail("version is not 2.1.0")
    runs = doc.get("runs")
    if not isinstance(runs, list) or len(runs) != 1:
        fail("runs is not a list of one run")
    run = runs[0]
    driver = run.get("tool", {}).get("driver", {})
    if driver.get("name") != "cuvet":
        fail("tool.driver.name")
    rules = driver.get("rules", [])
    ids = [r["id"] for r in rules]
    if len(set(ids)) != len(ids) or not all(i.startswith("CV-D") for i in ids):
        fail("rule ids not unique CV-D…")
    for r in rules:
        if r.get("defaultConfiguration", {}).get("level") not in ("note", "warning", "error"):
            fail(f"rule {r['id']}: level")
    results = run.get("results", [])
    if len(results) < want:
        fail(f"{len(results)} results, want at least {want}")
    for res in results:
        if res.get("level") not in ("none", "note", "warning", "error"):
            fail("result level")
        if not res.get("message", {}).get("text"):
            fail("result without message.text")
        idx = res.get("ruleIndex")
        if idx is None or idx >= len(rules) or rules[idx]["id"] != res.get("ruleId"):
            fail(f"ruleIndex {idx} does not name ruleId {res.get('ruleId')}")
        for loc in res.get("locations", []):
            pl = loc["physicalLocation"]
            if not pl["artifactLocation"].get("uri") or pl["region"].get("startLine", 0) < 1:
                fail("location without uri or startLine")
    schema = os.environ.get("CUVET_SARIF_SCHEMA")
    if schema and os.path.exists(schema):
        try:
            import jsonschema
        except ImportError:
            print("note: jsonschema not importable; structure checked only")
            return 0
        s = json.load(open(schema))
        errs = list(jsonschema.validators.validator_for(s)(s).iter_errors(doc))
        if errs:
            fail(f"schema: {errs[0].message} at {list(errs[0].path)}")
        print(f"valid against {schema}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
