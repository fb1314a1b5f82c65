using System.Diagnostics.Metrics;
using OmniFlow.Fulfillment.Inventory;

namespace OmniFlow.Tests.Inventory;

/// <summary>Counts the inventory's transaction retries while alive (any test running in parallel adds to it).</summary>
public sealed class RetryCounter : IDisposable
{
    private readonly MeterListener listener = new();
    private long retries;

    public RetryCounter()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == InventoryTelemetry.Name && instrument.Name == "omniflow.inventory.retries")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref retries, value));
        listener.Start();
    }

    public long Retries => Interlocked.Read(ref retries);

    public void Dispose() => listener.Dispose();
}
