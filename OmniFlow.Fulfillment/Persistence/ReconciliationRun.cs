namespace OmniFlow.Fulfillment.Persistence;

/// <summary>One reconciliation run (its id is its workflow id) and what it found per sku, as JSON.</summary>
public sealed class ReconciliationRun
{
    /// <summary>The value of <see cref="ActiveSlot"/> while a run holds the lease; a unique index lets one run hold it.</summary>
    public const int Active = 1;

    public required string Id { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public required string Status { get; set; }

    public int? ActiveSlot { get; set; }

    public string SkusJson { get; set; } = "[]";

    public List<ReconciliationCorrection> Corrections { get; set; } = [];
}

/// <summary>
/// One correction of the reconciliation ledger: what was wrong (<see cref="Before"/>), what it was set to
/// (<see cref="After"/>) and why. <see cref="Entry"/> is "red" for a reversal (units taken out: a gate that admits too
/// much, an order's holding given back) and "blue" for a re-entry (units the gate lost, put back).
/// </summary>
public sealed class ReconciliationCorrection
{
    public long Id { get; set; }

    public required string RunId { get; set; }

    public required string Sku { get; set; }

    public string? OrderId { get; set; }

    /// <summary>"gate" (the gate's stock) or "order" (an order's holding, compensated).</summary>
    public required string Target { get; set; }

    public required string Entry { get; set; }

    public int Before { get; set; }

    public int After { get; set; }

    public required string Reason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
