using OmniFlow.Fulfillment.Reconciliation;

namespace OmniFlow.Api.Admin;

public sealed record ReconciliationStarted(string Id);

public sealed record ReconciliationList(IReadOnlyList<ReconciliationResponse> Runs);

public sealed record CorrectionResponse(string Target, string Entry, string? OrderId, int Before, int After, string Reason, DateTimeOffset At);

/// <summary>One sku of a run: <c>drift = gate_stock - (db_stock - held_by_open_orders)</c>; null figures when the run ended before reading them.</summary>
public sealed record SkuReconciliationResponse(string Sku, int? GateStock, int? DbStock, int? HeldByOpenOrders, int? Drift, IReadOnlyList<CorrectionResponse> Corrections);

public sealed record ReconciliationResponse(string Id, string Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, IReadOnlyList<SkuReconciliationResponse> Skus)
{
    public static ReconciliationResponse From(ReconciliationReport report)
    {
        var corrections = report.Corrections
            .GroupBy(c => c.Sku, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => new CorrectionResponse(c.Target, c.Entry, c.OrderId, c.Before, c.After, c.Reason, Utc(c.At))).ToList(), StringComparer.Ordinal);
        var skus = report.Skus
            .Select(s => new SkuReconciliationResponse(s.Sku, s.GateStock, s.DbStock, s.HeldByOpenOrders, s.Drift, corrections.GetValueOrDefault(s.Sku) ?? []))
            .Concat(corrections.Keys.Where(sku => report.Skus.All(s => s.Sku != sku))
                .Order(StringComparer.Ordinal)
                .Select(sku => new SkuReconciliationResponse(sku, null, null, null, null, corrections[sku])))
            .ToList();
        return new ReconciliationResponse(report.RunId, report.Status, Utc(report.StartedAt), report.FinishedAt is { } finished ? Utc(finished) : null, skus);
    }

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));
}
