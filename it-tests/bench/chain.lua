-- wrk script for run.sh: every request is a labelled request with its own trace, as in production
-- (x-asm-traffic-tag: dev-x, a unique x-request-id and a unique W3C traceparent), and at the end one
-- machine-readable line ("bench key=value ...") that run.sh parses. Latencies are in microseconds.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local counter = 0

function request()
  counter = counter + 1
  return wrk.format(nil, nil, {
    ["x-asm-traffic-tag"] = "dev-x",
    ["x-request-id"] = string.format("bench-%d-%d", id, counter),
    ["traceparent"] = string.format("00-4bf92f3577b34da6%08x%08x-00f067aa0ba902b7-01", id, counter),
  })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "bench requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
