using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Api.Orders;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Api;

/// <summary>
/// Faults degrade, never corrupt: Redis frozen and killed under a sale, MariaDB killed for longer than the old
/// reservation retries lasted. Every answer is a 2xx, 429 or a fast 503, and gate, database and orders agree after.
/// </summary>
public sealed class DependencyOutageTests(OutageSystem system) : IClassFixture<OutageSystem>
{
    private const int Stock = 120;

    [Fact]
    public async Task A_redis_blip_and_crash_under_load_leak_no_unit_and_answer_no_500()
    {
        system.EnsureAvailable();
        // More than the sale admits in the time, so no answer comes from the sold-out cache without asking Redis.
        const int stock = 1000;
        var sku = $"blip-{Guid.NewGuid():N}"[..20];
        await system.PutProductAsync(sku, stock);
        var answers = new ConcurrentBag<Answer>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 6).Select(_ => Task.Run(() => OrderUntilStoppedAsync(sku, answers, stop.Token))).ToList();

        await Task.Delay(1500, TestContext.Current.CancellationToken);
        system.Redis.Pause();
        await Task.Delay(3000, TestContext.Current.CancellationToken);
        system.Redis.Resume();
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        system.Redis.Kill();
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        await system.Redis.StartAgainAsync();
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.DoesNotContain(answers, answer => (int)answer.Status >= 500 && answer.Status != HttpStatusCode.ServiceUnavailable);
        var unavailable = answers.Where(answer => answer.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(unavailable);
        Assert.True(unavailable.Max(answer => answer.Elapsed) < TimeSpan.FromSeconds(3), $"A 503 took {unavailable.Max(answer => answer.Elapsed)}.");
        var admitted = answers.Where(answer => answer.Status == HttpStatusCode.OK).Select(answer => answer.OrderId!).ToList();
        var slowest = unavailable.Select(answer => answer.Elapsed.TotalMilliseconds).Order().ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{answers.Count} answers: {admitted.Count} admitted, {unavailable.Count} 503 (median {slowest[slowest.Count / 2]:F0} ms, max {slowest[^1]:F0} ms)");
        Assert.NotEmpty(admitted);

        // Every admission answered 503 is given back; every one answered 200 holds one unit, in the gate and the database.
        await WaitUntilAsync(() => system.ApiServices.GetRequiredService<AdmissionGiveBack>().Pending == 0, "the give-backs to drain");
        foreach (var orderId in admitted)
        {
            await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        }

        var product = await system.GetProductAsync(sku);
        Assert.Equal(stock - admitted.Count, product.GetProperty("gate_stock").GetInt32());
        Assert.Equal(stock - admitted.Count, product.GetProperty("stock").GetInt32());
    }

    [Fact]
    public async Task Orders_admitted_during_a_database_outage_get_their_stock_when_it_is_back_and_nothing_answers_500()
    {
        system.EnsureAvailable();
        var sku = $"dbdown-{Guid.NewGuid():N}"[..20];
        await system.PutProductAsync(sku, Stock);
        var before = await system.CreateOrderAsync(Order(sku));
        await system.WaitForStatusAsync(before, "PENDING_PAYMENT");

        await system.MariaDb.KillAsync();
        List<string> during;
        try
        {
            during = await OrderAndReadWhileTheDatabaseIsDownAsync(sku, before);
        }
        finally
        {
            await system.MariaDb.StartAgainAsync();
        }

        foreach (var orderId in during)
        {
            await system.WaitForStatusAsync(orderId, "PENDING_PAYMENT");
        }

        var product = await system.GetProductAsync(sku);
        Assert.Equal(Stock - 4, product.GetProperty("stock").GetInt32());
        Assert.Equal(Stock - 4, product.GetProperty("gate_stock").GetInt32());
    }

    /// <summary>Admits three orders and reads what needs the database, for longer than the old five reservation attempts (about 15 s) lasted.</summary>
    private async Task<List<string>> OrderAndReadWhileTheDatabaseIsDownAsync(string sku, string before)
    {
        var outage = Stopwatch.StartNew();
        var during = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            during.Add(await system.CreateOrderAsync(Order(sku)));
        }

        // What needs the database answers a fast 503 while it is down (an order its workflow can answer for, 200).
        string[] reads = [$"/api/v1/products/{sku}", "/api/v1/products/never-cached", $"/api/v1/orders/{before}", $"/api/v1/orders/{during[0]}"];
        foreach (var path in reads)
        {
            var watch = Stopwatch.StartNew();
            using var response = await system.Http.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{path} answered {(int)response.StatusCode}.");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"{path} took {watch.Elapsed}.");
        }

        using (var unknownSku = await system.PostJsonAsync("/api/v1/orders", Order("never-cached")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unknownSku.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(20) - outage.Elapsed, TestContext.Current.CancellationToken);
        return during;
    }

    private static string Order(string sku) => JsonSerializer.Serialize(new { items = new[] { sku }, amount = 100 });

    private async Task OrderUntilStoppedAsync(string sku, ConcurrentBag<Answer> answers, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var watch = Stopwatch.StartNew();
            using var response = await system.PostJsonAsync("/api/v1/orders", Order(sku));
            string? orderId = null;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
                orderId = body.RootElement.GetProperty("order_id").GetString();
            }

            answers.Add(new Answer(response.StatusCode, watch.Elapsed, orderId));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"Timed out waiting for {what}.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private sealed record Answer(HttpStatusCode Status, TimeSpan Elapsed, string? OrderId);
}

/// <summary>The system on a durable Redis and MariaDB of its own, which the tests freeze, kill and start again.</summary>
public sealed class OutageSystem : OmniFlowSystem
{
    public RedisServer Redis { get; } = new() { Durable = true };

    public MariaDbServer MariaDb { get; } = new();

    public override void EnsureAvailable()
    {
        Redis.EnsureAvailable();
        if (MariaDb.UnavailableReason is { } reason)
        {
            RequiredServices.Unavailable(reason);
        }
    }

    protected override async Task<IReadOnlyList<string>> DependencySettingsAsync(string folder)
    {
        await Redis.InitializeAsync();
        await MariaDb.InitializeAsync();
        if (MariaDb.UnavailableReason is not null)
        {
            return [];
        }

        return [$"--ConnectionStrings:redis={Redis.ConnectionString}", $"--ConnectionStrings:omniflowdb={await MariaDb.CreateDatabaseAsync()}"];
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Redis.DisposeAsync();
        await MariaDb.DisposeAsync();
    }
}
