using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Persistence;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
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
        var paid = await run.PayAsync("pay-1", Amount);
        var result = await run.Handle.GetResultAsync();

        Assert.Equal("pay-1", paid.PaymentId);
        Assert.Contains(paid.Timeline, entry => entry.Event == "payment pay-1 received");
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
    public async Task A_paid_order_writes_its_row_inside_the_workflow_tasks_that_move_it()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.PayAsync("pay-row", Amount);
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);

        // Reserved as PENDING_PAYMENT, then PAID, FULFILLING and COMPLETED: each a local activity's marker, no activity task.
        var events = (await run.Handle.FetchHistoryAsync()).Events;
        Assert.DoesNotContain(events, e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == OrderRecordActivities.RecordOrder);
        Assert.Equal(4, events.Count(e => e.MarkerRecordedEventAttributes?.MarkerName == "core_local_activity"));
        Assert.Equal(
            [OrderStatus.PendingPayment, OrderStatus.Paid, OrderStatus.Fulfilling, OrderStatus.Completed],
            run.Fakes.Records.Select(record => record.Status).Distinct());
        await run.ReplayAsync();
    }

    [Fact]
    public async Task Without_a_notification_channel_an_order_starts_nothing_for_notifications()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        await run.PayAsync("pay-quiet", Amount);
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);

        var events = (await run.Handle.FetchHistoryAsync()).Events;
        Assert.DoesNotContain(events, e => e.StartChildWorkflowExecutionInitiatedEventAttributes?.WorkflowType.Name == nameof(Fulfillment.Notifications.NotificationWorkflow));
        Assert.DoesNotContain(events, e => e.SignalExternalWorkflowExecutionInitiatedEventAttributes is not null);
        Assert.DoesNotContain(events, e => e.ActivityTaskScheduledEventAttributes?.ActivityType.Name == NotificationActivities.Notify);
        Assert.Equal(0, run.Fakes.Count(NotificationActivities.Notify));
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
        var decided = await run.AuditAsync(false, "risk score 97");
        var result = await run.Handle.GetResultAsync();

        Assert.Contains(decided.Timeline, entry => entry.Event == "audit rejected: risk score 97");
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
        var approved = await run.AuditAsync(true);
        await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        var again = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => run.AuditAsync(false, "second thoughts"));
        await run.PayAsync("pay-big", 20_000m);

        Assert.Contains(approved.Timeline, entry => entry.Event == "audit approved");
        Assert.Equal(OrderWorkflow.NotAwaitingAuditError, Assert.IsType<ApplicationFailureException>(again.InnerException).ErrorType);
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        Assert.Single(await UpdatesAcceptedAsync(run, OrderWorkflow.AuditUpdate));
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
        var fakes = new OrderActivityFakes { Reserve = _ => throw new DatabaseBusyException("lock wait timeout") };
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
        await run.PayAsync("pay-1", Amount);

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
        await run.PayAsync("pay-1", Amount);
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
    public async Task Another_payment_after_the_order_was_paid_is_409_and_refunded_exactly_once()
    {
        var fakes = new OrderActivityFakes { HoldShipment = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var run = await StartAsync(fakes);

        await run.PayAsync("pay-1", Amount);
        await run.WaitForStatusAsync(OrderStatus.Fulfilling);
        var refused = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => run.PayAsync("pay-2", Amount));
        var retried = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => run.PayAsync("pay-2", Amount));
        // The same payment under another update id (as if Temporal had forgotten the first): refused, not refunded again.
        var again = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(
            () => run.Handle.ExecuteUpdateAsync(wf => wf.PayOrderAsync(new PaymentConfirmation("pay-2", Amount, null))));

        Assert.All([refused, retried, again], failure => Assert.Equal(OrderWorkflow.NotPayableError, Assert.IsType<ApplicationFailureException>(failure.InnerException).ErrorType));
        var view = await run.Handle.QueryAsync(wf => wf.Status());
        Assert.Equal(OrderStatus.Fulfilling, view.Status);
        Assert.Contains(view.Timeline, entry => entry.Event == "payment pay-2 arrived while the order was FULFILLING: it will be refunded");
        Assert.Single(view.Timeline, entry => entry.Event == "payment pay-2 refunded");

        fakes.HoldShipment!.SetResult();
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        Assert.Equal(1, fakes.Count(PaymentActivities.Capture));
        Assert.Equal("pay-2", Assert.Single(fakes.Refunds).PaymentId);
        var stored = fakes.Records.Last();
        Assert.Equal("pay-1", stored.PaymentId);
        Assert.Contains(stored.Timeline, entry => entry.Event == "payment pay-2 refunded");
        Assert.Equal(3, (await UpdatesAcceptedAsync(run, OrderWorkflow.PayUpdate)).Count);
        await run.ReplayAsync();
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
    public async Task The_same_payment_twice_gets_the_same_answer_and_is_captured_once()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        var first = await run.PayAsync("pay-1", Amount);
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        var second = await run.PayAsync("pay-1", Amount);

        Assert.Equal(first.Status, second.Status);
        Assert.Equal(first.Timeline, second.Timeline);
        Assert.Equal("pay-1", second.PaymentId);
        Assert.Equal(1, run.Fakes.Count(PaymentActivities.Capture));
        Assert.Empty(run.Fakes.Refunds);
        Assert.Single(run.Fakes.Records.Last().Timeline, entry => entry.Event == "payment pay-1 received");
        Assert.Single(await UpdatesAcceptedAsync(run, OrderWorkflow.PayUpdate));
        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_wrong_amount_is_422_leaves_nothing_in_the_history_and_the_order_keeps_waiting()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        var before = await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        var refused = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => run.PayAsync("pay-cheap", 1m));

        Assert.Equal(OrderWorkflow.AmountMismatchError, Assert.IsType<ApplicationFailureException>(refused.InnerException).ErrorType);
        var waiting = await run.Handle.QueryAsync(wf => wf.Status());
        Assert.Equal(OrderStatus.PendingPayment, waiting.Status);
        Assert.Equal(before.Timeline, waiting.Timeline);
        Assert.DoesNotContain((await run.Handle.FetchHistoryAsync()).Events, e => e.EventType is EventType.WorkflowExecutionUpdateAccepted or EventType.WorkflowExecutionUpdateCompleted);

        await run.PayAsync("pay-right", Amount);
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        Assert.Equal("pay-right", run.Fakes.Records.Last().PaymentId);
        Assert.Single(await UpdatesAcceptedAsync(run, OrderWorkflow.PayUpdate));
        await run.ReplayAsync();
    }

    [Fact]
    public async Task An_audit_of_an_order_not_awaiting_one_is_refused_without_a_trace()
    {
        await using var run = await StartAsync(new OrderActivityFakes());

        var before = await run.WaitForStatusAsync(OrderStatus.PendingPayment);
        var refused = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => run.AuditAsync(true));

        Assert.Equal(OrderWorkflow.NotAwaitingAuditError, Assert.IsType<ApplicationFailureException>(refused.InnerException).ErrorType);
        Assert.Equal(before.Timeline, (await run.Handle.QueryAsync(wf => wf.Status())).Timeline);
        Assert.Empty(await UpdatesAcceptedAsync(run, OrderWorkflow.AuditUpdate));
        await run.Handle.TerminateAsync("test over");
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

        await run.PayAsync(FakePaymentProvider.DeclinedPrefix + "1", Amount);
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
        await run.AuditAsync(false, "risk score 97");
        await fakes.ReleaseStarted.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => run.PayAsync("pay-meanwhile", 20_000m));

        Assert.Equal(OrderWorkflow.NotPayableError, Assert.IsType<ApplicationFailureException>(refused.InnerException).ErrorType);
        var compensating = await run.Handle.QueryAsync(wf => wf.Status());
        Assert.Equal(OrderStatus.AwaitingAudit, compensating.Status);
        Assert.True(compensating.Ending);
        Assert.Contains(compensating.Timeline, entry => entry.Event.StartsWith("compensating", StringComparison.Ordinal));
        Assert.Contains(compensating.Timeline, entry => entry.Event == "payment pay-meanwhile arrived while the order was ending: it will be refunded");
        Assert.Contains(compensating.Timeline, entry => entry.Event == "payment pay-meanwhile refunded");
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
        var paying = run.PayAsync("pay-last-moment", Amount);
        await run.WaitForUpdateAdmittedAsync(OrderWorkflow.PaymentUpdateId("pay-last-moment"));
        hold.Release.Set();
        var refused = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => paying);
        var result = await run.Handle.GetResultAsync();

        Assert.Equal(OrderWorkflow.NotPayableError, Assert.IsType<ApplicationFailureException>(refused.InnerException).ErrorType);
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
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentConfirmation("pay-1", Amount)));
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
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentConfirmation("pay-late", Amount)));
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
        await run.Handle.SignalAsync(wf => wf.PayAsync(new PaymentConfirmation("pay-big", 20_000m)));
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

    [Fact]
    public async Task A_payment_received_before_the_deadline_is_kept_when_its_update_reaches_the_workflow_in_the_deadline_task()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), paymentTimeout: ShortDeadline);
        await run.WaitForStatusAsync(OrderStatus.PendingPayment);

        // The Worker dies; the Api receives the payment and the server holds its update; the deadline fires; a new
        // Worker gets both in one task.
        await run.StopWorkersAsync();
        var paying = run.PayAsync("pay-1", Amount, receivedAt: await temporal.Environment.GetCurrentTimeAsync());
        await run.WaitForUpdateAdmittedAsync(OrderWorkflow.PaymentUpdateId("pay-1"));
        await WaitForTimerFiredAsync(run);
        await run.StartWorkersAsync();
        var paid = await paying;
        var result = await run.Handle.GetResultAsync();

        await AssertUpdateInDeadlineTaskAsync(run, OrderWorkflow.PayUpdate);
        Assert.Equal("pay-1", paid.PaymentId);
        Assert.Equal(OrderStatus.Completed, result.Status);
        Assert.Equal(1, run.Fakes.Count(PaymentActivities.Capture));
        Assert.Empty(run.Fakes.Refunds);
        Assert.Equal(0, run.Gate.Releases);
        await run.ReplayAsync();
    }

    [Fact]
    public async Task A_payment_received_after_the_deadline_is_409_and_refunded_when_its_update_reaches_the_workflow_in_the_deadline_task()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), paymentTimeout: ShortDeadline);
        await run.WaitForStatusAsync(OrderStatus.PendingPayment);

        await run.StopWorkersAsync();
        await WaitForTimerFiredAsync(run);
        var paying = run.PayAsync("pay-late", Amount, receivedAt: await temporal.Environment.GetCurrentTimeAsync());
        await run.WaitForUpdateAdmittedAsync(OrderWorkflow.PaymentUpdateId("pay-late"));
        await run.StartWorkersAsync();
        var refused = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => paying);
        var result = await run.Handle.GetResultAsync();

        await AssertUpdateInDeadlineTaskAsync(run, OrderWorkflow.PayUpdate);
        Assert.Equal(OrderWorkflow.NotPayableError, Assert.IsType<ApplicationFailureException>(refused.InnerException).ErrorType);
        Assert.Equal(OrderStatus.Cancelled, result.Status);
        Assert.Equal("payment timed out", result.Reason);
        Assert.Equal(0, run.Fakes.Count(PaymentActivities.Capture));
        Assert.Equal("pay-late", Assert.Single(run.Fakes.Refunds).PaymentId);
        Assert.Equal(1, run.Gate.Releases);
        var timeline = run.Fakes.Records.Last().Timeline.Select(entry => entry.Event).ToList();
        Assert.Contains("payment pay-late arrived after the payment deadline: it will be refunded", timeline);
        Assert.Single(timeline, text => text == "payment pay-late refunded");
        await run.ReplayAsync();
    }

    [Fact]
    public async Task An_audit_approval_received_before_the_audit_deadline_is_kept_when_its_update_reaches_the_workflow_in_the_deadline_task()
    {
        await using var run = await StartAsync(new OrderActivityFakes(), amount: 20_000m, auditTimeout: ShortDeadline);
        await run.WaitForStatusAsync(OrderStatus.AwaitingAudit);

        await run.StopWorkersAsync();
        var deciding = run.AuditAsync(true, receivedAt: await temporal.Environment.GetCurrentTimeAsync(), updateId: "audit-1");
        await run.WaitForUpdateAdmittedAsync("audit-1");
        await WaitForTimerFiredAsync(run);
        await run.StartWorkersAsync();
        var approved = await deciding;

        Assert.Contains(approved.Timeline, entry => entry.Event == "audit approved");
        Assert.Equal(OrderStatus.PendingPayment, (await run.WaitForStatusAsync(OrderStatus.PendingPayment, OrderStatus.Failed)).Status);
        await run.PayAsync("pay-big", 20_000m);
        Assert.Equal(OrderStatus.Completed, (await run.Handle.GetResultAsync()).Status);
        await AssertUpdateInDeadlineTaskAsync(run, OrderWorkflow.AuditUpdate);
        Assert.Equal(0, run.Gate.Releases);
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
    /// The deadline's TimerFired was written before the update was accepted, and the one workflow task between them
    /// delivered both.
    /// </summary>
    private static async Task AssertUpdateInDeadlineTaskAsync(OrderRun run, string updateName)
    {
        var events = (await run.Handle.FetchHistoryAsync()).Events;
        var fired = events.First(e => e.TimerFiredEventAttributes is not null).EventId;
        var accepted = events.First(e => e.WorkflowExecutionUpdateAcceptedEventAttributes?.AcceptedRequest.Input.Name == updateName).EventId;
        Assert.True(fired < accepted);
        Assert.Single(events, e => e.EventId > fired && e.EventId < accepted && e.EventType == EventType.WorkflowTaskCompleted);
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

    /// <summary>The WorkflowExecutionUpdateAccepted events of the run's history for updates named <paramref name="name"/>.</summary>
    private static async Task<List<HistoryEvent>> UpdatesAcceptedAsync(OrderRun run, string name) =>
        [.. (await run.Handle.FetchHistoryAsync()).Events.Where(e => e.WorkflowExecutionUpdateAcceptedEventAttributes?.AcceptedRequest.Input.Name == name)];

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
