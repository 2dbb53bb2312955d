#!/usr/bin/env bash
# docs/reliability.md's table is what tests/reliability/write-doc.py writes from the committed raw results
# (tests/reliability/results/): a hand edit of the table, or a new result without the regenerated table, fails here.
set -euo pipefail
cd "$ROOT"
if "$PY" tests/reliability/write-doc.py --check; then
  echo "ok   docs/reliability.md matches the committed raw results (write-doc.py --check)"
else
  echo "FAIL docs/reliability.md differs from what tests/reliability/write-doc.py writes from the raw results"
  exit 1
fi
