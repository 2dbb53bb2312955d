#!/usr/bin/env bash
# tests/run-all.sh ends with its summary line "N passed, N failed, N skipped" in every outcome. Runs a copy of it
# in a scratch tree where every tool it calls (Maven, the launcher, npm, Python, Chromium, the benchmark) is a
# stub, so each outcome can be forced: all passing, a failed install step, a failed Maven build, an e2e script
# that fails. Takes about 10 s. Environment (tests/e2e contract): WORK (scratch folder), ROOT (repository root).
set -euo pipefail
: "${WORK:?}" "${ROOT:?}"
failures=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }

make_tree() {  # $1 = folder; a scratch repository whose tools all succeed unless told otherwise
  local t=$1
  mkdir -p "$t/tests/e2e" "$t/scripts" "$t/bench" "$t/bin" "$t/node_modules/playwright-core" "$t/python-reference" \
    "$t/tests/web"
  cp "$ROOT/tests/run-all.sh" "$ROOT/tests/summarize.py" "$t/tests/"
  printf '#!/bin/bash\nexit 0\n' > "$t/scripts/fetch-mnist.sh"
  printf '#!/bin/bash\necho %s/bin/py\n' "$t" > "$t/scripts/python-env.sh"
  printf '#!/bin/bash\nexit 0\n' > "$t/bin/py"
  printf '#!/bin/bash\necho ok   bench\n' > "$t/bench/run.sh"
  printf '#!/bin/bash\nexit 0\n' > "$t/bin/chromium"
  printf '#!/bin/bash\necho "ok   page"\n' > "$t/bin/node"
  # Maven: one report with 3 tests (1 skipped), and the jar.
  cat > "$t/bin/mvn" <<'MVN'
#!/bin/bash
if [[ " $* " != *" verify "* ]]; then   # a fuzz step: the line its test prints after a clean run
  case "$*" in
    *KerasImportFuzzTest*) echo "KerasImportFuzzTest: 9 inputs (1 imported, slowest 3 ms), no crash, no hang" ;;
    *) echo "ServeFuzzTest: 9 inputs, no 5xx, no hang" ;;
  esac
  echo "Done 9 runs"; exit 0
fi
mkdir -p target/surefire-reports
echo '<testsuite name="T" tests="3" failures="0" errors="0" skipped="1"/>' > target/surefire-reports/TEST-T.xml
touch target/aebridge.jar
MVN
  cat > "$t/aebridge" <<'AE'
#!/bin/bash
models=""; for ((i = 1; i <= $#; i++)); do [[ ${!i} == --models ]] && { j=$((i + 1)); models=${!j}; }; done
case "$1" in
  train)
    if [[ " $* " == *" --epochs 500 "* ]]; then
      trap 'echo "Stopped: no model was written"; exit 130' INT; echo "Epoch 2/500"; sleep 30 & wait; exit 1
    fi
    name=$(sed -n 's/.*--name \([^ ]*\).*/\1/p' <<< "$*"); mkdir -p "$models/$name/1" ;;
  quickstart)
    mkdir -p "$models/dense-784-32/1"; touch "$models/dense-784-32/1/saved_model.pb"
    echo "PCA"; echo "Serving at http://127.0.0.1:1"; trap 'exit 0' TERM; sleep 30 & wait ;;
  serve) echo "Serving at http://127.0.0.1:1"; trap 'exit 0' TERM; sleep 30 & wait ;;
esac
exit 0
AE
  chmod +x "$t"/scripts/*.sh "$t"/bin/* "$t/bench/run.sh" "$t/aebridge"
}

run_tree() {  # $1 = folder; runs its run-all.sh, keeping output and exit code
  local status=0
  PATH="$1/bin:$PATH" timeout 120 "$1/tests/run-all.sh" > "$1.out" 2>&1 || status=$?
  echo "$status" > "$1.rc"
}
last_line() { tail -n 1 "$1.out"; }

make_tree "$WORK/good"; run_tree "$WORK/good"
check "all steps pass: last line is the summary, exit 0" \
  '[[ $(last_line "$WORK/good") =~ ^[0-9]+\ passed,\ 0\ failed,\ 1\ skipped$ && $(cat "$WORK/good.rc") == 0 ]]'

make_tree "$WORK/venv"; printf '#!/bin/bash\necho "no python" >&2; exit 1\n' > "$WORK/venv/scripts/python-env.sh"
run_tree "$WORK/venv"
check "failed install step (venv): summary still the last line, failures counted, exit 1" \
  '[[ $(last_line "$WORK/venv") =~ ^[0-9]+\ passed,\ ([1-9][0-9]*)\ failed, && $(cat "$WORK/venv.rc") == 1 ]]'

make_tree "$WORK/maven"; printf '#!/bin/bash\necho "BUILD FAILURE"; exit 1\n' > "$WORK/maven/bin/mvn"
run_tree "$WORK/maven"
check "failed Maven build with no report: counted as a failure, summary last, exit 1" \
  '[[ $(last_line "$WORK/maven") =~ ^[0-9]+\ passed,\ ([1-9][0-9]*)\ failed, && $(cat "$WORK/maven.rc") == 1 ]]'

make_tree "$WORK/e2e"
printf '#!/bin/bash\necho "ok   one"\necho "FAIL two"\nexit 1\n' > "$WORK/e2e/tests/e2e/50-x.sh"
printf '#!/bin/bash\nexit 3\n' > "$WORK/e2e/tests/e2e/60-silent.sh"
chmod +x "$WORK"/e2e/tests/e2e/*.sh
run_tree "$WORK/e2e"
good_passed=$(last_line "$WORK/good" | cut -d' ' -f1)
check "e2e scripts: ok and FAIL lines counted, a silent non-zero exit is a failure" \
  '[[ $(last_line "$WORK/e2e") == "$((good_passed + 1)) passed, 2 failed, 1 skipped" && $(cat "$WORK/e2e.rc") == 1 ]]'

[[ $failures -eq 0 ]]
