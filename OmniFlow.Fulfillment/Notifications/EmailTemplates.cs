using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OmniFlow.Fulfillment.Notifications;

/// <summary>
/// The subject and text of each event's mail (and SMS). A template names fields in braces: <c>{order_id}</c>,
/// <c>{type}</c>, <c>{id}</c>, <c>{occurred_at}</c> and any field of the event's data (<c>{amount}</c>, <c>{reason}</c>...);
/// <c>Notifications:Email:Templates:&lt;event&gt;:Subject</c> and <c>:Body</c> replace the built-in ones.
/// </summary>
public sealed partial class EmailTemplates(IReadOnlyDictionary<string, EmailTemplate> overrides)
{
    private static readonly Dictionary<string, string> Subjects = new(StringComparer.Ordinal)
    {
        [NotificationEvents.Admitted] = "Order {order_id} received",
        [NotificationEvents.AwaitingPayment] = "Order {order_id}: please pay {amount} by {payment_deadline}",
        [NotificationEvents.PaymentReminder] = "Reminder: order {order_id} awaits its payment of {amount} until {payment_deadline}",
        [NotificationEvents.Paid] = "Order {order_id} paid",
        [NotificationEvents.Shipped] = "Order {order_id} shipped from {warehouse}",
        [NotificationEvents.Completed] = "Order {order_id} completed",
        [NotificationEvents.Cancelled] = "Order {order_id} cancelled: {reason}",
        [NotificationEvents.Failed] = "Order {order_id} failed: {reason}",
        [NotificationEvents.Refunded] = "Order {order_id}: payment {payment_id} refunded",
    };

    public (string Subject, string Body) Render(OrderEvent e)
    {
        var custom = overrides.GetValueOrDefault(e.Type);
        var subject = Fill(custom?.Subject ?? Subjects.GetValueOrDefault(e.Type, "Order {order_id}: {type}"), e);
        var body = custom?.Body is { } template ? Fill(template, e) : DefaultBody(subject, e);
        return (subject, body);
    }

    private static string DefaultBody(string subject, OrderEvent e)
    {
        var text = new StringBuilder(subject).AppendLine().AppendLine();
        foreach (var field in e.Data.EnumerateObject())
        {
            text.Append(field.Name).Append(": ").AppendLine(Text(field.Value));
        }

        return text.AppendLine().Append("Event ").Append(e.Id).Append(" at ").Append(e.OccurredAt.ToString("O")).AppendLine().ToString();
    }

    private static string Fill(string template, OrderEvent e) => Placeholder().Replace(template, match => match.Groups[1].Value switch
    {
        "order_id" => e.OrderId,
        "type" => e.Type,
        "id" => e.Id,
        "occurred_at" => e.OccurredAt.ToString("O"),
        var name when e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty(name, out var value) => Text(value),
        _ => match.Value,
    });

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "",
        _ => value.GetRawText(),
    };

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
