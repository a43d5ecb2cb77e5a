#!/usr/bin/env python3
"""Small edits of an OCI image layout (image-layout.md) that umoci has no command for:
  oci_layout.py variant LAYOUT TAG VARIANT     set the config's platform variant (re-pointing the manifest)
  oci_layout.py index LAYOUT NEWTAG TAG...     add an image index holding TAG... with their platforms
Blobs are content-addressed: every changed document is written as a new blob under its sha256."""
import hashlib
import json
import os
import sys

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
REF = "org.opencontainers.image.ref.name"


def put(layout, obj):
    data = json.dumps(obj, separators=(",", ":")).encode()
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


def get(layout, digest):
    with open(os.path.join(layout, "blobs", *digest.split(":", 1)), "rb") as f:
        return json.load(f)


def main():
    cmd, layout = sys.argv[1], sys.argv[2]
    ipath = os.path.join(layout, "index.json")
    with open(ipath) as f:
        index = json.load(f)
    by_tag = {m.get("annotations", {}).get(REF): m for m in index["manifests"]}
    if cmd == "variant":
        tag, variant = sys.argv[3], sys.argv[4]
        desc = by_tag[tag]
        manifest = get(layout, desc["digest"])
        config = get(layout, manifest["config"]["digest"])
        config["variant"] = variant
        manifest["config"]["digest"], manifest["config"]["size"] = put(layout, config)
        desc["digest"], desc["size"] = put(layout, manifest)
    elif cmd == "index":
        new, tags = sys.argv[3], sys.argv[4:]
        entries = []
        for t in tags:
            desc = by_tag[t]
            config = get(layout, get(layout, desc["digest"])["config"]["digest"])
            plat = {"architecture": config["architecture"], "os": config["os"]}
            if config.get("variant"):
                plat["variant"] = config["variant"]
            entries.append({"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"],
                            "platform": plat})
        digest, size = put(layout, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
        index["manifests"].append({"mediaType": OCI_INDEX, "digest": digest, "size": size,
                                   "annotations": {REF: new}})
    else:
        sys.exit("unknown command " + cmd)
    with open(ipath, "w") as f:
        json.dump(index, f)


main()
