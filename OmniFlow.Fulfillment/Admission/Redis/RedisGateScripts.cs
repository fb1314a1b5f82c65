using StackExchange.Redis;

namespace OmniFlow.Fulfillment.Admission.Redis;

/// <summary>
/// The gate's Lua scripts. Every key a script touches is passed in KEYS, and all of them share the gate's hash tag,
/// so each script runs in one slot (one node), atomically.
/// </summary>
internal static class RedisGateScripts
{
    /// <summary>What an order's admission record holds once it was given back, or given up before it was taken.</summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>
    /// KEYS: admission record, then n stock keys, then n buyer hashes (one per line).
    /// ARGV: user id ('' for none), per-user limit, record TTL in ms, then n skus, then n quantities.
    /// Returns {outcome, line}: 0 admitted (followed by the lines whose stock reached 0), 1 sold out (followed by
    /// that line's stock), 2 user limit reached, 3 unknown sku, 4 already admitted under this order id for the same lines
    /// and user, 5 given back under this order id before (a call that reached Redis after its caller had given up), 6
    /// already admitted under this order id for other lines or another user.
    /// </summary>
    public static readonly LuaScript Admit = LuaScript.Prepare($$"""
        local n = (#KEYS - 1) / 2
        local existing = redis.call('GET', KEYS[1])
        if existing == '{{Withdrawn}}' then
          return {5, 0}
        end
        if existing then
          local earlier = cjson.decode(existing)
          local same = (earlier.user or '') == ARGV[1] and #earlier.items == n
          for i = 1, n do
            same = same and earlier.items[i][1] == ARGV[3 + i] and earlier.items[i][2] == tonumber(ARGV[3 + n + i])
          end
          if same then
            return {4, 0}
          end
          return {6, 0}
        end
        local quantities = {}
        for i = 1, n do
          if redis.call('EXISTS', KEYS[1 + i]) == 0 then
            return {3, i}
          end
          quantities[i] = tonumber(ARGV[3 + n + i])
        end
        local user = ARGV[1]
        if user ~= '' then
          local limit = tonumber(ARGV[2])
          for i = 1, n do
            local bought = tonumber(redis.call('HGET', KEYS[1 + n + i], user) or 0)
            if bought + quantities[i] > limit then
              return {2, i}
            end
          end
        end
        for i = 1, n do
          local stock = tonumber(redis.call('GET', KEYS[1 + i]))
          if stock < quantities[i] then
            return {1, i, stock}
          end
        end
        local result = {0, 0}
        local items = {}
        for i = 1, n do
          if redis.call('DECRBY', KEYS[1 + i], quantities[i]) == 0 then
            result[#result + 1] = i
          end
          if user ~= '' then
            redis.call('HINCRBY', KEYS[1 + n + i], user, quantities[i])
          end
          items[i] = {ARGV[3 + i], quantities[i]}
        end
        local record = {items = items}
        if user ~= '' then
          record.user = user
        end
        redis.call('SET', KEYS[1], cjson.encode(record), 'PX', ARGV[3])
        return result
        """);

    /// <summary>
    /// KEYS: admission record, then n stock keys, then n buyer hashes.
    /// ARGV: the record as the caller read it, restock channel, user id ('' for none), then n restock messages (one per
    /// line's sku), then n quantities.
    /// Returns 1 released, 0 nothing to release, -1 the record changed since it was read (read it again).
    /// The record becomes the <see cref="Withdrawn"/> mark, so no admission under this order id is taken later.
    /// </summary>
    public static readonly LuaScript Release = LuaScript.Prepare($$"""
        local record = redis.call('GET', KEYS[1])
        if not record then
          return 0
        end
        if record ~= ARGV[1] then
          return -1
        end
        local n = (#KEYS - 1) / 2
        local user = ARGV[3]
        for i = 1, n do
          local quantity = tonumber(ARGV[3 + n + i])
          redis.call('INCRBY', KEYS[1 + i], quantity)
          if user ~= '' and redis.call('HINCRBY', KEYS[1 + n + i], user, -quantity) <= 0 then
            redis.call('HDEL', KEYS[1 + n + i], user)
          end
          redis.call('PUBLISH', ARGV[2], ARGV[3 + i])
        end
        redis.call('SET', KEYS[1], '{{Withdrawn}}', 'KEEPTTL')
        return 1
        """);

    /// <summary>KEYS: the stock key. ARGV: stock, restock channel, restock message. Sets the stock and tells every instance.</summary>
    public static readonly LuaScript SetStock = LuaScript.Prepare("""
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 1
        """);

    public static IEnumerable<LuaScript> All => [Admit, Release, SetStock];
}
