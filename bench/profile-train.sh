#!/usr/bin/env bash
# Where a training step's time goes, by op type (src/test/java/io/aebridge/train/TrainingStepProfile.java), for the
# benchmark's dense and conv models as the trainer builds them: dense without and with XLA, conv as trained.
# Prints a report; bench/README.md ("Training") cites a committed copy in bench/results/profile-<date>.txt.
#
#   bench/profile-train.sh > bench/results/profile-$(date -u +%F).txt
#
# Takes ~2-4 minutes on 2 cores (plus the test compile). Exits non-zero when a profile fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/fetch-mnist.sh >&2
jar=target/aebridge.jar
if [[ ! -f $jar || ! -d target/lib ]] || [[ -n $(find pom.xml src/main -newer "$jar" -print -quit) ]]; then
  mvn -B -q -ntp -DskipTests package >&2
fi
mvn -B -q -ntp test-compile >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The specs of io.aebridge.bench.BenchModels (dense: batch 256; conv: batch 128), 50 and 30 epochs as in full mode.
echo '{"name":"dense","codeSize":32,"loss":"bce","training":{"epochs":50,"batchSize":256,"learningRate":0.001,"seed":42}}' \
  > "$work/dense.json"
echo '{"name":"conv","kind":"convolutional","inputShape":[28,28,1],"conv":{"filters":[16,8,8],"kernelSize":3,"poolSize":2,"decoder":"upsample"},"loss":"bce","training":{"epochs":30,"batchSize":128,"learningRate":0.001,"seed":42}}' \
  > "$work/conv.json"
profile() {
  TF_CPP_MIN_LOG_LEVEL=2 java -cp "target/test-classes:$jar" io.aebridge.train.TrainingStepProfile "$@" 2>&1 \
    | grep -v -e '^WARNING' -e '^I0000'
}
echo "TrainingStepProfile at commit $(git rev-parse --short HEAD)$([[ -n $(git status --porcelain --untracked-files=no) ]] && echo ' with local changes'), $(date -u +%FT%TZ)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; a loaded machine inflates times, shares move less)"
profile "$work/dense.json" 50 no-xla
profile "$work/dense.json" 50 xla
profile "$work/conv.json" 15
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
