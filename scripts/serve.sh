#!/usr/bin/env bash
# Build the page and serve dist/ on http://127.0.0.1:8000 (any static server works the same).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
port="${PORT:-8000}"
echo "serve: open http://127.0.0.1:$port/ (Ctrl-C stops)" >&2
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory dist
