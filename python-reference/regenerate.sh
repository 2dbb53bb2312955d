#!/usr/bin/env bash
# Regenerates the committed Python reference SavedModels (saved-models/py-*/1/) and their goldens
# (tests/fixtures/python/py-*/) from scratch: sets up .venv (scripts/python-env.sh), fetches MNIST if needed,
# trains every tutorial model briefly, exports each through the export paths that load in TF1-session loaders
# (keras-export, tf-module, tf-keras, plus frozen for demo), re-demonstrates the tf-save-naive trap (not kept),
# and finally checks each kept model's serving_default with the real `saved_model_cli run` against its goldens.
# About 2 minutes on 2 cores. Extra arguments go to train_reference.py (e.g. --epochs 1).
#   python-reference/regenerate.sh            # full regeneration
#   SKIP_CLI_CHECK=1 python-reference/regenerate.sh   # skip the (slower) saved_model_cli pass
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=$(scripts/python-env.sh)
scripts/fetch-mnist.sh
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
# Version 1 everywhere, from a clean slate: only what this run writes is left.
rm -rf saved-models/py-* tests/fixtures/python/py-*
common=(--epochs 5 --seed 1337 --version 1 --out saved-models --goldens tests/fixtures/python)
"$py" python-reference/train_reference.py --models all --paths default,tf-save-naive "${common[@]}" "$@"
"$py" python-reference/train_reference.py --models demo --paths frozen --keras-files "" "${common[@]}" "$@"
if [[ -z ${SKIP_CLI_CHECK:-} ]]; then
  # train_reference.py already ran every signature through the TF1 session loader in-process; this is the real
  # CLI on serving_default of each kept model (run check_tf1_loader.py without arguments for every signature).
  "$py" python-reference/check_tf1_loader.py --signatures serving_default
fi
du -sh saved-models tests/fixtures/python
