#!/usr/bin/env bash
# Regenerates src/main/proto/ (all but README.md) from the published descriptors:
#   tensorflow_serving/**       from PyPI tensorflow-serving-api==2.18.0 (installed in the venv)
#   grpc_predict_v2.proto       from PyPI kserve==0.21.0 (kserve/protocol/grpc/grpc_predict_v2_pb2.py), plus
#                               Triton's ModelConfig and ModelStatistics calls and messages from PyPI
#                               tritonclient==2.63.0 (triton_extensions.py)
#   model_config.proto          from PyPI tritonclient==2.63.0 (tritonclient/grpc/model_config_pb2.py)
#   tensorflow/**, tsl/**       from TF Java 1.1.0's own compiled descriptors (tensorflow-core-native jar), so the
#                               import-only copies carry TF Java's java_package (org.tensorflow.proto)
# Neither Python package ships .proto text, so the files are printed from the descriptors (jhump/protoreflect's
# protoprint, a Go module): same packages, messages, field numbers and options; the comments are not in descriptors.
# Needs: the venv (scripts/python-env.sh), Go, Maven's ~/.m2 with protobuf-java and TF Java.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=$("$root/scripts/python-env.sh")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
m2=${M2_REPO:-$HOME/.m2/repository}
tfjar=$m2/org/tensorflow/tensorflow-core-native/1.1.0/tensorflow-core-native-1.1.0.jar
pbjar=$m2/com/google/protobuf/protobuf-java/3.25.9/protobuf-java-3.25.9.jar  # the runtime pom.xml manages

"$py" -m pip download -q --no-deps kserve==0.21.0 -d "$tmp"
# tensorflow-serving-api 2.18's *_pb2.py predate protobuf 5's upb backend; the pure-Python one reads them.
PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python "$py" "$here/published_set.py" "$tmp"/kserve-0.21.0-*.whl \
  "$tmp/published.pb" > "$tmp/published.txt"
"$py" "$here/triton_extensions.py" "$tmp/published.pb"
echo model_config.proto >> "$tmp/published.txt"
grep -E '^(tensorflow|tsl)/' "$tmp/published.txt" > "$tmp/tf-files.txt"
java -cp "$pbjar:$tfjar" "$here/TfJavaDescriptors.java" "$tfjar" "$tmp/tfjava.pb" $(cat "$tmp/tf-files.txt") > /dev/null
"$py" "$here/merge_sets.py" "$tmp/all.pb" "$tmp/published.pb" "$tmp/tfjava.pb"
(cd "$here" && go build -o "$tmp/protoprint" .)
files=$(grep -v '^google/' "$tmp/published.txt")
# tensorflow_serving/config/{monitoring_config,batching_parameters}.proto are not in the published descriptors
# (see that folder's README.md); they stay.
find "$root/src/main/proto" -name '*.proto' ! -path '*/config/monitoring_config.proto' \
  ! -path '*/config/batching_parameters.proto' -delete
"$tmp/protoprint" "$root/src/main/proto" $files < "$tmp/all.pb"
echo "wrote $(echo "$files" | wc -l) files under src/main/proto"
