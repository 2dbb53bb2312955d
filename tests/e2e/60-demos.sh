#!/usr/bin/env bash
# The seven demos' quick runs (`aebridge demo all --quick --write --docs $WORK/docs`), one JVM: each trains on real
# data, exports its model, and checks the direction of its figure against its baseline. Prints the demos' own check
# lines (ok/FAIL), then checks what each run left behind: the report (figures.json, README.md, pictures), a
# SavedModel whose card carries the data fingerprint, for `anomaly` the threshold the server reads, and the
# applications document written from this one run into a scratch docs folder (the plumbing of `demo all --write`).
# Contract: tests/e2e in COMMON.md.
set -euo pipefail
: "${ROOT:?}" "${WORK:?}" "${PY:?}"
cd "$ROOT"
failed=0
out="$WORK/demos"
models="$WORK/models"
docs="$WORK/docs"
log="$WORK/demos.log"
started=$SECONDS
if nice -n 10 ./aebridge demo all --quick --write --docs "$docs" --out "$out" --models "$models" >"$log" 2>&1; then
  status=0
else
  status=$?
fi
# The demos print their checks once per demo and again after `== checks`; count the summary only.
summary=$(sed -n '/^== checks$/,$p' "$log" | grep -E '^(ok   |FAIL )' || true)
if [[ -z $summary ]]; then
  echo "FAIL demo all --quick printed no checks (exit $status); last lines of $log:"
  tail -20 "$log" | sed 's/^/     /'
  exit 1
fi
echo "$summary"
grep -q '^FAIL ' <<<"$summary" && failed=1
if (( status != 0 )) && (( failed == 0 )); then
  echo "FAIL demo all --quick exited $status although every check printed ok"
  failed=1
fi
"$PY" - "$out" "$models" "$docs" <<'PY' || failed=1
import json, os, sys
out, models, docs = sys.argv[1], sys.argv[2], sys.argv[3]
bad = 0
def check(ok, what):
    global bad
    print(("ok   " if ok else "FAIL ") + what)
    bad |= not ok
for demo in ["compress", "denoise", "colour", "watermark", "features", "reduce", "anomaly"]:
    d = os.path.join(out, demo)
    try:
        fig = json.load(open(os.path.join(d, "figures.json")))
    except Exception as e:
        check(False, f"demo {demo}: figures.json readable ({e})")
        continue
    pics = [p for p in fig["pictures"] if os.path.getsize(os.path.join(d, p)) > 1000]
    check(len(pics) == len(fig["pictures"]) > 0 and os.path.isfile(os.path.join(d, "README.md")),
          f"demo {demo}: report has README.md and {len(fig['pictures'])} non-empty pictures")
    model = os.path.join(os.environ["ROOT"], fig["model"]) if not os.path.isabs(fig["model"]) else fig["model"]
    card = json.load(open(os.path.join(model, "model-card.json")))
    check(os.path.isfile(os.path.join(model, "saved_model.pb")) and len(card["data"]["sha256"]) == 64,
          f"demo {demo}: SavedModel exported with a data fingerprint in its card")
    if demo in ("colour", "watermark", "anomaly"):
        # watermark's reported model is the digits one; its colour sibling carries the emoji package's integrity
        cards = [card] if demo != "watermark" else [json.load(open(os.path.join(
            models, "demo-watermark-colour", v, "model-card.json"))) for v in os.listdir(
            os.path.join(models, "demo-watermark-colour")) if v.isdigit()]
        check(all(c["data"].get("package.integrity", "").startswith("sha512-") for c in cards),
              f"demo {demo}: card names the emoji package's npm integrity")
    if demo == "anomaly":
        a = card["evaluation"]["anomaly"]
        check(a["score"] == "mse" and a["threshold"] > 0, f"demo anomaly: card threshold {a['threshold']:.5f} (mse)")
    sizes = lambda suffix: [v for k, v in fig["figures"].items() if k.endswith(suffix)]
    check(sizes("validation samples (val_loss only)") and all(v > 0 for v in sizes("validation samples (val_loss only)"))
          and sizes("test samples (the figures above)") and all(v > 0 for v in sizes("test samples (the figures above)")),
          f"demo {demo}: validation and test sets are separate and named")
try:
    md = open(os.path.join(docs, "applications.md")).read()
    run = json.load(open(os.path.join(docs, "applications", "run.json")))
    demos = ["compress", "denoise", "colour", "watermark", "features", "reduce", "anomaly"]
    kept = all(json.load(open(os.path.join(docs, "applications", d, "figures.json")))["passed"] for d in demos)
    check(all(f"## `{d}`" in md for d in demos) and kept and run["started"] in md and run["ended"] in md
          and run["loadavg at end"] in md,
          "demo all --write: one document with all 7 sections, its run's start, end and load average")
except Exception as e:
    check(False, f"demo all --write: the document and run record were written ({e})")
sys.exit(bad)
PY
# The web page's gallery over the models just exported, in headless Chromium (as tests/web/page.test.mjs).
if [[ -x ${CHROMIUM:-/usr/bin/chromium} && -d node_modules/playwright-core ]]; then
  AEBRIDGE_HEAP=256m ./aebridge serve --models "$models" --port 0 >"$WORK/serve.log" 2>&1 &
  server=$!
  url=""
  for _ in $(seq 1 300); do
    url=$(grep -o 'at http://[0-9.:]*' "$WORK/serve.log" | head -1 | cut -c4- || true)
    [[ -n $url ]] && break
    sleep 0.2
  done
  if [[ -z $url ]]; then
    echo "FAIL gallery: the server over the demo models did not start"; tail -5 "$WORK/serve.log"; failed=1
  else
    node tests/web/gallery.test.mjs "$url" "$WORK" >"$WORK/gallery.log" 2>&1 || failed=1
    grep -E '^(ok   |FAIL )' "$WORK/gallery.log" \
      || { echo "FAIL gallery: the browser test ran no check"; tail -5 "$WORK/gallery.log"; failed=1; }
  fi
  kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
else
  echo "     gallery: not run (needs Debian's chromium and node_modules/playwright-core; tests/run-all.sh installs both)"
fi
echo "     demo all --quick took $((SECONDS - started)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
exit $failed
