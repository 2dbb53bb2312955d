#!/usr/bin/env bash
# Kubernetes and KServe manifests under deploy/ validated offline (deploy/validate/validate.py): core kinds against
# kubernetes-validate's schemas in strict mode, KServe kinds against KServe's CRD schemas kept in deploy/kserve/crds,
# plus the deployment contract (probes, grace period vs drain, non-root, read-only root fs, ports, KServe
# protocols). Then proves the check can fail: broken copies in $WORK must each be refused, naming what is wrong.
# Last, docs/scaling.md's generated tables must match the committed raw results.
# Contract: tests/e2e (COMMON): PY, WORK, ROOT set; `ok   `/`FAIL ` lines; non-zero exit on any FAIL.
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PY="${PY:-$("$ROOT/scripts/python-env.sh")}"
WORK="${WORK:-$(mktemp -d)}"
cd "$ROOT"
failed=0

if ! "$PY" -c 'import kubernetes_validate' 2>/dev/null; then
  # Pinned in python-reference/requirements.txt; a venv made before it was added lacks it.
  "$PY" -m pip install -q "$(grep '^kubernetes-validate==' python-reference/requirements.txt)" >&2
fi

# 1. The committed manifests: every line of the validator is a check.
out="$WORK/manifests.out"
if "$PY" deploy/validate/validate.py deploy/k8s deploy/kserve > "$out" 2>&1; then rc=0; else rc=$?; fi
cat "$out"
if [[ $rc != 0 ]] || ! grep -q '^ok ' "$out"; then failed=1; fi

# 2. Broken copies must be refused. Each: a sed on one manifest, the word the refusal must name.
refused() {  # name file sed-expression expected-word
  local name=$1 file=$2 expr=$3 word=$4 dir="$WORK/broken-$1"
  mkdir -p "$dir"
  sed -e "$expr" "$file" > "$dir/$(basename "$file")"
  if cmp -s "$file" "$dir/$(basename "$file")"; then echo "FAIL broken copy '$name': the edit changed nothing"; failed=1; return; fi
  if "$PY" deploy/validate/validate.py "$dir" > "$dir/out" 2>&1; then
    echo "FAIL broken copy '$name' was accepted"; failed=1
  elif grep '^FAIL' "$dir/out" | grep -q -- "$word"; then
    echo "ok   broken copy '$name' refused: $(grep '^FAIL' "$dir/out" | head -1 | cut -c6- | sed "s|$dir/||")"
  else
    echo "FAIL broken copy '$name' refused without naming '$word':"; sed 's/^/     /' "$dir/out"; failed=1
  fi
}
refused misspelt-probe deploy/k8s/base/deployment.yaml 's/readinessProbe:/readynessProbe:/' readynessProbe
refused bad-port-type deploy/k8s/base/service.yaml 's/port: 8500/port: "eight-five-hundred"/' 'eight-five-hundred'
refused hpa-unknown-field deploy/k8s/base/hpa.yaml 's/minReplicas: 2/minReplica: 2/' minReplica
refused short-grace deploy/k8s/base/deployment.yaml 's/terminationGracePeriodSeconds: 30/terminationGracePeriodSeconds: 12/' terminationGracePeriodSeconds
refused isvc-unknown-field deploy/kserve/inferenceservice-rest-v1.yaml 's/storageUri:/storageURI:/' storageURI
refused runtime-protocols-not-a-list deploy/kserve/clusterservingruntime.yaml '/^  protocolVersions:$/,/grpc-v2/c\  protocolVersions: v1' protocolVersions
refused runtime-without-v2 deploy/kserve/clusterservingruntime.yaml '/^    - v2$/d' 'grpc-v2'

# 3. docs/scaling.md's tables are what the committed raw results give (deploy/drills/write-doc.py wrote them).
if "$PY" deploy/drills/write-doc.py --check > "$WORK/doc.out" 2>&1; then
  echo "ok   docs/scaling.md tables match the newest deploy/drills/results and deploy/image/results"
else
  echo "FAIL $(cat "$WORK/doc.out")"; failed=1
fi

exit $failed
