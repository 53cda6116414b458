#!/usr/bin/env bash
# The whole suite. Test fixtures start (once per session) and stop every service they need:
# PostgreSQL, the S3 server, unoserver, SMTP, SoftHSM2 tokens, Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest "$@"
