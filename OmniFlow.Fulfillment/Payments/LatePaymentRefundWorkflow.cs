using OmniFlow.Fulfillment.Orders;
using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Payments;

public sealed record LatePayment(string OrderId, string PaymentId, decimal Amount, string OrderStatus);

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
    }
}
