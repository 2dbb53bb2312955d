#!/usr/bin/env bash
# On demand: coverage-guided fuzzing (Jazzer) of every request decoder over real HTTP, 100,000 inputs
# (ServeFuzzTest#requests; about 5 minutes on 2 quiet cores). Not part of tests/run-all.sh, which fuzzes for 15 s.
# New interesting inputs land in .cifuzz-corpus/ (ignored by git); a finding fails the run and is written to
# src/test/resources/io/aebridge/serve/ServeFuzzTestInputs/requests/ as a crash-* file, which plain `mvn test`
# then replays for good.
# Writes tests/reliability/results/long-fuzz-<date>.json (shared raw-result format) and the filtered log beside it.
# Passes only when Maven exits 0 AND the test printed its "no 5xx, no hang" line; exits 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TF_CPP_MIN_LOG_LEVEL=2
mvn_flags=(-B -ntp)
day=$(date -u +%F)
out=tests/reliability/results/long-fuzz-$day
started=$(date -u +%FT%TZ); SECONDS=0; load0=$(cat /proc/loadavg)
# The code the figures belong to (a copy without .git says so).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")
mkdir -p target tests/reliability/results
status=0
mvn "${mvn_flags[@]}" -q test-compile > target/long-fuzz.log 2>&1 || status=$?
if [[ $status -eq 0 ]]; then
  JAZZER_FUZZ=1 mvn "${mvn_flags[@]}" -q surefire:test -Dtest='io.aebridge.serve.ServeFuzzTest#requests' \
    >> target/long-fuzz.log 2>&1 || status=$?
fi
seconds=$SECONDS
# The committed log keeps Jazzer's progress and every warning or failure, not the per-request INFO lines.
grep -vE '^INFO: Instrumented| INFO ' target/long-fuzz.log | tail -n 3000 > "$out.log" || true
grep -E '^(Done [0-9]+ runs|ServeFuzzTest:|#[0-9]+ +DONE)|FAIL|ERROR\]' "$out.log" || true
clean=no
grep -q '^ServeFuzzTest: .* no 5xx, no hang' target/long-fuzz.log && clean=yes
passed=0
[[ $status -eq 0 && $clean == yes ]] && passed=1
inputs=$(sed -n 's/^ServeFuzzTest: \([0-9]*\) inputs.*/\1/p' target/long-fuzz.log | tail -1)
runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' target/long-fuzz.log | tail -1)
summary="maven exit $status; $(grep -E '^ServeFuzzTest:' target/long-fuzz.log | tail -1 || echo 'no ServeFuzzTest line')"
python3 tests/reliability/result.py "$out.json" --check long-fuzz \
  --command "tests/reliability/long-fuzz.sh" --started "$started" --seconds "$seconds" --loadavg-start "$load0" \
  --passed "$passed" --summary "$summary" --figure "maven_exit=$status" --figure "commit=$commit" \
  --figure "inputs=${inputs:-0}" \
  --figure "jazzer_runs=${runs%% *}" --figure "jazzer_seconds=${runs##* }"
[[ $passed -eq 1 ]] || { echo "long-fuzz: FAILED (maven exit $status, clean line: $clean)"; exit 1; }
