-- wrk script: a mixed Athena Spark-session load, every request shaped as boto3 sends it
-- (see boto3_wire.lua).
--
--   wrk -t1 -c16 -d10s -s bench/mixed.lua http://127.0.0.1:PORT/ [-- N]
--
-- Needs the fixture of bench/make_fixture.py N --idle: workgroup `bench` (profile `instant`:
-- a started session is IDLE at once) and IDLE sessions s-000001 ... s-<N>. N from the script
-- argument, else ATHENA_SESSIONS, else 1000.
--
-- Each request is drawn with these weights (ATHENA_MIX, same syntax, overrides):
--   poll=70   GetSessionStatus: half on one of the last 1024 sessions this load started
--             (what a client does while waiting for IDLE), half on a fixture session
--   start=8   StartSession {"WorkGroup": "bench", "EngineConfiguration": {"MaxConcurrentDpus": 20}}
--             (the answer's SessionId joins the started pool)
--   list=7    ListSessions {"WorkGroup": "bench", "MaxResults": 10}
--             (ATHENA_LIST_MAX=K for another page size; 0 omits MaxResults: AWS's 100)
--   term=7    TerminateSession of a session this load started and has not terminated yet
--             (a StartSession instead while there is none)
--   calc=8    StartCalculationExecution {"SessionId": <fixture session>, "CodeBlock": "..."}
--             on a fixture session, IDLE (the instant profile runs a calculation in 0 ms)
--
-- A response() callback reads every answer (wrk then copies each into Lua: the client costs
-- more than with get_session_status.lua, for the emulator only; the nginx anchor is measured
-- with get_session_status.lua). Every status is counted exactly; non2xx is the number of
-- answers whose status is not 2xx, with their __type counted and one body kept.
--
-- Last lines of output, for scripts:
--   MIX sent: GetSessionStatus=.. StartSession=.. ...
--   MIX answered: GetSessionStatus=.. ... statuses: 200=.. 400=..  errors: <__type>=..
--   BENCH requests=.. duration_s=.. rps=.. p50_us=.. p90_us=.. p99_us=.. max_us=..
--         non2xx=.. err_connect=.. err_read=.. err_write=.. err_timeout=..

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local wire = dofile(here .. "/boto3_wire.lua")

local OPS = { "poll", "start", "list", "term", "calc" }
local OP_NAME = {
   poll = "GetSessionStatus", start = "StartSession", list = "ListSessions",
   term = "TerminateSession", calc = "StartCalculationExecution",
}

local n = 1000
local build = nil
local cumulative = {}   -- {upper bound, op} over 0..total
local total = 0

local START_BODY = '{"WorkGroup": "bench", "EngineConfiguration": {"MaxConcurrentDpus": 20}}'
local LIST_BODY = nil
local CODE = "spark.range(1000).selectExpr('sum(id)').show()"

local recent = {}       -- ring of the last 1024 started session ids
local recent_n, recent_pos = 0, 0
local live = {}         -- started and not yet terminated (a stack)

-- per-thread counters, collected by done() through thread:get
sent = {}
answered = {}
statuses = {}
errors = {}
sample = ""

local function parse_mix(spec)
   local w = { poll = 70, start = 8, list = 7, term = 7, calc = 8 }
   if spec and spec ~= "" then
      for k in pairs(w) do w[k] = 0 end
      for key, val in spec:gmatch("(%a+)%s*=%s*(%d+)") do
         assert(w[key] ~= nil, "ATHENA_MIX: unknown operation " .. key)
         w[key] = tonumber(val)
      end
   end
   return w
end

local function fixture_id()
   return string.format("s-%06d", math.random(n))
end

function setup(thread)
   threads = threads or {}
   table.insert(threads, thread)
end

function init(args)
   n = tonumber((args and args[1]) or os.getenv("ATHENA_SESSIONS") or "1000")
   assert(n and n >= 1, "N must be a positive number")
   local w = parse_mix(os.getenv("ATHENA_MIX"))
   for _, op in ipairs(OPS) do
      if w[op] > 0 then
         total = total + w[op]
         cumulative[#cumulative + 1] = { total, op }
      end
      sent[OP_NAME[op]] = 0
   end
   assert(total > 0, "ATHENA_MIX: all weights are 0")
   local list_max = tonumber(os.getenv("ATHENA_LIST_MAX") or "10")
   if list_max and list_max > 0 then
      LIST_BODY = '{"WorkGroup": "bench", "MaxResults": ' .. list_max .. '}'
   else
      LIST_BODY = '{"WorkGroup": "bench"}'
   end
   build = wire.builder(os.time() + math.floor(os.clock() * 1e6))
end

local function pick()
   local r = math.random() * total
   for i = 1, #cumulative do
      if r < cumulative[i][1] then return cumulative[i][2] end
   end
   return cumulative[#cumulative][2]
end

local function send(op, body)
   local name = OP_NAME[op]
   sent[name] = sent[name] + 1
   return build(name, body)
end

function request()
   local op = pick()
   if op == "poll" then
      local id
      if recent_n > 0 and math.random(2) == 1 then
         id = recent[math.random(recent_n)]
      else
         id = fixture_id()
      end
      return send("poll", '{"SessionId": "' .. id .. '"}')
   elseif op == "term" then
      local id = table.remove(live)
      if id then return send("term", '{"SessionId": "' .. id .. '"}') end
      return send("start", START_BODY)
   elseif op == "start" then
      return send("start", START_BODY)
   elseif op == "list" then
      return send("list", LIST_BODY)
   else
      return send("calc", '{"SessionId": "' .. fixture_id() .. '", "CodeBlock": "' .. CODE .. '"}')
   end
end

local function count(t, k)
   t[k] = (t[k] or 0) + 1
end

function response(status, headers, body)
   count(statuses, status)
   if status < 200 or status > 299 then
      local kind = headers["X-Amzn-ErrorType"] or headers["x-amzn-errortype"] or
         (body and body:match('"__type"%s*:%s*"([^"]+)"')) or "?"
      count(errors, kind)
      if sample == "" and body then sample = body:sub(1, 300):gsub("[\r\n]", " ") end
      return
   end
   if body:find('"Sessions"', 1, true) then
      count(answered, "ListSessions")
   elseif body:find('"CalculationExecutionId"', 1, true) then
      count(answered, "StartCalculationExecution")
   elseif body:find('"Status"', 1, true) then
      count(answered, "GetSessionStatus")
   else
      local id = body:match('"SessionId"%s*:%s*"([^"]+)"')
      if id then
         count(answered, "StartSession")
         live[#live + 1] = id
         recent_pos = recent_pos % 1024 + 1
         recent[recent_pos] = id
         if recent_n < 1024 then recent_n = recent_n + 1 end
      else
         count(answered, "TerminateSession")
      end
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
   io.write("MIX sent: " .. fmt(merged("sent")) .. "\n")
   io.write("MIX answered: " .. fmt(merged("answered")) .. "  statuses: " .. fmt(st) ..
      "  errors: " .. fmt(merged("errors")) .. "\n")
   for _, t in ipairs(threads or {}) do
      local s = t:get("sample")
      if s and s ~= "" then io.write("MIX sample non-2xx body: " .. s .. "\n"); break end
   end
   local e = summary.errors
   local dur = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "non2xx=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
      summary.requests, dur, summary.requests / dur,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      non2xx, e.connect, e.read, e.write, e.timeout))
end
