namespace OmniFlow.Fulfillment.Persistence;

/// <summary>The stored view of one order; its workflow is the source of truth and writes it.</summary>
public sealed class Order
{
    public required string Id { get; set; }

    public string? UserId { get; set; }

    public decimal Amount { get; set; }

    public required string Status { get; set; }

    public DateTimeOffset? PaymentDeadline { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The order's timeline as a JSON array.</summary>
    public string TimelineJson { get; set; } = "[]";

    /// <summary>The Idempotency-Key of the HTTP request that created the order, unique when present.</summary>
    public string? IdempotencyKey { get; set; }

    public List<OrderLine> Lines { get; set; } = [];
}

public sealed class OrderLine
{
    public required string OrderId { get; set; }

    public required string Sku { get; set; }

    public int Quantity { get; set; }

    public required string Warehouse { get; set; }
}
