using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OmniFlow.Fulfillment.Inventory;
using OmniFlow.Fulfillment.Orders;
using OmniFlow.Fulfillment.Persistence;
using Temporalio.Activities;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>The reconciliation's steps in the Worker: its lease and ledger in the database, and the orders left without a workflow.</summary>
public sealed partial class ReconciliationActivities(
    ReconciliationStore runs,
    IDbContextFactory<OmniFlowDbContext> contexts,
    IInventoryService inventory,
    IOrderStore orders,
    ITemporalClient temporal,
    ReconciliationSettings settings,
    TemporalSettings temporalSettings,
    TimeProvider time,
    ILogger<ReconciliationActivities> logger)
{
    private const int MaxOrphansPerRun = 1000;

    private static readonly string[] Compensable = [OrderStatus.Reserving.ToWire(), OrderStatus.AwaitingAudit.ToWire(), OrderStatus.PendingPayment.ToWire()];

    [Activity("BeginReconciliation")]
    public async Task<ReconciliationPlan> BeginRunAsync(string runId)
    {
        var (acquired, startedAt) = await runs.BeginAsync(runId, settings.MaxRunTime, ActivityExecutionContext.Current.CancellationToken);
        return new ReconciliationPlan(acquired, startedAt.UtcDateTime, settings.SettleDelay, settings.StuckAfter, temporalSettings.GateTaskQueue);
    }

    [Activity("FinishReconciliation")]
    public Task FinishRunAsync(ReconciliationReport report) =>
        runs.FinishAsync(report, ActivityExecutionContext.Current.CancellationToken);

    /// <summary>
    /// Orders whose row is not final and has not moved for <see cref="FindOrphansRequest.StuckAfter"/>, and stale admissions,
    /// whose workflow is not running (never started, lost with a server, or ended without finishing its compensation).
    /// Paid orders are left alone: their money is not the reconciliation's to move.
    /// </summary>
    [Activity("FindOrphanOrders")]
    public async Task<List<OrphanOrder>> FindOrphansAsync(FindOrphansRequest request)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        var cutoff = time.GetUtcNow() - request.StuckAfter;
        var finals = new[] { OrderStatus.Completed.ToWire(), OrderStatus.Cancelled.ToWire(), OrderStatus.Failed.ToWire() };
        await using var context = await contexts.CreateDbContextAsync(token);
        var stuck = await context.Orders.AsNoTracking()
            .Where(o => !finals.Contains(o.Status) && o.UpdatedAt < cutoff)
            .OrderBy(o => o.UpdatedAt)
            .Take(MaxOrphansPerRun)
            .Select(o => new { o.Id, o.Status, Lines = o.Lines.Select(l => new StockLine(l.Sku, l.Quantity)).ToList() })
            .ToListAsync(token);
        var staleIds = request.StaleAdmissions.Select(a => a.OrderId).ToList();
        var staleRows = await context.Orders.AsNoTracking()
            .Where(o => staleIds.Contains(o.Id))
            .ToDictionaryAsync(o => o.Id, o => o.Status, StringComparer.Ordinal, token);

        var candidates = stuck
            .Select(o => (o.Id, (string?)o.Status, request.StaleAdmissions.FirstOrDefault(a => a.OrderId == o.Id)?.Lines ?? o.Lines))
            .Concat(request.StaleAdmissions
                .Where(a => stuck.All(o => o.Id != a.OrderId))
                .Select(a => (a.OrderId, staleRows.GetValueOrDefault(a.OrderId), a.Lines)));

        var orphans = new List<OrphanOrder>();
        foreach (var (orderId, status, lines) in candidates.Take(MaxOrphansPerRun))
        {
            if (await WorkflowStateAsync(orderId, token) is not { } state)
            {
                continue;
            }

            if (status is not null && !Compensable.Contains(status) && !IsFinal(status))
            {
                LogPaidOrphan(logger, orderId, status, state);
            }
            else
            {
                orphans.Add(new OrphanOrder(orderId, status, lines, $"order {orderId} ({status ?? "no row"}) has no live workflow ({state})"));
            }
        }

        return orphans;
    }

    /// <summary>
    /// Gives the order's reservation back to the database under the same idempotency key its workflow's compensation
    /// uses, so the two can never both release it, and ends its row CANCELLED. Returns what was given back.
    /// </summary>
    [Activity("CompensateOrphanOrder")]
    public async Task<List<StockLine>> CompensateOrderAsync(OrphanOrder orphan)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        await using var context = await contexts.CreateDbContextAsync(token);
        var held = await context.InventoryLedger.AsNoTracking()
            .Where(e => e.OrderId == orphan.OrderId && (e.Kind == LedgerKind.Reserve || e.Kind == LedgerKind.Release))
            .GroupBy(e => e.Sku)
            .Select(g => new { Sku = g.Key, Held = -g.Sum(e => e.QuantityDelta) })
            .ToListAsync(token);
        var result = await inventory.ReleaseAsync(InventoryActivities.ReleaseKey(orphan.OrderId), orphan.OrderId, token);

        if (await orders.GetAsync(orphan.OrderId, token) is { } row && !IsFinal(row.Status))
        {
            var now = time.GetStorageNow();
            var at = now > row.UpdatedAt ? now : row.UpdatedAt.AddMilliseconds(1);
            await orders.SaveAsync(row with
            {
                Status = OrderStatus.Cancelled.ToWire(),
                Timeline = [.. row.Timeline, new OrderTimelineEvent(at, $"compensated by the reconciliation: {orphan.Why}")],
                UpdatedAt = at,
            }, token);
        }

        LogCompensated(logger, orphan.OrderId, orphan.Why, result.Outcome);
        return result.Outcome == StockOutcome.Released ? [.. held.Where(h => h.Held > 0).Select(h => new StockLine(h.Sku, h.Held))] : [];
    }

    private static bool IsFinal(string status) =>
        OrderStatusExtensions.TryParseWire(status, out var parsed) && parsed.IsTerminal();

    /// <summary>Null while the order's workflow runs; else why it does not (not found, or how it closed).</summary>
    private async Task<string?> WorkflowStateAsync(string orderId, CancellationToken cancellationToken)
    {
        try
        {
            var description = await temporal.GetWorkflowHandle(orderId).DescribeAsync(new() { Rpc = new() { CancellationToken = cancellationToken } });
            return description.Status == WorkflowExecutionStatus.Running ? null : $"its workflow is {description.Status.ToString().ToLowerInvariant()}";
        }
        catch (RpcException error) when (error.Code == RpcException.StatusCode.NotFound)
        {
            return "no workflow found";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} is {Status} and {Why}; it was paid, so the reconciliation leaves it to an operator.")]
    private static partial void LogPaidOrphan(ILogger logger, string orderId, string status, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Compensated order {OrderId}: {Why} (database: {Outcome})")]
    private static partial void LogCompensated(ILogger logger, string orderId, string why, StockOutcome outcome);
}
