-- wrk script: GetSessionStatus exactly as boto3 sends it (see boto3_wire.lua), on a session
-- chosen at random for every request among N.
--
--   wrk -t1 -c16 -d10s -s bench/get_session_status.lua http://127.0.0.1:PORT/ [-- N]
--
-- Session ids: s-000001 ... s-<N> (bench/make_fixture.py N writes them), N from the script
-- argument, else ATHENA_SESSIONS, else 1000; or one id per line from ATHENA_IDS_FILE.
-- ATHENA_ACCESS_KEY / ATHENA_REGION shape the SigV4 credential scope (boto3_wire.lua).
--
-- Requests are built before the run, so the load generator spends as little as it can per
-- request (it shares the machine with the server):
--   ATHENA_REQUESTS=full    every id's whole request is built once (about 730 bytes an id;
--                           the default up to 100k ids); a request costs a table lookup
--   ATHENA_REQUESTS=concat  bodies are built once and each request is one concatenation of
--                           a prebuilt head and a body (the default above 100k ids, where
--                           full would take gigabytes); bench/sweep.sh uses it for every
--                           size so that all sizes get the same client
-- Either way the Signature and amz-sdk-invocation-id vary over 1024 values from request to
-- request.
--
-- No response() callback: wrk then parses answers in C only, so the load generator stays as
-- cheap for the emulator as for nginx. wrk counts answers with status >= 400 itself
-- (summary.errors.status); a 1xx/3xx would go unnoticed, which GetSessionStatus never sends.
--
-- Last line of output, for scripts:
--   BENCH requests=N duration_s=S rps=R p50_us=.. p90_us=.. p99_us=.. max_us=..
--         non2xx=N err_connect=N err_read=N err_write=N err_timeout=N

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local wire = dofile(here .. "/boto3_wire.lua")

local n = 1000
local full = nil        -- full request texts, one per id (mode "full")
local bodies = {}       -- bodies, one per id (mode "concat")
local heads = {}        -- body length -> the POOL request heads for that length
local pool = 1
local slot = 0

local function body_of(id)
   return '{"SessionId": "' .. id .. '"}'
end

function init(args)
   local ids = nil
   local file = os.getenv("ATHENA_IDS_FILE")
   if file and file ~= "" then
      ids = {}
      for line in assert(io.open(file, "r")):lines() do
         local id = line:match("^%s*(.-)%s*$")
         if id ~= "" then ids[#ids + 1] = id end
      end
      assert(#ids > 0, "no ids in " .. file)
      n = #ids
   else
      n = tonumber((args and args[1]) or os.getenv("ATHENA_SESSIONS") or "1000")
      assert(n and n >= 1, "N must be a positive number")
   end
   local mode = os.getenv("ATHENA_REQUESTS") or ""
   if mode == "" then mode = (n <= 100000) and "full" or "concat" end
   assert(mode == "full" or mode == "concat", "ATHENA_REQUESTS must be full or concat")

   local build, heads_for
   build, heads_for, pool = wire.builder(os.time() + math.floor(os.clock() * 1e6))
   for i = 1, n do
      local body = body_of(ids and ids[i] or string.format("s-%06d", i))
      if mode == "full" then
         full = full or {}
         full[i] = build("GetSessionStatus", body)
      else
         bodies[i] = body
         if heads[#body] == nil then heads[#body] = heads_for("GetSessionStatus", #body) end
      end
   end
end

function request()
   if full then return full[math.random(n)] end
   local body = bodies[math.random(n)]
   slot = slot % pool + 1
   return heads[#body][slot] .. body
end

function done(summary, latency, requests)
   local e = summary.errors
   local dur = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "non2xx=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
      summary.requests, dur, summary.requests / dur,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.status, e.connect, e.read, e.write, e.timeout))
end
