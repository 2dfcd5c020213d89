#!/usr/bin/env bash
# Lints the Api's OpenAPI document with Redocly's recommended rules (the CLI is pinned in
# clients/typescript/package-lock.json; clients/typescript/redocly.yaml). Errors and warnings
# both fail. The document is the one the Api serves, never a copy kept in the repository.
# Usage: scripts/openapi-lint.sh [URL of /openapi/v1.json]
#   without a URL: starts the stack (built already) with its data in a scratch folder, fetches
#   the document once the Api answers, and stops the stack again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
client="$root/clients/typescript"
limit=240
[ -f "$client/node_modules/.package-lock.json" ] || (cd "$client" && npm ci --no-audit --no-fund)
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

if [ -n "${1:-}" ]; then
  curl -fsS "$1" -o "$doc"
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

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
out=$(cd "$client" && node node_modules/@redocly/cli/bin/cli.js lint --config redocly.yaml "$doc" 2>&1) && status=0 || status=$?
echo "$out"
# Redocly prints other notices with "warning" in them (e.g. about the Node.js version); its count line is what counts.
if [ "$status" -ne 0 ] || echo "$out" | grep -qE "You have [0-9]+ warnings?"; then
  echo "OpenAPI lint failed"
  exit 1
fi
echo "OpenAPI lint: no errors, no warnings"
