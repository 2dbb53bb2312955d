#!/usr/bin/env bash
# Runs the image built by deploy/image/build.sh with podman, as a Deployment would: read-only root file system, only
# /tmp writable (a 64 MiB tmpfs, like the manifests' emptyDir), three models mounted read-only at /models, as the
# image's non-root user. Checks: ready, :predict answers 784 values, nothing but /tmp was written, SIGTERM stops it
# cleanly within the drain time; reports the cold start with its breakdown, and the image size (uncompressed, and
# gzip-compressed as a registry stores it) with what takes it (layers, and du of the big folders). Prints
# `ok   …`/`FAIL …` lines, writes deploy/image/results/image-<date>.json (+ .log) and exits non-zero if a check
# failed. On demand (about 2-3 minutes; not in the test command: it needs root and podman).
#
# Cold start: podman run → /v2/health/ready 200 with three models, COLD_STARTS times (default 3; the median is the
# figure), each with its breakdown from the server's time-stamped log (JVM start → Jetty listening → each model
# served → models ready); then a StartupProbe run in a fresh container times the native parts alone (launch →
# main, TensorFlow's native library, the first SavedModel session vs the same model loaded again).
#
#   deploy/image/test.sh                 # tests localhost/aebridge:latest
#   IMAGE=localhost/aebridge:0.1.0 COLD_STARTS=5 deploy/image/test.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CONTAINERS_CONF="$root/deploy/image/containers.conf"
image="${IMAGE:-localhost/aebridge:latest}"
work="$(mktemp -d)"
name="aebridge-test-$$"
results="$root/deploy/image/results"
mkdir -p "$results"
stamp=$(date -u +%Y-%m-%dT%H%M)
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

# As the Deployment runs it (its command), with time-stamped log lines for the breakdown; the image's
# JAVA_TOOL_OPTIONS bring the natives path and the class-data-sharing archive.
log_opts='"-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'"'"'T'"'"'HH:mm:ss.SSSZ"'
start_server() {  # NAME → sets t0 and ready (seconds from podman run to ready; empty if never)
  t0=$(date +%s.%N)
  podman run -d --name "$1" --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,size=64m,mode=1777 \
    --cap-drop ALL --security-opt no-new-privileges \
    -v "$work:/models:ro" -p "127.0.0.1:$port:8501" \
    --entrypoint '["java", "-Xms512m", "-Xmx512m", '"$log_opts"', "-jar", "/opt/aebridge/aebridge.jar"]' \
    "$image" serve --host 0.0.0.0 --port 8501 --models /models >>"$log" 2>&1
  ready=""
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1; then
      ready=$(python3 -c "import time; print(f'{time.time() - $t0:.2f}')"); break
    fi
    [[ $(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null) == true ]] || break
    sleep 0.05
  done
}
# Seconds from podman run to each start-up step, from the server's log (the container shares the host's clock).
phases() {  # NAME T0 → JSON
  podman logs "$1" 2>&1 | python3 -c '
import datetime as dt, json, re, sys
t0 = float(sys.argv[1]); out = {"models": []}
for line in sys.stdin:
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}) \[[^\]]*\] \w+ \S+ - (.*)$", line)
    if not m:
        continue
    at = round(dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() - t0, 3)
    msg = m.group(2)
    if msg.startswith("Model server listening"):
        out.setdefault("listening_s", at)
    s = re.match(r"Serving model (\S+) version (\d+) \((\d+) ms", msg)
    if s:
        out["models"].append({"model": s.group(1), "served_s": at, "load_and_warmup_ms": int(s.group(3))})
    if msg.startswith("Models ready"):
        out.setdefault("models_ready_s", at)
print(json.dumps(out))' "$2"
}
runs="$work/runs.jsonl"
: > "$runs"
count="${COLD_STARTS:-3}"
# Extra starts first (each stopped at once), then the one the checks below use: all timed the same way.
for i in $(seq 2 "$count"); do
  start_server "$name-cold$i"
  [[ -n $ready ]] && echo "{\"ready_s\": $ready, \"phases\": $(phases "$name-cold$i" "$t0")}" >> "$runs"
  echo "     cold start $i: ready ${ready:-never} s" | tee -a "$log"
  podman rm -f "$name-cold$i" >/dev/null 2>&1 || true
done
start_server "$name"
if [[ -n $ready ]]; then
  echo "{\"ready_s\": $ready, \"phases\": $(phases "$name" "$t0")}" >> "$runs"
  ok "ready (/v2/health/ready 200) ${ready} s after podman run"
