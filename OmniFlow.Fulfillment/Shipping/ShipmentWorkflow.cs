using Temporalio.Common;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Shipping;

/// <summary>One warehouse's parcel of an order: a child of the order workflow, id <c>&lt;orderId&gt;-ship-&lt;warehouse&gt;</c>.</summary>
[Workflow]
public sealed class ShipmentWorkflow
{
    public static string ChildId(string orderId, string warehouse) => $"{orderId}-ship-{warehouse}";

    [WorkflowRun]
    public Task<ShipmentResult> RunAsync(ShipmentRequest request) =>
        Workflow.ExecuteActivityAsync(
            (ShippingActivities activities) => activities.ShipAsync(request),
            new()
            {
                StartToCloseTimeout = TimeSpan.FromMinutes(1),
                RetryPolicy = new RetryPolicy
                {
                    InitialInterval = TimeSpan.FromSeconds(1),
                    BackoffCoefficient = 2,
                    MaximumAttempts = request.MaximumAttempts,
                    NonRetryableErrorTypes = [ShippingActivities.RejectedErrorType],
                },
            });
}
