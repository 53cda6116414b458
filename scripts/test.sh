#!/usr/bin/env bash
# The whole suite. Test fixtures start (once per session) and stop every service they need:
# PostgreSQL, the S3 server, unoserver, SMTP, SoftHSM2 tokens, Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/npm-ensure.sh  # axe-core, injected by the browser story (tests/browser/test_story.py)
exec .venv/bin/python -m pytest "$@"
