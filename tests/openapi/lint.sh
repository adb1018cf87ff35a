#!/usr/bin/env bash
# tests/openapi/lint.sh FILE: lints an OpenAPI description with Redocly's
# recommended rules (redocly.yaml beside this script). The linter lives in
# tests/openapi/node_modules, installed from package-lock.json by
# ./deploy/local.sh (npm ci): a missing linter fails the test, it is never
# skipped. Any problem, warnings included, fails it.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)
redocly=$here/node_modules/.bin/redocly
file=${1:?usage: lint.sh OPENAPI_FILE}
if [[ ! -x $redocly ]]; then
    echo "lint.sh: $redocly is missing: ./deploy/local.sh test installs it (npm ci in $here)" >&2
    exit 1
fi
# no telemetry, no update check: the linter answers from this machine alone
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
out=$("$redocly" lint --config "$here/redocly.yaml" --format stylish "$file" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out" | grep -v '[║╔╚]' | grep -v '^[[:space:]]*$' || true
if ((rc)); then
    exit "$rc"
fi
# redocly exits 0 on warnings: the description must be clean of those too
if ! grep -q 'Your API description is valid' <<<"$out" || grep -qE '^[[:space:]]+[0-9]+:[0-9]+[[:space:]]+(error|warning)' <<<"$out"; then
    echo "lint.sh: problems found in $file" >&2
    exit 1
fi
