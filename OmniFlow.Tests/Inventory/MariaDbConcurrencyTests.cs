using Microsoft.EntityFrameworkCore;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Inventory;

/// <summary>Many callers at once on a real MariaDB: no oversell, no deadlock reaching the caller, stock conserved.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbConcurrencyTests(MariaDbServer server, MariaDbDatabase database) : IClassFixture<MariaDbDatabase>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private InventoryHarness Db => database.Harness;

    [Fact]
    public async Task Two_hundred_buyers_of_fifty_units_get_exactly_fifty()
    {
        var sku = $"flash-{Guid.NewGuid():N}"[..20];
        await Db.Catalog.UpsertAsync(sku, "Flash sale", 1m, "SH", 50, Cancel);
        using var retries = new RetryCounter();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(buyer => Task.Run(() =>
            Db.Inventory.ReserveAsync($"reserve-{sku}-{buyer}", $"ORDER-{sku}-{buyer}", [new(sku, 1)], Cancel), Cancel)));

        TestContext.Current.TestOutputHelper?.WriteLine($"200 reservations in {clock.ElapsedMilliseconds} ms, {retries.Retries} transaction retries");
        Assert.Equal(50, results.Count(r => r.Outcome == StockOutcome.Reserved));
        Assert.Equal(150, results.Count(r => r.Outcome == StockOutcome.InsufficientStock));
        Assert.Equal(0, await Db.StockAsync(sku));
        Assert.Equal(50, (await Db.LedgerAsync(sku)).Count(e => e.Kind == LedgerKind.Reserve));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Overlapping_multi_sku_orders_in_any_order_never_fail_and_conserve_stock()
    {
        var prefix = Guid.NewGuid().ToString("N")[..8];
        string[] skus = [.. Enumerable.Range(0, 4).Select(i => $"multi-{prefix}-{i}")];
        foreach (var sku in skus)
        {
            await Db.Catalog.UpsertAsync(sku, sku, 1m, "SH", 60, Cancel);
        }

        var random = new Random(42);
        var orders = Enumerable.Range(0, 100).Select(i => new
        {
            Id = $"ORDER-{prefix}-{i}",
            CompensateAtOnce = i % 2 == 0,
            Lines = skus.OrderBy(_ => random.Next()).Take(random.Next(2, 4)).Select(sku => new StockLine(sku, random.Next(1, 3))).ToList(),
        }).ToList();

        using var retries = new RetryCounter();
        var results = await Task.WhenAll(orders.Select(order => Task.Run(async () =>
        {
            var reserved = await Db.Inventory.ReserveAsync($"reserve-{order.Id}", order.Id, order.Lines, Cancel);
            // Half of the orders are compensated at once, mixing releases into the lock traffic.
            var released = reserved.Succeeded && order.CompensateAtOnce
                ? await Db.Inventory.ReleaseAsync($"release-{order.Id}", order.Id, Cancel)
                : null;
            return (order.Lines, Reserved: reserved, Released: released);
        }, Cancel)));

        TestContext.Current.TestOutputHelper?.WriteLine($"100 multi-sku orders, {retries.Retries} transaction retries");
        Assert.Contains(results, r => r.Reserved.Outcome == StockOutcome.Reserved);
        Assert.All(results, r => Assert.Contains(r.Reserved.Outcome, new[] { StockOutcome.Reserved, StockOutcome.InsufficientStock }));
        foreach (var sku in skus)
        {
            var held = results
                .Where(r => r.Reserved.Outcome == StockOutcome.Reserved && r.Released is null)
                .Sum(r => r.Lines.Where(l => l.Sku == sku).Sum(l => l.Quantity));
            var stock = await Db.StockAsync(sku);
            Assert.InRange(stock, 0, 60);
            Assert.Equal(60 - held, stock);
        }

        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Concurrent_releases_of_one_order_give_back_once()
    {
        var sku = $"release-{Guid.NewGuid():N}"[..20];
        var order = $"ORDER-{sku}";
        await Db.Catalog.UpsertAsync(sku, "Release race", 1m, "SH", 10, Cancel);
        await Db.Inventory.ReserveAsync($"reserve-{order}", order, [new(sku, 4)], Cancel);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            Db.Inventory.ReleaseAsync($"release-{order}-{i}", order, Cancel), Cancel)));

        Assert.Single(results, r => r.Outcome == StockOutcome.Released);
        Assert.Equal(9, results.Count(r => r.Outcome == StockOutcome.NothingToRelease));
        Assert.Equal(10, await Db.StockAsync(sku));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Migrations_create_the_database_and_apply_from_two_processes_at_once()
    {
        Assert.NotNull(Db);
        var connectionString = new MySqlConnector.MySqlConnectionStringBuilder(server.ServerConnectionString)
        {
            Database = $"omniflow_fresh_{Guid.NewGuid():N}",
        }.ConnectionString;

        var harnesses = await Task.WhenAll(InventoryHarness.StartAsync(connectionString), InventoryHarness.StartAsync(connectionString));
        try
        {
            await using var context = await harnesses[0].Contexts.CreateDbContextAsync(Cancel);
            Assert.IsType<MySqlOmniFlowDbContext>(context);
            Assert.Empty(await context.Database.GetPendingMigrationsAsync(Cancel));
            Assert.Equal(context.Database.GetMigrations(), await context.Database.GetAppliedMigrationsAsync(Cancel));
            var product = await harnesses[1].Catalog.UpsertAsync("migrated", "Migrated", 1m, "SH", 1, Cancel);
            Assert.Equal(product, await harnesses[0].Catalog.GetAsync("migrated", Cancel));
        }
        finally
        {
            foreach (var harness in harnesses)
            {
                await harness.DisposeAsync();
            }
        }
    }
}
