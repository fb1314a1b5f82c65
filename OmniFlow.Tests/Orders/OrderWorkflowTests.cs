using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;
using Temporalio.Worker.Interceptors;

namespace OmniFlow.Tests.Orders;

public sealed class OrderWorkflowTests(TimeSkippingEnvironment temporal) : IClassFixture<TimeSkippingEnvironment>
{
    private const decimal Amount = 100m;

    /// <summary>Long enough to reach the wait and stop the worker before it passes, short enough to wait out in real time.</summary>
    private static readonly TimeSpan ShortDeadline = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task A_payment_in_time_completes_the_order()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-1", Amount)));
        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Completed, result.Status);
        Assert.Null(result.Reason);
        Assert.Equal(1, run.Fakes.Count(PaymentActivities.Capture));
        Assert.Equal(0, run.Fakes.Count(InventoryActivities.Release));
        Assert.Equal(0, run.Gate.Releases);
        Assert.Equal(
            [OrderStatus.PendingPayment, OrderStatus.Paid, OrderStatus.Fulfilling, OrderStatus.Completed],
            run.Fakes.Records.Select(record => record.Status).Distinct());
        var stored = run.Fakes.Records.Last();
        Assert.Equal("pay-1", stored.PaymentId);
        Assert.Contains(stored.Timeline, entry => entry.Event == "payment pay-1 captured");
        await run.ReplayAsync();
    }

    [Fact]
    public async Task Without_payment_the_durable_timer_cancels_and_compensates_exactly_once()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Cancelled, result.Status);
        Assert.Equal("payment timed out", result.Reason);
        Assert.Equal(1, run.Fakes.Count(InventoryActivities.Release));
        Assert.Equal(1, run.Gate.Releases);
        Assert.Equal(0, run.Fakes.Count(PaymentActivities.Capture));
        var stored = run.Fakes.Records.Last();
        Assert.Equal(OrderStatus.Cancelled, stored.Status);
        var events = stored.Timeline.Select(entry => entry.Event).ToList();
        Assert.True(events.IndexOf("stock released to the database") < events.IndexOf("admission given back to the gate"), "compensations run in reverse");
        Assert.True(stored.Timeline[^1].At - stored.Timeline[0].At >= TimeSpan.FromMinutes(30), "the timer waited 30 minutes of workflow time");
        await run.ReplayAsync();
    }

    [Fact]
    public async Task An_audit_rejection_fails_the_order_with_the_reason()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), amount: 20_000m);

        await run.WaitForStatusAsync(OrderStatus.AwaitingAudit);
        await run.Handle.SignalAsync(wf => wf.AuditAsync(new AuditDecision(false, "risk score 97")));
        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.Contains("risk score 97", result.Reason);
        Assert.Equal(1, run.Fakes.Count(InventoryActivities.Release));
        Assert.Equal(1, run.Gate.Releases);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task An_approved_audit_goes_on_to_payment()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), amount: 20_000m);

        await run.WaitForStatusAsync(OrderStatus.AwaitingAudit);
        await run.Handle.SignalAsync(wf => wf.AuditAsync(new AuditDecision(true, null)));
        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-big", 20_000m)));

        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task An_audit_that_never_comes_times_out_and_fails()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), amount: 20_000m);

        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.Equal("the audit timed out", result.Reason);
        Assert.Equal(1, run.Gate.Releases);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_reservation_failing_past_its_timeout_compensates_and_fails()
    {
        var fakes = new OrderActivityFakes { Reserve = _ => throw new TransientInventoryException("lock wait timeout") };
        await using var run = await StartAsync(fakes);

        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.StartsWith("stock could not be reserved", result.Reason);
        Assert.True(fakes.Count(InventoryActivities.Reserve) >= 2, "the reservation is retried until its timeout");
        Assert.Equal(1, fakes.Count(InventoryActivities.Release));
        Assert.Equal(1, run.Gate.Releases);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task Insufficient_stock_fails_without_retrying()
    {
        var fakes = new OrderActivityFakes { Reserve = request => new(StockOutcome.InsufficientStock, request.Lines[0].Sku) };
        await using var run = await StartAsync(fakes);

        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.Contains("insufficient stock of SKU-A", result.Reason);
        Assert.Equal(1, fakes.Count(InventoryActivities.Reserve));
        Assert.Equal(1, run.Gate.Releases);
    }

    [Fact]
    public async Task Three_warehouses_ship_as_three_children()
    {
        var items = new List<OrderItem> { new("SKU-A", 1, "SH"), new("SKU-B", 2, "BJ"), new("SKU-C", 1, "GZ"), new("SKU-D", 1, "SH") };
        await using var run = await StartAsync(new OrderActivityFakes(), items: items);

        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-1", Amount)));

        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        Assert.Equal(["BJ", "GZ", "SH"], run.Fakes.Shipments.Select(shipment => shipment.Warehouse).Order());
        Assert.Equal(["SKU-A", "SKU-D"], run.Fakes.Shipments.Single(shipment => shipment.Warehouse == "SH").Lines.Select(line => line.Sku));
        foreach (var warehouse in new[] { "BJ", "GZ", "SH" })
        {
            var child = temporal.Environment.Client.GetWorkflowHandle(ShipmentWorkflow.ChildId(run.OrderId, warehouse));
            Assert.Equal(WorkflowExecutionStatus.Completed, (await child.DescribeAsync()).Status);
            await run.ReplayAsync(child);
        }

        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_failed_shipment_refunds_and_compensates()
    {
        var items = new List<OrderItem> { new("SKU-A", 1, "SH"), new("SKU-B", 1, "BJ") };
        var fakes = new OrderActivityFakes { FailingWarehouses = new HashSet<string> { "BJ" } };
        await using var run = await StartAsync(fakes, items: items);

        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-1", Amount)));
        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.Contains("shipment from BJ failed", result.Reason);
        Assert.Equal("pay-1", Assert.Single(fakes.Refunds).PaymentId);
        Assert.Equal(1, fakes.Count(InventoryActivities.Release));
        Assert.Equal(1, run.Gate.Releases);
        Assert.Contains(fakes.Records.Last().Timeline, entry => entry.Event == "payment pay-1 refunded");
        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_second_payment_while_the_order_is_being_fulfilled_is_refunded()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), amount: Amount);

        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-1", Amount)));
        await run.WaitForStatusAsync(OrderStatus.Paid, OrderStatus.Fulfilling, OrderStatus.Completed);
        await SignalIfRunningAsync(run.Handle, new PaymentSignal("pay-2", Amount));

        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        Assert.Equal(1, run.Fakes.Count(PaymentActivities.Capture));
        var status = run.Fakes.Records.Last();
        Assert.Equal("pay-1", status.PaymentId);
        Assert.Equal(0, run.Gate.Releases);
    }

    [Fact]
    public async Task A_payment_after_cancellation_is_refunded_and_recorded()
    {
        await using var run = await StartAsync(new OrderActivityFakes());
        Assert.Equal(OrderStatus.Cancelled, (await run.Handle.GetResultAsync()).Status);

        var refund = await temporal.Environment.Client.StartWorkflowAsync(
            (LatePaymentRefundWorkflow wf) => wf.RunAsync(new LatePayment(run.OrderId, "pay-late", Amount, "CANCELLED")),
            new(LatePaymentRefundWorkflow.WorkflowId(run.OrderId, "pay-late"), run.TaskQueue));
        await refund.GetResultAsync();

        Assert.Equal("pay-late", Assert.Single(run.Fakes.Refunds).PaymentId);
        var note = Assert.Single(run.Fakes.Notes);
        Assert.Equal(run.OrderId, note.OrderId);
        Assert.Contains("pay-late", note.Entry.Event);
        Assert.Contains("refunded", note.Entry.Event);
        await run.ReplayAsync(refund);
    }

    [Fact]
    public async Task The_same_payment_twice_is_captured_once()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-1", Amount)));
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-1", Amount)));

        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        Assert.Equal(1, run.Fakes.Count(PaymentActivities.Capture));
        Assert.Empty(run.Fakes.Refunds);
        Assert.Single(run.Fakes.Records.Last().Timeline, entry => entry.Event == "payment pay-1 received");
        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_wrong_amount_is_rejected_and_the_order_keeps_waiting()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-cheap", 1m)));
        var waiting = await run.Handle.QueryAsync(wf => wf.Status());
        Assert.Equal(OrderStatus.PendingPayment, waiting.Status);
        Assert.Contains(waiting.Timeline, entry => entry.Event.StartsWith("payment pay-cheap rejected", StringComparison.Ordinal));

        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-right", Amount)));
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        Assert.Equal("pay-right", run.Fakes.Records.Last().PaymentId);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task The_status_query_shows_the_deadline_and_the_order()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), userId: "u-42");

        var status = await run.WaitForStatusAsync(OrderStatus.PendingPayment);

        Assert.Equal(run.OrderId, status.OrderId);
        Assert.Equal("u-42", status.UserId);
        Assert.Equal(Amount, status.Amount);
        Assert.Equal("SKU-A", Assert.Single(status.Items).Sku);
        Assert.NotNull(status.PaymentDeadline);
        Assert.Equal(TimeSpan.FromMinutes(30), status.PaymentDeadline.Value - status.Timeline.Single(entry => entry.Event.StartsWith("awaiting payment", StringComparison.Ordinal)).At);
        await run.Handle.TerminateAsync("test over");
    }

    [Fact]
    public async Task A_declined_capture_fails_the_order_compensates_and_voids_the_payment_once()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal(FakePaymentProvider.DeclinedPrefix + "1", Amount)));
        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.Contains("card declined", result.Reason);
        Assert.Equal(1, run.Fakes.Count(PaymentActivities.Capture));
        Assert.Equal(1, run.Fakes.Count(InventoryActivities.Release));
        Assert.Equal(1, run.Gate.Releases);
        Assert.Equal(FakePaymentProvider.DeclinedPrefix + "1", Assert.Single(run.Fakes.Refunds).PaymentId);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task Cancelling_the_workflow_still_compensates()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.Handle.CancelAsync();
        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Cancelled, result.Status);
        Assert.Equal("the order was cancelled", result.Reason);
        Assert.Equal(1, run.Fakes.Count(InventoryActivities.Release));
        Assert.Equal(1, run.Gate.Releases);
        Assert.Equal(OrderStatus.Cancelled, run.Fakes.Records.Last().Status);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task Reaching_pending_payment_costs_one_activity_that_reserves_and_writes_the_row()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        var waiting = await run.WaitForStatusAsync(OrderStatus.PendingPayment);

        Assert.Equal(1, run.Fakes.Count(InventoryActivities.Reserve));
        Assert.Equal(0, run.Fakes.Count(OrderRecordActivities.RecordOrder));
        Assert.Equal([OrderStatus.PendingPayment], run.Fakes.Records.Select(record => record.Status));
        var stored = run.Fakes.Records.Last();
        Assert.Equal(waiting.PaymentDeadline, stored.PaymentDeadline);
        Assert.Equal(waiting.Timeline, stored.Timeline);
        await run.Handle.TerminateAsync("test over");
    }

    [Fact]
    public async Task The_final_status_shows_only_once_compensation_is_done_and_a_payment_meanwhile_is_refunded()
    {
        var fakes = new OrderActivityFakes { HoldRelease = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var run = await StartAsync(fakes, amount: 20_000m);

        await run.WaitForStatusAsync(OrderStatus.AwaitingAudit);
        await run.Handle.SignalAsync(wf => wf.AuditAsync(new AuditDecision(false, "risk score 97")));
        await fakes.ReleaseStarted.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-meanwhile", 20_000m)));

        var compensating = await run.WaitForTimelineAsync("payment pay-meanwhile");
        Assert.Equal(OrderStatus.AwaitingAudit, compensating.Status);
        Assert.True(compensating.Ending);
        Assert.Contains(compensating.Timeline, entry => entry.Event.StartsWith("compensating", StringComparison.Ordinal));
        Assert.Contains(compensating.Timeline, entry => entry.Event == "payment pay-meanwhile arrived while the order was ending: it will be refunded");
        Assert.Null(compensating.PaymentId);
        Assert.DoesNotContain(fakes.Records, record => record.Status == OrderStatus.Failed);
        Assert.Equal(0, run.Gate.Releases);

        fakes.HoldRelease.SetResult();
        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.Equal("pay-meanwhile", Assert.Single(fakes.Refunds).PaymentId);
        Assert.Equal(0, fakes.Count(PaymentActivities.Capture));
        var firstFailed = fakes.Records.First(record => record.Status == OrderStatus.Failed).Timeline.Select(entry => entry.Event).ToList();
        Assert.Contains("stock released to the database", firstFailed);
        Assert.Contains("admission given back to the gate", firstFailed);
        Assert.Contains("payment pay-meanwhile refunded", firstFailed);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_payment_landing_in_the_task_that_completes_the_order_is_refunded()
    {
        var hold = new HoldReturnInterceptor();
        var fakes = new OrderActivityFakes { Reserve = request => new(StockOutcome.InsufficientStock, request.Lines[0].Sku) };
        await using var run = await StartAsync(fakes, interceptor: hold);

        await hold.Returning.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-last-moment", Amount)));
        hold.Release.Set();
        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.Equal("pay-last-moment", Assert.Single(fakes.Refunds).PaymentId);
        Assert.Contains(fakes.Records.Last().Timeline, entry => entry.Event == "payment pay-last-moment refunded");
        var history = await run.Handle.FetchHistoryAsync();
        Assert.Contains(history.Events, e => e.WorkflowTaskFailedEventAttributes?.Cause == WorkflowTaskFailedCause.UnhandledCommand);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_payment_written_before_the_deadline_fired_is_kept_when_both_reach_the_workflow_in_one_task()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), paymentTimeout: ShortDeadline);
        await run.WaitForStatusAsync(OrderStatus.PendingPayment);

        // The Worker dies; the payment reaches the server, then the deadline fires; a new Worker gets both in one task.
        await run.StopWorkersAsync();
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-1", Amount)));
        await WaitForTimerFiredAsync(run);
        await run.StartWorkersAsync();
        var result = await run.Handle.GetResultAsync();

        await AssertInOneTaskAsync(run, OrderWorkflow.PaySignal, signalFirst: true);
        Assert.Equal(OrderStatus.Completed, result.Status);
        Assert.Equal(1, run.Fakes.Count(PaymentActivities.Capture));
        Assert.Empty(run.Fakes.Refunds);
        Assert.Equal(0, run.Gate.Releases);
        Assert.Equal("pay-1", run.Fakes.Records.Last().PaymentId);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_payment_written_after_the_deadline_fired_is_refunded_even_when_both_reach_the_workflow_in_one_task()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), paymentTimeout: ShortDeadline);
        await run.WaitForStatusAsync(OrderStatus.PendingPayment);

        await run.StopWorkersAsync();
        await WaitForTimerFiredAsync(run);
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-late", Amount)));
        await run.StartWorkersAsync();
        var result = await run.Handle.GetResultAsync();

        await AssertInOneTaskAsync(run, OrderWorkflow.PaySignal, signalFirst: false);
        Assert.Equal(OrderStatus.Cancelled, result.Status);
        Assert.Equal("payment timed out", result.Reason);
        Assert.Equal(0, run.Fakes.Count(PaymentActivities.Capture));
        Assert.Equal("pay-late", Assert.Single(run.Fakes.Refunds).PaymentId);
        Assert.Equal(1, run.Fakes.Count(InventoryActivities.Release));
        Assert.Equal(1, run.Gate.Releases);
        Assert.Contains(run.Fakes.Records.Last().Timeline, entry => entry.Event == "payment pay-late refunded");
        await run.ReplayAsync();
    }

    [Fact]
    public async Task An_audit_approval_written_before_the_audit_deadline_fired_is_kept_when_both_reach_the_workflow_in_one_task()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), amount: 20_000m, auditTimeout: ShortDeadline);
        await run.WaitForStatusAsync(OrderStatus.AwaitingAudit);

        await run.StopWorkersAsync();
        await run.Handle.SignalAsync(wf => wf.AuditAsync(new AuditDecision(true, null)));
        await WaitForTimerFiredAsync(run);
        await run.StartWorkersAsync();

        var waiting = await run.WaitForStatusAsync(OrderStatus.PendingPayment, OrderStatus.Failed);
        Assert.Equal(OrderStatus.PendingPayment, waiting.Status);
        Assert.Contains(waiting.Timeline, entry => entry.Event == "audit approved");
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentSignal("pay-big", 20_000m)));
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        await AssertInOneTaskAsync(run, OrderWorkflow.AuditSignal, signalFirst: true);
        Assert.Equal(0, run.Gate.Releases);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task An_audit_approval_written_after_the_audit_deadline_fired_fails_the_order_even_when_both_reach_the_workflow_in_one_task()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), amount: 20_000m, auditTimeout: ShortDeadline);
        await run.WaitForStatusAsync(OrderStatus.AwaitingAudit);

        await run.StopWorkersAsync();
        await WaitForTimerFiredAsync(run);
        await run.Handle.SignalAsync(wf => wf.AuditAsync(new AuditDecision(true, null)));
        await run.StartWorkersAsync();
        var result = await run.Handle.GetResultAsync();

        await AssertInOneTaskAsync(run, OrderWorkflow.AuditSignal, signalFirst: false);
        Assert.Equal(OrderStatus.Failed, result.Status);
        Assert.Equal("the audit timed out", result.Reason);
        Assert.Equal(1, run.Gate.Releases);
        await run.ReplayAsync();
    }

    /// <summary>
    /// Waits, in real time, for the server to write the deadline's TimerFired. Time cannot skip while a workflow task is
    /// waiting for a worker, so these tests use a deadline of a few seconds that the clock reaches by itself.
    /// </summary>
    private static async Task WaitForTimerFiredAsync(OrderRun run)
    {
        var deadline = DateTime.UtcNow + ShortDeadline + TimeSpan.FromSeconds(15);
        while (!(await run.Handle.FetchHistoryAsync()).Events.Any(e => e.TimerFiredEventAttributes is not null))
        {
            Assert.True(DateTime.UtcNow < deadline, "the deadline timer did not fire");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// The history shows the signal and the deadline's TimerFired in the given order with no completed workflow task
    /// between them: one workflow task delivered both.
    /// </summary>
    private static async Task AssertInOneTaskAsync(OrderRun run, string signalName, bool signalFirst)
    {
        var events = (await run.Handle.FetchHistoryAsync()).Events;
        var signaled = events.First(e => e.WorkflowExecutionSignaledEventAttributes?.SignalName == signalName).EventId;
        var fired = events.First(e => e.TimerFiredEventAttributes is not null).EventId;
        Assert.Equal(signalFirst, signaled < fired);
        var (from, to) = signaled < fired ? (signaled, fired) : (fired, signaled);
        Assert.DoesNotContain(events, e => e.EventId > from && e.EventId < to && e.EventType == EventType.WorkflowTaskCompleted);
    }

    private static async Task SignalIfRunningAsync(WorkflowHandle<OrderWorkflow, OrderResult> handle, PaymentSignal signal)
    {
        try
        {
            await handle.SignalAsync(wf => wf.PayAsync(signal));
        }
        catch (Temporalio.Exceptions.RpcException)
        {
            // The order finished before the second payment: the Api's late-payment path covers that case.
        }
    }

    private async Task<OrderRun> StartAsync(
        OrderActivityFakes fakes,
        decimal amount = Amount,
        List<OrderItem>? items = null,
        string? userId = null,
        IWorkerInterceptor? interceptor = null,
        TimeSpan? paymentTimeout = null,
        TimeSpan? auditTimeout = null)
    {
        var taskQueue = $"orders-{Guid.NewGuid():N}";
        var options = new OrderWorkflowOptions(
            AuditThreshold: 10_000m,
            AuditTimeout: auditTimeout ?? TimeSpan.FromHours(24),
            PaymentTimeout: paymentTimeout ?? TimeSpan.FromMinutes(30),
            GateTaskQueue: $"{taskQueue}-gate",
            ReserveTimeout: TimeSpan.FromSeconds(3));
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var input = new OrderInput(orderId, userId, items ?? [new("SKU-A", 1, "SH")], amount, options);
        var run = new OrderRun(temporal.Environment, orderId, taskQueue, fakes, new GateActivityFake(), interceptor);
        await run.StartWorkersAsync();
        run.Handle = await temporal.Environment.Client.StartWorkflowAsync(
            (OrderWorkflow wf) => wf.RunAsync(input),
            new(orderId, taskQueue));
        return run;
    }
}
