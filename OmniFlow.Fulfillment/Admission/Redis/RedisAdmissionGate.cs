using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Inventory;
using StackExchange.Redis;

namespace OmniFlow.Fulfillment.Admission.Redis;

/// <summary>
/// The admission gate over Redis: one Lua script admits a whole order or nothing, in front of it a local sold-out cache
/// that every instance clears when any instance restocks or releases (pub/sub on the gate's restock channel).
/// Call <see cref="StartAsync"/> once (the host does, through <c>AddAdmissionGate</c>): it loads the scripts and
/// subscribes; until the subscription is live the local cache records nothing and every order goes to Redis.
/// </summary>
public sealed partial class RedisAdmissionGate : IAdmissionGate, IAsyncDisposable
{
    private const int Admitted = 0, SoldOut = 1, UserLimitReached = 2, UnknownSku = 3, AlreadyAdmitted = 4, Withdrawn = 5, Conflict = 6;
    private const int Released = 1, NothingToRelease = 0;

    private readonly IConnectionMultiplexer redis;
    private readonly IDatabase database;
    private readonly AdmissionOptions options;
    private readonly AdmissionTelemetry telemetry;
    private readonly ILogger<RedisAdmissionGate> logger;
    private readonly RedisGateKeys keys;
    private readonly SoldOutCache soldOut;
    private readonly RedisValue perUserLimit;
    private readonly RedisValue admissionTtlMilliseconds;
    private readonly RedisValue restockChannelName;
    private ChannelMessageQueue? restocks;
    private int disposed;

