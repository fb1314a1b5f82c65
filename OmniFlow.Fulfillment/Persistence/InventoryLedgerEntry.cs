namespace OmniFlow.Fulfillment.Persistence;

public enum LedgerKind
{
    Reserve,
    Release,
    Restock,
}

/// <summary>One stock movement; the sum of <see cref="QuantityDelta"/> per sku equals its available stock.</summary>
public sealed class InventoryLedgerEntry
{
    public long Id { get; set; }

    public string? OrderId { get; set; }

    public required string Sku { get; set; }

    public int QuantityDelta { get; set; }

    public LedgerKind Kind { get; set; }

    public required string IdempotencyKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
