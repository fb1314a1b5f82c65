using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Payments;

/// <summary>
/// <paramref name="Notifications"/>: a notification channel is configured, and the refund is announced
/// (<c>payment.refunded</c>); <paramref name="UserId"/>: the order's buyer, whom the channels reach (null in histories
/// from before it).
/// </summary>
public sealed record LatePayment(string OrderId, string PaymentId, decimal Amount, string OrderStatus, bool Notifications = false, string? UserId = null);

/// <summary>
/// Refunds a payment that arrived after its order's workflow had ended (the Api starts it and answers 409), and adds
/// the refund to the stored order's timeline. Its id, <c>&lt;orderId&gt;-refund-&lt;paymentId&gt;</c>, makes a repeated
/// webhook harmless: Temporal refuses the second start. The refund is announced with the order's other events, by its
/// notification workflow (<see cref="OrderNotifier.HandOverLateAsync"/>).
/// </summary>
[Workflow]
public sealed class LatePaymentRefundWorkflow
{
    public static string WorkflowId(string orderId, string paymentId) => $"{orderId}-refund-{paymentId}";

    [WorkflowRun]
    public async Task RunAsync(LatePayment late)
    {
        var untilItSucceeds = new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(30),
            RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromMinutes(1), MaximumAttempts = 0 },
        };

        await Workflow.ExecuteActivityAsync(
            (PaymentActivities activities) => activities.RefundPaymentAsync(new(late.OrderId, late.PaymentId, late.Amount, $"order {late.OrderStatus}")),
            untilItSucceeds);

        var note = new TimelineEntry(Workflow.UtcNow, $"payment {late.PaymentId} arrived after the order was {late.OrderStatus}: refunded");
        await Workflow.ExecuteActivityAsync((OrderRecordActivities activities) => activities.AppendTimelineAsync(new(late.OrderId, note)), untilItSucceeds);
        if (late.Notifications)
        {
            var refunded = OrderEvent.Create(
                late.OrderId, NotificationEvents.Refunded, Workflow.UtcNow, new { payment_id = late.PaymentId, amount = late.Amount, reason = $"order {late.OrderStatus}" }, late.PaymentId);
            if (Workflow.Patched(OrderNotifier.LateEventsPatch))
            {
                await OrderNotifier.HandOverLateAsync(new LateEvents(late.OrderId, late.UserId, [refunded]));
                return;
            }

            // Runs from before the patch announced it in a notification workflow of their own.
            var announce = new NotificationInput(late.OrderId, null, [refunded], Final: true);
            await Workflow.StartChildWorkflowAsync(
                (NotificationWorkflow workflow) => workflow.RunAsync(announce),
                new() { Id = $"{Workflow.Info.WorkflowId}-notifications", ParentClosePolicy = ParentClosePolicy.Abandon });
        }
    }
}
