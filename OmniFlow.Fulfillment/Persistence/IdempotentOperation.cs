using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>The outcome of <see cref="IdempotentOperation.RunOnceAsync{T}"/>, and whether it was stored by an earlier run.</summary>
public readonly record struct OnceResult<T>(T Outcome, bool Replayed);

/// <summary>
/// Runs a body at most once per idempotency key. In one transaction: insert the key (a unique primary key, so a
/// duplicate means the work was already done and its stored outcome is returned), run the body, store its outcome,
/// commit. The body's changes, the key and the outcome commit together or not at all; a body that returns a failure
/// outcome commits whatever it changed before deciding (so it must decide before changing what a failure must not keep), and that failure is stored and replayed like any other outcome.
/// </summary>
public sealed class IdempotentOperation(DatabaseTransactionRunner transactions, TimeProvider time)
{
    public const int MaxKeyLength = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public Task<OnceResult<T>> RunOnceAsync<T>(
        string key,
        string operation,
        Func<OmniFlowDbContext, CancellationToken, Task<T>> body,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Length, MaxKeyLength, nameof(key));

        return transactions.RunAsync(operation, async (context, token) =>
        {
            var record = new IdempotencyRecord { Key = key, Operation = operation, CreatedAt = time.GetStorageNow() };
            context.IdempotencyRecords.Add(record);
            try
            {
                await context.SaveChangesAsync(token);
            }
            catch (DbUpdateException exception) when (DatabaseErrors.IsDuplicateKey(exception))
            {
                context.ChangeTracker.Clear();
                return new OnceResult<T>(await ReadStoredOutcomeAsync<T>(context, key, operation, token), Replayed: true);
            }

            var outcome = await body(context, token);
            record.OutcomeJson = JsonSerializer.Serialize(outcome, Json);
            await context.SaveChangesAsync(token);
            return new OnceResult<T>(outcome, Replayed: false);
        }, cancellationToken);
    }

    private static async Task<T> ReadStoredOutcomeAsync<T>(OmniFlowDbContext context, string key, string operation, CancellationToken cancellationToken)
    {
        var stored = await context.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.Key == key, cancellationToken);
        if (stored.Operation != operation)
        {
            throw new IdempotencyKeyReusedException(key, stored.Operation, operation);
        }

        return JsonSerializer.Deserialize<T>(stored.OutcomeJson, Json)
            ?? throw new InvalidOperationException($"The stored outcome of '{key}' is empty.");
    }
}

/// <summary>An idempotency key already used by a different operation: a caller bug, never retried into success.</summary>
public sealed class IdempotencyKeyReusedException(string key, string storedOperation, string operation)
    : InvalidOperationException($"Idempotency key '{key}' was used for {storedOperation}; it cannot be reused for {operation}.");
