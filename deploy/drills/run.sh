#!/usr/bin/env bash
# Replicas behind HAProxy under 64-connection :predict load: throughput of 1/2/3 replicas, then four drills (new
# model version, rolling restart, kill -9, a replica with a broken models folder). See drill.py for the details
# and docs/scaling.md for the results. On demand (about 8-10 minutes with the default 60 s per drill), never in
# the test command. Needs haproxy (apt-get install -y haproxy), Java 17, the venv (numpy).
#
#   deploy/drills/run.sh                       # everything, 60 s of load per drill
#   deploy/drills/run.sh --duration 30         # shorter drills on a busy machine
#   deploy/drills/run.sh --drills kill         # one drill
# Then: python3 deploy/drills/write-doc.py     # docs/scaling.md's table from the newest results
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v haproxy >/dev/null || { echo "run.sh: haproxy is missing: apt-get install -y haproxy" >&2; exit 2; }
jar="$root/target/aebridge.jar"
if [[ ! -f $jar || ! -d $root/target/lib ]] || [[ -n $(find "$root/pom.xml" "$root/src/main" -newer "$jar" -print -quit) ]]; then
  (cd "$root" && mvn -B -q -DskipTests package) >&2
fi
py="${PY:-$root/.venv/bin/python}"
[[ -x $py ]] || py="$("$root/scripts/python-env.sh")"
exec nice -n 5 "$py" "$root/deploy/drills/drill.py" "$@"
