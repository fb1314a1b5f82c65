using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Payments;
using OmniFlow.Fulfillment.Shipping;
using Temporalio.Common;
using Temporalio.Worker;

namespace OmniFlow.Tests.Orders;

/// <summary>
/// An order recorded while orders still upserted their OrderStatus and UserId search attributes
/// (<see cref="OrderWorkflowOptions.UpsertSearchAttributes"/> on, paid and completed): orders started then may still be
/// running, and the SDK checks each upsert for determinism, so the current workflow must replay it.
/// </summary>
public sealed class SearchAttributeHistoryReplayTests
{
    [Fact]
    public async Task A_history_with_the_search_attribute_upserts_replays()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Orders", "Histories", "search-attributes-upserted.json");
        var history = WorkflowHistory.FromJson("search-attributes-upserted", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Contains(history.Events, e => e.UpsertWorkflowSearchAttributesEventAttributes?.SearchAttributes.IndexedFields.ContainsKey("OrderStatus") == true);
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions()
            .AddWorkflow<OrderWorkflow>()
            .AddWorkflow<ShipmentWorkflow>()
            .AddWorkflow<LatePaymentRefundWorkflow>());

        var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false, TestContext.Current.CancellationToken);

        Assert.Null(result.ReplayFailure);
    }
}
