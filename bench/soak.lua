-- wrk script for bench/soak.sh: a mixed Athena Spark-session load whose live set stays
-- bounded, every request shaped as boto3 sends it (boto3_wire.lua).
--
--   wrk -t1 -c16 -d600s -s bench/soak.lua http://127.0.0.1:PORT/
--
-- Needs workgroup `bench` with the `instant` profile (bench/make_fixture.py N --idle): a
-- started session is IDLE at once and a calculation ends at once, so the session is IDLE again.
--
-- Weights per request (ATHENA_MIX, same syntax as mixed.lua, overrides):
--   poll=55     GetSessionStatus of a live session (one this thread started)
--   start=10    StartSession {"WorkGroup": "bench", ...}; becomes a TerminateSession while
--               the thread already has SOAK_LIVE_MAX (64) live sessions
--   term=10     TerminateSession of the oldest live session (a StartSession while none)
--   calc=10     StartCalculationExecution on a live session
--   getcalc=5   GetCalculationExecutionStatus of one of the last 256 calculations
--   list=5      ListSessions {"WorkGroup": "bench", "MaxResults": 10}
--   get=5       GetSession of a live session
-- Every session started is terminated later (or by the idle timeout of 20 minutes), so the
-- live set is at most SOAK_LIVE_MAX per wrk thread; the store keeps every session, by design.
--
-- SOAK_RATE (requests/s over all connections, 0 or unset: as fast as the server answers) and
-- SOAK_CONNS (the -c value) pace the load with wrk's delay(): each connection waits
-- CONNS*1000/RATE ms between requests.
--
-- Output (last lines): "SOAK statuses: 200=.. 400=.. 500=..  errors: <__type>=.." and the
-- BENCH line of mixed.lua.

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local wire = dofile(here .. "/boto3_wire.lua")

local OPS = { "poll", "start", "term", "calc", "getcalc", "list", "get" }
local NAME = {
   poll = "GetSessionStatus", start = "StartSession", term = "TerminateSession",
   calc = "StartCalculationExecution", getcalc = "GetCalculationExecutionStatus",
   list = "ListSessions", get = "GetSession",
}
local START_BODY = '{"WorkGroup": "bench", "EngineConfiguration": {"MaxConcurrentDpus": 20}, ' ..
   '"Tags": [{"Key": "soak", "Value": "1"}]}'
local LIST_BODY = '{"WorkGroup": "bench", "MaxResults": 10}'
local CODE = "spark.range(1000).selectExpr('sum(id)').show()"

local build, cumulative, total = nil, {}, 0
local live, live_head = {}, 1        -- a queue: live[live_head .. #live]
local calcs, calc_pos = {}, 0        -- ring of the last 256 calculation ids
local live_max = 64
local pause_ms = 0

statuses = {}
errors = {}

function setup(thread)
   threads = threads or {}
   table.insert(threads, thread)
end

local function parse_mix(spec)
   local w = { poll = 55, start = 10, term = 10, calc = 10, getcalc = 5, list = 5, get = 5 }
   if spec and spec ~= "" then
      for k in pairs(w) do w[k] = 0 end
      for key, val in spec:gmatch("(%a+)%s*=%s*(%d+)") do
         assert(w[key] ~= nil, "ATHENA_MIX: unknown operation " .. key)
         w[key] = tonumber(val)
      end
   end
   return w
end

function init(args)
   local w = parse_mix(os.getenv("ATHENA_MIX"))
   for _, op in ipairs(OPS) do
      if w[op] > 0 then
         total = total + w[op]
         cumulative[#cumulative + 1] = { total, op }
      end
   end
   live_max = tonumber(os.getenv("SOAK_LIVE_MAX") or "64")
   local rate = tonumber(os.getenv("SOAK_RATE") or "0") or 0
   local conns = tonumber(os.getenv("SOAK_CONNS") or "16") or 16
   if rate > 0 then pause_ms = math.floor(conns * 1000 / rate) end
   build = wire.builder(os.time() + math.floor(os.clock() * 1e6))
end

function delay()
   return pause_ms
end

local function live_count() return #live - live_head + 1 end

local function any_live()
   if live_count() <= 0 then return nil end
   return live[math.random(live_head, #live)]
end

local function pick()
   local r = math.random() * total
   for i = 1, #cumulative do
      if r < cumulative[i][1] then return cumulative[i][2] end
   end
   return cumulative[#cumulative][2]
end

function request()
   local op = pick()
   local sid = any_live()
   if op == "start" and live_count() >= live_max then op = "term" end
   if (op == "poll" or op == "calc" or op == "get" or op == "term") and not sid then op = "start" end
   if op == "getcalc" and #calcs == 0 then op = "list" end
   local body
   if op == "start" then
      body = START_BODY
   elseif op == "term" then
      sid = live[live_head]
      live[live_head] = nil
      live_head = live_head + 1
      body = '{"SessionId": "' .. sid .. '"}'
   elseif op == "poll" or op == "get" then
      body = '{"SessionId": "' .. sid .. '"}'
   elseif op == "calc" then
      body = '{"SessionId": "' .. sid .. '", "CodeBlock": "' .. CODE .. '"}'
   elseif op == "getcalc" then
      body = '{"CalculationExecutionId": "' .. calcs[math.random(#calcs)] .. '"}'
   else
      body = LIST_BODY
   end
   return build(NAME[op], body)
end

local function count(t, k) t[k] = (t[k] or 0) + 1 end

function response(status, headers, body)
   count(statuses, status)
   if status < 200 or status > 299 then
      local kind = headers["X-Amzn-ErrorType"] or headers["x-amzn-errortype"] or
         (body and body:match('"__type"%s*:%s*"([^"]+)"')) or "?"
      count(errors, kind)
      return
   end
   -- The answer says what it was (wrk's response() does not know its request).
   local calc = body:match('"CalculationExecutionId"%s*:%s*"([^"]+)"')
   if calc and body:find('"State"', 1, true) and not body:find('"Status"', 1, true) then
      calc_pos = calc_pos % 256 + 1
      calcs[calc_pos] = calc
      return
   end
   if body:find('"Status"', 1, true) or body:find('"Sessions"', 1, true) then return end
   local id = body:match('"SessionId"%s*:%s*"([^"]+)"')
   if id and body:find('"State"', 1, true) then
      live[#live + 1] = id   -- a StartSession answer: {"SessionId", "State"}
   end
end

local function merged(name) return wire.merged(threads, name) end
local fmt = wire.fmt

function done(summary, latency, requests)
   local st = merged("statuses")
   local non2xx = 0
   for k, v in pairs(st) do
      if k < 200 or k > 299 then non2xx = non2xx + v end
   end
   io.write("SOAK statuses: " .. fmt(st) .. "  errors: " .. fmt(merged("errors")) .. "\n")
   local e = summary.errors
   local dur = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "non2xx=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
      summary.requests, dur, summary.requests / dur,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      non2xx, e.connect, e.read, e.write, e.timeout))
end
