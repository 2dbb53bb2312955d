-- wrk script of bench/bench.py: POSTs one fixed body and prints the run's figures as one JSON line.
--   wrk -t1 -c64 -d10s --latency -s bench/wrk/post.lua URL -- BODY_FILE CONTENT_TYPE [Header=Value ...]
-- The body file is read as bytes, so binary bodies (the OIP V2 binary tensor extension) work too.

function init(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = args[2]
  for i = 3, #args do
    local k, v = string.match(args[i], "^([^=]+)=(.*)$")
    wrk.headers[k] = v
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"latency_mean_us":%.1f,"latency_max_us":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
