-- wrk -t2 -c2000 -d20s -s bench/order-keyed.lua http://127.0.0.1:8000/api/v1/orders
-- As order.lua, with a fresh Idempotency-Key on every request: a crowd of clients that each send their order with a key.
local sku = os.getenv("SKU") or "SOLDOUT-1"
local body = '{"user_id":"wrk","items":["' .. sku .. '"],"amount":100}'
local thread_id = 0
local counter = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("prefix", "wrk-" .. thread_id .. "-" .. math.random(1, 1000000000) .. "-")
end

function request()
  counter = counter + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. counter }, body)
end
