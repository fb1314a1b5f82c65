using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Admission;

/// <summary>
/// The flash-sale admission gate (L1): one atomic check-and-decrement for a whole order, all lines or none.
/// Implemented over Redis (one Lua script) and in process (the embedded default), with the same semantics.
/// </summary>
public interface IAdmissionGate
{
    /// <summary>
    /// Admits the order when every sku has stock and the user (when given) is under the per-user limit. Once per order id:
    /// asked again for the same lines and user it answers <see cref="AdmissionOutcome.Admitted"/> and takes nothing more;
    /// for other lines or another user, <see cref="AdmissionOutcome.Conflict"/>.
    /// </summary>
    ValueTask<AdmissionResult> TryAdmitAsync(string orderId, string? userId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default);

    /// <summary>
    /// The first sku of <paramref name="lines"/> this instance already knows to be sold out, answered from its local
    /// cache without a round trip; null when it knows of none (which proves nothing: only an admission can tell).
    /// </summary>
    string? KnownSoldOut(IReadOnlyList<StockLine> lines);

    /// <summary>
    /// What <see cref="TryAdmitAsync"/> would answer for an order id it has seen, without taking anything or consulting
    /// the local sold-out cache: <see cref="AdmissionOutcome.Admitted"/> for the same lines and user,
    /// <see cref="AdmissionOutcome.Conflict"/> for others, <see cref="AdmissionOutcome.Withdrawn"/> once given back;
    /// null when nothing was taken under it.
    /// </summary>
    Task<AdmissionResult?> RecallAsync(string orderId, string? userId, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives an admission back (stock and the user's quota). Idempotent per order id; false when there was nothing to
    /// give back. Either way the order id is withdrawn: an admission of it that arrives later (a call whose caller gave
    /// up on it, still on its way to Redis) is refused with <see cref="AdmissionOutcome.Withdrawn"/>.
    /// </summary>
    Task<bool> ReleaseAsync(string orderId, CancellationToken cancellationToken = default);

    /// <summary>Sets what the gate admits for <paramref name="sku"/> and clears every instance's sold-out cache for it.</summary>
    Task SetStockAsync(string sku, int stock, CancellationToken cancellationToken = default);

    /// <summary>What the gate still admits for <paramref name="sku"/>; null when the gate does not know the sku.</summary>
    Task<int?> GetStockAsync(string sku, CancellationToken cancellationToken = default);
}

public enum AdmissionOutcome
{
    Admitted,
    SoldOut,
    UserLimitReached,
    UnknownSku,

    /// <summary>The order id was given back before: nothing is taken under it again.</summary>
    Withdrawn,

    /// <summary>The order id was admitted before for other lines or another user.</summary>
    Conflict,
}

public readonly record struct AdmissionResult(AdmissionOutcome Outcome, string? Sku = null)
{
    public bool Admitted => Outcome == AdmissionOutcome.Admitted;
}
