#!/usr/bin/env bash
# Smoke test of deploy/k8s/base/deployment.yaml with `podman kube play` (no cluster needed): the Deployment as
# written — its command, security context (non-root, read-only root fs, no capabilities), the /tmp emptyDir — with
# only what a local run must change: the image (localhost/aebridge:latest, from deploy/image/build.sh), one replica,
# the models PVC replaced by a read-only hostPath of three committed models, and a host port on 127.0.0.1.
# Checks: ready, non-root, read-only root fs, :predict answers, SIGTERM stops it cleanly (the server's drain, not a
# kill), `podman kube down` removes it.
# Prints `ok   …`/`FAIL …` lines; exit 1 on a failure. On demand (root, podman; about a minute).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CONTAINERS_CONF="$root/deploy/image/containers.conf"
py="${PY:-$root/.venv/bin/python}"
image="${IMAGE:-localhost/aebridge:latest}"
work="$(mktemp -d)"
failed=0
ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; failed=1; }

podman image exists "$image" || { fail "image $image not found: run deploy/image/build.sh first"; exit 1; }
mkdir -p "$work/models"
for m in py-demo-tf-keras py-deep-tf-keras py-conv-tf-keras; do cp -r "$root/saved-models/$m" "$work/models/"; done
chmod -R a+rX "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$py" - "$root/deploy/k8s/base/deployment.yaml" "$work/play.yaml" "$image" "$work/models" "$port" <<'EOF'
import sys, yaml
src, dst, image, models, port = sys.argv[1:]
d = yaml.safe_load(open(src))
d["metadata"]["name"] = "aebridge-play"
d["spec"]["replicas"] = 1
pod = d["spec"]["template"]["spec"]
c = pod["containers"][0]
c["image"] = image
for p in c["ports"]:
    if p["name"] == "http":
        p["hostPort"] = int(port)
        p["hostIP"] = "127.0.0.1"
pod["volumes"] = [v for v in pod["volumes"] if v["name"] != "models"] + [
    {"name": "models", "hostPath": {"path": models, "type": "Directory"}}]
yaml.safe_dump(d, open(dst, "w"), sort_keys=False)
EOF
cleanup() { podman kube down "$work/play.yaml" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

t0=$(date +%s.%N)
if ! (cd "$work" && podman kube play --build=false --quiet "$work/play.yaml") > "$work/play.out" 2>&1; then
  fail "podman kube play refused the Deployment:"; sed 's/^/     /' "$work/play.out"; exit 1
fi
ctr=$(podman ps --filter label=app=aebridge --filter name=aebridge-play --format '{{.Names}}' | grep -v infra | head -1)
ready=""
for _ in $(seq 1 900); do
  if curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1; then
    ready=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')"); break
  fi
  sleep 0.2
done
if [[ -n $ready ]]; then ok "kube play: Deployment ready ${ready} s after play (container $ctr)"
else fail "kube play: not ready within 180 s"; podman logs "$ctr" 2>&1 | tail -20; exit 1; fi

[[ $(podman exec "$ctr" id -u) == 10001 ]] && ok "kube play: runs as uid 10001" || fail "kube play: not uid 10001"
if podman exec "$ctr" touch /opt/aebridge/x 2>/dev/null; then fail "kube play: root fs writable"
else ok "kube play: readOnlyRootFilesystem honoured"; fi
python3 -c "import json; print(json.dumps({'instances': [[0.5] * 784]}))" > "$work/req.json"
code=$(curl -s -o "$work/resp.json" -w '%{http_code}' -d @"$work/req.json" \
  "http://127.0.0.1:$port/v1/models/py-deep-tf-keras:predict")
[[ $code == 200 ]] && ok "kube play: :predict answers 200" || fail "kube play: :predict answered $code"

# What the kubelet does at the end of the grace period: SIGTERM, then SIGKILL after terminationGracePeriodSeconds.
# (podman does not run preStop hooks; the server's own drain is what is checked here.)
grace=$(grep -m1 'terminationGracePeriodSeconds' "$work/play.yaml" | awk '{print $2}')
pod=$(podman inspect -f '{{.Pod}}' "$ctr")
t1=$(date +%s.%N)
podman pod stop -t "$grace" "$pod" >/dev/null 2>&1  # (its healthcheck-timer noise: no systemd here)
stop_s=$(python3 -c "import time; print(f'{time.time() - $t1:.1f}')")
code=$(podman inspect -f '{{.State.ExitCode}}' "$ctr")
if podman logs "$ctr" 2>&1 | grep -q "Model server stopped" && [[ $code != 137 ]]; then
  ok "pod stop: SIGTERM drained and stopped the server in ${stop_s} s (exit $code, not killed; grace ${grace} s)"
else
  fail "pod stop: no clean stop (exit $code after ${stop_s} s)"; podman logs "$ctr" 2>&1 | tail -5
fi
podman kube down "$work/play.yaml" >/dev/null 2>&1 && ok "kube down: removed" || fail "kube down failed"
exit $failed
