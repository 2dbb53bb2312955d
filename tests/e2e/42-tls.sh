#!/usr/bin/env bash
# TLS with outside clients (contract: COMMON e2e — run from the repository root with PY, WORK, ROOT set): openssl
# mints a CA, a server certificate (EC key, OpenSSL's "EC PRIVATE KEY" form) and a client certificate; the server
# runs with mutual TLS required on both ports; curl speaks HTTPS, Python grpcio (TF Serving's API) and
# tritonclient.grpc speak gRPC over TLS, with the client certificate and without it (which must be refused).
# Its time is mostly the JVM starting and one model loading (the jar is built once by ./aebridge when stale).
set -euo pipefail
: "${PY:?the venv python}" "${WORK:?a fresh temp dir}" "${ROOT:?the repository root}"
cd "$ROOT"
# The test command installs what it needs: Debian's openssl CLI when missing (root, as for chromium).
if ! command -v openssl > /dev/null && [[ $(id -u) -eq 0 ]]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl) > "$WORK/apt-openssl.log" 2>&1 \
    || cat "$WORK/apt-openssl.log"
fi
command -v openssl > /dev/null || { echo "FAIL openssl is on PATH (apt-get install openssl; needs root)"; exit 1; }
command -v curl > /dev/null || { echo "FAIL curl is on PATH (apt-get install curl)"; exit 1; }
pki="$WORK/pki"
mkdir -p "$pki"
(
  cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=aebridge e2e CA"
  openssl ecparam -name prime256v1 -genkey -noout -out server.key
  openssl req -new -key server.key -out server.csr -subj "/CN=localhost"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
    -extfile server.ext
  openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=e2e client"
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2
) > "$WORK/openssl.log" 2>&1 || { echo "FAIL openssl minted the test certificates (see $WORK/openssl.log)"; exit 1; }
grep -q "BEGIN EC PRIVATE KEY" "$pki/server.key" && echo "ok   certificates minted (server key: EC PRIVATE KEY)"

model=py-demo-tf-module
models="$WORK/models"
mkdir -p "$models"
cp -r "saved-models/$model" "$models/"
log="$WORK/server.log"
AEBRIDGE_POLL_INTERVAL=0 ./aebridge serve --models "$models" --port 0 --grpc-port -1 \
  --tls-cert "$pki/server.crt" --tls-key "$pki/server.key" --tls-client-ca "$pki/ca.crt" > "$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
# shellcheck source=lib/server-ports.bash
source tests/e2e/lib/server-ports.bash
wait_for_ports "$log" "$server" https
if [[ -z $grpc_port || ! $http_port =~ ^[0-9]+$ ]]; then
  echo "FAIL server started with HTTPS and gRPC over TLS (see $log)"; tail -20 "$log"; exit 1
fi
echo "ok   server started (HTTPS $http_port, gRPC over TLS $grpc_port)"

fail=0
url="https://localhost:$http_port/v1/models/$model"
status=$(curl -sS -o "$WORK/status.json" -w '%{http_code}' --cacert "$pki/ca.crt" --cert "$pki/client.crt" \
  --key "$pki/client.key" "$url" || true)
if [[ $status == 200 ]] && grep -q AVAILABLE "$WORK/status.json"; then
  echo "ok   curl HTTPS with a client certificate: 200"
else
  echo "FAIL curl HTTPS with a client certificate: got '$status'"; fail=1
fi
if curl -sS -o /dev/null --cacert "$pki/ca.crt" "$url" 2> "$WORK/curl-nocert.err"; then
  echo "FAIL curl without a client certificate was refused (it was answered)"; fail=1
else
  echo "ok   curl without a client certificate refused ($(head -c 120 "$WORK/curl-nocert.err" | tr '\n' ' '))"
fi
if curl -sS -o /dev/null "$url" 2> /dev/null; then
  echo "FAIL curl that does not trust the CA refused the server"; fail=1
else
  echo "ok   curl that does not trust the CA refuses the server"
fi

PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python TF_CPP_MIN_LOG_LEVEL=2 \
  "$PY" - "$grpc_port" "$pki" "$model" <<'PYEOF' || fail=1
import sys
import grpc
import tritonclient.grpc as triton
from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc

port, pki, model = sys.argv[1], sys.argv[2], sys.argv[3]
read = lambda name: open(f"{pki}/{name}", "rb").read()
failed = False

def check(ok, text):
    global failed
    print(("ok   " if ok else "FAIL ") + text)
    failed |= not ok

def status(creds):
    with grpc.secure_channel(f"localhost:{port}", creds) as channel:
        stub = model_service_pb2_grpc.ModelServiceStub(channel)
        request = get_model_status_pb2.GetModelStatusRequest()
        request.model_spec.name = model
        return stub.GetModelStatus(request, timeout=30)

with_cert = grpc.ssl_channel_credentials(read("ca.crt"), read("client.key"), read("client.crt"))
states = [v.state for v in status(with_cert).model_version_status]
check(states == [30], f"grpcio (TF Serving API) GetModelStatus over mutual TLS: AVAILABLE (states {states})")
try:
    status(grpc.ssl_channel_credentials(read("ca.crt")))
    check(False, "grpcio without a client certificate is refused (it was answered)")
except grpc.RpcError as e:
    check(e.code() == grpc.StatusCode.UNAVAILABLE, f"grpcio without a client certificate refused: {e.code()}")

client = triton.InferenceServerClient(f"localhost:{port}", ssl=True, root_certificates=f"{pki}/ca.crt",
                                      private_key=f"{pki}/client.key", certificate_chain=f"{pki}/client.crt")
check(client.is_server_live() and client.is_model_ready(model), "tritonclient.grpc over mutual TLS: live, model ready")
try:
    triton.InferenceServerClient(f"localhost:{port}", ssl=True,
                                 root_certificates=f"{pki}/ca.crt").is_server_live()
    check(False, "tritonclient.grpc without a client certificate is refused (it was answered)")
except Exception as e:  # tritonclient wraps the gRPC error in its own exception
    check("UNAVAILABLE" in str(e) or "unavailable" in str(e).lower(),
          f"tritonclient.grpc without a client certificate refused: {str(e)[:100]}")
sys.exit(1 if failed else 0)
PYEOF
exit $fail
