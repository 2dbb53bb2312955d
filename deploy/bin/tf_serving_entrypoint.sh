#!/usr/bin/env bash
# The tensorflow/serving image's entrypoint, for AE Bridge's image: same environment variables (MODEL_NAME, default
# "model"; MODEL_BASE_PATH, default /models), same ports (gRPC 8500, REST 8501), same folder convention, so TF
# Serving's documented `docker run` examples work with the image name swapped:
#   podman run -p 8501:8501 -v "$PWD/saved-models/dense-784-32:/models/dense:ro" -e MODEL_NAME=dense IMAGE
#   podman run -p 8501:8501 -v "$PWD/models:/models:ro" IMAGE --model_config_file=/models/models.config
# Extra arguments are passed on. As in TF Serving, --model_config_file makes --model_name/--model_base_path unused.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
server="$here/tensorflow_model_server"
[[ -x $server ]] || server="$(command -v tensorflow_model_server)"
exec "$server" --port=8500 --rest_api_port=8501 --model_name="${MODEL_NAME:-model}" \
  --model_base_path="${MODEL_BASE_PATH:-/models}/${MODEL_NAME:-model}" "$@"
