#!/usr/bin/env bash
# gRPC with outside clients (contract: COMMON e2e — run from the repository root with PY, WORK, ROOT set): a server
# on free ports over a copy of the committed reference models plus a model trained here by Java, then
# tests/e2e/grpc_clients.py with TF Serving's Python API and Triton's client (both pinned in the venv).
set -euo pipefail
: "${PY:?the venv python}" "${WORK:?a fresh temp dir}" "${ROOT:?the repository root}"
cd "$ROOT"
models="$WORK/models"
mkdir -p "$models"
cp -r saved-models/py-* "$models"/
# A Java-trained model: one quick epoch on 1,000 digits is enough for a parity check.
./aebridge train --models "$models" --name java-dense --epochs 1 --limit 1000 > "$WORK/train.log" 2>&1 \
  || { echo "FAIL java-dense trained (see $WORK/train.log)"; tail -20 "$WORK/train.log"; exit 1; }
echo "ok   java-dense trained" ; echo "  (${SECONDS}s: trained)" >&2

token="e2e-grpc-token-$(date +%s%N)"
log="$WORK/server.log"
AEBRIDGE_TOKEN="$token" AEBRIDGE_MAX_BODY_BYTES=32MiB AEBRIDGE_POLL_INTERVAL=0 \
  ./aebridge serve --models "$models" --port 0 --grpc-port -1 > "$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
# shellcheck source=lib/server-ports.bash
source tests/e2e/lib/server-ports.bash
wait_for_ports "$log" "$server" http
if [[ -z $grpc_port ]]; then
  echo "FAIL server started with gRPC (see $log)"; tail -20 "$log"; exit 1
fi
echo "ok   server started (HTTP $http_port, gRPC $grpc_port)"; echo "  (${SECONDS}s: server up)" >&2

# tensorflow-serving-api 2.18's *_pb2.py predate protobuf 5's default (upb) backend; its pure-Python one reads them.
PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python TF_CPP_MIN_LOG_LEVEL=2 \
  "$PY" tests/e2e/grpc_clients.py "$http_port" "$grpc_port" "$token" java-dense "$models/java-dense/1"
