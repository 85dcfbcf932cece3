#!/usr/bin/env bash
# Install what building the page needs, idempotently: the wasm target and wasm-bindgen-cli at
# exactly the version of the wasm-bindgen crate in Cargo.lock (into .tools/, project-local).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target" >&2
  rustup target add wasm32-unknown-unknown
fi

[ -f Cargo.lock ] || cargo generate-lockfile
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$want" ] || { echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
have=$(.tools/bin/wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing wasm-bindgen-cli $want into .tools (about 2-3 minutes, once)" >&2
  # No --locked: the CLI's own lockfile pins a crate version the registry mirror may lack.
  cargo install wasm-bindgen-cli --version "$want" --root .tools --force
fi

command -v python3 >/dev/null || { echo "setup: python3 is needed for scripts/fetch_data.py" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: npm is needed to fetch the data (apt-get install npm)" >&2; exit 1; }
