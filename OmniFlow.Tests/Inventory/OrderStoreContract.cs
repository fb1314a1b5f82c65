using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Inventory;

/// <summary>What <see cref="IOrderStore"/> must do on every database of record; each test gets an empty database.</summary>
public abstract class OrderStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    private InventoryHarness db = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    protected abstract Task<InventoryHarness> OpenEmptyDatabaseAsync();

    public async ValueTask InitializeAsync() => db = await OpenEmptyDatabaseAsync();

    public async ValueTask DisposeAsync()
    {
        if (db is not null)
        {
            await db.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Save_then_get_round_trips_lines_timeline_and_deadline()
    {
        var order = NewOrder("1", "RESERVING") with
        {
            Lines = [new("phone", 1, "SH"), new("case", 2, "BJ"), new("phone", 1, "SH")],
            Timeline = [new(Start, "created"), new(Start.AddSeconds(1), "reserved")],
            PaymentDeadline = Start.AddMinutes(30),
        };

        await db.Orders.SaveAsync(order, Cancel);
        var stored = await db.Orders.GetAsync(order.OrderId, Cancel);

        Assert.NotNull(stored);
        Assert.Equal([new("case", 2, "BJ"), new("phone", 2, "SH")], stored.Lines);
        Assert.Equal(order.Timeline, stored.Timeline);
        Assert.Equal((order.PaymentDeadline, order.Amount, order.UserId), (stored.PaymentDeadline, stored.Amount, stored.UserId));
        Assert.Null(await db.Orders.GetAsync("ORDER-unknown", Cancel));
    }

    [Fact]
    public async Task Save_replaces_status_and_lines_but_ignores_an_older_snapshot()
    {
        var created = NewOrder("2", "RESERVING");
        await db.Orders.SaveAsync(created, Cancel);
        var paid = created with { Status = "PAID", Lines = [new("watch", 1, "SZ")], UpdatedAt = Start.AddMinutes(5) };
        await db.Orders.SaveAsync(paid, Cancel);

        await db.Orders.SaveAsync(created with { Status = "PENDING_PAYMENT", UpdatedAt = Start.AddMinutes(1) }, Cancel);
        var stored = await db.Orders.GetAsync(created.OrderId, Cancel);

        Assert.Equal("PAID", stored?.Status);
        Assert.Equal([new("watch", 1, "SZ")], stored?.Lines);
        Assert.Equal(created.CreatedAt, stored?.CreatedAt);
    }

    [Fact]
    public async Task List_and_count_filter_by_status_and_sku()
    {
        await db.Orders.SaveAsync(NewOrder("5", "PAID") with { Lines = [new("phone", 1, "SH")] }, Cancel);
        await db.Orders.SaveAsync(NewOrder("6", "PAID") with { Lines = [new("case", 1, "SH")], CreatedAt = Start.AddMinutes(1) }, Cancel);
        await db.Orders.SaveAsync(NewOrder("7", "CANCELLED") with { Lines = [new("phone", 1, "SH")] }, Cancel);

        Assert.Equal(2, await db.Orders.CountAsync(new(Status: "PAID"), Cancel));
        Assert.Equal(2, await db.Orders.CountAsync(new(Sku: "phone"), Cancel));
        Assert.Equal(1, await db.Orders.CountAsync(new(Status: "PAID", Sku: "phone"), Cancel));
        Assert.Equal(["ORDER-6", "ORDER-5"], (await db.Orders.ListAsync(new(Status: "PAID"), Cancel)).Select(o => o.OrderId));
        Assert.Single(await db.Orders.ListAsync(new(Limit: 1), Cancel));
    }

    private static StoredOrder NewOrder(string id, string status) =>
        new($"ORDER-{id}", "u-42", 100m, status, [new("phone", 1, "SH")], [new(Start, "created")], null, Start, Start);
}

public sealed class SqliteOrderStoreTests : OrderStoreContract
{
    protected override Task<InventoryHarness> OpenEmptyDatabaseAsync() => InventoryHarness.InMemorySqliteAsync();
}

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbOrderStoreTests(MariaDbServer server) : OrderStoreContract
{
    protected override async Task<InventoryHarness> OpenEmptyDatabaseAsync()
    {
        if (server.UnavailableReason is { } reason)
        {
            RequiredServices.Unavailable(reason);
        }

        return await InventoryHarness.StartAsync(await server.CreateDatabaseAsync());
    }
}
