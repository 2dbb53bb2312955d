#!/usr/bin/env bash
# On demand: 64 concurrent loopback connections for 60 s against mixed endpoints, a new model version every second
# (LoadWithSwapsTest with bigger bounds). Prints and keeps the figures in target/reliability/load.json:
# requests, failed (must be 0), 5xx (must be 0), swaps, p50/p99/max latency, RSS before/after.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TF_CPP_MIN_LOG_LEVEL=2
mvn -B -ntp -q test-compile
mvn -B -ntp -q surefire:test -Dtest='io.aebridge.serve.LoadWithSwapsTest' -Daebridge.load.connections=64 \
  -Daebridge.load.seconds=60 -DreportsDirectory=target/load-reports > target/load-60s.log 2>&1 \
  || { grep -E 'LoadWithSwapsTest:|FAIL|expected' target/load-60s.log; exit 1; }
cat target/reliability/load.json
