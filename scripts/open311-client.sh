#!/usr/bin/env bash
# A real Open311 GeoReport v2 client for TestOpen311RealClient:
# codeforamerica's node-open311 (npm package open311@0.0.12) with its
# dependencies from the npm registry. Two of them cannot be had: sparkxml
# is a git dependency (git://github.com/codeforamerica/node-sparkxml.git,
# which no registry serves) and xml2json needs a native build; both only
# read XML, so they are taken out of package.json and their require()s
# replaced by stubs that throw if XML is ever read. The client then speaks
# JSON, as its default format. Prints the directory to export as
# FRONTLINE_OPEN311_CLIENT.
#
#   scripts/open311-client.sh [DIR]     # default: bench/out/open311-client
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-bench/out/open311-client}
rm -rf "$dir" && mkdir -p "$dir/src" "$dir/client"
(cd "$dir/src" && npm pack --silent open311@0.0.12 >/dev/null && tar xzf open311-0.0.12.tgz)
python3 - "$dir/src/package" <<'PY'
import json, sys, os
pkg = sys.argv[1]
p = os.path.join(pkg, "package.json")
d = json.load(open(p))
for k in ("sparkxml", "xml2json"):
    d["dependencies"].pop(k, None)
json.dump(d, open(p, "w"), indent=2)
p = os.path.join(pkg, "open311.js")
s = open(p).read()
for old, new in [
    ("var spark = require('sparkxml');",
     "var spark = {parseXml: function () { throw new Error('sparkxml left out (a git dependency): use format json'); }};"),
    ("var xml2json = require('xml2json'); // used in submitRequest because of ambiguous Spark results",
     "var xml2json = {toJson: function () { throw new Error('xml2json left out (a native build): use format json'); }};"),
]:
    assert old in s, old
    s = s.replace(old, new)
open(p, "w").write(s)
PY
cp scripts/open311-client/read.js "$dir/client/"
(cd "$dir/client" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund --install-links ../src/package >/dev/null)
cd "$dir/client" && pwd
