using OmniFlow.Fulfillment.Persistence;
using Temporalio.Activities;

namespace OmniFlow.Fulfillment.Orders;

public sealed record TimelineNote(string OrderId, TimelineEntry Entry);

/// <summary>Writes the order's row at each transition, so orders can be listed and shown after their history is gone.</summary>
public sealed class OrderRecordActivities(IOrderStore orders)
{
    public const string RecordOrder = "RecordOrder";
    public const string AppendTimeline = "AppendTimeline";

    /// <summary>A retried (older) snapshot never overwrites a newer one: the store compares their times.</summary>
    [Activity(RecordOrder)]
    public Task RecordOrderAsync(OrderSnapshot snapshot) =>
        orders.SaveAsync(StoredOrders.From(snapshot), ActivityExecutionContext.Current.CancellationToken);

    [Activity(AppendTimeline)]
    public async Task AppendTimelineAsync(TimelineNote note)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        var stored = await orders.GetAsync(note.OrderId, token);
        var at = new DateTimeOffset(DateTime.SpecifyKind(note.Entry.At, DateTimeKind.Utc));
        if (stored is null || stored.Timeline.Any(entry => entry.Event == note.Entry.Event))
        {
            return;
        }

        var updatedAt = at > stored.UpdatedAt ? at : stored.UpdatedAt;
        await orders.SaveAsync(stored with { Timeline = [.. stored.Timeline, new OrderTimelineEvent(at, note.Entry.Event)], UpdatedAt = updatedAt }, token);
    }
}
