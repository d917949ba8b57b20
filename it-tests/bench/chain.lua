-- wrk script for run.sh: every request is a labelled request with its own trace, as in production:
-- x-asm-traffic-tag: dev-x, a random UUID as x-request-id (as Envoy makes them) and a W3C traceparent with a
-- random trace id; and at the end one machine-readable line ("bench key=value ...") that run.sh parses.
-- Latencies are in microseconds.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  math.randomseed(os.time() * 64 + id)
end

local function hex8()
  return string.format("%08x", math.random(0, 0x7fffffff))
end

function request()
  local uuid = hex8() .. "-" .. hex8():sub(1, 4) .. "-4" .. hex8():sub(1, 3) .. "-a" .. hex8():sub(1, 3) .. "-"
      .. hex8():sub(1, 4) .. hex8()
  return wrk.format(nil, nil, {
    ["x-asm-traffic-tag"] = "dev-x",
    ["x-request-id"] = uuid,
    ["traceparent"] = "00-" .. hex8() .. hex8() .. hex8() .. hex8() .. "-" .. hex8() .. hex8() .. "-01",
  })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "bench requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
