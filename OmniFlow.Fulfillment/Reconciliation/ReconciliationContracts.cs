using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>
/// What a run works with, read from the Worker's <c>Reconciliation</c> section when it begins (a workflow reads no
/// configuration). <paramref name="Acquired"/>: false when another run is in progress, and this one does nothing.
/// </summary>
public sealed record ReconciliationPlan(bool Acquired, DateTime StartedAt, TimeSpan SettleDelay, TimeSpan StuckAfter, string GateTaskQueue);

/// <summary>
/// One sku seen by the gate and the database together. <paramref name="HeldByOpenOrders"/>: units the gate has given to
/// orders that do not hold them in the database (admitted, not yet reserved), which is the difference the two may have.
/// <paramref name="Settled"/>: no admission of the sku changed while it was read.
/// </summary>
public sealed record SkuFigures(string Sku, int? GateStock, int DbStock, int HeldByOpenOrders, bool Settled)
{
    /// <summary>How many units the gate admits more than the database can give (negative: fewer).</summary>
    public int Drift => (GateStock ?? 0) - (DbStock - HeldByOpenOrders);
}

/// <summary>A live admission older than the run's <c>StuckAfter</c> whose order holds nothing in the database.</summary>
public sealed record StaleAdmission(string OrderId, IReadOnlyList<StockLine> Lines);

public sealed record StockObservation(IReadOnlyList<SkuFigures> Skus, IReadOnlyList<StaleAdmission> StaleAdmissions);

/// <summary>An order with no live workflow: it is compensated once. <paramref name="Status"/> is its row's, null when it has none.</summary>
public sealed record OrphanOrder(string OrderId, string? Status, IReadOnlyList<StockLine> GateLines, string Why);

public sealed record FindOrphansRequest(TimeSpan StuckAfter, IReadOnlyList<StaleAdmission> StaleAdmissions);

/// <summary>One entry of the reconciliation ledger; see <see cref="Persistence.ReconciliationCorrection"/>.</summary>
public sealed record CorrectionEntry(string Sku, string? OrderId, string Target, string Entry, int Before, int After, string Reason, DateTime At)
{
    public const string Gate = "gate";
    public const string Order = "order";
    public const string Red = "red";
    public const string Blue = "blue";
}

public sealed record ReconciliationReport(
    string RunId,
    string Status,
    DateTime StartedAt,
    DateTime? FinishedAt,
    IReadOnlyList<SkuFigures> Skus,
    IReadOnlyList<CorrectionEntry> Corrections)
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

public sealed record AdjustGateRequest(string CorrectionId, string Sku, int Delta);
