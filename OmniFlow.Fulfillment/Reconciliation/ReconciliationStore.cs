using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Reconciliation;

/// <summary>
/// Reconciliation runs and their ledger of corrections. One run at a time holds the lease (the unique
/// <see cref="ReconciliationRun.ActiveSlot"/>): a run that starts while another holds it is skipped, so two runs never
/// correct the same drift twice.
/// </summary>
public sealed class ReconciliationStore(DatabaseTransactionRunner transactions, IDbContextFactory<OmniFlowDbContext> contexts, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Takes the lease for <paramref name="runId"/> (again, when it holds it already); false when another live run holds it.</summary>
    public async Task<(bool Acquired, DateTimeOffset StartedAt)> BeginAsync(string runId, TimeSpan maxRunTime, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await transactions.RunAsync("BeginReconciliation", (context, token) => TryBeginAsync(context, runId, maxRunTime, token), cancellationToken);
            }
            catch (DbUpdateException error) when (DatabaseErrors.IsDuplicateKey(error) && attempt < 3)
            {
                // Another run took the lease (or wrote this run's row) at the same moment: look again.
            }
        }
    }

    private async Task<(bool, DateTimeOffset)> TryBeginAsync(OmniFlowDbContext context, string runId, TimeSpan maxRunTime, CancellationToken cancellationToken)
    {
        var now = time.GetStorageNow();
        var run = await context.ReconciliationRuns.SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is not null)
        {
            return (run.ActiveSlot == ReconciliationRun.Active, run.StartedAt);
        }

        var holder = await context.ReconciliationRuns.SingleOrDefaultAsync(r => r.ActiveSlot == ReconciliationRun.Active, cancellationToken);
        if (holder is not null && holder.StartedAt > now - maxRunTime)
        {
            context.ReconciliationRuns.Add(new ReconciliationRun { Id = runId, StartedAt = now, FinishedAt = now, Status = ReconciliationReport.Skipped });
            await context.SaveChangesAsync(cancellationToken);
            return (false, now);
        }

        if (holder is not null)
        {
            holder.ActiveSlot = null;
            holder.Status = ReconciliationReport.Failed;
            holder.FinishedAt = now;
            await context.SaveChangesAsync(cancellationToken);
        }

        context.ReconciliationRuns.Add(new ReconciliationRun { Id = runId, StartedAt = now, Status = ReconciliationReport.Running, ActiveSlot = ReconciliationRun.Active });
        await context.SaveChangesAsync(cancellationToken);
        return (true, now);
    }

    /// <summary>Writes the run's outcome, figures and corrections, and gives the lease up. Safe to repeat.</summary>
    public Task FinishAsync(ReconciliationReport report, CancellationToken cancellationToken) =>
        transactions.RunAsync("FinishReconciliation", async (context, token) =>
        {
            var run = await context.ReconciliationRuns.Include(r => r.Corrections).SingleOrDefaultAsync(r => r.Id == report.RunId, token);
            if (run is null)
            {
                run = new ReconciliationRun { Id = report.RunId, StartedAt = Utc(report.StartedAt), Status = report.Status };
                context.ReconciliationRuns.Add(run);
            }

            run.Status = report.Status;
            run.FinishedAt = report.FinishedAt is { } finished ? Utc(finished) : time.GetStorageNow();
            run.ActiveSlot = null;
            run.SkusJson = JsonSerializer.Serialize(report.Skus, Json);
            if (run.Corrections.Count == 0)
            {
                run.Corrections.AddRange(report.Corrections.Select(c => new ReconciliationCorrection
                {
                    RunId = report.RunId,
                    Sku = c.Sku,
                    OrderId = c.OrderId,
                    Target = c.Target,
                    Entry = c.Entry,
                    Before = c.Before,
                    After = c.After,
                    Reason = c.Reason.Length > 500 ? c.Reason[..500] : c.Reason,
                    CreatedAt = Utc(c.At),
                }));
            }

            await context.SaveChangesAsync(token);
            return true;
        }, cancellationToken);

    /// <summary>The newest runs first.</summary>
    public async Task<IReadOnlyList<ReconciliationReport>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var found = await context.ReconciliationRuns.AsNoTracking().Include(r => r.Corrections)
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Take(limit).ToListAsync(cancellationToken);
        return [.. found.Select(ToReport)];
    }

    public async Task<ReconciliationReport?> GetAsync(string runId, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await context.ReconciliationRuns.AsNoTracking().Include(r => r.Corrections).SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
        return run is null ? null : ToReport(run);
    }

    private static ReconciliationReport ToReport(ReconciliationRun run) => new(
        run.Id,
        run.Status,
        run.StartedAt.UtcDateTime,
        run.FinishedAt?.UtcDateTime,
        JsonSerializer.Deserialize<List<SkuFigures>>(run.SkusJson, Json) ?? [],
        [.. run.Corrections.OrderBy(c => c.Id).Select(c => new CorrectionEntry(c.Sku, c.OrderId, c.Target, c.Entry, c.Before, c.After, c.Reason, c.CreatedAt.UtcDateTime))]);

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));
}
