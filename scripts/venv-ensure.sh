#!/usr/bin/env bash
# Create .venv from Debian's python3 (so the unoserver server can `import uno`) and install the
# pinned requirements when they changed. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c "import uno" 2>/dev/null; then
  echo "recreating $VENV (it cannot import uno)"; rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
want=$(sha256sum requirements.txt | cut -d' ' -f1)
have=$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "installing Python dependencies (pinned in requirements.txt)"
  "$VENV/bin/pip" install -q -r requirements.txt
  echo "$want" > "$VENV/.requirements.sha256"
fi
