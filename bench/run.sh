#!/usr/bin/env bash
# Benchmarks: programs that print numbers and compare against a baseline measured in the same
# run. Usage: bench/run.sh pipeline [rows]   (default 10,000,000 rows; needs npm for the data)
#             bench/run.sh query [rounds]     (default 7; needs a running stack)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out"
mode=${1:-}
mkdir -p "$out"

build() {
  dotnet build "$root/bench/Bench/Bench.csproj" -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
  bench="$root/bench/Bench/bin/Release/net10.0/Bench"
}

# Median of three runs of one step, each in a fresh process so peak memory is its own.
median_of_3() {
  local step=$1 csv=$2 results=()
  for i in 1 2 3; do
    rm -rf "$out/$step"
    results+=("$("$bench" "$step" "$csv" "$out/$step")")
  done
  printf '%s\n' "${results[@]}" >&2
  printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
runs = [json.loads(l) for l in sys.stdin if l.strip()]
runs.sort(key=lambda r: r["seconds"])
m = runs[len(runs) // 2]
m["peak_mb"] = max(r["peak_mb"] for r in runs)
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
    raw=$(median_of_3 duckdb-copy "$csv")
    ductus=$(median_of_3 ductus "$csv")
    csvh=$(median_of_3 csvhelper "$csv")
    r1=$(field "$ductus" rows_per_s); r2=$(field "$raw" rows_per_s); r3=$(field "$csvh" rows_per_s)
    echo "ductus: good $(field "$ductus" good), rejected $(field "$ductus" bad), peak $(field "$ductus" peak_mb) MB; csvhelper: good $(field "$csvh" good), rejected $(field "$csvh" bad), peak $(field "$csvh" peak_mb) MB; duckdb-copy peak $(field "$raw" peak_mb) MB" >&2
    python3 -c "import sys; r1,r2,r3=map(float,sys.argv[1:]); print(f'pipeline: ductus {r1:,.0f} rows/s, duckdb-copy {r2:,.0f} rows/s, ratio {r1/r2:.2f}, csvhelper {r3:,.0f} rows/s ({r1/r3:.1f}x)')" "$r1" "$r2" "$r3"
    ;;
  query)
    # Against a running stack (dotnet run --project AppHost): the demo flights dataset (3M rows)
    # and flights_10m (made here from it, loaded through a pipeline the bench creates).
    rounds=${2:-7}
    "$root/scripts/fetch-demo-data.sh" >/dev/null
    build
    api=${DUCTUS_API:-http://localhost:5180}
    stack=${DUCTUS_STACK:-$root/.ductus/stack.json}
    key=${DUCTUS_ADMIN_KEY:-$(cd "$root/AppHost" && dotnet user-secrets list 2>/dev/null | sed -n 's/^Parameters:admin-key = //p')}
    curl -fsS "$api/health" >/dev/null || { echo "no stack answers at $api: start it with 'dotnet run --project AppHost'" >&2; exit 1; }
    echo "query benchmark against $api, $rounds rounds, $(nproc) cores" >&2
    "$bench" query "$api" "$key" "$stack" "$root/data" "$rounds" 50 10
    ;;
  *)
    echo "usage: bench/run.sh pipeline [rows] | query [rounds]" >&2
    exit 2
    ;;
esac
