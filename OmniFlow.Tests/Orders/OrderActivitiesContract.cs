using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Inventory;
using Temporalio.Testing;

namespace OmniFlow.Tests.Orders;

/// <summary>The database activities of an order, run by the SDK's ActivityEnvironment over a real database.</summary>
public abstract class OrderActivitiesContract
{
    protected abstract InventoryHarness Harness { get; }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reserving_twice_for_one_order_takes_the_stock_once()
    {
        var (sku, orderId) = await NewProductAsync(stock: 5);
        var activities = new InventoryActivities(Harness.Inventory);
        var request = new ReserveStockRequest(orderId, [new StockLine(sku, 2)]);

        var first = await new ActivityEnvironment().RunAsync(() => activities.ReserveStockAsync(request));
        var retried = await new ActivityEnvironment().RunAsync(() => activities.ReserveStockAsync(request));

        Assert.Equal(StockOutcome.Reserved, first.Outcome);
        Assert.Equal(StockOutcome.Reserved, retried.Outcome);
        Assert.Equal(3, await Harness.StockAsync(sku));
    }

    [Fact]
    public async Task Insufficient_stock_is_returned_not_thrown()
    {
        var (sku, orderId) = await NewProductAsync(stock: 1);
        var activities = new InventoryActivities(Harness.Inventory);

        var result = await new ActivityEnvironment().RunAsync(() => activities.ReserveStockAsync(new(orderId, [new StockLine(sku, 2)])));

        Assert.Equal(StockOutcome.InsufficientStock, result.Outcome);
        Assert.Equal(sku, result.Sku);
        Assert.Equal(1, await Harness.StockAsync(sku));
    }

    [Fact]
    public async Task Releasing_twice_gives_the_stock_back_once()
    {
        var (sku, orderId) = await NewProductAsync(stock: 5);
        var activities = new InventoryActivities(Harness.Inventory);
        await new ActivityEnvironment().RunAsync(() => activities.ReserveStockAsync(new(orderId, [new StockLine(sku, 3)])));

        var first = await new ActivityEnvironment().RunAsync(() => activities.ReleaseStockAsync(orderId));
        var retried = await new ActivityEnvironment().RunAsync(() => activities.ReleaseStockAsync(orderId));

        Assert.Equal(StockOutcome.Released, first.Outcome);
        Assert.True(retried.Succeeded);
        Assert.Equal(5, await Harness.StockAsync(sku));
        await Harness.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Recording_an_order_keeps_the_newest_transition_and_the_idempotency_key()
    {
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var activities = new OrderRecordActivities(Harness.Orders);
        var start = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        var pending = View(orderId, OrderStatus.PendingPayment, [new(start, "order admitted"), new(start.AddSeconds(1), "awaiting payment")], start.AddMinutes(30));
        var paid = pending with { Status = OrderStatus.Paid, Timeline = [.. pending.Timeline, new(start.AddSeconds(5), "payment pay-1 captured")] };

        await new ActivityEnvironment().RunAsync(() => activities.RecordOrderAsync(new(paid, "key-1", start.AddSeconds(5))));
        await new ActivityEnvironment().RunAsync(() => activities.RecordOrderAsync(new(pending, "key-1", start.AddSeconds(1))));

        var stored = await Harness.Orders.GetAsync(orderId, Token);
        Assert.NotNull(stored);
        Assert.Equal("PAID", stored.Status);
        Assert.Equal("key-1", stored.IdempotencyKey);
        var view = StoredOrders.ToView(stored);
        Assert.Equal(OrderStatus.Paid, view.Status);
        Assert.Equal(3, view.Timeline.Count);
        Assert.Equal(start.AddMinutes(30), view.PaymentDeadline);
        Assert.Equal("SKU-A", Assert.Single(view.Items).Sku);
    }

    [Fact]
    public async Task A_timeline_note_is_appended_once()
    {
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var activities = new OrderRecordActivities(Harness.Orders);
        var start = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        await new ActivityEnvironment().RunAsync(() =>
            activities.RecordOrderAsync(new(View(orderId, OrderStatus.Cancelled, [new(start, "order admitted"), new(start.AddMinutes(30), "payment timed out")], null), null, start.AddMinutes(30))));
        var note = new TimelineNote(orderId, new(start.AddHours(1), "payment pay-9 arrived after the order was CANCELLED: refunded"));

        await new ActivityEnvironment().RunAsync(() => activities.AppendTimelineAsync(note));
        await new ActivityEnvironment().RunAsync(() => activities.AppendTimelineAsync(note));

        var stored = await Harness.Orders.GetAsync(orderId, Token);
        Assert.Equal("CANCELLED", stored!.Status);
        Assert.Single(stored.Timeline, entry => entry.Event == note.Entry.Event);
        Assert.Equal(3, stored.Timeline.Count);
    }

    private static OrderView View(string orderId, OrderStatus status, List<TimelineEntry> timeline, DateTime? deadline) =>
        new(orderId, status, "u-1", [new OrderItem("SKU-A", 1, "SH")], 100m, deadline, timeline);

    private async Task<(string Sku, string OrderId)> NewProductAsync(int stock)
    {
        var sku = $"SKU-{Guid.NewGuid():N}"[..20];
        await Harness.Catalog.UpsertAsync(sku, "Product", 100m, "SH", stock, Token);
        return (sku, $"ORDER-{Guid.NewGuid()}");
    }
}

public sealed class SqliteOrderActivitiesTests : OrderActivitiesContract, IAsyncLifetime
{
    private InventoryHarness? harness;

    protected override InventoryHarness Harness => harness!;

    public async ValueTask InitializeAsync() => harness = await InventoryHarness.InMemorySqliteAsync();

    public async ValueTask DisposeAsync()
    {
        if (harness is not null)
        {
            await harness.DisposeAsync();
        }
    }
}

[Collection(Infrastructure.MariaDbCollection.Name)]
public sealed class MariaDbOrderActivitiesTests(MariaDbDatabase database) : OrderActivitiesContract, IClassFixture<MariaDbDatabase>
{
    protected override InventoryHarness Harness => database.Harness;
}
