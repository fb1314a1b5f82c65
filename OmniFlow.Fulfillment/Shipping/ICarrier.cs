using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Shipping;

/// <summary>The carrier that takes a warehouse's parcel; a repeated idempotency key returns the first tracking number.</summary>
public interface ICarrier
{
    /// <summary>Returns the tracking number; throws <see cref="ShipmentRejectedException"/> when the carrier refuses for good.</summary>
    Task<string> ShipAsync(string idempotencyKey, string orderId, string warehouse, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default);
}

public sealed class ShipmentRejectedException(string message) : Exception(message);
