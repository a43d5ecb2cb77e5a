#!/usr/bin/env python3
"""A registry that misbehaves on purpose, for what docker-registry never does:
  fake_registry.py PORT
Every /v2/ request needs "Authorization: Bearer T1", got from the realm of a challenge whose quoted
parameters hold an escaped quote, commas and '=' (RFC 7235 quoted-string), and whose realm already
has a query. Repositories (tag "1"):
  good        manifest with its digest, config blob redirected (307) to storage on "localhost"
  nodigest    manifest without Docker-Content-Digest (the client hashes the body)
  lying       Docker-Content-Digest that is not the body's sha256
  badconfig   config blob whose bytes are not its digest
  schema1     a schema 1 manifest
  typemix     Content-Type says index, the body is a manifest
  slow        answers after 3 s
  layer       one gzip tar layer, redirected to storage
  badlayer    a layer blob whose bytes are not its digest
  longlayer   a layer blob longer than the manifest's size
  noservice   needs another token ("Bearer T2"), from a challenge without service whose realm holds a
              scope already, as nvcr.io's does: the client must answer a 401 after the ping too"""
import gzip
import hashlib
import io
import json
import sys
import tarfile
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port = int(sys.argv[1])
REALM = "http://127.0.0.1:%d/auth/token?realm_param=1" % port
SERVICE = 'fake "quoted", registry=1'
CHALLENGE = 'Bearer realm="%s", service="%s",scope="repository:ignored:pull"' % (
    REALM, SERVICE.replace('"', '\\"'))


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def layer_blob():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as t:
        data = b"ID=fake\n"
        info = tarfile.TarInfo("etc/os-release")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0), raw.getvalue()


LAYER, LAYER_TAR = layer_blob()
CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["FAKE=1"]},
                     "rootfs": {"type": "layers", "diff_ids": [digest(LAYER_TAR)]}}).encode()
blobs = {digest(CONFIG): CONFIG, digest(LAYER): LAYER}


def manifest(layers):
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": digest(CONFIG), "size": len(CONFIG)},
                       "layers": layers}).encode()


LDESC = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(LAYER), "size": len(LAYER)}
M = manifest([LDESC])
OCI_M = "application/vnd.oci.image.manifest.v1+json"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/auth/token":
            q = urllib.parse.parse_qs(url.query)
            ok = (q.get("realm_param") == ["1"] and q.get("service") == [SERVICE]
                  and len(q.get("scope", [])) == 1 and q["scope"][0].startswith("repository:")
                  and q["scope"][0].endswith(":pull"))
            return self.send(200, b'{"token":"T1"}') if ok else self.send(400, json.dumps(q).encode())
        if url.path == "/auth/token2":
            q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            ok = ("service" not in q and "" not in q and "&&" not in url.query
                  and q.get("scope") == ["repository:noservice:pull,push", "repository:noservice:pull"])
            return self.send(200, b'{"access_token":"T2"}') if ok else self.send(400, url.query.encode())
        if url.path.startswith("/storage/"):
            d = url.path[len("/storage/"):]
            if self.headers.get("Authorization"):  # the registry's token never goes to storage
                return self.send(400, b"authorization sent to storage")
            body = blobs.get(d, b"")
            if d.startswith("bad-") and d[4:] == digest(LAYER):  # gzip's mtime changed: same files, other bytes
                body = LAYER[:4] + bytes([LAYER[4] ^ 1]) + LAYER[5:]
            elif d.startswith("bad-"):
                body = b"not the bytes" + blobs.get(d[4:], b"")[13:]
            if d.startswith("long-"):
                body = LAYER + b"\0" * 100
            return self.send(200, body, "application/octet-stream")
        if not url.path.startswith("/v2/"):
            return self.send(404)
        if url.path.startswith("/v2/noservice/") and self.headers.get("Authorization") != "Bearer T2":
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                             headers=[("WWW-Authenticate", 'Bearer realm="http://127.0.0.1:%d/auth/token2?'
                                       'scope=repository:noservice:pull,push"' % port)])
        if self.headers.get("Authorization") not in ("Bearer T1", "Bearer T2"):
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                             headers=[("WWW-Authenticate", CHALLENGE)])
        if url.path == "/v2/":
            return self.send(200, b"{}")
        parts = url.path[4:].split("/")
        repo, kind, ref = parts[0], parts[1], parts[2]
        if kind == "blobs":
            prefix = {"badconfig": "bad-", "badlayer": "bad-" if ref == digest(LAYER) else "",
                      "longlayer": "long-" if ref == digest(LAYER) else ""}.get(repo, "")
            if ref not in blobs:
                return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}')
            # storage on another host name, as registries redirect to S3 and the like
            return self.send(307, headers=[("Location", "http://localhost:%d/storage/%s%s" % (port, prefix, ref))])
        body, ctype, hdr = M, OCI_M, [("Docker-Content-Digest", digest(M))]
        if repo in ("good", "noservice"):
            body = manifest([])
            hdr = [("Docker-Content-Digest", digest(body))]
        elif repo == "nodigest":
            body, hdr = manifest([]), []
        elif repo == "lying":
            hdr = [("Docker-Content-Digest", "sha256:" + "0" * 64)]
        elif repo == "schema1":
            body = b'{"schemaVersion":1,"name":"schema1","tag":"1","fsLayers":[]}'
            ctype, hdr = "application/vnd.docker.distribution.manifest.v1+prettyjws", []
        elif repo == "typemix":
            ctype = "application/vnd.oci.image.index.v1+json"
        elif repo == "slow":
            time.sleep(3)
        return self.send(200, body, ctype, hdr)


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
