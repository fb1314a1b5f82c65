namespace OmniFlow.Fulfillment.Persistence;

/// <summary>A sellable sku and its available stock in the database of record.</summary>
public sealed class Product
{
    public required string Sku { get; set; }

    public required string Name { get; set; }

    public decimal Price { get; set; }

    public required string Warehouse { get; set; }

    public int AvailableStock { get; set; }

    /// <summary>Bumped on every change; an optimistic concurrency token on top of the row locks.</summary>
    public long Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
