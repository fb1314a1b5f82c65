using OmniFlow.Fulfillment.Reconciliation;

namespace OmniFlow.Fulfillment.Admission.InProcess;

/// <summary>The in-process gate read whole under its lock, so an observation is always settled.</summary>
public sealed partial class InProcessAdmissionGate : IGateAudit
{
    private readonly HashSet<string> appliedCorrections = new(StringComparer.Ordinal);

    public Task<GateObservation> ObserveAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken = default)
    {
        lock (sync)
        {
            var now = timeProvider.GetUtcNow();
            var stockNow = skus.Distinct(StringComparer.Ordinal).ToDictionary(
                sku => sku, sku => stock.TryGetValue(sku, out var left) ? left : (int?)null, StringComparer.Ordinal);
            var live = admissions.Where(entry => entry.Value.ExpiresAt > now).ToList();
            var held = live
                .Where(entry => !entry.Value.Withdrawn)
                .Select(entry => new GateAdmission(entry.Key, entry.Value.Lines, options.AdmissionTtl - (entry.Value.ExpiresAt - now)))
                .ToList();
            var withdrawn = live.Where(entry => entry.Value.Withdrawn).Select(entry => entry.Key).ToList();
            return Task.FromResult(new GateObservation(stockNow, held, withdrawn, [], AllUnsettled: false));
        }
    }

    public Task<bool> AdjustStockAsync(string correctionId, string sku, int delta, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(correctionId);
        ArgumentException.ThrowIfNullOrEmpty(sku);
        lock (sync)
        {
            if (!appliedCorrections.Add(correctionId))
            {
                return Task.FromResult(false);
            }

            stock[sku] = stock.GetValueOrDefault(sku) + delta;
            soldOut.Clear(sku);
        }

        return Task.FromResult(true);
    }
}
