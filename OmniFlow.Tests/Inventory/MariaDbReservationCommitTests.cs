using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Tests.Infrastructure;

namespace OmniFlow.Tests.Inventory;

/// <summary>
/// Reservations that arrive while a commit runs commit together in the next one. Each test holds the product's row
/// from another transaction, so that a first reservation's commit waits on it while the others arrive.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbReservationCommitTests(MariaDbDatabase database) : IClassFixture<MariaDbDatabase>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly string run = Guid.NewGuid().ToString("N")[..8];

    private InventoryHarness Db => database.Harness;

    [Fact]
    public async Task Reservations_arriving_during_a_commit_commit_together_in_arrival_order()
    {
        var sku = await ProductAsync("crowd", stock: 5);
        using var root = new Activity("a crowd").Start();
        using var commits = new CommitSpans(root.TraceId);

        var (first, crowd) = await WhileTheRowIsHeldAsync(sku,
            () => Db.Inventory.ReserveAsync(Key("first"), Order("first"), [new(sku, 1)], Cancel),
            () => [.. Enumerable.Range(0, 6).Select(i => Db.Inventory.ReserveAsync(Key($"c{i}"), Order($"c{i}"), [new(sku, 1)], Cancel))],
            commits);
        var results = await Task.WhenAll(crowd);

        Assert.Equal(StockOutcome.Reserved, (await first).Outcome);
        Assert.Equal(
            [StockOutcome.Reserved, StockOutcome.Reserved, StockOutcome.Reserved, StockOutcome.Reserved, StockOutcome.InsufficientStock, StockOutcome.InsufficientStock],
            results.Select(r => r.Outcome));
        Assert.Equal(0, await Db.StockAsync(sku));
        Assert.Equal(5, (await Db.LedgerAsync(sku)).Count(e => e.Kind == LedgerKind.Reserve));
        await Db.AssertLedgerMatchesStockAsync();

        var spans = commits.Stopped;
        Assert.Equal([1, 6], spans.Select(span => (int)span.GetTagItem("omniflow.inventory.reservations")!));
        Assert.Equal(5, spans[1].Links.Count());
        Assert.All(spans, span => Assert.Equal(root.TraceId, span.TraceId));
    }

    [Fact]
    public async Task A_commit_sits_in_a_recorded_trace_of_its_reservations_and_links_only_the_recorded_others()
    {
        var sku = await ProductAsync("budgeted", stock: 10);
        using var root = new Activity("traced orders").Start();
        using var commits = new CommitSpans(root.TraceId);

        var (first, crowd) = await WhileTheRowIsHeldAsync(sku,
            () => Db.Inventory.ReserveAsync(Key("first"), Order("first"), [new(sku, 1)], Cancel),
            () =>
            [
                Untraced(() => Db.Inventory.ReserveAsync(Key("u1"), Order("u1"), [new(sku, 1)], Cancel)),
                Db.Inventory.ReserveAsync(Key("t1"), Order("t1"), [new(sku, 1)], Cancel),
                Untraced(() => Db.Inventory.ReserveAsync(Key("u2"), Order("u2"), [new(sku, 1)], Cancel)),
                Db.Inventory.ReserveAsync(Key("t2"), Order("t2"), [new(sku, 1)], Cancel),
            ],
            commits);

        Assert.Equal(StockOutcome.Reserved, (await first).Outcome);
        Assert.All(await Task.WhenAll(crowd), result => Assert.Equal(StockOutcome.Reserved, result.Outcome));
        var spans = commits.Stopped;
        Assert.Equal([1, 4], spans.Select(span => (int)span.GetTagItem("omniflow.inventory.reservations")!));
        Assert.Equal(root.TraceId, Assert.Single(spans[1].Links).Context.TraceId);
    }

    [Fact]
    public async Task A_commit_with_earlier_writes_among_it_answers_each_reservation_from_what_is_stored()
    {
        var sku = await ProductAsync("mixed", stock: 10);
        var earlier = await Db.Inventory.ReserveAsync(Key("retried"), Order("retried"), [new(sku, 1)], Cancel);
        var ended = Rows(Order("ended"), sku);
        var cancelled = ended.Reserving with { Status = "CANCELLED", UpdatedAt = ended.Reserved.UpdatedAt.AddSeconds(5) };
        await Db.Orders.SaveAsync(cancelled, Cancel);
        await Db.Inventory.RestockAsync(Key("restock"), sku, 1, Cancel);
        using var root = new Activity("a mixed batch").Start();
        using var commits = new CommitSpans(root.TraceId);

        var (first, batch) = await WhileTheRowIsHeldAsync(sku,
            () => Db.Inventory.ReserveAsync(Key("first"), Order("first"), [new(sku, 1)], Cancel),
            () =>
            [
                Db.Inventory.ReserveAsync(Key("retried"), Order("retried"), [new(sku, 1)], Cancel),
                Db.Inventory.ReserveAndRecordAsync(Key("ended"), [new(sku, 2)], ended, Cancel),
                Db.Inventory.ReserveAsync(Key("restock"), Order("misused"), [new(sku, 1)], Cancel),
                Db.Inventory.ReserveAsync(Key("fresh"), Order("fresh"), [new(sku, 3)], Cancel),
            ],
            commits);

        Assert.Equal(StockOutcome.Reserved, (await first).Outcome);
        Assert.Equal(earlier, await batch[0]);
        Assert.Equal(StockOutcome.Reserved, (await batch[1]).Outcome);
        await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() => batch[2]);
        Assert.Equal(StockOutcome.Reserved, (await batch[3]).Outcome);
        Assert.Equal(10 + 1 - 1 - 1 - 2 - 3, await Db.StockAsync(sku));
        Assert.Equal(
            [(Order("retried"), -1), (Order("first"), -1), (Order("ended"), -2), (Order("fresh"), -3)],
            (await Db.LedgerAsync(sku)).Where(e => e.Kind == LedgerKind.Reserve).Select(e => (e.OrderId!, e.QuantityDelta)));
        var row = await Db.Orders.GetAsync(ended.OrderId, Cancel);
        Assert.Equal(("CANCELLED", cancelled.UpdatedAt), (row?.Status, row?.UpdatedAt));
        Assert.Null(await Db.Orders.GetAsync(Order("misused"), Cancel));
        await Db.AssertLedgerMatchesStockAsync();
        Assert.Equal([1, 4], commits.Stopped.Select(span => (int)span.GetTagItem("omniflow.inventory.reservations")!));
    }

    [Fact]
    public async Task A_reservation_the_database_refuses_fails_alone_and_the_others_of_its_commit_are_reserved()
    {
        var sku = await ProductAsync("refused", stock: 5);
        var refused = Rows(Order("refused"), sku);
        refused = new ReservationRows(refused.Reserving with { UserId = new string('u', 300) }, refused.Reserved with { UserId = new string('u', 300) });
        using var root = new Activity("a refused row").Start();
        using var commits = new CommitSpans(root.TraceId);

        var (first, batch) = await WhileTheRowIsHeldAsync(sku,
            () => Db.Inventory.ReserveAsync(Key("first"), Order("first"), [new(sku, 1)], Cancel),
            () =>
            [
                Db.Inventory.ReserveAsync(Key("before"), Order("before"), [new(sku, 1)], Cancel),
                Db.Inventory.ReserveAndRecordAsync(Key("refused"), [new(sku, 2)], refused, Cancel),
                Db.Inventory.ReserveAsync(Key("after"), Order("after"), [new(sku, 1)], Cancel),
            ],
            commits);

        Assert.Equal(StockOutcome.Reserved, (await first).Outcome);
        Assert.Equal(StockOutcome.Reserved, (await batch[0]).Outcome);
        await Assert.ThrowsAsync<DbUpdateException>(() => batch[1]);
        Assert.Equal(StockOutcome.Reserved, (await batch[2]).Outcome);
        Assert.Equal(2, await Db.StockAsync(sku));
        Assert.Null(await Db.Orders.GetAsync(refused.OrderId, Cancel));
        await Db.AssertLedgerMatchesStockAsync();
        // The three alone stop inside the batch's span.
        Assert.Equal([1, 1, 1, 1, 3], commits.Stopped.Select(span => (int)span.GetTagItem("omniflow.inventory.reservations")!));
    }

    /// <summary>Starts a reservation outside any trace, as one whose trace the budget dropped.</summary>
    private static Task<StockOperationResult> Untraced(Func<Task<StockOperationResult>> reserve)
    {
        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            return reserve();
        }
        finally
        {
            Activity.Current = current;
        }
    }

    /// <summary>
    /// Starts <paramref name="first"/> while another transaction holds the product's row, waits until its commit has
    /// begun (so it waits on that row), starts <paramref name="next"/>, then lets the row go.
    /// </summary>
    private async Task<(Task<StockOperationResult> First, Task<StockOperationResult>[] Next)> WhileTheRowIsHeldAsync(
        string sku, Func<Task<StockOperationResult>> first, Func<Task<StockOperationResult>[]> next, CommitSpans commits)
    {
        await using var context = await Db.Contexts.CreateDbContextAsync(Cancel);
        await using var hold = await context.BeginWriteTransactionAsync(Cancel);
        await context.LockProductsAsync([sku], Cancel);

        var firstTask = first();
        await commits.FirstStarted.WaitAsync(TimeSpan.FromSeconds(10), Cancel);
        var nextTasks = next();
        await Task.Delay(100, Cancel);
        Assert.False(firstTask.IsCompleted, "the first commit did not wait for the held row");
        await hold.RollbackAsync(Cancel);
        return (firstTask, nextTasks);
    }

    private static ReservationRows Rows(string orderId, string sku)
    {
        var at = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
        var reserving = new StoredOrder(orderId, "u-1", 20m, "RESERVING", [new(sku, 2, "SH")], [new(at, "order admitted")], null, at, at);
        return new ReservationRows(reserving, reserving with { Status = "PENDING_PAYMENT", PaymentDeadline = at.AddMinutes(30) });
    }

    private string Key(string name) => $"{name}-{run}";

    private string Order(string name) => $"ORDER-{name}-{run}";

    private async Task<string> ProductAsync(string name, int stock)
    {
        var sku = $"{name}-{run}";
        await Db.Catalog.UpsertAsync(sku, name, 10m, "SH", stock, Cancel);
        return sku;
    }

    /// <summary>The reservation commits of one trace, as they start and stop.</summary>
    private sealed class CommitSpans : IDisposable
    {
        private readonly ConcurrentQueue<Activity> stopped = new();
        private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ActivityListener listener;

        public CommitSpans(ActivityTraceId trace)
        {
            listener = new ActivityListener
            {
                ShouldListenTo = source => source == InventoryTelemetry.Source,
                Sample = (ref ActivityCreationOptions<ActivityContext> options) => options.Parent.TraceId == trace
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.None,
                ActivityStarted = span =>
                {
                    if (IsCommit(span))
                    {
                        started.TrySetResult();
                    }
                },
                ActivityStopped = span =>
                {
                    if (IsCommit(span))
                    {
                        stopped.Enqueue(span);
                    }
                },
            };
            ActivitySource.AddActivityListener(listener);

            bool IsCommit(Activity span) => span.TraceId == trace && span.OperationName == "Inventory Reserve commit";
        }

        public Task FirstStarted => started.Task;

        public IReadOnlyList<Activity> Stopped => [.. stopped];

        public void Dispose() => listener.Dispose();
    }
}
