using System.Diagnostics;
using OmniFlow.Fulfillment.Persistence;

namespace OmniFlow.Fulfillment.Inventory;

/// <summary>A reservation waiting in the <see cref="ReservationQueue"/> for the transaction that commits it.</summary>
internal sealed class PendingReservation(
    string key, string orderId, SortedDictionary<string, int> wanted, ReservationRows? rows, ActivityContext caller, CancellationToken cancellationToken)
{
    public string Key { get; } = key;

    public string OrderId { get; } = orderId;

    /// <summary>Units per sku, in sku order.</summary>
    public SortedDictionary<string, int> Wanted { get; } = wanted;

    /// <summary>The order's row to write with the reservation, if the caller gave one.</summary>
    public ReservationRows? Rows { get; } = rows;

    /// <summary>The caller's span, which the commit's span names.</summary>
    public ActivityContext Caller { get; } = caller;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public TaskCompletionSource<OnceResult<StockOperationResult>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
