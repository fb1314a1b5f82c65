using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>
/// Reserves <paramref name="Lines"/> for the order; with both snapshots, writes the order's row in the same transaction
/// (<paramref name="Reserved"/> when the stock is reserved, else <paramref name="Reserving"/>).
/// </summary>
public sealed record ReserveStockRequest(string OrderId, IReadOnlyList<StockLine> Lines, OrderSnapshot? Reserving = null, OrderSnapshot? Reserved = null);

public sealed record OrderNotification(string OrderId, string? UserId, string Message);
