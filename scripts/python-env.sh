#!/usr/bin/env bash
# Creates (or reuses) the project's Python environment in .venv/ at the repository root and prints the path of its
# python on stdout; progress goes to stderr. Used by python-reference/regenerate.sh and by the Python<->Java tests.
#
#   python=$(scripts/python-env.sh)
#
# Installs python-reference/requirements.txt (exact pins; tensorflow-cpu 2.18.1, the runtime TF Java 1.1.0 embeds)
# and then python-reference/requirements-nodeps.txt with --no-deps (tf_keras, whose metadata asks for the full
# `tensorflow` wheel). Idempotent: a sha256 of both files is kept in .venv/.requirements.sha256 and, when it matches
# and the python imports tensorflow, nothing is installed (well under a second). A half-built venv is detected by
# the missing stamp and rebuilt. Set PYTHON_ENV_PYTHON to choose the base interpreter (default python3, >= 3.9).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
req="$root/python-reference/requirements.txt"
req_nodeps="$root/python-reference/requirements-nodeps.txt"
stamp="$venv/.requirements.sha256"
py="$venv/bin/python"
base_python=${PYTHON_ENV_PYTHON:-python3}

want=$(cat "$req" "$req_nodeps" | sha256sum | cut -d' ' -f1)
if [[ -x $py && -f $stamp && $(cat "$stamp") == "$want" ]]; then
  echo "$py"
  exit 0
fi

# One installer at a time (e.g. two test JVMs starting together): lock this script file, then look again.
exec 9<"$0"
flock 9
if [[ -x $py && -f $stamp && $(cat "$stamp") == "$want" ]]; then
  echo "$py"
  exit 0
fi

if ! command -v "$base_python" >/dev/null; then
  echo "python-env: '$base_python' not found; install Python 3.9-3.12 (e.g. apt-get install python3 python3-venv)" >&2
  exit 1
fi
if ! "$base_python" -c 'import sys; sys.exit(not ((3, 9) <= sys.version_info[:2] <= (3, 12)))'; then
  echo "python-env: tensorflow-cpu 2.18 needs Python 3.9-3.12, '$base_python' is $("$base_python" --version 2>&1);" \
    "set PYTHON_ENV_PYTHON to another interpreter" >&2
  exit 1
fi
if [[ ! -x $py ]]; then
  echo "python-env: creating $venv with $($base_python --version 2>&1)" >&2
  rm -rf "$venv"
  if ! "$base_python" -m venv "$venv"; then
    echo "python-env: '$base_python -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
    rm -rf "$venv"
    exit 1
  fi
fi
rm -f "$stamp"
echo "python-env: installing $(basename "$req") into $venv (first run: a few minutes, ~1 GB)" >&2
"$py" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
"$py" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
"$py" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req_nodeps" >&2
"$py" - >&2 <<'EOF'
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras, numpy, tensorflow as tf, tf_keras
assert tf.__version__.startswith("2.18."), tf.__version__
print(f"python-env: tensorflow {tf.__version__}, keras {keras.__version__}, tf_keras {tf_keras.__version__}, "
      f"numpy {numpy.__version__}")
EOF
echo "$want" > "$stamp"
echo "$py"
