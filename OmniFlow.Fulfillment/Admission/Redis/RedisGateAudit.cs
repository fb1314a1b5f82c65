using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Reconciliation;
using StackExchange.Redis;

namespace OmniFlow.Fulfillment.Admission.Redis;

/// <summary>
/// Reads the Redis gate for the reconciliation: the admission records (scanned), the stock (one MGET), and the
/// records again. An admission or release changes a record and the stock in one script, so a sku none of whose records
/// changed between the two scans had its stock read consistently with them.
/// </summary>
public sealed class RedisGateAudit(IConnectionMultiplexer redis, IOptions<AdmissionOptions> options) : IGateAudit
{
    private const int BatchSize = 500;

    /// <summary>How long the mark of an applied correction is kept (a retried correction within it is not applied again).</summary>
    private static readonly TimeSpan CorrectionMarkTtl = TimeSpan.FromDays(30);

    private static readonly LuaScript Adjust = LuaScript.Prepare("""
        if redis.call('EXISTS', KEYS[2]) == 1 then
          return 0
        end
        redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        redis.call('PUBLISH', ARGV[3], ARGV[4])
        return 1
        """);

    private readonly RedisGateKeys keys = new(options.Value.RedisKeyPrefix);
    private readonly string prefix = options.Value.RedisKeyPrefix;
    private readonly TimeSpan admissionTtl = options.Value.AdmissionTtl;

    public async Task<GateObservation> ObserveAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken = default)
    {
        var database = redis.GetDatabase();
        var before = await ReadRecordsAsync(database, cancellationToken);
        var skuList = skus.ToList();
        var values = skuList.Count == 0 ? [] : await database.StringGetAsync([.. skuList.Select(keys.Stock)]);
        var after = await ReadRecordsAsync(database, cancellationToken);

        var stock = new Dictionary<string, int?>(StringComparer.Ordinal);
        for (var i = 0; i < skuList.Count; i++)
        {
            stock[skuList[i]] = values[i].IsNull ? null : (int)values[i];
        }

        var unsettled = new HashSet<string>(StringComparer.Ordinal);
        var allUnsettled = false;
        foreach (var (orderId, record) in after)
        {
            before.TryGetValue(orderId, out var earlier);
            if (earlier.Value == record.Value)
            {
                continue;
            }

            var touched = Lines(earlier.Value).Concat(Lines(record.Value)).Select(line => line.Sku).ToList();
            allUnsettled |= touched.Count == 0;
            unsettled.UnionWith(touched);
        }

        var admissions = new List<GateAdmission>();
        var withdrawn = new List<string>();
        foreach (var (orderId, record) in after)
        {
            if (record.Value == RedisGateScripts.Withdrawn)
            {
                withdrawn.Add(orderId);
            }
            else
            {
                var age = record.TimeToLive is { } left ? admissionTtl - left : TimeSpan.Zero;
                admissions.Add(new GateAdmission(orderId, AdmissionRecord.Parse(record.Value!).Lines, age));
            }
        }

        return new GateObservation(stock, admissions, withdrawn, [.. unsettled], allUnsettled);
    }

    public async Task<bool> AdjustStockAsync(string correctionId, string sku, int delta, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(correctionId);
        ArgumentException.ThrowIfNullOrEmpty(sku);
        cancellationToken.ThrowIfCancellationRequested();
        var applied = await redis.GetDatabase().ScriptEvaluateAsync(Adjust.ExecutableScript,
            [keys.Stock(sku), keys.Correction(correctionId)],
            [delta, (long)CorrectionMarkTtl.TotalMilliseconds, keys.RestockChannel.ToString(), RestockMessage.Of("reconciliation", sku)]);
        return (int)applied == 1;
    }

    private static IEnumerable<Inventory.StockLine> Lines(string? record) =>
        record is null || record == RedisGateScripts.Withdrawn ? [] : AdmissionRecord.Parse(record).Lines;

    /// <summary>Every admission record by order id, with what it holds and how long it has left.</summary>
    private async Task<Dictionary<string, (string? Value, TimeSpan? TimeToLive)>> ReadRecordsAsync(IDatabase database, CancellationToken cancellationToken)
    {
        var pattern = $"{{{prefix}}}:admission:*";
        var keyPrefixLength = pattern.Length - 1;
        var found = new List<RedisKey>();
        foreach (var server in redis.GetServers().Where(server => server.IsConnected && !server.IsReplica))
        {
            await foreach (var key in server.KeysAsync(database.Database, pattern, pageSize: 1000).WithCancellation(cancellationToken))
            {
                found.Add(key);
            }
        }

        var records = new Dictionary<string, (string?, TimeSpan?)>(StringComparer.Ordinal);
        foreach (var chunk in found.Distinct().Chunk(BatchSize))
        {
            var batch = database.CreateBatch();
            var reads = chunk.Select(key => (Key: key, Value: batch.StringGetAsync(key), Ttl: batch.KeyTimeToLiveAsync(key))).ToList();
            batch.Execute();
            foreach (var read in reads)
            {
                var value = await read.Value;
                if (!value.IsNull)
                {
                    records[read.Key.ToString()[keyPrefixLength..]] = (value.ToString(), await read.Ttl);
                }
            }
        }

        return records;
    }
}
