using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Tests.Reconciliation;

/// <summary>
/// Each kind of drift the issue names, injected into real Redis and MariaDB: one run repairs it, with a ledger entry
/// holding the figures before and after and why, and a second run finds nothing to change.
/// </summary>
[Collection(ReconciliationCollection.Name)]
public sealed class DriftRepairTests(ReconciliationSystem system)
{
    [Fact]
    public async Task A_gate_key_evicted_is_entered_again_from_the_database()
    {
        system.EnsureAvailable();
        var sku = NewSku();
        await system.PutProductAsync(sku, stock: 10);
        await system.Redis.KeyDeleteAsync($"{ReconciliationSystem.GatePrefix}:stock:{sku}");

        var run = await system.ReconcileAsync();

        var correction = Assert.Single(ReconciliationSystem.Corrections(run, sku));
        AssertCorrection(correction, "gate", "blue", before: 0, after: 10);
        Assert.Contains("lost the sku", correction.GetProperty("reason").GetString());
        Assert.Equal(10, await system.Gate.GetStockAsync(sku, TestContext.Current.CancellationToken));
        await AssertSecondRunChangesNothingAsync(sku, gate: 10, db: 10);
    }

    [Fact]
    public async Task A_gate_restored_from_an_old_snapshot_is_reversed_down_to_the_database()
    {
        system.EnsureAvailable();
        var sku = NewSku();
        await system.PutProductAsync(sku, stock: 10);
        await system.Redis.StringSetAsync($"{ReconciliationSystem.GatePrefix}:stock:{sku}", 15);

        var run = await system.ReconcileAsync();

        var figures = ReconciliationSystem.Sku(run, sku);
        Assert.Equal(15, figures.GetProperty("gate_stock").GetInt32());
        Assert.Equal(10, figures.GetProperty("db_stock").GetInt32());
        Assert.Equal(5, figures.GetProperty("drift").GetInt32());
        AssertCorrection(Assert.Single(ReconciliationSystem.Corrections(run, sku)), "gate", "red", before: 15, after: 10);
        Assert.Equal(10, await system.Gate.GetStockAsync(sku, TestContext.Current.CancellationToken));
        await AssertSecondRunChangesNothingAsync(sku, gate: 10, db: 10);
    }

    [Fact]
    public async Task Units_lost_from_the_gate_with_no_order_are_entered_again()
    {
        system.EnsureAvailable();
        var sku = NewSku();
        await system.PutProductAsync(sku, stock: 10);
        await system.Redis.StringDecrementAsync($"{ReconciliationSystem.GatePrefix}:stock:{sku}", 7);

        var run = await system.ReconcileAsync();

        AssertCorrection(Assert.Single(ReconciliationSystem.Corrections(run, sku)), "gate", "blue", before: 3, after: 10);
        await AssertSecondRunChangesNothingAsync(sku, gate: 10, db: 10);
    }

    [Fact]
    public async Task An_admission_whose_workflow_never_started_is_given_back_to_the_gate()
    {
        system.EnsureAvailable();
        var sku = NewSku();
        await system.PutProductAsync(sku, stock: 10);
        var orderId = $"ORDER-{Guid.NewGuid()}";
        Assert.True((await system.Gate.TryAdmitAsync(orderId, null, [new StockLine(sku, 2)], TestContext.Current.CancellationToken)).Admitted);
        await WaitPastStuckAfterAsync();

        var run = await system.ReconcileAsync();

        var correction = Assert.Single(ReconciliationSystem.Corrections(run, sku));
        AssertCorrection(correction, "order", "red", before: 2, after: 0);
        Assert.Equal(orderId, correction.GetProperty("order_id").GetString());
        Assert.Contains("given back to the gate", correction.GetProperty("reason").GetString());
        Assert.Equal(10, await system.Gate.GetStockAsync(sku, TestContext.Current.CancellationToken));
        await AssertSecondRunChangesNothingAsync(sku, gate: 10, db: 10);
    }

