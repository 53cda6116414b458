#!/usr/bin/env bash
# Install the npm packages the browser tests inject (axe-core) from tests/browser/package-lock.json.
# Idempotent: does nothing when node_modules matches the lock file. Needs npm (Node.js).
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"
if ! command -v npm >/dev/null; then
  echo "npm is required for the browser tests (axe-core); install Node.js with npm" >&2
  exit 1
fi
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ -f node_modules/axe-core/axe.min.js ] && cmp -s <(sed -n '/"node_modules\//,$p' package-lock.json) <(sed -n '/"node_modules\//,$p' "$stamp"); then
  exit 0
fi
echo "installing npm packages for the browser tests (tests/browser/package-lock.json)"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
