-- wrk script for soak.sh: labelled requests with their own trace (as chain.lua), rotating over the front's hooks:
-- outbound clients (sync and async), thread hops, and a POST whose body the front reads (the mirror copies it);
-- at the end one machine-readable line ("soak key=value ...") that soak.sh parses.

local threads = {}
local paths = {
  "/call/okhttp", "/call/okhttp-async", "/call/java-http-async", "/call/apache5",
  "/hop/executor", "/hop/completable-async", "/hop/forkjoin", "/hop/scheduled", "POST /body",
}
local body = string.rep("graylane soak body ", 64) -- 1,216 bytes

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  math.randomseed(os.time() * 64 + id)
  n = id
end

local function hex8()
  return string.format("%08x", math.random(0, 0x7fffffff))
end

function request()
  n = n + 1
  local path = paths[n % #paths + 1]
  local headers = {
    ["x-asm-traffic-tag"] = "dev-x",
    ["x-request-id"] = hex8() .. "-" .. hex8():sub(1, 4) .. "-4" .. hex8():sub(1, 3) .. "-a" .. hex8():sub(1, 3) .. "-"
        .. hex8():sub(1, 4) .. hex8(),
    ["traceparent"] = "00-" .. hex8() .. hex8() .. hex8() .. hex8() .. "-" .. hex8() .. hex8() .. "-01",
  }
  if path:sub(1, 5) == "POST " then
    headers["Content-Type"] = "text/plain"
    return wrk.format("POST", path:sub(6), headers, body)
  end
  return wrk.format(nil, path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("soak requests=%d duration_us=%d status_errors=%d socket_errors=%d p99_us=%.1f\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(99)))
end
