-- Read load for wrk: authenticated GETs of one path, for the dashboard and
-- hop-cost scenarios of ./deploy/local.sh bench (tests/bench/run.py).
--
--   wrk -t2 -c32 -d10s -s tests/bench/get.lua http://127.0.0.1:8080 -- TOKEN PATH [YEAR]
--
-- "{period}" in PATH becomes YYYY-01 .. YYYY-12 in turn (YEAR, default last
-- year), so a dashboard asks for every month of the year, as its month
-- picker would. Prints one JSON line at the end: requests, req/s, latency
-- percentiles in ms, and the count of non-200 answers and socket errors.

local threads = {}
non200 = 0

function setup(thread)
  table.insert(threads, thread)
end

local path, year
local n = 0

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  path = args[2]
  year = tonumber(args[3] or (tonumber(os.date("%Y")) - 1))
end

function request()
  n = n + 1
  local p = path:gsub("{period}", string.format("%04d-%02d", year, 1 + n % 12))
  return wrk.format("GET", p)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non200") or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"requests_per_s":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"non200":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, bad,
    e.connect + e.read + e.write + e.timeout))
end
