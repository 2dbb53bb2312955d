#!/bin/sh
# Runs inside the image while deploy/image/build.sh builds it (buildah run, host network): starts the server on the
# models in /tmp/cds/models with HTTP and gRPC on free loopback ports, sends one request of each kind
# (CdsTouch), stops it with SIGTERM, and the JVM writes the class-data-sharing archive ARCHIVE as it exits.
# Plain sh and coreutils only: the image has no curl and its Java runtime no compiler.
set -eu
archive="$1"
dir=/tmp/cds
java -Xms512m -Xmx512m -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=warning \
  -jar /opt/aebridge/aebridge.jar serve --host 127.0.0.1 --port 0 --grpc-port -1 --models "$dir/models" \
  > "$dir/server.log" 2>&1 &
pid=$!
url=
i=0
while [ $i -lt 1200 ]; do
  url=$(grep -o 'at http://127\.0\.0\.1:[0-9]*' "$dir/server.log" | head -1 | cut -c4- || true)
  [ -n "$url" ] && grep -q 'Models ready' "$dir/server.log" && break
  kill -0 "$pid" 2>/dev/null || { echo "cds-train: the server exited early:" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
  sleep 0.1
  i=$((i + 1))
done
[ -n "$url" ] || { echo "cds-train: the server did not start in 120 s" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
java -cp "$dir" CdsTouch "$url"
kill -TERM "$pid"
wait "$pid" || true
[ -s "$archive" ] || { echo "cds-train: the JVM wrote no archive:" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
echo "cds-train: wrote $archive ($(du -h "$archive" | cut -f1))" >&2
