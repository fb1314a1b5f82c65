using OmniFlow.Fulfillment.Notifications;
using OmniFlow.Fulfillment.Orders;
using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Payments;

/// <summary><paramref name="Notifications"/>: a notification channel is configured, and the refund is announced (<c>payment.refunded</c>).</summary>
public sealed record LatePayment(string OrderId, string PaymentId, decimal Amount, string OrderStatus, bool Notifications = false);

/// <summary>
/// Refunds a payment that arrived after its order's workflow had ended (the Api starts it and answers 409), and adds
/// the refund to the stored order's timeline. Its id, <c>&lt;orderId&gt;-refund-&lt;paymentId&gt;</c>, makes a repeated
/// webhook harmless: Temporal refuses the second start.
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
            var announce = new NotificationInput(late.OrderId, null, [refunded], Final: true);
            await Workflow.StartChildWorkflowAsync(
                (NotificationWorkflow workflow) => workflow.RunAsync(announce),
                new() { Id = $"{Workflow.Info.WorkflowId}-notifications", ParentClosePolicy = ParentClosePolicy.Abandon });
        }
    }
}
