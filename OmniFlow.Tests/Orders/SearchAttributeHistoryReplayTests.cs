using OmniFlow.Fulfillment.Orders;

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
        var history = await RecordedHistories.LoadAsync("Histories", "search-attributes-upserted");
        Assert.Contains(history.Events, e => e.UpsertWorkflowSearchAttributesEventAttributes?.SearchAttributes.IndexedFields.ContainsKey("OrderStatus") == true);

        var result = await RecordedHistories.ReplayAsync(history);

        Assert.Null(result.ReplayFailure);
    }
}
