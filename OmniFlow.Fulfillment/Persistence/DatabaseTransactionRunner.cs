using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>
/// Runs a unit of work in one write transaction and commits it. Deadlocks, lock wait timeouts, a busy database and lost
/// connections roll the attempt back and run it again after a jittered backoff; when attempts run out the caller gets
/// <see cref="DatabaseBusyException"/>. The work must therefore be safe to run again from scratch.
/// </summary>
public sealed partial class DatabaseTransactionRunner(
    IDbContextFactory<OmniFlowDbContext> contexts,
    ILogger<DatabaseTransactionRunner> logger)
{
    public const int MaxAttempts = 6;

    public async Task<T> RunAsync<T>(
        string operation,
        Func<OmniFlowDbContext, CancellationToken, Task<T>> work,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var context = await contexts.CreateDbContextAsync(cancellationToken);

                // A failed statement fails the whole attempt, which is rolled back and run again: EF Core's savepoint
                // around each SaveChanges would only add two round trips to it.
                context.Database.AutoSavepointsEnabled = false;
                await using var transaction = await context.BeginWriteTransactionAsync(cancellationToken);
                var result = await work(context, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (Exception exception) when (exception is not CommitAbortedException && DatabaseErrors.IsTransient(exception) && !cancellationToken.IsCancellationRequested)
            {
                if (attempt == MaxAttempts)
                {
                    InventoryTelemetry.Conflicts.Add(1, new KeyValuePair<string, object?>("operation", operation));
                    LogGaveUp(logger, operation, attempt, exception);
                    throw new DatabaseBusyException($"{operation} did not complete after {attempt} attempts: {exception.Message}", exception);
                }

                InventoryTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("operation", operation));
                System.Diagnostics.Activity.Current?.AddEvent(new("retry", tags: new() { ["attempt"] = attempt, ["reason"] = exception.Message }));
                LogRetrying(logger, operation, attempt, exception.Message);
                await Task.Delay(Backoff(attempt), cancellationToken);
            }
        }
    }

    /// <summary>Exponential from 10 ms, capped at 500 ms, with full jitter so that colliding transactions spread out.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(500, 10 * Math.Pow(2, attempt)));

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Operation} attempt {Attempt} hit a transient database error, retrying: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string operation, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} gave up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string operation, int attempts, Exception exception);
}
