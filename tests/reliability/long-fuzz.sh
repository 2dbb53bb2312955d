#!/usr/bin/env bash
# On demand: coverage-guided fuzzing (Jazzer) of every request decoder over real HTTP, 100,000 inputs
# (ServeFuzzTest#requests; about 5 minutes on 2 cores). Not part of tests/run-all.sh, which fuzzes for 15 s.
# New interesting inputs land in .cifuzz-corpus/ (ignored by git); a finding fails the run and is written to
# src/test/resources/io/aebridge/serve/ServeFuzzTestInputs/requests/ as a crash-* file, which plain `mvn test`
# then replays for good.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TF_CPP_MIN_LOG_LEVEL=2
mvn -B -ntp -q test-compile
JAZZER_FUZZ=1 mvn -B -ntp -q surefire:test -Dtest='io.aebridge.serve.ServeFuzzTest#requests' \
  -DreportsDirectory=target/fuzz-reports 2>&1 | tee target/long-fuzz.log \
  | grep -E '^(Done [0-9]+ runs|ServeFuzzTest:|#[0-9]+ +DONE)|FAIL|ERROR\]' || true
grep -q '^ServeFuzzTest: .* no 5xx, no hang' target/long-fuzz.log