    [Fact]
    public async Task An_admission_in_flight_is_counted_as_held_and_not_corrected()
    {
        system.EnsureAvailable();
        var sku = NewSku();
        await system.PutProductAsync(sku, stock: 10);
        var orderId = $"ORDER-{Guid.NewGuid()}";
        Assert.True((await system.Gate.TryAdmitAsync(orderId, null, [new StockLine(sku, 3)], TestContext.Current.CancellationToken)).Admitted);

        // Its workflow runs but has not reserved yet: it waits on a task queue no worker polls.
        var options = new OrderWorkflowOptions(10_000m, TimeSpan.FromHours(1), TimeSpan.FromMinutes(30), "nobody-gate");
        var input = new OrderInput(orderId, null, [new OrderItem(sku, 3, "SH")], 300m, options);
        await system.Temporal.Client.StartWorkflowAsync(
            (OrderWorkflow workflow) => workflow.RunAsync(input),
            new(orderId, $"nobody-{Guid.NewGuid():N}"));
        await WaitPastStuckAfterAsync();

        var run = await system.ReconcileAsync();

        var figures = ReconciliationSystem.Sku(run, sku);
        Assert.Equal(7, figures.GetProperty("gate_stock").GetInt32());
        Assert.Equal(10, figures.GetProperty("db_stock").GetInt32());
        Assert.Equal(3, figures.GetProperty("held_by_open_orders").GetInt32());
        Assert.Equal(0, figures.GetProperty("drift").GetInt32());
        Assert.Empty(ReconciliationSystem.Corrections(run, sku));
        Assert.Equal(7, await system.Gate.GetStockAsync(sku, TestContext.Current.CancellationToken));
        await system.Temporal.Client.GetWorkflowHandle(orderId).TerminateAsync("test over");
        await system.Gate.ReleaseAsync(orderId, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_pending_order_whose_workflow_was_lost_is_compensated_once_in_the_database_and_the_gate()
    {
        system.EnsureAvailable();
        var sku = NewSku();
        await system.PutProductAsync(sku, stock: 10);
        var orderId = await LostPendingOrderAsync(sku, quantity: 2);
        Assert.Equal(8, (await system.GetProductAsync(sku)).GetProperty("stock").GetInt32());

        var run = await system.ReconcileAsync();

        var corrections = ReconciliationSystem.Corrections(run, sku);
        Assert.Equal(2, corrections.Count);
        Assert.All(corrections, c => AssertCorrection(c, "order", "red", before: 2, after: 0));
        Assert.All(corrections, c => Assert.Equal(orderId, c.GetProperty("order_id").GetString()));
        Assert.Contains(corrections, c => c.GetProperty("reason").GetString()!.Contains("given back to the database"));
        Assert.Contains(corrections, c => c.GetProperty("reason").GetString()!.Contains("given back to the gate"));
        var product = await system.GetProductAsync(sku);
        Assert.Equal(10, product.GetProperty("stock").GetInt32());
        Assert.Equal(10, product.GetProperty("gate_stock").GetInt32());
        var order = await system.Orders.GetAsync(orderId, TestContext.Current.CancellationToken);
        Assert.Equal("CANCELLED", order!.Status);
        Assert.Contains(order.Timeline, e => e.Event.StartsWith("compensated by the reconciliation", StringComparison.Ordinal));
        await AssertSecondRunChangesNothingAsync(sku, gate: 10, db: 10);
        Assert.Equal(1, await ReleaseLedgerRowsAsync(orderId));
    }

    [Fact]
    public async Task An_order_whose_workflow_was_terminated_is_compensated_and_a_running_one_is_left_alone()
    {
        system.EnsureAvailable();
        var sku = NewSku();
        await system.PutProductAsync(sku, stock: 10);
        var running = await system.CreateOrderAsync($$"""{"items": [{"sku": "{{sku}}", "quantity": 1}]}""");
        var terminated = await system.CreateOrderAsync($$"""{"items": [{"sku": "{{sku}}", "quantity": 2}]}""");
        await system.WaitForStatusAsync(running, "PENDING_PAYMENT");
        await system.WaitForStatusAsync(terminated, "PENDING_PAYMENT");
        await system.Temporal.Client.GetWorkflowHandle(terminated).TerminateAsync("lost in a test");
        await WaitPastStuckAfterAsync();

        var run = await system.ReconcileAsync();

        var corrections = ReconciliationSystem.Corrections(run, sku);
        Assert.Equal(2, corrections.Count);
        Assert.All(corrections, c => Assert.Equal(terminated, c.GetProperty("order_id").GetString()));
        Assert.Contains("terminated", corrections[0].GetProperty("reason").GetString());
        var product = await system.GetProductAsync(sku);
        Assert.Equal(9, product.GetProperty("stock").GetInt32());
        Assert.Equal(9, product.GetProperty("gate_stock").GetInt32());
        Assert.Equal("PENDING_PAYMENT", (await system.Orders.GetAsync(running, TestContext.Current.CancellationToken))!.Status);
        await AssertSecondRunChangesNothingAsync(sku, gate: 9, db: 9);
    }

    [Fact]
    public async Task An_order_row_stuck_reserving_with_nothing_held_is_ended()
    {
        system.EnsureAvailable();
        var sku = NewSku();
        await system.PutProductAsync(sku, stock: 10);
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var long_ago = DateTimeOffset.UtcNow.AddMinutes(-10);
        await system.Orders.SaveAsync(new StoredOrder(orderId, null, 100m, "RESERVING", [new OrderItem(sku, 1, "SH")],
            [new OrderTimelineEvent(long_ago, "order received")], null, long_ago, long_ago), TestContext.Current.CancellationToken);

        var run = await system.ReconcileAsync();

        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal("CANCELLED", (await system.Orders.GetAsync(orderId, TestContext.Current.CancellationToken))!.Status);
        Assert.Empty(ReconciliationSystem.Corrections(run, sku));
        await AssertSecondRunChangesNothingAsync(sku, gate: 10, db: 10);
    }

    /// <summary>
    /// What a restart of the embedded Temporal server leaves: the order reserved in the database and admitted in the gate,
    /// its row PENDING_PAYMENT, and no workflow by its id.
    /// </summary>
    private async Task<string> LostPendingOrderAsync(string sku, int quantity)
    {
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var token = TestContext.Current.CancellationToken;
        Assert.True((await system.Gate.TryAdmitAsync(orderId, null, [new StockLine(sku, quantity)], token)).Admitted);
        var inventory = system.ApiServices.GetRequiredService<IInventoryService>();
        Assert.Equal(StockOutcome.Reserved, (await inventory.ReserveAsync(InventoryActivities.ReserveKey(orderId), orderId, [new StockLine(sku, quantity)], token)).Outcome);
        var long_ago = DateTimeOffset.UtcNow.AddMinutes(-10);
        await system.Orders.SaveAsync(new StoredOrder(orderId, null, 100m * quantity, "PENDING_PAYMENT", [new OrderItem(sku, quantity, "SH")],
            [new OrderTimelineEvent(long_ago, "order admitted")], long_ago.AddMinutes(30), long_ago, long_ago), token);
        return orderId;
    }

    private async Task AssertSecondRunChangesNothingAsync(string sku, int gate, int db)
    {
        var again = await system.ReconcileAsync();
        var figures = ReconciliationSystem.Sku(again, sku);
        Assert.Equal(gate, figures.GetProperty("gate_stock").GetInt32());
        Assert.Equal(db, figures.GetProperty("db_stock").GetInt32());
        Assert.Equal(0, figures.GetProperty("drift").GetInt32());
        Assert.Empty(ReconciliationSystem.Corrections(again, sku));
    }

    private async Task<int> ReleaseLedgerRowsAsync(string orderId)
    {
        var contexts = system.ApiServices.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<OmniFlowDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        return context.InventoryLedger.Count(e => e.OrderId == orderId && e.Kind == LedgerKind.Release);
    }

    private static void AssertCorrection(JsonElement correction, string target, string entry, int before, int after)
    {
        Assert.Equal(target, correction.GetProperty("target").GetString());
        Assert.Equal(entry, correction.GetProperty("entry").GetString());
        Assert.Equal(before, correction.GetProperty("before").GetInt32());
        Assert.Equal(after, correction.GetProperty("after").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(correction.GetProperty("reason").GetString()));
    }

    /// <summary>StuckAfter is a second of real time (the age of a Redis record, the time of a row).</summary>
    private static Task WaitPastStuckAfterAsync() => Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);

    private static string NewSku() => $"rec-{Guid.NewGuid():N}"[..20];
}
