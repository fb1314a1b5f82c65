namespace OmniFlow.Fulfillment.Inventory;

public enum StockOutcome
{
    Reserved,
    Released,
    Restocked,
    NothingToRelease,
    InsufficientStock,
    UnknownSku,
}

/// <summary>The stored outcome of one stock operation; <paramref name="Sku"/> names the offending sku when one failed.</summary>
public sealed record StockOperationResult(StockOutcome Outcome, string? Sku = null, string? Detail = null)
{
    public bool Succeeded => Outcome is StockOutcome.Reserved or StockOutcome.Released or StockOutcome.Restocked or StockOutcome.NothingToRelease;
}
