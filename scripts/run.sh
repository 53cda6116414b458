#!/usr/bin/env bash
# `make run`: migrate, seed the demo once, start the converter supervisor and the web server.
# Stays in the foreground; Ctrl-C or SIGTERM stops everything it started (exit 0). When a child
# stops on its own (a port in use, a crash), the others are stopped and the script exits non-zero
# naming the child and its status.
set -euo pipefail
cd "$(dirname "$0")/.."
export KHD_DATA_DIR="${KHD_DATA_DIR:-$PWD/storage}"
PORT="${PORT:-5000}"
export PORT  # config.py derives the recipients' link address from it unless KHD_BASE_URL is set
INSTANCES="${KHD_CONVERTER_INSTANCES:-1}"
PY=.venv/bin/python
if [ -n "${KHD_CONVERTER_BASE_PORT:-}" ]; then
  BASE_PORT="$KHD_CONVERTER_BASE_PORT"
else
  # Each instance needs two ports (XML-RPC and UNO): pick a free run so two services can coexist.
  BASE_PORT=$($PY -m khuyenhoc_docs.conversion.ports $((2 * INSTANCES)))
fi
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

declare -A names=()
stopping=0
stop_children() {
  for pid in "${!names[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
on_signal() {
  stopping=1
  trap - INT TERM
  stop_children
  exit 0
}
trap on_signal INT TERM

if [ -z "${KHD_TRUST_ROOTS:-}" ]; then
  # Demo PKI server: CRLs, OCSP and the RFC 3161 TSA named in the demo certificates.
  PKI_URL="${KHD_PKI_URL:-http://127.0.0.1:5081}"
  PKI_PORT="${PKI_URL##*:}"; PKI_PORT="${PKI_PORT%%/*}"
  .venv/bin/python -m khuyenhoc_docs.pki_server --pki-dir "${KHD_DEMO_PKI_DIR:-$KHD_DATA_DIR/pki}" \
    --port "$PKI_PORT" --base-url "$PKI_URL" &
  names[$!]="demo PKI server (port $PKI_PORT)"
fi
$PY -m khuyenhoc_docs.conversion.supervisor --instances "$INSTANCES" \
  --base-port "$BASE_PORT" --workdir "$KHD_DATA_DIR/run/converter" &
names[$!]="converter supervisor (ports from $BASE_PORT)"
.venv/bin/huey_consumer khuyenhoc_docs.jobs.huey --workers 2 --worker-type thread &
names[$!]="job worker (huey)"
# glibc's malloc (read by glibc at process start, not by config.py): at most 2 heap arenas per
# process instead of 8 per core, so a worker's 4 threads don't each keep a signing request's peak.
MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" .venv/bin/gunicorn --workers 2 --threads 4 --timeout 120 --bind "127.0.0.1:$PORT" \
  --access-logfile - app:app &
names[$!]="web server (gunicorn on 127.0.0.1:$PORT)"
echo "khuyenhoc_docs: http://127.0.0.1:$PORT  (converter on 127.0.0.1:$BASE_PORT; Ctrl-C to stop)"

# Stop everything as soon as any child exits, and say which one and why.
status=0
wait -n -p done_pid || status=$?
[ "$stopping" = 1 ] && exit 0
done_pid="${done_pid:-0}"
who="${names[$done_pid]:-a child process}"
unset "names[$done_pid]"
echo "khuyenhoc_docs: $who stopped (exit status $status); stopping the others." >&2
stop_children
exit $(( status == 0 ? 1 : status ))
