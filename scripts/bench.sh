#!/usr/bin/env bash
# Print the speed figures (one thread): native portable and -C target-cpu=native, a plain numpy
# implementation of the same step, and the page in headless Chromium (wasm + simd128).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null 2>&1 || scripts/build.sh
cargo build --release --bin nla 2>/dev/null
RUSTFLAGS="-C target-cpu=native" cargo build --release --bin nla --target-dir target/native 2>/dev/null
python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy
cores=$(nproc)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1  # one thread, like the Rust step

echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)"
sps() { python3 -c 'import json,sys; print(round(json.load(sys.stdin)["steps_per_s"]))'; }
for net in "784-500-10 --feedback weight-transport" "784-300-10 --feedback microcircuit --interneurons 40" "784-300-10"; do
  set -- $net
  port=$(./target/release/nla bench --layers $net --seconds 5 --json | sps)
  native=$(./target/native/release/nla bench --layers $net --seconds 5 --json | sps)
  line="$*: native portable $port steps/s, target-cpu=native $native steps/s"
  if [ "$*" = "784-500-10 --feedback weight-transport" ]; then
    np=$(python3 bench/numpy_step.py --layers 784-500-10 --seconds 5 | sps)
    line="$line, numpy float32 $np steps/s → ×$(python3 -c "print(round($port/$np,1))") portable, ×$(python3 -c "print(round($native/$np,1))") native"
    weights=$((784*500 + 500*10))
    line="$line; weights $((weights*4/1024)) KiB: one fused read+write pass per step = $((weights*8/1024)) KiB/step, i.e. $(python3 -c "print(round($port*$weights*8/1e9,1))") GB/s at the portable rate (less in fact: silent inputs are skipped)"
  fi
  echo "$line"
  [ "$*" = "784-300-10" ] && default_native=$port
done
session_native=$(./target/release/nla bench --session --seconds 5 --json | sps)
echo "784-300-10, the page's whole learning loop natively (nla bench --session): $session_native steps/s"
(cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund >/dev/null; } && NATIVE_SPS=$default_native NATIVE_SESSION_SPS=$session_native node bench.mjs)
# iEEG task: native (whole run of the CLI) and the page's wall time to a displayed R² > 0.5.
./target/release/nla ieeg --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print("native nla ieeg: %.1f s of simulated training in %.2f s wall; R² %s vs least squares %s" % (r["train_seconds"], r["wall_s"], " / ".join("%.3f" % c["network_r2"] for c in r["hidden"]), " / ".join("%.3f" % c["least_squares_r2"] for c in r["hidden"])))'
(cd tests/browser && node bench_ieeg.mjs)
