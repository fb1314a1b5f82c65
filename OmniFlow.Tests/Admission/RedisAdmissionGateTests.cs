using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OmniFlow.Fulfillment.Admission;
using OmniFlow.Fulfillment.Admission.Redis;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Tests.Infrastructure;
using StackExchange.Redis;

namespace OmniFlow.Tests.Admission;

public sealed class RedisAdmissionGateTests(RedisServer server) : AdmissionGateContract, IClassFixture<RedisServer>, IAsyncDisposable
{
    private readonly List<IAsyncDisposable> owned = [];

    protected override async Task<IAdmissionGate> CreateGateAsync(AdmissionOptions options)
    {
        options.RedisKeyPrefix = $"test-{Guid.NewGuid():N}";
        return await StartGateAsync(await ConnectAsync(server), options);
    }

    [Fact]
    public async Task The_local_cache_answers_sold_out_without_redis()
    {
        await using var dedicated = await RedisServer.StartAsync();
        var telemetry = TestTelemetry.Create();
        var redis = await ConnectAsync(dedicated, configure: configuration => (configuration.AsyncTimeout, configuration.BacklogPolicy) = (300, BacklogPolicy.FailFast));
        var gate = await StartGateAsync(redis, new AdmissionOptions(), telemetry);
        await gate.SetStockAsync("phone", 1, Cancellation);
        await gate.SetStockAsync("case", 5, Cancellation);
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
        Assert.True(await EventuallyCachedAsSoldOutAsync(gate, "phone"), "the gate caches the sold-out sku");

        dedicated.Kill();
        using var hits = new CounterRecorder(telemetry, "omniflow.admission.l0_hits");
        for (var i = 0; i < 100; i++)
        {
            var answer = gate.TryAdmitAsync(NewOrderId(), $"u-{i}", [new StockLine("case", 1), new StockLine("phone", 1)], Cancellation);

            Assert.True(answer.IsCompletedSuccessfully, "the sold-out answer came without waiting on Redis");
            Assert.Equal(new AdmissionResult(AdmissionOutcome.SoldOut, "phone"), await answer);
        }

        Assert.Equal(100, hits.Total);
        await Assert.ThrowsAnyAsync<RedisException>(async () => await gate.TryAdmitAsync(NewOrderId(), "u-1", One("case"), Cancellation));
    }

