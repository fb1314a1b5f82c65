using System.Text.Json;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>
/// One event of an order, as every channel delivers it (the webhook body is exactly these five fields).
/// <paramref name="Data"/> is a JSON object whose fields depend on <paramref name="Type"/>.
/// </summary>
public sealed record OrderEvent(string Id, string Type, DateTime OccurredAt, string OrderId, JsonElement Data)
{
    /// <summary>Builds an event; <paramref name="key"/> tells two events of one type of one order apart (see <see cref="NotificationEvents.EventId"/>).</summary>
    public static OrderEvent Create(string orderId, string type, DateTime at, object data, string? key = null) =>
        new(NotificationEvents.EventId(orderId, type, key), type, at, orderId, JsonSerializer.SerializeToElement(data));
}
