using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>Maps the workflow's view of an order to the stored row and back.</summary>
public static class StoredOrders
{
    public static StoredOrder From(OrderSnapshot snapshot)
    {
        var order = snapshot.Order;
        var createdAt = order.Timeline.Count > 0 ? order.Timeline[0].At : snapshot.At;
        return new StoredOrder(
            order.OrderId,
            order.UserId,
            order.Amount,
            order.Status.ToWire(),
            order.Items,
            [.. order.Timeline.Select(entry => new OrderTimelineEvent(Utc(entry.At), entry.Event))],
            order.PaymentDeadline is { } deadline ? Utc(deadline) : null,
            Utc(createdAt),
            Utc(snapshot.At),
            snapshot.IdempotencyKey);
    }

    public static OrderView ToView(StoredOrder stored) => new(
        stored.OrderId,
        OrderStatusExtensions.TryParseWire(stored.Status, out var status) ? status : OrderStatus.Reserving,
        stored.UserId,
        stored.Lines,
        stored.Amount,
        stored.PaymentDeadline?.UtcDateTime,
        [.. stored.Timeline.Select(entry => new TimelineEntry(entry.At.UtcDateTime, entry.Event))]);

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));
}
