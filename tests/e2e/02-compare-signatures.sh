#!/usr/bin/env bash
# tests/compare_signatures.py reads every signature of a tf.Module export, the one listed right after
# `__saved_model_init_op` (whose method name is empty) included: its keys must equal the keys saved_model_cli lists.
# The same parser run by the old regex dropped `decode`. One saved_model_cli run (about 5 s of CPU).
# Environment (tests/e2e contract): PY (the venv python), WORK (scratch folder), ROOT (repository root).
set -euo pipefail
: "${PY:?}" "${WORK:?}" "${ROOT:?}"
export TF_CPP_MIN_LOG_LEVEL=2
cli=$(dirname "$PY")/saved_model_cli
failures=0
for model in "$ROOT"/saved-models/py-demo-tf-module/1; do
  name=$(basename "$(dirname "$model")")
  "$cli" show --all --dir "$model" > "$WORK/$name.txt" 2> /dev/null
  # The keys as listed, read line by line without the parser under test.
  sed -n "s/^signature_def\['\(.*\)'\]:\$/\1/p" "$WORK/$name.txt" | grep -v '^__' | sort > "$WORK/$name.expected"
  "$PY" "$ROOT/tests/compare_signatures.py" --keys "$WORK/$name.txt" > "$WORK/$name.parsed"
  if [[ -s $WORK/$name.expected ]] && grep -q "__saved_model_init_op" "$WORK/$name.txt" \
     && diff "$WORK/$name.expected" "$WORK/$name.parsed" > "$WORK/$name.diff"; then
    echo "ok   $name: every signature parsed ($(paste -sd, "$WORK/$name.parsed")), the one after the init op too"
  else
    echo "FAIL $name: parsed keys differ from saved_model_cli's"; cat "$WORK/$name.diff"; failures=$((failures + 1))
  fi
done
[[ $failures -eq 0 ]]
