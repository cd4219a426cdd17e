-- boto3_wire.lua: builds AWS JSON 1.1 requests byte for byte in the shape boto3 sends them.
-- Loaded by get_session_status.lua and mixed.lua (wrk scripts in this directory); not a wrk
-- script itself.
--
-- The header order, names and values are those of boto3 1.43 / botocore 1.43 on Python 3.11,
-- captured from the wire:
--
--   POST / HTTP/1.1
--   Host: 127.0.0.1:4599
--   Accept-Encoding: identity
--   X-Amz-Target: AmazonAthena.GetSessionStatus
--   Content-Type: application/x-amz-json-1.1
--   User-Agent: Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1.0 md/arch#x86_64 ...
--   X-Amz-Date: 20261125T153943Z
--   Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/athena/aws4_request,
--                  SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=<64 hex>
--   amz-sdk-invocation-id: <uuid4>
--   amz-sdk-request: attempt=1
--   Content-Length: 25
--
--   {"SessionId": "s-000001"}          (json.dumps defaults: ", " and ": " separators)
--
-- boto3 signs each request anew and draws a new invocation id per call; here every request
-- takes one of POOL precomputed (Signature, invocation id) pairs in turn, so consecutive
-- requests differ like boto3's do without paying for HMAC or UUIDs in the load generator.
-- The signature is SigV4-shaped only: athena-emu does not verify it (nor does nginx).

local M = {}

M.USER_AGENT = "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1.0 md/arch#x86_64 " ..
   "lang/python#3.11.7 md/pyimpl#CPython m/N,b,Z,e,D cfg/retry-mode#legacy Botocore/1.43.11"

local POOL = 1024

local function env(name, default)
   local v = os.getenv(name)
   if v == nil or v == "" then return default end
   return v
end

local function hex(n)
   local t = {}
   for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
   return table.concat(t)
end

local function uuid4()
   local h = hex(32)
   local variant = string.format("%x", 8 + math.random(0, 3))
   return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) .. "-" .. variant ..
      h:sub(18, 20) .. "-" .. h:sub(21, 32)
end

-- The Host header wrk would send for the URL it was given.
function M.host()
   if wrk.headers and wrk.headers["Host"] then return wrk.headers["Host"] end
   local host = wrk.host or "127.0.0.1"
   if host:find(":") then host = "[" .. host .. "]" end
   if wrk.port then host = host .. ":" .. wrk.port end
   return host
end

-- Returns build, heads_for, POOL (see below).
-- Knobs: ATHENA_ACCESS_KEY (default AKIAIOSFODNN7EXAMPLE), ATHENA_REGION (us-east-1).
function M.builder(seed)
   math.randomseed(seed or os.time())
   local akid = env("ATHENA_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
   local region = env("ATHENA_REGION", "us-east-1")
   local now = os.time()
   local amz_date = os.date("!%Y%m%dT%H%M%SZ", now)
   local day = os.date("!%Y%m%d", now)
   local host = M.host()

   -- everything after "X-Amz-Target: " up to "Signature=" (the same for every operation)
   local after_target = "\r\nContent-Type: application/x-amz-json-1.1" ..
      "\r\nUser-Agent: " .. M.USER_AGENT ..
      "\r\nX-Amz-Date: " .. amz_date ..
      "\r\nAuthorization: AWS4-HMAC-SHA256 Credential=" .. akid .. "/" .. day .. "/" .. region ..
      "/athena/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
   local prefix = "POST / HTTP/1.1\r\nHost: " .. host ..
      "\r\nAccept-Encoding: identity\r\nX-Amz-Target: AmazonAthena."

   local heads = {}   -- operation -> text up to "Signature="
   local mids = {}    -- Signature .. invocation id .. "Content-Length: "
   for i = 1, POOL do
      mids[i] = hex(64) .. "\r\namz-sdk-invocation-id: " .. uuid4() ..
         "\r\namz-sdk-request: attempt=1\r\nContent-Length: "
   end
   local k = 0

   local function head_of(operation)
      local head = heads[operation]
      if head == nil then
         head = prefix .. operation .. after_target
         heads[operation] = head
      end
      return head
   end

   -- build(operation, body): the next request (pool slot k+1)
   local build = function(operation, body)
      k = k + 1
      if k > POOL then k = 1 end
      return head_of(operation) .. mids[k] .. #body .. "\r\n\r\n" .. body
   end

   -- heads_for(operation, body_length): the POOL texts that end where the body starts, so a
   -- request is one concatenation, heads[slot] .. body (cheaper for the load generator)
   local heads_for = function(operation, len)
      local out = {}
      for i = 1, POOL do out[i] = head_of(operation) .. mids[i] .. len .. "\r\n\r\n" end
      return out
   end
   return build, heads_for, POOL
end

-- JSON string literal for an id made of safe characters (session ids, workgroup names).
function M.q(s)
   return '"' .. s .. '"'
end

-- The sum over wrk's threads of the table each keeps under `name` (done() runs once, after).
function M.merged(threads, name)
   local out = {}
   for _, t in ipairs(threads or {}) do
      for k, v in pairs(t:get(name) or {}) do out[k] = (out[k] or 0) + v end
   end
   return out
end

-- "k1=v1 k2=v2", keys sorted.
function M.fmt(t)
   local keys = {}
   for k in pairs(t) do keys[#keys + 1] = k end
   table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
   local parts = {}
   for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. t[k] end
   return table.concat(parts, " ")
end

return M
