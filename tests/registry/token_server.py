#!/usr/bin/env python3
"""A Docker registry token service (distribution docs/spec/auth/token.md, jwt.md) for the tests, offline:
  token_server.py PORT KEY.pem CERT.pem ISSUER USER:PASSWORD
GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=…] answers a JWT signed RS256 (openssl dgst
-sign) whose header's "kid" is the libtrust key id of CERT's public key, as docker-registry's token
auth (auth.token.rootcertbundle) looks it up. Anonymous requests get pull on every repository but
private/*, and their answer carries "token"; Basic USER:PASSWORD gets what it asks for, answered as
"access_token" (token.md: the two are equivalent), so a client must read both. A wrong password is
401. Every request is appended to PORT.log beside KEY (the test reads what the client sent)."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, key, cert, issuer, creds = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
log = os.path.join(os.path.dirname(key), "token-%d.log" % port)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def libtrust_kid():
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"], check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub, check=True,
                         capture_output=True).stdout
    s = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i:i + 4] for i in range(0, len(s), 4))


KID = libtrust_kid()


def sign(claims):
    head = b64url(json.dumps({"typ": "JWT", "alg": "RS256", "kid": KID}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=(head + "." + body).encode(),
                         check=True, capture_output=True).stdout
    return head + "." + body + "." + b64url(sig)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        with open(log, "a") as f:
            f.write(json.dumps({"path": url.path, "query": q, "auth": auth.split(" ")[0]}) + "\n")
        user = None
        if auth.startswith("Basic "):
            if base64.b64decode(auth[6:]).decode() != creds:
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"details":"incorrect username or password"}')
                return
            user = creds.split(":")[0]
        access = []
        for scope in q.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind != "repository":
                continue
            acts = actions.split(",") if user else [a for a in actions.split(",") if a == "pull"]
            if not user and name.startswith("private/"):
                acts = []
            access.append({"type": "repository", "name": name, "actions": acts})
        now = int(time.time())
        tok = sign({"iss": issuer, "sub": user or "", "aud": q.get("service", [""])[0], "exp": now + 300,
                    "nbf": now - 10, "iat": now, "jti": "%d-%d" % (now, os.getpid()), "access": access})
        field = "access_token" if user else "token"
        body = json.dumps({field: tok, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
