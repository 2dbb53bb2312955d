# Sourced by e2e scripts (not run by itself: tests/run-all.sh runs tests/e2e/*.sh only).
#
# wait_for_ports LOG PID SCHEME — waits (up to 5 min) for `aebridge serve`'s "Serving … at SCHEME://host:PORT …
# gRPC on port G" line in LOG while process PID lives, and sets http_port and grpc_port from it. When the server
# died or never said so, they stay empty; when it serves another scheme, http_port is not a number. The caller
# reports either failure in its own words.
wait_for_ports() {
  local log=$1 pid=$2 scheme=$3 line
  http_port="" grpc_port=""
  for _ in $(seq 1 600); do
    line=$(grep -m1 '^Serving ' "$log" || true)
    if [[ -n $line ]]; then
      http_port=$(sed -E "s|.* at $scheme://[^:]+:([0-9]+) .*|\\1|" <<< "$line")
      grpc_port=$(sed -E 's|.*gRPC on port ([0-9]+).*|\1|' <<< "$line")
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
}
