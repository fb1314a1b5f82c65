using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Tests.Inventory;

/// <summary>
/// What every database of record must do for <see cref="IInventoryService"/>; run against SQLite and MariaDB.
/// Each test uses its own skus and keys, so a database can be shared by the tests of one class.
/// </summary>
public abstract class InventoryServiceContract : IAsyncLifetime
{
    private readonly string run = Guid.NewGuid().ToString("N")[..8];

    protected InventoryHarness Db { get; private set; } = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private IInventoryService Inventory => Db.Inventory;

    protected abstract Task<InventoryHarness> OpenAsync();

    protected abstract ValueTask CloseAsync(InventoryHarness harness);

    public async ValueTask InitializeAsync() => Db = await OpenAsync();

    public async ValueTask DisposeAsync()
    {
        if (Db is not null)
        {
            await CloseAsync(Db);
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Same_key_twice_reserves_once_and_returns_the_same_outcome()
    {
        var sku = await ProductAsync("phone", stock: 10);

        var first = await Inventory.ReserveAsync(Key("r"), Order("1"), [new(sku, 3)], Cancel);
        var second = await Inventory.ReserveAsync(Key("r"), Order("1"), [new(sku, 3)], Cancel);

        Assert.Equal(StockOutcome.Reserved, first.Outcome);
        Assert.Equal(first, second);
        Assert.Equal(7, await Db.StockAsync(sku));
        Assert.Single(await Db.LedgerAsync(sku), e => e.Kind == LedgerKind.Reserve);
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Release_after_reserve_restores_the_stock()
    {
        var sku = await ProductAsync("watch", stock: 5);
        var order = Order("2");
        await Inventory.ReserveAsync(Key("r"), order, [new(sku, 2)], Cancel);

        var released = await Inventory.ReleaseAsync(Key("c"), order, Cancel);

        Assert.Equal(StockOutcome.Released, released.Outcome);
        Assert.Equal(5, await Db.StockAsync(sku));
        Assert.Equal([-2, 2], (await Db.LedgerAsync(sku)).Where(e => e.OrderId == order).Select(e => e.QuantityDelta));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Releasing_twice_with_different_keys_gives_back_once()
    {
        var sku = await ProductAsync("tablet", stock: 4);
        var order = Order("3");
        await Inventory.ReserveAsync(Key("r"), order, [new(sku, 3)], Cancel);

        var first = await Inventory.ReleaseAsync(Key("c1"), order, Cancel);
        var second = await Inventory.ReleaseAsync(Key("c2"), order, Cancel);
        var replay = await Inventory.ReleaseAsync(Key("c1"), order, Cancel);

        Assert.Equal(StockOutcome.Released, first.Outcome);
        Assert.Equal(StockOutcome.NothingToRelease, second.Outcome);
        Assert.Equal(first, replay);
        Assert.Equal(4, await Db.StockAsync(sku));
        Assert.Single(await Db.LedgerAsync(sku), e => e.Kind == LedgerKind.Release);
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Releasing_an_order_that_reserved_nothing_is_a_no_op()
    {
        var sku = await ProductAsync("case", stock: 2);

        var result = await Inventory.ReleaseAsync(Key("c"), Order("never"), Cancel);

        Assert.Equal(StockOutcome.NothingToRelease, result.Outcome);
        Assert.True(result.Succeeded);
        Assert.Equal(2, await Db.StockAsync(sku));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Insufficient_stock_is_an_outcome_that_changes_nothing()
    {
        var sku = await ProductAsync("console", stock: 1);

        var result = await Inventory.ReserveAsync(Key("r"), Order("4"), [new(sku, 2)], Cancel);

        Assert.Equal(StockOutcome.InsufficientStock, result.Outcome);
        Assert.Equal(sku, result.Sku);
        Assert.False(result.Succeeded);
        Assert.Equal(1, await Db.StockAsync(sku));
        Assert.DoesNotContain(await Db.LedgerAsync(sku), e => e.Kind == LedgerKind.Reserve);
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Unknown_sku_is_an_outcome_naming_the_sku()
    {
        await ProductAsync("anchor", stock: 1);
        var missing = $"missing-{run}";

        var reserve = await Inventory.ReserveAsync(Key("r"), Order("5"), [new(missing, 1)], Cancel);
        var restock = await Inventory.RestockAsync(Key("s"), missing, 5, Cancel);

        Assert.Equal(new StockOperationResult(StockOutcome.UnknownSku, missing, reserve.Detail), reserve);
        Assert.Equal(StockOutcome.UnknownSku, restock.Outcome);
        Assert.Null(await Db.Catalog.GetAsync(missing, Cancel));
        Assert.Empty(await Db.LedgerAsync(missing));
    }

    [Fact]
    public async Task A_multi_sku_reservation_is_all_or_nothing()
    {
        var plenty = await ProductAsync("a", stock: 10);
        var scarce = await ProductAsync("b", stock: 1);
        var order = Order("6");

        var refused = await Inventory.ReserveAsync(Key("r1"), order, [new(plenty, 2), new(scarce, 2)], Cancel);
        var unknown = await Inventory.ReserveAsync(Key("r2"), order, [new(plenty, 2), new($"nope-{run}", 1)], Cancel);

        Assert.Equal((StockOutcome.InsufficientStock, scarce), (refused.Outcome, refused.Sku));
        Assert.Equal(StockOutcome.UnknownSku, unknown.Outcome);
        Assert.Equal(10, await Db.StockAsync(plenty));
        Assert.Equal(1, await Db.StockAsync(scarce));

        var accepted = await Inventory.ReserveAsync(Key("r3"), order, [new(scarce, 1), new(plenty, 2), new(plenty, 1)], Cancel);

        Assert.Equal(StockOutcome.Reserved, accepted.Outcome);
        Assert.Equal(7, await Db.StockAsync(plenty));
        Assert.Equal(0, await Db.StockAsync(scarce));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task A_stored_failure_is_replayed_for_a_repeated_key_even_after_restock()
    {
        var sku = await ProductAsync("drone", stock: 1);
        var first = await Inventory.ReserveAsync(Key("r"), Order("7"), [new(sku, 3)], Cancel);
        await Inventory.RestockAsync(Key("s"), sku, 10, Cancel);

        var replay = await Inventory.ReserveAsync(Key("r"), Order("7"), [new(sku, 3)], Cancel);

        Assert.Equal(StockOutcome.InsufficientStock, first.Outcome);
        Assert.Equal(first, replay);
        Assert.Equal(11, await Db.StockAsync(sku));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Restock_adds_once_per_key()
    {
        var sku = await ProductAsync("lens", stock: 2);

        var first = await Inventory.RestockAsync(Key("s"), sku, 5, Cancel);
        var replay = await Inventory.RestockAsync(Key("s"), sku, 5, Cancel);

        Assert.Equal(StockOutcome.Restocked, first.Outcome);
        Assert.Equal(first, replay);
        Assert.Equal(7, await Db.StockAsync(sku));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task A_key_reused_for_another_operation_is_refused()
    {
        var sku = await ProductAsync("strap", stock: 3);
        await Inventory.ReserveAsync(Key("k"), Order("8"), [new(sku, 1)], Cancel);

        await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() => Inventory.ReleaseAsync(Key("k"), Order("8"), Cancel));
        Assert.Equal(2, await Db.StockAsync(sku));
    }

    [Fact]
    public async Task Catalog_upsert_sets_stock_and_records_the_difference()
    {
        var sku = Sku("tv");
        var created = await Db.Catalog.UpsertAsync(sku, "TV", 499.99m, "SH", 10, Cancel);
        await Inventory.ReserveAsync(Key("r"), Order("9"), [new(sku, 4)], Cancel);

        var replaced = await Db.Catalog.UpsertAsync(sku, "TV 2", 450m, "BJ", 3, Cancel);

        Assert.Equal((sku, "TV", 499.99m, "SH", 10), (created.Sku, created.Name, created.Price, created.Warehouse, created.AvailableStock));
        Assert.Equal(("TV 2", 450m, "BJ", 3), (replaced.Name, replaced.Price, replaced.Warehouse, replaced.AvailableStock));
        Assert.Equal(replaced, await Db.Catalog.GetAsync(sku, Cancel));
        Assert.Equal([10, -4, -3], (await Db.LedgerAsync(sku)).Select(e => e.QuantityDelta));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task The_same_key_from_many_callers_at_once_reserves_once()
    {
        var sku = await ProductAsync("burst", stock: 100);

        var results = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => Task.Run(() => Inventory.ReserveAsync(Key("same"), Order("10"), [new(sku, 2)], Cancel), Cancel)));

        Assert.All(results, result => Assert.Equal(results[0], result));
        Assert.Equal(StockOutcome.Reserved, results[0].Outcome);
        Assert.Equal(98, await Db.StockAsync(sku));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Reserve_and_record_writes_the_order_row_with_the_reservation_and_a_retry_writes_nothing()
    {
        var sku = await ProductAsync("camera", stock: 5);
        var rows = Rows(Order("r1"), sku, quantity: 2);

        var first = await Inventory.ReserveAndRecordAsync(Key("r"), [new(sku, 2)], rows, Cancel);
        var paid = rows.Reserved with { Status = "PAID", UpdatedAt = rows.Reserved.UpdatedAt.AddSeconds(5) };
        await Db.Orders.SaveAsync(paid, Cancel);
        var retried = await Inventory.ReserveAndRecordAsync(Key("r"), [new(sku, 2)], rows, Cancel);

        Assert.Equal(StockOutcome.Reserved, first.Outcome);
        Assert.Equal(first, retried);
        Assert.Equal(3, await Db.StockAsync(sku));
        Assert.Single(await Db.LedgerAsync(sku), e => e.Kind == LedgerKind.Reserve);
        var stored = await Db.Orders.GetAsync(rows.OrderId, Cancel);
        Assert.NotNull(stored);
        Assert.Equal(("PAID", paid.UpdatedAt), (stored.Status, stored.UpdatedAt));
        Assert.Equal(1, await Db.Orders.CountAsync(new OrderQuery(Sku: sku), Cancel));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Reserve_and_record_moves_the_row_on_in_the_reservation()
    {
        var sku = await ProductAsync("lens", stock: 5);
        var rows = Rows(Order("r2"), sku, quantity: 1);

        await Inventory.ReserveAndRecordAsync(Key("r"), [new(sku, 1)], rows, Cancel);

        var stored = await Db.Orders.GetAsync(rows.OrderId, Cancel);
        Assert.NotNull(stored);
        Assert.Equal((rows.Reserved.Status, rows.Reserved.PaymentDeadline, rows.Reserved.UpdatedAt), (stored.Status, stored.PaymentDeadline, stored.UpdatedAt));
        Assert.Equal(rows.Reserved.Timeline.Select(e => e.Event), stored.Timeline.Select(e => e.Event));
        Assert.Equal([new(sku, 1, "SH")], stored.Lines);
    }

    [Fact]
    public async Task Reserve_and_record_on_insufficient_stock_leaves_the_row_reserving_and_the_stock_untouched()
    {
        var sku = await ProductAsync("drone", stock: 1);
        var rows = Rows(Order("r3"), sku, quantity: 2);

        var result = await Inventory.ReserveAndRecordAsync(Key("r"), [new(sku, 2)], rows, Cancel);
        var replay = await Inventory.ReserveAndRecordAsync(Key("r"), [new(sku, 2)], rows, Cancel);

        Assert.Equal(StockOutcome.InsufficientStock, result.Outcome);
        Assert.Equal(result, replay);
        Assert.Equal(1, await Db.StockAsync(sku));
        Assert.DoesNotContain(await Db.LedgerAsync(sku), e => e.Kind == LedgerKind.Reserve);
        var stored = await Db.Orders.GetAsync(rows.OrderId, Cancel);
        Assert.NotNull(stored);
        Assert.Equal(("RESERVING", (DateTimeOffset?)null), (stored.Status, stored.PaymentDeadline));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Reserve_and_record_after_a_newer_write_of_the_row_reserves_and_keeps_that_row()
    {
        var sku = await ProductAsync("tripod", stock: 5);
        var rows = Rows(Order("r4"), sku, quantity: 2);
        var cancelled = rows.Reserving with { Status = "CANCELLED", UpdatedAt = rows.Reserved.UpdatedAt.AddSeconds(5) };
        await Db.Orders.SaveAsync(cancelled, Cancel);

        var result = await Inventory.ReserveAndRecordAsync(Key("r"), [new(sku, 2)], rows, Cancel);

        Assert.Equal(StockOutcome.Reserved, result.Outcome);
        Assert.Equal(3, await Db.StockAsync(sku));
        var stored = await Db.Orders.GetAsync(rows.OrderId, Cancel);
        Assert.NotNull(stored);
        Assert.Equal(("CANCELLED", cancelled.UpdatedAt), (stored.Status, stored.UpdatedAt));
        await Db.AssertLedgerMatchesStockAsync();
    }

    [Fact]
    public async Task Reserve_and_record_after_an_older_write_of_the_row_replaces_it()
    {
        var sku = await ProductAsync("flash", stock: 5);
        var rows = Rows(Order("r5"), sku, quantity: 1);
        await Db.Orders.SaveAsync(rows.Reserving with { UpdatedAt = rows.Reserving.UpdatedAt.AddSeconds(-5) }, Cancel);

        var result = await Inventory.ReserveAndRecordAsync(Key("r"), [new(sku, 1)], rows, Cancel);

        Assert.Equal(StockOutcome.Reserved, result.Outcome);
        var stored = await Db.Orders.GetAsync(rows.OrderId, Cancel);
        Assert.NotNull(stored);
        Assert.Equal((rows.Reserved.Status, rows.Reserved.UpdatedAt), (stored.Status, stored.UpdatedAt));
        Assert.Equal([new(sku, 1, "SH")], stored.Lines);
        Assert.Equal(1, await Db.Orders.CountAsync(new OrderQuery(Sku: sku), Cancel));
    }

    /// <summary>An order's row as the workflow hands it to the reservation: RESERVING, then PENDING_PAYMENT with a deadline.</summary>
    private static ReservationRows Rows(string orderId, string sku, int quantity)
    {
        var at = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        var reserving = new StoredOrder(orderId, "u-1", 10m * quantity, "RESERVING", [new(sku, quantity, "SH")], [new(at, "order admitted")], null, at, at);
        var reserved = reserving with
        {
            Status = "PENDING_PAYMENT",
            PaymentDeadline = at.AddMinutes(30),
            Timeline = [.. reserving.Timeline, new(at, "stock reserved"), new(at, "awaiting payment")],
        };
        return new ReservationRows(reserving, reserved);
    }

    protected string Sku(string name) => $"{name}-{run}";

    protected string Key(string name) => $"{name}-{run}";

    protected string Order(string name) => $"ORDER-{name}-{run}";

    protected async Task<string> ProductAsync(string name, int stock)
    {
        var sku = Sku(name);
        await Db.Catalog.UpsertAsync(sku, name, 10m, "SH", stock, Cancel);
        return sku;
    }
}
