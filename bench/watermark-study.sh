#!/usr/bin/env bash
# The colour watermark model study behind the watermark demo's model choice: each variant trains the colour part of
# `aebridge demo watermark` with one thing changed (io.aebridge.demo.WatermarkStudy, a study tool in the test
# sources), and is measured on the demo's held-out images and unseen watermark styles, its error split into pixels
# the watermark changed and pixels it left alone. Writes OUT/<variant>.log per variant and prints a summary.
#
#   bench/watermark-study.sh OUT [VARIANT…]     # no VARIANT: all of them (~1 h on 2 cores)
#   bench/watermark-study.sh --summary OUT      # the summary table of the logs already in OUT
#   bench/watermark-study.sh --write-doc        # that table of the committed logs into docs/applications-runs/README.md
#
# Exits non-zero when a variant fails or prints no RESULT line. Committed results: docs/applications-runs/
# colour-watermark-study/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
summary_only=false
if [[ ${1:-} == --write-doc ]]; then
  table=$("$0" --summary docs/applications-runs/colour-watermark-study)
  TABLE=$table python3 -c 'import os, sys; sys.path.insert(0, "bench"); import readme_block, pathlib
readme_block.replace(pathlib.Path("docs/applications-runs/README.md"), "<!-- watermark-study:begin -->",
    "<!-- watermark-study:end -->", "```\n" + os.environ["TABLE"] + "\n```")'
  exit
fi
if [[ ${1:-} == --summary ]]; then
  summary_only=true
  shift
fi
out=${1:?usage: bench/watermark-study.sh [--summary] OUT [VARIANT…]}
shift
# name: FILTERS KERNEL COPIES EPOCHS MARKS LEARNING_RATE FLIP BATCH OUTPUT_ACTIVATION
declare -A variants=(
  [base-e20]="32,32 3 1 20 3 0.003 false 32 sigmoid"
  [copies3-e7]="32,32 3 3 7 3 0.003 false 32 sigmoid"
  [copies3-e20]="32,32 3 3 20 3 0.003 false 32 sigmoid"
  [deep4-copies3-e7]="32,32,32,32 3 3 7 3 0.003 false 32 sigmoid"
  [linear-copies3-e7]="32,32 3 3 7 3 0.003 false 32 linear"
  [marks1-copies3-e7]="32,32 3 3 7 1 0.003 false 32 sigmoid"
  [flip-copies3-e10]="32,32 3 3 10 3 0.003 true 32 sigmoid"
  [flip-marks123-e6]="32,32 3 3 6 1,2,3 0.003 true 32 sigmoid"
  [flip-marks123-e10]="32,32 3 3 10 1,2,3 0.003 true 32 sigmoid"
)
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  mapfile -t names < <(printf '%s\n' "${!variants[@]}" | sort)
  if $summary_only; then
    mapfile -t names < <(cd "$out" && ls -- *.log | sed 's/\.log$//' | sort)
  fi
fi
summary() {
  echo "variant                  held-out restored/watermarked  error on marked px  on untouched px  val ratio (training style)"
  for name in "${names[@]}"; do
    line=$(grep '^RESULT' "$out/$name.log") || { echo "$name: no RESULT line in $out/$name.log" >&2; return 1; }
    sed -E "s/^RESULT .*test ratio ([0-9.]+).*err on marked ([0-9.]+).*on untouched ([0-9.]+); val\(train style\) ratio ([0-9.]+).*/\1 \2 \3 \4/" <<<"$line" \
      | { read -r ratio marked untouched val
          printf '%-24s %30s %19s %16s %26s\n' "$name" "$ratio" "$marked" "$untouched" "$val"; }
  done
}
if $summary_only; then
  summary
  exit
fi
for name in "${names[@]}"; do
  [[ -n ${variants[$name]:-} ]] || { echo "unknown variant '$name'; known: ${!variants[*]}" >&2; exit 2; }
done
scripts/fetch-emoji.sh >&2
jar=target/aebridge.jar
if [[ ! -f $jar || ! -d target/lib ]] || [[ -n $(find pom.xml src/main -newer "$jar" -print -quit) ]]; then
  mvn -B -q -ntp -DskipTests package >&2
fi
mvn -B -q -ntp test-compile >&2
mkdir -p "$out"
for name in "${names[@]}"; do
  echo "== $name: ${variants[$name]} (commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))" \
    | tee "$out/$name.log" >&2
  # shellcheck disable=SC2086 # the variant's arguments are words
  TF_CPP_MIN_LOG_LEVEL=2 java -Daebridge.home="$root" -cp "target/test-classes:$jar:target/lib/*" \
    io.aebridge.demo.WatermarkStudy ${variants[$name]} 2>&1 | grep -v -e '^WARNING' -e '^I0000' >> "$out/$name.log"
  grep -q '^RESULT' "$out/$name.log" || { echo "$name: no RESULT line (see $out/$name.log)" >&2; exit 1; }
done
summary