else fail "not ready within 60 s"; podman logs "$name" 2>&1 | tail -20 | tee -a "$log"; exit 1; fi
fig[cold_start_s]=$(python3 -c "
import json, statistics
runs = [json.loads(l) for l in open('$runs')]
print(statistics.median(r['ready_s'] for r in runs))")
ok "cold start: median ${fig[cold_start_s]} s over $(wc -l < "$runs") start(s) (goal 2 s; podman run → ready, three models)"
if podman logs "$name" 2>&1 | grep -q "Picked up JAVA_TOOL_OPTIONS.*SharedArchiveFile=/opt/aebridge/aebridge.jsa"; then
  ok "the JVM was given the class-data-sharing archive /opt/aebridge/aebridge.jsa"
else
  fail "the JVM was not given the class-data-sharing archive"
fi
# Given is not used: the JVM drops an archive that does not match its runtime or class path without a word (the
# image turns CDS logging off). Classes loaded from the archive's top (application) layer show it is used.
shared=$(podman run --rm --entrypoint java "$image" -Xms512m -Xmx512m -Xlog:class+load=info \
  -jar /opt/aebridge/aebridge.jar --version 2>>"$log" | grep -c 'shared objects file (top)' || true)
fig[cds_classes_from_archive_at_version]=$shared
if ((shared > 100)); then ok "the archive is used: $shared classes of \`aebridge --version\` came from its application layer"
else fail "the archive is not used: $shared classes came from its application layer"; fi

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

# The native parts alone in a fresh container (the same image, runtime and archive options).
t_probe=$(date +%s.%N)
if podman run --rm --read-only --read-only-tmpfs=false --tmpfs /tmp:rw,size=64m,mode=1777 -v "$work:/models:ro" \
     --entrypoint '["java", "-Xms512m", "-Xmx512m", "-cp", "/opt/aebridge/aebridge.jar", "io.aebridge.bench.StartupProbe"]' \
     "$image" /models/py-demo-tf-keras /models/py-deep-tf-keras /models/py-conv-tf-keras > "$work/probe.json" 2>>"$log"; then
  python3 - "$work/probe.json" "$t_probe" "$work/probe.out" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["launch_to_jvm_start_ms"] = round(p["jvm_start_epoch_ms"] - float(sys.argv[2]) * 1000, 1)
json.dump(p, open(sys.argv[3], "w"))
PY
  probe_line=$(python3 -c "
import json
p = json.load(open('$work/probe.out'))
first = {l['model']: l['load_ms'] for l in p['loads'] if l['round'] == 1}
again = {l['model']: l['load_ms'] for l in p['loads'] if l['round'] == 2}
print(f\"podman run → JVM start {p['launch_to_jvm_start_ms']:.0f} ms, JVM start → main {p['main_uptime_ms']:.0f} ms, \"
      f\"TensorFlow native library {p['tensorflow_native_load_ms']:.0f} ms, SavedModel loads first/again: \"
      + ', '.join(f'{m} {first[m]:.0f}/{again[m]:.0f} ms' for m in first))")
  ok "startup probe in a fresh container: $probe_line"
else
  fail "the startup probe failed in the container"
  echo '{}' > "$work/probe.out"
fi

size=$(podman image inspect --format '{{.Size}}' "$image")
fig[size_mb_uncompressed]=$((size / 1000000))
# What takes the room: each layer, and the big folders inside.
podman history --format '{{.Size}}|{{.CreatedBy}}' "$image" > "$work/layers.txt"
podman run --rm --entrypoint du "$image" -sk /opt/java /opt/java/lib/modules /opt/java/lib/server \
  /opt/aebridge/native /opt/aebridge/lib /opt/aebridge/aebridge.jar /opt/aebridge/aebridge.jsa /usr /var /etc \
  > "$work/du.txt" 2>>"$log" || true
sed 's/^/     du (KiB) /' "$work/du.txt" | tee -a "$log"
podman run --rm --entrypoint sh "$image" -c 'cd /opt/aebridge/native && stat -c "%n %s" *' > "$work/native.txt" 2>>"$log" || true
sed 's/^/     native (bytes) /' "$work/native.txt" | tee -a "$log"

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
figs+="\"cold_starts\": [$(paste -sd, "$runs")], \"startup_probe\": $(cat "$work/probe.out"), "
figs+="\"du_kib\": $(python3 -c "
import json
print(json.dumps({p: int(k) for k, p in (l.split('\t') for l in open('$work/du.txt').read().split('\n') if l)}))"), "
figs+="\"native_bytes\": $(python3 -c "
import json
print(json.dumps({n: int(b) for n, b in (l.split() for l in open('$work/native.txt').read().split('\n') if l)}))"), "
figs+="\"layers\": $(python3 -c "
import json
print(json.dumps([dict(zip(('size', 'created_by'), l.split('|', 1))) for l in open('$work/layers.txt').read().split('\n') if l]))"), "
cat > "$results/image-$stamp.json" <<EOF
{"check": "image", "command": "deploy/image/test.sh", "started": "$started", "seconds": $seconds,
 "machine": {"nproc": $(nproc), "loadavg_start": "$load_start", "loadavg_end": "$(cat /proc/loadavg)"},
 "passed": $([[ $failed == 0 ]] && echo true || echo false),
 "figures": {${figs%, }, "image": "$image"},
 "summary": "read-only root fs, non-root, 3 models at /models read-only: ready in ${fig[cold_start_s]} s (median), :predict 200, SIGTERM clean stop in ${stop_s} s; ${fig[size_mb_uncompressed]} MB uncompressed / ${fig[size_mb_compressed]:-?} MB compressed"}
EOF
exit $failed