    public RedisAdmissionGate(
        IConnectionMultiplexer redis,
        IOptions<AdmissionOptions> options,
        AdmissionTelemetry telemetry,
        ILogger<RedisAdmissionGate> logger,
        TimeProvider? timeProvider = null)
    {
        this.redis = redis;
        database = redis.GetDatabase();
        this.options = options.Value;
        this.telemetry = telemetry;
        this.logger = logger;
        keys = new RedisGateKeys(this.options.RedisKeyPrefix);
        soldOut = new SoldOutCache(timeProvider ?? TimeProvider.System, this.options.SoldOutCacheTtl);
        perUserLimit = this.options.PerUserLimit;
        admissionTtlMilliseconds = (long)this.options.AdmissionTtl.TotalMilliseconds;
        restockChannelName = keys.RestockChannel.ToString();
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>Loads the scripts on every primary and subscribes to restocks. Safe to call again (it resubscribes).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var server in redis.GetServers())
            {
                if (server.IsConnected && !server.IsReplica)
                {
                    foreach (var script in RedisGateScripts.All)
                    {
                        await script.LoadAsync(server).WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            await SubscribeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogStartFailed(logger, exception);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<AdmissionResult> TryAdmitAsync(string orderId, string? userId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        lines = OrderLines.Normalize(lines);
        cancellationToken.ThrowIfCancellationRequested();

        var count = lines.Count;
        for (var i = 0; i < count; i++)
        {
            if (soldOut.IsSoldOutOrRecheck(lines[i].Sku))
            {
                telemetry.RecordLocalSoldOut();
                return new AdmissionResult(AdmissionOutcome.SoldOut, lines[i].Sku);
            }
        }

        var scriptKeys = new RedisKey[1 + 2 * count];
        var scriptValues = new RedisValue[3 + 2 * count];
        scriptKeys[0] = keys.Admission(orderId);
        scriptValues[0] = userId ?? string.Empty;
        scriptValues[1] = perUserLimit;
        scriptValues[2] = admissionTtlMilliseconds;
        for (var i = 0; i < count; i++)
        {
            var line = lines[i];
            scriptKeys[1 + i] = keys.Stock(line.Sku);
            scriptKeys[1 + count + i] = keys.Buyers(line.Sku);
            scriptValues[3 + i] = line.Sku;
            scriptValues[3 + count + i] = line.Quantity;
        }

        using var activity = AdmissionTelemetry.StartActivity("admission.admit", orderId);
        var observation = soldOut.BeginObservation();
        var reply = await database.ScriptEvaluateAsync(RedisGateScripts.Admit.ExecutableScript, scriptKeys, scriptValues).ConfigureAwait(false);

        var code = (int)reply[0];
        var sku = code is Admitted or AlreadyAdmitted or Withdrawn or Conflict ? null : lines[(int)reply[1] - 1].Sku;
        var result = code switch
        {
            Admitted or AlreadyAdmitted => new AdmissionResult(AdmissionOutcome.Admitted),
            SoldOut => new AdmissionResult(AdmissionOutcome.SoldOut, sku),
            UserLimitReached => new AdmissionResult(AdmissionOutcome.UserLimitReached, sku),
            UnknownSku => new AdmissionResult(AdmissionOutcome.UnknownSku, sku),
            Withdrawn => new AdmissionResult(AdmissionOutcome.Withdrawn),
            Conflict => new AdmissionResult(AdmissionOutcome.Conflict),
            _ => throw new InvalidOperationException($"The admit script answered {code}."),
        };

        if (code == SoldOut && (int)reply[2] == 0)
        {
            soldOut.MarkSoldOut(sku!, observation);
        }
        else if (code == Admitted)
        {
            for (var i = 0; i < count; i++)
            {
                soldOut.Forget(lines[i].Sku);
            }

            for (var i = 2; i < reply.Length; i++)
            {
                soldOut.MarkSoldOut(lines[(int)reply[i] - 1].Sku, observation);
            }
        }

        if (code is not (AlreadyAdmitted or Withdrawn or Conflict))
        {
            telemetry.Record(result.Outcome);
        }

        activity?.SetTag("omniflow.admission.outcome", result.Outcome.ToString());
        return result;
    }

    public string? KnownSoldOut(IReadOnlyList<StockLine> lines) => soldOut.FirstSoldOut(lines);

    public async Task<AdmissionResult?> RecallAsync(string orderId, string? userId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        lines = OrderLines.Normalize(lines);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = await database.StringGetAsync(keys.Admission(orderId)).ConfigureAwait(false);
        if (stored.IsNull)
        {
            return null;
        }

        return stored == RedisGateScripts.Withdrawn
            ? new AdmissionResult(AdmissionOutcome.Withdrawn)
            : new AdmissionResult(AdmissionRecord.Parse(stored.ToString()).Matches(userId, lines) ? AdmissionOutcome.Admitted : AdmissionOutcome.Conflict);
    }

    public async Task<bool> ReleaseAsync(string orderId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        using var activity = AdmissionTelemetry.StartActivity("admission.release", orderId);
        var recordKey = keys.Admission(orderId);

        // The record is read first because the script must be told every key it touches; the script then checks the
        // record is still the one that was read, so a concurrent release or re-admission makes this loop read again.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = await database.StringGetAsync(recordKey).ConfigureAwait(false);
            if (stored == RedisGateScripts.Withdrawn)
            {
                return false;
            }

            // Nothing admitted yet: mark the order id withdrawn, so an admission of it still on its way is refused.
            if (stored.IsNull)
            {
                if (await database.StringSetAsync(recordKey, RedisGateScripts.Withdrawn, options.AdmissionTtl, When.NotExists).ConfigureAwait(false))
                {
                    return false;
                }

                continue;
            }

            var record = AdmissionRecord.Parse(stored.ToString());
            var count = record.Lines.Count;
            var scriptKeys = new RedisKey[1 + 2 * count];
            var scriptValues = new RedisValue[3 + 2 * count];
            scriptKeys[0] = recordKey;
            scriptValues[0] = stored;
            scriptValues[1] = restockChannelName;
            scriptValues[2] = record.UserId ?? string.Empty;
            for (var i = 0; i < count; i++)
            {
                var line = record.Lines[i];
                scriptKeys[1 + i] = keys.Stock(line.Sku);
                scriptKeys[1 + count + i] = keys.Buyers(line.Sku);
                scriptValues[3 + i] = RestockMessage.Of(PublisherId, line.Sku);
                scriptValues[3 + count + i] = line.Quantity;
            }

            var outcome = (int)await database.ScriptEvaluateAsync(RedisGateScripts.Release.ExecutableScript, scriptKeys, scriptValues).ConfigureAwait(false);
            if (outcome is Released or NothingToRelease)
            {
                if (outcome == Released)
                {
                    for (var i = 0; i < count; i++)
                    {
                        soldOut.Clear(record.Lines[i].Sku);
                    }

                    LogReleased(logger, orderId);
                }

                return outcome == Released;
            }
        }

        throw new InvalidOperationException($"The admission of order {orderId} kept changing while it was being released.");
    }

    public async Task SetStockAsync(string sku, int stock, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        ArgumentOutOfRangeException.ThrowIfNegative(stock);
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = AdmissionTelemetry.ActivitySource.StartActivity("admission.set_stock");
        await database.ScriptEvaluateAsync(RedisGateScripts.SetStock.ExecutableScript, [keys.Stock(sku)], [stock, restockChannelName, RestockMessage.Of(PublisherId, sku)]).ConfigureAwait(false);
        soldOut.Clear(sku);
        LogStockSet(logger, sku, stock);
    }

    public async Task<int?> GetStockAsync(string sku, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        cancellationToken.ThrowIfCancellationRequested();
        var stock = await database.StringGetAsync(keys.Stock(sku)).ConfigureAwait(false);
        return stock.IsNull ? null : (int)stock;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
        soldOut.Suspend();
        if (restocks is { } queue)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or ObjectDisposedException)
            {
                // The connection is gone (or the host disposed the multiplexer first), and the subscription with it.
            }
        }
    }

    /// <summary>How this instance signs its restock messages, so it can skip its own.</summary>
    internal string PublisherId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Whether this instance answers <paramref name="sku"/> sold out from its local cache.</summary>
    internal bool IsCachedSoldOut(string sku) => soldOut.IsSoldOut(sku);

    private async Task SubscribeAsync()
    {
        if (Volatile.Read(ref restocks) is null)
        {
            var queue = await redis.GetSubscriber().SubscribeAsync(keys.RestockChannel).ConfigureAwait(false);
            queue.OnMessage(message =>
            {
                if (RestockMessage.SkuFromOthers(message.Message, PublisherId) is { } sku)
                {
                    soldOut.Clear(sku);
                }
            });
            if (Interlocked.CompareExchange(ref restocks, queue, null) is not null)
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
        }

        soldOut.Resume();
    }

    // Restock messages sent while the subscription is down are lost. Keep answering from what is cached (this instance
    // cannot admit without Redis anyway, and SoldOutCacheTtl bounds a miss), and forget it all once the subscription is back.
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            soldOut.Suspend();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription && Volatile.Read(ref disposed) == 0)
        {
            _ = StartAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The admission gate could not load its scripts or subscribe to restocks; the local sold-out cache stays off until Redis is back.")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Released the admission of order {OrderId}.")]
    private static partial void LogReleased(ILogger logger, string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gate stock of {Sku} set to {Stock}.")]
    private static partial void LogStockSet(ILogger logger, string sku, int stock);
}
