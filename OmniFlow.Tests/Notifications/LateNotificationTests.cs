using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Tests.Orders;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace OmniFlow.Tests.Notifications;

/// <summary>
/// A refund announced after the order's last batch of events (while the order ends, or after it closed) reaches the
/// order's notification workflow, once, with the buyer: whether that workflow still runs or has closed. The order
/// workflow on time skipping, with a notification plan of one target (<c>probe</c>) whose deliveries are recorded.
/// </summary>
public sealed class LateNotificationTests(TimeSkippingEnvironment temporal) : IClassFixture<TimeSkippingEnvironment>
{
    private const decimal Amount = 100m;
    private const string Buyer = "buyer@omniflow.test";

    [Fact]
    public async Task A_refund_in_the_task_that_completes_the_order_is_announced_after_its_notification_workflow_closed()
    {
        var hold = new HoldReturnInterceptor();
        var fakes = new OrderActivityFakes
        {
            Reserve = request => new(StockOutcome.InsufficientStock, request.Lines[0].Sku),
            NotifiedEvents = [NotificationEvents.Refunded],
        };
        await using var run = await StartAsync(fakes, hold);

        // The order's last batch went over; its notification workflow, which has nothing of it to deliver, closes.
        await hold.Returning.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        await NotificationsOf(run).GetResultAsync();

        // A payment lands in the task that completes the order: the order refunds it, then announces the refund.
        var paying = run.PayAsync("pay-last-moment", Amount);
        await run.WaitForUpdateAdmittedAsync(OrderWorkflow.PaymentUpdateId("pay-last-moment"));
        hold.Release.Set();
        await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => paying);
        Assert.Equal(OrderStatus.Failed, (await run.Handle.GetResultAsync()).Status);

        var refunded = await DeliveryAsync(run, $"{run.OrderId}/payment.refunded/pay-last-moment");
        Assert.Equal(Buyer, refunded.UserId);
        Assert.Equal("order ending", refunded.Event.Data.GetProperty("reason").GetString());
        await run.ReplayAsync();
        await run.ReplayAsync(NotificationsOf(run));
    }

    [Fact]
    public async Task A_payment_refunded_after_the_order_closed_is_announced_once_by_the_order_s_notification_workflow_to_the_buyer()
    {
        var fakes = new OrderActivityFakes();
        await using var run = await StartAsync(fakes);
        Assert.Equal(OrderStatus.Cancelled, (await run.Handle.GetResultAsync()).Status);
        await NotificationsOf(run).GetResultAsync();

        var late = new LatePayment(run.OrderId, "pay-late", Amount, "CANCELLED", Notifications: true, UserId: Buyer);
        var refund = await temporal.Environment.Client.StartWorkflowAsync(
            (LatePaymentRefundWorkflow wf) => wf.RunAsync(late),
            new(LatePaymentRefundWorkflow.WorkflowId(run.OrderId, "pay-late"), run.TaskQueue));
        await refund.GetResultAsync();

        var refunded = await DeliveryAsync(run, $"{run.OrderId}/payment.refunded/pay-late");
        Assert.Equal(Buyer, refunded.UserId);
        Assert.Equal("probe", refunded.Target);
        Assert.Equal(
            [NotificationEvents.Admitted, NotificationEvents.AwaitingPayment, NotificationEvents.PaymentReminder, NotificationEvents.Cancelled, NotificationEvents.Refunded],
            fakes.Deliveries.Select(delivery => delivery.Event.Type));
        await run.ReplayAsync(refund);
        await run.ReplayAsync(NotificationsOf(run));
    }

    /// <summary>
    /// Histories recorded from the scenarios above before late events were handed over by signal-with-start (the order
    /// signalled its closed notification workflow; the late refund started a notification workflow of its own): they replay.
    /// </summary>
    [Theory]
    [InlineData("refund-in-completing-task", "ORDER-cd8b028e-f56a-42c9-a201-17bff2394050")]
    [InlineData("late-refund", "ORDER-69fe1dbe-d8ba-43c6-9f3d-be6f149cc966-refund-pay-late")]
    public async Task A_history_from_before_the_handover_replays(string name, string workflowId)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Notifications", "Histories", $"{name}.json"), TestContext.Current.CancellationToken);
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions()
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<ShipmentWorkflow>()
            .AddWorkflow<LatePaymentRefundWorkflow>()
            .AddWorkflow<NotificationWorkflow>());

        var result = await replayer.ReplayWorkflowAsync(WorkflowHistory.FromJson(workflowId, json), throwOnReplayFailure: false, TestContext.Current.CancellationToken);

        Assert.Null(result.ReplayFailure);
    }

    private WorkflowHandle NotificationsOf(OrderRun run) => temporal.Environment.Client.GetWorkflowHandle(NotificationWorkflow.WorkflowId(run.OrderId));

    /// <summary>The delivery of <paramref name="eventId"/> once its notification workflow has closed; there is exactly one.</summary>
    private static async Task<DeliveryRequest> DeliveryAsync(OrderRun run, string eventId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!run.Fakes.Deliveries.Any(delivery => delivery.Event.Id == eventId))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{eventId} was never delivered; delivered: {string.Join(", ", run.Fakes.Deliveries.Select(d => d.Event.Id))}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return Assert.Single(run.Fakes.Deliveries, delivery => delivery.Event.Id == eventId);
    }

    private async Task<OrderRun> StartAsync(OrderActivityFakes fakes, HoldReturnInterceptor? hold = null)
    {
        var taskQueue = $"orders-{Guid.NewGuid():N}";
        var options = new OrderWorkflowOptions(
            AuditThreshold: 10_000m,
            AuditTimeout: TimeSpan.FromHours(24),
            PaymentTimeout: TimeSpan.FromMinutes(30),
            GateTaskQueue: $"{taskQueue}-gate",
            ReserveTimeout: TimeSpan.FromSeconds(3),
            Notifications: true);
        var orderId = $"ORDER-{Guid.NewGuid()}";
        var run = new OrderRun(temporal.Environment, orderId, taskQueue, fakes, new GateActivityFake(), hold);
        await run.StartWorkersAsync();
        var input = new OrderInput(orderId, Buyer, [new("SKU-A", 1, "SH")], Amount, options);
        run.Handle = await temporal.Environment.Client.StartWorkflowAsync(
            (OrderWorkflow wf) => wf.RunAsync(input),
            new(orderId, taskQueue));
        return run;
    }
}
