using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>A live admission: what the gate holds for the order, and how long ago it was admitted.</summary>
public sealed record GateAdmission(string OrderId, IReadOnlyList<StockLine> Lines, TimeSpan Age);

/// <summary>
/// The gate at one moment: the stock of each sku asked for (null when the gate does not know it), the live admissions
/// and the ids of the withdrawn ones. <paramref name="Unsettled"/>: skus an admission or release touched while the stock
/// was read, so their stock and their admissions may not belong together; <paramref name="AllUnsettled"/> when such a
/// change could not be traced to its skus.
/// </summary>
public sealed record GateObservation(
    IReadOnlyDictionary<string, int?> Stock,
    IReadOnlyList<GateAdmission> Admissions,
    IReadOnlyList<string> Withdrawn,
    IReadOnlyList<string> Unsettled,
    bool AllUnsettled)
{
    public bool IsSettled(string sku) => !AllUnsettled && !Unsettled.Contains(sku, StringComparer.Ordinal);
}

/// <summary>What the reconciliation needs of the admission gate besides <see cref="Admission.IAdmissionGate"/>: to read it whole, and to correct it.</summary>
public interface IGateAudit
{
    Task<GateObservation> ObserveAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds <paramref name="delta"/> to the gate's stock of <paramref name="sku"/> atomically (concurrent admissions keep
    /// their decrements), at most once per <paramref name="correctionId"/>; a missing key counts as 0. False when this
    /// correction was applied before.
    /// </summary>
    Task<bool> AdjustStockAsync(string correctionId, string sku, int delta, CancellationToken cancellationToken = default);
}
