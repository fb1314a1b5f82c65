using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;

namespace OmniFlow.Fulfillment.Persistence;

/// <summary>The outcome of <see cref="IdempotentOperation.RunOnceAsync{T}"/>, and whether it was stored by an earlier run.</summary>
public readonly record struct OnceResult<T>(T Outcome, bool Replayed);

/// <summary>
/// Runs a body at most once per idempotency key, in one transaction: run the body, then write its changes and the key
/// with the body's outcome in one batch (the key is a unique primary key) and commit. When an earlier run committed
/// the key first, the batch fails on it, the transaction rolls back whatever this run did, and the stored outcome is
/// returned instead. A body that returns a failure outcome commits whatever it changed before deciding (so it must
/// decide before changing what a failure must not keep), and that failure is stored and replayed like any other outcome.
/// </summary>
public sealed class IdempotentOperation(DatabaseTransactionRunner transactions, TimeProvider time)
{
    public const int MaxKeyLength = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public async Task<OnceResult<T>> RunOnceAsync<T>(
        string key,
        string operation,
        Func<OmniFlowDbContext, CancellationToken, Task<T>> body,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Length, MaxKeyLength, nameof(key));

        try
        {
            return await transactions.RunAsync(operation, async (context, token) =>
            {
                var outcome = await body(context, token);
                Store(context, key, operation, outcome);
                await context.SaveChangesAsync(token);
                return new OnceResult<T>(outcome, Replayed: false);
            }, cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsDuplicateKey(exception))
        {
            var stored = await transactions.RunAsync(operation, (context, token) => ReadStoredOutcomeAsync<T>(context, key, operation, token), cancellationToken);
            if (stored is null)
            {
                throw;
            }

            return new OnceResult<T>(stored.Value, Replayed: true);
        }
    }

    /// <summary>Adds <paramref name="key"/> with its outcome to the caller's transaction; its SaveChanges writes it.</summary>
    public void Store<T>(OmniFlowDbContext context, string key, string operation, T outcome) =>
        context.IdempotencyRecords.Add(new IdempotencyRecord
        {
            Key = key,
            Operation = operation,
            CreatedAt = time.GetStorageNow(),
            OutcomeJson = JsonSerializer.Serialize(outcome, Json),
        });

    /// <summary>The records already stored under any of <paramref name="keys"/>, by key.</summary>
    public static async Task<Dictionary<string, IdempotencyRecord>> FindStoredAsync(OmniFlowDbContext context, IReadOnlyCollection<string> keys, CancellationToken cancellationToken) =>
        await context.IdempotencyRecords.AsNoTracking().Where(r => keys.Contains(r.Key)).ToDictionaryAsync(r => r.Key, StringComparer.Ordinal, cancellationToken);

    /// <summary>The outcome <paramref name="stored"/> holds for <paramref name="operation"/>.</summary>
    /// <exception cref="IdempotencyKeyReusedException">The key was stored by another operation.</exception>
    public static T OutcomeOf<T>(IdempotencyRecord stored, string operation) =>
        stored.Operation != operation
            ? throw new IdempotencyKeyReusedException(stored.Key, stored.Operation, operation)
            : JsonSerializer.Deserialize<T>(stored.OutcomeJson, Json) ?? throw new InvalidOperationException($"The stored outcome of '{stored.Key}' is empty.");

    /// <summary>The outcome stored under <paramref name="key"/>; null when there is none (another key was the duplicate).</summary>
    private static async Task<StoredOutcome<T>?> ReadStoredOutcomeAsync<T>(OmniFlowDbContext context, string key, string operation, CancellationToken cancellationToken)
    {
        var stored = await FindStoredAsync(context, [key], cancellationToken);
        return stored.TryGetValue(key, out var record) ? new StoredOutcome<T>(OutcomeOf<T>(record, operation)) : null;
    }

    private sealed record StoredOutcome<T>(T Value);
}

/// <summary>An idempotency key already used by a different operation: a caller bug, never retried into success.</summary>
public sealed class IdempotencyKeyReusedException(string key, string storedOperation, string operation)
    : InvalidOperationException($"Idempotency key '{key}' was used for {storedOperation}; it cannot be reused for {operation}.");
