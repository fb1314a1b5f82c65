using OmniFlow.Fulfillment.Inventory;
using Temporalio.Activities;

namespace OmniFlow.Fulfillment.Orders;

/// <summary>Stock movements of an order in the database; the idempotency keys are derived from the order id and the step.</summary>
public sealed class InventoryActivities(IInventoryService inventory)
{
    public const string Reserve = "ReserveStock";
    public const string Release = "ReleaseStock";

    public static string ReserveKey(string orderId) => $"{orderId}:reserve";

    public static string ReleaseKey(string orderId) => $"{orderId}:release";

    /// <summary>
    /// Insufficient stock or an unknown sku is returned; lock timeouts throw and are retried. Given the order's
    /// snapshots, the order's row is written in the same transaction as the reservation.
    /// </summary>
    [Activity(Reserve)]
    public Task<StockOperationResult> ReserveStockAsync(ReserveStockRequest request)
    {
        var token = ActivityExecutionContext.Current.CancellationToken;
        return request is { Reserving: { } reserving, Reserved: { } reserved }
            ? inventory.ReserveAndRecordAsync(ReserveKey(request.OrderId), request.Lines, new(StoredOrders.From(reserving), StoredOrders.From(reserved)), token)
            : inventory.ReserveAsync(ReserveKey(request.OrderId), request.OrderId, request.Lines, token);
    }

    [Activity(Release)]
    public Task<StockOperationResult> ReleaseStockAsync(string orderId) =>
        inventory.ReleaseAsync(ReleaseKey(orderId), orderId, ActivityExecutionContext.Current.CancellationToken);
}
