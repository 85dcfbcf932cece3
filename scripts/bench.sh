#!/usr/bin/env bash
# Print the speed figures: native steps/s, and the page's steps/s, fps and time to accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null 2>&1 || scripts/build.sh
cargo build --release --bin nla 2>/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)"
./target/release/nla bench --seconds 5
(cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund >/dev/null; } && node bench.mjs)
