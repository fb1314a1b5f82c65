using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Common;
using Temporalio.Worker;

namespace OmniFlow.Tests.Orders;

/// <summary>Order histories recorded from earlier versions of the workflow, copied next to the test binaries under Orders/.</summary>
internal static class RecordedHistories
{
    public static async Task<WorkflowHistory> LoadAsync(string folder, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Orders", folder, $"{name}.json");
        return WorkflowHistory.FromJson(name, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
    }

    /// <summary>Replays <paramref name="history"/> with the current workflow code; the result's ReplayFailure is null when it replays.</summary>
    public static Task<WorkflowReplayResult> ReplayAsync(WorkflowHistory history) =>
        new WorkflowReplayer(new WorkflowReplayerOptions()
                .AddWorkflow<OrderWorkflow>()
                .AddWorkflow<ShipmentWorkflow>()
                .AddWorkflow<LatePaymentRefundWorkflow>())
            .ReplayWorkflowAsync(history, throwOnReplayFailure: false, TestContext.Current.CancellationToken);
}
