#!/usr/bin/env bash
# Build the page into dist/: release wasm, wasm-bindgen --target web, the data, the static files.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
python3 scripts/fetch_data.py

cargo build --lib --release --target wasm32-unknown-unknown
rm -rf dist.tmp && mkdir -p dist.tmp/pkg dist.tmp/data
.tools/bin/wasm-bindgen --target web --no-typescript --out-dir dist.tmp/pkg \
  target/wasm32-unknown-unknown/release/nla_playground.wasm
cp index.html dist.tmp/
cp -r www dist.tmp/www
cp -r data/mnist dist.tmp/data/mnist
cp -r data/ieeg dist.tmp/data/ieeg
python3 scripts/write_sw.py dist.tmp # the offline service worker, at the root so it covers the page
rm -rf dist && mv dist.tmp dist
echo "build: dist/ ready ($(du -sh dist | cut -f1); wasm $(du -h dist/pkg/nla_playground_bg.wasm | cut -f1))" >&2
