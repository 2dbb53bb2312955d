#!/usr/bin/env bash
# A/B of two builds of the trainer on one benchmark model, alternating before/after so a drifting machine load
# favours neither: `BenchMain train` from BEFORE_JAR (e.g. a jar built at an older commit, copied aside) and from
# target/aebridge.jar. Prints one line per run (steady samples/s, held-out loss, load average before the run).
#
#   bench/ab-train.sh BEFORE_JAR MODEL EPOCHS [LIMIT] [ROUNDS]     # e.g. /tmp/old.jar conv 4 2000 2
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
before=$1 model=$2 epochs=$3 limit=${4:-} rounds=${5:-2}
echo "A/B: BenchMain train --model $model --epochs $epochs ${limit:+--limit $limit}; before = $before, after = target/aebridge.jar ($(git rev-parse --short HEAD)); alternating; $(date -u +%FT%TZ)"
for round in $(seq "$rounds"); do
  for side in before after; do
    jar=$([[ $side == before ]] && echo "$before" || echo target/aebridge.jar)
    load=$(cut -d' ' -f1 /proc/loadavg)
    TF_CPP_MIN_LOG_LEVEL=2 java -cp "$jar:target/lib/*" io.aebridge.bench.BenchMain train --model "$model" \
        --epochs "$epochs" ${limit:+--limit $limit} 2>/dev/null \
      | python3 -c "import json,sys; t=sys.stdin.read(); d=json.loads(t[t.find('{'):]); print(f'round $round $side: steady {d[\"steady_samples_per_s\"]:,.0f} samples/s, held-out {d[\"heldout_loss\"]:.6f}, load before $load')"
  done
done
