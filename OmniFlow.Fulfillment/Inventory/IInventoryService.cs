namespace OmniFlow.Fulfillment.Inventory;

/// <summary>
/// The asset of record (L3): every stock movement runs exactly once per idempotency key, in one transaction.
/// Lock timeouts and deadlocks surface as <see cref="Persistence.DatabaseBusyException"/> (retryable);
/// business outcomes (insufficient stock, unknown sku) are returned, never thrown.
/// </summary>
public interface IInventoryService
{
    /// <summary>Reserves every line or none. A repeated key returns the outcome stored the first time.</summary>
    Task<StockOperationResult> ReserveAsync(string idempotencyKey, string orderId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves as <see cref="ReserveAsync"/> does and writes the order's row in the same transaction:
    /// <see cref="ReservationRows.Reserved"/>, put back to
    /// <see cref="ReservationRows.Reserving"/> before the commit when the stock is insufficient or a sku unknown, so the
    /// committed row never says reserved for stock that was not. A repeated key returns the outcome stored the first
    /// time and writes nothing. An older snapshot never replaces a newer row.
    /// </summary>
    Task<StockOperationResult> ReserveAndRecordAsync(string idempotencyKey, IReadOnlyList<StockLine> lines, ReservationRows rows, CancellationToken cancellationToken = default);

    /// <summary>Gives back what <paramref name="orderId"/> reserved; a no-op when nothing was reserved or it was already released.</summary>
    Task<StockOperationResult> ReleaseAsync(string idempotencyKey, string orderId, CancellationToken cancellationToken = default);

    /// <summary>Adds <paramref name="quantity"/> units of available stock to an existing sku.</summary>
    Task<StockOperationResult> RestockAsync(string idempotencyKey, string sku, int quantity, CancellationToken cancellationToken = default);
}
