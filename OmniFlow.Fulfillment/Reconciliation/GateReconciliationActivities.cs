using Temporalio.Activities;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>The reconciliation's steps that touch the gate; on the gate task queue, served by the Api, which owns the gate.</summary>
public sealed class GateReconciliationActivities(StockObserver observer, IGateAudit gate)
{
    [Activity("ObserveStock")]
    public Task<StockObservation> ObserveStockAsync(TimeSpan stuckAfter) =>
        observer.ObserveAsync(stuckAfter, ActivityExecutionContext.Current.CancellationToken);

    [Activity("AdjustGateStock")]
    public Task<bool> AdjustGateStockAsync(AdjustGateRequest request) =>
        gate.AdjustStockAsync(request.CorrectionId, request.Sku, request.Delta, ActivityExecutionContext.Current.CancellationToken);
}
