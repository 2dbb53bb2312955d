#!/usr/bin/env bash
# Where a server start's CPU goes, by JVM thread: starts `./aebridge serve` on three freshly exported models (dense,
# deep, conv; gRPC off) N times, and the moment /v2/health/ready answers 200 reads every live thread's CPU seconds
# from /proc (JIT compiler threads, GC threads, main, Jetty, ...), with the heap pre-touched and not, in turns. The
# README's cold-start section cites a committed copy in bench/results/coldstart-profile-<date>.txt. Threads that
# already ended (the model loaders, the native preload) are in the process total only.
#
#   bench/profile-coldstart.sh [N] > bench/results/coldstart-profile-$(date -u +%F).txt
#
# Takes ~1 minute on 2 cores after the models are exported. Exits non-zero when a start fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-3}
jar=target/aebridge.jar
if [[ ! -f $jar || ! -d target/lib ]] || [[ -n $(find pom.xml src/main -newer "$jar" -print -quit) ]]; then
  mvn -B -q -ntp -DskipTests package >&2
fi
scripts/fetch-mnist.sh >&2
[[ -f target/aebridge.jsa && target/aebridge.jsa -nt $jar ]] || scripts/build-cds-archive.sh >&2
work=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
for m in dense deep conv; do
  java -cp "$jar" io.aebridge.bench.BenchMain train --model "$m" --epochs 1 --limit 1000 --export "$work/models" \
    >"$work/train-$m.log" 2>&1 || { cat "$work/train-$m.log" >&2; exit 1; }
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

echo "Cold-start CPU by thread at /v2/health/ready ($(date -u +%FT%TZ), $(nproc) cores, commit $(git rev-parse --short HEAD))"
echo "command: bench/profile-coldstart.sh $runs; ./aebridge serve (CDS archive, fixed 512 MiB heap), 3 models, gRPC off"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for ((i = 1; i <= runs; i++)); do
  for variant in "no pre-touch" "pre-touch"; do
    opts=""
    [[ $variant == pre-touch ]] && opts="-XX:+AlwaysPreTouch"
    t0=$(date +%s.%N)
    AEBRIDGE_GRPC_PORT=0 AEBRIDGE_JAVA_OPTS="$opts" ./aebridge serve --models "$work/models" --port "$port" \
      >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 6000); do
      curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready" && break
      kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
      sleep 0.01
    done
    t1=$(date +%s.%N)
    curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready" || { echo "never ready" >&2; exit 1; }
    python3 - "$pid" "$t0" "$t1" "$variant" <<'PY'
import os, sys
pid, t0, t1, variant = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
tick = os.sysconf("SC_CLK_TCK")
def cpu(stat):
    f = stat[stat.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / tick
total = cpu(open(f"/proc/{pid}/stat").read())
groups: dict[str, float] = {}
for t in os.listdir(f"/proc/{pid}/task"):
    try:
        s = open(f"/proc/{pid}/task/{t}/stat").read()
    except OSError:
        continue
    name = s[s.index("(") + 1:s.rindex(")")].rstrip("0123456789-# ")
    groups[name] = groups.get(name, 0) + cpu(s)
live = sum(groups.values())
parts = ", ".join(f"{k or '?'} {v:.2f}" for k, v in sorted(groups.items(), key=lambda x: -x[1]) if v >= 0.02)
print(f"{variant:12} ready {t1 - t0:.2f} s, process CPU {total:.2f} s (ended threads {max(0, total - live):.2f}): {parts}")
PY
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
  done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
