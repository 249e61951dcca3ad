-- wrk script for the on-sale spike and its baseline (driven by bench/load.py).
--
--   wrk -t2 -c64 -d15s -s bench/wrk/spike.lua URL -- MODE DATA OUT
--
-- MODE "spike": POST /api/orders, each request as the next buyer (their session
-- cookie, rotating per thread) for a random ticket; DATA lists "B <token>" and
-- "T <ticket id>" lines. MODE "get": GET the URL's path, nothing rotated.
-- Each thread counts statuses and keeps the body of every 201 (the hold, naming
-- its buyer); done() writes one JSON document to OUT for the Python side to check.

mode, data_path, out_path = nil, nil, nil -- globals: done() runs in another Lua state
local buyers, tickets = {}, {}
counts, wins = {}, {} -- globals: done() reads them with thread:get
local next_buyer = 1
local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   mode, data_path, out_path = args[1], args[2], args[3]
   counts, wins = {}, {}
   math.randomseed(os.time() * 1000 + (id or 0))
   if mode == "spike" then
      for line in io.lines(data_path) do
         local kind, value = line:match("^(%a) (.+)$")
         if kind == "B" then
            table.insert(buyers, value)
         elseif kind == "T" then
            table.insert(tickets, value)
         end
      end
      -- Threads start at different buyers so they do not send the same cookies in step.
      next_buyer = ((id or 1) - 1) * math.floor(#buyers / 2) % #buyers + 1
   end
end

function request()
   if mode ~= "spike" then
      return wrk.format("GET")
   end
   local token = buyers[next_buyer]
   next_buyer = next_buyer % #buyers + 1
   local ticket = tickets[math.random(#tickets)]
   return wrk.format("POST", "/api/orders", {
      ["Content-Type"] = "application/json",
      ["Cookie"] = "session=" .. token,
   }, '{"ticketId":"' .. ticket .. '"}')
end

function response(status, headers, body)
   local key = tostring(status)
   counts[key] = (counts[key] or 0) + 1
   if status == 201 and mode == "spike" then
      table.insert(wins, body)
   end
end

local function json_counts(all)
   local parts = {}
   for status, n in pairs(all) do
      table.insert(parts, string.format('"%s":%d', status, n))
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
   local all, bodies = {}, {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("counts")) do
         all[status] = (all[status] or 0) + n
      end
      for _, body in ipairs(thread:get("wins")) do
         table.insert(bodies, body)
      end
   end
   local pct = {}
   for _, p in ipairs({ 50, 90, 95, 99 }) do
      table.insert(pct, string.format('"p%d":%.3f', p, latency:percentile(p) / 1000))
   end
   local e = summary.errors
   local out = assert(io.open(threads[1]:get("out_path"), "w"))
   out:write(string.format(
      '{"duration_s":%.3f,"requests":%d,"bytes":%d,'
         .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
         .. '"latency_ms":{%s,"mean":%.3f,"max":%.3f},"statuses":%s,"wins":[%s]}',
      summary.duration / 1e6, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      table.concat(pct, ","), latency.mean / 1000, latency.max / 1000,
      json_counts(all), table.concat(bodies, ",")
   ))
   out:close()
end
