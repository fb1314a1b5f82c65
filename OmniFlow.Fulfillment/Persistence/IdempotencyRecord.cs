namespace OmniFlow.Fulfillment.Persistence;

/// <summary>Proof that the operation keyed by <see cref="Key"/> ran, with the outcome it returned.</summary>
public sealed class IdempotencyRecord
{
    public required string Key { get; set; }

    public required string Operation { get; set; }

    public string OutcomeJson { get; set; } = "null";

    public DateTimeOffset CreatedAt { get; set; }
}
