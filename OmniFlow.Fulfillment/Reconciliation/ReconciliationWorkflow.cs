using OmniFlow.Fulfillment.Orders;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>
/// One reconciliation of the gate, the database and the orders (workflow id = run id). First every order and admission
/// left without a live workflow is compensated, once; then every sku is read twice, <see cref="ReconciliationPlan.SettleDelay"/>
/// apart, and a gate drift both reads agree on is corrected by an atomic delta towards the database, the asset of
/// record. Each correction is an entry in the run's ledger. Started daily by a Temporal Schedule, or on demand.
/// </summary>
[Workflow]
public sealed class ReconciliationWorkflow
{
    public const string IdPrefix = "reconciliation-";
    public const string ScheduledId = IdPrefix + "scheduled";

    private static readonly RetryPolicy Retry = new()
    {
        InitialInterval = TimeSpan.FromSeconds(1),
        BackoffCoefficient = 2,
        MaximumInterval = TimeSpan.FromSeconds(30),
        MaximumAttempts = 10,
    };

    private readonly List<CorrectionEntry> corrections = [];

    [WorkflowRun]
    public async Task<ReconciliationReport> RunAsync()
    {
        var runId = Workflow.Info.WorkflowId;
        var plan = await Workflow.ExecuteActivityAsync((ReconciliationActivities activities) => activities.BeginRunAsync(runId), Worker());
        if (!plan.Acquired)
        {
            return new ReconciliationReport(runId, ReconciliationReport.Skipped, plan.StartedAt, plan.StartedAt, [], []);
        }

        IReadOnlyList<SkuFigures> figures = [];
        var status = ReconciliationReport.Completed;
        try
        {
            await CompensateOrphansAsync(plan);
            figures = await CorrectGateAsync(plan, runId);
        }
        catch (ActivityFailureException)
        {
            status = ReconciliationReport.Failed;
        }

        var report = new ReconciliationReport(runId, status, plan.StartedAt, Workflow.UtcNow, figures, corrections);
        await Workflow.ExecuteActivityAsync((ReconciliationActivities activities) => activities.FinishRunAsync(report),
            new() { StartToCloseTimeout = TimeSpan.FromMinutes(1), RetryPolicy = new() { MaximumAttempts = 0, MaximumInterval = TimeSpan.FromMinutes(1) } });
        return report;
    }

    /// <summary>Orders and admissions with no live workflow give back what they hold: the database first, then the gate (as a workflow's compensation does).</summary>
    private async Task CompensateOrphansAsync(ReconciliationPlan plan)
    {
        var seen = await ObserveAsync(plan);
        var orphans = await Workflow.ExecuteActivityAsync(
            (ReconciliationActivities activities) => activities.FindOrphansAsync(new(plan.StuckAfter, seen.StaleAdmissions)), Worker());
        foreach (var orphan in orphans)
        {
            var released = await Workflow.ExecuteActivityAsync((ReconciliationActivities activities) => activities.CompensateOrderAsync(orphan), Worker());
            foreach (var line in released)
            {
                Record(line.Sku, orphan.OrderId, CorrectionEntry.Order, line.Quantity, 0, $"{orphan.Why}: its reservation is given back to the database");
            }

            var givenBack = await Workflow.ExecuteActivityAsync(
                (AdmissionActivities activities) => activities.ReleaseAdmissionAsync(orphan.OrderId), Gate(plan));
            if (givenBack)
            {
                foreach (var line in orphan.GateLines)
                {
                    Record(line.Sku, orphan.OrderId, CorrectionEntry.Order, line.Quantity, 0, $"{orphan.Why}: its admission is given back to the gate");
                }
            }
        }
    }

    /// <summary>Corrects each sku whose drift two settled reads agree on; returns the figures of the second read.</summary>
    private async Task<IReadOnlyList<SkuFigures>> CorrectGateAsync(ReconciliationPlan plan, string runId)
    {
        var first = await ObserveAsync(plan);
        await Workflow.DelayAsync(plan.SettleDelay);
        var second = await ObserveAsync(plan);
        var earlier = first.Skus.ToDictionary(sku => sku.Sku, StringComparer.Ordinal);
        foreach (var now in second.Skus)
        {
            if (now.Drift == 0 || !now.Settled || !earlier.TryGetValue(now.Sku, out var then) || !then.Settled || then.Drift != now.Drift)
            {
                continue;
            }

            var applied = await Workflow.ExecuteActivityAsync(
                (GateReconciliationActivities activities) => activities.AdjustGateStockAsync(new($"{runId}:{now.Sku}", now.Sku, -now.Drift)), Gate(plan));
            if (applied)
            {
                var gate = now.GateStock ?? 0;
                var why = now.Drift > 0
                    ? $"the gate admitted {now.Drift} more than the database holds (database {now.DbStock}, held by open orders {now.HeldByOpenOrders})"
                    : $"the gate was missing {-now.Drift} units the database holds (database {now.DbStock}, held by open orders {now.HeldByOpenOrders})";
                Record(now.Sku, null, CorrectionEntry.Gate, gate, gate - now.Drift, now.GateStock is null ? $"{why}; the gate had lost the sku" : why);
            }
        }

        return second.Skus;
    }

    private Task<StockObservation> ObserveAsync(ReconciliationPlan plan) =>
        Workflow.ExecuteActivityAsync((GateReconciliationActivities activities) => activities.ObserveStockAsync(plan.StuckAfter), Gate(plan));

    /// <summary>A reversal ("red") when units are taken out, a re-entry ("blue") when units are put back in.</summary>
    private void Record(string sku, string? orderId, string target, int before, int after, string reason)
    {
        var entry = target == CorrectionEntry.Order || after < before ? CorrectionEntry.Red : CorrectionEntry.Blue;
        corrections.Add(new CorrectionEntry(sku, orderId, target, entry, before, after, reason, Workflow.UtcNow));
    }

    private static ActivityOptions Worker() => new() { StartToCloseTimeout = TimeSpan.FromMinutes(5), RetryPolicy = Retry };

    private static ActivityOptions Gate(ReconciliationPlan plan) =>
        new() { StartToCloseTimeout = TimeSpan.FromMinutes(5), RetryPolicy = Retry, TaskQueue = plan.GateTaskQueue };
}
