#!/usr/bin/env bash
# On demand (about 2 minutes): 2,000 connections holding half-sent request bodies, then 2,000 sending one body
# byte per second, against a real server process (./aebridge serve, the committed py-demo-tf-module model), while
# another process measures health and single-sample :predict latencies and the server's threads and heap
# (tests/reliability/slow_clients.py says how). Writes tests/reliability/results/slow-clients-<date>.json (+ .log);
# exits 1 when a goal is missed (p99 >= 50 ms, a failed probe, a 5xx, threads growing with the connections).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
PY="${PY:-$(scripts/python-env.sh)}"
# 2,000 client sockets here and 2,000 accepted ones in the server (a child of this shell) need descriptors.
ulimit -n 16384
export TF_CPP_MIN_LOG_LEVEL=2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="tests/reliability/results/slow-clients-$(date -u +%F)"
mkdir -p tests/reliability/results
./aebridge --help > /dev/null   # builds target/aebridge.jar when stale, before anything is timed
"$PY" tests/reliability/slow_clients.py run --root "$root" --work "$work" --out "$out.json" --log "$out.log" "$@"
