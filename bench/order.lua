-- wrk -t2 -c2000 -d20s -s bench/order.lua http://127.0.0.1:8000/api/v1/orders
-- POSTs one flash-sale order per request for the sku in the SKU environment variable (default SOLDOUT-1).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"user_id":"wrk","items":["' .. (os.getenv("SKU") or "SOLDOUT-1") .. '"],"amount":100}'
