#!/usr/bin/env bash
# Builds the class-data-sharing archive that makes the server start faster: the classes a real start-up loads
# (picocli, Javalin/Jetty, Jackson, Micrometer, TensorFlow Java, AE Bridge) are parsed and verified once, here,
# and mapped from the archive at every later start (AppCDS, a JDK feature: -XX:ArchiveClassesAtExit /
# -XX:SharedArchiveFile).
#
#   scripts/build-cds-archive.sh [JAR [MODELS]]
#
# JAR     the application jar (default target/aebridge.jar; its lib/ folder beside it); the archive is written
#         beside it as aebridge.jsa, which `./aebridge` and deploy/bin/tensorflow_model_server use when present.
# MODELS  a models folder to start with (default: one of this repository's committed models); the run starts the server
#         on a free loopback port, waits until it is ready, sends one request of each kind the server answers
#         (status, metadata, :predict, OIP V2 infer, /metrics), then stops it with SIGTERM, and the JVM writes the
#         archive as it exits.
#
# The archive is only valid for this JDK and for this jar and lib/ at these paths (the JVM checks both, and
# ignores an archive that does not match): build it where the jar will run (in an image: after the jar is in
# place, with the image's JDK), and again after every rebuild — `./aebridge` skips an archive older than the jar.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$(readlink -f "${1:-$root/target/aebridge.jar}")"
archive="$(dirname "$jar")/aebridge.jsa"
[[ -f $jar ]] || { echo "build-cds-archive: no jar at $jar (run: mvn -DskipTests package)" >&2; exit 2; }
work="$(mktemp -d)"
if [[ -n ${2:-} ]]; then
  models="$(readlink -f "$2")"
else
  # The classes a start loads do not depend on how many models there are: one small model is enough.
  models="$work/models"
  mkdir -p "$models"
  ln -s "$root/saved-models/py-demo-tf-module" "$models/demo"
fi
[[ -d $models ]] || { echo "build-cds-archive: no models folder $models" >&2; exit 2; }

pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The same heap settings as ./aebridge serve, so the run exercises what a real start does.
TF_CPP_MIN_LOG_LEVEL=2 java -Xms512m -Xmx512m -XX:ArchiveClassesAtExit="$work/aebridge.jsa" -Xlog:cds=warning \
  -jar "$jar" serve --models "$models" --port 0 > "$work/server.log" 2>&1 &
pid=$!

url=
for _ in $(seq 1 1200); do
  url="$(grep -o 'at http://127\.0\.0\.1:[0-9]*' "$work/server.log" | head -1 | cut -c4- || true)"
  [[ -n $url ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "build-cds-archive: the server exited early:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $url ]] || { echo "build-cds-archive: the server did not start in 120 s" >&2; tail -20 "$work/server.log" >&2; exit 1; }

# One request of each kind, through the JDK's own HTTP client: no curl needed. The model is the first one served.
cat > "$work/Touch.java" <<'EOF'
import java.net.URI;
import java.net.http.*;
public class Touch {
  public static void main(String[] a) throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    String base = a[0];
    String index = send(c, HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build());
    String repo = send(c, HttpRequest.newBuilder(URI.create(base + "/v2/repository/index"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"name\":\"([^\"]+)\"[^}]*\"state\":\"READY\"")
        .matcher(repo);
    send(c, HttpRequest.newBuilder(URI.create(base + "/metrics")).build());
    send(c, HttpRequest.newBuilder(URI.create(base + "/openapi.json")).build());
    while (m.find()) {
      String model = base + "/v1/models/" + m.group(1);
      send(c, HttpRequest.newBuilder(URI.create(model)).build());
      send(c, HttpRequest.newBuilder(URI.create(model + "/metadata")).build());
      // Shapes differ between models; a refused request still runs the decoding and error paths.
      String zeros = "[" + "0.0,".repeat(783) + "0.0]";
      send(c, HttpRequest.newBuilder(URI.create(model + ":predict"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + zeros + "]}")).build());
      send(c, HttpRequest.newBuilder(URI.create(base + "/v2/models/" + m.group(1) + "/infer"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 784], "
              + "\"datatype\": \"FP32\", \"data\": " + zeros + "}]}")).build());
    }
  }

  static String send(HttpClient c, HttpRequest r) throws Exception {
    return c.send(r, HttpResponse.BodyHandlers.ofString()).body();
  }
}
EOF
java "$work/Touch.java" "$url"

kill -TERM "$pid"
wait "$pid" || true
pid=
if [[ ! -s $work/aebridge.jsa ]]; then
  echo "build-cds-archive: the JVM wrote no archive; its log:" >&2
  tail -20 "$work/server.log" >&2
  exit 1
fi
mv -f "$work/aebridge.jsa" "$archive.tmp"
mv -f "$archive.tmp" "$archive"
echo "build-cds-archive: wrote $archive ($(du -h "$archive" | cut -f1)) for $jar"