    [Fact]
    public async Task A_crowd_on_an_expired_sold_out_sku_asks_redis_once_and_stock_the_cache_missed_sells_at_once()
    {
        var time = new FakeTimeProvider();
        var telemetry = TestTelemetry.Create();
        var redis = await ConnectAsync(server);
        var options = new AdmissionOptions { RedisKeyPrefix = $"test-{Guid.NewGuid():N}" };
        var gate = await StartGateAsync(redis, options, telemetry, time);
        await gate.SetStockAsync("phone", 0, Cancellation);
        Assert.True(await EventuallyCachedAsSoldOutAsync(gate, "phone"), "the gate caches the sold-out sku");

        // Redis holds every command for a second while the crowd arrives, so whatever asks it is still waiting when the crowd is counted.
        time.Advance(options.SoldOutCacheTtl);
        await (await ConnectAsync(server, allowAdmin: true)).GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1000", "ALL");
        List<ValueTask<AdmissionResult>> crowd = [.. Enumerable.Range(0, 200).Select(i => gate.TryAdmitAsync(NewOrderId(), $"u-{i}", One("phone"), Cancellation))];

        Assert.Equal(199, crowd.Count(answer => answer.IsCompletedSuccessfully));
        foreach (var answer in crowd)
        {
            Assert.Equal(new AdmissionResult(AdmissionOutcome.SoldOut, "phone"), await answer);
        }

        // Stock that reached Redis without its restock message (as if the subscription had missed it).
        await redis.GetDatabase().StringSetAsync(new RedisGateKeys(options.RedisKeyPrefix).Stock("phone"), 2);
        time.Advance(options.SoldOutCacheTtl);

        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation)).Admitted);
    }

    [Fact]
    public async Task After_redis_comes_back_the_cache_starts_empty_and_the_gate_admits_again()
    {
        await using var dedicated = await RedisServer.StartAsync();
        var gate = await StartGateAsync(await ConnectAsync(dedicated), new AdmissionOptions());
        await gate.SetStockAsync("phone", 1, Cancellation);
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
        Assert.True(await EventuallyCachedAsSoldOutAsync(gate, "phone"), "the gate caches the sold-out sku");

        await dedicated.RestartAsync();

        var deadline = Stopwatch.StartNew();
        while (gate.IsCachedSoldOut("phone") && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, Cancellation);
        }

        Assert.False(gate.IsCachedSoldOut("phone"), "the cache is forgotten once the subscription is restored");
        await gate.SetStockAsync("phone", 1, Cancellation);
        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-2", One("phone"), Cancellation)).Admitted);
        Assert.True(await EventuallyCachedAsSoldOutAsync(gate, "phone"), "the gate caches again after the restart");
    }

    [Fact]
    public async Task A_restock_on_another_instance_clears_this_instance_cache()
    {
        var options = new AdmissionOptions { RedisKeyPrefix = $"test-{Guid.NewGuid():N}", PerUserLimit = 5 };
        var first = await StartGateAsync(await ConnectAsync(server), options);
        var second = await StartGateAsync(await ConnectAsync(server), options);
        await second.SetStockAsync("phone", 1, Cancellation);
        Assert.True((await first.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
        Assert.True(await EventuallyCachedAsSoldOutAsync(first, "phone"), "the first instance caches the sold-out sku");

        await second.SetStockAsync("phone", 3, Cancellation);

        Assert.True(await EventuallyAdmittedAsync(first, One("phone")), "the first instance admits again after the second restocked");
        Assert.Equal(2, await first.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task A_release_on_another_instance_clears_this_instance_cache()
    {
        var options = new AdmissionOptions { RedisKeyPrefix = $"test-{Guid.NewGuid():N}" };
        var first = await StartGateAsync(await ConnectAsync(server), options);
        var second = await StartGateAsync(await ConnectAsync(server), options);
        await first.SetStockAsync("phone", 1, Cancellation);
        var orderId = NewOrderId();
        Assert.True((await first.TryAdmitAsync(orderId, "u-1", One("phone"), Cancellation)).Admitted);
        Assert.True(await EventuallyCachedAsSoldOutAsync(first, "phone"), "the first instance caches the sold-out sku");

        Assert.True(await second.ReleaseAsync(orderId, Cancellation));

        Assert.True(await EventuallyAdmittedAsync(first, One("phone")), "the first instance admits again after the second released");
    }

    [Fact]
    public async Task An_instance_skips_its_own_restock_message_arriving_after_a_newer_sold_out_answer()
    {
        var options = new AdmissionOptions { RedisKeyPrefix = $"test-{Guid.NewGuid():N}" };
        var redis = await ConnectAsync(server);
        var gate = await StartGateAsync(redis, options);
        await gate.SetStockAsync("phone", 0, Cancellation);
        await gate.SetStockAsync("case", 0, Cancellation);
        Assert.True(await EventuallyCachedAsSoldOutAsync(gate, "phone"), "the gate caches the sold-out phone");
        Assert.True(await EventuallyCachedAsSoldOutAsync(gate, "case"), "the gate caches the sold-out case");

        // Its own message for the phone, late, then another instance's for the case: messages arrive in the order sent.
        var channel = new RedisGateKeys(options.RedisKeyPrefix).RestockChannel;
        await redis.GetSubscriber().PublishAsync(channel, RestockMessage.Of(gate.PublisherId, "phone"));
        await redis.GetSubscriber().PublishAsync(channel, RestockMessage.Of("another-instance", "case"));
        var deadline = Stopwatch.StartNew();
        while (gate.IsCachedSoldOut("case") && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10, Cancellation);
        }

        Assert.False(gate.IsCachedSoldOut("case"), "another instance's restock clears the cache");
        Assert.True(gate.IsCachedSoldOut("phone"), "the gate's own late restock message does not");
    }

    [Fact]
    public async Task Scripts_survive_a_script_flush()
    {
        var gate = await CreateGateAsync(new AdmissionOptions());
        await gate.SetStockAsync("phone", 5, Cancellation);
        var admin = await ConnectAsync(server, allowAdmin: true);

        await admin.GetServers()[0].ScriptFlushAsync();

        Assert.True((await gate.TryAdmitAsync(NewOrderId(), "u-1", One("phone"), Cancellation)).Admitted);
        Assert.Equal(4, await gate.GetStockAsync("phone", Cancellation));
    }

    [Fact]
    public async Task An_admission_is_kept_for_its_ttl()
    {
        var options = new AdmissionOptions { RedisKeyPrefix = $"test-{Guid.NewGuid():N}", AdmissionTtl = TimeSpan.FromHours(2) };
        var redis = await ConnectAsync(server);
        var gate = await StartGateAsync(redis, options);
        await gate.SetStockAsync("phone", 5, Cancellation);
        var orderId = NewOrderId();
        Assert.True((await gate.TryAdmitAsync(orderId, "u-1", One("phone", 1), Cancellation)).Admitted);

        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync($"{{{options.RedisKeyPrefix}}}:admission:{orderId}");

        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
    }

    public async ValueTask DisposeAsync()
    {
        owned.Reverse();
        foreach (var disposable in owned)
        {
            await disposable.DisposeAsync();
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(RedisServer redisServer, bool allowAdmin = false, Action<ConfigurationOptions>? configure = null)
    {
        redisServer.EnsureAvailable();
        var configuration = ConfigurationOptions.Parse(redisServer.ConnectionString);
        configuration.AllowAdmin = allowAdmin;
        configure?.Invoke(configuration);
        var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
        owned.Add(redis);
        return redis;
    }

    private async Task<RedisAdmissionGate> StartGateAsync(
        IConnectionMultiplexer redis, AdmissionOptions options, AdmissionTelemetry? telemetry = null, TimeProvider? time = null)
    {
        var gate = new RedisAdmissionGate(redis, Options.Create(options), telemetry ?? TestTelemetry.Create(), NullLogger<RedisAdmissionGate>.Instance, time);
        owned.Add(gate);
        await gate.StartAsync(Cancellation);
        return gate;
    }

    // A sold-out answer is only cached when no restock message arrived while it was in flight (the gate's own
    // SetStockAsync messages may still be arriving), so the cache fills on the first quiet answer.
    private static async Task<bool> EventuallyCachedAsSoldOutAsync(RedisAdmissionGate gate, string sku)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            Assert.Equal(new AdmissionResult(AdmissionOutcome.SoldOut, sku), await gate.TryAdmitAsync(NewOrderId(), "u-8", One(sku), Cancellation));
            if (gate.IsCachedSoldOut(sku))
            {
                return true;
            }

            await Task.Delay(10, Cancellation);
        }

        return false;
    }

    private static async Task<bool> EventuallyAdmittedAsync(IAdmissionGate gate, IReadOnlyList<StockLine> lines)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            if ((await gate.TryAdmitAsync(NewOrderId(), "u-9", lines, Cancellation)).Admitted)
            {
                return true;
            }

            await Task.Delay(10, Cancellation);
        }

        return false;
    }
}
