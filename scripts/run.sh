#!/usr/bin/env bash
# `make run`: migrate, seed the demo once, start the converter supervisor and the web server.
# Stays in the foreground; Ctrl-C or SIGTERM stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export KHD_DATA_DIR="${KHD_DATA_DIR:-$PWD/storage}"
PORT="${PORT:-5000}"
INSTANCES="${KHD_CONVERTER_INSTANCES:-1}"
BASE_PORT="${KHD_CONVERTER_BASE_PORT:-2003}"
if [ -z "${KHD_CONVERTER_ENDPOINTS:-}" ]; then
  eps=()
  for ((i = 0; i < INSTANCES; i++)); do eps+=("127.0.0.1:$((BASE_PORT + i))"); done
  KHD_CONVERTER_ENDPOINTS=$(IFS=,; echo "${eps[*]}")
  export KHD_CONVERTER_ENDPOINTS
fi
mkdir -p "$KHD_DATA_DIR"
FLASK=".venv/bin/flask --app app"
$FLASK db upgrade
$FLASK demo seed --if-empty
$FLASK demo info

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  exit 0
}
trap cleanup INT TERM EXIT

if [ -z "${KHD_TRUST_ROOTS:-}" ]; then
  # Demo PKI server: CRLs, OCSP and the RFC 3161 TSA named in the demo certificates.
  PKI_URL="${KHD_PKI_URL:-http://127.0.0.1:5081}"
  PKI_PORT="${PKI_URL##*:}"; PKI_PORT="${PKI_PORT%%/*}"
  .venv/bin/python -m khuyenhoc_docs.pki_server --pki-dir "${KHD_DEMO_PKI_DIR:-$KHD_DATA_DIR/pki}" \
    --port "$PKI_PORT" --base-url "$PKI_URL" &
  pids+=($!)
fi
.venv/bin/python -m khuyenhoc_docs.conversion.supervisor --instances "$INSTANCES" \
  --base-port "$BASE_PORT" --workdir "$KHD_DATA_DIR/run/converter" &
pids+=($!)
.venv/bin/huey_consumer khuyenhoc_docs.jobs.huey --workers 2 --worker-type thread &
pids+=($!)
.venv/bin/gunicorn --workers 2 --threads 4 --timeout 120 --bind "127.0.0.1:$PORT" \
  --access-logfile - app:app &
pids+=($!)
echo "khuyenhoc_docs: http://127.0.0.1:$PORT  (Ctrl-C to stop)"
# Stop everything as soon as either child exits.
wait -n
