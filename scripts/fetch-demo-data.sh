#!/usr/bin/env bash
# Installs the demo dataset (npm package vega-datasets@3.2.1: 3M real US flights, airports, ...)
# and links its data folder to data/vega/, the source root the demo pipelines read from.
# The data is never committed (data/vega/ is ignored). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Inside data/ so the link below stays within the source root (links out of it are refused).
store="$root/data/.npm"
if [ ! -f "$store/node_modules/vega-datasets/data/flights-3m.parquet" ]; then
  if ! command -v npm >/dev/null; then
    # The stack runs without the demo; the demo specs load once their data is there.
    echo "npm is not installed: the demo data (npm vega-datasets@3.2.1) was not fetched; install Node.js and npm, then rerun $0" >&2
    exit 1
  fi
  mkdir -p "$store"
  npm install --prefix "$store" --no-save --no-audit --no-fund --silent vega-datasets@3.2.1
fi
mkdir -p "$root/data"
ln -sfn "$store/node_modules/vega-datasets/data" "$root/data/vega"
ls -la "$root/data/vega/flights-3m.parquet" "$root/data/vega/airports.csv"
