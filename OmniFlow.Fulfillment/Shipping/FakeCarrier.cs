using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Fulfillment.Shipping;

/// <summary>The development carrier: ships instantly, refuses the warehouses listed in <c>Shipping:FailWarehouses</c>.</summary>
public sealed partial class FakeCarrier(IOptionsMonitor<ShippingOptions> options, ILogger<FakeCarrier> logger) : ICarrier
{
    private readonly ConcurrentDictionary<string, string> trackingNumbers = new(StringComparer.Ordinal);

    public Task<string> ShipAsync(string idempotencyKey, string orderId, string warehouse, IReadOnlyList<StockLine> lines, CancellationToken cancellationToken = default)
    {
        if (options.CurrentValue.FailWarehouses.Contains(warehouse, StringComparer.OrdinalIgnoreCase))
        {
            throw new ShipmentRejectedException($"The carrier does not collect from warehouse {warehouse}.");
        }

        return Task.FromResult(trackingNumbers.GetOrAdd(idempotencyKey, key =>
        {
            var tracking = $"TRK-{warehouse}-{Guid.NewGuid():N}"[..24];
            LogShipped(orderId, warehouse, tracking);
            return tracking;
        }));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} shipped from {Warehouse}: {TrackingNumber}")]
    private partial void LogShipped(string orderId, string warehouse, string trackingNumber);
}
