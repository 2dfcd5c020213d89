#!/usr/bin/env bash
# Regenerates the TypeScript types of the API (clients/typescript/src/schema.d.ts) from the
# document the Api serves. The web UI (web/) and the client compile against this committed file,
# so a build needs no running stack; a test fails when it no longer matches the Api.
# Usage: scripts/generate-client.sh [URL of /openapi/v1.json]   (without: starts the stack once)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
client="$root/clients/typescript"
[ -f "$client/node_modules/.package-lock.json" ] || (cd "$client" && npm ci --no-audit --no-fund)
doc=$(mktemp "${TMPDIR:-/tmp}/ductus-openapi.XXXXXX.json")
trap 'rm -f "$doc"' EXIT
bash "$root/scripts/openapi-document.sh" "$doc" "${1:-}"
(cd "$client" && node node_modules/openapi-typescript/bin/cli.js "$doc" -o src/schema.d.ts)
echo "clients/typescript/src/schema.d.ts regenerated; rebuild the Api (dotnet build) to rebuild the web UI against it"
