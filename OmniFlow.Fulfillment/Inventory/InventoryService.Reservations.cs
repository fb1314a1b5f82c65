using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Inventory;

/// <summary>Reservations: each waits in the <see cref="ReservationQueue"/> and commits with those that arrived beside it.</summary>
public sealed partial class InventoryService
{
    private const string Reserve = "Reserve";

    private ReservationQueue? reservations;

    private ReservationQueue Reservations => LazyInitializer.EnsureInitialized(ref reservations, () => new ReservationQueue(CommitAsync));

    public Task<StockOperationResult> ReserveAsync(string idempotencyKey, string orderId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default) =>
        ReserveAsync(idempotencyKey, orderId, lines, rows: null, cancellationToken);

    public Task<StockOperationResult> ReserveAndRecordAsync(string idempotencyKey, IReadOnlyList<StockLine> lines, ReservationRows rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Reserved.OrderId != rows.OrderId)
        {
            throw new ArgumentException("Both rows must be of the same order.", nameof(rows));
        }

        return ReserveAsync(idempotencyKey, rows.OrderId, lines, rows, cancellationToken);
    }

    private async Task<StockOperationResult> ReserveAsync(string idempotencyKey, string orderId, IReadOnlyList<StockLine> lines, ReservationRows? rows, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(idempotencyKey.Length, IdempotentOperation.MaxKeyLength, nameof(idempotencyKey));
        var wanted = Merge(lines);
        using var span = Start(Reserve, idempotencyKey, orderId);

        var (result, replayed) = await Reservations.SubmitAsync(new PendingReservation(idempotencyKey, orderId, wanted, rows, span?.Context ?? default, cancellationToken));
        Record(span, result, replayed);
        if (!replayed && result.Outcome == StockOutcome.Reserved)
        {
            InventoryTelemetry.ReservedUnits.Add(wanted.Values.Sum());
        }

        // One per order in a sale: the order's trace and the reserved-units metric say it; the log keeps the exceptions.
        var level = result.Outcome == StockOutcome.Reserved && !replayed ? LogLevel.Debug : LogLevel.Information;
        LogOutcome(logger, level, Reserve, orderId, idempotencyKey, result.Outcome, replayed);
        return result;
    }

    /// <summary>
    /// Commits the reservations in one transaction, in the order they arrived. It writes without reading first: the keys
    /// and the orders' rows are new but when an earlier write is there (a retried reservation, an order that ended while
    /// its reservation ran). Then the batch collides on it and runs again, reading those first.
    /// </summary>
    private async Task CommitAsync(IReadOnlyList<PendingReservation> waiting)
    {
        List<PendingReservation> batch = [];
        foreach (var reservation in waiting)
        {
            if (reservation.CancellationToken.IsCancellationRequested)
            {
                reservation.Completion.TrySetCanceled(reservation.CancellationToken);
            }
            else
            {
                batch.Add(reservation);
            }
        }

        if (batch.Count == 0)
        {
            return;
        }

        InventoryTelemetry.ReservationsPerCommit.Record(batch.Count);
        var traced = InventoryTelemetry.Source.HasListeners();
        using var span = traced ? StartCommitSpan(batch) : null;

        // Without a span, the commit's database commands would be traces of their own: under an unrecorded parent, which
        // no listener sees, they are dropped like the rest of their reservations' traces (logs and metrics stay).
        using var untraced = traced && span is null ? new Activity("Inventory Reserve commit (untraced)").Start() : null;
        span?.SetTag("omniflow.inventory.reservations", batch.Count);

        List<(PendingReservation Reservation, OnceResult<StockOperationResult> Result)> results;
        try
        {
            results = await CommitTogetherAsync(batch);
        }
        catch (Exception refused) when (batch.Count > 1 && refused is not DatabaseBusyException && !DatabaseErrors.IsTransient(refused))
        {
            // A reservation the database refuses (a value beyond its column) must not fail the others: each commits alone.
            foreach (var reservation in batch)
            {
                try
                {
                    await CommitAsync([reservation]);
                }
                catch (Exception failure)
                {
                    reservation.Completion.TrySetException(failure);
                }
            }

            return;
        }

        foreach (var (reservation, result) in results)
        {
            reservation.Completion.TrySetResult(result);
        }
    }

    private async Task<List<(PendingReservation Reservation, OnceResult<StockOperationResult> Result)>> CommitTogetherAsync(List<PendingReservation> batch)
    {
        // Not the callers' tokens: the batch serves them all, and a reservation committed for a caller that gave up is
        // replayed to its retry.
        try
        {
            return await transactions.RunAsync(Reserve, (context, token) => ReserveTogetherAsync(context, batch, readFirst: false, token), CancellationToken.None);
        }
        catch (DbUpdateException collision) when (DatabaseErrors.IsDuplicateKey(collision))
        {
            return await transactions.RunAsync(Reserve, (context, token) => ReserveTogetherAsync(context, batch, readFirst: true, token), CancellationToken.None);
        }
    }

    private async Task<List<(PendingReservation Reservation, OnceResult<StockOperationResult> Result)>> ReserveTogetherAsync(
        OmniFlowDbContext context, List<PendingReservation> batch, bool readFirst, CancellationToken cancellationToken)
    {
        // Read before the product rows are locked, so their lock is never held for it.
        var stored = readFirst
            ? await IdempotentOperation.FindStoredAsync(context, [.. batch.Select(r => r.Key).Distinct()], cancellationToken)
            : [];
        var rows = readFirst
            ? await OrderRows.FindForUpdateAsync(context, [.. batch.Where(r => r.Rows is not null).Select(r => r.OrderId).Distinct()], cancellationToken)
            : new Dictionary<string, Order>(StringComparer.Ordinal);

        var skus = new SortedSet<string>(batch.SelectMany(r => r.Wanted.Keys), StringComparer.Ordinal);
        var products = (await context.LockProductsAsync(skus, cancellationToken)).ToDictionary(p => p.Sku, StringComparer.Ordinal);
        var decided = new Dictionary<string, StockOperationResult>(StringComparer.Ordinal);
        var results = new List<(PendingReservation, OnceResult<StockOperationResult>)>(batch.Count);
        foreach (var reservation in batch)
        {
            if (decided.TryGetValue(reservation.Key, out var earlier))
            {
                results.Add((reservation, new(earlier, Replayed: true)));
            }
            else if (stored.TryGetValue(reservation.Key, out var record))
            {
                try
                {
                    var replayed = IdempotentOperation.OutcomeOf<StockOperationResult>(record, Reserve);
                    decided[reservation.Key] = replayed;
                    results.Add((reservation, new(replayed, Replayed: true)));
                }
                catch (IdempotencyKeyReusedException reused)
                {
                    reservation.Completion.TrySetException(reused);
                }
            }
            else
            {
                var result = ReserveOne(context, reservation, products, rows);
                once.Store(context, reservation.Key, Reserve, result);
                decided[reservation.Key] = result;
                results.Add((reservation, new(result, Replayed: false)));
            }
        }

        await context.SaveChangesAsync(cancellationToken);
        return results;
    }

    /// <summary>
    /// Takes every line from the locked <paramref name="products"/> or none, and writes the order's row as reserved, or
    /// as still reserving when the stock is refused, so the committed row never says reserved for stock that was not.
    /// </summary>
    private StockOperationResult ReserveOne(OmniFlowDbContext context, PendingReservation reservation, Dictionary<string, Product> products, Dictionary<string, Order> rows)
    {
        var refusal = Refusal(reservation.Wanted, products);
        if (refusal is null)
        {
            foreach (var (sku, quantity) in reservation.Wanted)
            {
                Move(context, products[sku], -quantity, LedgerKind.Reserve, reservation.OrderId, reservation.Key);
            }
        }

        if (reservation.Rows is { } snapshots
            && OrderRows.Write(context, rows.GetValueOrDefault(reservation.OrderId), refusal is null ? snapshots.Reserved : snapshots.Reserving) is { } written)
        {
            rows[reservation.OrderId] = written;
        }

        return refusal ?? new StockOperationResult(StockOutcome.Reserved, Detail: $"Reserved {reservation.Wanted.Values.Sum()} units.");
    }

    private static StockOperationResult? Refusal(SortedDictionary<string, int> wanted, Dictionary<string, Product> products)
    {
        foreach (var (sku, quantity) in wanted)
        {
            if (!products.TryGetValue(sku, out var product))
            {
                return new StockOperationResult(StockOutcome.UnknownSku, sku, $"No product '{sku}'.");
            }

            if (product.AvailableStock < quantity)
            {
                return new StockOperationResult(StockOutcome.InsufficientStock, sku, $"Requested {quantity}, available {product.AvailableStock}.");
            }
        }

        return null;
    }

    /// <summary>Sums duplicate skus; rejects empty orders and quantities below one.</summary>
    private static SortedDictionary<string, int> Merge(IReadOnlyList<StockLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            throw new ArgumentException("At least one line is required.", nameof(lines));
        }

        var merged = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(line.Sku, nameof(lines));
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(line.Quantity, nameof(lines));
            merged[line.Sku] = checked(merged.GetValueOrDefault(line.Sku) + line.Quantity);
        }

        return merged;
    }

    /// <summary>
    /// The commit's span sits in the first recorded trace among its reservations and links the other recorded ones. A
    /// reservation whose trace is not recorded (the trace budget dropped it, or it came outside any trace) gets neither,
    /// and a commit of only such reservations has no span.
    /// </summary>
    private static Activity? StartCommitSpan(IReadOnlyList<PendingReservation> batch)
    {
        var recorded = batch.Select(reservation => reservation.Caller).Where(caller => caller.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)).ToList();
        return recorded.Count == 0
            ? null
            : InventoryTelemetry.Source.StartActivity("Inventory Reserve commit", ActivityKind.Internal, recorded[0],
                links: [.. recorded.Skip(1).Select(caller => new ActivityLink(caller))]);
    }
}
