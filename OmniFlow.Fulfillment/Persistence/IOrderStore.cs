using OmniFlow.Fulfillment.Orders;

namespace OmniFlow.Fulfillment.Persistence;

public sealed record OrderTimelineEvent(DateTimeOffset At, string Event);

/// <summary>An order as stored for reading; <see cref="Status"/> is one of the contract's status names.</summary>
public sealed record StoredOrder(
    string OrderId,
    string? UserId,
    decimal Amount,
    string Status,
    IReadOnlyList<OrderItem> Lines,
    IReadOnlyList<OrderTimelineEvent> Timeline,
    DateTimeOffset? PaymentDeadline,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? IdempotencyKey = null);

/// <summary>Selects orders by status and/or sku; null matches everything.</summary>
public sealed record OrderQuery(string? Status = null, string? Sku = null, int Limit = 100);

/// <summary>The read model of orders. The order workflow writes it; the API reads it.</summary>
public interface IOrderStore
{
    /// <summary>
    /// Creates or replaces the order (lines, status, timeline, deadline). A snapshot older than the stored one
    /// (by <see cref="StoredOrder.UpdatedAt"/>) is ignored, so a retried activity cannot roll an order back.
    /// </summary>
    Task SaveAsync(StoredOrder order, CancellationToken cancellationToken = default);

    Task<StoredOrder?> GetAsync(string orderId, CancellationToken cancellationToken = default);

    /// <summary>The newest orders matching <paramref name="query"/>, at most <see cref="OrderQuery.Limit"/>.</summary>
    Task<IReadOnlyList<StoredOrder>> ListAsync(OrderQuery query, CancellationToken cancellationToken = default);

    Task<int> CountAsync(OrderQuery query, CancellationToken cancellationToken = default);
}
