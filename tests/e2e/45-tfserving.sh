#!/usr/bin/env bash
# End to end: TF Serving's command names (deploy/bin) as a user or an image runs them. Contract: tests/e2e in
# COMMON.md (env PY, WORK, ROOT; one `ok   `/`FAIL ` line per check; non-zero exit when one failed).
#   1. tensorflow_model_server refuses a flag it does not support, by name, with a non-zero exit;
#   2. tf_serving_entrypoint.sh with TF Serving's environment (MODEL_NAME, MODEL_BASE_PATH) serves the model over
#      REST and gRPC; the ports are overridden by arguments appended after the entrypoint's own, as with
#      `docker run IMAGE --rest_api_port=...` (the last value wins, as in tensorflow_model_server), and never the
#      fixed 8500/8501, which another process on this machine may hold;
#   3. :predict answers like TF Serving ({"predictions": [[784 floats]]});
#   4. the Prometheus path of a --monitoring_config_file answers;
#   5. SIGTERM stops the server cleanly (exit 0 or 143, within 30 s).
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
WORK="${WORK:-$(mktemp -d)}"
PY="${PY:-$("$ROOT/scripts/python-env.sh")}"
cd "$ROOT"
failed=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failed=1; }

out="$(deploy/bin/tensorflow_model_server --model_base_path=x --grpc_channel_arguments=a=1 2>&1)" && rc=0 || rc=$?
if [[ $rc != 0 && $out == *"--grpc_channel_arguments is a tensorflow_model_server flag that AE Bridge does not support"* ]]; then
  ok "tensorflow_model_server refuses an unsupported flag by name (exit $rc)"
else
  fail "tensorflow_model_server --grpc_channel_arguments: exit $rc, output: ${out: -300}"
fi

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rest=$(free_port)
grpc=$(free_port)
mkdir -p "$WORK/models"
cp -r saved-models/py-demo-tf-module "$WORK/models/digits"
printf 'prometheus_config { enable: true path: "/monitoring/prometheus/metrics" }\n' > "$WORK/monitoring.config"

MODEL_NAME=digits MODEL_BASE_PATH="$WORK/models" AEBRIDGE_HOST=127.0.0.1 AEBRIDGE_HEAP=256m \
  deploy/bin/tf_serving_entrypoint.sh --rest_api_port="$rest" --port="$grpc" \
  --monitoring_config_file="$WORK/monitoring.config" > "$WORK/server.log" 2>&1 &
pid=$!
trap 'kill -KILL "$pid" 2>/dev/null || true' EXIT

"$PY" - "$rest" "$grpc" <<'EOF' && ok "entrypoint: REST :predict answers like TF Serving, gRPC port open, Prometheus path served" || fail "entrypoint: see $WORK/server.log"
import json, socket, sys, time, urllib.request
rest, grpc = int(sys.argv[1]), int(sys.argv[2])
base = f"http://127.0.0.1:{rest}"
deadline = time.time() + 180
while True:
    try:
        if urllib.request.urlopen(base + "/v2/health/ready", timeout=2).status == 200:
            break
    except Exception:
        pass
    if time.time() > deadline:
        sys.exit("not ready after 180 s")
    time.sleep(0.2)
status = json.load(urllib.request.urlopen(base + "/v1/models/digits"))
assert status["model_version_status"][0]["state"] == "AVAILABLE", status
body = json.dumps({"instances": [[0.0] * 784]}).encode()
out = json.load(urllib.request.urlopen(urllib.request.Request(base + "/v1/models/digits:predict", data=body)))
assert len(out["predictions"]) == 1 and len(out["predictions"][0]) == 784, str(out)[:200]
metrics = urllib.request.urlopen(base + "/monitoring/prometheus/metrics").read().decode()
assert "aebridge_models_loaded" in metrics, metrics[:200]
# The gRPC port opens right after the HTTP side reports ready (ModelServer starts it last): allow a moment.
while True:
    try:
        socket.create_connection(("127.0.0.1", grpc), timeout=5).close()
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
EOF

kill -TERM "$pid"
rc=0
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  fail "SIGTERM: still running after 30 s"
else
  wait "$pid" || rc=$?
  if [[ $rc == 0 || $rc == 143 ]]; then ok "SIGTERM stops the server cleanly (exit $rc)"; else fail "SIGTERM: exit $rc"; fi
fi
trap - EXIT
exit $failed
