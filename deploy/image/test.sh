#!/usr/bin/env bash
# Runs the image built by deploy/image/build.sh with podman, as a Deployment would: read-only root file system, only
# /tmp writable (a 64 MiB tmpfs, like the manifests' emptyDir), three models mounted read-only at /models, as the
# image's non-root user. Checks: ready, :predict answers 784 values, nothing but /tmp was written, SIGTERM stops it
# cleanly within the drain time; reports the cold start and the image size (uncompressed, and gzip-compressed as a
# registry stores it). Prints `ok   …`/`FAIL …` lines, writes deploy/image/results/image-<date>.json (+ .log) and
# exits non-zero if a check failed. On demand (about 1-2 minutes; not in the test command: it needs root and podman).
#
#   deploy/image/test.sh                 # tests localhost/aebridge:latest
#   IMAGE=localhost/aebridge:0.1.0 deploy/image/test.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CONTAINERS_CONF="$root/deploy/image/containers.conf"
image="${IMAGE:-localhost/aebridge:latest}"
work="$(mktemp -d)"
name="aebridge-test-$$"
results="$root/deploy/image/results"
mkdir -p "$results"
stamp=$(date -u +%Y-%m-%d)
log="$results/image-$stamp.log"
: > "$log"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cat /proc/loadavg)
t_start=$(date +%s.%N)
failed=0
declare -A fig
ok()   { echo "ok   $*" | tee -a "$log"; }
fail() { echo "FAIL $*" | tee -a "$log"; failed=1; }
cleanup() { podman rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

podman image exists "$image" || { fail "image $image not found: run deploy/image/build.sh first"; exit 1; }

# Three of the committed models, the same three kinds the cold-start benchmark uses (dense, deep, conv).
for m in py-demo-tf-keras py-deep-tf-keras py-conv-tf-keras; do
  cp -r "$root/saved-models/$m" "$work/"
done
chmod -R a+rX "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

t0=$(date +%s.%N)
podman run -d --name "$name" --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,size=64m,mode=1777 \
  --cap-drop ALL --security-opt no-new-privileges \
  -v "$work:/models:ro" -p "127.0.0.1:$port:8501" \
  --entrypoint '["java", "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "-jar", "/opt/aebridge/aebridge.jar"]' \
  "$image" serve --host 0.0.0.0 --port 8501 --models /models >>"$log" 2>&1
ready=""
for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1; then
    ready=$(python3 -c "import time; print(f'{time.time() - $t0:.2f}')"); break
  fi
  [[ $(podman inspect -f '{{.State.Running}}' "$name" 2>/dev/null) == true ]] || break
  sleep 0.1
done
if [[ -n $ready ]]; then ok "ready (/v2/health/ready 200) ${ready} s after podman run"; fig[cold_start_s]=$ready
else fail "not ready within 60 s"; podman logs "$name" 2>&1 | tail -20 | tee -a "$log"; exit 1; fi

user=$(podman exec "$name" id -u)
[[ $user == 10001 ]] && ok "runs as uid $user (non-root)" || fail "runs as uid $user, expected 10001"

python3 -c "import json; print(json.dumps({'instances': [[0.5] * 784]}))" > "$work.req"
code=$(curl -s -o "$work.resp" -w '%{http_code}' -d @"$work.req" "http://127.0.0.1:$port/v1/models/py-demo-tf-keras:predict")
n=$(python3 -c "import json; print(len(json.load(open('$work.resp'))['predictions'][0]))" 2>/dev/null || echo 0)
[[ $code == 200 && $n == 784 ]] && ok ":predict answers 200 with 784 values" || fail ":predict answered $code with $n values"
rm -f "$work.req" "$work.resp"

if podman exec "$name" sh -c 'touch /opt/aebridge/x' 2>/dev/null; then fail "root file system is writable"
else ok "root file system is read-only"; fi
if podman exec "$name" sh -c 'touch /models/x' 2>/dev/null; then fail "/models is writable"
else ok "/models is read-only"; fi
changes=$(podman diff "$name" | grep -v -E '^[ACD] /(tmp|models|etc|etc/hosts|etc/resolv.conf|etc/hostname|run)$' || true)
[[ -z $changes ]] && ok "podman diff: nothing written outside /tmp (podman's own /etc/hosts, resolv.conf, hostname aside)" || fail "files changed: $changes"
tmp_kb=$(podman exec "$name" du -sk /tmp | cut -f1)
fig[tmp_used_kib]=$tmp_kb
ok "/tmp holds ${tmp_kb} KiB after start and a request (tmpfs limit 64 MiB)"
rss_kb=$(podman exec "$name" sh -c 'grep VmRSS /proc/1/status' | awk '{print $2}')
fig[rss_mib_after_start]=$((rss_kb / 1024))

t_term=$(date +%s.%N)
podman kill --signal TERM "$name" >/dev/null
exit_code=$(timeout 30 podman wait "$name" || echo timeout)
stop_s=$(python3 -c "import time; print(f'{time.time() - $t_term:.2f}')")
fig[stop_s]=$stop_s
if podman logs "$name" 2>&1 | grep -q "Model server stopped"; then
  ok "SIGTERM: drained and stopped in ${stop_s} s (exit $exit_code: the JVM's 128+15 after its shutdown hooks)"
else
  fail "SIGTERM: no clean stop (exit $exit_code after ${stop_s} s)"
fi
podman logs "$name" >>"$log" 2>&1

size=$(podman image inspect --format '{{.Size}}' "$image")
fig[size_mb_uncompressed]=$((size / 1000000))
# Compressed size: what a registry stores and a node pulls (gzip layers, as podman push writes them).
rm -rf "$work/oci"
podman push --quiet --compression-format gzip "$image" "oci:$work/oci:img" >/dev/null 2>&1 || true
if [[ -d $work/oci/blobs ]]; then
  fig[size_mb_compressed]=$(( $(du -sb "$work/oci/blobs" | cut -f1) / 1000000 ))
fi
ok "image size ${fig[size_mb_uncompressed]} MB uncompressed, ${fig[size_mb_compressed]:-?} MB compressed (goal 350 MB)"

seconds=$(python3 -c "import time; print(round(time.time() - $t_start, 1))")
figs=""
for k in "${!fig[@]}"; do figs+="\"$k\": ${fig[$k]}, "; done
cat > "$results/image-$stamp.json" <<EOF
{"check": "image", "command": "deploy/image/test.sh", "started": "$started", "seconds": $seconds,
 "machine": {"nproc": $(nproc), "loadavg_start": "$load_start", "loadavg_end": "$(cat /proc/loadavg)"},
 "passed": $([[ $failed == 0 ]] && echo true || echo false),
 "figures": {${figs%, }, "image": "$image"},
 "summary": "read-only root fs, non-root, 3 models at /models read-only: ready in ${ready} s, :predict 200, SIGTERM clean stop in ${stop_s} s; ${fig[size_mb_uncompressed]} MB uncompressed / ${fig[size_mb_compressed]:-?} MB compressed"}
EOF
exit $failed
