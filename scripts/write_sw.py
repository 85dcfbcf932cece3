#!/usr/bin/env python3
"""Write <dist>/sw.js from www/sw.js: the build id (a hash of every file's path and bytes) and
the list of files to cache for offline use. Called by scripts/build.sh on the assembled dist."""
import hashlib
import json
import pathlib
import sys

dist = pathlib.Path(sys.argv[1])
template = (dist / "www" / "sw.js").read_text()
(dist / "www" / "sw.js").unlink()  # only the filled-in copy at the root is ever registered
files = sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file())
h = hashlib.sha256()
for f in files:
    h.update(f.encode() + b"\0" + (dist / f).read_bytes() + b"\0")
build = h.hexdigest()[:16]
out = template.replace('"__BUILD__"', json.dumps(build)).replace('["__ASSETS__"]', json.dumps(files))
assert "__BUILD__" not in out and "__ASSETS__" not in out, "www/sw.js placeholders changed"
(dist / "sw.js").write_text(out)
size = sum((dist / f).stat().st_size for f in files)
print(f"build: sw.js caches {len(files)} files ({size / 1e6:.1f} MB) for offline use, build {build}", file=sys.stderr)
