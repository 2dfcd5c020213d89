#!/usr/bin/env bash
# Benchmarks: programs that print numbers and compare against a baseline measured in the same
# run. Usage: bench/run.sh pipeline [rows]   (default 10,000,000 rows; needs npm for the data)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out"
mode=${1:-}
mkdir -p "$out"

build() {
  dotnet build "$root/bench/Bench/Bench.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
  bench="$root/bench/Bench/bin/Release/net10.0/Bench"
}

# Three rounds, each running every step once in a fresh process (so peak memory is its own),
# interleaved so that a busy moment on a shared machine hits all steps alike. Prints one JSON
# line per step: the median run, the peak memory of all runs, and the ratio to the first step
# as the median of the per-round ratios (each round's steps ran back to back).
rounds_of_3() {
  local csv=$1; shift
  local lines=()
  for round in 1 2 3; do
    for step in "$@"; do
      rm -rf "${out:?}/$step"
      lines+=("$("$bench" "$step" "$csv" "$out/$step" | sed "s/^{/{\"round\":$round,/")")
      echo "${lines[-1]}" >&2
    done
  done
  printf '%s\n' "${lines[@]}" | python3 -c '
import json, sys, statistics
runs = [json.loads(l) for l in sys.stdin if l.strip()]
steps = list(dict.fromkeys(r["mode"] for r in runs))
base = {r["round"]: r["rows_per_s"] for r in runs if r["mode"] == steps[0]}
for step in steps:
    mine = sorted((r for r in runs if r["mode"] == step), key=lambda r: r["seconds"])
    m = dict(mine[len(mine) // 2])
    m["peak_mb"] = max(r["peak_mb"] for r in mine)
    m["ratio"] = statistics.median(r["rows_per_s"] / base[r["round"]] for r in mine)
    print(json.dumps(m))'
}

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

case "$mode" in
  pipeline)
    rows=${2:-10000000}
    "$root/scripts/fetch-demo-data.sh" >/dev/null
    build
    csv="$out/flights-$rows.csv"
    [ -f "$csv" ] || "$bench" make-csv "$root/data/vega/flights-3m.parquet" "$csv" "$rows" >&2
    echo "pipeline benchmark on $csv ($(du -h "$csv" | cut -f1)), $(nproc) cores" >&2
    results=$(rounds_of_3 "$csv" duckdb-copy ductus csvhelper)
    raw=$(echo "$results" | sed -n 1p); ductus=$(echo "$results" | sed -n 2p); csvh=$(echo "$results" | sed -n 3p)
    r1=$(field "$ductus" rows_per_s); r2=$(field "$raw" rows_per_s); r3=$(field "$csvh" rows_per_s)
    ratio=$(field "$ductus" ratio); vs_csvh=$(python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$ratio" "$(field "$csvh" ratio)")
    echo "ductus: good $(field "$ductus" good), rejected $(field "$ductus" bad), peak $(field "$ductus" peak_mb) MB; csvhelper: good $(field "$csvh" good), rejected $(field "$csvh" bad), peak $(field "$csvh" peak_mb) MB; duckdb-copy peak $(field "$raw" peak_mb) MB" >&2
    # Ratios are medians of same-round ratios, so they can differ from the ratio of the medians.
    python3 -c "import sys; r1,r2,r3,ratio,vs=map(float,sys.argv[1:]); print(f'pipeline: ductus {r1:,.0f} rows/s, duckdb-copy {r2:,.0f} rows/s, ratio {ratio:.2f}, csvhelper {r3:,.0f} rows/s ({vs:.1f}x)')" "$r1" "$r2" "$r3" "$ratio" "$vs_csvh"
    ;;
  *)
    echo "usage: bench/run.sh pipeline [rows]" >&2
    exit 2
    ;;
esac
