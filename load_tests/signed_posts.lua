-- wrk script for bench_http: each wrk thread sends its own file of pre-signed requests
-- (one "token<TAB>idempotency key<TAB>body" line each), each once, in order, and counts
-- the answers by status; done() prints one RESULT line of JSON for the Python side.
-- Arguments: the files' common prefix (thread N reads PREFIX.N) and the path to POST.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local prefix, path = args[1], args[2]
  reqs = {}
  local file = assert(io.open(prefix .. "." .. id, "r"))
  for line in file:lines() do
    local token, key, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    reqs[#reqs + 1] = wrk.format("POST", path, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = key,
    }, body)
  end
  file:close()
  total = #reqs
  sent = 0
  statuses = {}
end

function request()
  sent = sent + 1
  if sent > #reqs then
    -- Out of bodies (the run outlasted them): a request that writes nothing, so no
    -- body is ever sent twice; it is counted under its own status (200) and the
    -- Python side reports it.
    return wrk.format("GET", "/api/v1/health/live")
  end
  return reqs[sent]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  local sent = {}
  for _, thread in ipairs(threads) do
    sent[#sent + 1] = string.format("%d", math.min(thread:get("sent"), thread:get("total")))
    local s = thread:get("statuses")
    for code, n in pairs(s) do totals[code] = (totals[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(totals) do parts[#parts + 1] = string.format('"%d": %d', code, n) end
  io.write(string.format(
    'RESULT {"sent": [%s], "statuses": {%s}, "p50_us": %d, "p95_us": %d, "p99_us": %d, "duration_us": %d, "requests": %d, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    table.concat(sent, ", "), table.concat(parts, ", "), latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.duration, summary.requests, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
