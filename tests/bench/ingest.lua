-- Ingest load for wrk: each request POSTs a batch of new
-- employment.person_registered events with valid, distinct id numbers.
--
--   wrk -t2 -c4 -d10s -s tests/bench/ingest.lua http://127.0.0.1:8080 -- TOKEN [BATCH]
--
-- Events/s = requests/s x BATCH. Responses that are not 200, or that carry a
-- result other than "accepted", are counted and reported at the end.

local threads = {}
-- per-thread globals, read back through thread:get in done()
failed, not_accepted, batch = 0, 0, 100
local token
local counter = 0
local run = string.format("%x", os.time())

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = "10X98765432"

-- a GB 11643 number for n: 20 million distinct values
local function id_number(n)
  local seq = n % 1000
  local k = math.floor(n / 1000)
  local day = 1 + k % 28
  local month = 1 + math.floor(k / 28) % 12
  local year = 1950 + math.floor(k / 336) % 60
  local body = string.format("433123%04d%02d%02d%03d", year, month, day, seq)
  local sum = 0
  for i = 1, 17 do
    sum = sum + tonumber(body:sub(i, i)) * weights[i]
  end
  local c = (sum % 11) + 1
  return body .. checks:sub(c, c)
end

function init(args)
  token = args[1]
  batch = tonumber(args[2] or "100")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  local events = {}
  for i = 1, batch do
    counter = counter + 1
    local n = (tid * 5000000 + counter) % 20000000
    events[i] = string.format(
      '{"id":"bench-%s-%d-%d","type":"employment.person_registered",' ..
      '"region":"433123101%03d","occurred_at":"2024-05-06T10:00:00+08:00",' ..
      '"data":{"id_number":"%s","name":"压测","household":"rural","categories":["migrant_worker"]}}',
      run, tid, counter, 1 + counter % 30, id_number(n))
  end
  return wrk.format(nil, "/v1/events", nil, '{"events":[' .. table.concat(events, ",") .. ']}')
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
  elseif body:find('"rejected"', 1, true) or body:find('"retry"', 1, true) then
    not_accepted = not_accepted + 1
  end
end

function done(summary, latency, requests)
  local bad, partial = 0, 0
  batch = threads[1]:get("batch")
  for _, t in ipairs(threads) do
    bad = bad + (t:get("failed") or 0)
    partial = partial + (t:get("not_accepted") or 0)
  end
  local seconds = summary.duration / 1e6
  local n = summary.requests
  io.write(string.format("batches %d, events/s %.0f, p50 %.1f ms, p99 %.1f ms, " ..
                         "non-200 %d, batches with a non-accepted event %d\n",
                         n, n * batch / seconds, latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, bad, partial))
end
