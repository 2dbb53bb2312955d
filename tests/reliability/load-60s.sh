#!/usr/bin/env bash
# On demand: 64 concurrent loopback connections for 60 s against mixed endpoints, a new model version every second
# (LoadWithSwapsTest with bigger bounds): requests, failed (must be 0), 5xx (must be 0), swaps, p50/p99/max latency,
# RSS before/after. Writes tests/reliability/results/load-60s-<date>.json (shared raw-result format) and the log
# beside it; exits 1 when the test failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TF_CPP_MIN_LOG_LEVEL=2
mvn_flags=(-B -ntp)
out=tests/reliability/results/load-60s-$(date -u +%F)
started=$(date -u +%FT%TZ); SECONDS=0; load0=$(cat /proc/loadavg)
# The code the figures belong to (a copy without .git says so).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")
mkdir -p target tests/reliability/results
rm -f target/reliability/load.json
status=0
mvn "${mvn_flags[@]}" -q test-compile > target/load-60s.log 2>&1 || status=$?
if [[ $status -eq 0 ]]; then
  mvn "${mvn_flags[@]}" -q surefire:test -Dtest='io.aebridge.serve.LoadWithSwapsTest' -Dtest.excludedGroups= \
    -Daebridge.load.connections=64 -Daebridge.load.seconds=60 >> target/load-60s.log 2>&1 || status=$?
fi
seconds=$SECONDS
grep -vE ' INFO ' target/load-60s.log | tail -n 3000 > "$out.log" || true
passed=0
[[ $status -eq 0 && -f target/reliability/load.json ]] && passed=1
summary="maven exit $status; $(grep -E '^LoadWithSwapsTest:' target/load-60s.log | tail -1 || echo 'no figures line')"
python3 tests/reliability/result.py "$out.json" --check load-60s --command "tests/reliability/load-60s.sh" \
  --started "$started" --seconds "$seconds" --loadavg-start "$load0" --passed "$passed" --summary "$summary" \
  --figures-json target/reliability/load.json --figure "maven_exit=$status" --figure "commit=$commit"
[[ $passed -eq 1 ]] || { grep -E 'LoadWithSwapsTest:|FAIL|expected' target/load-60s.log; exit 1; }
