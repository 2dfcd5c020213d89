#!/usr/bin/env bash
# Writes the Api's OpenAPI document (the one the Api serves, never a copy kept in the repository)
# to OUT. Usage: scripts/openapi-document.sh OUT [URL of /openapi/v1.json]
#   without a URL: starts the stack (built already) with its data in a scratch folder, fetches
#   the document once the Api answers, and stops the stack again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
limit=240
work=$(mktemp -d "${TMPDIR:-/tmp}/ductus-openapi.XXXXXX")
chmod 755 "$work"   # the postgres user must reach the data folder inside
doc="$work/openapi.json"
pid=""
stop() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT

if [ -n "${2:-}" ]; then
  curl -fsS "$2" -o "$doc"
else
  mkdir -p "$work/data" "$work/pipelines"
  setsid env ASPIRE_ALLOW_UNSECURED_TRANSPORT=true dotnet run --project "$root/AppHost" --no-build -- \
    "--Ductus:DataDir=$work/data" "--Ductus:PipelinesFolder=$work/pipelines" --Ductus:DemoData=false \
    > "$work/stack.log" 2>&1 &
  pid=$!
  t0=$(date +%s)
  # The AppHost writes the Api's address into stack.json; the Api serves the document once up.
  until api=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['api'])" "$work/data/stack.json" 2>/dev/null) \
        && curl -fsS --max-time 5 "$api/openapi/v1.json" -o "$doc" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$work/stack.log"; echo "the AppHost exited before the Api answered"; exit 1; }
    [ $(( $(date +%s) - t0 )) -lt "$limit" ] || { tail -30 "$work/stack.log"; echo "no OpenAPI document after ${limit}s"; exit 1; }
    sleep 2
  done
  echo "document fetched from $api after $(( $(date +%s) - t0 ))s"
fi

cp "$doc" "$out"
