namespace OmniFlow.Fulfillment.Orders;

/// <summary>Where an order is in its lifecycle; written on the wire in SCREAMING_SNAKE_CASE (<c>AWAITING_AUDIT</c>).</summary>
public enum OrderStatus
{
    Reserving,
    AwaitingAudit,
    PendingPayment,
    Paid,
    Fulfilling,
    Completed,
    Cancelled,
    Failed,
}

public static class OrderStatusExtensions
{
    public static bool IsTerminal(this OrderStatus status) =>
        status is OrderStatus.Completed or OrderStatus.Cancelled or OrderStatus.Failed;

    /// <summary>A payment arriving in these states is kept for the order (it may come before payment is asked for).</summary>
    public static bool IsPayable(this OrderStatus status) =>
        status is OrderStatus.Reserving or OrderStatus.AwaitingAudit or OrderStatus.PendingPayment;

    public static string ToWire(this OrderStatus status) => status switch
    {
        OrderStatus.Reserving => "RESERVING",
        OrderStatus.AwaitingAudit => "AWAITING_AUDIT",
        OrderStatus.PendingPayment => "PENDING_PAYMENT",
        OrderStatus.Paid => "PAID",
        OrderStatus.Fulfilling => "FULFILLING",
        OrderStatus.Completed => "COMPLETED",
        OrderStatus.Cancelled => "CANCELLED",
        OrderStatus.Failed => "FAILED",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParseWire(string? value, out OrderStatus status)
    {
        foreach (var candidate in Enum.GetValues<OrderStatus>())
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }
}
