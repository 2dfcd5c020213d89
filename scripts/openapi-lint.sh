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
[ -f "$client/node_modules/.package-lock.json" ] || (cd "$client" && npm ci --no-audit --no-fund)
doc=$(mktemp "${TMPDIR:-/tmp}/ductus-openapi.XXXXXX.json")
trap 'rm -f "$doc"' EXIT
bash "$root/scripts/openapi-document.sh" "$doc" "${1:-}"

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
out=$(cd "$client" && node node_modules/@redocly/cli/bin/cli.js lint --config redocly.yaml "$doc" 2>&1) && status=0 || status=$?
echo "$out"
# Redocly prints other notices with "warning" in them (e.g. about the Node.js version); its count line is what counts.
if [ "$status" -ne 0 ] || echo "$out" | grep -qE "You have [0-9]+ warnings?"; then
  echo "OpenAPI lint failed"
  exit 1
fi
echo "OpenAPI lint: no errors, no warnings"
